//! The workspace's cross-crate tests, one binary (as async-stripe's `tests/tests/it` is): each
//! module is one concern, and every module links the client, the mock crate, axum and tokio
//! once instead of once per file. The helpers they share are the `workspace_tests` library
//! (`tests/src/lib.rs`); the snapshots are in `snapshots/`, reviewed with `cargo insta review`.
//!
//! `response_memory.rs` beside this folder stays a binary of its own: it counts every
//! allocation of its process.

mod arbitrary_bodies;
mod architecture;
mod auth;
mod call_options;
mod cassettes;
mod compression;
mod decode_off_worker;
mod drift_reports;
mod errors;
mod hostile_servers;
mod pagination;
mod prism_contract;
mod private_cas;
mod proxies;
mod refresh_grant;
mod retries;
mod schema_snapshots;
mod search_end_to_end;
mod spec_conformance;
mod spec_suggestions;
mod terminal_text;
mod token_cancellation;
mod token_lifetimes;
mod token_sources;
mod tolerant_decoding;
mod tracing_spans;
mod transport_kinds;
mod validation;
mod wire;
