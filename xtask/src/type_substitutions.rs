//! Which schemas the generated code holds in the client crate's own types instead of typify's.
//!
//! progenitor's types are strict: one enum value the client does not know, or one timestamp
//! without an offset, fails a whole page of customers; and a password in a `String` prints in
//! `Debug`. The client crate has tolerant and redacting types for these, and this pass tells
//! typify to use them (with its `x-rust-type` extension) by rules read off the spec, so the
//! spec stays the single source of truth:
//!
//! - a use of a named enum schema inside a **response** becomes `Open<Enum>` (the strict enum
//!   is still generated and requests keep using it);
//! - a `format: date-time` string inside a **response**, or one marked
//!   `x-date-time-format: <the vendor's pattern>`, becomes `LenientDateTime`;
//! - an `integer` marked `x-integer-may-be-string: true` inside a **response** becomes
//!   `LenientInteger` (any number or a string of one: OAuth servers disagree on `expires_in`);
//! - a string marked `x-sensitive: true`, anywhere, becomes `Secret`.
//!
//! The pass works on a copy of the document handed to progenitor; the curated spec never
//! carries `x-rust-type`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::Result;

/// The client crate's hand-written types the rules map to, as paths from the crate root.
pub const OPEN_ENUM: &str = "Open";
pub const LENIENT_DATE_TIME: &str = "LenientDateTime";
pub const SECRET: &str = "Secret";
pub const LENIENT_INTEGER: &str = "LenientInteger";

const SCHEMA_PREFIX: &str = "#/components/schemas/";

pub use xtask::schema_refs::DATE_TIME_FORMAT_EXTENSION;

/// Marks an integer that a server may send as a string of digits.
pub const INTEGER_MAY_BE_STRING_EXTENSION: &str = "x-integer-may-be-string";

/// Rewrites `document` in place for the crate `crate_name` (as in its Cargo.toml).
pub fn apply(document: &mut Value, crate_name: &str) -> Result<()> {
    let request_side = reachable(document, &request_roots(document));
    let response_side = reachable(document, &response_roots(document));
    let enums: BTreeSet<String> = component_schemas(document)
        .filter(|(_, schema)| schema.get("enum").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    let rust_type = |name: &str, parameters: Vec<Value>| {
        json!({
            "crate": crate_name,
            "version": "*",
            "path": format!("{}::{name}", crate_name.replace('-', "_")),
            "parameters": parameters,
        })
    };

    let mut problems = Vec::new();
    let names: Vec<String> = component_schemas(document)
        .map(|(name, _)| name.clone())
        .collect();
    for name in names {
        let Some(schema) = document
            .pointer_mut(&format!("/components/schemas/{name}"))
            .filter(|s| s.is_object())
        else {
            continue;
        };
        let in_responses = response_side.contains(&name) && !enums.contains(&name);
        let mut tolerant_here = Vec::new();
        rewrite(
            schema,
            in_responses,
            &enums,
            &rust_type,
            &mut tolerant_here,
            &format!("{SCHEMA_PREFIX}{name}"),
        );
        if in_responses && request_side.contains(&name) && !tolerant_here.is_empty() {
            problems.push(format!(
                "schema `{name}` is used by both a request and a response, and its {} would be \
                 read leniently in responses but must stay strict in requests: give the \
                 request and the response their own schemas",
                tolerant_here.join(", ")
            ));
        }
        for at in tolerant_here
            .iter()
            .filter(|at| at.starts_with("inline enum"))
        {
            problems.push(format!(
                "schema `{name}`: {at} is inside a response; make it a named schema under \
                 components/schemas so the response can hold it as `{OPEN_ENUM}<…>`"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Applies the rules below `node`. `tolerant` collects what was made lenient, for messages.
fn rewrite(
    node: &mut Value,
    in_responses: bool,
    enums: &BTreeSet<String>,
    rust_type: &dyn Fn(&str, Vec<Value>) -> Value,
    tolerant: &mut Vec<String>,
    at: &str,
) {
    let Some(object) = node.as_object_mut() else {
        if let Some(items) = node.as_array_mut() {
            for (i, item) in items.iter_mut().enumerate() {
                rewrite(
                    item,
                    in_responses,
                    enums,
                    rust_type,
                    tolerant,
                    &format!("{at}/{i}"),
                );
            }
        }
        return;
    };
    if object.get("x-sensitive") == Some(&Value::Bool(true)) {
        object.insert("x-rust-type".into(), rust_type(SECRET, vec![]));
        return;
    }
    if in_responses {
        if let Some(enum_ref) = enum_reference(object, enums) {
            tolerant.push(format!("enum at {at}"));
            let kept = keep_annotations(object);
            *object = kept;
            object.insert(
                "x-rust-type".into(),
                rust_type(OPEN_ENUM, vec![json!({ "$ref": enum_ref })]),
            );
            return;
        }
        if object.get("enum").is_some() {
            tolerant.push(format!("inline enum at {at}"));
        }
        if object.get("type") == Some(&json!("string"))
            && (object.get("format") == Some(&json!("date-time"))
                || object.contains_key(DATE_TIME_FORMAT_EXTENSION))
        {
            tolerant.push(format!("date-time at {at}"));
            object.insert("x-rust-type".into(), rust_type(LENIENT_DATE_TIME, vec![]));
            return;
        }
        if object.get("type") == Some(&json!("integer"))
            && object.get(INTEGER_MAY_BE_STRING_EXTENSION) == Some(&Value::Bool(true))
        {
            tolerant.push(format!("integer at {at}"));
            object.insert("x-rust-type".into(), rust_type(LENIENT_INTEGER, vec![]));
            return;
        }
    }
    for (key, child) in object.iter_mut() {
        if key != "example" && key != "examples" && key != "default" {
            rewrite(
                child,
                in_responses,
                enums,
                rust_type,
                tolerant,
                &format!("{at}/{key}"),
            );
        }
    }
}

/// The enum schema `object` stands for: `{$ref}` or a description wrapper `{allOf: [{$ref}]}`.
fn enum_reference(object: &Map<String, Value>, enums: &BTreeSet<String>) -> Option<String> {
    let reference = match object.get("allOf").and_then(Value::as_array) {
        Some(all_of) if all_of.len() == 1 => all_of[0].get("$ref"),
        Some(_) => None,
        None => object.get("$ref"),
    }?
    .as_str()?;
    let name = reference.strip_prefix(SCHEMA_PREFIX)?;
    enums.contains(name).then(|| reference.to_string())
}

/// What of a property's schema survives when it becomes a Rust type: the words for people
/// and whether `null` is allowed.
fn keep_annotations(object: &Map<String, Value>) -> Map<String, Value> {
    ["description", "nullable"]
        .into_iter()
        .filter_map(|key| Some((key.to_string(), object.get(key)?.clone())))
        .collect()
}

fn component_schemas(document: &Value) -> impl Iterator<Item = (&String, &Value)> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn operations(document: &Value) -> impl Iterator<Item = &Value> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
}

/// Where request data starts: parameters and request bodies (path-level parameters too).
fn request_roots(document: &Value) -> Vec<&Value> {
    let path_parameters = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| item.get("parameters"));
    operations(document)
        .flat_map(|op| [op.get("parameters"), op.get("requestBody")])
        .flatten()
        .chain(path_parameters)
        .collect()
}

/// Where response data starts: every response of every operation.
fn response_roots(document: &Value) -> Vec<&Value> {
    operations(document)
        .filter_map(|op| op.get("responses"))
        .collect()
}

/// The component schemas reachable from `roots`, following `$ref`s through components
/// (responses, parameters, request bodies and schemas) transitively.
fn reachable(document: &Value, roots: &[&Value]) -> BTreeSet<String> {
    let mut schemas = BTreeSet::new();
    let mut seen_refs = BTreeSet::new();
    let mut stack: Vec<&Value> = roots.to_vec();
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(object) => {
                if let Some(reference) = object.get("$ref").and_then(Value::as_str)
                    && seen_refs.insert(reference.to_string())
                {
                    if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) {
                        schemas.insert(name.to_string());
                    }
                    if let Some(target) = reference
                        .strip_prefix('#')
                        .and_then(|pointer| document.pointer(pointer))
                    {
                        stack.push(target);
                    }
                }
                stack.extend(object.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    schemas
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(request_schema: &str, response_schema: &str, schemas: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": { "/x": { "post": {
                "operationId": "x",
                "requestBody": { "content": { "application/json": { "schema": {
                    "$ref": format!("{SCHEMA_PREFIX}{request_schema}") } } } },
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": format!("{SCHEMA_PREFIX}{response_schema}") } } } } }
            } } },
            "components": { "schemas": schemas }
        })
    }

    fn rust_type_at<'a>(document: &'a Value, pointer: &str) -> Option<&'a str> {
        document
            .pointer(&format!("{pointer}/x-rust-type/path"))
            .and_then(Value::as_str)
    }

    fn shared_schemas() -> Value {
        json!({
            "Kind": { "type": "string", "enum": ["A", "B"] },
            "Req": { "type": "object", "properties": {
                "kind": { "$ref": "#/components/schemas/Kind" },
                "from": { "type": "string", "format": "date-time" },
                "password": { "type": "string", "x-sensitive": true }
            } },
            "Resp": { "type": "object", "properties": {
                "kind": { "description": "d", "nullable": true,
                          "allOf": [{ "$ref": "#/components/schemas/Kind" }] },
                "kinds": { "type": "array", "items": { "$ref": "#/components/schemas/Kind" } },
                "at": { "type": "string", "format": "date-time", "nullable": true },
                "stamp": { "type": "string", "x-date-time-format": "yyyy-MM-dd HH:mm:ss" },
                "token": { "type": "string", "x-sensitive": true },
                "ttl": { "type": "integer", "x-integer-may-be-string": true },
                "count": { "type": "integer" }
            } }
        })
    }

    #[test]
    fn responses_get_tolerant_types_and_requests_stay_strict() {
        let mut document = spec("Req", "Resp", shared_schemas());
        apply(&mut document, "my-client").unwrap();
        let resp = "/components/schemas/Resp/properties";
        assert_eq!(
            rust_type_at(&document, &format!("{resp}/kind")),
            Some("my_client::Open")
        );
        assert_eq!(
            document.pointer(&format!("{resp}/kind")).unwrap(),
            &json!({ "description": "d", "nullable": true, "x-rust-type": {
                "crate": "my-client", "version": "*", "path": "my_client::Open",
                "parameters": [{ "$ref": "#/components/schemas/Kind" }] } })
        );
        assert_eq!(
            rust_type_at(&document, &format!("{resp}/kinds/items")),
            Some("my_client::Open")
        );
        assert_eq!(
            rust_type_at(&document, &format!("{resp}/at")),
            Some("my_client::LenientDateTime")
        );
        assert_eq!(
            rust_type_at(&document, &format!("{resp}/token")),
            Some("my_client::Secret")
        );
        assert_eq!(
            rust_type_at(&document, &format!("{resp}/ttl")),
            Some("my_client::LenientInteger")
        );
        assert_eq!(rust_type_at(&document, &format!("{resp}/count")), None);

        let req = "/components/schemas/Req/properties";
        assert_eq!(rust_type_at(&document, &format!("{req}/kind")), None);
        assert_eq!(rust_type_at(&document, &format!("{req}/from")), None);
        assert_eq!(
            rust_type_at(&document, &format!("{req}/password")),
            Some("my_client::Secret")
        );
        // The enum itself stays as it is: requests use it, and Open<Kind> wraps it.
        assert_eq!(
            document.pointer("/components/schemas/Kind").unwrap(),
            &json!({ "type": "string", "enum": ["A", "B"] })
        );
    }

    #[test]
    fn a_schema_shared_by_request_and_response_with_lenient_parts_is_rejected() {
        let mut document = spec("Resp", "Resp", shared_schemas());
        let err = apply(&mut document, "c").unwrap_err().to_string();
        assert!(
            err.contains("schema `Resp` is used by both a request and a response"),
            "{err}"
        );
        assert!(
            err.contains("date-time at #/components/schemas/Resp/properties/at"),
            "{err}"
        );
    }

    #[test]
    fn an_inline_enum_in_a_response_is_rejected_with_the_fix() {
        let schemas = json!({
            "Req": { "type": "object" },
            "Resp": { "type": "object", "properties": {
                "state": { "type": "string", "enum": ["ON", "OFF"] } } }
        });
        let mut document = spec("Req", "Resp", schemas);
        let err = apply(&mut document, "c").unwrap_err().to_string();
        assert!(
            err.contains("inline enum at #/components/schemas/Resp/properties/state")
                && err.contains("make it a named schema"),
            "{err}"
        );
    }

    #[test]
    fn schemas_reached_through_component_responses_count_as_responses() {
        let mut document = spec("Req", "Resp", shared_schemas());
        document["paths"]["/x"]["post"]["responses"]["400"] =
            json!({ "$ref": "#/components/responses/Bad" });
        document["components"]["responses"] = json!({ "Bad": { "description": "bad",
            "content": { "application/json": { "schema": {
                "$ref": "#/components/schemas/Err" } } } } });
        document["components"]["schemas"]["Err"] = json!({ "type": "object", "properties": {
            "at": { "type": "string", "format": "date-time" } } });
        apply(&mut document, "c").unwrap();
        assert_eq!(
            rust_type_at(&document, "/components/schemas/Err/properties/at"),
            Some("c::LenientDateTime")
        );
    }
}
