//! Server and file text on its way to a person: cut to a bound, and shown so that it cannot
//! take over a terminal.
//!
//! An error message, a customer's name or a request id comes from a server, or from anything
//! between it and the client, and ends up in a terminal or a log viewer. Printed raw, an
//! `ESC ]0;…BEL` retitles the window, `ESC [2J` clears it, a C1 CSI (U+009B) starts a sequence
//! without an escape, and a bidi override (U+202E) shows text in another order than it is.
//! [`TerminalSafe`] shows each such character as a visible escape (`\u{1b}`) instead; the
//! joiners (U+200C, U+200D), which Indic scripts and emoji need, stay as they are. The
//! library's `Display` of every error uses it for the text a server sent, and so does the
//! `enkash` CLI for what it writes to a terminal. [`shown`] bounds such text first, and
//! [`without_secrets`] hides the secrets a caller holds in it by the client's own rule.

use std::fmt;

/// Text shown with every character that could steer a terminal as a visible escape.
///
/// ```
/// use enkash_customer_search::text::TerminalSafe;
///
/// let message = "done\u{1b}]0;pwned\u{7}\u{202e}txt.exe";
/// assert_eq!(
///     TerminalSafe::line(message).to_string(),
///     r"done\u{1b}]0;pwned\u{7}\u{202e}txt.exe"
/// );
/// // Joiners and ordinary text pass; a tab stays in a cell of data, not in a line.
/// assert_eq!(TerminalSafe::cell("क्‍ष\tok").to_string(), "क्‍ष\tok");
/// assert_eq!(TerminalSafe::line("a\tb\r\nc").to_string(), r"a\u{9}b\u{d}\u{a}c");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TerminalSafe<'a> {
    text: &'a str,
    keep_tabs: bool,
}

impl<'a> TerminalSafe<'a> {
    /// For a one-line message: every control character escaped, tab, CR and LF included.
    pub fn line(text: &'a str) -> Self {
        TerminalSafe {
            text,
            keep_tabs: false,
        }
    }

    /// For a cell of data (a table, a CSV field): as [`line`](Self::line), but a tab stays.
    pub fn cell(text: &'a str) -> Self {
        TerminalSafe {
            text,
            keep_tabs: true,
        }
    }

    /// Whether `c` is shown as an escape.
    fn escapes(&self, c: char) -> bool {
        steers(c) && !(self.keep_tabs && c == '\t')
    }
}

impl fmt::Display for TerminalSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut safe_from = 0;
        for (at, c) in self.text.char_indices() {
            if self.escapes(c) {
                f.write_str(&self.text[safe_from..at])?;
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
                safe_from = at + c.len_utf8();
            }
        }
        f.write_str(&self.text[safe_from..])
    }
}

/// `text` with each of `secrets` shown as `***`, by the rule every error of this crate follows:
/// in each spelling a server could echo it in (as given, form-encoded, JSON-escaped), and a
/// secret under 8 characters only where it stands alone between delimiters, so that ordinary
/// words survive (a password `pass` leaves `bypass` as it is). For text the client did not
/// make, such as a command-line parser's message quoting its arguments.
///
/// ```
/// use enkash_customer_search::text::without_secrets;
///
/// let secrets = ["pass", "TOKEN-d41d8cd98f00b204"];
/// assert_eq!(
///     without_secrets("bypass: pass was refused for TOKEN-d41d8cd98f00b204x", secrets),
///     "bypass: *** was refused for ***x"
/// );
/// ```
pub fn without_secrets<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    crate::redact::Secrets::new(secrets).scrub(text)
}

/// Whether `c` can steer a terminal or reorder what it shows: C0, DEL and C1 (a lone CSI
/// among them), the line and paragraph separators, and the bidi marks (the Arabic letter
/// mark included), embeddings, overrides and isolates.
pub(crate) fn steers(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `s` cut to at most `max` bytes (at a character boundary, with `…` when cut) and made
/// terminal-safe for one line: how this crate shows a short piece of server text, such as a
/// request id.
///
/// ```
/// use enkash_customer_search::text::shown;
///
/// assert_eq!(shown("req-42\u{1b}[2J", 64), r"req-42\u{1b}[2J");
/// assert_eq!(shown("abcdef", 3), "abc…");
/// ```
pub fn shown(s: &str, max: usize) -> String {
    TerminalSafe::line(&bounded(s, max)).to_string()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_steering_character_is_escaped_and_nothing_else() {
        for code in 0..=0x3000u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let shown = TerminalSafe::line(&c.to_string()).to_string();
            // Unicode's own list of the bidi controls (Bidi_Control), and the separators.
            let steering = c.is_control()
                || matches!(
                    code,
                    0x61c | 0x200e | 0x200f | 0x2028 | 0x2029 | 0x202a..=0x202e | 0x2066..=0x2069
                );
            assert_eq!(shown != c.to_string(), steering, "U+{code:04X}");
            assert!(!shown.chars().any(|c| c.is_control()), "U+{code:04X}");
        }
        assert_eq!(TerminalSafe::line("\u{200d}").to_string(), "\u{200d}");
        assert_eq!(TerminalSafe::line("\u{9b}2J").to_string(), r"\u{9b}2J");
    }

    #[test]
    fn a_bound_and_an_escape_together() {
        assert_eq!(shown("\u{1b}[2Jabcdef", 6), r"\u{1b}[2Jab…");
        assert_eq!(shown("plain", 200), "plain");
    }
}
