//! [`UndecodableResponse`]: an answer that is not EnKash's envelope, kept as a bounded
//! snippet, with why it did not decode and never the values it holds.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::redact::Secrets;
use crate::text::{TerminalSafe, bounded, shown, steers};

/// A response that is not EnKash's envelope: the status, the content type and the first few
/// hundred bytes, never the whole body.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UndecodableResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The start of the body (at most [`SNIPPET_LEN`] bytes, cut at a character boundary),
    /// for diagnosis. Only `Debug` shows it; `Display` shows it only for bodies that are not
    /// JSON (a JSON body may hold customer data).
    pub snippet: String,
    /// How many bytes the body had, as far as it was read.
    pub body_len: usize,
    /// How long the server asked to wait before trying again (`Retry-After`), as it asked.
    pub retry_after: Option<Duration>,
    /// The `x-request-id` header of the response, if it had one.
    pub request_id: Option<String>,
    /// What serde_json said, without the data it quotes.
    decode_error: Option<String>,
    /// Why the client refused the response, when it did (a redirect, the size limit, a body
    /// that does not decompress).
    problem: Option<String>,
}

/// The most of an undecodable body an error keeps.
pub const SNIPPET_LEN: usize = 256;

impl UndecodableResponse {
    /// `decode_error` says why the body did not decode, without data in it (see
    /// [`why_undecodable`]).
    pub(crate) fn new(
        status: StatusCode,
        content_type: Option<String>,
        body: &[u8],
        retry_after: Option<Duration>,
        decode_error: Option<String>,
    ) -> Self {
        UndecodableResponse {
            status,
            content_type,
            snippet: bounded(
                &String::from_utf8_lossy(&body[..body.len().min(SNIPPET_LEN)]),
                SNIPPET_LEN,
            ),
            body_len: body.len(),
            retry_after,
            request_id: None,
            decode_error,
            problem: None,
        }
    }

    /// A response the client refused without reading it: `problem` says why.
    pub(crate) fn refused(
        status: StatusCode,
        content_type: Option<String>,
        problem: String,
    ) -> Self {
        UndecodableResponse {
            problem: Some(problem),
            ..UndecodableResponse::new(status, content_type, b"", None, None)
        }
    }

    /// Why the client refused the response, when it did: a redirect it does not follow, a
    /// body over the size limit, a success's compressed body that does not decompress (corrupt
    /// or cut short; another status's body ends where it stops decompressing, or comes as it
    /// was if none of it does, and the status decides).
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Every text in it that came from the server, scrubbed of `secrets`.
    pub(crate) fn scrub(&mut self, secrets: &Secrets) {
        secrets.scrub_in_place(&mut self.snippet);
        for text in [
            &mut self.content_type,
            &mut self.problem,
            &mut self.decode_error,
            &mut self.request_id,
        ]
        .into_iter()
        .flatten()
        {
            secrets.scrub_in_place(text);
        }
    }

    /// Whether the body may be JSON, and so may hold data: it starts like a JSON object, array
    /// or string, or it is labelled JSON and is not plainly markup (a gateway's `<html>` page,
    /// which is shown). A prefix (`)]}'`), a second byte-order mark or UTF-16 may hide JSON.
    fn looks_like_json(&self) -> bool {
        let start = self.snippet.trim_start();
        let labelled = self
            .content_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
        start.starts_with(['{', '[', '"']) || (labelled && !start.starts_with('<'))
    }
}

impl fmt::Display for UndecodableResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(problem) = &self.problem {
            return write!(
                f,
                "response refused (HTTP {}): {}",
                self.status.as_u16(),
                TerminalSafe::line(problem)
            );
        }
        write!(
            f,
            "undecodable response (HTTP {}, content type {}, {} bytes)",
            self.status.as_u16(),
            self.content_type
                .as_deref()
                .map_or("none".into(), |t| shown(t, 80)),
            self.body_len
        )?;
        if let Some(e) = &self.decode_error {
            write!(f, ": {}", TerminalSafe::line(e))?;
        }
        if !self.looks_like_json() && !self.snippet.is_empty() {
            let one_line: String = self
                .snippet
                .chars()
                .take(80)
                .map(|c| if steers(c) { ' ' } else { c })
                .collect();
            write!(f, "; body starts {one_line:?}")?;
        }
        Ok(())
    }
}

/// Why `body` does not decode as a `T`, naming the JSON path of the value at fault
/// (`payload.data[4711].createdOn`, found by `serde_path_to_error`) and never quoting a value:
/// it may be customer data, or a token. `None` if it decodes.
pub(crate) fn why_undecodable<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(_) => deserializer.end().err().map(|e| without_data(&e, None)),
        Err(e) => {
            let path = e.path().to_string();
            Some(without_data(e.inner(), Some(&path).filter(|p| *p != ".")))
        }
    }
}

/// serde_json's message for `e` if it holds no data (a syntax error's, a missing field's),
/// else only where it happened: a data error's message quotes the value that did not fit.
fn without_data(e: &serde_json::Error, path: Option<&String>) -> String {
    let at = path.map(|path| format!(" at `{path}`")).unwrap_or_default();
    let message = e.to_string();
    if e.classify() != serde_json::error::Category::Data || message.starts_with("missing field `") {
        return format!("{message}{at}");
    }
    format!(
        "a value of the wrong type or form{at} (line {}, column {})",
        e.line(),
        e.column()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types;

    fn display_of(body: &str) -> String {
        let decode_error = why_undecodable::<types::CustomerSearchResponse>(body.as_bytes());
        assert!(decode_error.is_some(), "{body} decodes");
        UndecodableResponse::new(StatusCode::OK, None, body.as_bytes(), None, decode_error)
            .to_string()
    }

    #[test]
    fn a_value_that_does_not_fit_is_not_shown_but_where_it_is() {
        let shown = display_of(r#"{"payload":{"data":[{}, {"dsoMedian":"SECRET-1"}]}}"#);
        assert!(!shown.contains("SECRET-1"), "{shown}");
        assert!(
            shown.contains(
                "a value of the wrong type or form at `payload.data[1].dsoMedian` (line 1, column"
            ),
            "{shown}"
        );
        let shown = display_of(r#"{"payload":{"data":[{"pinCode":400069}]}}"#);
        assert!(!shown.contains("400069"), "{shown}");
        assert!(shown.contains("at `payload.data[0].pinCode`"), "{shown}");
    }

    #[test]
    fn a_missing_field_and_trailing_bytes_are_named() {
        assert_eq!(
            why_undecodable::<types::SnakeCaseToken>(br#"{"expires_in": 5}"#).as_deref(),
            Some("missing field `access_token` at line 1 column 17")
        );
        let trailing = why_undecodable::<types::CustomerSearchResponse>(b"{} x").unwrap();
        assert!(trailing.starts_with("trailing characters"), "{trailing}");
        assert_eq!(
            why_undecodable::<types::CustomerSearchResponse>(b"{}"),
            None
        );
    }

    #[test]
    fn a_body_labelled_json_is_shown_only_if_it_cannot_be_json() {
        let shown = |content_type: &str, body: &str| {
            let json = Some(content_type.to_string());
            UndecodableResponse::new(StatusCode::BAD_GATEWAY, json, body.as_bytes(), None, None)
                .to_string()
        };
        // A gateway's page, whatever it says it is.
        let page = shown("application/json", "<html>502 Bad Gateway</html>");
        assert!(
            page.contains("body starts \"<html>502 Bad Gateway</html>\""),
            "{page}"
        );
        // Anything that may be JSON may hold data: never quoted.
        for body in [
            r#""tok-SECRET""#,
            "-1",
            "12345",
            "true",
            r#"{"a":"SECRET"}"#,
            "[1]",
            // JSON behind a prefix, a second byte-order mark, a NUL or compressed bytes.
            ")]}'\n{\"a\":\"SECRET\"}",
            "\u{feff}{\"a\":\"SECRET\"}",
            "\0{\"a\":\"SECRET\"}",
            "\u{1f}\u{8b}\u{8}SECRET",
        ] {
            for content_type in ["application/json", "text/plain"] {
                let text = shown(content_type, body);
                let quoted = text.contains("body starts");
                let may_be_json =
                    content_type.contains("json") || body.starts_with(['{', '[', '"']);
                assert_eq!(quoted, !may_be_json, "{content_type} {body}: {text}");
            }
        }
    }

    #[test]
    fn syntax_errors_are_shown_as_serde_json_words_them() {
        let shown = display_of("{\"payload\": ");
        assert!(shown.contains("EOF while parsing"), "{shown}");
    }
}
