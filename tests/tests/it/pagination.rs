//! `search_all`, with one page in flight and with several against a server on 127.0.0.1 that pages a
//! synthetic list of customers by the `offset` and `limit` it is sent.
//!
//! The pager's own unit tests use an in-memory fetch; these check the same promises through
//! the real client and HTTP: which requests go out (offsets, filters, order), that every
//! customer comes out once and in order, that a server which ignores `offset` or caps the page
//! size is an error rather than an endless or silently short walk, that pages are prefetched
//! and fetched concurrently, and that an error mid-walk ends the stream after what came before.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use enkash_customer_search::{
    Client, CustomerStream, Error, PagingError, RetryPolicy, SearchQuery, types::CustomerResponse,
};
use serde_json::{Value, json};
use workspace_tests::{
    RecordedRequest, RecordingServer, Reply, SEARCH_PATH, error_envelope, page_envelope,
};

/// The id of the `i`th synthetic customer: `KC` and 14 digits.
fn id(i: usize) -> String {
    format!("KC{i:014}")
}

fn customer(i: usize) -> Value {
    json!({ "customerId": id(i), "legalName": format!("Customer {i}") })
}

/// A numeric query parameter of `request`.
fn param(request: &RecordedRequest, name: &str) -> Option<usize> {
    request
        .query_param(name)
        .map(|v| v.parse().expect("a numeric query parameter"))
}

/// The customers `offset..offset + limit` of `total`, as the server pages them.
fn page_of(total: usize, offset: usize, limit: usize) -> Vec<Value> {
    (offset.min(total)..offset.saturating_add(limit).min(total))
        .map(customer)
        .collect()
}

/// A well-behaved search over `total` customers that reports `records_count`.
fn paging(total: usize, records_count: Option<i64>) -> impl Fn(&RecordedRequest) -> Reply {
    move |request| {
        let offset = param(request, "offset").unwrap_or(0);
        let limit = param(request, "limit").unwrap_or(5000);
        Reply::json(
            200,
            &page_envelope(page_of(total, offset, limit), records_count),
        )
    }
}

fn client(server: &RecordingServer) -> Client {
    Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client for the test server")
}

/// Every item of the stream up to its end; panics if it goes on past `bound` items (a walk
/// that never ends).
async fn drain(stream: &mut CustomerStream, bound: usize) -> Vec<Result<CustomerResponse, Error>> {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
        assert!(items.len() <= bound, "the stream went past {bound} items");
    }
    items
}

/// The customer ids of `items`, which must all be `Ok`.
fn ids(items: &[Result<CustomerResponse, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            let customer = item.as_ref().expect("a customer, not an error");
            customer.customer_id.clone().expect("a customer id")
        })
        .collect()
}

fn expected_ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(id).collect()
}

/// The `offset` of every search request, in order.
fn offsets(server: &RecordingServer) -> Vec<Option<usize>> {
    offsets_and_limits(server)
        .into_iter()
        .map(|(offset, _)| offset)
        .collect()
}

/// The `offset` and `limit` of every search request, in order.
fn offsets_and_limits(server: &RecordingServer) -> Vec<(Option<usize>, Option<usize>)> {
    server
        .requests_to(SEARCH_PATH)
        .iter()
        .map(|r| (param(r, "offset"), param(r, "limit")))
        .collect()
}

#[tokio::test]
async fn every_customer_once_and_in_order_over_three_pages() {
    let server = RecordingServer::with_handler(paging(12_345, Some(12_345))).await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));
    assert_eq!(
        stream.records_count(),
        None,
        "not known before the first page"
    );

    let items = drain(&mut stream, 20_000).await;

    assert_eq!(stream.records_count(), Some(12_345));
    assert_eq!(items.len(), 12_345);
    assert_eq!(ids(&items), expected_ids(0..12_345));
    assert_eq!(
        offsets_and_limits(&server),
        [
            (Some(0), Some(5000)),
            (Some(5000), Some(5000)),
            (Some(10_000), Some(5000))
        ]
    );
    assert!(stream.next().await.is_none(), "the stream stays ended");
}

#[tokio::test]
async fn without_records_count_a_short_page_ends_the_walk() {
    let server = RecordingServer::with_handler(paging(12_345, None)).await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

    let items = drain(&mut stream, 20_000).await;

    assert_eq!(ids(&items), expected_ids(0..12_345));
    assert_eq!(offsets(&server), [Some(0), Some(5000), Some(10_000)]);
}

#[tokio::test]
async fn without_records_count_an_exact_multiple_ends_on_an_empty_page() {
    let server = RecordingServer::with_handler(paging(10_000, None)).await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

    let items = drain(&mut stream, 20_000).await;

    assert_eq!(ids(&items), expected_ids(0..10_000));
    // Two full pages say nothing about the end: the third, empty, page does.
    assert_eq!(offsets(&server), [Some(0), Some(5000), Some(10_000)]);
}

#[tokio::test]
async fn no_matches_is_one_request_and_an_empty_stream() {
    let server = RecordingServer::with_handler(paging(0, Some(0))).await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

    let items = drain(&mut stream, 1).await;

    assert!(items.is_empty(), "{} items from no matches", items.len());
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 1);
}

#[tokio::test]
async fn a_server_that_ignores_offset_is_an_error_not_an_endless_walk() {
    for records_count in [Some(12_345), None] {
        // Always the first page, full, whatever the offset.
        let server = RecordingServer::with_handler(move |_: &RecordedRequest| {
            Reply::json(200, &page_envelope(page_of(12_345, 0, 5000), records_count))
        })
        .await;
        let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

        let mut items = drain(&mut stream, 20_000).await;

        let last = items.pop().expect("at least one item");
        let Err(Error::Paging(error)) = &last else {
            panic!("recordsCount {records_count:?}: expected a paging error last, got {last:?}");
        };
        assert!(
            matches!(
                **error,
                PagingError::RepeatedPage {
                    offset: 5000,
                    previous_offset: 0
                }
            ),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("`offset`"), "{message}");
        // The first page once, never its repetition.
        assert_eq!(ids(&items), expected_ids(0..5000), "{records_count:?}");
        assert!(
            stream.next().await.is_none(),
            "the stream ends after the error"
        );
        let requests = server.requests_to(SEARCH_PATH).len();
        assert!(
            (2..=3).contains(&requests),
            "recordsCount {records_count:?}: {requests} requests"
        );
    }
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_is_an_error_not_a_short_result() {
    // Asked for 5,000, it sends at most 1,000, while saying 12,345 match.
    let server = RecordingServer::with_handler(|request: &RecordedRequest| {
        let offset = param(request, "offset").unwrap_or(0);
        let limit = param(request, "limit").unwrap_or(5000).min(1000);
        Reply::json(
            200,
            &page_envelope(page_of(12_345, offset, limit), Some(12_345)),
        )
    })
    .await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

    let items = drain(&mut stream, 20_000).await;

    let delivered = items.iter().filter(|item| item.is_ok()).count();
    let errors: Vec<_> = items
        .iter()
        .filter_map(|item| item.as_ref().err())
        .collect();
    assert_eq!(errors.len(), 1, "one error, got {items:?}");
    assert!(
        items.last().is_some_and(Result::is_err),
        "the error comes last"
    );
    let message = errors[0].to_string();
    assert!(
        matches!(errors[0], Error::Paging(e) if matches!(**e, PagingError::ShortPage { .. })),
        "{errors:?}"
    );
    assert!(message.contains("page size"), "{message}");
    assert!(message.contains("5000"), "{message}");
    assert!(message.contains("12345"), "{message}");
    // Not even the capped page is handed over as if it were a result.
    assert_eq!(delivered, 0, "customers delivered before the error");
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 1);
}

/// The most windows `[arrival, arrival + window)` that hold one same instant.
fn most_overlapping(arrivals: &[Instant], window: Duration) -> usize {
    arrivals
        .iter()
        .map(|&at| {
            arrivals
                .iter()
                .filter(|&&other| other <= at && at < other + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_pages_in_flight_at_most_and_the_order_kept() {
    const DELAY: Duration = Duration::from_millis(50);
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let recorded = Arc::clone(&arrivals);
    let serve = paging(2000, Some(2000));
    let server = RecordingServer::with_handler(move |request: &RecordedRequest| {
        recorded.lock().unwrap().push(Instant::now());
        serve(request).delayed(DELAY)
    })
    .await;
    let started = Instant::now();
    let mut stream = client(&server)
        .search_all(SearchQuery::new().limit(100))
        .pages_in_flight(4);

    let items = drain(&mut stream, 3000).await;
    let elapsed = started.elapsed();

    assert_eq!(ids(&items), expected_ids(0..2000));
    let mut offsets: Vec<_> = offsets_and_limits(&server)
        .into_iter()
        .map(|(offset, _)| offset.expect("an offset"))
        .collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (0..20).map(|page| page * 100).collect::<Vec<_>>());
    // A request is answered no sooner than DELAY after it arrives, and the next one is only
    // sent once an answer is in, so overlapping windows are requests in flight together.
    let arrivals = arrivals.lock().unwrap().clone();
    let most = most_overlapping(&arrivals, DELAY);
    assert!(most <= 4, "{most} requests in flight at once");
    assert!(most > 1, "the pages were fetched one at a time");
    // One at a time, 20 requests take at least 20 × DELAY.
    assert!(
        elapsed < DELAY * 20,
        "{elapsed:?}: no faster than one page at a time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_the_total_is_known_the_next_page_is_requested_as_soon_as_a_page_is_answered() {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let recorded = Arc::clone(&arrivals);
    let serve = paging(40, Some(40));
    // The server takes 200 ms to answer; each page's body comes 150 ms after its head (a
    // large body, read and decoded).
    let (answer, body) = (Duration::from_millis(200), Duration::from_millis(150));
    let server = RecordingServer::with_handler(move |request: &RecordedRequest| {
        recorded.lock().unwrap().push(Instant::now());
        serve(request).delayed(answer).body_after(body)
    })
    .await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(10));
    let customers = drain(&mut stream, 41).await;

    assert_eq!(ids(&customers), expected_ids(0..40));
    assert_eq!(offsets(&server), [Some(0), Some(10), Some(20), Some(30)]);
    let arrivals = arrivals.lock().unwrap().clone();
    // The second request waits for the first page's body (its recordsCount says whether more
    // pages follow). From then on, each request goes when the page before is answered, before
    // its body is in: ~550 ms and ~750 ms in, where waiting for the bodies would be 700 and
    // 1,050 ms. (Not sooner: then three pages would be held.)
    assert!(arrivals[1] - arrivals[0] >= answer + body);
    for i in 2..4 {
        let gap = arrivals[i] - arrivals[i - 1];
        assert!(
            gap < answer + body,
            "request {i} came {gap:?} after the one before, not when it was answered"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_page_is_requested_while_the_first_is_consumed() {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let recorded = Arc::clone(&arrivals);
    let serve = paging(30, Some(30));
    let server = RecordingServer::with_handler(move |request: &RecordedRequest| {
        recorded.lock().unwrap().push(Instant::now());
        serve(request).delayed(Duration::from_millis(100))
    })
    .await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(10));

    let mut taken = Vec::new();
    let mut customers = Vec::new();
    while let Some(item) = stream.next().await {
        taken.push(Instant::now());
        customers.push(item);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    assert_eq!(ids(&customers), expected_ids(0..30));
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 3);
    // The 10th item is the page's last, which the pager holds back until the next page is in
    // (to spot a repeated page), so it always comes after the second request; the 9th is the
    // last one a pager that fetched only on demand would hand over before asking.
    assert!(
        arrivals[1] < taken[8],
        "the second page was requested {:?} after the 9th customer was taken",
        arrivals[1].saturating_duration_since(taken[8])
    );
    assert!(arrivals[1] < taken[9]);
    assert!(arrivals[1] > arrivals[0]);
}

#[tokio::test]
async fn an_error_on_page_two_ends_the_stream_after_page_one() {
    let serve = paging(12_345, Some(12_345));
    let server = RecordingServer::with_handler(move |request: &RecordedRequest| {
        if param(request, "offset") == Some(5000) {
            Reply::json(500, &error_envelope("SYSTEM_ERROR", "database down", 500))
        } else {
            serve(request)
        }
    })
    .await;
    let mut stream = client(&server).search_all(SearchQuery::new().limit(5000));

    let mut items = drain(&mut stream, 20_000).await;

    let last = items.pop().expect("at least one item");
    let Err(Error::Api(error)) = last else {
        panic!("expected the API error last, got {last:?}");
    };
    assert_eq!(error.status, 500);
    assert_eq!(error.error_message.as_deref(), Some("database down"));
    assert_eq!(ids(&items), expected_ids(0..5000));
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(server.requests_to(SEARCH_PATH).len(), 2);
}

#[tokio::test]
async fn filters_and_order_go_with_every_page() {
    use enkash_customer_search::types;

    let server = RecordingServer::with_handler(paging(250, Some(250))).await;
    let query = SearchQuery::new()
        .filters(
            types::CustomerSearchRequest::builder()
                .legal_name("Shree Ganesh".to_string())
                .customer_status(types::CustomerStatusFilter::Active)
                .dso_from(15)
                .dso_to(90),
        )
        .order_by("legalName")
        .direction(types::SortDirection::Desc)
        .limit(100);
    let mut stream = client(&server).search_all(query);

    let items = drain(&mut stream, 1000).await;

    assert_eq!(ids(&items), expected_ids(0..250));
    let requests = server.requests_to(SEARCH_PATH);
    assert_eq!(requests.len(), 3);
    let expected_body = json!({
        "legalName": "Shree Ganesh",
        "customerStatus": "ACTIVE",
        "dsoFrom": 15,
        "dsoTo": 90,
    });
    for (page, request) in requests.iter().enumerate() {
        assert_eq!(request.method, "POST");
        assert_eq!(param(request, "offset"), Some(page * 100), "page {page}");
        assert_eq!(param(request, "limit"), Some(100), "page {page}");
        assert_eq!(
            request.query_param("orderBy").as_deref(),
            Some("legalName"),
            "page {page}"
        );
        assert_eq!(
            request.query_param("direction").as_deref(),
            Some("DESC"),
            "page {page}"
        );
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        assert_eq!(body, expected_body, "page {page}");
    }
}

#[tokio::test]
async fn the_walk_starts_at_the_query_offset() {
    let server = RecordingServer::with_handler(paging(12_345, Some(12_345))).await;
    let mut stream = client(&server).search_all(SearchQuery::new().offset(10_000).limit(5000));

    let items = drain(&mut stream, 20_000).await;

    assert_eq!(items.len(), 2345);
    assert_eq!(ids(&items), expected_ids(10_000..12_345));
    assert_eq!(offsets_and_limits(&server), [(Some(10_000), Some(5000))]);
}
