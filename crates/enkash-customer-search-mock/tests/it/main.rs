//! The mock crate as a downstream test uses it, one test binary: the typed httpmock helpers
//! (`httpmock_stubs`) and the sandbox through the real client (`sandbox`).

mod httpmock_stubs;
mod sandbox;
mod sandbox_network;
