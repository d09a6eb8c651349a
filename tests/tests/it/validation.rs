//! Requests stay strict: a query that breaks a rule of the spec is refused before anything is
//! sent, with `Error::InvalidRequest` naming the wire field at fault.
//!
//! EnKash would reject such a query (or, worse, accept it and answer something else), and a
//! refusal that costs a round trip, a token and perhaps a retry helps nobody. Each test checks
//! both sides of a bound against a server on 127.0.0.1: the value just outside is refused and
//! the server sees no request; the value on the bound is sent. The bounds themselves are read
//! from the spec, so the client and the spec cannot drift apart unnoticed.

use chrono::{DateTime, Utc};
use enkash_customer_search::{
    Client, Error, MAX_PAGE_SIZE, MIN_PAGE_SIZE, RetryPolicy, SearchQuery, types,
};
use serde_json::Value;
use workspace_tests::{RecordingServer, SEARCH_PATH, page_envelope, spec};

/// A server that answers every search with an empty page.
async fn server() -> RecordingServer {
    RecordingServer::start(200, page_envelope(Vec::new(), Some(0))).await
}

fn client(server: &RecordingServer) -> Client {
    Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client for the test server")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("a valid RFC 3339 instant")
}

/// Searches with `query` and checks it was refused for `field` with nothing sent.
async fn assert_refused(query: SearchQuery, field: &str) {
    let server = server().await;
    let result = client(&server).search(&query).await;
    let Err(Error::InvalidRequest(invalid)) = &result else {
        panic!("{query:?}: expected InvalidRequest for `{field}`, got {result:?}");
    };
    assert_eq!(invalid.field, field, "{query:?}: {invalid}");
    let message = result.as_ref().unwrap_err().to_string();
    assert!(message.contains(&format!("`{field}`")), "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    assert_eq!(
        server.requests().len(),
        0,
        "{query:?}: the server saw a request"
    );
    assert!(matches!(query.validate(), Err(Error::InvalidRequest(_))));
}

/// Searches with `query`, which must be sent and succeed; returns the request sent.
async fn assert_sent(query: SearchQuery) -> workspace_tests::RecordedRequest {
    let server = server().await;
    let result = client(&server).search(&query).await;
    assert!(result.is_ok(), "{query:?}: {result:?}");
    let mut requests = server.requests_to(SEARCH_PATH);
    assert_eq!(requests.len(), 1, "{query:?}");
    requests.remove(0)
}

fn dso(from: i32, to: i32) -> SearchQuery {
    SearchQuery::new().filters(
        types::CustomerSearchRequest::builder()
            .dso_from(from)
            .dso_to(to),
    )
}

fn created_on(from: &str, to: &str) -> SearchQuery {
    SearchQuery::new().filters(
        types::CustomerSearchRequest::builder()
            .created_on_from(at(from))
            .created_on_to(at(to)),
    )
}

#[tokio::test]
async fn a_limit_outside_1_to_5000_is_refused() {
    for limit in [0, -1, 5001, i32::MIN, i32::MAX] {
        assert_refused(SearchQuery::new().limit(limit), "limit").await;
    }
    for limit in [1, 5000] {
        let request = assert_sent(SearchQuery::new().limit(limit)).await;
        assert_eq!(request.query_param("limit"), Some(limit.to_string()));
    }
}

#[tokio::test]
async fn a_negative_offset_is_refused() {
    for offset in [-1, i32::MIN] {
        assert_refused(SearchQuery::new().offset(offset), "offset").await;
    }
    let request = assert_sent(SearchQuery::new().offset(0)).await;
    assert_eq!(request.query_param("offset").as_deref(), Some("0"));
}

#[tokio::test]
async fn dso_from_above_dso_to_is_refused() {
    assert_refused(dso(90, 15), "dsoFrom").await;
    assert_refused(dso(-1, -2), "dsoFrom").await;
    let request = assert_sent(dso(30, 30)).await;
    let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
    assert_eq!(body, serde_json::json!({ "dsoFrom": 30, "dsoTo": 30 }));
}

#[tokio::test]
async fn created_on_from_after_created_on_to_is_refused() {
    assert_refused(
        created_on("2024-10-10T00:00:01Z", "2024-10-10T00:00:00Z"),
        "createdOnFrom",
    )
    .await;
    let request = assert_sent(created_on("2024-10-10T00:00:00Z", "2024-10-10T00:00:00Z")).await;
    let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
    assert_eq!(body["createdOnFrom"], body["createdOnTo"]);
    assert!(body["createdOnFrom"].is_string(), "{body}");
}

#[tokio::test]
async fn the_first_broken_rule_is_named_when_several_are() {
    // limit is checked before offset, and both before the filters.
    let query = dso(90, 15).offset(-1).limit(0);
    assert_refused(query, "limit").await;
    assert_refused(dso(90, 15).offset(-1), "offset").await;
}

/// The schema of the search operation's query parameter `name` in the spec.
fn parameter_schema(name: &str) -> Value {
    let spec = spec();
    let parameters = spec["paths"]["/api/v0/customer/search"]["post"]["parameters"]
        .as_array()
        .expect("the search operation's parameters")
        .clone();
    parameters
        .into_iter()
        .find(|p| p["name"] == name && p["in"] == "query")
        .unwrap_or_else(|| panic!("the spec has no query parameter {name}"))["schema"]
        .clone()
}

#[test]
fn the_bounds_are_the_specs() {
    let limit = parameter_schema("limit");
    assert_eq!(limit["minimum"].as_i64(), Some(i64::from(MIN_PAGE_SIZE)));
    assert_eq!(limit["maximum"].as_i64(), Some(i64::from(MAX_PAGE_SIZE)));
    assert_eq!(limit["format"], "int32");
    let offset = parameter_schema("offset");
    assert_eq!(offset["minimum"].as_i64(), Some(0));
    assert!(offset.get("maximum").is_none(), "{offset}");
    assert_eq!((MIN_PAGE_SIZE, MAX_PAGE_SIZE), (1, 5000));
}

#[tokio::test]
async fn search_all_refuses_an_invalid_query_with_one_error_and_sends_nothing() {
    let cases = [
        (SearchQuery::new().limit(0), "limit"),
        (SearchQuery::new().limit(5001), "limit"),
        (SearchQuery::new().limit(-1), "limit"),
        (SearchQuery::new().offset(-1), "offset"),
        (dso(90, 15), "dsoFrom"),
        (
            created_on("2024-10-11T00:00:00Z", "2024-10-10T00:00:00Z"),
            "createdOnFrom",
        ),
    ];
    for (query, field) in cases {
        let server = server().await;
        let label = format!("{query:?}");
        let mut stream = client(&server).search_all(query);

        let first = stream.next().await;

        let Some(Err(Error::InvalidRequest(invalid))) = &first else {
            panic!("{label}: expected InvalidRequest for `{field}`, got {first:?}");
        };
        assert_eq!(invalid.field, field, "{label}: {invalid}");
        assert!(
            stream.next().await.is_none(),
            "{label}: one error, then the end"
        );
        assert_eq!(
            server.requests().len(),
            0,
            "{label}: the server saw a request"
        );
    }
}

#[tokio::test]
async fn several_pages_in_flight_refuse_an_invalid_query_too() {
    let server = server().await;
    let mut stream = client(&server)
        .search_all(SearchQuery::new().limit(5001))
        .pages_in_flight(4);

    let first = stream.next().await;

    let Some(Err(Error::InvalidRequest(invalid))) = &first else {
        panic!("expected InvalidRequest, got {first:?}");
    };
    assert_eq!(invalid.field, "limit", "{invalid}");
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn pages_in_flight_out_of_range_is_refused() {
    for pages_in_flight in [0, 17] {
        let server = server().await;
        let mut stream = client(&server)
            .search_all(SearchQuery::new().limit(100))
            .pages_in_flight(pages_in_flight);

        let first = stream.next().await;

        let Some(Err(Error::InvalidRequest(invalid))) = &first else {
            panic!("{pages_in_flight}: expected InvalidRequest, got {first:?}");
        };
        assert_eq!(invalid.field, "pages_in_flight", "{invalid}");
        assert!(stream.next().await.is_none());
        assert_eq!(server.requests().len(), 0);
    }
    for pages_in_flight in [1, 16] {
        let server = server().await;
        let mut stream = client(&server)
            .search_all(SearchQuery::new().limit(100))
            .pages_in_flight(pages_in_flight);
        assert!(stream.next().await.is_none(), "no matches, no error");
        assert_eq!(server.requests().len(), 1);
    }
}

#[test]
fn the_generated_filter_setters_build_the_body_the_builder_would() {
    let by_setters = SearchQuery::new()
        .legal_name("Traders")
        .customer_ids(["KC0000000000000A", "KC0000000000000B"])
        .dso_from(90)
        .dso_to(30);
    let error = by_setters.validate().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(e) if e.field == "dsoFrom"),
        "{error:?}"
    );
    let by_builder = SearchQuery::new().filters(
        enkash_customer_search::types::CustomerSearchRequest::builder()
            .legal_name("Traders".to_string())
            .customer_ids(vec![
                "KC0000000000000A".to_string(),
                "KC0000000000000B".to_string(),
            ])
            .dso_from(90)
            .dso_to(30),
    );
    assert_eq!(format!("{by_setters:?}"), format!("{by_builder:?}"));
}
