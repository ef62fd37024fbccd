//! Keeping the in-memory indexes (facilities, caregivers) fresh when several handles share one
//! database: the district's server instances on one PostgreSQL, or a CLI beside a running server
//! on one SQLite file. Every change to facilities or caregivers bumps a version row in the same
//! transaction; a handle compares the versions with those its indexes were loaded at (at most
//! once per refresh interval, before queries and before every write, so matching sees them) and
//! reloads an index that another handle changed. Its own changes update the index in place.

use crate::args;
use crate::carecircle::CareCircle;
use crate::db::{Sql, SqlExt};
use crate::error::Result;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(crate) const FACILITIES: usize = 0;
pub(crate) const CAREGIVERS: usize = 1;
pub(crate) const NETWORK: usize = 2;
const NAMES: [&str; 3] = ["facility", "caregiver", "walk_network"];
const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

pub(crate) struct Freshness {
    seen: [AtomicI64; 3],
    epoch: Instant,
    /// Milliseconds after `epoch` of the last check, plus one (0: never).
    last_check_ms: AtomicU64,
    interval_ms: AtomicU64,
}

impl Freshness {
    pub(crate) fn new(versions: [i64; 3]) -> Self {
        Freshness {
            seen: [AtomicI64::new(versions[0]), AtomicI64::new(versions[1]), AtomicI64::new(versions[2])],
            epoch: Instant::now(),
            last_check_ms: AtomicU64::new(0),
            interval_ms: AtomicU64::new(DEFAULT_INTERVAL.as_millis() as u64),
        }
    }

    /// This handle committed version `version` of index `which` and updated the index itself:
    /// if it had every earlier version, it is current.
    pub(crate) fn applied(&self, which: usize, version: i64) {
        let _ = self.seen[which].compare_exchange(version - 1, version, Ordering::AcqRel, Ordering::Acquire);
    }

    fn due(&self) -> bool {
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let last = self.last_check_ms.load(Ordering::Acquire);
        let interval = self.interval_ms.load(Ordering::Relaxed);
        last == 0 || now.saturating_sub(last) >= interval && self.last_check_ms.compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }
}

/// The versions of the facility and caregiver indexes and of the walking network in the database.
pub(crate) fn versions(sql: &dyn Sql) -> Result<[i64; 3]> {
    let mut out = [0, 0, 0];
    for r in sql.query("SELECT name, version FROM index_version", &[])? {
        let name: String = r.get(0)?;
        if let Some(i) = NAMES.iter().position(|n| *n == name) {
            out[i] = r.get(1)?;
        }
    }
    Ok(out)
}

/// Records, in the transaction that changes them, that facilities or caregivers changed; returns the new version.
pub(crate) fn bump(tx: &dyn Sql, which: usize) -> Result<i64> {
    tx.execute("UPDATE index_version SET version = version + 1 WHERE name = ?1", args![NAMES[which]])?;
    tx.scalar("SELECT version FROM index_version WHERE name = ?1", args![NAMES[which]])
}

impl CareCircle {
    /// Reloads the facility and caregiver indexes if another handle changed them; true if any was reloaded.
    pub fn refresh_indexes(&self) -> Result<bool> {
        let now = self.store.read(versions)?;
        self.freshness.last_check_ms.store(self.freshness.epoch.elapsed().as_millis() as u64 + 1, Ordering::Release);
        let mut reloaded = false;
        if now[FACILITIES] != self.freshness.seen[FACILITIES].load(Ordering::Acquire) {
            let fresh = self.store.read(crate::catalogue::FacilityTable::load)?;
            *self.facilities_mut() = fresh;
            self.freshness.seen[FACILITIES].store(now[FACILITIES], Ordering::Release);
            reloaded = true;
        }
        if now[CAREGIVERS] != self.freshness.seen[CAREGIVERS].load(Ordering::Acquire) {
            let fresh = self.store.read(crate::person::CaregiverTable::load)?;
            *self.caregivers_mut() = fresh;
            self.freshness.seen[CAREGIVERS].store(now[CAREGIVERS], Ordering::Release);
            reloaded = true;
        }
        if now[NETWORK] != self.freshness.seen[NETWORK].load(Ordering::Acquire) {
            // Read again on next use: most handles never walk.
            self.network.invalidate();
            self.freshness.seen[NETWORK].store(now[NETWORK], Ordering::Release);
            reloaded = true;
        }
        Ok(reloaded)
    }

    /// How often queries and writes check for other handles' changes (default 100 ms; zero: every time).
    pub fn set_index_refresh_interval(&self, interval: Duration) {
        self.freshness.interval_ms.store(interval.as_millis() as u64, Ordering::Relaxed);
    }

    /// Called before queries and writes; never inside a transaction. A failed check is retried next time.
    pub(crate) fn refresh_indexes_if_due(&self) {
        if self.freshness.due() {
            let _ = self.refresh_indexes();
        }
    }
}
