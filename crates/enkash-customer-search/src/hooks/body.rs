//! A response body read under the client's size limit, decompressed, and without the
//! byte-order mark some gateways put before JSON: what the hooks do to every body as it
//! streams.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::BoxError;
use super::content_coding::{ContentCoding, decoded};

/// A body larger than the client's limit: the error a body read fails with, found again in
/// reqwest's error chain by the code that translates it.
#[derive(Debug)]
pub(crate) struct BodyTooLarge {
    pub limit: u64,
    pub status: StatusCode,
    /// The length the server announced, when it announced one over the limit.
    pub announced: Option<u64>,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the response body (HTTP {}) is larger than the limit of {} bytes",
            self.status.as_u16(),
            self.limit
        )?;
        const MIB: u64 = 1024 * 1024;
        if self.limit >= MIB && self.limit.is_multiple_of(MIB) {
            write!(f, " ({} MiB)", self.limit / MIB)?;
        }
        if let Some(announced) = self.announced {
            write!(f, " (Content-Length {announced}); none of it was read")?;
        } else {
            f.write_str("; it was refused while it streamed")?;
        }
        Ok(())
    }
}

impl std::error::Error for BodyTooLarge {}

/// `response`, with `headers` for its head, and a body that fails with [`BodyTooLarge`] as
/// soon as more than `limit` bytes have come (or at once, when `Content-Length` announces more),
/// so that nothing reading it holds more than that. A body in `coding` is decompressed, and the
/// limit counts what comes out. reqwest's own timeout still covers the body. `copy`, if given,
/// gets the body as it is read.
pub(super) fn limited(
    response: reqwest::Response,
    headers: HeaderMap,
    coding: Option<ContentCoding>,
    limit: u64,
    copy: Option<Arc<Mutex<Vec<u8>>>>,
) -> reqwest::Response {
    let status = response.status();
    let too_large = move |announced| -> BoxError {
        Box::new(BodyTooLarge {
            limit,
            status,
            announced,
        })
    };
    let mut head = http::Response::new(());
    *head.status_mut() = status;
    *head.version_mut() = response.version();
    *head.headers_mut() = headers;
    let announced = response.content_length();
    // Compressed bytes count against the limit too, so a compressed body announced past it
    // is refused as at once as a plain one, before a buffer is sized from its length.
    let body = match announced.filter(|&length| length > limit) {
        Some(announced) => {
            futures_util::stream::once(std::future::ready(Err(too_large(Some(announced))))).boxed()
        }
        None => {
            let body = match coding {
                Some(coding) => {
                    decoded(coding, response.bytes_stream(), limit, announced, status).boxed()
                }
                None => response.bytes_stream().map_err(BoxError::from).boxed(),
            };
            let mut seen = 0u64;
            let mut refused = false;
            without_bom(body)
                .map(move |chunk| -> Result<_, BoxError> {
                    let chunk = chunk?;
                    seen = seen.saturating_add(chunk.len() as u64);
                    if seen > limit {
                        return Err(too_large(None));
                    }
                    if let Some(copy) = &copy {
                        copy.lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .extend_from_slice(&chunk);
                    }
                    Ok(chunk)
                })
                // Nothing after the refusal: the reader stops there anyway.
                .take_while(move |item| {
                    let go = !refused;
                    refused |= item.is_err();
                    std::future::ready(go)
                })
                .boxed()
        }
    };
    reqwest::Response::from(head.map(|()| reqwest::Body::wrap_stream(body)))
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// `stream` without a UTF-8 byte-order mark at its start (as some Windows gateways put before
/// JSON, which serde_json refuses), however its first bytes are cut into chunks. Any other
/// first bytes pass as they came.
fn without_bom<S, E>(stream: S) -> impl futures_util::Stream<Item = Result<Bytes, E>>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    // The start of the body while it is shorter than a mark; `None` once it is decided.
    let looking: Option<Vec<u8>> = Some(Vec::new());
    futures_util::stream::unfold(
        (stream.boxed(), looking),
        |(mut stream, looking)| async move {
            let Some(mut start) = looking else {
                return stream.next().await.map(|item| (item, (stream, None)));
            };
            loop {
                let chunk = match stream.next().await {
                    Some(Ok(chunk)) => chunk,
                    // A failure is the body's outcome, whatever came before it.
                    Some(Err(e)) => return Some((Err(e), (stream, None))),
                    // The end before three bytes: what came is the body.
                    None if start.is_empty() => return None,
                    None => return Some((Ok(Bytes::from(start)), (stream, None))),
                };
                let head = if start.is_empty() {
                    chunk
                } else {
                    start.extend_from_slice(&chunk);
                    Bytes::from(std::mem::take(&mut start))
                };
                if head.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(&head) {
                    start = head.to_vec();
                    continue;
                }
                let head = match head.starts_with(UTF8_BOM) {
                    true => head.slice(UTF8_BOM.len()..),
                    false => head,
                };
                return Some((Ok(head), (stream, None)));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body of `chunks` after [`without_bom`], and whether it failed.
    async fn read(chunks: Vec<&'static [u8]>, fail_after: bool) -> (Vec<u8>, bool) {
        let mut items: Vec<reqwest::Result<Bytes>> = chunks
            .into_iter()
            .map(|c| Ok(Bytes::from_static(c)))
            .collect();
        if fail_after {
            // A real reqwest error: a request that cannot be built.
            let error = crate::tls::reqwest_client_builder()
                .unwrap()
                .build()
                .unwrap()
                .get("not a URL")
                .build()
                .unwrap_err();
            items.push(Err(error));
        }
        let mut stream = std::pin::pin!(without_bom(futures_util::stream::iter(items)));
        let mut body = Vec::new();
        let mut failed = false;
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(_) => failed = true,
            }
        }
        (body, failed)
    }

    #[tokio::test]
    async fn a_byte_order_mark_is_dropped_however_it_is_cut() {
        for chunks in [
            vec![&b"\xef\xbb\xbf{}"[..]],
            vec![b"\xef", b"\xbb\xbf{}"],
            vec![b"\xef\xbb", b"\xbf", b"{}"],
            vec![b"", b"\xef", b"", b"\xbb", b"\xbf{", b"}"],
        ] {
            assert_eq!(
                read(chunks.clone(), false).await,
                (b"{}".to_vec(), false),
                "{chunks:?}"
            );
        }
        // Anything else passes as it came, a short body and a lone first byte included.
        for (chunks, body) in [
            (vec![&b"{}"[..]], &b"{}"[..]),
            (vec![b"\xef"], b"\xef"),
            (vec![b"\xef\xbb"], b"\xef\xbb"),
            (vec![b"\xef", b"x"], b"\xefx"),
            (vec![], b""),
        ] {
            assert_eq!(
                read(chunks.clone(), false).await,
                (body.to_vec(), false),
                "{chunks:?}"
            );
        }
        // A failure is never hidden behind the bytes held.
        assert!(read(vec![b"\xef"], true).await.1);
    }
}
