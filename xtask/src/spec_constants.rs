//! What code needs from the spec that the generated types cannot carry: its servers, each
//! operation's path,
//! the bounds of its integer parameters (typify drops `minimum`/`maximum`), the names a
//! parameter marked `x-names-a-property-of` may take, and each schema's property names (a
//! CSV's columns). Written as constants into the client's
//! `generated_spec.rs`, so the client, the sandbox, the CLI and the tests use the spec's
//! values instead of typing them a second time.

use std::fmt::Write as _;

use heck::ToShoutySnakeCase;
use serde_json::Value;

use crate::Result;

/// Marks a string parameter whose values are the names of the scalar properties of a schema
/// (`orderBy`: a `CustomerResponse` property to sort by).
pub const NAMES_A_PROPERTY_OF: &str = "x-names-a-property-of";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The constants of `document`, as Rust items (formatted by the caller).
pub fn generate(document: &Value) -> Result<String> {
    let mut out = String::new();
    let servers: Vec<&str> = document
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|server| server.get("url")?.as_str())
        .collect();
    writeln!(
        out,
        "/// The base URLs of the spec's `servers`, in its order.\npub const SERVERS: &[&str] = \
         &{servers:?};"
    )?;
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let prefix = id.to_shouty_snake_case();
            writeln!(
                out,
                "/// The path of `{id}` (`{} {path}`).\npub const {prefix}_PATH: &str = {path:?};",
                method.to_uppercase()
            )?;
            let parameters = operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let mut query = Vec::new();
            for parameter in parameters {
                parameter_constants(&mut out, document, id, &prefix, parameter)?;
                if parameter.get("in").and_then(Value::as_str) == Some("query")
                    && let Some(name) = parameter.get("name").and_then(Value::as_str)
                {
                    query.push(name);
                }
            }
            if !query.is_empty() {
                writeln!(
                    out,
                    "/// The query parameters of `{id}`, in the spec's order.\npub const \
                     {prefix}_QUERY_PARAMETERS: &[&str] = &{query:?};"
                )?;
            }
        }
    }
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (name, schema) in schemas {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            let names: Vec<&String> = properties.keys().collect();
            writeln!(
                out,
                "/// The properties of `{name}`, in alphabetical order.\npub const {}_PROPERTIES: \
                 &[&str] = &{names:?};",
                name.to_shouty_snake_case()
            )?;
        }
    }
    Ok(out)
}

fn parameter_constants(
    out: &mut String,
    document: &Value,
    id: &str,
    prefix: &str,
    parameter: &Value,
) -> Result<()> {
    let Some(name) = parameter.get("name").and_then(Value::as_str) else {
        return Ok(());
    };
    let constant = format!("{prefix}_{}", name.to_shouty_snake_case());
    let schema = parameter.get("schema").unwrap_or(&Value::Null);
    if schema.get("type") == Some(&Value::from("integer")) {
        let rust_type = match schema.get("format").and_then(Value::as_str) {
            Some("int64") => "i64",
            _ => "i32",
        };
        for (bound, suffix) in [("minimum", "MIN"), ("maximum", "MAX")] {
            if let Some(value) = schema.get(bound).and_then(Value::as_i64) {
                writeln!(
                    out,
                    "/// The {bound} of `{id}`'s `{name}`.\npub const {constant}_{suffix}: \
                     {rust_type} = {value};"
                )?;
            }
        }
    }
    if let Some(target) = parameter.get(NAMES_A_PROPERTY_OF).and_then(Value::as_str) {
        let names = scalar_properties(document, target).ok_or_else(|| {
            format!(
                "`{name}` of `{id}`: {NAMES_A_PROPERTY_OF} {target:?} is not a component schema \
                 with properties"
            )
        })?;
        writeln!(
            out,
            "/// What `{id}`'s `{name}` may name: the scalar properties of `{}`, in \
             alphabetical order.\npub const {constant}_VALUES: &[&str] = &{names:?};",
            target.rsplit('/').next().unwrap_or(target)
        )?;
    }
    Ok(())
}

/// The properties of the schema at `reference` that are neither arrays nor objects.
fn scalar_properties(document: &Value, reference: &str) -> Option<Vec<String>> {
    let schema = document.pointer(reference.strip_prefix('#')?)?;
    let properties = schema.get("properties")?.as_object()?;
    Some(
        properties
            .iter()
            .filter(|(_, property)| {
                !matches!(
                    property.get("type").and_then(Value::as_str),
                    Some("array" | "object")
                )
            })
            .map(|(name, _)| name.clone())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_bounds_and_property_names_become_constants() {
        let document = json!({
            "paths": { "/v1/things/search": { "post": {
                "operationId": "searchThings",
                "parameters": [
                    { "name": "limit", "in": "query", "schema": {
                        "type": "integer", "format": "int32", "minimum": 1, "maximum": 500 } },
                    { "name": "offset", "in": "query", "schema": {
                        "type": "integer", "format": "int64", "minimum": 0 } },
                    { "name": "orderBy", "in": "query", "schema": { "type": "string" },
                      "x-names-a-property-of": "#/components/schemas/Thing" },
                    { "name": "q", "in": "query", "schema": { "type": "string" } }
                ]
            } } },
            "components": { "schemas": { "Thing": { "properties": {
                "b": { "type": "string" }, "a": { "type": "integer" },
                "tags": { "type": "array" }, "at": { "allOf": [{ "$ref": "#/x" }] }
            } } } }
        });
        let constants = generate(&document).unwrap();
        for expected in [
            "pub const SEARCH_THINGS_PATH: &str = \"/v1/things/search\";",
            "pub const SEARCH_THINGS_LIMIT_MIN: i32 = 1;",
            "pub const SEARCH_THINGS_LIMIT_MAX: i32 = 500;",
            "pub const SEARCH_THINGS_OFFSET_MIN: i64 = 0;",
            "pub const SEARCH_THINGS_ORDER_BY_VALUES: &[&str] = &[\"a\", \"at\", \"b\"];",
        ] {
            assert!(constants.contains(expected), "{expected}\nin\n{constants}");
        }
        assert!(!constants.contains("OFFSET_MAX") && !constants.contains("SEARCH_THINGS_Q_"));
        assert!(
            constants.contains(
                "pub const SEARCH_THINGS_QUERY_PARAMETERS: &[&str] = &[\"limit\", \"offset\", \
                 \"orderBy\", \"q\"];"
            ),
            "{constants}"
        );
        assert!(
            constants.contains(
                "pub const THING_PROPERTIES: &[&str] = &[\"a\", \"at\", \"b\", \"tags\"];"
            ),
            "{constants}"
        );
    }

    #[test]
    fn a_property_list_of_nothing_is_an_error() {
        let document = json!({ "paths": { "/x": { "get": { "operationId": "x", "parameters": [
            { "name": "sort", "in": "query", "x-names-a-property-of": "#/components/schemas/Gone" }
        ] } } } });
        let err = generate(&document).unwrap_err().to_string();
        assert!(
            err.contains("`sort` of `x`") && err.contains("Gone"),
            "{err}"
        );
    }
}
