//! A gzip body member by member (RFC 1952 lets a body be several members end to end), with
//! what follows the last member ignored when it is not another one.
//!
//! Some servers and gateways pad a gzip'd body (zeros, a stray newline) past its last member.
//! A decoder that takes those bytes for the header of a next member fails the whole body on
//! them (flate2's `MultiGzDecoder` does), though every byte of data decoded and checked out.
//! Browsers, curl and urllib3 keep the data and drop the padding; so does this. Bytes that
//! start like a member (`1f 8b`) are decoded as one, and fail as one if they are not.
//!
//! Each member is zlib-rs's gzip inflate (header, data and trailer, its CRC and length
//! checked), writing straight into the body's buffer.

use zlib_rs::Inflate;

use super::decoder::Buffer;
use super::inflating::{finished, inflate};

/// The first two bytes of every gzip member.
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// zlib's window bits for a gzip member (16 + a window of up to 2^15 bytes).
const GZIP_WINDOW_BITS: u8 = 16 + 15;

pub(super) struct GzipMembers {
    /// The member being decoded.
    member: Inflate,
    /// Whether that member has ended (its trailer read and checked).
    member_ended: bool,
    pub(super) buffer: Buffer,
    /// How many bytes came after the last member, not being another: ignored.
    ignored: u64,
    /// Whether what follows the last member so far is a lone first byte of [`MAGIC`], the next
    /// byte to tell whether it starts another.
    half_magic: bool,
}

impl GzipMembers {
    pub(super) fn new(buffer: Buffer) -> GzipMembers {
        GzipMembers {
            member: Inflate::new(true, GZIP_WINDOW_BITS),
            member_ended: false,
            buffer,
            ignored: 0,
            half_magic: false,
        }
    }

    pub(super) fn write_all(&mut self, mut input: &[u8]) -> std::io::Result<()> {
        while !input.is_empty() && self.ignored == 0 {
            if self.half_magic {
                self.half_magic = false;
                if input[0] != MAGIC[1] {
                    self.ignored = 1;
                    break;
                }
                self.next_member();
                inflate(&mut self.member, &mut self.buffer, &MAGIC[..1])?;
                continue;
            }
            if !self.member_ended {
                let inflated = inflate(&mut self.member, &mut self.buffer, input)?;
                self.member_ended = inflated.ended;
                input = &input[inflated.taken..];
                continue;
            }
            // The member has ended: what is left follows it.
            match input {
                [first] if *first == MAGIC[0] => {
                    self.half_magic = true;
                    input = &[];
                }
                [first, second, ..] if [*first, *second] == MAGIC => self.next_member(),
                _ => break,
            }
        }
        self.ignored = self.ignored.saturating_add(input.len() as u64);
        Ok(())
    }

    /// Starts the next member, in the same buffer (the one before has ended, and was checked).
    fn next_member(&mut self) {
        self.member = Inflate::new(true, GZIP_WINDOW_BITS);
        self.member_ended = false;
    }

    /// Checks that the last member has ended, once the body has.
    pub(super) fn try_finish(&mut self) -> std::io::Result<()> {
        let ignored = self.ignored + u64::from(self.half_magic);
        finished(self.member_ended, ignored, "last gzip member")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzipped(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// `body` written `piece` bytes at a time, then finished.
    fn decoded(body: &[u8], piece: usize) -> std::io::Result<Vec<u8>> {
        let mut members = GzipMembers::new(Buffer::new(1 << 20, None));
        for chunk in body.chunks(piece) {
            members.write_all(chunk)?;
        }
        members.try_finish()?;
        Ok(members.buffer.take())
    }

    #[test]
    fn members_end_to_end_decode_however_they_are_cut() {
        let mut body = gzipped(b"[1,");
        body.extend(gzipped(b""));
        body.extend(gzipped(b"2]"));
        for piece in [1, 2, 3, 10, body.len()] {
            assert_eq!(
                decoded(&body, piece).unwrap(),
                b"[1,2]",
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn a_body_of_the_limit_decodes_and_one_byte_more_is_refused() {
        let plain: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut body = gzipped(&plain);
        body.extend(gzipped(b""));
        for piece in [100, 4096, body.len()] {
            let limit = plain.len() as u64;
            let mut members = GzipMembers::new(Buffer::new(limit, Some(body.len() as u64)));
            for chunk in body.chunks(piece) {
                members.write_all(chunk).unwrap();
            }
            members.try_finish().unwrap();
            assert_eq!(members.buffer.take(), plain, "pieces of {piece}");

            let mut members = GzipMembers::new(Buffer::new(limit - 1, None));
            let refused = body
                .chunks(piece)
                .find_map(|chunk| members.write_all(chunk).err());
            assert!(refused.is_some(), "pieces of {piece}");
            assert!(members.buffer.over_the_limit);
            assert_eq!(members.buffer.written as u64, limit - 1);
        }
    }

    #[test]
    fn padding_after_the_last_member_is_ignored() {
        for padding in [
            &b"\0\0\0\0"[..],
            b"\n",
            b"\x1f",
            b"\x1fx",
            b"garbage that is not gzip",
        ] {
            let mut body = gzipped(b"{\"a\":1}");
            body.extend_from_slice(padding);
            for piece in [1, 5, body.len()] {
                assert_eq!(decoded(&body, piece).unwrap(), b"{\"a\":1}", "{padding:?}");
            }
        }
    }

    #[test]
    fn what_starts_like_a_member_must_be_one() {
        let mut body = gzipped(b"{}");
        body.extend_from_slice(&[0x1f, 0x8b, 0, 0]);
        assert!(decoded(&body, body.len()).is_err());
        // A member cut short, or with a wrong checksum, is no body: nothing is ignored there.
        let whole = gzipped(b"{\"a\":1}");
        assert!(decoded(&whole[..whole.len() - 3], 4).is_err());
        let mut corrupt = whole.clone();
        let crc = corrupt.len() - 8;
        corrupt[crc] ^= 0xff;
        corrupt.extend_from_slice(&gzipped(b"{}"));
        assert!(decoded(&corrupt, 7).is_err());
        // Not gzip at all.
        assert!(decoded(b"{\"plain\": true}", 4).is_err());
    }
}
