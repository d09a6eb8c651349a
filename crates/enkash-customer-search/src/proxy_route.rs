//! Which way a request goes, as the client's errors tell it: whose proxies it goes through,
//! and a proxy named by where it points, never by its credentials; and a proxy made from its
//! URL, whose `NO_PROXY` is read once for both. `http_client.rs` builds the client with the
//! proxies; the client reads here, once it is built, which way its two URLs go.
//!
//! The environment's proxies are read by hyper-util's matcher, which reqwest itself uses for
//! them: the same variables in the same order, `NO_PROXY`, and the rule that ignores
//! `HTTP_PROXY` under CGI. So a request this says went direct did go direct, and a 407 it
//! got came from the server.

use std::sync::Arc;

use hyper_util::client::proxy::matcher::{Intercept, Matcher};

use crate::error::Via;

/// Whose proxies a client's requests go through, for what its errors say of a proxy's refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProxyRoute {
    /// The caller's own `reqwest::Client`, whose proxies are its own business.
    Callers,
    /// Those given to `ClientBuilder::proxy`, which keep their URLs to themselves.
    Given,
    /// Those given by URL to `ClientBuilder::proxy_url`, in order.
    Urls(Arc<[ProxyByUrl]>),
    /// The environment's, as reqwest reads them.
    Environment,
}

/// A proxy given by URL, and the `NO_PROXY` it was given with, read once for both the proxy
/// and what its errors say of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProxyByUrl {
    url: String,
    no_proxy: String,
}

impl ProxyRoute {
    /// Which way a request to `url` goes.
    pub fn via(&self, url: &str) -> Via {
        let Ok(uri) = url.parse::<http::Uri>() else {
            return Via::Unknown;
        };
        match self {
            ProxyRoute::Callers => Via::Unknown,
            ProxyRoute::Given => Via::Proxy("the one given to ClientBuilder::proxy".into()),
            ProxyRoute::Urls(proxies) => through_given(proxies, &uri),
            ProxyRoute::Environment => match Matcher::from_env().intercept(&uri) {
                Some(proxy) => Via::Proxy(format!("{} (from the environment)", named(&proxy))),
                None => Via::Direct,
            },
        }
    }
}

/// The first of `proxies` a request to `uri` goes through.
fn through_given(proxies: &[ProxyByUrl], uri: &http::Uri) -> Via {
    let taken = proxies.iter().find_map(|proxy| {
        let matcher = Matcher::builder()
            .all(proxy.url.as_str())
            .no(proxy.no_proxy.as_str());
        matcher.build().intercept(uri)
    });
    match taken {
        Some(proxy) => Via::Proxy(format!("{} (given to the client)", named(&proxy))),
        None => Via::Direct,
    }
}

/// `NO_PROXY` (or `no_proxy`), as reqwest reads it for a proxy given by URL.
fn no_proxy_variable() -> String {
    let [.., upper, lower] = crate::env::PROXY_VARS;
    std::env::var(upper)
        .or_else(|_| std::env::var(lower))
        .unwrap_or_default()
}

/// A proxy for every request to go through, from its URL (credentials in its user part if it
/// needs them), with the hosts `NO_PROXY` names reached directly, as for the environment's.
/// The reason it cannot be one never quotes the URL, which may hold a password.
pub(crate) fn proxy_from_url(url: &str) -> Result<(reqwest::Proxy, ProxyByUrl), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("a proxy's URL is http:// or https://".into());
    }
    let no_proxy = no_proxy_variable();
    let proxy = reqwest::Proxy::all(parsed)
        .map_err(|_| "reqwest cannot use it as a proxy".to_string())?
        .no_proxy(reqwest::NoProxy::from_string(&no_proxy));
    let url = url.to_string();
    Ok((proxy, ProxyByUrl { url, no_proxy }))
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

    #[test]
    fn a_proxy_given_by_url_is_named_by_it_unless_no_proxy_sends_the_request_direct() {
        let to: http::Uri = "https://customers.enkash.example/api".parse().unwrap();
        let given = |no_proxy: &str| {
            [ProxyByUrl {
                url: "http://ops:SECRET@proxy.corp:3128".into(),
                no_proxy: no_proxy.into(),
            }]
        };
        assert_eq!(
            through_given(&given(""), &to),
            Via::Proxy("http://***@proxy.corp:3128 (given to the client)".into())
        );
        assert_eq!(
            through_given(&given("other.example, .enkash.example"), &to),
            Via::Direct
        );
    }
}
