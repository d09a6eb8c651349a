//! What the benchmarks share: a sandbox in a child process, criterion's settings, raw requests
//! for the baselines, and the machine-readable results that `cargo xtask bench` reads.
//!
//! # The sandbox runs in a child process
//!
//! Each bench binary is also the server: started with `ENKASH_BENCH_SANDBOX=<customers>,
//! <latency ms>` it serves a [`Sandbox`] and prints `<base url> <token>` (see
//! [`serve_if_asked`]). Client and server then share the two cores as they would share a
//! machine with a real EnKash, but not a heap (the memory benchmark counts the client's bytes
//! alone) nor a Tokio runtime.
//!
//! # Results
//!
//! Each bench writes `target/bench-results/<bench>.json`: `{"bench", "metrics": {name:
//! number}}`, criterion's medians (ns, from its own `estimates.json`) and whatever else the
//! bench measured (server time, peak bytes, payload size).

// Each bench binary uses part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use enkash_customer_search::types;
use enkash_customer_search_mock::Sandbox;
use serde_json::{Map, Value, json};

/// The variable that makes a bench binary serve a sandbox: `<customers>,<latency ms>`.
const SANDBOX_VAR: &str = "ENKASH_BENCH_SANDBOX";
/// Set (to anything but `0`) by `cargo xtask bench --quick`: shorter measurements.
pub const QUICK_VAR: &str = "ENKASH_BENCH_QUICK";
/// The search path.
pub const SEARCH_PATH: &str = enkash_customer_search::spec::SEARCH_CUSTOMER_PATH;

/// Whether `--quick` was asked for.
pub fn quick() -> bool {
    std::env::var(QUICK_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// If this process was started as a sandbox server, serves until its standard input closes
/// (the parent exited or dropped its [`SandboxProcess`]) and exits; otherwise returns.
pub fn serve_if_asked() {
    let Ok(spec) = std::env::var(SANDBOX_VAR) else {
        return;
    };
    let (customers, latency_ms) = spec
        .split_once(',')
        .and_then(|(c, l)| Some((c.parse::<usize>().ok()?, l.parse::<u64>().ok()?)))
        .unwrap_or_else(|| panic!("{SANDBOX_VAR}={spec:?} is not <customers>,<latency ms>"));
    let runtime = runtime();
    let sandbox = runtime.block_on(
        Sandbox::builder()
            .customers(customers)
            .latency(Duration::from_millis(latency_ms))
            .start(),
    );
    let sandbox = sandbox.expect("the sandbox starts");
    println!("{} {}", sandbox.base_url(), sandbox.token());
    std::io::stdout().flush().expect("stdout is open");
    let mut line = String::new();
    while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {}
    drop(sandbox);
    drop(runtime);
    std::process::exit(0);
}

/// A sandbox served by a child process (this same bench binary); killed when dropped.
pub struct SandboxProcess {
    child: Child,
    pub base_url: String,
    pub token: String,
}

impl SandboxProcess {
    /// A sandbox of `customers` customers (seed 42) whose every response waits `latency`.
    pub fn start(customers: usize, latency: Duration) -> SandboxProcess {
        let mut child = Command::new(std::env::current_exe().expect("the bench binary's path"))
            .env(SANDBOX_VAR, format!("{customers},{}", latency.as_millis()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the sandbox process starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the sandbox prints its address");
        let (base_url, token) = line
            .trim()
            .split_once(' ')
            .unwrap_or_else(|| panic!("the sandbox printed {line:?}"));
        SandboxProcess {
            base_url: base_url.to_string(),
            token: token.to_string(),
            child,
        }
    }

    /// The CPU time (user + system) the sandbox process has used so far: its processing, since
    /// waiting (its latency, the network) costs none. Zero where `/proc` is missing.
    pub fn cpu_time(&self) -> Duration {
        i32::try_from(self.child.id()).map_or(Duration::ZERO, process_cpu_time)
    }

    /// A client of this sandbox with its bearer token and the default settings otherwise.
    pub fn client(&self) -> enkash_customer_search::Client {
        enkash_customer_search::Client::builder(&self.base_url)
            .bearer_token(self.token.clone())
            .build()
            .expect("the sandbox's URL and token are valid")
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time (user + system) this process, the client's side of a walk, has used so far, on
/// all of its threads. Zero where `/proc` is missing.
pub fn own_cpu_time() -> Duration {
    process_cpu_time(std::process::id() as i32)
}

/// `utime` + `stime` of the process `pid`.
#[cfg(target_os = "linux")]
fn process_cpu_time(pid: i32) -> Duration {
    let Ok(stat) = procfs::process::Process::new(pid).and_then(|process| process.stat()) else {
        return Duration::ZERO;
    };
    Duration::from_secs_f64((stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64)
}

#[cfg(not(target_os = "linux"))]
fn process_cpu_time(_pid: i32) -> Duration {
    Duration::ZERO
}

/// The Tokio runtime the benches run the client on: two workers, one per core.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// The workspace's `target` directory, from where cargo put this binary
/// (`target/release/deps/<bench>-<hash>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary's path");
    exe.ancestors()
        .nth(3)
        .expect("the binary is in target/<profile>/deps")
        .to_path_buf()
}

/// criterion with the command line's settings and its output in `target/criterion`.
pub fn criterion() -> Criterion {
    Criterion::default()
        .output_directory(&target_dir().join("criterion"))
        .configure_from_args()
}

/// The HTTP client of the hand-written baselines: reqwest as the client builds it (rustls on
/// `ring`, HTTP/1.1), without anything of the client crate's own layer.
pub fn reqwest_client() -> reqwest::Client {
    enkash_customer_search::reqwest_client_builder()
        .expect("TLS configuration")
        .build()
        .expect("a reqwest client")
}

/// The body the client sends for a search without filters (the generated code always sends
/// one), as bytes.
pub fn empty_filters() -> Vec<u8> {
    let filters =
        types::CustomerSearchRequest::try_from(types::builder::CustomerSearchRequest::default())
            .expect("no filters is a valid request");
    serde_json::to_vec(&filters).expect("the filters serialise")
}

/// One raw search request: how long the response's head took (the server's latency and
/// processing: the sandbox renders the whole body before it answers), and the body.
pub async fn raw_page(
    http: &reqwest::Client,
    server: &SandboxProcess,
    offset: usize,
    limit: usize,
) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let response = http
        .post(format!("{}{SEARCH_PATH}", server.base_url))
        .query(&[("limit", limit), ("offset", offset)])
        .bearer_auth(&server.token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(empty_filters())
        .send()
        .await
        .expect("the sandbox answers");
    let head = started.elapsed();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let body = response.bytes().await.expect("the body arrives");
    (head, body.to_vec())
}

/// Recorded pages served again as bytes, by offset, on 127.0.0.1 from a thread of its own,
/// as from a remote EnKash: next to no server CPU. Each encoding is a set of the same pages
/// compressed once beforehand; a request gets the first whose name its `Accept-Encoding`
/// lists, else the identity set.
pub struct Replay {
    identity: Arc<Vec<axum::body::Bytes>>,
    encoded: Vec<(&'static str, Arc<Vec<axum::body::Bytes>>)>,
    page: usize,
    latency: Duration,
    bandwidth: Option<u64>,
    sent: Arc<AtomicU64>,
}

impl Replay {
    /// `pages`: the bodies for offsets 0, `page`, 2 × `page`, …
    pub fn identity(pages: Arc<Vec<axum::body::Bytes>>, page: usize) -> Replay {
        Replay {
            identity: pages,
            encoded: Vec::new(),
            page,
            latency: Duration::ZERO,
            bandwidth: None,
            sent: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The same pages as `name` (`gzip`, `zstd`) for a request that asks for it.
    pub fn encoded(mut self, name: &'static str, pages: Arc<Vec<axum::body::Bytes>>) -> Replay {
        self.encoded.push((name, pages));
        self
    }

    /// The wait before each answer.
    pub fn latency(mut self, latency: Duration) -> Replay {
        self.latency = latency;
        self
    }

    /// Every body through one link of this speed (the mock crate's `limit_bandwidth`).
    pub fn bandwidth(mut self, bytes_per_second: u64) -> Replay {
        self.bandwidth = Some(bytes_per_second);
        self
    }

    /// The bodies' bytes sent so far, as they crossed the wire (compressed or not).
    pub fn sent(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.sent)
    }

    /// Serves for as long as the process runs; the base URL.
    pub fn serve(self) -> String {
        use axum::http::{HeaderMap, StatusCode, Uri, header};
        use axum::response::IntoResponse;

        let Replay {
            identity,
            encoded,
            page,
            latency,
            bandwidth,
            sent,
        } = self;
        let answer = move |uri: Uri, headers: HeaderMap| {
            let accepted = headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let (encoding, pages) = encoded
                .iter()
                .find(|(name, _)| accepted.split(',').any(|a| a.trim() == *name))
                .map_or((None, &identity), |(name, pages)| (Some(*name), pages));
            let offset: usize = uri
                .query()
                .unwrap_or("")
                .split('&')
                .find_map(|pair| pair.strip_prefix("offset="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let body = pages.get(offset / page).cloned();
            let sent = Arc::clone(&sent);
            async move {
                tokio::time::sleep(latency).await;
                let Some(body) = body else {
                    return StatusCode::NOT_FOUND.into_response();
                };
                sent.fetch_add(body.len() as u64, Ordering::Relaxed);
                let mut response = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response();
                if let Some(encoding) = encoding {
                    response.headers_mut().insert(
                        header::CONTENT_ENCODING,
                        axum::http::HeaderValue::from_static(encoding),
                    );
                }
                response
            }
        };
        let mut app = axum::Router::new().fallback(answer);
        if let Some(bytes_per_second) = bandwidth {
            app = enkash_customer_search_mock::limit_bandwidth(app, bytes_per_second);
        }
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a port");
                address_tx
                    .send(listener.local_addr().expect("an address"))
                    .expect("the bench waits");
                axum::serve(listener, app)
                    .await
                    .expect("the replay server runs");
            });
        });
        format!(
            "http://{}",
            address_rx.recv().expect("the replay server starts")
        )
    }
}

/// Streams every customer in pages of `page` with `in_flight` pages in flight, and checks that
/// all `customers` came.
pub async fn walk_all(
    client: &enkash_customer_search::Client,
    page: usize,
    customers: usize,
    in_flight: usize,
) {
    let query = enkash_customer_search::SearchQuery::new().limit(page as i32);
    let mut stream = if in_flight == 1 {
        client.search_all(query)
    } else {
        client.search_all(query).pages_in_flight(in_flight)
    };
    let mut count = 0;
    while let Some(customer) = stream.next().await {
        std::hint::black_box(customer.expect("every page arrives"));
        count += 1;
    }
    assert_eq!(count, customers);
}

/// The median of `values` (which must not be empty).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// `a` ÷ `b` from rounds that time both back to back, alternating which goes first, so that a
/// machine whose speed drifts (other jobs on a shared host) moves both sides of each ratio
/// alike: the median ratio is the verdict, the least and the most its spread.
#[derive(Clone, Copy, Debug)]
pub struct Paired {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rounds: usize,
}

impl Paired {
    /// Runs `rounds` rounds of `a` and `b`, each returning how long it took.
    pub fn measure(
        rounds: usize,
        mut a: impl FnMut() -> Duration,
        mut b: impl FnMut() -> Duration,
    ) -> Paired {
        assert!(rounds > 0, "at least one round");
        let mut ratios = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let (a_time, b_time) = if round % 2 == 0 {
                let first = a();
                (first, b())
            } else {
                let first = b();
                (a(), first)
            };
            ratios.push(a_time.as_secs_f64() / b_time.as_secs_f64());
        }
        Paired::of(ratios)
    }

    /// The ratios of rounds measured elsewhere, each taken within one round (for example a
    /// walk ÷ the server's own time during that walk).
    pub fn of(mut ratios: Vec<f64>) -> Paired {
        assert!(!ratios.is_empty(), "at least one round");
        let (min, max) = ratios.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), r| {
            (lo.min(*r), hi.max(*r))
        });
        Paired {
            median: median(&mut ratios),
            min,
            max,
            rounds: ratios.len(),
        }
    }

    /// Records the ratio as `<name>` (the median), `<name>_min`, `<name>_max` and
    /// `<name>_rounds`.
    pub fn record(&self, results: &mut Results, name: &str) {
        results.metric(name, self.median);
        results.metric(format!("{name}_min"), self.min);
        results.metric(format!("{name}_max"), self.max);
        results.metric(format!("{name}_rounds"), self.rounds as f64);
        eprintln!(
            "{}: {name}: {:.3} (median of {} paired rounds; {:.3} to {:.3})",
            results.bench, self.median, self.rounds, self.min, self.max
        );
    }
}

/// The numbers one bench binary reports, written to `target/bench-results/<bench>.json`.
pub struct Results {
    bench: &'static str,
    started: SystemTime,
    metrics: Map<String, Value>,
}

impl Results {
    pub fn new(bench: &'static str) -> Results {
        Results {
            bench,
            started: SystemTime::now(),
            metrics: Map::new(),
        }
    }

    pub fn metric(&mut self, name: impl Into<String>, value: f64) {
        self.metrics.insert(name.into(), json!(value));
    }

    /// criterion's median for `group/function`, in ns, as the metric `group/function`, if this
    /// run measured it (a filter on the command line may have skipped it).
    pub fn criterion_median(&mut self, group: &str, function: &str) {
        let path = target_dir()
            .join("criterion")
            .join(group)
            .join(function)
            .join("new/estimates.json");
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= self.started);
        if !fresh {
            return;
        }
        let estimates: Value = serde_json::from_slice(
            &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(median) = estimates["median"]["point_estimate"].as_f64() {
            self.metric(format!("{group}/{function}"), median);
        }
    }

    /// Writes the results (and prints where).
    pub fn write(self) {
        let dir = target_dir().join("bench-results");
        std::fs::create_dir_all(&dir).expect("target/bench-results");
        let path = dir.join(format!("{}.json", self.bench));
        let document = json!({ "bench": self.bench, "metrics": self.metrics });
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&document).expect("JSON") + "\n",
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("results: {}", path.display());
    }
}
