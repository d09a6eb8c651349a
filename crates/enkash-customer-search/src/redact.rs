//! Every secret the client holds, and the scrubbing of server text before an error keeps it.
//!
//! A server may echo what it was sent: `Bad credentials for ops@example.in / <password>`, a
//! gateway's page quoting the `Authorization` header. Whatever came from a server and reaches
//! an error's `Display` or `Debug`, and so every log line and the CLI's stderr, passes through
//! [`Secrets::scrub`] first, which replaces each secret with `***` in every spelling a server
//! could have echoed it in (as sent, form-encoded, JSON-escaped).

use std::sync::{Arc, Mutex};

/// What a secret becomes in scrubbed text.
pub(crate) const REDACTED: &str = "***";

/// Secrets shorter than this (in characters) are hidden only where they stand alone, between
/// delimiters: a password `pass` is hidden in `password was pass.` but `bypass` survives, and a
/// one-character token does not turn every message (`e.g.`, `e-mail`) into asterisks. Longer
/// ones are hidden wherever they occur.
const WHOLE_VALUES_BELOW: usize = 8;

/// How many fetched tokens are remembered for scrubbing (the current one and a few before it,
/// which a slow response may still echo).
const TOKENS_REMEMBERED: usize = 4;

/// The secrets of one client: fixed at build time (password, client secret, the Basic
/// header's base64, a static bearer token), and the tokens fetched since.
#[derive(Default)]
pub(crate) struct Secrets {
    fixed: Vec<String>,
    /// Shared with the clients made by [`extended`](Self::extended), which use the same tokens.
    tokens: Arc<Mutex<Tokens>>,
}

#[derive(Default)]
struct Tokens {
    /// Each remembered access token's spellings, oldest first.
    recent: Vec<Vec<String>>,
    /// The spellings of the refresh token in use: hidden for as long as it is, however many
    /// access tokens it renews.
    refresh: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field(
                "spellings",
                &(self.fixed.len() + self.tokens().recent.len()),
            )
            .finish()
    }
}

impl Secrets {
    /// The secrets in `values`, each in every spelling it may come back in. Empty ones are
    /// dropped.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut fixed = Vec::new();
        for value in values {
            add_spellings(&mut fixed, value);
        }
        Secrets {
            fixed,
            tokens: Arc::default(),
        }
    }

    /// These secrets and those in `values`, sharing the tokens remembered from now on.
    pub fn extended<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut fixed = self.fixed.clone();
        for value in values {
            add_spellings(&mut fixed, value);
        }
        Secrets {
            fixed,
            tokens: Arc::clone(&self.tokens),
        }
    }

    /// Remembers a token the client has just been given.
    pub fn remember_token(&self, token: &str) {
        let mut spellings = Vec::new();
        add_spellings(&mut spellings, token);
        let recent = &mut self.tokens().recent;
        recent.retain(|known| *known != spellings);
        recent.push(spellings);
        let excess = recent.len().saturating_sub(TOKENS_REMEMBERED);
        recent.drain(..excess);
    }

    /// The refresh token in use from now on (none: the one before is no longer used), hidden
    /// for as long as it is in use. The one before joins the recent tokens, which a slow
    /// response may still echo.
    pub fn set_refresh_token(&self, token: Option<&str>) {
        let mut spellings = Vec::new();
        if let Some(token) = token {
            add_spellings(&mut spellings, token);
        }
        let mut tokens = self.tokens();
        let before = std::mem::replace(&mut tokens.refresh, spellings);
        if !before.is_empty() && before != tokens.refresh {
            tokens.recent.retain(|known| *known != before);
            tokens.recent.push(before);
            let excess = tokens.recent.len().saturating_sub(TOKENS_REMEMBERED);
            tokens.recent.drain(..excess);
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `text` with every secret replaced by `***`, longest first (so a secret that contains
    /// another is hidden whole).
    pub fn scrub(&self, text: &str) -> String {
        let tokens = self.tokens();
        let mut secrets: Vec<&str> = self
            .fixed
            .iter()
            .chain(tokens.recent.iter().flatten())
            .chain(&tokens.refresh)
            .map(String::as_str)
            .filter(|secret| text.contains(secret))
            .collect();
        if secrets.is_empty() {
            return text.to_string();
        }
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.into_iter().fold(text.to_string(), |text, secret| {
            if secret.chars().count() < WHOLE_VALUES_BELOW {
                replace_whole(&text, secret)
            } else {
                text.replace(secret, REDACTED)
            }
        })
    }

    /// [`scrub`](Self::scrub) in place, allocating only when there is something to hide.
    pub fn scrub_in_place(&self, text: &mut String) {
        let scrubbed = self.scrub(text);
        if scrubbed != *text {
            *text = scrubbed;
        }
    }

    /// Every string in a JSON value, keys included, scrubbed.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) => self.scrub_in_place(text),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            serde_json::Value::Object(object) => {
                let entries = std::mem::take(object);
                for (key, mut value) in entries {
                    self.scrub_json(&mut value);
                    object.insert(self.scrub(&key), value);
                }
            }
            _ => {}
        }
    }
}

/// `text` with each occurrence of `secret` that stands alone replaced: where the secret
/// begins or ends with a letter or digit, no word may touch it there (a letter or digit, or
/// one of `-_.'` with a letter or digit beyond it, as in `e.g.` or `x-ray`), unless what comes
/// before is an escape (`\n`, `\u0020`, `%20`), which in escaped text is a delimiter.
fn replace_whole(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let opens = word(secret.chars().next());
    let closes = word(secret.chars().next_back());
    let alone = |before: &str, after: &str| {
        (!opens || !continues_a_word(before.chars().rev()) || ends_in_escape(before))
            && (!closes || !continues_a_word(after.chars()))
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(secret) {
        let end = at + secret.len();
        if at < copied || !alone(&text[..at], &text[end..]) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(REDACTED);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether the characters next to a secret, nearest first, continue a word.
fn continues_a_word(mut next: impl Iterator<Item = char>) -> bool {
    match next.next() {
        Some(c) if c.is_alphanumeric() => true,
        Some('-' | '_' | '.' | '\'') => next.next().is_some_and(char::is_alphanumeric),
        _ => false,
    }
}

/// Whether `before` ends in a JSON escape (`\n`, `\u0020`) or a percent-encoded byte
/// (`%20`), whose last character is a letter or digit but which delimits what follows.
fn ends_in_escape(before: &str) -> bool {
    let b = before.as_bytes();
    let n = b.len();
    let hex = |from: usize| b[from..].iter().all(u8::is_ascii_hexdigit);
    (n >= 2 && b[n - 2] == b'\\')
        || (n >= 6 && b[n - 6] == b'\\' && b[n - 5] == b'u' && hex(n - 4))
        || (n >= 3 && b[n - 3] == b'%' && hex(n - 2))
}

/// `value` as sent, form-encoded (`+` for space, `%40` for `@`) and JSON-escaped, each once.
fn add_spellings(into: &mut Vec<String>, value: &str) {
    if value.is_empty() {
        return;
    }
    let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(value);
    for spelling in [value, form.as_str(), json] {
        if !into.iter().any(|known| known == spelling) {
            into.push(spelling.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_every_secret_is_hidden() {
        let secrets = Secrets::new(["pa ss@w\"rd", "", "client-secret"]);
        let text = r#"Bad credentials: pa ss@w"rd, pa+ss%40w%22rd, "pa ss@w\"rd", client-secret"#;
        assert_eq!(
            secrets.scrub(text),
            "Bad credentials: ***, ***, \"***\", ***"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let secrets = Secrets::new(["hunter2"]);
        secrets.remember_token("tok-1");
        let shown = format!("{secrets:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok-1"),
            "{shown}"
        );
    }

    #[test]
    fn a_short_secret_is_hidden_where_it_stands_alone_and_words_survive() {
        let secrets = Secrets::new(["pass", "x", "e"]);
        assert_eq!(
            secrets.scrub("bypass passport x-ray: pass, (pass) \"x\" pass"),
            "bypass passport x-ray: ***, (***) \"***\" ***"
        );
        // Punctuation inside a word joins it; at its end it delimits.
        assert_eq!(
            secrets.scrub("e.g. an e-mail, pass_word, o'pass, or pass. Then pass-"),
            "e.g. an e-mail, pass_word, o'pass, or ***. Then ***-"
        );
        assert_eq!(secrets.scrub("pass"), "***");
        assert_eq!(
            secrets.scrub("usage: enkash [OPTIONS] --index"),
            "usage: enkash [OPTIONS] --index"
        );
        // Escapes delimit: in JSON or form-encoded text the secret after one is hidden.
        let secrets = Secrets::new(["abc123", "!ab1"]);
        assert_eq!(
            secrets.scrub(r#"{"m": "line\nabc123", "n": "\u0020abc123"} %20abc123 k%3Dabc123"#),
            r#"{"m": "line\n***", "n": "\u0020***"} %20*** k%3D***"#
        );
        assert_eq!(secrets.scrub("xabc123 abc1234"), "xabc123 abc1234");
        // An edge that is no letter or digit needs no delimiter.
        assert_eq!(secrets.scrub("x!ab1"), "x***");
        // Eight characters and more: hidden wherever they occur.
        let long = Secrets::new(["hunter22"]);
        assert_eq!(long.scrub("xhunter22x"), "x***x");
    }

    #[test]
    fn the_longest_secret_is_hidden_whole() {
        let secrets = Secrets::new(["abc", "abcdef"]);
        assert_eq!(secrets.scrub("x abcdef y abc"), "x *** y ***");
    }

    #[test]
    fn fetched_tokens_are_hidden_and_only_the_latest_few_kept() {
        let secrets = Secrets::new([]);
        for i in 0..10 {
            secrets.remember_token(&format!("token-{i:02}"));
        }
        assert_eq!(secrets.scrub("token-09 token-06"), "*** ***");
        assert_eq!(secrets.scrub("token-00"), "token-00");
    }

    #[test]
    fn the_refresh_token_in_use_is_hidden_however_many_tokens_follow_it() {
        let secrets = Secrets::new([]);
        secrets.set_refresh_token(Some("refresh-1"));
        for i in 0..10 {
            secrets.remember_token(&format!("token-{i:02}"));
        }
        assert_eq!(secrets.scrub("refresh-1 token-09"), "*** ***");
        secrets.set_refresh_token(Some("refresh-2"));
        assert_eq!(
            secrets.scrub("refresh-1 refresh-2"),
            "*** ***",
            "the old one is recent"
        );
        for i in 10..20 {
            secrets.remember_token(&format!("token-{i:02}"));
        }
        assert_eq!(secrets.scrub("refresh-1 refresh-2"), "refresh-1 ***");
    }

    #[test]
    fn json_strings_and_keys_are_scrubbed() {
        let secrets = Secrets::new(["hunter2"]);
        let mut value = serde_json::json!({"hunter2": ["was hunter2", 7, {"x": "hunter2"}]});
        secrets.scrub_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"***": ["was ***", 7, {"x": "***"}]})
        );
    }
}
