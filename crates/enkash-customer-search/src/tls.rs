//! TLS for the HTTP client: rustls on the `ring` crypto provider.
//!
//! `ring` builds in about half the time of `aws-lc-rs` (see the README for the measurement),
//! but reqwest finds only `aws-lc-rs` by itself; with `ring` a bare `reqwest::Client::new()`
//! panics for want of a provider. So the rustls configuration is built here, with `ring` named
//! explicitly and the platform's certificate verifier, and handed to reqwest. Nothing is
//! installed process-wide, so an application remains free to choose its own default provider.

use std::sync::Arc;

use rustls_platform_verifier::BuilderVerifierExt;

use crate::error::BuildError;

/// A `reqwest::ClientBuilder` whose TLS uses rustls on `ring` with the platform's trusted
/// roots, and which follows no redirect, ready for more settings (timeouts, proxies, …) before
/// `build()`.
///
/// Redirects are the [`Client`](crate::Client)'s to decide: a search follows one only within
/// its origin, the token call none. reqwest's own policy would follow a 307 from the token
/// endpoint to another host and post the password there, so keep `Policy::none()` if you
/// change anything.
///
/// With this crate's `gzip` feature (a default), the builder decompresses gzip, as reqwest's
/// do in a build with that feature; `.no_gzip()` turns it off.
///
/// Use it when you build your own `reqwest::Client` for
/// [`ClientBuilder::reqwest_client`](crate::ClientBuilder::reqwest_client): a builder that does
/// not start here has no TLS provider and fails to build.
pub fn reqwest_client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| BuildError::Tls(e.to_string());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_platform_verifier()
        .map_err(tls)?
        .with_no_client_auth();
    // reqwest is built without HTTP/2 (one request at a time per connection is all this API
    // needs, and h2 costs build time), so offer HTTP/1.1 alone.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(reqwest::ClientBuilder::new()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none()))
}
