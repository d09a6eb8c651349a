//! [`LenientInteger`]: an integer that may come as a JSON number or as a string of digits.
//!
//! OAuth servers and the gateways in front of them disagree on `expires_in`: Spring sends
//! `86399`, others `"86399"`. A strict `i64` would turn the second into "no token" and fail
//! every login. The spec marks such fields with `x-integer-may-be-string: true`, and the code
//! generator uses this type for them in responses.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// An integer read from a number (`86399`, or an integral `86399.0`) or from a string of
/// ASCII digits with an optional sign (`"86399"`, surrounding spaces ignored). It serialises
/// back in the form it came in.
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
                f.write_str("an integer, or a string of digits")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(value.into())
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                i64::try_from(value)
                    .map(LenientInteger::from)
                    .map_err(|_| E::custom("an integer too large for 64 bits"))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
                // The range check keeps the cast exact; i64::MAX itself is not an f64.
                if value.fract() == 0.0 && (-9.2e18..9.2e18).contains(&value) {
                    Ok((value as i64).into())
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(value), &self))
                }
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                let digits = value.trim();
                let unsigned = digits.strip_prefix(['-', '+']).unwrap_or(digits);
                if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                    // Not quoting the value: it may be anything a server sent.
                    return Err(E::custom("a string that is not an integer"));
                }
                digits
                    .parse::<i64>()
                    .map(|value| LenientInteger {
                        value,
                        was_string: true,
                    })
                    .map_err(|_| E::custom("an integer too large for 64 bits"))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
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
        let integer = SchemaObject {
            instance_type: Some(InstanceType::Integer.into()),
            format: Some("int64".to_owned()),
            ..SchemaObject::default()
        };
        let digits = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            string: Some(Box::new(StringValidation {
                pattern: Some(r"^\s*[-+]?[0-9]+\s*$".to_owned()),
                ..StringValidation::default()
            })),
            ..SchemaObject::default()
        };
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some("An integer, as a number or a string of digits.".to_owned()),
                ..Metadata::default()
            })),
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![Schema::Object(integer), Schema::Object(digits)]),
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
    fn numbers_and_strings_of_digits_are_integers() {
        for (json, value, was_string) in [
            ("86399", 86_399, false),
            ("-5", -5, false),
            ("86399.0", 86_399, false),
            (r#""86399""#, 86_399, true),
            (r#"" 300 ""#, 300, true),
            (r#""+7""#, 7, true),
            (r#""-7""#, -7, true),
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
    fn anything_else_is_refused_without_quoting_it() {
        for json in [
            r#""soon""#,
            r#""""#,
            r#""12a""#,
            r#""-""#,
            "1.5",
            "true",
            "null",
            "{}",
            "18446744073709551615",
            r#""99999999999999999999""#,
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
