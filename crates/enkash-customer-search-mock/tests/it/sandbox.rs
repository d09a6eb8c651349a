//! The sandbox through the real client (and, where the client would hide what happens on the
//! wire, through plain reqwest): auth and lockout, every filter against a brute-force count
//! over `dataset()`, ordering, paging, each fault, determinism.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use enkash_customer_search::{
    AuthenticationFailure, Client, Credentials, DateTimeFormat, Error, Open, SearchQuery, types,
};
use enkash_customer_search_mock::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Sandbox,
};
use serde_json::Value;

/// A plain HTTP client for requests the typed client would not send as they are.
fn http() -> reqwest::Client {
    enkash_customer_search::reqwest_client_builder()
        .unwrap()
        .build()
        .unwrap()
}

/// A smaller sandbox for tests that compare whole results with `dataset()`.
async fn small_sandbox() -> Sandbox {
    Sandbox::builder().customers(3_000).start().await.unwrap()
}

/// Every customer `query` finds, through `search_all`.
async fn all(client: &Client, query: SearchQuery) -> Vec<types::CustomerResponse> {
    let mut stream = client.search_all(query);
    let mut customers = Vec::new();
    while let Some(customer) = stream.next().await {
        customers.push(customer.unwrap());
    }
    customers
}

fn ids(customers: &[types::CustomerResponse]) -> Vec<String> {
    customers
        .iter()
        .map(|c| c.customer_id.clone().unwrap())
        .collect()
}

fn str_of<'a>(customer: &'a Value, field: &str) -> &'a str {
    customer[field].as_str().unwrap()
}

fn time_of(customer: &Value, field: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(str_of(customer, field))
        .unwrap()
        .with_timezone(&Utc)
}

fn ist() -> FixedOffset {
    FixedOffset::east_opt(19_800).unwrap()
}

/// A token request with these credentials, as raw form.
async fn token_request(
    base_url: &str,
    basic: (&str, &str),
    username: &str,
    password: &str,
) -> (u16, Value) {
    let response = http()
        .post(format!("{base_url}/oauth/token"))
        .basic_auth(basic.0, Some(basic.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=password&username={}&password={}&clientId={SANDBOX_CLIENT_ID}",
            username.replace('@', "%40"),
            password
        ))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn login(base_url: &str, password: &str) -> (u16, Value) {
    token_request(
        base_url,
        (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        SANDBOX_USERNAME,
        password,
    )
    .await
}

/// A raw search with this bearer token and query string.
async fn raw_search(base_url: &str, token: Option<&str>, query: &str, body: &str) -> (u16, Value) {
    let mut request = http()
        .post(format!("{base_url}/api/v0/customer/search{query}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "every JSON answer says so"
    );
    (status, response.json().await.unwrap())
}

// ---------------------------------------------------------------------------------------------
// Start, auth and lockout

#[tokio::test]
async fn starts_in_one_line_and_serves_ten_thousand_customers() {
    let started = Instant::now();
    let sandbox = Sandbox::start().await.unwrap();
    let took = started.elapsed();
    eprintln!("10,000-customer sandbox started in {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));

    let page = sandbox
        .client()
        .search(&SearchQuery::new().limit(10))
        .await
        .unwrap();
    assert_eq!(page.records_count, Some(10_000));
    let dataset = sandbox.dataset();
    assert_eq!(dataset.len(), 10_000);
    let first: Vec<_> = dataset[..10]
        .iter()
        .map(|c| str_of(c, "customerId").to_string())
        .collect();
    assert_eq!(ids(&page.customers), first);
    let default_page = sandbox.client().search(&SearchQuery::new()).await.unwrap();
    assert_eq!(default_page.customers.len(), 50, "the default page size");

    let mut seen = HashSet::new();
    for customer in dataset {
        let id = str_of(customer, "customerId");
        assert!(
            id.len() == 16
                && id.starts_with("KC")
                && id[2..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
            "{id}"
        );
        assert!(seen.insert(id));
        assert_eq!(str_of(customer, "companyId"), SANDBOX_CLIENT_ID);
        let number = str_of(customer, "contactNumber");
        assert!(number.len() == 10 && matches!(&number[..1], "6" | "7" | "8" | "9"));
        assert_eq!(str_of(customer, "pinCode").len(), 6);
        // Every documented field is there, with a value (not null).
        assert_eq!(customer.as_object().unwrap().len(), 31);
        assert!(customer.as_object().unwrap().values().all(|v| !v.is_null()));
    }
}

#[tokio::test]
async fn the_credentials_get_a_token_once_and_the_sandbox_token_works_as_a_bearer() {
    let sandbox = small_sandbox().await;
    let client = sandbox.client();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert_eq!(sandbox.token_requests(), 1, "the token is cached");
    assert_eq!(sandbox.search_requests(), 2);

    let bearer = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap();
    let page = bearer.search(&SearchQuery::new().limit(3)).await.unwrap();
    assert_eq!(page.customers.len(), 3);

    let (status, token) = login(sandbox.base_url(), SANDBOX_PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 300);
    assert_eq!(token["scope"], "read write");
    let access_token = token["access_token"].as_str().unwrap();
    let (status, _) = raw_search(sandbox.base_url(), Some(access_token), "", "").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_wrong_password_is_one_401_and_never_sent_again() {
    let sandbox = small_sandbox().await;
    let client = Client::builder(sandbox.base_url())
        .credentials(Credentials::new(
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_USERNAME,
            "wrong-password",
        ))
        .build()
        .unwrap();
    let Err(Error::Authentication(e)) = client.search(&SearchQuery::new()).await else {
        panic!("a wrong password is an authentication error");
    };
    assert_eq!(e.reason, AuthenticationFailure::CredentialsRejected);
    assert_eq!(e.status.map(|s| s.as_u16()), Some(401));
    assert_eq!(e.message.as_deref(), Some("Bad credentials"));
    let Err(Error::Authentication(e)) = client.search(&SearchQuery::new()).await else {
        panic!("still an authentication error");
    };
    assert_eq!(e.reason, AuthenticationFailure::CredentialsRejectedEarlier);
    assert_eq!(sandbox.token_requests(), 1, "one request, never retried");
    assert_eq!(sandbox.search_requests(), 0);
}

#[tokio::test]
async fn three_consecutive_failures_lock_the_account() {
    let sandbox = small_sandbox().await;
    let base = sandbox.base_url();
    // Two failures, then a success: the count starts again.
    for _ in 0..2 {
        assert_eq!(login(base, "nope").await.0, 401);
    }
    assert_eq!(login(base, SANDBOX_PASSWORD).await.0, 200);
    // A wrong Basic header counts as a failure too.
    let (status, body) = token_request(
        base,
        (SANDBOX_CLIENT_ID, "wrong-secret"),
        SANDBOX_USERNAME,
        SANDBOX_PASSWORD,
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (401, &Value::from("invalid_grant"))
    );
    for _ in 0..2 {
        let (status, body) = login(base, "nope").await;
        assert_eq!(status, 401);
        assert_eq!(body["error_description"], "Bad credentials");
    }
    // Three in a row: locked, even with the right password.
    let (status, body) = login(base, SANDBOX_PASSWORD).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "User account is locked");
    // The client sees a rejected credential.
    let Err(Error::Authentication(e)) = sandbox.client().search(&SearchQuery::new()).await else {
        panic!("a locked account is an authentication error");
    };
    assert_eq!(e.reason, AuthenticationFailure::CredentialsRejected);
    assert_eq!(e.message.as_deref(), Some("User account is locked"));
    // Another user is not locked (and not known either).
    let (status, body) = token_request(
        base,
        (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        "someone@else.test",
        "x",
    )
    .await;
    assert_eq!(
        (status, &body["error_description"]),
        (401, &Value::from("Bad credentials"))
    );
    assert_eq!(sandbox.token_requests(), 9);
}

#[tokio::test]
async fn with_the_lockout_off_failures_never_lock_the_account() {
    let sandbox = Sandbox::builder()
        .customers(10)
        .lockout(false)
        .start()
        .await
        .unwrap();
    let base = sandbox.base_url();
    for _ in 0..5 {
        let (status, body) = login(base, "nope").await;
        assert_eq!(
            (status, &body["error_description"]),
            (401, &Value::from("Bad credentials"))
        );
    }
    assert_eq!(login(base, SANDBOX_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn malformed_token_requests_are_400_and_do_not_count_towards_the_lockout() {
    let sandbox = small_sandbox().await;
    let url = format!("{}/oauth/token", sandbox.base_url());
    let form = "application/x-www-form-urlencoded";
    let full = format!(
        "grant_type=password&username={}&password={SANDBOX_PASSWORD}&clientId={SANDBOX_CLIENT_ID}",
        SANDBOX_USERNAME.replace('@', "%40")
    );
    for (content_type, body) in [
        (
            form,
            full.replace("grant_type=password", "grant_type=client_credentials"),
        ),
        (form, full.replace("&password=sandbox-password", "")),
        (form, format!("{full}&username=x")),
        (form, "%zz".to_string()),
        (
            "application/json",
            r#"{"grant_type":"password"}"#.to_string(),
        ),
    ] {
        let response = http()
            .post(&url)
            .basic_auth(SANDBOX_CLIENT_ID, Some(SANDBOX_CLIENT_SECRET))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request", "{body}");
    }
    assert_eq!(login(sandbox.base_url(), SANDBOX_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn searches_need_a_valid_bearer_token() {
    let sandbox = small_sandbox().await;
    let base = sandbox.base_url();
    for token in [None, Some("not-a-token")] {
        let (status, body) = raw_search(base, token, "", "").await;
        assert_eq!(status, 401);
        assert_eq!(body["errorResponse"]["errorType"], "UNAUTHORIZED");
        assert_eq!(body["response_code"], 401);
        assert!(body.get("payload").is_none());
    }
    let no_auth = Client::new(base).unwrap();
    let Err(Error::Authentication(e)) = no_auth.search(&SearchQuery::new()).await else {
        panic!("no token is an authentication error");
    };
    assert_eq!(e.reason, AuthenticationFailure::NotConfigured);
}

#[tokio::test]
async fn tokens_expire_and_the_client_fetches_a_new_one() {
    let sandbox = Sandbox::builder()
        .customers(100)
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (_, token) = login(sandbox.base_url(), SANDBOX_PASSWORD).await;
    assert_eq!(token["expires_in"], 1);
    let access_token = token["access_token"].as_str().unwrap().to_string();
    let client = sandbox.client();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, body) = raw_search(sandbox.base_url(), Some(&access_token), "", "").await;
    assert_eq!(status, 401);
    assert_eq!(
        body["errorResponse"]["errorMessage"],
        "Access token expired"
    );
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert_eq!(
        sandbox.token_requests(),
        3,
        "the client fetched a fresh token"
    );
    // The sandbox's own token never expires.
    let (status, _) = raw_search(sandbox.base_url(), Some(&sandbox.token()), "", "").await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------------------------
// Filters, ordering, paging

/// Searches with `filters` and checks the result is exactly the customers of `dataset()` that
/// `expected` accepts, in id order, with the right `recordsCount`; returns how many there are.
async fn check_filter(
    sandbox: &Sandbox,
    filters: types::CustomerSearchRequest,
    expected: impl Fn(&Value) -> bool,
) -> usize {
    let wanted: Vec<String> = sandbox
        .dataset()
        .iter()
        .filter(|c| expected(c))
        .map(|c| str_of(c, "customerId").to_string())
        .collect();
    let client = sandbox.client();
    let query = SearchQuery::new().filters(filters.clone()).limit(1_000);
    let found = ids(&all(&client, query.clone()).await);
    assert_eq!(found, wanted, "{filters:?}");
    let page = client.search(&query.limit(1)).await.unwrap();
    assert_eq!(page.records_count, Some(wanted.len() as i64), "{filters:?}");
    wanted.len()
}

#[tokio::test]
async fn exact_filters_match_ids_and_codes() {
    let sandbox = small_sandbox().await;
    let dataset = sandbox.dataset().to_vec();
    let r = types::CustomerSearchRequest::default;
    let picked: Vec<String> = [4, 400, 2_999]
        .iter()
        .map(|&i| str_of(&dataset[i], "customerId").to_string())
        .collect();
    let mut with_unknown = picked.clone();
    with_unknown.push("KC0000000000000Z".into());
    let n = check_filter(
        &sandbox,
        {
            let mut value = r();
            value.customer_ids = with_unknown;
            value
        },
        |c| picked.iter().any(|id| id == str_of(c, "customerId")),
    )
    .await;
    assert_eq!(n, 3);

    let n = check_filter(
        &sandbox,
        {
            let mut value = r();
            value.company_id = Some(SANDBOX_CLIENT_ID.into());
            value
        },
        |_| true,
    )
    .await;
    assert_eq!(n, 3_000);
    let other = {
        let mut value = r();
        value.company_id = Some("CEKOTHER000".into());
        value
    };
    assert_eq!(check_filter(&sandbox, other, |_| false).await, 0);

    type Setter = fn(String) -> types::CustomerSearchRequest;
    let exact: [(&str, Setter); 7] = [
        ("parentCompanyId", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.parent_company_id = Some(v);
            value
        }),
        ("ifsc", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.ifsc = Some(v);
            value
        }),
        ("panOrGstin", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.pan_or_gstin = Some(v);
            value
        }),
        ("accountNumber", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.account_number = Some(v);
            value
        }),
        ("uniqueRefNo", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.unique_ref_no = Some(v);
            value
        }),
        ("contactNumber", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.contact_number = Some(v);
            value
        }),
        ("ifsc", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.ifsc = Some(v.to_lowercase());
            value
        }),
    ];
    for (i, (field, set)) in exact.into_iter().enumerate() {
        let value = str_of(&dataset[7 + 100 * i], field).to_string();
        let lowered = i == 6;
        let n = check_filter(&sandbox, set(value.clone()), |c| {
            !lowered && str_of(c, field) == value
        })
        .await;
        assert!(lowered == (n == 0), "{field} {value}: {n}");
    }
}

#[tokio::test]
async fn name_filters_are_case_insensitive_substrings() {
    let sandbox = small_sandbox().await;
    type Setter = fn(String) -> types::CustomerSearchRequest;
    let cases: [(&str, &str, Setter); 5] = [
        ("legalName", "gAnEsH", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.legal_name = Some(v);
            value
        }),
        ("legalName", "pvt ltd", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.legal_name = Some(v);
            value
        }),
        ("assignedAgent", "SHARMA", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.assigned_agent = Some(v);
            value
        }),
        ("createdByName", "verma", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.created_by_name = Some(v);
            value
        }),
        ("modifiedByName", "Desai", |v| {
            let mut value = types::CustomerSearchRequest::default();
            value.modified_by_name = Some(v);
            value
        }),
    ];
    for (field, needle, set) in cases {
        let lowered = needle.to_lowercase();
        let n = check_filter(&sandbox, set(needle.to_string()), |c| {
            str_of(c, field).to_lowercase().contains(&lowered)
        })
        .await;
        assert!(n > 0 && n < 3_000, "{field} {needle}: {n}");
    }
}

#[tokio::test]
async fn status_and_level_filters() {
    let sandbox = small_sandbox().await;
    let status = |s| {
        let mut value = types::CustomerSearchRequest::default();
        value.customer_status = Some(s);
        value
    };
    let active = check_filter(&sandbox, status(types::CustomerStatusFilter::Active), |c| {
        c["active"] == true
    })
    .await;
    let inactive = check_filter(
        &sandbox,
        status(types::CustomerStatusFilter::Inactive),
        |c| c["active"] == false,
    )
    .await;
    let every = check_filter(&sandbox, status(types::CustomerStatusFilter::All), |_| true).await;
    assert!(active > 0 && inactive > 0);
    assert_eq!(active + inactive, every);

    // The level is not in the response: the three levels partition the customers.
    let client = sandbox.client();
    let mut seen = HashSet::new();
    for level in [
        types::CustomerLevel::Level1,
        types::CustomerLevel::Level2,
        types::CustomerLevel::Level3,
    ] {
        let filters = {
            let mut value = types::CustomerSearchRequest::default();
            value.level = Some(level);
            value
        };
        let found = ids(&all(&client, SearchQuery::new().filters(filters)).await);
        assert!(!found.is_empty(), "{level}");
        for id in found {
            assert!(seen.insert(id), "a customer has one level");
        }
    }
    assert_eq!(seen.len(), 3_000);
}

#[tokio::test]
async fn range_filters_are_inclusive() {
    let sandbox = small_sandbox().await;
    let dataset = sandbox.dataset().to_vec();
    let dso = |c: &Value| c["dsoMedian"].as_f64().unwrap();
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.dso_from = Some(30);
            value.dso_to = Some(90);
            value
        },
        |c| (30.0..=90.0).contains(&dso(c)),
    )
    .await;
    assert!(n > 0);
    assert!(dataset.iter().any(|c| dso(c) == 30.0) && dataset.iter().any(|c| dso(c) == 90.0));
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.dso_from = Some(150);
            value
        },
        |c| dso(c) >= 150.0,
    )
    .await;
    assert!(n > 0);

    let from: DateTime<Utc> = "2022-01-01T00:00:00Z".parse().unwrap();
    let to: DateTime<Utc> = "2022-12-31T23:59:59Z".parse().unwrap();
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.created_on_from = Some(from);
            value.created_on_to = Some(to);
            value
        },
        |c| (from..=to).contains(&time_of(c, "createdOn")),
    )
    .await;
    assert!(n > 0);
    // Both ends at one customer's exact createdOn: it is included.
    let exact = time_of(&dataset[42], "createdOn");
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.created_on_from = Some(exact);
            value.created_on_to = Some(exact);
            value
        },
        |c| time_of(c, "createdOn") == exact,
    )
    .await;
    assert!(n >= 1);

    // modifiedOn: the same calendar day in IST.
    let day = time_of(&dataset[23], "modifiedOn");
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.modified_on = Some(day);
            value
        },
        |c| {
            time_of(c, "modifiedOn").with_timezone(&ist()).date_naive()
                == day.with_timezone(&ist()).date_naive()
        },
    )
    .await;
    assert!(n >= 1);

    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.balance_amount = Some(100_000.0);
            value
        },
        |c| c["netAmount"].as_f64().unwrap() >= 100_000.0,
    )
    .await;
    assert!(n > 0 && n < 3_000);

    // selectAll is ignored; filters combine with AND.
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.select_all = Some(true);
            value
        },
        |_| true,
    )
    .await;
    assert_eq!(n, 3_000);
    let n = check_filter(
        &sandbox,
        {
            let mut value = types::CustomerSearchRequest::default();
            value.customer_status = Some(types::CustomerStatusFilter::Active);
            value.dso_to = Some(60);
            value.legal_name = Some("traders".into());
            value
        },
        |c| {
            c["active"] == true
                && dso(c) <= 60.0
                && str_of(c, "legalName").to_lowercase().contains("traders")
        },
    )
    .await;
    assert!(n > 0);
}

#[tokio::test]
async fn order_by_sorts_both_ways_with_ties_in_id_order() {
    let sandbox = Sandbox::builder().customers(1_500).start().await.unwrap();
    let client = sandbox.client();
    for field in [
        "legalName",
        "netAmount",
        "createdOn",
        "dsoMedian",
        "active",
        "state",
        "id",
    ] {
        let key = |c: &Value| c[field].clone();
        let compare = |a: &Value, b: &Value| match (key(a), key(b)) {
            (Value::Number(x), Value::Number(y)) => {
                x.as_f64().unwrap().total_cmp(&y.as_f64().unwrap())
            }
            (Value::String(x), Value::String(y)) => x.cmp(&y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(&y),
            other => panic!("{other:?}"),
        };
        for direction in [types::SortDirection::Asc, types::SortDirection::Desc] {
            let mut expected = sandbox.dataset().to_vec();
            expected.sort_by(|a, b| {
                let order = compare(a, b);
                if direction == types::SortDirection::Desc {
                    order.reverse()
                } else {
                    order
                }
            });
            let expected: Vec<_> = expected
                .iter()
                .map(|c| str_of(c, "customerId").to_string())
                .collect();
            let query = SearchQuery::new()
                .order_by(field)
                .direction(direction)
                .limit(700);
            assert_eq!(
                ids(&all(&client, query).await),
                expected,
                "{field} {direction}"
            );
        }
    }
}

#[tokio::test]
async fn search_all_over_12345_customers_gives_every_id_once() {
    let sandbox = Sandbox::builder().customers(12_345).start().await.unwrap();
    let client = sandbox.client();
    let found = ids(&all(&client, SearchQuery::new()).await);
    let expected: Vec<_> = sandbox
        .dataset()
        .iter()
        .map(|c| str_of(c, "customerId").to_string())
        .collect();
    assert_eq!(found.len(), 12_345);
    assert_eq!(found.iter().collect::<HashSet<_>>().len(), 12_345);
    assert_eq!(found, expected);
    assert_eq!(sandbox.search_requests(), 3, "pages of 5,000");

    // offset counts records, not pages.
    let page = client
        .search(&SearchQuery::new().offset(12_340).limit(10))
        .await
        .unwrap();
    assert_eq!(ids(&page.customers), expected[12_340..]);
    assert_eq!(page.records_count, Some(12_345));
    let past = client
        .search(&SearchQuery::new().offset(20_000).limit(10))
        .await
        .unwrap();
    assert!(past.customers.is_empty());
    assert_eq!(past.records_count, Some(12_345));
}

#[tokio::test]
async fn invalid_queries_are_400_validation_errors() {
    let sandbox = small_sandbox().await;
    let client = sandbox.client();
    // The client checks `limit` itself and sends nothing...
    let Err(Error::InvalidRequest(e)) = client.search(&SearchQuery::new().limit(5001)).await else {
        panic!("the client refuses limit 5001");
    };
    assert_eq!(e.field, "limit");
    assert_eq!(sandbox.search_requests(), 0);
    // ...so on the wire, the sandbox refuses it.
    let token = sandbox.token();
    let (status, body) = raw_search(sandbox.base_url(), Some(&token), "?limit=5001", "").await;
    assert_eq!(status, 400);
    let error = &body["errorResponse"];
    assert_eq!(error["errorType"], "VALIDATION_ERROR");
    assert_eq!(error["apiSubErrors"][0]["field"], "limit");
    assert_eq!(
        error["errorMessage"],
        "limit must be less than or equal to 5000"
    );
    assert_eq!(body["response_code"], 400);
    let timestamp = error["timestamp"].as_str().unwrap();
    assert!(chrono::NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%d %H:%M:%S").is_ok());
    assert_eq!(error["requestId"].as_str().unwrap().len(), 36);

    // What the client does not check comes back as Error::Api.
    let Err(Error::Api(e)) = client.search(&SearchQuery::new().order_by("nope")).await else {
        panic!("an unknown orderBy is an API error");
    };
    assert_eq!(e.status.as_u16(), 400);
    assert_eq!(
        e.error_type,
        Some(Open::Known(types::ErrorType::ValidationError))
    );
    assert_eq!(e.api_sub_errors[0]["field"], "orderBy");

    for (query, body, field) in [
        ("?direction=up", "", "direction"),
        ("?offset=-1", "", "offset"),
        ("", r#"{"dsoFrom": "thirty"}"#, "dsoFrom"),
        ("", r#"{"level": "LEVEL_4"}"#, "level"),
        ("", r#"{"createdOnFrom": "2024-13-01"}"#, "createdOnFrom"),
        ("", r#"{"customerIds": "KC0000000000000A"}"#, "customerIds"),
        ("", "[1, 2]", "body"),
        ("", "{not json", "body"),
    ] {
        let (status, response) = raw_search(sandbox.base_url(), Some(&token), query, body).await;
        assert_eq!(status, 400, "{query} {body}");
        assert_eq!(
            response["errorResponse"]["apiSubErrors"][0]["field"], field,
            "{query} {body}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_envelope() {
    let sandbox = small_sandbox().await;
    let response = http()
        .get(format!("{}/api/v0/customer/nothing", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errorResponse"]["errorType"], "RECORD_NOT_FOUND");

    let response = http()
        .get(format!("{}/api/v0/customer/search", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["response_code"], 405);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn two_503s_then_success_with_the_default_retries() {
    let sandbox = small_sandbox().await;
    let client = sandbox.client();
    sandbox.faults().fail_next(2, 503);
    let page = client.search(&SearchQuery::new().limit(5)).await.unwrap();
    assert_eq!(page.customers.len(), 5);
    assert_eq!(sandbox.search_requests(), 3);

    sandbox.faults().fail_next(3, 503);
    let Err(Error::Api(e)) = client.search(&SearchQuery::new()).await else {
        panic!("three 503s exhaust the retries");
    };
    assert_eq!(e.status.as_u16(), 503);
    assert_eq!(
        e.error_type,
        Some(Open::Known(types::ErrorType::SystemError))
    );
    assert_eq!(sandbox.search_requests(), 6);

    sandbox.faults().fail_next(1, 422);
    let Err(Error::Api(e)) = client.search(&SearchQuery::new()).await else {
        panic!("a 422 is an API error");
    };
    assert_eq!(
        e.error_type,
        Some(Open::Known(types::ErrorType::UnprocessableRequest))
    );
    assert_eq!(sandbox.search_requests(), 7, "a 422 is not retried");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out() {
    let sandbox = small_sandbox().await;
    let client = sandbox.client();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    sandbox
        .faults()
        .rate_limit_next(1, Duration::from_millis(1_500));
    let started = Instant::now();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 2 was honoured"
    );

    let response = {
        sandbox.faults().rate_limit_next(1, Duration::from_secs(7));
        http()
            .post(format!("{}/api/v0/customer/search", sandbox.base_url()))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
}

#[tokio::test]
async fn a_gateways_html_502_is_undecodable_after_the_retries() {
    let sandbox = small_sandbox().await;
    sandbox.faults().html_next(3, 502);
    let Err(Error::Undecodable(e)) = sandbox.client().search(&SearchQuery::new()).await else {
        panic!("an HTML page is undecodable");
    };
    assert_eq!(e.status.as_u16(), 502);
    assert!(e.content_type.as_deref().unwrap().starts_with("text/html"));
    assert!(e.snippet.contains("502 Bad Gateway"), "{}", e.snippet);
    assert_eq!(sandbox.search_requests(), 3);
}

#[tokio::test]
async fn an_error_inside_http_200_is_an_error() {
    let sandbox = small_sandbox().await;
    // Once: the client takes it as a refused token, fetches a new one and succeeds.
    let client = sandbox.client();
    sandbox.faults().error_in_200_next(1);
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);

    // With a fixed token there is nothing to refresh: the error comes through.
    let bearer = Client::builder(sandbox.base_url())
        .bearer_token(sandbox.token())
        .build()
        .unwrap();
    sandbox.faults().error_in_200_next(1);
    let Err(Error::Authentication(e)) = bearer.search(&SearchQuery::new()).await else {
        panic!("an UNAUTHORIZED envelope under 200 is an authentication error");
    };
    assert_eq!(e.reason, AuthenticationFailure::TokenRejected);
    assert_eq!(e.status.map(|s| s.as_u16()), Some(200));
    let api = e.api_error.unwrap();
    assert_eq!(api.response_code, Some(117));
    assert_eq!(api.error_message.as_deref(), Some("Token is invalid."));
}

#[tokio::test]
async fn null_fields_decode() {
    let sandbox = small_sandbox().await;
    sandbox.faults().null_fields(true);
    let page = sandbox
        .client()
        .search(&SearchQuery::new().limit(20))
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 20);
    for customer in &page.customers {
        assert!(customer.customer_id.is_some());
        let blank: types::CustomerResponse = types::CustomerResponse::builder()
            .customer_id(customer.customer_id.clone())
            .try_into()
            .unwrap();
        assert_eq!(customer, &blank);
    }
    sandbox.faults().reset();
    let page = sandbox
        .client()
        .search(&SearchQuery::new().limit(1))
        .await
        .unwrap();
    assert!(page.customers[0].legal_name.is_some());
}

#[tokio::test]
async fn offset_less_timestamps_decode_as_ist() {
    let sandbox = small_sandbox().await;
    sandbox.faults().offset_less_timestamps(true);
    let page = sandbox
        .client()
        .search(&SearchQuery::new().limit(20))
        .await
        .unwrap();
    for (customer, wire) in page.customers.iter().zip(sandbox.dataset()) {
        let created = customer.created_on.as_ref().unwrap();
        assert_eq!(
            created.format(),
            DateTimeFormat::LocalIso8601,
            "{}",
            created.original()
        );
        assert_ne!(created.format(), DateTimeFormat::Rfc3339);
        assert_eq!(created.to_utc(), Some(time_of(wire, "createdOn")));
        let contact = &customer.customer_key_contacts.as_ref().unwrap()[0];
        let contact_created = contact.created_on.as_ref().unwrap();
        assert_eq!(
            contact_created.format(),
            DateTimeFormat::LocalSpaceSeparated
        );
        assert_eq!(
            contact_created.to_utc(),
            Some(time_of(&wire["customerKeyContacts"][0], "createdOn"))
        );
    }
}

#[tokio::test]
async fn unknown_enum_values_and_fields_are_kept_or_ignored() {
    let sandbox = small_sandbox().await;
    sandbox.faults().unknown_enum_values(true);
    let client = sandbox.client();
    let page = client.search(&SearchQuery::new().limit(5)).await.unwrap();
    assert_eq!(
        page.customers.len(),
        5,
        "an unknown field does not break decoding"
    );
    sandbox.faults().fail_next(1, 400);
    let Err(Error::Api(e)) = client.search(&SearchQuery::new()).await else {
        panic!("an API error");
    };
    assert_eq!(e.error_type, Some(Open::Unknown("SOMETHING_NEW".into())));
}

#[tokio::test]
async fn latency_delays_responses_until_reset() {
    let latency = Duration::from_millis(400);
    let sandbox = Sandbox::builder()
        .customers(100)
        .latency(latency)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let started = Instant::now();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    // A token request and a search, each delayed.
    assert!(started.elapsed() >= 2 * latency);
    sandbox.faults().set_latency(Duration::ZERO);
    let started = Instant::now();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert!(started.elapsed() < latency);
    sandbox.faults().reset();
    let started = Instant::now();
    client.search(&SearchQuery::new().limit(1)).await.unwrap();
    assert!(
        started.elapsed() >= latency,
        "reset restores the built latency"
    );
}

// ---------------------------------------------------------------------------------------------
// Determinism and lifetime

#[tokio::test]
async fn the_same_seed_gives_the_same_customers() {
    let start = |seed| Sandbox::builder().customers(500).seed(seed).start();
    let (a, b, c) = (
        start(7).await.unwrap(),
        start(7).await.unwrap(),
        start(8).await.unwrap(),
    );
    assert_eq!(a.dataset(), b.dataset());
    assert_ne!(a.dataset(), c.dataset());
    assert_ne!(a.token(), b.token(), "tokens are not seeded");
}

#[tokio::test]
async fn a_dropped_sandbox_stops_serving() {
    let sandbox = Sandbox::builder().customers(10).start().await.unwrap();
    let url = format!("{}/api/v0/customer/search", sandbox.base_url());
    assert_eq!(
        http().post(&url).send().await.unwrap().status().as_u16(),
        401
    );
    drop(sandbox);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(http().post(&url).send().await.is_err());
}
