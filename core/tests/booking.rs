//! Booking and home-visit stories, each rule with the error it must give.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::event::EventKind;
use carecircle_core::visit::Review;
use carecircle_core::{Actor, Error, Service};
use common::*;

fn family(id: &str) -> Actor {
    Actor::Family(id.into())
}
fn carer(id: &str) -> Actor {
    Actor::Caregiver(id.into())
}

fn cleaning_at(start: &str) -> BookingRequest {
    BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(start), duration_minutes: None, note: "请带拖把".into() }
}

#[test]
fn a_family_member_books_a_visit_for_a_parent_and_the_nearest_free_caregivers_are_offered_it() {
    let w = world();
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    assert_eq!(b.state, BookingState::Offered);
    assert_eq!(b.requested_by, "family:F1");
    assert_eq!((b.end - b.start).num_minutes(), 120, "the catalogue's duration for cleaning");
    let offers = w.cc.offers(&b.id).unwrap();
    // C4 does not clean; the three cleaners are offered, nearest first.
    assert_eq!(offers.iter().map(|o| o.caregiver_id.as_str()).collect::<Vec<_>>(), ["C1", "C2", "C3"]);
    assert!((offers[0].distance_m - 500.0).abs() < 1.0);
}

#[test]
fn the_second_caregivers_accept_is_refused_as_already_taken() {
    let w = world();
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    let accepted = w.cc.accept_booking(&carer("C2"), &b.id).unwrap();
    assert_eq!((accepted.state, accepted.caregiver_id.as_deref()), (BookingState::Accepted, Some("C2")));
    let e = w.cc.accept_booking(&carer("C1"), &b.id).unwrap_err();
    assert!(matches!(e, Error::AlreadyTaken { .. }), "{e}");
    assert!(e.to_string().starts_with("already taken"));
    let statuses: Vec<(String, String)> = w.cc.offers(&b.id).unwrap().into_iter().map(|o| (o.caregiver_id, o.status)).collect();
    assert!(statuses.contains(&("C2".into(), "accepted".into())) && statuses.contains(&("C1".into(), "lost".into())));
}

#[test]
fn permissions_that_must_be_refused() {
    let w = world();
    // The son may receive alerts but not book; a stranger may not; a family member of S1 not for S2.
    assert!(forbidden(w.cc.request_booking(&family("F2"), &cleaning_at("2026-11-24T09:00"))));
    assert!(forbidden(w.cc.request_booking(&family("F9"), &cleaning_at("2026-11-24T09:00"))));
    let mut for_s2 = cleaning_at("2026-11-24T09:00");
    for_s2.senior_id = "S2".into();
    assert!(forbidden(w.cc.request_booking(&family("F1"), &for_s2)));
    // Caregivers do not book; another station's operator does not either.
    assert!(forbidden(w.cc.request_booking(&carer("C1"), &cleaning_at("2026-11-24T09:00"))));
    assert!(forbidden(w.cc.request_booking(&Actor::Operator("ZH-CS-999".into()), &cleaning_at("2026-11-24T09:00"))));
    // The senior herself and her station may.
    w.cc.request_booking(&Actor::Senior("S1".into()), &cleaning_at("2026-11-24T09:00")).unwrap();
    let b = w.cc.request_booking(&Actor::Operator("ZH-CS-001".into()), &cleaning_at("2026-11-25T09:00")).unwrap();
    // A caregiver only on visits offered to them; not a family member.
    assert!(forbidden(w.cc.accept_booking(&carer("C4"), &b.id)));
    assert!(forbidden(w.cc.accept_booking(&family("F1"), &b.id)));
    assert!(forbidden(w.cc.decline_booking(&carer("C4"), &b.id, "")));
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    w.clock.set(at("2026-11-25T09:00"));
    assert!(forbidden(w.cc.check_in(&carer("C2"), &b.id, home())));
    assert!(forbidden(w.cc.cancel_booking(&carer("C2"), &b.id, "不是我的")));
    // Seeing visits needs the senior's leave.
    assert!(forbidden(w.cc.bookings_for_senior(&family("F2"), "S1")));
    assert_eq!(w.cc.bookings_for_senior(&family("F1"), "S1").unwrap().len(), 2);
    assert!(forbidden(w.cc.monthly_statement(&family("F2"), "S1", 2026, 11)));
    assert!(forbidden(w.cc.offer_booking(&family("F1"), &b.id)));
    assert!(forbidden(w.cc.review_visit(&family("F1"), &b.id, Review::Approved)));
}

#[test]
fn forbidden_transitions_are_typed_errors_and_change_nothing() {
    let w = world();
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    w.clock.set(at("2026-11-24T09:00"));
    // Offered: cannot check in or out.
    assert!(forbidden_or_invalid(w.cc.check_in(&carer("C1"), &b.id, home())));
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    // Accepted: cannot be accepted again or checked out.
    assert!(invalid(w.cc.accept_booking(&carer("C1"), &b.id)));
    assert!(invalid(w.cc.check_out(&carer("C1"), &b.id, home())));
    assert!(invalid(w.cc.decline_booking(&carer("C1"), &b.id, "")));
    w.cc.check_in(&carer("C1"), &b.id, home()).unwrap();
    // Checked in: cannot be cancelled or checked in again.
    let e = w.cc.cancel_booking(&family("F1"), &b.id, "改期").unwrap_err();
    assert_eq!(e.to_string(), format!("booking {} is checked_in: it cannot be cancelled", b.id));
    assert!(invalid(w.cc.check_in(&carer("C1"), &b.id, home())));
    w.clock.set(at("2026-11-24T11:00"));
    w.cc.check_out(&carer("C1"), &b.id, home()).unwrap();
    // Completed is final.
    assert!(invalid(w.cc.cancel_booking(&family("F1"), &b.id, "晚了")));
    assert!(invalid(w.cc.check_out(&carer("C1"), &b.id, home())));
    assert!(invalid(w.cc.offer_booking(&Actor::System, &b.id)));
    assert_eq!(w.cc.booking(&b.id).unwrap().state, BookingState::Completed);
}

fn forbidden<T>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden(_)))
}

fn invalid<T>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::InvalidTransition { .. }))
}

fn forbidden_or_invalid<T>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden(_) | Error::InvalidTransition { .. }))
}

#[test]
fn a_check_in_far_from_home_is_accepted_but_flagged_with_its_distance() {
    let w = world();
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    w.clock.set(at("2026-11-24T08:55"));
    let v = w.cc.check_in(&carer("C1"), &b.id, north_of_home(400.0)).unwrap();
    assert!(v.flagged);
    assert!((v.check_in_distance_m - 400.0).abs() < 1.0);
    assert_eq!((v.service, v.senior_id.as_str(), v.caregiver_id.as_str()), (Service::Cleaning, "S1", "C1"));
    assert_eq!(v.check_in_at, at("2026-11-24T08:55"));
    w.clock.set(at("2026-11-24T10:55"));
    let v = w.cc.check_out(&carer("C1"), &b.id, home()).unwrap();
    assert_eq!(v.minutes(), Some(120));
    assert!(v.check_out_distance_m.unwrap() < 1.0);
    // Until reviewed, it does not draw on the government-paid hours.
    let st = w.cc.monthly_statement(&family("F1"), "S1", 2026, 11).unwrap();
    assert_eq!((st.pending_review, st.government_hours), (1, 0.0));
    w.cc.review_visit(&Actor::Operator("ZH-CS-001".into()), &b.id, Review::Approved).unwrap();
    let st = w.cc.monthly_statement(&family("F1"), "S1", 2026, 11).unwrap();
    assert_eq!((st.pending_review, st.government_hours), (0, 2.0));
    // A check-in close to home is not flagged, and the threshold is a setting.
    let mut settings = carecircle_core::Settings::default();
    settings.checkin_flag_m = 500.0;
    let w = world_with(settings);
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    w.clock.set(at("2026-11-24T09:00"));
    assert!(!w.cc.check_in(&carer("C1"), &b.id, north_of_home(400.0)).unwrap().flagged);
}

#[test]
fn check_in_is_open_only_around_the_visit() {
    let w = world();
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    w.clock.set(at("2026-11-24T07:30"));
    assert!(matches!(w.cc.check_in(&carer("C1"), &b.id, home()), Err(Error::InvalidInput { field: "time", .. })));
    w.clock.set(at("2026-11-24T11:30"));
    assert!(matches!(w.cc.check_in(&carer("C1"), &b.id, home()), Err(Error::InvalidInput { field: "time", .. })));
}

#[test]
fn when_everyone_declines_the_booking_is_declined_and_offered_to_the_next() {
    let mut settings = carecircle_core::Settings::default();
    settings.offers_per_request = 2;
    let w = world_with(settings);
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    assert_eq!(w.cc.decline_booking(&carer("C1"), &b.id, "生病").unwrap().state, BookingState::Offered);
    assert_eq!(w.cc.decline_booking(&carer("C2"), &b.id, "太远").unwrap().state, BookingState::Declined);
    let next = w.cc.offer_booking(&Actor::System, &b.id).unwrap();
    assert_eq!(next.iter().map(|o| o.caregiver_id.as_str()).collect::<Vec<_>>(), ["C3"]);
    w.cc.decline_booking(&carer("C3"), &b.id, "").unwrap();
    assert!(matches!(w.cc.offer_booking(&Actor::System, &b.id), Err(Error::NoCaregiverAvailable { .. })));
}

#[test]
fn a_caregiver_is_never_booked_twice_at_once() {
    let w = world();
    let first = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    let mut overlapping = cleaning_at("2026-11-24T10:00");
    overlapping.senior_id = "S2".into();
    let second = w.cc.request_booking(&Actor::District, &overlapping).unwrap();
    // Both were offered to C1 before either was accepted.
    assert!(w.cc.offers(&second.id).unwrap().iter().any(|o| o.caregiver_id == "C1"));
    w.cc.accept_booking(&carer("C1"), &first.id).unwrap();
    let e = w.cc.accept_booking(&carer("C1"), &second.id).unwrap_err();
    assert!(matches!(e, Error::CaregiverBusy { .. }), "{e}");
    // A new request at that time is not offered to C1 at all.
    let mut third = cleaning_at("2026-11-24T10:30");
    third.senior_id = "S2".into();
    let third = w.cc.request_booking(&Actor::District, &third).unwrap();
    assert!(w.cc.offers(&third.id).unwrap().iter().all(|o| o.caregiver_id != "C1"));
}

#[test]
fn unanswered_requests_expire_and_unvisited_ones_become_no_shows() {
    let w = world();
    let untaken = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    let taken = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T13:00")).unwrap();
    w.cc.accept_booking(&carer("C1"), &taken.id).unwrap();
    w.clock.set(at("2026-11-24T09:00"));
    let changed = w.cc.sweep().unwrap();
    assert_eq!(changed.iter().map(|b| (b.id.clone(), b.state)).collect::<Vec<_>>(), [(untaken.id.clone(), BookingState::Expired)]);
    // Ends 15:00; with 30 minutes' grace it is a no-show at 15:30, not before.
    w.clock.set(at("2026-11-24T15:29"));
    assert!(w.cc.sweep().unwrap().is_empty());
    w.clock.set(at("2026-11-24T15:30"));
    assert_eq!(w.cc.sweep().unwrap()[0].state, BookingState::NoShow);
}

#[test]
fn bad_requests_get_clear_errors() {
    let w = world();
    let mut past = cleaning_at("2026-11-22T09:00");
    assert!(matches!(w.cc.request_booking(&family("F1"), &past), Err(Error::InvalidInput { field: "start", .. })));
    past.start = at("2026-11-24T09:00");
    past.service = Service::FullTimeCare;
    let e = w.cc.request_booking(&family("F1"), &past).unwrap_err();
    assert_eq!(e.to_string(), "invalid service: full_time_care is not offered as a home visit");
    past.service = Service::Cleaning;
    past.duration_minutes = Some(5);
    assert!(matches!(w.cc.request_booking(&family("F1"), &past), Err(Error::InvalidInput { field: "duration", .. })));
    past.duration_minutes = None;
    past.senior_id = "nobody".into();
    assert!(matches!(w.cc.request_booking(&family("F1"), &past), Err(Error::NotFound { what: "senior", .. })));
    past.senior_id = "S1".into();
    past.note = "长".repeat(600);
    assert!(matches!(w.cc.request_booking(&family("F1"), &past), Err(Error::InvalidInput { field: "reason", .. })));
    assert!(matches!(w.cc.accept_booking(&carer("C1"), "no-such-booking"), Err(Error::NotFound { .. } | Error::Forbidden(_))));
    assert!(matches!(w.cc.cancel_booking(&family("F1"), "no-such-booking", "x"), Err(Error::NotFound { what: "booking", .. })));
}

#[test]
fn listeners_receive_the_events_in_order_and_stop_when_dropped() {
    let w = world();
    let (tx, rx) = std::sync::mpsc::channel();
    let sub = w.cc.subscribe(move |e| {
        let _ = tx.send(e);
    });
    let b = w.cc.request_booking(&family("F1"), &cleaning_at("2026-11-24T09:00")).unwrap();
    w.cc.accept_booking(&carer("C1"), &b.id).unwrap();
    w.clock.set(at("2026-11-24T09:00"));
    w.cc.check_in(&carer("C1"), &b.id, north_of_home(300.0)).unwrap();
    let got: Vec<EventKind> = (0..7).map(|_| rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap().kind).collect();
    use EventKind::*;
    assert_eq!(got, [BookingRequested, BookingOffered, BookingOffered, BookingOffered, BookingAccepted, VisitCheckedIn, VisitFlagged]);
    drop(sub);
    w.clock.set(at("2026-11-24T10:00"));
    w.cc.check_out(&carer("C1"), &b.id, home()).unwrap();
    assert!(rx.recv_timeout(std::time::Duration::from_millis(300)).is_err(), "no delivery after drop");
    // The log keeps everything for sync.
    let log = w.cc.events_since(0, 100).unwrap();
    assert_eq!(log.last().unwrap().kind, VisitCompleted);
    assert!(log.windows(2).all(|p| p[0].seq < p[1].seq));
}
