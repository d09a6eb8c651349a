//! [`ApiError`]: EnKash's own report of a failure, read from its envelope (strictly, or
//! leniently when one odd field would otherwise cost the caller EnKash's message).

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::Open;
use crate::redact::Secrets;
use crate::text::shown;
use crate::types;

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
    pub(crate) fn scrub(&mut self, secrets: &Secrets) {
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
            write!(f, ", {}", shown(&error_type.to_string(), 64))?;
        }
        if let Some(code) = self.response_code {
            write!(f, ", response_code {code}")?;
        }
        f.write_str(")")?;
        match (&self.error_message, &self.response_message) {
            (Some(message), _) | (None, Some(message)) => write!(f, ": {}", shown(message, 200))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {}]", shown(id, 64))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
