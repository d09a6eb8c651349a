//! [`Sandbox`]: a local stand-in for EnKash's customer search API, a real HTTP server on
//! 127.0.0.1 with a seeded data set of Indian business customers.
//!
//! # Why
//!
//! EnKash's UAT needs credentials that lock after 3 failed logins, holds data nobody controls,
//! and cannot be asked to fail on cue. Stubs (this crate's typed httpmock helpers,
//! [`MockServerExt`](crate::MockServerExt)) answer exactly what a test scripts, so they cannot
//! show that a client's paging, filters or token handling work against a server that behaves
//! like the real one. The sandbox sits in between: it implements the whole contract of
//! `openapi/customer-search.yaml` (the password-grant token call with its lockout, bearer
//! checks, every filter, ordering and offset/limit paging over 10,000 realistic customers,
//! EnKash's error envelope), keeps every response conformant to the spec (checked by
//! schemathesis in `.ci/schemathesis`), and injects the faults a production client must
//! survive on request ([`Faults`]).
//!
//! ```no_run
//! use enkash_customer_search::SearchQuery;
//! use enkash_customer_search_mock::Sandbox;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let page = sandbox.client().search(&SearchQuery::new().limit(10)).await?;
//! assert_eq!(page.records_count, Some(10_000));
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! - `POST /oauth/token`: see [the token rules](#the-token-call).
//! - `POST /api/v0/customer/search`: see [the search rules](#the-search).
//! - Any other method on those paths: 405 with `Allow: POST` and the error envelope
//!   (`errorType` `CLIENT_REQUEST_ERROR`); any other path: 404 with the error envelope
//!   (`RECORD_NOT_FOUND`).
//!
//! Request bodies over 8 MiB are refused with 400. Every JSON response is
//! `application/json`. Error envelopes carry a fresh UUID as `requestId` and the time in IST as
//! `timestamp`; the envelope leaves out the half it does not use (`errorResponse` on success,
//! `payload` on error) instead of sending `null`, because the spec's schema does not allow
//! `null` there. Every response is delayed by the current latency (see [`Faults`]), and carries
//! an `x-request-id` header (a fresh UUID; an error envelope's `requestId` is the same one).
//!
//! # The token call
//! | request | answer |
//! |---|---|
//! | form with `grant_type=password`, `username`, `password`, `clientId`, and `Authorization: Basic base64(clientId:clientSecret)`, all the sandbox's | 200 `{"access_token","token_type":"bearer","refresh_token","expires_in":<token lifetime in whole seconds>,"scope":"read write"}` |
//! | form with `grant_type=refresh_token`, a `refresh_token` issued and not used yet, the sandbox's `clientId` and Basic header (the refresh grant, assumed) | 200 as above, with a new refresh token (each is good once) |
//! | the refresh grant with an unknown, used or revoked ([`Sandbox::revoke_refresh_tokens`]) refresh token | 400 `{"error":"invalid_grant","error_description":"Invalid refresh token"}`; not a failed attempt (no password was sent) |
//! | not `application/x-www-form-urlencoded`, not decodable as either grant's form (a field missing, `grant_type` neither `password` nor `refresh_token`; other fields are ignored) | 400 `{"error":"invalid_request","error_description":"…"}`; not counted as a failed attempt |
//! | the username's account is locked | 401 `{"error":"invalid_grant","error_description":"User account is locked"}`, whatever the password |
//! | Basic header missing or wrong, `clientId`, username or password wrong | 401 `{"error":"invalid_grant","error_description":"Bad credentials"}`; one failed attempt for that username |
//!
//! Failed attempts are counted per username (case-insensitively, as e-mail addresses are
//! compared); the third consecutive one locks the account for the sandbox's life, and a
//! success before that resets the count. Start a new sandbox to unlock, or start it with
//! [`SandboxBuilder::lockout`] off.
//!
//! # The search
//!
//! ## Query parameters
//!
//! | parameter | accepted | default | otherwise |
//! |---|---|---|---|
//! | `limit` | an integer 1 to 5000: the page size | 50 | 400 `VALIDATION_ERROR` |
//! | `offset` | an integer 0 to 2147483647: matching records skipped | 0 | 400 |
//! | `orderBy` | a scalar `CustomerResponse` property (see below) | `id` | 400 |
//! | `direction` | `ASC` or `DESC` (upper case) | `ASC` | 400 |
//!
//! `orderBy` takes every name of [`SEARCH_CUSTOMER_ORDER_BY_VALUES`](enkash_customer_search::spec::SEARCH_CUSTOMER_ORDER_BY_VALUES)
//! (the scalar properties of `CustomerResponse`). Strings sort by their bytes (so
//! case-sensitively), numbers and date-times by value, `false` before `true`. Ties keep `id`
//! order (ascending, in either direction); without `orderBy` (or with an empty one),
//! `direction` applies to `id`. One of these four given twice is refused (400); parameters the
//! API does not have are ignored.
//!
//! ## Filters (the JSON body)
//!
//! The body is optional: absent or empty means no filter. Otherwise it must be a JSON object
//! (400 `VALIDATION_ERROR` if it is not JSON, not an object, or not sent as JSON); every set
//! filter narrows the result (AND). A filter of the wrong JSON type, or an enum value the spec
//! does not list, is a 400 whose `apiSubErrors` name the field (`field`, `rejectedValue`,
//! `message`). `null` is refused like any other wrong type (the spec's filters are not
//! nullable); properties the spec does not have are ignored.
//!
//! | filter | type | a customer matches when |
//! |---|---|---|
//! | `customerIds` | array of strings | its `customerId` is one of them (an empty array: no filter) |
//! | `companyId` | string | `companyId` equals it (every sandbox customer has `CEKSANDBOX1`) |
//! | `parentCompanyId` | string | `parentCompanyId` equals it |
//! | `ifsc` | string | `ifsc` equals it |
//! | `panOrGstin` | string | `panOrGstin` equals it |
//! | `accountNumber` | string | `accountNumber` equals it |
//! | `uniqueRefNo` | string | `uniqueRefNo` equals it |
//! | `contactNumber` | string | `contactNumber` equals it |
//! | `legalName` | string | `legalName` contains it, ignoring case |
//! | `assignedAgent` | string | `assignedAgent` contains it, ignoring case |
//! | `createdByName` | string | `createdByName` contains it, ignoring case |
//! | `modifiedByName` | string | `modifiedByName` contains it, ignoring case |
//! | `customerStatus` | `ACTIVE`, `INACTIVE`, `ALL` | `active` is `true`, `false`, either |
//! | `level` | `LEVEL_1`, `LEVEL_2`, `LEVEL_3` | its level (kept by the sandbox, not in the response) is that |
//! | `dsoFrom` | int32 | `dsoMedian >= dsoFrom` |
//! | `dsoTo` | int32 | `dsoMedian <= dsoTo` |
//! | `createdOnFrom` | RFC 3339 date-time | `createdOn` is at or after it |
//! | `createdOnTo` | RFC 3339 date-time | `createdOn` is at or before it |
//! | `modifiedOn` | RFC 3339 date-time | `modifiedOn` falls on the same calendar day as it, both in IST (UTC+05:30) |
//! | `balanceAmount` | number | `netAmount >= balanceAmount` |
//! | `selectAll` | boolean | ignored: paging is by `offset`/`limit` whatever it says |
//!
//! Exact matches are case-sensitive, and an empty string matches no customer; an empty
//! substring matches every one. Ranges whose ends are the wrong way round (`dsoFrom > dsoTo`)
//! are accepted and match nothing.
//!
//! ## Response
//!
//! 200 with the envelope: `payload.data` is the page `offset..offset + limit` of the matching
//! customers after ordering (empty past the end), `payload.recordsCount` the number of matches.
//! The order of checks: a queued [fault](Faults), then the bearer token (401
//! `UNAUTHORIZED`), then the query, then the body.
//!
//! # The data set
//!
//! `customers` (default 10,000) customers of the company `CEKSANDBOX1`, generated once at
//! start from `seed` (default 42) with `fastrand`'s seeded generator: the same seed always gives the
//! same customers, in ascending `id` order. Legal names are built from common Indian business
//! words ("Shree Ganesh Traders", "Kaveri Agro Foods Pvt Ltd"); the state decides the PIN code
//! range and the GSTIN's state code; a GSTIN carries the customer's PAN (whose fourth letter
//! says company `C`, firm `F`, proprietor `P` or HUF `H`) and a correct check character; the
//! bank decides the IFSC prefix and the account number's length. `createdOn` falls between
//! 2019-04-01 and 2024-10-10 (UTC, whole seconds) and `modifiedOn` after it. Every customer has
//! 1–3 key contacts and 0–2 reminders, and every field of the spec's `CustomerResponse`,
//! `CustomerKeyContact` and `CustomerReminder` set with its JSON type. Each customer also has a
//! level (1–3) that only the `level` filter sees.

mod auth;
mod broken_bodies;
mod data;
pub(crate) mod envelope;
pub(crate) mod faults;
mod https;
mod india;
mod link;
mod rng;
mod search;
mod urlencoded;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::post;
use enkash_customer_search::{Client, Credentials};

use crate::ThrowawayCa;
use serde_json::Value;
use tokio::sync::oneshot;

pub use faults::Faults;
pub use link::limit_bandwidth;

use data::{Customer, Render};
use envelope::ApiError;

/// The sandbox's API client id, sent in the token call's Basic header; also the id of the one
/// company (`companyId`) every customer belongs to.
pub const SANDBOX_CLIENT_ID: &str = "CEKSANDBOX1";
/// The sandbox's API client secret.
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-client-secret";
/// The sandbox's one user (the token call's `username`).
pub const SANDBOX_USERNAME: &str = "ar-ops@sandbox.enkash.test";
/// That user's password.
pub const SANDBOX_PASSWORD: &str = "sandbox-password";

use enkash_customer_search::spec::{
    GET_TOKEN_PATH as TOKEN_PATH, SEARCH_CUSTOMER_PATH as SEARCH_PATH,
};
/// The largest request body read.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// A running sandbox: an EnKash customer search API on `127.0.0.1`. It stops serving when
/// dropped (requests in flight are finished, then the connections are closed).
///
/// Start one with [`Sandbox::start`] (the defaults) or [`Sandbox::builder`]; it runs on the
/// Tokio runtime it was started on.
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    ca: Option<ThrowawayCa>,
    shutdown: Option<oneshot::Sender<()>>,
}

/// What the server and the [`Sandbox`] handle share.
pub(crate) struct Shared {
    pub customers: Vec<Customer>,
    pub dataset: OnceLock<Vec<Value>>,
    pub auth: auth::Auth,
    pub faults: Faults,
    pub forever_token: String,
    pub token_requests: AtomicUsize,
    pub search_requests: AtomicUsize,
    /// Searches being answered now, and the most there have been at once.
    pub searches_in_flight: AtomicUsize,
    pub most_searches_at_once: AtomicUsize,
}

impl Sandbox {
    /// A sandbox with the defaults: 10,000 customers from seed 42, on an ephemeral port of
    /// 127.0.0.1, tokens valid for 300 s, no latency.
    pub async fn start() -> std::io::Result<Sandbox> {
        Sandbox::builder().start().await
    }

    /// A builder for a sandbox with other settings.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Serves the cassette at `path` instead of a data set: see [`Replay`](crate::Replay).
    pub async fn replay(path: impl AsRef<std::path::Path>) -> std::io::Result<crate::Replay> {
        crate::Replay::start(path).await
    }

    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when it serves
    /// [HTTPS](SandboxBuilder::tls), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// With [HTTPS](SandboxBuilder::tls), the certificate (PEM) of the throwaway CA that
    /// signed the sandbox's: what a client must trust to reach it
    /// (`ClientBuilder::add_root_certificates`, the CLI's `--ca-cert`). `None` over plain HTTP.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(ThrowawayCa::ca_pem)
    }

    /// The sandbox's credentials: [`SANDBOX_CLIENT_ID`], [`SANDBOX_CLIENT_SECRET`],
    /// [`SANDBOX_USERNAME`] and [`SANDBOX_PASSWORD`].
    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_USERNAME,
            SANDBOX_PASSWORD,
        )
    }

    /// A bearer token the sandbox accepts for as long as it runs (it never expires), for
    /// clients built with `.bearer_token(…)` and for tools such as schemathesis.
    pub fn token(&self) -> String {
        self.shared.forever_token.clone()
    }

    /// A client of this sandbox that fetches its tokens with [`credentials`](Self::credentials),
    /// trusts its CA when it serves HTTPS, and has the client's default settings otherwise
    /// (retries included).
    pub fn client(&self) -> Client {
        let mut builder = Client::builder(self.base_url()).credentials(self.credentials());
        if let Some(pem) = self.ca_certificate_pem() {
            builder = builder.add_root_certificates(pem);
        }
        builder
            .build()
            .expect("the sandbox's base URL, credentials and CA are valid")
    }

    /// The faults to inject into the next requests.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every customer as its wire JSON (`CustomerResponse`, no fault applied), in ascending
    /// `id` order: the default order of an unfiltered search. Rendered on first call.
    pub fn dataset(&self) -> &[Value] {
        self.shared.dataset.get_or_init(|| {
            self.shared
                .customers
                .iter()
                .map(|c| c.to_json(Render::default()))
                .collect()
        })
    }

    /// How many requests `POST /oauth/token` has received since the start, whatever their
    /// outcome.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// How many password grants and how many refresh grants the token endpoint has answered
    /// (with a token or a rejection; faults and malformed forms not counted).
    pub fn grants(&self) -> (usize, usize) {
        self.shared.auth.grants()
    }

    /// Forgets every refresh token issued so far, as a server that revoked them would: the
    /// next refresh grant with one is refused (`invalid_grant`).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.auth.revoke_refresh_tokens();
    }

    /// How many requests `POST /api/v0/customer/search` has received since the start,
    /// whatever their outcome (faulted and refused ones included).
    pub fn search_requests(&self) -> usize {
        self.shared.search_requests.load(Ordering::SeqCst)
    }

    /// The most searches it has been answering at one time since the start (latency
    /// included): how many pages a client kept in flight.
    pub fn most_searches_at_once(&self) -> usize {
        self.shared.most_searches_at_once.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("customers", &self.shared.customers.len())
            .field("faults", &self.shared.faults)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may have stopped already (its runtime shut down); nothing to do then.
            let _ = shutdown.send(());
        }
    }
}

/// Settings of a [`Sandbox`]; see [`Sandbox::builder`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    customers: usize,
    seed: u64,
    latency: Duration,
    token_lifetime: Duration,
    port: u16,
    compression: bool,
    tls: bool,
    bandwidth: Option<u64>,
    lockout: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            customers: 10_000,
            seed: 42,
            latency: Duration::ZERO,
            token_lifetime: Duration::from_secs(300),
            port: 0,
            compression: false,
            tls: false,
            bandwidth: None,
            lockout: true,
        }
    }
}

impl SandboxBuilder {
    /// How many customers the data set has (10,000).
    pub fn customers(mut self, customers: usize) -> Self {
        self.customers = customers;
        self
    }

    /// The data set's seed (42): the same seed gives the same customers.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How long every response is delayed (none); [`Faults::set_latency`] changes it later.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// How long an issued token is accepted (300 s, the 5 minutes EnKash documents). The token
    /// response's `expires_in` is this in whole seconds, rounded down.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Whether a response is gzip'd when the request asks for it (`Accept-Encoding: gzip`), as
    /// a gateway in front of EnKash may do. Off by default: compressing a page of 5,000
    /// customers costs the sandbox more CPU than building it, which would show in what the
    /// client's benchmarks measure, and the transport faults shape the bytes on the wire.
    pub fn compression(mut self, enabled: bool) -> Self {
        self.compression = enabled;
        self
    }

    /// Whether it serves HTTPS instead of HTTP (off): with a certificate for `127.0.0.1` and
    /// `localhost` from a CA made at start for this sandbox alone, whose certificate
    /// [`Sandbox::ca_certificate_pem`] hands out, so that a test can reach the client's TLS
    /// path (trust roots, a stranger's certificate refused) without a file or a real CA.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Paces every response body to this many bytes a second, all responses sharing it as
    /// they would one WAN link (unpaced by default; 0 counts as 1). It paces the bytes on the
    /// wire, after [compression](Self::compression).
    pub fn bandwidth(mut self, bytes_per_second: u64) -> Self {
        self.bandwidth = Some(bytes_per_second);
        self
    }

    /// Whether the third consecutive failed password login locks the account, as EnKash does
    /// (on). Off for a tool that sends wrong passwords on purpose and right ones in any order,
    /// such as schemathesis' negative cases beside its valid logins: then every failure is
    /// still a 401, and the right password always logs in.
    pub fn lockout(mut self, enabled: bool) -> Self {
        self.lockout = enabled;
        self
    }

    /// The port on 127.0.0.1 (0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Generates the data set, binds the port and starts serving on the current Tokio
    /// runtime. Fails if the port cannot be bound (or, with [HTTPS](Self::tls), if the
    /// throwaway CA cannot be made).
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], self.port))).await?;
        let address = listener.local_addr()?;
        let forever_token = rng::uuid();
        let auth = auth::Auth::new(self.token_lifetime, self.lockout);
        auth.register(forever_token.clone(), true);
        let shared = Arc::new(Shared {
            customers: data::generate(self.customers, self.seed),
            dataset: OnceLock::new(),
            auth,
            faults: Faults::new(self.latency),
            forever_token,
            token_requests: AtomicUsize::new(0),
            search_requests: AtomicUsize::new(0),
            searches_in_flight: AtomicUsize::new(0),
            most_searches_at_once: AtomicUsize::new(0),
        });
        let mut app = router(Arc::clone(&shared));
        if self.compression {
            app = app.layer(tower_http::compression::CompressionLayer::new());
        }
        if let Some(bytes_per_second) = self.bandwidth {
            app = limit_bandwidth(app, bytes_per_second);
        }
        let ca = if self.tls {
            Some(
                ThrowawayCa::for_names(&["127.0.0.1", "localhost"])
                    .map_err(std::io::Error::other)?,
            )
        } else {
            None
        };
        let (shutdown, stopped) = oneshot::channel::<()>();
        let stopped = async move {
            let _ = stopped.await;
        };
        match &ca {
            Some(ca) => {
                let listener = https::TlsListener::new(listener, ca.acceptor())?;
                tokio::spawn(serve(
                    axum::serve(listener, app).with_graceful_shutdown(stopped),
                ));
            }
            None => {
                tokio::spawn(serve(
                    axum::serve(listener, app).with_graceful_shutdown(stopped),
                ));
            }
        }
        let scheme = if ca.is_some() { "https" } else { "http" };
        Ok(Sandbox {
            shared,
            base_url: format!("{scheme}://{address}"),
            ca,
            shutdown: Some(shutdown),
        })
    }
}

/// Runs the server until it stops, saying so if it failed.
async fn serve(served: impl std::future::IntoFuture<Output = std::io::Result<()>>) {
    if let Err(error) = served.await {
        eprintln!("enkash sandbox: the server stopped: {error}");
    }
}

/// The two operations by path and method (axum's routing), every other path a 404 and every
/// other method a 405 with EnKash's envelope, and every response after the current latency.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TOKEN_PATH, post(token))
        .route(SEARCH_PATH, post(search))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            with_latency,
        ))
        .with_state(shared)
}

async fn with_latency(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let _search = (request.uri().path() == SEARCH_PATH).then(|| SearchInFlight::new(&shared));
    let latency = shared.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(envelope::REQUEST_ID)
        .or_insert_with(|| HeaderValue::from_str(&rng::uuid()).expect("a UUID is a header value"));
    response
}

/// One search being answered, counted until it is answered or its client goes away.
struct SearchInFlight(Arc<Shared>);

impl SearchInFlight {
    fn new(shared: &Arc<Shared>) -> SearchInFlight {
        let now = shared.searches_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared
            .most_searches_at_once
            .fetch_max(now, Ordering::SeqCst);
        SearchInFlight(Arc::clone(shared))
    }
}

impl Drop for SearchInFlight {
    fn drop(&mut self) {
        self.0.searches_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    shared.token_requests.fetch_add(1, Ordering::SeqCst);
    match read_body(body).await {
        Ok(body) => auth::token(&shared, &headers, &body),
        Err(message) => envelope::token_error(StatusCode::BAD_REQUEST, "invalid_request", &message),
    }
}

async fn search(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    shared.search_requests.fetch_add(1, Ordering::SeqCst);
    match read_body(body).await {
        Ok(body) => search::search(&shared, &headers, uri.query(), &body),
        Err(message) => ApiError::validation(message, Vec::new()).into_response(&shared),
    }
}

/// The body, or why it was not read: at most [`BODY_LIMIT`] bytes are.
async fn read_body(body: Body) -> Result<axum::body::Bytes, String> {
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| format!("The request body could not be read (at most {BODY_LIMIT} bytes)"))
}

async fn method_not_allowed(State(shared): State<Arc<Shared>>, method: Method) -> Response {
    let message = format!("Request method '{method}' is not supported");
    let mut response =
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response(&shared);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

async fn not_found(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    let message = format!("No endpoint {method} {}", uri.path());
    ApiError::new(StatusCode::NOT_FOUND, message).into_response(&shared)
}
