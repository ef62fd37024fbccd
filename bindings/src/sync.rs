//! Offline-first sync with the district platform. The first sync makes this database a
//! replica of the signed-in account's scope; from then on every change made through the rules
//! is applied here at once and queued in the outbox, and `sync` pushes the outbox, then pulls
//! what changed. A sync stopped anywhere (app killed, network gone, coroutine or task
//! cancelled) resumes where it stopped when run again.

use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::event::Event;
use crate::time::to_system_time;
use carecircle_core::sync::{Credentials, OutboxEntry as CoreOutboxEntry, PushResult, SyncOptions as CoreOptions, SyncReport as CoreReport};
use std::time::{Duration, SystemTime};

/// How hard a sync tries. Start from `defaultSyncOptions()`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncOptions {
    /// Attempts per request before the sync gives up (default 8).
    pub attempts: u32,
    /// The first wait between attempts; it doubles each time, up to `maxBackoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// One request's time limit (default 30 s).
    pub timeout: Duration,
    /// Outbox entries per push (default 100).
    pub push_batch: u32,
    /// Changes per pulled page (default 500).
    pub pull_limit: u32,
}

impl From<CoreOptions> for SyncOptions {
    fn from(o: CoreOptions) -> Self {
        SyncOptions { attempts: o.attempts, backoff: o.backoff, max_backoff: o.max_backoff, timeout: o.timeout, push_batch: o.push_batch, pull_limit: o.pull_limit }
    }
}

impl From<SyncOptions> for CoreOptions {
    fn from(o: SyncOptions) -> Self {
        CoreOptions { attempts: o.attempts, backoff: o.backoff, max_backoff: o.max_backoff, timeout: o.timeout, push_batch: o.push_batch, pull_limit: o.pull_limit }
    }
}

/// Eight attempts per request from 200 ms apart up to 5 s, 30 s per request.
#[uniffi::export]
pub fn default_sync_options() -> SyncOptions {
    CoreOptions::default().into()
}

/// A change the platform refused; it stays in the outbox with the reason until dismissed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Refusal {
    /// The outbox entry's key (for `dismissOutboxEntry`).
    pub key: String,
    /// "booking", "senior", "family_member" or "family_link".
    pub entity: String,
    /// The record's id; a family link is "SENIOR|FAMILY".
    pub subject_id: String,
    /// A stable code: "already_taken", "forbidden", "not_found", "invalid_input", ...
    pub code: Option<String>,
    /// In plain words, naming nobody else.
    pub message: Option<String>,
}

impl From<PushResult> for Refusal {
    fn from(r: PushResult) -> Self {
        Refusal { key: r.key, entity: r.subject.entity, subject_id: r.subject.id, code: r.code.map(|c| c.as_str().to_string()), message: r.message }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Outbox entries the platform applied.
    pub applied: u32,
    /// Entries the platform refused in this sync.
    pub refused: Vec<Refusal>,
    /// Pages pulled and rows they carried.
    pub pages: u32,
    pub rows: u32,
    /// Requests that had to be tried again.
    pub retries: u32,
    /// Where the next pull starts.
    pub cursor: String,
}

impl From<CoreReport> for SyncReport {
    fn from(r: CoreReport) -> Self {
        SyncReport { applied: r.applied, refused: r.refused.into_iter().map(Into::into).collect(), pages: r.pages, rows: r.rows, retries: r.retries, cursor: r.cursor }
    }
}

/// A change waiting in the outbox, or one the platform refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxEntry {
    pub seq: i64,
    pub key: String,
    /// Who made the change, as "family:F1".
    pub actor: String,
    /// When it was made on this device.
    pub at: SystemTime,
    /// What it does, as the command's name on the wire: "request_booking", "check_in",
    /// "raise_alert", "order_meal", "reserve_device", "rate", ...
    pub op: String,
    /// What it is about ("booking", "alert", "meal_order", "rental", "rating", "complaint",
    /// "family_member", "family_link"), and its id.
    pub entity: String,
    pub subject_id: String,
    /// "pending" or "rejected".
    pub state: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
}

impl From<CoreOutboxEntry> for OutboxEntry {
    fn from(e: CoreOutboxEntry) -> Self {
        let subject = e.command.subject();
        OutboxEntry {
            seq: e.seq,
            key: e.key,
            actor: e.actor,
            at: to_system_time(e.at),
            op: e.command.op().to_string(),
            entity: subject.entity,
            subject_id: subject.id,
            state: e.state,
            error_code: e.error_code.map(|c| c.as_str().to_string()),
            error: e.error,
        }
    }
}

/// The account and platform this database syncs with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncBinding {
    pub server: String,
    pub login: String,
    pub cursor: String,
    pub synced_at: Option<SystemTime>,
}

#[uniffi::export(async_runtime = "tokio")]
impl CareCircle {
    /// Signs in to the platform at `serverUrl` ("https://...") as `login`, pushes the outbox,
    /// then pulls everything in the account's scope changed since the last sync. Kotlin
    /// `suspend`, Swift `async`; cancelling it is safe.
    pub async fn sync(&self, server_url: String, login: String, password: String) -> Result<SyncReport, CareCircleError> {
        Ok(self.inner.sync(&server_url, &Credentials { login, password }).await?.into())
    }

    /// As `sync`, with the caller's retry and batch settings.
    pub async fn sync_with(&self, server_url: String, login: String, password: String, options: SyncOptions) -> Result<SyncReport, CareCircleError> {
        Ok(self.inner.sync_with(&server_url, &Credentials { login, password }, &options.into()).await?.into())
    }

    /// Keeps the phone live while the app is in the foreground: a first sync, then the
    /// platform's stream, and a sync whenever it says something changed (so the listeners hear
    /// of a new offer or an SOS within a second). Reconnects by itself; runs until the caller
    /// cancels it (the Kotlin coroutine or the Swift task) or the login is refused.
    pub async fn listen(&self, server_url: String, login: String, password: String) -> Result<(), CareCircleError> {
        self.inner.listen(&server_url, &Credentials { login, password }, std::future::pending()).await?;
        Ok(())
    }
}

#[uniffi::export]
impl CareCircle {
    /// Changes not yet confirmed by the platform, oldest first, and the refused ones.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, CareCircleError> {
        Ok(self.inner.outbox()?.into_iter().map(Into::into).collect())
    }

    /// Drops a refused entry once the app has shown it.
    pub fn dismiss_outbox_entry(&self, key: String) -> Result<(), CareCircleError> {
        Ok(self.inner.dismiss_outbox_entry(&key)?)
    }

    /// The platform and account this database syncs with; null/nil before the first sync.
    pub fn sync_binding(&self) -> Result<Option<SyncBinding>, CareCircleError> {
        Ok(self.inner.sync_binding()?.map(|b| SyncBinding { server: b.server, login: b.login, cursor: b.cursor, synced_at: b.synced_at.map(to_system_time) }))
    }

    /// The platform's events of this account's scope, pulled by sync, after `afterSeq` (the
    /// platform's numbering), oldest first.
    pub fn synced_events(&self, after_seq: i64, limit: u32) -> Result<Vec<Event>, CareCircleError> {
        Ok(self.inner.synced_events(after_seq, limit)?.into_iter().map(Into::into).collect())
    }
}
