//! The refresh grant, against the sandbox on 127.0.0.1: a token that lapses is renewed with the
//! refresh token that came with it, not with the password; a refused refresh costs exactly one
//! password login.

use std::time::Duration;

use enkash_customer_search::{Client, SearchQuery};
use enkash_customer_search_mock::Sandbox;

/// A sandbox whose tokens last a second (the client renews them after 0.9 s).
async fn short_lived() -> Sandbox {
    Sandbox::builder()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.base_url())
        .credentials(sandbox.credentials())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_lapsed_token_is_renewed_by_the_refresh_grant() {
    let sandbox = short_lived().await;
    let client = client(&sandbox);
    client.search(SearchQuery::new()).await.unwrap();
    assert_eq!(sandbox.grants(), (1, 0));

    for renewals in 1..=2 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        client
            .search(SearchQuery::new())
            .await
            .expect("the renewed token works");
        // Each refresh token is good once: the sandbox rotates them, the client keeps the new.
        assert_eq!(sandbox.grants(), (1, renewals), "no password sent again");
    }
}

#[tokio::test]
async fn a_refused_refresh_costs_exactly_one_password_login() {
    let sandbox = short_lived().await;
    let client = client(&sandbox);
    client.search(SearchQuery::new()).await.unwrap();
    sandbox.revoke_refresh_tokens();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    client
        .search(SearchQuery::new())
        .await
        .expect("a password login after the refusal");
    assert_eq!(sandbox.grants(), (2, 1));
    assert_eq!(sandbox.token_requests(), 3);

    // The login's new refresh token is used the next time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.search(SearchQuery::new()).await.unwrap();
    assert_eq!(sandbox.grants(), (2, 2));
}

#[tokio::test]
async fn a_token_the_api_refuses_is_replaced_by_the_refresh_grant_too() {
    let sandbox = short_lived().await;
    let client = client(&sandbox);
    client.search(SearchQuery::new()).await.unwrap();
    // The next search is refused with a 401: the one fresh token comes from the refresh grant.
    sandbox.faults().fail_next(1, 401);
    client.search(SearchQuery::new()).await.unwrap();
    assert_eq!(sandbox.grants(), (1, 1), "no second password login");
    assert_eq!(sandbox.search_requests(), 3);
}
