//! The bindings' Rust API, as the generated Kotlin and Swift call it (the foreign-language
//! tests are in tests/bindings/): conversions, coordinate systems and typed errors.
//! Unit tests, since the crate builds no rlib for integration tests to link.

use crate::carecircle::default_settings;
use crate::circle::default_required_kinds;
use crate::facility::{FacilityKind, NearbyQuery, Service};
use crate::import::ImportFormat;
use crate::position::{Crs, convert_position};
use crate::{CareCircle, CareCircleError};
use std::sync::Arc;

fn data(file: &str) -> String {
    format!("{}/../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

fn zhenhai() -> Arc<CareCircle> {
    let cc = CareCircle::open_in_memory(default_settings()).unwrap();
    let report = block_on(cc.import_file(data("zhenhai-facilities.geojson"), None)).unwrap();
    assert_eq!(report.inserted, 130);
    cc
}

fn canteens(k: u32) -> NearbyQuery {
    NearbyQuery { kinds: vec![FacilityKind::Canteen], services: vec![], open_at: None, k, radius_m: None }
}

#[test]
fn a_senior_finds_the_nearest_canteen_from_an_amap_position() {
    let cc = zhenhai();
    let found = cc.nearest(29.958439, 121.722260, Crs::Gcj02, canteens(5)).unwrap();
    assert_eq!(found.len(), 5);
    assert_eq!(found[0].id, "ZH-CT-01");
    assert!(found[0].distance_m < 300.0, "{}", found[0].distance_m);
    let within = cc.within(29.958439, 121.722260, Crs::Gcj02, NearbyQuery { radius_m: Some(found[1].distance_m), ..canteens(1) }).unwrap();
    assert_eq!(within, found[..2].to_vec());
    assert_eq!(FacilityKind::Canteen.code(), "canteen");
    assert_eq!(Service::DayCare.chinese(), "日间照料");
    let facility = cc.facility("ZH-CT-01".into()).unwrap();
    assert_eq!((facility.kind, facility.deleted), (FacilityKind::Canteen, false));
    assert!(facility.services.contains(&Service::Meals));
}

#[test]
fn positions_convert_between_systems_and_bad_ones_are_refused() {
    let gcj = convert_position(29.9609, 121.7180, Crs::Wgs84, Crs::Gcj02).unwrap();
    assert!((gcj.lat - 29.958439).abs() < 1e-4 && (gcj.lon - 121.722260).abs() < 1e-4, "{gcj:?}");
    let back = convert_position(gcj.lat, gcj.lon, Crs::Gcj02, Crs::Wgs84).unwrap();
    assert!((back.lat - 29.9609).abs() < 1e-5 && (back.lon - 121.7180).abs() < 1e-5);
    let e = convert_position(f64::NAN, 121.0, Crs::Bd09, Crs::Wgs84).unwrap_err();
    assert!(matches!(e, CareCircleError::InvalidCoordinate(_)), "{e}");
}

#[test]
fn bad_input_is_a_typed_error_with_a_plain_message() {
    let cc = zhenhai();
    let e = cc.nearest(95.0, 121.7, Crs::Gcj02, canteens(5)).unwrap_err();
    assert!(matches!(&e, CareCircleError::InvalidCoordinate(m) if m == "invalid coordinate: latitude 95 is outside -90..90"), "{e}");
    assert!(matches!(cc.nearest(29.9, 121.7, Crs::Wgs84, canteens(0)), Err(CareCircleError::InvalidInput(_))));
    assert!(matches!(cc.within(29.9, 121.7, Crs::Wgs84, canteens(5)), Err(CareCircleError::InvalidInput(_))));
    assert!(matches!(cc.facility("nope".into()), Err(CareCircleError::NotFound(_))));
    assert!(matches!(cc.circle(f64::NAN, 121.7, Crs::Wgs84), Err(CareCircleError::InvalidCoordinate(_))));
    let mut settings = default_settings();
    settings.circle_minutes = 0.0;
    assert!(matches!(CareCircle::open_in_memory(settings), Err(CareCircleError::InvalidInput(_))));
}

#[test]
fn a_bad_import_file_names_its_rows_and_changes_nothing() {
    let cc = zhenhai();
    let e = block_on(cc.import_file(data("samples/bad-facilities.csv"), None)).unwrap_err();
    assert!(matches!(&e, CareCircleError::ImportRejected(m) if m.contains("line 3: name is missing")), "{e}");
    assert_eq!(cc.facility_count(), 130);
    let e = block_on(cc.import_text("id,name\n".into(), ImportFormat::Csv, Some(Crs::Wgs84))).unwrap_err();
    assert!(matches!(e, CareCircleError::ImportRejected(_) | CareCircleError::InvalidInput(_)), "{e}");
}

#[test]
fn the_circle_and_the_coverage_of_homes() {
    let cc = zhenhai();
    let circle = cc.circle(29.958439, 121.722260, Crs::Gcj02).unwrap();
    assert_eq!((circle.kinds.len(), circle.services.len()), (6, 10));
    assert!(circle.kinds.iter().any(|r| r.code == "canteen" && r.covered));
    let homes = vec![
        crate::circle::Home { id: "H1".into(), lat: 29.958439, lon: 121.722260, division: "330211001001".into() },
        crate::circle::Home { id: "H2".into(), lat: 30.2, lon: 121.2, division: "330211001001".into() },
    ];
    let report = block_on(cc.coverage(homes, Crs::Gcj02, default_required_kinds())).unwrap();
    assert_eq!(report.homes, 2);
    assert_eq!(report.required, vec![FacilityKind::CommunityStation, FacilityKind::Canteen]);
    assert!(report.uncovered.iter().any(|h| h.id == "H2"));
    let bad = vec![crate::circle::Home { id: "H3".into(), lat: 91.0, lon: 0.0, division: String::new() }];
    assert!(matches!(block_on(cc.coverage(bad, Crs::Wgs84, vec![])), Err(CareCircleError::InvalidCoordinate(_))));
}

mod services {
    //! The areas over people, bookings and programmes, through the bindings' Rust API: the
    //! conversions (actors, instants, dates, positions) and the typed errors. The stories
    //! themselves run in Kotlin and Swift (tests/bindings/).
    use crate::actor::Actor;
    use crate::booking::{BookingRequest, BookingState};
    use crate::carecircle::{ManualClock, default_settings};
    use crate::facility::{Facility, FacilityKind, NearbyQuery, Service};
    use crate::people::{Caregiver, Conditions, FamilyLink, FamilyMember, FamilyPermissions, Gender, Senior, evaluate_assessment, parse_actor};
    use crate::position::Crs;
    use crate::{CareCircleError, CareCircle};
    use std::sync::Arc;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// 2026-11-23T00:00:00Z, Monday 08:00 in Shanghai.
    const MONDAY_8_SHANGHAI: u64 = 1_795_392_000;

    fn at(seconds_after_monday_8: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(MONDAY_8_SHANGHAI + seconds_after_monday_8)
    }

    fn world() -> (Arc<CareCircle>, Arc<ManualClock>) {
        let clock = ManualClock::new(at(0));
        let cc = CareCircle::open_in_memory_with_clock(default_settings(), clock.clone()).unwrap();
        let senior = Senior {
            id: "S1".into(),
            name: "王秀英".into(),
            birth_date: "1940-03-01".into(),
            gender: Gender::Female,
            lat: 29.958439,
            lon: 121.722260,
            address: String::new(),
            lives_alone: true,
            phone: String::new(),
            station_id: Some("ST".into()),
            division: "330211001001".into(),
        };
        cc.put_seniors(vec![senior], Crs::Gcj02).unwrap();
        cc.put_family_member(Actor::Family { id: "F1".into() }, FamilyMember { id: "F1".into(), name: "胡丽".into(), phone: String::new() }).unwrap();
        let can_book = FamilyPermissions { can_book: true, can_see_visits: true, receives_alerts: false, sees_health: true, sees_location: true, sees_money: true };
        let link = FamilyLink { senior_id: "S1".into(), family_id: "F1".into(), relation: "女儿".into(), permissions: can_book };
        // Consent on both sides: the senior proposes, the daughter accepts.
        cc.link_family(Actor::Senior { id: "S1".into() }, link.clone()).unwrap();
        cc.link_family(Actor::Family { id: "F1".into() }, link).unwrap();
        let carers = [("C1", 0.004), ("C2", 0.008)].map(|(id, dlat)| Caregiver {
            id: id.into(),
            name: id.into(),
            organisation: String::new(),
            station_id: Some("ST".into()),
            skills: vec![Service::Cleaning],
            lat: 29.9609 + dlat,
            lon: 121.7180,
            radius_m: 3000.0,
            availability: "24/7".into(),
        });
        cc.put_caregivers(carers.to_vec(), Crs::Wgs84).unwrap();
        (cc, clock)
    }

    #[test]
    fn positions_instants_and_dates_cross_as_documented() {
        let (cc, clock) = world();
        // The home was given in GCJ-02 and is stored and returned in WGS-84.
        let s = cc.senior("S1".into()).unwrap();
        assert!((s.lat - 29.9609).abs() < 1e-4 && (s.lon - 121.7180).abs() < 1e-4, "{s:?}");
        assert_eq!(cc.now(), at(0));
        assert_eq!(cc.today(), "2026-11-23");
        clock.advance(Duration::from_secs(16 * 3600));
        assert_eq!(cc.today(), "2026-11-24", "midnight in Shanghai is 16:00 UTC");
        let bad = Senior { birth_date: "1940-02-30".into(), ..s };
        assert!(matches!(cc.put_seniors(vec![bad], Crs::Wgs84), Err(CareCircleError::InvalidInput(m)) if m.contains("1940-02-30")));
        assert!(matches!(cc.menus("ZH-CT-01".into(), "tomorrow".into()), Err(CareCircleError::InvalidInput(_))));
        assert_eq!(parse_actor("operator:ST".into()).unwrap(), Actor::Operator { station_id: "ST".into() });
        assert_eq!(Actor::Family { id: "F1".into() }.label(), "family:F1");
        let e = evaluate_assessment(vec![300; 26], Conditions { dementia: false, psychiatric_disorder: false, risk_events_30d: 0 }).unwrap_err();
        assert!(matches!(e, CareCircleError::InvalidInput(_)), "{e}");
        let settings = cc.settings();
        assert_eq!((settings.checkin_flag_m, settings.offers_per_request), (150.0, 3));
    }

    #[test]
    fn the_first_accept_wins_and_the_second_is_already_taken() {
        let (cc, _clock) = world();
        let family = Actor::Family { id: "F1".into() };
        let request = BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(26 * 3600), duration_minutes: Some(60), note: String::new() };
        let b = cc.request_booking(family.clone(), request.clone()).unwrap();
        assert_eq!((b.state, b.start, b.end), (BookingState::Offered, at(26 * 3600), at(27 * 3600)));
        assert_eq!(cc.accept_booking(Actor::Caregiver { id: "C2".into() }, b.id.clone()).unwrap().caregiver_id.as_deref(), Some("C2"));
        let e = cc.accept_booking(Actor::Caregiver { id: "C1".into() }, b.id.clone()).unwrap_err();
        assert!(matches!(&e, CareCircleError::AlreadyTaken(m) if m.starts_with("already taken")), "{e}");
        let past = BookingRequest { start: UNIX_EPOCH, ..request };
        assert!(matches!(cc.request_booking(family, past), Err(CareCircleError::InvalidInput(_))));
    }

    #[test]
    fn facilities_are_put_in_any_system_and_deleted_as_tombstones() {
        let (cc, _clock) = world();
        let canteen = Facility {
            id: "CT1".into(),
            name: "老年食堂".into(),
            kind: FacilityKind::Canteen,
            lat: 29.958439,
            lon: 121.722260,
            address: String::new(),
            phone: String::new(),
            hours: "mon-sun 10:30-13:00".into(),
            services: vec![Service::Meals],
            capacity: 40,
            division: String::new(),
            updated_at: at(0),
            deleted: false,
        };
        assert_eq!(cc.put_facilities(vec![canteen.clone()], Crs::Gcj02).unwrap().inserted, 1);
        let q = NearbyQuery { kinds: vec![FacilityKind::Canteen], services: vec![], open_at: None, k: 1, radius_m: None };
        let found = cc.nearest(29.9609, 121.7180, Crs::Wgs84, q.clone()).unwrap();
        assert!(found[0].distance_m < 10.0, "{found:?}");
        let bad = Facility { hours: "sometimes".into(), ..canteen };
        assert!(matches!(cc.put_facilities(vec![bad], Crs::Wgs84), Err(CareCircleError::InvalidInput(_))));
        cc.delete_facility("CT1".into()).unwrap();
        assert!(cc.nearest(29.9609, 121.7180, Crs::Wgs84, q).unwrap().is_empty());
        assert!(cc.facility("CT1".into()).unwrap().deleted);
    }
}
