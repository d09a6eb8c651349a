//! The token cache under callers that give up: a login, once sent, is never dropped with the
//! caller that started it, so the next caller does not send the password again. EnKash locks an
//! account after 3 failed logins; each test counts the password requests the server received.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use enkash_customer_search::{
    AuthenticationFailure, CallOptions, Client, Credentials, Error, SearchQuery, TokenFuture,
    TokenSource, TransportErrorKind,
};
use serde_json::json;
use workspace_tests::{
    RecordedRequest, RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, error_envelope, fast_retries,
    ok_page,
};

const PASSWORD: &str = "PW-wr0ng";

fn client_of(server: &RecordingServer) -> enkash_customer_search::ClientBuilder {
    Client::builder(server.base_url())
        .credentials(Credentials::new(
            "CEK1A2B3C4",
            "CS-1",
            "ops@example.in",
            PASSWORD,
        ))
        .retry_policy(fast_retries())
}

/// A server whose token endpoint answers `token` and whose search answers a page.
async fn server_with(
    token: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
) -> RecordingServer {
    RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => token(request),
        _ => ok_page(),
    })
    .await
}

fn rejection_after(delay: Duration) -> Reply {
    Reply::json(
        401,
        &json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
    )
    .delayed(delay)
}

fn password_posts(server: &RecordingServer) -> usize {
    server
        .requests_to(TOKEN_PATH)
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("grant_type=password"))
        .count()
}

fn reason(error: &Error) -> AuthenticationFailure {
    match error {
        Error::Authentication(e) => e.reason,
        other => panic!("expected an authentication error, got {other:?}"),
    }
}

/// The sixth caller, who waits: it hears the one rejection, and nothing more is sent.
async fn sixth_caller_waits(client: &Client, server: &RecordingServer) {
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(
        matches!(
            reason(&error),
            AuthenticationFailure::CredentialsRejected
                | AuthenticationFailure::CredentialsRejectedEarlier
        ),
        "{error}"
    );
    assert_eq!(password_posts(server), 1, "the password was sent again");
    assert!(server.requests_to(SEARCH_PATH).is_empty());
}

#[tokio::test]
async fn callers_that_give_up_one_after_another_cause_one_login() {
    let server = server_with(|_| rejection_after(Duration::from_millis(400))).await;
    let client = client_of(&server).build().unwrap();
    let impatient = client.with_options(CallOptions::new().deadline(Duration::from_millis(100)));
    for caller in 0..5 {
        if caller % 2 == 0 {
            // Dropped by its own timeout, as a web handler's budget drops it.
            let _ = tokio::time::timeout(
                Duration::from_millis(100),
                client.search(SearchQuery::new()),
            )
            .await;
        } else {
            let error = impatient.search(SearchQuery::new()).await.unwrap_err();
            assert!(
                matches!(error, Error::Timeout(_) | Error::Authentication(_)),
                "{error}"
            );
        }
    }
    sixth_caller_waits(&client, &server).await;
}

#[tokio::test]
async fn concurrent_callers_that_give_up_cause_one_login() {
    let server = server_with(|_| rejection_after(Duration::from_millis(400))).await;
    let client = client_of(&server).build().unwrap();
    let callers: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::timeout(
                    Duration::from_millis(100),
                    client.search(SearchQuery::new()),
                )
                .await
                .is_err()
            })
        })
        .collect();
    for caller in callers {
        assert!(caller.await.unwrap(), "a caller did not give up");
    }
    sixth_caller_waits(&client, &server).await;
}

#[tokio::test]
async fn dropped_streams_cause_one_login() {
    let server = server_with(|_| rejection_after(Duration::from_millis(400))).await;
    let client = client_of(&server).build().unwrap();
    for _ in 0..5 {
        let mut stream = client.search_all(SearchQuery::new().limit(10));
        let next = tokio::time::timeout(Duration::from_millis(100), stream.next()).await;
        // Past the endpoint's answer, the rejection is known and the stream fails at once.
        if let Ok(item) = next {
            let error = item.expect("an item").unwrap_err();
            assert!(matches!(
                reason(&error),
                AuthenticationFailure::CredentialsRejected
                    | AuthenticationFailure::CredentialsRejectedEarlier
            ));
        }
        drop(stream);
    }
    sixth_caller_waits(&client, &server).await;
}

#[tokio::test]
async fn a_failing_token_endpoint_fails_every_waiter_with_one_request() {
    let server = server_with(|_| {
        Reply::raw(503, "text/html", "<html>busy</html>").delayed(Duration::from_millis(200))
    })
    .await;
    let client = client_of(&server).build().unwrap();
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.search(SearchQuery::new()).await })
        })
        .collect();
    for caller in callers {
        let error = caller.await.unwrap().unwrap_err();
        assert_eq!(
            reason(&error),
            AuthenticationFailure::TokenEndpointFailed,
            "{error}"
        );
        assert!(error.to_string().contains("HTTP 503"), "{error}");
    }
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
}

/// A source that never answers, counting how often it is asked.
struct Hanging(Arc<AtomicUsize>);

impl TokenSource for Hanging {
    fn token(&self) -> TokenFuture<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_token_source_that_never_answers_fails_within_the_fetch_limit() {
    let server = server_with(|_| ok_page()).await;
    let asked = Arc::new(AtomicUsize::new(0));
    let client = Client::builder(server.base_url())
        .token_source(Hanging(Arc::clone(&asked)))
        .token_fetch_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(reason(&error), AuthenticationFailure::TokenSourceFailed);
    assert!(
        error.to_string().contains("300ms"),
        "the limit is named: {error}"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert!(error.is_retryable());

    // A shorter deadline bounds the caller's own wait; the source is asked again.
    let started = Instant::now();
    let error = client
        .with_options(CallOptions::new().deadline(Duration::from_millis(100)))
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(280),
        "{:?}",
        started.elapsed()
    );
    let Error::Timeout(timeout) = &error else {
        panic!("expected the deadline, got {error:?}");
    };
    assert_eq!(timeout.kind, TransportErrorKind::Deadline);
    assert_eq!(asked.load(Ordering::SeqCst), 2);

    // Once that fetch has run out, the next search asks again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(reason(&error), AuthenticationFailure::TokenSourceFailed);
    assert_eq!(asked.load(Ordering::SeqCst), 3);
    assert!(server.requests_to(SEARCH_PATH).is_empty());
}

#[tokio::test]
async fn two_logins_without_an_answer_pause_the_password_until_the_cooldown() {
    // A wrong password behind an endpoint that answers too late to matter.
    let server = server_with(|_| rejection_after(Duration::from_secs(5))).await;
    let client = client_of(&server)
        .token_fetch_timeout(Duration::from_millis(200))
        .login_cooldown(Duration::from_millis(800))
        .build()
        .unwrap();

    for sent in 1..=2 {
        let error = client.search(SearchQuery::new()).await.unwrap_err();
        let Error::Timeout(timeout) = &error else {
            panic!("expected the fetch's time limit, got {error:?}");
        };
        assert_eq!(timeout.kind, TransportErrorKind::Timeout);
        assert_eq!(password_posts(&server), sent);
    }
    let started = Instant::now();
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "it failed at once"
    );
    assert_eq!(
        reason(&error),
        AuthenticationFailure::LoginPaused,
        "{error}"
    );
    assert!(
        error
            .retry_after()
            .is_some_and(|wait| wait <= Duration::from_secs(1))
    );
    let shown = error.to_string();
    assert!(
        shown.contains("no answer in time, then no answer in time"),
        "why: {shown}"
    );
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert_eq!(password_posts(&server), 2);

    // After the cool-down, one more is allowed, and then the pause again.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    assert_eq!(password_posts(&server), 3);
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(reason(&error), AuthenticationFailure::LoginPaused);
    assert_eq!(password_posts(&server), 3);
}

/// Whether a search's token has been used before, as a server whose tokens are good for one
/// search would see it: the second use of each is refused (401), which makes the client renew.
/// (A token endpoint cannot make a client renew sooner: a lifetime under a second is a second.)
fn used_before(seen: &Mutex<HashSet<String>>, request: &RecordedRequest) -> bool {
    let token = request.header("authorization").unwrap_or_default();
    !seen.lock().unwrap().insert(token)
}

fn unauthorized() -> Reply {
    Reply::json(
        401,
        &error_envelope("UNAUTHORIZED", "Full authentication is required", 401),
    )
}

/// A token endpoint that gives `RT-1` with the first password login only and refuses every
/// refresh grant; each token is good for one search.
#[tokio::test]
async fn a_refused_refresh_token_is_not_sent_twice() {
    let logins = AtomicUsize::new(0);
    let seen = Mutex::new(HashSet::new());
    let server = RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => {
            let form = String::from_utf8_lossy(&request.body).into_owned();
            if form.contains("grant_type=refresh_token") {
                return Reply::json(400, &json!({"error": "invalid_grant"}));
            }
            let n = logins.fetch_add(1, Ordering::SeqCst);
            let mut token = json!({"access_token": format!("TK-{n}"), "expires_in": 300});
            if n == 0 {
                token["refresh_token"] = json!("RT-1");
            }
            Reply::json(200, &token)
        }
        _ if used_before(&seen, request) => unauthorized(),
        _ => ok_page(),
    })
    .await;
    let client = client_of(&server).build().unwrap();
    for _ in 0..3 {
        client.search(SearchQuery::new()).await.unwrap();
    }
    let refreshes = server
        .requests_to(TOKEN_PATH)
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("refresh_token=RT-1"))
        .count();
    assert_eq!(refreshes, 1, "the refused refresh token was sent again");
    assert_eq!(password_posts(&server), 3);
}

#[tokio::test]
async fn the_refresh_token_stays_scrubbed_however_many_renewals_it_makes() {
    const REFRESH: &str = "RT-l1ve-7q";
    let tokens = AtomicUsize::new(0);
    let searches = AtomicUsize::new(0);
    let seen = Mutex::new(HashSet::new());
    let server = RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => {
            let form = String::from_utf8_lossy(&request.body).into_owned();
            let n = tokens.fetch_add(1, Ordering::SeqCst);
            let mut token = json!({"access_token": format!("TK-{n}"), "expires_in": 300});
            if form.contains("grant_type=password") {
                token["refresh_token"] = json!(REFRESH);
            }
            Reply::json(200, &token)
        }
        _ if used_before(&seen, request) => unauthorized(),
        _ if searches.fetch_add(1, Ordering::SeqCst) < 11 => ok_page(),
        // A server that echoes what it should not.
        _ => Reply::json(
            400,
            &error_envelope("VALIDATION_ERROR", &format!("bad token {REFRESH}"), 400),
        ),
    })
    .await;
    let client = client_of(&server).build().unwrap();
    for _ in 0..11 {
        client.search(SearchQuery::new()).await.unwrap();
    }
    let refreshes = server
        .requests_to(TOKEN_PATH)
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("grant_type=refresh_token"))
        .count();
    assert_eq!(refreshes, 10, "ten renewals by the refresh grant");
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(REFRESH), "{shown}");
    assert!(shown.contains("bad token ***"), "{shown}");
}
