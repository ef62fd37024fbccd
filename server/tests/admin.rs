//! Administration through the platform: a facility file imported over the API reaches the
//! phones, which find the new canteen after their next sync; a bad file is refused whole with
//! every bad row named; seniors come from CSV with their nearest station; a station operator
//! changes only what is theirs.

mod common;

use common::*;
use serde_json::json;

async fn post_text(api: &Api, path: &str, token: &str, text: &str) -> (u16, serde_json::Value) {
    let r = api.http.post(format!("{}{path}", api.url)).bearer_auth(token).header("content-type", "text/plain; charset=utf-8").body(text.to_string()).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canteen_imported_through_the_platform_is_found_by_phones_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        eprintln!("backend {}", backend.name());
        let sub = dir.path().join(backend.name());
        std::fs::create_dir_all(&sub).unwrap();
        seed(&backend);
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let family = Phone::new(&sub, "family");
        family.sync(&server.url).await.unwrap();
        let district = api.token("district").await;

        // A new canteen 50 m from her home, given in GCJ-02 as Amap hands it over.
        let (glat, glon) = carecircle_core::Position::new(HOME.0 + 0.00045, HOME.1).unwrap().to_crs(carecircle_core::Crs::Gcj02);
        let file = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [glon, glat]},
            "properties": {"id": "CT-NEW", "name": "丰山社区老年食堂", "kind": "canteen", "services": "meals", "division": "330211001001"}}]});
        let (s, v) = post_text(&api, "/v1/admin/facilities?format=geojson&crs=gcj02", &district, &file.to_string()).await;
        assert_eq!((s, v["inserted"].as_u64()), (200, Some(1)), "{v}");
        family.sync(&server.url).await.unwrap();
        let q = carecircle_core::NearbyQuery::new(home()).kinds([carecircle_core::FacilityKind::Canteen]).k(1);
        let nearest = family.cc.nearest(&q).unwrap();
        assert_eq!(nearest[0].id, "CT-NEW", "{nearest:?}");
        assert!((nearest[0].distance_m - 50.0).abs() < 3.0, "stored as WGS-84: {} m", nearest[0].distance_m);

        // A file with two bad rows among good ones: refused whole, both named, nothing stored.
        let csv = "id,name,kind,lat,lon\nOK-1,好食堂,canteen,29.961,121.718\nBAD-1,,canteen,29.961,121.718\nBAD-2,远处,canteen,95,121.718\n";
        let (s, v) = post_text(&api, "/v1/admin/facilities?format=csv", &district, csv).await;
        assert_eq!((s, v["error"].as_str()), (422, Some("import_rejected")), "{v}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains("2 bad row(s)") && message.contains("line 3") && message.contains("line 4"), "{message}");
        let (s, _) = api.call("GET", "/v1/facilities/OK-1", Some(&district), None).await;
        assert_eq!(s, 404, "nothing of a refused file is stored");

        // Seniors from CSV, each with her nearest station.
        let seniors = "senior_id,name,gender,birth_date,lives_alone,lat,lon,division\nS9,李桂花,female,1938-05-02,true,29.9612,121.7180,330211001001\n";
        let (s, v) = post_text(&api, "/v1/admin/seniors", &district, seniors).await;
        assert_eq!((s, v["inserted"].as_u64()), (200, Some(1)), "{v}");
        let (_, v) = api.call("GET", "/v1/seniors/S9", Some(&district), None).await;
        assert_eq!(v["station_id"], "ST1", "{v}");

        // The station's operator: its own stock, not the canteen's menu, no imports.
        let operator = api.token("operator").await;
        let (s, v) = api.call("PUT", "/v1/admin/stock", Some(&operator), Some(json!({"facility_id": "ST1", "device": "walker", "total": 4, "deposit_fen": 10000, "daily_fee_fen": 100}))).await;
        assert_eq!(s, 200, "{v}");
        let menu = json!({"facility_id": "CT1", "date": tomorrow(), "meal": "dinner", "dishes": "粥", "price_fen": 600, "capacity": 10, "seats": 5});
        let (s, _) = api.call("PUT", "/v1/admin/menus", Some(&operator), Some(menu.clone())).await;
        assert_eq!(s, 403);
        let (s, _) = post_text(&api, "/v1/admin/facilities?format=csv", &operator, csv).await;
        assert_eq!(s, 403);
        // The district publishes it; the family's phone has it after its sync.
        let (s, v) = api.call("PUT", "/v1/admin/menus", Some(&district), Some(menu)).await;
        assert_eq!(s, 200, "{v}");
        family.sync(&server.url).await.unwrap();
        assert!(family.cc.menus("CT1", tomorrow()).unwrap().iter().any(|m| m.menu.dishes == "粥"));
        assert!(family.cc.device_stock("ST1").unwrap().iter().any(|s| s.stock.total == 4));
    }
}
