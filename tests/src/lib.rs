//! Helpers shared by the workspace's tests: the spec as data, the JSON Schema of every
//! generated type, and a recording HTTP server on 127.0.0.1.
//!
//! The tests themselves are one binary, `tests/tests/it/`, one module per concern; their
//! snapshots are in `tests/tests/it/snapshots/` and are reviewed with `cargo insta review`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use enkash_customer_search::types;
use enkash_customer_search_mock::ThrowawayCa;
use schemars::schema::RootSchema;
use serde_json::Value;

/// The spec the client is generated from, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/customer-search.yaml";

/// The root of the checkout under test: found from the package cargo runs the test in, not
/// from where this crate was compiled, which with a target directory shared by several
/// checkouts may be another one.
pub fn workspace_root() -> PathBuf {
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let running = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    running
        .and_then(|dir| {
            dir.ancestors()
                .find(|dir| dir.join(SPEC_PATH).is_file())
                .map(PathBuf::from)
        })
        .unwrap_or(compiled)
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
            CamelCaseToken,
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
            GrantType,
            RefreshGrantType,
            RefreshTokenRequest,
            SnakeCaseToken,
            SortDirection,
            TokenError,
            TokenGrant,
            TokenRequest,
            TokenResponse,
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

/// What a [`RecordingServer`] answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra headers (`content-type` defaults to `application/json` when not given).
    pub headers: Vec<(String, String)>,
    /// The body, as bytes.
    pub body: Vec<u8>,
    /// How long to wait before answering.
    pub delay: std::time::Duration,
    /// How long after the status and headers the body follows.
    pub body_delay: std::time::Duration,
}

impl Reply {
    /// `status` with `body` as JSON.
    pub fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(body).expect("serialisable"),
            delay: std::time::Duration::ZERO,
            body_delay: std::time::Duration::ZERO,
        }
    }

    /// `status` with `body` as it is, under `content_type`.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: std::time::Duration::ZERO,
            body_delay: std::time::Duration::ZERO,
        }
    }

    /// The same reply with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same reply, sent after `delay`.
    pub fn delayed(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same reply, its body sent `delay` after its status and headers, as from a server
    /// that streams a large body.
    pub fn body_after(mut self, delay: std::time::Duration) -> Self {
        self.body_delay = delay;
        self
    }
}

type Handler = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// An HTTP server on 127.0.0.1 that records every request and answers it as its handler says.
/// It stops when dropped.
pub struct RecordingServer {
    base_url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingServer {
    /// Starts the server on an ephemeral port; every request gets `status` and `body` as
    /// `application/json`.
    pub async fn start(status: u16, body: Value) -> Self {
        let reply = Reply::json(status, &body);
        Self::with_handler(move |_| reply.clone()).await
    }

    /// Starts the server on an ephemeral port; `handler` decides each reply from the request
    /// (which is recorded before the handler runs).
    pub async fn with_handler(
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let requests: Arc<Mutex<Vec<RecordedRequest>>> = Arc::default();
        let recorded = Arc::clone(&requests);
        let handler: Arc<Handler> = Arc::new(handler);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, request_body: Bytes| {
                let request = RecordedRequest {
                    method,
                    uri,
                    headers,
                    body: request_body,
                };
                recorded.lock().unwrap().push(request.clone());
                let reply = handler(&request);
                async move {
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    let body = if reply.body_delay.is_zero() {
                        axum::body::Body::from(reply.body)
                    } else {
                        let (delay, bytes) = (reply.body_delay, reply.body);
                        axum::body::Body::from_stream(futures_util::stream::once(async move {
                            tokio::time::sleep(delay).await;
                            Ok::<_, std::convert::Infallible>(bytes)
                        }))
                    };
                    let mut response = axum::response::Response::new(body);
                    *response.status_mut() =
                        StatusCode::from_u16(reply.status).expect("a valid status");
                    let headers = response.headers_mut();
                    if !reply
                        .headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    {
                        headers.insert("content-type", "application/json".parse().unwrap());
                    }
                    for (name, value) in reply.headers {
                        headers.append(
                            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                            value.parse().unwrap(),
                        );
                    }
                    response
                }
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

    /// The requests received so far for `path`.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.uri.path() == path)
            .collect()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The path of the search operation.
pub const SEARCH_PATH: &str = enkash_customer_search::spec::SEARCH_CUSTOMER_PATH;

/// The path of the token operation.
pub const TOKEN_PATH: &str = enkash_customer_search::spec::GET_TOKEN_PATH;

impl RecordedRequest {
    /// The value of a query parameter, if sent.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.uri.query()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_string())
        })
    }

    /// A header's value as text, if sent.
    pub fn header(&self, name: &str) -> Option<String> {
        Some(self.headers.get(name)?.to_str().ok()?.to_string())
    }
}

/// The spec's example page of one customer, under 200.
pub fn ok_page() -> Reply {
    Reply::json(200, &spec_example("CustomerSearchPage"))
}

/// EnKash's envelope for a 503.
pub fn unavailable() -> Reply {
    Reply::json(
        503,
        &error_envelope("SYSTEM_ERROR", "Service unavailable", 503),
    )
}

/// A search envelope holding `customers` and `records_count`.
pub fn page_envelope(customers: Vec<Value>, records_count: Option<i64>) -> Value {
    serde_json::json!({
        "errorResponse": null,
        "payload": { "data": customers, "recordsCount": records_count },
        "response_code": 0,
        "response_message": "Success",
    })
}

/// An error envelope, as EnKash sends it.
pub fn error_envelope(error_type: &str, message: &str, response_code: i64) -> Value {
    serde_json::json!({
        "errorResponse": {
            "apiSubErrors": [],
            "errorMessage": message,
            "errorType": error_type,
            "requestId": "req-4f2a",
            "timestamp": "2024-10-10 08:34:46",
        },
        "payload": null,
        "response_code": response_code,
        "response_message": message,
    })
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

/// Stoplight Prism serving the spec in dynamic mode on 127.0.0.1 (validating each request,
/// inventing each response from the spec), until dropped. Prism is pinned in
/// `openapi/package-lock.json`; `npm ci` runs there first if it is not installed.
pub struct Prism {
    child: std::process::Child,
    base_url: String,
    log: PathBuf,
}

impl Prism {
    /// Starts Prism on a free port and waits until it answers (it takes some seconds).
    pub fn start() -> Prism {
        use std::process::{Command, Stdio};
        use std::time::{Duration, Instant};

        let root = workspace_root();
        let openapi = root.join("openapi");
        if !openapi.join("node_modules/.bin/prism").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&openapi)
                .status()
                .expect("npm is needed to install Prism (Node.js 20)");
            assert!(status.success(), "npm ci failed in {}", openapi.display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let log = std::env::temp_dir().join(format!("prism-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).expect("a log file");
        let child = Command::new(openapi.join("node_modules/.bin/prism"))
            .args(["mock", "--dynamic", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg(root.join(SPEC_PATH))
            .stdout(Stdio::from(log_file.try_clone().expect("a log file")))
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("start Prism");
        let prism = Prism {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Prism did not start in 90 s; its log:\n{}",
                prism.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        prism
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Everything Prism has logged so far: one line per validation verdict and response.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many requests Prism's validation refused so far.
    pub fn rejected_requests(&self) -> usize {
        self.log()
            .matches("Request did not pass the validation rules")
            .count()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Credentials of no one, for a test whose server never checks them; the password is long
/// enough to be scrubbed wherever it occurs.
pub fn some_credentials() -> enkash_customer_search::Credentials {
    enkash_customer_search::Credentials::new("CEK1A2B3C4", "CS-1", "ops@example.in", "PW-long-1")
}

/// The default retry policy (3 attempts in all), with millisecond backoff so that tests that
/// retry stay fast.
pub fn fast_retries() -> enkash_customer_search::RetryPolicy {
    enkash_customer_search::RetryPolicy::new()
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5))
}

/// A client of `server` with no authentication and `retry`.
pub fn client_with_retries(
    server: &RecordingServer,
    retry: enkash_customer_search::RetryPolicy,
) -> enkash_customer_search::Client {
    enkash_customer_search::Client::builder(server.base_url())
        .retry_policy(retry)
        .build()
        .expect("a client for the test server")
}

/// A server answering the n-th request with `replies[n]`, and the last one from then on.
pub async fn in_turn(replies: Vec<Reply>) -> RecordingServer {
    let count = std::sync::atomic::AtomicUsize::new(0);
    RecordingServer::with_handler(move |_| {
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        replies[n.min(replies.len() - 1)].clone()
    })
    .await
}

/// A TCP server on 127.0.0.1 that reads each request and answers the n-th connection with
/// `answers[n]` (the last one from then on), byte for byte, then closes it: for answers no
/// HTTP library would send, such as a body cut short of its `Content-Length`. It stops when
/// dropped.
pub struct RawServer {
    base_url: String,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    /// Starts the server on an ephemeral port.
    pub async fn start(answers: Vec<Vec<u8>>) -> Self {
        Self::serving(answers, None).await
    }

    /// The same over TLS, presenting `ca`'s server certificate: `https://127.0.0.1:<port>`.
    pub async fn tls(answers: Vec<Vec<u8>>, ca: &ThrowawayCa) -> Self {
        Self::serving(answers, Some(ca.acceptor())).await
    }

    async fn serving(answers: Vec<Vec<u8>>, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        use std::sync::atomic::Ordering;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        let answers = Arc::new(answers);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                let answer = answers[n.min(answers.len() - 1)].clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => answer_one(stream, &answer).await,
                        // A client that refuses the certificate ends the handshake.
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                answer_one(stream, &answer).await;
                            }
                        }
                    }
                });
            }
        });
        RawServer {
            base_url,
            connections,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`, to give to the client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// How many connections it has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (the head, then as much body as it announces) and writes `answer`.
async fn answer_one<S>(mut stream: S, answer: &[u8])
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
        let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|l| l.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    let _ = stream.write_all(answer).await;
    let _ = stream.shutdown().await;
}

/// `body` as a whole HTTP/1.1 response of `status`, for a [`RawServer`].
pub fn raw_json_answer(status: u16, body: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(body).unwrap();
    let mut answer = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// Every log line formatted while a [`capture_logs`] guard is alive, kept in memory.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// What has been logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures every event at TRACE level and above, on this thread, until the guard is dropped
/// (with span closings, without colours).
pub fn capture_logs() -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
    let captured = CapturedLogs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    (
        captured.clone(),
        tracing::subscriber::set_default(subscriber),
    )
}
