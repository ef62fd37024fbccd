//! The platform's side of sync: applying a pushed change as the signed-in actor, and pulls.
//! The server does transport and authentication only; everything here is the rules.

use super::{Command, PushEntry, PushResult, Subject, is_rule_error, public_error};
use crate::args;
use crate::booking::BookingRequest;
use crate::carecircle::CareCircle;
use crate::db::{Row, Sql, SqlExt, Value};
use crate::error::{Error, Result};
use crate::event::Emitter;
use crate::person::{Actor, may_act_for, senior_in};
use crate::position::Position;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A replicated table: its name, the columns sent, and its primary key.
pub(super) struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub key: &'static [&'static str],
}

/// Everything a phone replicates, parents before children. Orders, rentals and alerts come
/// with the platform's meal, rental and alert modules; a new kind of record is one line here
/// plus, if its changes emit no event, a `Change` logged where it is written.
pub(super) const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "facility",
        columns: &["id", "name", "kind", "lat", "lon", "address", "phone", "hours", "services", "capacity", "division", "updated_at", "deleted"],
        key: &["id"],
    },
    // What phones need to act offline, public like facilities: canteens, menus with what is
    // left, device stock with what is in use, service terms, district rules, phone settings.
    TableSpec { name: "canteen", columns: &["facility_id", "delivery_radius_m", "cutoffs"], key: &["facility_id"] },
    TableSpec {
        name: "menu",
        columns: &["facility_id", "date", "meal", "dishes", "price_fen", "capacity", "seats", "ordered", "dine_in_ordered"],
        key: &["facility_id", "date", "meal"],
    },
    TableSpec { name: "device_stock", columns: &["facility_id", "device", "total", "deposit_fen", "daily_fee_fen", "in_use"], key: &["facility_id", "device"] },
    TableSpec { name: "service_terms", columns: &["service", "duration_minutes", "price_fen_per_hour", "government_paid"], key: &["service"] },
    TableSpec { name: "district_rules", columns: &["district", "rules"], key: &["district"] },
    TableSpec { name: "setting", columns: &["key", "value"], key: &["key"] },
    TableSpec { name: "family_member", columns: &["id", "name", "phone"], key: &["id"] },
    TableSpec {
        name: "senior",
        columns: &["id", "name", "birth_date", "gender", "lat", "lon", "address", "lives_alone", "phone", "station_id", "division"],
        key: &["id"],
    },
    TableSpec {
        name: "assessment",
        columns: &["id", "senior_id", "assessor", "date", "scores", "conditions", "total", "level", "recorded_at"],
        key: &["id"],
    },
    TableSpec {
        name: "family_link",
        columns: &["senior_id", "family_id", "relation", "can_book", "can_see_visits", "receives_alerts", "sees_health", "sees_location", "sees_money"],
        key: &["senior_id", "family_id"],
    },
    TableSpec {
        name: "caregiver",
        columns: &["id", "name", "organisation", "station_id", "skills", "lat", "lon", "radius_m", "availability"],
        key: &["id"],
    },
    TableSpec {
        name: "booking",
        columns: &[
            "id", "senior_id", "service", "start_at", "end_at", "state", "requested_by", "caregiver_id", "note", "cancelled_by", "reason",
            "price_fen_per_hour", "government_paid", "created_at", "updated_at",
        ],
        key: &["id"],
    },
    TableSpec { name: "offer", columns: &["booking_id", "caregiver_id", "status", "distance_m", "at"], key: &["booking_id", "caregiver_id"] },
    TableSpec {
        name: "visit",
        columns: &[
            "booking_id", "service", "senior_id", "caregiver_id", "check_in_at", "check_in_lat", "check_in_lon", "check_in_distance_m", "check_out_at",
            "check_out_lat", "check_out_lon", "check_out_distance_m", "flagged", "review", "reviewed_by", "reviewed_at",
        ],
        key: &["booking_id"],
    },
    TableSpec {
        name: "meal_order",
        columns: &["id", "senior_id", "facility_id", "date", "meal", "mode", "price_fen", "subsidy_fen", "state", "ordered_by", "created_at", "cancelled_by", "updated_at"],
        key: &["id"],
    },
    TableSpec {
        name: "rental",
        columns: &[
            "id", "senior_id", "facility_id", "device", "state", "deposit_fen", "daily_fee_fen", "fee_fen", "reserved_by", "reserved_at", "picked_up_at",
            "returned_at", "updated_at",
        ],
        key: &["id"],
    },
    TableSpec {
        name: "alert",
        columns: &[
            "id", "senior_id", "lat", "lon", "state", "station_id", "raised_by", "raised_at", "notified_at", "acknowledged_by", "acknowledged_at",
            "resolved_by", "resolved_at", "note", "updated_at",
        ],
        key: &["id"],
    },
    TableSpec {
        name: "subsidy_application",
        columns: &[
            "id", "senior_id", "kind", "assessment_id", "assessment_level", "note", "state", "applied_by", "applied_at", "monthly_hours", "meal_fen",
            "deposit_waived", "fee_share", "valid_from", "valid_until", "reason", "updated_at",
        ],
        key: &["id"],
    },
    // Which stations an alert has reached: a station's tablet may answer only its own.
    TableSpec { name: "alert_station", columns: &["alert_id", "station_id", "at"], key: &["alert_id", "station_id"] },
    TableSpec {
        name: "rating",
        columns: &["id", "subject", "subject_id", "senior_id", "org_kind", "org", "month", "stars", "comment", "rated_by", "at"],
        key: &["id"],
    },
    TableSpec {
        name: "complaint",
        columns: &["id", "subject", "subject_id", "senior_id", "org_kind", "org", "month", "text", "by_actor", "at", "state", "answer", "answered_by", "answered_at"],
        key: &["id"],
    },
    TableSpec {
        name: "care_plan",
        columns: &[
            "id", "senior_id", "kind", "items", "regular_caregiver_id", "over_quota", "starts_on", "ends_on", "state", "generated_through", "note", "created_by", "created_at",
            "updated_at",
        ],
        key: &["id"],
    },
    TableSpec {
        name: "doctor_contract",
        columns: &["id", "senior_id", "doctor_id", "clinic_id", "starts_on", "ends_on", "services", "state", "signed_by", "signed_at", "updated_at"],
        key: &["id"],
    },
    // A time-bank account with its balance (not the ledger): the holder's, or a senior's.
    TableSpec { name: "timebank_account", columns: &["id", "name", "birth_date", "kind", "created_at", "balance_minutes"], key: &["id"] },
    // The district's walking network (public, like facilities): its row, then its chunks.
    TableSpec {
        name: "walk_network",
        columns: &["id", "format", "source", "nodes", "edges", "components", "length_m", "bytes", "chunks", "updated_at"],
        key: &["id"],
    },
    TableSpec { name: "walk_network_chunk", columns: &["network_id", "n", "data"], key: &["network_id", "n"] },
    // The platform's events of the phone's scope; the phone keeps them in `sync_event`.
    TableSpec { name: "event", columns: &["seq", "at", "kind", "subject_id", "senior_id", "party_id", "detail"], key: &["seq"] },
];

pub(super) fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// Rows of one table in a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PullRequest {
    /// From the previous page; empty for everything.
    #[serde(default)]
    pub cursor: String,
    /// Change-log entries per page (1 to 2000, default 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Records to send whatever the cursor (after a refused change): those no longer visible come back in `gone`.
    #[serde(default)]
    pub refresh: Vec<Subject>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PullPage {
    /// Pass back in the next pull.
    pub cursor: String,
    /// More changes wait: pull again at once.
    pub more: bool,
    /// Current rows of what changed, parents before children.
    pub tables: Vec<TableRows>,
    /// Records the phone must drop: a senior no longer shared with it, a booking it cannot see.
    pub gone: Vec<Subject>,
}

/// A senior's records beside bookings, sent by `Page::owned`.
const OWNED: [&str; 9] = ["meal_order", "rental", "alert", "assessment", "rating", "complaint", "subsidy_application", "care_plan", "doctor_contract"];

const MAX_PULL: u32 = 2000;
const DEFAULT_PULL: u32 = 500;
const MAX_REFRESH: usize = 200;

pub(super) fn parse_cursor(c: &str) -> Result<(i64, i64)> {
    if c.is_empty() {
        return Ok((0, -1));
    }
    let bad = || Error::invalid("cursor", "not a cursor this platform gave");
    let (v, n) = c.split_once('.').ok_or_else(bad)?;
    Ok((v.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?))
}

/// Records every phone gets, whoever signs in.
macro_rules! public_entities {
    () => {
        "c.entity IN ('facility', 'walk_network', 'canteen', 'menu', 'device_stock', 'service_terms', 'district_rules', 'setting')"
    };
}

/// Family doctors (caregivers of clinics): a senior's side picks one to sign a contract with.
macro_rules! family_doctors {
    () => {
        " OR (c.entity = 'caregiver' AND c.entity_id IN (SELECT cg.id FROM caregiver cg JOIN facility f ON f.id = cg.station_id WHERE f.kind = 'clinic'))"
    };
}

/// Reference tables a first pull sends whole (later pulls send what changed).
const REFERENCE: &[&str] = &["canteen", "menu", "device_stock", "service_terms", "district_rules", "setting"];

/// The change-log predicate of an actor's scope (on alias `c`) and its argument.
pub(super) fn scope(actor: &Actor) -> Result<(&'static str, Option<String>)> {
    Ok(match actor {
        Actor::District => ("1 = 1", None),
        Actor::Senior(id) => (concat!("(", public_entities!(), family_doctors!(), " OR c.senior_id = ?4 OR (c.entity = 'family_member' AND c.entity_id IN (SELECT family_id FROM family_link WHERE senior_id = ?4)))"), Some(id.clone())),
        Actor::Family(id) => (
            concat!("(", public_entities!(), family_doctors!(), " OR (c.entity IN ('family_link', 'family_member', 'timebank_account') AND c.party_id = ?4)
              OR c.senior_id IN (SELECT senior_id FROM family_link WHERE family_id = ?4 AND (can_book <> 0 OR can_see_visits <> 0))
              OR (c.entity IN ('alert', 'event') AND c.party_id = ?4))"),
            Some(id.clone()),
        ),
        Actor::Operator(station) => (
            concat!("(", public_entities!(), " OR c.senior_id IN (SELECT id FROM senior WHERE station_id = ?4)
              OR (c.entity = 'caregiver' AND c.entity_id IN (SELECT id FROM caregiver WHERE station_id = ?4))
              OR (c.entity = 'alert' AND c.entity_id IN (SELECT alert_id FROM alert_station WHERE station_id = ?4))
              OR (c.entity = 'timebank_account' AND c.senior_id IS NULL)
              OR (c.entity = 'event' AND c.party_id = ?4))"),
            Some(station.clone()),
        ),
        // A township centre: every station of the township is its own (?4 is the code and '%').
        Actor::Township(code) => (
            concat!("(", public_entities!(), " OR c.senior_id IN (SELECT id FROM senior WHERE division LIKE ?4)
              OR (c.entity = 'caregiver' AND c.entity_id IN (SELECT cg.id FROM caregiver cg JOIN facility f ON f.id = cg.station_id WHERE f.division LIKE ?4))
              OR (c.entity = 'alert' AND c.entity_id IN (SELECT t.alert_id FROM alert_station t JOIN facility f ON f.id = t.station_id WHERE f.division LIKE ?4))
              OR (c.entity = 'timebank_account' AND c.senior_id IS NULL)
              OR (c.entity = 'event' AND c.party_id IN (SELECT id FROM facility WHERE division LIKE ?4)))"),
            Some(format!("{code}%")),
        ),
        Actor::Caregiver(id) => (
            concat!("(", public_entities!(), " OR (c.entity IN ('caregiver', 'timebank_account') AND c.entity_id = ?4)
              OR (c.entity = 'booking' AND EXISTS (SELECT 1 FROM offer o WHERE o.booking_id = c.entity_id AND o.caregiver_id = ?4))
              OR (c.entity = 'event' AND c.party_id = ?4))"),
            Some(id.clone()),
        ),
        Actor::System => return Err(Error::Forbidden("the system does not pull".into())),
    })
}

/// May `actor` see the senior's records (bookings, visits, orders)?
pub(crate) fn sees_senior(sql: &dyn Sql, actor: &Actor, senior_id: &str) -> Result<bool> {
    let Ok(senior) = senior_in(sql, senior_id) else { return Ok(false) };
    Ok(may_act_for(sql, actor, &senior, |p| p.can_see_visits || p.can_book, "see").is_ok())
}

/// May `actor` see this booking? Caregivers see the bookings offered to them.
pub(crate) fn sees_booking(sql: &dyn Sql, actor: &Actor, booking_id: &str) -> Result<bool> {
    let Some(r) = sql.one("SELECT senior_id FROM booking WHERE id = ?1", args![booking_id])? else { return Ok(false) };
    match actor {
        Actor::Caregiver(c) => sql.exists("SELECT 1 FROM offer WHERE booking_id = ?1 AND caregiver_id = ?2", args![booking_id, c]),
        _ => sees_senior(sql, actor, &r.get::<String>(0)?),
    }
}

/// Health (assessments) and money (subsidies) are each their own consent; caregivers see neither.
fn consented(sql: &dyn Sql, actor: &Actor, table: &str, senior: &str) -> Result<bool> {
    let need: fn(&crate::person::FamilyPermissions) -> bool = match table {
        "assessment" | "doctor_contract" => |p| p.sees_health,
        "subsidy_application" => |p| p.sees_money,
        _ => return Ok(true),
    };
    Ok(!matches!(actor, Actor::Caregiver(_)) && may_act_for(sql, actor, &senior_in(sql, senior)?, need, "see").is_ok())
}

/// May `actor` see this order, rental, alert, rating or complaint (false when there is none)?
/// Alerts also reach whoever was told of them: family who receive alerts, stations alerted.
pub(crate) fn sees_owned(sql: &dyn Sql, actor: &Actor, table: &str, id: &str) -> Result<bool> {
    let Some(r) = sql.one(&format!("SELECT senior_id FROM {table} WHERE id = ?1"), args![id])? else { return Ok(false) };
    let senior: String = r.get(0)?;
    // The canteen or rental point the record is with (its operator handles it).
    if let (Actor::Operator(_) | Actor::Township(_), "meal_order" | "rental") = (actor, table) {
        let facility: String = sql.one(&format!("SELECT facility_id FROM {table} WHERE id = ?1"), args![id])?.map(|r| r.get(0)).transpose()?.unwrap_or_default();
        if crate::person::runs_facility(sql, actor, &facility)? {
            return Ok(true);
        }
    }
    // A family-doctor contract is also its clinic's and its doctor's.
    if table == "doctor_contract" {
        let theirs = match actor {
            Actor::Operator(clinic) => sql.exists("SELECT 1 FROM doctor_contract WHERE id = ?1 AND clinic_id = ?2", args![id, clinic])?,
            Actor::Caregiver(doctor) => sql.exists("SELECT 1 FROM doctor_contract WHERE id = ?1 AND doctor_id = ?2", args![id, doctor])?,
            _ => false,
        };
        if theirs {
            return Ok(true);
        }
    }
    if table == "alert" {
        let told = match actor {
            Actor::Family(f) => sql.exists("SELECT 1 FROM family_link WHERE senior_id = ?1 AND family_id = ?2 AND receives_alerts <> 0", args![senior, f])?,
            Actor::Operator(st) => sql.exists("SELECT 1 FROM alert_station WHERE alert_id = ?1 AND station_id = ?2", args![id, st])?,
            Actor::Township(code) => sql.exists(
                "SELECT 1 FROM alert_station t JOIN facility f ON f.id = t.station_id WHERE t.alert_id = ?1 AND f.division LIKE ?2",
                args![id, format!("{code}%")],
            )?,
            _ => false,
        };
        if told {
            return Ok(true);
        }
    }
    Ok(sees_senior(sql, actor, &senior)? && consented(sql, actor, table, &senior)?)
}

/// May `actor` see this time-bank account? A senior's, whoever sees her; a volunteer's, its
/// holder and the stations and district that verify volunteers' services.
pub(crate) fn sees_account(sql: &dyn Sql, actor: &Actor, id: &str) -> Result<bool> {
    if sql.exists("SELECT 1 FROM senior WHERE id = ?1", args![id])? {
        return Ok(matches!(actor, Actor::Senior(me) if me == id) || sees_senior(sql, actor, id)?);
    }
    Ok(match actor {
        Actor::District | Actor::Operator(_) | Actor::Township(_) => true,
        Actor::Family(me) | Actor::Caregiver(me) | Actor::Senior(me) => me == id,
        Actor::System => false,
    })
}

/// Collects the rows of one pull page.
struct Page<'a> {
    sql: &'a dyn Sql,
    actor: &'a Actor,
    tables: BTreeMap<&'static str, Vec<Vec<Value>>>,
    sent: BTreeSet<(&'static str, String)>,
    /// Per senior: are her visits' positions withheld from the actor (read once per pull).
    withheld: BTreeMap<String, bool>,
}

impl<'a> Page<'a> {
    fn fetch(&mut self, table: &'static str, filter: &str, args: &[Value]) -> Result<Vec<Vec<Value>>> {
        let spec = spec(table).expect("known table");
        let sql_table = if table == "event" { "event" } else { table };
        let rows = self.sql.query(&format!("SELECT {} FROM {sql_table} WHERE {filter}", spec.columns.join(", ")), args)?;
        Ok(rows.into_iter().map(|Row(v)| v).collect())
    }

    fn add(&mut self, table: &'static str, id: String, rows: Vec<Vec<Value>>) {
        if self.sent.insert((table, id)) {
            self.tables.entry(table).or_default().extend(rows);
        }
    }

    fn location_withheld(&mut self, senior: &str) -> Result<bool> {
        if let Some(w) = self.withheld.get(senior) {
            return Ok(*w);
        }
        let w = crate::person::location_withheld(self.sql, self.actor, senior)?;
        self.withheld.insert(senior.to_string(), w);
        Ok(w)
    }

    fn seen(&self, table: &'static str, id: &str) -> bool {
        self.sent.contains(&(table, id.to_string()))
    }

    fn senior(&mut self, id: &str) -> Result<()> {
        if !self.seen("senior", id) {
            let mut rows = self.fetch("senior", "id = ?1", args![id])?;
            if matches!(self.actor, Actor::Family(_)) && !sees_senior(self.sql, self.actor, id)? {
                // A family member whose link grants neither booking nor visits (one who only
                // receives alerts, say) gets her name, for the alert to say whose it is, and
                // nothing else: no birth date, address, phone or home position.
                for r in &mut rows {
                    r[2] = Value::Text("1900-01-01".into());
                    r[4] = Value::Real(0.0);
                    r[5] = Value::Real(0.0);
                    r[6] = Value::Text(String::new());
                    r[7] = Value::Int(0);
                    r[8] = Value::Text(String::new());
                }
            }
            self.add("senior", id.to_string(), rows);
        }
        Ok(())
    }

    fn family_member(&mut self, id: &str) -> Result<()> {
        if !self.seen("family_member", id) {
            let rows = self.fetch("family_member", "id = ?1", args![id])?;
            self.add("family_member", id.to_string(), rows);
        }
        Ok(())
    }

    /// A booking with its offers and visit, as the actor may see them, and its senior.
    fn booking(&mut self, id: &str) -> Result<()> {
        if self.seen("booking", id) {
            return Ok(());
        }
        let mut rows = self.fetch("booking", "id = ?1", args![id])?;
        let Some(row) = rows.first() else { return Ok(()) };
        let senior = match &row[1] {
            Value::Text(s) => s.clone(),
            _ => return Err(Error::Database("booking without a senior".into())),
        };
        let me = match self.actor {
            Actor::Caregiver(c) => Some(c.clone()),
            _ => None,
        };
        if let Some(me) = &me {
            // Another caregiver's name is not this caregiver's business.
            for r in &mut rows {
                if !matches!(&r[7], Value::Text(c) if c == me) {
                    r[7] = Value::Null;
                }
            }
        }
        self.senior(&senior)?;
        self.add("booking", id.to_string(), rows);
        let offers = match &me {
            Some(me) => self.fetch("offer", "booking_id = ?1 AND caregiver_id = ?2", args![id, me])?,
            None => self.fetch("offer", "booking_id = ?1", args![id])?,
        };
        self.tables.entry("offer").or_default().extend(offers);
        let mut visits = match &me {
            Some(me) => self.fetch("visit", "booking_id = ?1 AND caregiver_id = ?2", args![id, me])?,
            None => self.fetch("visit", "booking_id = ?1", args![id])?,
        };
        if !visits.is_empty() && self.location_withheld(&senior)? {
            // check_in_lat, check_in_lon, check_out_lat, check_out_lon.
            for r in &mut visits {
                for i in [5, 6, 9, 10] {
                    r[i] = Value::Null;
                }
            }
        }
        self.tables.entry("visit").or_default().extend(visits);
        Ok(())
    }

    /// A record of one senior's (an order, rental, alert, assessment, rating, complaint), and her.
    fn owned(&mut self, table: &'static str, id: &str) -> Result<()> {
        if self.seen(table, id) {
            return Ok(());
        }
        let rows = self.fetch(table, "id = ?1", args![id])?;
        let at = spec(table).and_then(|s| s.columns.iter().position(|c| *c == "senior_id")).unwrap_or(1);
        if let Some(Value::Text(senior)) = rows.first().map(|r| r[at].clone()) {
            // A senior's health is its own consent.
            if !consented(self.sql, self.actor, table, &senior)? {
                return Ok(());
            }
            self.senior(&senior)?;
        }
        let told = if table == "alert" && !rows.is_empty() { self.fetch("alert_station", "alert_id = ?1", args![id])? } else { Vec::new() };
        self.add(table, id.to_string(), rows);
        self.tables.entry("alert_station").or_default().extend(told);
        Ok(())
    }

    /// A time-bank account: a senior's for whoever sees her, a volunteer's for its holder and
    /// the stations that verify volunteers' services.
    fn timebank(&mut self, id: &str) -> Result<()> {
        if self.seen("timebank_account", id) {
            return Ok(());
        }
        if sees_account(self.sql, self.actor, id)? {
            let rows = self.fetch("timebank_account", "id = ?1", args![id])?;
            if !rows.is_empty() && self.sql.exists("SELECT 1 FROM senior WHERE id = ?1", args![id])? {
                self.senior(id)?;
            }
            self.add("timebank_account", id.to_string(), rows);
        }
        Ok(())
    }

    /// One row of a public reference table by its sync id ("A|B|C" for a composite key), with
    /// the facility it belongs to (a phone's copy keeps its foreign keys).
    fn reference(&mut self, table: &'static str, id: &str) -> Result<()> {
        let Some(spec) = spec(table) else { return Ok(()) };
        if self.seen(table, id) || (table == "setting" && !super::PHONE_SETTINGS.contains(&id)) {
            return Ok(());
        }
        // Only the first key part may itself hold a '|' (a facility id): split from the right.
        let mut parts: Vec<&str> = id.rsplitn(spec.key.len(), '|').collect();
        parts.reverse();
        if parts.len() != spec.key.len() {
            return Ok(());
        }
        let filter: Vec<String> = spec.key.iter().enumerate().map(|(i, k)| format!("{k} = ?{}", i + 1)).collect();
        let values: Vec<Value> = parts.iter().map(|p| Value::Text(p.to_string())).collect();
        let rows = self.fetch(table, &filter.join(" AND "), &values)?;
        if spec.key[0] == "facility_id" {
            self.facility(parts[0])?;
            if table == "menu" {
                self.reference("canteen", parts[0])?;
            }
        }
        self.add(table, id.to_string(), rows);
        Ok(())
    }

    fn facility(&mut self, id: &str) -> Result<()> {
        if !self.seen("facility", id) {
            let rows = self.fetch("facility", "id = ?1", args![id])?;
            self.add("facility", id.to_string(), rows);
        }
        Ok(())
    }

    /// Every reference row a phone needs (a first pull): menus from yesterday on.
    fn all_reference(&mut self, today: chrono::NaiveDate) -> Result<()> {
        for table in REFERENCE {
            let spec = spec(table).expect("known table");
            let keys = spec.key.join(" || '|' || ");
            let rows = match *table {
                "menu" => self.sql.query(&format!("SELECT {keys} FROM menu WHERE date >= ?1"), args![(today - chrono::Duration::days(1)).to_string()])?,
                _ => self.sql.query(&format!("SELECT {keys} FROM {table}"), &[])?,
            };
            for r in rows {
                self.reference(table, &r.get::<String>(0)?)?;
            }
        }
        Ok(())
    }

    /// Everything of a senior who just came into the actor's view.
    fn whole_senior(&mut self, id: &str) -> Result<()> {
        self.senior(id)?;
        for r in self.sql.query("SELECT id FROM booking WHERE senior_id = ?1", args![id])? {
            self.booking(&r.get::<String>(0)?)?;
        }
        for table in OWNED {
            for r in self.sql.query(&format!("SELECT id FROM {table} WHERE senior_id = ?1"), args![id])? {
                self.owned(table, &r.get::<String>(0)?)?;
            }
        }
        for r in self.sql.query("SELECT family_id FROM family_link WHERE senior_id = ?1", args![id])? {
            let family: String = r.get(0)?;
            self.link(id, &family)?;
        }
        self.timebank(id)?;
        Ok(())
    }

    fn link(&mut self, senior: &str, family: &str) -> Result<()> {
        let key = format!("{senior}|{family}");
        if self.seen("family_link", &key) {
            return Ok(());
        }
        let rows = self.fetch("family_link", "senior_id = ?1 AND family_id = ?2", args![senior, family])?;
        if !rows.is_empty() {
            self.senior(senior)?;
            self.family_member(family)?;
        }
        self.add("family_link", key, rows);
        Ok(())
    }

    fn finish(self, cursor: String, more: bool, gone: Vec<Subject>) -> PullPage {
        let mut tables = Vec::new();
        let mut by_name = self.tables;
        for spec in TABLES {
            if let Some(rows) = by_name.remove(spec.name) {
                if !rows.is_empty() {
                    tables.push(TableRows { table: spec.name.to_string(), columns: spec.columns.iter().map(|c| c.to_string()).collect(), rows });
                }
            }
        }
        PullPage { cursor, more, tables, gone }
    }
}

impl CareCircle {
    /// Applies one pushed change as the signed-in `actor`, by the same rules as on the phone,
    /// exactly once per key: a key seen before gets its first answer again. A refusal by the
    /// rules is an answer too (recorded, and the change's partial work rolled back); a storage
    /// failure is an error and records nothing, so the phone pushes the entry again.
    pub fn apply_pushed(&self, actor: &Actor, entry: &PushEntry) -> Result<PushResult> {
        if entry.key.is_empty() || entry.key.chars().count() > 128 || entry.key.chars().any(crate::text::refused_char) {
            return Err(Error::invalid("key", "1 to 128 characters"));
        }
        let subject = entry.command.subject();
        let label = actor.label();
        if entry.actor != label {
            let (code, message) = public_error(&Error::Forbidden(String::new()));
            return Ok(PushResult { key: entry.key.clone(), ok: false, subject, code: Some(code), message: Some(message) });
        }
        // A control character (NUL above all) is refused as an answer, so one bad entry never
        // blocks the phone's outbox.
        let text_ok = serde_json::to_value(&entry.command).map_err(|e| Error::Database(e.to_string())).and_then(|v| crate::text::check_json(&v));
        if let Err(e) = text_ok {
            let (code, message) = public_error(&e);
            return Ok(PushResult { key: entry.key.clone(), ok: false, subject, code: Some(code), message: Some(message) });
        }
        let now = self.now();
        self.write_at(now, |tx, em| {
            if let Some(r) = tx.one("SELECT result FROM sync_receipt WHERE actor = ?1 AND idem_key = ?2", args![label, entry.key])? {
                return serde_json::from_str(&r.get::<String>(0)?).map_err(|_| Error::Database("a stored receipt is corrupt".into()));
            }
            let at = self.believed_time(tx, &label, &entry.command, entry.at, now)?;
            em.at = at;
            em.time_doubtful = at != entry.at || now - at > Duration::minutes(i64::from(self.settings.phone_time_tolerance_minutes));
            tx.batch("SAVEPOINT pushed_change")?;
            let (events, changes) = (em.events.len(), em.sync.changes.len());
            let result = match apply_in(self, tx, em, actor, &entry.command) {
                Ok(()) => PushResult { key: entry.key.clone(), ok: true, subject: subject.clone(), code: None, message: None },
                Err(e) if is_rule_error(&e) => {
                    tx.batch("ROLLBACK TO SAVEPOINT pushed_change")?;
                    em.events.truncate(events);
                    em.sync.changes.truncate(changes);
                    let (code, message) = public_error(&hide_existence(tx, actor, &entry.command, e)?);
                    PushResult { key: entry.key.clone(), ok: false, subject: subject.clone(), code: Some(code), message: Some(message) }
                }
                Err(e) => return Err(e),
            };
            tx.batch("RELEASE SAVEPOINT pushed_change")?;
            let json = serde_json::to_string(&result).map_err(|e| Error::Database(e.to_string()))?;
            tx.execute(
                "INSERT INTO sync_receipt (actor, idem_key, result, at, claimed_at, received_at, in_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![label, entry.key, json, em.at, entry.at.clamp(now - Duration::days(3650), now + Duration::days(3650)), now, i64::from(entry.command.priority() == 0)],
            )?;
            Ok(result)
        })
    }

    /// The time a pushed change is applied at. The phone's claim is kept only where it is
    /// consistent: not in the platform's future, not before the phone's offline window, not
    /// before the actor's previous change (changes arrive in the order they were made), and not
    /// before the record it acts on last changed (nothing happens to a booking before it exists
    /// or before its previous step). Otherwise the nearest consistent time is used, and the
    /// caller marks the change's time as doubtful.
    fn believed_time(&self, tx: &dyn Sql, actor_label: &str, command: &Command, claimed: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>> {
        let mut at = claimed.clamp(now - Duration::days(i64::from(self.settings.max_offline_days)), now);
        // An SOS jumps the queue, so it neither obeys nor sets the order of the others.
        if command.priority() > 0 {
            return Ok(at);
        }
        let previous: Option<chrono::DateTime<chrono::Utc>> = tx.one("SELECT MAX(at) FROM sync_receipt WHERE actor = ?1 AND in_order = 1", args![actor_label])?.map(|r| r.get(0)).transpose()?.flatten();
        if let Some(p) = previous {
            at = at.max(p.min(now));
        }
        // What a booking's command acts on must exist before it: the booking's last step.
        let subject = command.subject();
        let depends_on = match command {
            Command::RequestBooking { .. } => None,
            _ if subject.entity == "booking" => {
                tx.one("SELECT updated_at FROM booking WHERE id = ?1", args![subject.id])?.map(|r| r.get::<chrono::DateTime<chrono::Utc>>(0)).transpose()?
            }
            _ => None,
        };
        if let Some(d) = depends_on {
            at = at.max(d.min(now));
        }
        Ok(at)
    }

    /// The next page of what changed in `actor`'s scope since the request's cursor, read from one snapshot.
    pub fn pull(&self, actor: &Actor, req: &PullRequest) -> Result<PullPage> {
        let (filter, who) = scope(actor)?;
        let limit = req.limit.unwrap_or(DEFAULT_PULL).clamp(1, MAX_PULL);
        let (after_v, after_n) = parse_cursor(&req.cursor)?;
        if req.refresh.len() > MAX_REFRESH {
            return Err(Error::invalid("refresh", format!("at most {MAX_REFRESH} records")));
        }
        self.store.read(|sql| {
            let query = format!(
                "SELECT c.version, c.n, c.entity, c.entity_id, c.party_id FROM change_log c
                 WHERE (c.version, c.n) > (?1, ?2) AND {filter} ORDER BY c.version, c.n LIMIT ?3"
            );
            let mut a = vec![Value::Int(after_v), Value::Int(after_n), Value::Int(i64::from(limit))];
            if let Some(w) = &who {
                a.push(Value::Text(w.clone()));
            }
            let log = sql.query(&query, &a)?;
            let more = log.len() == limit as usize;
            let cursor = match log.last() {
                Some(last) if more => format!("{}.{}", last.get::<i64>(0)?, last.get::<i64>(1)?),
                // Everything in scope up to the snapshot's head is in this page: start after it next time.
                _ => {
                    let head: i64 = sql.scalar("SELECT COALESCE(MAX(version), 0) FROM change_log", &[])?;
                    format!("{}.{}", head.max(after_v), i64::MAX)
                }
            };
            let mut page = Page { sql, actor, tables: BTreeMap::new(), sent: BTreeSet::new(), withheld: BTreeMap::new() };
            let mut gone = Vec::new();
            if req.cursor.is_empty() {
                page.all_reference(crate::clock::shanghai_date(self.now()))?;
            }
            for r in &log {
                let entity: String = r.get(2)?;
                let id: String = r.get(3)?;
                match entity.as_str() {
                    "facility" => {
                        let rows = page.fetch("facility", "id = ?1", args![id])?;
                        page.add("facility", id, rows);
                    }
                    "senior" => {
                        // A senior who changed station comes into an operator's view whole.
                        if matches!(actor, Actor::Operator(_) | Actor::Township(_) | Actor::District) {
                            page.whole_senior(&id)?;
                        } else {
                            page.senior(&id)?;
                        }
                    }
                    "walk_network" => {
                        let rows = page.fetch("walk_network", "id = ?1", args![id])?;
                        let chunks = page.fetch("walk_network_chunk", "network_id = ?1 ORDER BY n", args![id])?;
                        page.add("walk_network_chunk", id.clone(), chunks);
                        page.add("walk_network", id, rows);
                    }
                    "family_member" => page.family_member(&id)?,
                    "family_link" => {
                        let Some((senior, family)) = id.split_once('|') else { continue };
                        if let Actor::Family(me) = actor {
                            if family == me && !sees_senior(sql, actor, senior)? {
                                gone.push(Subject::new("senior", senior));
                                continue;
                            }
                            if family == me {
                                page.whole_senior(senior)?;
                            }
                        }
                        page.link(senior, family)?;
                    }
                    "caregiver" => {
                        let rows = page.fetch("caregiver", "id = ?1", args![id])?;
                        page.add("caregiver", id, rows);
                    }
                    "booking" => page.booking(&id)?,
                    "timebank_account" => page.timebank(&id)?,
                    e if OWNED.contains(&e) => {
                        let table = spec(e).map(|s| s.name).unwrap_or("alert");
                        page.owned(table, &id)?;
                    }
                    e if REFERENCE.contains(&e) => {
                        let table = spec(e).map(|s| s.name).unwrap_or("setting");
                        page.reference(table, &id)?;
                    }
                    "event" => {
                        let seq: i64 = id.parse().map_err(|_| Error::Database("bad event reference".into()))?;
                        let mut rows = page.fetch("event", "seq = ?1", args![seq])?;
                        for r in &mut rows {
                            // How far from home a visit was checked in is location.
                            let of_visit_place = matches!(&r[2], Value::Text(k) if k == "visit_checked_in" || k == "visit_flagged");
                            if let (true, Value::Text(senior)) = (of_visit_place, &r[4]) {
                                if page.location_withheld(senior)? {
                                    r[6] = Value::Text(String::new());
                                }
                            }
                        }
                        page.add("event", id, rows);
                    }
                    _ => {}
                }
            }
            for s in &req.refresh {
                match s.entity.as_str() {
                    "booking" if sees_booking(sql, actor, &s.id)? => page.booking(&s.id)?,
                    "booking" => gone.push(s.clone()),
                    "senior" if sees_senior(sql, actor, &s.id)? => page.whole_senior(&s.id)?,
                    "family_link" => {
                        let (senior, family) = s.id.split_once('|').unwrap_or((&s.id, ""));
                        let mine = matches!(actor, Actor::Family(me) if me == family) || matches!(actor, Actor::Senior(me) if me == senior);
                        if (mine || sees_senior(sql, actor, senior)?) && sql.exists("SELECT 1 FROM family_link WHERE senior_id = ?1 AND family_id = ?2", args![senior, family])? {
                            page.link(senior, family)?;
                        } else {
                            gone.push(s.clone());
                        }
                    }
                    "family_member" => {
                        let mine = matches!(actor, Actor::Family(me) if *me == s.id);
                        if mine || matches!(actor, Actor::District) {
                            page.family_member(&s.id)?;
                        }
                    }
                    "timebank_account" => page.timebank(&s.id)?,
                    e if OWNED.contains(&e) => {
                        let table = spec(e).map(|t| t.name).unwrap_or("alert");
                        if sees_owned(sql, actor, table, &s.id)? {
                            page.owned(table, &s.id)?;
                        } else {
                            gone.push(s.clone());
                        }
                    }
                    _ => {}
                }
            }
            Ok(page.finish(cursor.clone(), more, gone.clone()))
        })
    }
}

impl CareCircle {
    /// A senior's order, rental, alert, rating or complaint as `actor` may see it, as JSON with
    /// the record's own column names: the answer of the API to a command about it.
    pub fn record_for(&self, actor: &Actor, subject: &Subject) -> Result<serde_json::Value> {
        let Some(table) = OWNED.iter().find(|t| **t == subject.entity).copied() else {
            return Err(Error::invalid("record", "not an order, rental, alert, rating or complaint"));
        };
        self.store.read(|sql| {
            if !sees_owned(sql, actor, table, &subject.id)? {
                return Err(Error::not_found(table_noun(table), crate::facility::truncate(&subject.id, 64)));
            }
            let spec = spec(table).expect("known table");
            let row = sql.one(&format!("SELECT {} FROM {table} WHERE id = ?1", spec.columns.join(", ")), args![subject.id])?.ok_or_else(|| Error::not_found(table_noun(table), subject.id.clone()))?;
            let mut out = serde_json::Map::new();
            for (name, value) in spec.columns.iter().zip(row.0) {
                out.insert(name.to_string(), serde_json::to_value(value).map_err(|e| Error::Database(e.to_string()))?);
            }
            Ok(serde_json::Value::Object(out))
        })
    }
}

/// A record's name in plain words.
fn table_noun(table: &str) -> &'static str {
    match table {
        "meal_order" => "meal order",
        "rental" => "rental",
        "alert" => "alert",
        "assessment" => "assessment",
        "rating" => "rating",
        "subsidy_application" => "subsidy application",
        "care_plan" => "care plan",
        "doctor_contract" => "family doctor contract",
        "timebank_account" => "time bank account",
        _ => "complaint",
    }
}

/// A refusal as the actor may hear it: "forbidden" about a record they cannot see would tell
/// them it exists, so it is "not found", exactly as for a record that does not.
fn hide_existence(tx: &dyn Sql, actor: &Actor, command: &Command, e: Error) -> Result<Error> {
    if !matches!(e, Error::Forbidden(_)) {
        return Ok(e);
    }
    let subject = command.subject();
    let hidden = match command {
        Command::RequestBooking { senior_id, .. }
        | Command::OrderMeal { senior_id, .. }
        | Command::ReserveDevice { senior_id, .. }
        | Command::RaiseAlert { senior_id, .. }
        | Command::ApplyForSubsidy { senior_id, .. }
        | Command::RecordAssessment { senior_id, .. }
        | Command::CreatePlan { request: crate::plan::PlanRequest { senior_id, .. }, .. }
        | Command::SignContract { request: crate::doctor::ContractRequest { senior_id, .. }, .. } => {
            (!sees_senior(tx, actor, senior_id)?).then_some(("senior", senior_id.as_str()))
        }
        _ if OWNED.contains(&subject.entity.as_str()) && !matches!(command, Command::Rate { .. } | Command::Complain { .. } | Command::AnswerComplaint { .. }) => {
            let table = spec(&subject.entity).map(|t| t.name).unwrap_or("alert");
            (!sees_owned(tx, actor, table, &subject.id)?).then_some((table_noun(table), subject.id.as_str()))
        }
        Command::LinkFamily { link } => (!sees_senior(tx, actor, &link.senior_id)? && !matches!(actor, Actor::Family(_))).then_some(("senior", link.senior_id.as_str())),
        _ if subject.entity == "booking" => (!sees_booking(tx, actor, &subject.id)?).then_some(("booking", subject.id.as_str())),
        _ => None,
    };
    Ok(match hidden {
        Some((what, id)) => Error::not_found(what, crate::facility::truncate(id, 64)),
        None => e,
    })
}

/// Runs one command's rule inside the caller's transaction.
fn apply_in(cc: &CareCircle, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, command: &Command) -> Result<()> {
    match command {
        Command::RequestBooking { booking_id, senior_id, service, start, duration_minutes, note } => {
            let req = BookingRequest { senior_id: senior_id.clone(), service: *service, start: *start, duration_minutes: *duration_minutes, note: note.clone() };
            cc.request_booking_in(tx, em, actor, booking_id, &req).map(drop)
        }
        Command::AcceptBooking { booking_id } => cc.accept_booking_in(tx, em, actor, booking_id).map(drop),
        Command::DeclineBooking { booking_id, reason } => cc.decline_booking_in(tx, em, actor, booking_id, reason).map(drop),
        Command::CancelBooking { booking_id, reason } => cc.cancel_booking_in(tx, em, actor, booking_id, reason).map(drop),
        Command::CheckIn { booking_id, lat, lon } => cc.check_in_in(tx, em, actor, booking_id, Position::new(*lat, *lon)?).map(drop),
        Command::CheckOut { booking_id, lat, lon } => cc.check_out_in(tx, em, actor, booking_id, Position::new(*lat, *lon)?).map(drop),
        Command::ReviewVisit { booking_id, review } => cc.review_visit_in(tx, em, actor, booking_id, *review).map(drop),
        Command::PutFamilyMember { member } => cc.put_family_member_in(tx, em, actor, member),
        Command::LinkFamily { link } => cc.link_family_in(tx, em, actor, link),
        Command::RaiseAlert { alert_id, senior_id, lat, lon } => cc.raise_alert_in(tx, em, actor, alert_id, senior_id, Position::new(*lat, *lon)?).map(drop),
        Command::AcknowledgeAlert { alert_id } => cc.acknowledge_alert_in(tx, em, actor, alert_id).map(drop),
        Command::ResolveAlert { alert_id, note } => cc.resolve_alert_in(tx, em, actor, alert_id, note).map(drop),
        Command::OrderMeal { order_id, senior_id, facility_id, date, meal, mode } => crate::meal::order_meal_in(tx, em, actor, order_id, senior_id, facility_id, *date, *meal, *mode).map(drop),
        Command::CancelMeal { order_id } => crate::meal::cancel_meal_in(tx, em, actor, order_id).map(drop),
        Command::ReserveDevice { rental_id, senior_id, facility_id, device } => crate::rental::reserve_device_in(tx, em, actor, rental_id, senior_id, facility_id, *device).map(drop),
        Command::PickUpDevice { rental_id } => crate::rental::move_rental_in(tx, em, actor, rental_id, crate::rental::RentalState::PickedUp).map(drop),
        Command::ReturnDevice { rental_id } => crate::rental::move_rental_in(tx, em, actor, rental_id, crate::rental::RentalState::Returned).map(drop),
        Command::CancelRental { rental_id } => crate::rental::move_rental_in(tx, em, actor, rental_id, crate::rental::RentalState::Cancelled).map(drop),
        Command::Rate { rating_id, subject, subject_id, stars, comment } => crate::rating::rate_in(tx, em, actor, rating_id, *subject, subject_id, *stars, comment).map(drop),
        Command::Complain { complaint_id, subject, subject_id, text } => crate::rating::complain_in(tx, em, actor, complaint_id, *subject, subject_id, text).map(drop),
        Command::ApplyForSubsidy { application_id, senior_id, kind, note } => crate::subsidy::apply_in(tx, em, actor, application_id, senior_id, *kind, note).map(drop),
        Command::SubsidyStep { application_id, action, reason } => crate::subsidy::step_in(tx, em, actor, application_id, *action, reason).map(drop),
        Command::AnswerComplaint { complaint_id, answer, close } => crate::rating::answer_complaint_in(tx, em, actor, complaint_id, answer, *close).map(drop),
        Command::CreatePlan { plan_id, request } => cc.create_plan_in(tx, em, actor, plan_id, request).map(drop),
        Command::ChangePlan { plan_id, request } => cc.change_plan_in(tx, em, actor, plan_id, request).map(drop),
        Command::EndPlan { plan_id, reason } => cc.end_plan_in(tx, em, actor, plan_id, reason).map(drop),
        Command::SignContract { contract_id, request } => cc.sign_contract_in(tx, em, actor, contract_id, request).map(drop),
        Command::TerminateContract { contract_id, last_day } => crate::doctor::terminate_contract_in(tx, em, actor, contract_id, *last_day).map(drop),
        Command::RecordAssessment { assessment_id, senior_id, assessor, date, scores, conditions } => {
            crate::assessment::record_in(tx, em, actor, assessment_id, senior_id, assessor, *date, scores, *conditions).map(drop)
        }
        Command::RecordVolunteerService { move_id, volunteer_id, senior_id, service, minutes } => {
            crate::timebank::record_service_in(tx, em, actor, move_id, volunteer_id, senior_id, *service, *minutes).map(drop)
        }
        Command::TransferHours { move_id, from, to, minutes } => crate::timebank::transfer_in(tx, em, actor, move_id, from, to, *minutes),
        Command::SpendHours { move_id, account, reference, minutes } => crate::timebank::spend_in(tx, em, actor, move_id, account, reference, *minutes),
        Command::DonateHours { move_id, from, minutes } => crate::timebank::donate_in(tx, em, actor, move_id, from, *minutes),
        Command::GrantHours { move_id, senior_id, minutes } => crate::timebank::grant_in(tx, em, actor, move_id, senior_id, *minutes),
    }
}
