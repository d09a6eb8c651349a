//! Retries end to end, against a recording server on 127.0.0.1: which failures are tried
//! again and how many times, that `Retry-After` is honoured (and capped), and that a timeout
//! is retried like a 503.
//!
//! The number of requests the server saw is the proof in every test; the backoff is cut to a
//! few milliseconds so that the suite stays fast.

use std::time::{Duration, Instant};

use enkash_customer_search::{Client, Error, RetryPolicy, SearchQuery};
use workspace_tests::{
    Reply, client_with_retries as client, error_envelope, fast_retries, in_turn, ok_page,
    unavailable,
};

/// An envelope with the given status, as EnKash (or a gateway in front of it) would send.
fn status_reply(status: u16) -> Reply {
    match status {
        502 | 504 => Reply::raw(status, "text/html", "<html><h1>Bad Gateway</h1></html>"),
        _ => Reply::json(
            status,
            &error_envelope("CLIENT_REQUEST_ERROR", "No", i64::from(status)),
        ),
    }
}

async fn search(client: &Client) -> Result<enkash_customer_search::SearchPage, Error> {
    client.search(&SearchQuery::new().limit(100)).await
}

#[tokio::test]
async fn two_503s_then_a_page_is_a_success_after_three_requests() {
    let server = in_turn(vec![unavailable(), unavailable(), ok_page()]).await;

    let page = search(&client(&server, fast_retries()))
        .await
        .expect("the third attempt succeeds");

    assert_eq!(page.customers.len(), 1);
    assert_eq!(server.requests().len(), 3);
    // Every attempt is the same request.
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.uri == requests[0].uri));
    assert!(requests.iter().all(|r| r.body == requests[0].body));
}

#[tokio::test]
async fn a_503_that_persists_fails_after_max_attempts() {
    for (policy, expected) in [
        (fast_retries(), 3),
        (RetryPolicy::none(), 1),
        (fast_retries().with_max_attempts(5), 5),
        (fast_retries().with_max_attempts(0), 1),
    ] {
        let server = in_turn(vec![unavailable()]).await;
        let err = search(&client(&server, policy.clone())).await.unwrap_err();

        assert_eq!(server.requests().len(), expected, "{policy:?}");
        assert!(err.is_retryable());
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        let Error::Api(e) = err else {
            panic!("expected the 503's envelope, got {err:?}");
        };
        assert_eq!(e.error_message.as_deref(), Some("Service unavailable"));
    }
}

#[tokio::test]
async fn other_client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 409, 422] {
        let server = in_turn(vec![status_reply(status), ok_page()]).await;
        let client = Client::builder(server.base_url())
            .bearer_token("static-token-1")
            .retry_policy(fast_retries())
            .build()
            .unwrap();

        let err = search(&client).await.unwrap_err();

        assert_eq!(server.requests().len(), 1, "{status} was retried");
        assert!(!err.is_retryable(), "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        if status == 401 {
            assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        } else {
            assert!(matches!(err, Error::Api(_)), "{status}: {err:?}");
        }
    }
}

#[tokio::test]
async fn a_search_is_retried_on_408_429_500_502_503_and_504() {
    for status in [408, 429, 500, 502, 503, 504] {
        let server = in_turn(vec![status_reply(status), ok_page()]).await;
        let page = search(&client(&server, fast_retries()))
            .await
            .unwrap_or_else(|e| panic!("{status} was not retried: {e}"));
        assert_eq!(page.customers.len(), 1);
        assert_eq!(server.requests().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn after_the_last_attempt_a_retried_status_keeps_its_envelope() {
    for status in [408, 500] {
        let server = in_turn(vec![status_reply(status)]).await;
        let err = search(&client(&server, fast_retries())).await.unwrap_err();
        assert_eq!(server.requests().len(), 3, "{status}");
        let Error::Api(e) = err else {
            panic!("{status}: expected the envelope, got {err:?}");
        };
        assert_eq!(
            (e.status.as_u16(), e.error_message.as_deref()),
            (status, Some("No"))
        );
    }
}

#[tokio::test]
async fn overload_and_gateway_errors_are_retried() {
    for status in [429, 502, 503, 504] {
        let server = in_turn(vec![status_reply(status)]).await;

        let err = search(&client(&server, fast_retries())).await.unwrap_err();

        assert_eq!(server.requests().len(), 3, "{status}");
        assert!(err.is_retryable(), "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));

        // The same failure once, then a page: a success after exactly two requests.
        let server = in_turn(vec![status_reply(status), ok_page()]).await;
        let page = search(&client(&server, fast_retries()))
            .await
            .unwrap_or_else(|e| panic!("{status} then 200: {e}"));
        assert_eq!(page.customers.len(), 1);
        assert_eq!(server.requests().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = in_turn(vec![unavailable().header("retry-after", "1"), ok_page()]).await;
    let started = Instant::now();

    search(&client(&server, fast_retries()))
        .await
        .expect("success after waiting");

    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_is_capped_by_the_policy() {
    let server = in_turn(vec![
        unavailable().header("retry-after", "120"),
        unavailable().header("retry-after", "120"),
        ok_page(),
    ])
    .await;
    let policy = fast_retries().with_max_retry_after(Duration::from_millis(50));
    let started = Instant::now();

    search(&client(&server, policy))
        .await
        .expect("success on the third attempt");

    let elapsed = started.elapsed();
    // Two waits of 50 ms, not of two minutes.
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server = in_turn(vec![ok_page().delayed(Duration::from_secs(2)), ok_page()]).await;
    let client = Client::builder(server.base_url())
        .request_timeout(Some(Duration::from_millis(200)))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let started = Instant::now();

    let page = search(&client).await.expect("the second attempt answers");

    assert_eq!(page.customers.len(), 1);
    assert_eq!(server.requests().len(), 2);
    assert!(started.elapsed() < Duration::from_millis(1_500));
}

#[tokio::test]
async fn timeouts_that_persist_fail_after_max_attempts() {
    let server = in_turn(vec![ok_page().delayed(Duration::from_secs(2))]).await;
    let client = Client::builder(server.base_url())
        .request_timeout(Some(Duration::from_millis(50)))
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    let err = search(&client).await.unwrap_err();

    assert_eq!(server.requests().len(), 3);
    let Error::Timeout(e) = err else {
        panic!("expected Error::Timeout, got {err:?}");
    };
    assert_eq!(e.attempts, 3);
}
