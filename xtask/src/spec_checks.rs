//! Checks that turn the ways progenitor fails on a bad spec (a panic deep inside typify, an
//! error that names no place, or code that does not compile) into one clear message that names
//! the spot in the spec and what to do.
//!
//! They run in two phases: [`check_spec`] before generation, on the spec alone, and
//! [`check_runtime_crates`] after it, against the client crate's `Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;

use crate::Result;

/// Everything wrong with the spec that would make generation fail or produce broken code.
/// All problems are reported at once, so one run fixes them all.
pub fn check_spec(spec_path: &str, document: &Value) -> Result<()> {
    let mut problems = Vec::new();
    check_refs(document, &mut String::new(), document, &mut problems);
    check_operation_ids(document, &mut problems);
    check_schema_names(document, &mut problems);
    check_property_names(document, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{spec_path} cannot be generated:\n  - {}",
            problems.join("\n  - ")
        )
        .into())
    }
}

/// Every `$ref` must point at something in the same document: progenitor resolves only local
/// references and panics on a dangling one.
fn check_refs(root: &Value, at: &mut String, node: &Value, problems: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                match target.strip_prefix('#') {
                    Some(pointer) if root.pointer(pointer).is_some() => {}
                    Some(_) => problems.push(format!(
                        "unresolvable $ref {target:?} at {}: no such component in this spec",
                        display_pointer(at)
                    )),
                    None => problems.push(format!(
                        "$ref {target:?} at {} points outside this file; only local \
                         references (#/components/...) are supported",
                        display_pointer(at)
                    )),
                }
            }
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                check_refs(root, at, child, problems);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                check_refs(root, at, child, problems);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "#".to_string()
    } else {
        format!("#{pointer}")
    }
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation needs an `operationId`, and no two may become the same Rust method name
/// (`searchCustomer` and `search_customer` both become `search_customer`).
fn check_operation_ids(document: &Value, problems: &mut Vec<String>) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        for method in HTTP_METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let place = format!("{} {path}", method.to_uppercase());
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                problems.push(format!(
                    "{place} has no operationId; every operation needs a unique one, \
                     since it names the generated method"
                ));
                continue;
            };
            let method_name = id.to_snake_case();
            match seen.get(&method_name) {
                Some(other) => problems.push(format!(
                    "{place} has operationId {id:?}, which becomes the Rust method \
                     `{method_name}` like the operation at {other}; give one of them another \
                     operationId"
                )),
                None => {
                    seen.insert(method_name, format!("{place} ({id:?})"));
                }
            }
        }
    }
}

/// No two component schemas may become the same Rust type name (`customer_page` and
/// `CustomerPage` both become `CustomerPage`); typify would emit two items with one name.
fn check_schema_names(document: &Value, problems: &mut Vec<String>) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let mut by_rust_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in schemas.keys() {
        by_rust_name
            .entry(rust_type_name(name))
            .or_default()
            .push(name);
    }
    for (rust_name, names) in by_rust_name {
        if names.len() > 1 {
            problems.push(format!(
                "component schemas {} all become the Rust type `{rust_name}`; rename all but one",
                quoted_list(&names)
            ));
        }
    }
}

/// No two properties of one object may become the same Rust field (`access_token` and
/// `accessToken` are both `access_token`); typify would emit a struct that does not compile.
/// Only the properties written directly under a component schema are checked.
fn check_property_names(document: &Value, problems: &mut Vec<String>) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (schema, body) in schemas {
        let Some(properties) = body.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let mut by_field: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for name in properties.keys() {
            by_field.entry(name.to_snake_case()).or_default().push(name);
        }
        for (field, names) in by_field.into_iter().filter(|(_, n)| n.len() > 1) {
            problems.push(format!(
                "properties {} of schema `{schema}` all become the Rust field `{field}`; \
                 split the schema (for example with `oneOf`) or rename all but one",
                quoted_list(&names)
            ));
        }
    }
}

/// `"a", "b"`: names as they appear in the spec, for messages.
fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Rust name typify gives a component schema (its `sanitize(name, Case::Pascal)`).
fn rust_type_name(schema_name: &str) -> String {
    schema_name
        .replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_pascal_case()
}

/// A crate the generated code names, and why.
pub struct RuntimeCrate {
    pub name: &'static str,
    pub reason: &'static str,
}

/// The generated code compiles only if the client crate depends on every crate it names.
/// Without this check a spec that adds, say, the first `pattern` fails later with a wall of
/// "unresolved import `regress`" errors.
pub fn check_runtime_crates(manifest_path: &Path, needed: &[RuntimeCrate]) -> Result<()> {
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest_path.display()))?;
    let declared: BTreeSet<&str> = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| deps.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let missing: Vec<String> = needed
        .iter()
        .filter(|krate| !declared.contains(krate.name))
        .map(|krate| format!("`{}` ({})", krate.name, krate.reason))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the generated code needs crates that {} does not depend on: {}.\n  Add each under \
             [dependencies] as `<name>.workspace = true` (the versions are in the root \
             Cargo.toml), then run `cargo xtask codegen` again.",
            manifest_path.display(),
            missing.join(", ")
        )
        .into())
    }
}

/// The crate's version must carry the API's version as its build metadata
/// (`0.2.0+<info.version>`, as oxide.rs versions its SDK), so that a downstream `Cargo.lock`
/// says which API the client it built was generated from.
pub fn check_version_metadata(manifest_path: &Path, api_version: &str) -> Result<()> {
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest_path.display()))?;
    let version = manifest
        .get("package")
        .and_then(|package| package.get("version"))
        .and_then(toml::Value::as_str)
        .ok_or_else(|| {
            format!(
                "{} has no version of its own: give it `version = \"<semver>+{api_version}\"` \
                 (the API's version as build metadata)",
                manifest_path.display()
            )
        })?;
    let (release, metadata) = version.split_once('+').unwrap_or((version, ""));
    if metadata == api_version {
        Ok(())
    } else {
        Err(format!(
            "{}: version {version} should carry the spec's info.version as build metadata: \
             `version = \"{release}+{api_version}\"`",
            manifest_path.display()
        )
        .into())
    }
}

/// A crate the generated code names only under `#[cfg(feature = "<feature>")]` must be an
/// optional dependency that exactly that feature of the client enables, and not a default:
/// otherwise every user builds it (or, without the feature, the `cfg` names nothing).
pub fn check_feature_gated_crate(
    manifest_path: &Path,
    krate: &RuntimeCrate,
    feature: &str,
) -> Result<()> {
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest_path.display()))?;
    let name = krate.name;
    let dependency = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .and_then(|deps| deps.get(name));
    let optional = dependency
        .and_then(toml::Value::as_table)
        .and_then(|dep| dep.get("optional"))
        .and_then(toml::Value::as_bool)
        == Some(true);
    let features = manifest.get("features").and_then(toml::Value::as_table);
    let enables = |feature: &str| {
        features
            .and_then(|f| f.get(feature))
            .and_then(toml::Value::as_array)
            .is_some_and(|list| {
                list.iter()
                    .filter_map(toml::Value::as_str)
                    .any(|item| item == format!("dep:{name}") || item == name)
            })
    };
    let problem = if dependency.is_none() || !optional {
        Some(format!(
            "`{name}` ({}) must be an optional dependency",
            krate.reason
        ))
    } else if !enables(feature) {
        Some(format!(
            "the feature `{feature}` must enable `{name}` ({})",
            krate.reason
        ))
    } else if enables("default") {
        Some(format!(
            "`{name}` ({}) must stay out of the default features",
            krate.reason
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(format!(
            "the generated code names `{name}` only with the feature `{feature}`, but in {}: \
             {problem}.\n  Declare it as `{name} = {{ workspace = true, optional = true }}` under \
             [dependencies] and `{feature} = [\"dep:{name}\"]` under [features], then run \
             `cargo xtask codegen` again.",
            manifest_path.display()
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_carries_the_api_version_as_build_metadata() {
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        let check = |version: &str| {
            std::fs::write(&manifest, format!("[package]\nname = \"c\"\n{version}\n")).unwrap();
            check_version_metadata(&manifest, "2024-10-10").map_err(|e| e.to_string())
        };
        assert!(check("version = \"0.2.0+2024-10-10\"").is_ok());
        let error = check("version = \"0.2.0\"").unwrap_err();
        assert!(
            error.contains("`version = \"0.2.0+2024-10-10\"`"),
            "{error}"
        );
        let error = check("version = \"0.2.0+2024-01-01\"").unwrap_err();
        assert!(error.contains("0.2.0+2024-10-10"), "{error}");
        let error = check("version.workspace = true").unwrap_err();
        assert!(error.contains("no version of its own"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    use serde_json::json;

    fn problems_of(document: Value) -> String {
        match check_spec("test.yaml", &document) {
            Ok(()) => String::new(),
            Err(err) => err.to_string(),
        }
    }

    fn spec_with(paths: Value, schemas: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": paths,
            "components": { "schemas": schemas }
        })
    }

    fn post(operation_id: Option<&str>) -> Value {
        let mut op = json!({ "responses": { "200": { "description": "ok" } } });
        if let Some(id) = operation_id {
            op["operationId"] = json!(id);
        }
        json!({ "post": op })
    }

    #[test]
    fn a_valid_spec_passes() {
        let doc = spec_with(
            json!({ "/a": post(Some("getA")) }),
            json!({ "A": { "type": "object", "properties": { "b": { "$ref": "#/components/schemas/B" } } },
                    "B": { "type": "string" } }),
        );
        assert_eq!(problems_of(doc), "");
    }

    #[test]
    fn an_unresolvable_ref_is_named_with_its_place() {
        let doc = spec_with(
            json!({ "/a": post(Some("getA")) }),
            json!({ "A": { "type": "object", "properties": { "b": { "$ref": "#/components/schemas/Missing" } } } }),
        );
        let message = problems_of(doc);
        assert!(
            message.contains(
                "unresolvable $ref \"#/components/schemas/Missing\" at #/components/schemas/A/properties/b"
            ),
            "{message}"
        );
    }

    #[test]
    fn an_external_ref_is_rejected() {
        let doc = spec_with(
            json!({ "/a": post(Some("getA")) }),
            json!({ "A": { "$ref": "other.yaml#/A" } }),
        );
        assert!(problems_of(doc).contains("points outside this file"));
    }

    #[test]
    fn a_missing_operation_id_is_named_with_method_and_path() {
        let doc = spec_with(json!({ "/customers": post(None) }), json!({}));
        assert!(problems_of(doc).contains("POST /customers has no operationId"));
    }

    #[test]
    fn operation_ids_that_become_one_method_are_rejected() {
        let doc = spec_with(
            json!({ "/a": post(Some("searchCustomer")), "/b": post(Some("search_customer")) }),
            json!({}),
        );
        let message = problems_of(doc);
        assert!(
            message.contains("becomes the Rust method `search_customer`"),
            "{message}"
        );
        assert!(
            message.contains("POST /a (\"searchCustomer\")"),
            "{message}"
        );
    }

    #[test]
    fn schema_names_that_become_one_type_are_rejected() {
        let doc = spec_with(
            json!({ "/a": post(Some("getA")) }),
            json!({ "customer_page": { "type": "string" }, "CustomerPage": { "type": "string" } }),
        );
        let message = problems_of(doc);
        assert!(
            message.contains(
                "component schemas \"CustomerPage\", \"customer_page\" all become the Rust type `CustomerPage`"
            ),
            "{message}"
        );
    }

    #[test]
    fn property_names_that_become_one_field_are_rejected() {
        let doc = spec_with(
            json!({ "/a": post(Some("getA")) }),
            json!({ "Token": { "type": "object", "properties": {
                "access_token": { "type": "string" }, "accessToken": { "type": "string" } } } }),
        );
        let message = problems_of(doc);
        assert!(
            message.contains(
                "properties \"accessToken\", \"access_token\" of schema `Token` all become the Rust field `access_token`"
            ),
            "{message}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let doc = spec_with(
            json!({ "/a": post(None) }),
            json!({ "A": { "$ref": "#/components/schemas/Nope" } }),
        );
        let message = problems_of(doc);
        assert!(message.contains("no operationId") && message.contains("unresolvable $ref"));
    }

    #[test]
    fn a_missing_runtime_crate_is_named_with_the_fix() {
        let dir = std::env::temp_dir().join(format!("xtask-runtime-crates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"x\"\n[dependencies]\nserde.workspace = true\nreqwest = \"0.13\"\n",
        )
        .unwrap();
        let needed = [
            RuntimeCrate {
                name: "serde",
                reason: "derives",
            },
            RuntimeCrate {
                name: "reqwest",
                reason: "HTTP",
            },
            RuntimeCrate {
                name: "regress",
                reason: "`pattern` in the spec",
            },
        ];
        let message = check_runtime_crates(&manifest, &needed)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`regress` (`pattern` in the spec)"),
            "{message}"
        );
        assert!(
            !message.contains("`serde`") && !message.contains("`reqwest`"),
            "{message}"
        );
        assert!(message.contains("regress") && message.contains("workspace = true"));
        assert!(check_runtime_crates(&manifest, &needed[..2]).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_feature_gated_crate_must_be_optional_and_enabled_by_its_feature_alone() {
        let dir = std::env::temp_dir().join(format!("xtask-gated-crates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        let krate = RuntimeCrate {
            name: "schemars",
            reason: "the JsonSchema derives",
        };
        let check = |toml: &str| {
            std::fs::write(&manifest, format!("[package]\nname = \"x\"\n{toml}")).unwrap();
            check_feature_gated_crate(&manifest, &krate, "schemars").map_err(|e| e.to_string())
        };
        let always = check("[dependencies]\nschemars.workspace = true\n").unwrap_err();
        assert!(
            always.contains("must be an optional dependency"),
            "{always}"
        );
        assert!(always.contains("optional = true"), "{always}");
        let no_feature =
            check("[dependencies]\nschemars = { workspace = true, optional = true }\n")
                .unwrap_err();
        assert!(
            no_feature.contains("the feature `schemars` must enable"),
            "{no_feature}"
        );
        let by_default = check(
            "[dependencies]\nschemars = { workspace = true, optional = true }\n\
             [features]\ndefault = [\"schemars\"]\nschemars = [\"dep:schemars\"]\n",
        )
        .unwrap_err();
        assert!(
            by_default.contains("out of the default features"),
            "{by_default}"
        );
        assert!(
            check(
                "[dependencies]\nschemars = { workspace = true, optional = true }\n\
                 [features]\ndefault = []\nschemars = [\"dep:schemars\"]\n",
            )
            .is_ok()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
