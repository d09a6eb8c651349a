//! The form a date-time came in, told from its text alone, in the client's terms: RFC 3339
//! (what `format: date-time` says), one of the vendor's patterns the spec can name with
//! `x-date-time-format`, or a form the spec cannot name.

use serde_json::Value;

/// How one date-time value was written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// RFC 3339: date, time with seconds, and an offset (`Z` or `±hh:mm`).
    Rfc3339,
    /// A form `x-date-time-format` names with this pattern (the client reads it at IST).
    Pattern(&'static str),
    /// A form the spec cannot name, in words.
    Unnamed(&'static str),
}

const LOCAL_ISO: &str = "yyyy-MM-dd'T'HH:mm:ss";
const LOCAL_SPACE: &str = "yyyy-MM-dd HH:mm:ss";
const DATE: &str = "yyyy-MM-dd";
const EPOCH: &str = "epoch milliseconds (a JSON number)";
const ISO_OFFSET: &str = "ISO 8601 with an offset RFC 3339 does not allow";
const OTHER: &str = "a form the client does not read";

impl Form {
    /// The form of a date-time value as it came on the wire.
    pub fn of(value: &Value) -> Form {
        match value {
            Value::Number(_) => Form::Unnamed(EPOCH),
            Value::String(text) => Form::of_text(text),
            _ => Form::Unnamed(OTHER),
        }
    }

    /// The form a pattern of `x-date-time-format` names (seconds and fractions optional, as
    /// the client reads them); any other pattern is RFC 3339 to the client.
    pub fn of_pattern(pattern: &str) -> Form {
        match pattern.split('.').next().unwrap_or(pattern) {
            "yyyy-MM-dd HH:mm:ss" | "yyyy-MM-dd HH:mm" => Form::Pattern(LOCAL_SPACE),
            "yyyy-MM-dd'T'HH:mm:ss" | "yyyy-MM-dd'T'HH:mm" => Form::Pattern(LOCAL_ISO),
            "yyyy-MM-dd" => Form::Pattern(DATE),
            _ => Form::Rfc3339,
        }
    }

    /// The form a drift report names by the client's `DateTimeFormat` variant.
    pub fn of_report_name(name: &str) -> Form {
        match name {
            "Rfc3339" => Form::Rfc3339,
            "LocalIso8601" => Form::Pattern(LOCAL_ISO),
            "LocalSpaceSeparated" => Form::Pattern(LOCAL_SPACE),
            "Date" => Form::Pattern(DATE),
            "EpochMillis" => Form::Unnamed(EPOCH),
            "Iso8601WithOffset" => Form::Unnamed(ISO_OFFSET),
            _ => Form::Unnamed(OTHER),
        }
    }

    /// The form in words, for a note.
    pub fn describe(&self) -> String {
        match self {
            Form::Rfc3339 => "RFC 3339".to_string(),
            Form::Pattern(pattern) => format!("`{pattern}` (no offset)"),
            Form::Unnamed(words) => words.to_string(),
        }
    }

    fn of_text(text: &str) -> Form {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            bytes
                .get(range)
                .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
        };
        let at = |i: usize, expected: &[u8]| bytes.get(i).is_some_and(|b| expected.contains(b));
        // Two digits at `i`, as a number no greater than `max` (and no less than `min`).
        let within = |i: usize, min: u32, max: u32| {
            digits(i..i + 2)
                && (min..=max)
                    .contains(&(u32::from(bytes[i] - b'0') * 10 + u32::from(bytes[i + 1] - b'0')))
        };
        if !(digits(0..4) && at(4, b"-") && within(5, 1, 12) && at(7, b"-") && within(8, 1, 31)) {
            return Form::Unnamed(OTHER);
        }
        if bytes.len() == 10 {
            return Form::Pattern(DATE);
        }
        let space = at(10, b" ");
        if !(at(10, b"Tt ") && within(11, 0, 23) && at(13, b":") && within(14, 0, 59)) {
            return Form::Unnamed(OTHER);
        }
        let mut end = 16;
        let seconds = at(16, b":") && within(17, 0, 60);
        if seconds {
            end = 19;
            if at(19, b".") {
                end = 20;
                while at(end, b"0123456789") {
                    end += 1;
                }
                // A fraction of 1 to 9 digits, as the client reads one.
                if !(21..=29).contains(&end) {
                    return Form::Unnamed(OTHER);
                }
            }
        }
        let offset = &text[end..];
        let colon_offset = offset.len() == 6
            && matches!(offset.as_bytes()[0], b'+' | b'-')
            && offset.as_bytes()[3] == b':'
            && offset
                .bytes()
                .enumerate()
                .all(|(i, b)| matches!(i, 0 | 3) || b.is_ascii_digit());
        match offset {
            "" if space => Form::Pattern(LOCAL_SPACE),
            "" => Form::Pattern(LOCAL_ISO),
            "Z" | "z" if seconds => Form::Rfc3339,
            _ if colon_offset && seconds => Form::Rfc3339,
            _ if offset.starts_with(['+', '-', 'Z', 'z']) => Form::Unnamed(ISO_OFFSET),
            _ => Form::Unnamed(OTHER),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms_are_told_apart_as_the_client_tells_them() {
        for (value, form) in [
            (json!("2024-10-10T08:34:46Z"), Form::Rfc3339),
            (json!("2024-10-10 08:34:46.123+05:30"), Form::Rfc3339),
            (json!("2024-10-10T08:34:46"), Form::Pattern(LOCAL_ISO)),
            (json!("2024-10-10T08:34"), Form::Pattern(LOCAL_ISO)),
            (json!("2024-10-10 08:34:46.5"), Form::Pattern(LOCAL_SPACE)),
            (json!("2024-10-10"), Form::Pattern(DATE)),
            (json!("2024-10-10T08:34:46+0530"), Form::Unnamed(ISO_OFFSET)),
            (json!("2024-10-10T08:34Z"), Form::Unnamed(ISO_OFFSET)),
            (json!(1728549286000_i64), Form::Unnamed(EPOCH)),
            (json!("10/10/2024"), Form::Unnamed(OTHER)),
            (json!("2024-10-10T08:34:46 IST"), Form::Unnamed(OTHER)),
            (json!("2024-13-45T08:34:46"), Form::Unnamed(OTHER)),
            (json!("2024-10-10T24:00:00Z"), Form::Unnamed(OTHER)),
            (json!("2024-10-10T08:34:46."), Form::Unnamed(OTHER)),
            (
                json!("2024-10-10T08:34:46.1234567890Z"),
                Form::Unnamed(OTHER),
            ),
            (json!(true), Form::Unnamed(OTHER)),
        ] {
            assert_eq!(Form::of(&value), form, "{value}");
        }
    }

    #[test]
    fn a_pattern_and_a_report_name_name_the_same_forms() {
        assert_eq!(
            Form::of_pattern("yyyy-MM-dd HH:mm:ss"),
            Form::Pattern(LOCAL_SPACE)
        );
        assert_eq!(
            Form::of_pattern("yyyy-MM-dd'T'HH:mm:ss.SSS"),
            Form::Pattern(LOCAL_ISO)
        );
        assert_eq!(Form::of_pattern("dd/MM/yyyy"), Form::Rfc3339);
        assert_eq!(
            Form::of_report_name("LocalIso8601"),
            Form::of_pattern(LOCAL_ISO)
        );
        assert_eq!(Form::of_report_name("EpochMillis"), Form::Unnamed(EPOCH));
        assert_eq!(Form::of_report_name("Whatever"), Form::Unnamed(OTHER));
    }
}
