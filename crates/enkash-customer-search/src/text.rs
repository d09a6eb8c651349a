//! Server and file text on its way to a person: cut to a bound at a character boundary.

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut.
pub(crate) fn bounded(s: &str, max: usize) -> String {
    let cut = bounded_str(s, max);
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

pub(crate) fn bounded_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
