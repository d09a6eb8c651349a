//! Tokens from the caller: a vault, a token shared by a fleet of workers, a cache file.
//!
//! aws-sdk-rust takes credentials from providers it caches; here a [`TokenSource`] is asked
//! for a bearer token whenever the client has none that is fresh, under the same rules as the
//! built-in password grant: one request to the source however many calls wait for it (in a
//! task of its own, within the client's token fetch limit), the token kept until shortly
//! before it expires, one fresh token after the API refuses one, and a source that says its
//! credential was rejected is never asked again.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::Secret;

/// What a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SourcedToken, TokenSourceError>> + Send + 'a>>;

/// Supplies bearer tokens to a [`Client`](crate::Client) built with
/// [`ClientBuilder::token_source`](crate::ClientBuilder::token_source).
///
/// ```
/// use std::time::Duration;
/// use enkash_customer_search::{SourcedToken, TokenFuture, TokenSource, TokenSourceError};
///
/// /// A token that a sidecar keeps fresh in a file.
/// struct TokenFile(std::path::PathBuf);
///
/// impl TokenSource for TokenFile {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async move {
///             // Off the runtime's threads, so the client's time limit can give up on it.
///             let path = self.0.clone();
///             let token = tokio::task::spawn_blocking(move || std::fs::read_to_string(path))
///                 .await
///                 .map_err(|e| TokenSourceError::unavailable(format!("token file: {e}")))?
///                 .map_err(|e| TokenSourceError::unavailable(format!("token file: {e}")))?;
///             Ok(SourcedToken::new(token.trim()).expires_in(Duration::from_secs(60)))
///         })
///     }
/// }
///
/// let client = enkash_customer_search::Client::builder("http://127.0.0.1:9")
///     .token_source(TokenFile("/run/enkash/token".into()))
///     .build()?;
/// # Ok::<(), enkash_customer_search::BuildError>(())
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// A token, or why there is none. Called once for every caller waiting, and only when the
    /// client holds no fresh token. The future runs in a task of its own, within
    /// [`ClientBuilder::token_fetch_timeout`](crate::ClientBuilder::token_fetch_timeout): one
    /// that takes longer is dropped and the fetch fails (the next call asks again), so do
    /// blocking work (a file, a subprocess) with `spawn_blocking` or tokio's own I/O, never on
    /// the runtime's threads.
    fn token(&self) -> TokenFuture<'_>;
}

/// A token from a [`TokenSource`], and how long it may be used.
#[derive(Clone, Debug)]
pub struct SourcedToken {
    pub(crate) token: Secret,
    pub(crate) expires_in: Option<Duration>,
}

impl SourcedToken {
    /// `token`, sent as `Authorization: Bearer <token>`; used for 5 minutes (less a tenth)
    /// unless [`expires_in`](Self::expires_in) says otherwise.
    pub fn new(token: impl Into<Secret>) -> Self {
        SourcedToken {
            token: token.into(),
            expires_in: None,
        }
    }

    /// How long the token stays valid; the client asks for the next one a tenth (at most a
    /// minute) before then.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }
}

/// Why a [`TokenSource`] has no token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSourceError {
    pub(crate) rejected: bool,
    pub(crate) message: String,
}

impl TokenSourceError {
    /// The source's credential was refused: the client never asks this source again, as
    /// with rejected credentials (an account that locks after failed logins must not be
    /// tried again by a loop).
    pub fn rejected(message: impl Into<String>) -> Self {
        TokenSourceError {
            rejected: true,
            message: message.into(),
        }
    }

    /// No token for now (the vault is down): this call fails, and the next one asks again.
    pub fn unavailable(message: impl Into<String>) -> Self {
        TokenSourceError {
            rejected: false,
            message: message.into(),
        }
    }

    /// Whether the source's credential was refused.
    pub fn is_rejected(&self) -> bool {
        self.rejected
    }
}

impl fmt::Display for TokenSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TokenSourceError {}
