//! Walking time for seniors.
//!
//! Defaults: 1.0 m/s, a comfortable gait for people over 70 (younger adults walk about
//! 1.3 m/s; studies of older pedestrians report 0.9-1.2 m/s), and a detour factor of 1.3
//! from straight line to street distance in Chinese urban grids. With these, the
//! 15-minute circle reaches about 690 m in a straight line.
//!
//! Once the district has a walking network (`network`), walks are measured along it and the
//! detour factor no longer applies: 15 minutes are 900 m of walking.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WalkModel {
    pub speed_m_per_s: f64,
    pub detour_factor: f64,
}

impl Default for WalkModel {
    fn default() -> Self {
        WalkModel { speed_m_per_s: 1.0, detour_factor: 1.3 }
    }
}

impl WalkModel {
    pub fn new(speed_m_per_s: f64, detour_factor: f64) -> Result<Self> {
        if !(speed_m_per_s.is_finite() && (0.1..=3.0).contains(&speed_m_per_s)) {
            return Err(Error::invalid("walking speed", "must be between 0.1 and 3 m/s"));
        }
        if !(detour_factor.is_finite() && (1.0..=3.0).contains(&detour_factor)) {
            return Err(Error::invalid("detour factor", "must be between 1 and 3"));
        }
        Ok(WalkModel { speed_m_per_s, detour_factor })
    }

    /// Minutes to walk to a place `distance_m` away in a straight line.
    pub fn minutes(&self, distance_m: f64) -> f64 {
        distance_m * self.detour_factor / self.speed_m_per_s / 60.0
    }

    /// Minutes to walk `metres` along the walking network: no detour factor, the network has the detours.
    pub fn minutes_on_network(&self, metres: f64) -> f64 {
        metres / self.speed_m_per_s / 60.0
    }

    /// Straight-line reach of a walk of `minutes`.
    pub fn reach_m(&self, minutes: f64) -> f64 {
        minutes * 60.0 * self.speed_m_per_s / self.detour_factor
    }
}
