//! What the solver works on: jobs (visits) with time windows, service times and demands;
//! vehicles (caregivers) with a start and end place, a shift, a capacity and a travel profile;
//! and travel-time matrices, one per profile.
//!
//! Travel times come from a [`TravelTimes`] source: [`Travel::Streets`] when the district has
//! loaded a walking network (metres along it), otherwise [`StraightLine`] (great-circle metres ×
//! the detour factor); either ÷ the speed of the caregiver's [`TravelMode`]. The solver only ever
//! sees matrices.

use crate::error::{Error, Result};
use crate::position::Position;
use serde::{Deserialize, Serialize};

/// How a caregiver goes from home to home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TravelMode {
    #[default]
    Walk,
    Ebike,
}

crate::facility::codes!(TravelMode, "travel mode", Walk = "walk", Ebike = "ebike");

impl TravelMode {
    pub const ALL: [TravelMode; 2] = [TravelMode::Walk, TravelMode::Ebike];
}

/// A square matrix of travel costs (seconds for caregivers; distance units for Solomon files).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    cells: Vec<f64>,
}

impl Matrix {
    pub fn from_fn(n: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut cells = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                cells.push(if i == j { 0.0 } else { f(i, j) });
            }
        }
        Matrix { n, cells }
    }

    #[inline]
    pub fn get(&self, from: usize, to: usize) -> f64 {
        self.cells[from * self.n + to]
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The largest entry (0 for an empty matrix).
    pub fn max(&self) -> f64 {
        self.cells.iter().copied().fold(0.0, f64::max)
    }

    /// Every entry finite and not negative.
    pub fn check(&self) -> Result<()> {
        if self.cells.iter().all(|c| c.is_finite() && *c >= 0.0) { Ok(()) } else { Err(Error::invalid("travel times", "every entry must be a finite, non-negative number")) }
    }
}

/// Where travel times and street distances come from. Implemented by [`StraightLine`] now; the
/// walking network (`core/src/network/`, in progress) is meant to implement it too.
pub trait TravelTimes {
    /// Seconds from each point to each other point, travelling as `mode`.
    fn seconds(&self, points: &[Position], mode: TravelMode) -> Matrix;
    /// Street metres from each point to each other point.
    fn metres(&self, points: &[Position]) -> Matrix;
    /// Seconds of one leg.
    fn leg_seconds(&self, from: Position, to: Position, mode: TravelMode) -> f64 {
        self.seconds(&[from, to], mode).get(0, 1)
    }
}

/// Great-circle distance × detour factor, at one speed per mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StraightLine {
    pub detour_factor: f64,
    pub walk_m_per_s: f64,
    pub ebike_m_per_s: f64,
}

impl StraightLine {
    pub fn speed(&self, mode: TravelMode) -> f64 {
        match mode {
            TravelMode::Walk => self.walk_m_per_s,
            TravelMode::Ebike => self.ebike_m_per_s,
        }
    }
}

impl TravelTimes for StraightLine {
    fn seconds(&self, points: &[Position], mode: TravelMode) -> Matrix {
        let speed = self.speed(mode);
        Matrix::from_fn(points.len(), |i, j| points[i].distance_m(points[j]) * self.detour_factor / speed)
    }

    fn metres(&self, points: &[Position]) -> Matrix {
        Matrix::from_fn(points.len(), |i, j| points[i].distance_m(points[j]) * self.detour_factor)
    }

    fn leg_seconds(&self, from: Position, to: Position, mode: TravelMode) -> f64 {
        from.distance_m(to) * self.detour_factor / self.speed(mode)
    }
}

/// Travel along the district's walking network, at each mode's speed (e-bikes ride the same
/// streets: the network is the pedestrian one, which is where care e-bikes go in old quarters).
/// A pair the network does not join falls back to the straight line × detour.
#[derive(Clone)]
pub struct Streets {
    pub network: std::sync::Arc<crate::network::Network>,
    pub line: StraightLine,
}

impl Streets {
    fn leg_m(&self, from: Position, to: Position) -> f64 {
        let walked = match (self.network.join(from), self.network.join(to)) {
            (Ok(a), Ok(b)) => self.network.walk_m(&a, &b),
            _ => None,
        };
        walked.unwrap_or_else(|| from.distance_m(to) * self.line.detour_factor)
    }
}

impl TravelTimes for Streets {
    fn seconds(&self, points: &[Position], mode: TravelMode) -> Matrix {
        let metres = self.metres(points);
        let speed = self.line.speed(mode);
        Matrix::from_fn(points.len(), |i, j| metres.get(i, j) / speed)
    }

    fn metres(&self, points: &[Position]) -> Matrix {
        let walked = self.network.distance_matrix(points);
        Matrix::from_fn(points.len(), |i, j| walked.as_ref().ok().and_then(|w| w[i][j]).unwrap_or_else(|| points[i].distance_m(points[j]) * self.line.detour_factor))
    }

    fn leg_seconds(&self, from: Position, to: Position, mode: TravelMode) -> f64 {
        self.leg_m(from, to) / self.line.speed(mode)
    }
}

/// The travel a district's plans use: its streets when it has loaded them, else the straight line.
#[derive(Clone)]
pub enum Travel {
    Line(StraightLine),
    Streets(Streets),
}

impl Travel {
    pub fn line(&self) -> &StraightLine {
        match self {
            Travel::Line(l) => l,
            Travel::Streets(s) => &s.line,
        }
    }

    /// Along the walking network?
    pub fn on_streets(&self) -> bool {
        matches!(self, Travel::Streets(_))
    }
}

impl TravelTimes for Travel {
    fn seconds(&self, points: &[Position], mode: TravelMode) -> Matrix {
        match self {
            Travel::Line(l) => l.seconds(points, mode),
            Travel::Streets(s) => s.seconds(points, mode),
        }
    }

    fn metres(&self, points: &[Position]) -> Matrix {
        match self {
            Travel::Line(l) => l.metres(points),
            Travel::Streets(s) => s.metres(points),
        }
    }

    fn leg_seconds(&self, from: Position, to: Position, mode: TravelMode) -> f64 {
        match self {
            Travel::Line(l) => l.leg_seconds(from, to, mode),
            Travel::Streets(s) => s.leg_seconds(from, to, mode),
        }
    }
}

/// When a job may start (`[earliest, latest]`, the start of service) on one class of vehicle,
/// and what serving it there costs on top of travel (e.g. for moving an accepted visit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    pub earliest: f64,
    pub latest: f64,
    pub extra_cost: f64,
}

/// One visit to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Row of the matrices.
    pub location: usize,
    pub service: f64,
    pub demand: f64,
    /// Per vehicle class: `None` if that class may not serve it (skills, absence, no shift then).
    pub fits: Vec<Option<Fit>>,
}

/// One caregiver's day (or one Solomon vehicle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub start: usize,
    pub end: usize,
    /// Leave the start no earlier than `shift.0`, be back at the end no later than `shift.1`.
    pub shift: (f64, f64),
    pub capacity: f64,
    /// Which matrix it travels by.
    pub profile: usize,
    /// Which entry of each job's `fits` applies.
    pub class: usize,
    /// Cost of using this vehicle at all (the tie-breaker "fewer caregivers").
    pub fixed_cost: f64,
}

/// A vehicle routing problem with time windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub matrices: Vec<Matrix>,
    pub jobs: Vec<Job>,
    pub vehicles: Vec<Vehicle>,
}

impl Problem {
    pub fn validate(&self) -> Result<()> {
        let n = self.matrices.first().map_or(0, Matrix::len);
        if self.matrices.is_empty() || self.matrices.iter().any(|m| m.len() != n) {
            return Err(Error::invalid("travel times", "one square matrix per profile, all the same size"));
        }
        for m in &self.matrices {
            m.check()?;
        }
        let classes = self.vehicles.iter().map(|v| v.class + 1).max().unwrap_or(0);
        for v in &self.vehicles {
            if v.start >= n || v.end >= n || v.profile >= self.matrices.len() {
                return Err(Error::invalid("vehicle", "start, end or profile out of range"));
            }
            if !(v.shift.0.is_finite() && v.shift.1.is_finite() && v.shift.0 <= v.shift.1 && v.capacity >= 0.0 && v.fixed_cost >= 0.0) {
                return Err(Error::invalid("vehicle", "a shift must end after it starts; capacity and cost not negative"));
            }
        }
        for j in &self.jobs {
            if j.location >= n || !(j.service.is_finite() && j.service >= 0.0 && j.demand.is_finite() && j.demand >= 0.0) {
                return Err(Error::invalid("job", "location out of range, or a negative service time or demand"));
            }
            if j.fits.len() < classes {
                return Err(Error::invalid("job", "one fit per vehicle class"));
            }
            for f in j.fits.iter().flatten() {
                if !(f.earliest.is_finite() && f.latest.is_finite() && f.extra_cost.is_finite() && f.extra_cost >= 0.0) {
                    return Err(Error::invalid("job", "time windows must be numbers"));
                }
            }
        }
        Ok(())
    }

    #[inline]
    pub fn travel(&self, vehicle: &Vehicle, from: usize, to: usize) -> f64 {
        self.matrices[vehicle.profile].get(from, to)
    }
}

/// Routes for a problem: per vehicle, the jobs in the order they are served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    pub routes: Vec<Vec<usize>>,
    pub unassigned: Vec<usize>,
}

/// When each stop of one route happens (earliest times: leave as late as needed, never wait on the way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// When the vehicle leaves its start.
    pub depart: f64,
    pub arrivals: Vec<f64>,
    pub starts: Vec<f64>,
    /// Back at the end.
    pub back: f64,
    pub travel: f64,
}

/// Times of a route as the checker and the solver compute them: service starts at the earliest
/// moment (arrival or window opening), leaving the start at the shift's start; then the departure
/// is pushed as late as the first job allows, so nobody waits at the first door.
pub fn schedule(p: &Problem, vehicle: usize, jobs: &[usize]) -> Schedule {
    let v = &p.vehicles[vehicle];
    let mut t = v.shift.0;
    let mut at = v.start;
    let mut arrivals = Vec::with_capacity(jobs.len());
    let mut starts = Vec::with_capacity(jobs.len());
    let mut travel = 0.0;
    for &j in jobs {
        let job = &p.jobs[j];
        let leg = p.travel(v, at, job.location);
        travel += leg;
        let arrive = t + leg;
        let earliest = job.fits.get(v.class).copied().flatten().map_or(arrive, |f| f.earliest);
        let start = arrive.max(earliest);
        arrivals.push(arrive);
        starts.push(start);
        t = start + job.service;
        at = job.location;
    }
    let leg = p.travel(v, at, v.end);
    travel += leg;
    let back = t + leg;
    // Leave later so as to arrive at the first job when it opens (waiting at the start, not the door).
    let mut depart = v.shift.0;
    if let (Some(&first), Some(&a0), Some(&s0)) = (jobs.first(), arrivals.first(), starts.first()) {
        let _ = first;
        let wait = s0 - a0;
        if wait > 0.0 {
            depart += wait;
            arrivals[0] = s0;
        }
    }
    Schedule { depart, arrivals, starts, back, travel }
}
