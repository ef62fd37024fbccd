//! Government-paid hours: who qualifies, the monthly quota, statements across month ends.

mod common;

use carecircle_core::assessment::{CapabilityLevel, Conditions, ITEMS};
use carecircle_core::booking::BookingRequest;
use carecircle_core::entitlement::DistrictRules;
use carecircle_core::{Actor, Error, Service};
use common::*;

fn visit(w: &World, senior: &str, start: &str, minutes: i64) -> String {
    let req = BookingRequest { senior_id: senior.into(), service: Service::Cleaning, start: at(start), duration_minutes: None, note: String::new() };
    w.clock.set(at(start) - chrono::Duration::hours(1));
    let b = w.cc.request_booking(&Actor::District, &req).unwrap();
    w.cc.accept_booking(&Actor::Caregiver("C1".into()), &b.id).unwrap();
    w.clock.set(at(start));
    w.cc.check_in(&Actor::Caregiver("C1".into()), &b.id, home()).unwrap();
    w.clock.set(at(start) + chrono::Duration::minutes(minutes));
    w.cc.check_out(&Actor::Caregiver("C1".into()), &b.id, home()).unwrap();
    b.id
}

#[test]
fn eligibility_follows_the_district_rules() {
    let w = world();
    // S1: born 1940, 86, lives alone. S2: born 1955, 71, lives with family.
    let s1 = w.cc.eligibility("S1").unwrap();
    assert!(s1.eligible);
    assert_eq!(s1.reasons, ["age>=80", "lives_alone"]);
    assert_eq!(s1.monthly_hours, 20.0);
    let s2 = w.cc.eligibility("S2").unwrap();
    assert!(!s2.eligible && s2.monthly_hours == 0.0);
    // A moderate loss of capability qualifies S2; severe gets 30 hours.
    let mut scores: Vec<u8> = ITEMS.iter().map(|i| i.max).collect();
    for s in scores.iter_mut().take(8) {
        *s = 0; // self-care all lost: 90 - 32 = 58, moderate
    }
    let a = w.cc.record_assessment(&Actor::District, "S2", "评估员甲", carecircle_core::clock::parse_date("2026-11-20").unwrap(), &scores, Conditions::default()).unwrap();
    assert_eq!((a.total, a.level), (58, CapabilityLevel::Moderate));
    assert_eq!(w.cc.eligibility("S2").unwrap().reasons, ["level=moderate"]);
    let a = w.cc.record_assessment(&Actor::District, "S2", "评估员甲", carecircle_core::clock::parse_date("2026-11-22").unwrap(), &scores, Conditions { dementia: true, ..Default::default() }).unwrap();
    assert_eq!(a.level, CapabilityLevel::Severe);
    assert_eq!(w.cc.eligibility("S2").unwrap().monthly_hours, 30.0);
    // Zhenhai sets its own rules: 25 hours, and living alone alone no longer counts.
    w.cc.set_district_rules(&DistrictRules { district: "330211".into(), lives_alone_min_age: None, monthly_hours: 25.0, min_age: 85, ..Default::default() }).unwrap();
    assert_eq!(w.cc.eligibility("S1").unwrap().reasons, ["age>=85"]);
    assert_eq!(w.cc.eligibility("S1").unwrap().monthly_hours, 25.0);
    assert!(matches!(w.cc.record_assessment(&Actor::District, "S2", "x", carecircle_core::clock::parse_date("2027-01-01").unwrap(), &scores, Conditions::default()), Err(Error::InvalidInput { .. })));
    assert!(w.cc.set_district_rules(&DistrictRules { monthly_hours: f64::NAN, ..Default::default() }).is_err());
}

#[test]
fn completed_visits_draw_the_monthly_quota_and_the_rest_is_self_paid() {
    let w = world();
    w.cc.set_district_rules(&DistrictRules { district: "330211".into(), monthly_hours: 5.0, ..Default::default() }).unwrap();
    // Three 2-hour cleanings in November (5 hours' quota), and one on 1 December 07:00 Shanghai,
    // which is still 30 November in UTC: it belongs to December.
    let ids: Vec<String> = ["2026-11-24T09:00", "2026-11-25T09:00", "2026-11-26T09:00"].iter().map(|s| visit(&w, "S1", s, 120)).collect();
    visit(&w, "S1", "2026-12-01T07:00", 90);
    let nov = w.cc.monthly_statement(&Actor::Family("F1".into()), "S1", 2026, 11).unwrap();
    assert_eq!(nov.lines.len(), 3);
    assert_eq!((nov.quota_hours, nov.government_hours, nov.remaining_hours, nov.self_paid_hours), (5.0, 5.0, 0.0, 1.0));
    assert_eq!(nov.lines[2].booking_id, ids[2]);
    assert_eq!(nov.lines[2].status, "partly_self_paid");
    assert_eq!(nov.self_paid_fen, 3500, "one hour of cleaning at 35 yuan");
    let dec = w.cc.monthly_statement(&Actor::Senior("S1".into()), "S1", 2026, 12).unwrap();
    assert_eq!((dec.lines.len(), dec.government_hours), (1, 1.5));
    // S2 does not qualify: everything self-paid.
    visit(&w, "S2", "2026-11-27T09:00", 120);
    let s2 = w.cc.monthly_statement(&Actor::District, "S2", 2026, 11).unwrap();
    assert_eq!((s2.government_hours, s2.self_paid_hours), (0.0, 2.0));
    let summary = w.cc.district_summary(2026, 11).unwrap();
    assert_eq!((summary.seniors, summary.eligible, summary.served, summary.visits), (2, 1, 1, 4));
    assert_eq!((summary.government_hours, summary.self_paid_hours), (5.0, 3.0));
    assert!(carecircle_core::entitlement::parse_month("2026-13").is_err());
}
