//! Type-preserving stand-ins for the values of customer records.
//!
//! A cassette must keep every shape a recorded response had (field names, JSON types, enum
//! values, date-time forms, nulls), since the spec's curator and downstream tests read it for
//! exactly that, and no value a customer could be recognised by. So each string becomes a
//! random string of the same length and the same character class at every position (a digit
//! for a digit, an upper-case letter for one, punctuation kept), each number a random number of
//! the same kind and as many digits, each date-time another instant (moved by a random shift of
//! its own, up to ten years either way) written in the same form. The randomness is drawn
//! afresh for each cassette, never derived from the value (a hash of a 10-digit phone number is
//! reversed by trying them all); within one cassette the same original always gets the same
//! stand-in, and two originals never the same one, so that ids join across pages as they did
//! and nothing else does.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDateTime};
use serde_json::{Number, Value};

use crate::drift::shape as shape_named;
use crate::lenient_date_time::{DateTimeFormat, LenientDateTime};
use crate::spec::{Shape, Wire};

/// The shape the search's response starts from.
const ENVELOPE: &str = "CustomerSearchResponse";
/// The shape of the records inside it, whose values are replaced.
const RECORD: &str = "CustomerResponse";
/// The envelope's fields a cassette keeps as they came: what a replayed walk pages by, and
/// what says how a call went. Every other value is replaced, the error's message included
/// (enum values, such as the error's type, are kept everywhere).
const KEPT: [&str; 3] = ["recordsCount", "response_code", "response_message"];
/// Tries at a stand-in no other original has, before one that another has will do (a
/// one-character code may run out of them).
const TRIES: usize = 64;

/// One cassette's stand-ins: its random source, and what it has replaced with what.
pub(crate) struct StandIns {
    rng: fastrand::Rng,
    strings: HashMap<String, String>,
    numbers: HashMap<String, Number>,
    /// Every stand-in handed out, so that no two originals share one.
    used: HashSet<String>,
}

impl StandIns {
    pub fn new() -> StandIns {
        StandIns {
            rng: fastrand::Rng::new(),
            strings: HashMap::new(),
            numbers: HashMap::new(),
            used: HashSet::new(),
        }
    }

    /// A search response with every record's values replaced; the envelope around the records
    /// ([`KEPT`] and enum values) is kept, and so is every field name. Anything else, fields
    /// the spec lacks and values of another JSON type than the spec's included, is replaced.
    pub fn search_response(&mut self, mut body: Value) -> Value {
        match shape_named(ENVELOPE) {
            Some(shape) => self.envelope(&mut body, shape),
            None => self.value(&mut body, None),
        }
        body
    }

    /// A body that is not JSON (a gateway's page, a page cut short): its text, every letter
    /// and digit replaced.
    pub fn text(&mut self, body: &[u8]) -> String {
        self.same_classes(&String::from_utf8_lossy(body))
    }

    fn envelope(&mut self, value: &mut Value, shape: &Shape) {
        let Value::Object(object) = value else {
            return self.value(value, None);
        };
        for (key, value) in object.iter_mut() {
            let wire = shape
                .properties
                .iter()
                .find(|p| p.name == key)
                .map(|p| &p.wire);
            match wire {
                Some(Wire::Plain) if KEPT.contains(&key.as_str()) => {}
                Some(wire) => self.envelope_value(value, wire),
                None => self.value(value, None),
            }
        }
    }

    fn envelope_value(&mut self, value: &mut Value, wire: &Wire) {
        match (wire, &*value) {
            (Wire::Object(name), Value::Object(_)) if *name == RECORD => {
                self.record(value, Some(RECORD))
            }
            (Wire::Object(name), Value::Object(_)) => match shape_named(name) {
                Some(inner) => self.envelope(value, inner),
                None => self.value(value, None),
            },
            (Wire::Array { items, .. }, Value::Array(_)) => {
                if let Value::Array(values) = value {
                    for item in values {
                        self.envelope_value(item, items);
                    }
                }
            }
            (wire, _) => self.value(value, Some(wire)),
        }
    }

    /// A record (or anything inside one) of the schema `shape`, if the spec has one.
    fn record(&mut self, value: &mut Value, shape: Option<&str>) {
        let shape = shape.and_then(shape_named);
        match value {
            Value::Object(object) => {
                for (key, value) in object.iter_mut() {
                    let wire = shape
                        .and_then(|shape| shape.properties.iter().find(|p| p.name == key))
                        .map(|p| &p.wire);
                    self.value(value, wire);
                }
            }
            other => self.value(other, None),
        }
    }

    /// One value written as `wire` says (`None`: a field the spec lacks).
    fn value(&mut self, value: &mut Value, wire: Option<&Wire>) {
        match (wire, value) {
            (_, Value::Null | Value::Bool(_)) => {}
            (Some(Wire::Enum(_)), Value::String(_)) => {}
            (Some(Wire::Object(name)), value @ Value::Object(_)) => {
                self.record(value, Some(name));
            }
            (Some(Wire::Array { items, .. }), Value::Array(values)) => {
                for item in values {
                    self.value(item, Some(items));
                }
            }
            (Some(Wire::DateTime(_)), Value::Number(number)) => {
                *number = self.epoch_millis(number);
            }
            (_, Value::Array(values)) => {
                for item in values {
                    self.value(item, None);
                }
            }
            (_, value @ Value::Object(_)) => self.record(value, None),
            (_, Value::String(text)) => *text = self.string(text),
            (_, Value::Number(number)) => *number = self.number(number),
        }
    }

    /// A date-time in a form the client recognises becomes another in the same form; anything
    /// else a string of the same classes.
    fn string(&mut self, original: &str) -> String {
        if let Some(known) = self.strings.get(original) {
            return known.clone();
        }
        let replaceable = original.chars().any(char::is_alphanumeric);
        let mut replaced = String::new();
        for _ in 0..TRIES {
            replaced = self
                .date_time(original)
                .unwrap_or_else(|| self.same_classes(original));
            if !replaceable || !self.used.contains(&replaced) {
                break;
            }
        }
        self.used.insert(replaced.clone());
        self.strings.insert(original.to_string(), replaced.clone());
        replaced
    }

    /// A random shift of up to ten years either way, to the millisecond.
    fn shift(&mut self) -> Duration {
        let days = self.rng.i64(30..3650) * if self.rng.bool() { 1 } else { -1 };
        Duration::days(days) + Duration::milliseconds(self.rng.i64(1..86_400_000))
    }

    /// A date-time in a recognised form, moved by a shift of its own (the other way if that
    /// one leaves the four-digit years) and written in the same form.
    fn date_time(&mut self, original: &str) -> Option<String> {
        let parsed = LenientDateTime::parse(original);
        let form = parsed.format();
        if !matches!(
            form,
            DateTimeFormat::Rfc3339
                | DateTimeFormat::Iso8601WithOffset
                | DateTimeFormat::LocalIso8601
                | DateTimeFormat::LocalSpaceSeparated
                | DateTimeFormat::Date
        ) {
            return None;
        }
        let naive = parsed.naive()?;
        let shift = self.shift();
        let written = [shift, -shift].into_iter().find_map(|shift| {
            let moved = naive.checked_add_signed(shift)?;
            self.rewrite(original, moved)
        })?;
        // Only a stand-in that reads back in the same form will do.
        (LenientDateTime::parse(&written).format() == form && written != original)
            .then_some(written)
    }

    /// `original` with its date, its time and its fraction written anew; every recognised
    /// form starts `yyyy-MM-dd`, then `[T ]HH:mm`, then `:ss` and `.fff…` if it has them.
    fn rewrite(&mut self, original: &str, moved: NaiveDateTime) -> Option<String> {
        if !(1000..=9999).contains(&moved.year()) || !original.is_char_boundary(10) {
            return None;
        }
        let mut text = original.to_string();
        text.replace_range(..10, &moved.format("%Y-%m-%d").to_string());
        let bytes = original.as_bytes();
        if bytes.len() >= 16 && matches!(bytes[10], b'T' | b't' | b' ') && bytes[13] == b':' {
            text.replace_range(11..16, &moved.format("%H:%M").to_string());
            if bytes.len() >= 19 && bytes[16] == b':' {
                text.replace_range(17..19, &moved.format("%S").to_string());
                if bytes.get(19) == Some(&b'.') {
                    let digits = bytes[20..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    let fraction: String = (0..digits).map(|_| self.rng.digit(10)).collect();
                    text.replace_range(20..20 + digits, &fraction);
                }
            }
        }
        Some(text)
    }

    /// Every ASCII digit and letter replaced by a random one of its kind, any other letter by
    /// a random lower-case one; spaces and punctuation kept, so an e-mail address still looks
    /// like one and a PAN like a PAN. A string with nothing to replace is kept: it holds no
    /// value (`""`, `"-"`).
    fn same_classes(&mut self, original: &str) -> String {
        let replaceable = original.chars().any(char::is_alphanumeric);
        loop {
            let replaced: String = original
                .chars()
                .map(|c| match c {
                    '0'..='9' => self.rng.digit(10),
                    'A'..='Z' => self.rng.uppercase(),
                    'a'..='z' => self.rng.lowercase(),
                    c if c.is_alphanumeric() => self.rng.lowercase(),
                    c => c,
                })
                .collect();
            if !replaceable || replaced != original {
                return replaced;
            }
        }
    }

    /// An integer of as many digits and the same sign, or a decimal with as many digits on
    /// either side of the point (or the same exponent).
    fn number(&mut self, original: &Number) -> Number {
        let key = original.to_string();
        if let Some(known) = self.numbers.get(&key) {
            return known.clone();
        }
        let decimal = key.contains(['.', 'e', 'E']);
        let mut tries = 0;
        let replaced = loop {
            tries += 1;
            let text = self.digits_like(&key);
            let number = if decimal {
                text.parse::<f64>().ok().and_then(Number::from_f64)
            } else if let Ok(n) = text.parse::<i64>() {
                Some(Number::from(n))
            } else {
                text.parse::<u64>().ok().map(Number::from)
            };
            match number {
                // As many characters as written (a decimal whose last digit came out 0 is
                // written shorter), and one no other original has; after TRIES, any other one.
                Some(number)
                    if number.to_string() != key
                        && (tries > TRIES
                            || (number.to_string().len() == key.len()
                                && !self.used.contains(&number.to_string()))) =>
                {
                    break number;
                }
                _ => continue,
            }
        };
        self.used.insert(replaced.to_string());
        self.numbers.insert(key, replaced.clone());
        replaced
    }

    /// `text` (a JSON number) with each digit random, the first of each run not zero unless it
    /// was; sign, point and exponent kept.
    fn digits_like(&mut self, text: &str) -> String {
        let mut previous_was_digit = false;
        text.chars()
            .map(|c| {
                let replaced = if c.is_ascii_digit() {
                    if previous_was_digit || c == '0' {
                        self.rng.digit(10)
                    } else {
                        char::from(b'1' + self.rng.u8(0..9))
                    }
                } else {
                    c
                };
                previous_was_digit = c.is_ascii_digit();
                replaced
            })
            .collect()
    }

    /// Epoch milliseconds moved by a shift of their own (the same for the same value).
    fn epoch_millis(&mut self, original: &Number) -> Number {
        let key = format!("epoch {original}");
        if let Some(known) = self.numbers.get(&key) {
            return known.clone();
        }
        let replaced = match original.as_i64() {
            Some(millis) => {
                let shift = self.shift().num_milliseconds();
                Number::from(
                    millis
                        .checked_add(shift)
                        .unwrap_or(millis.wrapping_sub(shift)),
                )
            }
            None => self.number(original),
        };
        self.numbers.insert(key, replaced.clone());
        replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classes(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| match c {
                '0'..='9' => b'9',
                'A'..='Z' => b'A',
                'a'..='z' => b'a',
                c if c.is_alphanumeric() => b'a',
                _ => b'.',
            })
            .collect()
    }

    #[test]
    fn a_string_keeps_its_length_and_classes_and_the_same_original_its_stand_in() {
        let mut stand_ins = StandIns::new();
        for original in [
            "27AAPFU0939F1ZV",
            "priya.sharma@example.in",
            "9876543210",
            "a",
        ] {
            let replaced = stand_ins.string(original);
            assert_ne!(replaced, original);
            assert_eq!(
                classes(&replaced),
                classes(original),
                "{original} → {replaced}"
            );
            assert_eq!(
                stand_ins.string(original),
                replaced,
                "the same stand-in again"
            );
        }
        assert_eq!(stand_ins.string("-"), "-", "nothing to replace");
        // Another cassette draws others (15 random characters: a repeat is 1 in 10^20).
        assert_ne!(
            StandIns::new().string("27AAPFU0939F1ZV"),
            stand_ins.string("27AAPFU0939F1ZV")
        );
    }

    #[test]
    fn a_date_time_moves_and_keeps_its_form() {
        let mut stand_ins = StandIns::new();
        for original in [
            "2024-10-10T08:34:46Z",
            "2024-10-10T08:34:46.123+05:30",
            "2024-10-10 08:34:46",
            "2024-10-10T08:34",
            "2024-10-10",
            "2024-10-10T08:34:46+0530",
        ] {
            let replaced = stand_ins.string(original);
            assert_ne!(replaced, original);
            assert_eq!(replaced.len(), original.len(), "{replaced}");
            assert_eq!(
                LenientDateTime::parse(&replaced).format(),
                LenientDateTime::parse(original).format(),
                "{original} → {replaced}"
            );
        }
        // Sentinels at the edges of the four-digit years keep their form too.
        for sentinel in ["9999-12-31T23:59:59Z", "1000-01-01"] {
            let replaced = stand_ins.string(sentinel);
            assert_ne!(replaced, sentinel);
            assert_eq!(
                LenientDateTime::parse(&replaced).format(),
                LenientDateTime::parse(sentinel).format(),
                "{sentinel} → {replaced}"
            );
        }
    }

    #[test]
    fn a_number_keeps_its_kind_and_digits() {
        // Many cassettes, so that a digit drawn as 0 at the end of a decimal is met.
        for _ in 0..200 {
            numbers_keep_their_kind_and_digits();
        }
    }

    fn numbers_keep_their_kind_and_digits() {
        let mut stand_ins = StandIns::new();
        for original in [
            json!(4711),
            json!(-12),
            json!(1758054.16),
            json!(0),
            json!(7),
        ] {
            let Value::Number(number) = &original else {
                unreachable!()
            };
            let replaced = stand_ins.number(number);
            assert_ne!(replaced, *number);
            assert_eq!(replaced.is_f64(), number.is_f64(), "{number} → {replaced}");
            assert_eq!(
                replaced.to_string().len(),
                number.to_string().len(),
                "{number} → {replaced}"
            );
        }
    }

    #[test]
    fn records_are_replaced_and_the_envelope_enums_booleans_and_nulls_kept() {
        let body = json!({
            "payload": {
                "data": [{
                    "customerId": "KC0000000000000A",
                    "legalName": "Shree Ganesh Traders",
                    "active": true,
                    "address": null,
                    "netAmount": 1758054.16,
                    "createdOn": "2024-10-10T08:34:46Z",
                    "loyaltyTier": "GOLD",
                    "customerKeyContacts": [{ "email": "a.b@c.in", "mail_enabled": false }]
                }],
                "recordsCount": 1
            },
            "response_code": 0,
            "response_message": "Success"
        });
        let scrubbed = StandIns::new().search_response(body.clone());
        let (before, after) = (&body["payload"]["data"][0], &scrubbed["payload"]["data"][0]);
        for field in [
            "customerId",
            "legalName",
            "netAmount",
            "createdOn",
            "loyaltyTier",
        ] {
            assert_ne!(before[field], after[field], "{field}");
        }
        assert_ne!(
            before["customerKeyContacts"][0]["email"],
            after["customerKeyContacts"][0]["email"]
        );
        assert_eq!(after["active"], true);
        assert_eq!(after["address"], Value::Null);
        assert_eq!(after["customerKeyContacts"][0]["mail_enabled"], false);
        assert_eq!(scrubbed["payload"]["recordsCount"], 1);
        assert_eq!(scrubbed["response_code"], 0);
        assert_eq!(scrubbed["response_message"], "Success");
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(before), keys(after));
    }

    #[test]
    fn two_originals_never_share_a_stand_in() {
        let mut stand_ins = StandIns::new();
        // Ninety two-digit codes, and the ninety two-digit stand-ins there are.
        let replaced: HashSet<String> = (10..100)
            .map(|n| stand_ins.string(&n.to_string()))
            .collect();
        assert!(replaced.len() >= 80, "{} distinct of 90", replaced.len());
        let numbers: HashSet<String> = (100..200)
            .map(|n| stand_ins.number(&Number::from(n)).to_string())
            .collect();
        assert_eq!(numbers.len(), 100);
    }

    #[test]
    fn the_envelope_keeps_only_how_the_call_went_and_unexpected_shapes_are_replaced() {
        let mut stand_ins = StandIns::new();
        let error = stand_ins.search_response(json!({
            "errorResponse": {
                "errorType": "VALIDATION_ERROR",
                "errorMessage": "no customer with PAN 29QZXPK7731R1ZW",
                "apiSubErrors": [{ "field": "panOrGstin", "rejectedValue": "29QZXPK7731R1ZW" }]
            },
            "response_code": 400,
            "response_message": "Bad Request"
        }));
        assert_eq!(error["errorResponse"]["errorType"], "VALIDATION_ERROR");
        assert_eq!(error["response_code"], 400);
        assert_eq!(error["response_message"], "Bad Request");
        assert!(!error.to_string().contains("29QZXPK7731R1ZW"), "{error}");
        // A page whose data is one object, not a list, and a body that is a bare string.
        let odd = stand_ins.search_response(json!({
            "payload": { "data": { "legalName": "Zephyrine Quokka" }, "recordsCount": 1 }
        }));
        assert!(!odd.to_string().contains("Zephyrine"), "{odd}");
        assert_eq!(odd["payload"]["recordsCount"], 1);
        let bare = stand_ins.search_response(json!("Zephyrine Quokka"));
        assert!(!bare.to_string().contains("Zephyrine"), "{bare}");
        assert!(
            !stand_ins
                .text(b"<html>Zephyrine</html>")
                .contains("Zephyrine")
        );
    }
}
