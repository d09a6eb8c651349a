//! Authentication: every way of getting a bearer token is a [`Supply`](supply::Supply) (a
//! static token, a caller's [`TokenSource`], the password grant with its refresh grant), and
//! one [`TokenCache`] stands in front of whichever the client has.
//!
//! EnKash locks an account after 3 consecutive failed logins, so the rules this module never
//! bends: a credential the token endpoint has rejected is not sent again by this client; the
//! password is sent at most twice in a row without a token coming back; and a login, once
//! sent, is never dropped by a caller that gave up, so that the next caller does not send it
//! again.
//!
//! - `supply.rs`: the trait, the static token and the token source;
//! - `password_grant.rs`, `token_endpoint.rs`, `login_limit.rs`: the password and refresh
//!   grants, the endpoint's request and answers, the cap on logins;
//! - `cache.rs`: the single flight, renewal, rejections remembered.

mod cache;
mod credentials;
mod login_limit;
mod password_grant;
mod setting;
mod supply;
mod token_endpoint;
mod token_source;

use std::time::Duration;

use reqwest::header::HeaderValue;

pub use credentials::Credentials;
pub use token_source::{SourcedToken, TokenFuture, TokenSource, TokenSourceError};

pub(crate) use cache::TokenCache;
pub(crate) use password_grant::PasswordGrant;
pub(crate) use setting::AuthSetting;

/// How long a token is trusted when the response does not say: the 5 minutes the EnKash pages
/// state.
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The shortest lifetime a token from the endpoint is given, whatever its `expires_in` says.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);

/// The longest lifetime a token from the endpoint is given, whatever its `expires_in` says.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How long one token fetch may take, whoever waits for it, unless told otherwise.
pub const DEFAULT_TOKEN_FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the password waits after two logins in a row brought no token, unless told
/// otherwise.
pub const DEFAULT_LOGIN_COOLDOWN: Duration = Duration::from_secs(15 * 60);

pub(crate) fn sensitive_header(
    value: &str,
) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut header = HeaderValue::from_str(value)?;
    header.set_sensitive(true);
    Ok(header)
}
