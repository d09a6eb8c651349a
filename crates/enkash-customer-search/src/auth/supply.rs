//! [`Supply`]: every way a client gets a bearer token, behind one trait, as smithy-rs resolves
//! every identity through `ResolveIdentity`: a static token, a caller's [`TokenSource`], and
//! the password grant with its refresh grant (`password_grant.rs`). What they share (one
//! fetch for every caller, a time limit, renewal, rejections remembered) is the cache's job
//! (`cache.rs`), so each supply only says how to get one token.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::DEFAULT_TOKEN_LIFETIME;
use super::token_source::TokenSource;
use crate::Secret;
use crate::error::{AuthenticationError, AuthenticationFailure, Error};
use crate::settings::Shared;

/// What a [`Supply`] returns.
pub(crate) type Fetch<'a> = Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>>;

/// A bearer token, and how long it may be used.
pub(crate) struct Token {
    pub access_token: Secret,
    /// `None`: for as long as the API takes it.
    pub lifetime: Option<Duration>,
}

/// One way of getting a bearer token.
pub(crate) trait Supply: Send + Sync + fmt::Debug + 'static {
    /// One token, fetched with the client's own settings (never a caller's call options).
    fn fetch<'a>(&'a self, shared: &'a Shared) -> Fetch<'a>;

    /// The error of a fetch that took longer than `limit`.
    fn timed_out(&self, limit: Duration) -> Error;

    /// Whether asking again can give another token (so that a refused one is worth
    /// replacing).
    fn renews(&self) -> bool {
        true
    }

    /// What it is, for `Debug` and the fetch's span.
    fn name(&self) -> &'static str;
}

/// The same bearer token for as long as the client lives.
#[derive(Debug)]
pub(crate) struct StaticToken(pub Secret);

impl Supply for StaticToken {
    fn fetch<'a>(&'a self, _shared: &'a Shared) -> Fetch<'a> {
        let token = Token {
            access_token: self.0.clone(),
            lifetime: None,
        };
        Box::pin(std::future::ready(Ok(token)))
    }

    fn timed_out(&self, limit: Duration) -> Error {
        // Never happens: the token is at hand.
        source_failed(format!("the static token was not at hand within {limit:?}"))
    }

    fn renews(&self) -> bool {
        false
    }

    fn name(&self) -> &'static str {
        "static token"
    }
}

/// The caller's [`TokenSource`]. A source that says its credential was rejected is a
/// rejection like the token endpoint's, remembered for good.
pub(crate) struct FromSource(pub Box<dyn TokenSource>);

impl fmt::Debug for FromSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FromSource")
    }
}

impl Supply for FromSource {
    fn fetch<'a>(&'a self, shared: &'a Shared) -> Fetch<'a> {
        Box::pin(async move {
            let token = self.0.token().await.map_err(|error| {
                let reason = if error.is_rejected() {
                    AuthenticationFailure::CredentialsRejected
                } else {
                    AuthenticationFailure::TokenSourceFailed
                };
                let message = shared.secrets.scrub(&error.message);
                Error::Authentication(Box::new(AuthenticationError::new(
                    reason,
                    None,
                    Some(message),
                )))
            })?;
            if token.token.expose_secret().is_empty() {
                return Err(Error::Authentication(Box::new(AuthenticationError::new(
                    AuthenticationFailure::NoTokenInResponse,
                    None,
                    Some("the token source gave an empty token".into()),
                ))));
            }
            shared.secrets.remember_token(token.token.expose_secret());
            Ok(Token {
                access_token: token.token,
                lifetime: Some(token.expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME)),
            })
        })
    }

    fn timed_out(&self, limit: Duration) -> Error {
        source_failed(format!(
            "the token source gave no token within the token fetch limit of {limit:?} \
             (ClientBuilder::token_fetch_timeout); the next call asks it again"
        ))
    }

    fn name(&self) -> &'static str {
        "token source"
    }
}

fn source_failed(message: String) -> Error {
    Error::Authentication(Box::new(AuthenticationError::new(
        AuthenticationFailure::TokenSourceFailed,
        None,
        Some(message),
    )))
}
