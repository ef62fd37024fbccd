//! The one handle an app opens: `CareCircle`, over the core's handle.

use crate::error::CareCircleError;
use crate::time::{date_string, from_system_time, to_system_time};
use carecircle_core::clock::{Clock, ManualClock as CoreManualClock};
use carecircle_core::walk::WalkModel;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How the core measures walking and the service circle.
/// Start from [`default_settings`] and change what the app needs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Settings {
    /// Walking speed in metres per second (0.1 to 3; default 1.0, a comfortable senior gait).
    pub walk_speed_m_per_s: f64,
    /// Street distance over straight-line distance (1 to 3; default 1.3).
    pub detour_factor: f64,
    /// The service circle's size in walking minutes (1 to 120; default 15).
    pub circle_minutes: f64,
    /// A check-in or check-out farther than this many metres from the senior's home is
    /// flagged for review (10 to 10000; default 150).
    #[uniffi(default = 150.0)]
    pub checkin_flag_m: f64,
    /// How many minutes before a visit's start its caregiver may check in (default 60).
    #[uniffi(default = 60)]
    pub checkin_early_minutes: u32,
    /// How many caregivers a request is offered to at once (1 to 100; default 3).
    #[uniffi(default = 3)]
    pub offers_per_request: u32,
    /// An accepted visit not checked into by its end plus this many minutes is a no-show (default 30).
    #[uniffi(default = 30)]
    pub no_show_grace_minutes: u32,
    /// An alert nobody acknowledged in this many minutes goes to the next-nearest station (default 5).
    #[uniffi(default = 5)]
    pub alert_escalation_minutes: u32,
}

impl From<carecircle_core::Settings> for Settings {
    fn from(s: carecircle_core::Settings) -> Self {
        Settings {
            walk_speed_m_per_s: s.walk.speed_m_per_s,
            detour_factor: s.walk.detour_factor,
            circle_minutes: s.circle_minutes,
            checkin_flag_m: s.checkin_flag_m,
            checkin_early_minutes: s.checkin_early_minutes,
            offers_per_request: s.offers_per_request,
            no_show_grace_minutes: s.no_show_grace_minutes,
            alert_escalation_minutes: s.alert_escalation_minutes,
        }
    }
}

impl From<Settings> for carecircle_core::Settings {
    fn from(s: Settings) -> Self {
        // Checked by the core when a database opens.
        carecircle_core::Settings {
            walk: WalkModel { speed_m_per_s: s.walk_speed_m_per_s, detour_factor: s.detour_factor },
            circle_minutes: s.circle_minutes,
            checkin_flag_m: s.checkin_flag_m,
            checkin_early_minutes: s.checkin_early_minutes,
            offers_per_request: s.offers_per_request,
            no_show_grace_minutes: s.no_show_grace_minutes,
            alert_escalation_minutes: s.alert_escalation_minutes,
            // Platform-side settings: a phone never judges pushed times.
            ..carecircle_core::Settings::default()
        }
    }
}

/// The core's default settings: 1.0 m/s, detour 1.3, a 15-minute circle, check-ins flagged
/// beyond 150 m, three caregivers offered each request, alerts escalated after 5 minutes.
#[uniffi::export]
pub fn default_settings() -> Settings {
    carecircle_core::Settings::default().into()
}

/// CareCircle on this device: its database, indexes and settings. Safe to share between
/// threads. Queries (nearest, within, circle) take microseconds and may be called from
/// any thread; imports and coverage are `suspend`/`async`.
#[derive(uniffi::Object)]
pub struct CareCircle {
    pub(crate) inner: Arc<carecircle_core::CareCircle>,
}

#[uniffi::export]
impl CareCircle {
    /// Opens (creating if needed) the SQLite database at `path` and loads the indexes.
    #[uniffi::constructor]
    pub fn open(path: String, settings: Settings) -> Result<Arc<Self>, CareCircleError> {
        let inner = carecircle_core::CareCircle::open(path, settings.into())?;
        Ok(Arc::new(CareCircle { inner: Arc::new(inner) }))
    }

    /// A database that lives in memory only (for previews and tests).
    #[uniffi::constructor]
    pub fn open_in_memory(settings: Settings) -> Result<Arc<Self>, CareCircleError> {
        let inner = carecircle_core::CareCircle::open_in_memory(settings.into())?;
        Ok(Arc::new(CareCircle { inner: Arc::new(inner) }))
    }

    /// As `open`, on a clock of the caller's: **for tests and demos**, to act at a chosen time
    /// (a check-in window, a meal cut-off, an alert escalation). Apps use `open`.
    #[uniffi::constructor]
    pub fn open_with_clock(path: String, settings: Settings, clock: Arc<ManualClock>) -> Result<Arc<Self>, CareCircleError> {
        let inner = carecircle_core::CareCircle::open_with_clock(path, settings.into(), clock.inner.clone() as Arc<dyn Clock>)?;
        Ok(Arc::new(CareCircle { inner: Arc::new(inner) }))
    }

    /// As `openInMemory`, on a clock of the caller's (**for tests and demos**).
    #[uniffi::constructor]
    pub fn open_in_memory_with_clock(settings: Settings, clock: Arc<ManualClock>) -> Result<Arc<Self>, CareCircleError> {
        let inner = carecircle_core::CareCircle::open_in_memory_with_clock(settings.into(), clock.inner.clone() as Arc<dyn Clock>)?;
        Ok(Arc::new(CareCircle { inner: Arc::new(inner) }))
    }

    /// The settings this database was opened with.
    pub fn settings(&self) -> Settings {
        self.inner.settings().clone().into()
    }

    /// The current instant, as CareCircle's rules see it (the device clock, or a `ManualClock`).
    pub fn now(&self) -> SystemTime {
        to_system_time(self.inner.now())
    }

    /// Today's date in Shanghai, "2026-11-24" (for "order for today").
    pub fn today(&self) -> String {
        date_string(self.inner.today())
    }
}

/// A clock that moves only when told to, **for tests and demos** (see
/// `CareCircle.openInMemoryWithClock`): cut-offs, check-in windows and escalations can then be
/// reached without waiting. Apps never need one.
#[derive(uniffi::Object)]
pub struct ManualClock {
    inner: Arc<CoreManualClock>,
}

#[uniffi::export]
impl ManualClock {
    /// A clock standing at `now`; an instant the core cannot represent stands at the epoch.
    #[uniffi::constructor]
    pub fn new(now: SystemTime) -> Arc<Self> {
        let start = from_system_time(now).unwrap_or(chrono::DateTime::UNIX_EPOCH);
        Arc::new(ManualClock { inner: Arc::new(CoreManualClock::new(start)) })
    }

    /// Moves the clock to `now` (forwards or back); an out-of-range instant is ignored.
    pub fn set(&self, now: SystemTime) {
        if let Some(t) = from_system_time(now) {
            self.inner.set(t);
        }
    }

    /// Moves the clock forwards by `by` (a `java.time.Duration`, a Swift `TimeInterval`); a
    /// move past the end of time is ignored.
    pub fn advance(&self, by: Duration) {
        // Checked here: the core's `advance` would panic past the end of time.
        if let Some(t) = chrono::TimeDelta::from_std(by).ok().and_then(|d| self.inner.now().checked_add_signed(d)) {
            self.inner.set(t);
        }
    }

    pub fn now(&self) -> SystemTime {
        to_system_time(self.inner.now())
    }
}
