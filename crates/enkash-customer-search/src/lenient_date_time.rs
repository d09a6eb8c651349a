//! A date-time exactly as EnKash sent it, parsed when possible.
//!
//! EnKash is a Java/Spring service. Its "date-time" fields arrive as RFC 3339,
//! as ISO 8601 *without* an offset (Spring's `LocalDateTime`), as
//! `yyyy-MM-dd HH:mm:ss`, as bare dates, or as epoch milliseconds (Jackson's
//! default for `java.util.Date`). A strict `DateTime<Utc>` field would reject
//! a whole 5,000-record page on the first of these. [`LenientDateTime`]
//! accepts any JSON string or number, interprets the forms it recognises,
//! and always keeps the original so that nothing is lost and serialising
//! writes back exactly what was received.
//!
//! # Assumed offset
//!
//! Values without an offset are **assumed** to be India Standard Time
//! ([`ASSUMED_OFFSET`], UTC+05:30): EnKash is an Indian service and a Spring
//! `LocalDateTime` is the server's wall clock. This is an assumption, not
//! something the API states. [`LenientDateTime::to_utc`] applies it;
//! [`LenientDateTime::naive`] returns the wall-clock value uninterpreted, and
//! [`LenientDateTime::offset`] tells whether an offset was actually written.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
#[cfg(feature = "schemars")]
use schemars::JsonSchema;
#[cfg(feature = "schemars")]
use schemars::r#gen::SchemaGenerator;
#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::Number;

/// The offset assumed for values that carry none: India Standard Time,
/// UTC+05:30.
///
/// This is an **assumption**: EnKash is an Indian service and Spring's
/// `LocalDateTime` is the server's wall clock, but the API does not say so.
/// Bare dates are taken as midnight at this offset. Callers who know better
/// can use [`LenientDateTime::naive`] and apply their own offset.
pub const ASSUMED_OFFSET: FixedOffset = match FixedOffset::east_opt(5 * 3600 + 30 * 60) {
    Some(offset) => offset,
    // Evaluated at compile time: this arm can never run.
    None => panic!("UTC+05:30 is a valid offset"),
};

const UTC_OFFSET: FixedOffset = match FixedOffset::east_opt(0) {
    Some(offset) => offset,
    // Evaluated at compile time: this arm can never run.
    None => panic!("UTC is a valid offset"),
};

/// The form in which a [`LenientDateTime`] was sent.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateTimeFormat {
    /// RFC 3339 as `chrono` parses it: `2024-10-10T08:34:46Z`,
    /// `2024-10-10T08:34:46.123+05:30`; `T` and `Z` may be lower case and
    /// `T` may be a space. Seconds and an `hh:mm` offset are required.
    Rfc3339,
    /// ISO 8601 with an offset that RFC 3339 does not allow, as Java's
    /// `toString()` and `SimpleDateFormat` write them: no seconds
    /// (`2024-10-10T08:34Z`) or an offset without a colon or minutes
    /// (`2024-10-10T08:34:46+0530`, `2024-10-10 08:34:46+05`).
    Iso8601WithOffset,
    /// ISO 8601 without an offset: `2024-10-10T08:34:46`, optionally with a
    /// 1–9 digit fraction, or without seconds (`2024-10-10T08:34`).
    /// Interpreted at [`ASSUMED_OFFSET`].
    LocalIso8601,
    /// `yyyy-MM-dd HH:mm:ss` (EnKash's documented timestamp format), with an
    /// optional 1–9 digit fraction, or without seconds. Interpreted at
    /// [`ASSUMED_OFFSET`].
    LocalSpaceSeparated,
    /// A bare date, `2024-10-10`; midnight at [`ASSUMED_OFFSET`].
    Date,
    /// A JSON integer: milliseconds since the Unix epoch (Jackson's default).
    EpochMillis,
    /// Anything else, including numbers that are not integers or lie outside
    /// `chrono`'s range. Kept as sent; [`LenientDateTime::to_utc`] is `None`.
    Unrecognised,
}

impl DateTimeFormat {
    /// The form a vendor's pattern (the spec's `x-date-time-format`, Java's
    /// `SimpleDateFormat` notation) describes: `yyyy-MM-dd HH:mm:ss` is
    /// [`LocalSpaceSeparated`](Self::LocalSpaceSeparated), `yyyy-MM-dd'T'HH:mm:ss`
    /// [`LocalIso8601`](Self::LocalIso8601), `yyyy-MM-dd` [`Date`](Self::Date); any other
    /// pattern is taken for RFC 3339.
    pub fn for_pattern(pattern: &str) -> DateTimeFormat {
        match pattern.split('.').next().unwrap_or(pattern) {
            "yyyy-MM-dd HH:mm:ss" | "yyyy-MM-dd HH:mm" => DateTimeFormat::LocalSpaceSeparated,
            "yyyy-MM-dd'T'HH:mm:ss" | "yyyy-MM-dd'T'HH:mm" => DateTimeFormat::LocalIso8601,
            "yyyy-MM-dd" => DateTimeFormat::Date,
            _ => DateTimeFormat::Rfc3339,
        }
    }
}

/// A date-time as EnKash sent it: parsed when possible, never fatal, the
/// original always recoverable.
///
/// Deserialises from any JSON string or number (other JSON types are an
/// error) and serialises back to exactly the same string, or the same
/// number. Equality and hashing compare the original as sent, so
/// `2024-10-10T08:34:46Z` and `2024-10-10T14:04:46+05:30` are *not* equal;
/// compare [`to_utc`](Self::to_utc) for the instant.
///
/// Values without an offset are **assumed** to be India Standard Time
/// ([`ASSUMED_OFFSET`], UTC+05:30): EnKash is an Indian service and a Spring
/// `LocalDateTime` is the server's wall clock. [`naive`](Self::naive) gives
/// the wall-clock value uninterpreted for callers who know better.
#[derive(Clone)]
pub struct LenientDateTime {
    /// The string as sent, or the JSON text of a number.
    original: String,
    /// `Some` when the value was sent as a JSON number.
    number: Option<Number>,
    format: DateTimeFormat,
    /// The wall-clock value as written; `None` only for `Unrecognised`.
    naive: Option<NaiveDateTime>,
    /// The offset written in the value (UTC for epoch milliseconds).
    offset: Option<FixedOffset>,
}

impl LenientDateTime {
    /// Parses `s`, recognising the forms of [`DateTimeFormat`]. Never fails:
    /// anything else is kept as [`DateTimeFormat::Unrecognised`].
    pub fn parse(s: &str) -> Self {
        Self::from_string(s.to_owned())
    }

    fn from_string(original: String) -> Self {
        let (format, naive, offset) = classify(&original);
        LenientDateTime {
            original,
            number: None,
            format,
            naive,
            offset,
        }
    }

    fn from_number(number: Number) -> Self {
        let millis = number.as_i64().and_then(DateTime::from_timestamp_millis);
        let (format, naive, offset) = match millis {
            Some(utc) => (
                DateTimeFormat::EpochMillis,
                Some(utc.naive_utc()),
                Some(UTC_OFFSET),
            ),
            None => (DateTimeFormat::Unrecognised, None, None),
        };
        LenientDateTime {
            original: number.to_string(),
            number: Some(number),
            format,
            naive,
            offset,
        }
    }

    /// The value as sent: the string, or the JSON text of a number.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The form the value was recognised as.
    pub fn format(&self) -> DateTimeFormat {
        self.format
    }

    /// The instant, in UTC.
    ///
    /// Values without an offset ([`LocalIso8601`](DateTimeFormat::LocalIso8601),
    /// [`LocalSpaceSeparated`](DateTimeFormat::LocalSpaceSeparated),
    /// [`Date`](DateTimeFormat::Date)) are interpreted at the
    /// **assumed** [`ASSUMED_OFFSET`] (IST). `None` when unrecognised.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        let offset = self.offset.unwrap_or(ASSUMED_OFFSET);
        self.naive?
            .checked_sub_offset(offset)
            .map(|utc| utc.and_utc())
    }

    /// The wall-clock value as written, with no offset applied: for an
    /// offset-less value the time as sent (a bare date gives midnight), for
    /// RFC 3339 the local time in its own offset, for epoch milliseconds the
    /// UTC time. `None` when unrecognised.
    pub fn naive(&self) -> Option<NaiveDateTime> {
        self.naive
    }

    /// The offset written in the value (UTC for epoch milliseconds); `None`
    /// when there was none and [`ASSUMED_OFFSET`] is assumed, or when the
    /// value is unrecognised.
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }
}

/// Recognises the forms of [`DateTimeFormat`] in a string.
fn classify(s: &str) -> (DateTimeFormat, Option<NaiveDateTime>, Option<FixedOffset>) {
    let local = parse_local_prefix(s);
    if let Some((naive, format, "")) = local {
        return (format, Some(naive), None);
    }
    // Only strings that are not a complete offset-less value get here, so
    // trying RFC 3339 second costs nothing for Spring's `LocalDateTime`.
    if let Ok(parsed) = DateTime::parse_from_rfc3339(s) {
        let offset = *parsed.offset();
        if let Some(naive) = parsed.naive_utc().checked_add_offset(offset) {
            return (DateTimeFormat::Rfc3339, Some(naive), Some(offset));
        }
    }
    if let Some((naive, format, rest)) = local
        && format != DateTimeFormat::Date
        && let Some(offset) = parse_offset(rest)
        && naive.checked_sub_offset(offset).is_some()
    {
        return (DateTimeFormat::Iso8601WithOffset, Some(naive), Some(offset));
    }
    (DateTimeFormat::Unrecognised, None, None)
}

/// Two ASCII digits at `i`, as a number.
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    match (b.get(i), b.get(i + 1)) {
        (Some(&hi @ b'0'..=b'9'), Some(&lo @ b'0'..=b'9')) => {
            Some(u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
        }
        _ => None,
    }
}

/// Parses `yyyy-MM-dd[(T|t| )HH:mm[:ss[.f{1,9}]]]` at the start of `s`,
/// returning the value, its form (an offset-less one) and the rest of `s`.
fn parse_local_prefix(s: &str) -> Option<(NaiveDateTime, DateTimeFormat, &str)> {
    let b = s.as_bytes();
    let year = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        two_digits(b, 5)?,
        two_digits(b, 8)?,
    )?;
    let format = match b.get(10) {
        None => return Some((date.and_time(NaiveTime::MIN), DateTimeFormat::Date, "")),
        Some(b'T' | b't') => DateTimeFormat::LocalIso8601,
        Some(b' ') => DateTimeFormat::LocalSpaceSeparated,
        Some(_) => {
            return Some((
                date.and_time(NaiveTime::MIN),
                DateTimeFormat::Date,
                s.get(10..)?,
            ));
        }
    };
    let hour = two_digits(b, 11)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = two_digits(b, 14)?;
    let (mut second, mut nano, mut end) = (0, 0, 16);
    if b.get(16) == Some(&b':') {
        second = two_digits(b, 17)?;
        end = 19;
        if b.get(19) == Some(&b'.') {
            let mut digits = 0;
            for &c in b.get(20..)?.iter().take_while(|c| c.is_ascii_digit()) {
                // Count first: a tenth digit would overflow `nano` before it was refused.
                digits += 1;
                if digits > 9 {
                    return None;
                }
                nano = nano * 10 + u32::from(c - b'0');
            }
            if digits == 0 {
                return None;
            }
            nano *= 10u32.pow(9 - digits);
            end = 20 + digits as usize;
        }
    }
    if second == 60 {
        // A leap second, as chrono's RFC 3339 parser also accepts.
        second = 59;
        nano += 1_000_000_000;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
    Some((date.and_time(time), format, s.get(end..)?))
}

/// Parses a whole offset: `Z`, `z`, `±HH:mm`, `±HHmm` or `±HH`, with hours up
/// to 23 and minutes up to 59.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'Z' | b'z' if b.len() == 1 => return Some(UTC_OFFSET),
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = two_digits(b, 1)?;
    let minutes = match b.len() {
        3 => 0,
        5 => two_digits(b, 3)?,
        6 if b.get(3) == Some(&b':') => two_digits(b, 4)?,
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
}

impl From<DateTime<Utc>> for LenientDateTime {
    /// Represents `value` as RFC 3339 in UTC (`Z`), with seconds precision
    /// unless it has a fraction of a second.
    fn from(value: DateTime<Utc>) -> Self {
        LenientDateTime {
            original: value.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            number: None,
            format: DateTimeFormat::Rfc3339,
            naive: Some(value.naive_utc()),
            offset: Some(UTC_OFFSET),
        }
    }
}

/// Writes the original as sent.
impl fmt::Display for LenientDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl fmt::Debug for LenientDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LenientDateTime");
        match &self.number {
            Some(number) => d.field("original", number),
            None => d.field("original", &self.original),
        };
        d.field("format", &self.format).finish()
    }
}

/// Compares the original as sent (a string never equals a number).
impl PartialEq for LenientDateTime {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original && self.number.is_some() == other.number.is_some()
    }
}

impl Eq for LenientDateTime {}

impl Hash for LenientDateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.original.hash(state);
        self.number.is_some().hash(state);
    }
}

impl Serialize for LenientDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.number {
            Some(number) => number.serialize(serializer),
            None => serializer.serialize_str(&self.original),
        }
    }
}

impl<'de> Deserialize<'de> for LenientDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientDateTimeVisitor)
    }
}

struct LenientDateTimeVisitor;

impl Visitor<'_> for LenientDateTimeVisitor {
    type Value = LenientDateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date-time string or a number of milliseconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LenientDateTime::parse(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(LenientDateTime::from_string(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LenientDateTime::from_number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LenientDateTime::from_number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Number::from_f64(v)
            .map(LenientDateTime::from_number)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for LenientDateTime {
    fn schema_name() -> String {
        "LenientDateTime".to_owned()
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Borrowed(concat!(module_path!(), "::LenientDateTime"))
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "A date-time as sent. Accepted: RFC 3339; ISO 8601 with or without an \
                     offset (`2024-10-10T08:34:46`); `yyyy-MM-dd HH:mm:ss`; a bare date \
                     (`2024-10-10`); epoch milliseconds. Values without an offset are assumed \
                     to be IST (UTC+05:30). Unrecognised values are kept as sent."
                        .to_owned(),
                ),
                ..Default::default()
            })),
            instance_type: Some(InstanceType::String.into()),
            format: Some("date-time".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
    }

    fn check(input: &str, format: DateTimeFormat, expected_utc: &str) {
        let v = LenientDateTime::parse(input);
        assert_eq!(v.format(), format, "{input}");
        assert_eq!(v.to_utc(), Some(utc(expected_utc)), "{input}");
        assert_eq!(v.original(), input);
        assert_eq!(v.to_string(), input);
    }

    #[test]
    fn assumed_offset_is_ist() {
        assert_eq!(ASSUMED_OFFSET.local_minus_utc(), 19_800);
    }

    #[test]
    fn rfc3339() {
        use DateTimeFormat::Rfc3339;
        check("2024-10-10T08:34:46Z", Rfc3339, "2024-10-10T08:34:46Z");
        check("2024-10-10t08:34:46z", Rfc3339, "2024-10-10T08:34:46Z");
        check("2024-10-10 08:34:46Z", Rfc3339, "2024-10-10T08:34:46Z");
        check("2024-10-10T08:34:46+00:00", Rfc3339, "2024-10-10T08:34:46Z");
        check("2024-10-10T08:34:46-00:00", Rfc3339, "2024-10-10T08:34:46Z");
        check(
            "2024-10-10T08:34:46.123+05:30",
            Rfc3339,
            "2024-10-10T03:04:46.123Z",
        );
        // chrono keeps nanoseconds and drops further digits.
        check(
            "2024-10-10T08:34:46.1234567891Z",
            Rfc3339,
            "2024-10-10T08:34:46.123456789Z",
        );
        let v = LenientDateTime::parse("2024-10-10T08:34:46.5-04:00");
        assert_eq!(v.naive(), Some(naive("2024-10-10T08:34:46.5")));
        assert_eq!(v.offset(), FixedOffset::west_opt(4 * 3600));
    }

    #[test]
    fn iso8601_with_offset() {
        use DateTimeFormat::Iso8601WithOffset;
        check(
            "2024-10-10T08:34Z",
            Iso8601WithOffset,
            "2024-10-10T08:34:00Z",
        );
        check(
            "2024-10-10T08:34:46+0530",
            Iso8601WithOffset,
            "2024-10-10T03:04:46Z",
        );
        check(
            "2024-10-10 08:34:46.5+05",
            Iso8601WithOffset,
            "2024-10-10T03:34:46.5Z",
        );
        check(
            "2024-10-10T08:34-01:00",
            Iso8601WithOffset,
            "2024-10-10T09:34:00Z",
        );
        let v = LenientDateTime::parse("2024-10-10T08:34+05:30");
        assert_eq!(v.offset(), Some(ASSUMED_OFFSET));
        assert_eq!(v.naive(), Some(naive("2024-10-10T08:34:00")));
    }

    #[test]
    fn local_iso8601() {
        use DateTimeFormat::LocalIso8601;
        check("2024-10-10T08:34:46", LocalIso8601, "2024-10-10T03:04:46Z");
        check("2024-10-10t08:34:46", LocalIso8601, "2024-10-10T03:04:46Z");
        check("2024-10-10T08:34", LocalIso8601, "2024-10-10T03:04:00Z");
        check(
            "2024-10-10T08:34:46.1",
            LocalIso8601,
            "2024-10-10T03:04:46.1Z",
        );
        check(
            "2024-10-10T08:34:46.123456789",
            LocalIso8601,
            "2024-10-10T03:04:46.123456789Z",
        );
        check("2024-10-10T02:00:00", LocalIso8601, "2024-10-09T20:30:00Z");
        let v = LenientDateTime::parse("2024-10-10T08:34:46.250");
        assert_eq!(v.naive(), Some(naive("2024-10-10T08:34:46.25")));
        assert_eq!(v.offset(), None);
    }

    #[test]
    fn local_space_separated() {
        use DateTimeFormat::LocalSpaceSeparated;
        check(
            "2024-10-10 08:34:46",
            LocalSpaceSeparated,
            "2024-10-10T03:04:46Z",
        );
        check(
            "2024-10-10 08:34:46.007",
            LocalSpaceSeparated,
            "2024-10-10T03:04:46.007Z",
        );
        check(
            "2024-10-10 08:34",
            LocalSpaceSeparated,
            "2024-10-10T03:04:00Z",
        );
        let v = LenientDateTime::parse("2024-10-10 23:59:59");
        assert_eq!(v.naive(), Some(naive("2024-10-10T23:59:59")));
        assert_eq!(v.offset(), None);
    }

    #[test]
    fn date() {
        check("2024-10-10", DateTimeFormat::Date, "2024-10-09T18:30:00Z");
        let v = LenientDateTime::parse("2024-02-29");
        assert_eq!(v.naive(), Some(naive("2024-02-29T00:00:00")));
        assert_eq!(v.offset(), None);
    }

    #[test]
    fn leap_second() {
        let v = LenientDateTime::parse("2016-12-31T23:59:60");
        assert_eq!(v.format(), DateTimeFormat::LocalIso8601);
        let v = LenientDateTime::parse("2016-12-31T23:59:60Z");
        assert_eq!(v.format(), DateTimeFormat::Rfc3339);
        assert_eq!(
            v.to_utc().map(|t| t.timestamp()),
            Some(utc("2016-12-31T23:59:59Z").timestamp())
        );
    }

    #[test]
    fn epoch_millis() {
        let v: LenientDateTime = serde_json::from_str("1728549286123").unwrap();
        assert_eq!(v.format(), DateTimeFormat::EpochMillis);
        assert_eq!(v.to_utc(), Some(utc("2024-10-10T08:34:46.123Z")));
        assert_eq!(v.naive(), Some(naive("2024-10-10T08:34:46.123")));
        assert_eq!(v.offset(), Some(UTC_OFFSET));
        assert_eq!(v.original(), "1728549286123");
        assert_eq!(v.to_string(), "1728549286123");

        let v: LenientDateTime = serde_json::from_str("-1000").unwrap();
        assert_eq!(v.to_utc(), Some(utc("1969-12-31T23:59:59Z")));

        // A numeric string is a string, not epoch milliseconds.
        let v: LenientDateTime = serde_json::from_str(r#""1728549286123""#).unwrap();
        assert_eq!(v.format(), DateTimeFormat::Unrecognised);
        assert_ne!(v, serde_json::from_str("1728549286123").unwrap());
    }

    #[test]
    fn numbers_out_of_range_or_not_integers() {
        for input in [
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "1.5",
            "1e300",
            "1728549286000.0",
        ] {
            let v: LenientDateTime = serde_json::from_str(input).unwrap();
            assert_eq!(v.format(), DateTimeFormat::Unrecognised, "{input}");
            assert_eq!(v.to_utc(), None, "{input}");
            assert_eq!(v.naive(), None, "{input}");
        }
    }

    #[test]
    fn garbage_is_kept() {
        for input in [
            "soon",
            "",
            " 2024-10-10",
            "2024-10-10 ",
            "2024-13-10",
            "2024-02-30",
            "2024-10-10T",
            "2024-10-10T8:34",
            "2024-10-10T24:00:00",
            "2024-10-10T08:34:46.",
            "2024-10-10T08:34:46.1234567890",
            // Ten digits whose value overflows a u32 (found by the proptest below).
            "2024-10-10T08:34:46.9999999999",
            "2024-10-10 08:34:46.9999999999",
            "2024-10-10T08:34:46+24:00",
            "2024-10-10T08:34:46+05:3",
            "2024-10-10T08:34:46 +05:30",
            "2024-10-10Z",
            "+99999-10-10T08:34:46Z",
            "99999-10-10",
            "10/10/2024",
            "2024-10-10T08:34:46+05:30[Asia/Kolkata]",
            "２０２４-10-10",
            "2024-10-10T08:34:4é",
        ] {
            let v = LenientDateTime::parse(input);
            assert_eq!(v.format(), DateTimeFormat::Unrecognised, "{input:?}");
            assert_eq!(v.to_utc(), None);
            assert_eq!(v.naive(), None);
            assert_eq!(v.offset(), None);
            assert_eq!(v.original(), input);
        }
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        for input in [
            "0000-01-01T00:00:00",
            "0000-01-01",
            "9999-12-31T23:59:59",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59-2359",
        ] {
            let v = LenientDateTime::parse(input);
            assert!(v.to_utc().is_some(), "{input}");
        }
    }

    #[test]
    fn json_round_trip_is_exact() {
        for input in [
            r#""2024-10-10T08:34:46Z""#,
            r#""2024-10-10t08:34:46.123+05:30""#,
            r#""2024-10-10T08:34+0530""#,
            r#""2024-10-10T08:34:46""#,
            r#""2024-10-10 08:34:46""#,
            r#""2024-10-10""#,
            r#""soon""#,
            r#""""#,
            "\"caf\u{e9}\"",
            "1728549286123",
            "-1",
            "0",
            "18446744073709551615",
            "1.5",
        ] {
            let v: LenientDateTime = serde_json::from_str(input).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), input);
            let again: LenientDateTime =
                serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
            assert_eq!(again, v);
        }
        // From a `serde_json::Value` too.
        let v: LenientDateTime =
            serde_json::from_value(serde_json::json!(1728549286123_i64)).unwrap();
        assert_eq!(v.format(), DateTimeFormat::EpochMillis);
        let v: LenientDateTime = serde_json::from_value(serde_json::json!("2024-10-10")).unwrap();
        assert_eq!(v.format(), DateTimeFormat::Date);
    }

    #[test]
    fn other_json_types_are_errors() {
        for input in [
            "true",
            "{}",
            "[]",
            r#"["2024-10-10"]"#,
            r#"{"a":1}"#,
            "null",
        ] {
            assert!(
                serde_json::from_str::<LenientDateTime>(input).is_err(),
                "{input}"
            );
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Customer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created_at: Option<LenientDateTime>,
    }

    #[test]
    fn inside_optional_field() {
        let c: Customer = serde_json::from_str(r#"{"created_at":null}"#).unwrap();
        assert_eq!(c.created_at, None);
        let c: Customer = serde_json::from_str("{}").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "{}");
        for input in [
            r#"{"created_at":"2024-10-10 08:34:46"}"#,
            r#"{"created_at":1728549286000}"#,
        ] {
            let c: Customer = serde_json::from_str(input).unwrap();
            assert!(c.created_at.as_ref().unwrap().to_utc().is_some());
            assert_eq!(serde_json::to_string(&c).unwrap(), input);
        }
        assert!(serde_json::from_str::<Customer>(r#"{"created_at":false}"#).is_err());
    }

    #[test]
    fn from_utc() {
        let t = Utc.with_ymd_and_hms(2024, 10, 10, 8, 34, 46).unwrap();
        let v = LenientDateTime::from(t);
        assert_eq!(v.original(), "2024-10-10T08:34:46Z");
        assert_eq!(v.format(), DateTimeFormat::Rfc3339);
        assert_eq!(v.to_utc(), Some(t));
        assert_eq!(v, LenientDateTime::parse("2024-10-10T08:34:46Z"));
        let t = t + chrono::Duration::milliseconds(120);
        assert_eq!(
            LenientDateTime::from(t).original(),
            "2024-10-10T08:34:46.120Z"
        );
    }

    #[test]
    fn equality_is_on_the_original() {
        let a = LenientDateTime::parse("2024-10-10T08:34:46Z");
        let b = LenientDateTime::parse("2024-10-10T14:04:46+05:30");
        assert_ne!(a, b);
        assert_eq!(a.to_utc(), b.to_utc());
        let debug = format!("{a:?}");
        assert!(debug.contains("2024-10-10T08:34:46Z") && debug.contains("Rfc3339"));
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn json_schema() {
        let schema = schemars::schema_for!(LenientDateTime);
        let json = serde_json::to_value(&schema).unwrap();
        assert_eq!(json["type"], "string");
        assert_eq!(json["format"], "date-time");
        assert!(
            json["description"]
                .as_str()
                .unwrap()
                .contains("kept as sent")
        );
    }

    /// Seconds from the Unix epoch of 0001-01-01T00:00:00Z and
    /// 9999-12-31T23:59:59Z.
    const MIN_SECS: i64 = -62_135_596_800;
    const MAX_SECS: i64 = 253_402_300_799;

    proptest! {
        #[test]
        fn any_string_is_kept(s in any::<String>()) {
            let v = LenientDateTime::parse(&s);
            prop_assert_eq!(v.original(), s.as_str());
            let _ = (v.to_utc(), v.naive(), v.offset(), v.format());
            let json = serde_json::to_string(&s).unwrap();
            let v: LenientDateTime = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(serde_json::to_string(&v).unwrap(), json);
        }

        #[test]
        fn date_like_strings_never_panic(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{0,11})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
        ) {
            let v = LenientDateTime::parse(&s);
            let _ = (v.to_utc(), v.naive(), v.offset(), v.format());
            prop_assert_eq!(v.to_string(), s);
        }

        #[test]
        fn rfc3339_round_trips(
            secs in MIN_SECS..=MAX_SECS,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
            offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59),
            use_z in any::<bool>(),
            precision in prop_oneof![
                Just(SecondsFormat::Secs),
                Just(SecondsFormat::Millis),
                Just(SecondsFormat::Micros),
                Just(SecondsFormat::Nanos),
                Just(SecondsFormat::AutoSi),
            ],
        ) {
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            let local = t.with_timezone(&offset);
            // Skip the few instants whose local time falls outside years 1..=9999.
            prop_assume!((1..=9999).contains(&chrono::Datelike::year(&local)));
            let text = local.to_rfc3339_opts(precision, use_z);
            let v = LenientDateTime::parse(&text);
            prop_assert_eq!(v.format(), DateTimeFormat::Rfc3339);
            let expected = match precision {
                SecondsFormat::Secs => DateTime::from_timestamp(secs, 0).unwrap(),
                SecondsFormat::Millis => DateTime::from_timestamp(secs, nanos / 1_000_000 * 1_000_000).unwrap(),
                SecondsFormat::Micros => DateTime::from_timestamp(secs, nanos / 1_000 * 1_000).unwrap(),
                _ => t,
            };
            prop_assert_eq!(v.to_utc(), Some(expected));
            prop_assert_eq!(v.offset(), Some(offset));
            prop_assert_eq!(v.naive(), Some(expected.with_timezone(&offset).naive_local()));
            let from = LenientDateTime::from(t);
            prop_assert_eq!(LenientDateTime::parse(from.original()).to_utc(), Some(t));
        }

        #[test]
        fn local_forms_round_trip(
            secs in MIN_SECS..=MAX_SECS,
            millis in 0u32..1000,
            space in any::<bool>(),
        ) {
            let n = DateTime::from_timestamp(secs, millis * 1_000_000).unwrap().naive_utc();
            let text = if space {
                n.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
            } else {
                n.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
            };
            let v = LenientDateTime::parse(&text);
            prop_assert_eq!(v.naive(), Some(n));
            prop_assert_eq!(v.offset(), None);
            prop_assert_eq!(
                v.to_utc(),
                Some(n.and_local_timezone(ASSUMED_OFFSET).unwrap().to_utc())
            );
        }

        #[test]
        fn any_integer_never_panics(n in any::<i64>(), u in any::<u64>()) {
            for json in [n.to_string(), u.to_string()] {
                let v: LenientDateTime = serde_json::from_str(&json).unwrap();
                let _ = (v.to_utc(), v.naive(), v.offset());
                prop_assert_eq!(serde_json::to_string(&v).unwrap(), json.clone());
                prop_assert_eq!(v.original(), json.as_str());
            }
        }

        #[test]
        fn any_float_never_panics(f in any::<f64>()) {
            if let Ok(json) = serde_json::to_string(&f) {
                let v: LenientDateTime = serde_json::from_str(&json).unwrap();
                let _ = (v.to_utc(), v.naive(), v.offset());
            }
        }
    }
}
