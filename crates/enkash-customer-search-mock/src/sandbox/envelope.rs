//! EnKash's envelope, which every JSON response of the search is wrapped in, and the other
//! bodies the sandbox sends (Spring OAuth2 token errors, a gateway's HTML page).
//!
//! Success: `{"payload":{"data":[…],"recordsCount":N},"response_code":0,
//! "response_message":"Success"}`. Error: `{"errorResponse":{"apiSubErrors":[…],
//! "errorMessage":"…","errorType":"…","requestId":"<uuid>","timestamp":"yyyy-MM-dd HH:mm:ss"},
//! "response_code":<status>,"response_message":"<reason>"}`.
//!
//! The absent half is left out rather than sent as `null`: the spec's schema declares
//! `errorResponse` and `payload` as objects that are not `nullable`, so a `null` there would not
//! conform (although the spec's prose says a Spring service may send one).

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::data::{Customer, Render, ist};
use super::faults::ErrorTypeOnWire;
use super::{Shared, rng};
use enkash_customer_search::{LenientDateTime, Open, types};

/// The header every response carries its request id in.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The `errorType` EnKash reports for an HTTP status: 400 `VALIDATION_ERROR`, 401
/// `UNAUTHORIZED`, 403 `INVALID_ACCESS`, 404 `RECORD_NOT_FOUND`, 422 `UNPROCESSABLE_REQUEST`,
/// 5xx `SYSTEM_ERROR`, any other 4xx `CLIENT_REQUEST_ERROR`, anything else `UNKNOWN_ERROR`.
pub(crate) fn error_type_for(status: StatusCode) -> types::ErrorType {
    use types::ErrorType;
    match status.as_u16() {
        400 => ErrorType::ValidationError,
        401 => ErrorType::Unauthorized,
        403 => ErrorType::InvalidAccess,
        404 => ErrorType::RecordNotFound,
        422 => ErrorType::UnprocessableRequest,
        402 | 405..=421 | 423..=499 => ErrorType::ClientRequestError,
        500..=599 => ErrorType::SystemError,
        _ => ErrorType::UnknownError,
    }
}

/// The `errorType` sent when [`Faults::unknown_enum_values`](super::Faults::unknown_enum_values)
/// is on: a value the spec's enum does not have.
pub(crate) const UNKNOWN_ERROR_TYPE: &str = "SOMETHING_NEW";

/// One entry of `apiSubErrors`, in the shape of Spring's `ApiValidationError`.
pub(crate) fn sub_error(object: &str, field: &str, rejected: Value, message: &str) -> Value {
    json!({
        "object": object,
        "field": field,
        "rejectedValue": rejected,
        "message": message,
    })
}

/// What an error envelope says.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub sub_errors: Vec<Value>,
    /// `errorType`, when not the one [`error_type_for`] the status gives.
    pub error_type: Option<types::ErrorType>,
    /// `response_code` and `response_message`, when not the status and its reason phrase.
    pub response: Option<(i32, &'static str)>,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            sub_errors: Vec::new(),
            error_type: None,
            response: None,
            retry_after: None,
        }
    }

    pub fn validation(message: impl Into<String>, sub_errors: Vec<Value>) -> Self {
        ApiError {
            sub_errors,
            ..ApiError::new(StatusCode::BAD_REQUEST, message)
        }
    }

    /// The envelope as a response, its `errorType` as the faults switched on say.
    pub fn into_response(self, shared: &Shared) -> Response {
        self.into_response_with(shared.faults.error_type_on_wire())
    }

    /// The envelope as a response, its `errorType` written as `error_type_on_wire` says.
    pub fn into_response_with(self, error_type_on_wire: ErrorTypeOnWire) -> Response {
        let error_type = match error_type_on_wire {
            ErrorTypeOnWire::Unknown => Open::Unknown(UNKNOWN_ERROR_TYPE.to_string()),
            ErrorTypeOnWire::Known | ErrorTypeOnWire::Null => Open::Known(
                self.error_type
                    .unwrap_or_else(|| error_type_for(self.status)),
            ),
        };
        let (code, message) = self.response.unwrap_or((
            i32::from(self.status.as_u16()),
            self.status.canonical_reason().unwrap_or("Error"),
        ));
        let request_id = rng::uuid();
        let body = {
            let mut value = types::CustomerSearchResponse::default();
            value.error_response = Some({
                let mut value = types::ErrorResponse::default();
                value.api_sub_errors = Some(
                    self.sub_errors
                        .into_iter()
                        .map(types::ApiSubError)
                        .collect(),
                );
                value.error_message = Some(self.message);
                value.error_type = Some(error_type);
                value.request_id = Some(request_id.clone());
                value.timestamp =
                    Some(LenientDateTime::parse(&timestamp(SystemTime::now().into())));
                value
            });
            value.payload = None;
            value.response_code = Some(code);
            value.response_message = Some(message.to_string());
            value
        };
        let mut response = if error_type_on_wire == ErrorTypeOnWire::Null {
            let mut body = serde_json::to_value(&body).expect("the sandbox's bodies serialise");
            body["errorResponse"]["errorType"] = Value::Null;
            json_response(self.status, &body)
        } else {
            json_response(self.status, &body)
        };
        response.headers_mut().insert(
            REQUEST_ID,
            HeaderValue::from_str(&request_id).expect("a UUID is a header value"),
        );
        if let Some(after) = self.retry_after {
            let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits are a header value"),
            );
        }
        response
    }
}

/// The success envelope around one page of customers, as the generated
/// `CustomerSearchResponse`, in bytes; while a fault needs an off-spec customer (a `null`
/// field), through a JSON value of it.
pub(crate) fn page_body(customers: &[&Customer], render: Render, records_count: usize) -> Vec<u8> {
    let envelope = {
        let mut value = types::CustomerSearchResponse::default();
        value.error_response = None;
        value.payload = Some({
            let mut value = types::CustomerPage::default();
            value.data = Some(customers.iter().map(|c| c.to_response(render)).collect());
            value.records_count = i64::try_from(records_count).ok();
            value
        });
        value.response_code = Some(0);
        value.response_message = Some("Success".to_string());
        value
    };
    let bytes = if render.null_fields {
        let mut value = serde_json::to_value(&envelope).expect("the sandbox's bodies serialise");
        if let Some(data) = value.pointer_mut("/payload/data") {
            *data = customers.iter().map(|c| c.to_json(render)).collect();
        }
        serde_json::to_vec(&value)
    } else {
        serde_json::to_vec(&envelope)
    };
    bytes.expect("the sandbox's bodies serialise")
}

/// EnKash's documented error timestamp: `yyyy-MM-dd HH:mm:ss`, India Standard Time.
pub(crate) fn timestamp(now: DateTime<Utc>) -> String {
    now.with_timezone(&ist())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `value` as an `application/json` response.
pub(crate) fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    json_bytes(
        status,
        serde_json::to_vec(value).expect("the sandbox's bodies serialise"),
    )
}

/// JSON text as an `application/json` response.
pub(crate) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Spring Security OAuth2's error body, `{"error","error_description"}`.
pub(crate) fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

/// The page a gateway (nginx in front of the service) sends when the service is down:
/// `text/html`, not the envelope.
pub(crate) fn gateway_html(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
         <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_its_error_type() {
        for (status, error_type) in [
            (400, "VALIDATION_ERROR"),
            (401, "UNAUTHORIZED"),
            (403, "INVALID_ACCESS"),
            (404, "RECORD_NOT_FOUND"),
            (422, "UNPROCESSABLE_REQUEST"),
            (500, "SYSTEM_ERROR"),
            (503, "SYSTEM_ERROR"),
            (429, "CLIENT_REQUEST_ERROR"),
        ] {
            assert_eq!(
                error_type_for(StatusCode::from_u16(status).unwrap()).to_string(),
                error_type
            );
        }
    }

    #[test]
    fn timestamps_are_ist_without_t_or_offset() {
        let t = DateTime::from_timestamp(1_728_549_286, 0).unwrap(); // 2024-10-10T08:34:46Z
        assert_eq!(timestamp(t), "2024-10-10 14:04:46");
    }
}
