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
    for (backend, sub) in seeded(dir.path()) {
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

/// The `img-src` sources of the page's Content-Security-Policy, and the policy itself.
async fn page_policy(api: &Api) -> (Vec<String>, String) {
    let r = api.http.get(format!("{}/", api.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    let img = csp.split(';').map(str::trim).find_map(|d| d.strip_prefix("img-src ")).unwrap_or_else(|| panic!("no img-src in {csp}"));
    (img.split_whitespace().map(String::from).collect(), csp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_map_is_the_districts_to_set_and_opens_the_page_to_exactly_its_tile_hosts() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, _) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let district = api.token("district").await;
        let operator = api.token("operator").await;

        // Without one the page stays self-contained.
        let (img, self_contained) = page_policy(&api).await;
        assert_eq!(img, ["'self'", "data:"], "{self_contained}");
        let (s, v) = api.call("GET", "/v1/admin/base-map", Some(&district), None).await;
        assert_eq!((s, &v["base_map"], v["hosts"].as_array().map(Vec::len)), (200, &serde_json::Value::Null, Some(0)), "{v}");
        let (_, map) = api.call("GET", "/v1/map", Some(&operator), None).await;
        assert!(map["base_map"].is_null(), "{}", map["base_map"]);

        // Tianditu's vector tiles with the district's key, over eight hosts t0 to t7.
        let tianditu = json!({"url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123456789abcdef",
            "subdomains": ["0", "1", "2", "3", "4", "5", "6", "7"], "crs": "wgs84", "attribution": "© 天地图", "max_zoom": 18});
        let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(tianditu.clone())).await;
        assert_eq!(s, 200, "{v}");
        let hosts: Vec<String> = (0..8).map(|i| format!("https://t{i}.tianditu.gov.cn")).collect();
        assert_eq!(v["hosts"], json!(hosts));
        let (img, csp) = page_policy(&api).await;
        let mut want = vec!["'self'".to_string(), "data:".into()];
        want.extend(hosts.iter().cloned());
        assert_eq!(img, want, "{csp}");
        assert_eq!(csp.replace(&format!(" {}", hosts.join(" ")), ""), self_contained, "only img-src changes");
        // The page learns it with the map, the operator's as well as the district's.
        let (_, map) = api.call("GET", "/v1/map", Some(&operator), None).await;
        assert_eq!(map["base_map"], tianditu, "{}", map["base_map"]);

        // Only the district sets or reads it.
        let amap = json!({"url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", "subdomains": ["1", "2", "3", "4"], "crs": "gcj02", "attribution": "© 高德地图", "max_zoom": 18});
        for (method, body) in [("PUT", Some(amap.clone())), ("GET", None), ("DELETE", None)] {
            let (s, v) = api.call(method, "/v1/admin/base-map", Some(&operator), body).await;
            assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")), "{method}: {v}");
        }

        // Whatever could widen the policy is refused with the reason, and changes nothing.
        let bad = [
            ("http://tiles.example.cn/{z}/{x}/{y}.png", "must start with https://"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png https://evil.example.com", "may not contain"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png; script-src *", "may not contain"),
            ("https://*.example.cn/{z}/{x}/{y}.png", "is not a host name"),
            ("https://tiles.example.cn/{z}/{x}.png", "has no {y}"),
        ];
        for (url, why) in bad {
            let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(json!({"url": url, "crs": "wgs84", "max_zoom": 18}))).await;
            assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "{url}: {v}");
            let message = v["message"].as_str().unwrap();
            assert!(message.starts_with("invalid base map url: ") && message.contains(why), "{url}: {message}");
        }
        let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(json!({"url": "https://t.example.cn/{z}/{x}/{y}", "crs": "bd09", "max_zoom": 18}))).await;
        assert_eq!(s, 422, "{v}");
        assert!(v["message"].as_str().unwrap().contains("BD-09"), "{v}");
        let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(json!({"url": "https://t.example.cn/{z}/{x}/{y}", "crs": "wgs84", "max_zoom": 18, "script": "x"}))).await;
        assert_eq!((s, v["error"].as_str()), (400, Some("bad_json")), "unknown fields are refused: {v}");
        assert_eq!(page_policy(&api).await.0, want, "refusals leave the policy as it was");

        // Amap instead (GCJ-02 tiles); then removed, with DELETE or null: self-contained again.
        let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(amap.clone())).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(page_policy(&api).await.0[2..], ["https://webrd01.is.autonavi.com", "https://webrd02.is.autonavi.com", "https://webrd03.is.autonavi.com", "https://webrd04.is.autonavi.com"]);
        let (_, map) = api.call("GET", "/v1/map", Some(&district), None).await;
        assert_eq!(map["base_map"]["crs"], "gcj02");
        let (s, v) = api.call("DELETE", "/v1/admin/base-map", Some(&district), None).await;
        assert_eq!((s, &v["base_map"]), (200, &serde_json::Value::Null), "{v}");
        assert_eq!(page_policy(&api).await.1, self_contained);
        let (s, _) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(amap)).await;
        assert_eq!(s, 200);
        let (s, v) = api.call("PUT", "/v1/admin/base-map", Some(&district), Some(serde_json::Value::Null)).await;
        assert_eq!((s, &v["base_map"]), (200, &serde_json::Value::Null), "{v}");
        assert_eq!(page_policy(&api).await.1, self_contained);
        let (_, map) = api.call("GET", "/v1/map", Some(&district), None).await;
        assert!(map["base_map"].is_null());
    }
}

/// A ring of `n` points around (lat, lon), `r` degrees across, closed as GeoJSON closes it ([lon, lat]).
fn ring(lat: f64, lon: f64, r: f64, n: usize) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = (0..n).map(|i| {
        let a = i as f64 / n as f64 * std::f64::consts::TAU;
        [lon + r * a.cos(), lat + r * a.sin()]
    }).collect();
    pts.push(pts[0]);
    pts
}

fn division(code: &str, name: &str, level: &str, ring: Vec<[f64; 2]>) -> serde_json::Value {
    json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"code": code, "name": name, "level": level, "parent": "330211000000"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_boundaries_outline_the_map_and_a_bad_file_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, _) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let district = api.token("district").await;
        let operator = api.token("operator").await;
        let (_, before) = api.call("GET", "/v1/map", Some(&district), None).await;
        // S1's village, and S2's in the next township.
        assert_eq!(before["divisions"].as_array().unwrap().len(), 2, "{}", before["divisions"]);
        assert!(before["divisions"][0]["boundary"].as_array().unwrap().is_empty(), "no boundary yet: the hull of homes");
        assert!(before["townships"].as_array().unwrap().is_empty());

        // The seniors' community (long rings, as real boundaries have: the file is over 1 MiB),
        // a neighbour where none live, and their street.
        let (lat, lon) = HOME;
        let file = json!({"type": "FeatureCollection", "features": [
            division("330211001001", "丰山社区", "community", ring(lat, lon, 0.01, 9000)),
            division("330211001002", "东门社区", "community", ring(lat, lon + 0.03, 0.01, 9000)),
            division("330211001003", "西门社区", "community", ring(lat, lon - 0.03, 0.01, 9000)),
            division("330211001000", "招宝山街道", "street", ring(lat, lon, 0.06, 9000)),
        ]});
        let text = file.to_string();
        assert!(text.len() > 1 << 20, "{} bytes", text.len());
        let (s, v) = post_text(&api, "/v1/admin/divisions", &operator, &text).await;
        assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")), "the district's alone: {v}");
        let (s, v) = post_text(&api, "/v1/admin/divisions", &district, &text).await;
        assert_eq!((s, v["inserted"].as_u64(), v["updated"].as_u64()), (200, Some(4), Some(0)), "{v}");

        // The district sees every community with its boundary, seniors or not, and the street.
        let (_, map) = api.call("GET", "/v1/map", Some(&district), None).await;
        let divisions = map["divisions"].as_array().unwrap();
        let codes: Vec<&str> = divisions.iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["330211001001", "330211001002", "330211001003", "330211002001"]);
        for d in &divisions[..3] {
            assert_eq!(d["boundary"].as_array().unwrap().len(), 9000, "{}: the ring as imported", d["code"]);
        }
        assert_eq!((divisions[0]["name"].as_str(), divisions[0]["seniors"].as_u64()), (Some("丰山社区"), Some(1)));
        assert_eq!((divisions[1]["seniors"].as_u64(), divisions[1]["hull"].as_array().unwrap().len()), (Some(0), 0));
        assert_eq!(divisions[0]["township_name"], "招宝山街道");
        let first = &divisions[0]["boundary"][0];
        assert!((first[0].as_f64().unwrap() - lat).abs() < 1e-9 && (first[1].as_f64().unwrap() - (lon + 0.01)).abs() < 1e-9, "[lat, lon], WGS-84: {first}");
        assert_eq!(map["townships"].as_array().unwrap().len(), 1);
        assert_eq!(map["townships"][0]["name"], "招宝山街道");
        // The station's operator: only the community its seniors live in, and its street.
        let (_, own) = api.call("GET", "/v1/map", Some(&operator), None).await;
        let own_codes: Vec<&str> = own["divisions"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(own_codes, ["330211001001"]);
        assert_eq!(own["townships"][0]["code"], "330211001000");

        // A file with bad features among good ones: refused whole, each named, nothing changed.
        let bad = json!({"type": "FeatureCollection", "features": [
            division("330211001001", "改名社区", "community", ring(lat, lon, 0.02, 100)),
            division("33021100x", "坏代码", "community", ring(lat, lon, 0.02, 100)),
            division("330211001004", "三点", "community", vec![[lon, lat], [lon + 0.01, lat], [lon, lat]]),
            division("330211001005", "太远", "community", vec![[lon, 95.0], [lon + 0.01, lat], [lon, lat + 0.01], [lon, 95.0]]),
            division("330211001001", "重复", "community", ring(lat, lon, 0.02, 100)),
        ]});
        let (s, v) = post_text(&api, "/v1/admin/divisions", &district, &bad.to_string()).await;
        assert_eq!((s, v["error"].as_str()), (422, Some("import_rejected")), "{v}");
        let message = v["message"].as_str().unwrap();
        for needle in ["4 bad row(s)", "feature 1: code '33021100x'", "feature 2: an outline has 4 to", "feature 3: invalid coordinate", "feature 4: duplicate code 330211001001 (first at feature 0)"] {
            assert!(message.contains(needle), "{needle} not in {message}");
        }
        assert!(!message.contains("feature 0:"), "the good feature is not named: {message}");
        let (_, after) = api.call("GET", "/v1/map", Some(&district), None).await;
        assert_eq!(after["divisions"], map["divisions"], "nothing of a refused file is stored");
        let (s, v) = post_text(&api, "/v1/admin/divisions", &district, "not json").await;
        assert_eq!((s, v["error"].as_str()), (422, Some("import_rejected")), "{v}");

        // Boundaries given in GCJ-02 (as DataV's are) are stored in WGS-84; a re-import updates.
        let (glat, glon) = carecircle_core::Position::new(lat, lon + 0.01).unwrap().to_crs(carecircle_core::Crs::Gcj02);
        let mut gcj = ring(lat, lon, 0.01, 8);
        gcj[0] = [glon, glat];
        gcj[8] = [glon, glat];
        let one = json!({"type": "FeatureCollection", "features": [division("330211001001", "丰山社区", "community", gcj)]});
        let (s, v) = post_text(&api, "/v1/admin/divisions?crs=gcj02", &district, &one.to_string()).await;
        assert_eq!((s, v["inserted"].as_u64(), v["updated"].as_u64()), (200, Some(0), Some(1)), "{v}");
        let (_, map) = api.call("GET", "/v1/map", Some(&district), None).await;
        let first = &map["divisions"][0]["boundary"][0];
        assert!((first[0].as_f64().unwrap() - lat).abs() < 1e-7 && (first[1].as_f64().unwrap() - (lon + 0.01)).abs() < 1e-7, "back in WGS-84: {first}");
        assert_eq!(map["divisions"][0]["boundary"].as_array().unwrap().len(), 8);
    }
}
