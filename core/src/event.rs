//! Events: every change of a booking, visit, order, rental, alert or ledger entry is
//! recorded in the `event` table in the same transaction as the change (sync sends them
//! on), and delivered, in order, to the app's listeners after commit.

use crate::carecircle::CareCircle;
use crate::error::Result;
use chrono::{DateTime, Utc};
use crate::args;
use crate::db::{Sql, SqlExt};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, Weak};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    BookingRequested,
    BookingOffered,
    BookingAccepted,
    BookingDeclined,
    BookingCancelled,
    BookingExpired,
    VisitCheckedIn,
    VisitFlagged,
    VisitCompleted,
    VisitNoShow,
    VisitReviewed,
    MealOrdered,
    MealCancelled,
    DeviceReserved,
    DevicePickedUp,
    DeviceReturned,
    RentalCancelled,
    AlertRaised,
    AlertNotified,
    AlertEscalated,
    AlertAcknowledged,
    AlertResolved,
    HoursEarned,
    HoursTransferred,
    HoursSpent,
    HoursDonated,
    /// A visit's caregiver can no longer come (marked absent); it goes back to matching.
    BookingWithdrawn,
    PlanCreated,
    PlanChanged,
    PlanEnded,
    /// A plan's occurrence was not booked: a holiday, or over the month's quota.
    PlanVisitSkipped,
    CaregiverAbsent,
    ContractSigned,
    ContractTerminated,
    HealthCheckRecorded,
    HealthCheckDue,
    SubsidyApplied,
    SubsidyRecommended,
    SubsidyReturned,
    SubsidyResubmitted,
    SubsidyApproved,
    SubsidyRefused,
    SubsidyWithdrawn,
    Rated,
    Complained,
    /// A station or the district answered (or closed) a complaint.
    ComplaintAnswered,
    /// One side proposed a family link; the other side's acceptance makes it active.
    FamilyLinkProposed,
    FamilyLinkAccepted,
    /// An accepted visit went to the caregiver a confirmed day plan moved it to.
    BookingHandedOver,
    /// A station's day plan was confirmed (its offers and handovers made).
    RoutePlanConfirmed,
}

impl EventKind {
    pub fn code(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }
    pub fn parse(code: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(code.to_string())).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in this database's event log, increasing.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// The booking, order, rental, alert or entry the event is about.
    pub subject_id: String,
    pub senior_id: String,
    /// The other party, if any: the caregiver offered or assigned, a station, a family member.
    pub party_id: Option<String>,
    /// Short machine-readable detail, e.g. "distance_m=412".
    pub detail: String,
}

/// Collects the events of one transaction.
pub(crate) struct Emitter {
    /// When the change happened: now, or the time a phone claimed for it, once believed.
    pub at: DateTime<Utc>,
    /// The platform's own clock when the change reached it (the same as `at` for a change made
    /// here). Rules about the future ("no visit starts in the past") read this one.
    pub received: DateTime<Utc>,
    /// The change's time rests on a phone's word beyond the tolerance, or had to be corrected:
    /// a visit so timed is flagged for review.
    pub time_doubtful: bool,
    pub events: Vec<Event>,
    /// Changes to log for sync, and the command to put in a phone's outbox.
    pub sync: crate::sync::TxLog,
}

impl Emitter {
    pub fn emit(&mut self, tx: &dyn Sql, kind: EventKind, subject: &str, senior: &str, party: Option<&str>, detail: impl Into<String>) -> Result<()> {
        let detail = detail.into();
        let seq: i64 = tx.scalar(
            "INSERT INTO event (at, kind, subject_id, senior_id, party_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
            args![self.at, kind.code(), subject, senior, party, detail],
        )?;
        self.events.push(Event {
            seq,
            at: self.at,
            kind,
            subject_id: subject.to_string(),
            senior_id: senior.to_string(),
            party_id: party.map(String::from),
            detail,
        });
        Ok(())
    }
}

type Listener = Box<dyn Fn(Event) + Send + 'static>;

/// Delivers events to subscribers, each on its own thread so that a listener may call
/// back into CareCircle without deadlocking, and in commit order.
#[derive(Default)]
pub struct EventBus {
    subscribers: Mutex<Vec<(u64, Sender<Event>)>>,
    next_id: AtomicU64,
}

/// Delivery stops when this is cancelled or dropped.
pub struct Subscription {
    id: u64,
    bus: Weak<EventBus>,
}

impl Subscription {
    pub fn cancel(&self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.subscribers.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl EventBus {
    pub fn subscribe(self: &Arc<Self>, listener: Listener) -> Subscription {
        let (tx, rx) = channel::<Event>();
        std::thread::Builder::new()
            .name("carecircle-events".into())
            .spawn(move || {
                for event in rx {
                    // A listener that panics loses its own event, never the app.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(event)));
                }
            })
            .expect("spawn event thread");
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner()).push((id, tx));
        Subscription { id, bus: Arc::downgrade(self) }
    }

    pub(crate) fn has_subscribers(&self) -> bool {
        !self.subscribers.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    pub(crate) fn publish(&self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let subs = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
        for (_, tx) in subs.iter() {
            for e in events {
                let _ = tx.send(e.clone());
            }
        }
    }
}

impl CareCircle {
    /// Runs `f` in one immediate transaction with an emitter; after commit, and still in
    /// commit order, the events go to listeners.
    ///
    /// `f` may run more than once (PostgreSQL retries serialization conflicts); each run
    /// starts with a fresh emitter, so only the committed run's events are delivered.
    pub(crate) fn write<R>(&self, f: impl FnMut(&dyn Sql, &mut Emitter) -> Result<R>) -> Result<R> {
        self.write_at(self.now(), f)
    }

    /// As `write`, at a given instant (a change a phone made offline, applied by the platform).
    pub(crate) fn write_at<R>(&self, at: DateTime<Utc>, mut f: impl FnMut(&dyn Sql, &mut Emitter) -> Result<R>) -> Result<R> {
        self.refresh_indexes_if_due();
        // With listeners, commit and delivery happen under one lock so they see commit order.
        let _order = self.events.has_subscribers().then(|| self.write_order.lock().unwrap_or_else(|e| e.into_inner()));
        let (out, events) = self.store.write(|tx| {
            let mut emitter = Emitter { at, received: self.now().max(at), time_doubtful: false, events: Vec::new(), sync: Default::default() };
            let out = f(tx, &mut emitter)?;
            crate::sync::finish_write(self, tx, &mut emitter)?;
            Ok((out, emitter.events))
        })?;
        self.events.publish(&events);
        Ok(out)
    }

    /// Calls `listener` with every event from now on, on a thread of its own.
    pub fn subscribe(&self, listener: impl Fn(Event) + Send + 'static) -> Subscription {
        self.events.subscribe(Box::new(listener))
    }

    /// Events after `after_seq`, oldest first: what a listener missed, or what sync sends.
    pub fn events_since(&self, after_seq: i64, limit: u32) -> Result<Vec<Event>> {
        let rows = self.store.read(|sql| sql.query("SELECT seq, at, kind, subject_id, senior_id, party_id, detail FROM event WHERE seq > ?1 ORDER BY seq LIMIT ?2", args![after_seq, limit]))?;
        rows.iter()
            .map(|r| {
                Ok(Event {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    kind: EventKind::parse(&r.get::<String>(2)?).ok_or_else(|| crate::Error::invalid("event", "unknown kind in the log"))?,
                    subject_id: r.get(3)?,
                    senior_id: r.get(4)?,
                    party_id: r.get(5)?,
                    detail: r.get(6)?,
                })
            })
            .collect()
    }
}
