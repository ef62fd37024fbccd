//! 64 caregivers' phones accept 100 offered visits at once: every visit is accepted exactly
//! once, no caregiver is booked twice at the same time, and nothing is lost on reopening.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::clock::ManualClock;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::{Actor, CareCircle, Error, Service, Settings};
use common::*;
use rand::seq::SliceRandom;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn sixty_four_caregivers_accept_a_hundred_visits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("district.db");
    let mut settings = Settings::default();
    settings.offers_per_request = 64;
    let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
    let cc = Arc::new(CareCircle::open_with_clock(&db, settings.clone(), clock.clone()).unwrap());
    cc.put_seniors(&[senior("S1", "1940-03-01", true), senior("S2", "1938-07-01", true)]).unwrap();
    let caregivers: Vec<_> = (0..64)
        .map(|i| {
            let mut c = caregiver(&format!("C{i:02}"), 100.0 + 20.0 * f64::from(i), "cleaning");
            c.availability = WeeklyHours::always();
            c.radius_m = 10_000.0;
            c
        })
        .collect();
    cc.put_caregivers(&caregivers).unwrap();
    // 50 two-hour slots, two visits (two seniors) in each: 100 visits, pairs overlapping.
    let mut bookings = Vec::new();
    for slot in 0..50 {
        for senior in ["S1", "S2"] {
            let req = BookingRequest {
                senior_id: senior.into(),
                service: Service::Cleaning,
                start: at("2026-11-24T00:00") + chrono::Duration::hours(2 * slot),
                duration_minutes: None,
                note: String::new(),
            };
            let b = cc.request_booking(&Actor::District, &req).unwrap();
            assert_eq!(cc.offers(&b.id).unwrap().len(), 64);
            bookings.push(b.id);
        }
    }
    let wins = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = caregivers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (cc, wins, actor) = (cc.clone(), wins.clone(), Actor::Caregiver(c.id.clone()));
            let mut order = bookings.clone();
            order.shuffle(&mut rand::rng());
            std::thread::Builder::new()
                .name(format!("phone-{i}"))
                .spawn(move || {
                    for id in order {
                        match cc.accept_booking(&actor, &id) {
                            Ok(b) => {
                                assert_eq!(b.caregiver_id.as_deref(), Some(actor_id(&actor)));
                                wins.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(Error::AlreadyTaken { .. } | Error::CaregiverBusy { .. }) => {}
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(wins.load(Ordering::SeqCst), 100, "every visit accepted exactly once");
    drop(cc);

    let cc = CareCircle::open_with_clock(&db, settings, clock).unwrap();
    let mut taken: Vec<(String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = Vec::new();
    for id in &bookings {
        let b = cc.booking(id).unwrap();
        assert_eq!(b.state, BookingState::Accepted);
        let who = b.caregiver_id.clone().unwrap();
        assert_eq!(cc.offers(id).unwrap().iter().filter(|o| o.status == "accepted").count(), 1);
        taken.push((who, b.start, b.end));
    }
    for (i, a) in taken.iter().enumerate() {
        for b in &taken[i + 1..] {
            assert!(!(a.0 == b.0 && a.1 < b.2 && b.1 < a.2), "caregiver {} double-booked", a.0);
        }
    }
}

fn actor_id(a: &Actor) -> &str {
    match a {
        Actor::Caregiver(id) => id,
        _ => "",
    }
}
