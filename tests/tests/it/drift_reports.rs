//! Drift reports against the sandbox on 127.0.0.1: a sandbox without faults shows no drift at
//! all, and one with faults shows exactly the deviations injected, counted, by field, with no
//! customer data.

use std::collections::BTreeMap;

use enkash_customer_search::{CallOptions, Client, Drift, DriftReport, Error, SearchQuery};
use enkash_customer_search_mock::Sandbox;

async fn walk(client: &Client, query: SearchQuery) {
    let mut stream = client.search_all(query);
    while let Some(customer) = stream.next().await {
        customer.expect("a customer");
    }
}

fn recording(sandbox: &Sandbox, drift: &Drift) -> Client {
    sandbox
        .client()
        .with_options(CallOptions::new().record_drift(drift))
}

#[tokio::test]
async fn the_sandbox_without_faults_shows_no_drift() {
    let sandbox = Sandbox::builder().customers(120).start().await.unwrap();
    let drift = Drift::new();
    walk(&recording(&sandbox, &drift), SearchQuery::new().limit(50)).await;
    let report = drift.report();
    assert_eq!(report.responses, 3);
    assert!(report.is_empty(), "{report:#?}");
}

#[tokio::test]
async fn the_faults_injected_are_exactly_what_the_report_lists() {
    let sandbox = Sandbox::builder().customers(60).start().await.unwrap();
    sandbox.faults().offset_less_timestamps(true);
    sandbox.faults().unknown_enum_values(true);
    let drift = Drift::new();
    let client = recording(&sandbox, &drift);
    walk(&client, SearchQuery::new().limit(25)).await;
    // One error envelope, whose errorType the spec does not list.
    sandbox.faults().fail_next(1, 400);
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error}");

    let customers = sandbox.dataset().len() as u64;
    let contacts: u64 = sandbox
        .dataset()
        .iter()
        .map(|c| c["customerKeyContacts"].as_array().map_or(0, Vec::len) as u64)
        .sum();
    assert!(contacts > 0, "the data set has key contacts");
    let forms = |form: &str, count| BTreeMap::from([(form.to_string(), count)]);
    let mut expected = DriftReport::default();
    expected.responses = 4;
    expected.unknown_fields =
        BTreeMap::from([("CustomerResponse.gstFilingStatus".to_string(), customers)]);
    expected.unknown_enum_values = BTreeMap::from([(
        "ErrorResponse.errorType".to_string(),
        forms("SOMETHING_NEW", 1),
    )]);
    expected.date_time_forms = BTreeMap::from([
        (
            "CustomerKeyContact.createdOn".to_string(),
            forms("LocalSpaceSeparated", contacts),
        ),
        (
            "CustomerKeyContact.modifiedOn".to_string(),
            forms("LocalSpaceSeparated", contacts),
        ),
        (
            "CustomerResponse.createdOn".to_string(),
            forms("LocalIso8601", customers),
        ),
        (
            "CustomerResponse.modifiedOn".to_string(),
            forms("LocalIso8601", customers),
        ),
    ]);
    assert_eq!(drift.report(), expected);

    // Names, forms and counts: no customer's data.
    let text = serde_json::to_string(&drift.report()).unwrap();
    for customer in sandbox.dataset().iter().take(5) {
        for field in ["customerId", "legalName", "panOrGstin"] {
            let value = customer[field].as_str().unwrap();
            assert!(!text.contains(value), "{value} in {text}");
        }
    }
}

#[tokio::test]
async fn without_recording_nothing_is_checked_and_a_drift_is_shared_by_its_clones() {
    let sandbox = Sandbox::builder().customers(10).start().await.unwrap();
    sandbox.faults().unknown_enum_values(true);
    let drift = Drift::new();
    sandbox.client().search(SearchQuery::new()).await.unwrap();
    assert_eq!(drift.report().responses, 0);
    let clone = drift.clone();
    recording(&sandbox, &clone)
        .search(SearchQuery::new())
        .await
        .unwrap();
    assert_eq!(drift.report().responses, 1);
    assert_eq!(drift.report().unknown_fields.values().sum::<u64>(), 10);
}
