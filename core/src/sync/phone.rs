//! The phone's side of sync: the outbox, binding the database to an account, and applying
//! pulled pages.

use super::server::TABLES;
use super::{Command, PullPage, PushEntry, PushResult, Subject};
use crate::args;
use crate::carecircle::CareCircle;
use crate::db::{Row, Sql, SqlExt, Value};
use crate::error::{Error, ErrorCode, Result};
use crate::person::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A change waiting in the outbox, or one the platform refused (kept, with its reason, until the app dismisses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub key: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub command: Command,
    /// pending or rejected.
    pub state: String,
    pub error_code: Option<ErrorCode>,
    pub error: Option<String>,
}

pub(super) fn put_in_outbox(tx: &dyn Sql, actor: &Actor, command: &Command, at: DateTime<Utc>) -> Result<()> {
    let json = serde_json::to_string(command).map_err(|e| Error::Database(e.to_string()))?;
    tx.execute(
        "INSERT INTO outbox (idem_key, actor, command, at, state, priority) VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
        args![uuid::Uuid::new_v4().to_string(), actor.label(), json, at, command.priority()],
    )?;
    Ok(())
}

fn entry_from_row(r: &Row) -> Result<OutboxEntry> {
    let command: String = r.get(4)?;
    Ok(OutboxEntry {
        seq: r.get(0)?,
        key: r.get(1)?,
        actor: r.get(2)?,
        at: r.get(3)?,
        command: serde_json::from_str(&command).map_err(|_| Error::Database("an outbox entry is corrupt".into()))?,
        state: r.get(5)?,
        error_code: r.get::<Option<String>>(6)?.map(|c| ErrorCode::parse(&c)),
        error: r.get(7)?,
    })
}

const OUTBOX_COLUMNS: &str = "seq, idem_key, actor, at, command, state, error_code, error";

/// What this database syncs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncBinding {
    pub server: String,
    pub login: String,
    pub cursor: String,
    pub synced_at: Option<DateTime<Utc>>,
}

impl CareCircle {
    /// Every change not yet confirmed by the platform, oldest first, and the refused ones.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let rows = self.store.read(|sql| sql.query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY seq"), &[]))?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Drops a refused entry once the app has shown it.
    pub fn dismiss_outbox_entry(&self, key: &str) -> Result<()> {
        self.store.write(|tx| tx.execute("DELETE FROM outbox WHERE idem_key = ?1 AND state = 'rejected'", args![key]).map(drop))
    }

    /// The account and platform this database syncs with, if it ever synced.
    pub fn sync_binding(&self) -> Result<Option<SyncBinding>> {
        self.store.read(|sql| {
            sql.one("SELECT server, login, cursor, synced_at FROM sync_state WHERE id = 1", &[])?
                .map(|r| Ok(SyncBinding { server: r.get(0)?, login: r.get(1)?, cursor: r.get(2)?, synced_at: r.get(3)? }))
                .transpose()
        })
    }

    /// Makes this database a replica syncing as `login`: from now on local changes go to the
    /// outbox. A database bound to another account is refused (its data is that account's).
    pub fn bind_sync(&self, server: &str, login: &str) -> Result<()> {
        self.store.write(|tx| {
            match tx.one("SELECT login FROM sync_state WHERE id = 1", &[])? {
                Some(r) if r.get::<String>(0)? != login => Err(Error::invalid("sync", "this database already syncs for another account")),
                Some(_) => tx.execute("UPDATE sync_state SET server = ?1 WHERE id = 1", args![server]).map(drop),
                None => tx.execute("INSERT INTO sync_state (id, server, login, cursor) VALUES (1, ?1, ?2, '')", args![server, login]).map(drop),
            }
        })?;
        self.replica.set();
        Ok(())
    }

    /// Pending entries to push, oldest first.
    pub fn pending_push(&self, limit: u32) -> Result<Vec<PushEntry>> {
        let rows = self.store.read(|sql| sql.query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY priority DESC, seq LIMIT ?1"), args![limit]))?;
        rows.iter().map(|r| entry_from_row(r).map(|e| PushEntry { key: e.key, actor: e.actor, at: e.at, command: e.command })).collect()
    }

    /// Records the platform's answers: applied entries leave the outbox; refused ones stay with
    /// the reason, and their records are fetched again by the next pull.
    pub fn record_push_results(&self, results: &[PushResult]) -> Result<()> {
        self.store.write(|tx| {
            for r in results {
                if r.ok {
                    tx.execute("DELETE FROM outbox WHERE idem_key = ?1", args![r.key])?;
                } else {
                    tx.execute(
                        "UPDATE outbox SET state = 'rejected', error_code = ?2, error = ?3, refreshed = 0 WHERE idem_key = ?1 AND state = 'pending'",
                        args![r.key, r.code.map(ErrorCode::as_str), r.message],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Refused changes whose records the next pull must send again: (outbox key, record).
    pub fn records_to_refresh(&self) -> Result<Vec<(String, Subject)>> {
        self.store.read(|sql| {
            sql.query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'rejected' AND refreshed = 0 ORDER BY seq LIMIT 200"), &[])?
                .iter()
                .map(|r| entry_from_row(r).map(|e| (e.key, e.command.subject())))
                .collect()
        })
    }

    /// Applies one pulled page and advances the cursor, in one transaction: an interrupted sync
    /// never leaves the cursor ahead of the data. Pulled rows replace local ones.
    /// `refreshed` names the outbox entries whose records this page was asked to send again.
    pub fn apply_pull(&self, page: &PullPage, refreshed: &[String]) -> Result<()> {
        let mut catalogue_changed = [false, false, false];
        // The platform's events new to this phone go to its listeners after commit, as local ones do.
        let events = pulled_events(page);
        let known: i64 = if events.is_empty() { 0 } else { self.store.read(|sql| sql.scalar("SELECT COALESCE(MAX(seq), 0) FROM sync_event", &[]))? };
        self.store.write(|tx| {
            for g in &page.gone {
                drop_record(tx, g)?;
            }
            for spec in TABLES {
                let Some(t) = page.tables.iter().find(|t| t.table == spec.name) else { continue };
                // Columns this build knows, in the order sent (a newer platform may send more).
                let cols: Vec<(usize, &str)> = t.columns.iter().enumerate().filter_map(|(i, c)| spec.columns.iter().find(|k| **k == c).map(|k| (i, *k))).collect();
                if spec.key.iter().any(|k| !cols.iter().any(|(_, c)| c == k)) {
                    return Err(Error::invalid("pull", format!("table {} lacks its key", spec.name)));
                }
                let table = if spec.name == "event" { "sync_event" } else { spec.name };
                let names: Vec<&str> = cols.iter().map(|(_, c)| *c).collect();
                let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
                let updates: Vec<String> = names.iter().filter(|c| !spec.key.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT({}) DO {}",
                    names.join(", "),
                    marks.join(", "),
                    spec.key.join(", "),
                    if updates.is_empty() { "NOTHING".to_string() } else { format!("UPDATE SET {}", updates.join(", ")) }
                );
                if spec.name == "booking" {
                    // The platform's offers replace the phone's optimistic ones.
                    let id_at = cols.iter().position(|(_, c)| *c == "id").expect("key checked");
                    for row in &t.rows {
                        tx.execute("DELETE FROM offer WHERE booking_id = ?1", &[row.get(cols[id_at].0).cloned().unwrap_or(Value::Null)])?;
                    }
                }
                for row in &t.rows {
                    let values: Vec<Value> = cols.iter().map(|(i, _)| row.get(*i).cloned().unwrap_or(Value::Null)).collect();
                    tx.execute(&sql, &values)?;
                }
                match spec.name {
                    "facility" => catalogue_changed[0] = true,
                    "caregiver" => catalogue_changed[1] = true,
                    "walk_network" => {
                        catalogue_changed[2] = true;
                        // Chunks past the new network's count belong to the one it replaced.
                        for row in &t.rows {
                            let value = |name: &str| cols.iter().find(|(_, c)| *c == name).and_then(|(i, _)| row.get(*i).cloned()).unwrap_or(Value::Null);
                            tx.execute("DELETE FROM walk_network_chunk WHERE network_id = ?1 AND n >= ?2", &[value("id"), value("chunks")])?;
                        }
                    }
                    _ => {}
                }
            }
            if catalogue_changed[0] {
                crate::freshness::bump(tx, crate::freshness::FACILITIES)?;
            }
            if catalogue_changed[1] {
                crate::freshness::bump(tx, crate::freshness::CAREGIVERS)?;
            }
            if catalogue_changed[2] {
                crate::freshness::bump(tx, crate::freshness::NETWORK)?;
            }
            for key in refreshed {
                tx.execute("UPDATE outbox SET refreshed = 1 WHERE idem_key = ?1", args![key])?;
            }
            tx.execute("UPDATE sync_state SET cursor = ?1, synced_at = ?2 WHERE id = 1", args![page.cursor, self.now()])?;
            Ok(())
        })?;
        if catalogue_changed.iter().any(|c| *c) {
            self.refresh_indexes()?;
        }
        let fresh: Vec<crate::event::Event> = events.into_iter().filter(|e| e.seq > known).collect();
        self.events.publish(&fresh);
        Ok(())
    }

    /// The platform's events of this phone's scope, after `after_seq` (the platform's numbering).
    pub fn synced_events(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::event::Event>> {
        let rows = self.store.read(|sql| sql.query("SELECT seq, at, kind, subject_id, senior_id, party_id, detail FROM sync_event WHERE seq > ?1 ORDER BY seq LIMIT ?2", args![after_seq, limit]))?;
        rows.iter()
            .map(|r| {
                Ok(crate::event::Event {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    kind: crate::event::EventKind::parse(&r.get::<String>(2)?).ok_or_else(|| Error::invalid("event", "unknown kind"))?,
                    subject_id: r.get(3)?,
                    senior_id: r.get(4)?,
                    party_id: r.get(5)?,
                    detail: r.get(6)?,
                })
            })
            .collect()
    }
}

/// Drops a record the phone may no longer see (or that never existed on the platform).
fn drop_record(tx: &dyn Sql, s: &Subject) -> Result<()> {
    match s.entity.as_str() {
        "booking" => {
            tx.execute("DELETE FROM visit WHERE booking_id = ?1", args![s.id])?;
            tx.execute("DELETE FROM offer WHERE booking_id = ?1", args![s.id])?;
            tx.execute("DELETE FROM booking WHERE id = ?1", args![s.id])?;
        }
        "family_link" => {
            let (senior, family) = s.id.split_once('|').unwrap_or((&s.id, ""));
            tx.execute("DELETE FROM family_link WHERE senior_id = ?1 AND family_id = ?2", args![senior, family])?;
        }
        // A change the platform refused for a record it does not have (an order past capacity,
        // an alert for a senior it does not know): the optimistic copy goes, and its count with it.
        "meal_order" => {
            tx.execute(
                "UPDATE menu SET ordered = ordered - 1, dine_in_ordered = dine_in_ordered - (CASE WHEN (SELECT mode FROM meal_order WHERE id = ?1) = 'dine_in' THEN 1 ELSE 0 END)
                 WHERE ordered > 0 AND EXISTS (SELECT 1 FROM meal_order o WHERE o.id = ?1 AND o.state = 'ordered' AND o.facility_id = menu.facility_id AND o.date = menu.date AND o.meal = menu.meal)",
                args![s.id],
            )?;
            tx.execute("DELETE FROM meal_order WHERE id = ?1", args![s.id])?;
        }
        "rental" => {
            tx.execute(
                "UPDATE device_stock SET in_use = in_use - 1
                 WHERE in_use > 0 AND EXISTS (SELECT 1 FROM rental r WHERE r.id = ?1 AND r.state IN ('reserved', 'picked_up') AND r.facility_id = device_stock.facility_id AND r.device = device_stock.device)",
                args![s.id],
            )?;
            tx.execute("DELETE FROM rental WHERE id = ?1", args![s.id])?;
        }
        "alert" => {
            tx.execute("DELETE FROM alert_station WHERE alert_id = ?1", args![s.id])?;
            tx.execute("DELETE FROM alert WHERE id = ?1", args![s.id])?;
        }
        "care_plan" => {
            tx.execute("DELETE FROM plan_occurrence WHERE plan_id = ?1", args![s.id])?;
            tx.execute("DELETE FROM care_plan WHERE id = ?1", args![s.id])?;
        }
        "rating" | "complaint" | "subsidy_application" | "assessment" | "doctor_contract" | "timebank_account" => {
            let table = match s.entity.as_str() {
                "rating" => "rating",
                "complaint" => "complaint",
                "assessment" => "assessment",
                "doctor_contract" => "doctor_contract",
                "timebank_account" => "timebank_account",
                _ => "subsidy_application",
            };
            tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), args![s.id])?;
        }
        "senior" => {
            let id = &s.id;
            for sql in [
                "DELETE FROM visit WHERE senior_id = ?1",
                "DELETE FROM offer WHERE booking_id IN (SELECT id FROM booking WHERE senior_id = ?1)",
                "DELETE FROM booking WHERE senior_id = ?1",
                "DELETE FROM meal_order WHERE senior_id = ?1",
                "DELETE FROM rental WHERE senior_id = ?1",
                "DELETE FROM alert_station WHERE alert_id IN (SELECT id FROM alert WHERE senior_id = ?1)",
                "DELETE FROM alert WHERE senior_id = ?1",
                "DELETE FROM assessment WHERE senior_id = ?1",
                "DELETE FROM rating WHERE senior_id = ?1",
                "DELETE FROM subsidy_step WHERE application_id IN (SELECT id FROM subsidy_application WHERE senior_id = ?1)",
                "DELETE FROM subsidy_application WHERE senior_id = ?1",
                "DELETE FROM complaint WHERE senior_id = ?1",
                "DELETE FROM plan_occurrence WHERE plan_id IN (SELECT id FROM care_plan WHERE senior_id = ?1)",
                "DELETE FROM care_plan WHERE senior_id = ?1",
                "DELETE FROM doctor_contract WHERE senior_id = ?1",
                "DELETE FROM timebank_account WHERE id = ?1",
                "DELETE FROM volunteer_service WHERE senior_id = ?1",
                "DELETE FROM family_link WHERE senior_id = ?1",
                "DELETE FROM sync_event WHERE senior_id = ?1",
                "DELETE FROM senior WHERE id = ?1",
            ] {
                tx.execute(sql, args![id])?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The events a pulled page carries, oldest first (rows this build cannot read are skipped).
fn pulled_events(page: &PullPage) -> Vec<crate::event::Event> {
    let Some(t) = page.tables.iter().find(|t| t.table == "event") else { return Vec::new() };
    let col = |name: &str| t.columns.iter().position(|c| c == name);
    let (Some(seq), Some(at), Some(kind), Some(subject), Some(senior), Some(party), Some(detail)) =
        (col("seq"), col("at"), col("kind"), col("subject_id"), col("senior_id"), col("party_id"), col("detail"))
    else {
        return Vec::new();
    };
    let text = |row: &[Value], i: usize| match row.get(i) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let mut out: Vec<crate::event::Event> = t
        .rows
        .iter()
        .filter_map(|row| {
            Some(crate::event::Event {
                seq: match row.get(seq) {
                    Some(Value::Int(i)) => *i,
                    _ => return None,
                },
                at: crate::store::parse_ts(&text(row, at)?).ok()?,
                kind: crate::event::EventKind::parse(&text(row, kind)?)?,
                subject_id: text(row, subject)?,
                senior_id: text(row, senior)?,
                party_id: text(row, party),
                detail: text(row, detail).unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|e| e.seq);
    out
}
