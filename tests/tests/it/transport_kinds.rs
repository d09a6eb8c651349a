//! What a failed connection says it was, each from a real failure against 127.0.0.1 (and a
//! name resolver the test injects, so no query leaves the machine); extreme settings that
//! must not panic; one timeout per attempt across redirects; and a walk's page requests
//! under the span of the caller that started it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use enkash_customer_search::{
    CallOptions, Client, Error, RetryPolicy, SearchQuery, TransportError, TransportErrorKind,
};
use serde_json::json;
use tracing::Instrument;
use workspace_tests::{RecordingServer, Reply, capture_logs, ok_page, page_envelope};

fn transport_error(error: &Error) -> &TransportError {
    match error {
        Error::Transport(e) | Error::Timeout(e) => e,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

async fn search(base_url: &str) -> Error {
    let builder = Client::builder(base_url)
        .retry_policy(RetryPolicy::new().with_initial_backoff(Duration::from_millis(1)))
        .request_timeout(Some(Duration::from_millis(300)));
    search_failing(builder).await
}

/// How a search through `builder`'s client fails.
async fn search_failing(builder: enkash_customer_search::ClientBuilder) -> Error {
    builder
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err()
}

/// A port on 127.0.0.1 that nothing listens on (bound, then let go).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_failure() {
    let port = closed_port();
    let error = search(&format!("http://127.0.0.1:{port}")).await;
    let transport = transport_error(&error);
    assert_eq!(transport.kind, TransportErrorKind::Connect);
    assert!(transport.connect && error.is_retryable());
    assert_eq!(transport.attempts, 3, "retried: nothing was sent");
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[tokio::test]
async fn a_transport_error_s_sentence_and_causes_are_scrubbed_of_the_client_s_secrets() {
    let port = closed_port();
    // reqwest's sentence quotes the URL, whose path here holds the token.
    const TOKEN: &str = "tok-7f3a9c2e51b8";
    let builder = Client::builder(format!("http://127.0.0.1:{port}/{TOKEN}"))
        .bearer_token(TOKEN.to_string())
        .retry_policy(RetryPolicy::none());
    let error = search_failing(builder).await;
    for shown in [format!("{error}"), format!("{error:?}")] {
        assert!(shown.contains(&format!("127.0.0.1:{port}/***/")), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
    // An error reporter prints the chain of sources too: the causes are in the text above,
    // scrubbed, so no source repeats them raw.
    let mut chain = Vec::new();
    let mut next = std::error::Error::source(&error);
    while let Some(cause) = next {
        chain.push(format!("{cause} / {cause:?}"));
        next = cause.source();
    }
    assert!(chain.iter().all(|text| !text.contains(TOKEN)), "{chain:?}");
    assert!(chain.is_empty(), "the causes are in the message: {chain:?}");
}

#[tokio::test]
async fn a_failed_tls_handshake_is_tls_says_why_and_is_not_retried() {
    // A plain HTTP server where the client expects TLS.
    let server = RecordingServer::start(200, json!({})).await;
    let error = search(&server.base_url().replace("http://", "https://")).await;
    let transport = transport_error(&error);
    assert_eq!(transport.kind, TransportErrorKind::Tls, "{error}");
    assert!(!error.is_retryable());
    assert_eq!(
        transport.attempts, 1,
        "a TLS failure is not retried: {error}"
    );
    let shown = error.to_string();
    assert!(shown.contains("the TLS handshake failed"), "{shown}");
    // rustls' own words, from the chain of causes reqwest's sentence leaves out.
    assert!(shown.to_lowercase().contains("corrupt message"), "{shown}");
}

#[tokio::test]
async fn no_answer_in_time_is_a_timeout() {
    let server = RecordingServer::with_handler(|_| ok_page().delayed(Duration::from_secs(3))).await;
    let error = search(server.base_url()).await;
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    assert_eq!(transport_error(&error).kind, TransportErrorKind::Timeout);
    assert!(error.is_retryable());
}

/// A resolver that knows no name.
struct NoNames(Arc<AtomicUsize>);

impl reqwest::dns::Resolve for NoNames {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err("no such host (the test's resolver)".into()) })
    }
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_a_dns_failure() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let http = enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .dns_resolver(Arc::new(NoNames(Arc::clone(&lookups))))
        .build()
        .unwrap();
    let builder = Client::builder("http://customers.enkash.invalid")
        .reqwest_client(http)
        .retry_policy(RetryPolicy::none());
    let error = search_failing(builder).await;
    let transport = transport_error(&error);
    assert_eq!(transport.kind, TransportErrorKind::Dns, "{error}");
    assert!(transport.connect);
    assert!(error.to_string().contains("the test's resolver"), "{error}");
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_chain_of_slow_redirects_ends_within_one_attempts_timeout() {
    let hops = Arc::new(AtomicUsize::new(0));
    let server = RecordingServer::with_handler({
        let hops = Arc::clone(&hops);
        move |_| {
            let hop = hops.fetch_add(1, Ordering::SeqCst);
            Reply::raw(307, "text/plain", "")
                .header("location", &format!("/api/v0/customer/search?hop={hop}"))
                .delayed(Duration::from_millis(150))
        }
    })
    .await;
    let started = Instant::now();
    let builder = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .request_timeout(Some(Duration::from_millis(500)));
    let error = search_failing(builder).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(900),
        "{took:?}: a fresh timeout per hop"
    );
    assert_eq!(
        transport_error(&error).kind,
        TransportErrorKind::Timeout,
        "{error}"
    );
    assert!(
        hops.load(Ordering::SeqCst) <= 4,
        "{} hops",
        hops.load(Ordering::SeqCst)
    );
}

fn maximal_retries() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(u32::MAX)
        .with_initial_backoff(Duration::MAX)
        .with_max_backoff(Duration::MAX)
        .with_max_retry_after(Duration::MAX)
}

#[tokio::test]
async fn extreme_deadlines_and_retry_settings_do_not_panic() {
    let server = RecordingServer::with_handler(|_| ok_page()).await;
    let client = Client::builder(server.base_url())
        .retry_policy(maximal_retries())
        .token_fetch_timeout(Duration::MAX)
        .build()
        .unwrap()
        .with_options(
            CallOptions::new()
                .deadline(Duration::MAX)
                .request_timeout(Some(Duration::MAX)),
        );
    let page = client.search(SearchQuery::new()).await.unwrap();
    assert_eq!(page.status.as_u16(), 200);

    // A server that asks for an endless wait, under a near deadline: the wait is not started.
    let busy = RecordingServer::with_handler(|_| {
        Reply::raw(503, "text/plain", "busy").header("retry-after", "99999999999999999999999")
    })
    .await;
    let started = Instant::now();
    let error = Client::builder(busy.base_url())
        .retry_policy(maximal_retries())
        .build()
        .unwrap()
        .with_options(CallOptions::new().deadline(Duration::from_secs(5)))
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let transport = transport_error(&error);
    assert_eq!(transport.kind, TransportErrorKind::Deadline, "{error}");
    assert_eq!(transport.deadline, Some(Duration::from_secs(5)));
    assert_eq!(busy.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walks_page_requests_are_under_the_callers_span() {
    let (captured, _guard) = capture_logs();
    let server = RecordingServer::with_handler(|request| {
        let offset: usize = request
            .query_param("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let customers = (offset..offset + 2)
            .map(|i| json!({ "customerId": format!("KC{i:014}") }))
            .collect();
        Reply::json(200, &page_envelope(customers, Some(6)))
    })
    .await;
    let client = Client::new(server.base_url()).unwrap();
    let walk = async {
        let mut stream = client
            .search_all(SearchQuery::new().limit(2))
            .pages_in_flight(2);
        let mut seen = 0;
        while let Some(customer) = stream.next().await {
            customer.unwrap();
            seen += 1;
        }
        seen
    };
    let seen = walk
        .instrument(tracing::info_span!("nightly_sync", run = 7))
        .await;
    assert_eq!(seen, 6);

    let logs = captured.text();
    let requests: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("request succeeded"))
        .collect();
    assert_eq!(requests.len(), 3, "{logs}");
    for line in requests {
        assert!(
            line.contains("nightly_sync{run=7}:enkash.request{"),
            "a page request outside the caller's span: {line}"
        );
    }
}
