//! [`LenientInteger`]: an integer that may come as a JSON number or as a string of digits.
//!
//! OAuth servers and the gateways in front of them disagree on `expires_in`: Spring sends
//! `86399`, others `"86399"`, `86399.0` or `1e30`. A strict `i64` would turn all but the first
//! into "no token" and fail every login. The spec marks such fields with
//! `x-integer-may-be-string: true`, and the code generator uses this type for them in
//! responses: reading leniently means such a field is never why a response is refused, so a
//! fraction is dropped and a value past `i64`'s range saturates (what the value means, such as
//! a token lifetime's sane range, is for the code that uses it).

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// An integer read from any JSON number or from a string of one (`86399`, `"86399"`,
/// `86399.5`, `"1e5"`; surrounding spaces ignored). A fraction is dropped (toward zero) and a
/// value past `i64`'s range saturates at its bound. It serialises back as a number or a string,
/// as it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LenientInteger {
    value: i64,
    was_string: bool,
}

impl LenientInteger {
    /// The integer.
    pub fn get(self) -> i64 {
        self.value
    }

    /// Whether it came as a string.
    pub fn was_string(self) -> bool {
        self.was_string
    }
}

impl From<i64> for LenientInteger {
    fn from(value: i64) -> Self {
        LenientInteger {
            value,
            was_string: false,
        }
    }
}

impl fmt::Display for LenientInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl Serialize for LenientInteger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.was_string {
            serializer.collect_str(&self.value)
        } else {
            serializer.serialize_i64(self.value)
        }
    }
}

impl<'de> Deserialize<'de> for LenientInteger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntegerVisitor;

        impl Visitor<'_> for IntegerVisitor {
            type Value = LenientInteger;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string of one")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(value.into())
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(value).unwrap_or(i64::MAX).into())
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
                Ok(saturating(value).into())
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                let number = value.trim();
                let value = if is_decimal_number(number) {
                    // Digits alone parse exactly; anything longer, a fraction or an exponent
                    // goes through `f64`, whose cast saturates.
                    number
                        .parse::<i64>()
                        .or_else(|_| number.parse::<f64>().map(saturating))
                } else {
                    // Not quoting the value: it may be anything a server sent.
                    return Err(E::custom("a string that is not a number"));
                };
                value
                    .map(|value| LenientInteger {
                        value,
                        was_string: true,
                    })
                    .map_err(|_| E::custom("a string that is not a number"))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
}

/// `value` without its fraction, at `i64`'s bound past its range (`as` saturates; JSON has no
/// NaN).
fn saturating(value: f64) -> i64 {
    value.trunc() as i64
}

/// A JSON number's shape, optionally signed with `+`: digits, then an optional fraction and
/// exponent (`12`, `-1.5`, `+3e2`). Rust's own float syntax takes `inf` and `NaN` too.
fn is_decimal_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for LenientInteger {
    fn schema_name() -> String {
        "LenientInteger".to_owned()
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Borrowed(concat!(module_path!(), "::LenientInteger"))
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{
            InstanceType, Metadata, Schema, SchemaObject, StringValidation, SubschemaValidation,
        };
        let number = SchemaObject {
            instance_type: Some(InstanceType::Number.into()),
            ..SchemaObject::default()
        };
        let digits = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            string: Some(Box::new(StringValidation {
                pattern: Some(r"^\s*[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$".to_owned()),
                ..StringValidation::default()
            })),
            ..SchemaObject::default()
        };
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "An integer, as a number or a string of one (a fraction dropped).".to_owned(),
                ),
                ..Metadata::default()
            })),
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![Schema::Object(number), Schema::Object(digits)]),
                ..SubschemaValidation::default()
            })),
            ..SchemaObject::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<LenientInteger, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_strings_of_numbers_are_integers() {
        for (json, value, was_string) in [
            ("86399", 86_399, false),
            ("-5", -5, false),
            ("86399.0", 86_399, false),
            ("1.5", 1, false),
            ("-1.9", -1, false),
            ("1e3", 1_000, false),
            (r#""86399""#, 86_399, true),
            (r#"" 300 ""#, 300, true),
            (r#""+7""#, 7, true),
            (r#""-7""#, -7, true),
            (r#""3600.75""#, 3_600, true),
            (r#""2E2""#, 200, true),
        ] {
            let read = read(json).unwrap();
            assert_eq!(
                (read.get(), read.was_string()),
                (value, was_string),
                "{json}"
            );
        }
    }

    #[test]
    fn values_past_the_range_saturate() {
        for (json, value) in [
            ("18446744073709551615", i64::MAX),
            ("1e30", i64::MAX),
            ("-1e300", i64::MIN),
            (r#""99999999999999999999""#, i64::MAX),
            (r#""-99999999999999999999""#, i64::MIN),
        ] {
            assert_eq!(read(json).unwrap().get(), value, "{json}");
        }
    }

    #[test]
    fn anything_else_is_refused_without_quoting_it() {
        for json in [
            r#""soon""#,
            r#""""#,
            r#""12a""#,
            r#""-""#,
            r#""1.""#,
            r#""1e""#,
            r#""inf""#,
            r#""NaN""#,
            r#""0x10""#,
            "true",
            "null",
            "{}",
        ] {
            let error = read(json).unwrap_err();
            assert!(!error.contains("soon") && !error.contains("12a"), "{error}");
        }
    }

    #[test]
    fn it_serialises_back_as_it_came() {
        for json in ["86399", r#""86399""#] {
            assert_eq!(serde_json::to_string(&read(json).unwrap()).unwrap(), json);
        }
    }
}
