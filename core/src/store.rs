//! On-device storage: one SQLite file in WAL mode, versioned migrations, and
//! transactions for every multi-row change.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Schema migrations, applied in order; the database's `user_version` is the number applied.
/// Append only: a released migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: the facility catalogue. Services are stored as their codes, comma-separated,
    // so the file stays readable and survives new services being added.
    "CREATE TABLE facility (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        hours TEXT NOT NULL DEFAULT '',
        services TEXT NOT NULL DEFAULT '',
        capacity INTEGER NOT NULL DEFAULT 0,
        division TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX facility_updated ON facility(updated_at);",
    // 2: people, assessment, service terms, bookings and offers, visits (EVV), district rules, events.
    "CREATE TABLE senior (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        gender TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        lives_alone INTEGER NOT NULL DEFAULT 0,
        phone TEXT NOT NULL DEFAULT '',
        station_id TEXT,
        division TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE family_member (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '');
    CREATE TABLE family_link (
        senior_id TEXT NOT NULL REFERENCES senior(id),
        family_id TEXT NOT NULL REFERENCES family_member(id),
        relation TEXT NOT NULL DEFAULT '',
        can_book INTEGER NOT NULL DEFAULT 0,
        can_see_visits INTEGER NOT NULL DEFAULT 0,
        receives_alerts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (senior_id, family_id)
    );
    CREATE TABLE caregiver (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        organisation TEXT NOT NULL DEFAULT '',
        station_id TEXT,
        skills TEXT NOT NULL DEFAULT '',
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        radius_m REAL NOT NULL,
        availability TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE assessment (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        assessor TEXT NOT NULL,
        date TEXT NOT NULL,
        scores TEXT NOT NULL,
        conditions TEXT NOT NULL,
        total INTEGER NOT NULL,
        level TEXT NOT NULL
    );
    CREATE INDEX assessment_senior ON assessment(senior_id, date);
    CREATE TABLE service_terms (
        service TEXT PRIMARY KEY NOT NULL,
        duration_minutes INTEGER NOT NULL,
        price_fen_per_hour INTEGER NOT NULL,
        government_paid INTEGER NOT NULL
    );
    -- Defaults a district edits: home-visit services, typical Ningbo prices (fen per hour).
    INSERT INTO service_terms VALUES
        ('cleaning', 120, 3500, 1), ('bathing', 60, 6000, 1), ('companionship', 60, 3000, 1),
        ('mobility', 60, 4000, 1), ('meals', 60, 3000, 1), ('rehabilitation', 60, 8000, 0),
        ('medical', 60, 8000, 0), ('emergency', 60, 0, 1);
    CREATE TABLE booking (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        service TEXT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        state TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        caregiver_id TEXT,
        note TEXT NOT NULL DEFAULT '',
        cancelled_by TEXT,
        reason TEXT,
        price_fen_per_hour INTEGER NOT NULL,
        government_paid INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX booking_senior ON booking(senior_id, start_at);
    CREATE INDEX booking_caregiver ON booking(caregiver_id, start_at);
    CREATE INDEX booking_state ON booking(state, start_at);
    CREATE TABLE offer (
        booking_id TEXT NOT NULL REFERENCES booking(id),
        caregiver_id TEXT NOT NULL,
        status TEXT NOT NULL,
        distance_m REAL NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (booking_id, caregiver_id)
    );
    CREATE INDEX offer_caregiver ON offer(caregiver_id, status);
    CREATE TABLE visit (
        booking_id TEXT PRIMARY KEY NOT NULL REFERENCES booking(id),
        service TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        caregiver_id TEXT NOT NULL,
        check_in_at TEXT NOT NULL,
        check_in_lat REAL NOT NULL,
        check_in_lon REAL NOT NULL,
        check_in_distance_m REAL NOT NULL,
        check_out_at TEXT,
        check_out_lat REAL,
        check_out_lon REAL,
        check_out_distance_m REAL,
        flagged INTEGER NOT NULL DEFAULT 0,
        review TEXT,
        reviewed_by TEXT,
        reviewed_at TEXT
    );
    CREATE INDEX visit_senior ON visit(senior_id, check_in_at);
    CREATE TABLE district_rules (district TEXT PRIMARY KEY NOT NULL, rules TEXT NOT NULL);
    CREATE TABLE event (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        party_id TEXT,
        detail TEXT NOT NULL DEFAULT ''
    );",
];

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        Self::init(conn, true)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, false)
    }

    fn init(mut conn: Connection, wal: bool) -> Result<Self> {
        if wal {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            debug_assert_eq!(mode.to_ascii_lowercase(), "wal");
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")?;
        migrate(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    /// The connection, for reads and single statements.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-written state: open
        // transactions roll back on drop. So a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one immediate transaction: all of it is committed, or none.
    pub fn transaction<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, which sort as text.
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn parse_ts(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&chrono::Utc)).map_err(|_| Error::invalid("timestamp", "corrupt value in the database"))
}

pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = schema_version();
    if found > known {
        return Err(Error::SchemaTooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_and_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, schema_version());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 999).unwrap();
        assert!(matches!(Store::open(&path), Err(Error::SchemaTooNew { found: 999, .. })));
    }
}
