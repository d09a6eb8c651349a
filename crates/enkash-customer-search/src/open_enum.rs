//! An enum that also accepts values this client does not know yet.
//!
//! EnKash adds enum values on the server without notice. The generated
//! (typify) enums are closed, so a single new value in one record would make
//! serde reject the whole response page. [`Open<T>`] wraps such an enum: a
//! known wire string becomes [`Open::Known`], any other string is kept,
//! verbatim, as [`Open::Unknown`], and both serialise back to exactly the
//! string that was received.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

#[cfg(feature = "schemars")]
use schemars::JsonSchema;
#[cfg(feature = "schemars")]
use schemars::r#gen::SchemaGenerator;
#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject, SubschemaValidation};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// A value of the closed string enum `T`, or a string this version of the
/// client does not recognise.
///
/// `T` is expected to be a generated enum whose [`Display`](fmt::Display)
/// writes its wire string and whose [`FromStr`] parses it.
///
/// [`Unknown`](Open::Unknown) is meant only for values this version does not
/// know. Decoding (serde or [`str::parse`]) always canonicalises a known
/// string to [`Known`](Open::Known); but an `Unknown` built by hand from a
/// string that `T` does know (say `Open::Unknown("ASC".into())`) is *not*
/// equal to the corresponding `Known` value. Use [`str::parse`] instead of
/// constructing `Unknown` directly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Open<T> {
    /// A value this client knows.
    Known(T),
    /// Any other string, exactly as the server sent it.
    Unknown(String),
}

impl<T> Open<T> {
    /// The known value, or `None` for a value this client does not know.
    pub fn known(&self) -> Option<&T> {
        match self {
            Open::Known(value) => Some(value),
            Open::Unknown(_) => None,
        }
    }

    /// The string as sent, if this client does not know the value.
    pub fn unknown(&self) -> Option<&str> {
        match self {
            Open::Known(_) => None,
            Open::Unknown(raw) => Some(raw),
        }
    }

    /// Whether the value is one this client knows.
    pub fn is_known(&self) -> bool {
        matches!(self, Open::Known(_))
    }
}

impl<T> From<T> for Open<T> {
    fn from(value: T) -> Self {
        Open::Known(value)
    }
}

impl<T: PartialEq> PartialEq<T> for Open<T> {
    fn eq(&self, other: &T) -> bool {
        self.known() == Some(other)
    }
}

/// Writes the wire string: `T`'s `Display` for a known value, the string as
/// sent for an unknown one.
impl<T: fmt::Display> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Open::Known(value) => value.fmt(f),
            Open::Unknown(raw) => f.write_str(raw),
        }
    }
}

/// Never fails: a string `T` parses becomes `Known`, anything else `Unknown`.
impl<T: FromStr> FromStr for Open<T> {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(T::from_str(s).map_or_else(|_| Open::Unknown(s.to_owned()), Open::Known))
    }
}

impl<T: fmt::Display> Serialize for Open<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Open::Known(value) => serializer.collect_str(value),
            Open::Unknown(raw) => serializer.serialize_str(raw),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(OpenVisitor(PhantomData))
    }
}

struct OpenVisitor<T>(PhantomData<fn() -> T>);

impl<T: FromStr> Visitor<'_> for OpenVisitor<T> {
    type Value = Open<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v).map_or_else(|_| Open::Unknown(v.to_owned()), Open::Known))
    }

    // Reuses the deserializer's buffer for an unknown value.
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(T::from_str(&v).map_or(Open::Unknown(v), Open::Known))
    }
}

#[cfg(feature = "schemars")]
impl<T: JsonSchema> JsonSchema for Open<T> {
    fn schema_name() -> String {
        format!("Open_{}", T::schema_name())
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Owned(format!("{}::Open<{}>", module_path!(), T::schema_id()))
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let other = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            ..Default::default()
        };
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "One of the known values; any other string is accepted and kept as sent."
                        .to_owned(),
                ),
                ..Default::default()
            })),
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![generator.subschema_for::<T>(), other.into()]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    /// Mimics a typify-generated closed string enum.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[cfg_attr(feature = "schemars", derive(JsonSchema))]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    enum Direction {
        Asc,
        Desc,
    }

    impl fmt::Display for Direction {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                Direction::Asc => "ASC",
                Direction::Desc => "DESC",
            })
        }
    }

    impl FromStr for Direction {
        type Err = &'static str;

        fn from_str(s: &str) -> Result<Self, Self::Err> {
            match s {
                "ASC" => Ok(Direction::Asc),
                "DESC" => Ok(Direction::Desc),
                _ => Err("invalid value"),
            }
        }
    }

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Record {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direction: Option<Open<Direction>>,
    }

    #[test]
    fn known_value() {
        let v: Open<Direction> = serde_json::from_str(r#""DESC""#).unwrap();
        assert_eq!(v, Open::Known(Direction::Desc));
        assert_eq!(v, Direction::Desc);
        assert!(v.is_known());
        assert_eq!(v.known(), Some(&Direction::Desc));
        assert_eq!(v.unknown(), None);
        assert_eq!(v.to_string(), "DESC");
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""DESC""#);
    }

    #[test]
    fn unknown_value_round_trips() {
        let input = r#""SOMETHING_NEW""#;
        let v: Open<Direction> = serde_json::from_str(input).unwrap();
        assert_eq!(v, Open::Unknown("SOMETHING_NEW".to_owned()));
        assert!(!v.is_known());
        assert_eq!(v.known(), None);
        assert_eq!(v.unknown(), Some("SOMETHING_NEW"));
        assert_ne!(v, Direction::Asc);
        assert_eq!(v.to_string(), "SOMETHING_NEW");
        assert_eq!(serde_json::to_string(&v).unwrap(), input);
        // Case differences are not known values either.
        let lower: Open<Direction> = serde_json::from_str(r#""asc""#).unwrap();
        assert_eq!(lower, Open::Unknown("asc".to_owned()));
    }

    #[test]
    fn escaped_unknown_round_trips() {
        let input = r#""NEW\n\"QUOTED\"\u00e9""#;
        let v: Open<Direction> = serde_json::from_str(input).unwrap();
        assert_eq!(v, Open::Unknown("NEW\n\"QUOTED\"\u{e9}".to_owned()));
        let back: Open<Direction> =
            serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn non_string_is_an_error() {
        for input in ["1", "true", "{}", "[]", r#"["ASC"]"#, "null"] {
            assert!(
                serde_json::from_str::<Open<Direction>>(input).is_err(),
                "{input} should be rejected"
            );
        }
    }

    #[test]
    fn inside_optional_field() {
        let r: Record = serde_json::from_str("{}").unwrap();
        assert_eq!(r, Record { direction: None });
        assert_eq!(serde_json::to_string(&r).unwrap(), "{}");
        let r: Record = serde_json::from_str(r#"{"direction":null}"#).unwrap();
        assert_eq!(r, Record { direction: None });
        let input = r#"{"direction":"SIDEWAYS"}"#;
        let r: Record = serde_json::from_str(input).unwrap();
        assert_eq!(r.direction, Some(Open::Unknown("SIDEWAYS".to_owned())));
        assert_eq!(serde_json::to_string(&r).unwrap(), input);
        // From a `serde_json::Value` (owned strings) as well.
        let value = serde_json::json!({"direction": "ASC"});
        let r: Record = serde_json::from_value(value).unwrap();
        assert_eq!(r.direction, Some(Open::Known(Direction::Asc)));
    }

    #[test]
    fn from_str_canonicalises() {
        let v: Open<Direction> = "ASC".parse().unwrap();
        assert_eq!(v, Open::Known(Direction::Asc));
        let v: Open<Direction> = "UP".parse().unwrap();
        assert_eq!(v, Open::Unknown("UP".to_owned()));
        // A hand-built `Unknown` of a known string is a different value.
        assert_ne!(
            Open::<Direction>::Unknown("ASC".to_owned()),
            Open::Known(Direction::Asc)
        );
        assert_eq!(Open::from(Direction::Desc), Open::Known(Direction::Desc));
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn json_schema() {
        let schema = schemars::schema_for!(Open<Direction>);
        let json = serde_json::to_value(&schema).unwrap();
        assert_eq!(json["title"], "Open_Direction");
        let any_of = json["anyOf"].as_array().unwrap();
        assert_eq!(any_of.len(), 2);
        assert_eq!(any_of[0]["$ref"], "#/definitions/Direction");
        assert_eq!(any_of[1], serde_json::json!({"type": "string"}));
        assert!(
            json["description"]
                .as_str()
                .unwrap()
                .contains("kept as sent")
        );
        assert_eq!(
            json["definitions"]["Direction"]["enum"],
            serde_json::json!(["ASC", "DESC"])
        );
    }

    proptest! {
        #[test]
        fn any_string_round_trips(s in any::<String>()) {
            let json = serde_json::to_string(&s).unwrap();
            let v: Open<Direction> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(serde_json::to_string(&v).unwrap(), json);
            prop_assert_eq!(v.to_string(), s.clone());
            let parsed: Open<Direction> = s.parse().unwrap();
            prop_assert_eq!(parsed, v);
        }
    }
}
