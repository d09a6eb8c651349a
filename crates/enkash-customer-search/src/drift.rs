//! Drift reports for the spec's curator: what responses showed that the spec does not say.
//!
//! The spec is curated by hand from the vendor's pages, and the client is lenient where EnKash
//! is known to stray (open enums, date-times in several forms, `null` anywhere, fields added
//! later), so a response that strays still decodes. That leniency would hide the evidence
//! the curator needs; a [`Drift`] collects it instead: every enum value the spec does not
//! list, every date-time in another form than the spec names, every `null` where the spec
//! gives a non-nullable type, every field the spec lacks. Only names, forms, enum values and
//! counts: never a customer's data.
//!
//! Each response is checked against the spec's own table ([`spec::SHAPES`], written by
//! `cargo xtask codegen`), on a copy of its body that is kept only while a drift is recorded.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use crate::lenient_date_time::{DateTimeFormat, LenientDateTime};
use crate::spec::{self, Shape, Wire};

/// Deviations from the spec, counted over the responses of the calls that recorded them.
/// Field names are `Schema.property` (`CustomerResponse.createdOn`), an array's items
/// `Schema.property[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DriftReport {
    /// How many response bodies were checked.
    pub responses: u64,
    /// Per field, each value the spec's enum does not list, and how often it came.
    pub unknown_enum_values: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per date-time field, each form other than the spec's (`LocalIso8601`, `EpochMillis`, …),
    /// and how often it came.
    pub date_time_forms: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per field the spec says is never `null`, how often it was.
    pub unexpected_nulls: BTreeMap<String, u64>,
    /// Per field the spec does not have, how often it came.
    pub unknown_fields: BTreeMap<String, u64>,
}

impl DriftReport {
    /// Whether no response strayed from the spec.
    pub fn is_empty(&self) -> bool {
        self.unknown_enum_values.is_empty()
            && self.date_time_forms.is_empty()
            && self.unexpected_nulls.is_empty()
            && self.unknown_fields.is_empty()
    }
}

/// Where the calls made with [`CallOptions::record_drift`](crate::CallOptions::record_drift)
/// add what their responses showed. Cheap to clone: clones share one report, so one `Drift`
/// can collect a call, a stream, or a whole job.
///
/// ```
/// use enkash_customer_search::{CallOptions, Client, Drift, SearchQuery};
///
/// # async fn job(client: Client) -> Result<(), enkash_customer_search::Error> {
/// let drift = Drift::new();
/// let recording = client.with_options(CallOptions::new().record_drift(&drift));
/// let mut customers = recording.search_all(SearchQuery::new());
/// while let Some(customer) = customers.next().await {
///     customer?;
/// }
/// let report = drift.report();
/// println!("{}", serde_json::to_string_pretty(&report).unwrap());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Drift(Arc<Mutex<DriftReport>>);

impl Drift {
    /// An empty report to record into.
    pub fn new() -> Self {
        Drift::default()
    }

    /// What has been recorded so far.
    pub fn report(&self) -> DriftReport {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DriftReport> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks one response body of the search against the spec; a body that is not JSON is
    /// not counted (it is an error of its own).
    pub(crate) fn record_search_body(&self, body: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let mut report = self.lock();
        report.responses += 1;
        if let Some(shape) = shape("CustomerSearchResponse") {
            walk(&value, shape, &mut report);
        }
    }
}

/// The spec's component schema `name`, from its wire table.
pub(crate) fn shape(name: &str) -> Option<&'static Shape> {
    spec::SHAPES.iter().find(|shape| shape.name == name)
}

fn walk(value: &Value, shape: &Shape, report: &mut DriftReport) {
    let Value::Object(object) = value else {
        return;
    };
    for (key, value) in object {
        match shape.properties.iter().find(|p| p.name == key) {
            Some(property) => check(
                value,
                &property.wire,
                property.nullable,
                &format!("{}.{}", shape.name, property.name),
                report,
            ),
            None => {
                *report
                    .unknown_fields
                    .entry(format!("{}.{key}", shape.name))
                    .or_default() += 1
            }
        }
    }
}

fn check(value: &Value, wire: &Wire, nullable: bool, field: &str, report: &mut DriftReport) {
    if value.is_null() {
        if !nullable {
            *report
                .unexpected_nulls
                .entry(field.to_string())
                .or_default() += 1;
        }
        return;
    }
    match wire {
        Wire::Plain => {}
        Wire::Enum(values) => {
            if let Value::String(text) = value
                && !values.contains(&text.as_str())
            {
                *report
                    .unknown_enum_values
                    .entry(field.to_string())
                    .or_default()
                    .entry(text.clone())
                    .or_default() += 1;
            }
        }
        Wire::DateTime(pattern) => {
            let Ok(time) = serde_json::from_value::<LenientDateTime>(value.clone()) else {
                return;
            };
            let expected = match pattern {
                None => DateTimeFormat::Rfc3339,
                Some(pattern) => DateTimeFormat::for_pattern(pattern),
            };
            if time.format() != expected {
                *report
                    .date_time_forms
                    .entry(field.to_string())
                    .or_default()
                    .entry(format!("{:?}", time.format()))
                    .or_default() += 1;
            }
        }
        Wire::Object(name) => {
            if let Some(shape) = shape(name) {
                walk(value, shape, report);
            }
        }
        Wire::Array {
            items,
            nullable_items,
        } => {
            if let Value::Array(values) = value {
                let field = format!("{field}[]");
                for item in values {
                    check(item, items, *nullable_items, &field, report);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Deviations no edit of the spec would make conform (a spec that names an offset-less
    // form, say), so that the curator's loop can run this test on an edited spec.
    #[test]
    fn each_kind_of_deviation_is_counted_by_field_without_data() {
        let drift = Drift::new();
        let body = json!({
            "response_code": 0,
            "traceId": "abc",
            "payload": { "recordsCount": 2, "data": [
                { "customerId": "KC1", "legalName": "Secret Traders", "state": "Goa",
                  "createdOn": "2024-10-10T08:34:46+0530", "loyaltyTier": "GOLD",
                  "customerKeyContacts": [{ "modifiedOn": 1728549286000_i64, "email": "a@b.in" }] },
                { "customerId": "KC2", "branchCodes": ["A", null], "loyaltyTier": "SILVER" }
            ] },
            "errorResponse": {
                "errorType": "NOT_A_VALUE_OF_ANY_SPEC",
                "timestamp": "2024-10-10 08:34:46"
            }
        });
        drift.record_search_body(body.to_string().as_bytes());
        drift.record_search_body(b"<html>not json</html>");
        let report = drift.report();
        assert_eq!(report.responses, 1);
        assert_eq!(
            report.unknown_fields,
            BTreeMap::from([
                ("CustomerResponse.loyaltyTier".to_string(), 2),
                ("CustomerSearchResponse.traceId".to_string(), 1),
            ])
        );
        assert_eq!(
            report.date_time_forms,
            BTreeMap::from([
                (
                    "CustomerKeyContact.modifiedOn".to_string(),
                    BTreeMap::from([("EpochMillis".to_string(), 1)])
                ),
                (
                    "CustomerResponse.createdOn".to_string(),
                    BTreeMap::from([("Iso8601WithOffset".to_string(), 1)])
                ),
            ])
        );
        assert_eq!(
            report.unknown_enum_values,
            BTreeMap::from([(
                "ErrorResponse.errorType".to_string(),
                BTreeMap::from([("NOT_A_VALUE_OF_ANY_SPEC".to_string(), 1)])
            )])
        );
        assert_eq!(
            report.unexpected_nulls,
            BTreeMap::from([("CustomerResponse.branchCodes[]".to_string(), 1)])
        );
        // Names, forms and counts only: no customer's data.
        let text = serde_json::to_string(&report).unwrap();
        for data in [
            "Secret Traders",
            "KC1",
            "Goa",
            "a@b.in",
            "GOLD",
            "2024-10-10",
        ] {
            assert!(!text.contains(data), "{data} in {text}");
        }
    }
}
