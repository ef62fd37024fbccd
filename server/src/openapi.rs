//! The OpenAPI 3.1 document of the API, written by hand beside the routes it describes (a test
//! calls every operation listed here, so the two cannot drift apart unnoticed).

use serde_json::{Value, json};

fn op(summary: &str, auth: bool, body: Option<&str>, ok: &str, refusals: &[u16]) -> Value {
    let mut responses = serde_json::Map::new();
    let (status, schema) = ok.split_once(' ').unwrap_or((ok, ""));
    let mut ok_resp = json!({"description": "done"});
    if !schema.is_empty() {
        ok_resp["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}});
    }
    responses.insert(status.to_string(), ok_resp);
    for code in refusals {
        responses.insert(code.to_string(), json!({"$ref": "#/components/responses/Error"}));
    }
    if auth {
        responses.insert("401".into(), json!({"$ref": "#/components/responses/Error"}));
    }
    let mut o = json!({"summary": summary, "responses": responses});
    if !auth {
        o["security"] = json!([]);
    }
    if let Some(b) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
    }
    o
}

fn path_id() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
}

fn idempotency() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 128},
           "description": "Makes a retried change harmless: the same key gets the first answer."})
}

fn date_param(mut params: Value) -> Value {
    params.as_array_mut().expect("array").push(json!({"name": "date", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}));
    params
}

fn with_params(mut o: Value, params: Value) -> Value {
    o["parameters"] = params;
    o
}

pub fn document() -> Value {
    let change = |summary: &str, body: Option<&str>| {
        let mut params = path_id();
        params.as_array_mut().expect("array").push(idempotency());
        with_params(op(summary, true, body, "200 BookingView", &[400, 403, 404, 409, 422]), params)
    };
    let record_change = |summary: &str, body: Option<&str>| {
        let mut params = path_id();
        params.as_array_mut().expect("array").push(idempotency());
        with_params(op(summary, true, body, "200 Record", &[400, 403, 404, 409, 422]), params)
    };
    let create = |summary: &str, body: &str| with_params(op(summary, true, Some(body), "201 Record", &[400, 403, 404, 409, 422]), json!([idempotency()]));
    let one = |summary: &str, ok: &str| with_params(op(summary, true, None, ok, &[404]), path_id());
    json!({
        "openapi": "3.1.0",
        "info": {"title": "CareCircle district platform", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Home-based elderly care: bookings, visits and sync for phones. Every rule is carecircle-core's; errors are {\"error\": code, \"message\": text}."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "refused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {"error": {"type": "string", "enum": carecircle_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()}, "message": {"type": "string"}}},
                "Health": {"type": "object", "properties": {"status": {"type": "string"}}},
                "Login": {"type": "object", "required": ["login", "password"], "properties": {"login": {"type": "string"}, "password": {"type": "string"}}},
                "Session": {"type": "object", "properties": {"token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}, "login": {"type": "string"}, "actor": {"$ref": "#/components/schemas/Actor"}}},
                "Actor": {"type": "object", "properties": {"role": {"enum": ["senior", "family", "caregiver", "operator", "district"]}, "id": {"type": "string"}}},
                "Me": {"type": "object", "properties": {"login": {"type": "string"}, "actor": {"$ref": "#/components/schemas/Actor"}}},
                "NewAccount": {"type": "object", "required": ["login", "password", "actor"], "properties": {"login": {"type": "string"}, "password": {"type": "string", "minLength": 8}, "actor": {"type": "string", "description": "senior:ID, family:ID, caregiver:ID, operator:STATION or district"}}},
                "Command": {"type": "object", "required": ["op"], "description": "request_booking, accept_booking, decline_booking, cancel_booking, check_in, check_out, review_visit, put_family_member, link_family, raise_alert, acknowledge_alert, resolve_alert, order_meal, cancel_meal, reserve_device, pick_up_device, return_device, cancel_rental, rate, complain; fields as in carecircle_core::sync::Command",
                            "properties": {"op": {"type": "string"}, "booking_id": {"type": "string"}}},
                "PushEntry": {"type": "object", "required": ["key", "actor", "at", "command"], "properties": {"key": {"type": "string", "maxLength": 128}, "actor": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "command": {"$ref": "#/components/schemas/Command"}}},
                "Push": {"type": "object", "required": ["entries"], "properties": {"entries": {"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/PushEntry"}}}},
                "PushResults": {"type": "object", "properties": {"results": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "ok": {"type": "boolean"}, "subject": {"type": "object"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}},
                "PullRequest": {"type": "object", "properties": {"cursor": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 2000}, "refresh": {"type": "array", "items": {"type": "object", "properties": {"entity": {"type": "string"}, "id": {"type": "string"}}}}}},
                "PullPage": {"type": "object", "properties": {"cursor": {"type": "string"}, "more": {"type": "boolean"},
                             "tables": {"type": "array", "items": {"type": "object", "properties": {"table": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}}, "rows": {"type": "array", "items": {"type": "array"}}}}},
                             "gone": {"type": "array", "items": {"type": "object"}}}},
                "Nearby": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"}, "distance_m": {"type": "number", "description": "great-circle metres"}, "walk_m": {"type": ["number", "null"], "description": "metres along the walking network; null without one or with no path"}, "walk_minutes": {"type": ["number", "null"], "description": "along the network if there is one (null: no path), else straight line × detour"}}}},
                "Facility": {"type": "object"},
                "Senior": {"type": "object"},
                "Bookings": {"type": "array", "items": {"type": "object"}},
                "NewBooking": {"type": "object", "required": ["senior_id", "service", "start"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "service": {"type": "string"}, "start": {"type": "string", "format": "date-time"}, "duration_minutes": {"type": "integer"}, "note": {"type": "string"}}},
                "BookingView": {"type": "object", "properties": {"booking": {"type": "object"}, "offers": {"type": "array"}, "visit": {"type": ["object", "null"]},
                                "expected_arrival": {"type": ["object", "null"], "description": "from the station's confirmed day plan: caregiver_id, arrival, start, confirmed (the planned caregiver accepted)"}}},
                "Reason": {"type": "object", "properties": {"reason": {"type": "string"}}},
                "Place": {"type": "object", "required": ["lat", "lon"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}, "crs": {"enum": ["wgs84", "gcj02", "bd09"]}}},
                "Review": {"type": "object", "required": ["review"], "properties": {"review": {"enum": ["approved", "rejected"]}}},
                "Agenda": {"type": "array", "items": {"type": "object", "properties": {"booking": {"type": "object"}, "offer": {"type": "object"}}}},
                "Summary": {"type": "object"},
                "Jobs": {"type": "array", "description": "carecircle_core::jobs::JobStatus per job: job, every_seconds, next_run_at, last_started_at, last_finished_at, last_outcome, last_error, running_on, runs", "items": {"type": "object"}},
                "Audit": {"type": "array", "items": {"type": "object", "properties": {"seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
                          "action": {"enum": ["read", "change"]}, "record": {"enum": ["senior", "visit", "assessment", "doctor_contract", "health_check"]}, "record_id": {"type": "string"}, "senior_id": {"type": "string"}}}},
                "CaregiverDay": {"type": "object", "description": "carecircle_core::route::day::CaregiverDay: accepted visits and open offers in order, with expected arrivals and the path for the map",
                                 "properties": {"caregiver_id": {"type": "string"}, "date": {"type": "string", "format": "date"}, "mode": {"enum": ["walk", "ebike"]}, "travel_seconds": {"type": "number"}, "stops": {"type": "array"}, "path": {"type": "array"}}},
                "CaregiverDays": {"type": "array", "items": {"$ref": "#/components/schemas/CaregiverDay"}},
                "PlanDay": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string", "format": "date"}}},
                "DayPlan": {"type": "object", "description": "carecircle_core::route::DayPlan: routes per caregiver with arrival times and changes (keep, offer, handover), unplanned visits, travel before (matching as today) and after"},
                "Confirmed": {"type": "object", "properties": {"offered": {"type": "array"}, "handovers": {"type": "array"}, "kept": {"type": "array"}, "skipped": {"type": "array"}}},
                "Stats": {"type": "object", "description": "carecircle_core::stats::DistrictStats: the seeds' targets and, for the caller's area, the district, its townships and villages"},
                "Walk": {"type": "object", "properties": {"metres": {"type": "number"}, "minutes": {"type": "number"}, "path": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "description": "[lat, lon], WGS-84"}}, "straight_m": {"type": "number"}, "from_leg_m": {"type": "number"}, "to_leg_m": {"type": "number"}}},
                "Isochrone": {"type": "object", "description": "carecircle_core::network::Isochrone: the area within a walk, geometry a GeoJSON Polygon or MultiPolygon ([lon, lat], WGS-84)",
                              "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}, "minutes": {"type": "number"}, "metres": {"type": "number"}, "geometry": {"type": "object"}, "area_m2": {"type": "number"}, "nodes_reached": {"type": "integer"}}},
                "Record": {"type": "object", "description": "the order, rental, alert, rating or complaint as stored, by column (carecircle_core::sync::TABLES)"},
                "Records": {"type": "array", "items": {"type": "object"}},
                "NewAlert": {"type": "object", "required": ["senior_id", "lat", "lon"], "description": "an SOS: the nearest station with emergency help is told, then the next, then the district",
                             "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"}, "crs": {"enum": ["wgs84", "gcj02", "bd09"]}}},
                "Note": {"type": "object", "properties": {"note": {"type": "string", "maxLength": 1000}}},
                "Menus": {"type": "array", "description": "carecircle_core::meal::MenuAvailability: menu, ordered, dine_in_ordered, cutoff", "items": {"type": "object"}},
                "NewMealOrder": {"type": "object", "required": ["senior_id", "facility_id", "date", "meal", "mode"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "facility_id": {"type": "string"},
                                 "date": {"type": "string", "format": "date"}, "meal": {"enum": ["breakfast", "lunch", "dinner"]}, "mode": {"enum": ["dine_in", "pick_up", "delivery"]}}},
                "Stock": {"type": "array", "description": "carecircle_core::rental::StockLevel: stock, free, in_use", "items": {"type": "object"}},
                "NewRental": {"type": "object", "required": ["senior_id", "facility_id", "device"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "facility_id": {"type": "string"},
                              "device": {"enum": ["wheelchair", "walker", "bath_chair", "nursing_bed", "commode_chair", "crutches"]}}},
                "NewRating": {"type": "object", "required": ["subject", "subject_id", "stars"], "properties": {"id": {"type": "string"}, "subject": {"enum": ["visit", "meal"]}, "subject_id": {"type": "string"}, "stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"}}},
                "VisitRules": {"type": "object", "required": ["checkin_flag_m", "checkin_early_minutes"], "properties": {"checkin_flag_m": {"type": "number", "minimum": 10, "maximum": 5000}, "checkin_early_minutes": {"type": "integer", "maximum": 240}}},
                "Answer": {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string", "maxLength": 1000}, "close": {"type": "boolean"}}},
                "PlanItem": {"type": "object", "required": ["service", "day", "start"], "properties": {"service": {"type": "string"}, "day": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "start": {"type": "string", "description": "HH:MM:SS, Shanghai"}, "duration_minutes": {"type": ["integer", "null"]}}},
                "PlanRequest": {"type": "object", "required": ["senior_id", "kind", "items", "over_quota", "starts_on"], "properties": {"id": {"type": "string", "description": "POST only: chosen by the client"}, "senior_id": {"type": "string"}, "kind": {"enum": ["regular", "family_care_bed"]},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/PlanItem"}}, "regular_caregiver_id": {"type": ["string", "null"]}, "over_quota": {"enum": ["self_paid", "skip"]},
                    "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": ["string", "null"], "format": "date"}, "note": {"type": "string"}}},
                "CarePlan": {"type": "object", "description": "carecircle_core::plan::CarePlan"},
                "CarePlans": {"type": "array", "items": {"$ref": "#/components/schemas/CarePlan"}},
                "NewContract": {"type": "object", "required": ["senior_id", "doctor_id", "starts_on", "ends_on", "services"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "doctor_id": {"type": "string"},
                    "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"}, "services": {"type": "array", "items": {"enum": ["home_rounds", "annual_check", "chronic_disease", "family_sick_bed"]}}}},
                "LastDay": {"type": "object", "required": ["last_day"], "properties": {"last_day": {"type": "string", "format": "date"}}},
                "NewAssessment": {"type": "object", "required": ["senior_id", "assessor", "date", "scores"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "assessor": {"type": "string"}, "date": {"type": "string", "format": "date"},
                    "scores": {"type": "array", "items": {"type": "integer"}, "minItems": 26, "maxItems": 26}, "conditions": {"type": "object", "properties": {"dementia": {"type": "boolean"}, "psychiatric_disorder": {"type": "boolean"}, "risk_events_30d": {"type": "integer"}}}}},
                "Account": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "birth_date": {"type": ["string", "null"]}, "balance_minutes": {"type": "integer"}}},
                "NewService": {"type": "object", "required": ["volunteer_id", "senior_id", "service", "minutes"], "properties": {"id": {"type": "string"}, "volunteer_id": {"type": "string"}, "senior_id": {"type": "string"}, "service": {"type": "string"}, "minutes": {"type": "integer"}}},
                "NewTransfer": {"type": "object", "required": ["from", "to", "minutes"], "properties": {"id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "minutes": {"type": "integer"}}},
                "NewSpend": {"type": "object", "required": ["account", "reference", "minutes"], "properties": {"id": {"type": "string"}, "account": {"type": "string"}, "reference": {"type": "string"}, "minutes": {"type": "integer"}}},
                "NewDonation": {"type": "object", "required": ["from", "minutes"], "properties": {"id": {"type": "string"}, "from": {"type": "string"}, "minutes": {"type": "integer"}}},
                "NewGrant": {"type": "object", "required": ["senior_id", "minutes"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "minutes": {"type": "integer"}}},
                "FamilyMemberBody": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
                "FamilyMember": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string"}}},
                "FamilyLink": {"type": "object", "required": ["senior_id", "family_id", "relation", "permissions"], "properties": {"senior_id": {"type": "string"}, "family_id": {"type": "string"}, "relation": {"type": "string"},
                    "permissions": {"type": "object", "properties": {"can_book": {"type": "boolean"}, "can_see_visits": {"type": "boolean"}, "receives_alerts": {"type": "boolean"}, "sees_health": {"type": "boolean"}, "sees_location": {"type": "boolean"}, "sees_money": {"type": "boolean"}}}}},
                "LinkResult": {"type": "object", "properties": {"active": {"type": "boolean"}, "link": {"type": ["object", "null"]}}},
                "NewComplaint": {"type": "object", "required": ["subject", "subject_id", "text"], "properties": {"id": {"type": "string"}, "subject": {"enum": ["visit", "meal"]}, "subject_id": {"type": "string"}, "text": {"type": "string", "maxLength": 500}}},
                "NewApplication": {"type": "object", "required": ["senior_id", "kind"], "properties": {"id": {"type": "string"}, "senior_id": {"type": "string"}, "kind": {"enum": ["service", "meal", "device_rental"]}, "note": {"type": "string", "maxLength": 500}}},
                "AdminReport": {"type": "object", "properties": {"inserted": {"type": "integer"}, "updated": {"type": "integer"}}},
                "Canteen": {"type": "object", "required": ["facility_id", "delivery_radius_m", "breakfast_cutoff", "lunch_cutoff", "dinner_cutoff"], "description": "carecircle_core::meal::CanteenSettings; cut-offs HH:MM:SS, Shanghai"},
                "Menu": {"type": "object", "required": ["facility_id", "date", "meal", "dishes", "price_fen", "capacity", "seats"], "description": "carecircle_core::meal::Menu"},
                "DeviceStock": {"type": "object", "required": ["facility_id", "device", "total", "deposit_fen", "daily_fee_fen"], "description": "carecircle_core::rental::DeviceStock"},
                "DistrictRules": {"type": "object", "description": "carecircle_core::entitlement::DistrictRules"},
                "BaseMap": {"type": ["object", "null"], "required": ["url", "crs", "max_zoom"], "description": "carecircle_core::base_map::BaseMap: Web Mercator XYZ tiles; null removes the base map",
                            "properties": {"url": {"type": "string", "maxLength": 1000, "description": "https://HOST/... with {z}, {x}, {y} once each after the host, and {s} in the host when subdomains are given; no spaces, quotes, <, >, \\, ^, |, ;, comma or #"},
                                           "subdomains": {"type": "array", "maxItems": 16, "items": {"type": "string", "pattern": "^[a-z0-9-]{1,20}$"}},
                                           "crs": {"enum": ["wgs84", "gcj02"], "description": "the tiles' coordinate system (Tianditu: wgs84; Amap, Tencent: gcj02)"},
                                           "attribution": {"type": "string", "maxLength": 200}, "max_zoom": {"type": "integer", "minimum": 1, "maximum": 22}}},
                "BaseMapView": {"type": "object", "properties": {"base_map": {"$ref": "#/components/schemas/BaseMap"}, "hosts": {"type": "array", "items": {"type": "string"}, "description": "what the map page's Content-Security-Policy allows images from, besides the platform"}}},
                "MapDivision": {"type": ["object", "null"], "description": "carecircle_core::map::MapDivision: a village or community with its code, name, township, seniors and outline; null where no village of the caller's map is"},
                "OneMap": {"type": "object", "description": "carecircle_core::map::OneMap: facilities, divisions with outlines, home cells (never homes), holes of the 15-minute circle per service, open SOS alerts, today's visits and caregivers' routes through home cells, for the caller's area"}
            }
        },
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": op("The process answers", false, None, "200 Health", &[])},
            "/ready": {"get": op("Storage answers: ready for traffic", false, None, "200 Health", &[503])},
            "/v1/openapi.json": {"get": op("This document", false, None, "200", &[])},
            "/v1/auth/login": {"post": op("Sign in; the token expires", false, Some("Login"), "200 Session", &[400, 401])},
            "/v1/auth/logout": {"post": op("End this session", true, None, "204", &[])},
            "/v1/me": {"get": op("Who the token signs in as", true, None, "200 Me", &[])},
            "/v1/accounts": {"post": op("Create an account (district administrators)", true, Some("NewAccount"), "201 Me", &[400, 403, 422])},
            "/v1/sync/push": {"post": op("Apply a phone's outbox, in order, once per key", true, Some("Push"), "200 PushResults", &[400, 413, 422])},
            "/v1/sync/stream": {"get": with_params(op("Server-sent events: `changed` (id: a cursor, data {\"cursor\"}) whenever something in the caller's scope changed after the cursor; pull then. Resumes from Last-Event-ID; keep-alive comments every 15 s; at most 4 streams per login (429)", true, None, "200", &[422, 429]),
                json!([{"name": "cursor", "in": "query", "required": false, "schema": {"type": "string"}}, {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "string"}}]))},
            "/v1/sync/pull": {"post": op("What changed in the caller's scope since the cursor", true, Some("PullRequest"), "200 PullPage", &[400, 422])},
            "/v1/facilities/nearest": {"get": with_params(op("Nearest facilities", true, None, "200 Nearby", &[400, 422]), json!([
                {"name": "lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}},
                {"name": "kind", "in": "query", "schema": {"type": "string"}},
                {"name": "open_at", "in": "query", "schema": {"type": "string"}, "description": "RFC 3339 instant, or now: only facilities open then (Shanghai hours)"},
                {"name": "service", "in": "query", "schema": {"type": "string"}},
                {"name": "k", "in": "query", "schema": {"type": "integer"}},
                {"name": "radius_m", "in": "query", "schema": {"type": "number"}}]))},
            "/v1/facilities/within": {"get": with_params(op("Every facility within radius_m (required), nearest first", true, None, "200 Nearby", &[400, 422]), json!([
                {"name": "lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}},
                {"name": "kind", "in": "query", "schema": {"type": "string"}},
                {"name": "open_at", "in": "query", "schema": {"type": "string"}, "description": "RFC 3339 instant, or now: only facilities open then (Shanghai hours)"},
                {"name": "service", "in": "query", "schema": {"type": "string"}},
                {"name": "k", "in": "query", "schema": {"type": "integer"}},
                {"name": "radius_m", "in": "query", "schema": {"type": "number"}}]))},
            "/v1/facilities/{id}": {"get": with_params(op("One facility", true, None, "200 Facility", &[404]), path_id())},
            "/v1/seniors/{id}": {"get": with_params(op("A senior the caller may see", true, None, "200 Senior", &[404]), path_id())},
            "/v1/seniors/{id}/bookings": {"get": with_params(op("A senior's bookings", true, None, "200 Bookings", &[403, 404]), path_id())},
            "/v1/bookings": {"post": with_params(op("Request a home visit", true, Some("NewBooking"), "201 BookingView", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/bookings/{id}": {"get": with_params(op("A booking the caller may see", true, None, "200 BookingView", &[404]), path_id())},
            "/v1/bookings/{id}/accept": {"post": change("The offered caregiver accepts; the first accept wins", None)},
            "/v1/bookings/{id}/decline": {"post": change("The offered caregiver declines", Some("Reason"))},
            "/v1/bookings/{id}/cancel": {"post": change("Cancel, saying why", Some("Reason"))},
            "/v1/bookings/{id}/check-in": {"post": change("The assigned caregiver checks in (EVV)", Some("Place"))},
            "/v1/bookings/{id}/check-out": {"post": change("The assigned caregiver checks out", Some("Place"))},
            "/v1/bookings/{id}/review": {"post": change("Approve or reject a flagged visit", Some("Review"))},
            "/v1/alerts": {"get": op("Open alerts the caller was told of (a station's, a family's who receive alerts, a senior's own, the district's)", true, None, "200 Records", &[]),
                           "post": create("Raise an SOS for a senior (the senior, family, a caregiver with a visit, the station, the district)", "NewAlert")},
            "/v1/alerts/{id}": {"get": one("An alert the caller was told of", "200 Record")},
            "/v1/alerts/{id}/acknowledge": {"post": record_change("Take the alert (a station alerted, family who receive alerts, the district)", None)},
            "/v1/alerts/{id}/resolve": {"post": record_change("The alert is dealt with; the note says how", Some("Note"))},
            "/v1/canteens/{id}/menus": {"get": with_params(op("A canteen's menus for a day with what is left and the cut-offs (Shanghai; today without a date)", true, None, "200 Menus", &[404, 422]),
                json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "date", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}}]))},
            "/v1/meal-orders": {"post": create("Order a meal (capacity, seats, cut-off and delivery radius are the platform's to decide)", "NewMealOrder")},
            "/v1/meal-orders/{id}": {"get": one("A meal order", "200 Record")},
            "/v1/meal-orders/{id}/cancel": {"post": record_change("Cancel a meal before its cut-off", None)},
            "/v1/seniors/{id}/meal-orders": {"get": one("A senior's meal orders", "200 Records")},
            "/v1/rental-points/{id}/stock": {"get": one("A rental point's devices with what is free", "200 Stock")},
            "/v1/rentals": {"post": create("Reserve a device (refused when none is free)", "NewRental")},
            "/v1/rentals/{id}": {"get": one("A rental", "200 Record")},
            "/v1/rentals/{id}/pick-up": {"post": record_change("The device is collected (the rental point, the district)", None)},
            "/v1/rentals/{id}/return": {"post": record_change("The device comes back; the fee is settled", None)},
            "/v1/rentals/{id}/cancel": {"post": record_change("Cancel a reservation not yet picked up", None)},
            "/v1/seniors/{id}/rentals": {"get": one("A senior's rentals", "200 Records")},
            "/v1/ratings": {"post": create("Rate a completed visit or a served meal, once (the senior and family who see her visits)", "NewRating")},
            "/v1/complaints": {"post": create("Complain about a visit (completed or missed) or a served meal", "NewComplaint"),
                               "get": with_params(op("Complaints the caller answers, open first (a station's seniors' and canteen's, the district's all)", true, None, "200 Records", &[403]), json!([{"name": "all", "in": "query", "schema": {"type": "boolean"}}]))},
            "/v1/complaints/{id}": {"get": one("A complaint, with its answer", "200 Record")},
            "/v1/complaints/{id}/answer": {"post": record_change("Answer a complaint; close ends it (the senior's station, the canteen, the district)", Some("Answer"))},
            "/v1/plans": {"post": with_params(op("Make a care plan (visits are generated weekly by the platform)", true, Some("PlanRequest"), "201 CarePlan", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/plans/{id}": {"get": one("A care plan", "200 CarePlan"),
                               "put": with_params(op("Change a plan: visits not started are generated again", true, Some("PlanRequest"), "200 CarePlan", &[400, 403, 404, 409, 422]), json!([path_id()[0], idempotency()]))},
            "/v1/plans/{id}/end": {"post": with_params(op("End a plan today, saying why; its visits not started are cancelled", true, Some("Reason"), "200 CarePlan", &[400, 403, 404, 409, 422]), json!([path_id()[0], idempotency()]))},
            "/v1/seniors/{id}/plans": {"get": one("A senior's care plans", "200 CarePlans")},
            "/v1/contracts": {"post": create("Sign a family-doctor contract (the senior's side with the health consent, her station, the doctor's clinic, the district)", "NewContract")},
            "/v1/contracts/{id}": {"get": one("A family-doctor contract", "200 Record")},
            "/v1/contracts/{id}/terminate": {"post": record_change("End a contract early; last_day is the last day it runs", Some("LastDay"))},
            "/v1/seniors/{id}/contracts": {"get": one("A senior's family-doctor contracts", "200 Records")},
            "/v1/assessments": {"post": create("Record a capability assessment (GB/T 42195-2022; the senior's station or the district)", "NewAssessment")},
            "/v1/assessments/{id}": {"get": one("An assessment (the senior's side with the health consent, her station, the district)", "200 Record")},
            "/v1/seniors/{id}/assessments": {"get": one("A senior's assessments, newest first", "200 Records")},
            "/v1/timebank/accounts/{id}": {"get": one("A time-bank account and its balance (its holder, a senior's side, the stations, the district)", "200 Account")},
            "/v1/timebank/services": {"post": with_params(op("Verify a volunteer's service to a senior: the volunteer earns hours (her station, the district)", true, Some("NewService"), "201 Account", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/timebank/transfers": {"post": with_params(op("Give hours to a family member (the holder)", true, Some("NewTransfer"), "201 Account", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/timebank/spend": {"post": with_params(op("Spend hours on a service, from the redemption age (the holder)", true, Some("NewSpend"), "201 Account", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/timebank/donations": {"post": with_params(op("Donate hours to the hardship pool (the holder)", true, Some("NewDonation"), "201 Account", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/timebank/grants": {"post": with_params(op("Grant donated hours to a senior in hardship (the district)", true, Some("NewGrant"), "201 Account", &[400, 403, 404, 409, 422]), json!([idempotency()]))},
            "/v1/family-members/{id}": {"put": with_params(op("A family member's name and phone (themself; a senior or station adding a new one; the district)", true, Some("FamilyMemberBody"), "200 FamilyMember", &[400, 403, 422]), json!([path_id()[0], idempotency()]))},
            "/v1/family-links": {"post": with_params(op("Propose, accept or change a family link: the senior's side grants, the family member consents", true, Some("FamilyLink"), "200 LinkResult", &[400, 403, 404, 422]), json!([idempotency()]))},
            "/v1/family-links/proposals": {"get": op("Links waiting for the caller's side to consent", true, None, "200 Records", &[])},
            "/v1/seniors/{id}/family": {"get": one("A senior's family links", "200 Records")},
            "/v1/seniors/{id}/ratings": {"get": one("A senior's ratings", "200 Records")},
            "/v1/subsidies": {"get": op("Applications waiting for the caller: a station's submitted ones, the district's recommended ones", true, None, "200 Records", &[403]),
                              "post": create("Apply for a subsidy (the senior, family allowed to book who see money); the latest assessment is attached", "NewApplication")},
            "/v1/subsidies/{id}": {"get": one("A subsidy application (the applicant's side with the money consent, the station, the district)", "200 Record")},
            "/v1/subsidies/{id}/{action}": {"post": with_params(op("recommend or return (the station), approve or refuse (the district), resubmit or withdraw (the applicant); return and refuse say why", true, Some("Reason"), "200 Record", &[400, 403, 404, 409, 422]),
                json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                       {"name": "action", "in": "path", "required": true, "schema": {"enum": ["recommend", "return", "resubmit", "approve", "refuse", "withdraw"]}}, idempotency()]))},
            "/v1/seniors/{id}/subsidies": {"get": one("A senior's subsidy applications", "200 Records")},
            "/v1/admin/facilities": {"post": with_params(op("Import a facility file, GeoJSON or CSV, as the request body: taken whole or refused whole with every bad row named (district administrators)", true, None, "200 AdminReport", &[400, 403, 413, 422]),
                json!([{"name": "format", "in": "query", "required": true, "schema": {"enum": ["geojson", "csv"]}}, {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}}]))},
            "/v1/admin/seniors": {"post": op("Import seniors (CSV body: senior_id,name,gender,birth_date,lives_alone,lat,lon[,division,address,phone]); each gets the nearest community station (district administrators)", true, None, "200 AdminReport", &[400, 403, 413, 422])},
            "/v1/admin/caregivers": {"post": op("Import caregivers (CSV body: caregiver_id,name,organisation,station_id,skills,lat,lon,radius_m,availability) (district administrators)", true, None, "200 AdminReport", &[400, 403, 413, 422])},
            "/v1/admin/canteens": {"put": op("A canteen's delivery radius and cut-offs (the district; the canteen's own operator)", true, Some("Canteen"), "200 AdminReport", &[400, 403, 404, 422])},
            "/v1/admin/menus": {"put": op("Publish or change a menu; capacity never below what is ordered (the district; the canteen's own operator)", true, Some("Menu"), "200 AdminReport", &[400, 403, 404, 422])},
            "/v1/admin/stock": {"put": op("A rental point's stock of a device (the district; the point's own operator)", true, Some("DeviceStock"), "200 AdminReport", &[400, 403, 404, 422])},
            "/v1/admin/visit-rules": {"put": op("The check-in radius and how early caregivers may check in; caregivers' phones get them at their next sync (district administrators)", true, Some("VisitRules"), "200 AdminReport", &[400, 403, 422])},
            "/v1/admin/rules": {"put": op("A district's eligibility and quota rules (district administrators)", true, Some("DistrictRules"), "200 AdminReport", &[400, 403, 422])},
            "/v1/admin/divisions": {"post": with_params(op("Import division boundaries, a GeoJSON FeatureCollection as the request body (code, name, level, parent; Point, Polygon or MultiPolygon; up to 16 MiB): taken whole or refused whole with every bad feature named; the one map outlines villages and townships with them (district administrators)", true, None, "200 AdminReport", &[400, 403, 413, 422]),
                json!([{"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}}]))},
            "/v1/admin/base-map": {"get": op("The one map's base map, and the tile hosts the page may then load images from (district administrators)", true, None, "200 BaseMapView", &[403]),
                                   "put": op("Set the one map's tile source (Tianditu, Amap, ... with the district's key), or null to remove it (district administrators)", true, Some("BaseMap"), "200 BaseMapView", &[400, 403, 422]),
                                   "delete": op("Remove the base map: the page is self-contained again (district administrators)", true, None, "200 BaseMapView", &[403])},
            "/v1/caregivers/{id}/agenda": {"get": with_params(op("A caregiver's offers and visits", true, None, "200 Agenda", &[404]), path_id())},
            "/v1/caregivers/{id}/day": {"get": with_params(op("A caregiver's day in order with expected arrivals (the caregiver, their station, the district)", true, None, "200 CaregiverDay", &[400, 404, 422]), date_param(path_id()))},
            "/v1/stations/{id}/route": {"get": with_params(op("Every caregiver's day of a station (its operator, the district)", true, None, "200 CaregiverDays", &[400, 403, 422]), date_param(path_id()))},
            "/v1/stations/{id}/route/plan": {"post": with_params(op("Plan a station's day: a proposal to confirm", true, Some("PlanDay"), "201 DayPlan", &[400, 403, 422]), path_id())},
            "/v1/route-plans/{id}": {"get": with_params(op("A day plan (its station's operator, the district)", true, None, "200 DayPlan", &[404]), path_id())},
            "/v1/route-plans/{id}/confirm": {"post": with_params(op("Confirm a day plan: offers and handovers through the booking rules", true, None, "200 Confirmed", &[404, 409]), path_id())},
            "/v1/district/summary": {"get": with_params(op("The district's month (administrators)", true, None, "200 Summary", &[400, 403, 422]),
                json!([{"name": "month", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}}]))},
            "/v1/stats": {"get": with_params(op("Statistics against the seeds' targets, over the caller's area (operators and administrators)", true, None, "200 Stats", &[400, 403, 422]),
                json!([{"name": "month", "in": "query", "required": false, "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}}]))},
            "/v1/map": {"get": op("The one map of elderly care, over the caller's area (operators and administrators)", true, None, "200 OneMap", &[403])},
            "/v1/map/village": {"get": with_params(op("The village of the caller's one map that a point lies in, or null (operators and administrators)", true, None, "200 MapDivision", &[400, 403, 422]), json!([
                {"name": "lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}}]))},
            "/v1/admin/jobs": {"get": op("The platform's timed jobs (SOS escalation, booking sweep, plan generation, health-check reminders): every interval, last and next run, outcome or error, the instance running one now (district administrators)", true, None, "200 Jobs", &[403])},
            "/v1/audit": {"get": with_params(op("Who read or changed seniors' health and location records (district administrators)", true, None, "200 Audit", &[400, 403]), json!([
                {"name": "senior_id", "in": "query", "schema": {"type": "string"}},
                {"name": "after", "in": "query", "schema": {"type": "integer"}, "description": "the last seq seen"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}]))},
            "/v1/walk": {"get": with_params(op("The walk between two points along the walking network (no_path: none joins them)", true, None, "200 Walk", &[400, 404, 422]), json!([
                {"name": "from_lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "from_lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "to_lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "to_lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}}]))},
            "/v1/isochrone": {"get": with_params(op("The area within N walking minutes of a point, GeoJSON (operators and administrators)", true, None, "200 Isochrone", &[400, 403, 404, 422]), json!([
                {"name": "lat", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "lon", "in": "query", "required": true, "schema": {"type": "number"}},
                {"name": "crs", "in": "query", "schema": {"enum": ["wgs84", "gcj02", "bd09"]}},
                {"name": "minutes", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 120}}]))}
        }
    })
}
