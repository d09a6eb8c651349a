//! [`AuthenticationError`] and its kinds: every way getting or using a token can fail, each
//! saying whether the credentials may be sent again.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use super::ApiError;
use crate::text::shown;

/// Why authentication failed. The credentials are never retried automatically: EnKash locks
/// the account after 3 failed logins.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AuthenticationError {
    /// What happened.
    pub reason: AuthenticationFailure,
    /// The HTTP status of the response that said so, if there was one.
    pub status: Option<StatusCode>,
    /// The server's explanation (`error_description`, or the envelope's `errorMessage`).
    pub message: Option<String>,
    /// The envelope of a rejected search, when there was one.
    pub api_error: Option<ApiError>,
    /// How long until the client tries again, when it has paused
    /// ([`AuthenticationFailure::LoginPaused`]).
    pub retry_after: Option<Duration>,
}

impl AuthenticationError {
    /// An error of kind `reason` with the server's `status` and `message`.
    pub(crate) fn new(
        reason: AuthenticationFailure,
        status: Option<StatusCode>,
        message: Option<String>,
    ) -> Self {
        AuthenticationError {
            reason,
            status,
            message,
            api_error: None,
            retry_after: None,
        }
    }
}

/// The kinds of [`AuthenticationError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticationFailure {
    /// The token endpoint rejected the credentials (HTTP 400 or 401). The client will not try
    /// them again; build a new client with corrected credentials.
    CredentialsRejected,
    /// These credentials were rejected earlier in this client's life, so nothing was sent.
    CredentialsRejectedEarlier,
    /// The API refused the bearer token (HTTP 401, or `errorType` `UNAUTHORIZED`), after one
    /// fresh token when the client holds credentials.
    TokenRejected,
    /// The token endpoint answered 200 without a usable token.
    NoTokenInResponse,
    /// The token endpoint failed (HTTP 5xx, a 408 or a 429): a server or gateway failure, not a
    /// verdict on the credentials, which stay usable. Not retried by the client, since the
    /// request reached the server and may have counted as a login attempt.
    TokenEndpointFailed,
    /// The token endpoint answered with a redirect (3xx), which the client never follows:
    /// the credentials go to the configured token URL and nowhere else. The message names the
    /// status and the origin the `Location` pointed to.
    Redirected,
    /// The API wants authentication and the client has neither a token nor credentials.
    NotConfigured,
    /// The caller's [`TokenSource`](crate::TokenSource) had no token for now
    /// ([`TokenSourceError::unavailable`](crate::TokenSourceError::unavailable)); the next
    /// call asks it again.
    TokenSourceFailed,
    /// The password was sent twice in a row without a token coming back (timeouts, broken
    /// reads, 5xx answers), and each may have counted as a failed login on EnKash's side, so
    /// the client does not send it again until its
    /// [`login_cooldown`](crate::ClientBuilder::login_cooldown) has passed
    /// ([`AuthenticationError::retry_after`] says how long that is) or the client is rebuilt.
    /// Nothing was sent.
    LoginPaused,
}

impl fmt::Display for AuthenticationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed: ")?;
        f.write_str(match self.reason {
            AuthenticationFailure::CredentialsRejected => {
                "the token endpoint rejected the credentials (not retried: EnKash locks the \
                 account after 3 failed logins)"
            }
            AuthenticationFailure::CredentialsRejectedEarlier => {
                "these credentials were rejected earlier, so they were not sent again (EnKash \
                 locks the account after 3 failed logins)"
            }
            AuthenticationFailure::TokenRejected => "EnKash refused the bearer token",
            AuthenticationFailure::NoTokenInResponse => {
                "the token endpoint answered without an access token"
            }
            AuthenticationFailure::TokenEndpointFailed => {
                "the token endpoint failed (a server or gateway failure, not a verdict on the \
                 credentials)"
            }
            AuthenticationFailure::Redirected => {
                "the token endpoint answered with a redirect, which is never followed (the \
                 credentials go to the configured token URL only)"
            }
            AuthenticationFailure::TokenSourceFailed => "the token source had no token",
            AuthenticationFailure::LoginPaused => {
                "the password was not sent: two logins in a row brought no token, and each may \
                 have counted as a failed login (EnKash locks the account after 3)"
            }
            AuthenticationFailure::NotConfigured => {
                "EnKash requires a token and the client has none (set a bearer token or \
                 credentials on the ClientBuilder)"
            }
        })?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", shown(message, 200))?;
        }
        Ok(())
    }
}
