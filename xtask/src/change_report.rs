//! What a spec edit does to the crates that depend on the client: the change report that
//! `cargo xtask codegen` prints.
//!
//! The snapshot tests say that a generated type changed; a maintainer also needs to know
//! whether the change is a patch, a minor or a major release for downstream Rust code, and
//! whether it changes what goes over the wire. Both specs (the committed one and the edited
//! one) are read into the same small model of operations, parameters, schemas, properties
//! and enum values, with what the generator makes of them (which schemas a request or a
//! response reaches, which properties become `Option`s); the report is the difference of the
//! two models, each line marked for the Rust API and for the wire.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use serde_json::Value;

/// What a change does to one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Compatible,
    Breaking,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::Compatible => "compatible",
            Impact::Breaking => "BREAKING",
        })
    }
}

/// The release a set of changes calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Release {
    None,
    Patch,
    Minor,
    Major,
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Release::None => "no release",
            Release::Patch => "a patch release",
            Release::Minor => "a minor release",
            Release::Major => "a major release",
        })
    }
}

/// How the generated types take additions: with `#[non_exhaustive]` and builders an added
/// field or variant breaks no downstream code; with public fields and exhaustive enums, it
/// breaks every struct literal and every `match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evolution {
    Additive,
    // What typify writes unless told otherwise; the tests classify both ways.
    #[cfg_attr(not(test), allow(dead_code))]
    Exhaustive,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub what: String,
    pub rust: Impact,
    pub wire: Impact,
}

/// The changes from `old` to `new`, and the release they call for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
    /// Descriptions, summaries and examples that changed (a patch release at most).
    pub documentation: usize,
}

impl Report {
    pub fn release(&self) -> Release {
        let rust = self.changes.iter().map(|c| c.rust).max();
        match rust {
            Some(Impact::Breaking) => Release::Major,
            Some(Impact::Compatible) => Release::Minor,
            None if self.documentation > 0 => Release::Patch,
            None => Release::None,
        }
    }

    /// The report as printed: a headline, then one line per change.
    pub fn render(&self, since: &str) -> String {
        let mut out = format!("API change since {since}: {}", self.release());
        if self.changes.is_empty() && self.documentation == 0 {
            out.push_str(" (the spec's model is the same)");
        }
        out.push('\n');
        for change in &self.changes {
            let _ = writeln!(
                out,
                "  {} (Rust API: {}; wire: {})",
                change.what, change.rust, change.wire
            );
        }
        if self.documentation > 0 {
            let _ = writeln!(
                out,
                "  documentation changed in {} place(s) (Rust API: compatible; wire: compatible)",
                self.documentation
            );
        }
        out
    }
}

/// A property or a parameter, as the generator sees it.
#[derive(Clone, Debug, PartialEq)]
struct Field {
    /// Its type: `string`, `integer (int32)`, `string (date-time)`, `CustomerLevel`, `array of
    /// string`, …
    kind: String,
    nullable: bool,
    required: bool,
    /// `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`, as given.
    bounds: BTreeMap<&'static str, f64>,
}

#[derive(Clone, Debug, PartialEq)]
enum Schema {
    Object {
        properties: BTreeMap<String, Field>,
        /// Whether it keeps fields the spec does not name (`additionalProperties`), which the
        /// generated struct holds in a map of its own.
        open: bool,
    },
    Enum {
        values: BTreeSet<String>,
    },
    Other {
        kind: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct Operation {
    route: String,
    parameters: BTreeMap<String, Field>,
    body: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    operations: BTreeMap<String, Operation>,
    schemas: BTreeMap<String, Schema>,
    /// The schemas a request reaches, and those a response reaches.
    in_requests: BTreeSet<String>,
    in_responses: BTreeSet<String>,
    /// Every description, summary and example, by its JSON pointer.
    documentation: BTreeMap<String, String>,
    /// The JSON pointer of every object in the document.
    objects: BTreeSet<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const BOUNDS: [&str; 6] = [
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
];
const DOCUMENTATION: [&str; 4] = ["description", "summary", "example", "examples"];

/// The changes from the spec `old` to the spec `new`.
pub fn compare(old: &Value, new: &Value, evolution: Evolution) -> Report {
    let (old, new) = (model(old), model(new));
    let mut changes = Vec::new();
    let added = |evolution| match evolution {
        Evolution::Additive => Impact::Compatible,
        Evolution::Exhaustive => Impact::Breaking,
    };
    for (id, operation) in &new.operations {
        match old.operations.get(id) {
            None => changes.push(Change {
                what: format!("+ operation `{id}` ({})", operation.route),
                rust: Impact::Compatible,
                wire: Impact::Compatible,
            }),
            Some(before) => operation_changes(id, before, operation, &mut changes),
        }
    }
    for (id, operation) in &old.operations {
        if !new.operations.contains_key(id) {
            changes.push(Change {
                what: format!("- operation `{id}` ({})", operation.route),
                rust: Impact::Breaking,
                wire: Impact::Breaking,
            });
        }
    }
    for (name, schema) in &new.schemas {
        let Some(before) = old.schemas.get(name) else {
            changes.push(Change {
                what: format!("+ schema `{name}`"),
                rust: Impact::Compatible,
                wire: Impact::Compatible,
            });
            continue;
        };
        let in_request = new.in_requests.contains(name) || old.in_requests.contains(name);
        let in_response = new.in_responses.contains(name) || old.in_responses.contains(name);
        match (before, schema) {
            (
                Schema::Object {
                    properties: was,
                    open: was_open,
                },
                Schema::Object {
                    properties: now,
                    open: now_open,
                },
            ) => {
                if was_open != now_open {
                    changes.push(Change {
                        what: format!(
                            "~ schema `{name}`: {}",
                            if *now_open {
                                "now keeps the fields the spec does not name (`extra`)"
                            } else {
                                "no longer keeps the fields the spec does not name"
                            }
                        ),
                        rust: if *now_open {
                            added(evolution)
                        } else {
                            Impact::Breaking
                        },
                        wire: Impact::Compatible,
                    });
                }
                for (property, field) in now {
                    let at = format!("{name}.{property}");
                    match was.get(property) {
                        None => changes.push(Change {
                            what: format!("+ property `{at}`: {}", describe(field)),
                            // A required, non-nullable field is no `Option`: every builder
                            // and literal must now give it.
                            rust: if field.required && !field.nullable {
                                Impact::Breaking
                            } else {
                                added(evolution)
                            },
                            // A required request field that old clients do not send, or a
                            // required response field a server may still leave out.
                            wire: if field.required && (in_request || in_response) {
                                Impact::Breaking
                            } else {
                                Impact::Compatible
                            },
                        }),
                        Some(before) => field_changes(
                            &format!("property `{at}`"),
                            before,
                            field,
                            in_request,
                            &mut changes,
                        ),
                    }
                }
                for property in was.keys().filter(|p| !now.contains_key(*p)) {
                    changes.push(Change {
                        what: format!("- property `{name}.{property}`"),
                        rust: Impact::Breaking,
                        wire: Impact::Breaking,
                    });
                }
            }
            (Schema::Enum { values: was }, Schema::Enum { values: now }) => {
                for value in now.difference(was) {
                    changes.push(Change {
                        what: format!("+ enum value `{name}::{value}`"),
                        rust: added(evolution),
                        // A response's enums are open: an unknown value still decodes.
                        wire: Impact::Compatible,
                    });
                }
                for value in was.difference(now) {
                    changes.push(Change {
                        what: format!("- enum value `{name}::{value}`"),
                        rust: Impact::Breaking,
                        wire: if in_request {
                            Impact::Breaking
                        } else {
                            Impact::Compatible
                        },
                    });
                }
            }
            (before, now) if before != now => changes.push(Change {
                what: format!(
                    "~ schema `{name}`: {} → {}",
                    schema_kind(before),
                    schema_kind(now)
                ),
                rust: Impact::Breaking,
                wire: Impact::Breaking,
            }),
            _ => {}
        }
    }
    for name in old.schemas.keys().filter(|n| !new.schemas.contains_key(*n)) {
        changes.push(Change {
            what: format!("- schema `{name}`"),
            rust: Impact::Breaking,
            wire: Impact::Compatible,
        });
    }
    changes.sort_by_key(change_key);
    // Changed, added or removed on an element both specs have; what comes with a new element
    // is part of that element's line.
    let documentation = old
        .documentation
        .keys()
        .chain(new.documentation.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|at| old.documentation.get(*at) != new.documentation.get(*at))
        .filter(|at| {
            let parent = at.rsplit_once('/').map_or("", |(parent, _)| parent);
            old.objects.contains(parent) && new.objects.contains(parent)
        })
        .count();
    Report {
        changes,
        documentation,
    }
}

/// Orders a report by what changed, then by the sign.
fn change_key(change: &Change) -> (String, String) {
    let (sign, rest) = change.what.split_at(1);
    (rest.to_string(), sign.to_string())
}

fn operation_changes(id: &str, before: &Operation, now: &Operation, changes: &mut Vec<Change>) {
    if before.route != now.route {
        changes.push(Change {
            what: format!("~ operation `{id}`: {} → {}", before.route, now.route),
            rust: Impact::Compatible,
            wire: Impact::Breaking,
        });
    }
    if before.body != now.body {
        changes.push(Change {
            what: format!(
                "~ operation `{id}` body: {} → {}",
                before.body.as_deref().unwrap_or("none"),
                now.body.as_deref().unwrap_or("none")
            ),
            rust: Impact::Breaking,
            wire: Impact::Breaking,
        });
    }
    for (name, field) in &now.parameters {
        match before.parameters.get(name) {
            // A builder method more; a required one must be called, or the request fails.
            None => changes.push(Change {
                what: format!("+ parameter `{id}.{name}`: {}", describe(field)),
                rust: if field.required {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                },
                wire: if field.required {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                },
            }),
            Some(was) => field_changes(
                &format!("parameter `{id}.{name}`"),
                was,
                field,
                true,
                changes,
            ),
        }
    }
    for name in before
        .parameters
        .keys()
        .filter(|n| !now.parameters.contains_key(*n))
    {
        changes.push(Change {
            what: format!("- parameter `{id}.{name}`"),
            rust: Impact::Breaking,
            wire: Impact::Breaking,
        });
    }
}

/// What changed in one property or parameter. `in_request`: whether a request sends it,
/// so that a tighter bound or a new requirement breaks what clients send.
fn field_changes(
    at: &str,
    before: &Field,
    now: &Field,
    in_request: bool,
    changes: &mut Vec<Change>,
) {
    if before.kind != now.kind {
        changes.push(Change {
            what: format!("~ {at}: type {} → {}", before.kind, now.kind),
            rust: Impact::Breaking,
            wire: Impact::Breaking,
        });
    }
    // The generated field is an `Option` unless required and not nullable.
    let optional = |f: &Field| !f.required || f.nullable;
    if before.required != now.required {
        changes.push(Change {
            what: format!(
                "~ {at}: {}",
                if now.required {
                    "now required"
                } else {
                    "now optional"
                }
            ),
            rust: if optional(before) == optional(now) {
                Impact::Compatible
            } else {
                Impact::Breaking
            },
            wire: if now.required == in_request {
                Impact::Breaking
            } else {
                Impact::Compatible
            },
        });
    }
    if before.nullable != now.nullable {
        changes.push(Change {
            what: format!(
                "~ {at}: {}",
                if now.nullable {
                    "now nullable"
                } else {
                    "no longer nullable"
                }
            ),
            rust: if optional(before) == optional(now) {
                Impact::Compatible
            } else {
                Impact::Breaking
            },
            // The client takes `null` in every response field.
            wire: Impact::Compatible,
        });
    }
    for bound in BOUNDS {
        let (was, is) = (before.bounds.get(bound), now.bounds.get(bound));
        if was == is {
            continue;
        }
        let tighter = match (bound.starts_with("min"), was, is) {
            (_, _, None) => false,
            (_, None, Some(_)) => true,
            (true, Some(was), Some(is)) => is > was,
            (false, Some(was), Some(is)) => is < was,
        };
        let show = |value: Option<&f64>| value.map_or("none".to_string(), |v| v.to_string());
        changes.push(Change {
            what: format!("~ {at}: {bound} {} → {}", show(was), show(is)),
            // A bound is a constant's value and a check, not a type.
            rust: Impact::Compatible,
            wire: if tighter && in_request {
                Impact::Breaking
            } else {
                Impact::Compatible
            },
        });
    }
}

fn describe(field: &Field) -> String {
    let mut text = field.kind.clone();
    if field.required {
        text.push_str(", required");
    } else {
        text.push_str(", optional");
    }
    if field.nullable {
        text.push_str(", nullable");
    }
    text
}

fn schema_kind(schema: &Schema) -> String {
    match schema {
        Schema::Object { .. } => "object".into(),
        Schema::Enum { .. } => "enum".into(),
        Schema::Other { kind } => kind.clone(),
    }
}

fn model(document: &Value) -> Model {
    let mut model = Model::default();
    collect_documentation(document, "", &mut model);
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (name, schema) in schemas.into_iter().flatten() {
        model.schemas.insert(name.clone(), schema_model(schema));
    }
    let mut request_roots = Vec::new();
    let mut response_roots = Vec::new();
    let paths = document.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut parameters = BTreeMap::new();
            for parameter in operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let schema = parameter.get("schema").unwrap_or(&Value::Null);
                let required = parameter.get("required") == Some(&Value::Bool(true));
                parameters.insert(name.to_string(), field(schema, required));
            }
            let body = operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .and_then(|content| content.values().next())
                .and_then(|media| media.get("schema"));
            request_roots.extend(body.cloned());
            for response in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(_, response)| resolve(document, response))
            {
                for media in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(_, media)| media)
                {
                    response_roots.extend(media.get("schema").cloned());
                }
            }
            model.operations.insert(
                id.to_string(),
                Operation {
                    route: format!("{} {path}", method.to_uppercase()),
                    parameters,
                    body: body.map(kind),
                },
            );
        }
    }
    model.in_requests = reached(document, &request_roots);
    model.in_responses = reached(document, &response_roots);
    model
}

fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| document.pointer(r.strip_prefix('#')?))
        .unwrap_or(value)
}

/// The component schemas `roots` name, directly or through other schemas.
fn reached(document: &Value, roots: &[Value]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<Value> = roots.to_vec();
    while let Some(value) = todo.pop() {
        match &value {
            Value::Object(object) => {
                if let Some(name) = object
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && seen.insert(name.to_string())
                    && let Some(target) = document.pointer(&format!("/components/schemas/{name}"))
                {
                    todo.push(target.clone());
                }
                todo.extend(object.values().cloned());
            }
            Value::Array(items) => todo.extend(items.iter().cloned()),
            _ => {}
        }
    }
    seen
}

fn schema_model(schema: &Value) -> Schema {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Schema::Enum {
            values: values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        };
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        return Schema::Object {
            open: schema
                .get("additionalProperties")
                .is_some_and(|extra| *extra != Value::Bool(false)),
            properties: properties
                .iter()
                .map(|(name, property)| {
                    (
                        name.clone(),
                        field(property, required.contains(name.as_str())),
                    )
                })
                .collect(),
        };
    }
    Schema::Other { kind: kind(schema) }
}

fn field(schema: &Value, required: bool) -> Field {
    let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
    Field {
        kind: kind(schema),
        nullable: nullable(schema),
        required,
        bounds: BOUNDS
            .iter()
            .filter_map(|&bound| Some((bound, schema.get(bound)?.as_f64()?)))
            .collect(),
    }
}

/// A schema's type in a few words: what a property's type change compares.
fn kind(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return kind(only);
    }
    for union in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema.get(union).and_then(Value::as_array) {
            let kinds: Vec<String> = variants.iter().map(kind).collect();
            return format!("{union} of {}", kinds.join(", "));
        }
    }
    let base = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("any")
        .to_string();
    if base == "array" {
        return format!(
            "array of {}",
            kind(schema.get("items").unwrap_or(&Value::Null))
        );
    }
    let format = schema
        .get("format")
        .or_else(|| schema.get(crate::type_substitutions::DATE_TIME_FORMAT_EXTENSION))
        .and_then(Value::as_str);
    match format {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

/// Every description, summary and example of `value`, and every object, by JSON pointer.
fn collect_documentation(value: &Value, at: &str, model: &mut Model) {
    match value {
        Value::Object(object) => {
            model.objects.insert(at.to_string());
            for (key, value) in object {
                let here = format!("{at}/{key}");
                if DOCUMENTATION.contains(&key.as_str()) {
                    model.documentation.insert(here, value.to_string());
                } else {
                    collect_documentation(value, &here, model);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_documentation(item, &format!("{at}/{i}"), model);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small spec: one search operation over `Thing`s.
    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": { "/things/search": { "post": {
                "operationId": "searchThings",
                "parameters": [
                    { "name": "limit", "in": "query",
                      "schema": { "type": "integer", "format": "int32", "minimum": 1, "maximum": 500 } }
                ],
                "requestBody": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ThingFilter" } } } },
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ThingPage" } } } } }
            } } },
            "components": { "schemas": {
                "ThingFilter": { "type": "object", "properties": {
                    "name": { "type": "string", "description": "A name." } } },
                "ThingPage": { "type": "object", "properties": {
                    "data": { "type": "array", "items": { "$ref": "#/components/schemas/Thing" } } } },
                "Thing": { "type": "object", "properties": {
                    "id": { "type": "string", "nullable": true },
                    "level": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Level" }] },
                    "createdOn": { "type": "string", "format": "date-time", "nullable": true }
                } },
                "Level": { "type": "string", "enum": ["A", "B"] }
            } }
        })
    }

    fn edited(edit: impl FnOnce(&mut Value)) -> Value {
        let mut spec = spec();
        edit(&mut spec);
        spec
    }

    fn report(new: &Value, evolution: Evolution) -> Report {
        compare(&spec(), new, evolution)
    }

    #[test]
    fn no_change_and_a_description_change() {
        assert_eq!(
            report(&spec(), Evolution::Additive).release(),
            Release::None
        );
        let new = edited(|s| {
            s["components"]["schemas"]["ThingFilter"]["properties"]["name"]["description"] =
                json!("The name.");
        });
        let report = report(&new, Evolution::Additive);
        assert_eq!(report.release(), Release::Patch);
        assert!(report.changes.is_empty());
        insta::assert_snapshot!(report.render("HEAD"), @r"
        API change since HEAD: a patch release
          documentation changed in 1 place(s) (Rust API: compatible; wire: compatible)
        ");
    }

    #[test]
    fn an_optional_response_property_is_minor_when_the_types_are_additive() {
        let new = edited(|s| {
            s["components"]["schemas"]["Thing"]["properties"]["tier"] =
                json!({ "type": "string", "nullable": true });
        });
        let additive = report(&new, Evolution::Additive);
        assert_eq!(additive.release(), Release::Minor);
        insta::assert_snapshot!(additive.render("HEAD"), @r"
        API change since HEAD: a minor release
          + property `Thing.tier`: string, optional, nullable (Rust API: compatible; wire: compatible)
        ");
        // With public fields and no `#[non_exhaustive]`, every struct literal breaks.
        assert_eq!(
            report(&new, Evolution::Exhaustive).release(),
            Release::Major
        );
    }

    #[test]
    fn removals_and_type_changes_are_major() {
        let new = edited(|s| {
            let thing = &mut s["components"]["schemas"]["Thing"]["properties"];
            thing.as_object_mut().unwrap().remove("id");
            thing["createdOn"] = json!({ "type": "integer", "format": "int64", "nullable": true });
            s["components"]["schemas"]["Level"]["enum"] = json!(["A"]);
        });
        let report = report(&new, Evolution::Additive);
        assert_eq!(report.release(), Release::Major);
        insta::assert_snapshot!(report.render("v0.1.0"), @r"
        API change since v0.1.0: a major release
          - enum value `Level::B` (Rust API: BREAKING; wire: compatible)
          ~ property `Thing.createdOn`: type string (date-time) → integer (int64) (Rust API: BREAKING; wire: BREAKING)
          - property `Thing.id` (Rust API: BREAKING; wire: BREAKING)
        ");
    }

    #[test]
    fn enum_values_schemas_operations_and_parameters() {
        let new = edited(|s| {
            s["components"]["schemas"]["Level"]["enum"] = json!(["A", "B", "C"]);
            s["components"]["schemas"]["Gadget"] = json!({ "type": "object",
                "properties": { "x": { "type": "string" } } });
            let operation = &mut s["paths"]["/things/search"]["post"];
            operation["parameters"][0]["schema"]["maximum"] = json!(100);
            operation["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "name": "q", "in": "query", "schema": { "type": "string" } }));
            s["paths"]["/gadgets"] = json!({ "get": { "operationId": "listGadgets",
                "responses": { "200": { "description": "ok" } } } });
        });
        let report = report(&new, Evolution::Additive);
        insta::assert_snapshot!(report.render("HEAD"), @r"
        API change since HEAD: a minor release
          + enum value `Level::C` (Rust API: compatible; wire: compatible)
          + operation `listGadgets` (GET /gadgets) (Rust API: compatible; wire: compatible)
          ~ parameter `searchThings.limit`: maximum 500 → 100 (Rust API: compatible; wire: BREAKING)
          + parameter `searchThings.q`: string, optional (Rust API: compatible; wire: compatible)
          + schema `Gadget` (Rust API: compatible; wire: compatible)
        ");
    }

    #[test]
    fn requirement_and_nullability() {
        let new = edited(|s| {
            let filter = &mut s["components"]["schemas"]["ThingFilter"];
            filter["required"] = json!(["name"]);
            filter["properties"]["since"] = json!({ "type": "string", "format": "date-time" });
            filter["required"] = json!(["name", "since"]);
            s["components"]["schemas"]["Thing"]["properties"]["id"]["nullable"] = json!(false);
        });
        let report = report(&new, Evolution::Additive);
        assert_eq!(report.release(), Release::Major);
        insta::assert_snapshot!(report.render("HEAD"), @r"
        API change since HEAD: a major release
          ~ property `Thing.id`: no longer nullable (Rust API: compatible; wire: compatible)
          ~ property `ThingFilter.name`: now required (Rust API: BREAKING; wire: BREAKING)
          + property `ThingFilter.since`: string (date-time), required (Rust API: BREAKING; wire: BREAKING)
        ");
    }

    #[test]
    fn on_the_project_spec_an_added_optional_property_is_minor_and_a_removed_one_major() {
        let text = std::fs::read_to_string(
            crate::project_root()
                .unwrap()
                .join("openapi/customer-search.yaml"),
        )
        .unwrap();
        let spec: Value = serde_norway::from_str(&text).unwrap();
        let evolution = crate::codegen::TARGETS[0].evolution;
        let mut added = spec.clone();
        added["components"]["schemas"]["CustomerResponse"]["properties"]["loyaltyTier"] =
            json!({ "type": "string", "nullable": true });
        let report = compare(&spec, &added, evolution);
        assert_eq!(
            report.release(),
            Release::Minor,
            "{}",
            report.render("HEAD")
        );
        let mut removed = spec.clone();
        removed["components"]["schemas"]["CustomerResponse"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("warnings");
        let report = compare(&spec, &removed, evolution);
        assert_eq!(
            report.release(),
            Release::Major,
            "{}",
            report.render("HEAD")
        );
    }

    #[test]
    fn the_project_spec_compared_with_itself_is_no_change() {
        let text = std::fs::read_to_string(
            crate::project_root()
                .unwrap()
                .join("openapi/customer-search.yaml"),
        )
        .unwrap();
        let spec: Value = serde_norway::from_str(&text).unwrap();
        let model = model(&spec);
        assert!(model.in_responses.contains("CustomerResponse"));
        assert!(model.in_requests.contains("CustomerSearchRequest"));
        assert!(!model.in_requests.contains("CustomerResponse"));
        assert_eq!(
            compare(&spec, &spec, Evolution::Exhaustive),
            Report::default()
        );
    }
}
