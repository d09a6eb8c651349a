//! The `reqwest::Client` this crate builds when the caller gives none: TLS from `tls.rs` with
//! any extra roots, the proxies, the connect timeout; and, at debug level, which
//! way its requests will go. Apart from `client.rs`, which decides the settings, so that how
//! the HTTP stack is put together reads in one place.

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::{BuildError, Via};
use crate::proxy_route::ProxyRoute;

/// What the HTTP client is built from.
pub(crate) struct HttpSettings {
    /// Where its requests go, for the route it logs.
    pub base_url: String,
    pub connect_timeout: Duration,
    pub proxies: Vec<reqwest::Proxy>,
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// The HTTP client `settings` describe.
pub(crate) fn build(settings: HttpSettings) -> Result<reqwest::Client, BuildError> {
    log_route(
        settings.proxies.len(),
        settings.extra_roots.len(),
        &settings.base_url,
    );
    let tls = crate::tls::reqwest_client_builder_trusting(settings.extra_roots)?;
    let mut builder = tls.connect_timeout(settings.connect_timeout);
    for proxy in settings.proxies {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| BuildError::Http(e.to_string()))
}

/// Tells, at debug level, which way requests to `base_url` will go: through the proxies
/// given, or the environment's for it (named without credentials), or direct; and the trust
/// roots.
fn log_route(proxies: usize, extra_roots: usize, base_url: &str) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let route = if proxies > 0 {
        format!("through the {proxies} proxies given to ClientBuilder::proxy")
    } else if let Via::Proxy(name) = ProxyRoute::Environment.via(base_url) {
        format!("through {name}")
    } else {
        "direct (no proxy given; none in the environment for it, or NO_PROXY names it)".to_string()
    };
    tracing::debug!(
        route = %route,
        trust = "the platform's roots (SSL_CERT_FILE and SSL_CERT_DIR honoured)",
        extra_roots,
        "client built"
    );
}
