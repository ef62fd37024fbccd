//! On-device storage: one SQLite file in WAL mode, versioned migrations, and
//! transactions for every multi-row change.

use crate::db::{Database, Dialect, Sql, SqlExt, SqliteDb};
use crate::error::{Error, Result};
use std::path::Path;

/// Schema migrations, applied in order; the database's `user_version` is the number applied.
/// Append only: a released migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: the facility catalogue. Services are stored as their codes, comma-separated,
    // so the file stays readable and survives new services being added.
    "CREATE TABLE facility (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        lat DOUBLE PRECISION NOT NULL,
        lon DOUBLE PRECISION NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        hours TEXT NOT NULL DEFAULT '',
        services TEXT NOT NULL DEFAULT '',
        capacity BIGINT NOT NULL DEFAULT 0,
        division TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        deleted BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX facility_updated ON facility(updated_at);",
    // 2: people, assessment, service terms, bookings and offers, visits (EVV), district rules, events.
    "CREATE TABLE senior (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        gender TEXT NOT NULL,
        lat DOUBLE PRECISION NOT NULL,
        lon DOUBLE PRECISION NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        lives_alone BIGINT NOT NULL DEFAULT 0,
        phone TEXT NOT NULL DEFAULT '',
        station_id TEXT,
        division TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE family_member (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '');
    CREATE TABLE family_link (
        senior_id TEXT NOT NULL REFERENCES senior(id),
        family_id TEXT NOT NULL REFERENCES family_member(id),
        relation TEXT NOT NULL DEFAULT '',
        can_book BIGINT NOT NULL DEFAULT 0,
        can_see_visits BIGINT NOT NULL DEFAULT 0,
        receives_alerts BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (senior_id, family_id)
    );
    CREATE TABLE caregiver (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        organisation TEXT NOT NULL DEFAULT '',
        station_id TEXT,
        skills TEXT NOT NULL DEFAULT '',
        lat DOUBLE PRECISION NOT NULL,
        lon DOUBLE PRECISION NOT NULL,
        radius_m DOUBLE PRECISION NOT NULL,
        availability TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE assessment (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        assessor TEXT NOT NULL,
        date TEXT NOT NULL,
        scores TEXT NOT NULL,
        conditions TEXT NOT NULL,
        total BIGINT NOT NULL,
        level TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX assessment_senior ON assessment(senior_id, date);
    CREATE TABLE service_terms (
        service TEXT PRIMARY KEY NOT NULL,
        duration_minutes BIGINT NOT NULL,
        price_fen_per_hour BIGINT NOT NULL,
        government_paid BIGINT NOT NULL
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
        price_fen_per_hour BIGINT NOT NULL,
        government_paid BIGINT NOT NULL,
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
        distance_m DOUBLE PRECISION NOT NULL,
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
        check_in_lat DOUBLE PRECISION NOT NULL,
        check_in_lon DOUBLE PRECISION NOT NULL,
        check_in_distance_m DOUBLE PRECISION NOT NULL,
        check_out_at TEXT,
        check_out_lat DOUBLE PRECISION,
        check_out_lon DOUBLE PRECISION,
        check_out_distance_m DOUBLE PRECISION,
        flagged BIGINT NOT NULL DEFAULT 0,
        review TEXT,
        reviewed_by TEXT,
        reviewed_at TEXT
    );
    CREATE INDEX visit_senior ON visit(senior_id, check_in_at);
    CREATE TABLE district_rules (district TEXT PRIMARY KEY NOT NULL, rules TEXT NOT NULL);
    CREATE TABLE event (
        seq {serial},
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        party_id TEXT,
        detail TEXT NOT NULL DEFAULT ''
    );",
    // 3: meal help, assistive-device rental, emergency alerts, the time bank.
    "CREATE TABLE canteen (
        facility_id TEXT PRIMARY KEY NOT NULL REFERENCES facility(id),
        delivery_radius_m DOUBLE PRECISION NOT NULL,
        cutoffs TEXT NOT NULL
    );
    CREATE TABLE menu (
        facility_id TEXT NOT NULL REFERENCES canteen(facility_id),
        date TEXT NOT NULL,
        meal TEXT NOT NULL,
        dishes TEXT NOT NULL,
        price_fen BIGINT NOT NULL,
        capacity BIGINT NOT NULL,
        seats BIGINT NOT NULL,
        PRIMARY KEY (facility_id, date, meal)
    );
    CREATE TABLE meal_order (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        facility_id TEXT NOT NULL,
        date TEXT NOT NULL,
        meal TEXT NOT NULL,
        mode TEXT NOT NULL,
        price_fen BIGINT NOT NULL,
        subsidy_fen BIGINT NOT NULL,
        state TEXT NOT NULL,
        ordered_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        cancelled_by TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX meal_order_menu ON meal_order(facility_id, date, meal, state);
    CREATE INDEX meal_order_senior ON meal_order(senior_id, date);
    CREATE TABLE device_stock (
        facility_id TEXT NOT NULL REFERENCES facility(id),
        device TEXT NOT NULL,
        total BIGINT NOT NULL,
        deposit_fen BIGINT NOT NULL,
        daily_fee_fen BIGINT NOT NULL,
        PRIMARY KEY (facility_id, device)
    );
    CREATE TABLE rental (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        facility_id TEXT NOT NULL,
        device TEXT NOT NULL,
        state TEXT NOT NULL,
        deposit_fen BIGINT NOT NULL,
        daily_fee_fen BIGINT NOT NULL,
        fee_fen BIGINT,
        reserved_by TEXT NOT NULL,
        reserved_at TEXT NOT NULL,
        picked_up_at TEXT,
        returned_at TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX rental_stock ON rental(facility_id, device, state);
    CREATE TABLE alert (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        lat DOUBLE PRECISION NOT NULL,
        lon DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL,
        station_id TEXT,
        raised_by TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        notified_at TEXT NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        resolved_by TEXT,
        resolved_at TEXT,
        note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE INDEX alert_state ON alert(state, notified_at);
    CREATE TABLE alert_station (alert_id TEXT NOT NULL REFERENCES alert(id), station_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (alert_id, station_id));
    CREATE TABLE timebank_account (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        birth_date TEXT,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE volunteer_service (
        id TEXT PRIMARY KEY NOT NULL,
        volunteer_id TEXT NOT NULL REFERENCES timebank_account(id),
        senior_id TEXT NOT NULL REFERENCES senior(id),
        service TEXT NOT NULL,
        minutes BIGINT NOT NULL,
        verified_by TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE ledger_entry (
        seq {serial},
        txn_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        minutes BIGINT NOT NULL,
        kind TEXT NOT NULL,
        reference TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX ledger_account ON ledger_entry(account_id);
    CREATE INDEX ledger_txn ON ledger_entry(txn_id);
    CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    // 4: sync. On the platform: the change log that pulls read (in commit order, see `sync`),
    // receipts of pushed changes, accounts and sessions. On phones: the outbox, the sync state
    // and the platform's events. Both: versions of the in-memory indexes (see `freshness`).
    "CREATE TABLE change_log (
        version BIGINT NOT NULL,
        n BIGINT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        senior_id TEXT,
        party_id TEXT,
        PRIMARY KEY (version, n)
    );
    CREATE INDEX change_log_entity ON change_log(entity, entity_id);
    CREATE TABLE change_version (version {serial});
    CREATE TABLE index_version (name TEXT PRIMARY KEY NOT NULL, version BIGINT NOT NULL);
    INSERT INTO index_version (name, version) VALUES ('facility', 0), ('caregiver', 0);
    CREATE INDEX senior_station ON senior(station_id);
    CREATE INDEX caregiver_station ON caregiver(station_id);
    CREATE INDEX family_link_family ON family_link(family_id);
    CREATE TABLE sync_receipt (
        actor TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        result TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (actor, idem_key)
    );
    CREATE TABLE account (
        login TEXT PRIMARY KEY NOT NULL,
        actor TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE session (
        token_hash TEXT PRIMARY KEY NOT NULL,
        login TEXT NOT NULL REFERENCES account(login),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX session_expiry ON session(expires_at);
    CREATE TABLE outbox (
        seq {serial},
        idem_key TEXT NOT NULL UNIQUE,
        actor TEXT NOT NULL,
        command TEXT NOT NULL,
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        error_code TEXT,
        error TEXT,
        refreshed BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE sync_state (
        id BIGINT PRIMARY KEY NOT NULL,
        server TEXT NOT NULL,
        login TEXT NOT NULL,
        cursor TEXT NOT NULL DEFAULT '',
        token TEXT,
        token_expires_at TEXT,
        synced_at TEXT
    );
    CREATE TABLE sync_event (
        seq BIGINT PRIMARY KEY NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        party_id TEXT,
        detail TEXT NOT NULL DEFAULT ''
    );",
    // Care plans and caregivers' absences, family-doctor contracts and health checks, subsidy
    // applications with their history, ratings and complaints (plan, doctor, subsidy, rating).
    "CREATE TABLE care_plan (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        kind TEXT NOT NULL,
        items TEXT NOT NULL,
        regular_caregiver_id TEXT,
        over_quota TEXT NOT NULL,
        starts_on TEXT NOT NULL,
        ends_on TEXT,
        state TEXT NOT NULL,
        generated_through TEXT,
        note TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX care_plan_senior ON care_plan(senior_id, state);
    CREATE TABLE plan_occurrence (
        plan_id TEXT NOT NULL REFERENCES care_plan(id),
        date TEXT NOT NULL,
        item BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        booking_id TEXT,
        PRIMARY KEY (plan_id, date, item)
    );
    CREATE INDEX plan_occurrence_booking ON plan_occurrence(booking_id);
    CREATE TABLE caregiver_absence (
        id TEXT PRIMARY KEY NOT NULL,
        caregiver_id TEXT NOT NULL,
        from_date TEXT NOT NULL,
        to_date TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        recorded_by TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX caregiver_absence_dates ON caregiver_absence(to_date, from_date);
    CREATE TABLE doctor_contract (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        doctor_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        starts_on TEXT NOT NULL,
        ends_on TEXT NOT NULL,
        services TEXT NOT NULL,
        state TEXT NOT NULL,
        signed_by TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX doctor_contract_senior ON doctor_contract(senior_id, starts_on);
    CREATE INDEX doctor_contract_dates ON doctor_contract(ends_on, starts_on);
    CREATE TABLE health_check (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        date TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        doctor_id TEXT,
        summary TEXT NOT NULL DEFAULT '',
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX health_check_senior ON health_check(senior_id, date);
    CREATE TABLE health_check_reminder (
        senior_id TEXT NOT NULL,
        due_on TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (senior_id, due_on)
    );
    CREATE TABLE subsidy_application (
        id TEXT PRIMARY KEY NOT NULL,
        senior_id TEXT NOT NULL REFERENCES senior(id),
        kind TEXT NOT NULL,
        assessment_id TEXT,
        assessment_level TEXT,
        note TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        applied_by TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        monthly_hours DOUBLE PRECISION,
        meal_fen BIGINT,
        deposit_waived BIGINT,
        fee_share DOUBLE PRECISION,
        valid_from TEXT,
        valid_until TEXT,
        reason TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX subsidy_senior ON subsidy_application(senior_id, kind, state);
    CREATE INDEX subsidy_state ON subsidy_application(state, kind);
    CREATE TABLE subsidy_step (
        application_id TEXT NOT NULL REFERENCES subsidy_application(id),
        n BIGINT NOT NULL,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (application_id, n)
    );
    CREATE TABLE rating (
        id TEXT PRIMARY KEY NOT NULL,
        subject TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        org_kind TEXT NOT NULL,
        org TEXT NOT NULL,
        month TEXT NOT NULL,
        stars BIGINT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        rated_by TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (subject, subject_id)
    );
    CREATE INDEX rating_month ON rating(month, org_kind, org);
    CREATE INDEX rating_senior ON rating(senior_id);
    CREATE TABLE complaint (
        id TEXT PRIMARY KEY NOT NULL,
        subject TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        org_kind TEXT NOT NULL,
        org TEXT NOT NULL,
        month TEXT NOT NULL,
        text TEXT NOT NULL,
        by_actor TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (subject, subject_id, by_actor)
    );
    CREATE INDEX complaint_month ON complaint(month, org_kind, org);",
    // 6: administrative divisions with names, centres and outlines (the one map and reports).
    "CREATE TABLE division (
        code TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        level TEXT NOT NULL,
        parent TEXT NOT NULL DEFAULT '',
        lat DOUBLE PRECISION,
        lon DOUBLE PRECISION,
        outline TEXT NOT NULL DEFAULT '[]'
    );",
    // 7: trust. When each pushed change arrived beside the time its phone claimed; when a visit's
    // check-in and check-out reached the platform; who read or changed health and location records.
    "ALTER TABLE sync_receipt ADD COLUMN claimed_at TEXT;
    ALTER TABLE sync_receipt ADD COLUMN received_at TEXT;
    ALTER TABLE visit ADD COLUMN check_in_received_at TEXT;
    ALTER TABLE visit ADD COLUMN check_out_received_at TEXT;
    CREATE TABLE audit_log (
        seq {serial},
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        record TEXT NOT NULL,
        record_id TEXT NOT NULL,
        senior_id TEXT NOT NULL
    );
    CREATE INDEX audit_log_senior ON audit_log(senior_id, seq);",
    // 8: consent on both sides: a family link one side proposed, until the other side accepts.
    "CREATE TABLE family_link_proposal (
        senior_id TEXT NOT NULL REFERENCES senior(id),
        family_id TEXT NOT NULL REFERENCES family_member(id),
        relation TEXT NOT NULL DEFAULT '',
        can_book BIGINT NOT NULL DEFAULT 0,
        can_see_visits BIGINT NOT NULL DEFAULT 0,
        receives_alerts BIGINT NOT NULL DEFAULT 0,
        proposed_by TEXT NOT NULL,
        from_family BIGINT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (senior_id, family_id)
    );",
    // 9: the district's walking network, packed (network::pack) and cut into base64 chunks, so
    // that it replicates to phones as plain rows.
    "CREATE TABLE walk_network (
        id TEXT PRIMARY KEY NOT NULL,
        format BIGINT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        nodes BIGINT NOT NULL,
        edges BIGINT NOT NULL,
        components BIGINT NOT NULL,
        length_m DOUBLE PRECISION NOT NULL,
        bytes BIGINT NOT NULL,
        chunks BIGINT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE walk_network_chunk (
        network_id TEXT NOT NULL,
        n BIGINT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (network_id, n)
    );
    INSERT INTO index_version (name, version) VALUES ('walk_network', 0);",
    // 10: caregivers' day routes: how each travels, proposed and confirmed day plans, expected
    // arrivals, and handovers of accepted visits to the caregiver a plan moves them to.
    "CREATE TABLE caregiver_travel (caregiver_id TEXT PRIMARY KEY NOT NULL, mode TEXT NOT NULL);
    CREATE TABLE route_proposal (
        id TEXT PRIMARY KEY NOT NULL,
        station_id TEXT NOT NULL,
        date TEXT NOT NULL,
        state TEXT NOT NULL,
        plan TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT
    );
    CREATE INDEX route_proposal_station ON route_proposal(station_id, date, state);
    CREATE TABLE booking_eta (
        booking_id TEXT PRIMARY KEY NOT NULL,
        caregiver_id TEXT NOT NULL,
        arrival_at TEXT NOT NULL,
        start_at TEXT NOT NULL,
        proposal_id TEXT NOT NULL
    );
    CREATE TABLE handover (
        booking_id TEXT NOT NULL,
        from_caregiver TEXT,
        to_caregiver TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (booking_id, to_caregiver)
    );",
    // 11: separate consents for health, location and money records (none granted until the
    // senior's side grants them); a visit's positions may be withheld from a replica (NULL).
    "ALTER TABLE family_link ADD COLUMN sees_health BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE family_link ADD COLUMN sees_location BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE family_link ADD COLUMN sees_money BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE family_link_proposal ADD COLUMN sees_health BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE family_link_proposal ADD COLUMN sees_location BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE family_link_proposal ADD COLUMN sees_money BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE visit_v11 (
        booking_id TEXT PRIMARY KEY NOT NULL REFERENCES booking(id),
        service TEXT NOT NULL,
        senior_id TEXT NOT NULL,
        caregiver_id TEXT NOT NULL,
        check_in_at TEXT NOT NULL,
        check_in_lat DOUBLE PRECISION,
        check_in_lon DOUBLE PRECISION,
        check_in_distance_m DOUBLE PRECISION NOT NULL,
        check_out_at TEXT,
        check_out_lat DOUBLE PRECISION,
        check_out_lon DOUBLE PRECISION,
        check_out_distance_m DOUBLE PRECISION,
        flagged BIGINT NOT NULL DEFAULT 0,
        review TEXT,
        reviewed_by TEXT,
        reviewed_at TEXT,
        check_in_received_at TEXT,
        check_out_received_at TEXT
    );
    INSERT INTO visit_v11 (booking_id, service, senior_id, caregiver_id, check_in_at, check_in_lat, check_in_lon, check_in_distance_m, check_out_at, check_out_lat,
        check_out_lon, check_out_distance_m, flagged, review, reviewed_by, reviewed_at, check_in_received_at, check_out_received_at)
    SELECT booking_id, service, senior_id, caregiver_id, check_in_at, check_in_lat, check_in_lon, check_in_distance_m, check_out_at, check_out_lat,
        check_out_lon, check_out_distance_m, flagged, review, reviewed_by, reviewed_at, check_in_received_at, check_out_received_at FROM visit;
    DROP TABLE visit;
    ALTER TABLE visit_v11 RENAME TO visit;
    CREATE INDEX visit_senior ON visit(senior_id, check_in_at);",
    // 12: the platform's timed jobs: when each last ran and is next due, and which instance holds it.
    "CREATE TABLE job_run (
        job TEXT PRIMARY KEY NOT NULL,
        holder TEXT,
        lease_until TEXT,
        last_started_at TEXT,
        last_finished_at TEXT,
        last_outcome TEXT,
        last_error TEXT,
        next_run_at TEXT NOT NULL,
        runs BIGINT NOT NULL DEFAULT 0
    );",
    // 13: what is left travels to phones with the menu and the stock (kept in the ordering and
    // renting transactions, so a phone's copy is the platform's count); an SOS jumps the outbox.
    "ALTER TABLE menu ADD COLUMN ordered BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE menu ADD COLUMN dine_in_ordered BIGINT NOT NULL DEFAULT 0;
    UPDATE menu SET
        ordered = (SELECT COUNT(*) FROM meal_order o WHERE o.facility_id = menu.facility_id AND o.date = menu.date AND o.meal = menu.meal AND o.state = 'ordered'),
        dine_in_ordered = (SELECT COUNT(*) FROM meal_order o WHERE o.facility_id = menu.facility_id AND o.date = menu.date AND o.meal = menu.meal AND o.state = 'ordered' AND o.mode = 'dine_in');
    ALTER TABLE device_stock ADD COLUMN in_use BIGINT NOT NULL DEFAULT 0;
    UPDATE device_stock SET in_use = (SELECT COUNT(*) FROM rental r WHERE r.facility_id = device_stock.facility_id AND r.device = device_stock.device AND r.state IN ('reserved', 'picked_up'));
    ALTER TABLE outbox ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE sync_receipt ADD COLUMN in_order BIGINT NOT NULL DEFAULT 1;",
    // 14: a time-bank balance kept on its account (in the posting transaction), so that it can
    // travel to the holder's phone without the ledger; complaints are answered and closed.
    "ALTER TABLE timebank_account ADD COLUMN balance_minutes BIGINT NOT NULL DEFAULT 0;
    UPDATE timebank_account SET balance_minutes = (SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM ledger_entry e WHERE e.account_id = timebank_account.id);
    ALTER TABLE complaint ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
    ALTER TABLE complaint ADD COLUMN answer TEXT NOT NULL DEFAULT '';
    ALTER TABLE complaint ADD COLUMN answered_by TEXT;
    ALTER TABLE complaint ADD COLUMN answered_at TEXT;",
];

pub struct Store {
    db: Box<dyn Database>,
}

impl Store {
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::on(Box::new(SqliteDb::open(path)?))
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::on(Box::new(SqliteDb::open_in_memory()?))
    }

    /// A store on any database (PostgreSQL for the district server), migrated to this build's schema.
    pub fn on(db: Box<dyn Database>) -> Result<Self> {
        migrate(db.as_ref())?;
        Ok(Store { db })
    }

    /// Runs `f` in one write transaction: all of it is committed, or none. `f` may be run again
    /// if the database reports a conflict, so it must have no effects outside the transaction.
    pub fn write<R>(&self, mut f: impl FnMut(&dyn Sql) -> Result<R>) -> Result<R> {
        let mut out = None;
        self.db.write(&mut |sql| {
            out = Some(f(sql)?);
            Ok(())
        })?;
        Ok(out.expect("set on success"))
    }

    pub fn read<R>(&self, mut f: impl FnMut(&dyn Sql) -> Result<R>) -> Result<R> {
        let mut out = None;
        self.db.read(&mut |sql| {
            out = Some(f(sql)?);
            Ok(())
        })?;
        Ok(out.expect("set on success"))
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
}

/// A district setting stored as JSON under `key`, or `None` if never set.
pub fn setting<T: serde::de::DeserializeOwned>(sql: &dyn Sql, key: &str) -> Result<Option<T>> {
    match sql.one("SELECT value FROM setting WHERE key = ?1", crate::args![key])? {
        Some(r) => serde_json::from_str(&r.get::<String>(0)?).map(Some).map_err(|_| Error::invalid("setting", format!("stored {key} is corrupt"))),
        None => Ok(None),
    }
}

pub fn put_setting<T: serde::Serialize>(sql: &dyn Sql, key: &str, value: &T) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| Error::invalid("setting", e.to_string()))?;
    sql.execute("INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", crate::args![key, json])?;
    Ok(())
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

fn migrate(db: &dyn Database) -> Result<()> {
    let serial = match db.dialect() {
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    // Several server instances may start at once on one PostgreSQL: the first to take the lock
    // migrates; the others wait for it, and their transaction (whose snapshot predates that
    // migration) fails or finds nothing to do, so they try again on a fresh snapshot.
    let mut tries = 0;
    loop {
        match migrate_once(db, serial) {
            Err(e) if db.dialect() == Dialect::Postgres && tries < 5 && !matches!(e, Error::SchemaTooNew { .. }) => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * tries));
            }
            other => return other,
        }
    }
}

fn migrate_once(db: &dyn Database, serial: &str) -> Result<()> {
    let mut result = Ok(());
    db.write(&mut |sql| {
        if sql.dialect() == Dialect::Postgres {
            sql.query("SELECT pg_advisory_xact_lock(7305001)", &[])?;
        }
        sql.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let found: Option<i64> = sql.one("SELECT version FROM schema_version", &[])?.map(|r| r.get(0)).transpose()?;
        let found = found.unwrap_or_else(|| 0);
        let known = schema_version();
        if found > known {
            result = Err(Error::SchemaTooNew { found, known });
            return Ok(());
        }
        for m in MIGRATIONS.iter().skip(found as usize) {
            sql.batch(&m.replace("{serial}", serial))?;
        }
        sql.execute("DELETE FROM schema_version", &[])?;
        sql.execute("INSERT INTO schema_version (version) VALUES (?1)", crate::args![known])?;
        Ok(())
    })?;
    result
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
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let v: i64 = store.read(|sql| sql.scalar("SELECT version FROM schema_version", &[])).unwrap();
        assert_eq!(v, schema_version());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(Store::open(&path).unwrap());
        rusqlite::Connection::open(&path).unwrap().execute("UPDATE schema_version SET version = 999", []).unwrap();
        assert!(matches!(Store::open(&path), Err(Error::SchemaTooNew { found: 999, .. })));
    }
}
