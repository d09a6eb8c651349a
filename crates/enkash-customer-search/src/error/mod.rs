//! [`Error`]: the one error type of every call, so a caller matches on what went wrong, not on
//! which layer noticed it.
//!
//! progenitor's `Error<E>` mixes transport failures with API errors, loses the HTTP status of a
//! body it cannot decode, and would leave an error inside an HTTP 200 looking like success.
//! Here each kind is a variant, every variant that had a response keeps its status and content
//! type, and `Display` never prints a secret, a whole body or customer data: an undecodable
//! body shows as a short, bounded snippet.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::redact::Secrets;

mod api;
mod auth;
mod build;
mod invalid;
mod paging;
mod transport;
mod undecodable;

pub use api::ApiError;
pub use auth::{AuthenticationError, AuthenticationFailure};
pub use build::BuildError;
pub use invalid::InvalidRequest;
pub use paging::PagingError;
pub(crate) use transport::Via;
pub use transport::{TransportError, TransportErrorKind};
pub(crate) use undecodable::why_undecodable;
pub use undecodable::{SNIPPET_LEN, UndecodableResponse};

/// Everything that can go wrong in a call to EnKash.
///
/// Match on the variant to decide what to do; [`Error::is_retryable`] says whether trying the
/// same request again later may succeed (the client has already retried as its
/// [`RetryPolicy`](crate::RetryPolicy) allows).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// EnKash answered with its error envelope (`errorResponse` set and no `payload`), under
    /// an error status or under HTTP 200.
    Api(Box<ApiError>),
    /// The credentials or the token were refused, or no usable token came back.
    Authentication(Box<AuthenticationError>),
    /// The request was rejected before anything was sent.
    InvalidRequest(InvalidRequest),
    /// No answer in time (connecting, or waiting for the response), after every retry.
    Timeout(Box<TransportError>),
    /// The connection failed or broke, after every retry.
    Transport(Box<TransportError>),
    /// A response arrived that is not EnKash's envelope (for example a gateway's HTML page),
    /// or one the client refuses (a body over its size limit, a compressed body that does not
    /// decompress, a redirect it does not follow).
    Undecodable(Box<UndecodableResponse>),
    /// A walk over every page broke the paging contract: the result set changed under it.
    Paging(Box<PagingError>),
}

impl Error {
    /// Whether the same request may succeed if tried again later: connection failures and
    /// broken reads (not a failed TLS handshake, which fails the same way until the trust is
    /// fixed), timeouts, HTTP 408, 429, 500, 502, 503 and 504, a token endpoint that
    /// failed (5xx, 408, 429), and a result set that changed while paging. Never for a rejected
    /// credential (EnKash locks the account after 3 failed logins), any other 4xx, a body
    /// over the size limit, or a success's compressed body that does not decompress.
    ///
    /// This is what the client itself retries for a search. The token call is retried only
    /// after a failed connect, since a request that reached the server may have counted as a
    /// failed login.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => crate::retry::retryable_status(e.status),
            Error::Undecodable(e) => {
                e.problem().is_none() && crate::retry::retryable_status(e.status)
            }
            Error::Timeout(e) | Error::Transport(e) => e.is_retryable(),
            Error::Paging(e) => e.is_retryable(),
            Error::Authentication(e) => matches!(
                e.reason,
                AuthenticationFailure::TokenEndpointFailed
                    | AuthenticationFailure::TokenSourceFailed
                    | AuthenticationFailure::LoginPaused
            ),
            Error::InvalidRequest(_) => false,
        }
    }

    /// Whether the request cannot have reached the server: the connection was never made.
    pub(crate) fn is_connect_failure(&self) -> bool {
        matches!(self, Error::Transport(e) | Error::Timeout(e)
            if matches!(e.kind, TransportErrorKind::Connect | TransportErrorKind::Dns))
    }

    /// Whether the request failed before any of it was sent (a failed connect, a failed
    /// name lookup or TLS handshake), so the server cannot have counted it.
    pub(crate) fn sent_nothing(&self) -> bool {
        match self {
            Error::Transport(e) | Error::Timeout(e) => e.connect,
            Error::InvalidRequest(_) => true,
            _ => false,
        }
    }

    /// The HTTP status of the response this error came from, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Undecodable(e) => Some(e.status),
            Error::Authentication(e) => e.status,
            Error::Transport(e) | Error::Timeout(e) => e.status,
            Error::Paging(e) => match **e {
                PagingError::NoPayload { status } => Some(status),
                _ => None,
            },
            Error::InvalidRequest(_) => None,
        }
    }

    /// The id of the request this error answers, to quote to EnKash's support: the
    /// envelope's `requestId`, else the response's `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Authentication(e) => e.api_error.as_ref()?.request_id.as_deref(),
            Error::Undecodable(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The same error, with `request_id` (the response's header) where it has none of its own.
    pub(crate) fn with_request_id(mut self, request_id: Option<&String>) -> Self {
        let Some(request_id) = request_id else {
            return self;
        };
        let slot = match &mut self {
            Error::Api(e) => &mut e.request_id,
            Error::Undecodable(e) => &mut e.request_id,
            _ => return self,
        };
        slot.get_or_insert_with(|| request_id.clone());
        self
    }

    /// How long the server asked to wait before trying again (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::Undecodable(e) => e.retry_after,
            Error::Authentication(e) => e.retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid_request(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidRequest(InvalidRequest {
            field,
            reason: reason.into(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Authentication(e) => e.fmt(f),
            Error::InvalidRequest(e) => e.fmt(f),
            Error::Timeout(e) => write!(f, "timed out: {e}"),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Undecodable(e) => e.fmt(f),
            Error::Paging(e) => e.fmt(f),
        }
    }
}

impl Error {
    /// The same error, a proxy's refusal saying which way the request went: the proxy named,
    /// or, when the client knows it used none, the request taken as read and the server named
    /// as what asked (a 407 then came from the far side).
    pub(crate) fn through(mut self, via: &Via) -> Self {
        if let Error::Transport(e) = &mut self
            && e.kind == TransportErrorKind::Proxy
        {
            match via {
                Via::Proxy(name) => e.proxy = Some(name.clone()),
                Via::Direct => e.went_direct(),
                Via::Unknown => {}
            }
        }
        self
    }

    /// The same error with every secret the client holds hidden in the text a server sent:
    /// messages, ids, sub-errors, snippets, problems.
    pub(crate) fn scrubbed(mut self, secrets: &Secrets) -> Self {
        match &mut self {
            Error::Api(e) => e.scrub(secrets),
            Error::Authentication(e) => {
                if let Some(message) = &mut e.message {
                    secrets.scrub_in_place(message);
                }
                if let Some(api) = &mut e.api_error {
                    api.scrub(secrets);
                }
            }
            Error::Undecodable(e) => e.scrub(secrets),
            Error::Timeout(e) | Error::Transport(e) => {
                if let Some(detail) = &mut e.detail {
                    secrets.scrub_in_place(detail);
                }
                e.shown = e.source_shown(|text| secrets.scrub(text));
            }
            Error::Paging(e) => {
                if let PagingError::ResultSetChanged { key, .. } = &mut **e {
                    secrets.scrub_in_place(key);
                }
            }
            Error::InvalidRequest(e) => secrets.scrub_in_place(&mut e.reason),
        }
        self
    }
}

// No `source()`: every variant's `Display` already ends with its causes, scrubbed of the
// client's secrets and bounded, and error reporters (anyhow's `{:#}`, smithy's
// `DisplayErrorContext`) print the whole chain, so a source would repeat them raw: reqwest's
// sentence quotes the URL's path, serde_json's the value that did not fit.
impl std::error::Error for Error {}
