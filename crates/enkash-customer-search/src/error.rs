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

use crate::Open;
use crate::redact::Secrets;
use crate::types;

/// Everything that can go wrong in a call to EnKash.
///
/// Match on the variant to decide what to do; [`Error::is_retryable`] says whether trying the
/// same request again later may succeed (the client has already retried as its
/// [`RetryPolicy`](crate::RetryPolicy) allows).
#[derive(Debug)]
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
    /// or one the client refuses (a body over its size limit, a redirect it does not follow).
    Undecodable(Box<UndecodableResponse>),
    /// A walk over every page broke the paging contract: the result set changed under it.
    Paging(Box<PagingError>),
}

impl Error {
    /// Whether the same request may succeed if tried again later: connection failures and
    /// broken reads, timeouts, HTTP 408, 429, 500, 502, 503 and 504, a token endpoint that
    /// failed (5xx), and a result set that changed while paging. Never for a rejected
    /// credential (EnKash locks the account after 3 failed logins), any other 4xx, or a body
    /// over the size limit.
    ///
    /// This is what the client itself retries for a search. The token call is retried only
    /// after a failed connect, since a request that reached the server may have counted as a
    /// failed login.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => crate::retry::retryable_status(e.status),
            Error::Undecodable(e) => {
                e.problem.is_none() && crate::retry::retryable_status(e.status)
            }
            Error::Timeout(_) | Error::Transport(_) => true,
            Error::Paging(e) => e.is_retryable(),
            Error::Authentication(e) => matches!(
                e.reason,
                AuthenticationFailure::TokenEndpointFailed
                    | AuthenticationFailure::TokenSourceFailed
            ),
            Error::InvalidRequest(_) => false,
        }
    }

    /// Whether the request cannot have reached the server: the connection was never made.
    pub(crate) fn is_connect_failure(&self) -> bool {
        matches!(self, Error::Transport(e) | Error::Timeout(e) if e.connect)
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
            Error::Undecodable(e) => {
                secrets.scrub_in_place(&mut e.snippet);
                for text in [&mut e.content_type, &mut e.problem, &mut e.decode_error]
                    .into_iter()
                    .flatten()
                {
                    secrets.scrub_in_place(text);
                }
            }
            Error::Timeout(e) | Error::Transport(e) => {
                if let Some(detail) = &mut e.detail {
                    secrets.scrub_in_place(detail);
                }
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout(e) | Error::Transport(e) => e
                .source
                .as_ref()
                .map(|s| s as &(dyn std::error::Error + 'static)),
            // Not the serde_json error: its message quotes the value that did not fit, which may
            // be customer data, and error reporters print the whole chain.
            _ => None,
        }
    }
}

/// EnKash's own report of a failure: the `errorResponse` of its envelope, with the HTTP
/// status it came under (which may be 200).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status, 200 included when EnKash reports an error inside a success.
    pub status: StatusCode,
    /// What kind of failure, as EnKash classifies it; a kind this version does not know is
    /// kept as [`Open::Unknown`].
    pub error_type: Option<Open<types::ErrorType>>,
    /// EnKash's message for people.
    pub error_message: Option<String>,
    /// EnKash's id for the request; quote it to EnKash support.
    pub request_id: Option<String>,
    /// Finer-grained errors (for example one per invalid field), exactly as sent.
    pub api_sub_errors: Vec<serde_json::Value>,
    /// EnKash's own result code (`response_code`).
    pub response_code: Option<i32>,
    /// EnKash's own result message (`response_message`).
    pub response_message: Option<String>,
    /// When EnKash says the error happened, as it sent it.
    pub timestamp: Option<crate::LenientDateTime>,
    /// How long the server asked to wait before trying again (`Retry-After`), as it asked;
    /// the client's own waits are capped by its [`RetryPolicy`](crate::RetryPolicy).
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The API error an envelope reports, if it reports one (`errorResponse` set).
    pub(crate) fn from_envelope(
        status: StatusCode,
        envelope: types::CustomerSearchResponse,
        retry_after: Option<Duration>,
    ) -> Option<Self> {
        let types::CustomerSearchResponse {
            error_response,
            response_code,
            response_message,
            payload: _,
        } = envelope;
        let e = error_response?;
        Some(ApiError {
            status,
            error_type: e.error_type,
            error_message: e.error_message,
            request_id: e.request_id,
            api_sub_errors: e
                .api_sub_errors
                .unwrap_or_default()
                .into_iter()
                .map(|sub| sub.0)
                .collect(),
            response_code,
            response_message,
            timestamp: e.timestamp,
            retry_after,
        })
    }
}

impl ApiError {
    fn scrub(&mut self, secrets: &Secrets) {
        for text in [
            &mut self.error_message,
            &mut self.request_id,
            &mut self.response_message,
        ]
        .into_iter()
        .flatten()
        {
            secrets.scrub_in_place(text);
        }
        if let Some(Open::Unknown(value)) = &mut self.error_type {
            secrets.scrub_in_place(value);
        }
        self.api_sub_errors
            .iter_mut()
            .for_each(|sub| secrets.scrub_json(sub));
        if let Some(timestamp) = &self.timestamp {
            let scrubbed = secrets.scrub(timestamp.original());
            if scrubbed != timestamp.original() {
                self.timestamp = Some(crate::LenientDateTime::parse(&scrubbed));
            }
        }
    }

    /// The API error in a body that is an error envelope in spirit but not to the letter (a
    /// number where a string belongs, say), so that one odd field does not cost the caller
    /// EnKash's message. Only for an envelope with `errorResponse` set and no `payload`.
    pub(crate) fn from_json_leniently(
        status: StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Option<Self> {
        let envelope: serde_json::Value = serde_json::from_slice(body).ok()?;
        let report = envelope.get("errorResponse")?.as_object()?;
        if !envelope
            .get("payload")
            .is_none_or(serde_json::Value::is_null)
        {
            return None;
        }
        let text = |value: Option<&serde_json::Value>| match value? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        Some(ApiError {
            status,
            error_type: text(report.get("errorType"))
                .map(|t| t.parse().unwrap_or_else(|e| match e {})),
            error_message: text(report.get("errorMessage")),
            request_id: text(report.get("requestId")),
            api_sub_errors: match report.get("apiSubErrors") {
                Some(serde_json::Value::Array(items)) => items.clone(),
                Some(serde_json::Value::Null) | None => Vec::new(),
                Some(other) => vec![other.clone()],
            },
            response_code: envelope
                .get("response_code")
                .and_then(serde_json::Value::as_i64)
                .and_then(|code| i32::try_from(code).ok()),
            response_message: text(envelope.get("response_message")),
            timestamp: report
                .get("timestamp")
                .and_then(|t| serde_json::from_value(t.clone()).ok()),
            retry_after,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnKash API error (HTTP {}", self.status.as_u16())?;
        if let Some(error_type) = &self.error_type {
            write!(f, ", {}", bounded(&error_type.to_string(), 64))?;
        }
        if let Some(code) = self.response_code {
            write!(f, ", response_code {code}")?;
        }
        f.write_str(")")?;
        match (&self.error_message, &self.response_message) {
            (Some(message), _) | (None, Some(message)) => write!(f, ": {}", bounded(message, 200))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {}]", bounded(id, 64))?;
        }
        Ok(())
    }
}

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
    /// The token endpoint failed (HTTP 5xx, or a 429): a server or gateway failure, not a
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
            AuthenticationFailure::NotConfigured => {
                "EnKash requires a token and the client has none (set a bearer token or \
                 credentials on the ClientBuilder)"
            }
        })?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", bounded(message, 200))?;
        }
        Ok(())
    }
}

/// The server broke the contract that paging rests on, so a walk over every page
/// ([`Client::search_all`](crate::Client::search_all)) cannot go on without emitting a customer
/// twice, skipping some, or never ending. Nothing was emitted twice; the stream ends here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingError {
    /// A page holds a customer that the page before gave: the result set changed while paging
    /// (a customer inserted before the current offset shifts every later one). Trying again,
    /// in a stable order, may succeed.
    ResultSetChanged {
        /// The customer seen twice: `customerId KC…`, or `id 42` when it has no `customerId`.
        key: String,
        /// The offset of the page that repeated it.
        offset: i64,
        /// The offset of the page that gave it first.
        previous_offset: i64,
    },
    /// A page is the page before it again: the server seems to ignore `offset`.
    RepeatedPage {
        /// The offset asked for.
        offset: i64,
        /// The offset of the page it repeats.
        previous_offset: i64,
    },
    /// A page has fewer customers than asked for while `recordsCount` says more follow: the
    /// server may cap the page size, and paging on would skip customers.
    ShortPage {
        /// The page's offset.
        offset: i64,
        /// How many customers it has.
        received: i64,
        /// How many were asked for (`limit`).
        asked: i64,
        /// The total the page gave.
        records_count: i64,
    },
    /// A page has more customers than asked for: the server seems to ignore `limit`, and
    /// paging on would repeat customers.
    OversizedPage {
        /// The page's offset.
        offset: i64,
        /// How many customers it has.
        received: i64,
        /// How many were asked for at most (`limit`).
        asked: i64,
    },
    /// An envelope with neither `payload` nor `errorResponse`: there is no page to read, and
    /// taking it for an empty one would end a walk early without a word.
    NoPayload {
        /// The HTTP status it came with.
        status: StatusCode,
    },
    /// The next page would start past the largest offset the API takes (int32).
    OffsetOutOfRange {
        /// The offset that does not fit.
        offset: i64,
    },
    /// The fetch of a page was cancelled before it finished (its Tokio runtime shut down).
    FetchCancelled {
        /// The page's offset.
        offset: i64,
    },
}

impl From<PagingError> for Error {
    fn from(error: PagingError) -> Self {
        Error::Paging(Box::new(error))
    }
}

impl PagingError {
    fn is_retryable(&self) -> bool {
        matches!(
            self,
            PagingError::ResultSetChanged { .. } | PagingError::FetchCancelled { .. }
        )
    }
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingError::ResultSetChanged {
                key,
                offset,
                previous_offset,
            } => write!(
                f,
                "the result set changed while paging: customer {} in the page at offset \
                 {offset} was already seen in the page at offset {previous_offset}; page in a \
                 stable order, e.g. by createdOn ascending, or retry",
                bounded(key, 80)
            ),
            PagingError::RepeatedPage {
                offset,
                previous_offset,
            } => write!(
                f,
                "the page at offset {offset} repeats the page at offset {previous_offset}: the \
                 server seems to ignore `offset`"
            ),
            PagingError::ShortPage {
                offset,
                received,
                asked,
                records_count,
            } => write!(
                f,
                "the page at offset {offset} has {received} customers where {asked} were asked \
                 for, yet recordsCount is {records_count}: the server may cap the page size, so \
                 paging on would skip customers; use a smaller `limit`"
            ),
            PagingError::OversizedPage {
                offset,
                received,
                asked,
            } => write!(
                f,
                "the page at offset {offset} has {received} customers where at most {asked} \
                 were asked for: the server seems to ignore `limit`, so paging on would repeat \
                 customers"
            ),
            PagingError::NoPayload { status } => write!(
                f,
                "the envelope (HTTP {}) has neither `payload` nor `errorResponse`: there is no \
                 page to read",
                status.as_u16()
            ),
            PagingError::OffsetOutOfRange { offset } => write!(
                f,
                "the next page would start at offset {offset}, past what the API takes (int32)"
            ),
            PagingError::FetchCancelled { offset } => write!(
                f,
                "the fetch of the page at offset {offset} was cancelled (is the Tokio runtime \
                 shutting down?)"
            ),
        }
    }
}

/// A request the client refused to send, naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidRequest {
    /// The wire name of the parameter or filter at fault (`limit`, `dsoFrom`, …).
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid request, nothing was sent: `{}` {}",
            self.field, self.reason
        )
    }
}

/// A connection that failed, broke or timed out.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The status, when the failure came while reading a response's body.
    pub status: Option<StatusCode>,
    /// Whether it failed before a connection was made (so the request never reached EnKash).
    pub connect: bool,
    /// How many attempts were made.
    pub attempts: u32,
    /// The call's deadline ([`CallOptions::deadline`](crate::CallOptions::deadline)), when it
    /// is what ran out: then no attempt was cut by its own timeout, and no wait crossed it.
    pub deadline: Option<Duration>,
    pub(crate) source: Option<reqwest::Error>,
    pub(crate) detail: Option<String>,
}

impl TransportError {
    pub(crate) fn from_reqwest(mut error: reqwest::Error, status: Option<StatusCode>) -> Self {
        // After a redirect the URL is the server's `Location`, whose query or user part may
        // carry anything; the origin and path are what a reader needs.
        if let Some(url) = error.url_mut() {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        TransportError {
            status: status.or(error.status()),
            connect: error.is_connect(),
            attempts: 1,
            deadline: None,
            // reqwest's Display includes the URL: the base URL (checked for credentials when the
            // client is built) and the path, without a query.
            source: Some(error),
            detail: None,
        }
    }
}

impl TransportError {
    /// The deadline of `after` ran out `when` (after `attempts` attempts).
    pub(crate) fn deadline_passed(after: Duration, attempts: u32, when: String) -> Self {
        TransportError {
            status: None,
            connect: false,
            attempts,
            deadline: Some(after),
            source: None,
            detail: Some(format!("the call's deadline of {after:?} ran out {when}")),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, &self.detail) {
            (Some(source), _) => write!(f, "{source}")?,
            (None, Some(detail)) => f.write_str(detail)?,
            (None, None) => f.write_str("the connection failed")?,
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

/// A response that is not EnKash's envelope: the status, the content type and the first few
/// hundred bytes, never the whole body.
#[derive(Debug)]
#[non_exhaustive]
pub struct UndecodableResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The start of the body (at most [`SNIPPET_LEN`] bytes, cut at a character boundary),
    /// for diagnosis. Only `Debug` shows it; `Display` shows it only for bodies that are not
    /// JSON (a JSON body may hold customer data).
    pub snippet: String,
    /// How many bytes the body had, as far as it was read.
    pub body_len: usize,
    /// How long the server asked to wait before trying again (`Retry-After`), as it asked.
    pub retry_after: Option<Duration>,
    /// The `x-request-id` header of the response, if it had one.
    pub request_id: Option<String>,
    /// What serde_json said, without the data it quotes.
    decode_error: Option<String>,
    /// Why the client refused the response, when it did (a redirect, the size limit).
    problem: Option<String>,
}

/// The most of an undecodable body an error keeps.
pub const SNIPPET_LEN: usize = 256;

impl UndecodableResponse {
    /// `decode_error` says why the body did not decode, without data in it (see
    /// [`why_undecodable`]).
    pub(crate) fn new(
        status: StatusCode,
        content_type: Option<String>,
        body: &[u8],
        retry_after: Option<Duration>,
        decode_error: Option<String>,
    ) -> Self {
        UndecodableResponse {
            status,
            content_type,
            snippet: bounded(
                &String::from_utf8_lossy(&body[..body.len().min(SNIPPET_LEN)]),
                SNIPPET_LEN,
            ),
            body_len: body.len(),
            retry_after,
            request_id: None,
            decode_error,
            problem: None,
        }
    }

    /// A response the client refused without reading it: `problem` says why.
    pub(crate) fn refused(
        status: StatusCode,
        content_type: Option<String>,
        problem: String,
    ) -> Self {
        UndecodableResponse {
            problem: Some(problem),
            ..UndecodableResponse::new(status, content_type, b"", None, None)
        }
    }

    /// Why the client refused the response, when it did: a redirect it does not follow, a
    /// body over the size limit.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    fn looks_like_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"))
            || self.snippet.trim_start().starts_with(['{', '['])
    }
}

impl fmt::Display for UndecodableResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(problem) = &self.problem {
            return write!(
                f,
                "response refused (HTTP {}): {problem}",
                self.status.as_u16()
            );
        }
        write!(
            f,
            "undecodable response (HTTP {}, content type {}, {} bytes)",
            self.status.as_u16(),
            self.content_type
                .as_deref()
                .map_or("none", |t| bounded_str(t, 80)),
            self.body_len
        )?;
        if let Some(e) = &self.decode_error {
            write!(f, ": {e}")?;
        }
        if !self.looks_like_json() && !self.snippet.is_empty() {
            let one_line: String = self
                .snippet
                .chars()
                .take(80)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            write!(f, "; body starts {one_line:?}")?;
        }
        Ok(())
    }
}

/// Why `body` does not decode as a `T`, naming the JSON path of the value at fault
/// (`payload.data[4711].createdOn`, found by `serde_path_to_error`) and never quoting a value:
/// it may be customer data, or a token. `None` if it decodes.
pub(crate) fn why_undecodable<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(_) => deserializer.end().err().map(|e| without_data(&e, None)),
        Err(e) => {
            let path = e.path().to_string();
            Some(without_data(e.inner(), Some(&path).filter(|p| *p != ".")))
        }
    }
}

/// serde_json's message for `e` if it holds no data (a syntax error's, a missing field's),
/// else only where it happened: a data error's message quotes the value that did not fit.
fn without_data(e: &serde_json::Error, path: Option<&String>) -> String {
    let at = path.map(|path| format!(" at `{path}`")).unwrap_or_default();
    let message = e.to_string();
    if e.classify() != serde_json::error::Category::Data || message.starts_with("missing field `") {
        return format!("{message}{at}");
    }
    format!(
        "a value of the wrong type or form{at} (line {}, column {})",
        e.line(),
        e.column()
    )
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut.
fn bounded(s: &str, max: usize) -> String {
    let cut = bounded_str(s, max);
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

fn bounded_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

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
            BuildError::Http(reason) => write!(f, "cannot build the HTTP client: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn display_of(body: &str) -> String {
        let decode_error = why_undecodable::<types::CustomerSearchResponse>(body.as_bytes());
        assert!(decode_error.is_some(), "{body} decodes");
        UndecodableResponse::new(StatusCode::OK, None, body.as_bytes(), None, decode_error)
            .to_string()
    }

    #[test]
    fn a_value_that_does_not_fit_is_not_shown_but_where_it_is() {
        let shown = display_of(r#"{"payload":{"data":[{}, {"dsoMedian":"SECRET-1"}]}}"#);
        assert!(!shown.contains("SECRET-1"), "{shown}");
        assert!(
            shown.contains(
                "a value of the wrong type or form at `payload.data[1].dsoMedian` (line 1, column"
            ),
            "{shown}"
        );
        let shown = display_of(r#"{"payload":{"data":[{"pinCode":400069}]}}"#);
        assert!(!shown.contains("400069"), "{shown}");
        assert!(shown.contains("at `payload.data[0].pinCode`"), "{shown}");
    }

    #[test]
    fn a_missing_field_and_trailing_bytes_are_named() {
        assert_eq!(
            why_undecodable::<types::SnakeCaseToken>(br#"{"expires_in": 5}"#).as_deref(),
            Some("missing field `access_token` at line 1 column 17")
        );
        let trailing = why_undecodable::<types::CustomerSearchResponse>(b"{} x").unwrap();
        assert!(trailing.starts_with("trailing characters"), "{trailing}");
        assert_eq!(
            why_undecodable::<types::CustomerSearchResponse>(b"{}"),
            None
        );
    }

    #[test]
    fn an_error_envelope_with_odd_field_types_still_gives_its_message() {
        let body = br#"{"errorResponse": {"errorType": 7, "errorMessage": "limit too big",
            "requestId": 42, "apiSubErrors": {"field": "limit"}, "timestamp": true},
            "payload": null, "response_code": "400"}"#;
        assert!(serde_json::from_slice::<types::CustomerSearchResponse>(body).is_err());
        let error = ApiError::from_json_leniently(StatusCode::BAD_REQUEST, body, None).unwrap();
        assert_eq!(error.error_message.as_deref(), Some("limit too big"));
        assert_eq!(error.error_type, Some(Open::Unknown("7".into())));
        assert_eq!(error.request_id.as_deref(), Some("42"));
        assert_eq!(
            error.api_sub_errors,
            vec![serde_json::json!({"field": "limit"})]
        );
        assert_eq!((error.response_code, error.timestamp), (None, None));

        // A payload, or no errorResponse, is not an error envelope.
        for body in [
            &br#"{"errorResponse": {"errorMessage": "x"}, "payload": {"data": 5}}"#[..],
            br#"{"payload": null}"#,
            b"<html>",
        ] {
            assert_eq!(
                ApiError::from_json_leniently(StatusCode::OK, body, None),
                None
            );
        }
    }

    #[test]
    fn syntax_errors_are_shown_as_serde_json_words_them() {
        let shown = display_of("{\"payload\": ");
        assert!(shown.contains("EOF while parsing"), "{shown}");
    }
}
