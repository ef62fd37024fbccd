//! A station's day: its caregivers, the day's visits of the seniors it serves, planned as routes.
//!
//! - **Which visits.** Bookings of the seniors the station serves that start on the day (Shanghai
//!   date), after now, requested, offered, declined or accepted; plus visits the station's
//!   caregivers accepted that day for seniors of other stations (they stay with their caregiver).
//!   A visit of the station's seniors accepted by another station's caregiver is left as it is
//!   (`kept_elsewhere`).
//! - **Which caregivers.** The station's caregivers on duty that day (weekly availability), not
//!   absent; and as *guests*, other stations' caregivers on duty whom matching offered (or gave)
//!   one of the visits: a guest may keep only such visits, plus every other visit they accepted
//!   that day, which stays with them. So the plan can always do what matching did, and the
//!   figures before and after compare the same visits and the same people. A visit fits a caregiver who has its skill, whose service radius reaches the home,
//!   who has not declined it, and in one of whose availability stretches the whole visit lies.
//! - **Times.** Service starts within the booked start ± `window_minutes` (the tolerance the
//!   senior's side agreed to, a district setting) and lasts the booked duration; nobody works
//!   through the break (`break_start`, `break_minutes`) if their availability spans it; each
//!   caregiver leaves the base no earlier than the start of their first stretch and is back by the
//!   end of the last. Within that, a planned visit starts at its booked time whenever the route
//!   allows (see `on_booked_time`). Travel: see [`CareCircle::route_travel`].
//! - **Objective.** Least total travel time, then fewest caregivers; moving an accepted visit
//!   costs `reassign_penalty_seconds` on top, so that a plan moves one only when it saves more.
//! - **Through the booking rules.** A plan is a proposal (stored); the station's operator (or the
//!   district) confirms it. Confirming offers each visit not yet accepted to its planned caregiver
//!   alone (other open offers withdrawn), and offers an accepted visit the plan moves to the new
//!   caregiver as a *handover*: the caregiver who accepted keeps it until the new one accepts
//!   (`BookingAction::HandOver`). Expected arrivals are stored for the family to see.

use super::model::{Fit, Job, Matrix, Problem, StraightLine, Streets, Travel, TravelMode, TravelTimes, Vehicle, schedule};
use super::solver::{SolveOptions, solve};
use crate::args;
use crate::booking::{Booking, BookingState};
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::db::{Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{Service, truncate};
use crate::person::{Actor, Caregiver, senior_in};
use crate::position::Position;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The district's settings for day plans (setting `route_settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteSettings {
    /// A visit may start this many minutes before or after its booked start.
    pub window_minutes: u32,
    /// Caregivers' walking speed (an adult's 1.2 m/s, not a senior's).
    pub walk_m_per_s: f64,
    /// E-bike speed in town, stops and crossings included (15 km/h; the legal top speed is 25).
    pub ebike_m_per_s: f64,
    /// Street distance over straight-line distance (the walking model's 1.3 by default).
    pub detour_factor: f64,
    /// A break nobody works through, Shanghai wall clock, for caregivers whose availability spans it.
    pub break_start: Option<NaiveTime>,
    pub break_minutes: u32,
    /// What moving an accepted visit to someone else costs in the objective, in seconds of travel.
    pub reassign_penalty_seconds: f64,
    /// Solver limits for one day: whichever comes first.
    pub max_iterations: u64,
    pub time_limit_seconds: f64,
    pub seed: u64,
}

impl Default for RouteSettings {
    fn default() -> Self {
        RouteSettings {
            window_minutes: 30,
            walk_m_per_s: 1.2,
            ebike_m_per_s: 15.0 / 3.6,
            detour_factor: 1.3,
            break_start: NaiveTime::from_hms_opt(12, 0, 0),
            break_minutes: 30,
            reassign_penalty_seconds: 300.0,
            max_iterations: 20_000,
            time_limit_seconds: 2.0,
            seed: 17,
        }
    }
}

impl RouteSettings {
    pub fn validate(&self) -> Result<()> {
        let speed = |v: f64| v.is_finite() && (0.3..=15.0).contains(&v);
        if !(self.window_minutes <= 240 && speed(self.walk_m_per_s) && speed(self.ebike_m_per_s) && self.detour_factor.is_finite() && (1.0..=3.0).contains(&self.detour_factor)) {
            return Err(Error::invalid("route settings", "window at most 240 minutes; speeds 0.3 to 15 m/s; detour 1 to 3"));
        }
        if self.break_minutes > 180 || !(self.reassign_penalty_seconds.is_finite() && self.reassign_penalty_seconds >= 0.0) {
            return Err(Error::invalid("route settings", "break at most 180 minutes; penalty not negative"));
        }
        if !(self.time_limit_seconds.is_finite() && (0.0..=60.0).contains(&self.time_limit_seconds)) || self.max_iterations == 0 {
            return Err(Error::invalid("route settings", "time limit 0 to 60 s, at least one iteration"));
        }
        Ok(())
    }

    /// Straight line × detour at each mode's speed: the plans' travel where the district has no
    /// walking network (see [`CareCircle::route_travel`]).
    pub fn travel(&self) -> StraightLine {
        StraightLine { detour_factor: self.detour_factor, walk_m_per_s: self.walk_m_per_s, ebike_m_per_s: self.ebike_m_per_s }
    }
}

pub(crate) fn route_settings_in(sql: &dyn Sql) -> Result<RouteSettings> {
    Ok(crate::store::setting(sql, "route_settings")?.unwrap_or_default())
}

/// Caregivers' travel modes (walking unless set).
pub(crate) fn modes_in(sql: &dyn Sql) -> Result<HashMap<String, TravelMode>> {
    sql.query("SELECT caregiver_id, mode FROM caregiver_travel", &[])?.iter().map(|r| Ok((r.get::<String>(0)?, r.get::<String>(1)?.parse()?))).collect()
}

/// What the plan does to a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Already this caregiver's (accepted by them, or offered to them alone).
    Keep,
    /// Not accepted yet: offered to this caregiver alone.
    Offer,
    /// Accepted by `from`: offered to this caregiver, `from` keeps it until they accept.
    Handover { from: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStop {
    pub booking_id: String,
    pub senior_id: String,
    pub service: Service,
    pub booked_start: DateTime<Utc>,
    /// Expected arrival at the door.
    pub arrival: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The way here from the previous stop (or the base).
    pub travel_seconds: f64,
    pub distance_m: f64,
    pub change: Change,
    /// A visit that stays with the caregiver who accepted it: another station's senior, or a
    /// guest's other visit that day (never moved).
    pub other_station: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRoute {
    pub caregiver_id: String,
    pub mode: TravelMode,
    pub leave_base_at: DateTime<Utc>,
    pub back_at_base: DateTime<Utc>,
    pub travel_seconds: f64,
    pub distance_m: f64,
    pub stops: Vec<PlannedStop>,
    /// Straight legs base → homes → base, WGS-84, for the map (the station's own staff see them).
    pub path: Vec<Position>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unplanned {
    pub booking_id: String,
    pub reason: String,
}

/// Travel of a day: as matching left it, or as planned.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DayFigures {
    pub visits: usize,
    pub caregivers: usize,
    pub travel_seconds: f64,
    pub distance_m: f64,
    /// Visits nobody would reach within the window (or nobody is offered).
    pub late_or_unserved: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Proposed,
    Confirmed,
    Superseded,
}

crate::facility::codes!(ProposalState, "proposal state", Proposed = "proposed", Confirmed = "confirmed", Superseded = "superseded");

/// A station's day as proposed: routes, what it changes, and the figures before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayPlan {
    pub id: String,
    pub station_id: String,
    pub date: NaiveDate,
    pub state: ProposalState,
    pub routes: Vec<PlannedRoute>,
    pub unassigned: Vec<Unplanned>,
    pub kept_elsewhere: Vec<String>,
    /// The same visits as matching left them: each with its assigned caregiver, or else the
    /// nearest one it is offered to, in booked order from the base and back.
    pub before: DayFigures,
    pub after: DayFigures,
    pub iterations: u64,
    pub solve_seconds: f64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// What confirming did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Confirmed {
    pub offered: Vec<String>,
    pub handovers: Vec<String>,
    pub kept: Vec<String>,
    /// Visits whose booking changed since the proposal, with why they were left alone.
    pub skipped: Vec<Unplanned>,
}

/// One stop of a caregiver's day as it stands (accepted visits and open offers, in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayStop {
    pub booking: Booking,
    /// accepted, or open (offered, not yet accepted), or handover (offered to take over).
    pub status: String,
    pub arrival: DateTime<Utc>,
    pub start: DateTime<Utc>,
    /// From a confirmed plan (otherwise times are the booked start and a walk from the previous stop).
    pub planned: bool,
    pub travel_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaregiverDay {
    pub caregiver_id: String,
    pub date: NaiveDate,
    pub mode: TravelMode,
    pub stops: Vec<DayStop>,
    pub travel_seconds: f64,
    pub path: Vec<Position>,
}

/// The expected arrival of a visit, from the confirmed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedArrival {
    pub booking_id: String,
    pub caregiver_id: String,
    pub arrival: DateTime<Utc>,
    pub start: DateTime<Utc>,
    /// The planned caregiver has accepted (otherwise the plan waits for them).
    pub confirmed: bool,
}

struct VisitIn {
    booking: Booking,
    home: Position,
    /// Assigned, else the nearest open offer.
    current: Option<String>,
    declined: HashSet<String>,
    other_station: bool,
}

struct CaregiverIn {
    caregiver: Caregiver,
    mode: TravelMode,
    /// Another station's caregiver matching offered (or gave) one of the day's visits: they may
    /// keep only those, so the plan can always do at least as well as matching did.
    guest: bool,
    /// Seconds after the day's 00:00 Shanghai.
    stretches: Vec<(f64, f64)>,
}

fn day_start(date: NaiveDate) -> DateTime<Utc> {
    from_shanghai(date.and_time(NaiveTime::MIN))
}

fn secs(t: DateTime<Utc>, origin: DateTime<Utc>) -> f64 {
    (t - origin).num_milliseconds() as f64 / 1000.0
}

fn at(origin: DateTime<Utc>, s: f64) -> DateTime<Utc> {
    origin + Duration::milliseconds((s * 1000.0).round() as i64)
}

/// Availability stretches of a caregiver on `date`, minus the break, in seconds after 00:00.
fn stretches(c: &Caregiver, date: NaiveDate, settings: &RouteSettings) -> Vec<(f64, f64)> {
    let weekday = date.weekday().num_days_from_monday() as usize;
    let mut out = Vec::new();
    for &(a, b) in c.availability.day(weekday) {
        let (a, b) = (f64::from(a) * 60.0, f64::from(b) * 60.0);
        match settings.break_start {
            Some(bs) if settings.break_minutes > 0 => {
                let bs = f64::from(chrono::Timelike::num_seconds_from_midnight(&bs));
                let be = bs + f64::from(settings.break_minutes) * 60.0;
                if a <= bs && be <= b {
                    if bs > a {
                        out.push((a, bs));
                    }
                    if b > be {
                        out.push((be, b));
                    }
                } else {
                    out.push((a, b));
                }
            }
            _ => out.push((a, b)),
        }
    }
    out
}

/// The station's day: its caregivers and visits, read in one transaction.
fn load_day(cc: &CareCircle, sql: &dyn Sql, station: &str, date: NaiveDate, now: DateTime<Utc>, settings: &RouteSettings) -> Result<(Vec<CaregiverIn>, Vec<VisitIn>, Vec<String>)> {
    let (from, to) = (day_start(date), day_start(date + Duration::days(1)));
    let absent = crate::plan::absent_between(sql, from, to)?;
    let modes = modes_in(sql)?;
    let mut caregivers: Vec<CaregiverIn> = {
        let table = cc.caregivers();
        let mut list: Vec<Caregiver> = table.slots.iter().flatten().filter(|c| c.station_id.as_deref() == Some(station) && !absent.contains(&c.id)).cloned().collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list.into_iter()
            .map(|c| CaregiverIn { mode: modes.get(&c.id).copied().unwrap_or_default(), stretches: stretches(&c, date, settings), caregiver: c, guest: false })
            .filter(|c| !c.stretches.is_empty())
            .collect()
    };
    caregivers.retain(|c| !c.stretches.is_empty());
    let mine: HashSet<String> = caregivers.iter().map(|c| c.caregiver.id.clone()).collect();
    let rows = sql.query(
        "SELECT b.id FROM booking b JOIN senior s ON s.id = b.senior_id
         WHERE b.start_at >= ?1 AND b.start_at < ?2 AND b.start_at > ?3 AND b.state IN ('requested', 'offered', 'declined', 'accepted')
           AND (s.station_id = ?4 OR b.caregiver_id IN (SELECT id FROM caregiver WHERE station_id = ?4))
         ORDER BY b.start_at, b.id",
        args![from, to, now, station],
    )?;
    let mut visits = Vec::new();
    let mut kept_elsewhere = Vec::new();
    for r in &rows {
        let b = crate::booking::booking_in(sql, &r.get::<String>(0)?)?;
        let senior = senior_in(sql, &b.senior_id)?;
        let ours = senior.station_id.as_deref() == Some(station);
        if b.state == BookingState::Accepted && !b.caregiver_id.as_ref().is_some_and(|c| mine.contains(c)) {
            if ours {
                kept_elsewhere.push(b.id.clone());
            }
            continue;
        }
        let declined = sql.query("SELECT caregiver_id FROM offer WHERE booking_id = ?1 AND status = 'declined'", args![b.id])?.iter().map(|r| r.get(0)).collect::<Result<_>>()?;
        let current = match &b.caregiver_id {
            Some(c) => Some(c.clone()),
            None => sql.one("SELECT caregiver_id FROM offer WHERE booking_id = ?1 AND status = 'open' ORDER BY distance_m, caregiver_id LIMIT 1", args![b.id])?.map(|r| r.get(0)).transpose()?,
        };
        visits.push(VisitIn { home: senior.home, current, declined, other_station: !ours, booking: b });
    }
    // Guests: other stations' caregivers whom matching offered (or gave) one of these visits, with
    // every other visit they accepted that day (those stay with them, as they are).
    let mut guest_ids: Vec<String> = visits.iter().filter_map(|v| v.current.clone()).filter(|c| !mine.contains(c) && !absent.contains(c)).collect();
    guest_ids.sort();
    guest_ids.dedup();
    let seen: HashSet<String> = visits.iter().map(|v| v.booking.id.clone()).collect();
    for id in guest_ids {
        let Some(c) = cc.caregivers().get(&id).cloned() else { continue };
        let g = CaregiverIn { mode: modes.get(&c.id).copied().unwrap_or_default(), stretches: stretches(&c, date, settings), caregiver: c, guest: true };
        if g.stretches.is_empty() {
            continue;
        }
        let rows = sql.query(
            "SELECT b.id FROM booking b JOIN senior s ON s.id = b.senior_id
             WHERE b.start_at >= ?1 AND b.start_at < ?2 AND b.start_at > ?3 AND b.state = 'accepted' AND b.caregiver_id = ?4
             ORDER BY b.start_at, b.id",
            args![from, to, now, g.caregiver.id],
        )?;
        for r in &rows {
            let b = crate::booking::booking_in(sql, &r.get::<String>(0)?)?;
            if seen.contains(&b.id) {
                continue;
            }
            // One of ours they accepted: planned with them as it is, no longer only kept elsewhere.
            kept_elsewhere.retain(|k| *k != b.id);
            let home = senior_in(sql, &b.senior_id)?.home;
            visits.push(VisitIn { home, current: b.caregiver_id.clone(), declined: HashSet::new(), other_station: true, booking: b });
        }
        caregivers.push(g);
    }
    Ok((caregivers, visits, kept_elsewhere))
}

/// The window of service start for a visit on a caregiver, or why it does not fit.
fn fit_for(c: &CaregiverIn, v: &VisitIn, origin: DateTime<Utc>, s: &RouteSettings, now: DateTime<Utc>) -> std::result::Result<Fit, &'static str> {
    let b = &v.booking;
    if v.other_station && b.caregiver_id.as_deref() != Some(c.caregiver.id.as_str()) {
        return Err("another station's visit stays with its caregiver");
    }
    if c.guest && v.current.as_deref() != Some(c.caregiver.id.as_str()) {
        return Err("another station's caregiver takes only the visits matching offered them");
    }
    if !c.caregiver.skills.contains(b.service) {
        return Err("no caregiver of the station offers the service that day");
    }
    if c.caregiver.base.distance_m(v.home) > c.caregiver.radius_m {
        return Err("the home is beyond every caregiver's service radius");
    }
    if v.declined.contains(&c.caregiver.id) {
        return Err("every fitting caregiver declined it");
    }
    let booked = secs(b.start, origin);
    let minutes = (b.end - b.start).num_seconds() as f64;
    let tol = f64::from(s.window_minutes) * 60.0;
    let (e, l) = ((booked - tol).max(secs(now, origin)), booked + tol);
    let mut best: Option<(f64, f64)> = None;
    for &(a, z) in &c.stretches {
        let (e2, l2) = (e.max(a), l.min(z - minutes));
        if e2 <= l2 {
            let contains = e2 <= booked && booked <= l2;
            if best.is_none() || contains {
                best = Some((e2, l2));
                if contains {
                    break;
                }
            }
        }
    }
    let (earliest, latest) = best.ok_or("no fitting caregiver is on duty for the whole visit")?;
    let extra = match &b.caregiver_id {
        Some(other) if *other != c.caregiver.id && b.state == BookingState::Accepted => s.reassign_penalty_seconds,
        _ => 0.0,
    };
    Ok(Fit { earliest, latest, extra_cost: extra })
}

/// The problem for a day: locations are the caregivers' bases, then the homes of the visits.
fn build(caregivers: &[CaregiverIn], visits: &[VisitIn], origin: DateTime<Utc>, s: &RouteSettings, now: DateTime<Utc>, travel: &dyn TravelTimes) -> (Problem, Vec<Position>, Vec<Vec<&'static str>>) {
    let mut points: Vec<Position> = caregivers.iter().map(|c| c.caregiver.base).collect();
    points.extend(visits.iter().map(|v| v.home));
    let matrices = TravelMode::ALL.iter().map(|m| travel.seconds(&points, *m)).collect();
    let mut why = Vec::new();
    let jobs = visits
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut reasons = Vec::new();
            let fits = caregivers
                .iter()
                .map(|c| match fit_for(c, v, origin, s, now) {
                    Ok(f) => Some(f),
                    Err(r) => {
                        reasons.push(r);
                        None
                    }
                })
                .collect();
            why.push(reasons);
            Job { location: caregivers.len() + i, service: (v.booking.end - v.booking.start).num_seconds() as f64, demand: 0.0, fits }
        })
        .collect();
    let vehicles = caregivers
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let first = c.stretches.first().map_or(0.0, |s| s.0).max(secs(now, origin)).min(c.stretches.last().map_or(0.0, |s| s.1));
            Vehicle {
                start: k,
                end: k,
                shift: (first, c.stretches.last().map_or(0.0, |s| s.1)),
                capacity: f64::INFINITY,
                profile: TravelMode::ALL.iter().position(|m| *m == c.mode).unwrap_or(0),
                class: k,
                fixed_cost: 1.0,
            }
        })
        .collect();
    (Problem { matrices, jobs, vehicles }, points, why)
}

/// Times of a planned route as close to the booked starts as the route allows: the solver's
/// schedule starts each visit as early as its window opens; here each starts at its booked time
/// unless the caregiver cannot be there by then (later) or a later stop needs it earlier (the
/// latest start that keeps every later stop in its window). The expected arrival at the door is
/// the start; the caregiver leaves the base so as to be at the first door when that visit starts.
fn on_booked_time(p: &Problem, k: usize, jobs: &[usize], targets: &[f64]) -> super::model::Schedule {
    let mut sch = schedule(p, k, jobs);
    let v = &p.vehicles[k];
    let n = jobs.len();
    // Latest starts, backwards from the end of the shift.
    let mut latest = vec![0.0; n];
    let mut next_latest = v.shift.1;
    let mut next_loc = v.end;
    for i in (0..n).rev() {
        let job = &p.jobs[jobs[i]];
        let window = job.fits[v.class].map_or(f64::INFINITY, |f| f.latest);
        latest[i] = window.min(next_latest - job.service - p.travel(v, job.location, next_loc));
        next_latest = latest[i];
        next_loc = job.location;
    }
    let mut here = v.start;
    let mut free = f64::NEG_INFINITY;
    for i in 0..n {
        let job = &p.jobs[jobs[i]];
        let leg = p.travel(v, here, job.location);
        // The earliest possible start: the solver's for the first stop, else after the previous one.
        let opens = job.fits[v.class].map_or(f64::NEG_INFINITY, |f| f.earliest);
        let arrive = if i == 0 { sch.starts[0] } else { free + leg };
        let start = arrive.max(opens).max(targets[i].min(latest[i]));
        // At the door when the visit starts: any wait is spent before knocking, not on the doorstep.
        sch.arrivals[i] = start;
        sch.starts[i] = start;
        if i == 0 {
            sch.depart = start - leg;
        }
        free = start + job.service;
        here = job.location;
    }
    if n > 0 {
        sch.back = free + p.travel(v, here, v.end);
    }
    sch
}

/// Travel of visits in booked order from each caregiver's base, as matching left them.
fn before_figures(cc: &CareCircle, visits: &[VisitIn], modes: &HashMap<String, TravelMode>, s: &RouteSettings, travel: &dyn TravelTimes) -> DayFigures {
    let mut by: HashMap<&str, Vec<&VisitIn>> = HashMap::new();
    let mut f = DayFigures { visits: visits.len(), ..Default::default() };
    for v in visits {
        match &v.current {
            Some(c) => by.entry(c.as_str()).or_default().push(v),
            None => f.late_or_unserved += 1,
        }
    }
    let table = cc.caregivers();
    let mut ids: Vec<&&str> = by.keys().collect();
    ids.sort();
    for id in ids {
        let list = &by[*id];
        let Some(c) = table.get(id) else { continue };
        let mode = modes.get(*id).copied().unwrap_or_default();
        f.caregivers += 1;
        let mut here = c.base;
        let mut free: Option<DateTime<Utc>> = None;
        for v in list {
            let m = travel.metres(&[here, v.home]).get(0, 1);
            let t = travel.leg_seconds(here, v.home, mode);
            f.distance_m += m;
            f.travel_seconds += t;
            let arrive = free.map(|f| f + Duration::milliseconds((t * 1000.0) as i64));
            let start = arrive.map_or(v.booking.start, |a| a.max(v.booking.start));
            if start > v.booking.start + Duration::minutes(i64::from(s.window_minutes)) {
                f.late_or_unserved += 1;
            }
            free = Some(start + (v.booking.end - v.booking.start));
            here = v.home;
        }
        f.distance_m += travel.metres(&[here, c.base]).get(0, 1);
        f.travel_seconds += travel.leg_seconds(here, c.base, mode);
    }
    f
}

impl CareCircle {
    /// The district's route settings.
    pub fn route_settings(&self) -> Result<RouteSettings> {
        self.store.read(route_settings_in)
    }

    pub fn set_route_settings(&self, actor: &Actor, s: &RouteSettings) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not change the route settings", actor.label())));
        }
        s.validate()?;
        self.store.write(|sql| crate::store::put_setting(sql, "route_settings", s))
    }

    /// How a caregiver travels (walking unless set).
    pub fn travel_mode(&self, caregiver_id: &str) -> Result<TravelMode> {
        self.caregiver(caregiver_id)?;
        Ok(self.store.read(modes_in)?.get(caregiver_id).copied().unwrap_or_default())
    }

    /// Sets how a caregiver travels: the caregiver, their station, or the district.
    pub fn set_travel_mode(&self, actor: &Actor, caregiver_id: &str, mode: TravelMode) -> Result<()> {
        let c = self.caregiver(caregiver_id)?;
        let allowed = match actor {
            Actor::Caregiver(me) => *me == c.id,
            Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => self.runs_station_of(actor, &c.id),
            _ => false,
        };
        if !allowed {
            return Err(Error::Forbidden(format!("{} may not change how caregiver {} travels", actor.label(), c.id)));
        }
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO caregiver_travel (caregiver_id, mode) VALUES (?1, ?2) ON CONFLICT(caregiver_id) DO UPDATE SET mode = excluded.mode",
                args![c.id, mode.code()],
            )?;
            Ok(())
        })
    }

    /// Plans a station's day and stores it as a proposal (the station's operator or the district).
    pub fn plan_day(&self, actor: &Actor, station_id: &str, date: NaiveDate) -> Result<DayPlan> {
        let settings = self.route_settings()?;
        let travel = self.route_travel(&settings)?;
        self.plan_day_with(actor, station_id, date, &settings, &travel)
    }

    /// The travel the district's plans, days and matching use: along its walking network when
    /// one is loaded, else straight line × detour.
    pub fn route_travel(&self, settings: &RouteSettings) -> Result<Travel> {
        Ok(travel_over(self.walking_network()?, settings))
    }

    pub(crate) fn route_travel_in(&self, sql: &dyn Sql, settings: &RouteSettings) -> Result<Travel> {
        Ok(travel_over(self.walking_network_in(sql)?, settings))
    }

    /// As [`CareCircle::plan_day`], with settings and a travel-time source of the caller's (a
    /// street network, a test's matrix).
    pub fn plan_day_with(&self, actor: &Actor, station_id: &str, date: NaiveDate, settings: &RouteSettings, travel: &dyn TravelTimes) -> Result<DayPlan> {
        self.may_plan(actor, station_id)?;
        settings.validate()?;
        self.refresh_indexes_if_due();
        let now = self.now();
        let (caregivers, visits, kept_elsewhere, modes) = self.store.read(|sql| {
            let (c, v, k) = load_day(self, sql, station_id, date, now, settings)?;
            Ok((c, v, k, modes_in(sql)?))
        })?;
        let origin = day_start(date);
        let (problem, points, why) = build(&caregivers, &visits, origin, settings, now, travel);
        problem.validate()?;
        let opts = SolveOptions { seed: settings.seed, max_iterations: settings.max_iterations, time_limit: std::time::Duration::from_secs_f64(settings.time_limit_seconds) };
        let solved = solve(&problem, &opts);
        let metres: Vec<Matrix> = vec![travel.metres(&points)];
        let mut routes = Vec::new();
        let mut after = DayFigures { visits: visits.len(), ..Default::default() };
        for (k, jobs) in solved.solution.routes.iter().enumerate() {
            if jobs.is_empty() {
                continue;
            }
            let c = &caregivers[k];
            let targets: Vec<f64> = jobs.iter().map(|&j| secs(visits[j].booking.start, origin)).collect();
            let sch = on_booked_time(&problem, k, jobs, &targets);
            let mut here = k;
            let mut stops = Vec::new();
            let mut distance = 0.0;
            for (i, &j) in jobs.iter().enumerate() {
                let v = &visits[j];
                let loc = problem.jobs[j].location;
                let change = match (&v.booking.caregiver_id, v.booking.state) {
                    (Some(who), BookingState::Accepted) if *who == c.caregiver.id => Change::Keep,
                    (Some(who), BookingState::Accepted) => Change::Handover { from: who.clone() },
                    _ if v.current.as_deref() == Some(c.caregiver.id.as_str()) && v.booking.state == BookingState::Offered => Change::Offer,
                    _ => Change::Offer,
                };
                let d = metres[0].get(here, loc);
                distance += d;
                stops.push(PlannedStop {
                    booking_id: v.booking.id.clone(),
                    senior_id: v.booking.senior_id.clone(),
                    service: v.booking.service,
                    booked_start: v.booking.start,
                    arrival: at(origin, sch.arrivals[i]),
                    start: at(origin, sch.starts[i]),
                    end: at(origin, sch.starts[i] + problem.jobs[j].service),
                    travel_seconds: problem.travel(&problem.vehicles[k], here, loc),
                    distance_m: d,
                    change,
                    other_station: v.other_station,
                });
                here = loc;
            }
            distance += metres[0].get(here, k);
            let mut path = vec![c.caregiver.base];
            path.extend(jobs.iter().map(|&j| visits[j].home));
            path.push(c.caregiver.base);
            after.caregivers += 1;
            after.travel_seconds += sch.travel;
            after.distance_m += distance;
            routes.push(PlannedRoute {
                caregiver_id: c.caregiver.id.clone(),
                mode: c.mode,
                leave_base_at: at(origin, sch.depart),
                back_at_base: at(origin, sch.back),
                travel_seconds: sch.travel,
                distance_m: distance,
                stops,
                path,
            });
        }
        let unassigned: Vec<Unplanned> = solved
            .solution
            .unassigned
            .iter()
            .map(|&j| {
                let reason = if caregivers.is_empty() {
                    "no caregiver of the station is on duty that day"
                } else if why[j].len() < caregivers.len() {
                    "the caregivers who fit cannot reach it in time"
                } else {
                    why[j].first().copied().unwrap_or("no caregiver fits")
                };
                Unplanned { booking_id: visits[j].booking.id.clone(), reason: reason.to_string() }
            })
            .collect();
        after.late_or_unserved = unassigned.len();
        let before = before_figures(self, &visits, &modes, settings, travel);
        let plan = DayPlan {
            id: uuid::Uuid::new_v4().to_string(),
            station_id: station_id.to_string(),
            date,
            state: ProposalState::Proposed,
            routes,
            unassigned,
            kept_elsewhere,
            before,
            after,
            iterations: solved.iterations,
            solve_seconds: solved.seconds,
            created_by: actor.label(),
            created_at: now,
        };
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO route_proposal (id, station_id, date, state, plan, created_by, created_at) VALUES (?1, ?2, ?3, 'proposed', ?4, ?5, ?6)",
                args![plan.id, plan.station_id, plan.date.to_string(), serde_json::to_string(&plan).expect("serialisable"), plan.created_by, plan.created_at],
            )?;
            Ok(())
        })?;
        Ok(plan)
    }

    /// A stored proposal, for the station's operator or the district.
    pub fn day_plan(&self, actor: &Actor, proposal_id: &str) -> Result<DayPlan> {
        let plan = self.store.read(|sql| proposal_in(sql, proposal_id))?;
        self.may_plan(actor, &plan.station_id).map_err(|_| Error::not_found("route plan", truncate(proposal_id, 64)))?;
        Ok(plan)
    }

    /// Confirms a proposal: every change goes through the booking rules (see the module's notes).
    pub fn confirm_day_plan(&self, actor: &Actor, proposal_id: &str) -> Result<Confirmed> {
        self.day_plan(actor, proposal_id)?;
        self.write(|tx, em| {
            let mut plan = proposal_in(tx, proposal_id)?;
            if plan.state != ProposalState::Proposed {
                return Err(Error::InvalidStateChange { what: "route plan", id: plan.id.clone(), from: plan.state.code().into(), action: "confirmed".into() });
            }
            let mut out = Confirmed::default();
            for r in &plan.routes {
                for stop in &r.stops {
                    match self.apply_stop_in(tx, em, &r.caregiver_id, stop) {
                        Ok(Applied::Offered) => out.offered.push(stop.booking_id.clone()),
                        Ok(Applied::Handover) => out.handovers.push(stop.booking_id.clone()),
                        Ok(Applied::Kept) => out.kept.push(stop.booking_id.clone()),
                        Err(e) => {
                            out.skipped.push(Unplanned { booking_id: stop.booking_id.clone(), reason: e.to_string() });
                            continue;
                        }
                    }
                    tx.execute(
                        "INSERT INTO booking_eta (booking_id, caregiver_id, arrival_at, start_at, proposal_id) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(booking_id) DO UPDATE SET caregiver_id = excluded.caregiver_id, arrival_at = excluded.arrival_at, start_at = excluded.start_at, proposal_id = excluded.proposal_id",
                        args![stop.booking_id, r.caregiver_id, stop.arrival, stop.start, plan.id],
                    )?;
                }
            }
            tx.execute("UPDATE route_proposal SET state = 'superseded' WHERE station_id = ?1 AND date = ?2 AND state = 'proposed' AND id <> ?3", args![plan.station_id, plan.date.to_string(), plan.id])?;
            plan.state = ProposalState::Confirmed;
            tx.execute(
                "UPDATE route_proposal SET state = 'confirmed', plan = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1",
                args![plan.id, serde_json::to_string(&plan).expect("serialisable"), actor.label(), em.at],
            )?;
            em.emit(tx, EventKind::RoutePlanConfirmed, &plan.id, "", None, format!("station={} date={} offered={} handovers={}", plan.station_id, plan.date, out.offered.len(), out.handovers.len()))?;
            Ok(out)
        })
    }

    fn apply_stop_in(&self, tx: &dyn Sql, em: &mut Emitter, caregiver: &str, stop: &PlannedStop) -> Result<Applied> {
        let b = crate::booking::booking_in(tx, &stop.booking_id)?;
        if b.start <= em.at {
            return Err(Error::TooLate("the visit has started".into()));
        }
        match b.state {
            BookingState::Accepted if b.caregiver_id.as_deref() == Some(caregiver) => Ok(Applied::Kept),
            BookingState::Accepted => {
                let prior: Option<String> = tx.one("SELECT status FROM offer WHERE booking_id = ?1 AND caregiver_id = ?2", args![b.id, caregiver])?.map(|r| r.get(0)).transpose()?;
                match prior.as_deref() {
                    None => {
                        tx.execute("INSERT INTO offer (booking_id, caregiver_id, status, distance_m, at) VALUES (?1, ?2, 'open', ?3, ?4)", args![b.id, caregiver, self.caregiver(caregiver)?.base.distance_m(senior_in(tx, &b.senior_id)?.home), em.at])?;
                    }
                    Some("open") => {}
                    Some(other) => return Err(Error::InvalidTransition { booking: b.id.clone(), from: format!("accepted (the offer to {caregiver} is {other})"), action: "handed over".into() }),
                }
                tx.execute(
                    "INSERT INTO handover (booking_id, from_caregiver, to_caregiver, status, at) VALUES (?1, ?2, ?3, 'open', ?4)
                     ON CONFLICT(booking_id, to_caregiver) DO UPDATE SET status = 'open', from_caregiver = excluded.from_caregiver, at = excluded.at",
                    args![b.id, b.caregiver_id, caregiver, em.at],
                )?;
                em.emit(tx, EventKind::BookingOffered, &b.id, &b.senior_id, Some(caregiver), "handover=1")?;
                Ok(Applied::Handover)
            }
            BookingState::Requested | BookingState::Offered | BookingState::Declined => {
                let open: Vec<String> = tx.query("SELECT caregiver_id FROM offer WHERE booking_id = ?1 AND status = 'open'", args![b.id])?.iter().map(|r| r.get(0)).collect::<Result<_>>()?;
                if open.len() == 1 && open[0] == caregiver {
                    return Ok(Applied::Kept);
                }
                tx.execute("UPDATE offer SET status = 'withdrawn' WHERE booking_id = ?1 AND status = 'open' AND caregiver_id <> ?2", args![b.id, caregiver])?;
                if open.iter().any(|c| c == caregiver) {
                    return Ok(Applied::Offered);
                }
                let senior = senior_in(tx, &b.senior_id)?;
                let fresh = crate::booking::booking_in(tx, &b.id)?;
                self.offer_matching_in(tx, em, fresh, &senior, 1, &|c| c.id == caregiver)?;
                Ok(Applied::Offered)
            }
            s => Err(Error::InvalidTransition { booking: b.id.clone(), from: s.code().into(), action: "planned".into() }),
        }
    }

    /// The expected arrival of a booking's visit from a confirmed plan, if any.
    pub fn expected_arrival(&self, booking_id: &str) -> Result<Option<ExpectedArrival>> {
        self.store.read(|sql| expected_arrival_in(sql, booking_id))
    }

    /// A caregiver's day in order: accepted visits and open offers, with expected arrivals (from a
    /// confirmed plan, or else the booked start with the walk from the previous stop). For the
    /// caregiver, their station's operator, or the district.
    pub fn caregiver_day(&self, actor: &Actor, caregiver_id: &str, date: NaiveDate) -> Result<CaregiverDay> {
        let c = self.caregiver(caregiver_id).map_err(|_| Error::not_found("caregiver", truncate(caregiver_id, 64)))?;
        let allowed = match actor {
            Actor::Caregiver(me) => *me == c.id,
            Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => self.runs_station_of(actor, &c.id),
            _ => false,
        };
        if !allowed {
            return Err(Error::not_found("caregiver", truncate(caregiver_id, 64)));
        }
        let settings = self.route_settings()?;
        let (from, to) = (day_start(date), day_start(date + Duration::days(1)));
        let (mode, items) = self.store.read(|sql| {
            let mode = modes_in(sql)?.get(&c.id).copied().unwrap_or_default();
            let rows = sql.query(
                "SELECT b.id, o.status, (SELECT COUNT(*) FROM handover h WHERE h.booking_id = b.id AND h.to_caregiver = ?1 AND h.status = 'open')
                 FROM offer o JOIN booking b ON b.id = o.booking_id
                 WHERE o.caregiver_id = ?1 AND b.start_at >= ?2 AND b.start_at < ?3
                   AND ((b.state IN ('accepted', 'checked_in', 'completed') AND b.caregiver_id = ?1) OR (o.status = 'open' AND b.state IN ('offered', 'accepted')))",
                args![c.id, from, to],
            )?;
            let mut items = Vec::new();
            for r in &rows {
                let b = crate::booking::booking_in(sql, &r.get::<String>(0)?)?;
                let home = senior_in(sql, &b.senior_id)?.home;
                let handover: i64 = r.get(2)?;
                let status = if b.caregiver_id.as_deref() == Some(c.id.as_str()) { "accepted" } else if handover > 0 { "handover" } else { "open" };
                let eta = expected_arrival_in(sql, &b.id)?.filter(|e| e.caregiver_id == c.id);
                items.push((b, home, status.to_string(), eta));
            }
            Ok((mode, items))
        })?;
        let mut items = items;
        items.sort_by(|a, b| a.3.as_ref().map_or(a.0.start, |e| e.start).cmp(&b.3.as_ref().map_or(b.0.start, |e| e.start)).then(a.0.id.cmp(&b.0.id)));
        let travel = self.route_travel(&settings)?;
        let mut here = c.base;
        let mut total = 0.0;
        let mut path = vec![c.base];
        let mut stops = Vec::new();
        for (b, home, status, eta) in items {
            let leg = travel.leg_seconds(here, home, mode);
            total += leg;
            let (arrival, start, planned) = match eta {
                Some(e) => (e.arrival, e.start, true),
                None => (b.start, b.start, false),
            };
            stops.push(DayStop { booking: b, status, arrival, start, planned, travel_seconds: leg });
            path.push(home);
            here = home;
        }
        if !stops.is_empty() {
            total += travel.leg_seconds(here, c.base, mode);
            path.push(c.base);
        }
        Ok(CaregiverDay { caregiver_id: c.id, date, mode, stops, travel_seconds: total, path })
    }

    /// Every caregiver's day of a station, for its operator or the district.
    pub fn station_day(&self, actor: &Actor, station_id: &str, date: NaiveDate) -> Result<Vec<CaregiverDay>> {
        self.may_plan(actor, station_id)?;
        let mut ids: Vec<String> = self.caregivers().slots.iter().flatten().filter(|c| c.station_id.as_deref() == Some(station_id)).map(|c| c.id.clone()).collect();
        ids.sort();
        ids.iter().map(|id| self.caregiver_day(&Actor::System, id, date)).collect()
    }
}

enum Applied {
    Offered,
    Handover,
    Kept,
}

impl CareCircle {
    /// A station's routes are its operator's, its township centre's and the district's to plan.
    fn may_plan(&self, actor: &Actor, station: &str) -> Result<()> {
        if self.store.read(|sql| crate::person::runs_facility(sql, actor, station))? {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("{} may not plan the routes of station {}", actor.label(), truncate(station, 64))))
        }
    }
}

fn proposal_in(sql: &dyn Sql, id: &str) -> Result<DayPlan> {
    let row = sql.one("SELECT plan, state FROM route_proposal WHERE id = ?1", args![id])?.ok_or_else(|| Error::not_found("route plan", truncate(id, 64)))?;
    let mut plan: DayPlan = serde_json::from_str(&row.get::<String>(0)?).map_err(|_| Error::invalid("route plan", "stored plan is corrupt"))?;
    plan.state = row.get::<String>(1)?.parse()?;
    Ok(plan)
}

pub(crate) fn expected_arrival_in(sql: &dyn Sql, booking_id: &str) -> Result<Option<ExpectedArrival>> {
    let Some(r) = sql.one(
        "SELECT e.caregiver_id, e.arrival_at, e.start_at, b.caregiver_id, b.state FROM booking_eta e JOIN booking b ON b.id = e.booking_id WHERE e.booking_id = ?1",
        args![booking_id],
    )?
    else {
        return Ok(None);
    };
    let caregiver: String = r.get(0)?;
    let assigned: Option<String> = r.get(3)?;
    let state = BookingState::parse(&r.get::<String>(4)?)?;
    if !matches!(state, BookingState::Offered | BookingState::Accepted | BookingState::CheckedIn) {
        return Ok(None);
    }
    Ok(Some(ExpectedArrival { booking_id: booking_id.to_string(), confirmed: assigned.as_deref() == Some(caregiver.as_str()), caregiver_id: caregiver, arrival: r.get(1)?, start: r.get(2)? }))
}

/// Is there an open handover of this accepted booking to `caregiver`?
pub(crate) fn open_handover(sql: &dyn Sql, booking_id: &str, caregiver: &str) -> Result<bool> {
    sql.exists("SELECT 1 FROM handover WHERE booking_id = ?1 AND to_caregiver = ?2 AND status = 'open'", args![booking_id, caregiver])
}

/// An accepted visit of a caregiver's day: start, end, the home.
type AcceptedVisit = (DateTime<Utc>, DateTime<Utc>, Position);

/// Matching's rule: how much extra travel (seconds) a visit at `home` from `start` to `end` adds
/// to each candidate's day as it stands (their accepted visits that day, in booked order, from and
/// back to their base), and whether they can still be on time. Candidates come back cheapest
/// first: those who can make it, by extra travel, then by distance from their base.
pub(crate) fn rank_by_insertion<'a>(cc: &CareCircle, sql: &dyn Sql, candidates: Vec<&'a Caregiver>, home: Position, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<&'a Caregiver>> {
    if candidates.len() <= 1 {
        return Ok(candidates);
    }
    let settings = route_settings_in(sql)?;
    let modes = modes_in(sql)?;
    let date = shanghai_date(start);
    let (from, to) = (day_start(date), day_start(date + Duration::days(1)));
    let ids: HashSet<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
    let mut days: HashMap<String, Vec<AcceptedVisit>> = HashMap::new();
    for r in &sql.query(
        "SELECT b.caregiver_id, b.start_at, b.end_at, s.lat, s.lon FROM booking b JOIN senior s ON s.id = b.senior_id
         WHERE b.state IN ('accepted', 'checked_in') AND b.caregiver_id IS NOT NULL AND b.start_at >= ?1 AND b.start_at < ?2 ORDER BY b.start_at",
        args![from, to],
    )? {
        let id: String = r.get(0)?;
        if ids.contains(id.as_str()) {
            days.entry(id).or_default().push((r.get(1)?, r.get(2)?, Position::new(r.get(3)?, r.get(4)?)?));
        }
    }
    let tol = Duration::minutes(i64::from(settings.window_minutes));
    let travel = cc.route_travel_in(sql, &settings)?;
    let mut scored: Vec<(bool, f64, f64, &'a Caregiver)> = candidates
        .into_iter()
        .map(|c| {
            let mode = modes.get(&c.id).copied().unwrap_or_default();
            let t = |a: Position, b: Position| travel.leg_seconds(a, b, mode);
            let day = days.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
            let prev = day.iter().rev().find(|v| v.0 < start);
            let next = day.iter().find(|v| v.0 >= start);
            let (p, n) = (prev.map_or(c.base, |v| v.2), next.map_or(c.base, |v| v.2));
            let extra = t(p, home) + t(home, n) - t(p, n);
            let on_time = prev.is_none_or(|v| v.1 + Duration::milliseconds((t(v.2, home) * 1000.0) as i64) <= start + tol)
                && next.is_none_or(|v| end + Duration::milliseconds((t(home, v.2) * 1000.0) as i64) <= v.0 + tol);
            (!on_time, extra, c.base.distance_m(home), c)
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)).then(a.3.id.cmp(&b.3.id)));
    Ok(scored.into_iter().map(|s| s.3).collect())
}

/// The strict checker of a day plan: re-reads the caregivers and bookings and checks every stop
/// against them (skills, radius, weekly availability for the whole visit, absences, the break, the
/// window around the booked start, the booked duration, the travel between stops, no overlaps).
pub fn check_day_plan(cc: &CareCircle, plan: &DayPlan, settings: &RouteSettings) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let travel = cc.route_travel(settings)?;
    let tol = Duration::minutes(i64::from(settings.window_minutes));
    let slack = Duration::milliseconds(2);
    let mut seen = HashSet::new();
    let (from, to) = (day_start(plan.date), day_start(plan.date + Duration::days(1)));
    let absent = cc.store.read(|sql| crate::plan::absent_between(sql, from, to))?;
    for r in &plan.routes {
        let c = cc.caregiver(&r.caregiver_id)?;
        if absent.contains(&c.id) {
            out.push(format!("{} is absent that day", c.id));
        }
        let mut here = c.base;
        let mut free = r.leave_base_at;
        for s in &r.stops {
            if !seen.insert(s.booking_id.clone()) {
                out.push(format!("{} is planned twice", s.booking_id));
            }
            let b = cc.booking(&s.booking_id)?;
            let home = cc.senior(&b.senior_id)?.home;
            if !c.skills.contains(b.service) {
                out.push(format!("{} lacks the skill for {}", c.id, b.id));
            }
            if c.base.distance_m(home) > c.radius_m + 1e-6 {
                out.push(format!("{} is beyond {}'s radius", b.id, c.id));
            }
            let leg = travel.leg_seconds(here, home, r.mode);
            let arrive = free + Duration::milliseconds((leg * 1000.0).round() as i64);
            if s.arrival + slack < arrive {
                out.push(format!("{}: arrival {} is sooner than the walk from the previous stop allows", b.id, s.arrival));
            }
            if s.start + slack < s.arrival || s.start + slack < b.start - tol || s.start > b.start + tol + slack {
                out.push(format!("{}: starts outside its window", b.id));
            }
            if s.end - s.start != b.end - b.start {
                out.push(format!("{}: not the booked duration", b.id));
            }
            if !c.availability.covers(s.start, s.end) {
                out.push(format!("{}: {} is not available for the whole visit", b.id, c.id));
            }
            if let Some(bs) = settings.break_start.filter(|_| settings.break_minutes > 0) {
                let b0 = from_shanghai(plan.date.and_time(bs));
                let b1 = b0 + Duration::minutes(i64::from(settings.break_minutes));
                if c.availability.covers(b0, b1) && s.start < b1 && s.end > b0 {
                    out.push(format!("{}: overlaps {}'s break", b.id, c.id));
                }
            }
            free = s.end;
            here = home;
        }
        let back = free + Duration::milliseconds((travel.leg_seconds(here, c.base, r.mode) * 1000.0).round() as i64);
        if r.back_at_base + slack < back {
            out.push(format!("{} cannot be back at the base by {}", c.id, r.back_at_base));
        }
    }
    Ok(out)
}

fn travel_over(network: Option<std::sync::Arc<crate::network::Network>>, settings: &RouteSettings) -> Travel {
    match network {
        Some(network) => Travel::Streets(Streets { network, line: settings.travel() }),
        None => Travel::Line(settings.travel()),
    }
}
