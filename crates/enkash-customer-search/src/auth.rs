//! Authentication: a static bearer token, or credentials exchanged for a token that is cached,
//! refreshed before it lapses, and fetched once however many callers need it at the same time.
//!
//! EnKash locks an account after 3 consecutive failed logins, so the one rule this module never
//! bends: a credential the token endpoint has rejected is not sent again by this client. Every
//! later call fails at once with [`AuthenticationFailure::CredentialsRejectedEarlier`].

use std::fmt;
use std::future::Future;
use std::time::Duration;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use reqwest::header::HeaderValue;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::Secret;
use crate::error::{AuthenticationError, AuthenticationFailure, Error};
use crate::token_source::TokenSource;

/// The credentials of the EnKash "Get Authentication Token" call: the API client's id and
/// secret (sent as HTTP Basic) and a registered user's e-mail and password (the password
/// grant). `Debug` shows the ids, never the secret or the password.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) company_id: Option<String>,
}

impl Credentials {
    /// Credentials from the API client's id and secret and the user's e-mail and password.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            username: username.into(),
            password: password.into(),
            company_id: None,
        }
    }

    /// The company id (`CEK…`) for the form's `clientId` field, when it differs from the API
    /// client id sent in the Basic header. By default the client id is sent in both places.
    pub fn company_id(mut self, company_id: impl Into<String>) -> Self {
        self.company_id = Some(company_id.into());
        self
    }

    /// The API client id (the user part of the Basic header).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The user's e-mail.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The user's password, still wrapped.
    pub fn password(&self) -> &Secret {
        &self.password
    }

    /// The value of the token call's `clientId` form field: the company id if one was set,
    /// else the client id.
    pub fn form_client_id(&self) -> &str {
        self.company_id.as_deref().unwrap_or(&self.client_id)
    }

    /// `Authorization: Basic base64(clientId:clientSecret)`, marked sensitive, for the token
    /// call (and for mocks that must match it).
    pub fn basic_header(&self) -> HeaderValue {
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        // Base64 is always a valid header value.
        let mut header =
            HeaderValue::from_maybe_shared(format!("Basic {}", BASE64_STANDARD.encode(pair)))
                .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        header.set_sensitive(true);
        header
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("company_id", &self.company_id)
            .finish()
    }
}

/// How requests are authenticated.
#[derive(Debug)]
pub(crate) enum Auth {
    /// No `Authorization` header (a test server, or auth added by the caller's own client).
    None,
    /// The same bearer token on every request.
    Bearer(HeaderValue),
    /// Tokens fetched from the token endpoint or a caller's source, and cached.
    Fetched(Box<TokenCache>),
}

/// Where a [`TokenCache`] gets its tokens.
pub(crate) enum Supply {
    /// The token endpoint's password grant.
    Password(Credentials),
    /// The caller's [`TokenSource`].
    Source(Box<dyn TokenSource>),
}

impl fmt::Debug for Supply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Supply::Password(credentials) => f.debug_tuple("Password").field(credentials).finish(),
            Supply::Source(_) => f.write_str("Source"),
        }
    }
}

/// A token from the token endpoint, before it is cached.
pub(crate) struct FetchedToken {
    pub access_token: Secret,
    pub expires_in: Option<i64>,
    /// For the refresh grant, when the endpoint gave one.
    pub refresh_token: Option<Secret>,
}

/// How long a token is trusted when the response does not say: the 5 minutes the EnKash pages
/// state.
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The cached token of a client with credentials or a token source.
pub(crate) struct TokenCache {
    pub supply: Supply,
    state: Mutex<TokenState>,
}

enum TokenState {
    Empty,
    Valid {
        authorization: HeaderValue,
        refresh_at: Instant,
        /// The refresh token that came with it (or with an earlier one), kept after the
        /// token lapses or is refused.
        refresh_token: Option<Secret>,
    },
    Rejected(AuthenticationError),
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("supply", &self.supply)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(supply: Supply) -> Self {
        TokenCache {
            supply,
            state: Mutex::new(TokenState::Empty),
        }
    }

    /// The `Authorization` header to send: the cached token while it is fresh, else the one
    /// `fetch` gets, given the refresh token kept, if any. The lock is held while fetching,
    /// so concurrent callers wait for the one fetch instead of each starting their own. A
    /// rejection is remembered for good.
    pub async fn authorization<F, Fut>(&self, fetch: F) -> Result<HeaderValue, Error>
    where
        F: FnOnce(Option<Secret>) -> Fut,
        Fut: Future<Output = Result<FetchedToken, Error>>,
    {
        let mut state = self.state.lock().await;
        let kept_refresh_token = match &*state {
            TokenState::Valid {
                authorization,
                refresh_at,
                ..
            } if Instant::now() < *refresh_at => return Ok(authorization.clone()),
            TokenState::Valid { refresh_token, .. } => refresh_token.clone(),
            TokenState::Rejected(earlier) => {
                return Err(Error::Authentication(Box::new(AuthenticationError {
                    reason: AuthenticationFailure::CredentialsRejectedEarlier,
                    ..earlier.clone()
                })));
            }
            TokenState::Empty => None,
        };
        match fetch(kept_refresh_token.clone()).await {
            Ok(token) => {
                let authorization =
                    sensitive_header(&format!("Bearer {}", token.access_token.expose_secret()))
                        .map_err(|_| {
                            Error::Authentication(Box::new(AuthenticationError {
                                reason: AuthenticationFailure::NoTokenInResponse,
                                status: None,
                                message: Some(
                                    "the token has characters an HTTP header cannot carry".into(),
                                ),
                                api_error: None,
                            }))
                        })?;
                *state = TokenState::Valid {
                    authorization: authorization.clone(),
                    refresh_at: refresh_deadline(Instant::now(), refresh_after(token.expires_in)),
                    // A refresh grant need not rotate the refresh token.
                    refresh_token: token.refresh_token.or(kept_refresh_token),
                };
                Ok(authorization)
            }
            Err(Error::Authentication(rejected))
                if rejected.reason == AuthenticationFailure::CredentialsRejected =>
            {
                *state = TokenState::Rejected((*rejected).clone());
                Err(Error::Authentication(rejected))
            }
            Err(other) => Err(other),
        }
    }

    /// Forgets `stale` (a token the API refused), unless another caller has already replaced
    /// it: of many requests refused with one token, only the first causes a new fetch. Its
    /// refresh token is kept for that fetch.
    pub async fn invalidate(&self, stale: &HeaderValue) {
        let mut state = self.state.lock().await;
        if let TokenState::Valid {
            authorization,
            refresh_at,
            ..
        } = &mut *state
            && authorization == stale
        {
            *refresh_at = Instant::now();
        }
    }
}

/// How long to use a token with this `expires_in` before fetching the next one: its lifetime
/// less a tenth, and at most a minute less, so it is replaced before it lapses.
pub(crate) fn refresh_after(expires_in: Option<i64>) -> Duration {
    let lifetime = match expires_in {
        Some(seconds) => Duration::from_secs(u64::try_from(seconds).unwrap_or(0)),
        None => DEFAULT_TOKEN_LIFETIME,
    };
    let margin = (lifetime / 10).min(Duration::from_secs(60));
    lifetime - margin
}

/// `now + after`, or about 30 years from now when that is past what an `Instant` can hold (an
/// `expires_in` of `Long.MAX_VALUE`, say), instead of panicking.
fn refresh_deadline(now: Instant, after: Duration) -> Instant {
    const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 86_400);
    now.checked_add(after).unwrap_or_else(|| now + FAR_FUTURE)
}

pub(crate) fn sensitive_header(
    value: &str,
) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut header = HeaderValue::from_str(value)?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basic_header_is_the_client_id_and_secret_and_is_sensitive() {
        let credentials = Credentials::new("CEK1234567", "s3cr3t", "a@b.in", "pw");
        let header = credentials.basic_header();
        assert_eq!(header.to_str().unwrap(), "Basic Q0VLMTIzNDU2NzpzM2NyM3Q=");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("Q0VL"));
    }

    #[test]
    fn debug_shows_ids_but_no_secret() {
        let credentials =
            Credentials::new("CEK1234567", "client-SECRET-1", "a@b.in", "PASS-word-2")
                .company_id("CEK7654321");
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("CEK1234567") && shown.contains("a@b.in"),
            "{shown}"
        );
        assert!(
            !shown.contains("client-SECRET-1") && !shown.contains("PASS-word-2"),
            "{shown}"
        );
        assert_eq!(credentials.form_client_id(), "CEK7654321");
    }

    #[test]
    fn tokens_are_refreshed_before_they_lapse() {
        assert_eq!(refresh_after(Some(86_399)), Duration::from_secs(86_339));
        assert_eq!(refresh_after(Some(300)), Duration::from_secs(270));
        assert_eq!(refresh_after(None), Duration::from_secs(270));
        assert_eq!(refresh_after(Some(0)), Duration::ZERO);
        assert_eq!(refresh_after(Some(-5)), Duration::ZERO);
        assert!(refresh_after(Some(i64::MAX)) > Duration::from_secs(1 << 40));
    }

    #[test]
    fn a_lifetime_too_long_for_an_instant_does_not_overflow() {
        let now = Instant::now();
        let far = refresh_deadline(now, refresh_after(Some(i64::MAX)));
        assert!(far >= now + Duration::from_secs(29 * 365 * 86_400));
        assert_eq!(
            refresh_deadline(now, Duration::from_secs(270)),
            now + Duration::from_secs(270)
        );
    }
}
