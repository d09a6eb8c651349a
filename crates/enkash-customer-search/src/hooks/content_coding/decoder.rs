//! The decoders of each coding, writing into a buffer that refuses what goes past the limit.

use std::io::Write;

use super::ContentCoding;
#[cfg(feature = "gzip")]
use super::deflate_stream::DeflateStream;
#[cfg(feature = "gzip")]
use super::gzip_members::GzipMembers;

/// A streaming decoder of one coding, writing into a [`Buffer`].
pub(super) enum Decoder {
    #[cfg(feature = "gzip")]
    Gzip(Box<GzipMembers>),
    #[cfg(feature = "gzip")]
    Deflate(Box<DeflateStream>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Decoder<'static, Buffer>),
}

impl Decoder {
    pub(super) fn new(coding: ContentCoding, buffer: Buffer) -> std::io::Result<Decoder> {
        Ok(match coding {
            #[cfg(feature = "gzip")]
            ContentCoding::Gzip => Decoder::Gzip(Box::new(GzipMembers::new(buffer))),
            #[cfg(feature = "gzip")]
            ContentCoding::Deflate => Decoder::Deflate(Box::new(DeflateStream::new(buffer))),
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

    pub(super) fn write_all(&mut self, compressed: &[u8]) -> std::io::Result<()> {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.write_all(compressed),
            #[cfg(feature = "gzip")]
            Decoder::Deflate(decoder) => decoder.write_all(compressed),
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.write_all(compressed),
        }
    }

    /// Hands on to the buffer what the decoder holds (the inflaters hold nothing back).
    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(_) | Decoder::Deflate(_) => Ok(()),
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.flush(),
        }
    }

    pub(super) fn buffer(&self) -> &Buffer {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => &decoder.buffer,
            #[cfg(feature = "gzip")]
            Decoder::Deflate(decoder) => &decoder.buffer,
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.get_ref(),
        }
    }

    pub(super) fn buffer_mut(&mut self) -> &mut Buffer {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => &mut decoder.buffer,
            #[cfg(feature = "gzip")]
            Decoder::Deflate(decoder) => &mut decoder.buffer,
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.get_mut(),
        }
    }

    /// What is left in the buffer, once the input has ended where a stream may end (its
    /// checksum checked).
    pub(super) fn finish(&mut self) -> std::io::Result<Vec<u8>> {
        match self {
            #[cfg(feature = "gzip")]
            Decoder::Gzip(decoder) => decoder.try_finish()?,
            #[cfg(feature = "gzip")]
            Decoder::Deflate(decoder) => decoder.try_finish()?,
            #[cfg(feature = "zstd")]
            Decoder::Zstd(decoder) => decoder.do_finish()?,
        }
        Ok(self.buffer_mut().take())
    }
}

/// The largest window a zstd body may use: 8 MiB.
#[cfg(feature = "zstd")]
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// The decompressed bytes, refused past the limit: the buffer grows by doubling, but never
/// beyond what the limit leaves, so what a body costs is bounded whatever it inflates to.
///
/// An inflater writes straight into the buffer's [`room`](Buffer::room), initialised bytes
/// past the decoded ones (zeroed a step at a time as it is needed: the workspace has no unsafe
/// code to hand a decoder memory nothing has written).
#[derive(Default)]
pub(super) struct Buffer {
    /// The decoded bytes, then the room.
    bytes: Vec<u8>,
    /// How many of `bytes` are decoded.
    end: usize,
    limit: usize,
    /// Every byte written, those taken out of the buffer since included.
    pub(super) written: usize,
    pub(super) over_the_limit: bool,
}

/// Compressed JSON is rarely more than eight times smaller than itself.
const EXPECTED_RATIO: u64 = 8;

/// The first buffer of a body whose compressed length is not known.
const FIRST_BUFFER: u64 = 64 * 1024;

/// The most reserved ahead of what has come, whatever a `Content-Length` says.
const MOST_RESERVED_AHEAD: u64 = 16 * 1024 * 1024;

/// The least the buffer grows by, where nothing says more is coming.
const LEAST_GROWTH: usize = 32 * 1024;

/// The most room zeroed at once.
const ZEROED_AT_ONCE: usize = 1024 * 1024;

impl Buffer {
    pub(super) fn new(limit: u64, compressed_len: Option<u64>) -> Buffer {
        let first = compressed_len
            .map_or(FIRST_BUFFER, |n| n.saturating_mul(EXPECTED_RATIO))
            .min(MOST_RESERVED_AHEAD)
            .min(limit);
        let mut bytes = Vec::new();
        // Only a hint: a failure here is met again, and reported, when the bytes come.
        let _ = bytes.try_reserve_exact(usize::try_from(first).unwrap_or(0));
        Buffer {
            bytes,
            end: 0,
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            written: 0,
            over_the_limit: false,
        }
    }

    /// Where the next decoded bytes go: empty only when the limit leaves no more. When it is
    /// used up, the buffer grows (doubling, within what the limit leaves) and a little more of
    /// it is zeroed, which keeps untouched what a body does not need of the reserve.
    pub(super) fn room(&mut self) -> std::io::Result<&mut [u8]> {
        let left = self.limit - self.written;
        if self.bytes.len() == self.end && left > 0 {
            if self.bytes.len() == self.bytes.capacity() {
                let grown = self
                    .bytes
                    .capacity()
                    .saturating_mul(2)
                    .max(self.end.saturating_add(LEAST_GROWTH))
                    .min(self.end.saturating_add(left));
                self.bytes
                    .try_reserve_exact(grown - self.end)
                    .map_err(std::io::Error::other)?;
            }
            let zeroed = self
                .bytes
                .capacity()
                .min(self.end.saturating_add(ZEROED_AT_ONCE))
                .min(self.end.saturating_add(left));
            self.bytes.resize(zeroed, 0);
        }
        let room = (self.bytes.len() - self.end).min(left);
        Ok(&mut self.bytes[self.end..self.end + room])
    }

    /// Takes the first `n` bytes of the [`room`](Buffer::room) as decoded.
    pub(super) fn filled(&mut self, n: usize) {
        self.end += n;
        self.written += n;
    }

    /// Refuses the body: more of it was coming than the limit leaves.
    pub(super) fn past_the_limit(&mut self) -> std::io::Error {
        self.over_the_limit = true;
        std::io::Error::other("over the body limit")
    }

    /// The decoded bytes so far, taken out of the buffer.
    pub(super) fn take(&mut self) -> Vec<u8> {
        self.bytes.truncate(self.end);
        self.end = 0;
        std::mem::take(&mut self.bytes)
    }
}

impl Write for Buffer {
    fn write(&mut self, decoded: &[u8]) -> std::io::Result<usize> {
        if decoded.len() > self.limit - self.written {
            return Err(self.past_the_limit());
        }
        let room = self.room()?;
        let n = room.len().min(decoded.len());
        room[..n].copy_from_slice(&decoded[..n]);
        self.filled(n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_never_takes_more_than_the_limit() {
        let mut buffer = Buffer::new(10_000, Some(1_000_000));
        assert!(buffer.bytes.capacity() <= 10_000);
        for _ in 0..100 {
            buffer.write_all(&[b'x'; 100]).unwrap();
        }
        assert!(buffer.write_all(b"x").is_err());
        assert!(buffer.over_the_limit);
        assert!(buffer.room().unwrap().is_empty());
        assert!(buffer.bytes.capacity() <= 10_000);
        assert_eq!(buffer.take().len(), 10_000);
        // Unknown length: a small first buffer, grown by doubling.
        let buffer = Buffer::new(u64::MAX, None);
        assert_eq!(buffer.bytes.capacity() as u64, FIRST_BUFFER);
        // Whatever the Content-Length claims, no more is reserved ahead, and nothing panics.
        for claimed in [u64::MAX, 1 << 60, 1_000_000_000_000] {
            let buffer = Buffer::new(u64::MAX, Some(claimed));
            assert!(buffer.bytes.capacity() as u64 <= MOST_RESERVED_AHEAD);
        }
    }
}
