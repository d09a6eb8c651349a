//! How each component schema's properties are written on the wire, as a table the client
//! checks responses against for its drift reports: which strings are enums (and their values),
//! which are date-times (and in what form), which may be `null`, which objects are open to
//! fields the spec does not know. Written into `generated_spec.rs` beside the other constants,
//! with the types that describe it, so the table is the spec's and nothing is restated.

use std::fmt::Write as _;

use serde_json::Value;

use crate::Result;
use xtask::schema_refs::{DATE_TIME_FORMAT_EXTENSION, nullable, reference, resolved};

/// The types of the table.
const TYPES: &str = r#"
/// How a property is written on the wire, as the spec says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// Nothing a drift report looks into: numbers, booleans, free strings, unions.
    Plain,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A date-time: RFC 3339 (`format: date-time`, `None`), or the vendor's pattern
    /// (`x-date-time-format`, which names the form sent even beside `format: date-time`).
    DateTime(Option<&'static str>),
    /// An object of the component schema of this name.
    Object(&'static str),
    /// An array.
    Array {
        /// How each item is written.
        items: &'static Wire,
        /// Whether an item may be `null`.
        nullable_items: bool,
    },
}

/// One property of a component schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    /// Its name on the wire.
    pub name: &'static str,
    /// How it is written.
    pub wire: Wire,
    /// Whether it may be `null`.
    pub nullable: bool,
}

/// A component schema with properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Its name in the spec.
    pub name: &'static str,
    /// Its properties, in alphabetical order.
    pub properties: &'static [Property],
    /// Whether the spec allows fields it does not name (`additionalProperties`).
    pub open: bool,
}
"#;

/// The table's types and `SHAPES`, one entry per component schema with properties.
pub fn generate(document: &Value) -> Result<String> {
    let mut out = String::from(TYPES);
    out.push_str("\n/// Every component schema with properties, in alphabetical order.\n");
    out.push_str("pub const SHAPES: &[Shape] = &[\n");
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (name, schema) in schemas {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let open = schema
            .get("additionalProperties")
            .is_some_and(|extra| *extra != Value::Bool(false));
        writeln!(
            out,
            "    Shape {{ name: {name:?}, open: {open}, properties: &["
        )?;
        for (property, schema) in properties {
            let nullable = nullable(document, schema);
            writeln!(
                out,
                "        Property {{ name: {property:?}, nullable: {nullable}, wire: {} }},",
                wire(document, schema, 0)?
            )?;
        }
        out.push_str("    ] },\n");
    }
    out.push_str("];\n");
    Ok(out)
}

/// `schema` as a `Wire` expression.
fn wire(document: &Value, schema: &Value, depth: usize) -> Result<String> {
    if depth > 8 {
        return Err("a property's schema nests arrays more than 8 deep".into());
    }
    let target = resolved(document, schema);
    if let Some(values) = target.get("enum").and_then(Value::as_array) {
        let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        return Ok(format!("Wire::Enum(&{values:?})"));
    }
    // The vendor's pattern is the form it sends, even beside `format: date-time`.
    if let Some(pattern) = target
        .get(DATE_TIME_FORMAT_EXTENSION)
        .and_then(Value::as_str)
    {
        return Ok(format!("Wire::DateTime(Some({pattern:?}))"));
    }
    if target.get("format") == Some(&Value::from("date-time")) {
        return Ok("Wire::DateTime(None)".into());
    }
    if let Some(items) = target.get("items") {
        return Ok(format!(
            "Wire::Array {{ items: &{}, nullable_items: {} }}",
            wire(document, items, depth + 1)?,
            nullable(document, items)
        ));
    }
    match reference(schema) {
        Some(reference) if target.get("properties").is_some() => {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            Ok(format!("Wire::Object({name:?})"))
        }
        _ => Ok("Wire::Plain".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enums_date_times_objects_arrays_and_nullability_are_described() {
        let document = json!({ "components": { "schemas": {
            "Level": { "type": "string", "enum": ["A", "B"] },
            "Thing": {
                "type": "object",
                "additionalProperties": { "description": "kept" },
                "properties": {
                    "at": { "type": "string", "format": "date-time", "nullable": true },
                    "level": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Level" }] },
                    "stamp": { "type": "string", "x-date-time-format": "yyyy-MM-dd HH:mm:ss" },
                    "local": { "type": "string", "format": "date-time",
                               "x-date-time-format": "yyyy-MM-dd'T'HH:mm:ss" },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "parts": { "type": "array", "nullable": true,
                               "items": { "$ref": "#/components/schemas/Part" } },
                    "n": { "type": "integer" }
                }
            },
            "Part": { "type": "object", "properties": { "id": { "type": "string" } } }
        } } });
        let text = generate(&document).unwrap();
        for expected in [
            r#"Shape { name: "Thing", open: true, properties: &["#,
            r#"Property { name: "at", nullable: true, wire: Wire::DateTime(None) },"#,
            r#"Property { name: "level", nullable: true, wire: Wire::Enum(&["A", "B"]) },"#,
            r#"Property { name: "stamp", nullable: false, wire: Wire::DateTime(Some("yyyy-MM-dd HH:mm:ss")) },"#,
            r#"Property { name: "local", nullable: false, wire: Wire::DateTime(Some("yyyy-MM-dd'T'HH:mm:ss")) },"#,
            r#"Property { name: "tags", nullable: false, wire: Wire::Array { items: &Wire::Plain, nullable_items: false } },"#,
            r#"Property { name: "parts", nullable: true, wire: Wire::Array { items: &Wire::Object("Part"), nullable_items: false } },"#,
            r#"Property { name: "n", nullable: false, wire: Wire::Plain },"#,
            r#"Shape { name: "Part", open: false, properties: &["#,
        ] {
            assert!(text.contains(expected), "{expected}\nin\n{text}");
        }
        assert!(!text.contains(r#"name: "Level""#), "{text}");
        syn::parse_file(&text).expect("the table is Rust");
    }
}
