//! Per-call options: what one call, or one stream, may change without a second client, and so
//! without a second connection pool or a second login.
//!
//! aws-sdk-rust overrides its config per operation and the Stainless SDKs have
//! `with_options`: a batch job wants a longer timeout and a deadline, an interactive caller no
//! retries, a tracing setup its own correlation header. Here
//! [`Client::with_options`](crate::Client::with_options) gives a
//! client that shares everything with the one it came from but these settings.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::RetryPolicy;
use crate::cassette::Cassette;
use crate::drift::Drift;

/// Headers a caller may not set: the client's own (its authentication, what reqwest derives
/// from the body), so that an option can never undo them.
const RESERVED_HEADERS: [&str; 6] = [
    "authorization",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
];

/// What in a header's name says that its value is a secret.
const SECRET_HEADER_WORDS: [&str; 9] = [
    "auth",
    "cookie",
    "token",
    "secret",
    "key",
    "password",
    "session",
    "signature",
    "credential",
];

/// Overrides for the calls made through [`Client::with_options`](crate::Client::with_options):
/// each setting left unset is the client's.
///
/// ```
/// # use std::time::Duration;
/// use enkash_customer_search::{CallOptions, Client, RetryPolicy};
///
/// let client = Client::new("http://127.0.0.1:9")?;
/// let batch = client.with_options(
///     CallOptions::new()
///         .request_timeout(Some(Duration::from_secs(120)))
///         .retry_policy(RetryPolicy::new().with_max_attempts(5))
///         .deadline(Duration::from_secs(300))
///         .header("x-correlation-id", "nightly-42"),
/// );
/// // `batch` shares `client`'s connections and token; `client` is unchanged.
/// assert_eq!(batch.retry_policy().max_attempts(), 5);
/// assert_eq!(client.retry_policy().max_attempts(), 3);
/// # Ok::<(), enkash_customer_search::BuildError>(())
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) request_timeout: Option<Option<Duration>>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) drift: Option<Drift>,
    pub(crate) cassette: Option<Cassette>,
    /// The first header that could not be used: every call fails with it, sending nothing.
    pub(crate) invalid_header: Option<String>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `HeaderValue`'s own `Debug` shows a sensitive value as `Sensitive`.
        f.debug_struct("CallOptions")
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("deadline", &self.deadline)
            .field("headers", &self.headers)
            .field("drift", &self.drift.is_some())
            .field("cassette", &self.cassette.is_some())
            .field("invalid_header", &self.invalid_header)
            .finish()
    }
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long each attempt may take, head and body (`None`: as long as it takes), instead of
    /// the client's [`request_timeout`](crate::ClientBuilder::request_timeout).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// This retry policy instead of the client's.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// A bound on a whole call: every attempt, every wait between them (a server's
    /// `Retry-After` included) and a token fetch it waits for. A wait that would cross it is
    /// not started; the call fails with [`Error::Timeout`](crate::Error::Timeout), whose
    /// [`deadline`](crate::TransportError::deadline) is set. For
    /// [`search_all`](crate::Client::search_all), each page has its own deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Checks every search response against the spec and adds what strayed from it to
    /// `drift` (see [`Drift`]). Costs a copy of each body and a second, untyped parse of it,
    /// so it is off unless asked for.
    pub fn record_drift(mut self, drift: &Drift) -> Self {
        self.drift = Some(drift.clone());
        self
    }

    /// Writes every search exchange (each attempt: the request as sent, the response) to
    /// `cassette`, scrubbed of every secret the client knows and of every customer value (see
    /// [`Cassette`]). Costs a copy of each request and response body, so it is off unless
    /// asked for.
    pub fn record(mut self, cassette: &Cassette) -> Self {
        self.cassette = Some(cassette.clone());
        self
    }

    /// Sends this header with every search (not with the token call), replacing one of the
    /// same name set before. A header whose name speaks of a secret (`x-api-key`,
    /// `cookie`, anything with `token`, `secret`, `auth`, …) is marked sensitive: it never shows
    /// in `Debug` or logs, and a server that echoes it sees it scrubbed from errors. A name or
    /// value HTTP cannot carry, or one of the client's own headers (`Authorization`, `Host`,
    /// `Content-Type`, `Content-Length`, `Transfer-Encoding`, `Connection`), makes every call
    /// an [`Error::InvalidRequest`](crate::Error::InvalidRequest), with nothing sent.
    /// `Accept-Encoding` replaces what [`ClientBuilder::compression`](crate::ClientBuilder::compression)
    /// asks for (one coding of those the build decodes, say); an answer in a coding the build
    /// does not decode is an error that names it.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        match checked_header(name, value.as_ref()) {
            Ok((name, value)) => {
                self.headers.insert(name, value);
            }
            Err(reason) => {
                self.invalid_header.get_or_insert(reason);
            }
        }
        self
    }

    /// These options with `overrides` on top: each setting `overrides` sets wins, and its
    /// headers replace those of the same name.
    pub(crate) fn merged(&self, overrides: CallOptions) -> CallOptions {
        let mut headers = self.headers.clone();
        for (name, value) in &overrides.headers {
            headers.insert(name.clone(), value.clone());
        }
        CallOptions {
            request_timeout: overrides.request_timeout.or(self.request_timeout),
            retry: overrides.retry.or_else(|| self.retry.clone()),
            deadline: overrides.deadline.or(self.deadline),
            headers,
            drift: overrides.drift.or_else(|| self.drift.clone()),
            cassette: overrides.cassette.or_else(|| self.cassette.clone()),
            invalid_header: self.invalid_header.clone().or(overrides.invalid_header),
        }
    }

    /// The values of the sensitive headers, to scrub from what servers send back.
    pub(crate) fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.headers
            .values()
            .filter(|value| value.is_sensitive())
            .filter_map(|value| value.to_str().ok())
    }
}

fn checked_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let header_name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("`{name}` is not a header name HTTP can carry"))?;
    if RESERVED_HEADERS.contains(&header_name.as_str()) {
        return Err(format!(
            "`{header_name}` is the client's own header; set authentication on the client"
        ));
    }
    let sensitive = SECRET_HEADER_WORDS
        .iter()
        .any(|word| header_name.as_str().contains(word));
    let mut header_value = HeaderValue::from_str(value.trim()).map_err(|_| {
        // The value itself may be a secret: never quoted.
        format!("the value of `{header_name}` has characters a header cannot carry")
    })?;
    header_value.set_sensitive(sensitive);
    Ok((header_name, header_value))
}
