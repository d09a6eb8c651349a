//! The seeded data set: realistic Indian business customers of the sandbox company, generated
//! once when a sandbox starts, and their wire JSON.
//!
//! A customer is kept typed (so filtering and sorting 10,000 of them is quick) and rendered to
//! the spec's `CustomerResponse` JSON only for the page being sent, which is where the
//! rendering faults ([`Render`]) apply. Generation draws from one [`Dice`] in a fixed
//! order, so a seed always gives the same customers.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
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
struct WireTime(DateTime<Utc>, TimeStyle);

impl fmt::Display for WireTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let WireTime(t, style) = *self;
        let (local, separator, zone) = match style {
            TimeStyle::Rfc3339 => (t.naive_utc(), 'T', "Z"),
            TimeStyle::LocalIso => (t.with_timezone(&ist()).naive_local(), 'T', ""),
            TimeStyle::LocalSpace => (t.with_timezone(&ist()).naive_local(), ' ', ""),
        };
        write!(
            f,
            "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}{zone}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute(),
            local.second(),
        )
    }
}

impl Serialize for WireTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A customer as the spec's `CustomerResponse` JSON, rendered as `render` says: see
/// [`Customer::wire`].
pub(crate) struct WireCustomer<'a> {
    customer: &'a Customer,
    render: Render,
}

/// One key and value of a rendered object; `null` instead of the value when `null_fields`.
fn entry<M, T>(map: &mut M, null_fields: bool, key: &'static str, value: &T) -> Result<(), M::Error>
where
    M: SerializeMap,
    T: Serialize + ?Sized,
{
    if null_fields {
        map.serialize_entry(key, &())
    } else {
        map.serialize_entry(key, value)
    }
}

impl Serialize for WireCustomer<'_> {
    /// Writes the keys in sorted order, as a `serde_json::Value` would: the bytes are the same
    /// as through a `Value`, without building one (which was most of the sandbox's CPU time for
    /// a page of 5,000).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.customer;
        let render = self.render;
        let nulls = render.null_fields;
        let customer_style = if render.offset_less_timestamps {
            TimeStyle::LocalIso
        } else {
            TimeStyle::Rfc3339
        };
        let contacts = WireContacts {
            customer: c,
            render,
        };
        let reminders = WireReminders(c);
        let mut map = serializer.serialize_map(None)?;
        entry(&mut map, nulls, "accountNumber", &c.account_number)?;
        entry(&mut map, nulls, "active", &c.active)?;
        entry(&mut map, nulls, "address", &c.address)?;
        entry(&mut map, nulls, "assignedAgent", c.assigned_agent)?;
        entry(&mut map, nulls, "bankName", c.bank_name)?;
        entry(&mut map, nulls, "branchCodes", &c.branch_codes)?;
        entry(&mut map, nulls, "companyId", c.company_id)?;
        entry(&mut map, nulls, "contactEmail", &c.contact_email)?;
        entry(&mut map, nulls, "contactNumber", &c.contact_number)?;
        entry(&mut map, nulls, "createdBy", c.created_by.0)?;
        entry(&mut map, nulls, "createdByName", c.created_by.1)?;
        entry(
            &mut map,
            nulls,
            "createdOn",
            &WireTime(c.created_on, customer_style),
        )?;
        map.serialize_entry("customerId", &c.customer_id)?;
        entry(&mut map, nulls, "customerKeyContacts", &contacts)?;
        entry(&mut map, nulls, "customerLogo", &c.customer_logo)?;
        entry(&mut map, nulls, "customerReminders", &reminders)?;
        entry(&mut map, nulls, "dsoMedian", &c.dso_median)?;
        if render.unknown_field {
            map.serialize_entry(UNKNOWN_FIELD.0, UNKNOWN_FIELD.1)?;
        }
        entry(&mut map, nulls, "id", &c.id)?;
        entry(&mut map, nulls, "ifsc", &c.ifsc)?;
        entry(&mut map, nulls, "legalName", &c.legal_name)?;
        entry(&mut map, nulls, "modifiedBy", c.modified_by.0)?;
        entry(&mut map, nulls, "modifiedByName", c.modified_by.1)?;
        entry(
            &mut map,
            nulls,
            "modifiedOn",
            &WireTime(c.modified_on, customer_style),
        )?;
        entry(&mut map, nulls, "netAmount", &c.net_amount)?;
        entry(&mut map, nulls, "panOrGstin", &c.pan_or_gstin)?;
        entry(&mut map, nulls, "parentCompanyId", &c.parent_company_id)?;
        entry(&mut map, nulls, "parentLegalName", &c.parent_legal_name)?;
        entry(&mut map, nulls, "pinCode", &c.pin_code)?;
        entry(&mut map, nulls, "state", c.state)?;
        entry(&mut map, nulls, "uniqueRefNo", &c.unique_ref_no)?;
        entry(&mut map, nulls, "warnings", &c.warnings)?;
        map.end()
    }
}

/// `customerKeyContacts`: contacts' date-times have a space for the `T` when offset-less.
struct WireContacts<'a> {
    customer: &'a Customer,
    render: Render,
}

impl Serialize for WireContacts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.customer;
        let style = if self.render.offset_less_timestamps {
            TimeStyle::LocalSpace
        } else {
            TimeStyle::Rfc3339
        };
        let mut seq = serializer.serialize_seq(Some(c.key_contacts.len()))?;
        for contact in &c.key_contacts {
            seq.serialize_element(&WireContact {
                contact,
                customer: c,
                style,
            })?;
        }
        seq.end()
    }
}

struct WireContact<'a> {
    contact: &'a KeyContact,
    customer: &'a Customer,
    style: TimeStyle,
}

impl Serialize for WireContact<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (k, c) = (self.contact, self.customer);
        let mut map = serializer.serialize_map(Some(14))?;
        map.serialize_entry("createdBy", k.created_by)?;
        map.serialize_entry("createdOn", &WireTime(k.created_on, self.style))?;
        map.serialize_entry("customerId", &c.customer_id)?;
        map.serialize_entry("customerName", &c.legal_name)?;
        // A string in EnKash's example, not a boolean.
        map.serialize_entry("deleted", if k.deleted { "true" } else { "false" })?;
        map.serialize_entry("email", &k.email)?;
        map.serialize_entry("keyContactPersonId", &k.key_contact_person_id)?;
        map.serialize_entry("mail_enabled", &k.mail_enabled)?;
        map.serialize_entry("mobile", &k.mobile)?;
        map.serialize_entry("modifiedBy", k.modified_by)?;
        map.serialize_entry("modifiedOn", &WireTime(k.modified_on, self.style))?;
        map.serialize_entry("name", &k.name)?;
        map.serialize_entry("sms_enabled", &k.sms_enabled)?;
        map.serialize_entry("whatsapp_enabled", &k.whatsapp_enabled)?;
        map.end()
    }
}

/// `customerReminders`.
struct WireReminders<'a>(&'a Customer);

impl Serialize for WireReminders<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut seq = serializer.serialize_seq(Some(c.reminders.len()))?;
        for r in &c.reminders {
            seq.serialize_element(&WireReminder {
                reminder: r,
                customer: c,
            })?;
        }
        seq.end()
    }
}

struct WireReminder<'a> {
    reminder: &'a Reminder,
    customer: &'a Customer,
}

impl Serialize for WireReminder<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.reminder;
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("customerId", &self.customer.customer_id)?;
        map.serialize_entry("customerReminderId", &r.customer_reminder_id)?;
        map.serialize_entry("dueDateDifference", &r.due_date_difference)?;
        map.serialize_entry("reminderInterval", &r.reminder_interval)?;
        map.serialize_entry("reminderTime", &r.reminder_time)?;
        map.serialize_entry("reminderType", r.reminder_type)?;
        map.serialize_entry("stage", r.stage)?;
        map.end()
    }
}

impl Customer {
    /// The customer as the spec's `CustomerResponse`, rendered as `render` says, ready to
    /// serialise (a page is written straight from the typed customers).
    pub fn wire(&self, render: Render) -> WireCustomer<'_> {
        WireCustomer {
            customer: self,
            render,
        }
    }

    /// The same as a JSON value.
    pub fn to_json(&self, render: Render) -> Value {
        serde_json::to_value(self.wire(render)).expect("a customer serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Written straight from the typed customer, a customer's bytes are what a
    /// `serde_json::Value` of it gives (keys sorted), under every combination of faults.
    #[test]
    fn wire_bytes_are_those_of_its_json_value() {
        for c in &generate(300, 42) {
            for bits in 0..8_u8 {
                let render = Render {
                    null_fields: bits & 1 != 0,
                    unknown_field: bits & 2 != 0,
                    offset_less_timestamps: bits & 4 != 0,
                };
                let direct = serde_json::to_string(&c.wire(render)).unwrap();
                let value: Value = serde_json::from_str(&direct).unwrap();
                assert_eq!(serde_json::to_string(&value).unwrap(), direct);
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
