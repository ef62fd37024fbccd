//! What the fuzz targets share: a small district on an in-memory SQLite platform, made once
//! per fuzzing process, on a clock that stands still (so that an input means the same thing on
//! every run), and the actors that call it.
//!
//! The district is the server tests' one (server/tests/common): stations ST1 and ST2, seniors S1
//! (ST1) and S2 (ST2), family F1 (may book and see S1's visits) and F2 (only S1's alerts),
//! caregivers C1, C2, C3 of ST1 (offered S1's visits) and C4 of ST2, and a street grid. On top,
//! bookings of S1 in every state, for the commands and paths that act on one:
//! `B-REQ` (offered, tomorrow), `B-ACC` (accepted by C1, today, not started), `B-IN` (C2 checked
//! in) and `B-DONE` (C3 checked in and out).

use carecircle_core::booking::BookingRequest;
use carecircle_core::clock::{ManualClock, parse_instant};
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, FamilyLink, FamilyMember, FamilyPermissions, Gender, Senior};
use carecircle_core::{Actor, CareCircle, Facility, FacilityKind, Position, Service, ServiceSet, Settings};
use std::sync::Arc;

/// S1's home.
pub const HOME: (f64, f64) = (29.9609, 121.7180);
/// The platform's time while fuzzing (Shanghai): a Monday morning, 45 minutes into today's visits.
pub const NOW: &str = "2026-11-23T09:45";
/// The bookings made at start-up.
pub const BOOKINGS: [&str; 4] = ["B-REQ", "B-ACC", "B-IN", "B-DONE"];

/// The callers, by login, and their actors.
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("district", "district"),
    ("operator", "operator:ST1"),
    ("operator2", "operator:ST2"),
    ("senior", "senior:S1"),
    ("senior2", "senior:S2"),
    ("family", "family:F1"),
    ("family2", "family:F2"),
    ("caregiver1", "caregiver:C1"),
    ("caregiver2", "caregiver:C2"),
    ("caregiver4", "caregiver:C4"),
    ("system", "system"),
];

pub fn actor(i: u8) -> Actor {
    Actor::parse(ACCOUNTS[usize::from(i) % ACCOUNTS.len()].1).expect("a known actor")
}

/// An empty in-memory platform on the standing clock.
pub fn empty_platform() -> CareCircle {
    let clock = Arc::new(ManualClock::new(parse_instant(NOW).expect("a time")));
    CareCircle::open_in_memory_with_clock(Settings::default(), clock).expect("open an in-memory platform")
}

/// The small district with its bookings, on an in-memory platform.
pub fn small_district() -> CareCircle {
    let clock = Arc::new(ManualClock::new(parse_instant("2026-11-23T08:00").expect("a time")));
    let cc = CareCircle::open_in_memory_with_clock(Settings::default(), clock.clone()).expect("open an in-memory platform");
    seed(&cc, &clock).expect("seed the small district");
    clock.set(parse_instant(NOW).expect("a time"));
    cc
}

fn position(north_m: f64) -> Position {
    Position::new(HOME.0 + north_m / 111_195.0, HOME.1).expect("a position")
}

fn station(id: &str, north_m: f64) -> Facility {
    Facility {
        id: id.into(),
        name: format!("站{id}"),
        kind: FacilityKind::CommunityStation,
        position: position(north_m),
        address: String::new(),
        phone: String::new(),
        hours: WeeklyHours::always(),
        services: ServiceSet::parse_list("cleaning;emergency").expect("services"),
        capacity: 0,
        division: "330211001001".into(),
        updated_at: parse_instant("2026-11-01T08:00").expect("a time"),
        deleted: false,
    }
}

fn senior(id: &str, station: &str, north_m: f64) -> Senior {
    Senior {
        id: id.into(),
        name: "王秀英".into(),
        birth_date: carecircle_core::clock::parse_date("1940-03-01").expect("a date"),
        gender: Gender::Female,
        home: position(north_m),
        address: "招宝山街道丰山路1号".into(),
        lives_alone: true,
        phone: "0574-86000000".into(),
        station_id: Some(station.into()),
        division: "330211001001".into(),
    }
}

fn caregiver(id: &str, north_m: f64) -> Caregiver {
    Caregiver {
        id: id.into(),
        name: format!("护理员{id}"),
        organisation: "镇海区九和社工服务中心".into(),
        station_id: Some("ST1".into()),
        skills: ServiceSet::parse_list("cleaning;bathing").expect("skills"),
        base: position(north_m),
        radius_m: 5000.0,
        availability: WeeklyHours::always(),
    }
}

/// Streets 100 m apart in a square of 4 km around the home.
fn street_grid() -> carecircle_core::network::Graph {
    let (n, step) = (41i32, 9_000i32);
    let (lat0, lon0) = ((HOME.0 * 1e7) as i32 - 20 * step, (HOME.1 * 1e7) as i32 - 20 * step);
    let mut coords = Vec::new();
    let mut segs = Vec::new();
    for i in 0..n {
        for j in 0..n {
            coords.push([lat0 + i * step, lon0 + j * step]);
            let k = (i * n + j) as u32;
            if j + 1 < n {
                segs.push((k, k + 1));
            }
            if i + 1 < n {
                segs.push((k, k + n as u32));
            }
        }
    }
    carecircle_core::network::Graph::from_segments(&coords, segs)
}

fn seed(cc: &CareCircle, clock: &ManualClock) -> carecircle_core::Result<()> {
    cc.put_facilities(&[station("ST1", 300.0), station("ST2", 20_000.0)])?;
    cc.put_seniors(&[senior("S1", "ST1", 0.0), senior("S2", "ST2", 20_000.0)])?;
    for id in ["F1", "F2"] {
        cc.put_family_member(&FamilyMember { id: id.into(), name: format!("家属{id}"), phone: String::new() })?;
    }
    let link = |f: &str, p| FamilyLink { senior_id: "S1".into(), family_id: f.into(), relation: "子女".into(), permissions: p };
    cc.link_family(&link("F1", FamilyPermissions { can_book: true, can_see_visits: true, receives_alerts: true, ..Default::default() }))?;
    cc.link_family(&link("F2", FamilyPermissions { can_book: false, can_see_visits: false, receives_alerts: true, ..Default::default() }))?;
    let mut far = caregiver("C4", 40_000.0);
    far.station_id = Some("ST2".into());
    far.radius_m = 1000.0;
    cc.put_caregivers(&[caregiver("C1", 500.0), caregiver("C2", 900.0), caregiver("C3", 1500.0), far])?;
    cc.put_network(street_grid(), "fuzz streets")?;

    let family = Actor::Family("F1".into());
    let at = |s: &str| parse_instant(s).expect("a time");
    let req = |start: &str| BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(start), duration_minutes: Some(30), note: "请按门铃".into() };
    cc.request_booking_with_id(&family, "B-REQ", &req("2026-11-24T10:00"))?;
    for (id, start, by) in [("B-ACC", "2026-11-23T10:00", "C1"), ("B-IN", "2026-11-23T09:00", "C2"), ("B-DONE", "2026-11-23T08:30", "C3")] {
        cc.request_booking_with_id(&family, id, &req(start))?;
        cc.accept_booking(&Actor::Caregiver(by.into()), id)?;
    }
    let home = position(0.0);
    clock.set(at("2026-11-23T08:31"));
    cc.check_in(&Actor::Caregiver("C3".into()), "B-DONE", home)?;
    clock.set(at("2026-11-23T09:01"));
    cc.check_out(&Actor::Caregiver("C3".into()), "B-DONE", home)?;
    cc.check_in(&Actor::Caregiver("C2".into()), "B-IN", home)?;
    Ok(())
}

/// Fails the run on an error that is not the rules refusing the input: the server answers those
/// 500, which no body should be able to cause.
pub fn no_internal_error<T>(what: &str, r: &carecircle_core::Result<T>) {
    if let Err(e) = r {
        if !carecircle_core::sync::is_rule_error(e) {
            panic!("{what}: an internal error for an input: {e:?}");
        }
    }
}
