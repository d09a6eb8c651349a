//! What the xtask shares with the workspace's tests: reading the spec's schemas, and the
//! spec curator's `spec-suggest`, so that a test can record against the sandbox and check
//! the suggested edit without running cargo inside cargo. Everything else of the xtask is its
//! binary's own.

pub mod schema_refs;
pub mod spec_suggest;
