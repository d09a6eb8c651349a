//! A check by a third party: Stoplight Prism serves `openapi/customer-search.yaml` in dynamic
//! mode, validating every request against the spec and inventing every response from it.
//! Hundreds of varied requests go through the client; Prism must accept each one, and each
//! response it invents must decode. Our own tests can only show that the client agrees with
//! our reading of the spec; this shows it agrees with someone else's.
//!
//! Prism is pinned in `openapi/package-lock.json`; [`Prism::start`] runs `npm ci` there if the
//! tools are missing (as `cargo xtask lint` does).

use chrono::{DateTime, Utc};
use enkash_customer_search::{Client, Credentials, RetryPolicy, SearchQuery, spec, types};
use workspace_tests::Prism;

/// Searches sent; the token calls come on top.
const SEARCHES: usize = 220;
/// Clients with their own credentials, each fetching one token.
const TOKEN_CLIENTS: usize = 20;

/// A seeded generator, so every run sends the same varied requests.
struct Rng(fastrand::Rng);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.u64(..n)
    }

    fn coin(&mut self) -> bool {
        self.0.bool()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.0.usize(..items.len())]
    }
}

const NAMES: &[&str] = &[
    "Shree Ganesh Traders",
    "Kaveri Agro Foods Pvt Ltd",
    "M/s Laxmi & Sons",
    "Śrī Vēṅkaṭēśvara Textiles",
    "O'Neil \"Quoted\" Exports",
    "",
    "a",
];

fn instant(rng: &mut Rng) -> DateTime<Utc> {
    DateTime::from_timestamp(1_500_000_000 + rng.below(300_000_000) as i64, 0).unwrap()
}

/// A query in which each parameter and filter may turn up, alone or in company.
fn query(rng: &mut Rng) -> SearchQuery {
    let mut filters = types::CustomerSearchRequest::builder();
    let set = |rng: &mut Rng| rng.below(3) == 0;
    if set(rng) {
        filters = filters.legal_name(rng.pick(NAMES).to_string());
    }
    if set(rng) {
        filters = filters.account_number(format!("{}", rng.below(10_000_000_000_000)));
    }
    if set(rng) {
        filters = filters.assigned_agent(rng.pick(NAMES).to_string());
    }
    if set(rng) {
        filters = filters.balance_amount(rng.below(10_000_000) as f64 / 100.0);
    }
    if set(rng) {
        filters = filters.company_id("CEK1A2B3C4".to_string());
    }
    if set(rng) {
        filters = filters.contact_number(format!("9{:09}", rng.below(1_000_000_000)));
    }
    if set(rng) {
        filters = filters.created_by_name(rng.pick(NAMES).to_string());
    }
    if set(rng) {
        let (a, b) = (instant(rng), instant(rng));
        filters = filters.created_on_from(a.min(b)).created_on_to(a.max(b));
    }
    if set(rng) {
        let ids = (0..rng.below(4))
            .map(|i| format!("KC{:014}", i * 7919))
            .collect::<Vec<_>>();
        filters = filters.customer_ids(ids);
    }
    if set(rng) {
        filters = filters.customer_status(match rng.below(3) {
            0 => types::CustomerStatusFilter::Active,
            1 => types::CustomerStatusFilter::All,
            _ => types::CustomerStatusFilter::Inactive,
        });
    }
    if set(rng) {
        let (a, b) = (rng.below(365) as i32, rng.below(365) as i32);
        filters = filters.dso_from(a.min(b)).dso_to(a.max(b));
    }
    if set(rng) {
        filters = filters.ifsc("HDFC0001234".to_string());
    }
    if set(rng) {
        filters = filters.level(match rng.below(3) {
            0 => types::CustomerLevel::Level1,
            1 => types::CustomerLevel::Level2,
            _ => types::CustomerLevel::Level3,
        });
    }
    if set(rng) {
        filters = filters.modified_by_name(rng.pick(NAMES).to_string());
    }
    if set(rng) {
        filters = filters.modified_on(instant(rng));
    }
    if set(rng) {
        filters = filters.pan_or_gstin("27AAPFU0939F1ZV".to_string());
    }
    if set(rng) {
        filters = filters.parent_company_id("CEK9Z8Y7X6".to_string());
    }
    if set(rng) {
        filters = filters.select_all(rng.coin());
    }
    if set(rng) {
        filters = filters.unique_ref_no(format!("REF-{}", rng.below(100_000)));
    }
    let mut query = SearchQuery::new().filters(filters);
    if rng.coin() {
        query = query.limit(1 + rng.below(5000) as i32);
    }
    if rng.coin() {
        query = query.offset(rng.below(1_000_000) as i32);
    }
    if rng.coin() {
        query = query.order_by(rng.pick(spec::SEARCH_CUSTOMER_ORDER_BY_VALUES));
    }
    if rng.coin() {
        query = query.direction(if rng.coin() {
            types::SortDirection::Asc
        } else {
            types::SortDirection::Desc
        });
    }
    query
}

#[test]
#[ignore = "needs Node.js 20 and the npm registry; .ci/run runs it with --ignored"]
fn prism_accepts_every_request_and_every_response_it_invents_decodes() {
    let prism = Prism::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let failures = runtime.block_on(async {
        let mut failures = Vec::new();
        let mut rng = Rng(fastrand::Rng::with_seed(20_241_010));
        let bearer = Client::builder(prism.base_url())
            .bearer_token("prism-accepts-any-bearer-token")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        for n in 0..SEARCHES {
            let query = query(&mut rng);
            if let Err(e) = bearer.search(&query).await {
                failures.push(format!("search {n} ({query:?}): {e}"));
            }
        }
        // Each client logs in once with its own credentials (Prism accepts any), then searches
        // with the token Prism invented.
        for n in 0..TOKEN_CLIENTS {
            let client = Client::builder(prism.base_url())
                .credentials(Credentials::new(
                    format!("CEK{n:07}"),
                    format!("secret-{n}"),
                    format!("user{n}@example.in"),
                    format!("password {n} with spaces & symbols=?"),
                ))
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();
            if let Err(e) = client.search(&SearchQuery::new().limit(10)).await {
                failures.push(format!("token client {n}: {e}"));
            }
        }
        failures
    });
    let log = prism.log();
    let received = log.matches("Request received").count();
    let rejected = log
        .matches("Request did not pass the validation rules")
        .count();
    let violations: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("Violation:"))
        .take(20)
        .collect();
    assert!(
        failures.is_empty(),
        "{} of the calls failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        rejected,
        0,
        "Prism rejected requests:\n{}",
        violations.join("\n")
    );
    assert!(
        received >= SEARCHES + 2 * TOKEN_CLIENTS,
        "Prism saw {received} requests"
    );
}
