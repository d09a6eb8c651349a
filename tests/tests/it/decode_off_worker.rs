//! A search made in a task of a multi-thread runtime decodes its body off the runtime's worker
//! (so that the tasks queued behind it, the pager's next request among them, are not held up),
//! and where it always did on a current-thread one, where that is impossible.

use enkash_customer_search::{Client, SearchQuery};
use tracing::instrument::WithSubscriber;
use workspace_tests::{RecordingServer, capture_logs, page_envelope};

const OFF_THE_WORKER: &str = "decoding it off the runtime's worker";

async fn search_a_page() -> usize {
    let customers = (0..50)
        .map(|i| serde_json::json!({ "id": i, "legalName": format!("Customer {i}") }))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_runtime_the_decode_runs_off_the_worker() {
    let (captured, _guard) = capture_logs();
    // As the pager's fetches do: a task on a worker, logging to this test's capture.
    let task = tokio::spawn(search_a_page().with_current_subscriber());
    assert_eq!(task.await.unwrap(), 50);
    assert!(
        captured.text().contains(OFF_THE_WORKER),
        "{}",
        captured.text()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn on_a_current_thread_runtime_the_decode_stays_in_place() {
    let (captured, _guard) = capture_logs();
    assert_eq!(search_a_page().await, 50);
    assert!(
        !captured.text().contains(OFF_THE_WORKER),
        "{}",
        captured.text()
    );
}
