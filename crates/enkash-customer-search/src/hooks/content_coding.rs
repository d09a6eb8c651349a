//! Compressed response bodies, decompressed by the client rather than by reqwest.
//!
//! reqwest's decompression is a feature of the whole build (turning it on turns it on for
//! every reqwest client in the build), and it hands the body on in small chunks that are copied
//! together again before the decode. Here each chunk is inflated as it arrives, into one buffer
//! that the decode then reads as it is. The buffer never grows past the body limit, so a small
//! body that would inflate to gigabytes costs the limit and no more.

#[cfg(any(feature = "gzip", feature = "zstd"))]
use std::io::Write;

use bytes::Bytes;
#[cfg(any(feature = "gzip", feature = "zstd"))]
use futures_util::{Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, HeaderMap, HeaderValue};

use super::BoxError;
#[cfg(any(feature = "gzip", feature = "zstd"))]
use super::body::BodyTooLarge;

/// A content coding this build decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentCoding {
    #[cfg(feature = "gzip")]
    Gzip,
    #[cfg(feature = "zstd")]
    Zstd,
}

impl ContentCoding {
    /// The `Accept-Encoding` of a request that may be answered compressed: every coding this
    /// build decodes, the better first; `None` in a build that decodes none.
    pub(crate) fn accepted() -> Option<HeaderValue> {
        let value = match (cfg!(feature = "gzip"), cfg!(feature = "zstd")) {
            (true, true) => "zstd,gzip",
            (true, false) => "gzip",
            (false, true) => "zstd",
            (false, false) => return None,
        };
        Some(HeaderValue::from_static(value))
    }

    /// The coding `headers` name in `Content-Encoding`, if it is a single one this build
    /// decodes. Several codings, or one it does not know, are left in place for the error that
    /// names them.
    pub(crate) fn of(headers: &HeaderMap) -> Option<ContentCoding> {
        let mut values = headers.get_all(CONTENT_ENCODING).iter();
        let value = values.next()?.to_str().ok()?.trim();
        if values.next().is_some() {
            return None;
        }
        #[cfg(feature = "gzip")]
        if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            return Some(ContentCoding::Gzip);
        }
        #[cfg(feature = "zstd")]
        if value.eq_ignore_ascii_case("zstd") {
            return Some(ContentCoding::Zstd);
        }
        let _ = value;
        None
    }

    #[cfg(any(feature = "gzip", feature = "zstd"))]
    fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "gzip")]
            ContentCoding::Gzip => "gzip",
            #[cfg(feature = "zstd")]
            ContentCoding::Zstd => "zstd",
        }
    }
}

/// A compressed body that does not decompress: corrupt, or cut short.
#[derive(Debug)]
#[cfg_attr(not(any(feature = "gzip", feature = "zstd")), allow(dead_code))]
pub(crate) struct BodyUndecompressible {
    pub status: StatusCode,
    coding: &'static str,
    cause: std::io::Error,
}

impl std::fmt::Display for BodyUndecompressible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {}-encoded response body (HTTP {}) does not decompress: {}",
            self.coding,
            self.status.as_u16(),
            self.cause
        )
    }
}

impl std::error::Error for BodyUndecompressible {}

#[cfg(any(feature = "gzip", feature = "zstd"))]
/// `body`, encoded in `coding`, as one chunk of decoded bytes; or [`BodyTooLarge`] as soon as
/// more than `limit` bytes have come out of it, or [`BodyUndecompressible`]. `compressed_len`,
/// the body's `Content-Length` if it had one, sizes the first buffer.
pub(super) fn decoded<S, E>(
    coding: ContentCoding,
    body: S,
    limit: u64,
    compressed_len: Option<u64>,
    status: StatusCode,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError>,
{
    futures_util::stream::once(async move {
        let mut body = std::pin::pin!(body);
        let mut decoder = Decoder::new(coding, Buffer::new(limit, compressed_len)).map_err(
            |cause| -> BoxError {
                Box::new(BodyUndecompressible {
                    status,
                    coding: coding.name(),
                    cause,
                })
            },
        )?;
        let refused = |decoder: &Decoder, cause: std::io::Error| -> BoxError {
            if decoder.buffer().over_the_limit {
                Box::new(BodyTooLarge {
                    limit,
                    status,
                    announced: None,
                })
            } else {
                Box::new(BodyUndecompressible {
                    status,
                    coding: coding.name(),
                    cause,
                })
            }
        };
        let mut empty = true;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(Into::into)?;
            empty &= chunk.is_empty();
            if let Err(cause) = decoder.write_all(&chunk) {
                return Err(refused(&decoder, cause));
            }
        }
        // No bytes at all (a 204, an error without a body) is no body, whatever the header.
        if empty {
            return Ok(Bytes::new());
        }
        match decoder.finish() {
            Ok(buffer) => Ok(Bytes::from(buffer.bytes)),
            Err(cause) => Err(refused(&decoder, cause)),
        }
    })
}

#[cfg(any(feature = "gzip", feature = "zstd"))]
/// A streaming decoder of one coding, writing into a [`Buffer`].
enum Decoder {
    #[cfg(feature = "gzip")]
    Gzip(Box<flate2::write::MultiGzDecoder<Buffer>>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Decoder<'static, Buffer>),
}

#[cfg(any(feature = "gzip", feature = "zstd"))]
impl Decoder {
    fn new(coding: ContentCoding, buffer: Buffer) -> std::io::Result<Decoder> {
        Ok(match coding {
            #[cfg(feature = "gzip")]
            ContentCoding::Gzip => {
                Decoder::Gzip(Box::new(flate2::write::MultiGzDecoder::new(buffer)))
            }
            #[cfg(feature = "zstd")]
            ContentCoding::Zstd => {
                let mut decoder = zstd::stream::write::Decoder::new(buffer)?;
                // RFC 9659: a zstd content coding's window is at most 8 MiB, which bounds the
                // memory a hostile frame can make the decoder take.
                decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
                Decoder::Zstd(decoder)
            }
        })
    }

    fn write_all(&mut self, compressed: &[u8]) -> std::io::Result<()> {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.write_all(compressed),
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.write_all(compressed),
        }
    }

    fn buffer(&self) -> &Buffer {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.get_ref(),
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.get_ref(),
        }
    }

    fn buffer_mut(&mut self) -> &mut Buffer {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.get_mut(),
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.get_mut(),
        }
    }

    /// The buffer, once the input has ended where a stream may end (its checksum checked).
    fn finish(&mut self) -> std::io::Result<Buffer> {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.try_finish()?,
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.do_finish()?,
        }
        Ok(std::mem::take(self.buffer_mut()))
    }
}

/// The largest window a zstd body may use: 8 MiB.
#[cfg(feature = "zstd")]
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// The decompressed bytes, refused past the limit: the buffer grows by doubling, but never
/// beyond the limit, so what a body costs is bounded whatever it inflates to.
#[cfg(any(feature = "gzip", feature = "zstd"))]
#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    limit: usize,
    over_the_limit: bool,
}

#[cfg(any(feature = "gzip", feature = "zstd"))]
/// Compressed JSON is rarely more than eight times smaller than itself.
const EXPECTED_RATIO: u64 = 8;

#[cfg(any(feature = "gzip", feature = "zstd"))]
/// The first buffer of a body whose compressed length is not known.
const FIRST_BUFFER: u64 = 64 * 1024;

#[cfg(any(feature = "gzip", feature = "zstd"))]
impl Buffer {
    fn new(limit: u64, compressed_len: Option<u64>) -> Buffer {
        let expected = compressed_len.map_or(FIRST_BUFFER, |n| n.saturating_mul(EXPECTED_RATIO));
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Buffer {
            bytes: Vec::with_capacity(usize::try_from(expected).unwrap_or(limit).min(limit)),
            limit,
            over_the_limit: false,
        }
    }
}

#[cfg(any(feature = "gzip", feature = "zstd"))]
impl Write for Buffer {
    fn write(&mut self, decoded: &[u8]) -> std::io::Result<usize> {
        let len = self.bytes.len();
        if decoded.len() > self.limit - len {
            self.over_the_limit = true;
            return Err(std::io::Error::other("over the body limit"));
        }
        if self.bytes.capacity() - len < decoded.len() {
            let wanted = (self.bytes.capacity().saturating_mul(2))
                .max(len + decoded.len())
                .min(self.limit);
            self.bytes
                .try_reserve_exact(wanted - len)
                .map_err(std::io::Error::other)?;
        }
        self.bytes.extend_from_slice(decoded);
        Ok(decoded.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A build that decodes no coding has no [`ContentCoding`] to decode.
#[cfg(not(any(feature = "gzip", feature = "zstd")))]
pub(super) fn decoded<S>(
    coding: ContentCoding,
    _body: S,
    _limit: u64,
    _compressed_len: Option<u64>,
    _status: StatusCode,
) -> futures_util::stream::Empty<Result<Bytes, BoxError>> {
    match coding {}
}

#[cfg(all(test, feature = "gzip"))]
mod tests {
    use super::*;

    fn gzipped(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// `body` cut into `chunks`, decoded under `limit`.
    async fn decode(chunks: Vec<Vec<u8>>, limit: u64) -> Result<Bytes, BoxError> {
        let body = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| Ok::<_, BoxError>(Bytes::from(chunk))),
        );
        let mut decoded = std::pin::pin!(decoded(
            ContentCoding::Gzip,
            body,
            limit,
            None,
            StatusCode::OK
        ));
        let only = decoded.next().await.expect("one item");
        assert!(decoded.next().await.is_none(), "one item only");
        only
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
        assert_eq!(decode(vec![], 100).await.unwrap(), Bytes::new());
        assert_eq!(decode(vec![vec![]], 100).await.unwrap(), Bytes::new());
        // One byte is a body, and not gzip.
        undecompressible(decode(vec![vec![0x1f]], 100).await);
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

    #[test]
    fn the_buffer_never_takes_more_than_the_limit() {
        let mut buffer = Buffer::new(10_000, Some(1_000_000));
        assert!(buffer.bytes.capacity() <= 10_000);
        for _ in 0..100 {
            buffer.write_all(&[b'x'; 100]).unwrap();
        }
        assert!(buffer.write_all(b"x").is_err());
        assert!(buffer.over_the_limit);
        assert_eq!(buffer.bytes.len(), 10_000);
        assert!(buffer.bytes.capacity() <= 10_000);
        // Unknown length: a small first buffer, grown by doubling.
        let buffer = Buffer::new(u64::MAX, None);
        assert_eq!(buffer.bytes.capacity() as u64, FIRST_BUFFER);
    }

    #[test]
    fn only_a_single_coding_this_build_decodes_is_taken() {
        let of = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(CONTENT_ENCODING, HeaderValue::from_str(value).unwrap());
            }
            ContentCoding::of(&headers)
        };
        for value in ["gzip", "GZIP", " x-gzip "] {
            assert_eq!(of(&[value]), Some(ContentCoding::Gzip), "{value}");
        }
        for values in [
            &[][..],
            &["identity"],
            &["br"],
            &["gzip, gzip"],
            &["gzip", "gzip"],
            &["deflate"],
        ] {
            assert_eq!(of(values), None, "{values:?}");
        }
    }
}

#[cfg(all(test, feature = "zstd"))]
mod zstd_tests {
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
