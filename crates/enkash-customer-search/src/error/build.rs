//! [`BuildError`]: settings a client cannot be built with.

use std::fmt;

/// Why a [`Client`](crate::Client) could not be built.
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
    /// The bearer token or the credentials cannot be used (the reason never shows them).
    InvalidCredentials(String),
    /// The user agent cannot be sent.
    InvalidUserAgent(String),
    /// The TLS configuration could not be built.
    Tls(String),
    /// A bundle given to [`ClientBuilder::add_root_certificates`](crate::ClientBuilder::add_root_certificates)
    /// is not PEM, or holds no certificate, or a block that is not one (the reason says which);
    /// on Android, where only the platform's roots are used, any bundle.
    InvalidRootCertificates(String),
    /// A proxy given by URL to [`ClientBuilder::proxy_url`](crate::ClientBuilder::proxy_url)
    /// cannot be used (the reason never quotes the URL, which may hold a password).
    InvalidProxy(String),
    /// The HTTP client could not be built.
    Http(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL {url:?}: {reason}")
            }
            BuildError::InvalidCredentials(reason) => write!(f, "invalid credentials: {reason}"),
            BuildError::InvalidUserAgent(reason) => write!(f, "invalid user agent: {reason}"),
            BuildError::Tls(reason) => write!(f, "cannot set up TLS: {reason}"),
            BuildError::InvalidRootCertificates(reason) => {
                write!(f, "cannot trust the root certificates given: {reason}")
            }
            BuildError::InvalidProxy(reason) => write!(f, "invalid proxy URL: {reason}"),
            BuildError::Http(reason) => write!(f, "cannot build the HTTP client: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}
