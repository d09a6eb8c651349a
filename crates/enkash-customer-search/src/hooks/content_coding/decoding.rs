//! A compressed body decoded as it streams: fed to a [`Decoder`] a little at a time, under the
//! limit, and handed on whole (a success's) or as it decodes (any other status's).

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::StatusCode;

use super::decoder::{Buffer, Decoder};
use super::{BodyUndecompressible, BoxError, ContentCoding};
use crate::hooks::BodyTooLarge;

/// `body`, encoded in `coding`, decoded as it streams; [`BodyTooLarge`] as soon as more than
/// `limit` bytes have come out of it (or gone into it).
///
/// A success's body comes as one chunk, in a buffer sized from `compressed_len` (the body's
/// `Content-Length`, if it had one), which the decode then reads without a copy; one that does
/// not decompress is [`BodyUndecompressible`]. Any other status's body is only read for what it
/// says, and maybe only its start: it comes as it is decoded, and where it stops decoding it
/// ends (if none of it decodes and it does not start as the coding does, or it is text labelled
/// deflate, its start comes as it came), so that the status decides what the response means.
pub(in crate::hooks) fn decoded<S, E>(
    coding: ContentCoding,
    body: S,
    limit: u64,
    compressed_len: Option<u64>,
    status: StatusCode,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + Send,
{
    let whole = status.is_success();
    let first_buffer = if whole { compressed_len } else { None };
    let decoding = Decoder::new(coding, Buffer::new(limit, first_buffer)).map(|decoder| Decoding {
        body: Box::pin(body),
        decoder,
        coding,
        status,
        limit,
        whole,
        compressed: 0,
        yielded_at: 0,
        fed_since_yield: 0,
        ended: false,
        raw_start: Vec::new(),
        emitted: false,
    });
    futures_util::stream::unfold(Some(decoding), move |decoding| async move {
        let mut decoding = match decoding? {
            Ok(decoding) => decoding,
            Err(cause) => return Some((Err(undecompressible(coding, status, cause)), None)),
        };
        match decoding.next().await {
            Some(Ok(chunk)) => Some((Ok(chunk), Some(Ok(decoding)))),
            Some(Err(e)) => Some((Err(e), None)),
            None => None,
        }
    })
}

fn undecompressible(coding: ContentCoding, status: StatusCode, cause: std::io::Error) -> BoxError {
    Box::new(BodyUndecompressible {
        status,
        coding: coding.name(),
        cause,
    })
}

/// How much compressed input is fed to the decoder at once: a bound on the work of one write
/// (deflate's output is at most about a thousand times its input). Less would cost an inflater
/// more copies into its window.
const FED_AT_ONCE: usize = 16 * 1024;

/// How much decoded output is made before a yield to the runtime (a write may go past it).
const OUTPUT_BETWEEN_YIELDS: usize = 4 * 1024 * 1024;

/// How much compressed input is fed between two yields to the runtime.
const INPUT_BETWEEN_YIELDS: usize = 256 * 1024;

/// How much of another status's body is kept as it came until something decodes: what is
/// shown of it if nothing does (a gateway's HTML page labelled gzip).
const RAW_KEPT: usize = 4 * 1024;

/// A body being decoded.
struct Decoding<S> {
    body: std::pin::Pin<Box<S>>,
    decoder: Decoder,
    coding: ContentCoding,
    status: StatusCode,
    limit: u64,
    /// Whether the body comes as one chunk once decoded, rather than as it is decoded.
    whole: bool,
    /// The compressed bytes read.
    compressed: u64,
    /// The decoded length at the last yield to the runtime.
    yielded_at: usize,
    /// The compressed bytes fed since the last yield to the runtime.
    fed_since_yield: usize,
    /// Whether the body has come to its end, or failed: nothing more is read.
    ended: bool,
    /// The first bytes of another status's body, as they came, while nothing has been handed on.
    raw_start: Vec<u8>,
    /// Whether decoded bytes of another status's body have been handed on.
    emitted: bool,
}

/// Whether `bytes` read as text: UTF-8 (the last character maybe cut short) without control
/// characters but tab and line ends. Deflate's output rarely does for long.
fn is_text(bytes: &[u8]) -> bool {
    let utf8 = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    !bytes.is_empty()
        && utf8
        && bytes
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'))
}

impl<S, E> Decoding<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    /// The next chunk of the decoded body, `None` at its end.
    async fn next(&mut self) -> Option<Result<Bytes, BoxError>> {
        if self.ended {
            return None;
        }
        let next = self.read().await;
        self.ended |= !matches!(next, Some(Ok(_))) || self.whole;
        next
    }

    async fn read(&mut self) -> Option<Result<Bytes, BoxError>> {
        loop {
            let Some(chunk) = self.body.next().await else {
                return self.finish();
            };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => return Some(Err(e.into())),
            };
            self.compressed = self.compressed.saturating_add(chunk.len() as u64);
            // Input that decodes to nothing (empty gzip members, skippable zstd frames) counts
            // too, or it could go on for ever.
            if self.compressed > self.limit {
                return Some(Err(self.too_large()));
            }
            if !self.whole && !self.emitted {
                let room = RAW_KEPT.saturating_sub(self.raw_start.len());
                self.raw_start
                    .extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            if let Err(cause) = self.feed(&chunk).await {
                return self.failed(cause);
            }
            if !self.whole && !self.holding_back() {
                if let Err(cause) = self.decoder.flush() {
                    return self.failed(cause);
                }
                let decoded = self.decoder.buffer_mut().take();
                if !decoded.is_empty() {
                    self.emitted = true;
                    return Some(Ok(Bytes::from(decoded)));
                }
            }
        }
    }

    /// Writes `compressed` to the decoder a little at a time, letting the runtime run other
    /// tasks now and then: a small chunk may decode to a great deal.
    async fn feed(&mut self, compressed: &[u8]) -> std::io::Result<()> {
        for piece in compressed.chunks(FED_AT_ONCE) {
            self.decoder.write_all(piece)?;
            self.fed_since_yield += piece.len();
            let written = self.decoder.buffer().written;
            // Input that decodes to little (a run of empty members) costs work all the same.
            if written - self.yielded_at >= OUTPUT_BETWEEN_YIELDS
                || self.fed_since_yield >= INPUT_BETWEEN_YIELDS
            {
                self.yielded_at = written;
                self.fed_since_yield = 0;
                tokio::task::yield_now().await;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Option<Result<Bytes, BoxError>> {
        self.ended = true;
        // No bytes at all (a 204, an error without a body) is no body, whatever the header.
        if self.compressed == 0 {
            return None;
        }
        match self.decoder.finish() {
            Ok(decoded) if decoded.is_empty() => None,
            Ok(decoded) => Some(Ok(Bytes::from(decoded))),
            Err(cause) => self.failed(cause),
        }
    }

    /// What a body that failed to decode with `cause` comes to.
    fn failed(&mut self, cause: std::io::Error) -> Option<Result<Bytes, BoxError>> {
        self.ended = true;
        if self.decoder.buffer().over_the_limit {
            return Some(Err(self.too_large()));
        }
        if self.whole {
            return Some(Err(undecompressible(self.coding, self.status, cause)));
        }
        // Not a body in the coding at all (a gateway's page labelled with it): shown as it came.
        // One that is, but fails before anything decodes, is compressed bytes: not shown. Bare
        // deflate has no mark to tell it by: there, text is taken for a body not in it.
        let not_in_it = !self.coding.starts(&self.raw_start)
            && (!self.coding.may_be_unmarked() || (!self.emitted && is_text(&self.raw_start)));
        if not_in_it {
            tracing::debug!(
                status = self.status.as_u16(),
                coding = self.coding.name(),
                cause = %cause,
                "the body does not decompress at all: its start comes as it is"
            );
            let raw = std::mem::take(&mut self.raw_start);
            return (!raw.is_empty()).then(|| Ok(Bytes::from(raw)));
        }
        tracing::debug!(
            status = self.status.as_u16(),
            coding = self.coding.name(),
            cause = %cause,
            "the body does not decompress past this point: it ends there"
        );
        let decoded = self.decoder.buffer_mut().take();
        (!decoded.is_empty()).then(|| Ok(Bytes::from(decoded)))
    }

    /// Whether what decodes is held back for now: the start of another status's body that may
    /// be bare deflate, which text also is until it fails to inflate (within a few bytes, having
    /// made noise of them). What decodes comes once the body ends, or once enough of it has
    /// inflated to tell.
    fn holding_back(&self) -> bool {
        self.coding.may_be_unmarked()
            && !self.coding.starts(&self.raw_start)
            && self.compressed < RAW_KEPT as u64
    }

    fn too_large(&self) -> BoxError {
        Box::new(BodyTooLarge {
            limit: self.limit,
            status: self.status,
            announced: None,
        })
    }
}

#[cfg(test)]
#[cfg(feature = "gzip")]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzipped(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// `body` cut into `chunks`, decoded under `limit` as a success's body.
    async fn decode(chunks: Vec<Vec<u8>>, limit: u64) -> Result<Bytes, BoxError> {
        let mut items = decode_all(chunks, limit, StatusCode::OK).await;
        assert_eq!(items.len(), 1, "one item only");
        items.remove(0)
    }

    /// Every item of `chunks` decoded under `limit` as the body of a `status`.
    async fn decode_all(
        chunks: Vec<Vec<u8>>,
        limit: u64,
        status: StatusCode,
    ) -> Vec<Result<Bytes, BoxError>> {
        decode_all_in(ContentCoding::Gzip, chunks, limit, status).await
    }

    /// The same, in `coding`.
    async fn decode_all_in(
        coding: ContentCoding,
        chunks: Vec<Vec<u8>>,
        limit: u64,
        status: StatusCode,
    ) -> Vec<Result<Bytes, BoxError>> {
        let body = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| Ok::<_, BoxError>(Bytes::from(chunk))),
        );
        decoded(coding, body, limit, None, status).collect().await
    }

    fn text(json: &str) -> Vec<u8> {
        json.repeat(50).into_bytes()
    }

    #[tokio::test]
    async fn a_gzip_body_decodes_however_it_is_cut() {
        let plain = text(r#"{"customerName":"Ünïcode & Co"}"#);
        let compressed = gzipped(&plain);
        for size in [1, 2, 7, 64, compressed.len()] {
            let chunks = compressed.chunks(size).map(<[u8]>::to_vec).collect();
            let decoded = decode(chunks, 1 << 20).await.unwrap();
            assert_eq!(decoded, plain, "chunks of {size}");
        }
    }

    #[tokio::test]
    async fn an_empty_body_is_empty_whatever_its_coding() {
        for chunks in [vec![], vec![vec![]]] {
            assert!(decode_all(chunks, 100, StatusCode::OK).await.is_empty());
        }
        // One byte is a body, and not gzip.
        undecompressible(decode(vec![vec![0x1f]], 100).await);
    }

    #[tokio::test]
    async fn another_status_s_text_labelled_deflate_is_shown_as_it_came() {
        let shown = |items: Vec<Result<Bytes, BoxError>>| -> Vec<u8> {
            items.into_iter().flat_map(|item| item.unwrap()).collect()
        };
        // JSON inflates to a few bytes of noise as bare deflate before it fails.
        for text in [
            &br#"{"error":"bad gateway"}"#[..],
            b"[]",
            "Ünïcode".as_bytes(),
        ] {
            let items = decode_all_in(
                ContentCoding::Deflate,
                vec![text.to_vec()],
                1 << 20,
                StatusCode::BAD_GATEWAY,
            )
            .await;
            assert_eq!(shown(items), text);
        }
        // A short bare deflate body: held while it may be text, then decoded whole. (Deflate's
        // end of block leaves control bytes, so its output is not taken for text.)
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"degraded").unwrap();
        let compressed = encoder.finish().unwrap();
        assert!(!is_text(&compressed), "{compressed:?}");
        let items = decode_all_in(
            ContentCoding::Deflate,
            vec![compressed],
            1 << 20,
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
        assert_eq!(shown(items), b"degraded");
        // Bare deflate cut short: what decoded comes, not the compressed bytes.
        let plain = text(r#"{"errorMessage":"busy"}"#);
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&plain).unwrap();
        let compressed = encoder.finish().unwrap();
        let cut = compressed[..compressed.len() - 2].to_vec();
        let items = decode_all_in(
            ContentCoding::Deflate,
            vec![cut],
            1 << 20,
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
        let shown = shown(items);
        assert!(!shown.is_empty() && plain.starts_with(&shown), "{shown:?}");
    }

    #[tokio::test]
    async fn another_status_s_body_comes_as_it_decodes_and_ends_where_it_stops() {
        let plain: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{i},").into_bytes())
            .collect();
        let mut compressed = gzipped(&plain);
        let chunks: Vec<Vec<u8>> = compressed.chunks(8 * 1024).map(<[u8]>::to_vec).collect();
        assert!(chunks.len() > 2);
        let items = decode_all(chunks, 1 << 20, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(items.len() >= 2, "more than one chunk: {}", items.len());
        let whole: Vec<u8> = items.into_iter().flat_map(|item| item.unwrap()).collect();
        assert_eq!(whole, plain);

        // Corrupt: what decoded comes, then the end, no error; the status decides.
        *compressed.last_mut().unwrap() ^= 0xff;
        let items = decode_all(vec![compressed], 1 << 20, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(items.iter().all(Result::is_ok));
        let shown: Vec<u8> = items.into_iter().flat_map(|item| item.unwrap()).collect();
        assert_eq!(shown, plain);
        // Nothing decodes: what was read of it comes as it came, up to a bound.
        let page = b"<html>Bad Gateway</html>".repeat(1000);
        let items = decode_all(vec![page.clone()], 1 << 20, StatusCode::BAD_GATEWAY).await;
        let shown: Vec<u8> = items.into_iter().flat_map(|item| item.unwrap()).collect();
        assert!(shown == page[..RAW_KEPT], "{} bytes", shown.len());
        // Gzip that fails before anything decodes is compressed bytes: nothing comes.
        let mut broken = gzipped(b"{\"a\":\"SECRET\"}")[..10].to_vec();
        broken.extend_from_slice(&[0xff; 32]);
        let items = decode_all(vec![broken], 1 << 20, StatusCode::BAD_GATEWAY).await;
        assert!(items.is_empty(), "{items:?}");
    }

    #[tokio::test]
    async fn input_that_decodes_to_nothing_cannot_go_on_for_ever() {
        let empty_member = Bytes::from(gzipped(b""));
        let endless = futures_util::stream::repeat(empty_member).map(Ok::<_, BoxError>);
        let limit = 10_000;
        let items: Vec<_> = decoded(ContentCoding::Gzip, endless, limit, None, StatusCode::OK)
            .collect()
            .await;
        let [Err(error)] = &items[..] else {
            panic!("one refusal, not {} items", items.len());
        };
        let too_large = error.downcast_ref::<BodyTooLarge>().expect("too large");
        assert_eq!(too_large.limit, limit);
    }

    #[tokio::test]
    async fn every_member_of_a_multi_member_gzip_body_is_decoded() {
        let mut body = gzipped(b"[1,");
        body.extend(gzipped(b"2]"));
        assert_eq!(decode(vec![body], 100).await.unwrap(), &b"[1,2]"[..]);
    }

    /// The error `result` failed with, as what it is.
    fn undecompressible(result: Result<Bytes, BoxError>) -> String {
        let error = result.expect_err("refused");
        let found = error.downcast_ref::<BodyUndecompressible>();
        assert!(found.is_some(), "{error}");
        error.to_string()
    }

    #[tokio::test]
    async fn a_cut_short_or_corrupt_gzip_body_is_named_as_such() {
        let compressed = gzipped(&text(r#"{"a":1}"#));
        let cut = compressed[..compressed.len() - 4].to_vec();
        let shown = undecompressible(decode(vec![cut], 1 << 20).await);
        assert!(
            shown.starts_with("the gzip-encoded response body (HTTP 200) does not decompress: "),
            "{shown}"
        );

        // The last byte of the length in the trailer: the data inflates, the check fails.
        let mut corrupt = compressed.clone();
        *corrupt.last_mut().unwrap() ^= 0xff;
        undecompressible(decode(vec![corrupt], 1 << 20).await);

        // Not gzip at all.
        undecompressible(decode(vec![b"{\"plain\": true}".to_vec()], 1 << 20).await);
    }

    #[tokio::test]
    async fn a_body_that_inflates_past_the_limit_is_refused_at_it() {
        let bomb = gzipped(&vec![b' '; 4 << 20]);
        let limit = 100_000;
        let error = decode(vec![bomb], limit).await.expect_err("refused");
        let too_large = error.downcast_ref::<BodyTooLarge>().expect("too large");
        assert_eq!((too_large.limit, too_large.announced), (limit, None));

        // Exactly the limit is allowed, one byte more is not.
        let plain = vec![b'x'; 1000];
        assert_eq!(decode(vec![gzipped(&plain)], 1000).await.unwrap(), plain);
        let error = decode(vec![gzipped(&plain)], 999)
            .await
            .expect_err("refused");
        assert!(error.downcast_ref::<BodyTooLarge>().is_some(), "{error}");
    }
}

#[cfg(test)]
#[cfg(feature = "zstd")]
mod zstd_tests {
    use std::io::Write;

    use super::*;

    async fn decode(body: Vec<u8>) -> Result<Bytes, BoxError> {
        let body = futures_util::stream::iter([Ok::<_, BoxError>(Bytes::from(body))]);
        let decoded = decoded(ContentCoding::Zstd, body, 1 << 24, None, StatusCode::OK);
        std::pin::pin!(decoded).next().await.expect("one item")
    }

    #[tokio::test]
    async fn a_zstd_body_decodes_and_a_cut_one_is_named() {
        let plain = br#"{"customerName":"zstd"}"#.repeat(100);
        let compressed = zstd::encode_all(&plain[..], 3).unwrap();
        assert_eq!(decode(compressed.clone()).await.unwrap(), plain);
        let cut = compressed[..compressed.len() / 2].to_vec();
        let error = decode(cut).await.expect_err("refused");
        assert!(
            error.downcast_ref::<BodyUndecompressible>().is_some(),
            "{error}"
        );
        assert!(error.to_string().contains("zstd-encoded"), "{error}");
    }

    #[tokio::test]
    async fn a_zstd_window_over_8_mib_is_refused() {
        let plain = vec![b'x'; 1000];
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.window_log(27).unwrap();
        encoder.long_distance_matching(true).unwrap();
        encoder.include_contentsize(false).unwrap();
        encoder.write_all(&plain).unwrap();
        let compressed = encoder.finish().unwrap();
        let error = decode(compressed).await.expect_err("refused");
        assert!(
            error.downcast_ref::<BodyUndecompressible>().is_some(),
            "{error}"
        );
    }
}
