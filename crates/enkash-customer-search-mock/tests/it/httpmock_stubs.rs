//! The typed httpmock helpers as a downstream test uses them: a stub in a few lines, matched
//! by the client's real requests, and each documented error status through the client.

use enkash_customer_search::{Client, Error, Open, RetryPolicy, SearchQuery, types};
use enkash_customer_search_mock::{MockServerExt, httpmock::MockServer};

fn envelope_with(customers: Vec<types::CustomerResponse>) -> types::CustomerSearchResponse {
    let records_count = Some(customers.len() as i64);
    {
        let mut value = types::CustomerSearchResponse::default();
        value.payload = Some({
            let mut value = types::CustomerPage::default();
            value.data = Some(customers);
            value.records_count = records_count;
            value
        });
        value
    }
}

#[tokio::test]
async fn a_stub_matches_the_filters_and_query_the_client_sends() {
    let server = MockServer::start_async().await;
    let filters = {
        let mut value = types::CustomerSearchRequest::default();
        value.legal_name = Some("Shree Ganesh".into());
        value.customer_status = Some(types::CustomerStatusFilter::Active);
        value
    };
    let customer: types::CustomerResponse = types::CustomerResponse::builder()
        .customer_id("KC0000000000000A".to_string())
        .legal_name("Shree Ganesh Traders".to_string())
        .try_into()
        .unwrap();
    let mock = server.search_customer(|when, then| {
        when.limit(std::num::NonZeroU32::new(25))
            .offset(50)
            .order_by("legalName")
            .body(&filters);
        then.ok(&envelope_with(vec![customer.clone()]));
    });

    let client = Client::new(&server.base_url()).unwrap();
    let query = SearchQuery::new()
        .filters(filters.clone())
        .limit(25)
        .offset(50)
        .order_by("legalName");
    let page = client.search(&query).await.unwrap();
    assert_eq!(page.customers, vec![customer]);
    mock.assert();

    // A different query does not match the stub: httpmock answers 404 with no envelope.
    let other = client
        .search(&SearchQuery::new().limit(26))
        .await
        .unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404));
    mock.assert_calls(1);
}

#[tokio::test]
async fn each_documented_error_status_arrives_as_an_api_error() {
    let error = {
        let mut value = types::CustomerSearchResponse::default();
        value.error_response = Some({
            let mut value = types::ErrorResponse::default();
            value.error_message = Some("limit must be less than or equal to 5000".into());
            value.error_type = Some(Open::Known(types::ErrorType::ValidationError));
            value.request_id = Some("req-1".into());
            value
        });
        value.response_code = Some(400);
        value
    };
    type Respond = fn(
        enkash_customer_search_mock::operations::SearchCustomerThen,
        &types::CustomerSearchResponse,
    ) -> enkash_customer_search_mock::operations::SearchCustomerThen;
    let statuses: [(u16, Respond); 6] = [
        (400, |then, e| then.bad_request(e)),
        (401, |then, e| then.unauthorized(e)),
        (403, |then, e| then.forbidden(e)),
        (404, |then, e| then.not_found(e)),
        (422, |then, e| then.unprocessable_entity(e)),
        (500, |then, e| then.internal_server_error(e)),
    ];
    for (status, respond) in statuses {
        let server = MockServer::start_async().await;
        server.search_customer(|_, then| {
            respond(then, &error);
        });
        let client = Client::builder(server.base_url())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.search(&SearchQuery::new()).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        match (status, err) {
            (401, Error::Authentication(auth)) => {
                assert_eq!(auth.api_error.unwrap().request_id.as_deref(), Some("req-1"));
            }
            (_, Error::Api(api)) => {
                assert_eq!(api.request_id.as_deref(), Some("req-1"));
                assert_eq!(
                    api.error_message.as_deref(),
                    Some("limit must be less than or equal to 5000")
                );
            }
            (_, other) => panic!("HTTP {status}: {other:?}"),
        }
    }
}
