//! A caregiver's day as one route: stories of matching that knows the day, a station's day plan
//! checked against every rule, and the plan going through the booking rules.

mod common;

use carecircle_core::booking::BookingRequest;
use carecircle_core::clock::{ManualClock, parse_date};
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, Gender, Senior};
use carecircle_core::route::day::{Change, check_day_plan};
use carecircle_core::{Actor, CareCircle, Position, Service, ServiceSet, Settings};
use common::at;
use std::sync::Arc;

const STATION: &str = "ST-R";
const LAT: f64 = 29.95;
const LON: f64 = 121.70;

/// A point `east` and `north` metres from the station's corner.
fn pos(east: f64, north: f64) -> Position {
    Position::new(LAT + north / 111_195.0, LON + east / (111_195.0 * LAT.to_radians().cos())).unwrap()
}

fn senior(id: &str, at: Position) -> Senior {
    Senior {
        id: id.into(),
        name: "李桂英".into(),
        birth_date: parse_date("1938-01-01").unwrap(),
        gender: Gender::Female,
        home: at,
        address: String::new(),
        lives_alone: true,
        phone: String::new(),
        station_id: Some(STATION.into()),
        division: "330211001001".into(),
    }
}

fn caregiver(id: &str, base: Position, skills: &str, hours: &str) -> Caregiver {
    Caregiver {
        id: id.into(),
        name: format!("护理员{id}"),
        organisation: "镇海区九和社工服务中心".into(),
        station_id: Some(STATION.into()),
        skills: ServiceSet::parse_list(skills).unwrap(),
        base,
        radius_m: 5000.0,
        availability: WeeklyHours::parse(hours).unwrap(),
    }
}

fn open(offers: u32) -> CareCircle {
    open_at(offers, Arc::new(ManualClock::new(at("2026-11-23T07:00"))))
}

fn open_at(offers: u32, clock: Arc<ManualClock>) -> CareCircle {
    let settings = Settings { offers_per_request: offers, ..Settings::default() };
    CareCircle::open_in_memory_with_clock(settings, clock).unwrap()
}

fn book(cc: &CareCircle, senior: &str, start: &str, minutes: u32) -> String {
    let req = BookingRequest { senior_id: senior.into(), service: Service::Cleaning, start: at(start), duration_minutes: Some(minutes), note: String::new() };
    cc.request_booking(&Actor::Operator(STATION.into()), &req).unwrap().id
}

#[test]
fn a_new_visit_goes_first_to_the_caregiver_whose_day_it_fits_not_the_nearest_base() {
    let cc = open(1);
    // NEAR's base is 300 m from the new home and NEAR is free only 10:00-11:30; FAR's base is 1.5 km
    // away, but FAR is next door at 09:00 and at 11:30.
    cc.put_caregivers(&[caregiver("NEAR", pos(1200.0, 0.0), "cleaning", "daily 10:00-11:30"), caregiver("FAR", pos(0.0, 0.0), "cleaning", "daily 08:00-17:00")]).unwrap();
    cc.put_seniors(&[senior("A", pos(1500.0, 30.0)), senior("B", pos(1500.0, -30.0)), senior("NEW", pos(1500.0, 0.0))]).unwrap();
    for (s, start) in [("A", "2026-11-24T09:00"), ("B", "2026-11-24T11:30")] {
        let id = book(&cc, s, start, 60);
        assert_eq!(cc.offers(&id).unwrap()[0].caregiver_id, "FAR");
        cc.accept_booking(&Actor::Caregiver("FAR".into()), &id).unwrap();
    }
    let new = book(&cc, "NEW", "2026-11-24T10:15", 60);
    let offers = cc.offers(&new).unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].caregiver_id, "FAR", "60 m of detour in FAR's day beats a 600 m round trip from NEAR's base");
    // With an empty day, the nearest base still comes first.
    let other_day = book(&cc, "NEW", "2026-11-25T10:15", 60);
    assert_eq!(cc.offers(&other_day).unwrap()[0].caregiver_id, "NEAR");
}

/// Two caregivers a few metres apart, four homes 2 km east in a zig-zag so that the nearest base
/// alternates: nearest-first splits the chain; one walk along it is half the travel.
fn zigzag() -> (CareCircle, Vec<String>) {
    let cc = open(3);
    cc.put_caregivers(&[
        caregiver("A", pos(0.0, 0.0), "cleaning;bathing", "daily 08:00-17:00"),
        caregiver("B", pos(0.0, 60.0), "cleaning", "daily 08:00-17:00"),
        caregiver("OFF", pos(10.0, 30.0), "cleaning", "daily 08:00-17:00"),
        caregiver("COOK", pos(5.0, 30.0), "meals", "daily 08:00-17:00"),
    ])
    .unwrap();
    let homes = [pos(2000.0, -40.0), pos(2100.0, 100.0), pos(2200.0, -40.0), pos(2300.0, 100.0)];
    cc.put_seniors(&homes.iter().enumerate().map(|(i, h)| senior(&format!("H{i}"), *h)).collect::<Vec<_>>()).unwrap();
    cc.mark_absent(&Actor::Operator(STATION.into()), "OFF", parse_date("2026-11-24").unwrap(), parse_date("2026-11-24").unwrap(), "病假").unwrap();
    let ids = ["09:00", "10:00", "11:00", "13:00"].iter().enumerate().map(|(i, t)| book(&cc, &format!("H{i}"), &format!("2026-11-24T{t}"), 40)).collect();
    (cc, ids)
}

#[test]
fn a_station_day_beats_nearest_first_and_keeps_every_rule() {
    let (cc, ids) = zigzag();
    // As matching left it: H0 and H2 offered first to A, H1 and H3 to B.
    assert_eq!(cc.offers(&ids[0]).unwrap()[0].caregiver_id, "A");
    assert_eq!(cc.offers(&ids[1]).unwrap()[0].caregiver_id, "B");
    let plan = cc.plan_day(&Actor::Operator(STATION.into()), STATION, parse_date("2026-11-24").unwrap()).unwrap();
    let settings = cc.route_settings().unwrap();
    assert_eq!(check_day_plan(&cc, &plan, &settings).unwrap(), Vec::<String>::new());
    assert!(plan.unassigned.is_empty(), "{:?}", plan.unassigned);
    assert_eq!(plan.routes.len(), 1, "one caregiver walks the chain: {:?}", plan.routes.iter().map(|r| &r.caregiver_id).collect::<Vec<_>>());
    assert!(plan.routes.iter().all(|r| r.caregiver_id != "OFF" && r.caregiver_id != "COOK"), "absent and unskilled caregivers get nothing");
    assert!(plan.after.travel_seconds < 0.6 * plan.before.travel_seconds, "before {:.0} s, after {:.0} s", plan.before.travel_seconds, plan.after.travel_seconds);
    let stops = &plan.routes[0].stops;
    assert_eq!(stops.iter().map(|s| s.booking_id.clone()).collect::<Vec<_>>(), ids, "in booked order along the street");
    for s in stops {
        assert!(s.arrival <= s.start && (s.start - s.booked_start).num_minutes().abs() <= 30);
    }
}

#[test]
fn confirming_offers_through_the_booking_rules_and_moves_nothing_accepted_without_acceptance() {
    let (cc, ids) = zigzag();
    // B accepted H1 before the plan; the plan gives the chain to A (or B): find out who.
    cc.accept_booking(&Actor::Caregiver("B".into()), &ids[1]).unwrap();
    let date = parse_date("2026-11-24").unwrap();
    let plan = cc.plan_day(&Actor::Operator(STATION.into()), STATION, date).unwrap();
    assert_eq!(plan.routes.len(), 1);
    let who = plan.routes[0].caregiver_id.clone();
    let other = if who == "A" { "B" } else { "A" };
    assert!(cc.confirm_day_plan(&Actor::Operator("ELSEWHERE".into()), &plan.id).is_err(), "another station may not confirm");
    let done = cc.confirm_day_plan(&Actor::Operator(STATION.into()), &plan.id).unwrap();
    assert!(done.skipped.is_empty(), "{:?}", done.skipped);
    for id in &ids {
        let b = cc.booking(id).unwrap();
        let open: Vec<String> = cc.offers(id).unwrap().into_iter().filter(|o| o.status == "open").map(|o| o.caregiver_id).collect();
        if *id == ids[1] && who == "A" {
            // Accepted by B: B keeps it until A accepts the handover.
            assert_eq!(b.caregiver_id.as_deref(), Some("B"));
            assert_eq!(open, vec!["A".to_string()]);
            assert!(matches!(plan.routes[0].stops[1].change, Change::Handover { .. }));
        } else if b.caregiver_id.is_none() {
            assert_eq!(open, vec![who.clone()], "offered to the planned caregiver alone");
        }
        let eta = cc.expected_arrival(id).unwrap().expect("an expected arrival");
        assert_eq!(eta.caregiver_id, who);
    }
    assert!(cc.confirm_day_plan(&Actor::Operator(STATION.into()), &plan.id).is_err(), "a plan is confirmed once");
    if who == "A" {
        // The handover: A declines once it is offered? Here A accepts; B is released.
        let b = cc.accept_booking(&Actor::Caregiver("A".into()), &ids[1]).unwrap();
        assert_eq!(b.caregiver_id.as_deref(), Some("A"));
        let offers = cc.offers(&ids[1]).unwrap();
        assert_eq!(offers.iter().find(|o| o.caregiver_id == "B").unwrap().status, "handed_over");
        assert!(cc.expected_arrival(&ids[1]).unwrap().unwrap().confirmed);
    }
    for id in &ids {
        let _ = cc.accept_booking(&Actor::Caregiver(who.clone()), id);
    }
    let day = cc.caregiver_day(&Actor::Caregiver(who.clone()), &who, date).unwrap();
    assert_eq!(day.stops.iter().map(|s| s.booking.id.clone()).collect::<Vec<_>>(), ids);
    assert!(day.stops.iter().all(|s| s.planned && s.status == "accepted"));
    assert!(cc.caregiver_day(&Actor::Caregiver(other.into()), &who, date).is_err(), "a colleague does not see another's day");
}

#[test]
fn a_declined_handover_leaves_the_visit_with_the_caregiver_who_accepted_it() {
    let (cc, ids) = zigzag();
    let date = parse_date("2026-11-24").unwrap();
    // B accepts H1 and H3; the plan moves one chain to one caregiver.
    cc.accept_booking(&Actor::Caregiver("B".into()), &ids[1]).unwrap();
    cc.accept_booking(&Actor::Caregiver("B".into()), &ids[3]).unwrap();
    let plan = cc.plan_day(&Actor::District, STATION, date).unwrap();
    assert_eq!(check_day_plan(&cc, &plan, &cc.route_settings().unwrap()).unwrap(), Vec::<String>::new());
    let who = plan.routes[0].caregiver_id.clone();
    cc.confirm_day_plan(&Actor::District, &plan.id).unwrap();
    if who == "A" {
        cc.decline_booking(&Actor::Caregiver("A".into()), &ids[1], "太远").unwrap();
        let b = cc.booking(&ids[1]).unwrap();
        assert_eq!((b.state.code(), b.caregiver_id.as_deref()), ("accepted", Some("B")));
    } else {
        // The plan kept B's accepted visits and brought the rest to B.
        assert_eq!(cc.booking(&ids[1]).unwrap().caregiver_id.as_deref(), Some("B"));
    }
}

#[test]
fn windows_skills_and_breaks_are_kept_and_an_impossible_visit_is_left_unplanned() {
    let cc = open(3);
    cc.put_caregivers(&[caregiver("A", pos(0.0, 0.0), "cleaning;bathing", "daily 08:00-17:00"), caregiver("B", pos(50.0, 0.0), "cleaning", "daily 08:00-11:30,13:30-17:00")]).unwrap();
    cc.put_seniors(&(0..8).map(|i| senior(&format!("S{i}"), pos(300.0 * f64::from(i), 200.0 * f64::from(i % 3)))).collect::<Vec<_>>()).unwrap();
    let mut ids = Vec::new();
    for (i, t) in ["08:30", "09:00", "10:00", "11:45", "12:00", "14:00", "15:00", "16:30"].iter().enumerate() {
        ids.push(book(&cc, &format!("S{i}"), &format!("2026-11-24T{t}"), 45));
    }
    let req = BookingRequest { senior_id: "S7".into(), service: Service::Bathing, start: at("2026-11-24T09:00"), duration_minutes: Some(60), note: String::new() };
    let bath = cc.request_booking(&Actor::Operator(STATION.into()), &req).unwrap().id;
    let plan = cc.plan_day(&Actor::District, STATION, parse_date("2026-11-24").unwrap()).unwrap();
    assert_eq!(check_day_plan(&cc, &plan, &cc.route_settings().unwrap()).unwrap(), Vec::<String>::new());
    let route_of = |id: &str| plan.routes.iter().find(|r| r.stops.iter().any(|s| s.booking_id == id)).map(|r| r.caregiver_id.clone());
    assert_eq!(route_of(&bath).as_deref(), Some("A"), "only A bathes");
    // 16:30 + 45 min ends at 17:15, past everyone's day, even 30 minutes early it fits: it is planned.
    for r in &plan.routes {
        for s in &r.stops {
            let noon = at("2026-11-24T12:00");
            assert!(!(s.start < noon + chrono::Duration::minutes(30) && s.end > noon), "{} works through the break", r.caregiver_id);
        }
    }
    let total = plan.routes.iter().map(|r| r.stops.len()).sum::<usize>() + plan.unassigned.len();
    assert_eq!(total, 9);
}

/// A river between two banks, one bridge 1.5 km north: streets along each bank and the bridge.
/// Returns the graph and the home on the east bank.
fn river() -> (carecircle_core::network::Graph, Position) {
    let e7 = |p: Position| [(p.lat * 1e7).round() as i32, (p.lon * 1e7).round() as i32];
    let west = [pos(600.0, 0.0), pos(600.0, 750.0), pos(600.0, 1500.0)];
    let east = [pos(1000.0, -1200.0), pos(1000.0, -600.0), pos(1000.0, 0.0), pos(1000.0, 750.0), pos(1000.0, 1500.0)];
    let coords: Vec<[i32; 2]> = west.iter().chain(&east).map(|p| e7(*p)).collect();
    let segments = [(0, 1), (1, 2), (2, 7), (3, 4), (4, 5), (5, 6), (6, 7)];
    (carecircle_core::network::Graph::from_segments(&coords, segments), pos(1000.0, 0.0))
}

#[test]
fn matching_plans_and_days_walk_the_streets_once_the_district_has_loaded_them() {
    let clock = Arc::new(ManualClock::new(at("2026-11-23T07:00")));
    let cc = open_at(1, clock.clone());
    // NEAR's base is 400 m across the river from the home (3.4 km over the bridge); FAR's is
    // 1.2 km down the home's own bank.
    cc.put_caregivers(&[caregiver("NEAR", pos(600.0, 0.0), "cleaning", "daily 08:00-17:00"), caregiver("FAR", pos(1000.0, -1200.0), "cleaning", "daily 08:00-17:00")]).unwrap();
    let (graph, home) = river();
    cc.put_seniors(&[senior("H", home)]).unwrap();
    let before = book(&cc, "H", "2026-11-24T09:00", 60);
    assert_eq!(cc.offers(&before).unwrap()[0].caregiver_id, "NEAR", "in a straight line NEAR is nearest");

    cc.put_network(graph, "river").unwrap();
    let after = book(&cc, "H", "2026-11-25T09:00", 60);
    assert_eq!(cc.offers(&after).unwrap()[0].caregiver_id, "FAR", "over the bridge NEAR is 3.4 km away, FAR 1.2 km");
    cc.accept_booking(&Actor::Caregiver("FAR".into()), &after).unwrap();

    // FAR's day: there and back along the east bank, at the route settings' walking speed.
    let settings = cc.route_settings().unwrap();
    let date = parse_date("2026-11-25").unwrap();
    let day = cc.caregiver_day(&Actor::Caregiver("FAR".into()), "FAR", date).unwrap();
    assert!((day.travel_seconds - 2400.0 / settings.walk_m_per_s).abs() < 1.0, "{}", day.travel_seconds);

    // The station's plan measures the same streets, and its checker agrees.
    let plan = cc.plan_day(&Actor::Operator(STATION.into()), STATION, date).unwrap();
    assert_eq!(plan.routes.len(), 1);
    assert_eq!(plan.routes[0].caregiver_id, "FAR");
    assert!((plan.routes[0].distance_m - 2400.0).abs() < 1.0, "{}", plan.routes[0].distance_m);
    assert_eq!(check_day_plan(&cc, &plan, &settings).unwrap(), Vec::<String>::new());
    assert!(cc.route_travel(&settings).unwrap().on_streets());

    // On the day, the one map draws FAR's route: from the base's cell over the east bank's street
    // to the home's cell and back, never through the river, and never at the home itself.
    clock.set(at("2026-11-25T07:30"));
    for actor in [Actor::District, Actor::Operator(STATION.into())] {
        let map = cc.one_map(&actor).unwrap();
        assert_eq!(map.routes.len(), 1, "{actor:?}");
        let r = &map.routes[0];
        assert_eq!((r.caregiver_id.as_str(), r.visits), ("FAR", 1));
        assert!((r.travel_minutes - 2400.0 / settings.walk_m_per_s / 60.0).abs() < 0.1, "{}", r.travel_minutes);
        let cell = [map.cells[0].lat, map.cells[0].lon];
        assert!(r.path.contains(&cell), "the path passes through the home's cell centre");
        assert!(!r.path.iter().any(|p| *p == [home.lat, home.lon]), "the home itself is never drawn");
        let west_of_river = pos(800.0, 0.0).lon;
        assert!(r.path.iter().all(|p| p[1] > west_of_river), "the way stays on the east bank: {:?}", r.path);
    }
}
