//! The platform's three levels: the district, a township (street) centre, a station. A township
//! centre sees and runs every station of its township and the seniors living there, and nothing
//! outside it; the access matrix (`access.rs`) checks every endpoint, this its phone and map.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_centre_sees_and_runs_its_township_and_nothing_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        // An SOS for each senior: S1 lives in township 330211001, S2 in 330211002.
        let district = api.token("district").await;
        let mut sos = Vec::new();
        for (senior, north) in [("S1", 0.0), ("S2", 20_000.0)] {
            let (s, v) = api.call("POST", "/v1/alerts", Some(&district), Some(json!({"senior_id": senior, "lat": HOME.0 + north / 111_195.0, "lon": HOME.1}))).await;
            assert_eq!(s, 201, "{v}");
            sos.push(v["id"].as_str().unwrap().to_string());
        }

        // The centre's tablet gets its township's seniors, stations' caregivers and alerts.
        let centre = Phone::new(&sub, "township");
        let other = Phone::new(&sub, "township2");
        centre.sync(&server.url).await.unwrap();
        other.sync(&server.url).await.unwrap();
        assert!(centre.cc.senior("S1").is_ok() && centre.cc.senior("S2").is_err(), "S1's township only");
        assert!(other.cc.senior("S2").is_ok() && other.cc.senior("S1").is_err());
        assert!(centre.cc.caregiver("C1").is_ok() && centre.cc.caregiver("C4").is_err(), "ST1's caregivers, not ST2's");
        assert!(centre.cc.alert(&sos[0]).is_ok() && centre.cc.alert(&sos[1]).is_err());

        // It runs its stations: offline, it takes S1's alert; it cannot take S2's.
        centre.cc.acknowledge_alert(&centre.actor, &sos[0]).unwrap();
        let r = centre.sync(&server.url).await.unwrap();
        assert_eq!(r.applied, 1, "{r:?}");
        let (_, v) = api.call("GET", &format!("/v1/alerts/{}", sos[0]), Some(&district), None).await;
        assert_eq!((v["state"].as_str(), v["acknowledged_by"].as_str()), (Some("acknowledged"), Some("township:330211001")), "{v}");
        let token = api.token("township").await;
        let (s, _) = api.call("POST", &format!("/v1/alerts/{}/acknowledge", sos[1]), Some(&token), Some(json!({}))).await;
        assert_eq!(s, 404, "another township's alert does not exist for it");

        // Its map and figures are its township's.
        let (s, map) = api.call("GET", "/v1/map", Some(&token), None).await;
        assert_eq!((s, map["area"]["kind"].as_str()), (200, Some("township")), "{map}");
        let seniors: u64 = map["cells"].as_array().unwrap().iter().map(|c| c["seniors"].as_u64().unwrap()).sum();
        assert_eq!(seniors, 1, "S1 only: {}", map["cells"]);
        let alerts: Vec<&str> = map["alerts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(alerts, [sos[0].as_str()]);
        let (s, v) = api.call("GET", "/v1/subsidies", Some(&token), None).await;
        assert_eq!(s, 200, "a township centre has its stations' subsidy queue: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_account_names_a_township_with_stations() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let district = api.token("district").await;
    let (s, v) = api.call("POST", "/v1/accounts", Some(&district), Some(json!({"login": "zhaobaoshan", "password": "a long password", "actor": "township:330211001"}))).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = api.call("POST", "/v1/accounts", Some(&district), Some(json!({"login": "nowhere", "password": "a long password", "actor": "township:330211999"}))).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "no station lies in that township: {v}");
    let (s, v) = api.call("POST", "/v1/accounts", Some(&district), Some(json!({"login": "bad", "password": "a long password", "actor": "township:33"}))).await;
    assert_eq!(s, 422, "{v}");
}
