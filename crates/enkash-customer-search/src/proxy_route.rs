//! Which way a request goes, as the client's errors tell it: whose proxies it goes through,
//! and a proxy named by where it points, never by its credentials. Apart from
//! `http_client.rs`, which builds the client, so that errors and settings can name a proxy
//! without importing what builds one.

use crate::error::Via;

/// Whose proxies a client's requests go through, for what its errors say of a proxy's refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProxyRoute {
    /// The caller's own `reqwest::Client`, whose proxies are its own business.
    Callers,
    /// Those given to `ClientBuilder::proxy`.
    Given,
    /// The environment's, as reqwest reads them.
    Environment,
}

impl ProxyRoute {
    /// Which way a request to `url` goes: for the environment, the variable reqwest reads for
    /// its scheme (`HTTPS_PROXY` or `HTTP_PROXY`, lower case first, then `ALL_PROXY`).
    pub fn via(self, url: &str) -> Via {
        match self {
            ProxyRoute::Callers => Via::Unknown,
            ProxyRoute::Given => Via::Proxy("the one given to ClientBuilder::proxy".into()),
            ProxyRoute::Environment => {
                let names: [&str; 4] = if url.starts_with("https:") {
                    ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
                } else {
                    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
                };
                names
                    .iter()
                    .find_map(|name| {
                        let value = std::env::var(name).ok().filter(|v| !v.is_empty())?;
                        Some(Via::Proxy(format!("{} ({name})", proxy_origin(&value))))
                    })
                    .unwrap_or(Via::Direct)
            }
        }
    }
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
