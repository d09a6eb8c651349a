//! Text a server sends cannot take over a terminal: every error's `Display` shows escape
//! sequences, C1 controls and bidi overrides as visible escapes, whatever field they came in.

use enkash_customer_search::{Client, Error, RetryPolicy, SearchQuery};
use serde_json::json;
use workspace_tests::{RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, ok_page};

/// Retitles the window, clears the screen, starts a C1 sequence, reverses what follows.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}gnp.exe\r\nnext";

/// Whether `shown` holds a character a terminal would act on.
fn steers(shown: &str) -> Option<char> {
    shown.chars().find(|c| {
        c.is_control() || matches!(*c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_safe(error: &Error) {
    let shown = error.to_string();
    assert!(
        steers(&shown).is_none(),
        "a raw control character in {shown:?}"
    );
    assert!(
        shown.contains(r"\u{1b}]0;pwned\u{7}"),
        "visible, not dropped: {shown}"
    );
}

#[tokio::test]
async fn an_api_errors_message_type_and_request_id_are_shown_safely() {
    let server = RecordingServer::with_handler(|_| {
        Reply::json(
            400,
            &json!({
                "errorResponse": {
                    "errorMessage": HOSTILE,
                    "errorType": format!("NEW_{HOSTILE}"),
                    "requestId": format!("req-{HOSTILE}"),
                },
                "payload": null,
            }),
        )
    })
    .await;
    let error = Client::new(server.base_url())
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_safe(&error);
    // The value itself is kept as sent, for code that reads it.
    let Error::Api(api) = &error else {
        unreachable!()
    };
    assert_eq!(api.error_message.as_deref(), Some(HOSTILE));
}

#[tokio::test]
async fn a_token_endpoints_explanation_is_shown_safely() {
    let server = RecordingServer::with_handler(|request| match request.uri.path() {
        TOKEN_PATH => Reply::json(
            401,
            &json!({"error": "invalid_grant", "error_description": HOSTILE}),
        ),
        _ => ok_page(),
    })
    .await;
    let error = Client::builder(server.base_url())
        .credentials(workspace_tests::some_credentials())
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Authentication(_)), "{error:?}");
    assert_safe(&error);
    assert!(server.requests_to(SEARCH_PATH).is_empty());
}

#[tokio::test]
async fn a_gateways_page_is_shown_safely() {
    let server = RecordingServer::with_handler(|_| {
        Reply::raw(502, "text/html", format!("<html>{HOSTILE}</html>"))
    })
    .await;
    let error = Client::builder(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .search(SearchQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Undecodable(_)), "{error:?}");
    let shown = error.to_string();
    assert!(
        steers(&shown).is_none(),
        "a raw control character in {shown:?}"
    );
    assert!(shown.contains("body starts"), "{shown}");
}
