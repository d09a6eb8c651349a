//! What crosses the wire: the exact request a fully filtered search sends, and the vendor's
//! example response decoded and re-encoded without loss.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use enkash_customer_search::{Client, SearchQuery, types};
use serde_json::{Value, json};
use workspace_tests::{RecordingServer, numbers_as_f64, spec_example, spec_request_example};

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("a valid RFC 3339 instant")
}

/// Every body filter of the spec, set through the typed builder.
fn every_filter() -> types::builder::CustomerSearchRequest {
    types::CustomerSearchRequest::builder()
        .account_number("50200012345678".to_string())
        .assigned_agent("Priya Sharma".to_string())
        .balance_amount(125000.5)
        .company_id("CEK1A2B3C4".to_string())
        .contact_number("9876543210".to_string())
        .created_by_name("Rahul Verma".to_string())
        .created_on_from(at("2024-04-01T00:00:00Z"))
        .created_on_to(at("2024-10-10T23:59:59Z"))
        .customer_ids(vec![
            "KC0000000000000A".to_string(),
            "KC0000000000000B".to_string(),
        ])
        .customer_status(types::CustomerStatusFilter::Active)
        .dso_from(15)
        .dso_to(90)
        .ifsc("HDFC0001234".to_string())
        .legal_name("Shree Ganesh Traders".to_string())
        .level(types::CustomerLevel::Level1)
        .modified_by_name("Anita Desai".to_string())
        .modified_on(at("2024-10-09T10:30:00Z"))
        .pan_or_gstin("27AAPFU0939F1ZV".to_string())
        .parent_company_id("CEK9Z8Y7X6".to_string())
        .select_all(false)
        .unique_ref_no("REF-2024-0042".to_string())
}

#[tokio::test]
async fn a_search_with_every_filter_sends_exactly_this_request() {
    let server = RecordingServer::start(200, spec_example("CustomerSearchPage")).await;
    let client = Client::new(server.base_url()).expect("a client for the test server");
    let query = SearchQuery::new()
        .direction(types::SortDirection::Desc)
        .limit(500)
        .offset(1000)
        .order_by("legalName")
        .filters(every_filter());
    client.search(&query).await.expect("the search succeeds");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");

    // The body is the spec's own every-filter example, field for field.
    let example = spec_request_example();
    assert_eq!(
        body, example,
        "the typed filters encode as the spec's example"
    );
    let filters = example.as_object().unwrap().len();
    let properties =
        workspace_tests::spec()["components"]["schemas"]["CustomerSearchRequest"]["properties"]
            .as_object()
            .unwrap()
            .len();
    assert_eq!(
        filters, properties,
        "the example sets every filter the spec has"
    );

    // This crate builds the client with `zstd` beside the default `gzip`, so it asks for both.
    let headers: BTreeMap<&str, &str> = request
        .headers
        .iter()
        .filter(|(name, _)| *name != "host")
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
        .collect();
    insta::assert_json_snapshot!(json!({
        "method": request.method.as_str(),
        "path": request.uri.path(),
        "query": request.uri.query(),
        "headers": headers,
        "body": body,
    }));
}

#[test]
fn the_vendor_example_response_decodes_and_reencodes_without_loss() {
    let example = spec_example("CustomerSearchPage");
    let decoded: types::CustomerSearchResponse =
        serde_json::from_value(example.clone()).expect("the vendor example decodes");
    let reencoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(numbers_as_f64(&reencoded), numbers_as_f64(&example));
    insta::assert_json_snapshot!(reencoded);
}

#[test]
fn the_error_example_decodes_and_reencodes_without_loss() {
    let example = spec_example("ValidationError");
    let decoded: types::CustomerSearchResponse =
        serde_json::from_value(example.clone()).expect("the error example decodes");
    let error = decoded
        .error_response
        .as_ref()
        .expect("errorResponse is set");
    assert_eq!(
        error.error_type,
        Some(enkash_customer_search::Open::Known(
            types::ErrorType::ValidationError
        ))
    );
    assert_eq!(error.api_sub_errors.as_ref().map(Vec::len), Some(1));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), example);
}
