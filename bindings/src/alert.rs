//! Emergency calls (助急): a senior's SOS with its position tells the family members who
//! receive alerts and the nearest station, and escalates when nobody answers in time.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::position::{Crs, wgs84};
use crate::time::to_system_time;
use carecircle_core::alert::Alert as CoreAlert;
use std::time::SystemTime;

/// An SOS and who answers it. The position is WGS-84. (Named so as not to clash with
/// SwiftUI's `Alert`.)
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EmergencyAlert {
    pub id: String,
    pub senior_id: String,
    pub lat: f64,
    pub lon: f64,
    /// "raised", "acknowledged" or "resolved".
    pub state: String,
    /// The station answering now, or "district".
    pub station_id: Option<String>,
    pub raised_by: String,
    pub raised_at: SystemTime,
    /// When the current station (or the district) was told.
    pub notified_at: SystemTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<SystemTime>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<SystemTime>,
    /// How it was dealt with.
    pub note: String,
}

impl From<CoreAlert> for EmergencyAlert {
    fn from(a: CoreAlert) -> Self {
        EmergencyAlert {
            id: a.id,
            senior_id: a.senior_id,
            lat: a.at.lat,
            lon: a.at.lon,
            state: a.state,
            station_id: a.station_id,
            raised_by: a.raised_by,
            raised_at: to_system_time(a.raised_at),
            notified_at: to_system_time(a.notified_at),
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: a.acknowledged_at.map(to_system_time),
            resolved_by: a.resolved_by,
            resolved_at: a.resolved_at.map(to_system_time),
            note: a.note,
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// A senior's SOS at `lat`, `lon` in `crs` (from the senior's phone or watch, a family
    /// member, the station, or a caregiver on a visit). Listeners hear `alert_raised` and an
    /// `alert_notified` per family member who receives alerts.
    pub fn raise_alert(&self, actor: Actor, senior_id: String, lat: f64, lon: f64, crs: Crs) -> Result<EmergencyAlert, CareCircleError> {
        Ok(self.inner.raise_alert(&actor.core(), &senior_id, wgs84(lat, lon, crs)?)?.into())
    }

    /// Passes alerts nobody acknowledged in time to the next-nearest station (finally the
    /// district). Run it on a timer; returns the alerts escalated.
    pub fn escalate_alerts(&self) -> Result<Vec<EmergencyAlert>, CareCircleError> {
        Ok(self.inner.escalate_alerts()?.into_iter().map(Into::into).collect())
    }

    /// Someone who was told takes the alert (an alerted station's operator, a family member
    /// who receives alerts, the district).
    pub fn acknowledge_alert(&self, actor: Actor, alert_id: String) -> Result<EmergencyAlert, CareCircleError> {
        Ok(self.inner.acknowledge_alert(&actor.core(), &alert_id)?.into())
    }

    /// The alert is dealt with; `note` says how.
    pub fn resolve_alert(&self, actor: Actor, alert_id: String, note: String) -> Result<EmergencyAlert, CareCircleError> {
        Ok(self.inner.resolve_alert(&actor.core(), &alert_id, &note)?.into())
    }

    pub fn alert(&self, id: String) -> Result<EmergencyAlert, CareCircleError> {
        Ok(self.inner.alert(&id)?.into())
    }

    /// Alerts not yet resolved, oldest first.
    pub fn open_alerts(&self) -> Result<Vec<EmergencyAlert>, CareCircleError> {
        Ok(self.inner.open_alerts()?.into_iter().map(Into::into).collect())
    }
}
