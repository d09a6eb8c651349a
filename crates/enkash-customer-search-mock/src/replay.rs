//! [`Replay`]: a server on 127.0.0.1 that answers from a cassette (recorded with the client's
//! `CallOptions::record` or the CLI's `--record`), so that a downstream test runs against the
//! shapes EnKash really sent, with no network and no account.
//!
//! A search is matched against the recorded ones by method, path, query (its parameters,
//! their order aside) and body (as JSON, key order aside). A match is answered with the
//! recorded status, headers and body; requests that match the same recorded request get its
//! recorded answers in order (a 503 and then the page, as the run went), and the last one again
//! after that. Anything else is a 404 with EnKash's error envelope whose message names the
//! nearest recorded request (same method and path, fewest query parameters and top-level body
//! fields that differ) and what differs. The token call (`POST /oauth/token`, never recorded)
//! is answered with a token whatever the credentials, and a search is answered whatever its
//! bearer token: a replay checks what was recorded, not authentication.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use enkash_customer_search::Client;
use enkash_customer_search::cassette::CASSETTE_FORMAT;
use enkash_customer_search::spec::GET_TOKEN_PATH;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::sandbox::envelope::{ApiError, json_response};
use crate::sandbox::faults::ErrorTypeOnWire;

/// The token every token call gets (any other will do as well).
pub const REPLAY_TOKEN: &str = "replay-token";
/// The most characters of a request's query or body quoted in a refusal.
const QUOTED: usize = 300;

/// A running replay of a cassette; stops when dropped.
#[derive(Debug)]
pub struct Replay {
    base_url: String,
    state: Arc<ReplayState>,
    shutdown: Option<oneshot::Sender<()>>,
}

#[derive(Debug)]
struct ReplayState {
    exchanges: Vec<Exchange>,
    /// For each request seen, how many of its recorded answers have been served.
    served: Mutex<HashMap<usize, usize>>,
    unmatched: Mutex<usize>,
}

/// One recorded exchange.
#[derive(Debug)]
struct Exchange {
    line: usize,
    method: String,
    path: String,
    query: BTreeMap<String, Vec<String>>,
    body: Value,
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    response: Bytes,
}

impl Replay {
    /// Reads the cassette at `path` and starts serving it. Fails on a file that cannot be read,
    /// a header of another format, or a line that is not an exchange (naming the line).
    pub async fn start(path: impl AsRef<Path>) -> std::io::Result<Replay> {
        Replay::start_on(path, 0).await
    }

    /// [`start`](Self::start) on `port` of 127.0.0.1 (0: any free port).
    pub async fn start_on(path: impl AsRef<Path>, port: u16) -> std::io::Result<Replay> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot read the cassette {}: {e}", path.display()),
            )
        })?;
        Replay::serve(&text, port).await
    }

    /// Serves the cassette whose text is `cassette`, on any free port.
    pub async fn from_cassette(cassette: &str) -> std::io::Result<Replay> {
        Replay::serve(cassette, 0).await
    }

    async fn serve(cassette: &str, port: u16) -> std::io::Result<Replay> {
        let exchanges = parse(cassette).map_err(std::io::Error::other)?;
        let state = Arc::new(ReplayState {
            exchanges,
            served: Mutex::default(),
            unmatched: Mutex::default(),
        });
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&state));
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let address = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                eprintln!("enkash replay: the server stopped: {error}");
            }
        });
        Ok(Replay {
            base_url: format!("http://{address}"),
            state,
            shutdown: Some(shutdown),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A client of this replay (any bearer token will do).
    pub fn client(&self) -> Client {
        Client::builder(&self.base_url)
            .bearer_token(REPLAY_TOKEN.to_string())
            .build()
            .expect("a client of a local replay")
    }

    /// How many exchanges the cassette holds.
    pub fn exchanges(&self) -> usize {
        self.state.exchanges.len()
    }

    /// How many requests matched no recorded one.
    pub fn unmatched(&self) -> usize {
        *self
            .state
            .unmatched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn parse(cassette: &str) -> Result<Vec<Exchange>, String> {
    let mut lines = cassette
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let (_, header) = lines.next().ok_or("the cassette is empty")?;
    let header: Value = serde_json::from_str(header)
        .map_err(|e| format!("line 1 is not a cassette header: {e}"))?;
    if header["cassette"] != "enkash-customer-search" || header["format"] != CASSETTE_FORMAT {
        return Err(format!(
            "line 1 is not the header of a cassette of format {CASSETTE_FORMAT}: {}",
            quote(&header.to_string())
        ));
    }
    lines
        .map(|(index, line)| {
            exchange(index + 1, line).map_err(|e| format!("line {}: {e}", index + 1))
        })
        .collect()
}

fn exchange(line: usize, text: &str) -> Result<Exchange, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let string = |name: &str| {
        value[name]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("no string `{name}`"))
    };
    let status = value["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or("no HTTP status `status`")?;
    let headers = value["response_headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| {
            Some((
                HeaderName::try_from(name.as_str()).ok()?,
                HeaderValue::from_str(value.as_str()?).ok()?,
            ))
        })
        .collect();
    let response = match &value["response_body"] {
        Value::String(text) => Bytes::from(text.clone().into_bytes()),
        Value::Null => Bytes::new(),
        body => Bytes::from(serde_json::to_vec(body).map_err(|e| e.to_string())?),
    };
    Ok(Exchange {
        line,
        method: string("method")?,
        path: string("path")?,
        query: query_pairs(value["query"].as_str()),
        body: value["request_body"].clone(),
        status,
        headers,
        response,
    })
}

fn query_pairs(query: Option<&str>) -> BTreeMap<String, Vec<String>> {
    let mut pairs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        pairs
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    pairs
}

fn body_value(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn answer(
    State(state): State<Arc<ReplayState>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    if method == Method::POST && uri.path() == GET_TOKEN_PATH {
        return json_response(
            StatusCode::OK,
            &json!({
                "access_token": REPLAY_TOKEN,
                "token_type": "bearer",
                "expires_in": 3600,
            }),
        );
    }
    let query = query_pairs(uri.query());
    let body = body_value(&body);
    let matching: Vec<usize> = state
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.method == method.as_str() && e.path == uri.path())
        .filter(|(_, e)| e.query == query && e.body == body)
        .map(|(index, _)| index)
        .collect();
    let Some(&first) = matching.first() else {
        *state
            .unmatched
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        let message = refusal(&state.exchanges, &method, &uri, &query, &body);
        return ApiError::new(StatusCode::NOT_FOUND, message)
            .into_response_with(ErrorTypeOnWire::Known);
    };
    let chosen = {
        let mut served = state.served.lock().unwrap_or_else(PoisonError::into_inner);
        let count = served.entry(first).or_default();
        let chosen = matching[(*count).min(matching.len() - 1)];
        *count += 1;
        chosen
    };
    let exchange = &state.exchanges[chosen];
    let mut response = (exchange.status, exchange.response.clone()).into_response();
    for (name, value) in &exchange.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// Why nothing matched, naming the nearest recorded request and what differs from it.
fn refusal(
    exchanges: &[Exchange],
    method: &Method,
    uri: &Uri,
    query: &BTreeMap<String, Vec<String>>,
    body: &Value,
) -> String {
    let mut message = format!(
        "no recorded exchange matches {method} {}",
        quote(&uri.to_string())
    );
    let nearest = exchanges
        .iter()
        .filter(|e| e.method == method.as_str() && e.path == uri.path())
        .map(|e| (differences(e, query, body), e))
        .min_by_key(|(differences, e)| (differences.len(), e.line));
    match nearest {
        None => {
            let _ = write!(
                message,
                "; the cassette has no {method} {}",
                quote(uri.path())
            );
        }
        Some((differences, exchange)) => {
            let _ = write!(
                message,
                "; the nearest recorded one (line {}) differs in {}",
                exchange.line,
                differences.join(", ")
            );
        }
    }
    message
}

fn differences(
    exchange: &Exchange,
    query: &BTreeMap<String, Vec<String>>,
    body: &Value,
) -> Vec<String> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        exchange.query.keys().chain(query.keys()).collect();
    for name in names {
        let (recorded, sent) = (exchange.query.get(name), query.get(name));
        if recorded != sent {
            out.push(format!(
                "query {name} (recorded {}, sent {})",
                shown(recorded.map(|v| v.join(","))),
                shown(sent.map(|v| v.join(",")))
            ));
        }
    }
    match (&exchange.body, body) {
        (Value::Object(recorded), Value::Object(sent)) => {
            let names: std::collections::BTreeSet<&String> =
                recorded.keys().chain(sent.keys()).collect();
            for name in names {
                let (r, s) = (recorded.get(name), sent.get(name));
                if r != s {
                    out.push(format!(
                        "body {name} (recorded {}, sent {})",
                        shown(r.map(Value::to_string)),
                        shown(s.map(Value::to_string))
                    ));
                }
            }
        }
        (recorded, sent) if recorded != sent => out.push(format!(
            "the body (recorded {}, sent {})",
            quote(&recorded.to_string()),
            quote(&sent.to_string())
        )),
        _ => {}
    }
    out
}

fn shown(value: Option<String>) -> String {
    value.map_or_else(|| "none".to_string(), |v| quote(&v))
}

/// `text` cut to [`QUOTED`] characters, control characters escaped.
fn quote(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(QUOTED)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().count() > QUOTED {
        out.push('…');
    }
    out
}
