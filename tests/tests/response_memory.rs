//! The memory a response can cost: whatever a server streams, the client holds at most a small
//! multiple of its body limit. A test binary of its own, because it counts every allocation of
//! the process with a global allocator (`cap`).

use std::alloc::System;
use std::time::Duration;

use cap::Cap;
use enkash_customer_search::{Client, DEFAULT_MAX_RESPONSE_BYTES, Error, RetryPolicy, SearchQuery};
use enkash_customer_search_mock::Sandbox;

/// Counts live bytes; refuses (and so aborts the test) past 2 GiB, should the limit not hold.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, 2 << 30);

#[tokio::test(flavor = "current_thread")]
async fn an_endless_body_costs_at_most_a_small_multiple_of_the_limit() {
    let sandbox = Sandbox::builder().customers(100).start().await.unwrap();
    sandbox.faults().endless_body_next(1);
    let client = Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .request_timeout(Some(Duration::from_secs(30)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // A small data set and the client, before the body streams; the peak so far is near it.
    let before = ALLOCATOR.max_allocated();

    let err = client.search(&SearchQuery::new()).await.unwrap_err();

    assert!(
        matches!(&err, Error::Undecodable(e) if e.problem().is_some_and(|p| p.contains("limit"))),
        "{err:?}"
    );
    let peak = ALLOCATOR.max_allocated().saturating_sub(before) as u64;
    assert!(
        peak < 3 * DEFAULT_MAX_RESPONSE_BYTES,
        "{peak} bytes at the peak for a limit of {DEFAULT_MAX_RESPONSE_BYTES}"
    );
    // The limit was reached, not a timeout: most of it was read first.
    assert!(peak > DEFAULT_MAX_RESPONSE_BYTES / 2, "{peak}");
}

/// About 250 KB of gzip that inflates to 256 MiB of spaces, four times the default limit.
fn gzip_bomb() -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    encoder.write_all(b"{\"payload\": {\"data\": [").unwrap();
    for _ in 0..256 {
        encoder.write_all(&spaces).unwrap();
    }
    encoder.finish().unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_small_body_that_inflates_past_the_limit_is_refused_in_bounded_memory() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let server = workspace_tests::RecordingServer::with_handler(move |_| {
        workspace_tests::Reply::raw(200, "application/json", bomb.clone())
            .header("content-encoding", "gzip")
    })
    .await;
    let client = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .request_timeout(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    let before = ALLOCATOR.max_allocated();

    let err = client.search(&SearchQuery::new()).await.unwrap_err();

    let limit = format!("limit of {DEFAULT_MAX_RESPONSE_BYTES} bytes");
    assert!(
        matches!(&err, Error::Undecodable(e) if e.problem().is_some_and(|p| p.contains(&limit))),
        "{err:?}"
    );
    let peak = ALLOCATOR.max_allocated().saturating_sub(before) as u64;
    assert!(
        peak < 3 * DEFAULT_MAX_RESPONSE_BYTES,
        "{peak} bytes at the peak for a limit of {DEFAULT_MAX_RESPONSE_BYTES}"
    );
}
