//! zlib-rs's inflate writing straight into the body's [`Buffer`], for gzip and deflate alike.

use zlib_rs::{Inflate, InflateFlush, Status};

use super::decoder::Buffer;

/// What became of the input given to [`inflate`].
pub(super) struct Inflated {
    /// How much of the input the stream took: all of it, unless the stream ended.
    pub(super) taken: usize,
    /// Whether the stream has ended (its trailer, if it has one, read and checked).
    pub(super) ended: bool,
}

/// Inflates `input` into `buffer` until the stream ends or the input is used up. What decoded
/// before a fault (a wrong checksum in a trailer) stays in the buffer.
pub(super) fn inflate(
    stream: &mut Inflate,
    buffer: &mut Buffer,
    input: &[u8],
) -> std::io::Result<Inflated> {
    let mut taken = 0;
    loop {
        let (in_before, out_before) = (stream.total_in(), stream.total_out());
        // Once the limit leaves no room, one byte more says whether more is coming.
        let mut probe = [0u8; 1];
        let room = buffer.room()?;
        let at_the_limit = room.is_empty();
        let output = if at_the_limit { &mut probe[..] } else { room };
        let room_len = output.len();
        let result = stream.decompress(&input[taken..], output, InflateFlush::NoFlush);
        let made = usize::try_from(stream.total_out() - out_before).unwrap_or(usize::MAX);
        let took = usize::try_from(stream.total_in() - in_before).unwrap_or(usize::MAX);
        taken += took;
        if at_the_limit && made > 0 {
            return Err(buffer.past_the_limit());
        }
        buffer.filled(made);
        let status = result.map_err(|e| {
            let why = stream.error_message().unwrap_or(e.as_str());
            std::io::Error::new(std::io::ErrorKind::InvalidData, why)
        })?;
        if status == Status::StreamEnd {
            return Ok(Inflated { taken, ended: true });
        }
        if made == 0 && took == 0 && taken < input.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the stream takes no more input",
            ));
        }
        // Room left over: the stream wants more input. None: it may have more output.
        if made < room_len || (made == 0 && took == 0) {
            return Ok(Inflated {
                taken,
                ended: false,
            });
        }
    }
}

/// Checks, once the body has ended, that its `stream` (the last gzip member, the deflate
/// stream) ended too; `ignored` bytes after it are only noted.
pub(super) fn finished(ended: bool, ignored: u64, stream: &str) -> std::io::Result<()> {
    if !ended {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the body ends inside its {stream}"),
        ));
    }
    if ignored > 0 {
        tracing::debug!(
            ignored,
            stream,
            "bytes after the compressed stream: ignored"
        );
    }
    Ok(())
}
