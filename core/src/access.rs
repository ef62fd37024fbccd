//! Reads scoped to who is asking: the one place the platform decides what an actor may see of a
//! booking, a senior, a caregiver's agenda or the district's figures. Anything outside an
//! actor's view is "not found", so that nobody learns what exists beyond it.

use crate::args;
use crate::booking::{Booking, Offer};
use crate::carecircle::CareCircle;
use crate::db::SqlExt;
use crate::entitlement::DistrictSummary;
use crate::error::{Error, Result};
use crate::facility::{Service, truncate};
use crate::person::{Actor, Caregiver, Senior};
use crate::position::Position;
use crate::sync::server::{sees_booking, sees_senior};
use crate::visit::Visit;

/// How long after a visit ends its caregiver may still read the senior's record.
pub const CAREGIVER_SEES_HOURS_AFTER: i64 = 24;

impl CareCircle {
    /// A booking with its offers and visit record, if `actor` may see it (else not found, so
    /// that nobody learns what exists beyond their view). Caregivers see only their own offer.
    pub fn booking_for(&self, actor: &Actor, booking_id: &str) -> Result<(Booking, Vec<Offer>, Option<Visit>)> {
        let visible = self.store.read(|sql| sees_booking(sql, actor, booking_id))?;
        if !visible {
            return Err(Error::not_found("booking", crate::facility::truncate(booking_id, 64)));
        }
        let mut b = self.booking(booking_id)?;
        let mut offers = self.offers(booking_id)?;
        let mut visit = self.visit(booking_id)?;
        if let Actor::Caregiver(me) = actor {
            if b.caregiver_id.as_deref() != Some(me) {
                b.caregiver_id = None;
            }
            offers.retain(|o| o.caregiver_id == *me);
            visit = visit.filter(|v| v.caregiver_id == *me);
        }
        if let Some(v) = visit.as_mut().filter(|_| self.store.read(|sql| crate::person::location_withheld(sql, actor, &b.senior_id)).unwrap_or(true)) {
            v.check_in = None;
            v.check_out = None;
        }
        if visit.as_ref().is_some_and(|v| v.check_in.is_some()) {
            // Check-in and check-out positions are location records.
            self.audit_reads(actor, &[("visit", b.id.clone(), b.senior_id.clone())])?;
        }
        Ok((b, offers, visit))
    }

    /// A senior's record, if `actor` may see it; caregivers see the seniors of visits offered to them.
    pub fn senior_for(&self, actor: &Actor, senior_id: &str) -> Result<Senior> {
        let visible = self.store.read(|sql| match actor {
            // Only while the caregiver holds a live offer or visit of hers, and for a day after
            // it ended: a caregiver once offered a visit does not keep her record for ever.
            Actor::Caregiver(c) => sql.exists(
                "SELECT 1 FROM booking b JOIN offer o ON o.booking_id = b.id WHERE b.senior_id = ?1 AND o.caregiver_id = ?2
                 AND o.status IN ('open', 'accepted') AND b.end_at > ?3",
                args![senior_id, c, self.now() - chrono::Duration::hours(CAREGIVER_SEES_HOURS_AFTER)],
            ),
            _ => sees_senior(sql, actor, senior_id),
        })?;
        if !visible {
            return Err(Error::not_found("senior", crate::facility::truncate(senior_id, 64)));
        }
        let senior = self.senior(senior_id)?;
        self.audit_reads(actor, &[("senior", senior.id.clone(), senior.id.clone())])?;
        Ok(senior)
    }

    /// A caregiver's offers and visits: for the caregiver, their station's operator, or the district.
    /// Does `actor` run the station of caregiver `caregiver_id` (its operator, its township's
    /// centre, the district)? Not inside a write transaction: it reads the store.
    pub(crate) fn runs_station_of(&self, actor: &Actor, caregiver_id: &str) -> bool {
        let Ok(c) = self.caregiver(caregiver_id) else { return false };
        match (actor, c.station_id.as_deref()) {
            (Actor::District | Actor::System, _) => true,
            (_, Some(st)) => self.store.read(|sql| crate::person::runs_facility(sql, actor, st)).unwrap_or(false),
            _ => false,
        }
    }

    pub fn agenda_for(&self, actor: &Actor, caregiver_id: &str) -> Result<Vec<(Booking, Offer)>> {
        let allowed = match actor {
            Actor::Caregiver(me) => me == caregiver_id,
            Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => self.runs_station_of(actor, caregiver_id),
            _ => false,
        };
        if !allowed {
            return Err(Error::not_found("caregiver", truncate(caregiver_id, 64)));
        }
        self.caregiver_agenda(caregiver_id)
    }

    /// The district's month, for the district's administrators.
    pub fn district_summary_for(&self, actor: &Actor, year: i32, month: u32) -> Result<DistrictSummary> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not see the district's figures", actor.label())));
        }
        self.district_summary(year, month)
    }

    /// Caregivers whose service area reaches `at` and who offer `service`, nearest first.
    pub fn caregivers_near(&self, at: Position, service: Service, k: usize) -> Vec<Caregiver> {
        self.refresh_indexes_if_due();
        self.caregivers().nearest_reaching(at, k, |c| c.skills.contains(service)).into_iter().cloned().collect()
    }

    /// Whether storage answers (the server's readiness).
    pub fn ping(&self) -> Result<()> {
        self.store.read(|sql| sql.scalar::<i64>("SELECT 1", &[]).map(drop))
    }
}

/// The part of the district an actor oversees: all of it for the district's administrators, the
/// seniors a station serves for its operators. The one map and the statistics are cut to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "station_id", rename_all = "snake_case")]
pub enum Area {
    District,
    Station(String),
    /// A township (street) centre's: its stations and the seniors living in it, by division code.
    Township(String),
}

impl Area {
    /// The area `actor` oversees; forbidden for anyone who oversees none.
    pub fn of(actor: &Actor) -> Result<Area> {
        match actor {
            Actor::District | Actor::System => Ok(Area::District),
            Actor::Operator(station) => Ok(Area::Station(station.clone())),
            Actor::Township(code) => Ok(Area::Township(code.clone())),
            other => Err(Error::Forbidden(format!("{} oversees no area: the district's figures and map are for station operators and district administrators", other.label()))),
        }
    }

    pub fn contains(&self, senior: &Senior) -> bool {
        match self {
            Area::District => true,
            Area::Station(s) => senior.station_id.as_deref() == Some(s.as_str()),
            Area::Township(code) => senior.division.starts_with(code.as_str()),
        }
    }
}
