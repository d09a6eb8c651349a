//! `cargo xtask spec-suggest FILE…`: the spec edits that recorded traffic calls for, as a
//! unified diff of the spec a maintainer reviews and applies with `git apply`.
//!
//! The client tolerates what EnKash sends beyond the spec (fields it lacks, enum values it
//! does not list, `null`s, other date-time forms) and its cassettes and drift reports keep
//! the evidence. This turns that evidence into lines inserted into the spec's text, never a
//! re-serialised document, so the curator's comments and layout stay, and it never deletes:
//! a field absent from a sample proves nothing. Each inserted line says in a comment how often
//! its evidence was seen.

mod date_forms;
mod edits;
mod evidence;
mod yaml_text;

use std::path::Path;

use serde_json::Value;

pub use edits::{MARK, printable};
use evidence::Evidence;
use yaml_text::Text;

/// The spec the suggestions are for, relative to the workspace root.
pub const SPEC: &str = "openapi/customer-search.yaml";

/// What the files call for.
#[derive(Debug)]
pub struct Suggestions {
    /// The unified diff of the spec (`a/…` and `b/…` paths, for `git apply`); empty when the
    /// spec already says everything the files showed.
    pub diff: String,
    /// The spec with the diff applied.
    pub edited: String,
    /// What the spec cannot say, or a file could not show, for the maintainer.
    pub notes: Vec<String>,
    /// How many exchanges were read from cassettes.
    pub exchanges: u64,
    /// How many responses the drift reports counted.
    pub reported_responses: u64,
}

/// The suggestions for the spec `spec_text` (at `spec_path` in the workspace) from the
/// `(name, text)` of each cassette or drift report.
pub fn suggest(
    spec_path: &str,
    spec_text: &str,
    files: &[(String, String)],
) -> Result<Suggestions, String> {
    let document: Value = serde_norway::from_str(spec_text)
        .map_err(|e| format!("{spec_path} is not valid YAML: {e}"))?;
    let mut evidence = Evidence::default();
    for (name, text) in files {
        evidence.read(&document, name, text)?;
    }
    let mut text = Text::new(spec_text);
    let mut notes = std::mem::take(&mut evidence.notes);
    notes.extend(edits::plan(&document, &mut text, &evidence));
    let edited = text.edited();
    // A suggestion that breaks the YAML is this tool's bug, never the maintainer's to find.
    serde_norway::from_str::<Value>(&edited)
        .map_err(|e| format!("spec-suggest made {spec_path} invalid YAML ({e}); please report"))?;
    let diff = if edited == spec_text {
        String::new()
    } else {
        similar::TextDiff::from_lines(spec_text, &edited)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{spec_path}"), &format!("b/{spec_path}"))
            .to_string()
    };
    Ok(Suggestions {
        diff,
        edited,
        notes,
        exchanges: evidence.exchanges,
        reported_responses: evidence.reported_responses,
    })
}

/// Reads the spec under `root` and the files, prints the diff to stdout and what it read and
/// noted to stderr.
pub fn run(root: &Path, files: &[&str]) -> Result<(), String> {
    let spec_text =
        std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("cannot read {SPEC}: {e}"))?;
    let files = files
        .iter()
        .map(|file| {
            std::fs::read_to_string(file)
                .map(|text| (printable(file), text))
                .map_err(|e| format!("cannot read {}: {e}", printable(file)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let suggestions = suggest(SPEC, &spec_text, &files)?;
    print!("{}", suggestions.diff);
    eprintln!(
        "spec-suggest: read {} exchanges from cassettes and {} responses from drift reports",
        suggestions.exchanges, suggestions.reported_responses
    );
    for note in &suggestions.notes {
        eprintln!("note: {note}");
    }
    if suggestions.diff.is_empty() {
        eprintln!("spec-suggest: the spec already says everything these files show");
    } else {
        eprintln!(
            "spec-suggest: review the lines marked `{MARK}`, then `git apply` the diff and run \
             `cargo xtask codegen`"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;
