//! Authentication end to end, against a recording server on 127.0.0.1: what the token request
//! looks like on the wire, both token shapes, one token for many concurrent searches, caching
//! and refresh, and the rules that protect an EnKash account (locked after 3 failed logins):
//! a rejected credential is never sent again, and a 401 from the search causes at most one
//! fresh token. Secrets never show in `Debug` or `Display`.
//!
//! The server's request counts are the proof: each test asserts how many token and search
//! requests were actually sent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use enkash_customer_search::{
    AuthenticationFailure, Client, Credentials, Error, SearchQuery, USER_AGENT,
};
use serde_json::json;
use workspace_tests::{
    RecordedRequest, RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, error_envelope, fast_retries,
    page_envelope, spec_example,
};

const CLIENT_ID: &str = "CEK1A2B3C4";
const CLIENT_SECRET: &str = "CS-7f3a9";
const USERNAME: &str = "ops+ar@example.in";
const PASSWORD: &str = "PW-91kq";
const TOKEN: &str = "TK-55xz";
/// `base64("CEK1A2B3C4:CS-7f3a9")`, worked out once by hand (`printf … | base64`).
const BASIC: &str = "Basic Q0VLMUEyQjNDNDpDUy03ZjNhOQ==";

fn credentials() -> Credentials {
    Credentials::new(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD)
}

fn client_for(server: &RecordingServer) -> Client {
    Client::builder(server.base_url())
        .credentials(credentials())
        .retry_policy(fast_retries())
        .build()
        .expect("a client for the test server")
}

fn snake_token(token: &str, expires_in: i64) -> Reply {
    Reply::json(
        200,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "refresh_token": "RT-unused",
            "expires_in": expires_in,
            "scope": "read write",
        }),
    )
}

fn camel_token(token: &str, expires_in: i64) -> Reply {
    Reply::json(
        200,
        &json!({
            "accessToken": token,
            "tokenType": "bearer",
            "refreshToken": "RT-unused",
            "expiresIn": expires_in,
        }),
    )
}

fn ok_page() -> Reply {
    Reply::json(200, &spec_example("CustomerSearchPage"))
}

/// A server whose token endpoint answers `token` and whose search answers `search`.
async fn server_with(
    token: impl Fn(usize) -> Reply + Send + Sync + 'static,
    search: impl Fn(usize) -> Reply + Send + Sync + 'static,
) -> RecordingServer {
    let tokens = AtomicUsize::new(0);
    let searches = AtomicUsize::new(0);
    RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => token(tokens.fetch_add(1, Ordering::SeqCst)),
        SEARCH_PATH => search(searches.fetch_add(1, Ordering::SeqCst)),
        other => Reply::json(404, &json!({ "unexpected path": other })),
    })
    .await
}

/// The form fields of a `application/x-www-form-urlencoded` body, decoded.
fn form_fields(request: &RecordedRequest) -> BTreeMap<String, String> {
    form_urlencoded::parse(&request.body).into_owned().collect()
}

/// The `Authorization` header of every search the server saw, in order.
fn search_authorizations(server: &RecordingServer) -> Vec<Option<String>> {
    server
        .requests_to(SEARCH_PATH)
        .iter()
        .map(|s| s.header("authorization"))
        .collect()
}

fn authentication(err: Error) -> enkash_customer_search::AuthenticationError {
    match err {
        Error::Authentication(e) => *e,
        other => panic!("expected an authentication error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_token_request_is_a_basic_authenticated_password_grant_form() {
    let server = server_with(|_| snake_token(TOKEN, 86_399), |_| ok_page()).await;
    let client = client_for(&server);

    let page = client
        .search(&SearchQuery::new().limit(10))
        .await
        .expect("the search succeeds");
    assert_eq!(page.customers.len(), 1);

    let tokens = server.requests_to(TOKEN_PATH);
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert_eq!(token.method, "POST");
    assert_eq!(
        token.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token.header("authorization").as_deref(), Some(BASIC));
    assert_eq!(token.header("user-agent").as_deref(), Some(USER_AGENT));
    let fields = form_fields(token);
    let expected: BTreeMap<String, String> = [
        ("grant_type", "password"),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("clientId", CLIENT_ID),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(fields, expected);

    let searches = server.requests_to(SEARCH_PATH);
    assert_eq!(searches.len(), 1);
    assert_eq!(
        searches[0].header("authorization").as_deref(),
        Some("Bearer TK-55xz")
    );
    assert_eq!(
        searches[0].header("user-agent").as_deref(),
        Some(USER_AGENT)
    );
    // The crate's version, with the API's (the spec's info.version) as build metadata.
    let api_version = workspace_tests::spec()["info"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        USER_AGENT.starts_with("enkash-customer-search/0."),
        "{USER_AGENT}"
    );
    assert!(
        USER_AGENT.ends_with(&format!("+{api_version}")),
        "{USER_AGENT}"
    );
    // The token was fetched before the search was sent.
    let order: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.uri.path().to_string())
        .collect();
    assert_eq!(order, [TOKEN_PATH, SEARCH_PATH]);
}

#[tokio::test]
async fn a_company_id_goes_in_the_form_and_the_client_id_in_the_basic_header() {
    let server = server_with(|_| snake_token(TOKEN, 86_399), |_| ok_page()).await;
    let client = Client::builder(server.base_url())
        .credentials(credentials().company_id("CEK9Z8Y7X6"))
        .build()
        .unwrap();

    client.search(&SearchQuery::new()).await.expect("success");

    let tokens = server.requests_to(TOKEN_PATH);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].header("authorization").as_deref(), Some(BASIC));
    assert_eq!(
        form_fields(&tokens[0]).get("clientId").map(String::as_str),
        Some("CEK9Z8Y7X6")
    );
}

#[tokio::test]
async fn both_token_shapes_are_understood() {
    for (shape, reply) in [
        ("snake_case", snake_token("TK-snake", 86_399)),
        ("camelCase", camel_token("TK-camel", 86_399)),
    ] {
        let token = reply.clone();
        let server = server_with(move |_| token.clone(), |_| ok_page()).await;
        let client = client_for(&server);

        client
            .search(&SearchQuery::new())
            .await
            .unwrap_or_else(|e| panic!("{shape}: {e}"));

        let expected = if shape == "snake_case" {
            "Bearer TK-snake"
        } else {
            "Bearer TK-camel"
        };
        let searches = server.requests_to(SEARCH_PATH);
        assert_eq!(searches.len(), 1, "{shape}");
        assert_eq!(
            searches[0].header("authorization").as_deref(),
            Some(expected),
            "{shape}"
        );
        assert_eq!(server.requests_to(TOKEN_PATH).len(), 1, "{shape}");
    }
}

#[tokio::test]
async fn a_hundred_concurrent_searches_share_one_token_request() {
    let server = server_with(
        |_| snake_token(TOKEN, 86_399).delayed(Duration::from_millis(100)),
        |_| Reply::json(200, &page_envelope(vec![], Some(0))),
    )
    .await;
    let client = client_for(&server);

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.search(&SearchQuery::new().limit(1)).await })
        })
        .collect();
    for task in tasks {
        let page = task
            .await
            .expect("the task ran")
            .expect("the search succeeds");
        assert_eq!(page.records_count, Some(0));
    }

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    let searches = server.requests_to(SEARCH_PATH);
    assert_eq!(searches.len(), 100);
    assert!(
        searches
            .iter()
            .all(|s| s.header("authorization").as_deref() == Some("Bearer TK-55xz"))
    );
}

#[tokio::test]
async fn the_token_is_cached_between_searches() {
    let server = server_with(|_| camel_token(TOKEN, 300), |_| ok_page()).await;
    let client = client_for(&server);

    for _ in 0..3 {
        client.search(&SearchQuery::new()).await.expect("success");
    }
    // A clone shares the cache.
    client
        .clone()
        .search(&SearchQuery::new())
        .await
        .expect("success");

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 4);
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    // `expires_in: 1` is trusted for 0.9 s (a tenth less); each token has its own value.
    let server = server_with(|n| snake_token(&format!("TK-{n}"), 1), |_| ok_page()).await;
    let client = client_for(&server);

    client.search(&SearchQuery::new()).await.expect("first");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    client.search(&SearchQuery::new()).await.expect("second");

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(
        search_authorizations(&server),
        [
            Some("Bearer TK-0".to_string()),
            Some("Bearer TK-1".to_string())
        ]
    );
}

#[tokio::test]
async fn rejected_credentials_are_sent_once_and_never_again() {
    for status in [401, 400] {
        let server = server_with(
            move |_| {
                Reply::json(
                    status,
                    &json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
                )
            },
            |_| ok_page(),
        )
        .await;
        let client = client_for(&server);

        let first = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
        assert_eq!(
            first.reason,
            AuthenticationFailure::CredentialsRejected,
            "{status}"
        );
        assert_eq!(first.status.map(|s| s.as_u16()), Some(status));
        assert_eq!(first.message.as_deref(), Some("Bad credentials"));
        assert_eq!(server.requests_to(TOKEN_PATH).len(), 1, "{status}");

        // The same client, and a clone of it, send nothing more.
        for client in [client.clone(), client] {
            let err = client.search(&SearchQuery::new()).await.unwrap_err();
            assert!(!err.is_retryable());
            let later = authentication(err);
            assert_eq!(
                later.reason,
                AuthenticationFailure::CredentialsRejectedEarlier,
                "{status}"
            );
            assert_eq!(later.status.map(|s| s.as_u16()), Some(status));
        }
        assert_eq!(
            server.requests().len(),
            1,
            "{status}: nothing more was sent"
        );
        assert_eq!(server.requests_to(SEARCH_PATH).len(), 0);
    }
}

#[tokio::test]
async fn a_rejection_without_the_documented_body_is_still_a_rejection() {
    // A 401 with an empty body: no JSON to read, still a verdict on the credentials.
    let server = server_with(|_| Reply::raw(401, "text/plain", ""), |_| ok_page()).await;
    let client = client_for(&server);

    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(err.reason, AuthenticationFailure::CredentialsRejected);
    assert_eq!(err.status.map(|s| s.as_u16()), Some(401));
    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(
        err.reason,
        AuthenticationFailure::CredentialsRejectedEarlier
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_reported_as_such_not_retried_and_not_a_rejection() {
    for status in [500, 501, 502, 503, 504, 429, 408] {
        let server = server_with(
            move |n| {
                if n == 0 {
                    Reply::raw(status, "text/html", "<html>Service Unavailable</html>")
                } else {
                    snake_token(TOKEN, 86_399)
                }
            },
            |_| ok_page(),
        )
        .await;
        let client = client_for(&server);

        let err = client.search(&SearchQuery::new()).await.unwrap_err();
        let Error::Authentication(e) = &err else {
            panic!("{status}: expected an authentication error, got {err:?}");
        };
        assert_eq!(
            e.reason,
            AuthenticationFailure::TokenEndpointFailed,
            "{status}"
        );
        assert_eq!(e.status.map(|s| s.as_u16()), Some(status));
        assert!(err.to_string().contains(&format!("HTTP {status}")), "{err}");
        assert!(
            err.is_retryable(),
            "{status}: the caller may try again later"
        );
        // Reached the server, so not retried: it may have counted as a login attempt.
        assert_eq!(server.requests_to(TOKEN_PATH).len(), 1, "{status}");
        assert!(server.requests_to(SEARCH_PATH).is_empty());

        // Not a verdict on the credentials: the next call logs in again, and succeeds.
        client
            .search(&SearchQuery::new())
            .await
            .unwrap_or_else(|e| panic!("{status}: the credentials were marked rejected: {e}"));
        let tokens = server.requests_to(TOKEN_PATH);
        assert_eq!(tokens.len(), 2);
        assert!(
            tokens
                .iter()
                .all(|t| t.header("authorization").as_deref() == Some(BASIC))
        );
        assert_eq!(
            server.requests_to(SEARCH_PATH)[0]
                .header("authorization")
                .as_deref(),
            Some("Bearer TK-55xz")
        );
    }
}

#[tokio::test]
async fn a_refused_token_is_replaced_once_and_the_search_retried() {
    let server = server_with(
        |n| snake_token(&format!("TK-{n}"), 86_399),
        |n| {
            if n == 0 {
                Reply::json(401, &error_envelope("UNAUTHORIZED", "Token expired", 401))
            } else {
                ok_page()
            }
        },
    )
    .await;
    let client = client_for(&server);

    let page = client.search(&SearchQuery::new()).await.expect("success");
    assert_eq!(page.customers.len(), 1);

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(
        search_authorizations(&server),
        [
            Some("Bearer TK-0".to_string()),
            Some("Bearer TK-1".to_string())
        ]
    );
}

#[tokio::test]
async fn a_second_401_after_a_fresh_token_is_an_authentication_error() {
    let server = server_with(
        |n| snake_token(&format!("TK-{n}"), 86_399),
        |_| {
            Reply::json(
                401,
                &error_envelope("UNAUTHORIZED", "Token is invalid.", 401),
            )
        },
    )
    .await;
    let client = client_for(&server);

    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(err.reason, AuthenticationFailure::TokenRejected);
    assert_eq!(err.status.map(|s| s.as_u16()), Some(401));
    assert_eq!(err.message.as_deref(), Some("Token is invalid."));
    let api = err.api_error.expect("the envelope is kept");
    assert_eq!(api.status, 401);
    assert_eq!(api.request_id.as_deref(), Some("req-4f2a"));

    assert_eq!(server.requests_to(SEARCH_PATH).len(), 2);
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
}

#[tokio::test]
async fn a_401_with_a_static_bearer_token_fails_at_once() {
    let server = server_with(
        |_| snake_token(TOKEN, 86_399),
        |_| {
            Reply::json(
                401,
                &error_envelope("UNAUTHORIZED", "Token is invalid.", 401),
            )
        },
    )
    .await;
    let client = Client::builder(server.base_url())
        .bearer_token("static-token-1")
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    let err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let err = authentication(err);
    assert_eq!(err.reason, AuthenticationFailure::TokenRejected);
    assert_eq!(err.status.map(|s| s.as_u16()), Some(401));

    let searches = server.requests_to(SEARCH_PATH);
    assert_eq!(searches.len(), 1);
    assert_eq!(
        searches[0].header("authorization").as_deref(),
        Some("Bearer static-token-1")
    );
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 0);
}

#[tokio::test]
async fn an_empty_401_is_an_authentication_error_too() {
    // With a static token: one request, no body to decode.
    let server = server_with(
        |_| snake_token(TOKEN, 86_399),
        |_| Reply::raw(401, "text/plain", ""),
    )
    .await;
    let client = Client::builder(server.base_url())
        .bearer_token("static-token-1")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(err.reason, AuthenticationFailure::TokenRejected);
    assert_eq!(err.status.map(|s| s.as_u16()), Some(401));
    assert_eq!(err.api_error, None);
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 1);

    // With credentials, and an empty JSON-typed 401: one fresh token, then the error.
    let server = server_with(
        |n| snake_token(&format!("TK-{n}"), 86_399),
        |_| Reply::raw(401, "application/json", ""),
    )
    .await;
    let client = client_for(&server);
    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(err.reason, AuthenticationFailure::TokenRejected);
    assert_eq!(err.status.map(|s| s.as_u16()), Some(401));
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 2);
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
}

/// What must never show: the secret, the password, the token, and the Basic header made of
/// the first.
const SECRETS: [&str; 4] = [CLIENT_SECRET, PASSWORD, TOKEN, "Q0VLMUEyQjNDNDpDUy03ZjNhOQ"];

fn assert_no_secret(what: &str, shown: &str) {
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{what} shows {secret:?}: {shown}");
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_display() {
    // The first search fails for its token (twice), the next with an API error.
    let server = server_with(
        |_| snake_token(TOKEN, 86_399),
        |n| {
            if n < 2 {
                Reply::json(
                    401,
                    &error_envelope("UNAUTHORIZED", "Token is invalid.", 401),
                )
            } else {
                Reply::json(500, &error_envelope("SYSTEM_ERROR", "Something broke", 500))
            }
        },
    )
    .await;
    let client = client_for(&server);
    assert_no_secret("the new client's Debug", &format!("{client:?}"));

    let auth_err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(matches!(auth_err, Error::Authentication(_)), "{auth_err:?}");
    let api_err = client.search(&SearchQuery::new()).await.unwrap_err();
    assert!(matches!(api_err, Error::Api(_)), "{api_err:?}");
    // The token really was used (so it could have leaked), and is cached in the client now.
    assert_eq!(
        server.requests_to(SEARCH_PATH)[2]
            .header("authorization")
            .as_deref(),
        Some("Bearer TK-55xz")
    );

    assert_no_secret("the client's Debug", &format!("{client:?}"));
    assert_no_secret("the client's pretty Debug", &format!("{client:#?}"));
    for err in [&auth_err, &api_err] {
        assert_no_secret("an error's Debug", &format!("{err:?}"));
        assert_no_secret("an error's Display", &err.to_string());
    }

    // A rejected credential, too.
    let server = server_with(
        |_| {
            Reply::json(
                401,
                &json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
            )
        },
        |_| ok_page(),
    )
    .await;
    let client = client_for(&server);
    let rejected = client.search(&SearchQuery::new()).await.unwrap_err();
    let earlier = client.search(&SearchQuery::new()).await.unwrap_err();
    for err in [&rejected, &earlier] {
        assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        assert_no_secret("a rejection's Debug", &format!("{err:?}"));
        assert_no_secret("a rejection's Display", &err.to_string());
    }
    assert_no_secret("the rejected client's Debug", &format!("{client:?}"));
}

#[tokio::test]
async fn the_token_can_come_from_another_host() {
    let token_server = server_with(|_| snake_token(TOKEN, 86_399), |_| ok_page()).await;
    let api_server = server_with(|_| snake_token("TK-wrong-host", 86_399), |_| ok_page()).await;
    let client = Client::builder(api_server.base_url())
        .token_base_url(token_server.base_url())
        .credentials(credentials())
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    client.search(&SearchQuery::new()).await.expect("success");

    assert_eq!(token_server.requests_to(TOKEN_PATH).len(), 1);
    assert_eq!(token_server.requests_to(SEARCH_PATH).len(), 0);
    assert_eq!(
        token_server.requests_to(TOKEN_PATH)[0]
            .header("authorization")
            .as_deref(),
        Some(BASIC)
    );
    assert_eq!(api_server.requests_to(TOKEN_PATH).len(), 0);
    let searches = api_server.requests_to(SEARCH_PATH);
    assert_eq!(searches.len(), 1);
    assert_eq!(
        searches[0].header("authorization").as_deref(),
        Some("Bearer TK-55xz")
    );
}

#[tokio::test]
async fn concurrent_searches_with_rejected_credentials_send_them_once() {
    let server = server_with(
        |_| {
            Reply::json(
                401,
                &json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
            )
            .delayed(Duration::from_millis(50))
        },
        |_| ok_page(),
    )
    .await;
    let client = client_for(&server);

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.search(&SearchQuery::new()).await })
        })
        .collect();
    let mut reasons = Vec::new();
    for task in tasks {
        let err = task.await.expect("the task ran").unwrap_err();
        reasons.push(authentication(err).reason);
    }

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 0);
    // Every one of them waited for the one request, and hears its answer.
    assert!(
        reasons
            .iter()
            .all(|r| *r == AuthenticationFailure::CredentialsRejected),
        "{reasons:?}"
    );
    // A later call sends nothing.
    let later = client.search(&SearchQuery::new()).await.unwrap_err();
    assert_eq!(
        authentication(later).reason,
        AuthenticationFailure::CredentialsRejectedEarlier
    );
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
}

#[tokio::test]
async fn many_searches_refused_with_one_token_cause_one_fresh_token() {
    let server = RecordingServer::with_handler({
        let tokens = AtomicUsize::new(0);
        move |request| match request.uri.path() {
            TOKEN_PATH => snake_token(
                &format!("TK-{}", tokens.fetch_add(1, Ordering::SeqCst)),
                86_399,
            ),
            _ if request.header("authorization").as_deref() == Some("Bearer TK-0") => {
                Reply::json(401, &error_envelope("UNAUTHORIZED", "Token expired", 401))
                    .delayed(Duration::from_millis(20))
            }
            _ => ok_page(),
        }
    })
    .await;
    let client = client_for(&server);

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.search(&SearchQuery::new()).await })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("the task ran")
            .expect("success with TK-1");
    }

    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    let searches = server.requests_to(SEARCH_PATH);
    assert_eq!(searches.len(), 40);
    let with_fresh = searches
        .iter()
        .filter(|s| s.header("authorization").as_deref() == Some("Bearer TK-1"))
        .count();
    assert_eq!(with_fresh, 20);
}

#[tokio::test]
async fn an_unauthorized_error_inside_a_200_also_gets_one_fresh_token() {
    // EnKash has been seen reporting "Token is invalid." inside an HTTP 200.
    let server = server_with(
        |n| snake_token(&format!("TK-{n}"), 86_399),
        |n| {
            if n == 0 {
                Reply::json(
                    200,
                    &error_envelope("UNAUTHORIZED", "Token is invalid.", 117),
                )
            } else {
                ok_page()
            }
        },
    )
    .await;
    let client = client_for(&server);

    let page = client.search(&SearchQuery::new()).await.expect("success");
    assert_eq!(page.customers.len(), 1);
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 2);
}

#[tokio::test]
async fn a_401_to_a_client_without_auth_says_that_none_is_configured() {
    let server = server_with(
        |_| snake_token(TOKEN, 86_399),
        |_| {
            Reply::json(
                401,
                &error_envelope("UNAUTHORIZED", "Full authentication is required", 401),
            )
        },
    )
    .await;
    let client = Client::builder(server.base_url()).build().unwrap();

    let err = authentication(client.search(&SearchQuery::new()).await.unwrap_err());
    assert_eq!(err.reason, AuthenticationFailure::NotConfigured);
    assert!(err.to_string().contains("has none"), "{err}");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 1);
    assert_eq!(
        server.requests_to(SEARCH_PATH)[0].header("authorization"),
        None
    );
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 0);
}
