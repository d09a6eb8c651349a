//! Which way a request goes, as the client's errors tell it: whose proxies it goes through,
//! and a proxy named by where it points, never by its credentials. Apart from
//! `http_client.rs`, which builds the client, so that errors and settings can name a proxy
//! without importing what builds one.
//!
//! The environment's proxies are read by hyper-util's matcher, which reqwest itself uses for
//! them: the same variables in the same order, `NO_PROXY`, and the rule that ignores
//! `HTTP_PROXY` under CGI. So a request this says went direct did go direct, and a 407 it
//! got came from the server.

use hyper_util::client::proxy::matcher::{Intercept, Matcher};

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
    /// Which way a request to `url` goes.
    pub fn via(self, url: &str) -> Via {
        match self {
            ProxyRoute::Callers => Via::Unknown,
            ProxyRoute::Given => Via::Proxy("the one given to ClientBuilder::proxy".into()),
            ProxyRoute::Environment => match url.parse::<http::Uri>() {
                Ok(uri) => match Matcher::from_env().intercept(&uri) {
                    Some(proxy) => Via::Proxy(format!("{} (from the environment)", named(&proxy))),
                    None => Via::Direct,
                },
                Err(_) => Via::Unknown,
            },
        }
    }
}

/// Where a proxy points, `scheme://host:port`, with `***@` when it has credentials: never
/// the credentials themselves.
fn named(proxy: &Intercept) -> String {
    let uri = proxy.uri();
    let credentials = proxy.basic_auth().is_some() || proxy.raw_auth().is_some();
    format!(
        "{}://{}{}{}",
        uri.scheme_str().unwrap_or("http"),
        if credentials { "***@" } else { "" },
        uri.host().unwrap_or_default(),
        uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_is_named_by_where_it_points_and_never_by_its_credentials() {
        let to = "https://customers.enkash.example/api".parse().unwrap();
        for (given, shown) in [
            ("http://proxy.corp:3128", "http://proxy.corp:3128"),
            ("proxy.corp:3128", "http://proxy.corp:3128"),
            (
                "http://ops:p%40SECRET@proxy.corp:8080/x?y",
                "http://***@proxy.corp:8080",
            ),
            ("http://ops@proxy.corp:8080", "http://***@proxy.corp:8080"),
            (
                "socks5://ops:SECRET@proxy.corp:1080",
                "socks5://***@proxy.corp:1080",
            ),
        ] {
            let proxy = Matcher::builder().all(given).build().intercept(&to);
            let name = named(&proxy.unwrap_or_else(|| panic!("{given}: no proxy")));
            assert_eq!(name, shown, "{given}");
            assert!(!name.contains("SECRET"));
        }
        let direct = Matcher::builder()
            .all("http://proxy.corp:3128")
            .no("customers.enkash.example")
            .build();
        assert!(direct.intercept(&to).is_none(), "NO_PROXY");
    }
}
