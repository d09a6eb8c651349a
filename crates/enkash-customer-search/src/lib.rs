#![doc = include_str!("../README.md")]

// The generated code is a private module, re-exported below, so that hand-written modules
// can sit beside it and the file itself is never edited.
#[rustfmt::skip] // prettyplease formats it; rustfmt would only reflow it.
#[allow(missing_docs, unused_imports, clippy::all)]
mod generated;

mod client;
mod tls;

pub use client::{BuildError, Client, DEFAULT_TIMEOUT, USER_AGENT};
pub use generated::{ByteStream, ClientInfo, Error, ResponseValue, builder, types};

/// The client exactly as progenitor generated it, where the operation methods live;
/// [`Client`] dereferences to it. Build it through [`Client`]: its own `new` panics with this
/// crate's TLS setup.
pub use generated::Client as GeneratedClient;
pub use tls::reqwest_client_builder;
