//! The one `Error` type end to end, against a recording server on 127.0.0.1: which variant
//! each kind of failure becomes, what it keeps (status, EnKash's `errorResponse` fields,
//! content type, a bounded snippet, attempts), whether it is retryable, and that `Display`
//! never shows a whole body or customer data.
//!
//! Each case asserts the variant, `status()` and the fields that matter, and how many requests
//! the server saw, so that a failure that is retried (or not) by mistake shows too.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use enkash_customer_search::{
    ApiError, Client, Error, Open, PagingError, RetryPolicy, SNIPPET_LEN, SearchQuery,
    UndecodableResponse, types::ErrorType,
};
use serde_json::json;
use workspace_tests::{
    RecordingServer, Reply, client_with_retries as client, error_envelope, fast_retries, in_turn,
    page_envelope, spec_example,
};

/// A server answering every request with `reply`.
async fn always(reply: Reply) -> RecordingServer {
    RecordingServer::with_handler(move |_| reply.clone()).await
}

async fn search(client: &Client) -> Result<enkash_customer_search::SearchPage, Error> {
    client.search(&SearchQuery::new().limit(100)).await
}

fn api(err: Error) -> ApiError {
    match err {
        Error::Api(e) => *e,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn undecodable(err: Error) -> UndecodableResponse {
    match err {
        Error::Undecodable(e) => *e,
        other => panic!("expected Error::Undecodable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_500_envelope_is_an_api_error_with_every_field() {
    let server = always(Reply::json(
        500,
        &error_envelope("SYSTEM_ERROR", "Something went wrong", 500),
    ))
    .await;
    // A retrying policy: a 500 is retried, and after the last attempt the envelope is kept.
    let err = search(&client(&server, fast_retries())).await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), None);
    let shown = err.to_string();
    assert!(
        shown.contains("500") && shown.contains("SYSTEM_ERROR") && shown.contains("req-4f2a"),
        "{shown}"
    );
    let e = api(err);
    assert_eq!(e.status, 500);
    assert_eq!(e.error_type, Some(Open::Known(ErrorType::SystemError)));
    assert_eq!(e.error_message.as_deref(), Some("Something went wrong"));
    assert_eq!(e.request_id.as_deref(), Some("req-4f2a"));
    assert_eq!(e.response_code, Some(500));
    assert_eq!(e.response_message.as_deref(), Some("Something went wrong"));
    assert_eq!(
        e.timestamp.as_ref().map(|t| t.original()),
        Some("2024-10-10 08:34:46")
    );
    assert!(e.api_sub_errors.is_empty());
    assert_eq!(server.requests().len(), 3, "three attempts in all");
}

#[tokio::test]
async fn an_unknown_error_type_is_kept_as_sent() {
    let mut body = error_envelope("RATE_LIMITED_BY_PARTNER", "Slow down", 500);
    body["errorResponse"]["apiSubErrors"] = json!([{"field": "limit", "message": "too big"}]);
    let server = always(Reply::json(500, &body)).await;
    let e = api(search(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err());
    assert_eq!(
        e.error_type,
        Some(Open::Unknown("RATE_LIMITED_BY_PARTNER".to_string()))
    );
    assert_eq!(
        e.api_sub_errors,
        [json!({"field": "limit", "message": "too big"})]
    );
}

#[tokio::test]
async fn an_error_inside_http_200_is_an_api_error() {
    let server = always(Reply::json(
        200,
        &error_envelope("INVALID_ACCESS", "Token is invalid.", 117),
    ))
    .await;
    let err = search(&client(&server, fast_retries())).await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_retryable());
    let e = api(err);
    assert_eq!(e.status, 200);
    assert_eq!(e.response_code, Some(117));
    assert_eq!(e.error_message.as_deref(), Some("Token is invalid."));
    assert_eq!(e.error_type, Some(Open::Known(ErrorType::InvalidAccess)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_page_with_an_error_response_is_a_success_that_keeps_it() {
    let mut body = page_envelope(vec![json!({"legalName": "Shree Ganesh Traders"})], Some(1));
    body["errorResponse"] =
        error_envelope("UNKNOWN_ERROR", "partial results", 0)["errorResponse"].clone();
    let server = always(Reply::json(200, &body)).await;

    let page = search(&client(&server, RetryPolicy::none()))
        .await
        .expect("a page is a success even with an errorResponse");

    assert_eq!(page.status, 200);
    assert_eq!(page.customers.len(), 1);
    assert_eq!(
        page.customers[0].legal_name.as_deref(),
        Some("Shree Ganesh Traders")
    );
    assert_eq!(page.records_count, Some(1));
    let kept = page.error_response.expect("the errorResponse is kept");
    assert_eq!(kept.error_message.as_deref(), Some("partial results"));
    assert_eq!(kept.request_id.as_deref(), Some("req-4f2a"));
}

#[tokio::test]
async fn a_gateways_html_502_is_undecodable_with_a_bounded_snippet() {
    const MARKER: &str = "END-OF-PAGE-MARKER-0x51";
    let mut html = String::from("<!DOCTYPE html><html><head><title>502 Bad Gateway</title>");
    while html.len() < 10_000 {
        html.push_str("<p>The upstream server did not answer in time.</p>\n");
    }
    html.push_str(MARKER);
    html.push_str("</html>");
    let server = always(Reply::raw(502, "text/html", html.clone())).await;

    let err = search(&client(&server, fast_retries())).await.unwrap_err();

    assert_eq!(server.requests().len(), 3, "a 502 is retried");
    assert!(err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    let shown = err.to_string();
    assert!(shown.contains("502"), "{shown}");
    assert!(shown.contains("text/html"), "{shown}");
    assert!(
        shown.contains("<!DOCTYPE html>"),
        "the start shows: {shown}"
    );
    assert!(!shown.contains(MARKER), "{shown}");
    assert!(shown.len() < 1_000, "{} bytes shown", shown.len());
    let e = undecodable(err);
    assert_eq!(e.status, 502);
    assert_eq!(e.content_type.as_deref(), Some("text/html"));
    assert!(e.snippet.len() <= SNIPPET_LEN, "{}", e.snippet.len());
    assert!(html.starts_with(&e.snippet));
    assert!(!e.snippet.contains(MARKER));
    assert_eq!(e.body_len, html.len());
}

#[tokio::test]
async fn a_429_is_retried_and_when_it_persists_keeps_its_retry_after() {
    let reply = Reply::json(
        429,
        &error_envelope("CLIENT_REQUEST_ERROR", "Too many requests", 429),
    )
    .header("retry-after", "7");
    let server = always(reply.clone()).await;
    // The 7 s are cut to 10 ms so the test stays fast.
    let policy = fast_retries().with_max_retry_after(Duration::from_millis(10));
    let started = Instant::now();

    let err = search(&client(&server, policy)).await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 3);
    assert!(err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    // The server's own value, not the policy's cap.
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    let e = api(err);
    assert_eq!(e.status, 429);
    assert_eq!(e.error_message.as_deref(), Some("Too many requests"));
    assert_eq!(e.response_code, Some(429));

    // And a 429 that clears is a success after the retry.
    let server = in_turn(vec![
        reply,
        Reply::json(200, &spec_example("CustomerSearchPage")),
    ])
    .await;
    let page = search(&client(
        &server,
        fast_retries().with_max_retry_after(Duration::from_millis(10)),
    ))
    .await
    .expect("success on the second attempt");
    assert_eq!(page.customers.len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_200_that_is_not_json_is_undecodable() {
    let server = always(Reply::raw(200, "text/plain; charset=utf-8", "OK, all fine")).await;
    let err = search(&client(&server, fast_retries())).await.unwrap_err();

    assert!(!err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let e = undecodable(err);
    assert_eq!(e.status, 200);
    assert_eq!(e.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(e.body_len, "OK, all fine".len());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_200_json_body_that_is_not_the_envelope_is_undecodable() {
    let server = always(Reply::json(200, &json!([1, 2]))).await;
    let err = search(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let e = undecodable(err);
    assert_eq!(e.status, 200);
    assert_eq!(e.content_type.as_deref(), Some("application/json"));
    assert_eq!(e.body_len, 5);
}

#[tokio::test]
async fn an_empty_envelope_is_a_broken_contract_not_an_empty_page() {
    let server = always(Reply::json(200, &json!({}))).await;
    let err = search(&client(&server, fast_retries())).await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);
    let shown = err.to_string();
    assert!(shown.contains("`payload`"), "{shown}");
    let Error::Paging(e) = err else {
        panic!("expected a paging error, got {err:?}");
    };
    assert_eq!(
        *e,
        PagingError::NoPayload {
            status: StatusCode::OK
        }
    );
}

#[tokio::test]
async fn client_error_envelopes_are_api_errors_and_not_retried() {
    for (status, error_type, expected) in [
        (404, "RECORD_NOT_FOUND", ErrorType::RecordNotFound),
        (403, "INVALID_ACCESS", ErrorType::InvalidAccess),
        (
            422,
            "UNPROCESSABLE_REQUEST",
            ErrorType::UnprocessableRequest,
        ),
    ] {
        let server = always(Reply::json(
            status,
            &error_envelope(error_type, "Not for you", i64::from(status)),
        ))
        .await;
        let err = search(&client(&server, fast_retries())).await.unwrap_err();

        assert!(!err.is_retryable(), "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        let e = api(err);
        assert_eq!(e.status, status);
        assert_eq!(e.error_type, Some(Open::Known(expected)), "{status}");
        assert_eq!(e.error_message.as_deref(), Some("Not for you"));
        assert_eq!(e.response_code, Some(i32::from(status)));
        assert_eq!(server.requests().len(), 1, "{status} is not retried");
    }
}

#[tokio::test]
async fn an_undecodable_page_never_shows_customer_data() {
    let mut customer = spec_example("CustomerSearchPage")["payload"]["data"][0].clone();
    customer["legalName"] = json!("SECRET CUSTOMER NAME");
    customer["dsoMedian"] = json!("not-a-number");
    let server = always(Reply::json(200, &page_envelope(vec![customer], Some(1)))).await;

    let err = search(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let shown = err.to_string();
    assert!(!shown.contains("SECRET CUSTOMER NAME"), "{shown}");
    assert!(!shown.contains("not-a-number"), "{shown}");
    assert!(shown.contains("HTTP 200"), "{shown}");
    assert!(
        shown.contains("at `payload.data[0].dsoMedian`"),
        "where it is shows: {shown}"
    );
    let e = undecodable(err);
    assert_eq!(e.status, 200);
    assert_eq!(e.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_not_shown_either() {
    // The value that fails to decode is customer data too: alone, and in a whole customer.
    let mut customer = spec_example("CustomerSearchPage")["payload"]["data"][0].clone();
    customer["dsoMedian"] = json!("SECRET-DSO-NOTE");
    customer["pinCode"] = json!(400_069);
    for customer in [
        json!({"dsoMedian": "SECRET-DSO-NOTE"}),
        json!({"pinCode": 400_069_123}),
        customer,
    ] {
        let server = always(Reply::json(200, &page_envelope(vec![customer], Some(1)))).await;
        let err = search(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Undecodable(_)), "{err:?}");
        let shown = err.to_string();
        assert!(!shown.contains("SECRET-DSO-NOTE"), "{shown}");
        assert!(!shown.contains("400069"), "{shown}");
    }
}

#[tokio::test]
async fn no_answer_in_time_is_a_timeout() {
    let server =
        always(Reply::json(200, &page_envelope(vec![], Some(0))).delayed(Duration::from_secs(2)))
            .await;
    let client = Client::builder(server.base_url())
        .request_timeout(Some(Duration::from_millis(100)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();

    let err = search(&client).await.unwrap_err();

    assert!(started.elapsed() < Duration::from_millis(1_500));
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    let Error::Timeout(e) = err else {
        panic!("expected Error::Timeout, got {err:?}");
    };
    assert_eq!(e.attempts, 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_connect_failure_after_every_attempt() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let policy = fast_retries().with_max_attempts(4);
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .retry_policy(policy.clone())
        .build()
        .unwrap();

    let err = search(&client).await.unwrap_err();

    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    let shown = err.to_string();
    assert!(shown.contains("after 4 attempts"), "{shown}");
    let Error::Transport(e) = err else {
        panic!("expected Error::Transport, got {err:?}");
    };
    assert!(e.connect);
    assert_eq!(e.attempts, policy.max_attempts());
    assert_eq!(e.attempts, 4);
}

#[tokio::test]
async fn an_error_envelope_with_odd_field_types_keeps_its_message() {
    // `errorType` as a number and `response_code` as a string break the spec's types; the
    // status and EnKash's message must survive anyway.
    let body = json!({
        "errorResponse": { "errorType": 42, "errorMessage": "limit too big", "requestId": "r-1" },
        "payload": null,
        "response_code": "400",
    });
    for status in [400, 200, 502] {
        let server = always(Reply::json(status, &body)).await;
        let err = api(search(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err());
        assert_eq!(err.status, status);
        assert_eq!(err.error_message.as_deref(), Some("limit too big"));
        assert_eq!(
            err.error_type,
            Some(enkash_customer_search::Open::Unknown("42".into()))
        );
        assert_eq!(err.request_id.as_deref(), Some("r-1"));
        assert_eq!(err.response_code, None);
    }
}
