//! What the CLI reads from files and streams (a token file, a request body, a CA bundle): at
//! most a bound of it, so that `/dev/zero` or a FIFO whose writer never stops costs no more
//! than the bound, and a longer input is refused, never cut to fit.

use std::io::Read;

/// At most `limit` bytes of `reader`, or why not ("cannot read it: …", "longer than … bytes").
pub fn read_at_most(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    within(bytes, limit)
}

/// At most `limit` bytes of the file at `path`.
pub fn read_path_at_most(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    read_at_most(file, limit)
}

/// At most `limit` bytes of the file at `path`, read without blocking the runtime: a FIFO
/// through tokio's pipe (so dropping the read ends it), anything else on tokio's blocking pool.
pub async fn read_file_at_most(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncReadExt;
    let cannot = |e: std::io::Error| format!("cannot read it: {e}");
    let mut bytes = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if tokio::fs::metadata(path)
            .await
            .map_err(cannot)?
            .file_type()
            .is_fifo()
        {
            let pipe = tokio::net::unix::pipe::OpenOptions::new()
                .open_receiver(path)
                .map_err(cannot)?;
            pipe.take(limit.saturating_add(1))
                .read_to_end(&mut bytes)
                .await
                .map_err(cannot)?;
            return within(bytes, limit);
        }
    }
    let file = tokio::fs::File::open(path).await.map_err(cannot)?;
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .await
        .map_err(cannot)?;
    within(bytes, limit)
}

/// `bytes` as text, without the byte-order mark some editors on Windows put first.
pub fn text(bytes: Vec<u8>) -> Result<String, String> {
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn within(bytes: Vec<u8>, limit: u64) -> Result<Vec<u8>, String> {
    if bytes.len() as u64 > limit {
        return Err(format!("longer than {limit} bytes"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_the_bound_is_read_and_past_it_refused() {
        assert_eq!(read_at_most(&b"abc"[..], 3).as_deref(), Ok(&b"abc"[..]));
        assert_eq!(
            read_at_most(std::io::repeat(b'x'), 3),
            Err("longer than 3 bytes".to_string())
        );
        assert_eq!(text(b"\xef\xbb\xbf{}".to_vec()).as_deref(), Ok("{}"));
        assert_eq!(text(vec![0xff]), Err("not UTF-8 text".to_string()));
    }
}
