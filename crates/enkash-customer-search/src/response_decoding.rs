//! How a response body becomes a typed value: serde_json, or with the `sonic-rs` feature a
//! SIMD decoder that drives the same `Deserialize` impls about 15% faster on a page of
//! customers (BENCHMARKS.md, decode).
//!
//! `cargo xtask codegen` points every generated operation's decode here instead of at
//! progenitor-client's `ResponseValue::from_response`, which this mirrors: the same status,
//! headers and errors. With sonic-rs, a body it refuses is decoded again by serde_json, so a
//! value is never refused that serde_json would take, and an undecodable body's error is
//! serde_json's, as every report of one expects.

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// The response's body as `T`, with its status and headers.
pub(crate) async fn response_value<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match decode(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(error) => Err(Error::InvalidResponsePayload(body, error)),
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    #[cfg(feature = "sonic-rs")]
    if let Ok(value) = sonic_rs::from_slice(body) {
        return Ok(value);
    }
    serde_json::from_slice(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types;

    #[test]
    fn a_page_decodes_and_a_broken_one_fails_with_serde_json_s_error() {
        let page: types::CustomerSearchResponse = decode(
            br#"{"payload":{"data":[{"id":1,"createdOn":"2024-10-10 08:34:46","newField":[1]}],
                "recordsCount":1},"response_code":0}"#,
        )
        .unwrap();
        let customer = &page.payload.unwrap().data.unwrap()[0];
        assert_eq!(customer.id, Some(1));
        assert!(
            customer.extra.contains_key("newField"),
            "unknown fields kept"
        );
        let error = decode::<types::CustomerSearchResponse>(br#"{"payload": [}"#).unwrap_err();
        assert_eq!((error.line(), error.column()), (1, 14), "{error}");
    }
}
