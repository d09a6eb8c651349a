//! `cargo xtask codegen [--check]`: spec → progenitor → prettyplease → `generated.rs`, and the
//! spec's constants (`spec_constants.rs`) → `generated_spec.rs`.
//!
//! One row of [`TARGETS`] per spec. Generation is pure (same spec, same bytes, on any machine),
//! so the committed file can be compared with a fresh one: `--check`, CI and the
//! `generated_code_is_fresh` test all fail when they differ, with a diff and the command that
//! fixes it.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use progenitor::{CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

use crate::filter_setters::{self, FilterSetters};
use crate::spec_checks::{self, RuntimeCrate};
use crate::{Result, project_root, spec_constants, type_substitutions};

/// A spec and the crate generated from it. Paths are relative to the workspace root.
pub struct Target {
    pub spec: &'static str,
    pub crate_dir: &'static str,
    /// The package name in the crate's Cargo.toml, for paths to its hand-written types.
    pub crate_name: &'static str,
    /// The hand-written type each request carries through the crate's `ClientHooks`.
    pub call_context: &'static str,
    /// The crate that gets progenitor's typed `httpmock` helpers, if any.
    pub mock_crate_dir: Option<&'static str>,
    /// Setters on the crate's query type, one per property of an operation's request body.
    pub filter_setters: Option<FilterSetters>,
    /// Where typify's strict types for the same spec go (without `type_substitutions`: closed
    /// enums, `chrono` date-times, plain strings), if anywhere: the baseline that the decode
    /// benchmark holds the tolerant types to.
    pub strict_types: Option<&'static str>,
    /// How the generated types take additions, for the change report.
    pub evolution: crate::change_report::Evolution,
}

/// One file the generator writes, by its path from the workspace root.
#[derive(Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// The whole mapping from specs to crates; a second spec is one more line.
pub const TARGETS: &[Target] = &[Target {
    spec: "openapi/customer-search.yaml",
    crate_dir: "crates/enkash-customer-search",
    crate_name: "enkash-customer-search",
    call_context: "crate::hooks::CallContext",
    mock_crate_dir: Some("crates/enkash-customer-search-mock"),
    filter_setters: Some(FilterSetters {
        operation_id: "searchCustomer",
        query_type: "crate::SearchQuery",
    }),
    strict_types: Some("crates/enkash-customer-search/benches/support/generated_strict_types.rs"),
    // Every shape `#[non_exhaustive]`: an addition to the spec is a minor release.
    evolution: crate::change_report::Evolution::Additive,
}];

/// The client's cargo feature that turns on `schemars::JsonSchema` for the generated types.
/// Only the workspace's schema snapshots and the CLI need it, and it is a third of a cold
/// build, so the derive is emitted as `#[cfg_attr(feature = "schemars", derive(…))]`.
const SCHEMARS_FEATURE: &str = "schemars";
const JSON_SCHEMA_DERIVE: &str = "schemars::JsonSchema";

/// The command a person runs to bring generated files up to date.
const COMMAND: &str = "cargo xtask codegen";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Rewrite stale files (a file that is already current is left untouched).
    Write,
    /// Write nothing; fail on the first stale file.
    Check,
}

/// `since`: the git revision the change report compares the spec with (the last commit if
/// `None`).
pub fn run(mode: Mode, since: Option<&str>) -> Result<()> {
    let root = project_root()?;
    let mut stale = Vec::new();
    for target in TARGETS {
        if mode == Mode::Write || since.is_some() {
            report_changes(&root, target, since.unwrap_or("HEAD"));
        }
        for file in generate(&root, target)? {
            let path = root.join(&file.path);
            if let Err(err) = ensure_file_contents(&root, &path, &file.contents, mode) {
                stale.push(err.to_string());
            }
        }
    }
    if stale.is_empty() {
        if mode == Mode::Check {
            eprintln!("generated code is up to date");
        }
        Ok(())
    } else {
        Err(stale.join("\n").into())
    }
}

/// Prints what the spec's edit since `since` does to downstream crates (see
/// [`change_report`](crate::change_report)); a spec that git cannot show there is said, not
/// fatal.
fn report_changes(root: &Path, target: &Target, since: &str) {
    let old = std::process::Command::new("git")
        .args(["show", &format!("{since}:{}", target.spec)])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok());
    let Some(old) = old else {
        eprintln!("no change report: git has no {} at {since}", target.spec);
        return;
    };
    let parsed = |text: &str| serde_norway::from_str::<serde_json::Value>(text).ok();
    let new = std::fs::read_to_string(root.join(target.spec)).ok();
    match (parsed(&old), new.as_deref().and_then(parsed)) {
        (Some(old), Some(new)) => {
            let report = crate::change_report::compare(&old, &new, target.evolution);
            eprint!("{}", report.render(since));
        }
        _ => eprintln!(
            "no change report: {} does not parse at {since} or now",
            target.spec
        ),
    }
}

/// The formatted source of every file generated for `target`, preambles included: the
/// client's `generated.rs` and `generated_spec.rs`, the mock crate's `generated_httpmock.rs`,
/// and the strict types of the decode benchmark.
pub fn generate(root: &Path, target: &Target) -> Result<Vec<GeneratedFile>> {
    let spec_path = root.join(target.spec);
    let text = fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    // Read as plain JSON first, for the checks and rewrites that walk the whole document.
    let mut document: serde_json::Value = serde_norway::from_str(&text)
        .map_err(|e| format!("{} is not valid YAML: {e}", target.spec))?;
    spec_checks::check_spec(target.spec, &document)?;
    let api_version = document
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| format!("{} has no info.version", target.spec))?
        .to_string();
    // What the types cannot carry, read off the curated document itself.
    let constants = parse_text(&format!(
        "{}{}",
        spec_constants::generate(&document)?,
        crate::wire_shapes::generate(&document)?
    ))?;
    let setters = match &target.filter_setters {
        Some(setters) => Some(parse_text(&format!(
            "use crate::types;\n{}",
            filter_setters::generate(&document, setters)
                .map_err(|e| format!("{}: {e}", target.spec))?
        ))?),
        None => None,
    };
    // The spec as typify would read it with no substitutions, for the strict types.
    let strict_document = target.strict_types.map(|_| document.clone());
    type_substitutions::apply(&mut document, target.crate_name)
        .map_err(|e| format!("{}: {e}", target.spec))?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(document)
        .map_err(|e| format!("{} is not a valid OpenAPI 3.0 document: {e}", target.spec))?;

    let call_context: proc_macro2::TokenStream = target
        .call_context
        .parse()
        .map_err(|e| format!("`{}` is not a Rust path: {e}", target.call_context))?;
    let mut generator = Generator::new(
        type_settings()
            .with_derive(JSON_SCHEMA_DERIVE)
            // The hand-written types that `type_substitutions` points at.
            .with_crate(target.crate_name, CrateVers::Any, None)
            // Every request carries a per-call context, and the crate implements the hooks
            // (auth header, timeout, what the response looked like) itself.
            .with_inner_type(call_context)
            .with_hooks(HooksMode::Expected),
    );
    let tokens = generate_tokens(&mut generator, &spec, target)?;

    let client_manifest = root.join(target.crate_dir).join("Cargo.toml");
    spec_checks::check_runtime_crates(&client_manifest, &runtime_crates(&generator))?;
    spec_checks::check_version_metadata(&client_manifest, &api_version)?;
    if let Some(mock) = target.mock_crate_dir {
        spec_checks::check_version_metadata(&root.join(mock).join("Cargo.toml"), &api_version)?;
    }
    spec_checks::check_feature_gated_crate(
        &client_manifest,
        &RuntimeCrate {
            name: "schemars",
            reason: "the JsonSchema derive on every type",
        },
        SCHEMARS_FEATURE,
    )?;
    let mut client = parse(tokens)?;
    gate_derive(&mut client.items, JSON_SCHEMA_DERIVE, SCHEMARS_FEATURE);
    crate::unknown_fields::default_to_empty(&mut client.items);
    // A spec with operations whose client decodes nothing through `from_response` means
    // progenitor changed how it decodes; one without operations decodes nothing anyway.
    if crate::response_decoding::rewrite(&mut client.items) == 0 && !spec.paths.paths.is_empty() {
        return Err(format!(
            "no `ResponseValue::from_response` in the client generated from {}: progenitor \
             decodes responses some other way now; update xtask/src/response_decoding.rs",
            target.spec
        )
        .into());
    }
    if target.evolution == crate::change_report::Evolution::Additive {
        crate::additive_types::mark(&mut client.items);
    }
    let mut files = vec![
        GeneratedFile {
            path: format!("{}/src/generated.rs", target.crate_dir),
            contents: formatted(&preamble(target), &client),
        },
        GeneratedFile {
            path: format!("{}/src/generated_spec.rs", target.crate_dir),
            contents: formatted(&preamble(target), &constants),
        },
    ];
    if let Some(setters) = setters {
        files.push(GeneratedFile {
            path: format!("{}/src/generated_filters.rs", target.crate_dir),
            contents: formatted(&preamble(target), &setters),
        });
    }

    if let Some(mock_crate_dir) = target.mock_crate_dir {
        let client_crate = target.crate_name.replace('-', "_");
        let tokens = generator.httpmock(&spec, &client_crate).map_err(|e| {
            format!(
                "progenitor cannot generate httpmock helpers from {}: {e}",
                target.spec
            )
        })?;
        spec_checks::check_runtime_crates(
            &root.join(mock_crate_dir).join("Cargo.toml"),
            &[
                RuntimeCrate {
                    name: "httpmock",
                    reason: "the mock server the helpers extend",
                },
                RuntimeCrate {
                    name: target.crate_name,
                    reason: "the request and response types",
                },
                RuntimeCrate {
                    name: "serde_json",
                    reason: "JSON bodies",
                },
                RuntimeCrate {
                    name: "regex",
                    reason: "path matchers",
                },
            ],
        )?;
        files.push(GeneratedFile {
            path: format!("{mock_crate_dir}/src/generated_httpmock.rs"),
            contents: formatted(&preamble(target), &parse(tokens)?),
        });
    }

    if let (Some(path), Some(document)) = (target.strict_types, strict_document) {
        let spec: openapiv3::OpenAPI = serde_json::from_value(document)
            .map_err(|e| format!("{} is not a valid OpenAPI 3.0 document: {e}", target.spec))?;
        // The same type settings, without the substitutions and without the JsonSchema
        // derive (the benchmark needs serde and chrono only). Generating the client fills the
        // type space; only the types are kept.
        let mut strict = Generator::new(&type_settings());
        generate_tokens(&mut strict, &spec, target)?;
        let tokens = strict.get_type_space().to_stream();
        files.push(GeneratedFile {
            path: path.to_string(),
            contents: formatted(
                &format!(
                    "{}// typify's strict types for the spec, without `type_substitutions`: the \
                     baseline of the decode benchmark.\n",
                    preamble(target)
                ),
                &parse(tokens)?,
            ),
        });
    }
    Ok(files)
}

/// The settings that decide the shape of the generated types, shared by the client and the
/// strict types.
fn type_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("PartialEq");
    settings
}

/// progenitor's tokens for `spec`, or a message: progenitor panics (rather than returning an
/// error) on some specs it does not support; the checks before generation catch the known
/// ones, and this turns any other into a message.
fn generate_tokens(
    generator: &mut Generator,
    spec: &openapiv3::OpenAPI,
    target: &Target,
) -> Result<proc_macro2::TokenStream> {
    catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(spec)))
        .map_err(|panic| {
            let reason = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            format!(
                "progenitor cannot generate a client from {}: it panicked: {reason}",
                target.spec
            )
        })?
        .map_err(|e| {
            format!(
                "progenitor cannot generate a client from {}: {e}",
                target.spec
            )
            .into()
        })
}

fn parse_text(source: &str) -> Result<syn::File> {
    syn::parse_file(source)
        .map_err(|e| format!("the spec's constants do not parse as Rust: {e}").into())
}

fn parse(tokens: proc_macro2::TokenStream) -> Result<syn::File> {
    syn::parse2(tokens)
        .map_err(|e| format!("progenitor emitted code that does not parse: {e}").into())
}

/// `file` as formatted source after `preamble`.
fn formatted(preamble: &str, file: &syn::File) -> String {
    format!("{preamble}\n{}", prettyplease::unparse(file))
}

/// Moves `derive` (a path such as `schemars::JsonSchema`) out of every `#[derive(…)]` in
/// `items`, nested modules included, into `#[cfg_attr(feature = "<feature>", derive(…))]`
/// right after it; the derive's helper attributes (`#[schemars(…)]`, on the item, its fields
/// or variants) get the same `cfg_attr`.
fn gate_derive(items: &mut [syn::Item], derive: &str, feature: &str) {
    let derive_path: syn::Path = syn::parse_str(derive).expect("a derive path parses");
    let helper = derive_path
        .segments
        .first()
        .expect("a path has a segment")
        .ident
        .to_string();
    for item in items {
        let attrs = match item {
            syn::Item::Struct(item) => {
                for field in item.fields.iter_mut() {
                    gate_attrs(&mut field.attrs, &derive_path, &helper, feature);
                }
                &mut item.attrs
            }
            syn::Item::Enum(item) => {
                for variant in &mut item.variants {
                    gate_attrs(&mut variant.attrs, &derive_path, &helper, feature);
                    for field in variant.fields.iter_mut() {
                        gate_attrs(&mut field.attrs, &derive_path, &helper, feature);
                    }
                }
                &mut item.attrs
            }
            syn::Item::Union(item) => &mut item.attrs,
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    gate_derive(items, derive, feature);
                }
                continue;
            }
            _ => continue,
        };
        gate_attrs(attrs, &derive_path, &helper, feature);
    }
}

fn gate_attrs(attrs: &mut Vec<syn::Attribute>, derive: &syn::Path, helper: &str, feature: &str) {
    let same_path = |a: &syn::Path, b: &syn::Path| {
        a.segments.len() == b.segments.len()
            && a.segments
                .iter()
                .zip(&b.segments)
                .all(|(x, y)| x.ident == y.ident)
    };
    let mut gated = Vec::with_capacity(attrs.len() + 1);
    for attr in attrs.drain(..) {
        if attr.path().is_ident("derive") {
            let paths = attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .expect("progenitor's derive lists are paths");
            if paths.iter().any(|path| same_path(path, derive)) {
                let kept: Vec<&syn::Path> = paths
                    .iter()
                    .filter(|path| !same_path(path, derive))
                    .collect();
                if !kept.is_empty() {
                    gated.push(syn::parse_quote!(#[derive(#(#kept),*)]));
                }
                gated.push(syn::parse_quote!(#[cfg_attr(feature = #feature, derive(#derive))]));
                continue;
            }
        } else if attr.path().is_ident(helper)
            && let syn::Meta::List(list) = &attr.meta
        {
            gated.push(syn::parse_quote!(#[cfg_attr(feature = #feature, #list)]));
            continue;
        }
        gated.push(attr);
    }
    *attrs = gated;
}

fn preamble(target: &Target) -> String {
    format!(
        "// @generated by `{COMMAND}` from `{}` with progenitor 0.15.1.\n\
         // Do not edit by hand: edit the spec and run `{COMMAND}` again.\n",
        target.spec
    )
}

/// The crates that this particular generated code names, so that a spec change which needs
/// one more (the first `pattern` needs `regress`) fails here with the fix, not in rustc.
fn runtime_crates(generator: &Generator) -> Vec<RuntimeCrate> {
    let types = generator.get_type_space();
    let mut needed = vec![
        RuntimeCrate {
            name: "progenitor-client",
            reason: "the client runtime",
        },
        RuntimeCrate {
            name: "reqwest",
            reason: "HTTP",
        },
        RuntimeCrate {
            name: "serde",
            reason: "the derives on every type",
        },
    ];
    let optional = [
        (
            types.uses_serde_json(),
            "serde_json",
            "free-form objects in the spec",
        ),
        (
            types.uses_chrono(),
            "chrono",
            "`format: date-time` or `date` in the spec",
        ),
        (types.uses_regress(), "regress", "`pattern` in the spec"),
        (types.uses_uuid(), "uuid", "`format: uuid` in the spec"),
        (generator.uses_futures(), "futures", "streaming operations"),
    ];
    for (used, name, reason) in optional {
        if used {
            needed.push(RuntimeCrate { name, reason });
        }
    }
    needed
}

/// Makes `path` hold `contents`. In [`Mode::Check`], or when `CI` is set, a stale file is an
/// error with a diff; otherwise it is rewritten (and still reported, so a test can fail on it).
/// An up-to-date file is never touched, so its mtime does not trigger rebuilds.
pub fn ensure_file_contents(root: &Path, path: &Path, contents: &str, mode: Mode) -> Result<()> {
    let old = fs::read_to_string(path)
        .map(|s| s.replace("\r\n", "\n"))
        .unwrap_or_default();
    if old == contents {
        return Ok(());
    }
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    if mode == Mode::Check || running_in_ci() {
        return Err(format!(
            "{shown} is stale: it does not match what `{COMMAND}` generates now.\n\
             Run `{COMMAND}` and commit the result.\n{}",
            bounded_diff(&old, contents, &shown)
        )
        .into());
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {shown}: {e}"))?;
    eprintln!("updated {shown}");
    Ok(())
}

fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A unified diff of the committed file against the generated one, cut short when huge (a
/// missing file would otherwise print thousands of lines).
fn bounded_diff(old: &str, new: &str, shown: &str) -> String {
    const MAX_LINES: usize = 200;
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (committed)"),
            &format!("{shown} (generated)"),
        )
        .to_string();
    let total = diff.lines().count();
    let mut out: String = diff
        .lines()
        .take(MAX_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    if total > MAX_LINES {
        out.push_str(&format!("... ({} more diff lines)\n", total - MAX_LINES));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain `cargo test` fails when the committed client no longer matches the spec. Outside
    /// CI it also rewrites the stale file, so the next run passes (rust-analyzer's approach).
    #[test]
    fn generated_code_is_fresh() {
        let root = project_root().unwrap();
        for target in TARGETS {
            let files = generate(&root, target).unwrap_or_else(|e| panic!("{e}"));
            // generated.rs and generated_spec.rs, and the optional three.
            assert_eq!(
                files.len(),
                2 + usize::from(target.mock_crate_dir.is_some())
                    + usize::from(target.filter_setters.is_some())
                    + usize::from(target.strict_types.is_some())
            );
            for file in files {
                let path = root.join(&file.path);
                let before = fs::read_to_string(&path).unwrap_or_default();
                let mode = if running_in_ci() {
                    Mode::Check
                } else {
                    Mode::Write
                };
                ensure_file_contents(&root, &path, &file.contents, mode)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    before.replace("\r\n", "\n") == file.contents,
                    "{} was stale and has been regenerated; review and commit it, then rerun",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let root = project_root().unwrap();
        let first = generate(&root, &TARGETS[0]).unwrap();
        let second = generate(&root, &TARGETS[0]).unwrap();
        assert_eq!(first, second);
        for file in &first {
            assert!(
                file.contents.starts_with(
                    "// @generated by `cargo xtask codegen` from `openapi/customer-search.yaml`"
                ),
                "{}",
                file.path
            );
        }
    }

    #[test]
    fn check_mode_reports_a_stale_file_with_a_diff_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("xtask-ensure-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("generated.rs");
        fs::write(&path, "fn old() {}\n").unwrap();
        let err = ensure_file_contents(&dir, &path, "fn new() {}\n", Mode::Check)
            .unwrap_err()
            .to_string();
        assert!(err.contains("generated.rs is stale"), "{err}");
        assert!(err.contains("Run `cargo xtask codegen`"), "{err}");
        assert!(
            err.contains("-fn old() {}") && err.contains("+fn new() {}"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "fn old() {}\n");
        // An up-to-date file is accepted in every mode.
        assert!(ensure_file_contents(&dir, &path, "fn old() {}\n", Mode::Check).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A throwaway workspace root holding `spec` and a client crate that depends on `deps`.
    fn scratch_root(name: &str, spec: &str, deps: &str) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        fs::create_dir_all(root.join("openapi")).unwrap();
        fs::create_dir_all(root.join("crates/client/src")).unwrap();
        fs::write(root.join("openapi/spec.yaml"), spec).unwrap();
        // The spec heads of these tests say `version: '1'`.
        let manifest = format!(
            "[package]\nname = \"client\"\nversion = \"0.1.0+1\"\n[dependencies]\n{deps}\
             {SCHEMARS_DEPENDENCY}"
        );
        fs::write(root.join("crates/client/Cargo.toml"), manifest).unwrap();
        root
    }

    const SCRATCH: Target = Target {
        spec: "openapi/spec.yaml",
        crate_dir: "crates/client",
        crate_name: "client",
        call_context: "crate::hooks::CallContext",
        mock_crate_dir: None,
        filter_setters: None,
        strict_types: None,
        evolution: crate::change_report::Evolution::Exhaustive,
    };

    /// The optional `schemars` every client needs (see `check_feature_gated_crate`).
    const SCHEMARS_DEPENDENCY: &str = "schemars = { version = \"0\", optional = true }\n\
                                       [features]\nschemars = [\"dep:schemars\"]\n";

    const SPEC_HEAD: &str = "openapi: 3.0.3\ninfo: { title: t, version: '1' }\n";

    /// A spec whose one operation answers 200 with `application/json: <media_type>`.
    fn spec_with_json_response(media_type: &str) -> String {
        format!(
            "{SPEC_HEAD}paths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        \
             '200':\n          description: ok\n          content:\n            \
             application/json: {media_type}\n"
        )
    }

    /// The error `generate` returns for `spec` in a scratch root whose client has `deps`.
    fn generation_error(name: &str, spec: &str, deps: &str) -> String {
        let root = scratch_root(name, spec, deps);
        let result = generate(&root, &SCRATCH);
        fs::remove_dir_all(&root).unwrap();
        result.expect_err("generation should fail").to_string()
    }

    #[test]
    fn a_spec_with_a_dangling_ref_is_refused_before_progenitor_sees_it() {
        let spec = spec_with_json_response("{ schema: { $ref: '#/components/schemas/Gone' } }");
        let err = generation_error("dangling", &spec, "");
        assert!(
            err.contains("unresolvable $ref \"#/components/schemas/Gone\""),
            "{err}"
        );
    }

    #[test]
    fn a_panic_inside_progenitor_becomes_an_error() {
        // A JSON response without a schema makes progenitor 0.15.1 hit a `todo!()`.
        let err = generation_error("panic", &spec_with_json_response("{}"), "");
        assert!(
            err.contains("progenitor cannot generate a client from openapi/spec.yaml: it panicked"),
            "{err}"
        );
    }

    #[test]
    fn a_runtime_crate_missing_from_the_client_is_refused() {
        let spec = format!(
            "{SPEC_HEAD}paths: {{}}\ncomponents:\n  schemas:\n    When: {{ type: string, format: date-time }}\n"
        );
        let deps = "progenitor-client = \"0\"\nreqwest = \"0\"\nserde = \"1\"\n";
        let root = scratch_root("runtime", &spec, deps);
        let err = generate(&root, &SCRATCH).unwrap_err().to_string();
        assert!(
            err.contains("`chrono` (`format: date-time` or `date` in the spec)"),
            "{err}"
        );
        fs::write(
            root.join("crates/client/Cargo.toml"),
            format!(
                "[package]\nname = \"client\"\nversion = \"0.1.0+1\"\n[dependencies]\n{deps}\
                 chrono = \"0\"\n{SCHEMARS_DEPENDENCY}"
            ),
        )
        .unwrap();
        assert!(generate(&root, &SCRATCH).is_ok());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_huge_diff_is_cut_short() {
        let new: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let diff = bounded_diff("", &new, "f.rs");
        assert!(diff.lines().count() <= 201);
        assert!(diff.ends_with("more diff lines)\n"), "{diff}");
    }
}
