#![cfg(feature = "demo")]
//! The 15-minute circle on the demo district's walking network: the same rules as in a
//! straight line, judged along streets, rivers and bridges.

use carecircle_core::circle::DEFAULT_REQUIRED;
use carecircle_core::{CareCircle, Error, FacilityKind, Position, Settings};

fn district(network: bool) -> CareCircle {
    let cc = CareCircle::open_in_memory(Settings { use_network: network, ..Settings::default() }).unwrap();
    cc.load_demo_facilities().unwrap();
    if network {
        assert!(cc.load_demo_network().unwrap());
        assert!(!cc.load_demo_network().unwrap(), "loaded once");
    }
    cc
}

#[test]
fn a_homes_circle_is_walked_along_the_streets() {
    let cc = district(true);
    let home = Position::new(29.958162, 121.712422).unwrap();
    let circle = cc.circle(home).unwrap();
    assert!(circle.network);
    assert_eq!(circle.reach_m, 900.0);
    for reach in circle.kinds.iter().chain(&circle.services) {
        let n = reach.nearest.as_ref().expect("the district has every kind and service");
        let m = n.walk_m.expect("the old town is connected");
        // Never shorter than the straight line; minutes are metres at 1 m/s, no detour factor.
        assert!(m >= n.distance_m - 1e-6, "{}: {m} < {}", reach.code, n.distance_m);
        assert!((n.walk_minutes.unwrap() - m / 60.0).abs() < 1e-9);
        assert_eq!(reach.covered, m <= 900.0);
        // The field's answer is the point-to-point walk to that facility.
        let walk = cc.walk(home, Position::new(n.lat, n.lon).unwrap()).unwrap();
        assert!((walk.metres - m).abs() < 1e-6, "{}: field {m} vs walk {}", reach.code, walk.metres);
    }
    // Nearest results carry the walk beside the great-circle distance.
    let near = cc.nearest(&carecircle_core::NearbyQuery::new(home).kinds([FacilityKind::Canteen]).k(3)).unwrap();
    assert!(near.iter().all(|n| n.walk_m.unwrap() >= n.distance_m));
}

#[test]
fn coverage_on_the_network_differs_from_the_straight_line_and_is_fast() {
    let (walking, straight) = (district(true), district(false));
    let homes = carecircle_core::demo::homes().unwrap();
    let homes = &homes[..homes.len() / 5];
    let t = std::time::Instant::now();
    let on = walking.coverage(homes, DEFAULT_REQUIRED).unwrap();
    let took = t.elapsed();
    let off = straight.coverage(homes, DEFAULT_REQUIRED).unwrap();
    assert!(on.network && !off.network);
    assert_eq!(on.homes, off.homes);
    let changed = on.services.iter().zip(&off.services).filter(|(a, b)| a.covered != b.covered).count();
    assert!(changed >= 5, "the network changes most services' shares: {changed}");
    assert!(took.as_secs_f64() < 5.0, "{took:?}");
    // The one map's holes and the statistics follow the network too.
    let map = walking.one_map(&carecircle_core::Actor::District).unwrap();
    assert!(map.network);
    assert_eq!(map.reach_m, 900.0);
}

#[test]
fn walks_isochrones_and_bad_input() {
    let cc = district(true);
    let a = Position::new(29.962, 121.718).unwrap();
    let b = Position::new(29.955, 121.705).unwrap();
    let w = cc.walk(a, b).unwrap();
    assert!(w.metres >= w.straight_m && w.metres < 3.0 * w.straight_m, "{w:?}");
    assert_eq!(w.path.first(), Some(&[a.lat, a.lon]));
    assert_eq!(w.path.last(), Some(&[b.lat, b.lon]));
    // Across the canal only by a bridge: much longer than the straight line.
    let north = Position::new(29.990, 121.662).unwrap();
    let south = Position::new(29.970, 121.662).unwrap();
    let across = cc.walk(north, south).unwrap();
    assert!(across.metres > 1.3 * across.straight_m, "{across:?}");
    let iso = cc.isochrone(a, 15.0).unwrap();
    assert!(matches!(iso.geometry["type"].as_str(), Some("Polygon" | "MultiPolygon")));
    assert!(iso.area_m2 > 1e6 && iso.area_m2 < 4e6, "{}", iso.area_m2);
    assert!(matches!(cc.isochrone(a, f64::NAN), Err(Error::InvalidInput { .. })));
    assert!(matches!(cc.isochrone(a, 0.0), Err(Error::InvalidInput { .. })));
    // Without a network: a clear refusal, and the circle as before.
    let none = district(false);
    assert!(matches!(none.walk(a, b), Err(Error::NotFound { .. })));
    assert!(!none.circle(a).unwrap().network);
}
