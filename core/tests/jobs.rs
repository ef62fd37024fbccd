//! The platform runs itself: jobs on a timer, each run once across the instances sharing a
//! database, driven here by a test clock.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::clock::{ManualClock, shanghai_date};
use carecircle_core::jobs::Job;
use carecircle_core::person::{FamilyLink, FamilyMember, FamilyPermissions};
use carecircle_core::plan::{OverQuota, PlanKind, PlanRequest, parse_plan_items};
use carecircle_core::{Actor, CareCircle, FacilityKind, Service, Settings};
use chrono::Duration;
use common::*;
use std::sync::Arc;

/// Two instances of the platform on one database file, one clock (Monday 08:00 Shanghai).
fn two_instances(dir: &std::path::Path) -> (CareCircle, CareCircle, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(at("2026-11-23T08:00")));
    let path = dir.join("platform.db");
    let a = CareCircle::open_with_clock(&path, Settings::default(), clock.clone()).unwrap();
    let b = CareCircle::open_with_clock(&path, Settings::default(), clock.clone()).unwrap();
    a.put_seniors(&[senior("S1", "1940-03-01", true)]).unwrap();
    a.put_family_member(&FamilyMember { id: "F1".into(), name: "女儿".into(), phone: String::new() }).unwrap();
    a.link_family(&FamilyLink { senior_id: "S1".into(), family_id: "F1".into(), relation: "女儿".into(), permissions: FamilyPermissions::ALL }).unwrap();
    a.put_caregivers(&[caregiver("C1", 500.0, "cleaning;bathing"), caregiver("C2", 900.0, "cleaning")]).unwrap();
    a.put_facilities(&[
        facility_near("ST1", FacilityKind::CommunityStation, 300.0, "emergency"),
        facility_near("ST2", FacilityKind::CommunityStation, 800.0, "emergency"),
    ])
    .unwrap();
    (a, b, clock)
}

fn ran(runs: &[carecircle_core::jobs::JobRun], job: Job) -> Option<String> {
    runs.iter().find(|r| r.job == job).map(|r| r.outcome.clone().unwrap_or_else(|e| format!("failed: {e}")))
}

#[test]
fn an_sos_left_alone_moves_on_by_itself_once_whichever_instance_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, clock) = two_instances(dir.path());
    let alert = a.raise_alert(&Actor::Senior("S1".into()), "S1", home()).unwrap();
    assert_eq!(alert.station_id.as_deref(), Some("ST1"));
    let mut escalations = 0;
    // Both instances tick every 10 s for 16 minutes; nobody acknowledges.
    for _ in 0..(16 * 6) {
        for (name, cc) in [("a", &a), ("b", &b)] {
            for r in cc.run_due_jobs(name).unwrap() {
                if r.job == Job::AlertEscalation && r.outcome.as_deref().is_ok_and(|m| !m.starts_with("0 ")) {
                    escalations += 1;
                }
            }
        }
        clock.advance(Duration::seconds(10));
    }
    // 5 minutes (the setting) after ST1 it went to ST2, 5 minutes later to the district, once each.
    assert_eq!(escalations, 2);
    assert_eq!(b.alert(&alert.id).unwrap().station_id.as_deref(), Some("district"));
    let status = a.job_status(&Actor::District).unwrap();
    let esc = status.iter().find(|s| s.job == Job::AlertEscalation).unwrap();
    // One run per 30 s across both instances, never two for one slot.
    assert!((31..=33).contains(&esc.runs), "{esc:?}");
    assert!(esc.last_error.is_none() && esc.last_outcome.is_some() && esc.running_on.is_none(), "{esc:?}");
    assert!(esc.next_run_at >= clock_now(&a), "{esc:?}");
    assert!(a.job_status(&Actor::Operator("ST1".into())).is_err(), "the jobs are the district's");
}

fn clock_now(cc: &CareCircle) -> chrono::DateTime<chrono::Utc> {
    cc.now()
}

#[test]
fn a_weekly_plan_keeps_producing_visits_and_the_sweep_expires_and_marks_no_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, clock) = two_instances(dir.path());
    let today = shanghai_date(a.now());
    let req = PlanRequest {
        senior_id: "S1".into(),
        kind: PlanKind::Regular,
        items: parse_plan_items("cleaning wed 09:00 60").unwrap(),
        regular_caregiver_id: None,
        over_quota: OverQuota::SelfPaid,
        starts_on: today,
        ends_on: None,
        note: String::new(),
    };
    let plan = a.create_plan(&Actor::Senior("S1".into()), &req).unwrap();
    let settings = a.job_settings().unwrap();
    // A booking nobody accepts (its offers go unanswered) for tomorrow, and an accepted visit
    // nobody checks into, the day after.
    let start = |h: &str| at(h);
    let lonely = a.request_booking(&Actor::Senior("S1".into()), &BookingRequest { senior_id: "S1".into(), service: Service::Bathing, start: start("2026-11-24T15:00"), duration_minutes: Some(60), note: String::new() }).unwrap();
    let missed = a.request_booking(&Actor::Senior("S1".into()), &BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: start("2026-11-25T16:00"), duration_minutes: Some(60), note: String::new() }).unwrap();
    let who = a.offers(&missed.id).unwrap()[0].caregiver_id.clone();
    a.accept_booking(&Actor::Caregiver(who), &missed.id).unwrap();

    // Eight weeks, both instances ticking every 3 hours.
    for _ in 0..(8 * 7 * 8) {
        for (name, cc) in [("a", &a), ("b", &b)] {
            let runs = cc.run_due_jobs(name).unwrap();
            if let Some(m) = ran(&runs, Job::PlanGeneration) {
                assert!(!m.starts_with("failed"), "{m}");
            }
        }
        // Always at least two weeks of visits ahead.
        let horizon = shanghai_date(a.now()) + Duration::days(14);
        let generated_through = a.plan(&Actor::District, &plan.id).unwrap().generated_through.unwrap();
        assert!(generated_through >= horizon, "at {}: generated through {generated_through}", a.now());
        clock.advance(Duration::hours(3));
    }
    let visits = a.bookings_for_senior(&Actor::District, "S1").unwrap();
    let wednesdays = visits.iter().filter(|v| v.service == Service::Cleaning && v.id != missed.id).count();
    assert!(wednesdays >= 8 + 2, "eight weeks passed and two more ahead: {wednesdays} plan visits");
    assert_eq!(a.booking(&lonely.id).unwrap().state, BookingState::Expired);
    assert_eq!(a.booking(&missed.id).unwrap().state, BookingState::NoShow);
    let status = a.job_status(&Actor::District).unwrap();
    let generation = status.iter().find(|s| s.job == Job::PlanGeneration).unwrap();
    assert_eq!(generation.every_seconds, i64::from(settings.plan_generation_hours) * 3600);
    assert!((8 * 7..=8 * 7 + 1).contains(&generation.runs), "one run a day across both instances: {generation:?}");
}

/// Every row of a pull, by table, sorted: what a phone would hold after it.
fn everything(cc: &CareCircle, cursor: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut req = carecircle_core::sync::PullRequest { cursor: cursor.into(), limit: Some(7), refresh: Vec::new() };
    loop {
        let page = cc.pull(&Actor::Family("F1".into()), &req).unwrap();
        for t in page.tables {
            out.entry(t.table).or_default().extend(t.rows.iter().map(|r| serde_json::to_string(r).unwrap()));
        }
        req.cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    for rows in out.values_mut() {
        rows.sort();
        rows.dedup();
    }
    out
}

#[test]
fn compaction_leaves_a_phone_that_syncs_rarely_nothing_to_miss() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _b, clock) = two_instances(dir.path());
    let family = Actor::Family("F1".into());
    // A phone that synced once, long ago, holds this cursor.
    let old = a.pull(&family, &carecircle_core::sync::PullRequest::default()).unwrap();
    assert!(!old.more);
    // Then a booking goes through its whole life, and another is requested and cancelled.
    let req = |h: i64| BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: clock_now(&a) + Duration::hours(h), duration_minutes: Some(60), note: String::new() };
    let b1 = a.request_booking(&family, &req(30)).unwrap();
    a.accept_booking(&Actor::Caregiver("C1".into()), &b1.id).unwrap();
    let b2 = a.request_booking(&family, &req(50)).unwrap();
    a.cancel_booking(&family, &b2.id, "不需要了").unwrap();
    a.cancel_booking(&family, &b1.id, "住院了").unwrap();
    let before_full = everything(&a, "");
    let before_old = everything(&a, &old.cursor);
    let report = a.compact(90).unwrap();
    assert!(report.change_log > 0, "{report:?}");
    // From nothing and from the old cursor alike, a pull gives exactly what it gave before.
    assert_eq!(everything(&a, ""), before_full);
    assert_eq!(everything(&a, &old.cursor), before_old);
    assert!(before_old["booking"].iter().any(|r| r.contains(&b1.id) && r.contains("cancelled")), "{:?}", before_old["booking"]);
    // A second compaction has nothing left to drop; receipts and sessions age out.
    assert_eq!(a.compact(90).unwrap().change_log, 0);
    // The job runs it, once across instances.
    clock.advance(Duration::hours(25));
    let runs = a.run_due_jobs("a").unwrap();
    assert!(ran(&runs, Job::Compaction).is_some_and(|o| o.contains("removed")), "{runs:?}");
}
