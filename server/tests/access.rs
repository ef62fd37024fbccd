//! The access matrix: every role against every endpoint of the OpenAPI document, allowed and
//! refused. Allowed means the rules let the role through (2xx, or 409/422 when the booking's
//! state or the input says no); refused means 403 or 404, with a body that names nobody.

mod common;

use common::*;
use serde_json::{Value, json};
use carecircle_core::person::FamilyPermissions;
use std::collections::BTreeSet;

const ROLES: &[&str] = &[
    "anonymous", "senior", "senior2", "family", "family2", "caregiver1", "caregiver2", "caregiver4", "operator", "operator2", "township", "township2", "district",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Allowed,
    Refused,
    Unauthenticated,
}

/// Who may use each operation (a role not listed is refused; anonymous callers get 401
/// wherever a token is needed).
fn allowed(op: &str) -> &'static [&'static str] {
    const ALL: &[&str] = &["senior", "senior2", "family", "family2", "caregiver1", "caregiver2", "caregiver4", "operator", "operator2", "district"];
    match op {
        "GET /health" | "GET /ready" | "GET /v1/openapi.json" | "POST /v1/auth/login" => &["anonymous", "senior", "senior2", "family", "family2", "caregiver1", "caregiver2", "caregiver4", "operator", "operator2", "district"],
        "POST /v1/auth/logout" | "GET /v1/me" | "POST /v1/sync/push" | "POST /v1/sync/pull" | "GET /v1/sync/stream" | "GET /v1/facilities/nearest" | "GET /v1/facilities/within" | "GET /v1/facilities/{id}" => ALL,
        "POST /v1/accounts" | "GET /v1/district/summary" | "GET /v1/audit" | "GET /v1/admin/jobs" => &["district"],
        "POST /v1/admin/facilities" | "POST /v1/admin/seniors" | "POST /v1/admin/caregivers" | "PUT /v1/admin/rules" | "PUT /v1/admin/visit-rules" => &["district"],
        // Canteen CT1 has no operator account, and lies in township 330211001: its centre runs it.
        "PUT /v1/admin/menus" | "PUT /v1/admin/canteens" => &["township", "district"],
        "GET /v1/admin/base-map" | "PUT /v1/admin/base-map" | "DELETE /v1/admin/base-map" | "POST /v1/admin/divisions" => &["district"],
        // ST1's own stock: its operator too.
        "PUT /v1/admin/stock" => &["operator", "district"],
        // S1 is seen by herself, F1, the caregivers offered her visits, her station and the district.
        "GET /v1/seniors/{id}" | "GET /v1/bookings/{id}" => &["senior", "family", "caregiver1", "caregiver2", "operator", "district"],
        "GET /v1/seniors/{id}/bookings" | "POST /v1/bookings" | "POST /v1/bookings/{id}/cancel" => &["senior", "family", "operator", "district"],
        "POST /v1/bookings/{id}/accept" | "POST /v1/bookings/{id}/decline" => &["caregiver1", "caregiver2"],
        "POST /v1/bookings/{id}/check-in" | "POST /v1/bookings/{id}/check-out" => &["caregiver1"],
        "POST /v1/bookings/{id}/review" => &["operator", "district"],
        "GET /v1/caregivers/{id}/agenda" | "GET /v1/caregivers/{id}/day" => &["caregiver1", "operator", "district"],
        // Day routes of station ST1: its operator and the district.
        "GET /v1/stations/{id}/route" | "POST /v1/stations/{id}/route/plan" | "GET /v1/route-plans/{id}" | "POST /v1/route-plans/{id}/confirm" => &["operator", "district"],
        // Each within their area: the operator's station, the whole district.
        "GET /v1/map" | "GET /v1/map/village" | "GET /v1/stats" | "GET /v1/isochrone" => &["operator", "operator2", "district"],
        // Walking is public, like facilities; so are menus and stock, and everyone's own alert board.
        "GET /v1/walk" | "GET /v1/canteens/{id}/menus" | "GET /v1/rental-points/{id}/stock" | "GET /v1/alerts" => ALL,
        // An SOS for S1: herself, any linked family member (F2 only receives alerts, and may raise one), her station, the district.
        "POST /v1/alerts" => &["senior", "family", "family2", "operator", "district"],
        // Whoever was told of S1's alert: she, family who receive alerts, the station alerted (ST1), the district.
        "GET /v1/alerts/{id}" | "POST /v1/alerts/{id}/acknowledge" | "POST /v1/alerts/{id}/resolve" => &["senior", "family", "family2", "operator", "district"],
        // S1's meals and rentals: who may book for her (ST1 is also the rental point).
        "POST /v1/meal-orders" | "GET /v1/meal-orders/{id}" | "POST /v1/meal-orders/{id}/cancel" | "GET /v1/seniors/{id}/meal-orders" | "POST /v1/rentals" | "GET /v1/rentals/{id}"
        | "POST /v1/rentals/{id}/pick-up" | "POST /v1/rentals/{id}/return" | "POST /v1/rentals/{id}/cancel" | "GET /v1/seniors/{id}/rentals" | "GET /v1/seniors/{id}/ratings" => {
            &["senior", "family", "operator", "district"]
        }
        // Subsidies: the applicant's side (with the money consent) applies; S1's station
        // recommends; each reviewer has a queue; the station and the district see applications.
        "POST /v1/subsidies" => &["senior", "family"],
        "GET /v1/subsidies" => &["operator", "operator2", "district"],
        "GET /v1/subsidies/{id}" | "GET /v1/seniors/{id}/subsidies" => &["senior", "family", "operator", "district"],
        "POST /v1/subsidies/{id}/{action}" => &["operator"],
        // Ratings and complaints come from the senior and family who see her visits.
        "POST /v1/ratings" | "POST /v1/complaints" => &["senior", "family"],
        // Complaints are answered by S1's station and the district; each has a queue.
        "GET /v1/complaints" => &["operator", "operator2", "district"],
        "GET /v1/complaints/{id}" => &["senior", "family", "operator", "district"],
        "POST /v1/complaints/{id}/answer" => &["operator", "district"],
        // S1's care plans: who may book for her makes and changes them; who sees her visits sees them.
        "POST /v1/plans" | "GET /v1/plans/{id}" | "PUT /v1/plans/{id}" | "POST /v1/plans/{id}/end" | "GET /v1/seniors/{id}/plans" => &["senior", "family", "operator", "district"],
        // Contracts and assessments are health records: F1 has the health consent, F2 has not.
        "POST /v1/contracts" | "GET /v1/contracts/{id}" | "POST /v1/contracts/{id}/terminate" | "GET /v1/seniors/{id}/contracts" => &["senior", "family", "operator", "district"],
        "POST /v1/assessments" => &["operator", "district"],
        "GET /v1/assessments/{id}" | "GET /v1/seniors/{id}/assessments" => &["senior", "family", "operator", "district"],
        // S1's time-bank account: whoever sees her; she spends her own hours, F1 moves F1's.
        "GET /v1/timebank/accounts/{id}" => &["senior", "family", "operator", "district"],
        "POST /v1/timebank/services" => &["operator", "district"],
        "POST /v1/timebank/spend" => &["senior", "district"],
        "POST /v1/timebank/transfers" | "POST /v1/timebank/donations" => &["family", "district"],
        "POST /v1/timebank/grants" => &["district"],
        // F1's own record: F1 and the district (a senior or station may only add new members).
        "PUT /v1/family-members/{id}" => &["family", "district"],
        // S1's link to F1 with the grants it has: the senior's side (F1 cannot grant itself).
        "POST /v1/family-links" => &["senior", "operator", "district"],
        "GET /v1/family-links/proposals" => ALL,
        "GET /v1/seniors/{id}/family" => &["senior", "family", "operator", "district"],
        other => panic!("the matrix does not know {other}: add it"),
    }
}

/// A township centre runs its township's stations: it may do whatever their operators may
/// (ST1, S1, CT1 and CL1's contract with S1 lie in township 330211001; ST2 and S2 in 330211002).
fn allowed_to(op: &str, role: &str) -> bool {
    let list = allowed(op);
    match role {
        "township" => list.contains(&"operator") || list.contains(&"township"),
        "township2" => list.contains(&"operator2"),
        _ => list.contains(&role),
    }
}

fn want(op: &str, role: &str) -> Want {
    let public = allowed(op).contains(&"anonymous");
    if role == "anonymous" && !public {
        Want::Unauthenticated
    } else if allowed_to(op, role) {
        Want::Allowed
    } else {
        Want::Refused
    }
}

/// A weekly plan of S1's that starts far ahead (no visit is generated in the test).
fn plan_body() -> Value {
    let start = (chrono::Utc::now() + chrono::Duration::days(200)).format("%Y-%m-%d").to_string();
    json!({"senior_id": "S1", "kind": "regular", "items": [{"service": "cleaning", "day": "mon", "start": "09:00:00", "duration_minutes": null}],
           "regular_caregiver_id": null, "over_quota": "skip", "starts_on": start, "ends_on": null, "note": ""})
}

fn day(d: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(d)).format("%Y-%m-%d").to_string()
}

/// A year with D1 of clinic CL1, starting `from` days ahead.
fn contract_body(from: i64) -> Value {
    json!({"senior_id": "S1", "doctor_id": "D1", "starts_on": day(from), "ends_on": day(from + 364), "services": ["home_rounds", "annual_check"]})
}

fn assessment_body() -> Value {
    let scores: Vec<u8> = carecircle_core::assessment::ITEMS.iter().map(|i| i.max).collect();
    json!({"senior_id": "S1", "assessor": "评估员乙", "date": (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%d").to_string(), "scores": scores})
}

/// A day far ahead, with no visits, so that planning and confirming it changes nothing else.
fn plan_date() -> String {
    (chrono::Utc::now() + chrono::Duration::days(200)).format("%Y-%m-%d").to_string()
}

struct World {
    api: Api,
    tokens: std::collections::HashMap<String, String>,
    n: std::sync::atomic::AtomicI64,
}

impl World {
    fn token(&self, role: &str) -> Option<&str> {
        self.tokens.get(role).map(String::as_str)
    }

    /// A fresh booking of S1, requested by F1 (so offered to C1, C2, C3), in its own time slot.
    async fn booking(&self, soon: bool) -> String {
        let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let start = if soon { chrono::Utc::now() + chrono::Duration::minutes(30) } else { chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(i) };
        let (s, v) = self
            .api
            .call("POST", "/v1/bookings", self.token("family"), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 15})))
            .await;
        assert_eq!(s, 201, "{v}");
        v["booking"]["id"].as_str().unwrap().to_string()
    }

    async fn as_c1(&self, id: &str, action: &str, body: Value) {
        let (s, v) = self.api.call("POST", &format!("/v1/bookings/{id}/{action}"), self.token("caregiver1"), Some(body)).await;
        assert_eq!(s, 200, "{action}: {v}");
    }

    /// The path and body to call `op` with, after putting the booking in the state it needs.
    async fn target(&self, op: &str) -> (String, Option<Value>, Option<String>) {
        let here = json!({"lat": HOME.0, "lon": HOME.1});
        let (method, path) = op.split_once(' ').unwrap();
        let mut booking = None;
        let (path, body) = match path {
            "/v1/auth/login" => (path.to_string(), Some(json!({"login": "family", "password": PASSWORD}))),
            "/v1/accounts" => {
                let i = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (path.to_string(), Some(json!({"login": format!("new{i}"), "password": "a long password", "actor": "family:F2"})))
            }
            "/v1/sync/push" => (path.to_string(), Some(json!({"entries": []}))),
            "/v1/sync/pull" => (path.to_string(), Some(json!({}))),
            // A stream never ends: a cursor it never gave is refused before it starts (422).
            "/v1/sync/stream" => (format!("{path}?cursor=not-a-cursor"), None),
            "/v1/facilities/nearest" => (format!("{path}?lat={}&lon={}&k=2", HOME.0, HOME.1), None),
            "/v1/facilities/within" => (format!("{path}?lat={}&lon={}&radius_m=1000&open_at=now", HOME.0, HOME.1), None),
            "/v1/facilities/{id}" => ("/v1/facilities/ST1".into(), None),
            "/v1/walk" => (format!("{path}?from_lat={}&from_lon={}&to_lat={}&to_lon={}", HOME.0, HOME.1, HOME.0 + 0.005, HOME.1 + 0.004), None),
            "/v1/isochrone" => (format!("{path}?lat={}&lon={}&minutes=10", HOME.0, HOME.1), None),
            "/v1/map/village" => (format!("{path}?lat={}&lon={}", HOME.0, HOME.1), None),
            "/v1/seniors/{id}" => {
                // Caregivers see a senior only while they hold a live offer of hers.
                booking = Some(self.booking(false).await);
                ("/v1/seniors/S1".into(), None)
            }
            "/v1/seniors/{id}/bookings" => ("/v1/seniors/S1/bookings".into(), None),
            "/v1/bookings" => {
                let start = chrono::Utc::now() + chrono::Duration::days(300);
                (path.to_string(), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 15})))
            }
            "/v1/caregivers/{id}/agenda" => ("/v1/caregivers/C1/agenda".into(), None),
            "/v1/caregivers/{id}/day" => (format!("/v1/caregivers/C1/day?date={}", plan_date()), None),
            "/v1/stations/{id}/route" => (format!("/v1/stations/ST1/route?date={}", plan_date()), None),
            "/v1/stations/{id}/route/plan" => ("/v1/stations/ST1/route/plan".into(), Some(json!({"date": plan_date()}))),
            p if p.starts_with("/v1/route-plans/{id}") => {
                let (s, v) = self.api.call("POST", "/v1/stations/ST1/route/plan", self.token("district"), Some(json!({"date": plan_date()}))).await;
                assert_eq!(s, 201, "{v}");
                (p.replace("{id}", v["id"].as_str().unwrap()), if p.ends_with("confirm") { Some(json!({})) } else { None })
            }
            "/v1/district/summary" => (format!("{path}?month={}", chrono::Utc::now().format("%Y-%m")), None),
            "/v1/canteens/{id}/menus" => (format!("/v1/canteens/CT1/menus?date={}", tomorrow()), None),
            // Bodies the rules refuse (422) for whoever may send them; nothing is changed.
            "/v1/admin/facilities" => (format!("{path}?format=geojson"), Some(json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.7, 95.0]}, "properties": {"id": "X", "name": "x", "kind": "canteen"}}]}))),
            "/v1/admin/seniors" | "/v1/admin/caregivers" => (path.to_string(), Some(json!("id\n"))),
            "/v1/admin/stock" => (path.to_string(), Some(json!({"facility_id": "ST1", "device": "wheelchair", "total": 1, "deposit_fen": 20000, "daily_fee_fen": 300}))),
            "/v1/admin/menus" => (path.to_string(), Some(json!({"facility_id": "CT1", "date": tomorrow(), "meal": "lunch", "dishes": "", "price_fen": 1500, "capacity": 3, "seats": 2}))),
            "/v1/admin/canteens" => (path.to_string(), Some(json!({"facility_id": "CT1", "delivery_radius_m": -1.0, "breakfast_cutoff": "07:00:00", "lunch_cutoff": "09:30:00", "dinner_cutoff": "15:00:00"}))),
            // Out of range (422) for the district; nothing changes.
            "/v1/admin/visit-rules" => (path.to_string(), Some(json!({"checkin_flag_m": 1.0, "checkin_early_minutes": 30}))),
            "/v1/admin/rules" => {
                let mut rules = serde_json::to_value(carecircle_core::entitlement::DistrictRules::default()).unwrap();
                rules["monthly_hours"] = json!(1000.0);
                (path.to_string(), Some(rules))
            }
            "/v1/admin/divisions" => (path.to_string(), Some(json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.7, 95.0]}, "properties": {"code": "330211001001", "name": "x", "level": "community"}}]}))),
            // Plain http is refused (422): the page's policy never changes here.
            "/v1/admin/base-map" if method == "PUT" => (path.to_string(), Some(json!({"url": "http://tiles.example.cn/{z}/{x}/{y}.png", "crs": "wgs84", "max_zoom": 18}))),
            "/v1/rental-points/{id}/stock" => ("/v1/rental-points/ST1/stock".into(), None),
            "/v1/alerts" if method == "POST" => (path.to_string(), Some(json!({"senior_id": "S1", "lat": HOME.0, "lon": HOME.1}))),
            p if p.starts_with("/v1/alerts/{id}") => {
                let (s, v) = self.api.call("POST", "/v1/alerts", self.token("district"), Some(json!({"senior_id": "S1", "lat": HOME.0, "lon": HOME.1}))).await;
                assert_eq!(s, 201, "{v}");
                let body = if p.ends_with("resolve") { Some(json!({"note": "已上门"})) } else { None };
                (p.replace("{id}", v["id"].as_str().unwrap()), body)
            }
            "/v1/meal-orders" => {
                self.no_meal_order().await;
                (path.to_string(), Some(json!({"senior_id": "S1", "facility_id": "CT1", "date": tomorrow(), "meal": "lunch", "mode": "pick_up"})))
            }
            p if p.starts_with("/v1/meal-orders/{id}") => {
                self.no_meal_order().await;
                let (s, v) = self.api.call("POST", "/v1/meal-orders", self.token("district"), Some(json!({"senior_id": "S1", "facility_id": "CT1", "date": tomorrow(), "meal": "lunch", "mode": "pick_up"}))).await;
                assert_eq!(s, 201, "{v}");
                (p.replace("{id}", v["id"].as_str().unwrap()), if p.ends_with("cancel") { Some(json!({})) } else { None })
            }
            "/v1/seniors/{id}/meal-orders" | "/v1/seniors/{id}/rentals" | "/v1/seniors/{id}/ratings" | "/v1/seniors/{id}/subsidies" | "/v1/seniors/{id}/plans" | "/v1/seniors/{id}/contracts"
            | "/v1/seniors/{id}/assessments" | "/v1/seniors/{id}/family" => (path.replace("{id}", "S1"), None),
            "/v1/complaints" if method == "GET" => (path.to_string(), None),
            p if p.starts_with("/v1/complaints/{id}") => {
                let visit = self.completed_visit().await;
                booking = Some(visit.clone());
                let (s, v) = self.api.call("POST", "/v1/complaints", self.token("family"), Some(json!({"subject": "visit", "subject_id": visit, "text": "来晚了"}))).await;
                assert_eq!(s, 201, "{v}");
                (p.replace("{id}", v["id"].as_str().unwrap()), if p.ends_with("answer") { Some(json!({"answer": "已与护理员沟通", "close": true})) } else { None })
            }
            "/v1/plans" => {
                self.no_plan().await;
                (path.to_string(), Some(plan_body()))
            }
            p if p.starts_with("/v1/plans/{id}") => {
                self.no_plan().await;
                let (s, v) = self.api.call("POST", "/v1/plans", self.token("district"), Some(plan_body())).await;
                assert_eq!(s, 201, "{v}");
                let body = match (method, p.ends_with("end")) {
                    ("PUT", _) => Some(plan_body()),
                    (_, true) => Some(json!({"reason": "搬去女儿家"})),
                    _ => None,
                };
                (p.replace("{id}", v["id"].as_str().unwrap()), body)
            }
            // Each contract its own year, so that none overlaps another (they may not).
            "/v1/contracts" => {
                let from = 1 + 400 * self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (path.to_string(), Some(contract_body(from)))
            }
            p if p.starts_with("/v1/contracts/{id}") => {
                let from = 1 + 400 * self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (s, v) = self.api.call("POST", "/v1/contracts", self.token("district"), Some(contract_body(from))).await;
                assert_eq!(s, 201, "{v}");
                (p.replace("{id}", v["id"].as_str().unwrap()), if p.ends_with("terminate") { Some(json!({"last_day": day(from + 60)})) } else { None })
            }
            "/v1/assessments" => (path.to_string(), Some(assessment_body())),
            "/v1/assessments/{id}" => {
                let (s, v) = self.api.call("POST", "/v1/assessments", self.token("district"), Some(assessment_body())).await;
                assert_eq!(s, 201, "{v}");
                (path.replace("{id}", v["id"].as_str().unwrap()), None)
            }
            "/v1/timebank/accounts/{id}" => ("/v1/timebank/accounts/S1".into(), None),
            "/v1/timebank/services" => (path.to_string(), Some(json!({"volunteer_id": "F1", "senior_id": "S1", "service": "companionship", "minutes": 10}))),
            "/v1/timebank/transfers" => (path.to_string(), Some(json!({"from": "F1", "to": "S1", "minutes": 1}))),
            "/v1/timebank/spend" => (path.to_string(), Some(json!({"account": "S1", "reference": "助浴一次", "minutes": 1}))),
            "/v1/timebank/donations" => (path.to_string(), Some(json!({"from": "F1", "minutes": 1}))),
            "/v1/timebank/grants" => (path.to_string(), Some(json!({"senior_id": "S1", "minutes": 1}))),
            "/v1/family-members/{id}" => ("/v1/family-members/F1".into(), Some(json!({"name": "家属F1", "phone": ""}))),
            "/v1/family-links" => (path.to_string(), Some(json!({"senior_id": "S1", "family_id": "F1", "relation": "子女", "permissions": FamilyPermissions::ALL}))),
            "/v1/subsidies" if method == "POST" => {
                self.no_application().await;
                (path.to_string(), Some(json!({"senior_id": "S1", "kind": "meal", "note": "独居"})))
            }
            p if p.starts_with("/v1/subsidies/{id}") => {
                self.no_application().await;
                let (s, v) = self.api.call("POST", "/v1/subsidies", self.token("senior"), Some(json!({"senior_id": "S1", "kind": "meal"}))).await;
                assert_eq!(s, 201, "{v}");
                let id = v["id"].as_str().unwrap();
                (p.replace("{id}", id).replace("{action}", "recommend"), if p.ends_with("{action}") { Some(json!({})) } else { None })
            }
            "/v1/rentals" => {
                self.no_rental().await;
                (path.to_string(), Some(json!({"senior_id": "S1", "facility_id": "ST1", "device": "wheelchair"})))
            }
            p if p.starts_with("/v1/rentals/{id}") => {
                self.no_rental().await;
                let (s, v) = self.api.call("POST", "/v1/rentals", self.token("district"), Some(json!({"senior_id": "S1", "facility_id": "ST1", "device": "wheelchair"}))).await;
                assert_eq!(s, 201, "{v}");
                let id = v["id"].as_str().unwrap().to_string();
                if p.ends_with("return") {
                    let (s, v) = self.api.call("POST", &format!("/v1/rentals/{id}/pick-up"), self.token("district"), Some(json!({}))).await;
                    assert_eq!(s, 200, "{v}");
                }
                (p.replace("{id}", &id), if p == "/v1/rentals/{id}" { None } else { Some(json!({})) })
            }
            "/v1/ratings" | "/v1/complaints" => {
                let id = self.completed_visit().await;
                booking = Some(id.clone());
                let body = if path == "/v1/ratings" { json!({"subject": "visit", "subject_id": id, "stars": 5, "comment": "很好"}) } else { json!({"subject": "visit", "subject_id": id, "text": "来晚了"}) };
                (path.to_string(), Some(body))
            }
            p if p.starts_with("/v1/bookings/{id}") => {
                let action = p.trim_start_matches("/v1/bookings/{id}").trim_start_matches('/');
                let id = match action {
                    "check-in" => {
                        let id = self.booking(true).await;
                        self.as_c1(&id, "accept", json!({})).await;
                        id
                    }
                    "check-out" => {
                        let id = self.booking(true).await;
                        self.as_c1(&id, "accept", json!({})).await;
                        self.as_c1(&id, "check-in", here.clone()).await;
                        id
                    }
                    "review" => {
                        let id = self.booking(true).await;
                        self.as_c1(&id, "accept", json!({})).await;
                        let far = json!({"lat": HOME.0 + 0.01, "lon": HOME.1});
                        self.as_c1(&id, "check-in", far.clone()).await;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        self.as_c1(&id, "check-out", far).await;
                        id
                    }
                    _ => self.booking(false).await,
                };
                booking = Some(id.clone());
                let body = match action {
                    "" => None,
                    "check-in" | "check-out" => Some(here),
                    "review" => Some(json!({"review": "approved"})),
                    "cancel" => Some(json!({"reason": "不需要了"})),
                    _ => Some(json!({})),
                };
                (p.replace("{id}", &id), body)
            }
            _ => (path.to_string(), None),
        };
        let _ = method;
        (path, body, booking)
    }

    /// Cancels S1's standing order for tomorrow's lunch (one per meal), so that a new one may be made.
    async fn no_meal_order(&self) {
        let (_, v) = self.api.call("GET", "/v1/seniors/S1/meal-orders", self.token("district"), None).await;
        for o in v.as_array().unwrap().iter().filter(|o| o["state"] == "ordered") {
            let (s, v) = self.api.call("POST", &format!("/v1/meal-orders/{}/cancel", o["id"].as_str().unwrap()), self.token("district"), Some(json!({}))).await;
            assert_eq!(s, 200, "{v}");
        }
    }

    /// Closes S1's open meal-subsidy application (one open per kind), so that a new one may be made.
    async fn no_application(&self) {
        let (_, v) = self.api.call("GET", "/v1/seniors/S1/subsidies", self.token("district"), None).await;
        for a in v.as_array().unwrap() {
            let (who, action, body) = match a["state"].as_str() {
                Some("submitted" | "returned") => ("senior", "withdraw", json!({})),
                Some("recommended") => ("district", "refuse", json!({"reason": "tidy"})),
                _ => continue,
            };
            let (s, v) = self.api.call("POST", &format!("/v1/subsidies/{}/{action}", a["id"].as_str().unwrap()), self.token(who), Some(body)).await;
            assert_eq!(s, 200, "{v}");
        }
    }

    /// Ends S1's active regular plan (one per kind), so that a new one may be made.
    async fn no_plan(&self) {
        let (_, v) = self.api.call("GET", "/v1/seniors/S1/plans", self.token("district"), None).await;
        for p in v.as_array().unwrap().iter().filter(|p| p["state"] == "active") {
            let (s, v) = self.api.call("POST", &format!("/v1/plans/{}/end", p["id"].as_str().unwrap()), self.token("district"), Some(json!({"reason": "tidy"}))).await;
            assert_eq!(s, 200, "{v}");
        }
    }

    /// Frees ST1's one wheelchair.
    async fn no_rental(&self) {
        let (_, v) = self.api.call("GET", "/v1/seniors/S1/rentals", self.token("district"), None).await;
        for r in v.as_array().unwrap() {
            let action = match r["state"].as_str() {
                Some("reserved") => "cancel",
                Some("picked_up") => "return",
                _ => continue,
            };
            let (s, v) = self.api.call("POST", &format!("/v1/rentals/{}/{action}", r["id"].as_str().unwrap()), self.token("district"), Some(json!({}))).await;
            assert_eq!(s, 200, "{v}");
        }
    }

    /// A visit of S1 that C1 carried out at her door.
    async fn completed_visit(&self) -> String {
        let here = json!({"lat": HOME.0, "lon": HOME.1});
        let id = self.booking(true).await;
        self.as_c1(&id, "accept", json!({})).await;
        self.as_c1(&id, "check-in", here.clone()).await;
        self.as_c1(&id, "check-out", here).await;
        id
    }

    /// Frees C1 again after a test left a booking accepted or checked in.
    async fn tidy(&self, booking: Option<String>) {
        let Some(id) = booking else { return };
        let (_, v) = self.api.call("GET", &format!("/v1/bookings/{id}"), self.token("district"), None).await;
        match v["booking"]["state"].as_str() {
            Some("checked_in") => self.as_c1(&id, "check-out", json!({"lat": HOME.0, "lon": HOME.1})).await,
            Some("accepted" | "offered" | "requested" | "declined") => {
                self.api.call("POST", &format!("/v1/bookings/{id}/cancel"), self.token("district"), Some(json!({"reason": "tidy"}))).await;
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, _) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let (_, doc) = api.call("GET", "/v1/openapi.json", None, None).await;
        let mut ops = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                ops.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
        assert!(ops.len() >= 20, "{ops:?}");
        let mut tokens = std::collections::HashMap::new();
        for role in ROLES.iter().filter(|r| **r != "anonymous") {
            tokens.insert(role.to_string(), api.token(role).await);
        }
        let w = World { api, tokens, n: Default::default() };
        let mut failures = Vec::new();
        let mut checked = 0;
        for op in &ops {
            for role in ROLES {
                let expected = want(op, role);
                let (path, body, booking) = w.target(op).await;
                let token = if op == "POST /v1/auth/logout" && *role != "anonymous" {
                    // Logging out ends the session: use a session of its own.
                    Some(w.api.token(role).await)
                } else {
                    w.token(role).map(String::from)
                };
                let (method, _) = op.split_once(' ').unwrap();
                let (status, reply) = w.api.call(method, &path, token.as_deref(), body).await;
                let got = match status {
                    401 => Want::Unauthenticated,
                    403 | 404 => Want::Refused,
                    s if (200..300).contains(&s) || s == 409 || s == 422 => Want::Allowed,
                    _ => {
                        failures.push(format!("{op} as {role}: unexpected {status} {reply}"));
                        continue;
                    }
                };
                checked += 1;
                if got != expected {
                    failures.push(format!("{op} as {role}: wanted {expected:?}, got {status} {reply}"));
                }
                if got == Want::Refused {
                    let text = reply.to_string();
                    assert!(reply["error"].is_string(), "refusals are JSON errors: {text}");
                    for secret in ["S1", "王秀英", "0574", "丰山路"] {
                        assert!(!text.contains(secret), "{op} as {role} leaks {secret}: {text}");
                    }
                }
                w.tidy(booking).await;
            }
        }
        assert!(failures.is_empty(), "{} of {checked} cells wrong:\n{}", failures.len(), failures.join("\n"));
        eprintln!("{checked} cells of the access matrix checked on {}", backend.name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_json_errors_and_never_take_the_server_down() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let token = api.token("family").await;
    let raw = |path: &str, body: &'static [u8]| {
        api.http.post(format!("{}{path}", server.url)).bearer_auth(&token).header("content-type", "application/json").body(body).send()
    };
    let r = raw("/v1/sync/push", b"{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "bad_json");
    let huge = vec![b' '; 3 * 1024 * 1024];
    // (On a client of its own: the server answers before reading it all and closes the connection.)
    let r = reqwest::Client::new().post(format!("{}/v1/sync/push", server.url)).bearer_auth(&token).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let (s, v) = api.call("GET", "/v1/bookings/no-such-booking", Some(&token), None).await;
    assert_eq!((s, v["error"].as_str()), (404, Some("not_found")));
    let (s, _) = api.call("GET", "/v1/no/such/route", Some(&token), None).await;
    assert_eq!(s, 404);
    let (s, v) = api.call("POST", "/v1/sync/pull", Some(&token), Some(json!({"cursor": "garbage"}))).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")));
    let (s, _) = api.call("GET", "/v1/facilities/nearest?lat=999&lon=1", Some(&token), None).await;
    assert_eq!(s, 422);
    let (s, _) = api.call("GET", "/v1/facilities/nearest?lat=abc", Some(&token), None).await;
    assert_eq!(s, 400);
    let (s, v) = api.call("GET", "/v1/walk?from_lat=999&from_lon=1&to_lat=1&to_lon=1", Some(&token), None).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_coordinate")), "{v}");
    let (s, _) = api.call("GET", "/v1/walk?from_lat=abc", Some(&token), None).await;
    assert_eq!(s, 400);
    let (s, _) = api.call("GET", "/v1/me", Some("not-a-token"), None).await;
    assert_eq!(s, 401);
    let (s, _) = api.call("POST", "/v1/auth/login", None, Some(json!({"login": "family", "password": "wrong"}))).await;
    assert_eq!(s, 401);
    let too_many: Vec<Value> = (0..101).map(|i| json!({"key": format!("k{i}"), "actor": "family:F1", "at": chrono::Utc::now(), "command": {"op": "accept_booking", "booking_id": "x"}})).collect();
    let (s, _) = api.call("POST", "/v1/sync/push", Some(&token), Some(json!({"entries": too_many}))).await;
    assert_eq!(s, 422);
    // Someone else's entries in a push are refused entry by entry, naming nobody.
    let (s, v) = api
        .call("POST", "/v1/sync/push", Some(&token), Some(json!({"entries": [{"key": "k1", "actor": "family:F2", "at": chrono::Utc::now(), "command": {"op": "accept_booking", "booking_id": "x"}}]})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["results"][0]["code"], "forbidden");
    assert_eq!(api.call("GET", "/health", None, None).await.0, 200, "still up");
}
