//! Budget 1: decoding a page of 5,000 customers (the API's largest), as EnKash sends it.
//!
//! Three decoders of the same bytes, in one criterion group `decode`:
//! - `value`: into `serde_json::Value`, the untyped baseline;
//! - `strict`: into typify's strict types for the same spec (closed enums, `chrono` date-times;
//!   `support/generated_strict_types.rs`, written by `cargo xtask codegen`);
//! - `tolerant`: into the client's `types` (open enums, lenient date-times, secrets).
//!
//! The page is the sandbox's own answer to `limit=5000`: its realistic customers, RFC 3339
//! timestamps and known enum values, so that the strict types decode it too.

mod support;

// typify's output for the spec without the client's substitutions; never edited by hand.
#[rustfmt::skip]
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "support/generated_strict_types.rs"]
mod strict;

use std::hint::black_box;
use std::time::Duration;

use criterion::Throughput;
use enkash_customer_search::types;
use support::{Results, SandboxProcess};

/// The customers on the page.
const CUSTOMERS: usize = 5_000;

fn main() {
    support::serve_if_asked();
    let payload = page();
    let mut results = Results::new("decode");
    results.metric("payload_bytes", payload.len() as f64);
    results.metric("payload_customers", CUSTOMERS as f64);
    eprintln!(
        "decode: a page of {CUSTOMERS} customers, {:.2} MB ({} bytes)",
        payload.len() as f64 / 1e6,
        payload.len()
    );
    check(&payload);

    let mut criterion = support::criterion();
    let mut group = criterion.benchmark_group("decode");
    group
        .throughput(Throughput::Bytes(payload.len() as u64))
        .sample_size(if support::quick() { 20 } else { 50 })
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if support::quick() { 3 } else { 8 }));
    group.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&payload)).unwrap())
    });
    group.bench_function("strict", |b| {
        b.iter(|| {
            serde_json::from_slice::<strict::CustomerSearchResponse>(black_box(&payload)).unwrap()
        })
    });
    group.bench_function("tolerant", |b| {
        b.iter(|| {
            serde_json::from_slice::<types::CustomerSearchResponse>(black_box(&payload)).unwrap()
        })
    });
    group.finish();
    criterion.final_summary();

    for function in ["value", "strict", "tolerant"] {
        results.criterion_median("decode", function);
    }
    results.write();
}

/// The wire bytes of the sandbox's first page of 5,000 customers.
fn page() -> Vec<u8> {
    let server = SandboxProcess::start(CUSTOMERS, Duration::ZERO);
    let http = support::reqwest_client();
    let (_, body) = support::runtime().block_on(support::raw_page(&http, &server, 0, CUSTOMERS));
    body
}

/// Every decoder must read the whole page, or the comparison means nothing.
fn check(payload: &[u8]) {
    let strict: strict::CustomerSearchResponse =
        serde_json::from_slice(payload).expect("the strict types decode the page");
    let tolerant: types::CustomerSearchResponse =
        serde_json::from_slice(payload).expect("the client's types decode the page");
    let strict_count = strict.payload.and_then(|p| p.data).map_or(0, |d| d.len());
    let tolerant_count = tolerant.payload.and_then(|p| p.data).map_or(0, |d| d.len());
    assert_eq!((strict_count, tolerant_count), (CUSTOMERS, CUSTOMERS));
}
