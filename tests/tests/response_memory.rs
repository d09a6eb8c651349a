//! The memory a response can cost: whatever a server streams, the client holds at most a small
//! multiple of its body limit. A test binary of its own, because it counts every allocation of
//! the process with a global allocator (`cap`). Each test runs alone, with the process allowed
//! what was live at its start plus three times the limit: an allocation past that fails, and
//! the test binary aborts.

use std::alloc::System;
use std::time::Duration;

use cap::Cap;
use enkash_customer_search::{Client, DEFAULT_MAX_RESPONSE_BYTES, Error, RetryPolicy, SearchQuery};
use enkash_customer_search_mock::Sandbox;

/// Counts live bytes; refuses (and so aborts the test) past 2 GiB, should the limit not hold.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, 2 << 30);

/// Held by each test while it runs: the bound is the process's, so one test at a time.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// While alive, what is live now plus three times the limit is all the process may hold.
struct Bounded {
    base: usize,
    /// The process's peak before it was bounded.
    peak_before: usize,
}

impl Bounded {
    fn new() -> Bounded {
        let peak_before = ALLOCATOR.max_allocated();
        let base = ALLOCATOR.allocated();
        let most = base + 3 * DEFAULT_MAX_RESPONSE_BYTES as usize;
        ALLOCATOR
            .set_limit(most)
            .expect("less is live than the bound");
        Bounded { base, peak_before }
    }

    /// The most bytes live above the start, if the process's peak was reached while bounded.
    fn peak(&self) -> Option<usize> {
        let peak = ALLOCATOR.max_allocated();
        (peak > self.peak_before).then(|| peak - self.base)
    }
}

impl Drop for Bounded {
    fn drop(&mut self) {
        let _ = ALLOCATOR.set_limit(2 << 30);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_endless_body_costs_at_most_a_small_multiple_of_the_limit() {
    let _alone = MEASURING.lock().await;
    let sandbox = Sandbox::builder().customers(100).start().await.unwrap();
    sandbox.faults().endless_body_next(1);
    let client = Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .request_timeout(Some(Duration::from_secs(30)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let bounded = Bounded::new();

    let err = client.search(&SearchQuery::new()).await.unwrap_err();

    // The limit was reached (not a timeout), within the bound.
    assert!(
        matches!(&err, Error::Undecodable(e) if e.problem().is_some_and(|p| p.contains("limit"))),
        "{err:?}"
    );
    if let Some(peak) = bounded.peak() {
        // The first test to run sees its own peak: most of the limit was read first.
        assert!(peak > DEFAULT_MAX_RESPONSE_BYTES as usize / 2, "{peak}");
    }
}

/// Gzip that inflates to far past the default limit, the size a small server could send
/// anyone: members of runs of spaces, end to end (RFC 1952), so that it is quick to make.
fn gzip_bomb() -> Vec<u8> {
    use std::io::Write as _;
    let member = |prefix: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(prefix).unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..16 {
            encoder.write_all(&spaces).unwrap();
        }
        encoder.finish().unwrap()
    };
    let mut bomb = member(b"{\"payload\": {\"data\": [");
    let spaces = member(b"");
    while bomb.len() < 2 << 20 {
        bomb.extend_from_slice(&spaces);
    }
    bomb
}

/// The same in zstd (which compresses runs far better: a few KB).
fn zstd_bomb() -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 19).unwrap();
    let spaces = vec![b' '; 1 << 20];
    encoder.write_all(b"{\"payload\": {\"data\": [").unwrap();
    for _ in 0..256 {
        encoder.write_all(&spaces).unwrap();
    }
    encoder.finish().unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_2_mb_gzip_body_that_inflates_past_the_limit_is_refused_in_bounded_memory() {
    refused_in_bounded_memory(gzip_bomb(), "gzip").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_small_zstd_body_that_inflates_past_the_limit_is_refused_in_bounded_memory() {
    refused_in_bounded_memory(zstd_bomb(), "zstd").await;
}

async fn refused_in_bounded_memory(bomb: Vec<u8>, coding: &'static str) {
    let _alone = MEASURING.lock().await;
    // Small beside the limit: it is what it inflates to that the limit must stop.
    assert!(bomb.len() < 4 << 20, "{} bytes", bomb.len());
    let server = workspace_tests::RecordingServer::with_handler(move |_| {
        workspace_tests::Reply::raw(200, "application/json", bomb.clone())
            .header("content-encoding", coding)
    })
    .await;
    let client = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .request_timeout(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    let bounded = Bounded::new();

    let err = client.search(&SearchQuery::new()).await.unwrap_err();

    let limit = format!("limit of {DEFAULT_MAX_RESPONSE_BYTES} bytes");
    assert!(
        matches!(&err, Error::Undecodable(e) if e.problem().is_some_and(|p| p.contains(&limit))),
        "{err:?}"
    );
    // Past three times the limit the allocator refuses and the test aborts. The peak is the
    // process's, so only a test that raised it sees its own: the decompressed bytes are held
    // in one buffer that never grows past the limit, so little more than it is live.
    if let Some(peak) = bounded.peak() {
        let most = 2 * DEFAULT_MAX_RESPONSE_BYTES as usize;
        assert!(
            peak < most,
            "{coding}: {peak} bytes live at the peak, over {most}"
        );
        assert!(
            peak > DEFAULT_MAX_RESPONSE_BYTES as usize / 2,
            "{coding}: {peak}"
        );
    }
}
