//! The evidence as lines inserted into the spec: a property the spec lacks (its type inferred
//! from every value seen), an enum value it does not list, `nullable: true` where `null` came,
//! the vendor's date-time pattern where the spec can name it. Every inserted line ends in a
//! comment that says it is suggested and how often its evidence was seen; what the spec cannot
//! say becomes a note (a comment line at the place, and a line for the maintainer).

use serde_json::Value;

use super::date_forms::Form;
use super::evidence::{Evidence, Field, Tally, Values, plural};
use super::yaml_text::{Entry, Text};
use crate::schema_refs::{DATE_TIME_FORMAT_EXTENSION, reference};

/// The start of every inserted comment, so a reviewer can find them all.
pub const MARK: &str = "# suggested:";
/// The longest name or enum value written into the spec; a longer one is a note.
const LONGEST: usize = 128;
/// The description a suggested property gets, for the curator to replace.
const DESCRIPTION: &str = "Not on the vendor's page; seen in EnKash's responses.";

/// Plans every insertion into `text`; returns the notes for what the spec cannot say.
pub fn plan(document: &Value, text: &mut Text, evidence: &Evidence) -> Vec<String> {
    let mut notes = Vec::new();
    for (field, (tally, values)) in &evidence.unknown_fields {
        if let Err(note) = add_property(document, text, field, tally, values) {
            notes.push(note);
        }
    }
    for (field, values) in &evidence.enum_values {
        for (value, tally) in values {
            if let Err(note) = add_enum_value(document, text, field, value, tally) {
                notes.push(note);
            }
        }
    }
    for (field, tally) in &evidence.nulls {
        if let Err(note) = make_nullable(document, text, field, tally) {
            notes.push(note);
        }
    }
    for (field, forms) in &evidence.date_forms {
        let as_specified = evidence.date_times_as_specified.get(field).copied();
        if let Err(note) = name_date_time_form(document, text, field, forms, as_specified) {
            notes.push(note);
        }
    }
    notes
}

fn add_property(
    document: &Value,
    text: &mut Text,
    field: &Field,
    tally: &Tally,
    values: &Values,
) -> Result<(), String> {
    let key = yaml_scalar(&field.property).ok_or_else(|| {
        format!(
            "{}: a field whose name is too long to suggest",
            shown(field)
        )
    })?;
    let properties = text
        .find(&["components", "schemas", &field.schema, "properties"])
        .ok_or_else(|| {
            format!(
                "{}: the spec has no schema {} with properties to add it to",
                shown(field),
                printable(&field.schema)
            )
        })?;
    let existing = text.children(properties);
    if schema_path(document, field).is_some() {
        // A report older than the spec's last edit: already there.
        return Ok(());
    }
    let indent = existing
        .first()
        .map(|(_, entry)| entry.indent)
        .ok_or_else(|| format!("{}: its schema's properties are not a block", shown(field)))?;
    let before = sorted_place(text, properties, &existing, &field.property);
    let pad = " ".repeat(indent);
    let mut lines = vec![format!("{pad}{key}:  {MARK} {}", tally.describe("seen"))];
    if tally.times == 0 {
        lines.push(format!(
            "{pad}  {MARK} its type is unknown: a drift report names fields, not their values"
        ));
    }
    describe_values(values, indent + 2, &mut lines);
    lines.push(format!(
        "{pad}  description: {DESCRIPTION}  {MARK} say what it means"
    ));
    text.insert_sibling(before, lines);
    Ok(())
}

/// The type lines of a schema that fits every value in `values`, at `indent`.
fn describe_values(values: &Values, indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    let numbers = values.int32s + values.int64s + values.fractions;
    let kinds = [
        ("a boolean", values.booleans),
        ("a number", numbers),
        ("a string", values.strings),
        ("an array", values.arrays),
        ("an object", values.objects),
    ];
    let seen: Vec<_> = kinds.iter().filter(|(_, n)| *n > 0).collect();
    let all = |n: u64| format!("{MARK} {}", plural_all(n));
    match seen.as_slice() {
        [] if values.nulls > 0 => {
            lines.push(format!("{pad}{MARK} of no type known: only null came"));
        }
        [] => {}
        [(kind, n)] => match *kind {
            "a boolean" => lines.push(format!("{pad}type: boolean  {}", all(*n))),
            "a number" if values.fractions > 0 => {
                lines.push(format!("{pad}type: number  {}", all(*n)))
            }
            "a number" => {
                let format = if values.int64s > 0 { "int64" } else { "int32" };
                lines.push(format!("{pad}type: integer  {}", all(*n)));
                lines.push(format!(
                    "{pad}format: {format}  {MARK} {}",
                    if values.int64s > 0 {
                        "one was beyond int32"
                    } else {
                        "every one within int32"
                    }
                ));
            }
            "a string" => {
                lines.push(format!("{pad}type: string  {}", all(*n)));
                match values.date_times.iter().next() {
                    Some((form, count)) if *count == *n && values.date_times.len() == 1 => {
                        let line = match form {
                            Form::Pattern(pattern) => {
                                format!("{DATE_TIME_FORMAT_EXTENSION}: {}", yaml_quoted(pattern))
                            }
                            _ => "format: date-time".to_string(),
                        };
                        lines.push(format!(
                            "{pad}{line}  {MARK} every one a date-time in {}",
                            form.describe()
                        ));
                    }
                    _ => {}
                }
            }
            "an array" => {
                lines.push(format!("{pad}type: array  {}", all(*n)));
                let mut item_lines = Vec::new();
                if let Some(items) = values.items.as_deref() {
                    describe_values(items, indent + 2, &mut item_lines);
                }
                // A schema needs more than comments: without a type, any item.
                let typed = item_lines
                    .iter()
                    .any(|line| !line.trim_start().starts_with('#'));
                if typed {
                    lines.push(format!("{pad}items:  {MARK} every item seen"));
                    lines.append(&mut item_lines);
                } else {
                    let why = item_lines
                        .first()
                        .and_then(|line| line.trim_start().strip_prefix(MARK))
                        .map_or("no item came".to_string(), |why| why.trim().to_string());
                    lines.push(format!("{pad}items: {{}}  {MARK} {why}"));
                }
            }
            _ => lines.push(format!("{pad}type: object  {}", all(*n))),
        },
        several => {
            let names: Vec<_> = several.iter().map(|(kind, _)| *kind).collect();
            lines.push(format!(
                "{pad}{MARK} came as {}, so no one type",
                names.join(" and ")
            ));
        }
    }
    if values.nulls > 0 && !seen.is_empty() {
        lines.push(format!(
            "{pad}nullable: true  {MARK} null {}",
            plural(values.nulls, "time", "times")
        ));
    }
}

fn add_enum_value(
    document: &Value,
    text: &mut Text,
    field: &Field,
    value: &str,
    tally: &Tally,
) -> Result<(), String> {
    let item = yaml_scalar(value)
        .ok_or_else(|| format!("{}: an enum value too long to suggest", shown(field)))?;
    let path = schema_path(document, field)
        .ok_or_else(|| format!("{}: not in this spec", shown(field)))?;
    let path = enum_schema(document, path)
        .chain(["enum".to_string()])
        .collect::<Vec<_>>();
    let entry = find(text, &path);
    let (indent, items) = entry
        .and_then(|entry| text.sequence(entry))
        .ok_or_else(|| format!("{}: its enum is not a block list to add to", shown(field)))?;
    // Already listed (a report older than the spec's last edit), as the YAML reads it.
    let listed = document
        .pointer(&pointer(&path))
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(|v| v.as_str() == Some(value)));
    if listed {
        return Ok(());
    }
    let sorted = items.windows(2).all(|pair| pair[0].1 <= pair[1].1);
    let before = match items.iter().find(|(_, existing)| *existing > value) {
        Some((line, _)) if sorted => *line,
        _ => items.last().map_or(0, |(line, _)| line + 1),
    };
    text.insert(
        before,
        [format!(
            "{}- {item}  {MARK} {}",
            " ".repeat(indent),
            tally.describe("seen")
        )],
    );
    Ok(())
}

fn make_nullable(
    document: &Value,
    text: &mut Text,
    field: &Field,
    tally: &Tally,
) -> Result<(), String> {
    let path = schema_path(document, field)
        .ok_or_else(|| format!("{}: not in this spec", shown(field)))?;
    let schema = document.pointer(&pointer(&path)).unwrap_or(&Value::Null);
    if field.items > 0 && reference(schema).is_some() {
        return Err(format!(
            "{}: null came ({}), and its items refer to a schema: make that reference \
             nullable by hand",
            shown(field),
            tally.describe("seen")
        ));
    }
    match schema.get("nullable") {
        Some(serde_json::Value::Bool(true)) => return Ok(()),
        Some(said) => {
            return Err(format!(
                "{}: null came ({}), and it says `nullable: {said}`",
                shown(field),
                tally.describe("seen")
            ));
        }
        None => {}
    }
    let entry = find(text, &path);
    let indent = entry
        .and_then(|entry| text.child_indent(entry).map(|indent| (entry, indent)))
        .filter(|(entry, _)| !text.children(*entry).is_empty());
    let (entry, indent) =
        indent.ok_or_else(|| format!("{}: not a block to add `nullable` to", shown(field)))?;
    text.insert(
        entry.line + 1,
        [format!(
            "{}nullable: true  {MARK} null {}",
            " ".repeat(indent),
            tally.describe("came")
        )],
    );
    Ok(())
}

fn name_date_time_form(
    document: &Value,
    text: &mut Text,
    field: &Field,
    forms: &std::collections::BTreeMap<Form, Tally>,
    as_specified: Option<u64>,
) -> Result<(), String> {
    let path = schema_path(document, field)
        .ok_or_else(|| format!("{}: not in this spec", shown(field)))?;
    let schema = document.pointer(&pointer(&path)).unwrap_or(&Value::Null);
    let entry = find(text, &path)
        .filter(|entry| !text.children(*entry).is_empty())
        .ok_or_else(|| format!("{}: not a block to add to", shown(field)))?;
    let indent = text.child_indent(entry).unwrap_or(entry.indent + 2);
    let pad = " ".repeat(indent);
    let named = schema
        .get(DATE_TIME_FORMAT_EXTENSION)
        .and_then(Value::as_str);
    match forms.iter().collect::<Vec<_>>().as_slice() {
        [(form @ Form::Pattern(_), _)] if named.map(Form::of_pattern).as_ref() == Some(*form) => {
            // A report older than the spec's last edit: already named.
            Ok(())
        }
        [(Form::Pattern(pattern), tally)] if named.is_none() && as_specified.is_none() => {
            let claim = if tally.times > 0 {
                "every date-time in this form"
            } else {
                "in this form (a drift report does not count those in the spec's form: check)"
            };
            // Beside `format: date-time`, if there is one, so the two are read together.
            let after = text
                .children(entry)
                .into_iter()
                .find(|(key, _)| key == "format")
                .map_or(entry.line, |(_, format)| format.line);
            text.insert(
                after + 1,
                [format!(
                    "{pad}{DATE_TIME_FORMAT_EXTENSION}: {}  {MARK} {claim}, {}",
                    yaml_quoted(pattern),
                    tally.describe("seen")
                )],
            );
            Ok(())
        }
        several => {
            let mut seen: Vec<_> = several
                .iter()
                .map(|(form, tally)| format!("{} ({})", form.describe(), tally.describe("seen")))
                .collect();
            if let Some(count) = as_specified {
                seen.push(format!(
                    "as the spec says ({})",
                    plural(count, "time", "times")
                ));
            }
            let note = format!(
                "date-times came as {}, which the spec cannot name here",
                seen.join("; ")
            );
            let line = format!("{pad}{MARK} {note}");
            // Not twice: the same files read again after the spec took the first note.
            if (entry.line + 1..entry.end).all(|i| text.line(i).trim() != line.trim()) {
                text.insert(entry.line + 1, [line]);
            }
            Err(format!("{}: {note}", shown(field)))
        }
    }
}

/// The JSON path of `field`'s schema: the property, or its items (through what they refer
/// to), as mapping keys.
fn schema_path(document: &Value, field: &Field) -> Option<Vec<String>> {
    let mut path: Vec<String> = [
        "components",
        "schemas",
        &field.schema,
        "properties",
        &field.property,
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..field.items {
        let schema = document.pointer(&pointer(&path))?;
        if let Some(reference) = reference(schema) {
            path = component_path(reference)?;
        }
        path.push("items".to_string());
    }
    document.pointer(&pointer(&path)).map(|_| path)
}

/// The path of the schema an enum is written in: the one `path`'s schema refers to, or
/// itself.
fn enum_schema(document: &Value, path: Vec<String>) -> impl Iterator<Item = String> {
    let referred = document
        .pointer(&pointer(&path))
        .and_then(reference)
        .and_then(component_path);
    referred.unwrap_or(path).into_iter()
}

/// `#/components/schemas/Name` as mapping keys.
fn component_path(reference: &str) -> Option<Vec<String>> {
    let keys: Vec<String> = reference
        .strip_prefix("#/")?
        .split('/')
        .map(String::from)
        .collect();
    Some(keys)
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn find(text: &Text, path: &[String]) -> Option<Entry> {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    text.find(&keys)
}

/// Where a new key goes among a block's keys: in order if they are in order, else last.
fn sorted_place(text: &Text, block: Entry, keys: &[(String, Entry)], key: &str) -> usize {
    let sorted = keys.windows(2).all(|pair| pair[0].0 <= pair[1].0);
    match keys.iter().find(|(existing, _)| existing.as_str() > key) {
        Some((_, entry)) if sorted => entry.line,
        _ => text.after_last(block),
    }
}

/// `text` as a YAML scalar: plain when it cannot be read as anything else, else quoted.
fn yaml_scalar(text: &str) -> Option<String> {
    if text.chars().count() > LONGEST {
        return None;
    }
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    Some(if plain {
        text.to_string()
    } else {
        yaml_quoted(text)
    })
}

/// `text` as a YAML double-quoted scalar with every character but printable ASCII escaped,
/// so that no control character, line separator or look-alike reaches the spec or a terminal.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// "all 25 times it came", or "the one time it came".
fn plural_all(n: u64) -> String {
    match n {
        1 => "the one time it came".to_string(),
        n => format!("all {n} times it came"),
    }
}

/// A field for a note: its name bounded and with no control characters.
fn shown(field: &Field) -> String {
    printable(&field.to_string())
}

/// `text` bounded and with every control character escaped, for a terminal.
pub fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(LONGEST)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if text.chars().count() > LONGEST {
        out.push('…');
    }
    out
}
