//! Compaction of what sync keeps on the platform, without a gap for a phone that syncs rarely:
//! a change-log entry is dropped only when a later one names the same record for the same party
//! (a pull sends a record's current row, so the latest entry is all any cursor needs); receipts
//! go once no phone can push their key again; expired sessions go.

use crate::args;
use crate::carecircle::CareCircle;
use crate::error::Result;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// What one compaction removed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Compacted {
    pub change_log: u64,
    pub receipts: u64,
    pub sessions: u64,
}

impl CareCircle {
    /// Drops superseded change-log entries (at any age: whatever cursor a phone holds, the
    /// record's latest entry is still after it, so its pull still sends the current row), receipts
    /// received more than `receipt_days` ago (longer than any phone's offline window), and expired
    /// sessions. Events are kept: they are the record of what happened.
    pub fn compact(&self, receipt_days: u32) -> Result<Compacted> {
        let now = self.now();
        self.store.write(|tx| {
            let change_log = tx.execute(
                "DELETE FROM change_log WHERE entity <> 'event' AND EXISTS (
                   SELECT 1 FROM change_log later WHERE later.entity = change_log.entity AND later.entity_id = change_log.entity_id
                     AND COALESCE(later.party_id, '') = COALESCE(change_log.party_id, '')
                     AND (later.version > change_log.version OR (later.version = change_log.version AND later.n > change_log.n)))",
                &[],
            )?;
            let receipts = tx.execute("DELETE FROM sync_receipt WHERE COALESCE(received_at, at) < ?1", args![now - Duration::days(i64::from(receipt_days))])?;
            let sessions = tx.execute("DELETE FROM session WHERE expires_at < ?1", args![now])?;
            Ok(Compacted { change_log: change_log as u64, receipts: receipts as u64, sessions: sessions as u64 })
        })
    }
}
