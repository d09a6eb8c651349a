//! The client against a server on 127.0.0.1: a search decodes the vendor example, and an
//! error status keeps its status and envelope.

use enkash_customer_search::{Client, Error, Open, SearchQuery, types};
use workspace_tests::{RecordingServer, spec_example};

#[tokio::test]
async fn a_search_decodes_the_vendor_example() {
    let server = RecordingServer::start(200, spec_example("CustomerSearchPage")).await;
    let client = Client::new(server.base_url()).expect("a client for the test server");

    let page = client
        .search(&SearchQuery::new().limit(10))
        .await
        .expect("the search succeeds");
    assert_eq!(page.status, 200);
    assert_eq!(page.response_code, Some(0));
    assert_eq!(page.error_response, None);
    assert_eq!(page.records_count, Some(1));
    let customer = &page.customers[0];
    assert_eq!(customer.legal_name.as_deref(), Some("Shree Ganesh Traders"));
    assert_eq!(customer.pan_or_gstin.as_deref(), Some("27AAPFU0939F1ZV"));
    assert_eq!(customer.net_amount, Some(125000.5));
    let created_on = customer.created_on.as_ref().expect("createdOn");
    assert_eq!(
        created_on.to_utc(),
        Some("2024-04-12T09:15:22Z".parse().unwrap())
    );
    assert_eq!(created_on.original(), "2024-04-12T09:15:22Z");
    let contact = &customer
        .customer_key_contacts
        .as_ref()
        .expect("key contacts")[0];
    assert_eq!(contact.whatsapp_enabled, Some(true));
    let reminder = &customer.customer_reminders.as_ref().expect("reminders")[0];
    assert_eq!(reminder.due_date_difference, Some(-3));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].uri.path(), "/api/v0/customer/search");
    assert_eq!(requests[0].uri.query(), Some("limit=10"));
}

#[tokio::test]
async fn an_error_status_keeps_its_status_and_envelope() {
    let server = RecordingServer::start(400, spec_example("ValidationError")).await;
    let client = Client::new(server.base_url()).expect("a client for the test server");

    let err = client
        .search(&SearchQuery::new().limit(500))
        .await
        .expect_err("a 400 is an error");
    let Error::Api(error) = err else {
        panic!("expected the documented error envelope, got {err:?}");
    };
    assert_eq!(error.status, 400);
    assert_eq!(
        error.error_type,
        Some(Open::Known(types::ErrorType::ValidationError))
    );
    assert_eq!(
        error.error_message.as_deref(),
        Some("limit must be less than or equal to 5000")
    );
    assert_eq!(
        error.request_id.as_deref(),
        Some("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f")
    );
}
