//! The `reqwest::Client` this crate builds when the caller gives none: TLS from `tls.rs` with
//! any extra roots, the proxies, the connect timeout; and, at debug level, which
//! way its requests will go. Apart from `client.rs`, which decides the settings, so that how
//! the HTTP stack is put together reads in one place.

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::BuildError;

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

/// Where a proxy variable's value points, and nothing else: `scheme://host:port`, as
/// reqwest reads it (a value without a scheme is `http://`). Never the value itself, whose
/// user part may hold a password in any of the forms a URL allows.
fn proxy_origin(value: &str) -> String {
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    match reqwest::Url::parse(&with_scheme) {
        Ok(url) if url.host_str().is_some() => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let user = if url.username().is_empty() && url.password().is_none() {
                ""
            } else {
                "***@"
            };
            format!(
                "{}://{user}{}{port}",
                url.scheme(),
                url.host_str().unwrap_or_default()
            )
        }
        _ => format!("<not a URL, {} bytes>", value.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_variable_shows_only_where_it_points() {
        for (value, shown) in [
            ("http://proxy.corp:3128", "http://proxy.corp:3128"),
            ("proxy.corp:3128", "http://proxy.corp:3128"),
            (
                "http://ops:p%40ss@proxy.corp:8080/x?y",
                "http://***@proxy.corp:8080",
            ),
            ("https://ops@proxy.corp", "https://***@proxy.corp"),
        ] {
            assert_eq!(proxy_origin(value), shown, "{value}");
        }
        // However the user part is written, its password never shows.
        for value in [
            "http://ops:pa/SECRET@proxy.corp:3128",
            "http://ops:pa#SECRET@proxy.corp",
            "http://ops:pa?SECRET@proxy.corp",
            "//ops:SECRET@proxy",
            "http:/ops:SECRET@proxy",
            "ops:SECRET@proxy:3128",
        ] {
            let shown = proxy_origin(value);
            assert!(!shown.contains("SECRET"), "{value} → {shown}");
        }
    }
}
