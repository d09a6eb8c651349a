//! The `enkash` binary against Stoplight Prism serving the spec (a third party's reading of
//! it): a search with filters, with a token or with credentials, exits 0 with output that
//! parses, Prism accepts every request, and the client-side exit code for an invalid request
//! holds there too.

use crate::common;

use assert_cmd::Command;
use serde_json::Value;
use workspace_tests::Prism;

fn enkash(prism: &Prism) -> Command {
    let mut command = common::clean_enkash();
    command.args(["--base-url", prism.base_url(), "--retries", "0"]);
    command
}

/// The output of a run that must have exited 0, with its stderr shown when it did not.
fn succeeded(output: std::process::Output) -> std::process::Output {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
#[ignore = "needs Node.js 20 and the npm registry; .ci/run runs it with --ignored"]
fn searches_against_prism_exit_as_documented() {
    let prism = Prism::start();

    // A bearer token and every kind of flag: exit 0, one JSON customer per line.
    let output = enkash(&prism)
        .args([
            "--token",
            "prism-token",
            "customers",
            "search",
            "--format",
            "ndjson",
        ])
        .args([
            "--legal-name",
            "Shree Ganesh",
            "--customer-status",
            "active",
        ])
        .args([
            "--customer-id",
            "KC0000000000000A",
            "--customer-id",
            "KC0000000000000B",
        ])
        .args(["--created-on-from", "2024-04-01T00:00:00Z"])
        .args(["--created-on-to", "2024-10-10T23:59:59Z"])
        .args(["--dso-from", "15", "--dso-to", "90", "--level", "LEVEL_1"])
        .args(["--order-by", "legalName", "--direction", "desc"])
        .args(["--limit", "25", "--offset", "50"])
        .output()
        .map(succeeded)
        .unwrap();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let customer: Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(customer.is_object(), "{line}");
    }

    // Credentials: a token call (Prism accepts any credentials), then the search.
    let output = enkash(&prism)
        .env("ENKASH_CLIENT_ID", "CEK1A2B3C4")
        .env("ENKASH_CLIENT_SECRET", "prism-secret")
        .env("ENKASH_USERNAME", "ops@example.in")
        .env("ENKASH_PASSWORD", "prism-password")
        .args(["customers", "search", "--format", "json"])
        .output()
        .map(succeeded)
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert!(
        document.get("customers").is_some_and(Value::is_array),
        "{document}"
    );

    // An invalid request is refused before sending: exit 2, and Prism sees nothing new.
    let received_before = prism.log().matches("Request received").count();
    enkash(&prism)
        .args([
            "--token",
            "prism-token",
            "customers",
            "search",
            "--limit",
            "6000",
        ])
        .assert()
        .code(2);
    assert_eq!(
        prism.log().matches("Request received").count(),
        received_before
    );

    assert_eq!(
        prism.rejected_requests(),
        0,
        "Prism's log:\n{}",
        prism.log()
    );
    assert!(received_before >= 3, "Prism saw {received_before} requests");
}
