//! Meals, device rental, emergency alerts: each rule, with the error it must give.

mod common;

use carecircle_core::clock::parse_date;
use carecircle_core::meal::{CanteenSettings, Meal, MealMode, Menu};
use carecircle_core::rental::{Device, DeviceStock, RentalState};
use carecircle_core::{Actor, Error, FacilityKind};
use common::*;
use std::sync::Arc;

fn family() -> Actor {
    Actor::Family("F1".into())
}

fn with_canteen(w: &World, capacity: u32, seats: u32) {
    w.cc.put_facilities(&[facility_near("CT1", FacilityKind::Canteen, 300.0, "meals")]).unwrap();
    w.cc.set_canteen(&CanteenSettings::new("CT1", 1000.0)).unwrap();
    w.cc.set_menu(&Menu {
        facility_id: "CT1".into(),
        date: parse_date("2026-11-24").unwrap(),
        meal: Meal::Lunch,
        dishes: "红烧鱼, 青菜, 米饭".into(),
        price_fen: 1200,
        capacity,
        seats,
    })
    .unwrap();
}

fn day() -> chrono::NaiveDate {
    parse_date("2026-11-24").unwrap()
}

#[test]
fn meal_orders_respect_cutoff_seats_capacity_radius_and_subsidy() {
    let w = world();
    with_canteen(&w, 2, 1);
    let o = w.cc.order_meal(&family(), "S1", "CT1", day(), Meal::Lunch, MealMode::DineIn).unwrap();
    // S1 is 86 and qualifies for government-paid care: the 5-yuan tier applies.
    assert_eq!((o.price_fen, o.subsidy_fen, o.due_fen()), (1200, 500, 700));
    // One seat only: a second dine-in for another senior is refused, pick-up still works.
    let e = w.cc.order_meal(&Actor::District, "S2", "CT1", day(), Meal::Lunch, MealMode::DineIn).unwrap_err();
    assert!(matches!(e, Error::Full(_)), "{e}");
    let o2 = w.cc.order_meal(&Actor::District, "S2", "CT1", day(), Meal::Lunch, MealMode::PickUp).unwrap();
    assert_eq!(o2.subsidy_fen, 100, "S2 is 71: the 1-yuan tier");
    // The kitchen's capacity (2) is now reached.
    w.cc.cancel_meal(&family(), &o.id).unwrap();
    assert_eq!(w.cc.order_meal(&family(), "S1", "CT1", day(), Meal::Lunch, MealMode::Delivery).unwrap().mode, MealMode::Delivery);
    assert!(matches!(w.cc.order_meal(&Actor::Senior("S1".into()), "S1", "CT1", day(), Meal::Lunch, MealMode::PickUp), Err(Error::Full(_) | Error::Duplicate { .. })));
    // After 09:00 Shanghai on the day, no orders and no cancellations.
    w.clock.set(at("2026-11-24T09:00"));
    let e = w.cc.cancel_meal(&Actor::District, &o2.id).unwrap_err();
    assert!(matches!(e, Error::TooLate(_)), "{e}");
    w.cc.set_menu(&Menu { facility_id: "CT1".into(), date: day(), meal: Meal::Lunch, dishes: "面".into(), price_fen: 1200, capacity: 10, seats: 5 }).unwrap();
    assert!(matches!(w.cc.order_meal(&Actor::District, "S2", "CT1", day(), Meal::Lunch, MealMode::PickUp), Err(Error::TooLate(_))));
}

#[test]
fn delivery_only_within_the_radius_and_only_by_those_allowed() {
    let w = world();
    with_canteen(&w, 10, 5);
    w.cc.set_canteen(&CanteenSettings::new("CT1", 200.0)).unwrap();
    let e = w.cc.order_meal(&family(), "S1", "CT1", day(), Meal::Lunch, MealMode::Delivery).unwrap_err();
    assert!(e.to_string().contains("delivers within 200 m"), "{e}");
    assert!(matches!(w.cc.order_meal(&Actor::Family("F2".into()), "S1", "CT1", day(), Meal::Lunch, MealMode::PickUp), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.order_meal(&family(), "S1", "CT1", day(), Meal::Dinner, MealMode::PickUp), Err(Error::NotFound { what: "menu", .. })));
    assert!(matches!(w.cc.set_canteen(&CanteenSettings::new("CT1", f64::NAN)), Err(Error::InvalidInput { .. })));
}

#[test]
fn under_concurrent_orders_exactly_the_capacity_is_taken() {
    let w = world();
    with_canteen(&w, 7, 7);
    let seniors: Vec<_> = (0..20).map(|i| senior(&format!("X{i:02}"), "1945-01-01", false)).collect();
    w.cc.put_seniors(&seniors).unwrap();
    let cc = Arc::new(w.cc);
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let cc = cc.clone();
            std::thread::spawn(move || cc.order_meal(&Actor::District, &format!("X{i:02}"), "CT1", day(), Meal::Lunch, MealMode::DineIn))
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 7);
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, Error::Full(_))));
    assert_eq!(cc.canteen_orders("CT1", day()).unwrap().len(), 7);
}

fn with_rental_points(w: &World) {
    w.cc.put_facilities(&[
        facility_near("RP1", FacilityKind::RentalPoint, 400.0, "mobility"),
        facility_near("RP2", FacilityKind::RentalPoint, 2000.0, "mobility"),
    ])
    .unwrap();
    for (id, total) in [("RP1", 1), ("RP2", 3)] {
        w.cc.set_device_stock(&DeviceStock { facility_id: id.into(), device: Device::Wheelchair, total, deposit_fen: 50000, daily_fee_fen: 300 }).unwrap();
    }
}

#[test]
fn the_nearest_point_with_a_wheelchair_free_now() {
    let w = world();
    with_rental_points(&w);
    assert_eq!(w.cc.nearest_with_device(home(), Device::Wheelchair, 1).unwrap()[0].id, "RP1");
    let r = w.cc.reserve_device(&family(), "S1", "RP1", Device::Wheelchair).unwrap();
    // RP1's only wheelchair is reserved: the answer moves to RP2, and RP1 refuses another.
    assert_eq!(w.cc.nearest_with_device(home(), Device::Wheelchair, 1).unwrap()[0].id, "RP2");
    assert!(matches!(w.cc.reserve_device(&Actor::District, "S2", "RP1", Device::Wheelchair), Err(Error::Full(_))));
    assert!(w.cc.nearest_with_device(home(), Device::NursingBed, 1).unwrap().is_empty());
    // Pick up, keep it 2 days and 1 hour: 3 days' fee, settled against the deposit.
    w.cc.pick_up_device(&Actor::Operator("RP1".into()), &r.id).unwrap();
    w.clock.advance(chrono::Duration::hours(49));
    let back = w.cc.return_device(&family(), &r.id).unwrap();
    assert_eq!((back.state, back.fee_fen, back.refund_fen(), back.due_fen()), (RentalState::Returned, Some(900), Some(49100), Some(0)));
    assert_eq!(w.cc.nearest_with_device(home(), Device::Wheelchair, 1).unwrap()[0].id, "RP1");
    // Wrong steps are refused.
    let e = w.cc.return_device(&family(), &r.id).unwrap_err();
    assert!(e.to_string().contains("is returned"), "{e}");
    assert!(matches!(w.cc.pick_up_device(&Actor::Operator("RP2".into()), &r.id), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.set_device_stock(&DeviceStock { facility_id: "RP2".into(), device: Device::Walker, total: 1, deposit_fen: 0, daily_fee_fen: 0 }), Ok(())));
}

#[test]
fn under_concurrent_reservations_the_last_device_goes_once() {
    let w = world();
    with_rental_points(&w);
    let seniors: Vec<_> = (0..12).map(|i| senior(&format!("X{i:02}"), "1945-01-01", false)).collect();
    w.cc.put_seniors(&seniors).unwrap();
    let cc = Arc::new(w.cc);
    let threads: Vec<_> = (0..12)
        .map(|i| {
            let cc = cc.clone();
            std::thread::spawn(move || cc.reserve_device(&Actor::District, &format!("X{i:02}"), "RP2", Device::Wheelchair))
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, Error::Full(_))));
    assert_eq!(cc.device_stock("RP2").unwrap()[0].free, 0);
}

#[test]
fn an_sos_tells_the_family_and_the_nearest_station_then_escalates_on_time() {
    let w = world();
    w.cc.put_facilities(&[
        facility_near("ST1", FacilityKind::CommunityStation, 300.0, "emergency"),
        facility_near("ST2", FacilityKind::CommunityStation, 800.0, "emergency"),
        facility_near("ST3", FacilityKind::TownshipCenter, 5000.0, "day_care"),
    ])
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let _sub = w.cc.subscribe(move |e| {
        let _ = tx.send((e.kind, e.party_id));
    });
    let a = w.cc.raise_alert(&Actor::Senior("S1".into()), "S1", north_of_home(10.0)).unwrap();
    assert_eq!(a.station_id.as_deref(), Some("ST1"));
    use carecircle_core::event::EventKind::*;
    let got: Vec<_> = (0..3).map(|_| rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap()).collect();
    // The station, and both children (each receives alerts).
    assert_eq!(got, [(AlertRaised, Some("ST1".into())), (AlertNotified, Some("F1".into())), (AlertNotified, Some("F2".into()))]);
    // Nobody answers: at 4:59 nothing happens, at 5:00 it goes to ST2, then to ST3 (no emergency service, but a station), then the district.
    w.clock.advance(chrono::Duration::seconds(299));
    assert!(w.cc.escalate_alerts().unwrap().is_empty());
    w.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(w.cc.escalate_alerts().unwrap()[0].station_id.as_deref(), Some("ST2"));
    // ST1 was alerted too, so it may still take it; a station never alerted may not.
    assert!(matches!(w.cc.acknowledge_alert(&Actor::Operator("ST9".into()), &a.id), Err(Error::Forbidden(_))));
    w.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(w.cc.escalate_alerts().unwrap()[0].station_id.as_deref(), Some("ST3"));
    w.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(w.cc.escalate_alerts().unwrap()[0].station_id.as_deref(), Some("district"));
    w.clock.advance(chrono::Duration::minutes(5));
    assert!(w.cc.escalate_alerts().unwrap().is_empty(), "the district is the last stop");
    let acked = w.cc.acknowledge_alert(&Actor::Operator("ST1".into()), &a.id).unwrap();
    assert_eq!((acked.state.as_str(), acked.acknowledged_by.as_deref()), ("acknowledged", Some("operator:ST1")));
    assert!(w.cc.acknowledge_alert(&Actor::District, &a.id).is_err());
    let done = w.cc.resolve_alert(&family(), &a.id, "摔倒, 已送医").unwrap();
    assert_eq!((done.state.as_str(), done.resolved_by.as_deref()), ("resolved", Some("family:F1")));
    assert!(w.cc.open_alerts().unwrap().is_empty());
}

#[test]
fn an_acknowledged_alert_does_not_escalate_and_strangers_cannot_raise_one() {
    let w = world();
    w.cc.put_facilities(&[facility_near("ST1", FacilityKind::CommunityStation, 300.0, "emergency"), facility_near("ST2", FacilityKind::CommunityStation, 800.0, "emergency")]).unwrap();
    let a = w.cc.raise_alert(&family(), "S1", home()).unwrap();
    w.cc.acknowledge_alert(&Actor::Family("F2".into()), &a.id).unwrap();
    w.clock.advance(chrono::Duration::minutes(30));
    assert!(w.cc.escalate_alerts().unwrap().is_empty());
    assert!(matches!(w.cc.raise_alert(&Actor::Family("F9".into()), "S1", home()), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.raise_alert(&Actor::Caregiver("C1".into()), "S1", home()), Err(Error::Forbidden(_))));
}
