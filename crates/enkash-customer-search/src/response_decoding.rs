//! How a response body becomes a typed value: serde_json, or with the `sonic-rs` feature a
//! SIMD decoder that drives the same `Deserialize` impls about 15% faster on a page of
//! customers (BENCHMARKS.md, decode).
//!
//! `cargo xtask codegen` points every generated operation's decode here instead of at
//! progenitor-client's `ResponseValue::from_response`, which this mirrors: the same status,
//! headers and errors. With sonic-rs, a body it refuses is decoded again by serde_json, so a
//! value is never refused that serde_json would take, and an undecodable body's error is
//! serde_json's, as every report of one expects.
//!
//! A page of thousands of customers takes tens of milliseconds of CPU to decode. Done in the
//! task that read it, it would hold up everything queued on that runtime thread for as long,
//! the pager's next request and the connection that sends it included. So in a Tokio task a
//! body too large to decode between two awaits goes to the runtime's blocking pool,
//! on either kind of runtime, and the task waits for it like for any other I/O; a smaller one,
//! or one read outside a task (in `block_on`, where nothing else waits), is decoded in place.
//! A future dropped while the pool decodes returns at once; the pool still finishes that
//! decode, holding the body and then the value until it ends, and drops them.

use bytes::Bytes;
use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// The size from which a body is decoded on the blocking pool. A smaller one decodes within
/// the time Tokio asks a task to run between two awaits, so handing it over would buy nothing.
const DECODED_APART_FROM: usize = 16 * 1024;

/// The response's body as `T`, with its status and headers.
pub(crate) async fn response_value<T, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>>
where
    T: DeserializeOwned + Send + 'static,
{
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match decode_apart(&body).await {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(error) => Err(Error::InvalidResponsePayload(body, error)),
    }
}

/// `body` decoded on the blocking pool if it is large and this is a Tokio task with a runtime
/// (a `LocalSet` may be driven without one), else here.
async fn decode_apart<T>(body: &Bytes) -> Result<T, serde_json::Error>
where
    T: DeserializeOwned + Send + 'static,
{
    let runtime = match tokio::runtime::Handle::try_current() {
        Ok(runtime) if body.len() >= DECODED_APART_FROM && tokio::task::try_id().is_some() => {
            runtime
        }
        _ => return decode(body),
    };
    tracing::trace!(bytes = body.len(), "decoding it on the blocking pool");
    let shared = body.clone();
    match runtime.spawn_blocking(move || decode(&shared)).await {
        Ok(decoded) => decoded,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        // The runtime is shutting down and ran nothing more: decoded here, as it would have been.
        Err(_) => decode(body),
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
    use std::thread::ThreadId;

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

    /// Any JSON, decoded as the thread that decoded it.
    #[derive(Debug)]
    struct DecodedOn(ThreadId);

    impl<'de> serde::Deserialize<'de> for DecodedOn {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(deserializer)?;
            Ok(DecodedOn(std::thread::current().id()))
        }
    }

    /// A JSON string body of `len` bytes.
    fn body_of(len: usize) -> Bytes {
        Bytes::from(format!("\"{}\"", "x".repeat(len - 2)))
    }

    async fn decoded_on(body: Bytes) -> ThreadId {
        let response = reqwest::Response::from(http::Response::new(body));
        let value = response_value::<DecodedOn, ()>(response).await.unwrap();
        value.into_inner().0
    }

    /// A current-thread runtime: its one thread runs every task, so a decode done in a task
    /// shows as done on it.
    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn in_a_task_a_large_body_is_decoded_apart_and_a_small_one_in_place() {
        let runtime = current_thread();
        let here = std::thread::current().id();
        let in_a_task = |body| runtime.block_on(async { tokio::spawn(decoded_on(body)).await });
        assert_ne!(in_a_task(body_of(DECODED_APART_FROM)).unwrap(), here);
        assert_eq!(in_a_task(body_of(DECODED_APART_FROM - 1)).unwrap(), here);
    }

    #[test]
    fn outside_a_task_a_large_body_is_decoded_in_place() {
        let here = std::thread::current().id();
        let on = current_thread().block_on(decoded_on(body_of(4 * DECODED_APART_FROM)));
        assert_eq!(on, here);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_undecodable_body_decoded_apart_comes_back_whole_with_its_error() {
        let mut broken = body_of(DECODED_APART_FROM + 1).to_vec();
        broken.truncate(broken.len() - 1);
        let broken = Bytes::from(broken);
        assert_eq!(
            broken.len(),
            DECODED_APART_FROM,
            "large enough to go to the pool"
        );
        let response = reqwest::Response::from(http::Response::new(broken.clone()));
        let outcome = tokio::spawn(response_value::<String, ()>(response)).await;
        match outcome.unwrap() {
            Err(Error::InvalidResponsePayload(body, error)) => {
                assert_eq!(body, broken, "the body, whole");
                assert!(error.is_eof(), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// Decodes only when the test lets it, telling the test when it has begun and ended.
    struct Held;

    type Signals = (
        Option<tokio::sync::oneshot::Sender<()>>,
        std::sync::mpsc::Receiver<()>,
        std::sync::mpsc::Sender<()>,
    );
    static HELD: std::sync::Mutex<Option<Signals>> = std::sync::Mutex::new(None);

    impl<'de> serde::Deserialize<'de> for Held {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(deserializer)?;
            let Some((begun, release, ended)) = HELD.lock().unwrap().take() else {
                return Err(serde::de::Error::custom("decoded a second time"));
            };
            let _ = begun.map(|begun| begun.send(()));
            let released = release
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok();
            let _ = ended.send(());
            if released {
                Ok(Held)
            } else {
                Err(serde::de::Error::custom("never released"))
            }
        }
    }

    #[test]
    fn a_search_dropped_while_its_body_is_decoded_apart_lets_go_at_once() {
        let (begun_tx, begun) = tokio::sync::oneshot::channel();
        let (release, release_rx) = std::sync::mpsc::channel();
        let (ended_tx, ended) = std::sync::mpsc::channel();
        *HELD.lock().unwrap() = Some((Some(begun_tx), release_rx, ended_tx));
        let response = reqwest::Response::from(http::Response::new(body_of(DECODED_APART_FROM)));
        // Kept until the end: dropping a runtime waits for its blocking pool.
        let runtime = current_thread();
        let dropped = runtime.block_on(async {
            tokio::spawn(async move {
                let decode = response_value::<Held, ()>(response);
                tokio::select! {
                    _ = decode => false,
                    _ = begun => true,
                }
            })
            .await
        });
        assert!(dropped.unwrap(), "the decode had begun and was dropped");
        assert!(ended.try_recv().is_err(), "the pool is still decoding");
        release.send(()).unwrap();
        ended
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the pool's decode ends once let go");
    }

    /// Panics as it decodes.
    #[derive(Debug)]
    struct Panics;

    impl<'de> serde::Deserialize<'de> for Panics {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            panic!("a decoder's own bug");
        }
    }

    #[test]
    fn a_panic_in_a_decode_on_the_pool_reaches_the_task_that_asked() {
        let response = reqwest::Response::from(http::Response::new(body_of(DECODED_APART_FROM)));
        let outcome = current_thread()
            .block_on(async { tokio::spawn(response_value::<Panics, ()>(response)).await });
        let panic = outcome.unwrap_err().into_panic();
        assert_eq!(
            panic.downcast_ref::<&str>(),
            Some(&"a decoder's own bug"),
            "the decoder's own panic, not an error made of it"
        );
    }
}
