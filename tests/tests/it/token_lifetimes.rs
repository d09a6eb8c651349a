//! A token's lifetime as the endpoint states it (`expires_in`), however odd: a token the
//! endpoint issued is always used, its lifetime clamped to
//! [`MIN_TOKEN_LIFETIME`]..=[`MAX_TOKEN_LIFETIME`], never an overflow. Each test makes two
//! searches back to back and counts the logins (a short lifetime still counting is
//! `auth::the_token_is_refreshed_before_it_expires`).

use enkash_customer_search::{
    Client, Credentials, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME, SearchQuery,
};
use workspace_tests::{RecordingServer, Reply, SEARCH_PATH, TOKEN_PATH, fast_retries, ok_page};

/// The token endpoint's answers (raw JSON, as a server may write numbers serde would not)
/// and how many tokens two searches asked for.
async fn logins_for_two_searches(expires_in: &str) -> usize {
    let body = format!(r#"{{"access_token": "TK-life", "expires_in": {expires_in}}}"#);
    let server = RecordingServer::with_handler(move |request| match request.uri.path() {
        TOKEN_PATH => Reply::raw(200, "application/json", body.as_str()),
        _ => ok_page(),
    })
    .await;
    let client = Client::builder(server.base_url())
        .credentials(Credentials::new("CEK1", "S3CR3T", "u@x.in", "PW"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .search(&SearchQuery::new())
            .await
            .unwrap_or_else(|e| panic!("expires_in {expires_in}: {e}"));
    }
    let searches = server.requests_to(SEARCH_PATH);
    assert!(
        searches
            .iter()
            .all(|r| r.header("authorization").as_deref() == Some("Bearer TK-life")),
        "expires_in {expires_in}: the issued token was not used"
    );
    server.requests_to(TOKEN_PATH).len()
}

#[tokio::test]
async fn a_float_lifetime_is_used() {
    for expires_in in ["86399.5", "3599.999", "1e3", r#""3600.5""#] {
        assert_eq!(logins_for_two_searches(expires_in).await, 1, "{expires_in}");
    }
}

#[tokio::test]
async fn a_zero_lifetime_is_a_second_not_a_login_a_request() {
    assert_eq!(MIN_TOKEN_LIFETIME.as_secs(), 1);
    for expires_in in ["0", "0.0", "0.4", r#""0""#] {
        assert_eq!(logins_for_two_searches(expires_in).await, 1, "{expires_in}");
    }
}

#[tokio::test]
async fn a_negative_lifetime_is_a_second() {
    for expires_in in ["-5", "-0.5", "-9223372036854775808", "-1e300", "-1e400"] {
        assert_eq!(logins_for_two_searches(expires_in).await, 1, "{expires_in}");
    }
}

#[tokio::test]
async fn an_absurdly_large_lifetime_is_a_day_without_overflow() {
    assert_eq!(MAX_TOKEN_LIFETIME.as_secs(), 86_400);
    // Java's `Long.MAX_VALUE`, past u64, past f64's integers, and as a string of digits.
    for expires_in in [
        "9223372036854775807",
        "18446744073709551616",
        "1e300",
        r#""99999999999999999999999""#,
        // Past an f64, which serde_json refuses as a number at all.
        "1e400",
        "1E+999",
        &"9".repeat(400),
    ] {
        assert_eq!(logins_for_two_searches(expires_in).await, 1, "{expires_in}");
    }
}
