//! One setter per property of an operation's request body, on the client's hand-written query
//! type, so that a caller writes `SearchQuery::new().legal_name("Traders")` instead of going
//! through typify's builder (whose setters take `TryInto<Option<String>>`, so `"Traders"`
//! needs a `.to_string()`). Read off the spec: a property added there gets its setter with
//! the next `cargo xtask codegen`.

use std::fmt::Write as _;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use crate::Result;

/// Where the setters go: the body of `operation_id` sets the filters of `query_type`.
pub struct FilterSetters {
    pub operation_id: &'static str,
    /// The hand-written type the setters are on, with a `filter(self, impl FnOnce(&mut
    /// Body)) -> Self` that applies one.
    pub query_type: &'static str,
}

/// The setters, as Rust items (formatted by the caller).
pub fn generate(document: &Value, setters: &FilterSetters) -> Result<String> {
    let body_type = body_schema(document, setters.operation_id)?;
    let schema = document
        .pointer(&format!("/components/schemas/{body_type}"))
        .ok_or_else(|| format!("no component schema `{body_type}`"))?;
    let mut out = format!("impl {} {{\n", setters.query_type);
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (name, property) in properties {
        let field = name.to_snake_case();
        let (parameter, value) = rust_parameter(property).ok_or_else(|| {
            format!(
                "`{body_type}.{name}` has a type the filter setters do not know yet; add it to \
                 xtask/src/filter_setters.rs"
            )
        })?;
        let description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        writeln!(
            out,
            "    /// `{name}`: {description}\n    pub fn {field}(self, value: {parameter}) -> \
             Self {{\n        self.filter(|filters| filters.{field} = {value})\n    }}"
        )?;
    }
    out.push_str("}\n");
    Ok(out)
}

/// The component schema name of `operation_id`'s JSON request body.
fn body_schema(document: &Value, operation_id: &str) -> Result<String> {
    let operation = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find(|operation| operation.get("operationId") == Some(&Value::from(operation_id)))
        .ok_or_else(|| format!("no operation `{operation_id}`"))?;
    operation
        .pointer("/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
        .ok_or_else(|| {
            format!("`{operation_id}` has no JSON request body of a named schema").into()
        })
}

/// The setter's parameter type and the expression that stores `value` in the field, for the
/// types typify gives request properties: optional scalars as `Option`, arrays as `Vec`.
fn rust_parameter(property: &Value) -> Option<(String, String)> {
    let some = |parameter: &str| Some((parameter.to_string(), "Some(value)".to_string()));
    if let Some(reference) = property
        .pointer("/allOf/0/$ref")
        .or_else(|| property.get("$ref"))
        .and_then(Value::as_str)
    {
        let name = reference.strip_prefix("#/components/schemas/")?;
        return some(&format!("types::{}", name.to_upper_camel_case()));
    }
    let format = property.get("format").and_then(Value::as_str);
    match (property.get("type")?.as_str()?, format) {
        ("string", Some("date-time")) => some("chrono::DateTime<chrono::Utc>"),
        ("string", None) => Some((
            "impl Into<String>".to_string(),
            "Some(value.into())".to_string(),
        )),
        ("integer", Some("int32")) => some("i32"),
        ("integer", Some("int64")) => some("i64"),
        ("number", _) => some("f64"),
        ("boolean", _) => some("bool"),
        ("array", _) if property.pointer("/items/type") == Some(&Value::from("string")) => Some((
            "impl IntoIterator<Item = impl Into<String>>".to_string(),
            "value.into_iter().map(Into::into).collect()".to_string(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(properties: Value) -> Value {
        json!({
            "paths": { "/s": { "post": { "operationId": "search",
                "requestBody": { "content": { "application/json": { "schema": {
                    "$ref": "#/components/schemas/Filters" } } } } } } },
            "components": { "schemas": { "Filters": { "properties": properties } } }
        })
    }

    const SETTERS: FilterSetters = FilterSetters {
        operation_id: "search",
        query_type: "crate::Query",
    };

    #[test]
    fn each_property_gets_a_setter_of_its_type() {
        let setters = generate(
            &document(json!({
                "legalName": { "type": "string", "description": "The name,\n  in full." },
                "from": { "type": "string", "format": "date-time" },
                "dso": { "type": "integer", "format": "int32" },
                "amount": { "type": "number" },
                "all": { "type": "boolean" },
                "ids": { "type": "array", "items": { "type": "string" } },
                "status": { "allOf": [{ "$ref": "#/components/schemas/StatusFilter" }] }
            })),
            &SETTERS,
        )
        .unwrap();
        for expected in [
            "impl crate::Query {",
            "/// `legalName`: The name, in full.",
            "pub fn legal_name(self, value: impl Into<String>) -> Self {",
            "self.filter(|filters| filters.legal_name = Some(value.into()))",
            "pub fn from(self, value: chrono::DateTime<chrono::Utc>) -> Self {",
            "pub fn dso(self, value: i32) -> Self {",
            "pub fn amount(self, value: f64) -> Self {",
            "pub fn all(self, value: bool) -> Self {",
            "pub fn ids(self, value: impl IntoIterator<Item = impl Into<String>>) -> Self {",
            "filters.ids = value.into_iter().map(Into::into).collect()",
            "pub fn status(self, value: types::StatusFilter) -> Self {",
        ] {
            assert!(setters.contains(expected), "{expected}\nin\n{setters}");
        }
    }

    #[test]
    fn a_property_of_an_unknown_type_is_named_with_the_fix() {
        let err = generate(&document(json!({ "blob": { "type": "object" } })), &SETTERS)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`Filters.blob`") && err.contains("filter_setters.rs"),
            "{err}"
        );
    }
}
