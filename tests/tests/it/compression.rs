//! Compression: a search asks for gzip and decodes a gzip'd page (the sandbox compresses when
//! asked), and asks for nothing when compression is off.

use enkash_customer_search::{Client, SearchQuery};
use enkash_customer_search_mock::Sandbox;
use workspace_tests::{RecordingServer, SEARCH_PATH, ok_page};

#[tokio::test]
async fn a_search_asks_for_gzip_unless_told_not_to() {
    let server = RecordingServer::with_handler(|_| ok_page()).await;
    Client::new(server.base_url())
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap();
    Client::builder(server.base_url())
        .compression(false)
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap();
    let asked: Vec<Option<String>> = server
        .requests_to(SEARCH_PATH)
        .iter()
        .map(|r| r.header("accept-encoding"))
        .collect();
    assert_eq!(asked, [Some("gzip".to_string()), None]);
}

#[tokio::test]
async fn a_gzipd_page_from_the_sandbox_is_decoded() {
    let sandbox = Sandbox::builder()
        .customers(2_000)
        .compression(true)
        .start()
        .await
        .unwrap();
    let client = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap();
    let page = client
        .search(SearchQuery::new().limit(1_000))
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 1_000);

    // What went over the wire: gzip, and far smaller than the page.
    let raw = enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .no_gzip()
        .build()
        .unwrap();
    let answer = raw
        .post(format!("{}{SEARCH_PATH}?limit=1000", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .header("accept-encoding", "gzip")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let compressed = answer.bytes().await.unwrap().len();
    let identity = serde_json::to_vec(&page.customers).unwrap().len();
    assert!(
        compressed * 3 < identity,
        "{compressed} bytes gzip'd for {identity}"
    );
}

#[tokio::test]
async fn a_gateway_that_gzips_unasked_is_decoded_or_named() {
    let sandbox = Sandbox::builder().customers(50).start().await.unwrap();
    sandbox.faults().gzip_unasked_next(2);
    let client = |compression: bool| {
        Client::builder(sandbox.base_url())
            .bearer_token(sandbox.token())
            .compression(compression)
            .build()
            .unwrap()
    };
    // With compression on, a gzip'd answer decodes whether it was asked for or not.
    let page = client(true)
        .search(SearchQuery::new().limit(10))
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 10);
    // With it off, the error says why the body does not decode.
    let error = client(false)
        .search(SearchQuery::new().limit(10))
        .await
        .unwrap_err();
    assert!(
        matches!(error, enkash_customer_search::Error::Undecodable(_)),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(shown.contains("the body is `gzip`-encoded"), "{shown}");
    assert!(shown.contains("ClientBuilder::compression"), "{shown}");
}
