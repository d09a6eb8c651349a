//! A search made in a Tokio task decodes a large body on the runtime's blocking pool (so that
//! the tasks queued behind it, the pager's next request among them, are not held up), on
//! either kind of runtime; a small body, or one read outside a task, is decoded in place.

use enkash_customer_search::{Client, SearchQuery};
use tracing::instrument::WithSubscriber;
use workspace_tests::{RecordingServer, capture_logs, page_envelope};

const ON_THE_POOL: &str = "decoding it on the blocking pool";

/// Names this long make a page of 50 customers about 25 KB of JSON: a large page.
const LARGE: usize = 500;
/// About 3 KB.
const SMALL: usize = 10;

/// Searches a page of 50 customers whose names are `name_len` bytes long.
async fn search_a_page(name_len: usize) -> usize {
    let customers = (0..50)
        .map(|i| serde_json::json!({ "id": i, "legalName": format!("{i:0name_len$}") }))
        .collect();
    let server = RecordingServer::start(200, page_envelope(customers, Some(50))).await;
    let client = Client::builder(server.base_url())
        .bearer_token("a-token".to_string())
        .build()
        .expect("a client");
    let page = client
        .search(&SearchQuery::new().limit(50))
        .await
        .expect("the page decodes");
    page.customers.len()
}

/// Whether a search of a page with names `name_len` long, made in a task or not, was decoded
/// off the runtime's thread.
async fn decoded_apart(name_len: usize, in_a_task: bool) -> bool {
    let (captured, _guard) = capture_logs();
    let customers = if in_a_task {
        // As the pager's fetches do: a task, logging to this test's capture.
        let task = search_a_page(name_len).with_current_subscriber();
        tokio::spawn(task).await.unwrap()
    } else {
        search_a_page(name_len).await
    };
    assert_eq!(customers, 50);
    captured.text().contains(ON_THE_POOL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_runtime_a_large_page_is_decoded_off_the_worker() {
    assert!(decoded_apart(LARGE, true).await);
    assert!(!decoded_apart(SMALL, true).await, "a small page in place");
}

#[tokio::test(flavor = "current_thread")]
async fn on_a_current_thread_runtime_a_large_page_is_decoded_off_its_thread() {
    assert!(decoded_apart(LARGE, true).await);
    assert!(!decoded_apart(SMALL, true).await, "a small page in place");
}

#[tokio::test(flavor = "current_thread")]
async fn outside_a_task_the_decode_stays_in_place() {
    assert!(!decoded_apart(LARGE, false).await);
}
