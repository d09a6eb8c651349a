//! A password, token or client secret that cannot leak through `Debug` or
//! logs.
//!
//! Request and response types derive `Debug`, and are logged when calls fail.
//! [`Secret`] keeps credentials out of that output: its `Debug` is redacted,
//! it has no `Display`, and the memory is zeroed on drop (via
//! [`secrecy`]). It still serialises to the plain value, because a token
//! request has to put it on the wire.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;

#[cfg(feature = "schemars")]
use schemars::JsonSchema;
#[cfg(feature = "schemars")]
use schemars::r#gen::SchemaGenerator;
#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// A secret string: redacted in `Debug`, not `Display`able, zeroed on drop.
///
/// Read it only through [`expose_secret`](Secret::expose_secret).
/// Serialisation writes the plain value; equality compares the plain values
/// (not in constant time).
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps `value`. The `String` it arrives in is zeroed once copied.
    pub fn new(value: impl Into<String>) -> Self {
        let mut value = value.into();
        let secret = Secret(SecretString::from(value.as_str()));
        value.zeroize();
        secret
    }

    /// The plain value. This is the one way to read the secret: keep what it
    /// returns out of logs and error messages.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(SecretString::from(value))
    }
}

/// Prints `Secret([REDACTED])`, never the value.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for Secret {}

/// Writes the plain value, as a string.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(SecretVisitor)
    }
}

struct SecretVisitor;

impl Visitor<'_> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Secret::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Secret::new(v))
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for Secret {
    fn schema_name() -> String {
        "Secret".to_owned()
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Borrowed(concat!(module_path!(), "::Secret"))
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some("A secret; never printed.".to_owned()),
                write_only: true,
                ..Default::default()
            })),
            instance_type: Some(InstanceType::String.into()),
            format: Some("password".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    const VALUE: &str = "hunter2-Zq9xK7-do-not-print";

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct TokenRequest {
        client_id: String,
        client_secret: Secret,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh_token: Option<Secret>,
    }

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new(VALUE);
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
        assert_eq!(format!("{secret:#?}"), "Secret([REDACTED])");
        assert!(!format!("{:?}", Some(secret.clone())).contains(VALUE));
        let request = TokenRequest {
            client_id: "client".to_owned(),
            client_secret: secret.clone(),
            refresh_token: Some(Secret::from(VALUE.to_owned())),
        };
        for text in [format!("{request:?}"), format!("{request:#?}")] {
            assert!(!text.contains(VALUE), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("[REDACTED]"), "{text}");
        }
    }

    #[test]
    fn exposes_and_compares() {
        let secret = Secret::from(VALUE);
        assert_eq!(secret.expose_secret(), VALUE);
        assert!(!secret.is_empty());
        assert!(Secret::new(String::new()).is_empty());
        assert_eq!(secret, Secret::new(VALUE.to_owned()));
        assert_ne!(secret, Secret::from("other"));
        assert_eq!(secret.clone(), secret);
    }

    #[test]
    fn serde_round_trip() {
        let secret = Secret::from(VALUE);
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, format!("\"{VALUE}\""));
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back, secret);

        let input =
            format!(r#"{{"client_id":"client","client_secret":"{VALUE}","refresh_token":"r\"t"}}"#);
        let request: TokenRequest = serde_json::from_str(&input).unwrap();
        assert_eq!(request.client_secret.expose_secret(), VALUE);
        assert_eq!(
            request.refresh_token.as_ref().map(Secret::expose_secret),
            Some("r\"t")
        );
        assert_eq!(serde_json::to_string(&request).unwrap(), input);

        let request: TokenRequest =
            serde_json::from_str(r#"{"client_id":"c","client_secret":""}"#).unwrap();
        assert_eq!(request.refresh_token, None);
        assert!(request.client_secret.is_empty());
    }

    #[test]
    fn non_string_is_an_error() {
        for input in ["1", "true", "{}", "[]", "null"] {
            assert!(serde_json::from_str::<Secret>(input).is_err(), "{input}");
        }
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn json_schema() {
        let schema = schemars::schema_for!(Secret);
        let json = serde_json::to_value(&schema).unwrap();
        assert_eq!(json["type"], "string");
        assert_eq!(json["format"], "password");
        assert_eq!(json["writeOnly"], true);
        assert_eq!(json["description"], "A secret; never printed.");
    }
}
