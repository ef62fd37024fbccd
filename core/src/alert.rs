//! Emergency calls (助急): a senior's SOS with location raises an alert, tells every family member
//! who receives alerts and the nearest station, and escalates to the next-nearest station when
//! nobody acknowledges it within `Settings::alert_escalation_minutes` (then to the district).

use crate::args;
use crate::carecircle::CareCircle;
use crate::catalogue::NearbyQuery;
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{FacilityKind, Service, ServiceSet, truncate};
use crate::person::{Actor, family_links_in, senior_in};
use crate::position::Position;
use crate::sync::Command;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Where an alert goes once every station has been tried.
pub const DISTRICT: &str = "district";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    pub senior_id: String,
    pub at: Position,
    /// raised, acknowledged or resolved.
    pub state: String,
    /// The station answering now, or "district".
    pub station_id: Option<String>,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    /// When the current station (or the district) was told.
    pub notified_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub note: String,
}

const ALERT_COLUMNS: &str = "id, senior_id, lat, lon, state, station_id, raised_by, raised_at, notified_at, acknowledged_by, acknowledged_at, resolved_by, resolved_at, note";

fn alert_from_row(r: &Row) -> Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        at: Position::new(r.get(2)?, r.get(3)?)?,
        state: r.get(4)?,
        station_id: r.get(5)?,
        raised_by: r.get(6)?,
        raised_at: r.get(7)?,
        notified_at: r.get(8)?,
        acknowledged_by: r.get(9)?,
        acknowledged_at: r.get(10)?,
        resolved_by: r.get(11)?,
        resolved_at: r.get(12)?,
        note: r.get(13)?,
    })
}

fn alert_in(sql: &dyn Sql, id: &str) -> Result<Alert> {
    alert_from_row(&sql.one(&format!("SELECT {ALERT_COLUMNS} FROM alert WHERE id = ?1"), args![id])?.ok_or_else(|| Error::not_found("alert", truncate(id, 64)))?)
}

fn stations_told(sql: &dyn Sql, alert_id: &str) -> Result<HashSet<String>> {
    sql.query("SELECT station_id FROM alert_station WHERE alert_id = ?1", args![alert_id])?.iter().map(|r| r.get(0)).collect()
}

impl CareCircle {
    /// The nearest care station or centre not in `skip`, preferring those that offer emergency help.
    fn nearest_station(&self, at: Position, skip: &HashSet<String>) -> Result<Option<String>> {
        let kinds = [FacilityKind::CommunityStation, FacilityKind::TownshipCenter, FacilityKind::RegionalCenter];
        let mut q = NearbyQuery::new(at).kinds(kinds).k(1);
        q.services = ServiceSet::from_iter([Service::Emergency]);
        // Straight-line distance from the in-memory index: this runs inside the alert's
        // transaction (on the phone and the platform alike), where storage may not be read again.
        let table = self.facilities();
        let admit = |s: &crate::catalogue::Slot| !skip.contains(&s.id);
        if let Some(n) = table.query(&q, true, Some(&admit))?.into_iter().next() {
            return Ok(Some(table.slot(n.slot).id.clone()));
        }
        q.services = ServiceSet::EMPTY;
        Ok(table.query(&q, true, Some(&admit))?.into_iter().next().map(|n| table.slot(n.slot).id.clone()))
    }

    /// A senior's SOS (from the senior's phone or watch, a family member, the station or a smart device).
    /// On a phone the alert is queued and pushed before anything else at the next sync.
    pub fn raise_alert(&self, actor: &Actor, senior_id: &str, at: Position) -> Result<Alert> {
        self.raise_alert_with_id(actor, &uuid::Uuid::new_v4().to_string(), senior_id, at)
    }

    /// As [`CareCircle::raise_alert`], with the id chosen by the caller (a phone, offline).
    pub fn raise_alert_with_id(&self, actor: &Actor, id: &str, senior_id: &str, at: Position) -> Result<Alert> {
        self.write(|tx, em| {
            let a = self.raise_alert_in(tx, em, actor, id, senior_id, at)?;
            em.record(actor, Command::RaiseAlert { alert_id: id.to_string(), senior_id: senior_id.to_string(), lat: at.lat, lon: at.lon });
            Ok(a)
        })
    }

    pub(crate) fn raise_alert_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, at: Position) -> Result<Alert> {
        crate::sync::check_client_id("alert id", id)?;
        if tx.exists("SELECT 1 FROM alert WHERE id = ?1", args![id])? {
            return Err(Error::Duplicate { what: "alert", id: id.to_string() });
        }
        let station = self.nearest_station(at, &HashSet::new())?;
        {
            let senior = senior_in(tx, senior_id)?;
            let family = family_links_in(tx, senior_id)?;
            let allowed = match actor {
                Actor::Senior(s) => *s == senior.id,
                Actor::Family(f) => family.iter().any(|l| l.family_id == *f),
                Actor::Caregiver(c) => tx.exists("SELECT 1 FROM booking WHERE senior_id = ?1 AND caregiver_id = ?2 AND state IN ('accepted', 'checked_in')", args![senior_id, c])?,
                Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => crate::person::oversees(actor, &senior),
            };
            if !allowed {
                return Err(Error::Forbidden(format!("{} may not raise alerts for senior {}", actor.label(), senior.id)));
            }
            let answering = station.clone().unwrap_or_else(|| DISTRICT.into());
            tx.execute(
                &format!("INSERT INTO alert ({ALERT_COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, 'raised', ?5, ?6, ?7, ?7, NULL, NULL, NULL, NULL, '', ?7)"),
                args![id, senior_id, at.lat, at.lon, answering, actor.label(), em.at],
            )?;
            tx.execute("INSERT INTO alert_station (alert_id, station_id, at) VALUES (?1, ?2, ?3)", args![id, answering, em.at])?;
            em.emit(tx, EventKind::AlertRaised, id, senior_id, Some(&answering), format!("lat={:.6} lon={:.6}", at.lat, at.lon))?;
            for link in family.iter().filter(|l| l.permissions.receives_alerts) {
                em.emit(tx, EventKind::AlertNotified, id, senior_id, Some(&link.family_id), "")?;
            }
            alert_in(tx, id)
        }
    }

    /// Passes every alert that nobody acknowledged in time to the next-nearest station (or,
    /// when none is left, to the district). Run it on a timer; returns the alerts escalated.
    pub fn escalate_alerts(&self) -> Result<Vec<Alert>> {
        let wait = Duration::minutes(i64::from(self.settings.alert_escalation_minutes));
        let due: Vec<Alert> = self.store.read(|sql| {
            sql.query(&format!("SELECT {ALERT_COLUMNS} FROM alert WHERE state = 'raised' AND notified_at <= ?1 AND station_id <> ?2 ORDER BY raised_at"), args![self.now() - wait, DISTRICT])?
                .iter()
                .map(alert_from_row)
                .collect()
        })?;
        let mut out = Vec::new();
        for a in due {
            let told = self.store.read(|sql| stations_told(sql, &a.id))?;
            let next = self.nearest_station(a.at, &told)?.unwrap_or_else(|| DISTRICT.into());
            let escalated = self.write(|tx, em| {
                // Re-check inside the transaction: someone may have acknowledged meanwhile.
                let current = alert_in(tx, &a.id)?;
                if current.state != "raised" || current.notified_at != a.notified_at {
                    return Ok(None);
                }
                tx.execute("UPDATE alert SET station_id = ?2, notified_at = ?3, updated_at = ?3 WHERE id = ?1", args![a.id, next, em.at])?;
                tx.execute("INSERT INTO alert_station (alert_id, station_id, at) VALUES (?1, ?2, ?3) ON CONFLICT (alert_id, station_id) DO NOTHING", args![a.id, next, em.at])?;
                em.emit(tx, EventKind::AlertEscalated, &a.id, &a.senior_id, Some(&next), format!("from={}", a.station_id.clone().unwrap_or_default()))?;
                alert_in(tx, &a.id).map(Some)
            })?;
            out.extend(escalated);
        }
        Ok(out)
    }

    /// Someone who was told takes the alert: an operator of a station that was alerted, a family
    /// member who receives alerts, or the district.
    pub fn acknowledge_alert(&self, actor: &Actor, alert_id: &str) -> Result<Alert> {
        self.write(|tx, em| {
            let a = self.acknowledge_alert_in(tx, em, actor, alert_id)?;
            em.record(actor, Command::AcknowledgeAlert { alert_id: alert_id.to_string() });
            Ok(a)
        })
    }

    pub(crate) fn acknowledge_alert_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, alert_id: &str) -> Result<Alert> {
        let a = alert_in(tx, alert_id)?;
        may_answer(tx, actor, &a)?;
        if a.state != "raised" {
            return Err(Error::invalid("alert", format!("alert {} is already {}", a.id, a.state)));
        }
        tx.execute("UPDATE alert SET state = 'acknowledged', acknowledged_by = ?2, acknowledged_at = ?3, updated_at = ?3 WHERE id = ?1", args![a.id, actor.label(), em.at])?;
        emit_answer(tx, em, EventKind::AlertAcknowledged, &a, actor)?;
        alert_in(tx, alert_id)
    }

    /// The alert is dealt with; `note` says how.
    pub fn resolve_alert(&self, actor: &Actor, alert_id: &str, note: &str) -> Result<Alert> {
        self.write(|tx, em| {
            let a = self.resolve_alert_in(tx, em, actor, alert_id, note)?;
            em.record(actor, Command::ResolveAlert { alert_id: alert_id.to_string(), note: note.to_string() });
            Ok(a)
        })
    }

    pub(crate) fn resolve_alert_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, alert_id: &str, note: &str) -> Result<Alert> {
        if note.chars().count() > 1000 {
            return Err(Error::invalid("note", "longer than 1000 characters"));
        }
        {
            let a = alert_in(tx, alert_id)?;
            may_answer(tx, actor, &a)?;
            if a.state == "resolved" {
                return Err(Error::invalid("alert", format!("alert {} is already resolved", a.id)));
            }
            tx.execute(
                "UPDATE alert SET state = 'resolved', resolved_by = ?2, resolved_at = ?3, note = ?4, updated_at = ?3 WHERE id = ?1",
                args![a.id, actor.label(), em.at, note],
            )?;
            emit_answer(tx, em, EventKind::AlertResolved, &a, actor)?;
            alert_in(tx, alert_id)
        }
    }

    pub fn alert(&self, id: &str) -> Result<Alert> {
        self.store.read(|sql| alert_in(sql, id))
    }

    /// The alerts not yet resolved that `actor` was told of, oldest first: a station's alerts
    /// (any station that was alerted), a family member's who receives alerts, a senior's own,
    /// all of them for the district.
    pub fn alerts_for(&self, actor: &Actor) -> Result<Vec<Alert>> {
        let (filter, who) = match actor {
            Actor::District | Actor::System => ("1 = 1", String::new()),
            Actor::Operator(s) => ("id IN (SELECT alert_id FROM alert_station WHERE station_id = ?1)", s.clone()),
            Actor::Township(code) => (
                "id IN (SELECT t.alert_id FROM alert_station t JOIN facility f ON f.id = t.station_id WHERE f.division LIKE ?1)",
                format!("{code}%"),
            ),
            Actor::Family(f) => ("senior_id IN (SELECT senior_id FROM family_link WHERE family_id = ?1 AND receives_alerts <> 0)", f.clone()),
            Actor::Senior(s) => ("senior_id = ?1", s.clone()),
            Actor::Caregiver(_) => return Ok(Vec::new()),
        };
        self.store.read(|sql| {
            let q = format!("SELECT {ALERT_COLUMNS} FROM alert WHERE state <> 'resolved' AND {filter} ORDER BY raised_at");
            let args: Vec<crate::db::Value> = if who.is_empty() { Vec::new() } else { vec![crate::db::Value::Text(who.clone())] };
            sql.query(&q, &args)?.iter().map(alert_from_row).collect()
        })
    }

    /// Alerts not yet resolved, oldest first (a station's or the district's board).
    pub fn open_alerts(&self) -> Result<Vec<Alert>> {
        self.store.read(|sql| sql.query(&format!("SELECT {ALERT_COLUMNS} FROM alert WHERE state <> 'resolved' ORDER BY raised_at"), &[])?.iter().map(alert_from_row).collect())
    }
}

fn may_answer(sql: &dyn Sql, actor: &Actor, a: &Alert) -> Result<()> {
    let allowed = match actor {
        Actor::Operator(_) | Actor::Township(_) => {
            let mut told = false;
            for st in stations_told(sql, &a.id)? {
                told |= crate::person::runs_facility(sql, actor, &st)?;
            }
            told
        }
        Actor::Family(f) => family_links_in(sql, &a.senior_id)?.iter().any(|l| l.family_id == *f && l.permissions.receives_alerts),
        Actor::District | Actor::System => true,
        Actor::Senior(s) => *s == a.senior_id,
        Actor::Caregiver(_) => false,
    };
    if allowed { Ok(()) } else { Err(Error::Forbidden(format!("{} was not alerted about alert {}", actor.label(), a.id))) }
}

fn emit_answer(sql: &dyn Sql, em: &mut Emitter, kind: EventKind, a: &Alert, actor: &Actor) -> Result<()> {
    em.emit(sql, kind, &a.id, &a.senior_id, Some(&actor.label()), "")
}
