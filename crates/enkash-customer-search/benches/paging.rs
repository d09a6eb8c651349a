//! Budget 2: every customer of 100,000 (and of 20,000), in pages of 5,000, from a sandbox that
//! waits 50 ms before each answer, with one page in flight (`search_all`) and with four
//! (`search_all(…).pages_in_flight(4)`).
//!
//! Criterion times whole walks (group `paging`, `<customers>_in_flight_<n>`). The server's own
//! time is measured on the server side, during those very walks: its 50 ms × the pages, plus
//! the CPU time its process used in the walk (its processing: waiting costs no CPU), median
//! over the walks (`server_time_<customers>`, ns). As a check from the outside,
//! `server_head_time_<customers>` is the sum over the same pages, requested one after the
//! other by plain reqwest, of the time to each response's head (the sandbox renders a whole
//! page before it answers), median of three such walks.
//!
//! The CPU time of this process (the client: its runtime reading, the blocking pool decoding,
//! the consumer) is
//! measured over the same walks (`client_cpu_<customers>_in_flight_<n>`), with the sandbox's
//! (`server_cpu_…`): together they bound how fast any walk can be on the machine's cores.
//!
//! The sandbox spends CPU on each page (it filters, sorts and renders 5,000 customers) on the
//! same two cores as the client. So the same 100,000 customers are also walked against a
//! replay server (group `paging_replay`): the sandbox's 20 pages, recorded once, served as
//! bytes after the same 50 ms, which costs next to no CPU, as a remote EnKash would cost the
//! client's machine; and after 250 ms (`…_latency_250ms`), a server whose time, not the
//! client's decoding, is what a walk waits for. Its own time is the latency × the pages.
//!
//! The budget's ratios are taken within rounds, not from medians minutes apart: each walk with
//! one page in flight ÷ the server's own time during that walk (`paired_sequential_<customers>`,
//! `paired_replay_sequential_<latency>ms`), and the walks with four and with one page in flight
//! back to back, alternating which goes first (`paired_concurrent_100000`,
//! `paired_replay_concurrent_<latency>ms`): the median, with the least and the most.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::SamplingMode;
use enkash_customer_search::Client;
use support::{Paired, Results, SandboxProcess};

/// The sandbox's wait before every answer.
const LATENCY: Duration = Duration::from_millis(50);
/// The replay server's longer wait, for a walk that waits on the server.
const SLOW_LATENCY: Duration = Duration::from_millis(250);
/// The page size: the API's largest.
const PAGE: usize = 5_000;
/// Rounds of four against one page in flight, back to back.
const PAIRED_ROUNDS: usize = 7;

fn main() {
    support::serve_if_asked();
    let runtime = support::runtime();
    let mut results = Results::new("paging");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    results.metric("cores", cores as f64);
    let mut criterion = support::criterion();
    let mut measured = Vec::new();
    let mut recorded = Vec::new();
    for customers in [100_000, 20_000] {
        let server = SandboxProcess::start(customers, LATENCY);
        let (head_time, pages) = runtime.block_on(head_time(&server, customers));
        if customers == 100_000 {
            recorded = pages;
        }
        eprintln!(
            "paging: {customers} customers, the sum of the times to each page's head: {:.3} s",
            head_time.as_secs_f64()
        );
        results.metric(
            format!("server_head_time_{customers}"),
            head_time.as_nanos() as f64,
        );
        let latency = LATENCY * customers.div_ceil(PAGE) as u32;
        results.metric(
            format!("server_latency_{customers}"),
            latency.as_nanos() as f64,
        );
        let client = server.client();
        let mut group = criterion.benchmark_group("paging");
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(1));
        // The walks criterion ran (a filter on the command line may skip some).
        let mut walked = 0;
        for in_flight in [1, 4] {
            // One walk per sample: criterion runs ceil(time ÷ samples ÷ a warm-up walk) walks
            // a sample, so the time asked for is a little under ten walks of this estimate.
            let walk = head_time.mul_f64(if in_flight == 1 { 1.2 } else { 0.6 });
            group.measurement_time(walk.mul_f64(8.0));
            let name = format!("{customers}_in_flight_{in_flight}");
            let mut server_cpu = Vec::new();
            let mut client_cpu = Vec::new();
            let mut over_server = Vec::new();
            group.bench_function(&name, |b| {
                b.iter(|| {
                    let before = (server.cpu_time(), support::own_cpu_time());
                    let started = Instant::now();
                    runtime.block_on(support::walk_all(&client, PAGE, customers, in_flight));
                    let took = started.elapsed();
                    let cpu = server.cpu_time() - before.0;
                    server_cpu.push(cpu.as_secs_f64());
                    client_cpu.push((support::own_cpu_time() - before.1).as_secs_f64());
                    over_server.push(took.as_secs_f64() / (latency + cpu).as_secs_f64());
                })
            });
            if in_flight == 1 && !over_server.is_empty() {
                Paired::of(over_server)
                    .record(&mut results, &format!("paired_sequential_{customers}"));
            }
            measured.push(name.clone());
            if server_cpu.is_empty() {
                continue; // Filtered out on the command line.
            }
            walked += 1;
            let cpu = support::median(&mut server_cpu);
            results.metric(format!("server_cpu_{name}"), cpu * 1e9);
            let client = support::median(&mut client_cpu);
            results.metric(format!("client_cpu_{name}"), client * 1e9);
            if in_flight == 1 {
                let server_time = latency.as_secs_f64() + cpu;
                eprintln!(
                    "paging: the server's own time for {customers} customers: {server_time:.3} s"
                );
                results.metric(format!("server_time_{customers}"), server_time * 1e9);
            }
        }
        group.finish();
        if customers == 100_000 && walked == 2 {
            let rounds = if support::quick() { 3 } else { PAIRED_ROUNDS };
            Paired::measure(
                rounds,
                timed_walk(&runtime, &client, customers, 4),
                timed_walk(&runtime, &client, customers, 1),
            )
            .record(&mut results, &format!("paired_concurrent_{customers}"));
        }
    }

    // The same walks against the replay server, after the same latency and a longer one.
    let customers: usize = 100_000;
    // Once as `Bytes`, which every answer of both replay servers shares without a copy.
    let recorded: Arc<Vec<axum::body::Bytes>> =
        Arc::new(recorded.into_iter().map(axum::body::Bytes::from).collect());
    let mut group = criterion.benchmark_group("paging_replay");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1));
    let mut replayed = Vec::new();
    for latency in [LATENCY, SLOW_LATENCY] {
        let replay = support::Replay::identity(Arc::clone(&recorded), PAGE)
            .latency(latency)
            .serve();
        let client = Client::builder(&replay)
            .bearer_token("replayed".to_string())
            .build()
            .expect("a client");
        let pages = customers.div_ceil(PAGE) as u32;
        results.metric(
            format!("replay_latency_{}ms", latency.as_millis()),
            (latency * pages).as_nanos() as f64,
        );
        let mut walked = 0;
        for in_flight in [1, 4] {
            // A little under ten walks of the least they can take (the latency of every
            // page, or of every fourth): one walk a sample.
            let least = latency * pages / if in_flight == 1 { 1 } else { 4 };
            group.measurement_time(least.mul_f64(9.0));
            let name = if latency == LATENCY {
                format!("{customers}_in_flight_{in_flight}")
            } else {
                format!(
                    "{customers}_in_flight_{in_flight}_latency_{}ms",
                    latency.as_millis()
                )
            };
            let mut over_own = Vec::new();
            let mut ran = false;
            group.bench_function(&name, |b| {
                ran = true;
                b.iter(|| {
                    let started = Instant::now();
                    runtime.block_on(support::walk_all(&client, PAGE, customers, in_flight));
                    over_own
                        .push(started.elapsed().as_secs_f64() / (latency * pages).as_secs_f64());
                })
            });
            if in_flight == 1 && !over_own.is_empty() {
                Paired::of(over_own).record(
                    &mut results,
                    &format!("paired_replay_sequential_{}ms", latency.as_millis()),
                );
            }
            replayed.push(name);
            walked += usize::from(ran);
        }
        if walked < 2 {
            continue; // Filtered out on the command line.
        }
        let rounds = if support::quick() { 3 } else { PAIRED_ROUNDS };
        Paired::measure(
            rounds,
            timed_walk(&runtime, &client, customers, 4),
            timed_walk(&runtime, &client, customers, 1),
        )
        .record(
            &mut results,
            &format!("paired_replay_concurrent_{}ms", latency.as_millis()),
        );
    }
    group.finish();

    criterion.final_summary();
    for name in measured {
        results.criterion_median("paging", &name);
    }
    for name in replayed {
        results.criterion_median("paging_replay", &name);
    }
    results.write();
}

/// One walk of every customer with `in_flight` pages in flight, timed.
fn timed_walk<'a>(
    runtime: &'a tokio::runtime::Runtime,
    client: &'a Client,
    customers: usize,
    in_flight: usize,
) -> impl FnMut() -> Duration + 'a {
    move || {
        let started = Instant::now();
        runtime.block_on(support::walk_all(client, PAGE, customers, in_flight));
        started.elapsed()
    }
}

/// The median over three walks of the sum of each page's time to the response head, and the
/// pages' bodies.
async fn head_time(server: &SandboxProcess, customers: usize) -> (Duration, Vec<Vec<u8>>) {
    let http = support::reqwest_client();
    // One page first, so that the connection is open.
    support::raw_page(&http, server, 0, 1).await;
    let mut walks = Vec::new();
    let mut pages = Vec::new();
    for _ in 0..3 {
        let mut total = Duration::ZERO;
        pages.clear();
        for offset in (0..customers).step_by(PAGE) {
            let (head, body) = support::raw_page(&http, server, offset, PAGE).await;
            total += head;
            pages.push(body);
        }
        walks.push(total.as_secs_f64());
    }
    (Duration::from_secs_f64(support::median(&mut walks)), pages)
}
