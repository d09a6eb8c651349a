//! A caller's token source, against the sandbox on 127.0.0.1: asked once for many concurrent
//! calls, its token cached and replaced once after the API refuses it, its rejection never
//! followed by another request to it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use enkash_customer_search::{
    AuthenticationFailure, Client, Error, SearchQuery, SourcedToken, TokenFuture, TokenSource,
    TokenSourceError,
};
use enkash_customer_search_mock::Sandbox;

/// Answers the n-th request with `answers[n]` (the last one from then on), after 20 ms.
struct Scripted {
    answers: Vec<Result<String, TokenSourceError>>,
    calls: Arc<AtomicUsize>,
}

impl TokenSource for Scripted {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.answers[n.min(self.answers.len() - 1)]
                .clone()
                .map(|token| SourcedToken::new(token).expires_in(Duration::from_secs(3600)))
        })
    }
}

fn client(
    sandbox: &Sandbox,
    answers: Vec<Result<String, TokenSourceError>>,
) -> (Client, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = Client::builder(sandbox.base_url())
        .token_source(Scripted {
            answers,
            calls: Arc::clone(&calls),
        })
        .build()
        .unwrap();
    (client, calls)
}

fn failure(error: &Error) -> AuthenticationFailure {
    match error {
        Error::Authentication(e) => e.reason,
        other => panic!("not an authentication error: {other}"),
    }
}

#[tokio::test]
async fn many_concurrent_calls_ask_the_source_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let (client, calls) = client(&sandbox, vec![Ok(sandbox.token())]);
    let searches: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.search(SearchQuery::new().limit(1)).await })
        })
        .collect();
    for search in searches {
        search
            .await
            .unwrap()
            .expect("authorised by the sourced token");
    }
    client.search(SearchQuery::new().limit(1)).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(sandbox.search_requests(), 21);
    assert_eq!(
        sandbox.token_requests(),
        0,
        "the password grant is not used"
    );
}

#[tokio::test]
async fn a_rejection_by_the_source_is_never_asked_again() {
    let sandbox = Sandbox::start().await.unwrap();
    let (client, calls) = client(
        &sandbox,
        vec![Err(TokenSourceError::rejected("vault: denied"))],
    );
    let first = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(failure(&first), AuthenticationFailure::CredentialsRejected);
    assert!(first.to_string().contains("vault: denied"), "{first}");
    let second = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(
        failure(&second),
        AuthenticationFailure::CredentialsRejectedEarlier
    );
    assert!(!first.is_retryable());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(sandbox.search_requests(), 0);
}

#[tokio::test]
async fn an_unavailable_source_fails_the_call_and_is_asked_again_by_the_next() {
    let sandbox = Sandbox::start().await.unwrap();
    let (client, calls) = client(
        &sandbox,
        vec![
            Err(TokenSourceError::unavailable("vault: 503")),
            Ok(sandbox.token()),
        ],
    );
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(failure(&error), AuthenticationFailure::TokenSourceFailed);
    assert!(error.is_retryable());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "not retried within the call"
    );
    client
        .search(SearchQuery::new())
        .await
        .expect("the source has recovered");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_token_the_api_refuses_is_replaced_once() {
    let sandbox = Sandbox::start().await.unwrap();
    // A stale token first, then the right one: one refusal, one fresh token, one retry.
    let (client, calls) = client(
        &sandbox,
        vec![Ok("stale-token".into()), Ok(sandbox.token())],
    );
    client
        .search(SearchQuery::new())
        .await
        .expect("the fresh token works");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(sandbox.search_requests(), 2);

    // Always a token the API refuses: two tokens, two searches, then the error.
    let (client, calls) = client_refused(&sandbox);
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert_eq!(failure(&error), AuthenticationFailure::TokenRejected);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(!error.to_string().contains("wrong-token"), "{error}");
}

fn client_refused(sandbox: &Sandbox) -> (Client, Arc<AtomicUsize>) {
    client(sandbox, vec![Ok("wrong-token".into())])
}
