//! Budget 3: what the client's layer costs per request, against a sandbox with no latency.
//!
//! The same 200 searches of 100 customers (offsets 0, 100, …, 19,900 of 20,000), in one
//! criterion group `overhead`:
//! - `client`: `Client::search` (validation, the generated builder, hooks, a tracing span,
//!   the retry loop, the envelope's translation);
//! - `hand_written`: a plain `reqwest::Client` (the same TLS setup) and
//!   `serde_json::from_slice::<types::CustomerSearchResponse>`, with the same token, query and
//!   body.
//!
//! The two criterion runs are some seconds apart, and on a shared machine the sandbox's speed
//! drifts more than the 5% the budget allows between them. So the ratio is also measured in
//! [`PAIRED_ROUNDS`] rounds that run both ways back to back (alternating which goes first):
//! `paired_ratio` is the median of the rounds' client ÷ hand-written times.

mod support;

use std::hint::black_box;
use std::time::Duration;

use enkash_customer_search::{Client, SearchQuery, types};
use support::{Paired, Results, SandboxProcess};

const CUSTOMERS: usize = 20_000;
const SEARCHES: usize = 200;
const LIMIT: usize = 100;
/// Rounds of the paired measurement.
const PAIRED_ROUNDS: usize = 31;

fn main() {
    support::serve_if_asked();
    let server = SandboxProcess::start(CUSTOMERS, Duration::ZERO);
    let runtime = support::runtime();
    let client = server.client();
    let http = support::reqwest_client();
    let body = support::empty_filters();
    // Both ways must see the same customers.
    runtime.block_on(async {
        assert_eq!(
            with_client(&client).await,
            hand_written(&http, &server, &body).await
        );
    });

    let mut results = Results::new("overhead");
    results.metric("searches", SEARCHES as f64);
    let mut criterion = support::criterion();
    let mut group = criterion.benchmark_group("overhead");
    // Shown beside the verdict, which the paired rounds below give.
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        // About one run of the 200 searches per sample (they take a second or so).
        .measurement_time(Duration::from_secs(10));
    group.bench_function("client", |b| {
        b.iter(|| runtime.block_on(with_client(&client)))
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| runtime.block_on(hand_written(&http, &server, &body)))
    });
    group.finish();
    criterion.final_summary();
    for function in ["client", "hand_written"] {
        results.criterion_median("overhead", function);
    }

    let rounds = if support::quick() { 11 } else { PAIRED_ROUNDS };
    let timed = |through_client: bool| {
        let (runtime, client, http, server, body) = (&runtime, &client, &http, &server, &body);
        move || {
            let started = std::time::Instant::now();
            runtime.block_on(async {
                if through_client {
                    black_box(with_client(client).await)
                } else {
                    black_box(hand_written(http, server, body).await)
                }
            });
            started.elapsed()
        }
    };
    let paired = Paired::measure(rounds, timed(true), timed(false)).median;
    eprintln!("overhead: client ÷ hand-written, median of {rounds} paired rounds: {paired:.3}");
    results.metric("paired_ratio", paired);
    results.metric("paired_rounds", rounds as f64);
    results.write();
}

/// The searches through the client; the sum of the customers' ids, to compare.
async fn with_client(client: &Client) -> i64 {
    let mut ids = 0;
    for i in 0..SEARCHES {
        let query = SearchQuery::new()
            .limit(LIMIT as i32)
            .offset((i * LIMIT) as i32);
        let page = client.search(&query).await.expect("a page");
        ids += page.customers.iter().filter_map(|c| c.id).sum::<i64>();
        black_box(page);
    }
    ids
}

/// The same searches by hand: reqwest and serde, nothing else.
async fn hand_written(http: &reqwest::Client, server: &SandboxProcess, body: &[u8]) -> i64 {
    let url = format!("{}{}", server.base_url, support::SEARCH_PATH);
    let authorization = format!("Bearer {}", server.token);
    let mut ids = 0;
    for i in 0..SEARCHES {
        let response = http
            .post(&url)
            .query(&[("limit", LIMIT), ("offset", i * LIMIT)])
            .header(reqwest::header::AUTHORIZATION, &authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let bytes = response.bytes().await.expect("a body");
        let envelope: types::CustomerSearchResponse =
            serde_json::from_slice(&bytes).expect("a page");
        let customers = envelope.payload.and_then(|p| p.data).unwrap_or_default();
        ids += customers.iter().filter_map(|c| c.id).sum::<i64>();
        black_box(customers);
    }
    ids
}
