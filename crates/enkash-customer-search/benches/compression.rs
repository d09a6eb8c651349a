//! Compression over a WAN: 100,000 customers through `search_all` (pages of 5,000, one in
//! flight) from the sandbox's pages, recorded once and replayed through one link of 10 MB/s.
//! Each encoding is compressed once before the walks, so the server's compression costs
//! nothing, as from a remote EnKash: identity, gzip, and zstd when the client has its `zstd`
//! feature. Wall time and body bytes on the wire per walk, in paired rounds (each round walks
//! every encoding, the order rotating from round to round); `wan_ratio_<encoding>` is the
//! median over the rounds of that encoding's walk ÷ identity's in the same round.
//!
//! And what decompression costs the client's CPU: the first page of 5,000 through
//! `Client::search` from the same replay without the link, gzip'd and as identity, in paired
//! rounds (`decode_ratio_gzip`, the median of gzip ÷ identity) and in criterion runs (group
//! `compression_decode`, which also inflates the gzip'd page alone: what no client avoids).

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use criterion::SamplingMode;
use enkash_customer_search::{CallOptions, Client, SearchQuery};
use support::{Paired, Replay, Results, SandboxProcess};

const CUSTOMERS: usize = 100_000;
const PAGE: usize = 5_000;
/// The link's speed: about a WAN link's.
const BANDWIDTH: u64 = 10_000_000;

/// One encoding: its name, and a client that asks for it alone.
struct Encoding {
    name: &'static str,
    client: fn(&str) -> Client,
}

fn identity_client(base_url: &str) -> Client {
    Client::builder(base_url)
        .bearer_token("replayed".to_string())
        .compression(false)
        .build()
        .expect("a client")
}

fn gzip_client(base_url: &str) -> Client {
    Client::builder(base_url)
        .bearer_token("replayed".to_string())
        .build()
        .expect("a client")
        .with_options(CallOptions::new().header("accept-encoding", "gzip"))
}

/// With the `zstd` feature, the client's default asks for zstd and gzip; the replay answers
/// zstd, its first choice.
#[cfg(feature = "zstd")]
fn zstd_client(base_url: &str) -> Client {
    Client::builder(base_url)
        .bearer_token("replayed".to_string())
        .build()
        .expect("a client")
}

fn zstd_encoding() -> Option<Encoding> {
    #[cfg(feature = "zstd")]
    return Some(Encoding {
        name: "zstd",
        client: zstd_client,
    });
    #[cfg(not(feature = "zstd"))]
    None
}

fn main() {
    support::serve_if_asked();
    let runtime = support::runtime();
    let mut results = Results::new("compression");
    let quick = support::quick();

    let recorded = {
        let server = SandboxProcess::start(CUSTOMERS, Duration::ZERO);
        let http = support::reqwest_client();
        runtime.block_on(async {
            let mut pages = Vec::new();
            for offset in (0..CUSTOMERS).step_by(PAGE) {
                pages.push(Bytes::from(
                    support::raw_page(&http, &server, offset, PAGE).await.1,
                ));
            }
            pages
        })
    };
    let gzip: Vec<Bytes> = recorded.iter().map(|page| gzipped(page)).collect();
    let identity = Arc::new(recorded);
    let gzip = Arc::new(gzip);
    let total = |pages: &[Bytes]| pages.iter().map(Bytes::len).sum::<usize>() as f64;
    results.metric("bytes_identity", total(&identity));
    results.metric("bytes_gzip", total(&gzip));
    let encodings: Vec<Encoding> = [
        Encoding {
            name: "identity",
            client: identity_client,
        },
        Encoding {
            name: "gzip",
            client: gzip_client,
        },
    ]
    .into_iter()
    .chain(zstd_encoding())
    .collect();
    let replay = |bandwidth: Option<u64>| {
        let mut replay = Replay::identity(Arc::clone(&identity), PAGE);
        #[cfg(feature = "zstd")]
        {
            let zstd: Vec<Bytes> = identity
                .iter()
                .map(|page| Bytes::from(zstd::encode_all(&page[..], 3).expect("zstd")))
                .collect();
            replay = replay.encoded("zstd", Arc::new(zstd));
        }
        replay = replay.encoded("gzip", Arc::clone(&gzip));
        if let Some(bandwidth) = bandwidth {
            replay = replay.bandwidth(bandwidth);
        }
        replay
    };

    // Paired walks over the limited link.
    let wan = replay(Some(BANDWIDTH));
    let sent = wan.sent();
    let wan_url = wan.serve();
    let rounds = if quick { 1 } else { 3 };
    results.metric("wan_rounds", rounds as f64);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); encodings.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); encodings.len()];
    for round in 0..rounds {
        let mut this_round = vec![0.0; encodings.len()];
        for step in 0..encodings.len() {
            let index = (round + step) % encodings.len();
            let encoding = &encodings[index];
            let client = (encoding.client)(&wan_url);
            let before = sent.load(Ordering::Relaxed);
            let started = Instant::now();
            runtime.block_on(support::walk_all(&client, PAGE, CUSTOMERS, 1));
            let took = started.elapsed().as_secs_f64();
            let bytes = sent.load(Ordering::Relaxed) - before;
            eprintln!(
                "compression: round {round}, {}: {took:.3} s, {bytes} bytes on the wire",
                encoding.name
            );
            results.metric(format!("wan_bytes_{}", encoding.name), bytes as f64);
            this_round[index] = took;
        }
        for (index, took) in this_round.iter().enumerate() {
            times[index].push(*took);
            ratios[index].push(took / this_round[0]);
        }
    }
    for (index, encoding) in encodings.iter().enumerate() {
        let seconds = support::median(&mut times[index]);
        results.metric(format!("wan_seconds_{}", encoding.name), seconds * 1e9);
        let ratio = support::median(&mut ratios[index]);
        results.metric(format!("wan_ratio_{}", encoding.name), ratio);
    }

    // Decompression's CPU: one page, no link.
    let open_url = replay(None).serve();
    let identity_client = identity_client(&open_url);
    let gzip_client = gzip_client(&open_url);
    let one_page = |client: &Client| {
        let page = runtime
            .block_on(client.search(SearchQuery::new().limit(PAGE as i32)))
            .expect("the page");
        assert_eq!(page.customers.len(), PAGE);
        std::hint::black_box(page);
    };
    let rounds = if quick { 7 } else { 21 };
    let paired = Paired::measure(
        rounds,
        timed(&one_page, &gzip_client),
        timed(&one_page, &identity_client),
    );
    results.metric("decode_rounds", rounds as f64);
    results.metric("decode_ratio_gzip", paired.median);
    results.metric("page_bytes_identity", identity[0].len() as f64);
    results.metric("page_bytes_gzip", gzip[0].len() as f64);

    let mut criterion = support::criterion();
    let mut group = criterion.benchmark_group("compression_decode");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(if quick { 2 } else { 5 }));
    group.bench_function("identity", |b| b.iter(|| one_page(&identity_client)));
    group.bench_function("gzip", |b| b.iter(|| one_page(&gzip_client)));
    // What no client can avoid: the page inflated, and nothing else.
    group.bench_function("inflate", |b| b.iter(|| inflated(&gzip[0])));
    group.finish();
    criterion.final_summary();
    results.criterion_median("compression_decode", "identity");
    results.criterion_median("compression_decode", "gzip");
    results.criterion_median("compression_decode", "inflate");
    results.write();
}

/// `page` gzip'd at flate2's default level, as a gateway would.
fn gzipped(page: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(page).expect("into memory");
    Bytes::from(encoder.finish().expect("into memory"))
}

/// `page` inflated by zlib-rs, as the client does, but in one call into one buffer: what no
/// client can avoid (the client feeds it the body as it comes, member by member).
fn inflated(page: &[u8]) -> Vec<u8> {
    let mut inflate = zlib_rs::Inflate::new(true, 16 + 15);
    let mut decoded = vec![0; page.len() * 8];
    let status = inflate
        .decompress(page, &mut decoded, zlib_rs::InflateFlush::Finish)
        .expect("gzip");
    assert_eq!(
        status,
        zlib_rs::Status::StreamEnd,
        "room for the whole page"
    );
    decoded.truncate(usize::try_from(inflate.total_out()).expect("in memory"));
    decoded
}

/// `one_page` through `client`, timed.
fn timed<'a>(one_page: &'a impl Fn(&Client), client: &'a Client) -> impl FnMut() -> Duration + 'a {
    move || {
        let started = Instant::now();
        one_page(client);
        started.elapsed()
    }
}
