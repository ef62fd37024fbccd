//! Events: every change of a booking, visit, meal order, rental, alert, ledger entry, care
//! plan, contract, subsidy application or rating is delivered, in commit order, to the app's
//! listeners. An app implements
//! `EventListener` (a Kotlin interface, a Swift protocol) and keeps the `Subscription`
//! that `CareCircle.subscribe` returns: delivery stops on `cancel()` or when the
//! subscription is dropped (Kotlin: `close()`/collected; Swift: released).

use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::time::to_system_time;
use carecircle_core::event::{Event as CoreEvent, Subscription as CoreSubscription};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// One change, as recorded in this database's event log.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    /// Position in this database's event log, increasing.
    pub seq: i64,
    pub at: SystemTime,
    /// What happened, as a stable code. Bookings and visits: "booking_requested",
    /// "booking_offered", "booking_accepted", "booking_declined", "booking_cancelled",
    /// "booking_expired", "booking_withdrawn", "visit_checked_in", "visit_flagged",
    /// "visit_completed", "visit_no_show", "visit_reviewed". Meals and rentals:
    /// "meal_ordered", "meal_cancelled", "device_reserved", "device_picked_up",
    /// "device_returned", "rental_cancelled". Alerts: "alert_raised", "alert_notified",
    /// "alert_escalated", "alert_acknowledged", "alert_resolved". Time bank: "hours_earned",
    /// "hours_transferred", "hours_spent", "hours_donated". Plans and doctors: "plan_created",
    /// "plan_changed", "plan_ended", "plan_visit_skipped", "caregiver_absent",
    /// "contract_signed", "contract_terminated", "health_check_recorded", "health_check_due".
    /// Subsidies: "subsidy_applied", "subsidy_recommended", "subsidy_returned",
    /// "subsidy_resubmitted", "subsidy_approved", "subsidy_refused", "subsidy_withdrawn".
    /// Ratings: "rated", "complained". More may come: keep a default branch.
    pub kind: String,
    /// The booking (order, rental, alert, entry) the event is about.
    pub subject_id: String,
    pub senior_id: String,
    /// The other party, if any: the caregiver offered or assigned, a station, a family member.
    pub party_id: Option<String>,
    /// Short machine-readable detail, e.g. "distance_m=412".
    pub detail: String,
}

impl From<CoreEvent> for Event {
    fn from(e: CoreEvent) -> Self {
        Event {
            seq: e.seq,
            at: to_system_time(e.at),
            kind: e.kind.code(),
            subject_id: e.subject_id,
            senior_id: e.senior_id,
            party_id: e.party_id,
            detail: e.detail,
        }
    }
}

/// Implemented by the app to receive events. Called on a CareCircle thread, one event at a
/// time and in order; it may call back into CareCircle. Hand UI work to the main thread.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, event: Event);
}

/// Delivery to one listener; stops on `cancel()` or when this is dropped.
#[derive(uniffi::Object)]
pub struct Subscription {
    inner: Mutex<Option<CoreSubscription>>,
}

#[uniffi::export]
impl Subscription {
    /// Stops delivery (events already on their way may still arrive). Idempotent.
    pub fn cancel(&self) {
        let taken = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(sub) = taken {
            sub.cancel();
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// Calls `listener` with every event committed from now on. Keep the returned
    /// subscription: delivery stops when it is cancelled or dropped. Events missed while
    /// not subscribed are in the log (sync reads it).
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> Arc<Subscription> {
        let sub = self.inner.subscribe(move |e| listener.on_event(e.into()));
        Arc::new(Subscription { inner: Mutex::new(Some(sub)) })
    }

    /// Events of this database's log after `afterSeq` (0 for the start), oldest first, at most
    /// `limit`: what a listener missed while the app was closed.
    pub fn events_since(&self, after_seq: i64, limit: u32) -> Result<Vec<Event>, CareCircleError> {
        Ok(self.inner.events_since(after_seq, limit)?.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carecircle::default_settings;
    use carecircle_core::booking::BookingRequest;
    use carecircle_core::person::{Actor, Gender, Senior};
    use carecircle_core::{Position, Service};
    use std::sync::mpsc::{Sender, channel};
    use std::time::Duration;

    struct Collect(Mutex<Sender<Event>>);

    impl EventListener for Collect {
        fn on_event(&self, event: Event) {
            let _ = self.0.lock().unwrap().send(event);
        }
    }

    fn request(cc: &CareCircle) -> String {
        let req = BookingRequest {
            senior_id: "S1".into(),
            service: Service::Cleaning,
            start: cc.inner.now() + chrono::Duration::days(2),
            duration_minutes: None,
            note: String::new(),
        };
        cc.inner.request_booking(&Actor::Senior("S1".into()), &req).unwrap().id
    }

    #[test]
    fn a_listener_hears_a_booking_request_until_it_cancels_or_drops() {
        let cc = CareCircle::open_in_memory(default_settings()).unwrap();
        let senior = Senior {
            id: "S1".into(),
            name: "王秀英".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1940, 3, 1).unwrap(),
            gender: Gender::Female,
            home: Position::new(29.9609, 121.7180).unwrap(),
            address: String::new(),
            lives_alone: true,
            phone: String::new(),
            station_id: None,
            division: "330211001001".into(),
        };
        cc.inner.put_seniors(&[senior]).unwrap();

        let (tx, rx) = channel();
        let sub = cc.subscribe(Arc::new(Collect(Mutex::new(tx))));
        let booking = request(&cc);
        let e = rx.recv_timeout(Duration::from_secs(5)).expect("an event");
        assert_eq!((e.kind.as_str(), e.subject_id.as_str(), e.senior_id.as_str()), ("booking_requested", booking.as_str(), "S1"));

        sub.cancel();
        sub.cancel();
        request(&cc);
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "no delivery after cancel");

        let (tx, rx) = channel();
        let sub = cc.subscribe(Arc::new(Collect(Mutex::new(tx))));
        request(&cc);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap().kind, "booking_requested");
        drop(sub);
        request(&cc);
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "no delivery after drop");
    }
}
