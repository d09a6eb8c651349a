//! One page of customers whose legal name matches the first argument.
//!
//! ```sh
//! ENKASH_BASE_URL=https://ekpayout-uat.enkash.in ENKASH_TOKEN=… \
//!   cargo run -p enkash-customer-search --example search -- "Shree Ganesh"
//! ```
//! (or ENKASH_CLIENT_ID, ENKASH_CLIENT_SECRET, ENKASH_USERNAME and ENKASH_PASSWORD instead of
//! ENKASH_TOKEN).

use std::process::ExitCode;

use enkash_customer_search::{Client, SearchQuery};

#[tokio::main]
async fn main() -> Result<ExitCode, enkash_customer_search::BuildError> {
    let client = Client::from_env()?;
    let mut query = SearchQuery::new().limit(20);
    if let Some(name) = std::env::args().nth(1) {
        query = query.legal_name(name);
    }
    match client.search(&query).await {
        Ok(page) => {
            println!(
                "{} of {} matching customers:",
                page.customers.len(),
                page.records_count.map_or("?".into(), |n| n.to_string())
            );
            for customer in &page.customers {
                println!(
                    "{:<18} {}",
                    customer.customer_id.as_deref().unwrap_or("-"),
                    customer.legal_name.as_deref().unwrap_or("-")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("search failed: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
