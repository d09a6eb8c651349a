//! Cassettes: a recorded run holds every exchange, keeps every shape and the caller's own
//! request, and holds no secret and no original customer value, even from a server that
//! echoes secrets back.

use std::sync::{Arc, Mutex};

use enkash_customer_search::{CallOptions, Cassette, Client, Credentials, SearchQuery, types};
use serde_json::{Value, json};
use workspace_tests::{RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, fast_retries};

const CLIENT_SECRET: &str = "CS-c4ssette-secret";
const PASSWORD: &str = "PW-c4ssette-password";
const TOKEN: &str = "TK-c4ssette-token";

/// Customers whose every value is distinctive, so that finding any of them in the cassette
/// means it leaked.
fn known_customers() -> Vec<Value> {
    vec![
        json!({
            "customerId": "KCQXZ1WV7TR2PLM9",
            "legalName": "Zephyrine Quokka Exports",
            "panOrGstin": "29QZXPK7731R1ZW",
            "contactNumber": "9431786205",
            "contactEmail": "zephyrine.quokka@example.in",
            "netAmount": 987654.32,
            "id": 73914,
            "active": true,
            "address": null,
            "createdOn": "2023-07-19T11:42:07Z",
            "modifiedOn": "2024-02-29 16:05:59",
            "branchCodes": ["BRQX17", "BRZW44"],
            "customerKeyContacts": [{ "email": "quokka.ops@example.in", "mail_enabled": false }],
            // A field the spec lacks, holding the token a careless server echoed.
            "auditTrail": format!("issued with {TOKEN}"),
        }),
        json!({
            "customerId": "KCMJ8RD3VB6YNC0T",
            "legalName": "Marwick Dunnock Agro LLP",
            "id": 58027,
            "active": false,
            "createdOn": "2022-11-03T09:15:44.518+05:30",
        }),
    ]
}

/// Every string and number of `value`, keys aside, as text.
fn values_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Number(number) => out.push(number.to_string()),
        Value::Array(items) => items.iter().for_each(|v| values_of(v, out)),
        Value::Object(object) => object.values().for_each(|v| values_of(v, out)),
        _ => {}
    }
}

/// The JSON type of every value, and the value itself where it is a boolean or null.
fn shape_of(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| (k.clone(), shape_of(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape_of).collect()),
        Value::String(_) => json!("string"),
        Value::Number(n) if n.is_f64() => json!("float"),
        Value::Number(_) => json!("integer"),
        other => other.clone(),
    }
}

#[tokio::test]
async fn a_recorded_run_keeps_every_shape_and_no_secret_or_customer_value() {
    let searches = Arc::new(Mutex::new(0));
    let server = RecordingServer::with_handler({
        let searches = Arc::clone(&searches);
        move |request| match request.uri.path() {
            TOKEN_PATH => Reply::json(
                200,
                &json!({ "access_token": TOKEN, "expires_in": 3600, "refresh_token": "RT-c4ssette-refresh" }),
            ),
            SEARCH_PATH => {
                let mut seen = searches.lock().unwrap();
                *seen += 1;
                let echoed = request.header("authorization").unwrap_or_default();
                if *seen == 1 {
                    // A gateway's 503 that echoes the request's Authorization header.
                    Reply::json(503, &json!({ "message": format!("busy, {echoed}") }))
                } else {
                    Reply::json(200, &workspace_tests::page_envelope(known_customers(), Some(2)))
                        .header("x-request-id", &format!("req-{TOKEN}"))
                }
            }
            _ => Reply::json(404, &json!({})),
        }
    })
    .await;
    let client = Client::builder(server.base_url())
        .credentials(Credentials::new(
            "CEK1A2B3C4",
            CLIENT_SECRET,
            "ops@example.in",
            PASSWORD,
        ))
        .retry_policy(fast_retries())
        .build()
        .unwrap();

    let path = std::env::temp_dir().join(format!("cassette-{}.jsonl", std::process::id()));
    let cassette = Cassette::create(&path).unwrap();
    let query = SearchQuery::new()
        .limit(2)
        .offset(0)
        .filters(types::CustomerSearchRequest::builder().legal_name("Quokka".to_string()));
    let page = client
        .with_options(CallOptions::new().record(&cassette))
        .search(&query)
        .await
        .unwrap();
    assert_eq!(page.customers.len(), 2);
    cassette.finish().unwrap();
    assert_eq!(cassette.exchanges(), 2, "the 503 and the page");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    for secret in [CLIENT_SECRET, PASSWORD, TOKEN, "RT-c4ssette-refresh"] {
        assert!(!text.contains(secret), "{secret} in the cassette:\n{text}");
    }
    let mut originals = Vec::new();
    values_of(&Value::Array(known_customers()), &mut originals);
    for original in originals.iter().filter(|v| v.len() > 1) {
        assert!(
            !text.contains(original.as_str()),
            "{original} survived:\n{text}"
        );
    }

    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "a header and two exchanges");
    assert_eq!(lines[0]["cassette"], "enkash-customer-search");
    assert_eq!(lines[0]["format"], 1);
    assert_eq!(
        lines[0]["api_version"],
        workspace_tests::spec()["info"]["version"]
    );
    let (busy, ok) = (&lines[1], &lines[2]);
    assert_eq!(busy["status"], 503);
    assert_eq!(ok["status"], 200);
    for exchange in [busy, ok] {
        assert_eq!(exchange["method"], "POST");
        assert_eq!(exchange["path"], SEARCH_PATH);
        // The caller's own paging and filters, as sent.
        let query = exchange["query"].as_str().unwrap();
        assert!(
            query.contains("limit=2") && query.contains("offset=0"),
            "{query}"
        );
        assert_eq!(exchange["request_body"], json!({ "legalName": "Quokka" }));
    }
    assert_eq!(ok["response_headers"]["content-type"], "application/json");
    assert!(ok["response_headers"]["x-request-id"].is_string());

    // Every shape survives: names, JSON types, booleans, nulls, the envelope.
    let recorded = &ok["response_body"];
    let sent = workspace_tests::page_envelope(known_customers(), Some(2));
    assert_eq!(shape_of(recorded), shape_of(&sent));
    assert_eq!(recorded["payload"]["recordsCount"], 2);
    assert_eq!(recorded["response_message"], sent["response_message"]);
    // The date-times keep their forms.
    for (customer, field) in [(0, "createdOn"), (0, "modifiedOn"), (1, "createdOn")] {
        let form = |v: &Value| {
            serde_json::from_value::<enkash_customer_search::LenientDateTime>(v.clone())
                .unwrap()
                .format()
        };
        let (before, after) = (
            &sent["payload"]["data"][customer][field],
            &recorded["payload"]["data"][customer][field],
        );
        assert_eq!(form(after), form(before), "{field}: {before} → {after}");
    }
    // The recorded page decodes like the real one.
    let decoded: types::CustomerSearchResponse = serde_json::from_value(recorded.clone()).unwrap();
    assert_eq!(decoded.payload.unwrap().data.unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_value_gets_the_same_stand_in_within_a_cassette_so_that_joins_survive() {
    let customer =
        json!({ "customerId": "KCJOIN0000000001", "parentCompanyId": "KCJOIN0000000001" });
    let page = workspace_tests::page_envelope(vec![customer], Some(1));
    let server = RecordingServer::start(200, page).await;
    let client = Client::builder(server.base_url())
        .bearer_token("a-token".to_string())
        .build()
        .unwrap();
    let path = std::env::temp_dir().join(format!("cassette-join-{}.jsonl", std::process::id()));
    let cassette = Cassette::create(&path).unwrap();
    let recording = client.with_options(CallOptions::new().record(&cassette));
    recording.search(&SearchQuery::new()).await.unwrap();
    recording.search(&SearchQuery::new()).await.unwrap();
    cassette.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = &lines[1]["response_body"]["payload"]["data"][0];
    let second = &lines[2]["response_body"]["payload"]["data"][0];
    assert_ne!(first["customerId"], "KCJOIN0000000001");
    assert_eq!(first["customerId"], first["parentCompanyId"]);
    assert_eq!(
        first["customerId"], second["customerId"],
        "across exchanges too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_cassette_answers_the_recorded_requests_byte_for_byte_and_names_the_nearest_otherwise()
 {
    use enkash_customer_search::{Error, SearchQuery};
    use enkash_customer_search_mock::Sandbox;

    // Record a walk of three pages, the first answered 503 once.
    let sandbox = Sandbox::builder().customers(25).start().await.unwrap();
    sandbox.faults().fail_next(1, 503);
    let path = std::env::temp_dir().join(format!("cassette-replay-{}.jsonl", std::process::id()));
    let cassette = Cassette::create(&path).unwrap();
    let recording = Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
        .with_options(CallOptions::new().record(&cassette));
    let query = SearchQuery::new().limit(10).order_by("legalName");
    let mut recorded = Vec::new();
    let mut stream = recording.search_all(query.clone());
    while let Some(customer) = stream.next().await {
        recorded.push(customer.unwrap());
    }
    cassette.finish().unwrap();
    assert_eq!(recorded.len(), 25);
    assert_eq!(cassette.exchanges(), 4, "a 503 and three pages");
    drop(sandbox);

    let replay = Sandbox::replay(&path).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(replay.exchanges(), 4);

    // The same walk against the replay: the recorded 503, retried, then the stand-ins.
    let client = Client::builder(replay.base_url())
        .credentials(workspace_tests::some_credentials())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let mut replayed = Vec::new();
    let mut stream = client.search_all(query.clone());
    while let Some(customer) = stream.next().await {
        replayed.push(customer.unwrap());
    }
    assert_eq!(replayed.len(), 25);
    let cassette_page: Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
    let first_id = cassette_page["response_body"]["payload"]["data"][0]["customerId"].clone();
    assert_eq!(json!(replayed[0].customer_id), first_id);
    assert_ne!(
        replayed[0].customer_id, recorded[0].customer_id,
        "stand-ins, not originals"
    );

    // Byte for byte: each recorded answer as the cassette holds it.
    let exchange: Value = serde_json::from_str(text.lines().nth(3).unwrap()).unwrap();
    let target = format!("{SEARCH_PATH}?{}", exchange["query"].as_str().unwrap());
    let (status, body) = raw_post(replay.base_url(), &target, &exchange["request_body"]).await;
    assert_eq!(status, exchange["status"]);
    assert_eq!(
        body,
        serde_json::to_vec(&exchange["response_body"]).unwrap()
    );

    // An offset nobody recorded: a 404 naming the nearest recorded request and the difference.
    let Err(Error::Api(error)) = client.search(&query.clone().offset(5)).await else {
        panic!("an unrecorded request is refused");
    };
    assert_eq!(error.status.as_u16(), 404);
    let message = error.error_message.clone().unwrap_or_default();
    assert!(
        message.contains("no recorded exchange matches"),
        "{message}"
    );
    assert!(
        message.contains("the nearest recorded one (line 2)"),
        "{message}"
    );
    assert!(
        message.contains("query offset (recorded 0, sent 5)"),
        "{message}"
    );
    assert_eq!(replay.unmatched(), 1);
}

/// `POST target` with `body` as JSON over a plain HTTP/1.1 connection: the status and the body
/// exactly as they came.
async fn raw_post(base_url: &str, target: &str, body: &Value) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let body = serde_json::to_vec(body).unwrap();
    let head = format!(
        "POST {target} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head and a body");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "{head}"
    );
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response[split + 4..].to_vec())
}
