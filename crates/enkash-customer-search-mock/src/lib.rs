#![doc = include_str!("../README.md")]

// progenitor's typed httpmock helpers, written by `cargo xtask codegen` from the same spec as
// the client; never edited by hand.
#[rustfmt::skip] // prettyplease formats it; rustfmt would only reflow it.
#[allow(missing_docs, clippy::all)]
mod generated_httpmock;

mod replay;
pub mod sandbox;
mod throwaway_ca;
mod token_form;

pub use generated_httpmock::{MockServerExt, operations};
pub use httpmock;
pub use replay::{REPLAY_TOKEN, Replay};
pub use sandbox::{
    Faults, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Sandbox,
    SandboxBuilder, limit_bandwidth,
};
pub use throwaway_ca::ThrowawayCa;
pub use token_form::GetTokenWhenFormExt;
