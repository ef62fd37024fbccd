//! Every change travels: an SOS, a meal order, a device rental, a rating made offline on one
//! phone reach the platform by the same rules, show through REST and on the counterpart's phone
//! after its sync; what the platform refuses comes back with its reason. Faults as for bookings:
//! the server killed mid-push, answers cut, the same push twice.

mod common;

use carecircle_core::meal::{Meal, MealMode};
use carecircle_core::rental::Device;
use carecircle_core::sync::SyncOptions;
use carecircle_core::Actor;
use common::*;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sos_a_meal_and_a_rental_made_offline_reach_the_platform_and_everyone_concerned() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let family = Phone::new(&sub, "family");
        let alerted = Phone::new(&sub, "family2");
        let station = Phone::new(&sub, "operator");
        for p in [&family, &alerted, &station] {
            p.sync(&server.url).await.unwrap();
        }

        // The first sync brought what the phone needs to act offline: the canteen's menu with
        // what is left, the rental point's stock, the district's settings.
        let menus = family.cc.menus("CT1", tomorrow()).unwrap();
        assert_eq!(menus.len(), 1, "{menus:?}");
        assert_eq!((menus[0].menu.capacity, menus[0].ordered), (3, 0));
        let stock = family.cc.device_stock("ST1").unwrap();
        assert_eq!((stock[0].stock.total, stock[0].free), (1, 1), "{stock:?}");

        // Meanwhile someone takes ST1's only wheelchair through the platform.
        let district = api.token("district").await;
        let (s, v) = api.call("POST", "/v1/rentals", Some(&district), Some(json!({"senior_id": "S2", "facility_id": "ST1", "device": "wheelchair"}))).await;
        assert_eq!(s, 201, "{v}");

        // Offline, the family orders lunch, reserves the wheelchair (its copy still shows it
        // free) and, last, raises an SOS for her mother.
        let order = family.cc.order_meal(&family.actor, "S1", "CT1", tomorrow(), Meal::Lunch, MealMode::PickUp).unwrap();
        assert_eq!(family.cc.menus("CT1", tomorrow()).unwrap()[0].ordered, 1, "the phone counts its own order at once");
        let rental = family.cc.reserve_device(&family.actor, "S1", "ST1", Device::Wheelchair).unwrap();
        let sos = family.cc.raise_alert(&family.actor, "S1", home()).unwrap();
        assert_eq!(sos.station_id.as_deref(), Some("ST1"), "the phone tells the nearest station, as the platform will");
        let queued = family.cc.pending_push(10).unwrap();
        assert_eq!(queued.len(), 3);
        assert_eq!(queued[0].command.op(), "raise_alert", "the SOS goes first, though made last");

        let report = family.sync(&server.url).await.unwrap();
        assert_eq!(report.applied, 2, "{report:?}");
        assert_eq!(report.refused.len(), 1, "{report:?}");
        assert_eq!(report.refused[0].code.map(|c| c.as_str()), Some("full"));
        // The phone shows why, in the platform's words, and drops its optimistic copy.
        let outbox = family.cc.outbox().unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!((outbox[0].state.as_str(), outbox[0].error_code.map(|c| c.as_str())), ("rejected", Some("full")));
        assert!(outbox[0].error.as_deref().unwrap_or("").contains("wheelchair"), "{:?}", outbox[0].error);
        assert!(family.cc.rental(&rental.id).is_err(), "the refused rental is gone from the phone");
        assert_eq!(family.cc.device_stock("ST1").unwrap()[0].free, 0, "and the stock is the platform's");

        // The platform applied them by its rules, and says so through REST.
        let (s, v) = api.call("GET", &format!("/v1/alerts/{}", sos.id), Some(&district), None).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!((v["state"].as_str(), v["station_id"].as_str(), v["raised_by"].as_str()), (Some("raised"), Some("ST1"), Some("family:F1")));
        let op_token = api.token("operator").await;
        let (_, board) = api.call("GET", "/v1/alerts", Some(&op_token), None).await;
        assert!(board.as_array().unwrap().iter().any(|a| a["id"] == sos.id.as_str()), "{board}");
        let (s, v) = api.call("GET", &format!("/v1/meal-orders/{}", order.id), Some(&op_token), None).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("ordered")), "{v}");
        let (_, menus) = api.call("GET", &format!("/v1/canteens/CT1/menus?date={}", tomorrow()), Some(&district), None).await;
        assert_eq!(menus[0]["ordered"], 1, "{menus}");

        // The counterparts see it after their own sync: the daughter who only receives alerts,
        // and the station (whose listener hears of it).
        let (tx, rx) = std::sync::mpsc::channel();
        let _sub = station.cc.subscribe(move |e| {
            let _ = tx.send(e);
        });
        alerted.sync(&server.url).await.unwrap();
        station.sync(&server.url).await.unwrap();
        assert_eq!(alerted.cc.alert(&sos.id).unwrap().state, "raised");
        assert_eq!(station.cc.alert(&sos.id).unwrap().state, "raised");
        assert_eq!(station.cc.meal_orders_for_senior(&station.actor, "S1").unwrap().len(), 1);
        // The listener is called from the event bus's own thread: events may still be on their way.
        let raised = |e: &carecircle_core::event::Event| e.subject_id == sos.id && e.kind == carecircle_core::event::EventKind::AlertRaised;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut heard = Vec::new();
        while !heard.iter().any(raised) {
            match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
                Ok(e) => heard.push(e),
                Err(_) => break,
            }
        }
        assert!(heard.iter().any(raised), "{heard:?}");
        assert!(alerted.cc.meal_orders_for_senior(&Actor::District, "S1").unwrap().is_empty(), "a daughter who only receives alerts gets no meal orders");

        // The station takes the alert on its tablet, offline; it travels back to the family.
        station.cc.acknowledge_alert(&station.actor, &sos.id).unwrap();
        let r = station.sync(&server.url).await.unwrap();
        assert_eq!(r.applied, 1, "{r:?}");
        family.sync(&server.url).await.unwrap();
        let a = family.cc.alert(&sos.id).unwrap();
        assert_eq!((a.state.as_str(), a.acknowledged_by.as_deref()), ("acknowledged", Some("operator:ST1")));

        // The family dismisses the refusal once shown.
        family.cc.dismiss_outbox_entry(&outbox[0].key).unwrap();
        assert!(family.cc.outbox().unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_canteen_refuses_an_offline_order_and_the_phone_shows_why() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite(dir.path().join("platform.db"));
    seed(&backend);
    let server = Server::start(&backend);
    let api = Api::new(&server.url);
    let family = Phone::new(dir.path(), "family");
    family.sync(&server.url).await.unwrap();
    // The canteen cuts tomorrow's lunch to one meal, and S2 takes it.
    open_platform(&backend)
        .with(|cc| {
            cc.set_menu(&carecircle_core::meal::Menu { facility_id: "CT1".into(), date: tomorrow(), meal: Meal::Lunch, dishes: "面条".into(), price_fen: 1200, capacity: 1, seats: 1 })
        })
        .unwrap();
    let district = api.token("district").await;
    let (s, v) = api.call("POST", "/v1/meal-orders", Some(&district), Some(json!({"senior_id": "S2", "facility_id": "CT1", "date": tomorrow(), "meal": "lunch", "mode": "pick_up"}))).await;
    assert_eq!(s, 201, "{v}");
    let order = family.cc.order_meal(&family.actor, "S1", "CT1", tomorrow(), Meal::Lunch, MealMode::DineIn).unwrap();
    let report = family.sync(&server.url).await.unwrap();
    assert_eq!(report.refused.len(), 1, "{report:?}");
    let refused = &family.cc.outbox().unwrap()[0];
    assert_eq!(refused.error_code.map(|c| c.as_str()), Some("full"));
    assert!(refused.error.as_deref().unwrap().contains("taken"), "{:?}", refused.error);
    assert!(family.cc.meal_orders_for_senior(&family.actor, "S1").unwrap().iter().all(|o| o.id != order.id));
    let m = &family.cc.menus("CT1", tomorrow()).unwrap()[0];
    assert_eq!((m.menu.capacity, m.ordered), (1, 1), "the phone now has the platform's menu: {m:?}");
    // Through REST the same rule answers 409 with the same words.
    let token = api.token("family").await;
    let (s, v) = api.call("POST", "/v1/meal-orders", Some(&token), Some(json!({"senior_id": "S1", "facility_id": "CT1", "date": tomorrow(), "meal": "lunch", "mode": "pick_up"}))).await;
    assert_eq!((s, v["error"].as_str()), (409, Some("full")), "{v}");
}

/// Every alert of S1 on the phone is the platform's, and the platform has exactly `n`.
fn assert_same_alerts(platform: &Platform, phone: &Phone, n: usize) {
    let mut on_platform = platform.with(|cc| cc.alerts_for(&Actor::District)).unwrap();
    on_platform.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(on_platform.len(), n, "exactly {n} alerts on the platform: nothing lost, nothing twice");
    let mut on_phone = phone.cc.alerts_for(&Actor::District).unwrap();
    on_phone.sort_by(|a, b| a.id.cmp(&b.id));
    let ids = |v: &[carecircle_core::alert::Alert]| v.iter().map(|a| (a.id.clone(), a.state.clone())).collect::<Vec<_>>();
    assert_eq!(ids(&on_phone), ids(&on_platform), "the phone ends with the platform's alerts");
    assert!(phone.cc.outbox().unwrap().is_empty(), "the outbox is empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_and_orders_survive_a_killed_server_and_a_doubled_push() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let mut server = Server::start(&backend);
        let family = Arc::new(Phone::new(&sub, "family"));
        family.sync(&server.url).await.unwrap();
        const N: usize = 30;
        for _ in 0..N {
            family.cc.raise_alert(&family.actor, "S1", home()).unwrap();
        }
        family.cc.order_meal(&family.actor, "S1", "CT1", tomorrow(), Meal::Lunch, MealMode::PickUp).unwrap();
        // Time-bank moves: hours must move exactly once each, whatever happens to the push.
        for _ in 0..5 {
            family.cc.transfer_hours(&family.actor, "F1", "S1", 1).unwrap();
        }
        let platform = open_platform(&backend);
        let (url, phone) = (server.url.clone(), family.clone());
        let pushing = tokio::spawn(async move {
            let opts = SyncOptions { push_batch: 3, attempts: 2, backoff: std::time::Duration::from_millis(10), ..quick() };
            phone.cc.sync_with(&url, &phone.credentials(), &opts).await
        });
        let started = std::time::Instant::now();
        while platform.with(|cc| cc.alerts_for(&Actor::District)).unwrap().is_empty() && started.elapsed().as_secs() < 20 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        server.kill();
        let first = pushing.await.unwrap();
        let applied = platform.with(|cc| cc.alerts_for(&Actor::District)).unwrap().len();
        eprintln!("killed after {applied} of {N} alerts applied; first sync: {:?}", first.as_ref().map(|r| r.applied));
        server.restart();
        let report = family.sync(&server.url).await.unwrap();
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert_same_alerts(&platform, &family, N);
        assert_eq!(platform.with(|cc| cc.meal_orders_for_senior(&Actor::District, "S1")).unwrap().len(), 1);
        let balances = |p: &Platform| p.with(|cc| (cc.timebank_account("F1").unwrap().balance_minutes, cc.timebank_account("S1").unwrap().balance_minutes));
        assert_eq!(balances(&platform), (85, 125), "five minutes moved, each once");

        // The same push delivered twice at once, then once more: applied once.
        family.cc.raise_alert(&family.actor, "S1", home()).unwrap();
        family.cc.cancel_meal(&family.actor, &family.cc.meal_orders_for_senior(&family.actor, "S1").unwrap()[0].id).unwrap();
        family.cc.transfer_hours(&family.actor, "F1", "S1", 10).unwrap();
        let plan = carecircle_core::plan::PlanRequest {
            senior_id: "S1".into(),
            kind: carecircle_core::plan::PlanKind::Regular,
            items: vec![carecircle_core::plan::PlanItem { service: carecircle_core::Service::Cleaning, day: carecircle_core::plan::Weekday::Fri, start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(), duration_minutes: None }],
            regular_caregiver_id: None,
            over_quota: carecircle_core::plan::OverQuota::Skip,
            starts_on: tomorrow() + chrono::Duration::days(30),
            ends_on: None,
            note: String::new(),
        };
        family.cc.create_plan(&family.actor, &plan).unwrap();
        let entries = family.cc.pending_push(10).unwrap();
        let api = Api::new(&server.url);
        let token = api.token("family").await;
        let body = json!({ "entries": entries });
        let (a, b) = tokio::join!(api.call("POST", "/v1/sync/push", Some(&token), Some(body.clone())), api.call("POST", "/v1/sync/push", Some(&token), Some(body.clone())));
        let c = api.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
        assert_eq!((a.0, b.0, c.0), (200, 200, 200));
        assert_eq!(a.1, b.1);
        assert_eq!(a.1, c.1);
        assert!(a.1["results"].as_array().unwrap().iter().all(|r| r["ok"] == true), "{}", a.1);
        family.sync(&server.url).await.unwrap();
        assert_same_alerts(&platform, &family, N + 1);
        let (_, menus) = api.call("GET", &format!("/v1/canteens/CT1/menus?date={}", tomorrow()), Some(&token), None).await;
        assert_eq!(menus[0]["ordered"], 0, "the cancel counted once: {menus}");
        assert_eq!(balances(&platform), (75, 135), "the transfer moved once");
        assert_eq!(platform.with(|cc| cc.plans_for_senior(&Actor::District, "S1")).unwrap().len(), 1, "one plan");
        assert!(platform.with(|cc| cc.audit_ledger()).unwrap().is_empty(), "the ledger balances");
        assert_eq!(family.cc.timebank_account("F1").unwrap().balance_minutes, 75, "and the phone has the platform's balance");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subsidy_applied_for_offline_is_recommended_and_approved_and_the_family_sees_the_grant() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let family = Phone::new(&sub, "family");
        let alerted = Phone::new(&sub, "family2");
        family.sync(&server.url).await.unwrap();
        alerted.sync(&server.url).await.unwrap();
        // The assessment came with her records (F1 has the health consent), so the phone can apply.
        assert!(family.cc.latest_assessment("S1").unwrap().is_some());
        let a = family.cc.apply_for_subsidy(&family.actor, "S1", carecircle_core::subsidy::SubsidyKind::Meal, "独居, 行动不便").unwrap();
        let r = family.sync(&server.url).await.unwrap();
        assert_eq!(r.applied, 1, "{r:?}");
        // The station's queue, then the district's, through REST: the same commands.
        let (station, district) = (api.token("operator").await, api.token("district").await);
        let (_, queue) = api.call("GET", "/v1/subsidies", Some(&station), None).await;
        assert!(queue.as_array().unwrap().iter().any(|x| x["id"] == a.id.as_str()), "{queue}");
        let (s, v) = api.call("POST", &format!("/v1/subsidies/{}/approve", a.id), Some(&district), Some(json!({}))).await;
        assert_eq!((s, v["error"].as_str()), (409, Some("invalid_transition")), "the district approves only what the station recommended: {v}");
        let (s, v) = api.call("POST", &format!("/v1/subsidies/{}/recommend", a.id), Some(&station), Some(json!({}))).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("recommended")), "{v}");
        let (s, v) = api.call("POST", &format!("/v1/subsidies/{}/approve", a.id), Some(&district), Some(json!({}))).await;
        assert_eq!((s, v["state"].as_str()), (200, Some("approved")), "{v}");
        family.sync(&server.url).await.unwrap();
        let seen = family.cc.subsidy(&family.actor, &a.id).unwrap();
        assert_eq!(seen.state, carecircle_core::subsidy::SubsidyState::Approved);
        assert!(seen.grant.is_some_and(|g| g.meal_fen > 0));
        // A daughter who only receives alerts has no money consent: nothing of it reaches her phone.
        alerted.sync(&server.url).await.unwrap();
        assert!(alerted.cc.subsidy(&Actor::District, &a.id).is_err());
        assert!(alerted.cc.latest_assessment("S1").unwrap().is_none(), "nor her health");
    }
}
