//! Visit verification, modelled on US Electronic Visit Verification (21st Century Cures Act,
//! section 12006): check-in and check-out record the type of service, the person served, the
//! person serving, the date, the location, and the begin and end times. A check-in or check-out
//! far from the senior's home is accepted but flagged for review, with the distance recorded;
//! a flagged visit draws on government-paid hours only once a reviewer approves it.

use crate::booking::{BookingAction, BookingState, booking_in, save_state, transition};
use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::Service;
use crate::person::{Actor, senior_in};
use crate::position::Position;
use chrono::{DateTime, Duration, Utc};
use crate::args;
use crate::db::{Row, Sql, SqlExt};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Approved,
    Rejected,
}

/// The EVV record of one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub booking_id: String,
    pub service: Service,
    pub senior_id: String,
    pub caregiver_id: String,
    pub check_in_at: DateTime<Utc>,
    /// `None` where it is withheld: a family member without the senior's consent to location.
    pub check_in: Option<Position>,
    pub check_in_distance_m: f64,
    pub check_out_at: Option<DateTime<Utc>>,
    pub check_out: Option<Position>,
    pub check_out_distance_m: Option<f64>,
    /// Checked in or out farther from home than the settings allow.
    pub flagged: bool,
    pub review: Option<Review>,
    pub reviewed_by: Option<String>,
}

impl Visit {
    /// Minutes between check-in and check-out.
    pub fn minutes(&self) -> Option<i64> {
        self.check_out_at.map(|out| (out - self.check_in_at).num_minutes())
    }
}

const VISIT_COLUMNS: &str = "booking_id, service, senior_id, caregiver_id, check_in_at, check_in_lat, check_in_lon, check_in_distance_m, \
     check_out_at, check_out_lat, check_out_lon, check_out_distance_m, flagged, review, reviewed_by";

pub(crate) fn visit_from_row(r: &Row) -> Result<Visit> {
    let service: String = r.get(1)?;
    let out_at: Option<String> = r.get(8)?;
    let out_lat: Option<f64> = r.get(9)?;
    let out_lon: Option<f64> = r.get(10)?;
    let review: Option<String> = r.get(13)?;
    Ok(Visit {
        booking_id: r.get(0)?,
        service: service.parse()?,
        senior_id: r.get(2)?,
        caregiver_id: r.get(3)?,
        check_in_at: r.get(4)?,
        check_in: match (r.get::<Option<f64>>(5)?, r.get::<Option<f64>>(6)?) {
            (Some(lat), Some(lon)) => Some(Position::new(lat, lon)?),
            _ => None,
        },
        check_in_distance_m: r.get(7)?,
        check_out_at: out_at.as_deref().map(crate::store::parse_ts).transpose()?,
        check_out: match (out_lat, out_lon) {
            (Some(lat), Some(lon)) => Some(Position::new(lat, lon)?),
            _ => None,
        },
        check_out_distance_m: r.get(11)?,
        flagged: r.get(12)?,
        review: match review.as_deref() {
            Some("approved") => Some(Review::Approved),
            Some("rejected") => Some(Review::Rejected),
            _ => None,
        },
        reviewed_by: r.get(14)?,
    })
}

pub(crate) fn visit_in(sql: &dyn Sql, booking_id: &str) -> Result<Option<Visit>> {
    sql.one(&format!("SELECT {VISIT_COLUMNS} FROM visit WHERE booking_id = ?1"), args![booking_id])?.as_ref().map(visit_from_row).transpose()
}

/// The district's check-in rules, which caregivers' phones apply offline (they travel as a
/// phone setting); a district that set none uses the platform's `Settings`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VisitRules {
    /// A check-in or check-out farther than this from the senior's home is flagged for review.
    pub checkin_flag_m: f64,
    /// How long before a visit's start its caregiver may check in.
    pub checkin_early_minutes: u32,
}

impl VisitRules {
    fn check(&self) -> Result<()> {
        if !(self.checkin_flag_m.is_finite() && (10.0..=5000.0).contains(&self.checkin_flag_m)) || self.checkin_early_minutes > 240 {
            return Err(Error::invalid("visit rules", "a check-in radius of 10 to 5000 metres, and at most 240 minutes early"));
        }
        Ok(())
    }
}

fn visit_rules_in(sql: &dyn Sql, settings: &crate::carecircle::Settings) -> Result<VisitRules> {
    Ok(crate::store::setting(sql, "visit_rules")?.unwrap_or(VisitRules { checkin_flag_m: settings.checkin_flag_m, checkin_early_minutes: settings.checkin_early_minutes }))
}

impl CareCircle {
    /// The check-in rules in force: the district's, or this platform's settings.
    pub fn visit_rules(&self) -> Result<VisitRules> {
        self.store.read(|sql| visit_rules_in(sql, &self.settings))
    }

    /// The district sets the check-in radius and how early a caregiver may check in; every
    /// caregiver's phone gets them at its next sync.
    pub fn set_visit_rules(&self, actor: &Actor, rules: &VisitRules) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not change the district's visit rules", actor.label())));
        }
        rules.check()?;
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "visit_rules", rules))
    }

    /// The assigned caregiver checks in at `at` (a phone position, already WGS-84).
    /// Allowed from `checkin_early_minutes` before the start until the booked end.
    pub fn check_in(&self, actor: &Actor, booking_id: &str, at: Position) -> Result<Visit> {
        self.write(|tx, em| {
            let v = self.check_in_in(tx, em, actor, booking_id, at)?;
            em.record(actor, crate::sync::Command::CheckIn { booking_id: booking_id.to_string(), lat: at.lat, lon: at.lon });
            Ok(v)
        })
    }

    pub(crate) fn check_in_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str, at: Position) -> Result<Visit> {
        let rules = visit_rules_in(tx, &self.settings)?;
        let flag_m = rules.checkin_flag_m;
        let early = Duration::minutes(i64::from(rules.checkin_early_minutes));
        {
            let mut b = booking_in(tx, booking_id)?;
            let caregiver = assigned(actor, &b.caregiver_id, booking_id)?;
            let next = transition(&b, BookingAction::CheckIn)?;
            if em.at < b.start - early || em.at > b.end {
                return Err(Error::invalid("time", format!("check-in is open from {} minutes before the visit until its end", early.num_minutes())));
            }
            let senior = senior_in(tx, &b.senior_id)?;
            let distance = senior.home.distance_m(at);
            let far = distance > flag_m;
            let flagged = far || em.time_doubtful;
            tx.execute(
                "INSERT INTO visit (booking_id, service, senior_id, caregiver_id, check_in_at, check_in_lat, check_in_lon, check_in_distance_m, flagged, check_in_received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                args![b.id, b.service.code(), b.senior_id, caregiver, em.at, at.lat, at.lon, distance, flagged, em.received],
            )?;
            b.state = next;
            b.updated_at = em.at;
            save_state(tx, &b)?;
            em.emit(tx, EventKind::VisitCheckedIn, &b.id, &b.senior_id, Some(caregiver), format!("distance_m={distance:.0}"))?;
            crate::audit::note(self, tx, em.received, actor, "change", &[("visit", b.id.clone(), b.senior_id.clone())])?;
            if far {
                em.emit(tx, EventKind::VisitFlagged, &b.id, &b.senior_id, Some(caregiver), format!("check_in_distance_m={distance:.0}"))?;
            }
            if em.time_doubtful {
                em.emit(tx, EventKind::VisitFlagged, &b.id, &b.senior_id, Some(caregiver), phone_time_detail("check_in", em))?;
            }
            visit_in(tx, &b.id)?.ok_or_else(|| Error::not_found("visit", b.id.clone()))
        }
    }

    /// The assigned caregiver checks out; the visit is completed.
    pub fn check_out(&self, actor: &Actor, booking_id: &str, at: Position) -> Result<Visit> {
        self.write(|tx, em| {
            let v = self.check_out_in(tx, em, actor, booking_id, at)?;
            em.record(actor, crate::sync::Command::CheckOut { booking_id: booking_id.to_string(), lat: at.lat, lon: at.lon });
            Ok(v)
        })
    }

    pub(crate) fn check_out_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str, at: Position) -> Result<Visit> {
        let flag_m = visit_rules_in(tx, &self.settings)?.checkin_flag_m;
        {
            let mut b = booking_in(tx, booking_id)?;
            let caregiver = assigned(actor, &b.caregiver_id, booking_id)?;
            let next = transition(&b, BookingAction::CheckOut)?;
            let senior = senior_in(tx, &b.senior_id)?;
            let visit = visit_in(tx, &b.id)?.ok_or_else(|| Error::not_found("visit", b.id.clone()))?;
            if em.at <= visit.check_in_at {
                return Err(Error::invalid("time", "check-out must come after check-in"));
            }
            let distance = senior.home.distance_m(at);
            let far = distance > flag_m;
            tx.execute(
                "UPDATE visit SET check_out_at = ?2, check_out_lat = ?3, check_out_lon = ?4, check_out_distance_m = ?5, flagged = ?6, check_out_received_at = ?7 WHERE booking_id = ?1",
                args![b.id, em.at, at.lat, at.lon, distance, visit.flagged || far || em.time_doubtful, em.received],
            )?;
            b.state = next;
            b.updated_at = em.at;
            save_state(tx, &b)?;
            crate::audit::note(self, tx, em.received, actor, "change", &[("visit", b.id.clone(), b.senior_id.clone())])?;
            em.emit(tx, EventKind::VisitCompleted, &b.id, &b.senior_id, Some(caregiver), format!("minutes={}", (em.at - visit.check_in_at).num_minutes()))?;
            if em.time_doubtful {
                em.emit(tx, EventKind::VisitFlagged, &b.id, &b.senior_id, Some(caregiver), phone_time_detail("check_out", em))?;
            }
            if far {
                em.emit(tx, EventKind::VisitFlagged, &b.id, &b.senior_id, Some(caregiver), format!("check_out_distance_m={distance:.0}"))?;
            }
            visit_in(tx, &b.id)?.ok_or_else(|| Error::not_found("visit", b.id.clone()))
        }
    }

    /// A station operator or the district approves or rejects a flagged visit.
    pub fn review_visit(&self, actor: &Actor, booking_id: &str, review: Review) -> Result<Visit> {
        self.write(|tx, em| {
            let v = self.review_visit_in(tx, em, actor, booking_id, review)?;
            em.record(actor, crate::sync::Command::ReviewVisit { booking_id: booking_id.to_string(), review });
            Ok(v)
        })
    }

    pub(crate) fn review_visit_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str, review: Review) -> Result<Visit> {
        {
            let b = booking_in(tx, booking_id)?;
            let senior = senior_in(tx, &b.senior_id)?;
            match actor {
                Actor::District | Actor::Operator(_) | Actor::Township(_) if crate::person::oversees(actor, &senior) => {}
                _ => return Err(Error::Forbidden(format!("{} may not review visits of senior {}", actor.label(), senior.id))),
            }
            let visit = visit_in(tx, booking_id)?.ok_or_else(|| Error::not_found("visit", booking_id.to_string()))?;
            if !visit.flagged || b.state != BookingState::Completed {
                return Err(Error::invalid("review", "only completed, flagged visits are reviewed"));
            }
            let code = match review {
                Review::Approved => "approved",
                Review::Rejected => "rejected",
            };
            tx.execute("UPDATE visit SET review = ?2, reviewed_by = ?3, reviewed_at = ?4 WHERE booking_id = ?1", args![booking_id, code, actor.label(), em.at])?;
            em.emit(tx, EventKind::VisitReviewed, booking_id, &b.senior_id, Some(&visit.caregiver_id), format!("review={code}"))?;
            visit_in(tx, booking_id)?.ok_or_else(|| Error::not_found("visit", booking_id.to_string()))
        }
    }

    pub fn visit(&self, booking_id: &str) -> Result<Option<Visit>> {
        self.store.read(|sql| visit_in(sql, booking_id))
    }
}

fn assigned<'a>(actor: &Actor, caregiver: &'a Option<String>, booking_id: &str) -> Result<&'a str> {
    match (actor, caregiver) {
        (Actor::Caregiver(me), Some(assigned)) if me == assigned => Ok(assigned),
        _ => Err(Error::Forbidden(format!("{} is not the caregiver assigned to booking {booking_id}", actor.label()))),
    }
}

/// The flag's detail for a time that rests on the phone: how far it lies before its arrival.
fn phone_time_detail(step: &str, em: &Emitter) -> String {
    format!("{step}_phone_time_minutes={}", (em.received - em.at).num_minutes())
}
