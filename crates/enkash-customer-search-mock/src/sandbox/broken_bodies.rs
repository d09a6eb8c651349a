//! Answers that break the way a body travels, not what it says: a redirect, a body that never
//! ends, one that drips, one cut short of its `Content-Length`. Each is built from the bytes of
//! a normal answer, or from one customer, and stops when the client goes away.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::stream;
use serde_json::Value;

/// How much of an endless body is written at a time.
const ENDLESS_CHUNK: usize = 64 * 1024;

/// `status` with `Location: location` and no body.
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// HTTP 200 and `{"payload":{"data":[` followed by `customer,` for ever, as fast as it is read.
pub(crate) fn endless(customer: &Value) -> Response {
    let mut one = customer.to_string().into_bytes();
    one.push(b',');
    let mut chunk = Vec::with_capacity(ENDLESS_CHUNK + one.len());
    while chunk.len() < ENDLESS_CHUNK {
        chunk.extend_from_slice(&one);
    }
    let chunk = Bytes::from(chunk);
    let start = stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b"{\"payload\":{\"data\":["))
    });
    let rest = stream::repeat_with(move || Ok(chunk.clone()));
    json(
        StatusCode::OK,
        Body::from_stream(stream::StreamExt::chain(start, rest)),
    )
}

/// The answer `body` with its full `Content-Length`, of which only the first half is sent
/// before the connection is closed.
pub(crate) fn cut_short(body: Vec<u8>) -> Response {
    let length = body.len();
    let half = Bytes::from(body).slice(..length / 2);
    let sent = stream::iter([
        Ok(half),
        Err(std::io::Error::other("the sandbox cut the body short")),
    ]);
    let mut response = json(StatusCode::OK, Body::from_stream(sent));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// The answer `body` gzip'd, with `Content-Encoding: gzip`, asked for or not.
pub(crate) fn gzipped(body: Vec<u8>) -> Response {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to memory cannot fail.
    let compressed = encoder
        .write_all(&body)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    let mut response = json(StatusCode::OK, Body::from(compressed));
    response
        .headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    response
}

/// The answer `body`, one byte every `interval`.
pub(crate) fn dripping(body: Vec<u8>, interval: Duration) -> Response {
    let body = Bytes::from(body);
    let length = body.len();
    let drops = stream::unfold(0, move |at| {
        let body = body.clone();
        async move {
            if at >= body.len() {
                return None;
            }
            tokio::time::sleep(interval).await;
            Some((Ok::<_, std::io::Error>(body.slice(at..at + 1)), at + 1))
        }
    });
    let mut response = json(StatusCode::OK, Body::from_stream(drops));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

fn json(status: StatusCode, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
