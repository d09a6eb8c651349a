//! The generated types held to the spec: for every component schema, the JSON Schema that
//! schemars derives from the Rust type has the spec's property names, required set, property
//! types and formats, and enum values. A hand edit, a typify change or a spec construct that
//! typify maps differently fails here with the component and property named.
//!
//! The substitution rules of `xtask/src/type_substitutions.rs` are restated here on their own,
//! so a rule that stops applying (or starts applying to a request) fails too: in a schema a
//! response reaches, a named enum is `Open<Enum>` and a `date-time` (or a string with
//! `x-date-time-format`) is `LenientDateTime`, and an integer with `x-integer-may-be-string`
//! is `LenientInteger`; anywhere, `x-sensitive: true` is `Secret`.

use std::collections::BTreeSet;

use serde_json::Value;
use workspace_tests::{generated_type_schemas, spec};

#[test]
fn every_component_schema_has_a_generated_type() {
    let spec = spec();
    let in_spec: BTreeSet<&str> = spec["components"]["schemas"]
        .as_object()
        .expect("the spec has component schemas")
        .keys()
        .map(String::as_str)
        .collect();
    let listed: BTreeSet<&str> = generated_type_schemas().keys().copied().collect();
    assert_eq!(
        in_spec, listed,
        "the component schemas in the spec and the types listed in \
         for_each_generated_type! in tests/src/lib.rs differ; list every generated type there"
    );
}

#[test]
fn generated_types_have_the_spec_properties_required_sets_types_and_enum_values() {
    let spec = spec();
    let response_side = schemas_reached_from_responses(&spec);
    let mut mismatches = Vec::new();
    for (name, root) in generated_type_schemas() {
        let in_spec = &spec["components"]["schemas"][name];
        let in_response = response_side.contains(name);
        let generated = serde_json::to_value(&root.schema).unwrap();

        let mut compare = |what: &str, spec_side: String, rust_side: String| {
            if spec_side != rust_side {
                mismatches.push(format!(
                    "{name}: {what}: spec {spec_side}, Rust {rust_side}"
                ));
            }
        };
        compare(
            "type",
            describe(&inline_free_form(&spec, in_spec)),
            describe(&generated),
        );
        compare(
            "properties",
            format!("{:?}", keys(in_spec, "properties")),
            format!("{:?}", keys(&generated, "properties")),
        );
        compare(
            "required",
            format!("{:?}", strings(in_spec, "required")),
            format!("{:?}", strings(&generated, "required")),
        );
        compare(
            "enum",
            format!("{:?}", strings(in_spec, "enum")),
            format!("{:?}", strings(&generated, "enum")),
        );
        for property in keys(in_spec, "properties") {
            let spec_property = &in_spec["properties"][&property];
            compare(
                &format!("property {property}"),
                expected_rust_shape(&spec, spec_property, in_response),
                describe(&generated["properties"][&property]),
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "generated types differ from the spec:\n{}",
        mismatches.join("\n")
    );
}

/// What the Rust side of a property must look like, by the substitution rules.
fn expected_rust_shape(spec: &Value, property: &Value, in_response: bool) -> String {
    if property["x-sensitive"] == true {
        return "ref Secret".into();
    }
    let shape = describe(&inline_free_form(spec, property));
    if !in_response {
        return shape;
    }
    if shape == "string/date-time" || property.get("x-date-time-format").is_some() {
        return "ref LenientDateTime".into();
    }
    if property["x-integer-may-be-string"] == true {
        return "ref LenientInteger".into();
    }
    match shape.strip_prefix("ref ") {
        Some(target) if spec["components"]["schemas"][target].get("enum").is_some() => {
            format!("ref Open_{target}")
        }
        _ => shape,
    }
}

/// The component schemas any response reaches, through `$ref`s of every kind.
fn schemas_reached_from_responses(spec: &Value) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut stack: Vec<&Value> = spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
        .map(|operation| &operation["responses"])
        .collect();
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let pointer = reference.trim_start_matches('#');
                    if let Some(name) = pointer.strip_prefix("/components/schemas/")
                        && !reached.insert(name.to_string())
                    {
                        continue;
                    }
                    stack.extend(spec.pointer(pointer));
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    reached
}

/// `schema` with every `$ref` to a free-form object component (no properties, no enum, such as
/// `ApiSubError`) replaced by `{"type": "object"}`: typify makes such a component a
/// `#[serde(transparent)]` newtype over a JSON map, and schemars inlines it rather than
/// referring to it.
fn inline_free_form(spec: &Value, schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let target = spec
                    .pointer(reference.trim_start_matches('#'))
                    .unwrap_or(&Value::Null);
                if target["type"] == "object" && target.get("properties").is_none() {
                    return serde_json::json!({ "type": "object" });
                }
                // A component with no type at all (`ApiSubError`) is any JSON value, which
                // schemars writes as `true`.
                if target.get("type").is_none()
                    && target.get("properties").is_none()
                    && target.get("oneOf").is_none()
                    && target.get("enum").is_none()
                {
                    return Value::Bool(true);
                }
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_free_form(spec, v)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// The names under `schema[field]` (an object).
fn keys(schema: &Value, field: &str) -> BTreeSet<String> {
    schema[field]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The strings in `schema[field]` (an array).
fn strings(schema: &Value, field: &str) -> BTreeSet<String> {
    schema[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A schema's shape in a form both sides share: `ref X`, `array<...>`, or the JSON type with
/// its format. Nullability is left out (schemars marks every `Option` nullable, the spec only
/// the response fields), and so are the float formats schemars adds where the spec has none.
fn describe(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("ref {}", reference.rsplit('/').next().unwrap_or(reference));
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
            let not_null: Vec<&Value> = options.iter().filter(|s| s["type"] != "null").collect();
            if let [only] = not_null.as_slice() {
                return describe(only);
            }
        }
    }
    let json_type = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join("|"),
        Value::Null if schema == &Value::Bool(true) => "any".into(),
        other => format!("untyped {other}"),
    };
    match (
        json_type.as_str(),
        schema.get("format").and_then(Value::as_str),
    ) {
        ("array", _) => format!("array<{}>", describe(&schema["items"])),
        (_, Some("double" | "float")) | (_, None) => json_type,
        (_, Some(format)) => format!("{json_type}/{format}"),
    }
}
