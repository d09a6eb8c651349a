//! The `reqwest::Client` this crate builds when the caller gives none: TLS from `tls.rs` with
//! any extra roots, the proxies, the connect timeout; and, at debug level, which
//! way its requests will go. Apart from `client.rs`, which decides the settings, so that how
//! the HTTP stack is put together reads in one place.

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::{BuildError, Via};

/// What the HTTP client is built from.
pub(crate) struct HttpSettings {
    pub connect_timeout: Duration,
    pub proxies: Vec<reqwest::Proxy>,
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// The HTTP client `settings` describe.
pub(crate) fn build(settings: HttpSettings) -> Result<reqwest::Client, BuildError> {
    let tls = crate::tls::reqwest_client_builder_trusting(settings.extra_roots)?;
    let mut builder = tls.connect_timeout(settings.connect_timeout);
    for proxy in settings.proxies {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| BuildError::Http(e.to_string()))
}

/// Tells, at debug level, which way searches will go (`via`), as the errors that name a proxy
/// tell it: through a proxy given, or the environment's for it (named without credentials), or
/// direct; and the trust roots.
pub(crate) fn log_route(via: &Via, extra_roots: usize) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let route = match via {
        Via::Proxy(name) => format!("through {name}"),
        Via::Direct => {
            "direct (no proxy for it given or in the environment, or NO_PROXY names it)".into()
        }
        Via::Unknown => "as the reqwest::Client given decides".to_string(),
    };
    tracing::debug!(
        route = %route,
        trust = "the platform's roots (SSL_CERT_FILE and SSL_CERT_DIR honoured)",
        extra_roots,
        "client built"
    );
}
