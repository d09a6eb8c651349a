//! Reading a property's schema in the spec as JSON: what it refers to, whether it may be
//! `null`, how it names a vendor's date-time form. Shared by the wire table the client checks
//! responses against and by `spec-suggest`, which reads responses against the same spec.

use serde_json::Value;

/// Marks a string that is a date-time in a format other than RFC 3339 (EnKash's
/// `yyyy-MM-dd HH:mm:ss`), which `format: date-time` would misdescribe. Where a property has
/// both, this one names the form the vendor sends.
pub const DATE_TIME_FORMAT_EXTENSION: &str = "x-date-time-format";

/// The schema `schema` refers to (through `$ref` or a one-element `allOf`), or itself.
pub fn resolved<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    reference(schema)
        .and_then(|reference| document.pointer(reference.strip_prefix('#')?))
        .unwrap_or(schema)
}

/// What `schema` refers to (`$ref`, or the `$ref` of a one-element `allOf`), if anything.
pub fn reference(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .or_else(|| match schema.get("allOf")?.as_array()?.as_slice() {
            [only] => only.get("$ref"),
            _ => None,
        })
        .and_then(Value::as_str)
}

/// Whether the spec lets `schema` be `null`, on the property or on what it refers to.
pub fn nullable(document: &Value, schema: &Value) -> bool {
    let says = |schema: &Value| schema.get("nullable") == Some(&Value::Bool(true));
    says(schema) || says(resolved(document, schema))
}
