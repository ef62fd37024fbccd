//! The one handle a front end opens: storage, the in-memory indexes and the settings.

use crate::catalogue::FacilityTable;
use crate::event::EventBus;
use crate::person::CaregiverTable;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::walk::WalkModel;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub walk: WalkModel,
    /// The service circle's size in walking minutes (15 in the Shaoxing regulation).
    pub circle_minutes: f64,
    /// A check-in or check-out farther than this from the senior's home is flagged for review.
    pub checkin_flag_m: f64,
    /// How long before a visit's start its caregiver may check in.
    pub checkin_early_minutes: u32,
    /// How many caregivers a request is offered to at once.
    pub offers_per_request: u32,
    /// An accepted visit not checked into by its end plus this is a no-show.
    pub no_show_grace_minutes: u32,
    /// An alert nobody acknowledged in this time goes to the next-nearest station.
    pub alert_escalation_minutes: u32,
    /// A pushed check-in or check-out whose claimed time lies further than this before it
    /// reached the platform rests on the phone's word: the visit is flagged for review.
    pub phone_time_tolerance_minutes: u32,
    /// How far back a phone's claimed time is believed at all (its offline window).
    pub max_offline_days: u32,
    /// Judge walks along the district's walking network when it has one (else, and when
    /// false, straight line × detour factor).
    #[serde(default = "yes")]
    pub use_network: bool,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            walk: WalkModel::default(),
            circle_minutes: 15.0,
            checkin_flag_m: 150.0,
            checkin_early_minutes: 60,
            offers_per_request: 3,
            no_show_grace_minutes: 30,
            alert_escalation_minutes: 5,
            phone_time_tolerance_minutes: 15,
            max_offline_days: 7,
            use_network: true,
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        WalkModel::new(self.walk.speed_m_per_s, self.walk.detour_factor)?;
        if !(self.circle_minutes.is_finite() && (1.0..=120.0).contains(&self.circle_minutes)) {
            return Err(Error::invalid("circle minutes", "must be between 1 and 120"));
        }
        if !(self.checkin_flag_m.is_finite() && (10.0..=10_000.0).contains(&self.checkin_flag_m)) {
            return Err(Error::invalid("check-in distance", "must be between 10 and 10000 m"));
        }
        if !(1..=100).contains(&self.offers_per_request) {
            return Err(Error::invalid("offers per request", "must be between 1 and 100"));
        }
        if !(1..=30).contains(&self.max_offline_days) {
            return Err(Error::invalid("offline days", "must be between 1 and 30"));
        }
        if self.checkin_early_minutes > 24 * 60 || self.phone_time_tolerance_minutes > 24 * 60 || self.no_show_grace_minutes > 24 * 60 || !(1..=24 * 60).contains(&self.alert_escalation_minutes) {
            return Err(Error::invalid("minutes", "at most a day"));
        }
        Ok(())
    }
}

pub struct CareCircle {
    pub(crate) store: Store,
    pub(crate) facilities: RwLock<FacilityTable>,
    pub(crate) caregivers: RwLock<CaregiverTable>,
    pub(crate) events: Arc<EventBus>,
    /// Held across commit and delivery while there are listeners.
    pub(crate) write_order: std::sync::Mutex<()>,
    pub(crate) settings: Settings,
    pub(crate) clock: Arc<dyn Clock>,
    /// Versions of the indexes above, to notice other handles' changes (see `freshness`).
    pub(crate) freshness: crate::freshness::Freshness,
    /// Whether this database is a phone's replica of the platform (see `sync`).
    pub(crate) replica: crate::sync::Replica,
    /// The walking network, read on first use, and its coverage fields (see `network`).
    pub(crate) network: crate::network::NetworkState,
}

impl CareCircle {
    /// Opens (creating if needed) the database at `path` and loads the indexes.
    pub fn open(path: impl AsRef<Path>, settings: Settings) -> Result<Self> {
        Self::with_store(Store::open(path)?, settings, Arc::new(SystemClock))
    }

    pub fn open_in_memory(settings: Settings) -> Result<Self> {
        Self::with_store(Store::open_in_memory()?, settings, Arc::new(SystemClock))
    }

    /// As [`CareCircle::open`], with a clock of the caller's (tests drive time with it).
    pub fn open_with_clock(path: impl AsRef<Path>, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::with_store(Store::open(path)?, settings, clock)
    }

    pub fn open_in_memory_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::with_store(Store::open_in_memory()?, settings, clock)
    }

    /// Opens on a database of the caller's (the district server's PostgreSQL).
    pub fn open_on(db: Box<dyn crate::db::Database>, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::with_store(Store::on(db)?, settings, clock)
    }

    fn with_store(store: Store, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        settings.validate()?;
        // Versions first: a change between the two reads makes the indexes newer, never older.
        let versions = store.read(crate::freshness::versions)?;
        let replica = store.read(crate::sync::Replica::load)?;
        let (facilities, caregivers) = store.read(|sql| Ok((FacilityTable::load(sql)?, CaregiverTable::load(sql)?)))?;
        Ok(CareCircle {
            store,
            facilities: RwLock::new(facilities),
            caregivers: RwLock::new(caregivers),
            events: Arc::new(EventBus::default()),
            write_order: std::sync::Mutex::new(()),
            settings,
            clock,
            freshness: crate::freshness::Freshness::new(versions),
            replica,
            network: crate::network::NetworkState::default(),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub(crate) fn facilities(&self) -> RwLockReadGuard<'_, FacilityTable> {
        self.facilities.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn facilities_mut(&self) -> RwLockWriteGuard<'_, FacilityTable> {
        self.facilities.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn caregivers(&self) -> RwLockReadGuard<'_, CaregiverTable> {
        self.caregivers.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn caregivers_mut(&self) -> RwLockWriteGuard<'_, CaregiverTable> {
        self.caregivers.write().unwrap_or_else(|e| e.into_inner())
    }
}
