//! The `enkash` binary end to end, against a sandbox started by each test on 127.0.0.1.

use crate::common::{self, TestSandbox};

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use enkash_customer_search_mock::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Sandbox,
};
use predicates::prelude::*;
use serde_json::Value;

use common::enkash;

fn stdout_of(command: &mut Command) -> String {
    let output = command.assert().success().get_output().stdout.clone();
    String::from_utf8(output).unwrap()
}

/// The standard error of `command`, which must exit with `code`.
fn stderr_of(command: &mut Command, code: i32) -> String {
    let output = command.assert().code(code).get_output().stderr.clone();
    String::from_utf8_lossy(&output).into_owned()
}

/// The API's base URL in the proxy tests: a name that never resolves, for the proxy to take.
const API: &str = "http://customers.enkash.invalid";

/// `url` (`http://host:port`) with a user and password in it, as a proxy's URL may have.
fn with_proxy_password(url: &str) -> String {
    url.replace("http://", "http://ops:S3cret-proxy@")
}

fn ids_of_ndjson(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let customer: Value = serde_json::from_str(line).unwrap();
            customer["customerId"].as_str().unwrap().to_string()
        })
        .collect()
}

fn dataset_ids(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .dataset()
        .iter()
        .map(|c| c["customerId"].as_str().unwrap().to_string())
        .collect()
}

// ---- exit codes ----

#[test]
fn a_bad_flag_value_is_a_usage_error_naming_the_flag_and_nothing_is_sent() {
    let sandbox = TestSandbox::start(20);
    for (flag, value) in [
        ("--created-on-from", "yesterday"),
        ("--customer-status", "maybe"),
        ("--level", "LEVEL_9"),
        ("--direction", "up"),
        ("--dso-from", "ten"),
        ("--timeout", "-1"),
        ("--retries", "-1"),
    ] {
        sandbox
            .enkash_with_token()
            .args(["customers", "search", flag, value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
    enkash()
        .args(["customers", "search", "--no-such-flag"])
        .assert()
        .code(2);
    assert_eq!(sandbox.search_requests(), 0);
}

#[test]
fn a_limit_out_of_range_is_refused_before_anything_is_sent() {
    let sandbox = TestSandbox::start(20);
    sandbox
        .enkash_with_credentials(SANDBOX_PASSWORD)
        .args(["customers", "search", "--limit", "6000"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "enkash: invalid request, nothing was sent: `limit`",
        ));
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--dso-from", "90", "--dso-to", "30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("dsoFrom"));
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--all", "--page-size", "6000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`limit`"));
    assert_eq!(sandbox.search_requests(), 0);
    assert_eq!(sandbox.token_requests(), 0);
}

#[test]
fn missing_or_unusable_settings_are_usage_errors() {
    enkash()
        .args(["customers", "search"])
        .assert()
        .code(2)
        .stderr(
            "enkash: no base URL: pass --base-url, set ENKASH_BASE_URL or give base_url in a \
             profile (or use --sandbox)\n",
        );
    // An empty variable is no value.
    enkash()
        .env("ENKASH_BASE_URL", "")
        .args(["customers", "search"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("enkash: no base URL"));
    let sandbox = TestSandbox::start(20);
    sandbox
        .enkash_with_credentials(SANDBOX_PASSWORD)
        .env_remove("ENKASH_CLIENT_SECRET")
        .args(["customers", "search"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing ENKASH_CLIENT_SECRET"));
    sandbox
        .enkash_with_credentials(SANDBOX_PASSWORD)
        .args([
            "customers",
            "search",
            "--token-url",
            "http://127.0.0.1:1/token",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/oauth/token"));
    enkash()
        .args(["customers", "search", "--base-url", "ftp://example.in"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid base URL"));
    assert_eq!(sandbox.token_requests() + sandbox.search_requests(), 0);
}

#[test]
fn an_api_error_exits_3_with_status_error_type_and_message() {
    let sandbox = TestSandbox::start(20);
    sandbox.faults().fail_next(1, 404);
    let assert = sandbox
        .enkash_with_token()
        .args(["customers", "search", "--retries", "3"])
        .assert()
        .code(3)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.starts_with("enkash: EnKash API error (HTTP 404, "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The id to quote to EnKash's support ends the line, once.
    let id = stderr
        .trim_end()
        .strip_suffix(']')
        .and_then(|line| line.rsplit_once("[request id "))
        .map(|(_, id)| id)
        .unwrap_or_else(|| panic!("no request id in {stderr}"));
    assert_eq!(id.len(), 36, "a UUID: {stderr}");
    assert_eq!(stderr.matches(id).count(), 1, "{stderr}");
    assert_eq!(sandbox.search_requests(), 1, "a 404 is not retried");
}

#[test]
fn a_failing_token_endpoint_is_transient_and_exits_5() {
    let sandbox = TestSandbox::start(5);
    sandbox.faults().fail_token_next(1, 503);
    let stderr = stderr_of(
        sandbox
            .enkash_with_credentials(SANDBOX_PASSWORD)
            .args(["customers", "search"]),
        5,
    );
    assert!(stderr.contains("the token endpoint failed"), "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    assert_eq!(sandbox.token_requests(), 1);
}

/// Retitles the window, clears the screen, starts a C1 sequence, reverses what follows.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}gnp.exe\r\nnext";

/// The first character in `text` a terminal would act on, line ends aside.
fn steering(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(*c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// A server on 127.0.0.1 that answers every search with `reply`, on a runtime of its own.
fn serving(
    reply: workspace_tests::Reply,
) -> (workspace_tests::RecordingServer, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(workspace_tests::RecordingServer::with_handler(move |_| {
        reply.clone()
    }));
    (server, runtime)
}

#[test]
fn text_a_server_sends_cannot_steer_the_terminal() {
    let error = serde_json::json!({
        "errorResponse": {"errorMessage": HOSTILE, "errorType": HOSTILE, "requestId": HOSTILE},
        "payload": null,
    });
    let (server, runtime) = serving(workspace_tests::Reply::json(400, &error));
    let stderr = stderr_of(
        enkash().args(["--base-url", server.base_url(), "customers", "search"]),
        3,
    );
    assert_eq!(steering(&stderr), None, "{stderr:?}");
    assert!(stderr.contains(r"\u{1b}]0;pwned\u{7}"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let page = workspace_tests::page_envelope(
        vec![serde_json::json!({"customerId": "KC00000000000001", "legalName": HOSTILE})],
        Some(1),
    );
    let (server, _runtime) = serving(workspace_tests::Reply::json(200, &page));
    let table = stdout_of(enkash().args([
        "--base-url",
        server.base_url(),
        "customers",
        "search",
        "--format",
        "table",
    ]));
    assert_eq!(steering(&table), None, "{table:?}");
    assert!(table.contains(r"\u{1b}]0;pwned"), "{table}");
    drop(runtime);
}

#[test]
fn a_rejected_password_exits_4_after_exactly_one_token_request() {
    let sandbox = TestSandbox::start(20);
    sandbox
        .enkash_with_credentials("not-the-password")
        .args(["customers", "search", "--retries", "3"])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with("enkash: authentication failed"))
        .stderr(predicate::str::contains("not-the-password").not());
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.search_requests(), 0);

    // No token and no credentials: the API's 401 is an authentication failure too.
    enkash()
        .args(["customers", "search", "--base-url", &sandbox.url()])
        .assert()
        .code(4);
    // And a token it does not know.
    enkash()
        .args(["customers", "search", "--base-url", &sandbox.url()])
        .args(["--token", "not-a-token"])
        .assert()
        .code(4);
}

#[test]
fn a_closed_port_exits_5() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    for retries in ["0", "1"] {
        enkash()
            .args(["customers", "search", "--base-url", &url, "--token", "t-1"])
            .args(["--retries", retries])
            .assert()
            .code(5)
            .stderr(predicate::str::starts_with("enkash: transport error"));
    }
}

#[test]
fn a_timeout_exits_5() {
    let sandbox = TestSandbox::start(20);
    sandbox.faults().set_latency(Duration::from_secs(3));
    let started = Instant::now();
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--timeout", "0.3", "--retries", "0"])
        .assert()
        .code(5)
        .stderr(predicate::str::starts_with("enkash: timed out"));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn an_html_page_exits_6() {
    let sandbox = TestSandbox::start(20);
    sandbox.faults().html_next(1, 502);
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--retries", "0"])
        .assert()
        .code(6)
        .stderr(predicate::str::starts_with(
            "enkash: undecodable response (HTTP 502",
        ));
    assert_eq!(sandbox.search_requests(), 1);
}

#[test]
fn transient_failures_are_retried_as_told() {
    let sandbox = TestSandbox::start(20);
    sandbox.faults().fail_next(1, 503);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--retries",
        "1",
        "--limit",
        "3",
        "--format",
        "ndjson",
    ]));
    assert_eq!(out.lines().count(), 3);
    assert_eq!(sandbox.search_requests(), 2);
}

// ---- formats ----

#[test]
fn ndjson_is_one_wire_customer_per_line() {
    let sandbox = TestSandbox::start(200);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "50",
        "--offset",
        "10",
        "--format",
        "ndjson",
    ]));
    let expected: Vec<String> = dataset_ids(&sandbox)[10..60].to_vec();
    assert_eq!(ids_of_ndjson(&out), expected);
    // Field for field as the sandbox wrote them (it sends no nulls unless told to).
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first, sandbox.dataset()[10]);

    // ndjson is the default when stdout is not a terminal.
    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--limit", "5"]),
    );
    assert_eq!(ids_of_ndjson(&out), dataset_ids(&sandbox)[..5].to_vec());
}

#[test]
fn unknown_enum_values_and_offsetless_timestamps_print_as_sent() {
    let sandbox = TestSandbox::start(50);
    sandbox.faults().offset_less_timestamps(true);
    sandbox.faults().unknown_enum_values(true);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "50",
        "--format",
        "ndjson",
    ]));
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let created_on = first["createdOn"].as_str().unwrap();
    assert!(!created_on.ends_with('Z'), "{created_on}");
    // A field the spec does not know is printed as it came.
    assert_eq!(first["gstFilingStatus"], "REGULAR");
    assert_eq!(ids_of_ndjson(&out), dataset_ids(&sandbox));

    // So is it in the json format, and not in csv (its columns are the spec's).
    let json: Value = serde_json::from_str(&stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "2",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["customers"][1]["gstFilingStatus"], "REGULAR");
    let csv = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "2",
        "--format",
        "csv",
    ]));
    assert!(!csv.contains("gstFilingStatus"), "{csv}");
}

#[test]
fn csv_has_a_header_and_a_row_per_customer() {
    let sandbox = TestSandbox::start(200);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "25",
        "--format",
        "csv",
    ]));
    let records: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
    assert_eq!(records.len(), 26, "a header and 25 rows");
    assert!(
        records[0].starts_with("accountNumber,active,address,assignedAgent,bankName,branchCodes,"),
        "{}",
        records[0]
    );
    assert_eq!(records[0].split(',').count(), 31);
    let id = sandbox.dataset()[0]["customerId"].as_str().unwrap();
    assert!(records[1].contains(&format!(",{id},")), "{}", records[1]);
}

#[test]
fn json_is_one_document() {
    let sandbox = TestSandbox::start(120);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "7",
        "--format",
        "json",
    ]));
    let page: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(page["recordsCount"], 120);
    assert_eq!(page["customers"].as_array().unwrap().len(), 7);

    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--all",
        "--page-size",
        "50",
        "--format",
        "json",
    ]));
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 120);
}

#[test]
fn table_has_the_header_and_aligned_rows() {
    let sandbox = TestSandbox::start(30);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--limit",
        "10",
        "--format",
        "table",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    let header = lines[0];
    for column in [
        "customerId",
        "legalName",
        "panOrGstin",
        "state",
        "netAmount",
        "dsoMedian",
        "active",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert_eq!(lines.len(), 12, "{out}");
    assert_eq!(lines[11], "(10 of 30 customers)");
    let name_at = header.find("legalName").unwrap();
    let id = sandbox.dataset()[0]["customerId"].as_str().unwrap();
    assert!(lines[1].starts_with(id));
    assert_eq!(&lines[1][..name_at].trim_end(), &id);
}

// ---- paging, filters, flags ----

#[test]
fn all_pages_through_every_customer() {
    let sandbox = TestSandbox::start(2_500);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--all",
        "--page-size",
        "1000",
        "--format",
        "ndjson",
    ]));
    let ids = ids_of_ndjson(&out);
    assert_eq!(ids.len(), 2_500);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 2_500);
    assert_eq!(sandbox.search_requests(), 3);
}

#[test]
fn pages_in_flight_keeps_that_many_searches_at_the_sandbox_at_once() {
    for (pages, most) in [(4, 4), (1, 1)] {
        let sandbox = TestSandbox::start(120);
        sandbox.faults().set_latency(Duration::from_millis(60));
        let out = stdout_of(sandbox.enkash_with_token().args([
            "customers",
            "search",
            "--all",
            "--page-size",
            "10",
            "--pages-in-flight",
            &pages.to_string(),
            "--format",
            "ndjson",
        ]));
        assert_eq!(
            ids_of_ndjson(&out),
            dataset_ids(&sandbox),
            "in order, each once"
        );
        assert_eq!(
            sandbox.most_searches_at_once(),
            most,
            "--pages-in-flight {pages}"
        );
    }
    let max = enkash_customer_search::MAX_PAGES_IN_FLIGHT;
    for bad in [0, max + 1] {
        enkash()
            .args([
                "--base-url",
                "http://127.0.0.1:9",
                "--token",
                "TK-in-flight",
            ])
            .args(["customers", "search", "--all", "--pages-in-flight"])
            .arg(bad.to_string())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--pages-in-flight"))
            .stderr(predicate::str::contains(format!("1..={max}")));
    }
}

#[test]
fn filters_reach_the_wire() {
    let sandbox = TestSandbox::start(1_000);
    let name = sandbox.dataset()[3]["legalName"].as_str().unwrap();
    let word = name.split_whitespace().next().unwrap().to_lowercase();
    let expected = sandbox
        .dataset()
        .iter()
        .filter(|c| {
            c["legalName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&word)
        })
        .count();
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--legal-name",
        &word,
        "--limit",
        "5000",
        "--format",
        "json",
    ]));
    let page: Value = serde_json::from_str(&out).unwrap();
    let customers = page["customers"].as_array().unwrap();
    assert!(!customers.is_empty() && customers.len() < 1_000);
    assert_eq!(customers.len(), expected);
    for customer in customers {
        let legal_name = customer["legalName"].as_str().unwrap().to_lowercase();
        assert!(legal_name.contains(&word), "{legal_name} lacks {word}");
    }

    let ids = dataset_ids(&sandbox);
    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--customer-id",
        &ids[5],
        "--customer-id",
        &format!("{},{}", ids[9], ids[2]),
    ]));
    let got: HashSet<String> = ids_of_ndjson(&out).into_iter().collect();
    let want: HashSet<String> = [&ids[5], &ids[9], &ids[2]].into_iter().cloned().collect();
    assert_eq!(got, want);

    let out = stdout_of(sandbox.enkash_with_token().args([
        "customers",
        "search",
        "--customer-status",
        "Inactive",
        "--limit",
        "5000",
    ]));
    assert!(out.lines().count() > 0);
    for line in out.lines() {
        let customer: Value = serde_json::from_str(line).unwrap();
        assert_eq!(customer["active"], false);
    }

    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args([
                "customers",
                "search",
                "--order-by",
                "legalName",
                "--direction",
                "desc",
            ])
            .args(["--limit", "20"]),
    );
    let names: Vec<String> = out
        .lines()
        .map(|l| {
            let customer: Value = serde_json::from_str(l).unwrap();
            customer["legalName"].as_str().unwrap().to_string()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
}

#[test]
fn a_body_json_is_sent_strictly() {
    let sandbox = TestSandbox::start(300);
    let ids = dataset_ids(&sandbox);
    let body = format!(r#"{{"customerIds": ["{}", "{}"]}}"#, ids[1], ids[4]);
    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--body-json", "-"])
            .write_stdin(body.clone()),
    );
    assert_eq!(ids_of_ndjson(&out).len(), 2);

    let dir = std::env::temp_dir().join(format!("enkash-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, r#"{"legalname": "x"}"#).unwrap();
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--body-json"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `legalname`"));
    std::fs::remove_dir_all(&dir).unwrap();

    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--body-json", "-"])
        .write_stdin(r#"{"dsoFrom": "ten"}"#)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key `dsoFrom`"));
    sandbox
        .enkash_with_token()
        .args([
            "customers",
            "search",
            "--body-json",
            "-",
            "--legal-name",
            "x",
        ])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--body-json")
                .and(predicate::str::contains("cannot be used with")),
        );
    assert_eq!(sandbox.search_requests(), 1);

    // A byte-order mark is no part of the JSON; a body that never ends is refused at its
    // bound, with nothing sent.
    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--body-json", "-"])
            .write_stdin(format!("\u{feff}{body}\n")),
    );
    assert_eq!(ids_of_ndjson(&out).len(), 2);
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--body-json", "/dev/zero"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("longer than 65536 bytes"));
    assert_eq!(sandbox.search_requests(), 2);
}

#[test]
fn connection_flags_work_before_and_after_the_subcommand() {
    let sandbox = TestSandbox::start(40);
    let url = sandbox.url();
    let token = sandbox.token();
    let lines: [&[&str]; 4] = [
        &["--base-url", &url, "--token", &token, "customers", "search"],
        &["customers", "search", "--base-url", &url, "--token", &token],
        &["--base-url", &url, "customers", "search", "--token", &token],
        &["customers", "--token", &token, "search", "--base-url", &url],
    ];
    for line in lines {
        let out = stdout_of(enkash().args(line).args(["--limit", "4"]));
        assert_eq!(out.lines().count(), 4, "{line:?}");
    }
    // The base URL from the environment, the token endpoint given explicitly.
    let out = stdout_of(
        sandbox
            .enkash_with_credentials(SANDBOX_PASSWORD)
            .env("ENKASH_BASE_URL", &url)
            .args(["customers", "search", "--limit", "2"])
            .args(["--token-url", &format!("{url}/oauth/token")]),
    );
    assert_eq!(out.lines().count(), 2);
    assert_eq!(sandbox.token_requests(), 1);
}

#[test]
fn sandbox_flag_needs_no_other_configuration() {
    let out = stdout_of(enkash().args([
        "customers",
        "search",
        "--sandbox",
        "--limit",
        "3",
        "--format",
        "ndjson",
    ]));
    assert_eq!(out.lines().count(), 3);
    // Connection settings are ignored with it.
    let out = stdout_of(
        enkash()
            .env("ENKASH_BASE_URL", "http://127.0.0.1:1")
            .env("ENKASH_TOKEN", "ignored")
            .args(["--sandbox", "customers", "search", "--limit", "1"]),
    );
    assert_eq!(out.lines().count(), 1);
}

// ---- secrets ----

#[test]
fn trace_logs_never_show_a_secret() {
    let sandbox = TestSandbox::start(20);
    let stderr = stderr_of(
        sandbox
            .enkash_with_credentials(SANDBOX_PASSWORD)
            .env("RUST_LOG", "trace")
            .args(["customers", "search", "--limit", "3"]),
        0,
    );
    assert!(stderr.contains("enkash.request"), "trace logging is on");
    for secret in [SANDBOX_PASSWORD, SANDBOX_CLIENT_SECRET] {
        assert!(!stderr.contains(secret), "{secret} in the logs");
    }

    let token = sandbox.token();
    let stderr = stderr_of(
        sandbox.enkash_with_token().env("RUST_LOG", "trace").args([
            "customers",
            "search",
            "--limit",
            "3",
        ]),
        0,
    );
    assert!(stderr.contains("enkash.request"));
    assert!(!stderr.contains(&token), "the token in the logs");

    let stderr = stderr_of(
        sandbox
            .enkash_with_credentials("wrong-password-1")
            .env("RUST_LOG", "trace")
            .args(["customers", "search"]),
        4,
    );
    assert!(!stderr.contains("wrong-password-1") && !stderr.contains(SANDBOX_CLIENT_SECRET));
}

#[test]
fn usage_errors_and_help_never_echo_the_token() {
    const TOKEN: &str = "TOKEN-d41d8cd98f00b204";
    let lines: [&[&str]; 7] = [
        &["--token", TOKEN, "customers", "search", "--limit", "x"],
        &["--token=TOKEN-d41d8cd98f00b204", "--bogus"],
        &[
            "customers",
            "search",
            "--token",
            "-TOKEN-d41d8cd98f00b204",
            "--level",
            "9",
        ],
        &["--token", TOKEN, "customerz"],
        &["--token", TOKEN, "--token", TOKEN, "customers", "search"],
        // The same string given to another flag would be quoted in its error.
        &["customers", "search", "--level", TOKEN, "--token", TOKEN],
        &["customers", "search", "--token", TOKEN, "--body-json"],
    ];
    for line in lines {
        enkash()
            .args(line)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("TOKEN-d41d8cd98f00b204").not())
            .stdout(predicate::str::contains("TOKEN-d41d8cd98f00b204").not());
    }
    enkash()
        .env("ENKASH_TOKEN", TOKEN)
        .args(["customers", "search", "--level", TOKEN])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value '***' for '--level"));
    for help in [&["--help"][..], &["customers", "search", "--help"]] {
        enkash()
            .env("ENKASH_TOKEN", TOKEN)
            .args(help)
            .assert()
            .success()
            .stdout(predicate::str::contains("Exit codes:"))
            .stdout(predicate::str::contains(TOKEN).not());
    }
}

#[test]
fn a_short_secret_is_hidden_only_where_it_stands_alone_in_clap_s_messages() {
    // A password that is part of ordinary words: the help keeps its words.
    let help = stdout_of(
        enkash()
            .env("ENKASH_PASSWORD", "word")
            .env("ENKASH_TOKEN", "e")
            .args(["--help"]),
    );
    assert!(
        help.contains("password") && help.contains("Exit codes:"),
        "{help}"
    );
    assert!(!help.contains("***"), "{help}");
    // The same short token quoted alone is hidden.
    enkash()
        .env("ENKASH_TOKEN", "xyz")
        .args(["customers", "search", "--level", "xyz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value '***' for '--level"))
        .stderr(predicate::str::contains("xyz").not());
}

#[test]
fn an_argument_clap_quotes_back_cannot_steer_the_terminal() {
    let stderr = stderr_of(
        enkash().args([
            "customers",
            "search",
            "--level",
            "\u{1b}]0;pwned\u{7}\u{202e}9",
        ]),
        2,
    );
    // clap itself drops an escape sequence it recognises; the rest is shown escaped.
    assert!(stderr.contains(r"\u{202e}9' for '--level"), "{stderr}");
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}', '\u{202e}']),
        "a raw control character: {stderr:?}"
    );
}

// ---- hostile servers ----

#[test]
fn a_reader_that_closes_stdout_early_is_not_an_error() {
    let sandbox = TestSandbox::start(10_000);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_enkash"))
        .args(["customers", "search", "--all", "--format", "ndjson"])
        .args([
            "--base-url",
            sandbox.base_url(),
            "--token",
            &sandbox.token(),
        ])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`: one line, then the pipe is closed with megabytes still to come.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();

    assert!(first.starts_with("{\"accountNumber\""), "{first}");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn a_result_set_that_changes_while_paging_exits_7() {
    let sandbox = TestSandbox::start(40);
    sandbox.faults().shift_next(2);
    let assert = sandbox
        .enkash_with_token()
        .args(["customers", "search", "--all", "--page-size", "10"])
        .args(["--format", "ndjson"])
        .assert()
        .code(7);
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        stderr.starts_with("enkash: the result set changed while paging: customer "),
        "{stderr}"
    );
    let ids = ids_of_ndjson(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(
        ids,
        dataset_ids(&sandbox)[..10],
        "the first page, once each"
    );
}

#[test]
fn credentials_echoed_by_the_token_endpoint_never_reach_stderr() {
    let sandbox = TestSandbox::start(20);
    sandbox.faults().echo_credentials_next(1);
    let stderr = stderr_of(
        sandbox
            .enkash_with_credentials(SANDBOX_PASSWORD)
            .env("RUST_LOG", "debug")
            .args(["customers", "search"]),
        4,
    );
    assert!(stderr.contains("Bad credentials for"), "{stderr}");
    // The password, the secret, and the Basic header's base64 of both.
    for secret in [
        SANDBOX_PASSWORD,
        SANDBOX_CLIENT_SECRET,
        "Q0VLU0FOREJPWDE6c2FuZGJveC1jbGllbnQtc2VjcmV0",
    ] {
        assert!(!stderr.contains(secret), "{secret} on stderr: {stderr}");
    }
}

// ---- enkash sandbox ----

/// `enkash sandbox` in a child process, with the lines it printed until its URL and token.
struct SandboxCommand {
    child: std::process::Child,
    lines: Vec<String>,
    url: String,
    token: String,
}

impl SandboxCommand {
    fn start(args: &[&str]) -> SandboxCommand {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_enkash"))
            .arg("sandbox")
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines_tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let (mut url, mut token, mut lines) = (None, None, Vec::new());
        while url.is_none() || token.is_none() {
            let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                panic!("the sandbox printed no URL and token: {lines:?}");
            };
            if let Some(value) = line.strip_prefix("export ENKASH_BASE_URL=") {
                url = Some(value.to_string());
            }
            if let Some(value) = line.strip_prefix("export ENKASH_TOKEN=") {
                token = Some(value.to_string());
            }
            lines.push(line);
        }
        SandboxCommand {
            child,
            lines,
            url: url.unwrap(),
            token: token.unwrap(),
        }
    }

    /// Ctrl-C (SIGINT through kill(1), from procps); its exit status, if it exited within
    /// 10 s, or `None` when kill(1) is missing (then it is just stopped).
    fn interrupt(mut self) -> Option<Option<std::process::ExitStatus>> {
        let interrupted = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if !interrupted {
                let _ = self.child.kill();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        interrupted.then_some(status)
    }
}

#[test]
fn the_sandbox_command_serves_until_interrupted() {
    let sandbox = SandboxCommand::start(&["--port", "0", "--customers", "60", "--seed", "7"]);
    let (url, token) = (sandbox.url.clone(), sandbox.token.clone());
    let result = std::panic::catch_unwind(|| {
        let out = stdout_of(
            enkash()
                .env("ENKASH_BASE_URL", &url)
                .env("ENKASH_TOKEN", &token)
                .args(["customers", "search", "--all", "--page-size", "25"]),
        );
        assert_eq!(ids_of_ndjson(&out).len(), 60);
        // The credentials it prints work too.
        let out = stdout_of(
            enkash()
                .env("ENKASH_BASE_URL", &url)
                .env("ENKASH_CLIENT_ID", SANDBOX_CLIENT_ID)
                .env("ENKASH_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
                .env("ENKASH_USERNAME", SANDBOX_USERNAME)
                .env("ENKASH_PASSWORD", SANDBOX_PASSWORD)
                .args(["customers", "search", "--limit", "1"]),
        );
        assert_eq!(out.lines().count(), 1);
    });
    let status = sandbox.interrupt();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    match status {
        Some(status) => assert!(
            status.is_some_and(|s| s.success()),
            "the sandbox did not exit 0 on Ctrl-C: {status:?}"
        ),
        None => eprintln!("kill(1) is not available: Ctrl-C not checked"),
    }
}

#[test]
fn the_sandbox_command_serves_https_with_a_ca_it_writes_out() {
    let dir = std::env::temp_dir().join(format!("enkash-sandbox-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("sandbox-ca.pem");
    let sandbox = SandboxCommand::start(&[
        "--port",
        "0",
        "--customers",
        "5",
        "--tls-ca-out",
        ca.to_str().unwrap(),
    ]);
    let (url, token) = (sandbox.url.clone(), sandbox.token.clone());
    let hint = sandbox.lines.iter().any(|l| l.contains("--ca-cert"));
    let result = std::panic::catch_unwind(|| {
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        assert!(hint, "no --ca-cert hint");
        let search = || {
            let mut command = enkash();
            command
                .env("ENKASH_BASE_URL", &url)
                .env("ENKASH_TOKEN", &token)
                .args(["--retries", "0", "customers", "search"]);
            command
        };
        let out = stdout_of(search().arg("--ca-cert").arg(&ca));
        assert_eq!(ids_of_ndjson(&out).len(), 5);
        // Without its CA, the certificate is refused, saying why.
        search()
            .assert()
            .failure()
            .stderr(predicate::str::contains("UnknownIssuer"));
    });
    sandbox.interrupt();
    std::fs::remove_dir_all(&dir).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn the_sandbox_command_replays_a_recorded_search() {
    let sandbox = TestSandbox::start(12);
    let dir = std::env::temp_dir().join(format!("enkash-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cassette = dir.join("run.jsonl");
    let search = [
        "customers",
        "search",
        "--all",
        "--page-size",
        "5",
        "--format",
        "ndjson",
    ];
    stdout_of(
        sandbox
            .enkash_with_token()
            .args(search)
            .arg("--record")
            .arg(&cassette),
    );
    drop(sandbox);

    let replay = SandboxCommand::start(&["--port", "0", "--replay", cassette.to_str().unwrap()]);
    assert!(
        replay.lines[0].contains("3 recorded exchanges"),
        "{:?}",
        replay.lines
    );
    let result = std::panic::catch_unwind(|| {
        let search_replay = || {
            let mut command = enkash();
            command.args(["--base-url", &replay.url, "--token", &replay.token]);
            command
        };
        let out = stdout_of(search_replay().args(search));
        assert_eq!(ids_of_ndjson(&out).len(), 12, "the recorded stand-ins");
        // A search nobody recorded: the nearest recorded one named.
        search_replay()
            .args(["customers", "search", "--limit", "7"])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("the nearest recorded one"))
            .stderr(predicate::str::contains("query limit (recorded 5, sent 7)"));
    });
    replay.interrupt();
    // A file that is not a cassette is a usage error.
    let not_a_cassette = dir.join("not.jsonl");
    std::fs::write(&not_a_cassette, "{\"hello\": 1}\n").unwrap();
    enkash()
        .args(["sandbox", "--port", "0", "--replay"])
        .arg(&not_a_cassette)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not the header of a cassette"));
    std::fs::remove_dir_all(&dir).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn the_sandbox_command_strays_from_the_spec_as_told() {
    let dir = std::env::temp_dir().join(format!("enkash-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report_file = dir.join("drift.json");
    let serve = |args: &[&str]| {
        let base = ["--port", "0", "--customers", "12", "--fail-first", "1"];
        SandboxCommand::start(&[&base[..], args].concat())
    };
    let search = |sandbox: &SandboxCommand| {
        let mut command = enkash();
        command
            .args(["--base-url", &sandbox.url, "--token", &sandbox.token])
            .args(["customers", "search", "--all", "--page-size", "5"])
            .args(["--format", "ndjson", "--drift-report"])
            .arg(&report_file);
        command
    };
    let report = || -> Value {
        serde_json::from_str(&std::fs::read_to_string(&report_file).unwrap()).unwrap()
    };

    let strays = serve(&[
        "--fault",
        "unknown-enum-values",
        "--fault",
        "offset-less-timestamps",
    ]);
    let result = std::panic::catch_unwind(|| {
        let out = stdout_of(&mut search(&strays));
        assert_eq!(ids_of_ndjson(&out).len(), 12);
        let report = report();
        // The 503 first (retried), then three pages.
        assert_eq!(report["responses"], 4);
        assert_eq!(
            report["unknown_enum_values"],
            serde_json::json!({"ErrorResponse.errorType": {"SOMETHING_NEW": 1}})
        );
        assert_eq!(
            report["unknown_fields"],
            serde_json::json!({"CustomerResponse.gstFilingStatus": 12})
        );
        assert_eq!(
            report["date_time_forms"]["CustomerResponse.createdOn"],
            serde_json::json!({"LocalIso8601": 12})
        );
        assert_eq!(report["unexpected_nulls"], serde_json::json!({}));
    });
    strays.interrupt();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }

    let nulls = serve(&["--fault", "null-fields"]);
    let result = std::panic::catch_unwind(|| {
        stdout_of(&mut search(&nulls));
        let report = report();
        assert_eq!(
            report["unexpected_nulls"],
            serde_json::json!({"ErrorResponse.errorType": 1})
        );
        assert_eq!(report["unknown_fields"], serde_json::json!({}));
    });
    nulls.interrupt();
    std::fs::remove_dir_all(&dir).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    enkash()
        .args(["sandbox", "--port", "0", "--fault", "everything"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("null-fields"));
}

/// The `Content-Encoding` of the sandbox at `url`'s answer to a search, asking for gzip or not.
fn search_coding(url: &str, token: &str, ask_gzip: bool) -> Option<String> {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let accept = if ask_gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "POST {} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         {accept}Content-Type: application/json\r\nContent-Length: 2\r\n\
         Connection: close\r\n\r\n{{}}",
        workspace_tests::SEARCH_PATH
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let head = String::from_utf8_lossy(&answer[..answer.len().min(2048)]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    head.lines()
        .find_map(|line| line.strip_prefix("content-encoding:"))
        .map(|value| value.trim().to_string())
}

#[test]
fn the_sandbox_command_compresses_when_asked_or_unasked_as_told() {
    let asked = SandboxCommand::start(&["--port", "0", "--customers", "30", "--compression"]);
    let unasked =
        SandboxCommand::start(&["--port", "0", "--customers", "30", "--gzip-unasked", "2"]);
    let result = std::panic::catch_unwind(|| {
        assert_eq!(
            search_coding(&asked.url, &asked.token, true).as_deref(),
            Some("gzip")
        );
        assert_eq!(search_coding(&asked.url, &asked.token, false), None);
        assert_eq!(
            search_coding(&unasked.url, &unasked.token, false).as_deref(),
            Some("gzip")
        );
        // The CLI asks for none and decodes the second all the same.
        let out = stdout_of(
            enkash()
                .args(["--base-url", &unasked.url, "--token", &unasked.token])
                .args(["--no-compression", "customers", "search", "--limit", "30"]),
        );
        assert_eq!(ids_of_ndjson(&out).len(), 30);
        assert_eq!(
            search_coding(&unasked.url, &unasked.token, false),
            None,
            "two only"
        );
    });
    asked.interrupt();
    unasked.interrupt();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn the_sandbox_command_needs_a_free_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    enkash()
        .args(["sandbox", "--port", &port, "--customers", "5"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "enkash: cannot start the sandbox on port",
        ));
}

/// A recording server on 127.0.0.1 answering every search with an empty page, and the runtime
/// it runs on (the test thread runs the binary).
fn recording_server(
    reply: workspace_tests::Reply,
) -> (tokio::runtime::Runtime, workspace_tests::RecordingServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(workspace_tests::RecordingServer::with_handler(move |_| {
        reply.clone()
    }));
    (runtime, server)
}

#[test]
fn headers_and_fields_the_spec_lacks_reach_the_wire() {
    let empty = workspace_tests::page_envelope(vec![], Some(0));
    let (_runtime, server) = recording_server(workspace_tests::Reply::json(200, &empty));
    enkash()
        .args(["--base-url", server.base_url(), "customers", "search"])
        .args(["--legal-name", "Traders", "--format", "ndjson"])
        .args([
            "--header",
            "x-correlation-id: c-1",
            "--header",
            "X-Api-Key:SEKRET-1",
        ])
        .args([
            "--extra-query",
            "include=archived",
            "--extra-query",
            "trace=on",
        ])
        .args([
            "--extra-body",
            r#"{"regionCode": "WEST"}"#,
            "--extra-body",
            r#"{"beta": true}"#,
        ])
        .args(["--deadline", "30"])
        .assert()
        .success()
        .stderr("");
    let requests = server.requests_to(workspace_tests::SEARCH_PATH);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.header("x-correlation-id").as_deref(), Some("c-1"));
    assert_eq!(request.header("x-api-key").as_deref(), Some("SEKRET-1"));
    assert_eq!(request.query_param("include").as_deref(), Some("archived"));
    assert_eq!(request.query_param("trace").as_deref(), Some("on"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"legalName": "Traders", "regionCode": "WEST", "beta": true})
    );
}

#[test]
fn extras_that_clash_are_usage_errors_and_nothing_is_sent() {
    let empty = workspace_tests::page_envelope(vec![], Some(0));
    let (_runtime, server) = recording_server(workspace_tests::Reply::json(200, &empty));
    for (flags, says) in [
        (
            vec!["--extra-body", r#"{"legalName": "x"}"#],
            "`legalName` is a filter of the spec",
        ),
        (
            vec!["--extra-query", "limit=5"],
            "`limit` is a query parameter of the spec",
        ),
        (
            vec!["--extra-body", r#"{"a": 1}"#, "--extra-body", r#"{"a": 2}"#],
            "`a` is given more than once",
        ),
        (vec!["--extra-body", "[1]"], "expected a JSON object"),
        (
            vec!["--header", "authorization: Bearer SEKRET-2"],
            "the client's own header",
        ),
    ] {
        let stderr = stderr_of(
            enkash()
                .args(["--base-url", server.base_url(), "customers", "search"])
                .args(&flags),
            2,
        );
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(!stderr.contains("SEKRET"), "{stderr}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_header_value_is_never_echoed_by_a_usage_error() {
    for header in ["x-api-key SEKRET-3", "x-api-key: SEKRET-3\n"] {
        let stderr = stderr_of(
            enkash()
                .args(["--base-url", "http://127.0.0.1:9", "customers", "search"])
                .args(["--header", header, "--deadline", "nope"]),
            2,
        );
        assert!(!stderr.contains("SEKRET"), "{stderr}");
    }
}

#[test]
fn the_deadline_ends_a_call_the_server_keeps_asking_to_wait() {
    let sandbox = TestSandbox::start(5);
    sandbox.faults().rate_limit_next(10, Duration::from_secs(2));
    let started = Instant::now();
    let stderr = stderr_of(
        sandbox.enkash_with_token().args([
            "customers",
            "search",
            "--retries",
            "5",
            "--deadline",
            "1",
        ]),
        5,
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr.contains("deadline of 1s ran out before attempt 2"),
        "{stderr}"
    );
    assert_eq!(sandbox.search_requests(), 1);
}

#[test]
fn a_token_file_is_a_token_source() {
    let sandbox = TestSandbox::start(5);
    let dir = std::env::temp_dir().join(format!("enkash-token-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    // A byte-order mark and the whitespace around the token are no part of it.
    std::fs::write(&file, format!("\u{feff} {}\r\n", sandbox.token())).unwrap();
    let output = stdout_of(
        enkash()
            .args(["--base-url", &sandbox.url(), "--token-file"])
            .arg(&file)
            .args(["customers", "search", "--format", "ndjson"]),
    );
    assert_eq!(output.lines().count(), 5);
    assert_eq!(sandbox.token_requests(), 0);

    // An empty or missing file: bad local input (exit 2) that names the file, and nothing
    // sent.
    std::fs::write(&file, "  \n").unwrap();
    let missing = dir.join("missing");
    for path in [&file, &missing] {
        let stderr = stderr_of(
            enkash()
                .args(["--base-url", &sandbox.url(), "--token-file"])
                .arg(path)
                .args(["customers", "search"]),
            2,
        );
        assert!(stderr.contains("the token source had no token"), "{stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    }
    assert_eq!(
        sandbox.search_requests(),
        1,
        "only the search with the good token"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A token file that never ends (`/dev/zero`) is refused at its bound, and one that never
/// answers (a FIFO whose writer writes nothing) is cut by the caller's deadline: neither hangs
/// the CLI nor fills its memory.
#[cfg(unix)]
#[test]
fn a_token_file_that_never_ends_or_never_answers_is_cut_short() {
    let sandbox = TestSandbox::start(5);
    let started = Instant::now();
    let stderr = stderr_of(
        enkash()
            .args(["--base-url", &sandbox.url(), "--token-file", "/dev/zero"])
            .args(["customers", "search"]),
        2,
    );
    assert!(stderr.contains("longer than 65536 bytes"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let dir = std::env::temp_dir().join(format!("enkash-token-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("token");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Held open for writing (read-write, so that opening does not wait for a reader), and
    // never written to.
    let _writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let started = Instant::now();
    let assert = enkash()
        .args(["--base-url", &sandbox.url(), "--token-file"])
        .arg(&fifo)
        .args(["customers", "search", "--deadline", "1"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("deadline of 1s ran out"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sandbox.search_requests(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A FIFO whose writer never stops: the CLI reads the limit and a little more, and the writer
/// learns it was cut off (a broken pipe) after writing not much more than that.
#[cfg(unix)]
#[test]
fn a_token_file_whose_writer_never_stops_is_read_to_its_bound_only() {
    use std::io::Write as _;
    let sandbox = TestSandbox::start(5);
    let dir = std::env::temp_dir().join(format!("enkash-token-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("token");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || {
            // Waits for the CLI to open it; then writes until the CLI has gone.
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let chunk = [b'A'; 4096];
            let mut written = 0usize;
            while let Ok(n) = pipe.write(&chunk) {
                written += n;
                if written > 64 << 20 {
                    break;
                }
            }
            written
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let stderr = stderr_of(
        enkash()
            .args(["--base-url", &sandbox.url(), "--token-file"])
            .arg(&fifo)
            .args(["customers", "search"]),
        2,
    );
    assert!(stderr.contains("longer than 65536 bytes"), "{stderr}");
    let written = writer.join().unwrap();
    // The limit, plus the pipe's own buffer and a chunk in flight.
    assert!(
        written <= 64 * 1024 + 1 + 64 * 1024 + 2 * 4096,
        "{written} bytes written"
    );
    assert!(written > 64 * 1024, "{written} bytes written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_drift_report_lists_what_the_responses_showed() {
    let sandbox = TestSandbox::start(30);
    sandbox.faults().unknown_enum_values(true);
    let dir = std::env::temp_dir().join(format!("enkash-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("drift.json");
    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--all", "--page-size", "10"])
            .args(["--format", "ndjson", "--drift-report"])
            .arg(&file),
    );
    assert_eq!(out.lines().count(), 30);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(report["responses"], 3);
    assert_eq!(
        report["unknown_fields"],
        serde_json::json!({"CustomerResponse.gstFilingStatus": 30})
    );
    assert_eq!(report["date_time_forms"], serde_json::json!({}));

    // `-` writes it to stderr, after the search, also when the search failed.
    sandbox.faults().fail_next(1, 400);
    let stderr = stderr_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--drift-report", "-"]),
        3,
    );
    // The report first, then the error line.
    let report: Value = serde_json::Deserializer::from_str(&stderr)
        .into_iter()
        .next()
        .expect("the report on stderr")
        .unwrap();
    assert_eq!(
        report["unknown_enum_values"],
        serde_json::json!({"ErrorResponse.errorType": {"SOMETHING_NEW": 1}})
    );
    let last = stderr.trim_end().lines().last().unwrap();
    assert!(last.starts_with("enkash: EnKash API error"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn record_writes_a_scrubbed_cassette_of_every_exchange() {
    let sandbox = TestSandbox::start(30);
    sandbox.faults().unknown_enum_values(true);
    let dir = std::env::temp_dir().join(format!("enkash-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("run.cassette.jsonl");
    let out = stdout_of(
        sandbox
            .enkash_with_token()
            .args(["customers", "search", "--all", "--page-size", "10"])
            .args(["--format", "ndjson", "--record"])
            .arg(&file),
    );
    let printed: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(printed.len(), 30);
    let cassette = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = cassette
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "a header and three pages");
    assert_eq!(lines[0]["format"], 1);
    let offsets: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["query"].as_str().unwrap())
        .collect();
    assert!(
        offsets.iter().all(|q| q.contains("limit=10")),
        "{offsets:?}"
    );
    assert!(offsets[2].contains("offset=20"), "{offsets:?}");
    // No customer's id or name as the CLI printed them; the unknown field kept by name.
    for customer in &printed {
        for field in ["customerId", "legalName", "panOrGstin"] {
            let value = customer[field].as_str().unwrap();
            assert!(!cassette.contains(value), "{field} {value} survived");
        }
    }
    assert!(cassette.contains("\"gstFilingStatus\""));
    assert!(!cassette.contains(&sandbox.token()), "the bearer token");

    // A cassette that cannot be created is a usage error, before anything is sent.
    sandbox
        .enkash_with_token()
        .args(["customers", "search", "--record"])
        .arg(dir.join("missing-dir").join("x.jsonl"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot create the cassette"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_compression_asks_for_none() {
    let page = workspace_tests::page_envelope(Vec::new(), Some(0));
    let (server, runtime) = serving(workspace_tests::Reply::json(200, &page));
    // gzip, and zstd too when the build has the client's `zstd` feature (a workspace build
    // does, through the workspace tests).
    for (flag, asks_gzip) in [(None, true), (Some("--no-compression"), false)] {
        let mut command = enkash();
        command.args(["--base-url", server.base_url(), "customers", "search"]);
        command.args(flag);
        command.assert().success();
        let asked = server.requests().pop().unwrap().header("accept-encoding");
        assert_eq!(asked.is_some(), asks_gzip, "{flag:?}: {asked:?}");
        if let Some(asked) = asked {
            assert!(asked.split(',').any(|e| e.trim() == "gzip"), "{asked}");
        }
    }
    drop(runtime);
}

#[test]
fn a_proxy_from_the_flag_or_the_environment_and_never_a_password_on_the_line() {
    let page = workspace_tests::page_envelope(Vec::new(), Some(0));
    let (proxy, runtime) = serving(workspace_tests::Reply::json(200, &page));
    enkash()
        .args([
            "--base-url",
            API,
            "--proxy",
            proxy.base_url(),
            "customers",
            "search",
        ])
        .assert()
        .success();
    enkash()
        .env("HTTP_PROXY", proxy.base_url())
        .args(["--base-url", API, "customers", "search"])
        .assert()
        .success();
    let seen = proxy.requests();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter().all(|r| r
            .uri
            .to_string()
            .starts_with(&format!("{API}/api/v0/customer/search"))),
        "{:?}",
        seen.iter().map(|r| r.uri.to_string()).collect::<Vec<_>>()
    );

    let with_password = with_proxy_password(proxy.base_url());
    let stderr = stderr_of(
        enkash().args([
            "--base-url",
            API,
            "--proxy",
            &with_password,
            "customers",
            "search",
        ]),
        2,
    );
    assert!(stderr.contains("HTTPS_PROXY"), "{stderr}");
    assert!(!stderr.contains("S3cret-proxy"), "{stderr}");
    assert_eq!(proxy.requests().len(), 2, "nothing sent");
    drop(runtime);
}

#[test]
fn a_proxy_s_407_names_the_proxy_and_never_its_password() {
    let refusal = workspace_tests::Reply::raw(407, "text/plain", "S3cret-proxy refused")
        .header("proxy-authenticate", "Basic realm=\"corp\"");
    let (proxy, runtime) = serving(refusal);
    let address = proxy.base_url().trim_start_matches("http://").to_string();
    let from_env = with_proxy_password(proxy.base_url());
    // A search the proxy refuses: its error names the proxy at `address`, and as `named`.
    let refused = |command: &mut assert_cmd::Command, named: &str| {
        let command = command.args([
            "--base-url",
            API,
            "--token",
            "a-token",
            "customers",
            "search",
        ]);
        let stderr = stderr_of(command, 5);
        assert!(
            stderr.contains(&format!("the proxy at {address}")),
            "{stderr}"
        );
        assert!(stderr.contains(named), "{stderr}");
        stderr
    };
    let stderr = refused(
        enkash().env("HTTP_PROXY", &from_env),
        &format!("http://***@{address} (from the environment)"),
    );
    assert!(!stderr.contains("S3cret-proxy"), "{stderr}");
    // The environment's credentials went to the proxy (`ops:S3cret-proxy`, by `base64`).
    let sent = proxy.requests().pop().unwrap();
    assert_eq!(
        sent.header("proxy-authorization").as_deref(),
        Some("Basic b3BzOlMzY3JldC1wcm94eQ==")
    );
    // Named by the URL --proxy gave.
    refused(
        enkash().args(["--proxy", proxy.base_url()]),
        &format!("http://{address} (given to the client)"),
    );
    drop(runtime);
}

#[test]
fn at_debug_level_the_route_is_logged_without_credentials() {
    let page = workspace_tests::page_envelope(Vec::new(), Some(0));
    let (proxy, runtime) = serving(workspace_tests::Reply::json(200, &page));
    let address = proxy.base_url().trim_start_matches("http://").to_string();
    let from_env = with_proxy_password(proxy.base_url());
    let logged = |command: &mut assert_cmd::Command| {
        let command = command
            .env("RUST_LOG", "enkash_customer_search=debug")
            .args(["--token", "a-token", "customers", "search"]);
        stderr_of(command, 0)
    };
    let stderr = logged(
        enkash()
            .env("HTTP_PROXY", &from_env)
            .env("NO_PROXY", "example.org")
            .args(["--base-url", API]),
    );
    assert!(stderr.contains("client built"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "through http://***@{address} (from the environment)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("SSL_CERT_FILE"),
        "the trust roots: {stderr}"
    );
    assert!(!stderr.contains("S3cret-proxy"), "{stderr}");
    let stderr = logged(enkash().args(["--base-url", API, "--proxy", proxy.base_url()]));
    assert!(
        stderr.contains(&format!("through http://{address} (given to the client)")),
        "{stderr}"
    );
    let (server, _runtime) = serving(workspace_tests::Reply::json(200, &page));
    let stderr = logged(enkash().args(["--base-url", server.base_url()]));
    assert!(stderr.contains("direct (no proxy for it"), "{stderr}");
    // The environment's proxy, but NO_PROXY names the host: direct, as reqwest goes.
    let stderr = logged(
        enkash()
            .env("HTTP_PROXY", &from_env)
            .env("NO_PROXY", "127.0.0.1")
            .args(["--base-url", server.base_url()]),
    );
    assert!(stderr.contains("direct (no proxy for it"), "{stderr}");
    drop(runtime);
}

#[test]
fn no_proxy_from_the_environment_holds_with_the_proxy_flag() {
    let page = workspace_tests::page_envelope(Vec::new(), Some(0));
    let (proxy, runtime) = serving(workspace_tests::Reply::json(200, &page));
    let (server, _runtime) = serving(workspace_tests::Reply::json(200, &page));
    for (name, value) in [
        ("NO_PROXY", "127.0.0.1"),
        ("no_proxy", "localhost,127.0.0.1"),
    ] {
        enkash()
            .env(name, value)
            .args(["--base-url", server.base_url(), "--proxy", proxy.base_url()])
            .args(["--token", "a-token", "customers", "search"])
            .assert()
            .success();
    }
    assert_eq!(server.requests().len(), 2, "straight to the server");
    assert!(proxy.requests().is_empty(), "never through the proxy");
    drop(runtime);
}

#[test]
fn a_private_ca_from_ca_cert_is_trusted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ca = enkash_customer_search_mock::ThrowawayCa::for_names(&["127.0.0.1"]).unwrap();
    let page = workspace_tests::page_envelope(Vec::new(), Some(0));
    let server = runtime.block_on(workspace_tests::RawServer::tls(
        vec![workspace_tests::raw_json_answer(200, &page)],
        &ca,
    ));
    let dir = std::env::temp_dir().join(format!("enkash-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ca.pem");
    std::fs::write(&file, ca.ca_pem()).unwrap();
    let search = |with_ca: bool| {
        let mut command = enkash();
        command.args(["--base-url", server.base_url(), "customers", "search"]);
        if with_ca {
            command.arg("--ca-cert").arg(&file);
        }
        command.assert()
    };
    search(true).success();
    let refused = search(false).code(5);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    // The platform's store as the environment names it, as curl and OpenSSL read it.
    enkash()
        .env("SSL_CERT_FILE", &file)
        .args(["--base-url", server.base_url(), "customers", "search"])
        .assert()
        .success();
    std::fs::remove_dir_all(&dir).unwrap();
    drop(server);
}

#[test]
fn a_ca_cert_that_is_no_pem_bundle_is_a_usage_error_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("enkash-bad-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes, why) in [
        ("ca.der", &b"\x30\x82\x01\x0a"[..], "DER, not PEM"),
        ("empty.pem", &b"not a bundle"[..], "holds no certificate"),
        (
            "garbage.pem",
            &b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"[..],
            "not an X.509 certificate",
        ),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let stderr = stderr_of(
            enkash()
                .args(["--base-url", "https://127.0.0.1:9", "--token", "t"])
                .arg("--ca-cert")
                .arg(&file)
                .args(["customers", "search"]),
            2,
        );
        assert!(
            stderr.contains(&format!("--ca-cert {}", file.display())),
            "{stderr}"
        );
        assert!(stderr.contains(why), "{name}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- completions ----

/// Every subcommand's name and every long flag, read off the binary's own `--help`.
fn names_in_help(path: &[&str], names: &mut Vec<String>) {
    let help = stdout_of(enkash().args(path).arg("--help"));
    let mut in_commands = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            match line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
            {
                Some("help") => {}
                Some(sub) if !line.starts_with("   ") => {
                    names.push(sub.to_string());
                    names_in_help(&[path, &[sub]].concat(), names);
                }
                _ => in_commands = !line.is_empty(),
            }
            continue;
        }
        for word in line.split([' ', ',', '=', '[', ']']) {
            if let Some(flag) = word.strip_prefix("--")
                && flag.len() > 1
                && flag.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                names.push(format!("--{flag}"));
            }
        }
    }
}

#[test]
fn completions_name_every_subcommand_and_flag_and_bash_reads_them() {
    let mut names = Vec::new();
    names_in_help(&[], &mut names);
    for expected in [
        "customers",
        "search",
        "sandbox",
        "--pages-in-flight",
        "--base-url",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let bash = stdout_of(enkash().args(["completions", "bash"]));
    for name in &names {
        assert!(
            bash.contains(name.as_str()),
            "{name} in the bash completions"
        );
    }
    match std::process::Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(bash.as_bytes())
                .unwrap();
            assert!(
                child.wait().unwrap().success(),
                "bash -n refused the script"
            );
        }
        Err(_) => eprintln!("bash is not installed: the script's syntax is not checked"),
    }
    for (shell, mark) in [
        ("zsh", "#compdef enkash"),
        ("fish", "complete -c enkash"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[enkash]"),
    ] {
        let script = stdout_of(enkash().args(["completions", shell]));
        assert!(script.contains(mark), "{shell}: {script}");
        assert!(script.contains("pages-in-flight"), "{shell}");
    }
    enkash()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
}
