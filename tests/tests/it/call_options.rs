//! The caller's controls, against servers on 127.0.0.1: per-call options (timeout, retries,
//! headers) that change one call and not the next, a deadline over a whole call, the request id
//! and headers of a page and of an error, and the escape hatches for body fields and query
//! parameters the spec does not know yet.

use std::time::{Duration, Instant};

use enkash_customer_search::{CallOptions, Error, RetryPolicy, SearchQuery};
use enkash_customer_search_mock::Sandbox;
use serde_json::json;
use workspace_tests::{
    RecordingServer, Reply, SEARCH_PATH, client_with_retries, error_envelope, fast_retries,
    in_turn, ok_page, page_envelope, unavailable,
};

#[tokio::test]
async fn an_override_changes_one_call_and_not_the_next() {
    // Two 503s, then pages: without retries the first call fails at once; the client's own
    // policy (3 attempts) then rides out the second 503.
    let server = in_turn(vec![unavailable(), unavailable(), ok_page()]).await;
    let client = client_with_retries(&server, fast_retries());
    let once = client.with_options(CallOptions::new().retry_policy(RetryPolicy::none()));
    assert_eq!(once.retry_policy().max_attempts(), 1);

    let error = once.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.requests().len(), 1);

    client.search(SearchQuery::new()).await.expect("retried");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(client.retry_policy().max_attempts(), 3);
}

#[tokio::test]
async fn a_timeout_override_cuts_a_slow_answer_the_client_would_wait_for() {
    let server = in_turn(vec![ok_page().delayed(Duration::from_millis(400))]).await;
    let client = client_with_retries(&server, RetryPolicy::none());
    let impatient =
        client.with_options(CallOptions::new().request_timeout(Some(Duration::from_millis(100))));
    assert_eq!(
        impatient.request_timeout(),
        Some(Duration::from_millis(100))
    );

    let error = impatient.search(SearchQuery::new()).await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    client
        .search(SearchQuery::new())
        .await
        .expect("the default timeout waits");
}

#[tokio::test]
async fn extra_headers_arrive_and_options_stack() {
    let server = in_turn(vec![ok_page()]).await;
    let client = client_with_retries(&server, RetryPolicy::none());
    let traced = client.with_options(CallOptions::new().header("x-correlation-id", "batch-1"));
    let keyed = traced.with_options(
        CallOptions::new()
            .header("X-Correlation-Id", "batch-2")
            .header("x-api-key", "K3Y-SECRET-9"),
    );

    keyed.search(SearchQuery::new()).await.unwrap();
    traced.search(SearchQuery::new()).await.unwrap();
    client.search(SearchQuery::new()).await.unwrap();

    let requests = server.requests_to(SEARCH_PATH);
    assert_eq!(
        requests[0].header("x-correlation-id").as_deref(),
        Some("batch-2")
    );
    assert_eq!(
        requests[0].header("x-api-key").as_deref(),
        Some("K3Y-SECRET-9")
    );
    assert_eq!(
        requests[1].header("x-correlation-id").as_deref(),
        Some("batch-1")
    );
    assert_eq!(requests[1].header("x-api-key"), None);
    assert_eq!(requests[2].header("x-correlation-id"), None);
    // A header whose name speaks of a secret never shows in Debug.
    let shown = format!("{keyed:?}");
    assert!(!shown.contains("K3Y-SECRET-9"), "{shown}");
    assert!(shown.contains("batch-2"), "{shown}");
}

#[tokio::test]
async fn a_secret_header_echoed_by_the_server_is_scrubbed_from_the_error() {
    let server = in_turn(vec![Reply::json(
        400,
        &error_envelope("CLIENT_REQUEST_ERROR", "bad key K3Y-SECRET-9", 400),
    )])
    .await;
    let client = client_with_retries(&server, RetryPolicy::none())
        .with_options(CallOptions::new().header("x-api-key", "K3Y-SECRET-9"));

    let error = client.search(SearchQuery::new()).await.unwrap_err();
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("K3Y-SECRET-9"), "{text}");
        assert!(text.contains("bad key ***"), "{text}");
    }
}

#[tokio::test]
async fn a_header_that_cannot_be_sent_fails_the_call_with_nothing_sent() {
    let server = in_turn(vec![ok_page()]).await;
    let client = client_with_retries(&server, RetryPolicy::none());
    for (options, reason) in [
        (
            CallOptions::new().header("authorization", "Bearer x"),
            "the client's own header",
        ),
        (
            CallOptions::new().header("content-type", "text/plain"),
            "the client's own header",
        ),
        (
            CallOptions::new().header("bad name", "x"),
            "not a header name",
        ),
        (
            CallOptions::new().header("x-token", "line\nbreak-SECRET"),
            "cannot carry",
        ),
    ] {
        let client = client.with_options(options);
        let error = client.search(SearchQuery::new()).await.unwrap_err();
        let Error::InvalidRequest(invalid) = &error else {
            panic!("{error}");
        };
        assert_eq!(invalid.field, "header");
        assert!(invalid.reason.contains(reason), "{error}");
        assert!(!error.to_string().contains("SECRET"), "{error}");
        let mut stream = client.search_all(SearchQuery::new());
        assert!(matches!(
            stream.next().await,
            Some(Err(Error::InvalidRequest(_)))
        ));
        assert!(stream.next().await.is_none());
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_deadline_bounds_a_call_whose_server_keeps_asking_to_wait() {
    // Every answer is a 503 asking for a 1 s wait; five attempts would take 4 s.
    let server = in_turn(vec![unavailable().header("retry-after", "1")]).await;
    let client = client_with_retries(&server, RetryPolicy::new().with_max_attempts(5))
        .with_options(CallOptions::new().deadline(Duration::from_millis(1500)));

    let started = Instant::now();
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let took = started.elapsed();

    let Error::Timeout(timeout) = &error else {
        panic!("{error}");
    };
    assert_eq!(timeout.deadline, Some(Duration::from_millis(1500)));
    // The first wait fits (0 s + 1 s < 1.5 s); the second would cross the deadline, so it is
    // not started: two attempts, and the call ends at about 1 s, not at 1.5 s.
    assert_eq!(timeout.attempts, 2);
    assert_eq!(server.requests().len(), 2);
    assert!(took < Duration::from_millis(1400), "{took:?}");
    let text = error.to_string();
    assert!(text.contains("deadline of 1.5s"), "{text}");
    assert!(text.contains("before attempt 3"), "{text}");
    assert!(
        text.contains("HTTP 503") || text.contains("Service unavailable"),
        "{text}"
    );
}

#[tokio::test]
async fn the_deadline_cuts_an_attempt_that_is_still_running() {
    let server = in_turn(vec![ok_page().delayed(Duration::from_secs(5))]).await;
    let client = client_with_retries(&server, fast_retries())
        .with_options(CallOptions::new().deadline(Duration::from_millis(300)));

    let started = Instant::now();
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let Error::Timeout(timeout) = &error else {
        panic!("{error}");
    };
    assert_eq!(
        (timeout.deadline, timeout.attempts),
        (Some(Duration::from_millis(300)), 1)
    );
    assert!(error.to_string().contains("during attempt 1"), "{error}");
}

#[tokio::test]
async fn a_stream_has_a_deadline_per_page() {
    // Each page takes 150 ms; the walk of three takes longer than the deadline of 400 ms, and
    // still succeeds, since each page has the deadline to itself.
    let sandbox = Sandbox::builder()
        .customers(30)
        .latency(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client()
        .with_options(CallOptions::new().deadline(Duration::from_millis(400)));
    let started = Instant::now();
    let mut stream = client.search_all(SearchQuery::new().limit(10));
    let mut customers = 0;
    while let Some(customer) = stream.next().await {
        customer.expect("every page within its deadline");
        customers += 1;
    }
    assert_eq!(customers, 30);
    assert!(started.elapsed() > Duration::from_millis(400));
}

#[tokio::test]
async fn a_page_gives_its_status_headers_and_request_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let page = sandbox
        .client()
        .search(SearchQuery::new().limit(5))
        .await
        .unwrap();
    assert_eq!(page.status.as_u16(), 200);
    let header = page.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(page.request_id.as_deref(), Some(header));
    assert_eq!(header.len(), 36, "a UUID: {header}");
    assert_eq!(
        page.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn an_error_without_a_request_id_takes_the_headers() {
    let mut envelope = error_envelope("CLIENT_REQUEST_ERROR", "No", 400);
    envelope["errorResponse"]
        .as_object_mut()
        .unwrap()
        .remove("requestId");
    let server = in_turn(vec![
        Reply::json(400, &envelope).header("x-request-id", "req-from-header"),
    ])
    .await;
    let error = client_with_retries(&server, RetryPolicy::none())
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert_eq!(error.request_id(), Some("req-from-header"));

    // The envelope's own id wins over the header's.
    let server = in_turn(vec![
        Reply::json(400, &error_envelope("CLIENT_REQUEST_ERROR", "No", 400))
            .header("x-request-id", "req-from-header"),
    ])
    .await;
    let error = client_with_retries(&server, RetryPolicy::none())
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(error.request_id().is_some());
    assert_ne!(error.request_id(), Some("req-from-header"));

    // A gateway's HTML page has no envelope: the header is all there is.
    let server = in_turn(vec![
        Reply::raw(502, "text/html", "<h1>Bad Gateway</h1>").header("x-request-id", "gw-7"),
    ])
    .await;
    let error = client_with_retries(&server, RetryPolicy::none())
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Undecodable(_)), "{error}");
    assert_eq!(error.request_id(), Some("gw-7"));
}

#[tokio::test]
async fn extra_body_fields_and_query_parameters_reach_the_server() {
    let server = in_turn(vec![Reply::json(200, &page_envelope(vec![], Some(0)))]).await;
    let client = client_with_retries(&server, RetryPolicy::none());
    let query = SearchQuery::new()
        .legal_name("Traders")
        .limit(10)
        .extra_body("regionCode", json!("WEST"))
        .extra_body("flags", json!({"beta": true}))
        .extra_query("include", "archived")
        .extra_query("include", "drafts");

    client.search(&query).await.unwrap();
    client
        .search(SearchQuery::new().extra_body("regionCode", json!(7)))
        .await
        .unwrap();

    let requests = server.requests_to(SEARCH_PATH);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["legalName"], "Traders");
    assert_eq!(body["regionCode"], "WEST");
    assert_eq!(body["flags"], json!({"beta": true}));
    let query_string = requests[0].uri.query().unwrap();
    assert!(query_string.contains("limit=10"), "{query_string}");
    assert!(
        query_string.ends_with("include=archived&include=drafts"),
        "{query_string}"
    );
    // Without typed filters the extra field is the whole body, still JSON.
    let body: serde_json::Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(body, json!({"regionCode": 7}));
    assert_eq!(
        requests[1].header("content-type").as_deref(),
        Some("application/json")
    );
}

#[tokio::test]
async fn extras_that_name_what_the_spec_has_are_refused_with_nothing_sent() {
    let server = in_turn(vec![ok_page()]).await;
    let client = client_with_retries(&server, RetryPolicy::none());
    for (query, field, name) in [
        (
            SearchQuery::new().extra_query("limit", "10"),
            "extra_query",
            "limit",
        ),
        (
            SearchQuery::new().extra_query("orderBy", "x"),
            "extra_query",
            "orderBy",
        ),
        (
            SearchQuery::new()
                .legal_name("A")
                .extra_body("legalName", json!("B")),
            "extra_body",
            "legalName",
        ),
        // Named by the spec though not set: its typed setter is the way.
        (
            SearchQuery::new().extra_body("dsoFrom", json!(3)),
            "extra_body",
            "dsoFrom",
        ),
    ] {
        let error = client.search(&query).await.unwrap_err();
        let Error::InvalidRequest(invalid) = &error else {
            panic!("{error}");
        };
        assert_eq!(invalid.field, field);
        assert!(invalid.reason.contains(&format!("`{name}`")), "{error}");
        let mut stream = client.search_all(&query);
        assert!(matches!(
            stream.next().await,
            Some(Err(Error::InvalidRequest(_)))
        ));
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_stream_sends_the_extras_and_headers_with_every_page() {
    let server = RecordingServer::with_handler(|request| {
        let offset: usize = request
            .query_param("offset")
            .map_or(0, |o| o.parse().unwrap());
        let customers = (offset..25.min(offset + 10))
            .map(|i| json!({"customerId": format!("KC{i}")}))
            .collect();
        Reply::json(200, &page_envelope(customers, Some(25)))
    })
    .await;
    let client = client_with_retries(&server, RetryPolicy::none())
        .with_options(CallOptions::new().header("x-correlation-id", "walk-1"));
    let query = SearchQuery::new().limit(10).extra_query("trace", "on");
    let mut stream = client.search_all(&query);
    let mut customers = 0;
    while let Some(customer) = stream.next().await {
        customer.unwrap();
        customers += 1;
    }
    assert_eq!(customers, 25);
    let requests = server.requests_to(SEARCH_PATH);
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(
            request.header("x-correlation-id").as_deref(),
            Some("walk-1")
        );
        assert_eq!(request.query_param("trace").as_deref(), Some("on"));
    }
}
