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
    /// The first bytes of what follows a member, while too few have come to tell whether it
    /// starts another.
    pending: Vec<u8>,
}

impl GzipMembers {
    pub(super) fn new(buffer: Buffer) -> GzipMembers {
        GzipMembers {
            member: GzDecoder::new(buffer),
            ignored: 0,
            pending: Vec::new(),
        }
    }

    pub(super) fn write_all(&mut self, mut input: &[u8]) -> std::io::Result<()> {
        while !input.is_empty() {
            if self.ignored > 0 {
                self.ignored = self.ignored.saturating_add(input.len() as u64);
                return Ok(());
            }
            if !self.pending.is_empty() {
                return self.after_a_member(input);
            }
            match self.member.write(input)? {
                // The member has ended (its trailer read): what is left follows it.
                0 => return self.after_a_member(input),
                n => input = &input[n..],
            }
        }
        Ok(())
    }

    /// `input` came after a whole member: a next member, or padding to ignore.
    fn after_a_member(&mut self, input: &[u8]) -> std::io::Result<()> {
        self.pending.extend_from_slice(input);
        let start = &self.pending[..self.pending.len().min(MAGIC.len())];
        if start != &MAGIC[..start.len()] {
            self.ignored = self.pending.len() as u64;
            self.pending = Vec::new();
            return Ok(());
        }
        if start.len() < MAGIC.len() {
            return Ok(());
        }
        // A next member: the last one checked (its CRC and length), then a decoder for it.
        self.member.try_finish()?;
        let last = std::mem::replace(&mut self.member, GzDecoder::new(Buffer::default()));
        self.member = GzDecoder::new(last.finish()?);
        let next = std::mem::take(&mut self.pending);
        self.write_all(&next)
    }

    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        self.member.flush()
    }

    /// Checks the last member, once the body has ended.
    pub(super) fn try_finish(&mut self) -> std::io::Result<()> {
        self.member.try_finish()?;
        if self.ignored > 0 || !self.pending.is_empty() {
            let ignored = self.ignored.max(self.pending.len() as u64);
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
