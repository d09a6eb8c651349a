//! Through a forward proxy on 127.0.0.1: the proxy given to the builder is used with its
//! credentials (the server here plays the proxy, and sees the absolute URL an HTTP proxy is
//! sent), a 407 is a clear error that shows no password and is never taken for EnKash
//! rejecting the credentials, and `NO_PROXY` rules send a host direct. The API's own host
//! (`.invalid`) never resolves: a client behind a proxy does not look it up.

use enkash_customer_search::{
    AuthenticationFailure, Client, Error, SearchQuery, TransportErrorKind,
};
use enkash_customer_search_mock::ThrowawayCa;
use serde_json::json;
use workspace_tests::{RawServer, RecordingServer, Reply, SEARCH_PATH, ok_page};

const API: &str = "http://customers.enkash.invalid";
const PROXY_PASSWORD: &str = "pr0xy-Pa55-w0rd";

/// `user:PROXY_PASSWORD` as a Basic header, worked out by `printf … | base64`.
const PROXY_BASIC: &str = "Basic b3BzOnByMHh5LVBhNTUtdzByZA==";

fn proxy_to(server: &RecordingServer) -> reqwest::Proxy {
    reqwest::Proxy::http(server.base_url())
        .unwrap()
        .basic_auth("ops", PROXY_PASSWORD)
}

#[tokio::test]
async fn the_builders_proxy_is_used_with_its_credentials() {
    let proxy = RecordingServer::with_handler(|request| {
        if request.header("proxy-authorization").as_deref() == Some(PROXY_BASIC) {
            ok_page()
        } else {
            Reply::raw(407, "text/plain", "credentials, please")
                .header("proxy-authenticate", "Basic realm=\"corp\"")
        }
    })
    .await;
    let client = Client::builder(API)
        .proxy(proxy_to(&proxy))
        .build()
        .unwrap();
    let page = client.search(SearchQuery::new().limit(10)).await.unwrap();
    assert_eq!(page.status.as_u16(), 200);
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].uri.to_string(),
        format!("{API}{SEARCH_PATH}?limit=10"),
        "an HTTP proxy is sent the absolute URL"
    );
}

#[tokio::test]
async fn a_407_is_a_proxy_error_without_the_password_and_not_a_rejected_login() {
    let proxy = RecordingServer::with_handler(|_| {
        Reply::raw(407, "text/plain", format!("wrong: {PROXY_PASSWORD}"))
            .header("proxy-authenticate", "Basic realm=\"corp\"")
    })
    .await;
    let client = Client::builder(API)
        .proxy(proxy_to(&proxy))
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap();
    // More than the two unanswered logins that pause the password: the proxy kept every one
    // from EnKash.
    for _ in 0..3 {
        let error = client.search(SearchQuery::new()).await.unwrap_err();
        let Error::Transport(transport) = &error else {
            panic!("expected the proxy's refusal, got {error:?}");
        };
        assert_eq!(transport.kind, TransportErrorKind::Proxy);
        assert_eq!(transport.attempts, 1, "not retried");
        assert!(!error.is_retryable());
        let shown = format!("{error} {error:?}");
        let at = proxy.base_url().trim_start_matches("http://").to_string();
        assert!(
            shown.contains(&format!("the proxy at {at} asked for credentials")),
            "{shown}"
        );
        assert!(shown.contains("given to ClientBuilder::proxy"), "{shown}");
        assert!(shown.contains("HTTP 407"), "{shown}");
        assert!(!shown.contains(PROXY_PASSWORD), "{shown}");
    }
    // Each search tried to log in: the 407 was no verdict on EnKash's credentials.
    assert_eq!(proxy.requests().len(), 3);
}

#[tokio::test]
async fn a_proxy_given_by_url_sends_its_credentials_and_its_407_names_it_without_them() {
    let proxy = RecordingServer::with_handler(|_| {
        Reply::raw(407, "text/plain", format!("wrong: {PROXY_PASSWORD}"))
    })
    .await;
    let at = proxy.base_url().trim_start_matches("http://").to_string();
    let error = Client::builder(API)
        .proxy_url(format!("http://ops:{PROXY_PASSWORD}@{at}"))
        .bearer_token("a-token".to_string())
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains(&format!("http://***@{at} (given to the client)")),
        "{shown}"
    );
    assert!(!shown.contains(PROXY_PASSWORD), "{shown}");
    let sent = proxy.requests().pop().unwrap();
    assert_eq!(
        sent.header("proxy-authorization").as_deref(),
        Some(PROXY_BASIC)
    );
}

#[test]
fn a_proxy_url_that_cannot_be_one_fails_the_build_without_quoting_it() {
    for (url, why) in [
        ("http://ops:pr0xy-Pa55-w0rd@proxy.corp:99999", "not a URL"),
        ("ops:pr0xy-Pa55-w0rd@proxy.corp", "http:// or https://"),
        (
            "ftp://ops:pr0xy-Pa55-w0rd@proxy.corp",
            "http:// or https://",
        ),
    ] {
        let error = Client::builder(API).proxy_url(url).build().unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(
            matches!(&error, enkash_customer_search::BuildError::InvalidProxy(r) if r.contains(why)),
            "{shown}"
        );
        assert!(!shown.contains(PROXY_PASSWORD), "{shown}");
    }
}

/// Two searches whose logins got a 407 that may have read the password, then a pause: the
/// client sends it no third time.
async fn each_407_counts_as_a_login(client: &Client) {
    for _ in 0..2 {
        let error = client.search(SearchQuery::new()).await.unwrap_err();
        assert!(
            matches!(&error, Error::Transport(e) if e.kind == TransportErrorKind::Proxy && !e.connect),
            "{error:?}"
        );
    }
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Authentication(e) if e.reason == AuthenticationFailure::LoginPaused),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_407_with_no_proxy_on_the_way_counts_as_a_login_sent() {
    // No proxy given, none in the environment: the server itself answered 407, after reading
    // the password.
    let server = RecordingServer::with_handler(|_| {
        Reply::raw(407, "text/plain", "").header("proxy-authenticate", "Basic realm=\"x\"")
    })
    .await;
    let client = Client::builder(server.base_url())
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap();
    each_407_counts_as_a_login(&client).await;
    assert_eq!(
        server.requests().len(),
        2,
        "the password sent twice, not a third time"
    );
}

#[tokio::test]
async fn a_407_on_a_request_that_went_direct_does_not_blame_a_proxy() {
    let server = RecordingServer::with_handler(|_| Reply::raw(407, "text/plain", "")).await;
    let client = Client::builder(server.base_url())
        .bearer_token("a-bearer-token")
        .build()
        .unwrap();
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let shown = error.to_string();
    let at = server.base_url().trim_start_matches("http://").to_string();
    assert!(
        shown.contains(&format!("the server at {at} asked for proxy credentials")),
        "{shown}"
    );
    assert!(shown.contains("went to no proxy"), "{shown}");
    assert!(!shown.contains("the proxy at"), "{shown}");
}

#[tokio::test]
async fn a_407_from_inside_an_https_tunnel_counts_as_a_login_sent() {
    // No proxy that refuses a tunnel answers inside it: this 407 came from the far side,
    // which read the password.
    let ca = ThrowawayCa::for_names(&["127.0.0.1"]).unwrap();
    let answer = b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\
                   connection: close\r\n\r\n"
        .to_vec();
    let server = RawServer::tls(vec![answer], &ca).await;
    let client = Client::builder(server.base_url())
        .add_root_certificates(ca.ca_pem())
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap();
    each_407_counts_as_a_login(&client).await;
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn no_proxy_rules_send_a_host_direct() {
    let proxy = RecordingServer::with_handler(|_| {
        Reply::json(500, &json!({"unexpected": "through the proxy"}))
    })
    .await;
    let server = RecordingServer::with_handler(|_| ok_page()).await;
    let direct = proxy_to(&proxy).no_proxy(reqwest::NoProxy::from_string("127.0.0.1"));
    let client = Client::builder(server.base_url())
        .proxy(direct)
        .build()
        .unwrap();
    client.search(SearchQuery::new()).await.unwrap();
    assert!(proxy.requests().is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_a_proxy_error_and_costs_no_login() {
    let refusal = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                    proxy-authenticate: Basic realm=\"corp\"\r\ncontent-length: 0\r\n\r\n"
        .to_vec();
    let proxy = RawServer::start(vec![refusal]).await;
    let client = Client::builder("https://customers.enkash.invalid")
        .proxy(reqwest::Proxy::https(proxy.base_url()).unwrap())
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap();
    for _ in 0..3 {
        let error = client.search(SearchQuery::new()).await.unwrap_err();
        let Error::Transport(transport) = &error else {
            panic!("expected the proxy's refusal, got {error:?}");
        };
        assert_eq!(transport.kind, TransportErrorKind::Proxy, "{error}");
        assert!(transport.connect && !error.is_retryable(), "{error:?}");
        assert!(
            error.to_string().contains("proxy authorization required"),
            "{error}"
        );
    }
    // One tunnel asked for per search: not retried, and no login counted.
    assert_eq!(proxy.connections(), 3);
}
