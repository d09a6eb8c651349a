//! Every active customer, page after page, counted by state.
//!
//! ```sh
//! ENKASH_BASE_URL=https://ekpayout-uat.enkash.in ENKASH_TOKEN=… \
//!   cargo run -p enkash-customer-search --example all_pages
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;

use enkash_customer_search::{Client, SearchQuery, types};

#[tokio::main]
async fn main() -> Result<ExitCode, enkash_customer_search::BuildError> {
    let client = Client::from_env()?;
    let query = SearchQuery::new()
        .customer_status(types::CustomerStatusFilter::Active)
        .order_by("createdOn")
        .limit(enkash_customer_search::MAX_PAGE_SIZE);
    // Pages are fetched one ahead of this loop; at most two are held at once.
    let mut customers = client.search_all(query);
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(customer) = customers.next().await {
        match customer {
            Ok(customer) => {
                let state = customer.state.unwrap_or_else(|| "(none)".into());
                *by_state.entry(state).or_default() += 1;
            }
            Err(e) => {
                eprintln!("paging stopped: {e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    for (state, count) in by_state {
        println!("{state:<24} {count}");
    }
    Ok(ExitCode::SUCCESS)
}
