//! The demo platform: the synthetic district, a family member for its first senior, and one
//! account per role (password `demo` for all), and, for the load benchmark, a fixture of visits
//! offered to one caregiver.

use crate::auth::hash_password;
use carecircle_core::account::Account;
use carecircle_core::booking::BookingRequest;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, FamilyLink, FamilyMember, FamilyPermissions};
use carecircle_core::{Actor, CareCircle, Service, ServiceSet};

pub const DEMO_PASSWORD: &str = "demo";
pub const DEMO_SENIOR: &str = "ZH-S-000001";
pub const DEMO_FAMILY: &str = "ZH-F-000001";
/// Seniors whose SOS is open when the demo platform starts (one of them the demo senior's
/// neighbour, so that the demo station's operator sees one).
const DEMO_ALERTS: [&str; 3] = ["ZH-S-000007", "ZH-S-012345", "ZH-S-031416"];

/// Loads the demo district once, and makes the demo accounts. Returns the accounts made: (login, actor).
/// Also its programmes, care plans, family doctors and a month of history (played on a second
/// handle that `second` opens on the same database, SQLite or PostgreSQL), and a few open SOS
/// alerts, so that the one map and the statistics have something to show.
pub fn load(cc: &CareCircle, second: impl FnOnce(std::sync::Arc<dyn carecircle_core::clock::Clock>) -> carecircle_core::Result<CareCircle>) -> Result<Vec<(String, Actor)>, String> {
    let e = |e: carecircle_core::Error| e.to_string();
    if cc.facility_count() == 0 {
        cc.load_demo_facilities().map_err(e)?;
    }
    cc.load_demo_divisions().map_err(e)?;
    cc.load_demo_network().map_err(e)?;
    if cc.caregiver_count() == 0 {
        cc.load_demo_people().map_err(e)?;
    }
    // The same on both backends: programmes, then a month of care history played on a second
    // handle with a clock of its own.
    cc.load_demo_programmes(cc.today()).map_err(e)?;
    cc.load_demo_care_on(second).map_err(e)?;
    // The second handle wrote behind this one's indexes.
    cc.refresh_indexes().map_err(e)?;
    if cc.open_alerts().map_err(e)?.is_empty() {
        for id in DEMO_ALERTS {
            let senior = cc.senior(id).map_err(e)?;
            cc.raise_alert(&Actor::Senior(id.to_string()), id, senior.home).map_err(e)?;
        }
    }
    let senior = cc.senior(DEMO_SENIOR).map_err(e)?;
    cc.put_family_member(&FamilyMember { id: DEMO_FAMILY.into(), name: "胡丽".into(), phone: "138-0000-0001".into() }).map_err(e)?;
    cc.link_family(&FamilyLink {
        senior_id: DEMO_SENIOR.into(),
        family_id: DEMO_FAMILY.into(),
        relation: "女儿".into(),
        permissions: FamilyPermissions::ALL,
    })
    .map_err(e)?;
    let mut accounts = vec![
        ("district".to_string(), Actor::District),
        ("senior".to_string(), Actor::Senior(DEMO_SENIOR.into())),
        ("family".to_string(), Actor::Family(DEMO_FAMILY.into())),
    ];
    if let Some(station) = &senior.station_id {
        accounts.push(("operator".to_string(), Actor::Operator(station.clone())));
    }
    // The caregivers a cleaning visit to the demo senior is offered to: caregiver1, caregiver2, ...
    let near = cc.caregivers_near(senior.home, Service::Cleaning, cc.settings().offers_per_request as usize);
    for (i, c) in near.iter().enumerate() {
        accounts.push((format!("caregiver{}", i + 1), Actor::Caregiver(c.id.clone())));
    }
    make_accounts(cc, &accounts)?;
    Ok(accounts)
}

fn make_accounts(cc: &CareCircle, accounts: &[(String, Actor)]) -> Result<(), String> {
    for (login, actor) in accounts {
        if cc.account(login).map_err(|e| e.to_string())?.is_some_and(|a| a.actor == *actor) {
            continue;
        }
        let hash = hash_password(DEMO_PASSWORD).map_err(|e| e.message)?;
        cc.put_account(&Account { login: login.clone(), actor: actor.clone(), password_hash: hash, disabled: false }).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// For the load benchmark: caregiver LOAD-C1 (account `load-caregiver`) at the demo senior's
/// home, free at all hours, and `n` one-hour visits in a row offered to it.
pub fn load_fixture(cc: &CareCircle, n: u32) -> Result<(), String> {
    let e = |e: carecircle_core::Error| e.to_string();
    let senior = cc.senior(DEMO_SENIOR).map_err(e)?;
    cc.put_caregivers(&[Caregiver {
        id: "LOAD-C1".into(),
        name: "压测护理员".into(),
        organisation: "load test".into(),
        station_id: senior.station_id.clone(),
        skills: ServiceSet::from_iter([Service::Cleaning]),
        base: senior.home,
        radius_m: 5000.0,
        availability: WeeklyHours::always(),
    }])
    .map_err(e)?;
    make_accounts(cc, &[("load-caregiver".to_string(), Actor::Caregiver("LOAD-C1".into()))])?;
    let start = cc.now() + chrono::Duration::days(1);
    let start = start - chrono::Duration::seconds(start.timestamp() % 3600);
    for i in 0..n {
        let req = BookingRequest { senior_id: DEMO_SENIOR.into(), service: Service::Cleaning, start: start + chrono::Duration::hours(i64::from(i)), duration_minutes: Some(60), note: String::new() };
        let id = format!("load-{i:05}");
        match cc.request_booking_with_id(&Actor::District, &id, &req) {
            Ok(_) | Err(carecircle_core::Error::Duplicate { .. }) => {}
            Err(err) => return Err(err.to_string()),
        }
    }
    Ok(())
}
