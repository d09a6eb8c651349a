//! `POST /api/v0/customer/search`: the bearer check, the query parameters, the filters of the
//! body, and one page of the result. The rules are documented on
//! [the `sandbox` module](super#the-search).

use std::cmp::Ordering;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::broken_bodies;
use super::data::{Customer, ist};
use super::envelope::{self, ApiError, sub_error};
use super::faults::Fault;
use super::{Shared, urlencoded};
use enkash_customer_search::{spec, types};

/// The page size when `limit` is not given.
pub(crate) const DEFAULT_LIMIT: usize = 50;
/// The largest page (`limit`), from the spec.
pub(crate) const MAX_LIMIT: i64 = spec::SEARCH_CUSTOMER_LIMIT_MAX as i64;

type Compare = fn(&Customer, &Customer) -> Ordering;

/// The `orderBy` values: every `CustomerResponse` property of a scalar type.
const SORT_FIELDS: &[(&str, Compare)] = &[
    ("accountNumber", |a, b| {
        a.account_number.cmp(&b.account_number)
    }),
    ("active", |a, b| a.active.cmp(&b.active)),
    ("address", |a, b| a.address.cmp(&b.address)),
    ("assignedAgent", |a, b| {
        a.assigned_agent.cmp(b.assigned_agent)
    }),
    ("bankName", |a, b| a.bank_name.cmp(b.bank_name)),
    ("companyId", |a, b| a.company_id.cmp(b.company_id)),
    ("contactEmail", |a, b| a.contact_email.cmp(&b.contact_email)),
    ("contactNumber", |a, b| {
        a.contact_number.cmp(&b.contact_number)
    }),
    ("createdBy", |a, b| a.created_by.0.cmp(b.created_by.0)),
    ("createdByName", |a, b| a.created_by.1.cmp(b.created_by.1)),
    ("createdOn", |a, b| a.created_on.cmp(&b.created_on)),
    ("customerId", |a, b| a.customer_id.cmp(&b.customer_id)),
    ("customerLogo", |a, b| a.customer_logo.cmp(&b.customer_logo)),
    ("dsoMedian", |a, b| a.dso_median.total_cmp(&b.dso_median)),
    ("id", |a, b| a.id.cmp(&b.id)),
    ("ifsc", |a, b| a.ifsc.cmp(&b.ifsc)),
    ("legalName", |a, b| a.legal_name.cmp(&b.legal_name)),
    ("modifiedBy", |a, b| a.modified_by.0.cmp(b.modified_by.0)),
    ("modifiedByName", |a, b| {
        a.modified_by.1.cmp(b.modified_by.1)
    }),
    ("modifiedOn", |a, b| a.modified_on.cmp(&b.modified_on)),
    ("netAmount", |a, b| a.net_amount.total_cmp(&b.net_amount)),
    ("panOrGstin", |a, b| a.pan_or_gstin.cmp(&b.pan_or_gstin)),
    ("parentCompanyId", |a, b| {
        a.parent_company_id.cmp(&b.parent_company_id)
    }),
    ("parentLegalName", |a, b| {
        a.parent_legal_name.cmp(&b.parent_legal_name)
    }),
    ("pinCode", |a, b| a.pin_code.cmp(&b.pin_code)),
    ("state", |a, b| a.state.cmp(b.state)),
    ("uniqueRefNo", |a, b| a.unique_ref_no.cmp(&b.unique_ref_no)),
];

/// The names `orderBy` accepts.
pub(crate) fn sort_field_names() -> impl Iterator<Item = &'static str> {
    SORT_FIELDS.iter().map(|(name, _)| *name)
}

/// Answers one search request.
pub(crate) fn search(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    let fault = shared.faults.take_next();
    if let Some(response) = fault.as_ref().and_then(|f| fault_response(shared, f)) {
        return response;
    }
    if let Err(refusal) = shared.auth.check_bearer(headers) {
        return refusal.into_error().into_response(shared);
    }
    let paging = match Paging::parse(query.unwrap_or("")) {
        Ok(paging) => paging,
        Err(error) => return error.into_response(shared),
    };
    let filters = match Filters::parse(headers, body) {
        Ok(filters) => filters,
        Err(error) => return error.into_response(shared),
    };
    let mut matches: Vec<&Customer> = shared
        .customers
        .iter()
        .filter(|c| filters.matches(c))
        .collect();
    let compare = paging.order_by;
    // Stable: ties stay in id order in both directions.
    matches.sort_by(|a, b| {
        let order = compare(a, b);
        if paging.descending {
            order.reverse()
        } else {
            order
        }
    });
    let render = shared.faults.render();
    let offset = match fault {
        Some(Fault::Shift) => paging.offset.saturating_sub(1),
        _ => paging.offset,
    };
    let end = offset.saturating_add(paging.limit).min(matches.len());
    let page = matches.get(offset..end).unwrap_or_default();
    let body = envelope::page_body(page, render, matches.len());
    match fault {
        Some(Fault::CutBody) => broken_bodies::cut_short(body),
        Some(Fault::DripBody(interval)) => broken_bodies::dripping(body, interval),
        Some(Fault::GzipUnasked) => broken_bodies::gzipped(body),
        _ => envelope::json_bytes(StatusCode::OK, body),
    }
}

/// The answer a fault gives instead of the search's, or `None` for a fault that changes how
/// the search's own answer comes out.
fn fault_response(shared: &Shared, fault: &Fault) -> Option<Response> {
    Some(match *fault {
        Fault::Status(status) => ApiError::new(
            status,
            format!(
                "{} (a fault injected by the sandbox)",
                status.canonical_reason().unwrap_or("Error")
            ),
        )
        .into_response(shared),
        Fault::RateLimit(after) => ApiError {
            retry_after: Some(after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests; try again later",
            )
        }
        .into_response(shared),
        Fault::Html(status) => envelope::gateway_html(status),
        Fault::ErrorIn200 => ApiError {
            error_type: Some(types::ErrorType::Unauthorized),
            response: Some((117, "Token is invalid.")),
            ..ApiError::new(StatusCode::OK, "Token is invalid.")
        }
        .into_response(shared),
        Fault::Redirect(status, ref location) => broken_bodies::redirect(status, location),
        Fault::EndlessBody => {
            let customer = shared
                .customers
                .first()
                .map(|c| c.to_json(shared.faults.render()))
                .unwrap_or_default();
            broken_bodies::endless(&customer)
        }
        Fault::CutBody | Fault::DripBody(_) | Fault::Shift | Fault::GzipUnasked => return None,
    })
}

/// The query parameters.
#[derive(Debug)]
struct Paging {
    limit: usize,
    offset: usize,
    order_by: Compare,
    descending: bool,
}

impl Paging {
    fn parse(query: &str) -> Result<Paging, ApiError> {
        const OBJECT: &str = "searchCustomer";
        let pairs = urlencoded::parse(query);
        let params = urlencoded::known(pairs, &["limit", "offset", "orderBy", "direction"])
            .map_err(|name| {
                let message = "is given more than once";
                ApiError::validation(
                    format!("{name} {message}"),
                    vec![sub_error(OBJECT, name, Value::Null, message)],
                )
            })?;
        let mut errors = Vec::new();
        let mut reject = |name: &str, value: &str, message: String| {
            errors.push((name.to_string(), value.to_string(), message));
        };
        let mut integer = |name: &str, min: i64, max: i64, default: i64| match params.get(name) {
            None => default,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if n < min => {
                    reject(
                        name,
                        text,
                        format!("must be greater than or equal to {min}"),
                    );
                    default
                }
                Ok(n) if n > max => {
                    reject(name, text, format!("must be less than or equal to {max}"));
                    default
                }
                Ok(n) => n,
                Err(_) => {
                    reject(name, text, "must be an integer".to_string());
                    default
                }
            },
        };
        let limit = integer(
            "limit",
            spec::SEARCH_CUSTOMER_LIMIT_MIN.into(),
            MAX_LIMIT,
            DEFAULT_LIMIT as i64,
        );
        let offset = integer(
            "offset",
            spec::SEARCH_CUSTOMER_OFFSET_MIN.into(),
            i64::from(i32::MAX),
            0,
        );
        let order_by = match params.get("orderBy").filter(|name| !name.is_empty()) {
            None => SORT_FIELDS.iter().find(|(n, _)| *n == "id").map(|f| f.1),
            Some(name) => {
                let found = SORT_FIELDS.iter().find(|(n, _)| n == name).map(|f| f.1);
                if found.is_none() {
                    let names: Vec<_> = sort_field_names().collect();
                    reject(
                        "orderBy",
                        name,
                        format!("must be one of {}", names.join(", ")),
                    );
                }
                found
            }
        };
        let descending = match params.get("direction").map(String::as_str) {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(other) => {
                reject("direction", other, "must be ASC or DESC".to_string());
                false
            }
        };
        if !errors.is_empty() {
            return Err(validation_error(
                OBJECT,
                errors
                    .into_iter()
                    .map(|(name, value, message)| (name, Value::String(value), message))
                    .collect(),
            ));
        }
        Ok(Paging {
            limit: limit as usize,
            offset: offset as usize,
            order_by: order_by.expect("a known field when there are no errors"),
            descending,
        })
    }
}

/// A 400 naming every field in `errors` (`(field, rejected value, message)`).
fn validation_error(object: &str, errors: Vec<(String, Value, String)>) -> ApiError {
    let message = errors
        .iter()
        .map(|(field, _, message)| format!("{field} {message}"))
        .collect::<Vec<_>>()
        .join("; ");
    let sub_errors = errors
        .into_iter()
        .map(|(field, value, message)| sub_error(object, &field, value, &message))
        .collect();
    ApiError::validation(message, sub_errors)
}

/// The filters of the body, as the sandbox applies them.
#[derive(Debug, Default)]
struct Filters {
    account_number: Option<String>,
    company_id: Option<String>,
    contact_number: Option<String>,
    ifsc: Option<String>,
    pan_or_gstin: Option<String>,
    parent_company_id: Option<String>,
    unique_ref_no: Option<String>,
    /// Lower-cased.
    assigned_agent: Option<String>,
    /// Lower-cased.
    created_by_name: Option<String>,
    /// Lower-cased.
    legal_name: Option<String>,
    /// Lower-cased.
    modified_by_name: Option<String>,
    customer_ids: Vec<String>,
    active: Option<bool>,
    level: Option<u8>,
    dso_from: Option<i32>,
    dso_to: Option<i32>,
    created_on_from: Option<DateTime<Utc>>,
    created_on_to: Option<DateTime<Utc>>,
    modified_on_day: Option<NaiveDate>,
    balance_amount: Option<f64>,
    /// A filter whose value the sandbox does not know (an enum value the spec added since):
    /// then nothing matches, rather than everything.
    unhandled: Option<&'static str>,
}

impl From<types::CustomerSearchRequest> for Filters {
    /// Each filter of the spec, by its field (a test lists them by wire name).
    fn from(request: types::CustomerSearchRequest) -> Self {
        let types::CustomerSearchRequest {
            account_number,
            assigned_agent,
            balance_amount,
            company_id,
            contact_number,
            created_by_name,
            created_on_from,
            created_on_to,
            customer_ids,
            customer_status,
            dso_from,
            dso_to,
            ifsc,
            legal_name,
            level,
            modified_by_name,
            modified_on,
            pan_or_gstin,
            parent_company_id,
            // Paging is by `offset`/`limit` whatever it says.
            select_all: _,
            unique_ref_no,
            ..
        } = request;
        let lower = |s: Option<String>| s.map(|s| s.to_lowercase());
        let mut unhandled = None;
        let active = customer_status.and_then(|status| match status {
            types::CustomerStatusFilter::Active => Some(true),
            types::CustomerStatusFilter::Inactive => Some(false),
            types::CustomerStatusFilter::All => None,
            _ => {
                unhandled = Some("customerStatus");
                None
            }
        });
        let level = level.map(|level| match level {
            types::CustomerLevel::Level1 => 1,
            types::CustomerLevel::Level2 => 2,
            types::CustomerLevel::Level3 => 3,
            _ => {
                unhandled = Some("level");
                0
            }
        });
        Filters {
            account_number,
            company_id,
            contact_number,
            ifsc,
            pan_or_gstin,
            parent_company_id,
            unique_ref_no,
            assigned_agent: lower(assigned_agent),
            created_by_name: lower(created_by_name),
            legal_name: lower(legal_name),
            modified_by_name: lower(modified_by_name),
            customer_ids,
            active,
            level,
            dso_from,
            dso_to,
            created_on_from,
            created_on_to,
            modified_on_day: modified_on.map(|t| t.with_timezone(&ist()).date_naive()),
            balance_amount,
            unhandled,
        }
    }
}

impl Filters {
    /// The body as the generated request type, or EnKash's 400 naming every field of the
    /// wrong type (each property is decoded on its own, so one error does not hide the next;
    /// `null` is refused, the spec's filters not being nullable; unknown properties are
    /// ignored).
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Filters, ApiError> {
        const OBJECT: &str = "customerSearchRequest";
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Filters::default());
        }
        if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
            let text = content_type.to_str().unwrap_or("");
            let essence = text
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::validation(
                    format!("Content type '{text}' not supported; send application/json"),
                    Vec::new(),
                ));
            }
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::validation(
                format!("Malformed JSON request: {e}"),
                vec![sub_error(OBJECT, "body", Value::Null, "is not valid JSON")],
            )
        })?;
        let Value::Object(map) = value else {
            return Err(validation_error(
                OBJECT,
                vec![(
                    "body".to_string(),
                    value,
                    "must be a JSON object".to_string(),
                )],
            ));
        };
        let mut errors = Vec::new();
        for (name, value) in &map {
            let alone = |value: Value| {
                serde_json::from_value::<types::CustomerSearchRequest>(Value::Object(
                    [(name.clone(), value)].into_iter().collect(),
                ))
            };
            if value.is_null() {
                // A property the request type knows turns `0` into an error or a value.
                let known = alone(Value::from(0)).map_or(true, |probe| {
                    probe != types::CustomerSearchRequest::default()
                });
                if known {
                    errors.push((name.clone(), Value::Null, "must not be null".to_string()));
                }
            } else if let Err(e) = alone(value.clone()) {
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(message, _)| message);
                errors.push((name.clone(), value.clone(), message.to_string()));
            }
        }
        if !errors.is_empty() {
            return Err(validation_error(OBJECT, errors));
        }
        serde_json::from_value::<types::CustomerSearchRequest>(Value::Object(map))
            .map(Filters::from)
            .map_err(|e| ApiError::validation(format!("Malformed request: {e}"), Vec::new()))
    }

    fn matches(&self, c: &Customer) -> bool {
        if self.unhandled.is_some() {
            return false;
        }
        fn exact(filter: &Option<String>, value: &str) -> bool {
            filter.as_deref().is_none_or(|f| f == value)
        }
        fn contains(filter: &Option<String>, value: &str) -> bool {
            filter
                .as_deref()
                .is_none_or(|f| value.to_lowercase().contains(f))
        }
        exact(&self.account_number, &c.account_number)
            && exact(&self.company_id, c.company_id)
            && exact(&self.contact_number, &c.contact_number)
            && exact(&self.ifsc, &c.ifsc)
            && exact(&self.pan_or_gstin, &c.pan_or_gstin)
            && exact(&self.parent_company_id, &c.parent_company_id)
            && exact(&self.unique_ref_no, &c.unique_ref_no)
            && contains(&self.assigned_agent, c.assigned_agent)
            && contains(&self.created_by_name, c.created_by.1)
            && contains(&self.legal_name, &c.legal_name)
            && contains(&self.modified_by_name, c.modified_by.1)
            && (self.customer_ids.is_empty() || self.customer_ids.contains(&c.customer_id))
            && self.active.is_none_or(|active| c.active == active)
            && self.level.is_none_or(|level| c.level == level)
            && self
                .dso_from
                .is_none_or(|from| c.dso_median >= f64::from(from))
            && self.dso_to.is_none_or(|to| c.dso_median <= f64::from(to))
            && self.created_on_from.is_none_or(|from| c.created_on >= from)
            && self.created_on_to.is_none_or(|to| c.created_on <= to)
            && self
                .modified_on_day
                .is_none_or(|day| c.modified_on.with_timezone(&ist()).date_naive() == day)
            && self
                .balance_amount
                .is_none_or(|amount| c.net_amount >= amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filters of the spec that `Filters` applies, by wire name: a test fails while a filter
    /// of the spec is missing here (the generated request is `#[non_exhaustive]`, so naming every
    /// field below no longer proves it).
    const APPLIED_FILTERS: [&str; 21] = [
        "accountNumber",
        "assignedAgent",
        "balanceAmount",
        "companyId",
        "contactNumber",
        "createdByName",
        "createdOnFrom",
        "createdOnTo",
        "customerIds",
        "customerStatus",
        "dsoFrom",
        "dsoTo",
        "ifsc",
        "legalName",
        "level",
        "modifiedByName",
        "modifiedOn",
        "panOrGstin",
        "parentCompanyId",
        "selectAll",
        "uniqueRefNo",
    ];

    #[test]
    fn every_enum_value_of_the_spec_is_handled() {
        use enkash_customer_search::spec::{SHAPES, Wire};
        let request = SHAPES
            .iter()
            .find(|shape| shape.name == "CustomerSearchRequest")
            .unwrap();
        let mut checked = 0;
        for property in request.properties {
            let Wire::Enum(values) = property.wire else {
                continue;
            };
            for value in values {
                let body = serde_json::json!({ property.name: value });
                let request: types::CustomerSearchRequest = serde_json::from_value(body).unwrap();
                let filters = Filters::from(request);
                assert_eq!(filters.unhandled, None, "{}={value}", property.name);
                checked += 1;
            }
        }
        assert!(checked >= 6, "{checked} enum values");
    }

    #[test]
    fn every_filter_of_the_spec_is_applied() {
        let spec: std::collections::BTreeSet<&str> =
            enkash_customer_search::spec::CUSTOMER_SEARCH_REQUEST_PROPERTIES
                .iter()
                .copied()
                .collect();
        let applied = APPLIED_FILTERS.into_iter().collect();
        assert_eq!(
            spec, applied,
            "a filter of the spec is not applied by the sandbox (or no longer in the spec)"
        );
    }

    #[test]
    fn every_name_the_spec_gives_orderby_is_sortable() {
        let names: Vec<_> = sort_field_names().collect();
        assert_eq!(
            names,
            spec::SEARCH_CUSTOMER_ORDER_BY_VALUES,
            "the sandbox sorts by exactly the names the spec gives `orderBy`, in its order"
        );
    }

    #[test]
    fn query_parameters_are_checked() {
        let ok = Paging::parse("limit=10&offset=20&orderBy=legalName&direction=DESC").unwrap();
        assert_eq!((ok.limit, ok.offset, ok.descending), (10, 20, true));
        for defaults in ["", "orderBy=", "other=1&other=2"] {
            let defaults = Paging::parse(defaults).unwrap();
            assert_eq!((defaults.limit, defaults.offset), (DEFAULT_LIMIT, 0));
        }
        for bad in [
            "limit=0",
            "limit=5001",
            "limit=abc",
            "limit=",
            "offset=-1",
            "offset=2147483648",
            "orderBy=nope",
            "orderBy=branchCodes",
            "direction=asc",
            "limit=1&limit=2",
            "limit=%zz",
        ] {
            let error = Paging::parse(bad).err().unwrap_or_else(|| panic!("{bad}"));
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn filters_of_the_wrong_type_are_named() {
        let headers = HeaderMap::new();
        let error = Filters::parse(
            &headers,
            br#"{"dsoFrom": 1.5, "level": "LEVEL_9", "customerIds": ["a", 1], "legalName": null,
                "createdOnFrom": "yesterday", "selectAll": "yes", "balanceAmount": "1"}"#,
        )
        .unwrap_err();
        let fields: Vec<_> = error
            .sub_errors
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "balanceAmount",
                "createdOnFrom",
                "customerIds",
                "dsoFrom",
                "legalName",
                "level",
                "selectAll"
            ]
        );
        for body in [&b"[]"[..], b"null", b"{", b"7"] {
            assert!(Filters::parse(&headers, body).is_err());
        }
        assert!(Filters::parse(&headers, b"").is_ok());
        assert!(Filters::parse(&headers, br#"{"somethingElse": 1}"#).is_ok());
    }
}
