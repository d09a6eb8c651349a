//! Budget 1: decoding a page of 5,000 customers (the API's largest), as EnKash sends it.
//!
//! Three decoders of the same bytes, in one criterion group `decode`:
//! - `value`: into `serde_json::Value`, the untyped baseline;
//! - `strict`: into typify's strict types for the same spec (closed enums, `chrono` date-times;
//!   `support/generated_strict_types.rs`, written by `cargo xtask codegen`);
//! - `tolerant`: into the client's `types` (open enums, lenient date-times, secrets);
//! - `strict_sonic` and `tolerant_sonic`: the same two through `sonic-rs`, a SIMD decoder that
//!   drives serde's `Deserialize` as serde_json does: how far serde_json is from the limit.
//!
//! The page is the sandbox's own answer to `limit=5000`: its realistic customers, RFC 3339
//! timestamps and known enum values, so that the strict types decode it too.
//!
//! The budget's ratios come from paired rounds in this one process (each round decodes the same
//! bytes both ways back to back, alternating which goes first; [`support::Paired`]): two
//! criterion runs taken seconds apart on a shared machine differ by more than the budget. The
//! criterion medians stay for the throughputs.
//!
//! For instruction counts, which do not depend on the machine's load, the bench saves the page
//! to `bench-results/decode-page.json` in the target directory, and with
//! `ENKASH_BENCH_DECODE_ONCE=<decoder>` (`value`, `strict`, `tolerant`, `strict_sonic`,
//! `tolerant_sonic`) it decodes that file once and does nothing
//! else, for `valgrind --tool=callgrind` (see BENCHMARKS.md).

mod support;

// typify's output for the spec without the client's substitutions; never edited by hand.
#[rustfmt::skip]
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "support/generated_strict_types.rs"]
mod strict;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Throughput;
use enkash_customer_search::types;
use support::{Paired, Results, SandboxProcess};

/// The customers on the page.
const CUSTOMERS: usize = 5_000;

/// Rounds of each paired ratio (each round decodes the page [`DECODES_PER_SIDE`] times a side).
const PAIRED_ROUNDS: usize = 31;
/// Decodes a side of a round times, so that one side takes ~150 ms rather than ~50.
const DECODES_PER_SIDE: usize = 3;

fn main() {
    support::serve_if_asked();
    if let Ok(decoder) = std::env::var("ENKASH_BENCH_DECODE_ONCE") {
        decode_saved_page_once(&decoder);
        return;
    }
    let payload = page();
    let saved = support::target_dir().join("bench-results/decode-page.json");
    std::fs::create_dir_all(saved.parent().unwrap()).expect("the results directory");
    std::fs::write(&saved, &payload).unwrap_or_else(|e| panic!("{}: {e}", saved.display()));
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
    group.bench_function("value", |b| b.iter(|| into_value(black_box(&payload))));
    group.bench_function("strict", |b| b.iter(|| into_strict(black_box(&payload))));
    group.bench_function("tolerant", |b| {
        b.iter(|| into_tolerant(black_box(&payload)))
    });
    group.bench_function("strict_sonic", |b| {
        b.iter(|| into_strict_sonic(black_box(&payload)))
    });
    group.bench_function("tolerant_sonic", |b| {
        b.iter(|| into_tolerant_sonic(black_box(&payload)))
    });
    group.finish();
    criterion.final_summary();

    for function in [
        "value",
        "strict",
        "tolerant",
        "strict_sonic",
        "tolerant_sonic",
    ] {
        results.criterion_median("decode", function);
    }

    let rounds = if support::quick() { 11 } else { PAIRED_ROUNDS };
    let on = |bytes: &[u8], decode: fn(&[u8])| timed(bytes.to_vec(), decode);
    Paired::measure(
        rounds,
        on(&payload, into_tolerant),
        on(&payload, into_strict),
    )
    .record(&mut results, "paired_tolerant_over_strict");
    Paired::measure(
        rounds,
        on(&payload, into_value),
        on(&payload, into_tolerant),
    )
    .record(&mut results, "paired_value_over_tolerant");
    Paired::measure(
        rounds,
        on(&payload, into_strict_sonic),
        on(&payload, into_strict),
    )
    .record(&mut results, "paired_strict_sonic_over_strict");
    Paired::measure(
        rounds,
        on(&payload, into_tolerant_sonic),
        on(&payload, into_tolerant),
    )
    .record(&mut results, "paired_tolerant_sonic_over_tolerant");

    // The tolerant layer cause by cause. A customer page carries no enum value and one
    // integer the client reads leniently (`recordsCount`), so two causes are left: the
    // date-times, and the maps that keep fields the spec lacks.
    let dates = date_times_of(&payload);
    results.metric("cause_date_times", dates.1 as f64);
    Paired::measure(
        rounds,
        on(&dates.0, into_lenient_dates),
        on(&dates.0, into_chrono_dates),
    )
    .record(&mut results, "paired_cause_date_times");
    let unknown = with_unknown_fields(&payload);
    // Keeping them against a page without them, and against the strict types dropping them.
    Paired::measure(
        rounds,
        on(&unknown, into_tolerant),
        on(&payload, into_tolerant),
    )
    .record(&mut results, "paired_cause_unknown_fields_kept");
    Paired::measure(
        rounds,
        on(&unknown, into_tolerant),
        on(&unknown, into_strict),
    )
    .record(&mut results, "paired_cause_unknown_fields_over_dropped");
    results.write();
}

/// Times [`DECODES_PER_SIDE`] decodes of `bytes`.
fn timed(bytes: Vec<u8>, decode: fn(&[u8])) -> impl FnMut() -> Duration {
    move || {
        let started = Instant::now();
        for _ in 0..DECODES_PER_SIDE {
            decode(black_box(&bytes));
        }
        started.elapsed()
    }
}

/// Names no schema of the spec has, added to every customer.
const UNKNOWN_FIELDS: [&str; 3] = ["loyaltyTier", "riskScore", "segmentTags"];

/// The page with three fields the spec lacks on every customer (a string, a number, an
/// array), as a later EnKash might send them.
fn with_unknown_fields(payload: &[u8]) -> Vec<u8> {
    for name in UNKNOWN_FIELDS {
        assert!(
            !enkash_customer_search::spec::CUSTOMER_RESPONSE_PROPERTIES.contains(&name),
            "{name} is in the spec now; pick another"
        );
    }
    let mut page: serde_json::Value = serde_json::from_slice(payload).expect("the page");
    let customers = page["payload"]["data"]
        .as_array_mut()
        .expect("the page's customers");
    for (i, customer) in customers.iter_mut().enumerate() {
        let customer = customer.as_object_mut().expect("a customer object");
        customer.insert(UNKNOWN_FIELDS[0].into(), format!("TIER-{}", i % 4).into());
        customer.insert(UNKNOWN_FIELDS[1].into(), (i as f64 / 7.0).into());
        customer.insert(
            UNKNOWN_FIELDS[2].into(),
            serde_json::json!(["retail", format!("zone-{}", i % 9)]),
        );
    }
    let bytes = serde_json::to_vec(&page).expect("JSON");
    let kept: types::CustomerSearchResponse = serde_json::from_slice(&bytes).expect("decodes");
    let first = &kept.payload.and_then(|p| p.data).expect("customers")[0];
    assert!(
        UNKNOWN_FIELDS
            .iter()
            .all(|name| first.extra.contains_key(*name))
    );
    bytes
}

/// Every customer's `createdOn` and `modifiedOn` as the page sent them, as one JSON array of
/// strings, and how many.
fn date_times_of(payload: &[u8]) -> (Vec<u8>, usize) {
    let page: types::CustomerSearchResponse = serde_json::from_slice(payload).expect("the page");
    let dates: Vec<String> = page
        .payload
        .and_then(|p| p.data)
        .unwrap_or_default()
        .iter()
        .flat_map(|c| [&c.created_on, &c.modified_on])
        .flatten()
        .map(|date| date.to_string())
        .collect();
    (serde_json::to_vec(&dates).expect("JSON"), dates.len())
}

#[inline(never)]
fn into_lenient_dates(bytes: &[u8]) {
    black_box(
        serde_json::from_slice::<Vec<enkash_customer_search::LenientDateTime>>(bytes).unwrap(),
    );
}

#[inline(never)]
fn into_chrono_dates(bytes: &[u8]) {
    black_box(serde_json::from_slice::<Vec<chrono::DateTime<chrono::Utc>>>(bytes).unwrap());
}

// Kept out of line so that callgrind can count this decode alone (`--toggle-collect`).
#[inline(never)]
fn into_value(payload: &[u8]) {
    black_box(serde_json::from_slice::<serde_json::Value>(payload).unwrap());
}

// Kept out of line so that callgrind can count this decode alone (`--toggle-collect`).
#[inline(never)]
fn into_strict(payload: &[u8]) {
    black_box(serde_json::from_slice::<strict::CustomerSearchResponse>(payload).unwrap());
}

// Kept out of line so that callgrind can count this decode alone (`--toggle-collect`).
#[inline(never)]
fn into_tolerant(payload: &[u8]) {
    black_box(serde_json::from_slice::<types::CustomerSearchResponse>(payload).unwrap());
}

// Kept out of line so that callgrind can count this decode alone (`--toggle-collect`).
#[inline(never)]
fn into_strict_sonic(payload: &[u8]) {
    black_box(sonic_rs::from_slice::<strict::CustomerSearchResponse>(payload).unwrap());
}

// Kept out of line so that callgrind can count this decode alone (`--toggle-collect`).
#[inline(never)]
fn into_tolerant_sonic(payload: &[u8]) {
    black_box(sonic_rs::from_slice::<types::CustomerSearchResponse>(payload).unwrap());
}

/// One decode of the page a full run saved, for an instruction count under callgrind.
fn decode_saved_page_once(decoder: &str) {
    let saved = support::target_dir().join("bench-results/decode-page.json");
    let payload = std::fs::read(&saved).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run `cargo bench -p enkash-customer-search --bench decode` once first)",
            saved.display()
        )
    });
    match decoder {
        "value" => into_value(&payload),
        "strict" => into_strict(&payload),
        "tolerant" => into_tolerant(&payload),
        "strict_sonic" => into_strict_sonic(&payload),
        "tolerant_sonic" => into_tolerant_sonic(&payload),
        other => panic!("ENKASH_BENCH_DECODE_ONCE takes a decoder's name, not {other:?}"),
    }
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
    let tolerant_sonic: types::CustomerSearchResponse =
        sonic_rs::from_slice(payload).expect("sonic-rs decodes the page into the client's types");
    assert!(
        tolerant_sonic == tolerant,
        "sonic-rs and serde_json decode the page alike"
    );
    let strict_count = strict.payload.and_then(|p| p.data).map_or(0, |d| d.len());
    let tolerant_count = tolerant.payload.and_then(|p| p.data).map_or(0, |d| d.len());
    assert_eq!((strict_count, tolerant_count), (CUSTOMERS, CUSTOMERS));
}
