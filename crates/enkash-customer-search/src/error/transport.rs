//! [`TransportError`]: a connection that failed, broke or timed out, and its
//! [`TransportErrorKind`], read once from reqwest's chain of causes.
//!
//! reqwest's own `Display` is only its outermost sentence ("error sending request for url
//! (…)"); the cause that tells a refused connection from an unknown certificate issuer is
//! further down the chain. The kind is found there once, and what is retried and what is
//! printed follow from it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// A connection that failed, broke or timed out.
#[derive(Clone)]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// The status, when the failure came while reading a response's body.
    pub status: Option<StatusCode>,
    /// Whether the request cannot have reached EnKash: no connection was made (the kinds
    /// [`Connect`](TransportErrorKind::Connect), [`Dns`](TransportErrorKind::Dns),
    /// [`Tls`](TransportErrorKind::Tls)), or a proxy kept it ([`Proxy`](TransportErrorKind::Proxy),
    /// but for a 407 from inside an HTTPS tunnel or on a request that went to no proxy).
    pub connect: bool,
    /// How many attempts were made.
    pub attempts: u32,
    /// The call's deadline ([`CallOptions::deadline`](crate::CallOptions::deadline)), when it
    /// is what ran out: then no attempt was cut by its own timeout, and no wait crossed it.
    pub deadline: Option<Duration>,
    pub(crate) source: Option<Arc<reqwest::Error>>,
    pub(crate) detail: Option<String>,
    /// For a proxy's refusal: the proxy, named without its credentials.
    pub(crate) proxy: Option<String>,
    /// For a 407: the address that answered it.
    pub(crate) answered_from: Option<std::net::SocketAddr>,
    /// `source` and its causes as shown, once scrubbed of the client's secrets.
    pub(crate) shown: Option<String>,
}

/// Which way a request went, as far as the client can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// No proxy: whatever answered was the server.
    Direct,
    /// Through a proxy, named without its credentials.
    Proxy(String),
    /// Not known: the caller's own `reqwest::Client` keeps its proxies to itself.
    Unknown,
}

/// What kind of failure a [`TransportError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, unreachable, or not within the connect
    /// timeout): nothing was sent. Retried.
    Connect,
    /// The host name did not resolve: nothing was sent. Retried, as a connect failure.
    Dns,
    /// A proxy on the way refused the connection: it wants credentials (HTTP 407) that it was
    /// not given, or not these. Not retried. Whether anything reached EnKash is
    /// [`connect`](TransportError::connect): not when a proxy answered before it, but a 407
    /// with no proxy on the way came from the server itself.
    Proxy,
    /// The TLS handshake failed (an untrusted or expired certificate, a protocol mismatch):
    /// nothing was sent. Not retried: it fails the same way until the trust is fixed.
    Tls,
    /// The connection broke while the request or the response was on its way (a TLS alert
    /// after the handshake included). Retried for a search; never for the token call, whose
    /// request may have been read.
    Io,
    /// An attempt, or the token fetch, took longer than its timeout. Retried for a search.
    Timeout,
    /// The call's own deadline ran out ([`CallOptions::deadline`](crate::CallOptions::deadline)).
    /// Never retried within the call, whose budget is spent.
    Deadline,
    /// Anything else reqwest reports. Retried.
    Other,
}

impl TransportErrorKind {
    /// Whether it failed before anything was sent, so that sending again cannot count twice.
    pub fn nothing_sent(self) -> bool {
        matches!(self, Self::Connect | Self::Dns | Self::Tls | Self::Proxy)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "could not connect",
            Self::Proxy => "the proxy refused the connection",
            Self::Dns => "the host name did not resolve",
            Self::Tls => "the TLS handshake failed",
            Self::Io => "the connection broke",
            Self::Timeout => "timed out",
            Self::Deadline => "the call's deadline ran out",
            Self::Other => "the request failed",
        }
    }

    /// The kind of `error`, from its chain of causes.
    fn of(error: &reqwest::Error) -> Self {
        let mut tls = false;
        let mut dns = false;
        let mut io = false;
        let mut proxy = false;
        for cause in causes(error) {
            // hyper-util's tunnel, after a CONNECT answered 407; its error type is private.
            proxy |= cause.to_string().ends_with("proxy authorization required");
            tls |= cause.is::<rustls::Error>();
            // hyper-util's connector says so in so many words; its error type is private.
            dns |= cause.to_string() == "dns error";
            io |= cause.is::<std::io::Error>();
        }
        // Only inside the connector did nothing reach the server: a TLS alert or a timeout
        // while the response is read comes after the request was written.
        if error.is_connect() {
            if proxy {
                Self::Proxy
            } else if tls {
                Self::Tls
            } else if dns {
                Self::Dns
            } else {
                Self::Connect
            }
        } else if error.is_timeout() {
            Self::Timeout
        } else if io || error.is_body() || error.is_request() {
            Self::Io
        } else {
            Self::Other
        }
    }
}

/// `error` and every cause under it, looking inside `io::Error`s too (whose `source` skips
/// the error they wrap, where rustls puts its own).
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
                .or_else(|| current.source()),
            None => current.source(),
        };
        Some(current)
    })
}

impl TransportError {
    /// Whether trying again may succeed: not after a failed TLS handshake or a proxy's refusal.
    pub(crate) fn is_retryable(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Tls | TransportErrorKind::Proxy
        )
    }

    pub(crate) fn from_reqwest(mut error: reqwest::Error, status: Option<StatusCode>) -> Self {
        // After a redirect the URL is the server's `Location`, whose query or user part may
        // carry anything; the origin and path are what a reader needs.
        if let Some(url) = error.url_mut() {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        let kind = TransportErrorKind::of(&error);
        TransportError {
            kind,
            status: status.or(error.status()),
            connect: kind.nothing_sent(),
            attempts: 1,
            deadline: None,
            // reqwest's Display includes the URL: the base URL (checked for credentials when the
            // client is built) and the path, without a query.
            source: Some(Arc::new(error)),
            detail: None,
            proxy: None,
            answered_from: None,
            shown: None,
        }
    }

    /// A failure described by `detail` alone (no reqwest error under it).
    pub(crate) fn described(kind: TransportErrorKind, detail: String) -> Self {
        TransportError {
            kind,
            status: None,
            connect: kind.nothing_sent(),
            attempts: 1,
            deadline: None,
            source: None,
            detail: Some(detail),
            proxy: None,
            answered_from: None,
            shown: None,
        }
    }

    /// A 407: a proxy's answer, and no verdict on EnKash's credentials. Over plain HTTP it
    /// comes from a forward proxy, which kept the request from EnKash (`stopped_at_proxy`);
    /// over HTTPS a proxy refuses the tunnel before any request (a connect failure, see
    /// [`TransportErrorKind`]), so a 407 inside the tunnel came from the far side, and the
    /// request may have been read. `answered_from`, the address that answered, names it (the
    /// proxy, or the server on a request that went to none): it cannot hold a password.
    pub(crate) fn proxy_refused(
        stopped_at_proxy: bool,
        answered_from: Option<std::net::SocketAddr>,
    ) -> Self {
        let at = answered_from
            .map(|addr| format!(" at {addr}"))
            .unwrap_or_default();
        TransportError {
            connect: stopped_at_proxy,
            status: Some(StatusCode::PROXY_AUTHENTICATION_REQUIRED),
            answered_from,
            ..TransportError::described(
                TransportErrorKind::Proxy,
                format!(
                    "the proxy{at} asked for credentials it was not given, or refused these; \
                     give them in its URL (HTTPS_PROXY=http://user:password@host:port) or to \
                     ClientBuilder::proxy"
                ),
            )
        }
    }

    /// The same 407, on a request the client sent to no proxy: the server, or something in
    /// front of it that the client cannot see, asked, and may have read the request.
    pub(crate) fn went_direct(&mut self) {
        self.connect = false;
        if self.status == Some(StatusCode::PROXY_AUTHENTICATION_REQUIRED) {
            let at = self
                .answered_from
                .map(|addr| format!(" at {addr}"))
                .unwrap_or_default();
            self.detail = Some(format!(
                "the server{at} asked for proxy credentials, though the request went to no \
                 proxy (none was given, or the no-proxy rules sent it direct): something in \
                 front of the server wants them"
            ));
        }
    }

    /// The deadline of `after` ran out `when` (after `attempts` attempts).
    pub(crate) fn deadline_passed(after: Duration, attempts: u32, when: String) -> Self {
        TransportError {
            attempts,
            deadline: Some(after),
            ..TransportError::described(
                TransportErrorKind::Deadline,
                format!("the call's deadline of {after:?} ran out {when}"),
            )
        }
    }
}

impl TransportError {
    /// reqwest's sentence, then each cause it leaves out, once, each passed through `scrub`
    /// before it is bounded and made terminal-safe (so that no cut leaves part of a secret).
    pub(crate) fn source_shown(&self, scrub: impl Fn(&str) -> String) -> Option<String> {
        let source = self.source.as_ref()?;
        let sentence = source.to_string();
        let mut shown = crate::text::shown(&scrub(&sentence), 500);
        let mut seen = sentence;
        for cause in causes(source.as_ref()).skip(1) {
            let text = cause.to_string();
            if !text.is_empty() && !seen.contains(&text) {
                shown.push_str(": ");
                shown.push_str(&crate::text::shown(&scrub(&text), 200));
                seen.push_str(&text);
            }
        }
        Some(shown)
    }

    /// What `Display` and `Debug` show of the source: scrubbed, once the client has.
    fn source_text(&self) -> Option<String> {
        self.shown
            .clone()
            .or_else(|| self.source_shown(str::to_string))
    }
}

// By hand: reqwest's own `Debug` of the source would show its URL unscrubbed.
impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("connect", &self.connect)
            .field("attempts", &self.attempts)
            .field("deadline", &self.deadline)
            .field("source", &self.source_text())
            .field("detail", &self.detail)
            .field("proxy", &self.proxy)
            .field("answered_from", &self.answered_from)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, &self.detail) {
            (Some(_), _) => {
                let shown = self.source_text().unwrap_or_default();
                write!(f, "{}: {shown}", self.kind.describe())?;
            }
            (None, Some(detail)) => f.write_str(detail)?,
            (None, None) => f.write_str(self.kind.describe())?,
        }
        if let Some(proxy) = &self.proxy {
            write!(f, "; the proxy: {proxy}")?;
        }
        if let Some(status) = self.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}
