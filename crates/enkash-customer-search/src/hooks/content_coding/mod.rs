//! Compressed response bodies, decompressed by the client rather than by reqwest.
//!
//! reqwest's decompression is a feature of the whole build (turning it on turns it on for
//! every reqwest client in the build), and it hands the body on in small chunks that are copied
//! together again before the decode. Here each chunk is inflated as it arrives, into one buffer
//! that the decode then reads as it is. The buffer never grows past the body limit, so a small
//! body that would inflate to gigabytes is refused there, having cost a small multiple of it.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, HeaderMap, HeaderValue};

use super::BoxError;

#[cfg(any(feature = "gzip", feature = "zstd"))]
mod decoder;
#[cfg(any(feature = "gzip", feature = "zstd"))]
mod decoding;
#[cfg(feature = "gzip")]
mod deflate_stream;
#[cfg(feature = "gzip")]
mod gzip_members;
#[cfg(feature = "gzip")]
mod inflating;
#[cfg(any(feature = "gzip", feature = "zstd"))]
pub(super) use decoding::decoded;

/// A content coding this build decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentCoding {
    #[cfg(feature = "gzip")]
    Gzip,
    /// Never asked for, but decoded when it comes (see `deflate_stream`).
    #[cfg(feature = "gzip")]
    Deflate,
    #[cfg(feature = "zstd")]
    Zstd,
}

impl ContentCoding {
    /// The `Accept-Encoding` of a request that may be answered compressed: every coding this
    /// build decodes, the better first, but deflate (which of its two forms a server means is
    /// a guess, so it is only decoded when it comes); `None` in a build that decodes none.
    pub(crate) fn accepted() -> Option<HeaderValue> {
        let value = match (cfg!(feature = "gzip"), cfg!(feature = "zstd")) {
            (true, true) => "zstd,gzip",
            (true, false) => "gzip",
            (false, true) => "zstd",
            (false, false) => return None,
        };
        Some(HeaderValue::from_static(value))
    }

    /// What this build decompresses, as a clause of a sentence on a body it left as it was.
    pub(crate) fn what_is_decoded() -> &'static str {
        match (cfg!(feature = "gzip"), cfg!(feature = "zstd")) {
            (true, true) => "it decompresses gzip, deflate and zstd, one coding to a body",
            (true, false) => {
                "it decompresses gzip and deflate (and zstd with the crate's `zstd` feature), one \
                 coding to a body"
            }
            (false, true) => {
                "it decompresses zstd (and gzip and deflate with the crate's `gzip` feature), one \
                 coding to a body"
            }
            (false, false) => {
                "it decompresses nothing: the crate's `gzip` and `zstd` features are off"
            }
        }
    }

    /// Every coding `headers` name in `Content-Encoding`, over every line of it, `identity`
    /// aside (bytes that are not text shown as U+FFFD).
    pub(crate) fn named_in(headers: &HeaderMap) -> Vec<String> {
        headers
            .get_all(CONTENT_ENCODING)
            .iter()
            .flat_map(|line| {
                let line = String::from_utf8_lossy(line.as_bytes());
                line.split(',')
                    .map(|c| c.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
            .collect()
    }

    /// The coding `headers` name in `Content-Encoding`, if it is a single one this build
    /// decodes. Several codings, or one it does not know, are left in place for the error that
    /// names them.
    pub(crate) fn of(headers: &HeaderMap) -> Option<ContentCoding> {
        let codings = ContentCoding::named_in(headers);
        let [value] = &codings[..] else {
            return None;
        };
        #[cfg(feature = "gzip")]
        if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            return Some(ContentCoding::Gzip);
        }
        #[cfg(feature = "gzip")]
        if value.eq_ignore_ascii_case("deflate") {
            return Some(ContentCoding::Deflate);
        }
        #[cfg(feature = "zstd")]
        if value.eq_ignore_ascii_case("zstd") {
            return Some(ContentCoding::Zstd);
        }
        let _ = value;
        None
    }

    /// Whether `body` starts as a body in this coding does: a gzip member, a zlib stream (bare
    /// deflate has no mark to tell it by), or a zstd frame (a skippable one included).
    #[cfg(any(feature = "gzip", feature = "zstd"))]
    fn starts(self, body: &[u8]) -> bool {
        match self {
            #[cfg(feature = "gzip")]
            ContentCoding::Gzip => body.starts_with(&[0x1f, 0x8b]),
            #[cfg(feature = "gzip")]
            ContentCoding::Deflate => {
                matches!(body, [first, second, ..] if deflate_stream::zlib_header(*first, *second))
            }
            #[cfg(feature = "zstd")]
            ContentCoding::Zstd => match body {
                [0x28, 0xb5, 0x2f, 0xfd, ..] => true,
                [first, 0x2a, 0x4d, 0x18, ..] => first & 0xf0 == 0x50,
                _ => false,
            },
        }
    }

    /// Whether a body in this coding may not start as [`ContentCoding::starts`] says: bare
    /// deflate has no mark.
    #[cfg(any(feature = "gzip", feature = "zstd"))]
    fn may_be_unmarked(self) -> bool {
        #[cfg(feature = "gzip")]
        if self == ContentCoding::Deflate {
            return true;
        }
        false
    }

    #[cfg(any(feature = "gzip", feature = "zstd"))]
    fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "gzip")]
            ContentCoding::Gzip => "gzip",
            #[cfg(feature = "gzip")]
            ContentCoding::Deflate => "deflate",
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

/// A build that decodes no coding has no [`ContentCoding`] to decode.
#[cfg(not(any(feature = "gzip", feature = "zstd")))]
pub(super) fn decoded<S>(
    coding: ContentCoding,
    _body: S,
    _limit: u64,
    _compressed_len: Option<u64>,
    _status: StatusCode,
) -> futures_util::stream::Empty<Result<bytes::Bytes, BoxError>> {
    match coding {}
}

#[cfg(test)]
#[cfg(feature = "gzip")]
mod tests {
    use super::*;

    #[test]
    fn a_body_starts_as_its_coding_does_or_not() {
        assert!(ContentCoding::Gzip.starts(&[0x1f, 0x8b, 8]));
        assert!(!ContentCoding::Gzip.starts(b"<html>"));
        assert!(!ContentCoding::Gzip.starts(&[0x1f]));
        assert!(ContentCoding::Deflate.starts(&[0x78, 0x9c, 0]));
        assert!(!ContentCoding::Deflate.starts(b"<html>"));
        #[cfg(feature = "zstd")]
        {
            assert!(ContentCoding::Zstd.starts(&[0x28, 0xb5, 0x2f, 0xfd, 0]));
            // A skippable frame: 0x184D2A50 to 0x184D2A5F, little-endian.
            assert!(ContentCoding::Zstd.starts(&[0x5a, 0x2a, 0x4d, 0x18, 0]));
            assert!(!ContentCoding::Zstd.starts(&[0x4a, 0x2a, 0x4d, 0x18, 0]));
        }
        assert!(ContentCoding::what_is_decoded().contains("gzip"));
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
        for values in [
            &["gzip"][..],
            &["GZIP"],
            &[" x-gzip "],
            &["gzip, identity"],
            &["identity", "gzip"],
            &["gzip,"],
        ] {
            assert_eq!(of(values), Some(ContentCoding::Gzip), "{values:?}");
        }
        for values in [
            &[][..],
            &["identity"],
            &["br"],
            &["gzip, gzip"],
            &["gzip", "gzip"],
            &["deflate, gzip"],
        ] {
            assert_eq!(of(values), None, "{values:?}");
        }
        assert_eq!(of(&["Deflate"]), Some(ContentCoding::Deflate));
    }
}
