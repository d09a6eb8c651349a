//! The command line: every flag, its parser, and the help text.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use enkash_customer_search::env::{BASE_URL_VAR, CLIENT_ID_VAR, TOKEN_VAR, USERNAME_VAR};
use enkash_customer_search::types::{CustomerLevel, CustomerStatusFilter, SortDirection};

const ENV_HELP: &str = "\
Environment:
  ENKASH_BASE_URL, ENKASH_TOKEN     same as --base-url, --token
  ENKASH_CLIENT_ID, ENKASH_USERNAME same as --client-id, --username
  ENKASH_CLIENT_SECRET, ENKASH_PASSWORD
                                    the secrets of the password grant (environment only)
  ENKASH_PROFILE                    same as --profile: a profile of config.toml
                                    ($XDG_CONFIG_HOME/enkash/, else ~/.config/enkash/;
                                    `enkash config show` says which settings came from it)
  NO_COLOR                          no colour in the progress bar
  RUST_LOG                          log to stderr (e.g. RUST_LOG=debug); off when unset.
                                    Secrets are never logged.";

/// `enkash`: search EnKash customers, or serve a local sandbox.
#[derive(Debug, Parser)]
#[command(
    name = "enkash",
    version,
    about = "Search EnKash Accounts Receivable customers, or serve a local sandbox",
    after_help = format!("{ENV_HELP}\n\n{}", crate::exit::help()),
    propagate_version = true
)]
pub struct Cli {
    /// Connection settings, accepted before or after the subcommand.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where EnKash is and how to authenticate. Global: accepted anywhere on the line.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Connection (global: before or after the subcommand)")]
pub struct ConnectionArgs {
    /// EnKash's base URL: scheme, host, and any path prefix
    #[arg(long, global = true, env = BASE_URL_VAR, value_name = "URL")]
    pub base_url: Option<String>,

    /// A bearer token to send as it is (wins over credentials). Never printed.
    #[arg(
        long,
        global = true,
        env = TOKEN_VAR,
        hide_env_values = true,
        allow_hyphen_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// A file holding a bearer token (a vault agent's or a sidecar's), read again whenever
    /// the token is a minute old or EnKash refuses it. Never printed.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,

    /// The API client id, for the password grant (with ENKASH_CLIENT_SECRET, --username and
    /// ENKASH_PASSWORD)
    #[arg(long, global = true, env = CLIENT_ID_VAR, value_name = "ID")]
    pub client_id: Option<String>,

    /// The user's e-mail, for the password grant
    #[arg(long, global = true, env = USERNAME_VAR, value_name = "EMAIL")]
    pub username: Option<String>,

    /// The token endpoint, ending in /oauth/token [default: <base URL>/oauth/token]
    #[arg(long, global = true, value_name = "URL")]
    pub token_url: Option<String>,

    /// Seconds to wait for each response (per attempt) [default: the profile's timeout, else
    /// 60]
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        value_parser = parse_timeout,
        allow_negative_numbers = true
    )]
    pub timeout: Option<Duration>,

    #[arg(
        long,
        global = true,
        value_name = "N",
        allow_negative_numbers = true,
        help = crate::exit::retries_help()
    )]
    pub retries: Option<u32>,

    /// Send requests through this HTTP proxy (without a password: give one in HTTPS_PROXY);
    /// by default HTTPS_PROXY, HTTP_PROXY and NO_PROXY decide, else the profile's proxy
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,

    /// Trust the CA certificates of this PEM file too, besides the system's (and SSL_CERT_FILE's)
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Ask for no compressed response (by default a search asks for gzip)
    #[arg(long, global = true)]
    pub no_compression: bool,

    /// Start the embedded sandbox in this process and search it with its own credentials
    /// (--base-url, --token, --token-url and the credentials are then ignored)
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// Take the settings the flags and the environment leave unset from this profile of
    /// config.toml (see `enkash config show`) [env: ENKASH_PROFILE; default: the profile
    /// named default, if there is one]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

impl ConnectionArgs {
    /// The settings with every empty value unset, as if not given (`ENKASH_TOKEN=` in a
    /// shell means no token), so that a lower level (the profile, the default) applies.
    pub fn without_empty_values(mut self) -> Self {
        for value in [
            &mut self.base_url,
            &mut self.token,
            &mut self.client_id,
            &mut self.username,
            &mut self.token_url,
            &mut self.proxy,
            &mut self.profile,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        self
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Customers of your Accounts Receivable company
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Serve a local EnKash sandbox (fake customers, same API) until Ctrl-C
    #[command(after_help = crate::exit::help())]
    Sandbox(SandboxArgs),
    /// Profiles of connection settings in config.toml
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the completion script of a shell, e.g. `enkash completions bash >
    /// ~/.local/share/bash-completion/completions/enkash`
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `enkash config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every connection setting, its value (a secret only as set or not) and where it
    /// came from: a flag, the environment, the profile, or the default
    Show,
    /// Write a commented config.toml with a default profile, to edit
    Init {
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

/// `enkash customers …`.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Search customers: one page (--limit/--offset), or every page (--all)
    #[command(after_help = format!("{ENV_HELP}\n\n{}", crate::exit::help()))]
    Search(Box<SearchArgs>),
}

/// `enkash customers search`.
#[derive(Clone, Debug, Args)]
pub struct SearchArgs {
    /// The filters, one flag per field of the request body.
    #[command(flatten)]
    pub filters: FilterArgs,

    /// The whole request body as JSON, from FILE or - (stdin), instead of the filter flags;
    /// unknown keys and wrong types are refused
    #[arg(
        long,
        value_name = "FILE|-",
        conflicts_with = "filters",
        help_heading = "Filters (request body)"
    )]
    pub body_json: Option<PathBuf>,

    /// Sort by this field (orderBy), e.g. legalName or createdOn
    #[arg(long, value_name = "FIELD", help_heading = "Paging and sorting")]
    pub order_by: Option<String>,

    /// Sort direction (direction)
    #[arg(long, value_name = "asc|desc", value_parser = parse_direction, help_heading = "Paging and sorting")]
    pub direction: Option<SortDirection>,

    #[arg(
        long,
        help = format!("Page size (limit), {}; one page only, see --page-size for --all", page_sizes()),
        value_name = "N",
        allow_negative_numbers = true,
        conflicts_with = "all",
        help_heading = "Paging and sorting"
    )]
    pub limit: Option<i32>,

    /// Matching customers to skip (offset); with --all, where paging starts
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Paging and sorting"
    )]
    pub offset: Option<i32>,

    /// Fetch every page (progress on stderr when it is a terminal)
    #[arg(long, help_heading = "Paging and sorting")]
    pub all: bool,

    #[arg(
        long,
        help = format!(
            "Page size for --all, {} [default: the profile's page_size, else {}]",
            page_sizes(),
            enkash_customer_search::MAX_PAGE_SIZE
        ),
        value_name = "N",
        allow_negative_numbers = true,
        requires = "all",
        help_heading = "Paging and sorting"
    )]
    pub page_size: Option<i32>,

    #[arg(
        long,
        help = format!(
            "Pages fetched at once with --all, 1 to {} (customers still print in order)",
            enkash_customer_search::MAX_PAGES_IN_FLIGHT
        ),
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u64)
            .range(1..=enkash_customer_search::MAX_PAGES_IN_FLIGHT as u64),
        requires = "all",
        help_heading = "Paging and sorting"
    )]
    pub pages_in_flight: u64,

    /// Send this header with the search too (repeatable); one whose name speaks of a secret
    /// (x-api-key, cookie, *token*, *auth*, …) is never shown
    #[arg(
        long = "header",
        value_name = "'NAME: VALUE'",
        value_parser = parse_header,
        help_heading = "Per-call options"
    )]
    pub headers: Vec<(String, String)>,

    /// Give up on the search (each page with --all) after SECONDS, retries and the waits
    /// between them included
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = parse_timeout,
        help_heading = "Per-call options"
    )]
    pub deadline: Option<Duration>,

    /// A query parameter the spec lacks, sent as given (repeatable)
    #[arg(
        long,
        value_name = "NAME=VALUE",
        value_parser = parse_pair,
        help_heading = "Fields the spec lacks"
    )]
    pub extra_query: Vec<(String, String)>,

    /// Body fields the spec lacks, as a JSON object merged into the filters (repeatable; a key
    /// given twice, or one the spec names, is refused)
    #[arg(
        long,
        value_name = "JSON",
        value_parser = parse_object,
        help_heading = "Fields the spec lacks"
    )]
    pub extra_body: Vec<serde_json::Map<String, serde_json::Value>>,

    /// Check every response against the spec and write what strayed from it (unknown enum
    /// values, date-time forms, unexpected nulls, unknown fields: names and counts only) as
    /// JSON to FILE, or - for stderr, after the search
    #[arg(long, value_name = "FILE|-", help_heading = "Output")]
    pub drift_report: Option<PathBuf>,

    /// Record every exchange of the search to FILE as a cassette (JSON lines), scrubbed of
    /// every secret and every customer value (each replaced by a stand-in of the same type and
    /// form); your own filters and paging are kept as sent. For a bug report, a test fixture,
    /// or `cargo xtask spec-suggest`
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub record: Option<PathBuf>,

    /// Output format [default: table when stdout is a terminal, ndjson otherwise]
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<Format>,

    /// In CSV, put a ' before every cell that starts with =, +, -, @, a tab or a carriage
    /// return, so that a spreadsheet shows it instead of running it as a formula (OWASP's
    /// advice against CSV injection). It changes the data: for files meant for spreadsheets
    #[arg(long, help_heading = "Output")]
    pub csv_escape_formulas: bool,

    /// No progress bar on stderr (it is drawn only when stderr is a terminal anyway)
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
}

/// How the customers are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One document: {"recordsCount", "customers"} for a page, an array with --all
    Json,
    /// One customer per line, as sent (null fields omitted)
    Ndjson,
    /// Aligned columns for people
    Table,
    /// RFC 4180, a header row and a column per scalar field; arrays as JSON text
    Csv,
}

/// One flag per property of `CustomerSearchRequest`, kebab-case after its wire name.
#[derive(Clone, Debug, Args, Default)]
#[group(id = "filters", multiple = true)]
#[command(next_help_heading = "Filters (request body)")]
pub struct FilterArgs {
    /// accountNumber: the customer's bank account number
    #[arg(long, value_name = "NUMBER")]
    pub account_number: Option<String>,
    /// assignedAgent: the collection agent assigned to the customer
    #[arg(long, value_name = "NAME")]
    pub assigned_agent: Option<String>,
    /// balanceAmount: outstanding balance amount
    #[arg(long, value_name = "AMOUNT", allow_negative_numbers = true)]
    pub balance_amount: Option<f64>,
    /// companyId: the EnKash company id (CEK…)
    #[arg(long, value_name = "ID")]
    pub company_id: Option<String>,
    /// contactNumber: the customer's contact phone number
    #[arg(long, value_name = "PHONE")]
    pub contact_number: Option<String>,
    /// createdByName: name of the user who created the customer
    #[arg(long, value_name = "NAME")]
    pub created_by_name: Option<String>,
    /// createdOnFrom: created at or after (RFC 3339, e.g. 2024-04-01T00:00:00Z)
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub created_on_from: Option<DateTime<Utc>>,
    /// createdOnTo: created at or before (RFC 3339)
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub created_on_to: Option<DateTime<Utc>>,
    /// customerIds: only this customer id (KC…); repeat, or separate with commas
    #[arg(long = "customer-id", value_name = "ID", value_delimiter = ',')]
    pub customer_ids: Vec<String>,
    /// customerStatus: active, all or inactive
    #[arg(long, value_name = "STATUS", value_parser = parse_customer_status)]
    pub customer_status: Option<CustomerStatusFilter>,
    /// dsoFrom: lowest days-sales-outstanding to include
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub dso_from: Option<i32>,
    /// dsoTo: highest days-sales-outstanding to include
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub dso_to: Option<i32>,
    /// ifsc: IFSC code of the customer's bank branch
    #[arg(long, value_name = "CODE")]
    pub ifsc: Option<String>,
    /// legalName: the customer's legal name
    #[arg(long, value_name = "NAME")]
    pub legal_name: Option<String>,
    /// level: LEVEL_1, LEVEL_2 or LEVEL_3 (also level-1, or 1)
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub level: Option<CustomerLevel>,
    /// modifiedByName: name of the user who last modified the customer
    #[arg(long, value_name = "NAME")]
    pub modified_by_name: Option<String>,
    /// modifiedOn: when the customer was last modified (RFC 3339)
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub modified_on: Option<DateTime<Utc>>,
    /// panOrGstin: the customer's PAN or GSTIN
    #[arg(long, value_name = "PAN|GSTIN")]
    pub pan_or_gstin: Option<String>,
    /// parentCompanyId: id of the customer's parent company
    #[arg(long, value_name = "ID")]
    pub parent_company_id: Option<String>,
    /// selectAll: select every customer that matches (--select-all, or --select-all=false)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub select_all: Option<bool>,
    /// uniqueRefNo: the customer's reference number in your own records
    #[arg(long, value_name = "REF")]
    pub unique_ref_no: Option<String>,
}

/// `enkash sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on, on 127.0.0.1 (0: any free port)
    #[arg(long, value_name = "P")]
    pub port: u16,
    /// How many customers to make up
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub customers: usize,
    /// Delay before every answer, in milliseconds
    #[arg(long, value_name = "L", default_value_t = 0)]
    pub latency_ms: u64,
    /// Seed of the made-up data (the same seed gives the same customers)
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// Serve HTTPS with a certificate from a CA made at start, and write the CA's certificate
    /// (PEM) to FILE, for --ca-cert FILE
    #[arg(long, value_name = "FILE")]
    pub tls_ca_out: Option<PathBuf>,
    /// Pace every response body to this many bytes a second, all sharing one link, as a WAN
    /// to a remote EnKash would
    #[arg(long, value_name = "BYTES")]
    pub bandwidth: Option<u64>,
    /// Gzip an answer whose request asks for it (Accept-Encoding), as a gateway in front of
    /// EnKash may
    #[arg(long)]
    pub compression: bool,
    /// Gzip the answers to the first N searches whether they ask for it or not, as a gateway
    /// that compresses for everyone does
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub gzip_unasked: usize,
    /// Serve the cassette FILE (written by `customers search --record`) instead of made-up
    /// customers: each recorded request gets its recorded answers, any other a 404 naming the
    /// nearest recorded one
    #[arg(long, value_name = "FILE", conflicts_with_all = ["customers", "seed", "latency_ms", "tls_ca_out", "bandwidth", "compression", "gzip_unasked", "fault", "fail_first"])]
    pub replay: Option<PathBuf>,
    /// Stray from the spec as EnKash might, to try drift reports, cassettes and
    /// `cargo xtask spec-suggest` on (repeatable)
    #[arg(long, value_name = "FAULT", value_enum)]
    pub fault: Vec<SandboxFault>,
    /// Answer the first N searches 503 (a client retries them)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fail_first: usize,
}

/// A way the sandbox strays from the spec while it serves (its `Faults` switches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxFault {
    /// Every customer field null but customerId, and an error's errorType null
    NullFields,
    /// An errorType the spec does not list, and a customer field it lacks
    UnknownEnumValues,
    /// Date-times without an offset (IST wall-clock time)
    OffsetLessTimestamps,
}

fn parse_rfc3339(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 date-time such as 2024-04-01T00:00:00Z ({e})"))
}

fn parse_timeout(value: &str) -> Result<Duration, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| "not a number of seconds".to_string())?;
    timeout_of(seconds)
}

/// A timeout of `seconds`, more than 0 and at most a day.
pub fn timeout_of(seconds: f64) -> Result<Duration, String> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err("must be more than 0 and at most 86400 seconds".into());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `value` upper-cased with `-` as `_`, so `level-1`, `Level_1` and `LEVEL_1` are alike.
fn normalised(value: &str) -> String {
    value.trim().to_ascii_uppercase().replace('-', "_")
}

/// `Name: value`; the value is never quoted in the error, as it may be a secret.
fn parse_header(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err("expected 'Name: value'".to_string()),
    }
}

/// `name=value`.
fn parse_pair(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, not {value:?}")),
    }
}

/// A JSON object.
fn parse_object(value: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_str(value) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => Err("expected a JSON object, {\"name\": value}".to_string()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn parse_customer_status(value: &str) -> Result<CustomerStatusFilter, String> {
    normalised(value)
        .parse()
        .map_err(|_| "expected active, all or inactive".into())
}

fn parse_level(value: &str) -> Result<CustomerLevel, String> {
    let value = normalised(value);
    let value = if value.chars().all(|c| c.is_ascii_digit()) {
        format!("LEVEL_{value}")
    } else {
        value
    };
    value
        .parse()
        .map_err(|_| "expected LEVEL_1, LEVEL_2 or LEVEL_3 (or level-1, 1, …)".into())
}

fn parse_direction(value: &str) -> Result<SortDirection, String> {
    normalised(value)
        .parse()
        .map_err(|_| "expected asc or desc".into())
}

/// The page sizes the spec allows, for the help text.
fn page_sizes() -> String {
    use enkash_customer_search::spec;
    format!(
        "{} to {}",
        spec::SEARCH_CUSTOMER_LIMIT_MIN,
        spec::SEARCH_CUSTOMER_LIMIT_MAX
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use clap::CommandFactory;
    use serde_json::Value;
    use workspace_tests::spec;

    use super::*;

    fn kebab(wire: &str) -> String {
        let mut out = String::new();
        for c in wire.chars() {
            if c.is_ascii_uppercase() {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The flag of a body property: kebab-case after the wire name; a list's flag is
    /// singular because it is repeated (`customerIds` → `--customer-id`).
    fn flag_of(wire: &str) -> String {
        let flag = kebab(wire);
        match flag.strip_suffix("-ids") {
            Some(stem) => format!("{stem}-id"),
            None => flag,
        }
    }

    fn search_command() -> clap::Command {
        Cli::command()
            .find_subcommand("customers")
            .unwrap()
            .find_subcommand("search")
            .unwrap()
            .clone()
    }

    fn has_long(command: &clap::Command, long: &str) -> bool {
        command.get_arguments().any(|a| a.get_long() == Some(long))
    }

    /// A value of the property's type, as a flag would take it.
    fn sample(schema: &Value, spec: &Value) -> String {
        let schema = match schema.get("allOf") {
            Some(all_of) => {
                let reference = all_of[0]["$ref"].as_str().unwrap();
                let name = reference.rsplit('/').next().unwrap();
                &spec["components"]["schemas"][name]
            }
            None => schema,
        };
        if let Some(values) = schema.get("enum") {
            return values[0].as_str().unwrap().to_ascii_lowercase();
        }
        match (
            schema["type"].as_str().unwrap(),
            schema.get("format").and_then(Value::as_str),
        ) {
            ("string", Some("date-time")) => "2024-04-01T00:00:00Z".into(),
            ("string", _) | ("array", _) => "x".into(),
            ("integer", _) => "7".into(),
            ("number", _) => "1.5".into(),
            ("boolean", _) => "true".into(),
            (other, _) => panic!("a flag for a property of type {other}"),
        }
    }

    #[test]
    fn every_body_property_and_query_parameter_in_the_spec_has_a_flag_that_sets_it() {
        let spec = spec();
        let search = search_command();
        let properties = spec["components"]["schemas"]["CustomerSearchRequest"]["properties"]
            .as_object()
            .unwrap();
        assert!(properties.len() >= 21, "the spec has the filters");

        let mut args = vec!["enkash".to_string(), "customers".into(), "search".into()];
        let mut wire_names = BTreeSet::new();
        for (name, schema) in properties {
            let flag = flag_of(name);
            assert!(
                has_long(&search, &flag),
                "the spec's CustomerSearchRequest property `{name}` has no --{flag} flag"
            );
            args.push(format!("--{flag}={}", sample(schema, &spec)));
            wire_names.insert(name.to_string());
        }
        // Every flag given at once: the body has every property of the spec.
        let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{e}"));
        let Command::Customers(CustomersCommand::Search(search_args)) = cli.command else {
            panic!("not a search");
        };
        let body =
            serde_json::to_value(crate::search::filters_from_flags(&search_args.filters)).unwrap();
        let sent: BTreeSet<String> = body.as_object().unwrap().keys().cloned().collect();
        assert_eq!(sent, wire_names, "every flag reaches its wire name");

        // The generated type serialises every one of them, under the names --body-json knows.
        let known: BTreeSet<String> =
            enkash_customer_search::spec::CUSTOMER_SEARCH_REQUEST_PROPERTIES
                .iter()
                .map(|name| name.to_string())
                .collect();
        assert_eq!(known, wire_names);

        let parameters = spec["paths"]["/api/v0/customer/search"]["post"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(parameters.len(), 4);
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap();
            assert!(
                has_long(&search, &kebab(name)),
                "query parameter `{name}` has no --{} flag",
                kebab(name)
            );
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn enum_flags_take_several_spellings() {
        assert_eq!(parse_level("level-2"), Ok(CustomerLevel::Level2));
        assert_eq!(parse_level("LEVEL_3"), Ok(CustomerLevel::Level3));
        assert_eq!(parse_level("1"), Ok(CustomerLevel::Level1));
        assert!(parse_level("4").is_err());
        assert_eq!(
            parse_customer_status("Inactive"),
            Ok(CustomerStatusFilter::Inactive)
        );
        assert_eq!(parse_direction("desc"), Ok(SortDirection::Desc));
        assert!(parse_timeout("0").is_err());
        assert_eq!(parse_timeout("1.5"), Ok(Duration::from_millis(1500)));
    }
}
