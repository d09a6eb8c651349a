//! What the client tells `tracing`: one `enkash.request` span per attempt with the operation,
//! attempt, status and latency, and never a secret or a customer's data, even at TRACE level
//! with every dependency's events included.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use enkash_customer_search::{Client, Credentials, RetryPolicy, SearchQuery};
use serde_json::json;
use workspace_tests::{
    RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, capture_logs, page_envelope,
};

const CLIENT_SECRET: &str = "CS-tr4c3-secret";
const PASSWORD: &str = "PW-tr4c3-password";
const TOKEN: &str = "TK-tr4c3-token";
const STALE_TOKEN: &str = "TK-tr4c3-stale";
const CUSTOMER: &str = "Tr4ce Private Customer Pvt Ltd";
const GSTIN: &str = "27TRACE0939F1ZV";

#[tokio::test]
async fn spans_carry_operation_attempt_status_and_latency_but_no_secret_or_customer_data() {
    let (captured, _guard) = capture_logs();

    // The first token is refused by the search (401), the second works; the search also
    // answers one 503 first, so the log has a retry, a refresh and a success.
    let tokens_issued = Arc::new(Mutex::new(0));
    let searches = Arc::new(Mutex::new(0));
    let server = RecordingServer::with_handler({
        let tokens_issued = Arc::clone(&tokens_issued);
        let searches = Arc::clone(&searches);
        move |request| match request.uri.path() {
            TOKEN_PATH => {
                let mut issued = tokens_issued.lock().unwrap();
                *issued += 1;
                let token = if *issued == 1 { STALE_TOKEN } else { TOKEN };
                Reply::json(200, &json!({ "access_token": token, "expires_in": 3600 }))
            }
            SEARCH_PATH => {
                let mut seen = searches.lock().unwrap();
                *seen += 1;
                let authorization = request.header("authorization").unwrap_or_default();
                if authorization.ends_with(STALE_TOKEN) {
                    Reply::raw(401, "application/json", "")
                } else if *seen == 2 {
                    Reply::raw(503, "text/html", "<html>busy</html>").header("retry-after", "0")
                } else {
                    let customer = json!({ "legalName": CUSTOMER, "panOrGstin": GSTIN });
                    Reply::json(200, &page_envelope(vec![customer], Some(1)))
                }
            }
            _ => Reply::raw(404, "text/plain", "no"),
        }
    })
    .await;
    let client = Client::builder(server.base_url())
        .credentials(Credentials::new(
            "CEK1A2B3C4",
            CLIENT_SECRET,
            "ops@example.in",
            PASSWORD,
        ))
        .retry_policy(RetryPolicy::new().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();

    let page = client.search(&SearchQuery::new().limit(10)).await.unwrap();
    assert_eq!(page.customers[0].legal_name.as_deref(), Some(CUSTOMER));
    assert_eq!(
        *tokens_issued.lock().unwrap(),
        2,
        "one refresh after the 401"
    );
    assert_eq!(*searches.lock().unwrap(), 3, "401, then 503, then 200");

    let logs = captured.text();
    for needle in [
        "enkash.request",
        "operation=\"get_token\"",
        "operation=\"search_customer\"",
        "attempt=2",
        "status=503",
        "status=401",
        "latency_ms=",
        "retrying",
    ] {
        assert!(logs.contains(needle), "no {needle:?} in the logs:\n{logs}");
    }
    let basic = "Q0VLMUEyQjNDNDpDUy10cjRjMy1zZWNyZXQ"; // base64 of "CEK1A2B3C4:CS-tr4c3-secret"
    for secret in [
        CLIENT_SECRET,
        PASSWORD,
        TOKEN,
        STALE_TOKEN,
        basic,
        CUSTOMER,
        GSTIN,
    ] {
        assert!(
            !logs.contains(secret),
            "{secret:?} leaked into the logs:\n{logs}"
        );
    }
}
