//! The sandbox as the networks production has: HTTPS from a CA it makes and hands out, and a
//! link of limited bandwidth.

use std::time::{Duration, Instant};

use enkash_customer_search::{Client, Error, SearchQuery, TransportErrorKind};
use enkash_customer_search_mock::Sandbox;

#[tokio::test]
async fn an_https_sandbox_is_reached_by_a_client_that_trusts_its_ca() {
    let sandbox = Sandbox::builder()
        .customers(20)
        .tls(true)
        .start()
        .await
        .unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let pem = sandbox
        .ca_certificate_pem()
        .expect("an HTTPS sandbox hands out its CA");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // A connection that never speaks TLS holds up nobody.
    let _silent = tokio::net::TcpStream::connect(sandbox.base_url().trim_start_matches("https://"))
        .await
        .unwrap();

    let page = tokio::time::timeout(
        Duration::from_secs(10),
        sandbox.client().search(SearchQuery::new().limit(5)),
    )
    .await
    .expect("a silent connection held the others up")
    .unwrap();
    assert_eq!(page.customers.len(), 5);
    let trusting = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .add_root_certificates(pem)
        .build()
        .unwrap();
    assert_eq!(
        trusting
            .search(SearchQuery::new())
            .await
            .unwrap()
            .records_count,
        Some(20)
    );
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_sandboxs_ca_fails_at_once_saying_why() {
    let sandbox = Sandbox::builder()
        .customers(5)
        .tls(true)
        .start()
        .await
        .unwrap();
    let error = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Tls, "{error}");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
    assert_eq!(sandbox.search_requests(), 0);
    // Each sandbox has a CA of its own.
    let other = Sandbox::builder()
        .customers(5)
        .tls(true)
        .start()
        .await
        .unwrap();
    assert_ne!(sandbox.ca_certificate_pem(), other.ca_certificate_pem());
    assert_eq!(Sandbox::start().await.unwrap().ca_certificate_pem(), None);
}

/// The bytes of a page of `limit`, as sent, and how long the request took.
async fn timed_page(sandbox: &Sandbox, limit: u32) -> (usize, Duration) {
    let started = Instant::now();
    let answer = enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!(
            "{}/api/v0/customer/search?limit={limit}",
            sandbox.base_url()
        ))
        .bearer_auth(sandbox.token())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let bytes = answer.bytes().await.unwrap().len();
    (bytes, started.elapsed())
}

#[tokio::test]
async fn a_limited_link_paces_every_body_and_is_shared() {
    const RATE: u64 = 4_000_000;
    let sandbox = Sandbox::builder()
        .customers(400)
        .bandwidth(RATE)
        .start()
        .await
        .unwrap();
    let (bytes, took) = timed_page(&sandbox, 400).await;
    let crossing = Duration::from_secs_f64(bytes as f64 / RATE as f64);
    assert!(bytes > 400_000, "{bytes}");
    assert!(took >= crossing.mul_f64(0.95), "{bytes} bytes in {took:?}");

    // Two at once share the link: the later one ends after both bodies crossed.
    let started = Instant::now();
    let (first, second) = tokio::join!(timed_page(&sandbox, 400), timed_page(&sandbox, 400));
    let both = Duration::from_secs_f64((first.0 + second.0) as f64 / RATE as f64);
    assert!(
        started.elapsed() >= both.mul_f64(0.95),
        "{} bytes in {:?}",
        first.0 + second.0,
        started.elapsed()
    );
}
