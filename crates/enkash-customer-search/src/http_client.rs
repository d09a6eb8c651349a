//! The `reqwest::Client` this crate builds when the caller gives none: TLS from `tls.rs` with
//! any extra roots, the proxies, the connect timeout; and, at debug level, which
//! way its requests will go. Apart from `client.rs`, which decides the settings, so that how
//! the HTTP stack is put together reads in one place.

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::BuildError;
use crate::proxy_route::proxy_origin;

/// What the HTTP client is built from.
pub(crate) struct HttpSettings {
    pub connect_timeout: Duration,
    pub proxies: Vec<reqwest::Proxy>,
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// The HTTP client `settings` describe.
pub(crate) fn build(settings: HttpSettings) -> Result<reqwest::Client, BuildError> {
    log_route(&settings.proxies, settings.extra_roots.len());
    let tls = crate::tls::reqwest_client_builder_trusting(settings.extra_roots)?;
    let mut builder = tls.connect_timeout(settings.connect_timeout);
    for proxy in settings.proxies {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| BuildError::Http(e.to_string()))
}

/// Tells, at debug level, which way requests will go: the proxies given, or those of the
/// environment (their URLs without credentials), or none; and the trust roots.
fn log_route(proxies: &[reqwest::Proxy], extra_roots: usize) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let route = if proxies.is_empty() {
        let (proxies, no_proxy) = crate::env::PROXY_VARS.split_at(6);
        let from_env: Vec<String> = proxies
            .iter()
            .filter_map(|name| {
                let value = std::env::var(name).ok().filter(|v| !v.is_empty())?;
                Some(format!("{name}={}", proxy_origin(&value)))
            })
            .collect();
        if from_env.is_empty() {
            "direct (no proxy given, none in the environment)".to_string()
        } else {
            let no_proxy = no_proxy
                .iter()
                .find_map(|name| std::env::var(name).ok())
                .unwrap_or_default();
            format!(
                "through the environment's proxy: {}; NO_PROXY={no_proxy:?}",
                from_env.join(", ")
            )
        }
    } else {
        format!("through the {} proxies given to the builder", proxies.len())
    };
    tracing::debug!(
        route = %route,
        trust = "the platform's roots (SSL_CERT_FILE and SSL_CERT_DIR honoured)",
        extra_roots,
        "client built"
    );
}
