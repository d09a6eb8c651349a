//! The client against servers that misbehave the way gateways, proxies and a busy Spring
//! service do, each on 127.0.0.1: redirects that would carry credentials elsewhere, bodies
//! that never end, drip or break off, statuses worth a retry, odd token responses, servers
//! that echo secrets, and result sets that change while a walk pages through them.
//!
//! Most use the sandbox's own faults (so downstream crates can reproduce each case), the rest
//! a recording server or a raw TCP server for what no HTTP library would send.

use std::time::{Duration, Instant};

use enkash_customer_search::{
    AuthenticationFailure, Client, Credentials, Error, PagingError, RetryPolicy, SearchQuery,
};
use enkash_customer_search_mock::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Sandbox,
};
use futures_util::StreamExt;
use serde_json::json;
use workspace_tests::{
    RawServer, RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, capture_logs, fast_retries,
    in_turn, page_envelope, spec_example,
};

/// A client of the sandbox with its credentials and millisecond retries.
fn sandbox_client(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn ok_page() -> Reply {
    Reply::json(200, &spec_example("CustomerSearchPage"))
}

// ---- 1. Redirects never carry credentials elsewhere -------------------------------------

#[tokio::test]
async fn the_token_call_follows_no_redirect_and_names_only_the_origin() {
    let elsewhere = RecordingServer::start(200, json!({"access_token": "stolen"})).await;
    let sandbox = Sandbox::start().await.unwrap();
    for (status, location) in [
        (
            307,
            format!("{}/steal?password=x#frag", elsewhere.base_url()),
        ),
        (308, format!("{}/oauth/token", elsewhere.base_url())),
        (302, format!("{}/oauth/token", sandbox.base_url())), // even to the same origin
    ] {
        sandbox
            .faults()
            .redirect_token_next(1, status, location.clone());
        let before = sandbox.token_requests();
        let err = sandbox_client(&sandbox)
            .search(&SearchQuery::new())
            .await
            .unwrap_err();

        let Error::Authentication(e) = &err else {
            panic!("{status}: expected an authentication error, got {err:?}");
        };
        assert_eq!(e.reason, AuthenticationFailure::Redirected);
        assert_eq!(e.status.map(|s| s.as_u16()), Some(status));
        let shown = err.to_string();
        let origin = location
            .split("/oauth")
            .next()
            .unwrap()
            .split("/steal")
            .next()
            .unwrap();
        assert!(
            shown.contains(&format!("HTTP {status} to {origin}")),
            "{shown}"
        );
        assert!(
            !shown.contains("steal") && !shown.contains("password=x"),
            "{shown}"
        );
        assert_eq!(
            sandbox.token_requests() - before,
            1,
            "{status}: not followed, not retried"
        );
    }
    assert!(elsewhere.requests().is_empty(), "the form went elsewhere");
}

#[tokio::test]
async fn a_search_follows_a_redirect_within_its_origin_with_the_same_request() {
    let server = RecordingServer::with_handler(|request| match request.uri.path() {
        SEARCH_PATH => Reply::raw(307, "text/plain", "").header("location", "/v2/search?x=1"),
        "/v2/search" => ok_page(),
        other => Reply::json(404, &json!({ "unexpected": other })),
    })
    .await;
    let client = Client::builder(server.base_url())
        .bearer_token("TK-redirect")
        .build()
        .unwrap();

    let page = client
        .search(&SearchQuery::new().limit(7).order_by("legalName"))
        .await
        .expect("the same-origin redirect is followed");
    assert_eq!(page.customers.len(), 1);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let (first, second) = (&requests[0], &requests[1]);
    assert_eq!(second.uri.to_string(), "/v2/search?x=1");
    assert_eq!(second.method, first.method, "a 307 keeps the method");
    assert_eq!(second.body, first.body, "and the body");
    assert_eq!(
        second.header("authorization").as_deref(),
        Some("Bearer TK-redirect")
    );
}

#[tokio::test]
async fn a_search_is_never_redirected_to_another_origin() {
    let elsewhere = RecordingServer::start(200, spec_example("CustomerSearchPage")).await;
    let sandbox = Sandbox::start().await.unwrap();
    // `localhost` is the sandbox under another host name: another origin all the same.
    let port = sandbox.base_url().rsplit(':').next().unwrap().to_string();
    for (status, location) in [
        (
            307,
            format!("{}/api/v0/customer/search", elsewhere.base_url()),
        ),
        (
            308,
            format!("http://localhost:{port}/api/v0/customer/search?token=t"),
        ),
        (301, format!("{}/x", elsewhere.base_url())),
        (
            302,
            "https://127.0.0.1:1/api/v0/customer/search".to_string(),
        ),
    ] {
        sandbox.faults().redirect_next(1, status, location.clone());
        let before = sandbox.search_requests();
        let err = sandbox_client(&sandbox)
            .search(&SearchQuery::new())
            .await
            .unwrap_err();

        let Error::Undecodable(e) = &err else {
            panic!("{status}: expected a refused response, got {err:?}");
        };
        assert_eq!(e.status.as_u16(), status);
        let problem = e.problem().unwrap_or_default();
        let origin: String = location
            .splitn(4, '/')
            .take(3)
            .collect::<Vec<_>>()
            .join("/");
        assert!(
            problem.contains(&format!("HTTP {status}")) && problem.contains(&origin),
            "{problem}"
        );
        assert!(
            !problem.contains("token=t") && !problem.contains("/x"),
            "{problem}"
        );
        assert!(!err.is_retryable());
        assert_eq!(sandbox.search_requests() - before, 1, "{status}");
    }
    assert!(elsewhere.requests().is_empty(), "a search went elsewhere");
}

#[tokio::test]
async fn a_redirect_loop_within_the_origin_ends_after_ten_hops() {
    let server = RecordingServer::with_handler(|_| {
        Reply::raw(308, "text/plain", "").header("location", SEARCH_PATH)
    })
    .await;
    let client = Client::new(server.base_url()).unwrap();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    let Error::Undecodable(e) = &err else {
        panic!("{err:?}");
    };
    assert!(
        e.problem()
            .unwrap()
            .contains("was not followed: a search follows at most 10 redirects"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 11);
}

#[tokio::test]
async fn a_transport_error_after_a_redirect_shows_no_query_the_server_chose() {
    let server = RawServer::start(vec![
        b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /next?k=SECRET-Q1#F\r\ncontent-length: 0\r\n\r\n"
            .to_vec(),
        Vec::new(), // then the connection closes without an answer
    ])
    .await;
    let client = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .search(&SearchQuery::new().limit(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("/next"), "{shown}");
    assert!(!shown.contains("SECRET-Q1"), "{shown}");
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn a_303_is_not_followed() {
    let server = RecordingServer::with_handler(|request| match request.uri.path() {
        SEARCH_PATH => Reply::raw(303, "text/plain", "").header("location", "/result/1"),
        _ => ok_page(),
    })
    .await;
    let client = Client::new(server.base_url()).unwrap();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Undecodable(e) if e.status == 303),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

// ---- 2. Bounded memory for any response --------------------------------------------------

#[tokio::test]
async fn an_endless_body_is_refused_at_the_limit_while_it_streams() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().endless_body_next(1);
    let client = Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .max_response_bytes(1 << 20)
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    let Error::Undecodable(e) = &err else {
        panic!("expected the body to be refused, got {err:?}");
    };
    let problem = e.problem().unwrap();
    assert!(
        problem.contains("larger than the limit of 1048576 bytes") && problem.contains("HTTP 200"),
        "{problem}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        sandbox.search_requests(),
        1,
        "a refused body is not retried"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn a_body_announced_over_the_limit_is_refused_before_it_is_read() {
    // Plain, and compressed: compressed bytes count against the limit too.
    let plain = Reply::raw(200, "application/json", vec![b' '; 300_000]);
    let gzipped = plain.clone().header("content-encoding", "gzip");
    let server = in_turn(vec![plain, gzipped]).await;
    let client = Client::builder(server.base_url())
        .max_response_bytes(100_000)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    for _ in 0..2 {
        let err = client.search(&SearchQuery::new()).await.unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains("limit of 100000 bytes") && shown.contains("Content-Length 300000"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn the_default_limit_takes_a_full_page_of_5000() {
    let sandbox = Sandbox::start().await.unwrap();
    let page = sandbox_client(&sandbox)
        .search(&SearchQuery::new().limit(5000))
        .await
        .expect("a full page is far below 64 MiB");
    assert_eq!(page.customers.len(), 5000);
}

#[tokio::test]
async fn a_dripping_body_is_cut_at_the_timeout() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox
        .faults()
        .drip_body_next(1, Duration::from_millis(20));
    let client = Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .request_timeout(Some(Duration::from_millis(600)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client
        .search(&SearchQuery::new().limit(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    // The body would take minutes at a byte every 20 ms; the timeout covers it whole.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

// ---- 3. A broken read is retried like a broken connection --------------------------------

#[tokio::test]
async fn a_body_cut_short_is_retried_and_the_next_attempt_succeeds() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().cut_body_next(2);
    let page = sandbox_client(&sandbox)
        .search(&SearchQuery::new().limit(50))
        .await
        .expect("the third attempt gets the whole body");
    assert_eq!(page.customers.len(), 50);
    assert_eq!(sandbox.search_requests(), 3);

    // Every attempt cut: the policy's attempts, then a transport error.
    sandbox.faults().cut_body_next(3);
    let err = sandbox_client(&sandbox)
        .search(&SearchQuery::new().limit(50))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.attempts == 3 && !e.connect),
        "{err:?}"
    );
    assert_eq!(sandbox.search_requests(), 6);
}

const CUT_SHORT: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"pay";

#[tokio::test]
async fn an_early_eof_and_a_closed_connection_are_retried_for_a_search() {
    let server = RawServer::start(vec![
        CUT_SHORT.to_vec(),
        Vec::new(), // closed without a word
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
            page_envelope(vec![], Some(0)).to_string().len(),
            page_envelope(vec![], Some(0))
        )
        .into_bytes(),
    ])
    .await;
    let client = Client::builder(server.base_url())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    client
        .search(&SearchQuery::new())
        .await
        .expect("the third connection answers");
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn a_broken_token_response_is_never_retried() {
    let server = RawServer::start(vec![CUT_SHORT.to_vec()]).await;
    let client = Client::builder(server.base_url())
        .credentials(Credentials::new("CEK1", "S3CR3T", "u@x.in", "PW"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        server.connections(),
        1,
        "the login may have counted; not sent again"
    );
}

#[tokio::test]
async fn a_token_call_that_cannot_connect_is_retried() {
    // A port nothing listens on: the request cannot have reached a server.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let client = Client::builder(&closed)
        .credentials(Credentials::new("CEK1", "S3CR3T", "u@x.in", "PW"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.connect && e.attempts == 3),
        "{err:?}"
    );
}

// ---- 5. Token responses as they come -------------------------------------------------------

fn token_server(token: serde_json::Value) -> impl std::future::Future<Output = RecordingServer> {
    RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => Reply::json(200, &token),
        _ => ok_page(),
    })
}

fn credentials_client(server: &RecordingServer) -> Client {
    Client::builder(server.base_url())
        .credentials(Credentials::new("CEK1", "S3CR3T", "u@x.in", "PW"))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

#[tokio::test]
async fn token_responses_with_string_numbers_either_casing_and_extra_fields_are_used() {
    for (token, token_requests) in [
        // A lifetime of 0 as a string: read, and a second at the least, so one token serves both.
        (json!({"access_token": "TK-a", "expires_in": "0"}), 1),
        (json!({"access_token": "TK-a", "expires_in": " 86399 "}), 1),
        (
            json!({"accessToken": "TK-a", "expiresIn": "0", "jti": "x", "n": 1}),
            1,
        ),
        // No lifetime: the documented 5 minutes.
        (
            json!({"accessToken": "TK-a", "tokenType": "bearer", "extra": {"a": 1}}),
            1,
        ),
    ] {
        let server = token_server(token.clone()).await;
        let client = credentials_client(&server);
        for _ in 0..2 {
            client
                .search(&SearchQuery::new())
                .await
                .unwrap_or_else(|e| panic!("{token}: {e}"));
        }
        assert_eq!(
            server.requests_to(TOKEN_PATH).len(),
            token_requests,
            "{token}"
        );
        assert!(
            server
                .requests_to(SEARCH_PATH)
                .iter()
                .all(|r| r.header("authorization").as_deref() == Some("Bearer TK-a"))
        );
    }

    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().string_numbers_in_token(true);
    sandbox_client(&sandbox)
        .search(&SearchQuery::new())
        .await
        .expect("the sandbox's string expires_in is read");
}

#[tokio::test]
async fn a_token_response_without_a_token_says_which_field_in_which_shape() {
    for token in [
        json!({"token_type": "bearer", "expires_in": 300}),
        json!({"access_token": 12345, "expires_in": 300}),
    ] {
        let server = token_server(token.clone()).await;
        let err = credentials_client(&server)
            .search(&SearchQuery::new())
            .await
            .unwrap_err();
        let Error::Authentication(e) = &err else {
            panic!("{token}: {err:?}");
        };
        assert_eq!(e.reason, AuthenticationFailure::NoTokenInResponse);
        let message = e.message.as_deref().unwrap_or_default();
        assert!(
            message.contains("not the snake_case shape")
                && message.contains("not the camelCase shape: missing field `accessToken`"),
            "{message}"
        );
        assert!(
            !message.contains("untagged") && !message.contains("12345"),
            "{message}"
        );
        assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    }
}

#[tokio::test]
async fn an_oauth_error_under_http_200_is_a_rejection_and_never_sent_again() {
    let server = token_server(json!({
        "error": "invalid_grant",
        "error_description": "Bad credentials"
    }))
    .await;
    let client = credentials_client(&server);
    for expected in [
        AuthenticationFailure::CredentialsRejected,
        AuthenticationFailure::CredentialsRejectedEarlier,
    ] {
        let err = client.search(&SearchQuery::new()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Authentication(e) if e.reason == expected
                && e.message.as_deref() == Some("Bad credentials")),
            "{err:?}"
        );
    }
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
}

#[tokio::test]
async fn a_5xx_from_the_sandboxs_token_endpoint_leaves_the_credentials_usable() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().fail_token_next(1, 502);
    let client = sandbox_client(&sandbox);
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Authentication(e)
            if e.reason == AuthenticationFailure::TokenEndpointFailed),
        "{err:?}"
    );
    assert_eq!(sandbox.token_requests(), 1);
    client
        .search(&SearchQuery::new())
        .await
        .expect("logs in again");
    assert_eq!(sandbox.token_requests(), 2);
}

// ---- 6. A secret is never printed, even when the server echoes it ------------------------

/// The secrets of the sandbox's credentials, in the spellings a server could echo.
const SANDBOX_SECRETS: [&str; 3] = [
    SANDBOX_PASSWORD,
    SANDBOX_CLIENT_SECRET,
    // base64("CEKSANDBOX1:sandbox-client-secret")
    "Q0VLU0FOREJPWDE6c2FuZGJveC1jbGllbnQtc2VjcmV0",
];

#[tokio::test]
async fn echoed_credentials_never_reach_display_debug_or_the_logs() {
    let (logs, _guard) = capture_logs();
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().echo_credentials_next(1);
    let err = sandbox_client(&sandbox)
        .search(&SearchQuery::new())
        .await
        .unwrap_err();

    let shown = err.to_string();
    // What the server said is still there, less the secrets.
    assert!(
        shown.contains(&format!("Bad credentials for {SANDBOX_USERNAME} / ***"))
            && shown.contains(&format!("client {SANDBOX_CLIENT_ID}:***"))
            && shown.contains("Basic ***"),
        "{shown}"
    );
    let debug = format!("{err:?}");
    let logs = logs.text();
    assert!(
        logs.contains("Bad credentials"),
        "the failure was logged: {logs}"
    );
    for secret in SANDBOX_SECRETS {
        for (what, text) in [("Display", &shown), ("Debug", &debug), ("the logs", &logs)] {
            assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
        }
    }
}

#[tokio::test]
async fn tokens_echoed_by_a_search_error_are_hidden() {
    let echo = |request: &workspace_tests::RecordedRequest| {
        let authorization = request.header("authorization").unwrap_or_default();
        let mut body = workspace_tests::error_envelope(
            "VALIDATION_ERROR",
            &format!("rejected {authorization}"),
            400,
        );
        body["errorResponse"]["apiSubErrors"] = json!([{ "rejectedValue": authorization }]);
        body["errorResponse"]["requestId"] = json!(authorization);
        Reply::json(400, &body)
            .header(
                "content-type",
                &format!("application/json; echo={authorization}"),
            )
            .header("x-request-id", &authorization)
    };
    // A static bearer token, and one fetched with credentials.
    let (logs, _guard) = capture_logs();
    let server = RecordingServer::with_handler(echo).await;
    let client = Client::builder(server.base_url())
        .bearer_token("TK-static-777")
        .build()
        .unwrap();
    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    let logs = logs.text();
    assert!(logs.contains("request_id=\"Bearer ***\""), "{logs}");
    for text in [err.to_string(), format!("{err:?}"), logs] {
        assert!(!text.contains("TK-static-777"), "{text}");
    }
    assert!(err.to_string().contains("rejected Bearer ***"), "{err}");

    let server = RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => Reply::json(200, &json!({"access_token": "TK-fetched-888"})),
        _ => echo(request),
    })
    .await;
    let err = credentials_client(&server)
        .search(&SearchQuery::new())
        .await
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("TK-fetched-888"), "{text}");
    }
}

// ---- 7. Paging that cannot silently duplicate or drop --------------------------------------

#[tokio::test]
async fn a_shifted_page_ends_the_walk_before_a_customer_is_emitted_twice() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.faults().shift_next(2); // the first search, at offset 0, takes one
    let mut customers = sandbox_client(&sandbox).search_all(SearchQuery::new().limit(100));
    let mut seen = std::collections::HashSet::new();
    let err = loop {
        match customers.next().await {
            Some(Ok(customer)) => {
                let id = customer.customer_id.clone().unwrap();
                assert!(seen.insert(id.clone()), "{id} was emitted twice");
            }
            Some(Err(err)) => break err,
            None => panic!("the walk ended without noticing the shifted page"),
        }
    };
    assert_eq!(seen.len(), 100, "every customer of the first page, once");
    let last_of_first_page = sandbox.dataset()[99]["customerId"].as_str().unwrap();
    let Error::Paging(e) = &err else {
        panic!("expected a paging error, got {err:?}");
    };
    assert_eq!(
        **e,
        PagingError::ResultSetChanged {
            key: format!("customerId {last_of_first_page}"),
            offset: 100,
            previous_offset: 0,
        }
    );
    assert!(err.is_retryable());
    let shown = err.to_string();
    assert!(
        shown.contains("the result set changed while paging")
            && shown.contains(last_of_first_page)
            && shown.contains("createdOn ascending"),
        "{shown}"
    );
    assert!(customers.next().await.is_none());
}

#[tokio::test]
async fn a_changed_records_count_is_logged_and_the_walk_ends_on_the_latest() {
    let customer = |i: usize| json!({ "customerId": format!("KC{i:014}"), "id": i });
    let page = |from: usize, to: usize, count: i64| {
        Reply::json(
            200,
            &page_envelope((from..to).map(customer).collect(), Some(count)),
        )
    };
    // 30 at first, 25 from the second page on: three pages of 10, the third one short.
    let server = in_turn(vec![page(0, 10, 30), page(10, 20, 25), page(20, 25, 25)]).await;
    let (logs, _guard) = capture_logs();
    let client = Client::new(server.base_url()).unwrap();
    let customers: Vec<_> = client
        .search_all(SearchQuery::new().limit(10))
        .collect()
        .await;
    assert_eq!(customers.len(), 25);
    assert!(customers.iter().all(Result::is_ok));
    assert_eq!(server.requests().len(), 3);
    let logs = logs.text();
    assert!(
        logs.contains("WARN") && logs.contains("recordsCount) changed while paging"),
        "{logs}"
    );
}

#[tokio::test]
async fn a_server_that_ignores_limit_is_an_error_before_anything_repeats() {
    let customer = |i: usize| json!({ "customerId": format!("KC{i:014}") });
    // Asked for 10, it sends all 25 every time.
    let server = in_turn(vec![Reply::json(
        200,
        &page_envelope((0..25).map(customer).collect(), Some(25)),
    )])
    .await;
    let client = Client::new(server.base_url()).unwrap();
    let items: Vec<_> = client
        .search_all(SearchQuery::new().limit(10))
        .collect()
        .await;
    assert_eq!(
        items.len(),
        1,
        "nothing of the oversized page is handed over"
    );
    let Some(Err(Error::Paging(e))) = items.last() else {
        panic!("{items:?}");
    };
    assert_eq!(
        **e,
        PagingError::OversizedPage {
            offset: 0,
            received: 25,
            asked: 10
        }
    );
    assert_eq!(server.requests().len(), 1);
}
