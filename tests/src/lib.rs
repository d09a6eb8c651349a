//! Helpers shared by the workspace's tests: the spec as data, the JSON Schema of every
//! generated type, and a recording HTTP server on 127.0.0.1.
//!
//! The tests themselves live in `tests/tests/`, one file per concern; their snapshots are in
//! `tests/tests/snapshots/` and are reviewed with `cargo insta review`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use enkash_customer_search::types;
use schemars::schema::RootSchema;
use serde_json::Value;

/// The spec the client is generated from, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/customer-search.yaml";

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The spec as a JSON value.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(workspace_root().join(SPEC_PATH)).expect("read the spec");
    serde_norway::from_str(&text).expect("the spec is valid YAML")
}

/// The `value` of the named example under `components/examples` in the spec.
pub fn spec_example(name: &str) -> Value {
    spec()
        .pointer(&format!("/components/examples/{name}/value"))
        .unwrap_or_else(|| panic!("the spec has no example {name}"))
        .clone()
}

/// Calls the macro `$callback` with the name of every type generated for a component schema.
/// `spec_conformance` fails when a component of the spec is missing here.
#[macro_export]
macro_rules! for_each_generated_type {
    ($callback:ident) => {
        $callback! {
            ApiSubError,
            CustomerKeyContact,
            CustomerLevel,
            CustomerPage,
            CustomerReminder,
            CustomerResponse,
            CustomerSearchRequest,
            CustomerSearchResponse,
            CustomerStatusFilter,
            ErrorResponse,
            ErrorType,
            SortDirection,
        }
    };
}

/// The JSON Schema (schemars) of the Rust type generated for each component schema, by the
/// component's name in the spec.
pub fn generated_type_schemas() -> BTreeMap<&'static str, RootSchema> {
    macro_rules! schemas {
        ($($name:ident),* $(,)?) => {
            BTreeMap::from([$((stringify!($name), schemars::schema_for!(types::$name))),*])
        };
    }
    for_each_generated_type!(schemas)
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path and query.
    pub uri: Uri,
    /// Every header, as sent.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

/// An HTTP server on 127.0.0.1 that answers every request with one canned response and
/// records what it received. It stops when dropped.
pub struct RecordingServer {
    base_url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingServer {
    /// Starts the server on an ephemeral port; every request gets `status` and `body` as
    /// `application/json`.
    pub async fn start(status: u16, body: Value) -> Self {
        let requests: Arc<Mutex<Vec<RecordedRequest>>> = Arc::default();
        let recorded = Arc::clone(&requests);
        let status = StatusCode::from_u16(status).expect("a valid status");
        let body = serde_json::to_vec(&body).expect("serialisable");
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, request_body: Bytes| {
                recorded.lock().unwrap().push(RecordedRequest {
                    method,
                    uri,
                    headers,
                    body: request_body,
                });
                let body = body.clone();
                async move { (status, [("content-type", "application/json")], body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        RecordingServer {
            base_url,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`, to give to the client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Everything received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `everyFilter` request-body example of `searchCustomer` in the spec.
pub fn spec_request_example() -> Value {
    spec()
        .pointer("/paths/~1api~1v0~1customer~1search/post/requestBody/content/application~1json/examples/everyFilter/value")
        .expect("the spec has the everyFilter request example")
        .clone()
}

/// `value` with every number as an `f64`, so that `42` and `42.0` compare equal: a Rust
/// `f64` field re-encodes an integral JSON number with a fraction, and that loses nothing.
pub fn numbers_as_f64(value: &Value) -> Value {
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
