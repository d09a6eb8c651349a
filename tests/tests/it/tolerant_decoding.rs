//! Tolerant decoding through a real `client.search` against a server on 127.0.0.1: the vendor
//! example with one thing changed at a time, the way a Spring service drifts.
//!
//! EnKash may add enum values, send `null` for any field, add fields, and write date-times in
//! several forms. With strict types one such value fails a whole page of 5,000 customers, so
//! the client promises (crate README, "Tolerant responses") to keep unknown enum strings,
//! accept `null` everywhere, ignore unknown fields, read dates leniently without losing what
//! was sent, and keep `apiSubErrors` of any shape. Each test here breaks one of those promises
//! if the client does.

use enkash_customer_search::{
    Client, DateTimeFormat, Error, Open, RetryPolicy, SearchPage, SearchQuery, types,
};
use serde_json::{Value, json};
use workspace_tests::{RecordingServer, error_envelope, spec, spec_example};

/// One search for `body` served under `status`.
async fn search(status: u16, body: Value) -> Result<SearchPage, Error> {
    let server = RecordingServer::start(status, body).await;
    let client = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client for the test server");
    let result = client.search(&SearchQuery::new().limit(100)).await;
    assert_eq!(server.requests().len(), 1, "one request, no retry");
    result
}

/// The first customer of the vendor example.
fn example_customer() -> Value {
    spec_example("CustomerSearchPage")["payload"]["data"][0].clone()
}

/// A success envelope holding `customers`, otherwise the vendor example.
fn example_with_customers(customers: Vec<Value>) -> Value {
    let mut page = spec_example("CustomerSearchPage");
    page["payload"]["recordsCount"] = json!(customers.len());
    page["payload"]["data"] = Value::Array(customers);
    page
}

/// The property names of a component schema of the spec.
fn spec_properties(schema: &str) -> Vec<String> {
    let properties = spec()["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the spec's {schema} has properties"))
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert!(!properties.is_empty());
    properties
}

/// An object with every property of the spec's `schema` set to `null`.
fn all_null(schema: &str) -> Value {
    Value::Object(
        spec_properties(schema)
            .into_iter()
            .map(|name| (name, Value::Null))
            .collect(),
    )
}

#[tokio::test]
async fn an_unknown_error_type_is_kept_as_sent() {
    for status in [400, 200] {
        let body = error_envelope("SOMETHING_NEW", "a kind of failure added later", 400);
        let error = search(status, body).await.expect_err("an error envelope");
        let Error::Api(api_error) = error else {
            panic!("HTTP {status}: expected the API error, got {error:?}");
        };
        assert_eq!(api_error.status, status);
        assert_eq!(
            api_error.error_type,
            Some(Open::Unknown("SOMETHING_NEW".to_string()))
        );
        assert_eq!(
            serde_json::to_value(&api_error.error_type).unwrap(),
            json!("SOMETHING_NEW")
        );
        assert_eq!(
            api_error.error_message.as_deref(),
            Some("a kind of failure added later")
        );
        assert!(
            api_error.to_string().contains("SOMETHING_NEW"),
            "{api_error}"
        );
    }
}

#[tokio::test]
async fn an_unknown_error_type_beside_a_page_keeps_the_page() {
    let mut body = spec_example("CustomerSearchPage");
    body["errorResponse"] = json!({
        "errorType": "SOMETHING_NEW",
        "errorMessage": "2 customers hidden",
        "apiSubErrors": null,
    });

    let page = search(200, body)
        .await
        .expect("a page with a remark is a page");

    assert_eq!(page.customers.len(), 1);
    assert_eq!(
        page.customers[0].legal_name.as_deref(),
        Some("Shree Ganesh Traders")
    );
    let remark = page.error_response.expect("the errorResponse is kept");
    assert_eq!(
        remark.error_type,
        Some(Open::Unknown("SOMETHING_NEW".to_string()))
    );
    assert_eq!(remark.error_message.as_deref(), Some("2 customers hidden"));
    let reencoded = serde_json::to_value(&remark).unwrap();
    assert_eq!(reencoded["errorType"], json!("SOMETHING_NEW"));
}

#[tokio::test]
async fn date_times_in_every_form_decode_and_keep_the_original() {
    // (createdOn as sent, the instant expected, the form recognised)
    let cases: [(Value, Option<&str>, DateTimeFormat); 7] = [
        (
            json!("2024-10-10T08:34:46"),
            Some("2024-10-10T03:04:46Z"),
            DateTimeFormat::LocalIso8601,
        ),
        (
            json!("2024-10-10 08:34:46"),
            Some("2024-10-10T03:04:46Z"),
            DateTimeFormat::LocalSpaceSeparated,
        ),
        (
            json!("2024-10-10"),
            Some("2024-10-09T18:30:00Z"),
            DateTimeFormat::Date,
        ),
        (
            json!("2024-10-10T08:34:46.123+05:30"),
            Some("2024-10-10T03:04:46.123Z"),
            DateTimeFormat::Rfc3339,
        ),
        (
            json!("2024-10-10T08:34:46Z"),
            Some("2024-10-10T08:34:46Z"),
            DateTimeFormat::Rfc3339,
        ),
        (
            json!(1_728_549_286_000_i64),
            Some("2024-10-10T08:34:46Z"),
            DateTimeFormat::EpochMillis,
        ),
        (json!("soon"), None, DateTimeFormat::Unrecognised),
    ];
    let customers = cases
        .iter()
        .enumerate()
        .map(|(i, (created_on, _, _))| {
            let mut customer = example_customer();
            customer["customerId"] = json!(format!("KC{i:014}"));
            customer["createdOn"] = created_on.clone();
            customer
        })
        .collect();

    let page = search(200, example_with_customers(customers))
        .await
        .expect("one odd date does not fail the page");

    assert_eq!(page.customers.len(), cases.len());
    for ((sent, instant, format), customer) in cases.iter().zip(&page.customers) {
        let created_on = customer.created_on.as_ref().expect("createdOn");
        let original = match sent {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(created_on.original(), original);
        assert_eq!(created_on.format(), *format, "{sent}");
        assert_eq!(
            created_on.to_utc(),
            instant.map(|i| i.parse().expect("an instant")),
            "{sent}"
        );
        let reencoded = serde_json::to_value(customer).expect("serialisable");
        assert_eq!(&reencoded["createdOn"], sent, "written back as sent");
        // The rest of the customer is untouched by its date.
        assert_eq!(customer.legal_name.as_deref(), Some("Shree Ganesh Traders"));
    }
}

#[tokio::test]
async fn null_for_every_field_decodes() {
    let mut contact_of_nulls = all_null("CustomerKeyContact");
    contact_of_nulls["name"] = json!("Ramesh Iyer");
    let mut customer_with_null_nested = all_null("CustomerResponse");
    customer_with_null_nested["customerKeyContacts"] = json!([contact_of_nulls]);
    customer_with_null_nested["customerReminders"] = json!([all_null("CustomerReminder")]);
    let mut body = example_with_customers(vec![
        all_null("CustomerResponse"),
        customer_with_null_nested,
    ]);
    body["errorResponse"] = Value::Null;
    body["response_code"] = Value::Null;
    body["response_message"] = Value::Null;
    body["payload"]["recordsCount"] = Value::Null;

    let page = search(200, body).await.expect("nulls decode");

    assert_eq!(page.customers.len(), 2);
    let blank: types::CustomerResponse = types::CustomerResponse::builder().try_into().unwrap();
    assert_eq!(page.customers[0], blank);
    let nested = &page.customers[1];
    let contacts = nested.customer_key_contacts.as_ref().expect("the contacts");
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].name.as_deref(), Some("Ramesh Iyer"));
    assert_eq!(
        {
            let mut value = contacts[0].clone();
            value.name = None;
            value
        },
        types::CustomerKeyContact::builder().try_into().unwrap()
    );
    let reminders = nested.customer_reminders.as_ref().expect("the reminders");
    let blank: types::CustomerReminder = types::CustomerReminder::builder().try_into().unwrap();
    assert_eq!(reminders.as_slice(), [blank]);
    assert_eq!(page.records_count, None);
    assert_eq!(page.response_code, None);
    assert_eq!(page.error_response, None);
}

#[tokio::test]
async fn null_data_is_an_empty_page() {
    let mut body = spec_example("CustomerSearchPage");
    body["payload"]["data"] = Value::Null;
    body["payload"]["recordsCount"] = json!(0);

    let page = search(200, body).await.expect("an empty page");

    assert!(page.customers.is_empty());
    assert_eq!(page.records_count, Some(0));
    assert_eq!(page.response_code, Some(0));
}

#[tokio::test]
async fn unknown_fields_decode_and_a_customers_are_kept_as_sent() {
    let plain = search(200, spec_example("CustomerSearchPage"))
        .await
        .expect("the vendor example");

    let mut body = spec_example("CustomerSearchPage");
    body["traceId"] = json!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    body["payload"]["pageInfo"] = json!({ "hasNext": false, "cursor": null });
    let customer = &mut body["payload"]["data"][0];
    customer["loyaltyTier"] = json!("GOLD");
    customer["gstDetails"] = json!([{ "gstin": "27AAPFU0939F1ZV", "verified": true }]);
    customer["customerKeyContacts"][0]["linkedIn"] = json!({ "url": null, "followers": 12 });
    customer["customerReminders"][0]["channel"] = json!(["SMS", 3]);
    let sent = customer.clone();

    let page = search(200, body).await.expect("extra fields decode");

    assert_eq!(page.records_count, Some(1));
    assert_eq!(page.response_message.as_deref(), Some("SUCCESS"));
    // A customer's fields the spec lacks are kept, at every level, with the values sent.
    let customer = &page.customers[0];
    assert_eq!(
        customer.extra.keys().collect::<Vec<_>>(),
        ["gstDetails", "loyaltyTier"]
    );
    assert_eq!(customer.extra["loyaltyTier"], "GOLD");
    let contact = &customer.customer_key_contacts.as_ref().unwrap()[0];
    assert_eq!(
        contact.extra["linkedIn"],
        json!({ "url": null, "followers": 12 })
    );
    let reminder = &customer.customer_reminders.as_ref().unwrap()[0];
    assert_eq!(reminder.extra["channel"], json!(["SMS", 3]));
    // Everything else is what the plain page gave.
    let mut known = customer.clone();
    known.extra.clear();
    for contact in known.customer_key_contacts.iter_mut().flatten() {
        contact.extra.clear();
    }
    for reminder in known.customer_reminders.iter_mut().flatten() {
        reminder.extra.clear();
    }
    assert_eq!(known, plain.customers[0]);
    // Written back (as the CLI's ndjson does), the unknown fields are what was sent, integers
    // still integers.
    let written = serde_json::to_value(customer).unwrap();
    for pointer in [
        "/loyaltyTier",
        "/gstDetails",
        "/customerKeyContacts/0/linkedIn",
        "/customerReminders/0/channel",
    ] {
        assert_eq!(written.pointer(pointer), sent.pointer(pointer), "{pointer}");
    }
}

#[tokio::test]
async fn unknown_fields_in_an_error_envelope_are_ignored() {
    let mut body = error_envelope("VALIDATION_ERROR", "limit is too large", 400);
    body["errorResponse"]["path"] = json!("/api/v0/customer/search");
    body["errorResponse"]["details"] = json!({ "limit": [5001] });
    body["traceId"] = json!("abc");

    let error = search(400, body).await.expect_err("an error envelope");

    let Error::Api(api_error) = error else {
        panic!("expected the API error, got {error:?}");
    };
    assert_eq!(
        api_error.error_type,
        Some(Open::Known(types::ErrorType::ValidationError))
    );
    assert_eq!(
        api_error.error_message.as_deref(),
        Some("limit is too large")
    );
    assert_eq!(api_error.request_id.as_deref(), Some("req-4f2a"));
}

#[tokio::test]
async fn api_sub_errors_of_any_shape_are_kept_as_sent() {
    let sub_errors = vec![
        json!({ "field": "limit" }),
        json!("text"),
        json!(42),
        Value::Null,
        json!([1]),
    ];
    let mut body = error_envelope("VALIDATION_ERROR", "limit must be at most 5000", 400);
    body["errorResponse"]["apiSubErrors"] = Value::Array(sub_errors.clone());

    let error = search(400, body).await.expect_err("a 400");

    let Error::Api(api_error) = error else {
        panic!("expected the API error, got {error:?}");
    };
    assert_eq!(api_error.status, 400);
    assert_eq!(api_error.api_sub_errors, sub_errors);
}

/// Every date-time property the spec declares for `schema`.
fn date_time_properties(schema: &str) -> Vec<String> {
    let spec = spec();
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .expect("properties")
        .iter()
        .filter(|(_, property)| property["format"] == "date-time")
        .map(|(name, _)| name.clone())
        .collect()
}

#[tokio::test]
async fn the_vendor_example_decodes_with_every_date_as_sent() {
    let example = spec_example("CustomerSearchPage");

    let page = search(200, example.clone())
        .await
        .expect("the vendor example");

    assert_eq!(page.records_count, Some(1));
    let sent = &example["payload"]["data"][0];
    let customer = &page.customers[0];
    let customer_dates = date_time_properties("CustomerResponse");
    assert_eq!(customer_dates, ["createdOn", "modifiedOn"]);
    let decoded = [&customer.created_on, &customer.modified_on];
    for (name, value) in customer_dates.iter().zip(decoded) {
        let value = value.as_ref().unwrap_or_else(|| panic!("{name} decoded"));
        assert_eq!(Some(value.original()), sent[name].as_str(), "{name}");
        assert!(value.to_utc().is_some(), "{name} is recognised");
    }
    let contact_dates = date_time_properties("CustomerKeyContact");
    assert_eq!(contact_dates, ["createdOn", "modifiedOn"]);
    let contact = &customer.customer_key_contacts.as_ref().expect("contacts")[0];
    let sent_contact = &sent["customerKeyContacts"][0];
    let decoded = [&contact.created_on, &contact.modified_on];
    for (name, value) in contact_dates.iter().zip(decoded) {
        let value = value
            .as_ref()
            .unwrap_or_else(|| panic!("contact {name} decoded"));
        assert_eq!(
            Some(value.original()),
            sent_contact[name].as_str(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_byte_order_mark_before_the_json_is_no_part_of_it() {
    let body = serde_json::to_vec(&spec_example("CustomerSearchPage")).unwrap();
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(&body);
    let server = RecordingServer::with_handler(move |request| {
        if request.uri.path() == workspace_tests::TOKEN_PATH {
            workspace_tests::Reply::raw(
                200,
                "application/json",
                b"\xef\xbb\xbf{\"access_token\": \"TK-bom\", \"expires_in\": 600}".to_vec(),
            )
        } else {
            workspace_tests::Reply::raw(200, "application/json;charset=UTF-8", with_bom.clone())
        }
    })
    .await;
    let client = Client::builder(server.base_url())
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap();
    let page = client.search(&SearchQuery::new()).await.unwrap();
    assert!(!page.customers.is_empty());
    let searched = server.requests_to(workspace_tests::SEARCH_PATH);
    assert_eq!(
        searched[0].header("authorization").as_deref(),
        Some("Bearer TK-bom")
    );
}
