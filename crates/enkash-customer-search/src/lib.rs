#![doc = include_str!("../README.md")]

// The generated code is a private module, re-exported below, so that hand-written modules
// can sit beside it and the file itself is never edited. Callers reach it only through the
// hand-written layer, so generated helpers that layer does not use are dead code here.
#[rustfmt::skip] // prettyplease formats it; rustfmt would only reflow it.
#[allow(missing_docs, unused_imports, dead_code, clippy::all)]
mod generated;

// One setter on `SearchQuery` per filter of the spec (`SearchQuery::legal_name`, …).
#[rustfmt::skip]
mod generated_filters;

/// What the spec says that the generated types cannot carry: each operation's path, the
/// bounds of its integer parameters, the names `orderBy` takes. Written by `cargo xtask codegen`
/// from the spec, for the client, the sandbox, the CLI and the tests alike.
#[rustfmt::skip]
#[path = "generated_spec.rs"]
pub mod spec;

// The generated types name the hand-written ones by this crate's own name (typify's
// `x-rust-type` always writes an absolute path), so the crate must know itself by it.
extern crate self as enkash_customer_search;

mod auth;
mod base_url;
mod call;
mod call_options;
pub mod cassette;
mod client;
mod drift;
pub mod env;
mod error;
mod hooks;
mod http_client;
mod lenient_date_time;
mod lenient_integer;
mod open_enum;
mod paginate;
mod proxy_route;
mod query;
mod redact;
mod response_decoding;
mod retry;
mod search;
mod secret;
mod settings;
pub mod text;
mod tls;

pub use auth::{
    Credentials, DEFAULT_LOGIN_COOLDOWN, DEFAULT_TOKEN_FETCH_TIMEOUT, MAX_TOKEN_LIFETIME,
    MIN_TOKEN_LIFETIME, SourcedToken, TokenFuture, TokenSource, TokenSourceError,
};
pub use call_options::CallOptions;
pub use cassette::Cassette;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_REQUEST_TIMEOUT, LIVE_BASE_URL, UAT_BASE_URL, USER_AGENT,
};
pub use drift::{Drift, DriftReport};
pub use error::{
    ApiError, AuthenticationError, AuthenticationFailure, BuildError, Error, InvalidRequest,
    PagingError, SNIPPET_LEN, TransportError, TransportErrorKind, UndecodableResponse,
};
pub use generated::types;
pub use lenient_date_time::{ASSUMED_OFFSET, DateTimeFormat, LenientDateTime};
pub use lenient_integer::LenientInteger;
pub use open_enum::Open;
pub use paginate::MAX_PAGES_IN_FLIGHT;
pub use query::{MAX_PAGE_SIZE, MIN_PAGE_SIZE, SearchQuery};
pub use retry::{RETRIED_STATUSES, RetryPolicy};
pub use search::{CustomerStream, SearchPage};
pub use secret::Secret;
pub use tls::reqwest_client_builder;
