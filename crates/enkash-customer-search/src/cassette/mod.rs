//! Cassettes: a run's exchanges with EnKash, recorded so that the spec's curator can see the
//! shapes EnKash really sends and downstream tests can replay them.
//!
//! A cassette is JSON lines. The first line is a header:
//! `{"cassette":"enkash-customer-search","format":1,"api_version":"<the spec's info.version>"}`;
//! each other line is one exchange (one attempt: a retried search is two):
//! `{"method","path","query","request_body","status","response_headers","response_body"}`.
//! `query` is the query string as sent (or `null`), `request_body` the JSON body as sent (or
//! `null`), `response_headers` only those that matter to a replay (content type, request id,
//! `Retry-After`), and `response_body` the body as JSON when it is JSON, else as text.
//!
//! Everything is scrubbed before it is written: every secret the client knows (its password,
//! client secret, tokens) wherever it appears, and in responses every value of a customer
//! record replaced by a stand-in of the same type and form (see `stand_ins.rs`), and every
//! value of the envelope but `recordsCount`, `response_code`, `response_message` and enum
//! values (the error's type). The caller's own filters and paging stay as sent: they are the
//! caller's, and replay matches on them. Each line is written
//! and flushed as its exchange ends, so a run cut short keeps what it recorded.

mod stand_ins;

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::hooks::SentRequest;
use crate::redact::Secrets;
use stand_ins::StandIns;

/// The version of the cassette format this crate writes.
pub const CASSETTE_FORMAT: u32 = 1;

/// The response headers a cassette keeps.
const KEPT_HEADERS: [&str; 3] = ["content-type", "x-request-id", "retry-after"];

/// Where the calls made with [`CallOptions::record`](crate::CallOptions::record) write their
/// exchanges, scrubbed (see the [module](self) for the format). Cheap to clone: clones write
/// to the same cassette, so one can record a call, a stream or a whole job.
///
/// ```no_run
/// use enkash_customer_search::{CallOptions, Cassette, Client, SearchQuery};
///
/// # async fn job(client: Client) -> Result<(), Box<dyn std::error::Error>> {
/// let cassette = Cassette::create("customers.cassette.jsonl")?;
/// let recording = client.with_options(CallOptions::new().record(&cassette));
/// let mut customers = recording.search_all(SearchQuery::new());
/// while let Some(customer) = customers.next().await {
///     customer?;
/// }
/// cassette.finish()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Cassette(Arc<Mutex<Recorder>>);

struct Recorder {
    out: Box<dyn Write + Send>,
    stand_ins: StandIns,
    exchanges: u64,
    /// The first write that failed; later exchanges are not written.
    failed: Option<io::Error>,
}

impl fmt::Debug for Cassette {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cassette")
            .field("exchanges", &self.exchanges())
            .finish_non_exhaustive()
    }
}

impl Cassette {
    /// A cassette written to a new file at `path` (an existing one is replaced); its header
    /// is written at once.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Cassette> {
        Cassette::to_writer(BufWriter::new(File::create(path)?))
    }

    /// A cassette written to `out`; its header is written at once.
    pub fn to_writer(out: impl Write + Send + 'static) -> io::Result<Cassette> {
        let mut recorder = Recorder {
            out: Box::new(out),
            stand_ins: StandIns::new(),
            exchanges: 0,
            failed: None,
        };
        recorder.line(&header())?;
        Ok(Cassette(Arc::new(Mutex::new(recorder))))
    }

    /// How many exchanges have been written.
    pub fn exchanges(&self) -> u64 {
        self.lock().exchanges
    }

    /// Flushes the cassette; the error of the first write that failed, if one did (no
    /// exchange after it was written, nor will be).
    pub fn finish(&self) -> io::Result<()> {
        let mut recorder = self.lock();
        if let Some(error) = &recorder.failed {
            return Err(io::Error::new(error.kind(), error.to_string()));
        }
        recorder.out.flush()
    }

    fn lock(&self) -> MutexGuard<'_, Recorder> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one search exchange, scrubbed.
    pub(crate) fn record_search(&self, exchange: SearchExchange<'_>, secrets: &Secrets) {
        let mut recorder = self.lock();
        if recorder.failed.is_some() {
            return;
        }
        let response_body = match serde_json::from_slice::<Value>(exchange.response_body) {
            Ok(value) => recorder.stand_ins.search_response(value),
            Err(_) => Value::String(recorder.stand_ins.text(exchange.response_body)),
        };
        let request_body = exchange
            .request
            .body
            .as_deref()
            .map(|body| {
                serde_json::from_slice::<Value>(body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
            })
            .unwrap_or(Value::Null);
        let headers: serde_json::Map<String, Value> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = exchange.response_headers.get(*name)?.to_str().ok()?;
                Some((name.to_string(), Value::String(value.to_string())))
            })
            .collect();
        let mut line = json!({
            "method": exchange.request.method,
            "path": exchange.request.path,
            "query": exchange.request.query,
            "request_body": request_body,
            "status": exchange.status.as_u16(),
            "response_headers": headers,
            "response_body": response_body,
        });
        secrets.scrub_json(&mut line);
        if let Err(error) = recorder.line(&line) {
            tracing::warn!(%error, "the cassette could not be written; recording stops");
            recorder.failed = Some(error);
            return;
        }
        recorder.exchanges += 1;
    }
}

impl Recorder {
    fn line(&mut self, value: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

fn header() -> Value {
    json!({
        "cassette": "enkash-customer-search",
        "format": CASSETTE_FORMAT,
        "api_version": api_version(),
    })
}

/// The spec's `info.version`, which the crate's version carries as build metadata
/// (`cargo xtask codegen` checks that it does).
fn api_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
        .split_once('+')
        .map_or("", |(_, api)| api)
}

/// One search attempt as it went over the wire.
pub(crate) struct SearchExchange<'a> {
    pub request: &'a SentRequest,
    pub status: StatusCode,
    pub response_headers: &'a HeaderMap,
    pub response_body: &'a [u8],
}
