//! Sync stories without the network: phones (their own databases) and the platform (another
//! database) exchange pushes and pulls through the same functions the server calls.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::clock::ManualClock;
use carecircle_core::person::{FamilyLink, FamilyPermissions};
use carecircle_core::sync::{PullRequest, PushResult};
use carecircle_core::{Actor, CareCircle, Service, Settings};
use common::*;
use std::sync::Arc;

/// The stories run on an embedded SQLite platform and, when CARECIRCLE_TEST_PG names a
/// PostgreSQL server (and the postgres feature is on), on a fresh PostgreSQL database too.
fn platforms() -> Vec<(&'static str, Box<dyn Fn() -> Box<dyn carecircle_core::db::Database>>)> {
    let mut out: Vec<(&'static str, Box<dyn Fn() -> Box<dyn carecircle_core::db::Database>>)> =
        vec![("sqlite", Box::new(|| Box::new(carecircle_core::db::SqliteDb::open_in_memory().unwrap())))];
    #[cfg(feature = "postgres")]
    match std::env::var("CARECIRCLE_TEST_PG") {
        Ok(base) => {
            let name = format!("cc_core_{}", uuid_like());
            let url = carecircle_core::db_postgres::create_database(&base, &name).unwrap();
            out.push(("postgres", Box::new(move || Box::new(carecircle_core::db_postgres::PgDb::connect(&url, 4).unwrap()))));
        }
        Err(_) => eprintln!("CARECIRCLE_TEST_PG is not set: the PostgreSQL variant is skipped"),
    }
    out
}

#[cfg(feature = "postgres")]
fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}", t, std::process::id())
}

/// The world of `common`, on a database of the caller's.
fn world_on(db: Box<dyn carecircle_core::db::Database>) -> World {
    let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
    let cc = CareCircle::open_on(db, Settings::default(), clock.clone()).unwrap();
    cc.put_seniors(&[senior("S1", "1940-03-01", true), senior("S2", "1955-06-01", false)]).unwrap();
    for (id, name) in [("F1", "女儿"), ("F2", "儿子")] {
        cc.put_family_member(&carecircle_core::person::FamilyMember { id: id.into(), name: name.into(), phone: String::new() }).unwrap();
    }
    let link = |f: &str, p: FamilyPermissions| FamilyLink { senior_id: "S1".into(), family_id: f.into(), relation: "子女".into(), permissions: p };
    cc.link_family(&link("F1", FamilyPermissions::ALL)).unwrap();
    cc.link_family(&link("F2", FamilyPermissions { receives_alerts: true, ..FamilyPermissions::default() })).unwrap();
    cc.put_caregivers(&[caregiver("C1", 500.0, "cleaning;bathing"), caregiver("C2", 900.0, "cleaning;bathing"), caregiver("C3", 1500.0, "cleaning")]).unwrap();
    World { cc, clock }
}

fn each_platform(story: impl Fn(World)) {
    for (name, open) in platforms() {
        eprintln!("platform on {name}");
        story(world_on(open()));
    }
}

fn phone(clock: &Arc<ManualClock>, login: &str) -> CareCircle {
    let cc = CareCircle::open_in_memory_with_clock(Settings::default(), clock.clone()).unwrap();
    cc.bind_sync("direct://platform", login).unwrap();
    cc
}

/// Push then pull, as `sync()` does, with pages of `limit`.
fn sync(platform: &CareCircle, phone: &CareCircle, actor: &Actor, limit: u32) -> Vec<PushResult> {
    let mut refused = Vec::new();
    loop {
        let batch = phone.pending_push(10).unwrap();
        if batch.is_empty() {
            break;
        }
        let results: Vec<PushResult> = batch.iter().map(|e| platform.apply_pushed(actor, e).unwrap()).collect();
        phone.record_push_results(&results).unwrap();
        refused.extend(results.into_iter().filter(|r| !r.ok));
    }
    loop {
        let refresh = phone.records_to_refresh().unwrap();
        let cursor = phone.sync_binding().unwrap().unwrap().cursor;
        let req = PullRequest { cursor, limit: Some(limit), refresh: refresh.iter().map(|(_, s)| s.clone()).collect() };
        let page = platform.pull(actor, &req).unwrap();
        let keys: Vec<String> = refresh.into_iter().map(|(k, _)| k).collect();
        phone.apply_pull(&page, &keys).unwrap();
        if !page.more {
            break;
        }
    }
    refused
}

fn request(start: &str) -> BookingRequest {
    BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(start), duration_minutes: Some(60), note: String::new() }
}

#[test]
fn a_daughter_books_offline_and_the_caregiver_accepts_checks_in_and_out_through_sync() {
    each_platform(|w| {
        let f1 = Actor::Family("F1".into());
        let c1 = Actor::Caregiver("C1".into());
        let family = phone(&w.clock, "f1");
        let carer = phone(&w.clock, "c1");
        sync(&w.cc, &family, &f1, 3);
        sync(&w.cc, &carer, &c1, 500);
        assert_eq!(family.senior("S1").unwrap().id, "S1");
        assert!(family.senior("S2").is_err(), "S2 never shared with F1");

        let b = family.request_booking(&f1, &request("2026-11-24T09:00")).unwrap();
        assert_eq!(b.state, BookingState::Requested, "no caregivers on the family's phone: it waits for the platform");
        assert_eq!(family.outbox().unwrap().len(), 1);
        sync(&w.cc, &family, &f1, 500);
        assert!(family.outbox().unwrap().is_empty());
        assert_eq!(family.booking(&b.id).unwrap().state, BookingState::Offered);
        assert_eq!(w.cc.booking(&b.id).unwrap().state, BookingState::Offered);

        sync(&w.cc, &carer, &c1, 500);
        carer.accept_booking(&c1, &b.id).unwrap();
        sync(&w.cc, &carer, &c1, 500);
        assert_eq!(w.cc.booking(&b.id).unwrap().caregiver_id.as_deref(), Some("C1"));

        w.clock.set(at("2026-11-24T08:55"));
        carer.check_in(&c1, &b.id, home()).unwrap();
        w.clock.set(at("2026-11-24T10:00"));
        carer.check_out(&c1, &b.id, home()).unwrap();
        w.clock.set(at("2026-11-24T18:00"));
        sync(&w.cc, &carer, &c1, 500);
        sync(&w.cc, &family, &f1, 500);
        let server = w.cc.visit(&b.id).unwrap().unwrap();
        // The EVV times are the phone's, not the sync's.
        assert_eq!(server.check_in_at, at("2026-11-24T08:55"));
        assert_eq!(server.check_out_at, Some(at("2026-11-24T10:00")));
        for p in [&family, &carer] {
            assert_eq!(p.booking(&b.id).unwrap(), w.cc.booking(&b.id).unwrap());
            assert_eq!(p.visit(&b.id).unwrap().unwrap(), server);
        }
        assert!(family.synced_events(0, 100).unwrap().iter().any(|e| e.kind == carecircle_core::event::EventKind::VisitCompleted));
    });
}

#[test]
fn the_same_push_twice_is_applied_once() {
    each_platform(|w| {
        let f1 = Actor::Family("F1".into());
        let family = phone(&w.clock, "f1");
        sync(&w.cc, &family, &f1, 500);
        family.request_booking(&f1, &request("2026-11-24T09:00")).unwrap();
        let entry = family.pending_push(1).unwrap().remove(0);
        let first = w.cc.apply_pushed(&f1, &entry).unwrap();
        let second = w.cc.apply_pushed(&f1, &entry).unwrap();
        assert!(first.ok);
        assert_eq!(first, second);
        assert_eq!(w.cc.bookings_for_senior(&f1, "S1").unwrap().len(), 1);
    });
}

#[test]
fn the_second_caregivers_accept_is_refused_and_overwritten_by_the_pull() {
    each_platform(|w| {
        let f1 = Actor::Family("F1".into());
        let (c1, c2) = (Actor::Caregiver("C1".into()), Actor::Caregiver("C2".into()));
        let b = w.cc.request_booking(&f1, &request("2026-11-24T09:00")).unwrap();
        let (p1, p2) = (phone(&w.clock, "c1"), phone(&w.clock, "c2"));
        sync(&w.cc, &p1, &c1, 500);
        sync(&w.cc, &p2, &c2, 500);
        p1.accept_booking(&c1, &b.id).unwrap();
        p2.accept_booking(&c2, &b.id).unwrap();
        assert!(sync(&w.cc, &p1, &c1, 500).is_empty());
        let refused = sync(&w.cc, &p2, &c2, 500);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].code.map(|c| c.as_str()), Some("already_taken"));
        let outbox = p2.outbox().unwrap();
        assert_eq!((outbox.len(), outbox[0].state.as_str(), outbox[0].error_code.map(|c| c.as_str())), (1, "rejected", Some("already_taken")));
        let on_p2 = p2.booking(&b.id).unwrap();
        assert_eq!(on_p2.state, BookingState::Accepted);
        assert_eq!(on_p2.caregiver_id, None, "another caregiver's name is not shown");
        assert_eq!(p2.offers(&b.id).unwrap()[0].status, "lost");
        assert_eq!(w.cc.booking(&b.id).unwrap().caregiver_id.as_deref(), Some("C1"));
    });
}

#[test]
fn a_booking_the_platform_refuses_disappears_from_the_phone() {
    each_platform(|w| {
        let f1 = Actor::Family("F1".into());
        let family = phone(&w.clock, "f1");
        sync(&w.cc, &family, &f1, 500);
        let b = family.request_booking(&f1, &request("2026-11-24T09:00")).unwrap();
        // Meanwhile the senior withdrew F1's right to book.
        w.cc.link_family(&FamilyLink { senior_id: "S1".into(), family_id: "F1".into(), relation: "女儿".into(), permissions: FamilyPermissions { can_book: false, ..FamilyPermissions::ALL } })
            .unwrap();
        let refused = sync(&w.cc, &family, &f1, 500);
        assert_eq!(refused[0].code.map(|c| c.as_str()), Some("forbidden"));
        assert_eq!(refused[0].message.as_deref(), Some("not allowed"));
        assert!(family.booking(&b.id).is_err(), "the phantom booking is gone");
        assert!(!family.family_links("S1").unwrap()[0].permissions.can_book);
    });
}

#[test]
fn a_family_member_who_loses_access_loses_the_data() {
    each_platform(|w| {
        let f1 = Actor::Family("F1".into());
        let family = phone(&w.clock, "f1");
        w.cc.request_booking(&f1, &request("2026-11-24T09:00")).unwrap();
        sync(&w.cc, &family, &f1, 500);
        assert_eq!(family.bookings_for_senior(&Actor::System, "S1").unwrap().len(), 1);
        w.cc.link_family(&FamilyLink { senior_id: "S1".into(), family_id: "F1".into(), relation: "女儿".into(), permissions: FamilyPermissions::default() }).unwrap();
        sync(&w.cc, &family, &f1, 500);
        assert!(family.senior("S1").is_err());
        // The son, who only receives alerts, never saw the bookings.
        let son = phone(&w.clock, "f2");
        sync(&w.cc, &son, &Actor::Family("F2".into()), 500);
        assert!(son.senior("S1").is_err());
    });
}

#[test]
fn two_handles_on_one_database_see_each_others_caregivers_and_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("district.db");
    let mut shared: Vec<(&str, Box<dyn Fn() -> Box<dyn carecircle_core::db::Database>>)> =
        vec![("sqlite file", Box::new(move || Box::new(carecircle_core::db::SqliteDb::open(&path).unwrap())))];
    for (name, open) in platforms() {
        if name == "postgres" {
            shared.push((name, open));
        }
    }
    for (name, open) in shared {
        eprintln!("two handles on {name}");
        let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
        let a = CareCircle::open_on(open(), Settings::default(), clock.clone()).unwrap();
        let b = CareCircle::open_on(open(), Settings::default(), clock.clone()).unwrap();
        a.put_seniors(&[senior("S1", "1940-03-01", true)]).unwrap();
        b.set_index_refresh_interval(std::time::Duration::ZERO);
        assert_eq!(b.caregiver_count(), 0);
        a.put_caregivers(&[caregiver("C1", 500.0, "cleaning")]).unwrap();
        assert_eq!(b.caregiver_count(), 1);
        // Matching on b offers the visit to the caregiver that a added.
        let booked = b.request_booking(&Actor::District, &request("2026-11-24T09:00")).unwrap();
        assert_eq!(booked.state, BookingState::Offered);
        a.put_facilities(&[facility_near("ZH-CS-9", carecircle_core::FacilityKind::CommunityStation, 200.0, "cleaning")]).unwrap();
        assert_eq!(b.nearest(&carecircle_core::NearbyQuery::new(home()).k(1)).unwrap()[0].id, "ZH-CS-9");
        // And the default interval: a change shows within 100 ms.
        b.set_index_refresh_interval(std::time::Duration::from_millis(100));
        a.delete_facility("ZH-CS-9").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert!(b.nearest(&carecircle_core::NearbyQuery::new(home()).k(1)).unwrap().is_empty());
    }
}

/// Two handles (two server instances) accept the same visit at once, many times over: one winner each time.
#[test]
fn two_instances_accepting_at_once_make_exactly_one_winner() {
    for (name, open) in platforms() {
        if name != "postgres" {
            continue;
        }
        let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
        let a = Arc::new(world_on(open()).cc);
        let b = Arc::new(CareCircle::open_on(open(), Settings::default(), clock).unwrap());
        let f1 = Actor::Family("F1".into());
        for i in 0..10 {
            let bk = a.request_booking(&f1, &request(&format!("2026-11-{:02}T09:00", 24 + i % 5))).unwrap();
            let (x, y) = (a.clone(), b.clone());
            let (id1, id2) = (bk.id.clone(), bk.id.clone());
            let t1 = std::thread::spawn(move || x.accept_booking(&Actor::Caregiver("C1".into()), &id1));
            let t2 = std::thread::spawn(move || y.accept_booking(&Actor::Caregiver("C2".into()), &id2));
            let (r1, r2) = (t1.join().unwrap(), t2.join().unwrap());
            assert!(r1.is_ok() ^ r2.is_ok(), "exactly one wins: {r1:?} {r2:?}");
            let loser = if r1.is_ok() { r2 } else { r1 };
            assert!(matches!(loser, Err(carecircle_core::Error::AlreadyTaken { .. }) | Err(carecircle_core::Error::CaregiverBusy { .. })), "{loser:?}");
            // Free both caregivers for the next round.
            a.cancel_booking(&f1, &bk.id, "test").unwrap();
        }
    }
}

#[test]
fn the_districts_walking_network_reaches_a_phone_packed_and_is_replaced_whole() {
    use carecircle_core::network::Graph;
    // A 3 x 3 street grid, 100 m apart, and later a bigger one that replaces it.
    let grid = |n: i32| {
        let mut coords = Vec::new();
        let mut segs = Vec::new();
        for i in 0..n {
            for j in 0..n {
                coords.push([299_550_000 + i * 9_000, 1_217_100_000 + j * 10_000]);
                let k = (i * n + j) as u32;
                if j + 1 < n {
                    segs.push((k, k + 1));
                }
                if i + 1 < n {
                    segs.push((k, k + n as u32));
                }
            }
        }
        Graph::from_segments(&coords, segs)
    };
    each_platform(|w| {
        let family = Actor::Family("F1".into());
        let ph = phone(&w.clock, "family");
        assert!(ph.walking_network().unwrap().is_none());
        w.cc.put_network(grid(3), "test grid").unwrap();
        sync(&w.cc, &ph, &family, 500);
        let got = ph.walking_network().unwrap().expect("the phone has the network");
        assert_eq!(got.graph(), &grid(3));
        // A bigger network (more chunks) and back to a small one: no chunk of the old one stays.
        let big = grid(160);
        let summary = w.cc.put_network(big.clone(), "big grid").unwrap();
        assert!(summary.packed_bytes > 48 * 1024, "{summary:?}");
        sync(&w.cc, &ph, &family, 500);
        assert_eq!(ph.walking_network().unwrap().unwrap().graph(), &big);
        w.cc.put_network(grid(4), "small again").unwrap();
        sync(&w.cc, &ph, &family, 500);
        assert_eq!(ph.walking_network().unwrap().unwrap().graph(), &grid(4));
        assert_eq!(ph.network_summary().unwrap().unwrap().source, "small again");
        // The walk on the phone is the platform's walk.
        let (a, b) = (carecircle_core::Position::new(29.9551, 121.7101).unwrap(), carecircle_core::Position::new(29.9578, 121.7129).unwrap());
        assert_eq!(ph.walk(a, b).unwrap(), w.cc.walk(a, b).unwrap());
    });
}
