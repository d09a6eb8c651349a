//! [`Client`], the crate's entry point: the generated client, built so that it cannot panic.
//!
//! progenitor's own `Client::new` unwraps the `reqwest::Client` it builds, which panics with
//! this crate's TLS setup (see [`crate::tls`]) and takes any base URL unchecked. This wrapper
//! checks the base URL, builds the HTTP client with working TLS, and returns errors instead.
//! It dereferences to the generated client, so every operation (`search_customer`, …) is a
//! method on it.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use crate::generated;

/// How long to wait for a connection, and for a whole request, unless told otherwise.
/// The same 15 seconds progenitor's generated client uses.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("enkash-customer-search/", env!("CARGO_PKG_VERSION"));

/// A client for the EnKash customer search API.
///
/// Every operation of the spec is a method, through `Deref` to the generated client:
/// `client.search_customer().limit(100).send().await`.
#[derive(Clone, Debug)]
pub struct Client {
    inner: generated::Client,
}

impl Client {
    /// A client for the API at `base_url` (scheme, host, optional port and path prefix, for
    /// example `https://api.enkash.in`), with TLS, [`DEFAULT_TIMEOUT`] and [`USER_AGENT`].
    pub fn new(base_url: &str) -> Result<Self, BuildError> {
        let http = crate::tls::reqwest_client_builder()
            .map_err(|e| BuildError::Tls(e.to_string()))?
            .connect_timeout(DEFAULT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| BuildError::Http(e.to_string()))?;
        Self::with_reqwest_client(base_url, http)
    }

    /// A client that sends its requests through `http`, for full control over timeouts,
    /// proxies and connection pooling. For `https` URLs, start `http` from
    /// [`reqwest_client_builder`](crate::reqwest_client_builder).
    pub fn with_reqwest_client(base_url: &str, http: reqwest::Client) -> Result<Self, BuildError> {
        let base_url = checked_base_url(base_url)?;
        Ok(Client {
            inner: generated::Client::new_with_client(&base_url, http),
        })
    }

    /// The base URL requests are sent to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        use progenitor_client::ClientInfo;
        self.inner.baseurl()
    }
}

impl Deref for Client {
    type Target = generated::Client;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

/// An absolute `http` or `https` URL without query or fragment, returned without a trailing
/// slash (operation paths are appended to it as they are).
fn checked_base_url(base_url: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl {
        url: without_userinfo(base_url),
        reason: reason.to_string(),
    };
    let url = reqwest::Url::parse(base_url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the base URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// `url` with any `user:password@` replaced by `***@`, so that errors never show a secret.
fn without_userinfo(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}***{}",
            &url[..authority_start],
            &url[authority_start + at..]
        ),
        None => url.to_string(),
    }
}

/// Why a [`Client`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http(s)` URL without query, fragment or credentials.
    InvalidBaseUrl {
        /// The URL as given, with any credentials in it replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS configuration could not be built.
    Tls(String),
    /// The HTTP client could not be built.
    Http(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL {url:?}: {reason}")
            }
            BuildError::Tls(reason) => write!(f, "cannot set up TLS: {reason}"),
            BuildError::Http(reason) => write!(f, "cannot build the HTTP client: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_build_without_a_process_wide_tls_provider() {
        let client = Client::new("https://ekpayout-uat.enkash.in").expect("an https client builds");
        assert_eq!(client.base_url(), "https://ekpayout-uat.enkash.in");
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[test]
    fn a_path_prefix_is_kept_and_a_trailing_slash_dropped() {
        let client = Client::new("http://127.0.0.1:8080/enkash/").unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8080/enkash");
    }

    #[test]
    fn bad_base_urls_are_errors_that_say_why() {
        for (url, reason) in [
            ("api.enkash.in", "relative URL without a base"),
            ("ftp://api.enkash.in", "the scheme must be http or https"),
            ("https://api.enkash.in/?a=1", "no query or fragment"),
            (
                "https://user:secret@api.enkash.in",
                "credentials do not belong",
            ),
        ] {
            let err = Client::new(url).expect_err(url).to_string();
            assert!(err.contains(reason), "{url}: {err}");
            assert!(!err.contains("secret"), "a credential leaked into {err:?}");
        }
    }

    #[test]
    fn credentials_are_redacted_even_from_urls_that_do_not_parse() {
        assert_eq!(
            without_userinfo("https://u:secret@host/x"),
            "https://***@host/x"
        );
        assert_eq!(without_userinfo("u:secret@host:99999"), "***@host:99999");
        assert_eq!(without_userinfo("https://host/a@b"), "https://host/a@b");
    }
}
