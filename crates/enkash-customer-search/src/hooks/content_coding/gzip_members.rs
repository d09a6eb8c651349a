//! A gzip body member by member (RFC 1952 lets a body be several members end to end), with
//! what follows the last member ignored when it is not another one.
//!
//! Some servers and gateways pad a gzip'd body (zeros, a stray newline) past its last member.
//! flate2's `MultiGzDecoder` takes those bytes for the header of a next member and fails the
//! whole body on them, though every byte of data decoded and checked out. Browsers, curl and
//! urllib3 keep the data and drop the padding; so does this. Bytes that start like a member
//! (`1f 8b`) are decoded as one, and fail as one if they are not.

use std::io::Write;

use flate2::write::GzDecoder;

use super::decoder::Buffer;

/// The first two bytes of every gzip member.
const MAGIC: [u8; 2] = [0x1f, 0x8b];

pub(super) struct GzipMembers {
    /// The member being decoded.
    member: GzDecoder<Buffer>,
    /// How many bytes came after the last member, not being another: ignored.
    ignored: u64,
    /// Whether what follows the last member so far is a lone first byte of [`MAGIC`], the next
    /// byte to tell whether it starts another.
    half_magic: bool,
}

impl GzipMembers {
    pub(super) fn new(buffer: Buffer) -> GzipMembers {
        GzipMembers {
            member: GzDecoder::new(buffer),
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
                self.next_member()?;
                self.member.write_all(&MAGIC)?;
                input = &input[1..];
                continue;
            }
            input = match self.member.write(input)? {
                // The member has ended (its trailer read): what is left follows it.
                0 => match input {
                    [first] if *first == MAGIC[0] => {
                        self.half_magic = true;
                        &[]
                    }
                    [first, second, ..] if [*first, *second] == MAGIC => {
                        self.next_member()?;
                        input
                    }
                    _ => break,
                },
                n => &input[n..],
            };
        }
        self.ignored = self.ignored.saturating_add(input.len() as u64);
        Ok(())
    }

    /// Checks the member that has ended (its CRC and length) and starts the next, in the same
    /// buffer.
    fn next_member(&mut self) -> std::io::Result<()> {
        self.member.try_finish()?;
        let buffer = std::mem::take(self.member.get_mut());
        self.member = GzDecoder::new(buffer);
        Ok(())
    }

    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        self.member.flush()
    }

    /// Checks the last member, once the body has ended.
    pub(super) fn try_finish(&mut self) -> std::io::Result<()> {
        self.member.try_finish()?;
        let ignored = self.ignored + u64::from(self.half_magic);
        if ignored > 0 {
            tracing::debug!(ignored, "bytes after the gzip body's last member: ignored");
        }
        Ok(())
    }

    pub(super) fn get_ref(&self) -> &Buffer {
        self.member.get_ref()
    }

    pub(super) fn get_mut(&mut self) -> &mut Buffer {
        self.member.get_mut()
    }
}

#[cfg(test)]
mod tests {
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
        Ok(std::mem::take(&mut members.get_mut().bytes))
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
