//! Budget 2, memory: the peak of live heap bytes while streaming every customer of 20,000 and
//! of 100,000 (pages of 5,000, 50 ms per answer), which must not grow with the total.
//!
//! A counting global allocator (`cap`) sees every allocation of this process. Each walk runs
//! in a fresh child process of this binary (the counter's peak cannot be reset), against a
//! sandbox in another (see `support`), so only the client's bytes are counted. A walk's peak is
//! the most live during it less the bytes live just before it.
//!
//! The consumer is slower than the server ([`PAUSE`] every [`PAUSE_EVERY`] customers, ~200 ms
//! a page against the sandbox's ~85 ms), so the pager always has the next page fetched and
//! decoded before the current one is finished: the most it may hold is reached on every page,
//! and the peak does not depend on the luck of the timing (with a consumer as fast as the
//! server, whether the next body arrives during a decode decides it, and a walk of more pages
//! simply has more chances). Each walk is made [`WALKS`] times; the metric is the worst,
//! `peak_bytes_<customers>_in_flight_<n>` (the least is `least_peak_bytes_…`). No criterion
//! here: this is a count, not a time.

mod support;

use std::alloc::System;
use std::process::Command;
use std::time::Duration;

use cap::Cap;
use enkash_customer_search::{Client, SearchQuery};
use support::{Results, SandboxProcess};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Makes this binary run one walk and print its peak: `<customers>,<in flight>,<url>,<token>`.
const WALK_VAR: &str = "ENKASH_BENCH_MEMORY_WALK";
const LATENCY: Duration = Duration::from_millis(50);
const PAGE: usize = 5_000;
/// How many times each walk is made.
const WALKS: usize = 5;
/// How long the consumer pauses, every [`PAUSE_EVERY`] customers.
const PAUSE: Duration = Duration::from_millis(20);
/// How many customers the consumer takes between pauses.
const PAUSE_EVERY: usize = 500;

fn main() {
    support::serve_if_asked();
    if let Ok(walk) = std::env::var(WALK_VAR) {
        return walk_and_print_peak(&walk);
    }
    // `cargo bench` passes `--bench`; a filter (another bench's name) skips this one.
    if std::env::args()
        .skip(1)
        .any(|arg| !arg.starts_with("--") && !"paging_memory".contains(arg.as_str()))
    {
        return;
    }
    let mut results = Results::new("paging_memory");
    for customers in [20_000, 100_000] {
        let server = SandboxProcess::start(customers, LATENCY);
        for in_flight in [1, 4] {
            let peaks: Vec<f64> = (0..WALKS)
                .map(|_| walk_in_a_child(&server, customers, in_flight))
                .collect();
            let most = peaks.iter().copied().fold(f64::MIN, f64::max);
            let least = peaks.iter().copied().fold(f64::MAX, f64::min);
            eprintln!(
                "paging_memory: {customers} customers, {in_flight} in flight: peak {:.1} MB \
                 ({:.1} MB to {:.1} MB over {WALKS} walks)",
                most / 1e6,
                least / 1e6,
                most / 1e6,
            );
            let name = format!("{customers}_in_flight_{in_flight}");
            results.metric(format!("peak_bytes_{name}"), most);
            results.metric(format!("least_peak_bytes_{name}"), least);
        }
    }
    results.write();
}

/// One walk in a fresh child process of this binary; returns its peak.
fn walk_in_a_child(server: &SandboxProcess, customers: usize, in_flight: usize) -> f64 {
    let output = Command::new(std::env::current_exe().expect("this binary"))
        .env(
            WALK_VAR,
            format!(
                "{customers},{in_flight},{},{}",
                server.base_url, server.token
            ),
        )
        .output()
        .expect("the walk runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("the walk prints its peak")
}

/// One walk in this (fresh) process; prints the peak of live bytes above the start.
fn walk_and_print_peak(walk: &str) {
    let parts: Vec<&str> = walk.split(',').collect();
    let [customers, in_flight, base_url, token] = parts[..] else {
        panic!("{WALK_VAR}={walk:?}");
    };
    let customers: usize = customers.parse().expect("a count");
    let in_flight: usize = in_flight.parse().expect("a count");
    let runtime = support::runtime();
    let client = Client::builder(base_url)
        .bearer_token(token.to_string())
        .build()
        .expect("a client");
    let before = ALLOCATOR.allocated();
    let count = runtime.block_on(async {
        let query = SearchQuery::new().limit(PAGE as i32);
        let mut stream = client.search_all(query).pages_in_flight(in_flight);
        let mut count = 0;
        while let Some(customer) = stream.next().await {
            std::hint::black_box(customer.expect("every page arrives"));
            count += 1;
            if count % PAUSE_EVERY == 0 {
                tokio::time::sleep(PAUSE).await;
            }
        }
        count
    });
    assert_eq!(count, customers);
    println!("{}", ALLOCATOR.max_allocated() - before);
}
