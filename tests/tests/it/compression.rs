//! Compression: a search asks for gzip (and zstd, with that feature) and decodes a compressed
//! page (the sandbox compresses when asked), and asks for nothing when compression is off.

use enkash_customer_search::{CallOptions, Client, SearchQuery};
use enkash_customer_search_mock::Sandbox;
use workspace_tests::{
    RawServer, RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, fast_retries, ok_page,
    some_credentials,
};

#[tokio::test]
async fn a_search_asks_for_compression_unless_told_not_to() {
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
    // These tests build the client with its `zstd` feature as well as the default `gzip`.
    assert_eq!(asked, [Some("zstd,gzip".to_string()), None]);
}

/// What the sandbox sends to a request asking for `accept`: its `Content-Encoding` and how
/// many bytes cross the wire, for a page of 1,000.
async fn on_the_wire(sandbox: &Sandbox, accept: &str) -> (Option<String>, usize) {
    // reqwest itself decompresses nothing: its `gzip` and `zstd` features are off.
    let raw = enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let answer = raw
        .post(format!("{}{SEARCH_PATH}?limit=1000", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .header("accept-encoding", accept)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let encoding = answer
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string());
    (encoding, answer.bytes().await.unwrap().len())
}

async fn compressing_sandbox() -> Sandbox {
    Sandbox::builder()
        .customers(2_000)
        .compression(true)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_gzipd_page_from_the_sandbox_is_decoded() {
    let sandbox = compressing_sandbox().await;
    // A client that asks for gzip alone.
    let client = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap()
        .with_options(CallOptions::new().header("accept-encoding", "gzip"));
    let page = client
        .search(SearchQuery::new().limit(1_000))
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 1_000);

    let (encoding, compressed) = on_the_wire(&sandbox, "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let identity = serde_json::to_vec(&page.customers).unwrap().len();
    assert!(
        compressed * 3 < identity,
        "{compressed} bytes gzip'd for {identity}"
    );
}

#[tokio::test]
async fn a_zstd_page_from_the_sandbox_is_decoded() {
    let sandbox = compressing_sandbox().await;
    let client = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap();
    let page = client
        .search(SearchQuery::new().limit(1_000))
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 1_000);
    assert_eq!(page.customers, sandbox_page(&sandbox).await);

    // The client asks for both; the sandbox (tower-http) prefers zstd on a tie.
    let (encoding, compressed) = on_the_wire(&sandbox, "zstd,gzip").await;
    assert_eq!(encoding.as_deref(), Some("zstd"));
    let (identity_encoding, identity) = on_the_wire(&sandbox, "identity").await;
    assert_eq!(identity_encoding, None);
    assert!(
        compressed * 3 < identity,
        "{compressed} bytes zstd'd for {identity}"
    );
}

#[tokio::test]
async fn a_zstd_body_is_decoded_whoever_chose_it() {
    // A gateway that answers zstd whatever was asked: only a client that decodes zstd reads it.
    let page = workspace_tests::spec_example("CustomerSearchPage");
    let customers = page
        .pointer("/payload/data")
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let body = zstd::encode_all(&serde_json::to_vec(&page).unwrap()[..], 3).unwrap();
    let server = encoded_server(200, body, "zstd").await;
    let page = Client::new(server.base_url())
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap();
    assert!(customers > 0);
    assert_eq!(page.customers.len(), customers);
}

/// The same page, uncompressed.
async fn sandbox_page(sandbox: &Sandbox) -> Vec<enkash_customer_search::types::CustomerResponse> {
    Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .compression(false)
        .build()
        .unwrap()
        .search(SearchQuery::new().limit(1_000))
        .await
        .unwrap()
        .customers
}

#[tokio::test]
async fn a_gateway_that_gzips_unasked_is_decoded_whether_compression_is_on_or_off() {
    let sandbox = Sandbox::builder().customers(50).start().await.unwrap();
    sandbox.faults().gzip_unasked_next(2);
    for compression in [true, false] {
        let client = Client::builder(sandbox.base_url())
            .bearer_token(sandbox.token())
            .compression(compression)
            .build()
            .unwrap();
        let page = client.search(SearchQuery::new().limit(10)).await.unwrap();
        assert_eq!(page.customers.len(), 10, "compression {compression}");
    }
}

/// A server answering every request with `status`, `body` and `Content-Encoding: coding`.
async fn encoded_server(status: u16, body: Vec<u8>, coding: &'static str) -> RecordingServer {
    RecordingServer::with_handler(move |_| {
        Reply::raw(status, "application/json", body.clone()).header("content-encoding", coding)
    })
    .await
}

/// The spec's example page, as JSON.
fn example_page() -> Vec<u8> {
    serde_json::to_vec(&workspace_tests::spec_example("CustomerSearchPage")).unwrap()
}

fn gzipped(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn a_reqwest_client_of_the_caller_s_gets_compression_too() {
    // The client decompresses, not reqwest: a reqwest client without its `gzip` feature (as
    // this build's is) still gets a gzip'd page, decoded.
    let page = example_page();
    let body = gzipped(&page);
    let server = encoded_server(200, body, "gzip").await;
    let http = enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let found = Client::builder(server.base_url())
        .reqwest_client(http)
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap();
    assert!(!found.customers.is_empty());
    let asked = server.requests_to(SEARCH_PATH)[0].header("accept-encoding");
    assert_eq!(asked.as_deref(), Some("zstd,gzip"));
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_named_and_not_retried() {
    let page = example_page();
    let mut body = gzipped(&page);
    // The CRC in the trailer: everything inflates, the check fails.
    let crc = body.len() - 8;
    body[crc] ^= 0xff;
    let server = encoded_server(200, body, "gzip").await;
    let error = Client::new(server.base_url())
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    let enkash_customer_search::Error::Undecodable(undecodable) = &error else {
        panic!("{error:?}");
    };
    let problem = undecodable.problem().unwrap_or_default();
    assert!(
        problem.starts_with("the gzip-encoded response body (HTTP 200) does not decompress: "),
        "{problem}"
    );
    assert!(error.to_string().contains(problem), "{error}");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 1, "not retried");
}

#[tokio::test]
async fn an_empty_body_marked_gzip_is_no_body_and_its_status_decides() {
    // A gateway's 503 with `Content-Encoding: gzip` and nothing in it: a 503, retried.
    let server = encoded_server(503, Vec::new(), "gzip").await;
    let error = Client::builder(server.base_url())
        .retry_policy(
            enkash_customer_search::RetryPolicy::new()
                .with_max_attempts(2)
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(!shown.contains("decompress"), "{shown}");
    assert!(shown.contains("503"), "{shown}");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 2, "retried: {shown}");
}

#[tokio::test]
async fn a_gateway_s_503_with_a_corrupt_gzip_body_is_a_503_and_retried() {
    let mut body = gzipped(b"<html><body>503 Service Unavailable</body></html>");
    let crc = body.len() - 8;
    body[crc] ^= 0xff;
    let server = encoded_server(503, body, "gzip").await;
    let error = workspace_tests::client_with_retries(&server, fast_retries())
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(!shown.contains("decompress"), "{shown}");
    assert!(shown.contains("503"), "{shown}");
    assert!(error.is_retryable(), "{shown}");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 3, "retried: {shown}");
}

#[tokio::test]
async fn a_gzip_body_cut_off_by_the_network_is_a_broken_read_and_retried() {
    let body = gzipped(&example_page());
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body[..body.len() / 2]);
    let server = RawServer::start(vec![answer]).await;
    let error = Client::builder(server.base_url())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(error, enkash_customer_search::Error::Transport(_)),
        "{error:?}"
    );
    assert!(!error.to_string().contains("decompress"), "{error}");
    assert_eq!(server.connections(), 3, "retried: {error}");
}

#[tokio::test]
async fn a_gzip_d_token_answer_is_decoded_asked_for_or_not() {
    let token = gzipped(
        &serde_json::to_vec(&serde_json::json!({
            "access_token": "TK-gz",
            "token_type": "bearer",
            "expires_in": 3600,
        }))
        .unwrap(),
    );
    let server = RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => {
            Reply::raw(200, "application/json", token.clone()).header("content-encoding", "gzip")
        }
        _ => ok_page(),
    })
    .await;
    // With compression off, the token call asks for none and gets gzip all the same.
    for (compression, asked) in [(true, Some("zstd,gzip")), (false, None)] {
        let builder = Client::builder(server.base_url())
            .credentials(some_credentials())
            .compression(compression);
        searched(builder).await.unwrap();
        let tokens = server.requests_to(TOKEN_PATH);
        let token_call = tokens.last().unwrap();
        assert_eq!(token_call.header("accept-encoding").as_deref(), asked);
        let searches = server.requests_to(SEARCH_PATH);
        assert_eq!(
            searches.last().unwrap().header("authorization").as_deref(),
            Some("Bearer TK-gz")
        );
    }
}

#[tokio::test]
async fn a_coding_list_with_identity_is_decoded_and_a_double_one_named() {
    let body = gzipped(&example_page());
    let server = RecordingServer::with_handler(move |request| {
        let coding = match request.query_param("limit").as_deref() {
            Some("1") => "gzip, identity",
            _ => "gzip, gzip",
        };
        Reply::raw(200, "application/json", body.clone()).header("content-encoding", coding)
    })
    .await;
    let client = Client::new(server.base_url()).unwrap();
    let page = client.search(SearchQuery::new().limit(1)).await.unwrap();
    assert!(!page.customers.is_empty());
    let error = client
        .search(SearchQuery::new().limit(2))
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("`gzip, gzip`-encoded"), "{shown}");
}

/// A search through `builder`'s client.
async fn searched(
    builder: enkash_customer_search::ClientBuilder,
) -> Result<enkash_customer_search::SearchPage, enkash_customer_search::Error> {
    builder.build().unwrap().search(SearchQuery::new()).await
}

#[tokio::test]
async fn a_gateway_page_labelled_gzip_that_is_not_is_shown_as_it_came() {
    // Labelled JSON as well: it is plainly markup, so it is shown.
    let page = b"<html>Bad Gateway at the edge</html>".to_vec();
    let server = encoded_server(502, page, "gzip").await;
    let client =
        workspace_tests::client_with_retries(&server, enkash_customer_search::RetryPolicy::none());
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("Bad Gateway at the edge"), "{shown}");
    assert!(error.is_retryable(), "a gateway's 502: {shown}");
}

#[tokio::test]
async fn padding_after_a_gzip_body_s_last_member_is_ignored() {
    let mut body = gzipped(&example_page());
    body.extend_from_slice(b"\0\0\0\0\r\n");
    let server = encoded_server(200, body, "gzip").await;
    let found = searched(Client::builder(server.base_url())).await.unwrap();
    assert!(!found.customers.is_empty());
}

#[tokio::test]
async fn a_deflate_page_sent_unasked_is_decoded_in_either_form() {
    use std::io::Write;
    let page = example_page();
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&page).unwrap();
    let mut bare = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    bare.write_all(&page).unwrap();
    for (form, body) in [
        ("zlib", zlib.finish().unwrap()),
        ("bare", bare.finish().unwrap()),
    ] {
        let server = encoded_server(200, body, "deflate").await;
        for compression in [true, false] {
            let builder = Client::builder(server.base_url()).compression(compression);
            let found = searched(builder).await.unwrap();
            assert!(
                !found.customers.is_empty(),
                "{form}, compression {compression}"
            );
        }
        // Never asked for: which form a server means is a guess.
        let asked = server.requests_to(SEARCH_PATH)[0].header("accept-encoding");
        assert!(!asked.unwrap_or_default().contains("deflate"), "{form}");
    }
}

#[tokio::test]
async fn a_token_in_a_coding_the_client_cannot_decode_is_named_so() {
    let brotli = vec![0x8b, 0x05, 0x80, 0x7b, 0x7d, 0x03];
    let server = encoded_server(200, brotli, "br").await;
    let builder = Client::builder(server.base_url()).credentials(some_credentials());
    let shown = searched(builder).await.unwrap_err().to_string();
    assert!(shown.contains("`br`-encoded"), "{shown}");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 0);
}
