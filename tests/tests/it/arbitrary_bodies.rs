//! A property test: whatever comes back, `client.search` neither panics nor loses the status.
//!
//! Gateways answer with HTML, proxies truncate bodies, and EnKash's envelope may carry any
//! JSON where a field was expected. For any body (arbitrary bytes, a truncated envelope, or
//! arbitrary JSON values placed where the envelope, the page, a customer, a key contact or
//! the error report belong), any status EnKash or a gateway may send, and any content type,
//! the search must return either a page (only ever for HTTP 200) or an error whose `status()`
//! is the status served (a 401 is an authentication error, still with its status), after
//! exactly one request (retries are off), with a `Display` that stays short.
//!
//! One runtime and one server serve every case of a test: the server's handler answers with
//! whatever reply the case put in a shared slot. "No content type" is served as an empty
//! `Content-Type` header, since the test server adds `application/json` when none is given.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use enkash_customer_search::{Client, Error, RetryPolicy, SearchPage, SearchQuery};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use workspace_tests::{RecordedRequest, RecordingServer, Reply, spec, spec_example};

/// The statuses served: EnKash's own and a gateway's.
const STATUSES: [u16; 8] = [200, 400, 401, 404, 429, 500, 502, 503];

/// The content types served; `""` stands for none.
const CONTENT_TYPES: [&str; 4] = ["application/json", "text/html", "text/plain", ""];

/// Cases per property: two properties, about 256 cases in all.
const CASES: u32 = 128;

/// The longest `Display` of an error accepted: the messages are bounded by design.
const DISPLAY_BOUND: usize = 1024;

/// A runtime, a server answering from `slot`, and a client without retries.
struct Harness {
    runtime: tokio::runtime::Runtime,
    server: RecordingServer,
    slot: Arc<Mutex<Option<Reply>>>,
    client: Client,
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        let slot: Arc<Mutex<Option<Reply>>> = Arc::default();
        let serving = Arc::clone(&slot);
        let server = runtime.block_on(RecordingServer::with_handler(move |_: &RecordedRequest| {
            serving
                .lock()
                .unwrap()
                .clone()
                .expect("a reply set by the case")
        }));
        let client = Client::builder(server.base_url())
            .retry_policy(RetryPolicy::none())
            .request_timeout(Some(Duration::from_secs(10)))
            .build()
            .expect("a client for the test server");
        Harness {
            runtime,
            server,
            slot,
            client,
        }
    }

    /// Serves `body` under `status` and `content_type` to one search, and checks the result.
    fn check(&self, status: u16, content_type: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
        *self.slot.lock().unwrap() = Some(Reply::raw(status, content_type, body));
        let before = self.server.requests().len();
        let result: Result<SearchPage, Error> = self
            .runtime
            .block_on(self.client.search(&SearchQuery::new().limit(100)));
        let sent = self.server.requests().len() - before;
        prop_assert_eq!(sent, 1, "one request per search, no retry");
        match result {
            Ok(page) => {
                prop_assert_eq!(status, 200, "a page from HTTP {}", status);
                prop_assert_eq!(page.status.as_u16(), 200);
            }
            Err(error) => {
                prop_assert_eq!(
                    error.status().map(|s| s.as_u16()),
                    Some(status),
                    "{:?}",
                    error
                );
                if status == 401 {
                    prop_assert!(
                        matches!(error, Error::Authentication(_)),
                        "a 401 is an authentication error: {:?}",
                        error
                    );
                }
                let shown = error.to_string();
                prop_assert!(
                    shown.len() <= DISPLAY_BOUND,
                    "{} bytes shown: {}",
                    shown.len(),
                    shown
                );
                let _ = format!("{error:?}");
            }
        }
        Ok(())
    }
}

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(STATUSES.to_vec())
}

/// A status, 200 about half the time: structured bodies are worth decoding as a page.
fn mostly_200() -> impl Strategy<Value = u16> {
    prop_oneof![Just(200), status()]
}

fn content_type() -> impl Strategy<Value = &'static str> {
    prop::sample::select(CONTENT_TYPES.to_vec())
}

/// Bodies as bytes: random ones, text, and the vendor example cut short.
fn raw_body() -> impl Strategy<Value = Vec<u8>> {
    let example = serde_json::to_vec(&spec_example("CustomerSearchPage")).unwrap();
    let len = example.len();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        any::<String>().prop_map(String::into_bytes),
        "<html><body>[ -~]{0,200}</body></html>".prop_map(String::into_bytes),
        (0..=len).prop_map(move |n| example[..n].to_vec()),
    ]
}

/// The property names of a component schema of the spec.
fn properties(schema: &str) -> Vec<String> {
    spec()["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the spec's {schema} has properties"))
        .keys()
        .cloned()
        .collect()
}

/// Any JSON value, at most 3 levels deep, with object keys that are often the envelope's.
fn json_value(keys: Vec<String>) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![
            "2024-10-10T08:34:46",
            "2024-10-10 08:34:46",
            "2024-10-10",
            "2024-13-45T99:99:99Z",
            "SOMETHING_NEW",
            "VALIDATION_ERROR",
        ])
        .prop_map(Value::from),
        (0usize..3000).prop_map(|n| Value::from("x".repeat(n))),
    ];
    let key = prop_oneof![prop::sample::select(keys), "[a-zA-Z_]{1,8}"];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

/// Arbitrary JSON put where the envelope, the page, a customer, a key contact or the error
/// report belong.
fn structured_body() -> impl Strategy<Value = Value> {
    let customer_fields = properties("CustomerResponse");
    let contact_fields = properties("CustomerKeyContact");
    let error_fields = properties("ErrorResponse");
    let mut keys: Vec<String> = ["payload", "data", "recordsCount", "errorResponse"]
        .map(String::from)
        .to_vec();
    keys.extend(customer_fields.iter().cloned());
    keys.extend(error_fields.iter().cloned());
    let value = json_value(keys);
    let customer_field = prop::sample::select(customer_fields);
    let contact_field = prop::sample::select(contact_fields);
    let error_field = prop::sample::select(error_fields);
    prop_oneof![
        value.clone(),
        value.clone().prop_map(|v| json!({ "payload": v })),
        (value.clone(), value.clone()).prop_map(
            |(data, count)| json!({ "payload": { "data": data, "recordsCount": count } })
        ),
        (customer_field, value.clone()).prop_map(|(field, v)| {
            let mut customer = spec_example("CustomerSearchPage")["payload"]["data"][0].clone();
            customer[field] = v;
            json!({ "payload": { "data": [customer], "recordsCount": 1 }, "response_code": 0 })
        }),
        (contact_field, value.clone()).prop_map(|(field, v)| json!({
            "payload": { "data": [{ "customerKeyContacts": [{ field: v }] }] }
        })),
        (error_field, value.clone())
            .prop_map(|(field, v)| json!({ "errorResponse": { field: v }, "payload": null })),
        value.clone().prop_map(|v| json!({ "errorResponse": v })),
        (value.clone(), value).prop_map(|(code, message)| json!({
            "payload": { "data": [] },
            "response_code": code,
            "response_message": message,
        })),
    ]
}

#[test]
fn arbitrary_bytes_never_panic_and_keep_the_status() {
    let harness = Harness::new();
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(status(), content_type(), raw_body()),
            |(status, content_type, body)| harness.check(status, content_type, body),
        )
        .unwrap();
    assert_eq!(
        harness.server.requests().len(),
        CASES as usize,
        "every case was served"
    );
}

#[test]
fn arbitrary_json_in_the_envelope_never_panics_and_keeps_the_status() {
    let harness = Harness::new();
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(mostly_200(), content_type(), structured_body()),
            |(status, content_type, body)| {
                harness.check(status, content_type, serde_json::to_vec(&body).unwrap())
            },
        )
        .unwrap();
    assert_eq!(
        harness.server.requests().len(),
        CASES as usize,
        "every case was served"
    );
}
