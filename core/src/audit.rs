//! Who read or changed a senior's health and location records, for the district to account for
//! it (China's PIPL asks processors of sensitive personal information to be able to). The
//! platform writes one line per record read or changed: a senior's record (home position), a
//! visit's check-in and check-out positions, assessments, doctor contracts and health checks.
//! Phones keep no audit of their own user's reads.

use crate::args;
use crate::carecircle::CareCircle;
use crate::db::Sql;
use crate::error::{Error, Result};
use crate::person::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// "family:F1", "caregiver:C1", ...
    pub actor: String,
    /// "read" or "change".
    pub action: String,
    /// senior, visit, assessment, doctor_contract, health_check.
    pub record: String,
    pub record_id: String,
    pub senior_id: String,
}

/// One sensitive record touched: (record kind, record id, senior id).
pub(crate) type Touched = (&'static str, String, String);

/// Writes audit lines in the caller's transaction (nothing on a phone's replica).
pub(crate) fn note(cc: &CareCircle, tx: &dyn Sql, at: DateTime<Utc>, actor: &Actor, action: &str, touched: &[Touched]) -> Result<()> {
    if cc.replica.get() || matches!(actor, Actor::System) {
        return Ok(());
    }
    let who = actor.label();
    for (record, id, senior) in touched {
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, record, record_id, senior_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![at, who, action, *record, id, senior],
        )?;
    }
    Ok(())
}

impl CareCircle {
    /// Records that `actor` read these records (a write of its own, after the read).
    pub(crate) fn audit_reads(&self, actor: &Actor, touched: &[Touched]) -> Result<()> {
        if touched.is_empty() || self.replica.get() || matches!(actor, Actor::System) {
            return Ok(());
        }
        let now = self.now();
        self.store.write(|tx| note(self, tx, now, actor, "read", touched))
    }

    /// The audit log, oldest first after `after_seq`, of one senior or of everyone: for the
    /// district only.
    pub fn audit_log(&self, actor: &Actor, senior_id: Option<&str>, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not read the audit log", actor.label())));
        }
        let limit = i64::from(limit.clamp(1, 5000));
        let rows = self.store.read(|sql| match senior_id {
            Some(s) => sql.query(
                "SELECT seq, at, actor, action, record, record_id, senior_id FROM audit_log WHERE senior_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                args![s, after_seq, limit],
            ),
            None => sql.query("SELECT seq, at, actor, action, record, record_id, senior_id FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2", args![after_seq, limit]),
        })?;
        rows.iter()
            .map(|r| Ok(AuditEntry { seq: r.get(0)?, at: r.get(1)?, actor: r.get(2)?, action: r.get(3)?, record: r.get(4)?, record_id: r.get(5)?, senior_id: r.get(6)? }))
            .collect()
    }
}
