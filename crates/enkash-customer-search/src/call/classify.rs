//! What one attempt's response was, before an operation gives it a meaning: progenitor's
//! `Result<ResponseValue<T>, Error<E>>` and what the hooks observed, turned into one
//! [`Answer`]. Both operations read their outcome from an `Answer`, so the ways a response
//! can go wrong (a body that does not decode, an undocumented status, a redirect not followed,
//! a body over the limit, a broken read) are told apart here once.

use std::time::{Duration, SystemTime};

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::StatusCode;

use crate::error::{Error, TransportError, TransportErrorKind, UndecodableResponse};
use crate::hooks::{BodyTooLarge, BodyUndecompressible, ContentCoding, MAX_REDIRECTS, Observed};
use crate::retry::parse_retry_after;

/// The most of an undocumented response's body read to look for an error in it.
const UNEXPECTED_BODY_LIMIT: usize = 64 * 1024;

/// One attempt's response, classified.
pub(crate) enum Answer<T, E> {
    /// A documented success status, its body decoded.
    Success(StatusCode, T),
    /// A documented error status, its body decoded as the spec's error type.
    Documented(StatusCode, E),
    /// A redirect the hooks did not follow.
    Redirect(StatusCode),
    /// Anything else: an undocumented status, or a body that did not decode as documented.
    Other(Body),
}

/// What was read of a response that is not as documented.
pub(crate) struct Body {
    pub status: StatusCode,
    pub content_type: Option<String>,
    /// A `Content-Encoding` the client left in place: one it does not decompress.
    pub content_encoding: Option<String>,
    /// The whole body under a documented status; at most [`UNEXPECTED_BODY_LIMIT`] bytes of it
    /// under another.
    pub bytes: Vec<u8>,
}

impl Body {
    /// What is wrong with a body left in the `Content-Encoding` it came in, if it was.
    pub fn encoding_note(&self) -> Option<String> {
        let encoding = self.content_encoding.as_ref()?;
        Some(format!(
            "the body is `{encoding}`-encoded (Content-Encoding), which this client left as it \
             was: {}",
            ContentCoding::what_is_decoded()
        ))
    }

    /// The body as an [`UndecodableResponse`], with `decode_error` saying why (and only the
    /// first bytes of `shown` kept).
    pub fn undecodable(
        &self,
        shown: &[u8],
        retry_after: Option<Duration>,
        decode_error: Option<String>,
    ) -> Error {
        let decode_error = match self.encoding_note() {
            Some(note) => Some(decode_error.map(|e| e + "; ").unwrap_or_default() + &note),
            None => decode_error,
        };
        Error::Undecodable(Box::new(UndecodableResponse::new(
            self.status,
            self.content_type.clone(),
            shown,
            retry_after,
            decode_error,
        )))
    }
}

/// Classifies `result`; the errors that need no operation to understand (a broken
/// connection, a request that could not be built, a body over the limit) are returned as such.
pub(crate) async fn classify<T, E>(
    result: Result<ResponseValue<T>, GeneratedError<E>>,
    observed: &Option<Observed>,
) -> Result<Answer<T, E>, Error> {
    let status = observed.as_ref().map(|o| o.status);
    match result {
        Ok(response) => Ok(Answer::Success(response.status(), response.into_inner())),
        Err(GeneratedError::ErrorResponse(response)) => {
            Ok(Answer::Documented(response.status(), response.into_inner()))
        }
        Err(GeneratedError::UnexpectedResponse(response)) if response.status().is_redirection() => {
            Ok(Answer::Redirect(response.status()))
        }
        Err(GeneratedError::UnexpectedResponse(response))
            if response.status() == StatusCode::PROXY_AUTHENTICATION_REQUIRED =>
        {
            Err(Error::Transport(Box::new(TransportError::proxy_refused(
                !observed.as_ref().is_some_and(|o| o.over_tls),
                observed.as_ref().and_then(|o| o.answered_from),
            ))))
        }
        Err(GeneratedError::UnexpectedResponse(response)) => {
            read_bounded(response).await.map(Answer::Other)
        }
        Err(GeneratedError::InvalidResponsePayload(bytes, _)) => Ok(Answer::Other(Body {
            status: status.unwrap_or(StatusCode::OK),
            content_type: observed.as_ref().and_then(|o| o.content_type.clone()),
            content_encoding: observed.as_ref().and_then(|o| encoding(&o.headers)),
            bytes: bytes.to_vec(),
        })),
        Err(GeneratedError::InvalidRequest(reason)) => {
            Err(Error::invalid_request("request", reason))
        }
        Err(
            GeneratedError::CommunicationError(e)
            | GeneratedError::ResponseBodyError(e)
            | GeneratedError::InvalidUpgrade(e),
        ) => Err(transport(e, status)),
        Err(GeneratedError::Custom(detail)) => Err(Error::Transport(Box::new(TransportError {
            status,
            ..TransportError::described(TransportErrorKind::Other, detail)
        }))),
    }
}

/// Notes the response's status and request id on the attempt's span.
pub(crate) fn record_observed(observed: &Option<Observed>) {
    if let Some(observed) = observed {
        let span = tracing::Span::current();
        span.record("status", observed.status.as_u16());
        if let Some(id) = &observed.request_id {
            span.record("request_id", id.as_str());
        }
    }
}

/// How long the response asked to wait before trying again.
pub(crate) fn retry_after(observed: &Option<Observed>) -> Option<Duration> {
    observed
        .as_ref()?
        .retry_after
        .as_ref()
        .and_then(|value| parse_retry_after(value, SystemTime::now()))
}

/// Where a redirect that was not followed pointed: its origin, or why it has none.
pub(crate) fn redirect_target(observed: &Option<Observed>) -> &str {
    observed
        .as_ref()
        .and_then(|o| o.redirect_to.as_deref())
        .unwrap_or("no usable Location")
}

/// Whether the hooks stopped following redirects because there were too many.
pub(crate) fn too_many_redirects(observed: &Option<Observed>) -> bool {
    observed
        .as_ref()
        .is_some_and(|o| o.redirects_followed >= MAX_REDIRECTS)
}

/// A reqwest failure as this crate's error: a body over the limit is a refused response,
/// a timeout a [`Error::Timeout`], anything else a [`Error::Transport`].
pub(crate) fn transport(error: reqwest::Error, status: Option<StatusCode>) -> Error {
    if let Some(too_large) = find_source::<BodyTooLarge>(&error) {
        return Error::Undecodable(Box::new(UndecodableResponse::refused(
            too_large.status,
            None,
            too_large.to_string(),
        )));
    }
    if let Some(undecompressible) = find_source::<BodyUndecompressible>(&error) {
        return Error::Undecodable(Box::new(UndecodableResponse::refused(
            undecompressible.status,
            None,
            undecompressible.to_string(),
        )));
    }
    // A connect timeout is a timeout to the caller, and a connect failure to the retry rules.
    let timeout = error.is_timeout();
    let error = Box::new(TransportError::from_reqwest(error, status));
    if timeout {
        Error::Timeout(error)
    } else {
        Error::Transport(error)
    }
}

/// The first error of type `T` in `error`'s chain of sources.
fn find_source<T: std::error::Error + 'static>(error: &reqwest::Error) -> Option<&T> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        source = error.source();
    }
    None
}

/// The status, content type and at most [`UNEXPECTED_BODY_LIMIT`] bytes of the body.
async fn read_bounded(mut response: reqwest::Response) -> Result<Body, Error> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_encoding = encoding(response.headers());
    let mut bytes = Vec::new();
    while bytes.len() < UNEXPECTED_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(transport(e, Some(status))),
        }
    }
    Ok(Body {
        status,
        content_type,
        content_encoding,
        bytes,
    })
}

/// The codings `headers` name in `Content-Encoding` other than `identity`, bounded.
fn encoding(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let codings = ContentCoding::named_in(headers);
    (!codings.is_empty()).then(|| crate::text::bounded(&codings.join(", "), 32))
}
