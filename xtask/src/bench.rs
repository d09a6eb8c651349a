//! `cargo xtask bench [--quick]`: runs every benchmark, measures the codegen loop and the
//! client's cold build, and writes the results, checked against the budgets of
//! `xtask/budgets.toml`, into BENCHMARKS.md.
//!
//! The criterion benches live in the client crate (`crates/enkash-customer-search/benches/`)
//! and each writes `bench-results/<bench>.json` in cargo's target directory, which is read here; nothing parses
//! criterion's tables. The codegen loop and the build cost are commands, timed here with
//! `std::process::Command` and `Instant`, CPU time from the kernel (the children's user +
//! system time, which it adds up as they are waited for).
//!
//! What this writes is numbers only: the machine, the budget table (limits from
//! `budgets.toml`) and the tables behind each ratio, between the markers
//! `<!-- BEGIN cargo xtask bench -->` and `<!-- END cargo xtask bench -->` of BENCHMARKS.md.
//! How each number is taken, and what it means, is written there by hand, outside them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, codegen, project_root};

const CLIENT_PACKAGE: &str = "enkash-customer-search";
/// The client's criterion benches, in the order they run.
const BENCHES: &[&str] = &[
    "decode",
    "paging",
    "paging_memory",
    "overhead",
    "compression",
];
const BEGIN: &str = "<!-- BEGIN cargo xtask bench -->";
const END: &str = "<!-- END cargo xtask bench -->";
/// Set for the benches by `--quick` (see `benches/support/mod.rs`).
const QUICK_VAR: &str = "ENKASH_BENCH_QUICK";
/// Appended to one description of the spec to time the edit → codegen → test loop.
const SPEC_EDIT: &str = " Edited by cargo xtask bench.";

/// Where cargo puts what it builds, and so where the benches write their results: the
/// `target` directory cargo itself reports (honouring `CARGO_TARGET_DIR` and `build.target-dir`),
/// else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    let reported = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| serde_json::from_slice::<serde_json::Value>(&output.stdout).ok())
        .and_then(|metadata| Some(PathBuf::from(metadata["target_directory"].as_str()?)));
    reported.unwrap_or_else(|| root.join("target"))
}

pub fn run(quick: bool) -> Result<()> {
    let root = project_root()?;
    let started = Instant::now();
    let machine = Machine::read(&root);
    let mut report = Report::default();

    step("criterion benches (cargo bench, release)");
    let results_dir = target_dir(&root).join("bench-results");
    let _ = fs::remove_dir_all(&results_dir);
    let mut bench = cargo(&root);
    // zstd too, so the compression bench has a row for it; the other benches' sandboxes do
    // not compress, so it changes nothing they measure.
    bench.args(["bench", "-p", CLIENT_PACKAGE, "--features", "zstd"]);
    for name in BENCHES {
        bench.args(["--bench", name]);
    }
    if quick {
        bench.env(QUICK_VAR, "1");
    }
    run_checked(&mut bench)?;
    let metrics = read_results(&results_dir)?;
    budget_decode(&metrics, &mut report)?;
    budget_paging(&metrics, &mut report)?;
    budget_overhead(&metrics, &mut report)?;

    step("codegen loop");
    budget_codegen(&root, quick, &mut report)?;

    step("cold builds: the client beside bare reqwest + rustls");
    budget_build(&root, quick, &mut report)?;
    budget_compression(&metrics, &mut report)?;

    let section = report.render(&machine, quick, started.elapsed());
    let path = root.join("BENCHMARKS.md");
    let old = fs::read_to_string(&path).unwrap_or_default();
    fs::write(&path, splice(&old, &section)).map_err(|e| format!("BENCHMARKS.md: {e}"))?;
    println!("{section}");
    eprintln!(
        "wrote BENCHMARKS.md in {:.0} s; {} of {} budgets met",
        started.elapsed().as_secs_f64(),
        report.rows.iter().filter(|r| r.met).count(),
        report.rows.len()
    );
    Ok(())
}

fn step(what: &str) {
    eprintln!("\n==> cargo xtask bench: {what}");
}

/// `cargo` as the xtask was started with, in the workspace root.
fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

fn run_checked(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}").into())
    }
}

/// Every metric of `target/bench-results/*.json`, as `<bench>:<metric>`.
fn read_results(dir: &Path) -> Result<BTreeMap<String, f64>> {
    let mut metrics = BTreeMap::new();
    for name in BENCHES {
        let path = dir.join(format!("{name}.json"));
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (did the bench run?)", path.display()))?;
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(values) = document["metrics"].as_object() else {
            return Err(format!("{} has no metrics", path.display()).into());
        };
        for (metric, value) in values {
            if let Some(value) = value.as_f64() {
                metrics.insert(format!("{name}:{metric}"), value);
            }
        }
    }
    Ok(metrics)
}

fn metric(metrics: &BTreeMap<String, f64>, name: &str) -> Result<f64> {
    metrics
        .get(name)
        .copied()
        .ok_or_else(|| format!("no result `{name}` in the target directory's bench-results").into())
}

/// One budget's line in the table.
struct Row {
    budget: String,
    what: String,
    measured: String,
    limit: String,
    met: bool,
}

/// One budget of `budgets.toml`.
#[derive(Debug)]
struct Budget {
    budget: String,
    measure: String,
    at_least: Option<f64>,
    at_most: Option<f64>,
    unit: String,
}

/// The budgets, as data: what each row measures and its limit.
const BUDGETS: &str = include_str!("../budgets.toml");

impl Budget {
    fn all() -> Result<Vec<(String, Budget)>> {
        let table: toml::Table =
            toml::from_str(BUDGETS).map_err(|e| format!("xtask/budgets.toml: {e}"))?;
        let text = |entry: &toml::Value, key: &str| -> Result<String> {
            Ok(entry
                .get(key)
                .and_then(toml::Value::as_str)
                .ok_or_else(|| format!("xtask/budgets.toml: a budget without `{key}`"))?
                .to_string())
        };
        let number =
            |entry: &toml::Value, key: &str| entry.get(key).and_then(toml::Value::as_float);
        table
            .get("budget")
            .and_then(toml::Value::as_array)
            .ok_or("xtask/budgets.toml: no [[budget]]")?
            .iter()
            .map(|entry| {
                let budget = Budget {
                    budget: text(entry, "budget")?,
                    measure: text(entry, "measure")?,
                    at_least: number(entry, "at_least"),
                    at_most: number(entry, "at_most"),
                    unit: text(entry, "unit")?,
                };
                if budget.at_least.is_some() == budget.at_most.is_some() {
                    return Err(format!(
                        "xtask/budgets.toml: `{}` needs one of at_least and at_most",
                        text(entry, "id")?
                    )
                    .into());
                }
                Ok((text(entry, "id")?, budget))
            })
            .collect()
    }

    fn find(id: &str) -> Result<Budget> {
        Budget::all()?
            .into_iter()
            .find_map(|(known, budget)| (known == id).then_some(budget))
            .ok_or_else(|| format!("xtask/budgets.toml has no budget `{id}`").into())
    }

    fn is_met(&self, value: f64) -> bool {
        self.at_least.is_none_or(|least| value >= least)
            && self.at_most.is_none_or(|most| value <= most)
    }

    fn limit_text(&self) -> String {
        let (sign, limit) = match (self.at_least, self.at_most) {
            (Some(least), _) => ("≥", least),
            (None, Some(most)) => ("≤", most),
            (None, None) => ("", 0.0),
        };
        let space = if self.unit == "×" { "" } else { " " };
        format!("{sign} {limit}{space}{}", self.unit)
    }
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    /// Per budget: the numbers behind the ratios, as tables (how they are taken is in
    /// BENCHMARKS.md, by hand).
    details: Vec<(&'static str, String)>,
}

impl Report {
    /// A row for the budget `id` of `budgets.toml`: `value` checked against its limit,
    /// `measured` the text shown (the value and the numbers behind it).
    fn row(&mut self, id: &str, value: f64, measured: String) -> Result<()> {
        let budget = Budget::find(id)?;
        let (limit, met) = (budget.limit_text(), budget.is_met(value));
        self.rows.push(Row {
            budget: budget.budget,
            what: budget.measure,
            measured,
            limit,
            met,
        });
        Ok(())
    }

    fn render(&self, machine: &Machine, quick: bool, took: Duration) -> String {
        let mut out = String::new();
        let command = if quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        };
        let _ = writeln!(out, "{BEGIN}");
        let _ = writeln!(
            out,
            "_Written by `{command}` on {} in {:.0} s; edit outside these markers only._\n",
            machine.date,
            took.as_secs_f64()
        );
        let _ = writeln!(out, "### Machine\n");
        let _ = writeln!(out, "| | |\n|---|---|");
        for (key, value) in [
            ("CPU", machine.cpu.as_str()),
            ("cores (nproc)", machine.cores.as_str()),
            ("memory", machine.memory.as_str()),
            ("load average at start", machine.load.as_str()),
            ("rustc", machine.rustc.as_str()),
            ("cargo", machine.cargo.as_str()),
        ] {
            let _ = writeln!(out, "| {key} | {value} |");
        }
        let _ = writeln!(out, "\n### Budgets\n");
        let _ = writeln!(out, "| budget | measure | measured | limit | verdict |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.budget,
                row.what,
                row.measured,
                row.limit,
                if row.met { "met" } else { "**missed**" }
            );
        }
        for (title, text) in &self.details {
            let _ = writeln!(out, "\n### {title}\n\n{}", text.trim_end());
        }
        let _ = writeln!(out, "\n{END}");
        out
    }
}

fn ms(ns: f64) -> String {
    format!("{:.1} ms", ns / 1e6)
}

fn secs(ns: f64) -> String {
    format!("{:.3} s", ns / 1e9)
}

/// A Markdown table of `header` and `rows`.
fn table<const N: usize>(header: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    let line = |cells: &[&str]| format!("| {} |\n", cells.join(" | "));
    let mut out = line(&header);
    out += &line(&["---"; N]);
    for row in rows {
        out += &line(&row.each_ref().map(String::as_str));
    }
    out
}

/// A ratio from paired rounds (`support::Paired` in the benches): the median, its spread and
/// how many rounds.
struct PairedRatio {
    median: f64,
    min: f64,
    max: f64,
    rounds: f64,
}

impl PairedRatio {
    fn spread(&self) -> String {
        format!(
            "{:.0} paired rounds, {:.3}–{:.3}",
            self.rounds, self.min, self.max
        )
    }
}

fn paired(m: &BTreeMap<String, f64>, name: &str) -> Result<PairedRatio> {
    Ok(PairedRatio {
        median: metric(m, name)?,
        min: metric(m, &format!("{name}_min"))?,
        max: metric(m, &format!("{name}_max"))?,
        rounds: metric(m, &format!("{name}_rounds"))?,
    })
}

fn budget_decode(m: &BTreeMap<String, f64>, report: &mut Report) -> Result<()> {
    let bytes = metric(m, "decode:payload_bytes")?;
    let customers = metric(m, "decode:payload_customers")?;
    let value = metric(m, "decode:decode/value")?;
    let strict = metric(m, "decode:decode/strict")?;
    let tolerant = metric(m, "decode:decode/tolerant")?;
    // The verdicts come from the paired rounds; criterion's medians, taken apart, are shown.
    let speedup = paired(m, "decode:paired_value_over_tolerant")?;
    let cost = paired(m, "decode:paired_tolerant_over_strict")?;
    report.row(
        "decode_speedup",
        speedup.median,
        format!(
            "{:.2}× ({}; criterion medians: {:.2}×)",
            speedup.median,
            speedup.spread(),
            value / tolerant
        ),
    )?;
    report.row(
        "decode_cost",
        cost.median,
        format!(
            "{:.3}× ({}; criterion medians: {:.3}×)",
            cost.median,
            cost.spread(),
            tolerant / strict
        ),
    )?;
    let mb_s = |ns: f64| format!("{:.0} MB/s", bytes / 1e6 / (ns / 1e9));
    let payload = table(
        ["page (`limit=5000`)", "customers", "bytes of JSON"],
        [[
            "the sandbox's".to_string(),
            format!("{customers:.0}"),
            format!("{bytes:.0} ({:.2} MB)", bytes / 1e6),
        ]],
    );
    let strict_sonic = metric(m, "decode:decode/strict_sonic")?;
    let tolerant_sonic = metric(m, "decode:decode/tolerant_sonic")?;
    let decoders = table(
        ["decoder", "criterion median", "throughput"],
        [
            ("`serde_json::Value`", value),
            ("strict types (typify, no substitutions)", strict),
            ("tolerant types (`types::CustomerSearchResponse`)", tolerant),
            ("strict types through sonic-rs", strict_sonic),
            ("tolerant types through sonic-rs", tolerant_sonic),
        ]
        .map(|(decoder, ns)| [decoder.to_string(), ms(ns), mb_s(ns)]),
    );
    let baselines = table(
        [
            "paired ratio (same bytes, back to back)",
            "median",
            "spread",
        ],
        [
            (
                "sonic-rs ÷ serde_json, strict types",
                "strict_sonic_over_strict",
            ),
            (
                "sonic-rs ÷ serde_json, tolerant types",
                "tolerant_sonic_over_tolerant",
            ),
            (
                "cause: every `createdOn` and `modifiedOn` of the page, `LenientDateTime` ÷ \
                 chrono's `DateTime<Utc>`",
                "cause_date_times",
            ),
            (
                "cause: three unknown fields a customer, kept in `extra` ÷ the page without them",
                "cause_unknown_fields_kept",
            ),
            (
                "cause: the same page, the tolerant types keeping them ÷ the strict types \
                 dropping them",
                "cause_unknown_fields_over_dropped",
            ),
        ]
        .map(|(what, name)| {
            paired(m, &format!("decode:paired_{name}")).map(|ratio| {
                [
                    what.to_string(),
                    format!("{:.3}×", ratio.median),
                    ratio.spread(),
                ]
            })
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?,
    );
    report
        .details
        .push(("1. Decode", format!("{payload}\n{decoders}\n{baselines}")));
    Ok(())
}

fn budget_paging(m: &BTreeMap<String, f64>, report: &mut Report) -> Result<()> {
    let cores = metric(m, "paging:cores")?;
    let mut walks = Vec::new();
    let mut cpu = Vec::new();
    for customers in [100_000, 20_000] {
        let get = |name: &str| metric(m, &format!("paging:{name}_{customers}"));
        let latency = get("server_latency")?;
        let server = get("server_time")?;
        let walk = |in_flight: u32| {
            metric(
                m,
                &format!("paging:paging/{customers}_in_flight_{in_flight}"),
            )
        };
        walks.push([
            customers.to_string(),
            format!(
                "{} ({} + {})",
                secs(server),
                secs(latency),
                secs(server - latency)
            ),
            secs(get("server_head_time")?),
            secs(walk(1)?),
            secs(walk(4)?),
            peak_range(m, customers, 1)?,
            peak_range(m, customers, 4)?,
        ]);
        for in_flight in [1, 4] {
            let name = format!("{customers}_in_flight_{in_flight}");
            let server_cpu = metric(m, &format!("paging:server_cpu_{name}"))?;
            let client_cpu = metric(m, &format!("paging:client_cpu_{name}"))?;
            cpu.push([
                customers.to_string(),
                in_flight.to_string(),
                secs(metric(m, &format!("paging:paging/{name}"))?),
                secs(server_cpu),
                secs(client_cpu),
                secs(cpu_floor(m, customers, in_flight, cores)?),
            ]);
        }
    }
    let server = metric(m, "paging:server_time_100000")?;
    let sequential = metric(m, "paging:paging/100000_in_flight_1")?;
    let concurrent = metric(m, "paging:paging/100000_in_flight_4")?;
    let peak_small = metric(m, "paging_memory:peak_bytes_20000_in_flight_1")?;
    let peak_large = metric(m, "paging_memory:peak_bytes_100000_in_flight_1")?;
    // Nothing overlaps the first page's decode (its recordsCount says whether a second page
    // exists) nor the last one's.
    let decode = metric(m, "decode:decode/tolerant")?;
    // Each walk against the server's time during that walk; four against one back to back.
    let ratio = paired(m, "paging:paired_sequential_100000")?;
    report.row(
        "paging_sequential",
        ratio.median,
        format!(
            "{:.3}× (each walk ÷ the server's time during it, {}; criterion medians: {} ÷ {}); \
             the least possible, the server's time and two decodes: {:.3}×",
            ratio.median,
            ratio.spread(),
            secs(sequential),
            secs(server),
            (server + 2.0 * decode) / server
        ),
    )?;
    let ratio = paired(m, "paging:paired_concurrent_100000")?;
    report.row(
        "paging_concurrent",
        ratio.median,
        format!(
            "{:.3}× ({}; criterion medians: {} ÷ {}); the least possible on {cores} cores, by \
             CPU time: {:.3}×",
            ratio.median,
            ratio.spread(),
            secs(concurrent),
            secs(sequential),
            cpu_floor(m, 100_000, 4, cores)? / sequential
        ),
    )?;
    let ratio = peak_large / peak_small;
    report.row(
        "paging_memory",
        ratio,
        format!(
            "{ratio:.3}× ({:.1} MB ÷ {:.1} MB)",
            peak_large / 1e6,
            peak_small / 1e6
        ),
    )?;
    let mut replay = Vec::new();
    for (latency_ms, suffix) in [(50, ""), (250, "_latency_250ms")] {
        let own = metric(m, &format!("paging:replay_latency_{latency_ms}ms"))?;
        let one = metric(
            m,
            &format!("paging:paging_replay/100000_in_flight_1{suffix}"),
        )?;
        let four = metric(
            m,
            &format!("paging:paging_replay/100000_in_flight_4{suffix}"),
        )?;
        let sequential = paired(
            m,
            &format!("paging:paired_replay_sequential_{latency_ms}ms"),
        )?;
        let concurrent = paired(
            m,
            &format!("paging:paired_replay_concurrent_{latency_ms}ms"),
        )?;
        replay.push([
            format!("{latency_ms} ms"),
            secs(own),
            secs(one),
            format!("{:.3}× ({})", sequential.median, sequential.spread()),
            secs(four),
            format!("{:.3}× ({})", concurrent.median, concurrent.spread()),
        ]);
    }
    let walks = table(
        [
            "customers",
            "server's own time: latency × pages + its CPU",
            "server, seen from outside",
            "1 page in flight",
            "4 pages in flight",
            "peak live bytes, 1 in flight (least)",
            "peak, 4 in flight (least)",
        ],
        walks,
    );
    let cpu = table(
        [
            "customers",
            "pages in flight",
            "walk",
            "server CPU",
            "client CPU",
            "the least a walk can take: (server + client CPU) ÷ cores",
        ],
        cpu,
    );
    let replay = table(
        [
            "latency a page",
            "its own time (20 pages)",
            "1 page in flight (criterion median)",
            "each walk ÷ own time (median)",
            "4 pages in flight (criterion median)",
            "÷ 1 page in flight, back to back (median)",
        ],
        replay,
    );
    report.details.push((
        "2. Paging",
        format!("Walks:\n\n{walks}\nCPU time:\n\n{cpu}\nReplayed pages:\n\n{replay}"),
    ));
    Ok(())
}

/// `"<most> MB (<least> MB)"`: the peak live bytes of the walks of `customers` with `in_flight`
/// pages in flight.
fn peak_range(m: &BTreeMap<String, f64>, customers: u32, in_flight: u32) -> Result<String> {
    let name = format!("{customers}_in_flight_{in_flight}");
    let most = metric(m, &format!("paging_memory:peak_bytes_{name}"))?;
    let least = metric(m, &format!("paging_memory:least_peak_bytes_{name}"))?;
    Ok(format!("{:.1} MB ({:.1} MB)", most / 1e6, least / 1e6))
}

/// The least a walk of `customers` with `in_flight` pages in flight can take by CPU time: the
/// server's and the client's CPU over the walk spread over every core, and never less than
/// the latency of every `in_flight`-th page.
fn cpu_floor(m: &BTreeMap<String, f64>, customers: u32, in_flight: u32, cores: f64) -> Result<f64> {
    let name = format!("{customers}_in_flight_{in_flight}");
    let server_cpu = metric(m, &format!("paging:server_cpu_{name}"))?;
    let client_cpu = metric(m, &format!("paging:client_cpu_{name}"))?;
    let latency = metric(m, &format!("paging:server_latency_{customers}"))?;
    Ok(((server_cpu + client_cpu) / cores).max(latency / f64::from(in_flight)))
}

fn budget_overhead(m: &BTreeMap<String, f64>, report: &mut Report) -> Result<()> {
    let searches = metric(m, "overhead:searches")?;
    let client = metric(m, "overhead:overhead/client")?;
    let hand = metric(m, "overhead:overhead/hand_written")?;
    let paired = metric(m, "overhead:paired_ratio")?;
    let rounds = metric(m, "overhead:paired_rounds")?;
    report.row(
        "overhead",
        paired,
        format!(
            "{paired:.3}× ({searches:.0} searches, {rounds:.0} paired rounds; criterion \
             medians, minutes apart: {} ÷ {})",
            ms(client),
            ms(hand)
        ),
    )?;
    let per_search = |ns: f64| format!("{:.0} µs", ns / searches / 1e3);
    let loops = table(
        ["loop", "criterion median of the run", "a search"],
        [
            ("`Client::search`", client),
            ("hand-written `reqwest` + `serde_json`", hand),
        ]
        .map(|(name, ns)| [name.to_string(), ms(ns), per_search(ns)]),
    );
    let paired = table(
        ["searches", "paired rounds", "median ratio of the rounds"],
        [[
            format!("{searches:.0}"),
            format!("{rounds:.0}"),
            format!("{paired:.3}×"),
        ]],
    );
    report
        .details
        .push(("3. Overhead per request", format!("{loops}\n{paired}")));
    Ok(())
}

fn budget_compression(m: &BTreeMap<String, f64>, report: &mut Report) -> Result<()> {
    let wan = metric(m, "compression:wan_ratio_gzip")?;
    let rounds = metric(m, "compression:wan_rounds")?;
    let identity = metric(m, "compression:wan_seconds_identity")?;
    let gzip = metric(m, "compression:wan_seconds_gzip")?;
    report.row(
        "compression_wan",
        wan,
        format!(
            "{wan:.3}× ({} ÷ {}, {rounds:.0} paired rounds)",
            secs(gzip),
            secs(identity)
        ),
    )?;
    let decode = metric(m, "compression:decode_ratio_gzip")?;
    let decode_rounds = metric(m, "compression:decode_rounds")?;
    let page_identity = metric(m, "compression:compression_decode/identity")?;
    let page_gzip = metric(m, "compression:compression_decode/gzip")?;
    let inflate = metric(m, "compression:compression_decode/inflate")?;
    report.row(
        "compression_decode",
        decode,
        format!(
            "{decode:.3}× ({decode_rounds:.0} paired rounds; criterion medians: {} ÷ {}); \
             inflating the page alone takes {}, {:.2}× of an identity page",
            ms(page_gzip),
            ms(page_identity),
            ms(inflate),
            inflate / page_identity
        ),
    )?;
    let megabytes = |bytes: f64| format!("{:.1} MB", bytes / 1e6);
    let walks = table(
        [
            "encoding",
            "walk over 10 MB/s (median)",
            "÷ identity (paired)",
            "bytes on the wire",
        ],
        ["identity", "gzip", "zstd"]
            .into_iter()
            .filter(|name| m.contains_key(&format!("compression:wan_seconds_{name}")))
            .map(|name| -> Result<[String; 4]> {
                let get = |what: &str| metric(m, &format!("compression:{what}_{name}"));
                Ok([
                    name.to_string(),
                    secs(get("wan_seconds")?),
                    format!("{:.3}×", get("wan_ratio")?),
                    megabytes(get("wan_bytes")?),
                ])
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let page = table(
        [
            "a page of 5,000",
            "bytes",
            "`Client::search`, criterion median",
        ],
        [
            ("identity", "page_bytes_identity", page_identity),
            ("gzip", "page_bytes_gzip", page_gzip),
            (
                "gzip, inflated alone (zlib-rs in one call, no HTTP, no decode)",
                "page_bytes_gzip",
                inflate,
            ),
        ]
        .map(|(name, bytes, ns)| -> Result<[String; 3]> {
            Ok([
                name.to_string(),
                megabytes(metric(m, &format!("compression:{bytes}"))?),
                ms(ns),
            ])
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?,
    );
    report
        .details
        .push(("6. Compression", format!("{walks}\n{page}")));
    Ok(())
}

/// Restores files to the contents they had, on drop: the spec edit must not outlive the
/// measurement, whatever happens to it.
struct Restore {
    files: Vec<(PathBuf, Vec<u8>, Option<Vec<u8>>)>,
}

impl Restore {
    /// Remembers `paths` as they are now.
    fn new(paths: Vec<PathBuf>) -> Result<Restore> {
        let files = paths
            .into_iter()
            .map(|path| {
                let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok((path, bytes, None))
            })
            .collect::<Result<_>>()?;
        Ok(Restore { files })
    }

    /// Writes `contents` to the remembered file `path`, noting what was written.
    fn write(&mut self, path: &Path, contents: Vec<u8>) -> Result<()> {
        let entry = self
            .files
            .iter_mut()
            .find(|(p, _, _)| p == path)
            .ok_or("not a remembered file")?;
        fs::write(path, &contents).map_err(|e| format!("{}: {e}", path.display()))?;
        entry.2 = Some(contents);
        Ok(())
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        for (path, original, written) in &self.files {
            let now = fs::read(path).ok();
            if now.as_ref() == Some(original) {
                continue;
            }
            // A file we wrote that someone else changed meanwhile is left as they made it;
            // the generated files (which codegen wrote) are put back.
            let ours = written.is_none() || *written == now;
            if !ours {
                eprintln!(
                    "warning: {} changed during the bench; left as it is",
                    path.display()
                );
                continue;
            }
            match fs::write(path, original) {
                Ok(()) => eprintln!("restored {}", path.display()),
                Err(e) => eprintln!("error: cannot restore {}: {e}", path.display()),
            }
        }
    }
}

fn budget_codegen(root: &Path, quick: bool, report: &mut Report) -> Result<()> {
    // Built first (not timed): the budget is for a built xtask.
    run_checked(cargo(root).args(["xtask", "codegen", "--check"]))?;
    let runs = if quick { 3 } else { 5 };
    let mut through_cargo = Vec::new();
    let mut binary = Vec::new();
    let xtask = std::env::current_exe().map_err(|e| format!("the xtask's own path: {e}"))?;
    for _ in 0..runs {
        through_cargo.push(timed(cargo(root).args(["xtask", "codegen"]))?.wall);
        binary.push(timed(Command::new(&xtask).current_dir(root).arg("codegen"))?.wall);
    }
    let codegen = median(&through_cargo);
    let direct = median(&binary);
    report.row(
        "codegen",
        codegen.as_secs_f64(),
        format!("{:.3} s", codegen.as_secs_f64()),
    )?;

    // The edit loop: a description in the spec changes, so do the docs in every generated file.
    let spec = codegen::TARGETS[0].spec;
    let mut paths = vec![root.join(spec)];
    for target in codegen::TARGETS {
        for file in codegen::generate(root, target)? {
            paths.push(root.join(file.path));
        }
    }
    // Built first (not timed): the loop starts from a built crate.
    run_checked(cargo(root).args(["test", "-p", CLIENT_PACKAGE, "--no-run"]))?;
    let (edited_line, edit, test) = {
        let mut restore = Restore::new(paths)?;
        let spec_path = root.join(spec);
        let text = fs::read_to_string(&spec_path).map_err(|e| format!("{spec}: {e}"))?;
        let (line, edited) = edit_a_description(&text)
            .ok_or_else(|| format!("{spec} has no one-line description to edit"))?;
        restore.write(&spec_path, edited.into_bytes())?;
        eprintln!("edited {spec}:{line}; codegen, then cargo test -p {CLIENT_PACKAGE}");
        let client = root
            .join(codegen::TARGETS[0].crate_dir)
            .join("src/generated.rs");
        let before = fs::read(&client).map_err(|e| format!("{}: {e}", client.display()))?;
        let started = Instant::now();
        run_checked(cargo(root).args(["xtask", "codegen"]))?;
        let edit = started.elapsed();
        if fs::read(&client).ok().as_ref() == Some(&before) {
            return Err(format!("editing {spec}:{line} changed no generated code").into());
        }
        run_checked(cargo(root).args(["test", "-p", CLIENT_PACKAGE]))?;
        (line, edit, started.elapsed())
        // `restore` puts the spec and the generated files back here.
    };
    run_checked(cargo(root).args(["xtask", "codegen", "--check"]))?;
    report.row(
        "edit_to_test",
        test.as_secs_f64(),
        format!("{:.1} s", test.as_secs_f64()),
    )?;
    let timings = table(
        ["step", "time"],
        [
            format!("`cargo xtask codegen`, nothing to change (median of {runs})"),
            format!("the xtask binary alone (median of {runs})"),
            format!("`cargo xtask codegen` after editing `{spec}:{edited_line}`"),
            format!("the edit loop in all, `cargo test -p {CLIENT_PACKAGE}` included"),
        ]
        .into_iter()
        .zip([codegen, direct, edit, test])
        .map(|(step, took)| [step, format!("{:.3} s", took.as_secs_f64())]),
    );
    report.details.push(("4. Codegen loop", timings));
    Ok(())
}

/// The spec with [`SPEC_EDIT`] appended to the first one-line plain `description:` under
/// `components: schemas:` (which becomes a doc comment in the generated types), and the line's
/// number.
fn edit_a_description(text: &str) -> Option<(usize, String)> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let schemas = lines.iter().position(|line| line == "  schemas:")?;
    let index = schemas
        + lines[schemas..].iter().position(|line| {
            let Some(value) = line.trim_start().strip_prefix("description: ") else {
                return false;
            };
            // A plain scalar that stays one after the edit: no quotes, block or flow syntax.
            value.starts_with(|c: char| c.is_ascii_alphabetic())
                && !value.contains(": ")
                && !value.contains(" #")
                && value.ends_with('.')
        })?;
    lines[index].push_str(SPEC_EDIT);
    let mut edited = lines.join("\n");
    if text.ends_with('\n') {
        edited.push('\n');
    }
    Some((index + 1, edited))
}

/// What a command cost.
struct Timing {
    wall: Duration,
    cpu: Duration,
    /// Lines of its standard error that start with `Compiling`.
    compiled: usize,
}

/// Runs `command` (failing if it fails), echoing its standard error.
fn timed(command: &mut Command) -> Result<Timing> {
    let cpu_before = children_cpu();
    let started = Instant::now();
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let mut compiled = 0;
    for line in BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line.map_err(|e| format!("{command:?}: {e}"))?;
        if line.trim_start().starts_with("Compiling ") {
            compiled += 1;
        }
        eprintln!("{line}");
    }
    let status = child.wait().map_err(|e| format!("{command:?}: {e}"))?;
    let wall = started.elapsed();
    if !status.success() {
        return Err(format!("{command:?} failed: {status}").into());
    }
    Ok(Timing {
        wall,
        cpu: children_cpu().saturating_sub(cpu_before),
        compiled,
    })
}

/// User + system time of this process's waited-for children (and theirs); zero where the
/// system does not say.
#[cfg(target_os = "linux")]
fn children_cpu() -> Duration {
    let Ok(stat) = procfs::process::Process::myself().and_then(|process| process.stat()) else {
        return Duration::ZERO;
    };
    let ticks = u64::try_from(stat.cutime + stat.cstime).unwrap_or(0);
    Duration::from_secs_f64(ticks as f64 / procfs::ticks_per_second() as f64)
}

#[cfg(not(target_os = "linux"))]
fn children_cpu() -> Duration {
    Duration::ZERO
}

/// The median of `values`; no number if there are none.
fn median_f64(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// The median of `values`, which must not be empty.
fn median(values: &[Duration]) -> Duration {
    Duration::from_secs_f64(median_f64(
        values.iter().map(Duration::as_secs_f64).collect(),
    ))
}

fn budget_build(root: &Path, quick: bool, report: &mut Report) -> Result<()> {
    let base = target_dir(root).join("bench-build");
    let manifest: toml::Table = toml::from_str(
        &fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?,
    )
    .map_err(|e| format!("Cargo.toml: {e}"))?;
    let workspace_dependency = |name: &str| -> Result<String> {
        let value = manifest
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.get(name))
            .ok_or_else(|| format!("no `{name}` in [workspace.dependencies]"))?;
        Ok(format!("{name} = {}", inline_toml(value)))
    };
    // The same reqwest and TLS crates as the client, from the workspace's own lines.
    let bare_dependencies = ["reqwest", "rustls", "rustls-platform-verifier"]
        .iter()
        .map(|name| workspace_dependency(name))
        .collect::<Result<Vec<_>>>()?
        .join("\n");
    let client_path = root.join("crates").join(CLIENT_PACKAGE);
    let crates = [
        (
            "bare",
            bare_dependencies,
            "fn main() {\n    let provider = rustls::crypto::ring::default_provider();\n    \
             let _ = (reqwest::Client::builder(), provider, rustls_platform_verifier::Verifier::new);\n}\n",
            String::new(),
        ),
        (
            "client",
            format!(
                "{CLIENT_PACKAGE} = {{ path = {:?} }}",
                client_path.display().to_string()
            ),
            "fn main() {\n    let _ = enkash_customer_search::Client::new(\"https://example.com\");\n}\n",
            // Cargo builds a path dependency incrementally, which makes a cold build slower and
            // which a user's build of this crate from a registry never does.
            format!(
                "# Built as from a registry: a path dependency would be incremental.\n\
                 [profile.dev.package.{CLIENT_PACKAGE}]\nincremental = false\n\n"
            ),
        ),
    ];
    for (name, dependencies, main, profile) in &crates {
        let dir = base.join(name);
        fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let cargo_toml = format!(
            "# Written by `cargo xtask bench`: a user's crate, to time a cold build of.\n\
             [package]\nname = \"build-cost-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n{dependencies}\n\n{profile}\
             # Not part of the project's workspace.\n[workspace]\n"
        );
        fs::write(dir.join("Cargo.toml"), cargo_toml).map_err(|e| format!("{e}"))?;
        fs::write(dir.join("src/main.rs"), main).map_err(|e| format!("{e}"))?;
        // The workspace's versions of everything.
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| format!("{e}"))?;
    }
    // Paired rounds, as the other budgets' ratios: each round builds both crates back to
    // back, and the verdict is the median of the rounds' ratios, which a slow spell of the
    // machine moves less than a ratio of means.
    let rounds = if quick { 1 } else { 5 };
    let mut timings: BTreeMap<&str, Vec<Timing>> = BTreeMap::new();
    for round in 1..=rounds {
        // Alternating which goes first, as the other paired rounds do.
        let mut order: Vec<_> = crates.iter().map(|(name, ..)| *name).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        for name in order {
            let dir = base.join(name);
            let target = dir.join("target");
            let _ = fs::remove_dir_all(&target);
            eprintln!("cold build {round}/{rounds} of {}", dir.display());
            let timing = timed(
                Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                    .current_dir(&dir)
                    .env("CARGO_TARGET_DIR", &target)
                    .env("CARGO_TERM_PROGRESS_WHEN", "never")
                    .arg("build"),
            )?;
            eprintln!(
                "{name}: {:.1} s wall, {:.1} s CPU, {} crates compiled",
                timing.wall.as_secs_f64(),
                timing.cpu.as_secs_f64(),
                timing.compiled
            );
            timings.entry(name).or_default().push(timing);
        }
    }
    let wall = |t: &Timing| t.wall.as_secs_f64();
    let cpu = |t: &Timing| t.cpu.as_secs_f64();
    let compiled = |t: &Timing| t.compiled as f64;
    let median_of =
        |name: &str, f: &dyn Fn(&Timing) -> f64| median_f64(timings[name].iter().map(f).collect());
    let ratio = |f: &dyn Fn(&Timing) -> f64| {
        // Where the system does not say, CPU time is zero and its ratios are no number.
        let ratios: Vec<f64> = timings["client"]
            .iter()
            .zip(&timings["bare"])
            .map(|(client, bare)| f(client) / f(bare))
            .filter(|ratio| ratio.is_finite())
            .collect();
        let (min, max) = ratios
            .iter()
            .fold((f64::NAN, f64::NAN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        PairedRatio {
            median: median_f64(ratios.clone()),
            min,
            max,
            rounds: ratios.len() as f64,
        }
    };
    let verdict = |f: &dyn Fn(&Timing) -> f64| {
        let paired = ratio(f);
        let text = format!(
            "{:.3}× ({}; medians {:.1} s ÷ {:.1} s)",
            paired.median,
            paired.spread(),
            median_of("client", f),
            median_of("bare", f)
        );
        (paired.median, text)
    };
    let (value, text) = verdict(&wall);
    report.row("build_wall", value, text)?;
    let (value, text) = verdict(&cpu);
    report.row("build_cpu", value, text)?;
    let builds = table(
        [
            "crate",
            "run",
            "wall",
            "CPU (user + sys)",
            "crates compiled",
        ],
        timings.iter().flat_map(|(name, runs)| {
            runs.iter().enumerate().map(move |(round, t)| {
                [
                    name.to_string(),
                    (round + 1).to_string(),
                    format!("{:.1} s", t.wall.as_secs_f64()),
                    format!("{:.1} s", t.cpu.as_secs_f64()),
                    t.compiled.to_string(),
                ]
            })
        }),
    );
    let added = table(
        ["crates the client adds"],
        [[format!(
            "{:.0}",
            median_of("client", &compiled) - median_of("bare", &compiled)
        )]],
    );
    report
        .details
        .push(("5. Build cost", format!("{builds}\n{added}")));
    Ok(())
}

/// A TOML value as an inline value (`{ version = "1", features = ["a"] }`).
fn inline_toml(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline_toml).collect::<Vec<_>>().join(", ")
        ),
        toml::Value::Table(table) => format!(
            "{{ {} }}",
            table
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline_toml(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        toml::Value::Datetime(d) => d.to_string(),
    }
}

/// What the numbers were measured on.
struct Machine {
    date: String,
    cpu: String,
    cores: String,
    memory: String,
    load: String,
    rustc: String,
    cargo: String,
}

impl Machine {
    fn read(root: &Path) -> Machine {
        let output = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .current_dir(root)
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string())
        };
        Machine {
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            cpu: cpu_model(),
            cores: std::thread::available_parallelism()
                .map_or_else(|_| "unknown".to_string(), |n| n.to_string()),
            memory: memory(),
            load: load_average(),
            rustc: output("rustc", &["-V"]),
            cargo: output("cargo", &["-V"]),
        }
    }
}

#[cfg(target_os = "linux")]
fn cpu_model() -> String {
    use procfs::Current;
    procfs::CpuInfo::current()
        .ok()
        .and_then(|info| info.model_name(0).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(target_os = "linux")]
fn memory() -> String {
    use procfs::Current;
    procfs::Meminfo::current().map_or_else(
        |_| "unknown".to_string(),
        |info| format!("{:.1} GiB", info.mem_total as f64 / f64::from(1 << 30)),
    )
}

#[cfg(target_os = "linux")]
fn load_average() -> String {
    use procfs::Current;
    procfs::LoadAverage::current().map_or_else(
        |_| "unknown".to_string(),
        |load| format!("{:.2} {:.2} {:.2}", load.one, load.five, load.fifteen),
    )
}

#[cfg(not(target_os = "linux"))]
fn cpu_model() -> String {
    "unknown".to_string()
}

#[cfg(not(target_os = "linux"))]
fn memory() -> String {
    "unknown".to_string()
}

#[cfg(not(target_os = "linux"))]
fn load_average() -> String {
    "unknown".to_string()
}

/// `old` with the generated section replaced by `section` (or a new file around it).
fn splice(old: &str, section: &str) -> String {
    match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            let rest = old[end + END.len()..].trim_start_matches('\n');
            let gap = if rest.is_empty() { "" } else { "\n" };
            format!("{}{section}{gap}{rest}", &old[..begin])
        }
        _ => format!(
            "# Benchmarks\n\nThe performance budgets of the client and how they are measured. \
             Run `cargo xtask bench` to refresh the numbers below.\n\n{section}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_rounds_odd_even_and_none() {
        assert_eq!(median_f64(vec![1.31, 1.22, 1.26]), 1.26);
        assert_eq!(median_f64(vec![1.4, 1.2, 1.1, 1.3]), 1.25);
        assert!(median_f64(Vec::new()).is_nan());
    }

    #[test]
    fn every_budget_the_code_names_is_in_the_data_file_with_its_limit() {
        let budgets = Budget::all().unwrap();
        let source = include_str!("bench.rs");
        for (id, _) in &budgets {
            assert!(
                source.contains(&format!("report.row(\n        \"{id}\"",))
                    || source.contains(&format!("report.row(\"{id}\"")),
                "budgets.toml has `{id}`, which no row of the code uses"
            );
        }
        assert_eq!(budgets.len(), 12);
        let codegen = Budget::find("codegen").unwrap();
        assert_eq!(codegen.limit_text(), "≤ 0.5 s");
        assert!(codegen.is_met(0.5) && !codegen.is_met(0.51));
        let speedup = Budget::find("decode_speedup").unwrap();
        assert_eq!(speedup.limit_text(), "≥ 1.8×");
        assert!(speedup.is_met(2.0) && !speedup.is_met(1.7));
        assert!(Budget::find("nonsense").is_err());
    }

    #[test]
    fn results_are_read_from_the_target_directory_the_benches_are_built_in() {
        // This test binary is `<target dir>/<profile>/deps/xtask-<hash>`, wherever
        // CARGO_TARGET_DIR or build.target-dir put it.
        let exe = std::env::current_exe().unwrap();
        let built_in = exe.ancestors().nth(3).unwrap();
        assert_eq!(
            target_dir(&project_root().unwrap()).canonicalize().unwrap(),
            built_in.canonicalize().unwrap()
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_machine_is_described_from_the_kernel() {
        let machine = Machine::read(&project_root().unwrap());
        assert!(machine.memory.ends_with(" GiB"), "{}", machine.memory);
        assert_ne!(machine.cpu, "unknown");
        assert_eq!(machine.load.split(' ').count(), 3, "{}", machine.load);
        // A child that burns CPU is counted once it is waited for.
        let before = children_cpu();
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(children_cpu() > before, "children's CPU time did not grow");
    }

    #[test]
    fn a_table_is_markdown_with_a_rule_under_its_header() {
        let text = table(
            ["a", "b"],
            [["1".to_string(), "2".to_string()], ["3".into(), "4".into()]],
        );
        assert_eq!(text, "| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |\n");
    }

    #[test]
    fn the_generated_section_is_replaced_and_the_rest_kept() {
        let old = format!("# B\n\nintro\n\n{BEGIN}\nold numbers\n{END}\n\n## Analysis\n");
        let new = splice(&old, &format!("{BEGIN}\nnew numbers\n{END}\n"));
        assert_eq!(
            new,
            format!("# B\n\nintro\n\n{BEGIN}\nnew numbers\n{END}\n\n## Analysis\n")
        );
        assert!(splice("", "S").ends_with("S"));
    }

    #[test]
    fn the_spec_edit_changes_one_description_and_keeps_the_yaml_valid() {
        let root = project_root().unwrap();
        let text = fs::read_to_string(root.join(codegen::TARGETS[0].spec)).unwrap();
        let (line, edited) = edit_a_description(&text).unwrap();
        assert!(edited.lines().nth(line - 1).unwrap().ends_with(SPEC_EDIT));
        assert_eq!(edited.len(), text.len() + SPEC_EDIT.len());
        let document: serde_json::Value = serde_norway::from_str(&edited).unwrap();
        assert!(
            document["components"]["schemas"]
                .to_string()
                .contains(SPEC_EDIT.trim())
        );
    }

    #[test]
    fn workspace_dependencies_become_inline_tables() {
        let table: toml::Table = toml::from_str(
            "a = { version = \"1\", features = [\"x\", \"y\"], default-features = false }",
        )
        .unwrap();
        let inline = inline_toml(&table["a"]);
        for part in [
            "version = \"1\"",
            "features = [\"x\", \"y\"]",
            "default-features = false",
        ] {
            assert!(inline.contains(part), "{inline}");
        }
        let parsed: toml::Table = toml::from_str(&format!("a = {inline}")).unwrap();
        assert_eq!(parsed, table);
    }
}
