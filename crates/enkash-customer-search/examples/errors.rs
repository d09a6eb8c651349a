//! What to do about each kind of error, for a search with the limit given as the first
//! argument (try 6000 to see a client-side validation error, nothing sent).
//!
//! ```sh
//! ENKASH_BASE_URL=https://ekpayout-uat.enkash.in ENKASH_TOKEN=… \
//!   cargo run -p enkash-customer-search --example errors -- 6000
//! ```

use std::process::ExitCode;

use enkash_customer_search::{
    AuthenticationFailure, Client, Error, Open, SearchQuery, types::ErrorType,
};

#[tokio::main]
async fn main() -> Result<ExitCode, enkash_customer_search::BuildError> {
    let client = Client::from_env()?;
    let limit = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(100);
    let error = match client.search(&SearchQuery::new().limit(limit)).await {
        Ok(page) => {
            println!("{} customers", page.customers.len());
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => error,
    };
    match &error {
        Error::InvalidRequest(e) => {
            eprintln!("nothing was sent; fix `{}`: {}", e.field, e.reason)
        }
        Error::Api(e) => match &e.error_type {
            Some(Open::Known(ErrorType::ValidationError)) => {
                eprintln!("EnKash refused the query: {e}");
                for sub_error in &e.api_sub_errors {
                    eprintln!("  {sub_error}");
                }
            }
            Some(Open::Unknown(kind)) => {
                eprintln!("a kind of error new to this client ({kind}): {e}")
            }
            _ => eprintln!(
                "EnKash error; quote request id {:?} to support: {e}",
                e.request_id
            ),
        },
        Error::Authentication(e) if e.reason == AuthenticationFailure::CredentialsRejected => {
            eprintln!(
                "the credentials were rejected and will not be retried (account lockout): {e}"
            )
        }
        Error::Authentication(e) => eprintln!("authentication: {e}"),
        Error::Timeout(_) | Error::Transport(_) => {
            eprintln!("network trouble, already retried: {error}")
        }
        Error::Undecodable(e) => eprintln!("not EnKash's answer (a proxy?): {e}"),
        other => eprintln!("{other}"),
    }
    if error.is_retryable() {
        eprintln!("(worth trying again later)");
    }
    Ok(ExitCode::FAILURE)
}
