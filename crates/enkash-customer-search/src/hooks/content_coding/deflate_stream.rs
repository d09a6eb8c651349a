//! A `deflate` body. RFC 9110 has it zlib-wrapped (RFC 1950), but servers have long sent bare
//! deflate (RFC 1951) under that name, so a body that does not start with a zlib header is read
//! as bare deflate; browsers, curl and urllib3 take both forms too. The client never asks for
//! it (which of the two a server means is a guess); it decodes it when a server sends it all
//! the same.

use zlib_rs::Inflate;

use super::decoder::Buffer;
use super::inflating::{finished, inflate};

/// zlib's window bits for a window of up to 2^15 bytes, the most deflate uses.
const WINDOW_BITS: u8 = 15;

pub(super) struct DeflateStream {
    /// `None` until the first two bytes have told a zlib stream from bare deflate.
    stream: Option<Inflate>,
    /// The first byte, while it has come alone.
    first: Option<u8>,
    /// Whether the stream has ended (a zlib stream's checksum read and checked).
    ended: bool,
    pub(super) buffer: Buffer,
    /// How many bytes came after the stream's end: ignored.
    ignored: u64,
}

/// Whether `first` and `second` are a zlib header (RFC 1950: deflate, a window of at most
/// 32 KiB, and a check that makes the two a multiple of 31).
pub(super) fn zlib_header(first: u8, second: u8) -> bool {
    first & 0x0f == 8 && first >> 4 <= 7 && (u16::from(first) << 8 | u16::from(second)) % 31 == 0
}

impl DeflateStream {
    pub(super) fn new(buffer: Buffer) -> DeflateStream {
        DeflateStream {
            stream: None,
            first: None,
            ended: false,
            buffer,
            ignored: 0,
        }
    }

    pub(super) fn write_all(&mut self, input: &[u8]) -> std::io::Result<()> {
        if self.stream.is_none() {
            let held = self.first.take();
            let mut start = held.iter().chain(input).copied();
            let (Some(first), Some(second)) = (start.next(), start.next()) else {
                self.first = held.or(input.first().copied());
                return Ok(());
            };
            self.stream = Some(Inflate::new(zlib_header(first, second), WINDOW_BITS));
            if let Some(held) = held {
                self.feed(&[held])?;
            }
        }
        self.feed(input)
    }

    fn feed(&mut self, input: &[u8]) -> std::io::Result<()> {
        let (Some(stream), false) = (&mut self.stream, self.ended) else {
            self.ignored = self.ignored.saturating_add(input.len() as u64);
            return Ok(());
        };
        let inflated = inflate(stream, &mut self.buffer, input)?;
        if inflated.ended {
            self.ended = true;
            self.ignored = self
                .ignored
                .saturating_add((input.len() - inflated.taken) as u64);
        }
        Ok(())
    }

    /// Checks that the stream has ended, once the body has.
    pub(super) fn try_finish(&mut self) -> std::io::Result<()> {
        finished(self.ended, self.ignored, "deflate stream")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn bare(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// `body` written `piece` bytes at a time, then finished.
    fn decoded(body: &[u8], piece: usize, limit: u64) -> std::io::Result<Vec<u8>> {
        let mut stream = DeflateStream::new(Buffer::new(limit, None));
        for chunk in body.chunks(piece) {
            stream.write_all(chunk)?;
        }
        stream.try_finish()?;
        Ok(stream.buffer.take())
    }

    #[test]
    fn zlib_and_bare_deflate_decode_however_they_are_cut() {
        let plain: Vec<u8> = (0..20_000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        for (body, zlib_wrapped, want) in [
            (zlib(&plain), true, &plain[..]),
            (bare(&plain), false, &plain[..]),
            (zlib(b""), true, &b""[..]),
            (bare(b""), false, &b""[..]),
        ] {
            assert_eq!(zlib_header(body[0], body[1]), zlib_wrapped);
            for piece in [1, 2, 3, 4096, body.len()] {
                assert_eq!(
                    decoded(&body, piece, 1 << 20).unwrap(),
                    want,
                    "pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn what_follows_the_stream_is_ignored_and_a_cut_or_corrupt_one_fails() {
        for mut body in [zlib(b"{\"a\":1}"), bare(b"{\"a\":1}")] {
            let whole = body.clone();
            body.extend_from_slice(b"\r\n\0");
            assert_eq!(decoded(&body, 3, 100).unwrap(), b"{\"a\":1}");
            assert!(decoded(&whole[..whole.len() - 2], 3, 100).is_err());
        }
        // A zlib stream whose checksum is wrong.
        let mut body = zlib(b"{\"a\":1}");
        *body.last_mut().unwrap() ^= 0xff;
        assert!(decoded(&body, 4, 100).is_err());
        // Not deflate at all, and a lone first byte.
        assert!(decoded(b"<html>Bad Gateway</html>", 5, 100).is_err());
        assert!(decoded(&[0x78], 1, 100).is_err());
    }

    #[test]
    fn the_limit_holds() {
        let plain = vec![b' '; 100_000];
        for body in [zlib(&plain), bare(&plain)] {
            assert_eq!(decoded(&body, 1000, 100_000).unwrap().len(), 100_000);
            let mut stream = DeflateStream::new(Buffer::new(99_999, None));
            assert!(
                body.chunks(1000)
                    .any(|chunk| stream.write_all(chunk).is_err())
            );
            assert!(stream.buffer.over_the_limit);
        }
    }
}
