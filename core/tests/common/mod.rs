//! A small world for the booking stories: a senior in Zhenhai, her daughter, caregivers around.
#![allow(dead_code)]

use carecircle_core::clock::{ManualClock, parse_instant};
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, FamilyLink, FamilyMember, FamilyPermissions, Gender, Senior};
use carecircle_core::{CareCircle, Position, ServiceSet, Settings};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub const HOME: (f64, f64) = (29.9609, 121.7180);

pub fn at(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap()
}

pub fn home() -> Position {
    Position::new(HOME.0, HOME.1).unwrap()
}

/// A point `metres` north of the home.
pub fn north_of_home(metres: f64) -> Position {
    Position::new(HOME.0 + metres / 111_195.0, HOME.1).unwrap()
}

pub fn senior(id: &str, birth: &str, lives_alone: bool) -> Senior {
    Senior {
        id: id.into(),
        name: "王秀英".into(),
        birth_date: carecircle_core::clock::parse_date(birth).unwrap(),
        gender: Gender::Female,
        home: home(),
        address: "招宝山街道丰山路1号".into(),
        lives_alone,
        phone: "0574-86000000".into(),
        station_id: Some("ZH-CS-001".into()),
        division: "330211001001".into(),
    }
}

pub fn caregiver(id: &str, metres_from_home: f64, skills: &str) -> Caregiver {
    Caregiver {
        id: id.into(),
        name: format!("护理员{id}"),
        organisation: "镇海区九和社工服务中心".into(),
        station_id: Some("ZH-CS-001".into()),
        skills: ServiceSet::parse_list(skills).unwrap(),
        base: north_of_home(metres_from_home),
        radius_m: 3000.0,
        availability: WeeklyHours::parse("mon-sat 07:00-19:00").unwrap(),
    }
}

pub struct World {
    pub cc: CareCircle,
    pub clock: Arc<ManualClock>,
}

/// Monday 2026-11-23 08:00 Shanghai; senior S1 (b. 1940, lives alone) with daughter F1 (may book and see),
/// son F2 (alerts only); caregivers C1 (500 m), C2 (900 m), C3 (1500 m) clean and bathe, C4 (700 m) only cooks.
pub fn world() -> World {
    world_with(Settings::default())
}

pub fn world_with(settings: Settings) -> World {
    let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
    let cc = CareCircle::open_in_memory_with_clock(settings, clock.clone()).unwrap();
    cc.put_seniors(&[senior("S1", "1940-03-01", true), senior("S2", "1955-06-01", false)]).unwrap();
    for (id, name) in [("F1", "女儿"), ("F2", "儿子")] {
        cc.put_family_member(&FamilyMember { id: id.into(), name: name.into(), phone: String::new() }).unwrap();
    }
    cc.link_family(&FamilyLink {
        senior_id: "S1".into(),
        family_id: "F1".into(),
        relation: "女儿".into(),
        permissions: FamilyPermissions::ALL,
    })
    .unwrap();
    cc.link_family(&FamilyLink {
        senior_id: "S1".into(),
        family_id: "F2".into(),
        relation: "儿子".into(),
        permissions: FamilyPermissions { receives_alerts: true, ..FamilyPermissions::default() },
    })
    .unwrap();
    cc.put_caregivers(&[
        caregiver("C1", 500.0, "cleaning;bathing"),
        caregiver("C2", 900.0, "cleaning;bathing"),
        caregiver("C3", 1500.0, "cleaning"),
        caregiver("C4", 700.0, "meals"),
    ])
    .unwrap();
    World { cc, clock }
}

/// A facility `metres` north of the home.
pub fn facility_near(id: &str, kind: carecircle_core::FacilityKind, metres: f64, services: &str) -> carecircle_core::Facility {
    carecircle_core::Facility {
        id: id.into(),
        name: format!("设施{id}"),
        kind,
        position: north_of_home(metres),
        address: String::new(),
        phone: String::new(),
        hours: WeeklyHours::always(),
        services: ServiceSet::parse_list(services).unwrap(),
        capacity: 50,
        division: "330211001001".into(),
        updated_at: at("2026-11-01T00:00"),
        deleted: false,
    }
}
