//! The one handle a front end opens: storage, the in-memory indexes and the settings.

use crate::catalogue::FacilityTable;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::walk::WalkModel;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub walk: WalkModel,
    /// The service circle's size in walking minutes (15 in the Shaoxing regulation).
    pub circle_minutes: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { walk: WalkModel::default(), circle_minutes: 15.0 }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        WalkModel::new(self.walk.speed_m_per_s, self.walk.detour_factor)?;
        if !(self.circle_minutes.is_finite() && (1.0..=120.0).contains(&self.circle_minutes)) {
            return Err(Error::invalid("circle minutes", "must be between 1 and 120"));
        }
        Ok(())
    }
}

pub struct CareCircle {
    pub(crate) store: Store,
    pub(crate) facilities: RwLock<FacilityTable>,
    pub(crate) settings: Settings,
    pub(crate) clock: Arc<dyn Clock>,
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

    fn with_store(store: Store, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        settings.validate()?;
        let facilities = FacilityTable::load(&store.conn())?;
        Ok(CareCircle { store, facilities: RwLock::new(facilities), settings, clock })
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
}
