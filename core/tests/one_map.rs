//! The one map (养老一张图): who gets it, what it holds for each area, and that no senior's home
//! leaves as a point.

mod common;

use carecircle_core::access::Area;
use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::{Actor, Error, FacilityKind, Position, Service};
use common::*;

const DIVISIONS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.70,29.95],[121.80,29.95],[121.80,30.00],[121.70,30.00],[121.70,29.95]]]},"properties":{"code":"330211000000","name":"镇海区","level":"district"}},
 {"type":"Feature","geometry":{"type":"Point","coordinates":[121.718,29.962]},"properties":{"code":"330211001000","name":"招宝山街道","level":"street","parent":"330211000000"}},
 {"type":"Feature","geometry":{"type":"Point","coordinates":[121.718,29.961]},"properties":{"code":"330211001001","name":"招宝山街道甲社区","level":"community","parent":"330211001000"}}
]}"#;

/// The common world (S1 and S2 at home, served by ZH-CS-001), plus S3 five km east, served by
/// ZH-CS-002; ZH-CS-001 stands 100 m from home and serves meals; ZH-CS-002 cleans; both answer SOS.
fn map_world() -> World {
    let w = world();
    let mut east = senior("S3", "1938-01-01", true);
    east.home = Position::new(common::HOME.0, common::HOME.1 + 0.052).unwrap();
    east.station_id = Some("ZH-CS-002".into());
    east.division = "330211001002".into();
    w.cc.put_seniors(&[east.clone()]).unwrap();
    let mut far = facility_near("ZH-CS-002", FacilityKind::CommunityStation, 0.0, "cleaning;emergency");
    far.position = Position::new(east.home.lat + 0.001, east.home.lon).unwrap();
    far.division = "330211001002".into();
    w.cc.put_facilities(&[facility_near("ZH-CS-001", FacilityKind::CommunityStation, 100.0, "meals;emergency"), far]).unwrap();
    w.cc.import_divisions_geojson(DIVISIONS).unwrap();
    w
}

fn homes(w: &World) -> Vec<Position> {
    w.cc.seniors().unwrap().iter().map(|s| s.home).collect()
}

#[test]
fn only_operators_and_administrators_get_the_map() {
    let w = map_world();
    for actor in [Actor::Family("F1".into()), Actor::Senior("S1".into()), Actor::Caregiver("C1".into())] {
        match w.cc.one_map(&actor) {
            Err(Error::Forbidden(msg)) => assert!(msg.contains("station operators and district administrators"), "{msg}"),
            other => panic!("{actor:?} got {other:?}"),
        }
    }
    assert_eq!(w.cc.one_map(&Actor::District).unwrap().area, Area::District);
    assert_eq!(w.cc.one_map(&Actor::Operator("ZH-CS-001".into())).unwrap().area, Area::Station("ZH-CS-001".into()));
}

#[test]
fn homes_leave_only_as_cells_and_every_home_is_in_its_cell() {
    let w = map_world();
    let map = w.cc.one_map(&Actor::District).unwrap();
    assert_eq!(map.cells.iter().map(|c| c.seniors).sum::<u32>(), 3);
    assert_eq!(map.cells.len(), 2, "S1 and S2 share a home, S3 lives 5 km away");
    let mut points: Vec<Position> = map.cells.iter().map(|c| Position::new(c.lat, c.lon).unwrap()).collect();
    points.extend(map.divisions.iter().flat_map(|d| d.hull.iter().map(|p| Position::new(p[0], p[1]).unwrap())));
    points.extend(map.visits.iter().map(|v| Position::new(v.lat, v.lon).unwrap()));
    for home in homes(&w) {
        for p in &points {
            assert!(p.distance_m(home) > 1.0, "a home leaves the platform as a point: {p:?}");
        }
        // Within half a cell's diagonal of its cell's centre.
        let nearest = map.cells.iter().map(|c| home.distance_m(Position::new(c.lat, c.lon).unwrap())).fold(f64::INFINITY, f64::min);
        assert!(nearest <= map.cell_m * 0.71, "{nearest} m");
    }
}

#[test]
fn holes_per_service_agree_with_the_statistics() {
    let w = map_world();
    let map = w.cc.one_map(&Actor::District).unwrap();
    let stats = w.cc.district_stats(&Actor::District, 2026, 11).unwrap();
    for holes in &map.holes {
        let covered = stats.district.circle.iter().find(|c| c.service == holes.service).unwrap().covered;
        assert_eq!(holes.seniors, 3 - covered, "{:?}: seniors in hole cells against seniors the statistics count out of the circle", holes.service);
    }
    let meals = map.holes.iter().find(|h| h.service == Service::Meals).unwrap();
    assert_eq!(meals.seniors, 1, "only S3 is far from meals");
    let s3_cell = &map.cells[meals.cells[0] as usize];
    assert!(s3_cell.lon > common::HOME.1 + 0.04, "the hole is S3's cell");
    let bathing = map.holes.iter().find(|h| h.service == Service::Bathing).unwrap();
    assert_eq!((bathing.cells.len(), bathing.seniors), (2, 3), "nobody bathes anyone");
}

#[test]
fn an_operator_sees_their_station_s_seniors_alerts_and_visits_and_every_facility() {
    let w = map_world();
    w.cc.raise_alert(&Actor::Senior("S1".into()), "S1", home()).unwrap();
    let far_alert = w.cc.raise_alert(&Actor::Senior("S3".into()), "S3", w.cc.senior("S3").unwrap().home).unwrap();
    let book = |start: &str| {
        w.cc.request_booking(&Actor::Family("F1".into()), &BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(start), duration_minutes: Some(60), note: String::new() }).unwrap()
    };
    let today = book("2026-11-23T10:00");
    book("2026-11-24T10:00");

    let district = w.cc.one_map(&Actor::District).unwrap();
    assert_eq!(district.alerts.len(), 2);
    assert_eq!(district.visits.len(), 1, "only today's visit (Shanghai's day)");
    assert_eq!((district.visits[0].booking_id.as_str(), district.visits[0].state), (today.id.as_str(), BookingState::Offered));
    assert_eq!(district.area_name, "镇海区");
    assert_eq!(district.outline.len(), 4);

    let station = w.cc.one_map(&Actor::Operator("ZH-CS-001".into())).unwrap();
    assert_eq!(station.cells.iter().map(|c| c.seniors).sum::<u32>(), 2, "S1 and S2, not S3");
    assert_eq!(station.alerts.len(), 1, "S1's alert; S3's went to ZH-CS-002");
    assert_ne!(station.alerts[0].id, far_alert.id);
    assert_eq!(station.visits.len(), 1);
    assert_eq!(station.facilities.len(), 2, "facilities are public: all of them are drawn");
    assert_eq!(station.area_name, "设施ZH-CS-001");
    let village = &station.divisions[0];
    assert_eq!(station.divisions.len(), 1);
    assert_eq!((village.code.as_str(), village.name.as_str(), village.township_name.as_str(), village.seniors), ("330211001001", "招宝山街道甲社区", "招宝山街道", 2));
    let b = &station.bounds;
    assert!(b.south < common::HOME.0 && common::HOME.0 < b.north && b.west < common::HOME.1 && common::HOME.1 < b.east);
    assert!(b.east < common::HOME.1 + 0.01, "framed on the station's seniors, not S3");

    // A click at the senior's home is in her village (its hull of home cells holds her cell's
    // centre); a click far out at sea is in none. The rule is the core's, the page only asks.
    let home = Position::new(common::HOME.0, common::HOME.1).unwrap();
    let clicked = w.cc.village_at(&Actor::Operator("ZH-CS-001".into()), home).unwrap();
    assert_eq!(clicked.map(|v| v.code), Some("330211001001".to_string()));
    assert_eq!(station.village_at(Position::new(30.5, 122.5).unwrap()), None);

    let other = w.cc.one_map(&Actor::Operator("ZH-CS-002".into())).unwrap();
    assert_eq!((other.cells.len(), other.visits.len(), other.alerts.len()), (1, 0, 1));
    assert_eq!(other.divisions[0].name, "330211001002", "a code without a name in the table keeps its code");
}

#[test]
fn an_empty_platform_draws_an_empty_map() {
    let cc = carecircle_core::CareCircle::open_in_memory(Default::default()).unwrap();
    let map = cc.one_map(&Actor::District).unwrap();
    assert!(map.cells.is_empty() && map.facilities.is_empty() && map.divisions.is_empty());
    assert!(map.bounds.south.is_finite() && map.bounds.east.is_finite());
    serde_json::to_string(&map).unwrap();
}
