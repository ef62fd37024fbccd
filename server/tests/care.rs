//! A senior's care travels like everything else: a care plan, a family-doctor contract, an
//! assessment, a time-bank move and a complaint's answer made offline on one phone reach the
//! platform by the same rules, show through REST and on the counterpart's phone after its sync,
//! and what the platform refuses comes back with its reason.

mod common;

use carecircle_core::doctor::{ContractRequest, ContractService};
use carecircle_core::plan::{OverQuota, PlanItem, PlanKind, PlanRequest, Weekday};
use carecircle_core::Service;
use common::*;
use serde_json::json;

fn plan_request(starts_in_days: i64) -> PlanRequest {
    PlanRequest {
        senior_id: "S1".into(),
        kind: PlanKind::Regular,
        items: vec![PlanItem { service: Service::Cleaning, day: Weekday::Wed, start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(), duration_minutes: None }],
        regular_caregiver_id: None,
        over_quota: OverQuota::Skip,
        starts_on: tomorrow() + chrono::Duration::days(starts_in_days),
        ends_on: None,
        note: "每周三打扫".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_contracts_assessments_hours_and_answers_made_offline_reach_everyone_concerned() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let district = api.token("district").await;
        let family = Phone::new(&sub, "family");
        let mother = Phone::new(&sub, "senior");
        let alerted = Phone::new(&sub, "family2");
        let station = Phone::new(&sub, "operator");
        for p in [&family, &mother, &alerted, &station] {
            p.sync(&server.url).await.unwrap();
        }
        // What the phones need to act offline came with the first sync: the family doctor, and
        // each one's own time-bank balance.
        assert!(family.cc.caregiver("D1").is_ok(), "family doctors reach the senior's side");
        assert_eq!(family.cc.timebank_account("F1").unwrap().balance_minutes, 90);
        assert_eq!(mother.cc.timebank_account("S1").unwrap().balance_minutes, 120);
        assert!(alerted.cc.timebank_account("S1").is_err(), "a daughter who only receives alerts sees no balance");

        // Offline, the daughter makes a weekly plan and signs a family-doctor contract for her
        // mother, and gives her half an hour of her time-bank hours.
        let plan = family.cc.create_plan(&family.actor, &plan_request(7)).unwrap();
        let contract = family
            .cc
            .sign_contract(&family.actor, &ContractRequest { senior_id: "S1".into(), doctor_id: "D1".into(), starts_on: tomorrow(), ends_on: tomorrow() + chrono::Duration::days(364), services: vec![ContractService::HomeRounds] })
            .unwrap();
        assert_eq!(family.cc.transfer_hours(&family.actor, "F1", "S1", 30).unwrap().balance_minutes, 60, "the phone moves the hours at once");
        // The station's tablet, offline, records a new assessment of her.
        let scores: Vec<u8> = carecircle_core::assessment::ITEMS.iter().map(|i| i.max).collect();
        let assessment = station.cc.record_assessment(&station.actor, "S1", "评估员乙", tomorrow() - chrono::Duration::days(2), &scores, Default::default()).unwrap();
        let r = family.sync(&server.url).await.unwrap();
        assert_eq!((r.applied, r.refused.len()), (3, 0), "{r:?}");
        let r = station.sync(&server.url).await.unwrap();
        assert_eq!((r.applied, r.refused.len()), (1, 0), "{r:?}");

        // The platform applied them by its rules, and says so through REST.
        let (s, v) = api.call("GET", &format!("/v1/plans/{}", plan.id), Some(&district), None).await;
        assert_eq!((s, v["state"].as_str(), v["created_by"].as_str()), (200, Some("active"), Some("family:F1")), "{v}");
        let (s, v) = api.call("GET", &format!("/v1/contracts/{}", contract.id), Some(&district), None).await;
        assert_eq!((s, v["clinic_id"].as_str(), v["state"].as_str()), (200, Some("CL1"), Some("signed")), "{v}");
        let (s, v) = api.call("GET", &format!("/v1/assessments/{}", assessment.id), Some(&district), None).await;
        assert_eq!((s, v["assessor"].as_str()), (200, Some("评估员乙")), "{v}");
        let (s, v) = api.call("GET", "/v1/timebank/accounts/S1", Some(&district), None).await;
        assert_eq!((s, v["balance_minutes"].as_i64()), (200, Some(150)), "{v}");

        // The counterparts see them after their own sync: the mother her plan, contract and
        // balance; the station the plan; the daughter (health consent) the new assessment.
        mother.sync(&server.url).await.unwrap();
        station.sync(&server.url).await.unwrap();
        family.sync(&server.url).await.unwrap();
        alerted.sync(&server.url).await.unwrap();
        assert_eq!(mother.cc.plans_for_senior(&mother.actor, "S1").unwrap().len(), 1);
        assert_eq!(mother.cc.contracts_for_senior(&mother.actor, "S1").unwrap()[0].doctor_id, "D1");
        assert_eq!(mother.cc.timebank_account("S1").unwrap().balance_minutes, 150);
        assert_eq!(station.cc.plan(&station.actor, &plan.id).unwrap().note, "每周三打扫");
        assert_eq!(family.cc.latest_assessment("S1").unwrap().unwrap().id, assessment.id);
        assert!(alerted.cc.plan(&carecircle_core::Actor::District, &plan.id).is_err(), "no plan reaches a daughter who only receives alerts");
        assert!(alerted.cc.latest_assessment("S1").unwrap().is_none(), "nor any health record");

        // Refusals. Meanwhile the platform hands the daughter's remaining hour to the hardship
        // pool; offline, her phone (which still shows the hour) gives it to her mother, and the
        // mother's phone makes a second weekly plan of the kind she already has.
        let (s, v) = api.call("POST", "/v1/timebank/donations", Some(&district), Some(json!({"from": "F1", "minutes": 40}))).await;
        assert_eq!((s, v["balance_minutes"].as_i64()), (201, Some(20)), "{v}");
        family.cc.transfer_hours(&family.actor, "F1", "S1", 60).unwrap();
        let second = mother.cc.create_plan(&mother.actor, &plan_request(14));
        assert!(second.is_err(), "the mother's phone already has her plan: refused on the phone, by the same rule");
        let r = family.sync(&server.url).await.unwrap();
        assert_eq!(r.refused.len(), 1, "{r:?}");
        assert!(r.refused[0].message.as_deref().unwrap_or("").contains("fewer than 60 minutes"), "{:?}", r.refused[0]);
        let outbox = family.cc.outbox().unwrap();
        assert_eq!((outbox[0].state.as_str(), outbox[0].error_code.map(|c| c.as_str())), ("rejected", Some("invalid_input")));
        assert_eq!(family.cc.timebank_account("F1").unwrap().balance_minutes, 20, "the phone's balance is the platform's again");

        // The station answers the daughter's complaint on its tablet, offline; she sees the answer.
        let visit = completed_visit(&api).await;
        let family_token = api.token("family").await;
        let (s, c) = api.call("POST", "/v1/complaints", Some(&family_token), Some(json!({"subject": "visit", "subject_id": visit, "text": "来晚了半小时"}))).await;
        assert_eq!(s, 201, "{c}");
        let op_token = api.token("operator").await;
        let (_, queue) = api.call("GET", "/v1/complaints", Some(&op_token), None).await;
        assert_eq!(queue[0]["id"], c["id"], "{queue}");
        station.sync(&server.url).await.unwrap();
        let id = c["id"].as_str().unwrap();
        let answered = station.cc.answer_complaint(&station.actor, id, "已与护理员沟通，下次准时", true).unwrap();
        assert_eq!(answered.state, carecircle_core::rating::ComplaintState::Closed);
        let r = station.sync(&server.url).await.unwrap();
        assert_eq!(r.applied, 1, "{r:?}");
        let (_, v) = api.call("GET", &format!("/v1/complaints/{id}"), Some(&family_token), None).await;
        assert_eq!((v["state"].as_str(), v["answer"].as_str(), v["answered_by"].as_str()), (Some("closed"), Some("已与护理员沟通，下次准时"), Some("operator:ST1")), "{v}");
        let (s, v) = api.call("POST", &format!("/v1/complaints/{id}/answer"), Some(&district), Some(json!({"answer": "再次回复"}))).await;
        assert_eq!((s, v["error"].as_str()), (409, Some("invalid_transition")), "a closed complaint stays closed: {v}");
        let (_, queue) = api.call("GET", "/v1/complaints", Some(&op_token), None).await;
        assert!(queue.as_array().unwrap().is_empty(), "closed ones leave the queue: {queue}");

        // The plan and contract end from the other side, through REST, and the phones follow.
        let (s, v) = api.call("POST", &format!("/v1/plans/{}/end", plan.id), Some(&op_token), Some(json!({"reason": "搬去女儿家"}))).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("ended")), "{v}");
        let (s, v) = api.call("POST", &format!("/v1/contracts/{}/terminate", contract.id), Some(&district), Some(json!({"last_day": tomorrow().to_string()}))).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("terminated")), "{v}");
        mother.sync(&server.url).await.unwrap();
        assert_eq!(mother.cc.plan(&mother.actor, &plan.id).unwrap().state, carecircle_core::plan::PlanState::Ended);
        assert_eq!(mother.cc.contracts_for_senior(&mother.actor, "S1").unwrap()[0].state, carecircle_core::doctor::ContractState::Terminated);
    }
}

/// A visit of S1 that C1 carried out at her door, through REST.
async fn completed_visit(api: &Api) -> String {
    let family = api.token("family").await;
    let c1 = api.token("caregiver1").await;
    let start = chrono::Utc::now() + chrono::Duration::minutes(30);
    let (s, v) = api.call("POST", "/v1/bookings", Some(&family), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 15}))).await;
    assert_eq!(s, 201, "{v}");
    let id = v["booking"]["id"].as_str().unwrap().to_string();
    let here = json!({"lat": HOME.0, "lon": HOME.1});
    for (action, body) in [("accept", json!({})), ("check-in", here.clone()), ("check-out", here)] {
        let (s, v) = api.call("POST", &format!("/v1/bookings/{id}/{action}"), Some(&c1), Some(body)).await;
        assert_eq!(s, 200, "{action}: {v}");
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nearest_and_within_take_the_cores_filters_through_rest() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let token = api.token("family").await;
    let (s, v) = api.call("GET", &format!("/v1/facilities/within?lat={}&lon={}&radius_m=600", HOME.0, HOME.1), Some(&token), None).await;
    assert_eq!(s, 200, "{v}");
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CT1", "ST1"], "within 600 m, nearest first: {v}");
    let (_, v) = api.call("GET", &format!("/v1/facilities/within?lat={}&lon={}&radius_m=600&kind=canteen&open_at=now", HOME.0, HOME.1), Some(&token), None).await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let (s, v) = api.call("GET", &format!("/v1/facilities/within?lat={}&lon={}", HOME.0, HOME.1), Some(&token), None).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "within needs a radius: {v}");
    let (s, v) = api.call("GET", &format!("/v1/facilities/nearest?lat={}&lon={}&open_at=tuesday", HOME.0, HOME.1), Some(&token), None).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "{v}");
    let (s, v) = api.call("GET", &format!("/v1/facilities/nearest?lat={}&lon={}&k=1&service=medical&open_at=2026-12-07T10:00:00%2B08:00", HOME.0, HOME.1), Some(&token), None).await;
    assert_eq!((s, v[0]["id"].as_str()), (200, Some("CL1")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_districts_check_in_radius_reaches_the_caregivers_phone_which_flags_by_it_offline() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    // The district narrows the check-in radius to 50 m.
    let rules = carecircle_core::visit::VisitRules { checkin_flag_m: 50.0, checkin_early_minutes: 30 };
    let district = api.token("district").await;
    let operator = api.token("operator").await;
    let (s, v) = api.call("PUT", "/v1/admin/visit-rules", Some(&operator), Some(json!(rules))).await;
    assert_eq!(s, 403, "only the district sets them: {v}");
    let (s, v) = api.call("PUT", "/v1/admin/visit-rules", Some(&district), Some(json!({"checkin_flag_m": 1.0e9, "checkin_early_minutes": 30}))).await;
    assert_eq!((s, v["error"].as_str()), (422, Some("invalid_input")), "{v}");
    let (s, v) = api.call("PUT", "/v1/admin/visit-rules", Some(&district), Some(json!(rules))).await;
    assert_eq!(s, 200, "{v}");
    let id = {
        let family = api.token("family").await;
        let start = chrono::Utc::now() + chrono::Duration::minutes(20);
        let (s, v) = api.call("POST", "/v1/bookings", Some(&family), Some(json!({"senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 15}))).await;
        assert_eq!(s, 201, "{v}");
        v["booking"]["id"].as_str().unwrap().to_string()
    };
    let c1 = Phone::new(dir.path(), "caregiver1");
    c1.sync(&server.url).await.unwrap();
    assert_eq!(c1.cc.visit_rules().unwrap(), rules, "the phone applies the district's rules, not its own defaults");
    c1.cc.accept_booking(&c1.actor, &id).unwrap();
    // Offline, 80 m from the door: within the default 150 m, beyond the district's 50 m.
    let near = carecircle_core::Position::new(HOME.0 + 80.0 / 111_195.0, HOME.1).unwrap();
    let visit = c1.cc.check_in(&c1.actor, &id, near).unwrap();
    assert!(visit.flagged, "flagged on the phone by the district's radius");
    c1.sync(&server.url).await.unwrap();
    let (_, v) = api.call("GET", &format!("/v1/bookings/{id}"), Some(&district), None).await;
    assert_eq!(v["visit"]["flagged"], true, "and on the platform, by the same rule: {v}");
}
