//! The seeded data set: realistic Indian business customers of the sandbox company, generated
//! once when a sandbox starts, and their wire JSON.
//!
//! A customer is kept typed (so filtering and sorting 10,000 of them is quick) and turned into
//! the generated `CustomerResponse` only for the page being sent, which is where the rendering
//! faults ([`Render`]) apply. Generation draws from one [`Dice`] in a fixed
//! order, so a seed always gives the same customers.

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use enkash_customer_search::{LenientDateTime, types};
use serde_json::Value;

use super::SANDBOX_CLIENT_ID;
use super::india::{self, BANKS, ENTITIES, STATES};
use super::rng::{Dice, UPPER_ALNUM};

/// The earliest `createdOn`: 2019-04-01T00:00:00Z, the start of an Indian financial year.
const FIRST_CREATED: i64 = 1_554_076_800;
/// The latest timestamp in the data set: 2024-10-10T00:00:00Z, the date of the vendor page.
const LAST_MODIFIED: i64 = 1_728_518_400;

/// India Standard Time, UTC+05:30: the zone of wall-clock timestamps without an offset.
pub(crate) fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("+05:30 is a valid offset")
}

/// One customer as the sandbox stores it.
#[derive(Clone, Debug)]
pub(crate) struct Customer {
    pub id: i64,
    pub customer_id: String,
    /// The customer's level, 1 to 3: filtered on by `level`, never sent (the response has no
    /// such field).
    pub level: u8,
    pub active: bool,
    pub legal_name: String,
    pub address: String,
    pub state: &'static str,
    pub pin_code: String,
    pub assigned_agent: &'static str,
    pub bank_name: &'static str,
    pub ifsc: String,
    pub account_number: String,
    pub branch_codes: Vec<&'static str>,
    pub company_id: &'static str,
    pub contact_email: String,
    pub contact_number: String,
    pub created_by: (&'static str, &'static str),
    pub modified_by: (&'static str, &'static str),
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub customer_logo: String,
    pub key_contacts: Vec<KeyContact>,
    pub reminders: Vec<Reminder>,
    pub dso_median: f64,
    pub net_amount: f64,
    pub pan_or_gstin: String,
    pub parent_company_id: String,
    pub parent_legal_name: String,
    pub unique_ref_no: String,
    pub warnings: Vec<&'static str>,
}

/// A person to contact at a customer.
#[derive(Clone, Debug)]
pub(crate) struct KeyContact {
    pub key_contact_person_id: String,
    pub name: String,
    pub email: String,
    pub mobile: String,
    pub created_by: &'static str,
    pub created_on: DateTime<Utc>,
    pub modified_by: &'static str,
    pub modified_on: DateTime<Utc>,
    pub deleted: bool,
    pub mail_enabled: bool,
    pub sms_enabled: bool,
    pub whatsapp_enabled: bool,
}

/// A payment reminder of a customer.
#[derive(Clone, Debug)]
pub(crate) struct Reminder {
    pub customer_reminder_id: String,
    pub due_date_difference: i32,
    pub reminder_interval: i32,
    pub reminder_time: String,
    pub reminder_type: &'static str,
    pub stage: &'static str,
}

/// How customers are rendered: the rendering faults of [`Faults`](super::Faults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Render {
    /// Every field `null` but `customerId`.
    pub null_fields: bool,
    /// One field the spec does not know.
    pub unknown_field: bool,
    /// Date-times as IST wall-clock time without an offset.
    pub offset_less_timestamps: bool,
}

/// The name of the field [`Render::unknown_field`] adds, and its value.
pub(crate) const UNKNOWN_FIELD: (&str, &str) = ("gstFilingStatus", "REGULAR");

/// A parent group of customers.
struct Parent {
    id: String,
    name: String,
}

/// `count` customers for `seed`, in ascending `id` order.
pub(crate) fn generate(count: usize, seed: u64) -> Vec<Customer> {
    let mut rng = Dice::new(seed);
    let parents: Vec<Parent> = (0..40)
        .map(|i| Parent {
            id: format!("CEK{}", rng.string_from(UPPER_ALNUM, 7)),
            name: if i % 2 == 0 {
                format!("{} Group", rng.pick(india::NAME_CORES))
            } else {
                format!("{} Holdings", rng.pick(india::SURNAMES))
            },
        })
        .collect();
    let state_weights: Vec<u64> = STATES.iter().map(|s| s.weight).collect();
    let entity_weights: Vec<u64> = ENTITIES.iter().map(|e| e.weight).collect();
    let mut id = 1_000;
    (0..count)
        .map(|index| {
            id += rng.range(1, 3);
            customer(
                &mut rng,
                index,
                id,
                &parents,
                &state_weights,
                &entity_weights,
            )
        })
        .collect()
}

fn customer(
    rng: &mut Dice,
    index: usize,
    id: i64,
    parents: &[Parent],
    state_weights: &[u64],
    entity_weights: &[u64],
) -> Customer {
    let customer_id = format!("KC{}", rng.string_from(UPPER_ALNUM, 14));
    let state = &STATES[rng.weighted(state_weights)];
    let (city, pin_prefix) = *rng.pick(state.cities);
    let entity = &ENTITIES[rng.weighted(entity_weights)];
    let trade = *rng.pick(india::TRADES);
    let core = *rng.pick(india::NAME_CORES);
    let surname = *rng.pick(india::SURNAMES);
    let base_name = match entity.pan_letter {
        'H' => format!("{surname} {trade}"),
        _ if rng.chance(45) => format!("{} {core} {trade}", rng.pick(india::NAME_PREFIXES)),
        _ => format!("{core} {trade}"),
    };
    let suffix = *rng.pick(entity.suffixes);
    let legal_name = if suffix.is_empty() {
        base_name.clone()
    } else {
        format!("{base_name} {suffix}")
    };
    // The fifth letter of a PAN is the initial of the holder's name: the proprietor's or the
    // family's surname, else the business name.
    let initial = match entity.pan_letter {
        'P' | 'H' => surname.chars().next(),
        _ => base_name.chars().next(),
    }
    .unwrap_or('A');
    let pan = india::pan(rng, entity.pan_letter, initial);
    let registered = rng.chance(85);
    let pan_or_gstin = if registered {
        india::gstin(rng, state.gst_code, &pan)
    } else {
        pan
    };
    let bank = rng.pick(BANKS);
    let slug = india::slug(&base_name);
    let created = rng.range(FIRST_CREATED, LAST_MODIFIED - 86_400);
    let modified = rng.range(created, LAST_MODIFIED);
    let created_on = timestamp(created);
    let modified_on = timestamp(modified);
    let key_contacts = (0..rng.range(1, 3))
        .map(|_| key_contact(rng, &slug, created, modified))
        .collect();
    let reminders = (0..rng.range(0, 2)).map(|_| reminder(rng)).collect();
    let parent = rng.pick(parents);
    let mut warnings = Vec::new();
    if !registered {
        warnings.push("GSTIN not available");
    } else if rng.chance(10) {
        warnings.push("GSTIN not verified");
    }
    if rng.chance(15) {
        warnings.push(*rng.pick(india::WARNINGS));
    }
    let net_amount = {
        let rupees = match rng.weighted(&[8, 5, 30, 35, 17, 5]) {
            0 => 0,
            1 => -rng.range(1_000, 50_000),
            2 => rng.range(500, 10_000),
            3 => rng.range(10_000, 100_000),
            4 => rng.range(100_000, 1_000_000),
            _ => rng.range(1_000_000, 5_000_000),
        };
        let paise = if rupees == 0 { 0 } else { rng.range(0, 99) };
        (rupees * 100 + rupees.signum() * paise) as f64 / 100.0
    };
    Customer {
        id,
        customer_id,
        level: 1 + rng.weighted(&[50, 35, 15]) as u8,
        active: rng.chance(85),
        address: format!(
            "{}, {}, {city}",
            rng.range(1, 250),
            rng.pick(india::STREETS)
        ),
        state: state.name,
        pin_code: india::pin_code(rng, pin_prefix),
        assigned_agent: rng.pick::<&str>(india::AGENTS),
        bank_name: bank.name,
        ifsc: india::ifsc(rng, bank),
        account_number: india::account_number(rng, bank),
        branch_codes: {
            let first = *rng.pick(india::BRANCH_CODES);
            let second = *rng.pick(india::BRANCH_CODES);
            if second != first && rng.chance(30) {
                vec![first, second]
            } else {
                vec![first]
            }
        },
        company_id: SANDBOX_CLIENT_ID,
        contact_email: format!(
            "{}@{slug}.example",
            rng.pick(&["accounts", "finance", "billing", "payments", "ar"])
        ),
        contact_number: india::mobile(rng),
        created_by: *rng.pick(india::USERS),
        modified_by: *rng.pick(india::USERS),
        created_on,
        modified_on,
        customer_logo: format!("https://cdn.sandbox.enkash.test/logos/{slug}.png"),
        key_contacts,
        reminders,
        dso_median: rng.range(0, 360) as f64 / 2.0,
        net_amount,
        pan_or_gstin,
        parent_company_id: parent.id.clone(),
        parent_legal_name: parent.name.clone(),
        unique_ref_no: format!("REF-{}-{:06}", created_on.format("%Y"), index + 1),
        warnings,
        legal_name,
    }
}

fn key_contact(rng: &mut Dice, slug: &str, created: i64, modified: i64) -> KeyContact {
    let first = *rng.pick(india::FIRST_NAMES);
    let last = *rng.pick(india::SURNAMES);
    let contact_created = rng.range(created, modified);
    KeyContact {
        key_contact_person_id: format!("KCP{}", rng.string_from(UPPER_ALNUM, 13)),
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}@{slug}.example",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        ),
        mobile: india::mobile(rng),
        created_by: rng.pick(india::USERS).0,
        created_on: timestamp(contact_created),
        modified_by: rng.pick(india::USERS).0,
        modified_on: timestamp(rng.range(contact_created, modified)),
        deleted: rng.chance(8),
        mail_enabled: rng.chance(85),
        sms_enabled: rng.chance(40),
        whatsapp_enabled: rng.chance(60),
    }
}

fn reminder(rng: &mut Dice) -> Reminder {
    let (stage, due_date_difference) = match rng.below(3) {
        0 => ("BEFORE_DUE", -*rng.pick(&[1, 3, 7])),
        1 => ("ON_DUE", 0),
        _ => ("AFTER_DUE", *rng.pick(&[1, 3, 7, 15, 30])),
    };
    let (reminder_type, reminder_interval) = match rng.below(3) {
        0 => ("ONCE", 0),
        1 => ("DAILY", 1),
        _ => ("WEEKLY", 7),
    };
    Reminder {
        customer_reminder_id: format!("CR{}", rng.string_from(UPPER_ALNUM, 13)),
        due_date_difference,
        reminder_interval,
        reminder_time: format!("{:02}:{:02}", rng.range(9, 17), rng.range(0, 3) * 15),
        reminder_type,
        stage,
    }
}

fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("the data set's dates are in range")
}

/// How a date-time is written.
#[derive(Clone, Copy)]
enum TimeStyle {
    /// RFC 3339 in UTC: `2024-10-10T03:04:46Z`.
    Rfc3339,
    /// IST wall-clock time, no offset: `2024-10-10T08:34:46`.
    LocalIso,
    /// IST wall-clock time, no offset, a space for the `T`: `2024-10-10 08:34:46`.
    LocalSpace,
}

/// A date-time as the wire writes it, in `style`; written without chrono's format strings,
/// whose parsing shows in the sandbox's profile.
fn wire_time(t: DateTime<Utc>, style: TimeStyle) -> LenientDateTime {
    let (local, separator) = match style {
        TimeStyle::Rfc3339 => return LenientDateTime::from(t),
        TimeStyle::LocalIso => (t.with_timezone(&ist()).naive_local(), 'T'),
        TimeStyle::LocalSpace => (t.with_timezone(&ist()).naive_local(), ' '),
    };
    LenientDateTime::parse(&format!(
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
    ))
}

impl Customer {
    /// The customer as the spec's `CustomerResponse`, the generated type, its date-times as
    /// `render` says. A test fails while a property of the spec is not filled here.
    pub fn to_response(&self, render: Render) -> types::CustomerResponse {
        let (style, contact_style) = if render.offset_less_timestamps {
            (TimeStyle::LocalIso, TimeStyle::LocalSpace)
        } else {
            (TimeStyle::Rfc3339, TimeStyle::Rfc3339)
        };
        let text = |s: &str| Some(s.to_string());
        let texts = |items: &[&str]| Some(items.iter().map(|s| s.to_string()).collect());
        let contacts = self
            .key_contacts
            .iter()
            .map(|k| {
                let mut value = types::CustomerKeyContact::default();
                value.created_by = text(k.created_by);
                value.created_on = Some(wire_time(k.created_on, contact_style));
                value.customer_id = text(&self.customer_id);
                value.customer_name = text(&self.legal_name);
                // A string in EnKash's example, not a boolean.
                value.deleted = text(if k.deleted { "true" } else { "false" });
                value.email = text(&k.email);
                value.key_contact_person_id = text(&k.key_contact_person_id);
                value.mail_enabled = Some(k.mail_enabled);
                value.mobile = text(&k.mobile);
                value.modified_by = text(k.modified_by);
                value.modified_on = Some(wire_time(k.modified_on, contact_style));
                value.name = text(&k.name);
                value.sms_enabled = Some(k.sms_enabled);
                value.whatsapp_enabled = Some(k.whatsapp_enabled);
                value.extra = serde_json::Map::new();
                value
            })
            .collect();
        let reminders = self
            .reminders
            .iter()
            .map(|r| {
                let mut value = types::CustomerReminder::default();
                value.customer_id = text(&self.customer_id);
                value.customer_reminder_id = text(&r.customer_reminder_id);
                value.due_date_difference = Some(r.due_date_difference);
                value.reminder_interval = Some(r.reminder_interval);
                value.reminder_time = text(&r.reminder_time);
                value.reminder_type = text(r.reminder_type);
                value.stage = text(r.stage);
                value.extra = serde_json::Map::new();
                value
            })
            .collect();
        {
            let mut value = types::CustomerResponse::default();
            value.account_number = text(&self.account_number);
            value.active = Some(self.active);
            value.address = text(&self.address);
            value.assigned_agent = text(self.assigned_agent);
            value.bank_name = text(self.bank_name);
            value.branch_codes = texts(&self.branch_codes);
            value.company_id = text(self.company_id);
            value.contact_email = text(&self.contact_email);
            value.contact_number = text(&self.contact_number);
            value.created_by = text(self.created_by.0);
            value.created_by_name = text(self.created_by.1);
            value.created_on = Some(wire_time(self.created_on, style));
            value.customer_id = text(&self.customer_id);
            value.customer_key_contacts = Some(contacts);
            value.customer_logo = text(&self.customer_logo);
            value.customer_reminders = Some(reminders);
            value.dso_median = Some(self.dso_median);
            value.id = Some(self.id);
            value.ifsc = text(&self.ifsc);
            value.legal_name = text(&self.legal_name);
            value.modified_by = text(self.modified_by.0);
            value.modified_by_name = text(self.modified_by.1);
            value.modified_on = Some(wire_time(self.modified_on, style));
            value.net_amount = Some(self.net_amount);
            value.pan_or_gstin = text(&self.pan_or_gstin);
            value.parent_company_id = text(&self.parent_company_id);
            value.parent_legal_name = text(&self.parent_legal_name);
            value.pin_code = text(&self.pin_code);
            value.state = text(self.state);
            value.unique_ref_no = text(&self.unique_ref_no);
            value.warnings = texts(&self.warnings);
            // What the spec does not know: one field, while that fault is on.
            value.extra = if render.unknown_field {
                serde_json::Map::from_iter([(UNKNOWN_FIELD.0.into(), UNKNOWN_FIELD.1.into())])
            } else {
                serde_json::Map::new()
            };
            value
        }
    }

    /// The same as a JSON value, with the fault that needs an off-spec value applied to it:
    /// every field `null` but `customerId`.
    pub fn to_json(&self, render: Render) -> Value {
        let mut value =
            serde_json::to_value(self.to_response(render)).expect("a customer serialises");
        if let Value::Object(map) = &mut value
            && render.null_fields
        {
            map.iter_mut()
                .filter(|(key, _)| *key != "customerId" && *key != UNKNOWN_FIELD.0)
                .for_each(|(_, v)| *v = Value::Null);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use enkash_customer_search::DateTimeFormat;

    #[test]
    fn every_property_of_the_spec_is_filled() {
        use enkash_customer_search::spec;
        use std::collections::BTreeSet;
        let mut seen: [BTreeSet<String>; 3] = Default::default();
        for customer in generate(300, 7) {
            let value = serde_json::to_value(customer.to_response(Render::default())).unwrap();
            let object = value.as_object().unwrap();
            seen[0].extend(object.keys().cloned());
            for (nested, set) in [("customerKeyContacts", 1), ("customerReminders", 2)] {
                for item in object[nested].as_array().unwrap() {
                    seen[set].extend(item.as_object().unwrap().keys().cloned());
                }
            }
        }
        for (set, properties) in seen.iter().zip([
            spec::CUSTOMER_RESPONSE_PROPERTIES,
            spec::CUSTOMER_KEY_CONTACT_PROPERTIES,
            spec::CUSTOMER_REMINDER_PROPERTIES,
        ]) {
            let properties: BTreeSet<String> = properties.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                *set, properties,
                "the sandbox does not fill every property of the spec"
            );
        }
    }

    #[test]
    fn customers_have_the_documented_shapes() {
        let customers = generate(2_000, 42);
        let mut ids = std::collections::HashSet::new();
        for (i, c) in customers.iter().enumerate() {
            assert!(ids.insert(c.customer_id.clone()), "{}", c.customer_id);
            assert!(i == 0 || customers[i - 1].id < c.id);
            let id = c.customer_id.as_bytes();
            assert!(id.len() == 16 && id.starts_with(b"KC"));
            assert!(id[2..].iter().all(|b| UPPER_ALNUM.contains(b)));
            assert!((1..=3).contains(&c.key_contacts.len()));
            assert!(c.reminders.len() <= 2);
            assert!(c.created_on <= c.modified_on);
            let state = STATES.iter().find(|s| s.name == c.state).unwrap();
            assert!(
                state.cities.iter().any(|(_, p)| c.pin_code.starts_with(p)),
                "{} {}",
                c.state,
                c.pin_code
            );
            if c.pan_or_gstin.len() == 15 {
                assert_eq!(&c.pan_or_gstin[..2], state.gst_code);
            } else {
                assert_eq!(c.pan_or_gstin.len(), 10);
            }
            let bank = BANKS.iter().find(|b| b.name == c.bank_name).unwrap();
            assert!(c.ifsc.starts_with(bank.ifsc_prefix));
            assert_eq!(c.account_number.len(), bank.account_digits);
        }
    }

    /// Every customer decodes as the client's (lenient) type, and its date-times as the
    /// strict RFC 3339 the spec names unless a fault says otherwise.
    #[test]
    fn customers_are_the_generated_type_under_every_fault() {
        for c in &generate(300, 42) {
            for bits in 0..8_u8 {
                let render = Render {
                    null_fields: bits & 1 != 0,
                    unknown_field: bits & 2 != 0,
                    offset_less_timestamps: bits & 4 != 0,
                };
                let json = c.to_json(render);
                let decoded: types::CustomerResponse = serde_json::from_value(json).unwrap();
                assert_eq!(decoded.customer_id.as_deref(), Some(c.customer_id.as_str()));
                if !render.null_fields {
                    let format = decoded.created_on.unwrap().format();
                    assert_eq!(
                        format == DateTimeFormat::Rfc3339,
                        !render.offset_less_timestamps
                    );
                }
            }
        }
    }

    #[test]
    fn rendering_faults_change_only_what_they_say() {
        let c = &generate(1, 7)[0];
        let plain = c.to_json(Render::default());
        assert!(plain["createdOn"].as_str().unwrap().ends_with('Z'));
        let nulls = c.to_json(Render {
            null_fields: true,
            ..Render::default()
        });
        let map = nulls.as_object().unwrap();
        assert_eq!(map.len(), plain.as_object().unwrap().len());
        assert!(map.iter().all(|(k, v)| (k == "customerId") != v.is_null()));
        let local = c.to_json(Render {
            offset_less_timestamps: true,
            ..Render::default()
        });
        assert_eq!(local["createdOn"].as_str().unwrap().len(), 19);
        assert_eq!(
            local["customerKeyContacts"][0]["createdOn"]
                .as_str()
                .unwrap()
                .as_bytes()[10],
            b' '
        );
    }
}
