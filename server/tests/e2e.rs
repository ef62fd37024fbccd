//! End to end: the real server on a random loopback port; a daughter's phone and a caregiver's
//! phone (each its own core and SQLite file) book, accept, check in and out, all through sync,
//! and end with the platform's state.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::{Actor, Service};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daughter_books_and_a_caregiver_accepts_checks_in_and_out_all_through_sync() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let family = Phone::new(&sub, "family");
        let carer = Phone::new(&sub, "caregiver1");
        family.sync(&server.url).await.unwrap();
        carer.sync(&server.url).await.unwrap();
        assert!(family.cc.senior("S1").is_ok());
        assert!(family.cc.senior("S2").is_err(), "S2 is not F1's");

        // Offline on the family phone: the booking waits in the outbox.
        let req = BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: soon(), duration_minutes: Some(60), note: "请带拖把".into() };
        let b = family.cc.request_booking(&family.actor, &req).unwrap();
        assert_eq!(family.cc.outbox().unwrap().len(), 1);
        let report = family.sync(&server.url).await.unwrap();
        assert_eq!(report.applied, 1);
        assert!(family.cc.outbox().unwrap().is_empty());
        assert_eq!(family.cc.booking(&b.id).unwrap().state, BookingState::Offered);

        carer.sync(&server.url).await.unwrap();
        assert_eq!(carer.cc.offers(&b.id).unwrap().len(), 1, "only its own offer");
        carer.cc.accept_booking(&carer.actor, &b.id).unwrap();
        carer.sync(&server.url).await.unwrap();
        carer.cc.check_in(&carer.actor, &b.id, home()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        carer.cc.check_out(&carer.actor, &b.id, home()).unwrap();
        let report = carer.sync(&server.url).await.unwrap();
        assert_eq!((report.applied, report.refused.len()), (2, 0));
        family.sync(&server.url).await.unwrap();

        let platform = open_platform(&backend);
        let on_platform = platform.with(|cc| cc.booking(&b.id)).unwrap();
        assert_eq!(on_platform.state, BookingState::Completed);
        assert_eq!(on_platform.caregiver_id.as_deref(), Some("C1"));
        let visit = platform.with(|cc| cc.visit(&b.id)).unwrap().unwrap();
        for phone in [&family, &carer] {
            assert_eq!(phone.cc.booking(&b.id).unwrap(), on_platform, "{} has the platform's booking", phone.login);
            assert_eq!(phone.cc.visit(&b.id).unwrap().unwrap(), visit, "{} has the platform's visit", phone.login);
        }
        assert_eq!(family.cc.offers(&b.id).unwrap(), platform.with(|cc| cc.offers(&b.id)).unwrap());
        let kinds: Vec<_> = family.cc.synced_events(0, 100).unwrap().into_iter().map(|e| e.kind.code()).collect();
        assert!(kinds.contains(&"visit_completed".to_string()), "{kinds:?}");
    }
}

/// The README's main job: `carecircle-server --demo` serves the demo district and its accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_platform_serves_the_demo_district() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&Backend::Sqlite(dir.path().join("demo.db")), &["--demo"]);
    let api = Api::new(&server.url);
    assert_eq!(api.call("GET", "/health", None, None).await.0, 200);
    assert_eq!(api.call("GET", "/ready", None, None).await.0, 200);
    let (status, doc) = api.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/v1/sync/pull"]["post"].is_object());
    let phone = carecircle_core::CareCircle::open(dir.path().join("phone.db"), Default::default()).unwrap();
    let creds = carecircle_core::sync::Credentials { login: "family".into(), password: "demo".into() };
    let report = phone.sync_with(&server.url, &creds, &quick()).await.unwrap();
    assert!(report.rows > 100, "facilities and the family's senior: {report:?}");
    assert!(phone.facility_count() > 100);
    let senior = phone.senior("ZH-S-000001").unwrap();
    let b = phone
        .request_booking(&Actor::Family("ZH-F-000001".into()), &BookingRequest { senior_id: senior.id, service: Service::Cleaning, start: chrono::Utc::now() + chrono::Duration::days(2), duration_minutes: None, note: String::new() })
        .unwrap();
    phone.sync_with(&server.url, &creds, &quick()).await.unwrap();
    let admin = api.token_with("district", "demo").await;
    let (status, view) = api.call("GET", &format!("/v1/bookings/{}", b.id), Some(&admin), None).await;
    assert_eq!(status, 200, "{view}");
    let offered: Vec<String> = view["offers"].as_array().unwrap().iter().map(|o| o["caregiver_id"].as_str().unwrap().to_string()).collect();
    // Each demo caregiver account sees the visit exactly when it was offered to them.
    for login in ["caregiver1", "caregiver2", "caregiver3"] {
        let token = api.token_with(login, "demo").await;
        let (_, me) = api.call("GET", "/v1/me", Some(&token), None).await;
        let id = me["actor"]["id"].as_str().unwrap().to_string();
        let (status, _) = api.call("GET", &format!("/v1/bookings/{}", b.id), Some(&token), None).await;
        assert_eq!(status == 200, offered.contains(&id), "{login} ({id}) and offers {offered:?}");
    }

    // The one map: its page comes whole from the platform, and its data is cut to each area.
    let http = reqwest::Client::new();
    for (path, kind) in [("/", "text/html"), ("/map", "text/html"), ("/web/app.js", "text/javascript"), ("/web/app.css", "text/css")] {
        let r = http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
        let body = r.text().await.unwrap();
        // Nothing from outside at run time: the only URL is SVG's namespace name.
        assert!(!body.replace("http://www.w3.org/2000/svg", "").contains("://"), "{path} names an outside address");
    }
    let operator = api.token_with("operator", "demo").await;
    let family = api.token_with("family", "demo").await;
    let (status, whole) = api.call("GET", "/v1/map", Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(whole["facilities"].as_array().unwrap().len(), phone.facility_count());
    assert_eq!(whole["divisions"].as_array().unwrap().len(), 74, "every village and community, named");
    assert!(whole["divisions"][0]["name"].as_str().unwrap().ends_with("社区") || whole["divisions"][0]["name"].as_str().unwrap().ends_with("村"));
    assert_eq!(whole["alerts"].as_array().unwrap().len(), 3, "the demo's open SOS alerts");
    let seniors = |m: &serde_json::Value| m["cells"].as_array().unwrap().iter().map(|c| c["seniors"].as_u64().unwrap()).sum::<u64>();
    assert_eq!(seniors(&whole), 50_000);
    let (status, own) = api.call("GET", "/v1/map", Some(&operator), None).await;
    assert_eq!(status, 200);
    assert!(seniors(&own) > 0 && seniors(&own) < 50_000, "{}", seniors(&own));
    let (_, own_stats) = api.call("GET", "/v1/stats", Some(&operator), None).await;
    assert_eq!(own_stats["district"]["seniors"].as_u64().unwrap(), seniors(&own), "the map and the figures cover the same seniors");
    // A click on the map asks the platform which village it is in: the mean of a village's
    // outline points lies in a village; the sea lies in none; a bad latitude is refused.
    let first = &whole["divisions"].as_array().unwrap().iter().find(|d| d["boundary"].as_array().is_some_and(|b| b.len() >= 3) || d["hull"].as_array().unwrap().len() >= 3).unwrap();
    let outline = if first["boundary"].as_array().unwrap().len() >= 3 { &first["boundary"] } else { &first["hull"] };
    let pts: Vec<(f64, f64)> = outline.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect();
    let (lat, lon) = (pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64, pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64);
    let (status, clicked) = api.call("GET", &format!("/v1/map/village?lat={lat}&lon={lon}"), Some(&admin), None).await;
    assert_eq!(status, 200, "{clicked}");
    assert!(clicked["code"].is_string(), "the mean of a village's outline is inside some village: {clicked}");
    let (status, sea) = api.call("GET", "/v1/map/village?lat=30.5&lon=122.9", Some(&admin), None).await;
    assert_eq!((status, sea), (200, serde_json::Value::Null));
    assert_eq!(api.call("GET", "/v1/map/village?lat=95&lon=121.7", Some(&admin), None).await.0, 422);
    let (status, refused) = api.call("GET", "/v1/map", Some(&family), None).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "forbidden", "{refused}");
    let (status, _) = api.call("GET", "/v1/stats?month=2026-13", Some(&admin), None).await;
    assert_eq!(status, 422);
    // The demo district has its streets: holes, figures and walks are judged along them.
    assert_eq!(whole["network"], true);
    assert_eq!(whole["reach_m"], 900.0);
    let (status, iso) = api.call("GET", "/v1/isochrone?lat=29.962&lon=121.718&minutes=15", Some(&operator), None).await;
    assert_eq!(status, 200, "{iso}");
    assert!(matches!(iso["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")), "{iso}");
    assert!(iso["area_m2"].as_f64().unwrap() > 1e6);
    assert_eq!(api.call("GET", "/v1/isochrone?lat=29.962&lon=121.718", Some(&family), None).await.0, 403);
    let (status, walk) = api.call("GET", "/v1/walk?from_lat=29.962&from_lon=121.718&to_lat=29.955&to_lon=121.705", Some(&family), None).await;
    assert_eq!(status, 200, "{walk}");
    assert!(walk["metres"].as_f64().unwrap() >= walk["straight_m"].as_f64().unwrap());
    let (_, near) = api.call("GET", "/v1/facilities/nearest?lat=29.962&lon=121.718&k=3", Some(&family), None).await;
    assert!(near.as_array().unwrap().iter().all(|n| n["walk_m"].as_f64().unwrap() >= n["distance_m"].as_f64().unwrap()), "{near}");
}
