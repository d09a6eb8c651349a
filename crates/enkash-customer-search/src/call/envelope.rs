//! What a search's answer means: EnKash's envelope, which reports an error under any status
//! (HTTP 200 included), and whatever else a server or a gateway may send instead.

use std::time::Duration;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::StatusCode;

use super::classify::{
    Answer, Body, classify, record_observed, redirect_target, retry_after, too_many_redirects,
};
use crate::error::{ApiError, Error, UndecodableResponse, why_undecodable};
use crate::hooks::{MAX_REDIRECTS, Observed};
use crate::types;

/// The envelope of a search, or the error it reports. An envelope with `errorResponse` and no
/// `payload` is an API error whatever the status.
pub(crate) async fn envelope_outcome(
    result: Result<
        ResponseValue<types::CustomerSearchResponse>,
        GeneratedError<types::CustomerSearchResponse>,
    >,
    observed: Option<Observed>,
) -> Result<(StatusCode, types::CustomerSearchResponse), Error> {
    record_observed(&observed);
    let retry_after = retry_after(&observed);
    match classify(result, &observed).await? {
        Answer::Success(status, envelope)
            if envelope.payload.is_some() || envelope.error_response.is_none() =>
        {
            Ok((status, envelope))
        }
        Answer::Success(status, envelope) | Answer::Documented(status, envelope) => {
            Err(api_error(status, envelope, retry_after))
        }
        Answer::Redirect(status) => {
            let rule = if too_many_redirects(&observed) {
                format!("a search follows at most {MAX_REDIRECTS} redirects")
            } else {
                "a search follows a redirect only within its own origin (scheme, host and port)"
                    .to_string()
            };
            Err(Error::Undecodable(Box::new(UndecodableResponse::refused(
                status,
                observed.as_ref().and_then(|o| o.content_type.clone()),
                format!(
                    "a redirect (HTTP {}) to {} was not followed: {rule}",
                    status.as_u16(),
                    redirect_target(&observed)
                ),
            ))))
        }
        Answer::Other(body) => Err(undocumented(&body, retry_after)),
    }
}

/// The error an envelope reports under `status`; an error status with an envelope that says
/// nothing is an API error all the same.
fn api_error(
    status: StatusCode,
    envelope: types::CustomerSearchResponse,
    retry_after: Option<Duration>,
) -> Error {
    let response_code = envelope.response_code;
    let response_message = envelope.response_message.clone();
    let error = ApiError::from_envelope(status, envelope, retry_after).unwrap_or(ApiError {
        status,
        error_type: None,
        error_message: None,
        request_id: None,
        api_sub_errors: Vec::new(),
        response_code,
        response_message,
        timestamp: None,
        retry_after,
    });
    Error::Api(Box::new(error))
}

/// An answer that is not the documented envelope: an error envelope all the same if it holds
/// one (strictly or leniently read), else an undecodable response saying where it strays.
fn undocumented(body: &Body, retry_after: Option<Duration>) -> Error {
    if let Ok(envelope) = serde_json::from_slice::<types::CustomerSearchResponse>(&body.bytes)
        && envelope.error_response.is_some()
    {
        return api_error(body.status, envelope, retry_after);
    }
    match ApiError::from_json_leniently(body.status, &body.bytes, retry_after) {
        Some(error) => Error::Api(Box::new(error)),
        None => body.undecodable(
            &body.bytes,
            retry_after,
            why_undecodable::<types::CustomerSearchResponse>(&body.bytes),
        ),
    }
}
