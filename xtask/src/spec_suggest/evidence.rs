//! What cassettes and drift reports show that the spec does not say, counted per place in the
//! spec. A cassette's responses are read against the spec itself (the same reading the
//! client's drift report makes against its generated table), so that every value of a field
//! the spec lacks is seen and its type can be inferred; a drift report holds names and counts
//! only.

use std::collections::BTreeMap;

use serde_json::Value;

use super::date_forms::Form;
use crate::schema_refs::{DATE_TIME_FORMAT_EXTENSION, nullable, reference, resolved};

/// The cassette format this reads (the client's `CASSETTE_FORMAT`).
const CASSETTE_FORMAT: u64 = 1;
/// How deep arrays of arrays are followed.
const MAX_DEPTH: usize = 8;

/// How often something was seen: in how many values and exchanges of cassettes, and how many
/// times drift reports counted it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub times: u64,
    pub exchanges: u64,
    pub reported: u64,
    last_exchange: u64,
}

impl Tally {
    fn seen_in(&mut self, exchange: u64) {
        self.times += 1;
        if self.last_exchange != exchange {
            self.last_exchange = exchange;
            self.exchanges += 1;
        }
    }

    /// `seen 25 times in 3 exchanges`, `seen 4 times in drift reports`, or both.
    pub fn describe(&self, seen: &str) -> String {
        let recorded = format!(
            "{} in {}",
            plural(self.times, "time", "times"),
            plural(self.exchanges, "exchange", "exchanges")
        );
        let reported = format!(
            "{} in drift reports",
            plural(self.reported, "time", "times")
        );
        match (self.times > 0, self.reported > 0) {
            (true, true) => format!("{seen} {recorded}, {reported}"),
            (false, true) => format!("{seen} {reported}"),
            _ => format!("{seen} {recorded}"),
        }
    }
}

/// A place in the spec: a component schema's property, or the items of its array
/// (`items` levels down). Written as drift reports write it: `Schema.property[]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Field {
    pub schema: String,
    pub property: String,
    pub items: usize,
}

impl Field {
    fn property(schema: &str, property: &str) -> Field {
        Field {
            schema: schema.to_string(),
            property: property.to_string(),
            items: 0,
        }
    }

    fn items(&self) -> Field {
        Field {
            items: self.items + 1,
            ..self.clone()
        }
    }

    /// A drift report's field name, `Schema.property` with a `[]` per array level.
    fn parse(name: &str) -> Option<Field> {
        let (schema, mut property) = name.split_once('.')?;
        let mut items = 0;
        while let Some(rest) = property.strip_suffix("[]") {
            property = rest;
            items += 1;
        }
        (!schema.is_empty() && !property.is_empty()).then(|| Field {
            items,
            ..Field::property(schema, property)
        })
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}{}",
            self.schema,
            self.property,
            "[]".repeat(self.items)
        )
    }
}

/// Every value a field the spec lacks came with, by JSON type: what its type is inferred from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    pub nulls: u64,
    pub booleans: u64,
    /// Integers within `int32`, and those beyond it.
    pub int32s: u64,
    pub int64s: u64,
    /// Numbers with a fraction or an exponent.
    pub fractions: u64,
    pub strings: u64,
    /// Of the strings, those that are date-times in a form the spec can name, by form.
    pub date_times: BTreeMap<Form, u64>,
    pub arrays: u64,
    /// Every item of every array.
    pub items: Option<Box<Values>>,
    pub objects: u64,
}

impl Values {
    fn add(&mut self, value: &Value, depth: usize) {
        match value {
            Value::Null => self.nulls += 1,
            Value::Bool(_) => self.booleans += 1,
            Value::Number(n) => match n.as_i64() {
                Some(n) if i32::try_from(n).is_ok() => self.int32s += 1,
                Some(_) => self.int64s += 1,
                None if n.is_u64() => self.int64s += 1,
                None => self.fractions += 1,
            },
            Value::String(_) => {
                self.strings += 1;
                if let form @ (Form::Rfc3339 | Form::Pattern(_)) = Form::of(value) {
                    *self.date_times.entry(form).or_default() += 1;
                }
            }
            Value::Array(items) => {
                self.arrays += 1;
                let into = self.items.get_or_insert_with(Default::default);
                if depth < MAX_DEPTH {
                    items.iter().for_each(|item| into.add(item, depth + 1));
                }
            }
            Value::Object(_) => self.objects += 1,
        }
    }
}

/// What the files showed, against one spec.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Exchanges read from cassettes, and responses counted by drift reports.
    pub exchanges: u64,
    pub reported_responses: u64,
    pub unknown_fields: BTreeMap<Field, (Tally, Values)>,
    pub enum_values: BTreeMap<Field, BTreeMap<String, Tally>>,
    pub nulls: BTreeMap<Field, Tally>,
    pub date_forms: BTreeMap<Field, BTreeMap<Form, Tally>>,
    /// Per date-time field, how many values came in the form the spec names.
    pub date_times_as_specified: BTreeMap<Field, u64>,
    /// What could not be read, for the maintainer.
    pub notes: Vec<String>,
}

impl Evidence {
    /// Reads one file's text, a cassette or a drift report (told apart by their first line).
    pub fn read(&mut self, document: &Value, name: &str, text: &str) -> Result<(), String> {
        let first = text.lines().next().unwrap_or_default();
        let header = serde_json::from_str::<Value>(first).ok();
        if let Some(header) = header.as_ref().filter(|h| h.get("cassette").is_some()) {
            return self.read_cassette(document, name, header, text);
        }
        let report = serde_json::from_str::<Value>(text)
            .ok()
            .filter(|r| r.get("unknown_fields").is_some() && r.get("responses").is_some());
        match report {
            Some(report) => {
                self.read_drift_report(&report);
                Ok(())
            }
            None => Err(format!(
                "{name} is neither a cassette (`enkash customers search --record`) nor a drift \
                 report (`--drift-report`)"
            )),
        }
    }

    fn read_cassette(
        &mut self,
        document: &Value,
        name: &str,
        header: &Value,
        text: &str,
    ) -> Result<(), String> {
        let format = header.get("format").and_then(Value::as_u64);
        if format != Some(CASSETTE_FORMAT) {
            return Err(format!(
                "{name} is a cassette of format {}, and this xtask reads format \
                 {CASSETTE_FORMAT}",
                header.get("format").map_or("(none)".to_string(), |format| {
                    super::printable(&format.to_string())
                })
            ));
        }
        let recorded_version = header.get("api_version").and_then(Value::as_str);
        let spec_version = document.pointer("/info/version").and_then(Value::as_str);
        if recorded_version != spec_version {
            self.notes.push(format!(
                "{name} was recorded by a client of another spec version ({}); read against \
                 this one ({})",
                quoted(recorded_version),
                quoted(spec_version)
            ));
        }
        for (number, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let exchange = serde_json::from_str::<Value>(line)
                .map_err(|e| format!("{name} line {}: not JSON ({e})", number + 1))?;
            self.exchanges += 1;
            if let Err(why) = self.read_exchange(document, &exchange) {
                self.notes
                    .push(format!("{name} line {}: not read, {why}", number + 1));
            }
        }
        Ok(())
    }

    fn read_exchange(&mut self, document: &Value, exchange: &Value) -> Result<(), String> {
        let text = |key: &str| {
            exchange
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let status = exchange
            .get("status")
            .and_then(Value::as_u64)
            .ok_or("it has no status")?;
        let (method, path) = (text("method").to_ascii_lowercase(), text("path"));
        // The spec's path the recorded one ends in: a base URL may have a prefix.
        let responses = document
            .get("paths")
            .and_then(Value::as_object)
            .and_then(|paths| {
                let ending = paths.iter().filter(|(p, _)| path.ends_with(p.as_str()));
                ending.max_by_key(|(p, _)| p.len())
            })
            .and_then(|(_, operations)| operations.get(&method))
            .and_then(|operation| operation.get("responses"))
            .ok_or("the spec has no such operation")?;
        let schema = response_schema(document, responses, status)
            .ok_or_else(|| format!("the spec gives no JSON schema for a {status}"))?;
        let body = exchange.get("response_body").unwrap_or(&Value::Null);
        if !body.is_object() {
            return Err("its response body is not a JSON object".into());
        }
        let name = reference(schema)
            .and_then(|r| r.rsplit('/').next())
            .ok_or("the spec's response schema is not a named component")?;
        self.walk(document, name, resolved(document, schema), body, 0);
        Ok(())
    }

    fn walk(&mut self, document: &Value, name: &str, schema: &Value, value: &Value, depth: usize) {
        let Value::Object(object) = value else {
            return;
        };
        let properties = schema.get("properties");
        let exchange = self.exchanges;
        for (key, value) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => {
                    let field = Field::property(name, key);
                    self.check(document, field, property, value, depth)
                }
                None => {
                    let (tally, values) = self
                        .unknown_fields
                        .entry(Field::property(name, key))
                        .or_default();
                    tally.seen_in(exchange);
                    values.add(value, 0);
                }
            }
        }
    }

    fn check(
        &mut self,
        document: &Value,
        field: Field,
        schema: &Value,
        value: &Value,
        depth: usize,
    ) {
        let exchange = self.exchanges;
        if value.is_null() {
            if !nullable(document, schema) {
                self.nulls.entry(field).or_default().seen_in(exchange);
            }
            return;
        }
        let target = resolved(document, schema);
        if let Some(declared) = target.get("enum").and_then(Value::as_array) {
            if let Value::String(text) = value
                && !declared.contains(value)
            {
                let values = self.enum_values.entry(field).or_default();
                values.entry(text.clone()).or_default().seen_in(exchange);
            }
            return;
        }
        if let Some(expected) = expected_form(target) {
            let form = Form::of(value);
            if form == expected {
                *self.date_times_as_specified.entry(field).or_default() += 1;
            } else {
                let forms = self.date_forms.entry(field).or_default();
                forms.entry(form).or_default().seen_in(exchange);
            }
            return;
        }
        if let (Some(items), Value::Array(values)) = (target.get("items"), value) {
            if depth < MAX_DEPTH {
                let field = field.items();
                for item in values {
                    self.check(document, field.clone(), items, item, depth + 1);
                }
            }
            return;
        }
        let name = reference(schema).and_then(|r| r.rsplit('/').next());
        if let (Some(name), Some(_)) = (name, target.get("properties"))
            && depth < MAX_DEPTH
        {
            self.walk(document, name, target, value, depth + 1);
        }
    }

    fn read_drift_report(&mut self, report: &Value) {
        let responses = report.get("responses").and_then(Value::as_u64).unwrap_or(0);
        self.reported_responses = self.reported_responses.saturating_add(responses);
        let counts = |key: &str| {
            report
                .get(key)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, count)| Some((Field::parse(name)?, count)))
        };
        for (field, count) in counts("unknown_fields") {
            let (tally, _) = self.unknown_fields.entry(field).or_default();
            tally.reported = tally.reported.saturating_add(count.as_u64().unwrap_or(0));
        }
        for (field, count) in counts("unexpected_nulls") {
            let tally = self.nulls.entry(field).or_default();
            tally.reported = tally.reported.saturating_add(count.as_u64().unwrap_or(0));
        }
        for (field, values) in counts("unknown_enum_values") {
            for (value, count) in values.as_object().into_iter().flatten() {
                let tally = self.enum_values.entry(field.clone()).or_default();
                let tally = tally.entry(value.clone()).or_default();
                tally.reported = tally.reported.saturating_add(count.as_u64().unwrap_or(0));
            }
        }
        for (field, forms) in counts("date_time_forms") {
            for (form, count) in forms.as_object().into_iter().flatten() {
                let tally = self.date_forms.entry(field.clone()).or_default();
                let tally = tally.entry(Form::of_report_name(form)).or_default();
                tally.reported = tally.reported.saturating_add(count.as_u64().unwrap_or(0));
            }
        }
    }
}

/// The JSON schema of an operation's response `status`: its own, its range's (`5XX`), the
/// default's, or else the one every response the spec lists shares (a status the spec does
/// not list is read as the client reads it, with the operation's one error type).
fn response_schema<'a>(
    document: &'a Value,
    responses: &'a Value,
    status: u64,
) -> Option<&'a Value> {
    let schema = |response: &'a Value| {
        resolved(document, response).pointer("/content/application~1json/schema")
    };
    let listed = [
        status.to_string(),
        format!("{}XX", status / 100),
        "default".to_string(),
    ]
    .into_iter()
    .find_map(|key| responses.get(&key));
    if let Some(response) = listed {
        return schema(response);
    }
    let mut all = responses
        .as_object()?
        .values()
        .map(|r| schema(r).and_then(reference));
    let first = all.next()??;
    all.all(|other| other == Some(first))
        .then(|| responses.as_object()?.values().find_map(schema))
        .flatten()
}

/// The form the spec says a date-time comes in, if `schema` is one.
pub fn expected_form(schema: &Value) -> Option<Form> {
    if let Some(pattern) = schema
        .get(DATE_TIME_FORMAT_EXTENSION)
        .and_then(Value::as_str)
    {
        return Some(Form::of_pattern(pattern));
    }
    (schema.get("format") == Some(&Value::from("date-time"))).then_some(Form::Rfc3339)
}

/// `n one` or `n many`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn quoted(text: Option<&str>) -> String {
    text.map_or("none".to_string(), |t| {
        format!("\"{}\"", super::printable(t))
    })
}
