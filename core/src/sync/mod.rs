//! Offline-first sync between phones and the district platform.
//!
//! A phone's database becomes a *replica* of the platform the first time it syncs. From then on
//! every change its user makes through the rules (request a booking, accept, decline, cancel,
//! check in and out, review, family members and links) is applied locally at once and recorded,
//! in the same transaction, as a [`Command`] in the phone's outbox with an idempotency key.
//! `sync` pushes the outbox in order, then pulls everything in the user's scope that changed since
//! its cursor. The platform runs the very same rules ([`CareCircle::apply_pushed`]) as the
//! signed-in actor, and keeps a receipt per key, so a change that arrives twice is applied once.
//!
//! The platform logs every change (facilities, people, bookings, visits, orders, rentals, alerts
//! and their events) in `change_log`, in commit order: each writing transaction takes one
//! version number while holding a lock it keeps until commit, so a reader that sees version v
//! has seen every version before it. A pull reads one snapshot and returns the current rows of
//! what changed, the cursor advances only with the page that carried it, and the phone commits
//! the rows and its new cursor in one transaction.
//!
//! Conflict rules (also in README.md, "Sync"):
//! - The platform decides what only it can decide: which caregiver's accept wins, capacity,
//!   stock, time windows. A phone's optimistic local change that the platform refuses is
//!   overwritten by the pull, and its outbox entry keeps the platform's error for the app.
//! - Otherwise the platform's state is the truth: pulled rows replace local rows.
//! - A pushed change is applied at the time the phone made it (never later than the platform's
//!   now, never more than seven days back), so an offline check-in keeps its EVV time.
//! - Changes are applied in the order the phone made them; a refused one does not stop the rest.

mod phone;
mod live;
mod compact;
pub use compact::Compacted;
pub(crate) mod server;
#[cfg(feature = "sync-client")]
mod client;
#[cfg(feature = "sync-client")]
mod stream;

#[cfg(feature = "sync-client")]
pub use client::{Credentials, SyncOptions, SyncReport};
#[cfg(feature = "sync-client")]
pub use stream::ListenReport;
pub use phone::OutboxEntry;
pub use server::{PullPage, PullRequest, TableRows};

use crate::args;
use crate::assessment::Conditions;
use crate::booking::BookingRequest;
use crate::doctor::ContractRequest;
use crate::plan::PlanRequest;
use crate::carecircle::CareCircle;
use crate::db::{Dialect, Sql, SqlExt, Value};
use crate::error::{Error, ErrorCode, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::Service;
use crate::meal::{Meal, MealMode};
use crate::person::{Actor, FamilyLink, FamilyMember};
use crate::rating::RatedSubject;
use crate::rental::Device;
use crate::subsidy::{SubsidyAction, SubsidyKind};
use crate::visit::Review;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// A change a phone made, as it travels in the outbox and the push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    RequestBooking {
        booking_id: String,
        senior_id: String,
        service: Service,
        start: DateTime<Utc>,
        #[serde(default)]
        duration_minutes: Option<u32>,
        #[serde(default)]
        note: String,
    },
    AcceptBooking { booking_id: String },
    DeclineBooking {
        booking_id: String,
        #[serde(default)]
        reason: String,
    },
    CancelBooking { booking_id: String, reason: String },
    CheckIn { booking_id: String, lat: f64, lon: f64 },
    CheckOut { booking_id: String, lat: f64, lon: f64 },
    ReviewVisit { booking_id: String, review: Review },
    PutFamilyMember { member: FamilyMember },
    LinkFamily { link: FamilyLink },
    /// An SOS: pushed before anything else queued.
    RaiseAlert { alert_id: String, senior_id: String, lat: f64, lon: f64 },
    AcknowledgeAlert { alert_id: String },
    ResolveAlert {
        alert_id: String,
        #[serde(default)]
        note: String,
    },
    OrderMeal { order_id: String, senior_id: String, facility_id: String, date: NaiveDate, meal: Meal, mode: MealMode },
    CancelMeal { order_id: String },
    ReserveDevice { rental_id: String, senior_id: String, facility_id: String, device: Device },
    PickUpDevice { rental_id: String },
    ReturnDevice { rental_id: String },
    CancelRental { rental_id: String },
    Rate {
        rating_id: String,
        subject: RatedSubject,
        subject_id: String,
        stars: u8,
        #[serde(default)]
        comment: String,
    },
    Complain { complaint_id: String, subject: RatedSubject, subject_id: String, text: String },
    ApplyForSubsidy {
        application_id: String,
        senior_id: String,
        kind: SubsidyKind,
        #[serde(default)]
        note: String,
    },
    /// recommend, return, resubmit, approve, refuse or withdraw; a return or refusal says why.
    SubsidyStep {
        application_id: String,
        action: SubsidyAction,
        #[serde(default)]
        reason: String,
    },
    /// A complaint's answer from the station or district; `close` ends it.
    AnswerComplaint {
        complaint_id: String,
        answer: String,
        #[serde(default)]
        close: bool,
    },
    CreatePlan { plan_id: String, request: PlanRequest },
    ChangePlan { plan_id: String, request: PlanRequest },
    EndPlan { plan_id: String, reason: String },
    SignContract { contract_id: String, request: ContractRequest },
    TerminateContract { contract_id: String, last_day: NaiveDate },
    RecordAssessment {
        assessment_id: String,
        senior_id: String,
        assessor: String,
        date: NaiveDate,
        scores: Vec<u8>,
        #[serde(default)]
        conditions: Conditions,
    },
    /// A time-bank move; `move_id` names its ledger transaction, so it is applied once.
    RecordVolunteerService { move_id: String, volunteer_id: String, senior_id: String, service: Service, minutes: i64 },
    TransferHours { move_id: String, from: String, to: String, minutes: i64 },
    SpendHours { move_id: String, account: String, reference: String, minutes: i64 },
    DonateHours { move_id: String, from: String, minutes: i64 },
    GrantHours { move_id: String, senior_id: String, minutes: i64 },
}

/// What a command or a refresh is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    /// booking, senior, family_member or family_link.
    pub entity: String,
    /// The id; a family link is "SENIOR|FAMILY".
    pub id: String,
}

impl Subject {
    pub fn new(entity: &str, id: impl Into<String>) -> Self {
        Subject { entity: entity.to_string(), id: id.into() }
    }
}

impl Command {
    pub(crate) fn request_booking(id: &str, req: &BookingRequest) -> Self {
        Command::RequestBooking {
            booking_id: id.to_string(),
            senior_id: req.senior_id.clone(),
            service: req.service,
            start: req.start,
            duration_minutes: req.duration_minutes,
            note: req.note.clone(),
        }
    }

    pub fn subject(&self) -> Subject {
        match self {
            Command::RequestBooking { booking_id, .. }
            | Command::AcceptBooking { booking_id }
            | Command::DeclineBooking { booking_id, .. }
            | Command::CancelBooking { booking_id, .. }
            | Command::CheckIn { booking_id, .. }
            | Command::CheckOut { booking_id, .. }
            | Command::ReviewVisit { booking_id, .. } => Subject::new("booking", booking_id.clone()),
            Command::PutFamilyMember { member } => Subject::new("family_member", member.id.clone()),
            Command::LinkFamily { link } => Subject::new("family_link", format!("{}|{}", link.senior_id, link.family_id)),
            Command::RaiseAlert { alert_id, .. } | Command::AcknowledgeAlert { alert_id } | Command::ResolveAlert { alert_id, .. } => Subject::new("alert", alert_id.clone()),
            Command::OrderMeal { order_id, .. } | Command::CancelMeal { order_id } => Subject::new("meal_order", order_id.clone()),
            Command::ReserveDevice { rental_id, .. } | Command::PickUpDevice { rental_id } | Command::ReturnDevice { rental_id } | Command::CancelRental { rental_id } => {
                Subject::new("rental", rental_id.clone())
            }
            Command::Rate { rating_id, .. } => Subject::new("rating", rating_id.clone()),
            Command::Complain { complaint_id, .. } => Subject::new("complaint", complaint_id.clone()),
            Command::ApplyForSubsidy { application_id, .. } | Command::SubsidyStep { application_id, .. } => Subject::new("subsidy_application", application_id.clone()),
            Command::AnswerComplaint { complaint_id, .. } => Subject::new("complaint", complaint_id.clone()),
            Command::CreatePlan { plan_id, .. } | Command::ChangePlan { plan_id, .. } | Command::EndPlan { plan_id, .. } => Subject::new("care_plan", plan_id.clone()),
            Command::SignContract { contract_id, .. } | Command::TerminateContract { contract_id, .. } => Subject::new("doctor_contract", contract_id.clone()),
            Command::RecordAssessment { assessment_id, .. } => Subject::new("assessment", assessment_id.clone()),
            // A move is about the account whose balance it takes from (or gives to).
            Command::RecordVolunteerService { volunteer_id: a, .. }
            | Command::TransferHours { from: a, .. }
            | Command::SpendHours { account: a, .. }
            | Command::DonateHours { from: a, .. }
            | Command::GrantHours { senior_id: a, .. } => Subject::new("timebank_account", a.clone()),
        }
    }

    /// The command's name on the wire (its serde tag).
    pub fn op(&self) -> &'static str {
        match self {
            Command::RequestBooking { .. } => "request_booking",
            Command::AcceptBooking { .. } => "accept_booking",
            Command::DeclineBooking { .. } => "decline_booking",
            Command::CancelBooking { .. } => "cancel_booking",
            Command::CheckIn { .. } => "check_in",
            Command::CheckOut { .. } => "check_out",
            Command::ReviewVisit { .. } => "review_visit",
            Command::PutFamilyMember { .. } => "put_family_member",
            Command::LinkFamily { .. } => "link_family",
            Command::RaiseAlert { .. } => "raise_alert",
            Command::AcknowledgeAlert { .. } => "acknowledge_alert",
            Command::ResolveAlert { .. } => "resolve_alert",
            Command::OrderMeal { .. } => "order_meal",
            Command::CancelMeal { .. } => "cancel_meal",
            Command::ReserveDevice { .. } => "reserve_device",
            Command::PickUpDevice { .. } => "pick_up_device",
            Command::ReturnDevice { .. } => "return_device",
            Command::CancelRental { .. } => "cancel_rental",
            Command::Rate { .. } => "rate",
            Command::Complain { .. } => "complain",
            Command::ApplyForSubsidy { .. } => "apply_for_subsidy",
            Command::SubsidyStep { .. } => "subsidy_step",
            Command::AnswerComplaint { .. } => "answer_complaint",
            Command::CreatePlan { .. } => "create_plan",
            Command::ChangePlan { .. } => "change_plan",
            Command::EndPlan { .. } => "end_plan",
            Command::SignContract { .. } => "sign_contract",
            Command::TerminateContract { .. } => "terminate_contract",
            Command::RecordAssessment { .. } => "record_assessment",
            Command::RecordVolunteerService { .. } => "record_volunteer_service",
            Command::TransferHours { .. } => "transfer_hours",
            Command::SpendHours { .. } => "spend_hours",
            Command::DonateHours { .. } => "donate_hours",
            Command::GrantHours { .. } => "grant_hours",
        }
    }

    /// Queued changes are pushed by priority, then in the order made: an SOS first.
    pub fn priority(&self) -> i64 {
        match self {
            Command::RaiseAlert { .. } => 1,
            _ => 0,
        }
    }
}

/// One outbox entry as pushed: the key makes a second delivery harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushEntry {
    /// The idempotency key, chosen by the phone (a UUID), at most 128 characters.
    pub key: String,
    /// The actor who made the change on the phone, as "family:F1"; it must be the signed-in one.
    pub actor: String,
    /// When the phone made the change.
    pub at: DateTime<Utc>,
    pub command: Command,
}

/// The platform's answer to one pushed entry; the same every time the key is pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub key: String,
    /// Applied (true) or refused by the rules (false).
    pub ok: bool,
    pub subject: Subject,
    /// The refusal's code: forbidden, not_found, already_taken, invalid_input, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// A refusal in plain words, without anyone's personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Is this error the rules refusing a change (as opposed to storage or the network failing)?
pub fn is_rule_error(e: &Error) -> bool {
    e.code().is_refusal()
}

/// The code and a message fit to show to anyone: refusals name no other person, and a failure
/// of the platform's own storage says no more than that it failed.
pub fn public_error(e: &Error) -> (ErrorCode, String) {
    let code = e.code();
    let message = match e {
        Error::NotFound { what, .. } => format!("{what} not found"),
        Error::Forbidden(_) => "not allowed".to_string(),
        Error::CaregiverBusy { .. } => "the caregiver already has a visit at that time".to_string(),
        _ if code == ErrorCode::Busy => "the platform is busy; try again".to_string(),
        _ if !code.is_refusal() && code != ErrorCode::Unavailable => return (ErrorCode::Internal, "the platform could not complete the request".to_string()),
        _ => e.to_string(),
    };
    (code, message)
}

/// Ids a phone chooses for new records: 1 to 64 characters, no control characters.
pub(crate) fn check_client_id(what: &'static str, id: &str) -> Result<()> {
    if id.trim().is_empty() || id.chars().count() > 64 || id.chars().any(char::is_control) {
        return Err(Error::invalid(what, "1 to 64 characters"));
    }
    Ok(())
}

// ----- The change log (platform side) -----

/// One changed record, logged for pulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    entity: &'static str,
    id: String,
    senior: Option<String>,
    party: Option<String>,
}

impl Change {
    pub(crate) fn facility(id: &str) -> Self {
        Change { entity: "facility", id: id.into(), senior: None, party: None }
    }
    pub(crate) fn walk_network(id: &str) -> Self {
        Change { entity: "walk_network", id: id.into(), senior: None, party: None }
    }
    pub(crate) fn senior(id: &str) -> Self {
        Change { entity: "senior", id: id.into(), senior: Some(id.into()), party: None }
    }
    pub(crate) fn caregiver(id: &str) -> Self {
        Change { entity: "caregiver", id: id.into(), senior: None, party: Some(id.into()) }
    }
    pub(crate) fn family_member(id: &str) -> Self {
        Change { entity: "family_member", id: id.into(), senior: None, party: Some(id.into()) }
    }
    pub(crate) fn family_link(senior: &str, family: &str) -> Self {
        Change { entity: "family_link", id: format!("{senior}|{family}"), senior: Some(senior.into()), party: Some(family.into()) }
    }
    /// A record every phone gets (see `server::PUBLIC`): menus, stock, rules, terms, settings.
    pub(crate) fn public(entity: &'static str, id: impl Into<String>) -> Self {
        Change { entity, id: id.into(), senior: None, party: None }
    }
    /// A time-bank account: a senior's is hers; anyone else's reaches its holder.
    pub(crate) fn timebank_account(id: &str, senior: Option<String>) -> Self {
        Change { entity: "timebank_account", id: id.into(), senior, party: Some(id.into()) }
    }
    /// A record of one senior's, seen by whoever sees her (ratings, complaints).
    pub(crate) fn owned(entity: &'static str, id: &str, senior: &str) -> Self {
        Change { entity, id: id.into(), senior: Some(senior.into()), party: None }
    }
}

/// The district settings that phones apply offline; they travel to every phone.
pub(crate) const PHONE_SETTINGS: &[&str] = &["meal_subsidy", "holidays", "subsidy_terms", "timebank_rules", "family_bed_rules", "visit_rules"];

/// Stores one of [`PHONE_SETTINGS`] and logs it for phones, in the caller's transaction.
pub(crate) fn put_phone_setting<T: Serialize>(cc: &CareCircle, sql: &dyn Sql, key: &'static str, value: &T) -> Result<()> {
    debug_assert!(PHONE_SETTINGS.contains(&key));
    crate::store::put_setting(sql, key, value)?;
    log_changes(cc, sql, vec![Change::public("setting", key)])
}

/// What one write transaction hands to sync.
#[derive(Default)]
pub(crate) struct TxLog {
    changes: Vec<Change>,
    command: Option<(Actor, Command)>,
}

impl Emitter {
    /// The change a phone's user made, for the outbox (ignored on the platform).
    pub(crate) fn record(&mut self, actor: &Actor, command: Command) {
        self.sync.command = Some((actor.clone(), command));
    }

    /// A change that no event names (people, links), for the change log.
    pub(crate) fn changed(&mut self, change: Change) {
        self.sync.changes.push(change);
    }
}

/// The record an event's subject is, for kinds whose records phones replicate.
fn entity_of(kind: EventKind) -> Option<&'static str> {
    let code = kind.code();
    let prefix = code.split('_').next().unwrap_or("");
    match prefix {
        "booking" | "visit" => Some("booking"),
        "meal" => Some("meal_order"),
        "device" | "rental" => Some("rental"),
        "alert" => Some("alert"),
        "subsidy" => Some("subsidy_application"),
        "plan" => Some("care_plan"),
        "contract" => Some("doctor_contract"),
        _ => None,
    }
}

/// Runs at the end of every rules transaction: on a phone, puts the command in the outbox; on
/// the platform, logs what changed (the events' subjects, the events, and explicit changes).
pub(crate) fn finish_write(cc: &CareCircle, tx: &dyn Sql, em: &mut Emitter) -> Result<()> {
    if cc.replica.get() {
        if let Some((actor, command)) = em.sync.command.take() {
            phone::put_in_outbox(tx, &actor, &command, em.at)?;
        }
        return Ok(());
    }
    let mut changes = std::mem::take(&mut em.sync.changes);
    for e in &em.events {
        if let Some(entity) = entity_of(e.kind) {
            changes.push(Change { entity, id: e.subject_id.clone(), senior: Some(e.senior_id.clone()), party: e.party_id.clone() });
        }
        changes.push(Change { entity: "event", id: e.seq.to_string(), senior: Some(e.senior_id.clone()), party: e.party_id.clone() });
    }
    log_changes(cc, tx, changes)
}

/// Logs changes under one new version, in the caller's transaction (not on phones).
pub(crate) fn log_changes(cc: &CareCircle, tx: &dyn Sql, mut changes: Vec<Change>) -> Result<()> {
    if changes.is_empty() || cc.replica.get() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    // One row per record and party: a caregiver offered a visit, a family member told of an alert.
    changes.retain(|c| seen.insert((c.entity, c.id.clone(), c.party.clone())));
    let version = next_version(tx)?;
    for (n, c) in changes.iter().enumerate() {
        tx.execute(
            "INSERT INTO change_log (version, n, entity, entity_id, senior_id, party_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![version, n as i64, c.entity, c.id, c.senior, c.party],
        )?;
    }
    Ok(())
}

/// A new version for this transaction, in commit order: on PostgreSQL a transaction-scoped lock
/// makes writers take versions one after another and keep theirs until they commit (SQLite has
/// one writer at a time anyway).
fn next_version(tx: &dyn Sql) -> Result<i64> {
    if tx.dialect() == Dialect::Postgres {
        tx.query("SELECT pg_advisory_xact_lock(7305002)", &[])?;
    }
    let v: i64 = tx.scalar("INSERT INTO change_version DEFAULT VALUES RETURNING version", &[])?;
    tx.execute("DELETE FROM change_version WHERE version = ?1", args![v])?;
    Ok(v)
}

// ----- Replica state (phone side) -----

/// Whether this database is a phone's replica, and whether a sync is running.
#[derive(Default)]
pub(crate) struct Replica {
    on: AtomicBool,
    #[cfg_attr(not(feature = "sync-client"), allow(dead_code))]
    pub(crate) syncing: AtomicBool,
}

impl Replica {
    pub(crate) fn load(sql: &dyn Sql) -> Result<Self> {
        let on = sql.exists("SELECT 1 FROM sync_state", &[])?;
        Ok(Replica { on: AtomicBool::new(on), syncing: AtomicBool::new(false) })
    }
    pub(crate) fn get(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }
    pub(crate) fn set(&self) {
        self.on.store(true, Ordering::Release)
    }
}

// ----- Values on the wire -----

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Real(f) => s.serialize_f64(*f),
            Value::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(Value::Null),
            serde_json::Value::Bool(b) => Ok(Value::Int(i64::from(b))),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(Value::Int(i)),
                None => n.as_f64().map(Value::Real).ok_or_else(|| serde::de::Error::custom("number out of range")),
            },
            serde_json::Value::String(s) => Ok(Value::Text(s)),
            _ => Err(serde::de::Error::custom("expected null, a number or a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    /// `op` is the name the command travels under; the two must never drift apart.
    #[test]
    fn op_is_the_serde_tag() {
        let commands = [
            r#"{"op":"raise_alert","alert_id":"A","senior_id":"S","lat":30.0,"lon":121.0}"#,
            r#"{"op":"order_meal","order_id":"O","senior_id":"S","facility_id":"F","date":"2026-12-03","meal":"lunch","mode":"dine_in"}"#,
            r#"{"op":"reserve_device","rental_id":"R","senior_id":"S","facility_id":"F","device":"wheelchair"}"#,
            r#"{"op":"rate","rating_id":"R","subject":"visit","subject_id":"B","stars":5}"#,
            r#"{"op":"complain","complaint_id":"C","subject":"meal","subject_id":"O","text":"cold"}"#,
            r#"{"op":"cancel_rental","rental_id":"R"}"#,
            r#"{"op":"accept_booking","booking_id":"B"}"#,
            r#"{"op":"apply_for_subsidy","application_id":"A","senior_id":"S","kind":"meal"}"#,
            r#"{"op":"subsidy_step","application_id":"A","action":"return","reason":"缺少材料"}"#,
            r#"{"op":"answer_complaint","complaint_id":"C","answer":"已处理","close":true}"#,
            r#"{"op":"create_plan","plan_id":"P","request":{"senior_id":"S","kind":"regular","items":[{"service":"cleaning","day":"mon","start":"09:00:00","duration_minutes":null}],"regular_caregiver_id":null,"over_quota":"skip","starts_on":"2026-12-07","ends_on":null,"note":""}}"#,
            r#"{"op":"end_plan","plan_id":"P","reason":"moved"}"#,
            r#"{"op":"sign_contract","contract_id":"K","request":{"senior_id":"S","doctor_id":"D","starts_on":"2026-12-07","ends_on":"2027-12-06","services":["home_rounds"]}}"#,
            r#"{"op":"terminate_contract","contract_id":"K","last_day":"2027-01-31"}"#,
            r#"{"op":"record_assessment","assessment_id":"A","senior_id":"S","assessor":"张","date":"2026-12-01","scores":[1,2]}"#,
            r#"{"op":"transfer_hours","move_id":"M","from":"F","to":"S","minutes":60}"#,
            r#"{"op":"grant_hours","move_id":"M","senior_id":"S","minutes":60}"#,
        ];
        for json in commands {
            let c: Command = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            let tag = serde_json::to_value(&c).unwrap()["op"].as_str().unwrap().to_string();
            assert_eq!(c.op(), tag);
        }
        assert_eq!(serde_json::from_str::<Command>(commands[0]).unwrap().priority(), 1);
        assert_eq!(serde_json::from_str::<Command>(commands[1]).unwrap().priority(), 0);
    }
}
