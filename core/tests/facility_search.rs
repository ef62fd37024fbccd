//! Nearest and within-radius search must equal a brute-force great-circle scan,
//! everywhere on Earth: near the poles and across the 180th meridian too.

use carecircle_core::catalogue::NearbyQuery;
use carecircle_core::clock::parse_instant;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::{CareCircle, Error, Facility, FacilityKind, Position, Service, ServiceSet, Settings};
use proptest::prelude::*;

fn facility(id: usize, lat: f64, lon: f64, kind: FacilityKind, services: u16, open: bool) -> Facility {
    Facility {
        id: format!("F{id:05}"),
        name: format!("设施{id}"),
        kind,
        position: Position::new(lat, lon).unwrap(),
        address: String::new(),
        phone: String::new(),
        hours: if open { WeeklyHours::always() } else { WeeklyHours::parse("mon 08:00-09:00").unwrap() },
        services: ServiceSet::from_bits(services),
        capacity: 10,
        division: "330211003001".into(),
        updated_at: parse_instant("2026-11-23T09:00").unwrap(),
        deleted: false,
    }
}

/// The reference: scan everything, great-circle distance, nearest first, ties by id.
fn brute_force(all: &[Facility], q: &NearbyQuery) -> Vec<(String, f64)> {
    let mut hits: Vec<(String, f64)> = all
        .iter()
        .filter(|f| !f.deleted)
        .filter(|f| q.kinds.is_empty() || q.kinds.contains(&f.kind))
        .filter(|f| f.services.contains_all(q.services))
        .filter(|f| q.open_at.is_none_or(|t| f.hours.is_open_at(t)))
        .map(|f| (f.id.clone(), q.at.distance_m(f.position)))
        .filter(|(_, d)| q.radius_m.is_none_or(|r| *d <= r))
        .collect();
    hits.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    hits
}

/// Positions that stress the sphere: anywhere, near a pole, or near the antimeridian.
fn position() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        (-90.0..=90.0f64, -180.0..=180.0f64),
        (85.0..=90.0f64, -180.0..=180.0f64),
        (-90.0..=-85.0f64, -180.0..=180.0f64),
        (-30.0..=30.0f64, prop_oneof![175.0..=180.0f64, -180.0..=-175.0f64]),
        (29.89..=30.09f64, 121.49..=121.80f64),
    ]
}

fn kind() -> impl Strategy<Value = FacilityKind> {
    proptest::sample::select(FacilityKind::ALL.to_vec())
}

fn assert_same(got: &[carecircle_core::Nearby], want: &[(String, f64)]) {
    let got_ids: Vec<&str> = got.iter().map(|n| n.id.as_str()).collect();
    let want_ids: Vec<&str> = want.iter().map(|w| w.0.as_str()).collect();
    assert_eq!(got_ids, want_ids);
    for (g, w) in got.iter().zip(want) {
        assert!((g.distance_m - w.1).abs() < 0.01, "{} vs {}", g.distance_m, w.1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn nearest_and_within_equal_a_brute_force_scan(
        places in proptest::collection::vec((position(), kind(), 0u16..1024, any::<bool>()), 1..250),
        queries in proptest::collection::vec((position(), proptest::collection::vec(kind(), 0..3), 0u16..4, any::<bool>(), 1u32..12, 0.0..3_000_000.0f64), 1..12),
        deleted in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let mut all: Vec<Facility> = places.iter().enumerate()
            .map(|(i, ((lat, lon), kind, services, open))| facility(i, *lat, *lon, *kind, *services, *open))
            .collect();
        let cc = CareCircle::open_in_memory(Settings::default()).unwrap();
        cc.put_facilities(&all).unwrap();
        // Deletions go through the index's incremental path.
        for d in deleted {
            let f = d.get(&all).id.clone();
            if !all.iter().find(|x| x.id == f).unwrap().deleted {
                cc.delete_facility(&f).unwrap();
                all.iter_mut().find(|x| x.id == f).unwrap().deleted = true;
            }
        }
        let monday_10 = parse_instant("2026-11-23T10:00").unwrap();
        for ((lat, lon), kinds, services, only_open, k, radius) in queries {
            let mut q = NearbyQuery::new(Position::new(lat, lon).unwrap()).kinds(kinds).k(k);
            q.services = ServiceSet::from_bits(services);
            q.open_at = only_open.then_some(monday_10);
            let want = brute_force(&all, &q);
            assert_same(&cc.nearest(&q).unwrap(), &want[..want.len().min(k as usize)]);
            let q = q.radius_m(radius);
            let want = brute_force(&all, &q);
            assert_same(&cc.within(&q).unwrap(), &want);
            assert_same(&cc.nearest(&q).unwrap(), &want[..want.len().min(k as usize)]);
        }
    }
}

#[test]
fn the_nearest_across_the_antimeridian_is_on_the_other_side() {
    let cc = CareCircle::open_in_memory(Settings::default()).unwrap();
    cc.put_facilities(&[
        facility(1, 0.0, -179.99, FacilityKind::Clinic, 0, true),
        facility(2, 0.0, 179.0, FacilityKind::Clinic, 0, true),
        facility(3, 89.99, 0.0, FacilityKind::Clinic, 0, true),
    ])
    .unwrap();
    let got = cc.nearest(&NearbyQuery::new(Position::new(0.0, 179.99).unwrap()).k(1)).unwrap();
    assert_eq!(got[0].id, "F00001");
    assert!((got[0].distance_m - 2_223.9).abs() < 1.0, "{}", got[0].distance_m);
    // Across the pole: 180 degrees of longitude apart, 0.02 degrees of latitude.
    let got = cc.nearest(&NearbyQuery::new(Position::new(89.99, 180.0).unwrap()).k(1)).unwrap();
    assert_eq!(got[0].id, "F00003");
    assert!(got[0].distance_m < 2_300.0);
}

#[test]
fn results_carry_walking_minutes_from_the_settings() {
    let mut settings = Settings::default();
    settings.walk.speed_m_per_s = 0.8;
    settings.walk.detour_factor = 1.2;
    let cc = CareCircle::open_in_memory(settings).unwrap();
    cc.put_facilities(&[facility(1, 29.955, 121.710, FacilityKind::Canteen, 1, true)]).unwrap();
    let home = Position::new(29.950, 121.710).unwrap();
    let got = cc.nearest(&NearbyQuery::new(home)).unwrap();
    assert!((got[0].walk_minutes.unwrap() - got[0].distance_m * 1.2 / 0.8 / 60.0).abs() < 1e-9);
}

#[test]
fn bad_queries_get_typed_errors() {
    let cc = CareCircle::open_in_memory(Settings::default()).unwrap();
    let home = Position::new(29.95, 121.71).unwrap();
    assert!(matches!(cc.nearest(&NearbyQuery::new(home).k(0)), Err(Error::InvalidInput { field: "k", .. })));
    assert!(matches!(cc.nearest(&NearbyQuery::new(home).radius_m(f64::NAN)), Err(Error::InvalidInput { field: "radius", .. })));
    assert!(matches!(cc.within(&NearbyQuery::new(home).radius_m(-1.0)), Err(Error::InvalidInput { field: "radius", .. })));
    assert!(matches!(cc.within(&NearbyQuery::new(home)), Err(Error::InvalidInput { field: "radius", .. })));
    assert!(matches!(cc.facility("nope"), Err(Error::NotFound { what: "facility", .. })));
    let mut settings = Settings::default();
    settings.walk.speed_m_per_s = f64::NAN;
    assert!(CareCircle::open_in_memory(settings).is_err());
}

#[test]
fn a_rejected_import_leaves_the_database_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "id,name,kind,lat,lon,services,hours\nA,甲站,community_station,29.95,121.71,day_care;meals,mon-fri 08:00-17:00\n").unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,name,kind,lat,lon\nA,改名,community_station,29.96,121.72\nB,乙站,community_station,29.95,121.71\nC,,canteen,29.95,121.71\n").unwrap();
    let cc = CareCircle::open(&db, Settings::default()).unwrap();
    cc.import_file(&good, None).unwrap();
    let before = cc.facility("A").unwrap();
    let e = cc.import_file(&bad, None).unwrap_err();
    assert_eq!(e.to_string(), "import rejected, nothing was changed: 1 bad row(s)\n  line 4: name is missing");
    assert_eq!(cc.facility("A").unwrap(), before);
    assert!(cc.facility("B").is_err());
    assert_eq!(cc.facility_count(), 1);
    drop(cc);
    // And after reopening, the index is rebuilt from what was committed.
    let cc = CareCircle::open(&db, Settings::default()).unwrap();
    assert_eq!(cc.facility_count(), 1);
    let f = cc.facility("A").unwrap();
    assert!(f.services.contains(Service::DayCare));
    assert_eq!(f.hours.to_string(), "mon-fri 08:00-17:00");
}

#[test]
fn the_index_follows_updates_moves_and_deletes() {
    let cc = CareCircle::open_in_memory(Settings::default()).unwrap();
    let mut f = facility(1, 29.95, 121.71, FacilityKind::Canteen, 1, true);
    cc.put_facilities(&[f.clone()]).unwrap();
    let far = Position::new(30.05, 121.52).unwrap();
    f.position = far;
    cc.put_facilities(&[f.clone()]).unwrap();
    let got = cc.nearest(&NearbyQuery::new(far).k(5)).unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].distance_m < 0.001);
    cc.delete_facility(&f.id).unwrap();
    assert!(cc.nearest(&NearbyQuery::new(far)).unwrap().is_empty());
    // The tombstone stays for sync.
    assert!(cc.facility(&f.id).unwrap().deleted);
    assert_eq!(cc.facilities_changed_since(None, 10).unwrap().len(), 1);
}
