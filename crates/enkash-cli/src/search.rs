//! `enkash customers search`: the query from the flags (or `--body-json`), one page or every
//! page, printed in the chosen format.

use std::io::{self, IsTerminal, Write};

use enkash_customer_search::{CallOptions, Cassette, Client, Drift, SearchQuery, spec, types};
use serde_json::Value;

use crate::CliError;
use crate::cli::{FilterArgs, Format, SearchArgs};
use crate::local_input;
use crate::output::{Output, Shape};
use crate::progress::{Progress, Watchers};

/// Runs the search and prints it to stdout.
pub async fn run(client: &Client, args: &SearchArgs) -> Result<(), CliError> {
    let query = query(args)?;
    let drift = args.drift_report.as_ref().map(|_| Drift::new());
    let mut options = call_options(args);
    if let Some(drift) = &drift {
        options = options.record_drift(drift);
    }
    let cassette = match &args.record {
        Some(path) => Some(Cassette::create(path).map_err(|e| {
            CliError::Usage(format!(
                "cannot create the cassette {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    if let Some(cassette) = &cassette {
        options = options.record(cassette);
    }
    let client = client.with_options(options);
    let result = print(&client, args, query).await;
    // Written whatever became of the search: a failed walk's pages drifted too.
    if let (Some(path), Some(drift)) = (&args.drift_report, &drift) {
        write_drift_report(path, drift)?;
    }
    // Each exchange is already on disk; a write that failed is reported here, unless the
    // search failed: its error says more.
    if let (Some(path), Some(cassette)) = (&args.record, &cassette)
        && let Err(error) = cassette.finish()
    {
        let error = CliError::Other(format!(
            "cannot write the cassette {}: {error}",
            path.display()
        ));
        return result.and(Err(error));
    }
    result
}

/// The drift report as JSON, to `path` or (`-`) to stderr.
fn write_drift_report(path: &std::path::Path, drift: &Drift) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(&drift.report())
        .map_err(|e| CliError::Other(format!("the drift report: {e}")))?;
    text.push('\n');
    if path.as_os_str() == "-" {
        io::stderr().write_all(text.as_bytes())?;
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| {
        CliError::Other(format!(
            "cannot write the drift report to {}: {e}",
            path.display()
        ))
    })
}

/// The search, printed to stdout.
async fn print(client: &Client, args: &SearchArgs, query: SearchQuery) -> Result<(), CliError> {
    let stdout = io::stdout();
    let to_terminal = stdout.is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Table
    } else {
        Format::Ndjson
    });
    // The table fits the terminal it is printed on.
    let width = to_terminal
        .then(|| {
            console::Term::stdout()
                .size_checked()
                .map(|(_, columns)| columns)
        })
        .flatten();
    let out = io::BufWriter::new(stdout.lock());
    let output = |shape| {
        Output::new(format, shape, out)
            .for_terminal(to_terminal)
            .fitted_to(width)
            .escape_formulas(args.csv_escape_formulas)
    };
    if !args.all {
        let page = client.search(&query).await?;
        let mut output = output(Shape::Page {
            records_count: page.records_count,
        });
        output.begin()?;
        for customer in &page.customers {
            output.customer(customer)?;
        }
        output.finish()?;
        return Ok(());
    }

    let page_size = args
        .page_size
        .unwrap_or(enkash_customer_search::MAX_PAGE_SIZE);
    let query = query.limit(page_size);
    let skipped = i64::from(query.get_offset().unwrap_or(0));
    let mut progress = Progress::new(
        Watchers::of_this_process(),
        args.quiet,
        format != Format::Table,
        u64::try_from(page_size).unwrap_or(1),
        skipped,
    );
    let mut output = output(Shape::All);
    output.begin()?;
    // Within the library's bounds: clap checked them.
    let pages_in_flight = usize::try_from(args.pages_in_flight).unwrap_or(1);
    let mut customers = client.search_all(query).pages_in_flight(pages_in_flight);
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let result = loop {
        // Ctrl-C is taken between customers, so the output ends on a whole one.
        let next = tokio::select! {
            next = customers.next() => next,
            _ = &mut interrupted => {
                // A second Ctrl-C, while what was fetched is written out, ends it at once.
                tokio::spawn(async {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(i32::from(crate::exit::INTERRUPTED));
                    }
                });
                break Err(CliError::Interrupted);
            }
        };
        match next {
            Some(Ok(customer)) => {
                output.customer(&customer)?;
                progress.one_more(customers.records_count());
            }
            Some(Err(error)) => break Err(error.into()),
            None => break Ok(()),
        }
    };
    progress.clear();
    // What was fetched before a failure or Ctrl-C is still printed, and a valid document.
    output.finish()?;
    result
}

/// The query the flags describe; a usage error for a bad `--body-json`.
fn query(args: &SearchArgs) -> Result<SearchQuery, CliError> {
    let mut query = SearchQuery::new();
    if let Some(path) = &args.body_json {
        query = query.filters(read_body_json(path)?);
    } else {
        let filters = filters_from_flags(&args.filters);
        if filters != types::CustomerSearchRequest::default() {
            query = query.filters(filters);
        }
    }
    if let Some(order_by) = &args.order_by {
        query = query.order_by(order_by.clone());
    }
    if let Some(direction) = args.direction {
        query = query.direction(direction);
    }
    if let Some(limit) = args.limit {
        query = query.limit(limit);
    }
    if let Some(offset) = args.offset {
        query = query.offset(offset);
    }
    for (name, value) in &args.extra_query {
        query = query.extra_query(name, value);
    }
    let mut extra_keys = std::collections::BTreeSet::new();
    for (key, value) in args.extra_body.iter().flatten() {
        if !extra_keys.insert(key) {
            return Err(CliError::Usage(format!(
                "--extra-body: `{key}` is given more than once"
            )));
        }
        query = query.extra_body(key, value.clone());
    }
    Ok(query)
}

/// The per-call options the flags describe.
fn call_options(args: &SearchArgs) -> CallOptions {
    let mut options = CallOptions::new();
    for (name, value) in &args.headers {
        options = options.header(name, value);
    }
    if let Some(deadline) = args.deadline {
        options = options.deadline(deadline);
    }
    options
}

/// The request body the filter flags describe. A unit test fails while a filter of the spec
/// has no flag.
pub fn filters_from_flags(f: &FilterArgs) -> types::CustomerSearchRequest {
    {
        let mut value = types::CustomerSearchRequest::default();
        value.account_number = f.account_number.clone();
        value.assigned_agent = f.assigned_agent.clone();
        value.balance_amount = f.balance_amount;
        value.company_id = f.company_id.clone();
        value.contact_number = f.contact_number.clone();
        value.created_by_name = f.created_by_name.clone();
        value.created_on_from = f.created_on_from;
        value.created_on_to = f.created_on_to;
        value.customer_ids = f.customer_ids.clone();
        value.customer_status = f.customer_status;
        value.dso_from = f.dso_from;
        value.dso_to = f.dso_to;
        value.ifsc = f.ifsc.clone();
        value.legal_name = f.legal_name.clone();
        value.level = f.level;
        value.modified_by_name = f.modified_by_name.clone();
        value.modified_on = f.modified_on;
        value.pan_or_gstin = f.pan_or_gstin.clone();
        value.parent_company_id = f.parent_company_id.clone();
        value.select_all = f.select_all;
        value.unique_ref_no = f.unique_ref_no.clone();
        value
    }
}

/// The most of a `--body-json` read: a body of filters is a few hundred bytes.
const BODY_JSON_LIMIT: u64 = 64 * 1024;

fn read_body_json(path: &std::path::Path) -> Result<types::CustomerSearchRequest, CliError> {
    let usage = |why: String| CliError::Usage(format!("--body-json {}: {why}", path.display()));
    let bytes = if path.as_os_str() == "-" {
        local_input::read_at_most(io::stdin(), BODY_JSON_LIMIT)
    } else {
        local_input::read_path_at_most(path, BODY_JSON_LIMIT)
    };
    let text = bytes.and_then(local_input::text).map_err(usage)?;
    parse_body_json(&text).map_err(|e| CliError::Usage(format!("--body-json: {e}")))
}

/// A request body, strictly: a JSON object whose every key is a property of
/// `CustomerSearchRequest` with a value of its type. (The generated type alone would drop an
/// unknown key without a word, so a misspelt filter would widen the search.)
fn parse_body_json(text: &str) -> Result<types::CustomerSearchRequest, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = &value else {
        return Err("expected a JSON object of filters, e.g. {\"legalName\": \"Traders\"}".into());
    };
    let known = spec::CUSTOMER_SEARCH_REQUEST_PROPERTIES;
    for (key, value) in object {
        if !known.contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}`; the filters are {}",
                known.join(", ")
            ));
        }
        let one = Value::Object([(key.clone(), value.clone())].into_iter().collect());
        serde_json::from_value::<types::CustomerSearchRequest>(one)
            .map_err(|e| format!("key `{key}`: {e}"))?;
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_checked_key_by_key() {
        let body = parse_body_json(r#"{"legalName": "Traders", "dsoFrom": 3, "level": "LEVEL_2"}"#)
            .unwrap();
        assert_eq!(body.legal_name.as_deref(), Some("Traders"));
        assert_eq!(body.level, Some(types::CustomerLevel::Level2));

        let error = parse_body_json(r#"{"legalname": "Traders"}"#).unwrap_err();
        assert!(error.contains("unknown key `legalname`"), "{error}");
        let error = parse_body_json(r#"{"dsoFrom": "ten"}"#).unwrap_err();
        assert!(error.starts_with("key `dsoFrom`: invalid type"), "{error}");
        let error = parse_body_json(r#"{"level": "LEVEL_9"}"#).unwrap_err();
        assert!(error.starts_with("key `level`:"), "{error}");
        let error = parse_body_json("[1]").unwrap_err();
        assert!(error.contains("JSON object"), "{error}");
        let error = parse_body_json("{").unwrap_err();
        assert!(error.starts_with("not JSON"), "{error}");
        assert_eq!(
            parse_body_json("{}").unwrap(),
            types::CustomerSearchRequest::default()
        );
    }
}
