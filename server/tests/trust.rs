//! Trust: the platform believes a phone only where it must, and tells nobody what is not theirs.
//! Each test here is a story that failed before the fix it names.

mod common;

use carecircle_core::Actor;
use carecircle_core::booking::BookingRequest;
use carecircle_core::Service;
use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn push_entry(key: &str, actor: &str, at: chrono::DateTime<chrono::Utc>, command: Value) -> Value {
    json!({"key": key, "actor": actor, "at": at, "command": command})
}

/// A booking of S1 requested by F1 through the API, accepted by C1.
async fn accepted_booking(api: &Api, family: &str, c1: &str, start: chrono::DateTime<chrono::Utc>) -> String {
    let (s, v) = api.call("POST", "/v1/bookings", Some(family), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 30}))).await;
    assert_eq!(s, 201, "{v}");
    let id = v["booking"]["id"].as_str().unwrap().to_string();
    let (s, v) = api.call("POST", &format!("/v1/bookings/{id}/accept"), Some(c1), None).await;
    assert_eq!(s, 200, "{v}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_cannot_date_a_change_before_what_it_depends_on_or_start_a_visit_in_the_past() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        seed(&backend);
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let (family, c1) = (api.token("family").await, api.token("caregiver1").await);
        let now = chrono::Utc::now();

        // A booking pushed as made two days ago, for a start one day ago: refused by the
        // platform's clock, whatever the phone claims.
        let (s, v) = api
            .call("POST", "/v1/sync/push", Some(&family), Some(json!({"entries": [push_entry("old-1", "family:F1", now - chrono::Duration::days(2), json!({
                "op": "request_booking", "booking_id": "B-OLD", "senior_id": "S1", "service": "cleaning", "start": now - chrono::Duration::days(1), "duration_minutes": 30
            }))]})))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["results"][0]["ok"], false, "{v}");
        assert_eq!(v["results"][0]["code"], "invalid_input", "{v}");

        // A check-in dated 30 minutes before its booking existed: kept no earlier than the
        // booking's last step, and the visit is flagged for review.
        let id = accepted_booking(&api, &family, &c1, now + chrono::Duration::minutes(20)).await;
        let (s, v) = api
            .call("POST", "/v1/sync/push", Some(&c1), Some(json!({"entries": [push_entry("ci-1", "caregiver:C1", now - chrono::Duration::minutes(30), json!({
                "op": "check_in", "booking_id": id, "lat": HOME.0, "lon": HOME.1
            }))]})))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["results"][0]["ok"], true, "{v}");
        let platform = open_platform(&backend);
        let visit = platform.with(|cc| cc.visit(&id)).unwrap().unwrap();
        let booking = platform.with(|cc| cc.booking(&id)).unwrap();
        assert!(visit.check_in_at >= booking.created_at, "check-in {} before the booking existed {}", visit.check_in_at, booking.created_at);
        assert!(visit.flagged, "a check-in whose time was corrected is flagged");

        // A check-in made now and pushed at once is believed and not flagged.
        let id2 = accepted_booking(&api, &family, &c1, chrono::Utc::now() + chrono::Duration::minutes(55)).await;
        let (_, v) = api
            .call("POST", "/v1/sync/push", Some(&c1), Some(json!({"entries": [push_entry("ci-2", "caregiver:C1", chrono::Utc::now(), json!({
                "op": "check_in", "booking_id": id2, "lat": HOME.0, "lon": HOME.1
            }))]})))
            .await;
        assert_eq!(v["results"][0]["ok"], true, "{v}");
        assert!(!platform.with(|cc| cc.visit(&id2)).unwrap().unwrap().flagged);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_that_reaches_the_platform_long_after_its_claimed_time_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let (family, c1) = (api.token("family").await, api.token("caregiver1").await);
    // The visit was booked and accepted an hour ago (written as the platform did then) and
    // started 45 minutes ago; the caregiver's phone claims it checked in 40 minutes ago, offline.
    let _ = (&family, &c1);
    let Backend::Sqlite(path) = &backend else { unreachable!() };
    let then = chrono::Utc::now() - chrono::Duration::hours(1);
    let past = carecircle_core::CareCircle::open_with_clock(path, carecircle_core::Settings::default(), std::sync::Arc::new(carecircle_core::clock::ManualClock::new(then))).unwrap();
    let req = BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: then + chrono::Duration::minutes(15), duration_minutes: Some(30), note: String::new() };
    let id = past.request_booking(&Actor::Family("F1".into()), &req).unwrap().id;
    past.accept_booking(&Actor::Caregiver("C1".into()), &id).unwrap();
    drop(past);
    let platform = open_platform(&backend);
    let claimed = chrono::Utc::now() - chrono::Duration::minutes(40);
    let (_, v) = api
        .call("POST", "/v1/sync/push", Some(&c1), Some(json!({"entries": [push_entry("late-1", "caregiver:C1", claimed, json!({
            "op": "check_in", "booking_id": id, "lat": HOME.0, "lon": HOME.1
        }))]})))
        .await;
    assert_eq!(v["results"][0]["ok"], true, "{v}");
    let visit = platform.with(|cc| cc.visit(&id)).unwrap().unwrap();
    assert!(visit.flagged, "40 minutes on the phone's word is beyond the 15-minute tolerance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_and_a_flood_of_bad_logins_keeps_the_platform_small_and_ready() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (s, _) = api.call("POST", "/v1/auth/login", None, Some(json!({"login": "family", "password": "guess"}))).await;
        statuses.push(s);
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "guesses past the fifth wait: {statuses:?}");
    let r = api.http.post(format!("{}/v1/auth/login", server.url)).json(&json!({"login": "family", "password": "guess"})).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "the wait ends: {wait}");
    // Another user signs in meanwhile.
    assert!(!api.token("district").await.is_empty());

    let rss = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
    };
    let before = rss(server.pid());
    let flood: Vec<_> = (0..128)
        .map(|i| {
            let (http, url) = (reqwest::Client::new(), server.url.clone());
            tokio::spawn(async move { http.post(format!("{url}/v1/auth/login")).json(&json!({"login": format!("nobody{i}"), "password": "guess"})).send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let (s, _) = api.call("GET", "/ready", None, None).await;
    let ready_ms = started.elapsed().as_millis();
    assert_eq!(s, 200);
    let mut answers = std::collections::BTreeMap::new();
    for f in flood {
        *answers.entry(f.await.unwrap().unwrap()).or_insert(0) += 1;
    }
    let grown = rss(server.pid()).saturating_sub(before);
    eprintln!("flood of 128 bad logins: answers {answers:?}, /ready in {ready_ms} ms, grew {} MiB", grown / (1024 * 1024));
    assert!(answers.keys().all(|s| [401, 429, 503].contains(s)), "{answers:?}");
    assert!(ready_ms < 1000, "/ready answered in {ready_ms} ms under the flood");
    assert!(grown < 200 * 1024 * 1024, "grew {grown} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_or_body_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start_with(&backend, &["--slow-client-seconds", "1"]);
    let addr = server.url.trim_start_matches("http://").to_string();
    // Headers that never end.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let started = std::time::Instant::now();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was closed");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // A body that never ends.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\"").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was closed");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408") || text.starts_with("HTTP/1.1 400"), "{text}");
    assert_eq!(Api::new(&server.url).call("GET", "/health", None, None).await.0, 200, "still up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_password_or_its_actor_changes() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let admin = api.token("district").await;
    let family = api.token("family").await;
    assert_eq!(api.call("GET", "/v1/me", Some(&family), None).await.0, 200);
    let (s, v) = api.call("POST", "/v1/accounts", Some(&admin), Some(json!({"login": "family", "password": "a new password", "actor": "family:F1"}))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(api.call("GET", "/v1/me", Some(&family), None).await.0, 401, "a password reset ends the old session");
    let family = api.token_with("family", "a new password").await;
    let (s, _) = api.call("POST", "/v1/accounts", Some(&admin), Some(json!({"login": "family", "password": "a new password", "actor": "family:F2"}))).await;
    assert_eq!(s, 201);
    let (s, v) = api.call("GET", "/v1/me", Some(&family), None).await;
    assert_eq!(s, 401, "a token never acts as the login's new actor: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_reaches_a_panic_or_stores_a_control_character_and_retries_get_their_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        seed(&backend);
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let (admin, family) = (api.token("district").await, api.token("family").await);
        for path in ["/v1/district/summary?month=262142-12", "/v1/stats?month=262142-12", "/v1/stats?month=-5-01", "/v1/district/summary?month=99999999999-1"] {
            let (s, v) = api.call("GET", path, Some(&admin), None).await;
            assert_eq!(s, 422, "{path}: {v}");
        }
        // NUL and other control characters: 422 in bodies and addresses, on both backends.
        let start = chrono::Utc::now() + chrono::Duration::days(3);
        let (s, v) = api.call("POST", "/v1/bookings", Some(&family), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "note": "a\u{0}b"}))).await;
        assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "{v}");
        let (s, _) = api.call("GET", "/v1/bookings/a%00b", Some(&family), None).await;
        assert_eq!(s, 422);
        let (s, _) = api.call("GET", "/v1/facilities/nearest?lat=29.96&lon=121.71&kind=%01", Some(&family), None).await;
        assert_eq!(s, 422);
        // In a push, the bad entry is refused alone and the next one is applied.
        let (s, v) = api
            .call("POST", "/v1/sync/push", Some(&family), Some(json!({"entries": [
                push_entry("nul-1", "family:F1", chrono::Utc::now(), json!({"op": "request_booking", "booking_id": "B-NUL", "senior_id": "S1", "service": "cleaning", "start": start, "note": "x\u{0}"})),
                push_entry("nul-2", "family:F1", chrono::Utc::now(), json!({"op": "request_booking", "booking_id": "B-FINE", "senior_id": "S1", "service": "cleaning", "start": start + chrono::Duration::hours(2)})),
            ]})))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!((v["results"][0]["ok"].as_bool(), v["results"][0]["code"].as_str()), (Some(false), Some("invalid_input")), "{v}");
        assert_eq!(v["results"][1]["ok"], true, "{v}");

        // A retried REST booking without an id gets its first answer: the same booking.
        let body = json!({"senior_id": "S1", "service": "cleaning", "start": start + chrono::Duration::hours(5), "duration_minutes": 30});
        let send = || api.http.post(format!("{}/v1/bookings", server.url)).bearer_auth(&family).header("idempotency-key", "retry-me").json(&body).send();
        let first = send().await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let again = send().await.unwrap();
        assert_eq!(again.status(), 201, "the retry is not a 404");
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["booking"]["id"], again["booking"]["id"]);
        let platform = open_platform(&backend);
        let n = platform.with(|cc| cc.bookings_for_senior(&Actor::District, "S1")).unwrap().len();
        assert_eq!(n, 2, "B-FINE and the retried one, once");
        assert_eq!(api.call("GET", "/health", None, None).await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_do_not_tell_which_records_exist() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let (family, c1, c4) = (api.token("family").await, api.token("caregiver1").await, api.token("caregiver4").await);
    let id = accepted_booking(&api, &family, &c1, chrono::Utc::now() + chrono::Duration::days(2)).await;
    for path in [format!("/v1/bookings/{id}/accept"), format!("/v1/bookings/{id}/check-in")] {
        let body = json!({"lat": HOME.0, "lon": HOME.1});
        let (s_real, real) = api.call("POST", &path, Some(&c4), Some(body.clone())).await;
        let (s_none, none) = api.call("POST", &path.replace(&id, "no-such-booking"), Some(&c4), Some(body)).await;
        assert_eq!((s_real, real["error"].clone()), (s_none, none["error"].clone()), "{path}: {real} against {none}");
        assert_eq!(s_real, 404);
    }
    let f2 = api.token("family2").await;
    let req = |senior: &str| json!({"senior_id": senior, "service": "cleaning", "start": chrono::Utc::now() + chrono::Duration::days(4)});
    let (s_real, real) = api.call("POST", "/v1/bookings", Some(&f2), Some(req("S2"))).await;
    let (s_none, none) = api.call("POST", "/v1/bookings", Some(&f2), Some(req("S-NOBODY"))).await;
    assert_eq!((s_real, real["error"].clone()), (s_none, none["error"].clone()), "{real} against {none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_can_account_for_who_read_a_seniors_location_records() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let (family, c1, admin, operator) = (api.token("family").await, api.token("caregiver1").await, api.token("district").await, api.token("operator").await);
    let id = accepted_booking(&api, &family, &c1, chrono::Utc::now() + chrono::Duration::minutes(20)).await;
    let (s, _) = api.call("POST", &format!("/v1/bookings/{id}/check-in"), Some(&c1), Some(json!({"lat": HOME.0, "lon": HOME.1}))).await;
    assert_eq!(s, 200);
    assert_eq!(api.call("GET", "/v1/seniors/S1", Some(&family), None).await.0, 200);
    assert_eq!(api.call("GET", &format!("/v1/bookings/{id}"), Some(&operator), None).await.0, 200);
    let (s, log) = api.call("GET", "/v1/audit?senior_id=S1", Some(&admin), None).await;
    assert_eq!(s, 200, "{log}");
    let lines: Vec<(String, String, String)> =
        log.as_array().unwrap().iter().map(|l| (l["actor"].as_str().unwrap().to_string(), l["action"].as_str().unwrap().to_string(), l["record"].as_str().unwrap().to_string())).collect();
    for want in [("caregiver:C1", "change", "visit"), ("family:F1", "read", "senior"), ("operator:ST1", "read", "visit")] {
        assert!(lines.iter().any(|l| (l.0.as_str(), l.1.as_str(), l.2.as_str()) == want), "{want:?} in {lines:?}");
    }
    let (s, _) = api.call("GET", "/v1/audit", Some(&operator), None).await;
    assert_eq!(s, 403, "the audit log is the district's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_member_whose_link_grants_nothing_gets_no_personal_data_through_a_pull() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    // F2 only receives S1's alerts.
    let f2 = api.token("family2").await;
    let (s, page) = api.call("POST", "/v1/sync/pull", Some(&f2), Some(json!({"refresh": [{"entity": "family_link", "id": "S1|F2"}]}))).await;
    assert_eq!(s, 200, "{page}");
    for t in page["tables"].as_array().unwrap().iter().filter(|t| t["table"] == "senior") {
        let cols: Vec<&str> = t["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        for row in t["rows"].as_array().unwrap() {
            let get = |c: &str| row[cols.iter().position(|x| *x == c).unwrap()].clone();
            assert_eq!(get("phone"), json!(""), "{row}");
            assert_eq!(get("address"), json!(""), "{row}");
            assert_eq!(get("birth_date"), json!("1900-01-01"), "{row}");
            assert!(get("lat").as_f64().unwrap().abs() < 1e-9, "{row}");
        }
    }
    assert_eq!(api.call("GET", "/v1/seniors/S1", Some(&f2), None).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_link_needs_the_consent_of_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        seed(&backend);
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let (senior, f2, operator2) = (api.token("senior").await, api.token("family2").await, api.token("operator2").await);
        let push = |token: String, key: &str, actor: &str, command: Value| {
            let body = json!({"entries": [push_entry(key, actor, chrono::Utc::now(), command)]});
            let api = &api;
            async move { api.call("POST", "/v1/sync/push", Some(&token), Some(body)).await }
        };
        let book = |token: String, senior_id: &'static str| {
            let api = &api;
            async move {
                api.call("POST", "/v1/bookings", Some(&token), Some(json!({"senior_id": senior_id, "service": "cleaning", "start": chrono::Utc::now() + chrono::Duration::days(2), "duration_minutes": 30}))).await
            }
        };
        let grant = json!({"senior_id": "S1", "family_id": "F2", "relation": "儿子", "permissions": {"can_book": true, "can_see_visits": true, "receives_alerts": true}});
        // S1 widens F2's active link (alerts only) at once: her own grants are hers to give.
        let (_, v) = push(senior.clone(), "g1", "senior:S1", json!({"op": "link_family", "link": grant})).await;
        assert_eq!(v["results"][0]["ok"], true, "{v}");
        assert_eq!(book(f2.clone(), "S1").await.0, 201);
        // S2's side cannot link F2 without F2's consent: a proposal, and nothing granted yet.
        let s2_link = json!({"senior_id": "S2", "family_id": "F2", "relation": "女儿", "permissions": {"can_book": true, "can_see_visits": true, "receives_alerts": true}});
        let (_, v) = push(operator2.clone(), "p1", "operator:ST2", json!({"op": "link_family", "link": s2_link})).await;
        assert_eq!(v["results"][0]["ok"], true, "{v}");
        assert_eq!(book(f2.clone(), "S2").await.0, 404, "not linked until F2 accepts");
        let (s, _) = api.call("GET", "/v1/seniors/S2", Some(&f2), None).await;
        assert_eq!(s, 404);
        // F2 accepts with the same call, and gets exactly what S2's side granted.
        let (_, v) = push(f2.clone(), "a1", "family:F2", json!({"op": "link_family", "link": s2_link})).await;
        assert_eq!(v["results"][0]["ok"], true, "{v}");
        assert_eq!(book(f2.clone(), "S2").await.0, 201, "linked once both agreed");
        // A family member cannot grant themself more.
        let (_, v) = push(f2.clone(), "a2", "family:F2", json!({"op": "link_family", "link": s2_link})).await;
        assert_eq!(v["results"][0]["ok"], false, "{v}");
        // The senior's side cannot rewrite a family member's own record.
        let (_, v) = push(senior.clone(), "r1", "senior:S1", json!({"op": "put_family_member", "member": {"id": "F2", "name": "别人", "phone": "123"}})).await;
        assert_eq!(v["results"][0]["ok"], false, "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_location_and_money_are_each_their_own_consent() {
    use carecircle_core::person::{FamilyLink, FamilyPermissions};
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        seed(&backend);
        // F2 may now book and see S1's visits, but has none of the three sensitive consents;
        // F1 has all of them.
        let coarse = FamilyPermissions { can_book: true, can_see_visits: true, receives_alerts: true, ..FamilyPermissions::default() };
        open_platform(&backend).with(|cc| cc.link_family(&FamilyLink { senior_id: "S1".into(), family_id: "F2".into(), relation: "子女".into(), permissions: coarse })).unwrap();
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let (f1, f2, c1) = (api.token("family").await, api.token("family2").await, api.token("caregiver1").await);
        let id = accepted_booking(&api, &f2, &c1, chrono::Utc::now() + chrono::Duration::minutes(20)).await;
        let (s, v) = api.call("POST", &format!("/v1/bookings/{id}/check-in"), Some(&c1), Some(json!({"lat": HOME.0, "lon": HOME.1}))).await;
        assert_eq!(s, 200, "{v}");

        // Location: where the caregiver checked in.
        let (s, v) = api.call("GET", &format!("/v1/bookings/{id}"), Some(&f1), None).await;
        assert_eq!(s, 200, "{v}");
        assert!(v["visit"]["check_in"]["lat"].is_number(), "{v}");
        let (s, v) = api.call("GET", &format!("/v1/bookings/{id}"), Some(&f2), None).await;
        assert_eq!(s, 200, "F2 still sees the visit: {v}");
        assert!(v["visit"]["check_in"].is_null(), "but not where it was checked in: {v}");
        for (token, withheld) in [(&f1, false), (&f2, true)] {
            let (s, page) = api.call("POST", "/v1/sync/pull", Some(token), Some(json!({}))).await;
            assert_eq!(s, 200, "{page}");
            let table = |name: &str| page["tables"].as_array().unwrap().iter().find(|t| t["table"] == name).cloned();
            let visits = table("visit").expect("the visit is pulled");
            let cols: Vec<&str> = visits["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            let lat = cols.iter().position(|c| *c == "check_in_lat").unwrap();
            assert_eq!(visits["rows"][0][lat].is_null(), withheld, "{visits}");
            let events = table("event").expect("events are pulled");
            let cols: Vec<&str> = events["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            let (kind, detail) = (cols.iter().position(|c| *c == "kind").unwrap(), cols.iter().position(|c| *c == "detail").unwrap());
            let checked_in = events["rows"].as_array().unwrap().iter().find(|r| r[kind] == "visit_checked_in").expect("the check-in event");
            assert_eq!(checked_in[detail].as_str().unwrap().is_empty(), withheld, "{checked_in}");
        }

        // Health and money, in core's reads (the phone's and the CLI's).
        let platform = open_platform(&backend);
        let (f1a, f2a) = (Actor::Family("F1".into()), Actor::Family("F2".into()));
        platform.with(|cc| {
            assert!(cc.contracts_for_senior(&f1a, "S1").is_ok());
            assert!(cc.health_checks(&f1a, "S1").is_ok());
            assert!(cc.contracts_for_senior(&f2a, "S1").is_err(), "contracts are health records");
            assert!(cc.health_checks(&f2a, "S1").is_err(), "health checks are health records");
            let now = chrono::Utc::now();
            let (y, m) = (chrono::Datelike::year(&now), chrono::Datelike::month(&now));
            assert!(cc.monthly_statement(&f1a, "S1", y, m).is_ok());
            assert!(cc.subsidies_for_senior(&f1a, "S1").is_ok());
            assert!(cc.monthly_statement(&f2a, "S1", y, m).is_err(), "statements are money");
            assert!(cc.subsidies_for_senior(&f2a, "S1").is_err(), "subsidies are money");
            assert!(cc.apply_for_subsidy(&f2a, "S1", carecircle_core::subsidy::SubsidyKind::Service, "").is_err(), "applying needs the money consent too");
        });
    }
}
