//! Subsidy applications, ratings and the district's supervision: every step, who may take it,
//! how approved subsidies reach prices and statements, and the score arithmetic.

mod common;

use carecircle_core::assessment::{Conditions, ITEMS};
use carecircle_core::booking::BookingRequest;
use carecircle_core::clock::parse_date;
use carecircle_core::event::EventKind;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::meal::{CanteenSettings, Meal, MealMode, Menu};
use carecircle_core::person::Caregiver;
use carecircle_core::plan::{Outcome, OverQuota, PlanKind, PlanRequest, parse_plan_items};
use carecircle_core::rating::{OrgKind, RatedSubject};
use carecircle_core::rental::{Device, DeviceStock};
use carecircle_core::subsidy::{SubsidyAction, SubsidyKind, SubsidyState};
use carecircle_core::{Actor, Error, FacilityKind, Service, ServiceSet};
use common::*;

fn family(id: &str) -> Actor {
    Actor::Family(id.into())
}
fn station() -> Actor {
    Actor::Operator("ZH-CS-001".into())
}
fn forbidden<T: std::fmt::Debug>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden(_)))
}
fn wrong_state<T: std::fmt::Debug>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::InvalidStateChange { what: "subsidy application", .. }))
}

fn assess(w: &World, senior: &str) {
    let scores: Vec<u8> = ITEMS.iter().map(|i| i.max).collect();
    w.cc.record_assessment(&Actor::District, senior, "评估员甲", parse_date("2026-11-20").unwrap(), &scores, Conditions::default()).unwrap();
}

#[test]
fn every_subsidy_step_and_who_may_take_it() {
    let w = world();
    // Without an assessment there is nothing to attach.
    let e = w.cc.apply_for_subsidy(&family("F1"), "S1", SubsidyKind::Meal, "").unwrap_err();
    assert_eq!(e.to_string(), "invalid assessment: a capability assessment is needed before applying; ask the station for one");
    assess(&w, "S1");
    // The son (no leave to book), the station and the district do not apply.
    for actor in [family("F2"), station(), Actor::District, Actor::Caregiver("C1".into())] {
        assert!(forbidden(w.cc.apply_for_subsidy(&actor, "S1", SubsidyKind::Meal, "")), "{actor:?}");
    }
    let a = w.cc.apply_for_subsidy(&family("F1"), "S1", SubsidyKind::Meal, "每天午餐").unwrap();
    assert_eq!((a.state, a.applied_by.as_str(), a.assessment_level), (SubsidyState::Submitted, "family:F1", Some(carecircle_core::assessment::CapabilityLevel::Intact)));
    assert!(a.assessment_id.is_some());
    assert!(matches!(w.cc.apply_for_subsidy(&Actor::Senior("S1".into()), "S1", SubsidyKind::Meal, ""), Err(Error::Duplicate { .. })));
    // Submitted: the district cannot approve yet (wrong state); only S1's station reviews.
    let e = w.cc.approve_subsidy(&Actor::District, &a.id).unwrap_err();
    assert_eq!(e.to_string(), format!("subsidy application {} is submitted: it cannot be approved", a.id));
    assert!(forbidden(w.cc.recommend_subsidy(&Actor::Operator("ZH-CS-999".into()), &a.id)));
    assert!(forbidden(w.cc.recommend_subsidy(&family("F1"), &a.id)));
    assert!(forbidden(w.cc.recommend_subsidy(&Actor::District, &a.id)));
    assert!(matches!(w.cc.return_subsidy(&station(), &a.id, " "), Err(Error::InvalidInput { field: "reason", .. })));
    assert_eq!(w.cc.return_subsidy(&station(), &a.id, "请补充户口本").unwrap().state, SubsidyState::Returned);
    // Returned: the applicant resubmits (not the station); then the station recommends.
    assert!(wrong_state(w.cc.recommend_subsidy(&station(), &a.id)));
    assert!(forbidden(w.cc.resubmit_subsidy(&station(), &a.id, "")));
    assert_eq!(w.cc.resubmit_subsidy(&Actor::Senior("S1".into()), &a.id, "已补充").unwrap().state, SubsidyState::Submitted);
    assert_eq!(w.cc.recommend_subsidy(&station(), &a.id).unwrap().state, SubsidyState::Recommended);
    // Recommended: too late to withdraw; only the district decides, and a refusal says why.
    assert!(wrong_state(w.cc.withdraw_subsidy(&family("F1"), &a.id)));
    assert!(forbidden(w.cc.approve_subsidy(&station(), &a.id)));
    assert!(matches!(w.cc.refuse_subsidy(&Actor::District, &a.id, ""), Err(Error::InvalidInput { field: "reason", .. })));
    w.clock.set(at("2026-11-24T10:00"));
    let approved = w.cc.approve_subsidy(&Actor::District, &a.id).unwrap();
    let g = approved.grant.unwrap();
    assert_eq!((approved.state, g.meal_fen, g.valid_from.to_string(), g.valid_until.to_string()), (SubsidyState::Approved, 300, "2026-11-24".into(), "2027-11-23".into()));
    // Approved is final.
    for r in [w.cc.refuse_subsidy(&Actor::District, &a.id, "x"), w.cc.approve_subsidy(&Actor::District, &a.id)] {
        assert!(wrong_state(r));
    }
    // Every step, with who and when.
    let h = w.cc.subsidy_history(&family("F1"), &a.id).unwrap();
    let steps: Vec<(SubsidyAction, &str, &str)> = h.iter().map(|s| (s.action, s.actor.as_str(), s.reason.as_str())).collect();
    assert_eq!(
        steps,
        [
            (SubsidyAction::Apply, "family:F1", ""),
            (SubsidyAction::Return, "operator:ZH-CS-001", "请补充户口本"),
            (SubsidyAction::Resubmit, "senior:S1", "已补充"),
            (SubsidyAction::Recommend, "operator:ZH-CS-001", ""),
            (SubsidyAction::Approve, "district", ""),
        ]
    );
    assert_eq!((h[0].from, h[0].to, h[4].at), (None, SubsidyState::Submitted, at("2026-11-24T10:00")));
    let kinds: Vec<EventKind> = w.cc.events_since(0, 1000).unwrap().into_iter().filter(|e| e.subject_id == a.id).map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(kinds, [SubsidyApplied, SubsidyReturned, SubsidyResubmitted, SubsidyRecommended, SubsidyApproved]);
    // The son may not see it; the station and the district may.
    assert!(matches!(w.cc.subsidy(&family("F2"), &a.id), Err(Error::NotFound { .. })));
    w.cc.subsidy(&station(), &a.id).unwrap();
    // A refusal, and a withdrawal.
    let s = w.cc.apply_for_subsidy(&Actor::Senior("S1".into()), "S1", SubsidyKind::Service, "").unwrap();
    assert_eq!(w.cc.subsidy_queue(&station()).unwrap().iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), [s.id.as_str()]);
    w.cc.recommend_subsidy(&station(), &s.id).unwrap();
    assert_eq!(w.cc.subsidy_queue(&Actor::District).unwrap().len(), 1);
    let refused = w.cc.refuse_subsidy(&Actor::District, &s.id, "已享受政府购买服务").unwrap();
    assert_eq!((refused.state, refused.reason.as_deref()), (SubsidyState::Refused, Some("已享受政府购买服务")));
    assert!(wrong_state(w.cc.resubmit_subsidy(&Actor::Senior("S1".into()), &s.id, "")));
    let r = w.cc.apply_for_subsidy(&family("F1"), "S1", SubsidyKind::DeviceRental, "").unwrap();
    assert!(forbidden(w.cc.withdraw_subsidy(&family("F2"), &r.id)));
    assert_eq!(w.cc.withdraw_subsidy(&family("F1"), &r.id).unwrap().state, SubsidyState::Withdrawn);
    assert!(wrong_state(w.cc.recommend_subsidy(&station(), &r.id)));
    assert_eq!(w.cc.subsidies_for_senior(&family("F1"), "S1").unwrap().len(), 3);
}

fn approve(w: &World, who: &Actor, senior: &str, kind: SubsidyKind) {
    let a = w.cc.apply_for_subsidy(who, senior, kind, "").unwrap();
    w.cc.recommend_subsidy(&station(), &a.id).unwrap();
    w.cc.approve_subsidy(&Actor::District, &a.id).unwrap();
}

#[test]
fn approved_subsidies_flow_into_meal_prices_statements_plans_and_rentals() {
    let w = world();
    assess(&w, "S1");
    assess(&w, "S2");
    // Meals: S1's tier is 5 yuan (eligible for government-paid care); approved, 3 yuan more.
    w.cc.put_facilities(&[facility_near("CT1", FacilityKind::Canteen, 300.0, "meals"), facility_near("RP1", FacilityKind::RentalPoint, 400.0, "mobility")]).unwrap();
    w.cc.set_canteen(&CanteenSettings::new("CT1", 1000.0)).unwrap();
    let date = parse_date("2026-11-24").unwrap();
    w.cc.set_menu(&Menu { facility_id: "CT1".into(), date, meal: Meal::Lunch, dishes: "红烧鱼".into(), price_fen: 1200, capacity: 10, seats: 10 }).unwrap();
    approve(&w, &family("F1"), "S1", SubsidyKind::Meal);
    let o = w.cc.order_meal(&family("F1"), "S1", "CT1", date, Meal::Lunch, MealMode::DineIn).unwrap();
    assert_eq!((o.subsidy_fen, o.due_fen()), (800, 400));
    let o2 = w.cc.order_meal(&Actor::Senior("S2".into()), "S2", "CT1", date, Meal::Lunch, MealMode::DineIn).unwrap();
    assert_eq!(o2.subsidy_fen, 100, "no subsidy approved for S2");
    // Service: S2 (71, not eligible) gets 10 hours a month; her plan now books them.
    approve(&w, &Actor::Senior("S2".into()), "S2", SubsidyKind::Service);
    let st = w.cc.monthly_statement(&Actor::District, "S2", 2026, 11).unwrap();
    assert_eq!((st.eligibility.eligible, st.subsidy_hours, st.quota_hours), (false, 10.0, 10.0));
    let p = w
        .cc
        .create_plan(&Actor::District, &PlanRequest {
            senior_id: "S2".into(),
            kind: PlanKind::Regular,
            items: parse_plan_items("cleaning tue 09:00").unwrap(),
            regular_caregiver_id: None,
            over_quota: OverQuota::Skip,
            starts_on: date,
            ends_on: None,
            note: String::new(),
        })
        .unwrap();
    let g = w.cc.generate_plan_visits(&Actor::District, &p.id, parse_date("2026-11-30").unwrap()).unwrap();
    assert_eq!(g.occurrences.iter().map(|o| o.outcome).collect::<Vec<_>>(), [Outcome::Booked]);
    let b = g.occurrences[0].booking_id.clone().unwrap();
    w.cc.accept_booking(&Actor::Caregiver("C1".into()), &b).unwrap();
    w.clock.set(at("2026-11-24T09:00"));
    w.cc.check_in(&Actor::Caregiver("C1".into()), &b, home()).unwrap();
    w.clock.set(at("2026-11-24T11:00"));
    w.cc.check_out(&Actor::Caregiver("C1".into()), &b, home()).unwrap();
    let st = w.cc.monthly_statement(&Actor::District, "S2", 2026, 11).unwrap();
    assert_eq!((st.government_hours, st.remaining_hours, st.lines[0].status.as_str()), (2.0, 8.0, "drawn"));
    let summary = w.cc.district_summary(2026, 11).unwrap();
    assert_eq!((summary.quota_hours, summary.government_hours), (30.0, 2.0), "S1's 20 hours and S2's 10");
    // Rental: deposit waived and half the daily fee.
    w.cc.set_device_stock(&DeviceStock { facility_id: "RP1".into(), device: Device::Wheelchair, total: 2, deposit_fen: 50_000, daily_fee_fen: 300 }).unwrap();
    approve(&w, &Actor::Senior("S2".into()), "S2", SubsidyKind::DeviceRental);
    let r = w.cc.reserve_device(&Actor::Senior("S2".into()), "S2", "RP1", Device::Wheelchair).unwrap();
    assert_eq!((r.deposit_fen, r.daily_fee_fen), (0, 150));
    let r1 = w.cc.reserve_device(&family("F1"), "S1", "RP1", Device::Wheelchair).unwrap();
    assert_eq!((r1.deposit_fen, r1.daily_fee_fen), (50_000, 300));
}

// ----- Ratings and the monthly ranking -----

fn visit(w: &World, caregiver: &str, start: &str, far: bool, done: bool) -> String {
    w.clock.set(at(start) - chrono::Duration::hours(2));
    let req = BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at(start), duration_minutes: Some(60), note: String::new() };
    let b = w.cc.request_booking(&family("F1"), &req).unwrap();
    let carer = Actor::Caregiver(caregiver.into());
    if !w.cc.offers(&b.id).unwrap().iter().any(|o| o.caregiver_id == caregiver) {
        panic!("{caregiver} was not offered {start}");
    }
    w.cc.accept_booking(&carer, &b.id).unwrap();
    if done {
        w.clock.set(at(start));
        w.cc.check_in(&carer, &b.id, if far { north_of_home(400.0) } else { home() }).unwrap();
        w.clock.set(at(start) + chrono::Duration::minutes(60));
        w.cc.check_out(&carer, &b.id, home()).unwrap();
    } else {
        w.clock.set(at(start) + chrono::Duration::hours(3));
        w.cc.sweep().unwrap();
    }
    b.id
}

#[test]
fn ratings_and_complaints_make_the_monthly_score_and_the_district_ranks_organisations() {
    let mut settings = carecircle_core::Settings::default();
    settings.offers_per_request = 10;
    let w = world_with(settings);
    // A second organisation's caregiver, and a canteen.
    w.cc.put_caregivers(&[Caregiver {
        id: "C5".into(),
        name: "护理员C5".into(),
        organisation: "宁波甬澜颐家养老服务有限公司".into(),
        station_id: Some("ZH-CS-001".into()),
        skills: ServiceSet::parse_list("cleaning").unwrap(),
        base: north_of_home(600.0),
        radius_m: 3000.0,
        availability: WeeklyHours::parse("mon-sat 07:00-19:00").unwrap(),
    }])
    .unwrap();
    let a1 = visit(&w, "C1", "2026-11-24T09:00", false, true);
    let a2 = visit(&w, "C2", "2026-11-25T09:00", true, true);
    let a3 = visit(&w, "C1", "2026-11-26T09:00", false, false);
    let b1 = visit(&w, "C5", "2026-11-27T09:00", false, true);
    let not_done = {
        w.clock.set(at("2026-11-28T07:00"));
        let req = BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: at("2026-11-28T09:00"), duration_minutes: None, note: String::new() };
        w.cc.request_booking(&family("F1"), &req).unwrap().id
    };
    let senior = Actor::Senior("S1".into());
    w.cc.rate(&senior, RatedSubject::Visit, &a1, 5, "很好").unwrap();
    let r = w.cc.rate(&family("F1"), RatedSubject::Visit, &a2, 4, "").unwrap();
    assert_eq!((r.org_kind, r.org.as_str(), r.month.as_str()), (OrgKind::Care, "镇海区九和社工服务中心", "2026-11"));
    w.cc.rate(&family("F1"), RatedSubject::Visit, &b1, 2, "迟到").unwrap();
    w.cc.complain(&family("F1"), RatedSubject::Visit, &b1, "打扫不干净").unwrap();
    // Once per visit; only the senior or family who see visits; only completed visits; 1-5 stars.
    assert!(matches!(w.cc.rate(&senior, RatedSubject::Visit, &a1, 4, ""), Err(Error::Duplicate { what: "rating", .. })));
    assert!(matches!(w.cc.complain(&family("F1"), RatedSubject::Visit, &b1, "又一次"), Err(Error::Duplicate { what: "complaint", .. })));
    assert!(forbidden(w.cc.rate(&family("F2"), RatedSubject::Visit, &a2, 1, "")));
    assert!(forbidden(w.cc.complain(&family("F2"), RatedSubject::Visit, &a3, "没来")));
    assert!(forbidden(w.cc.complain(&station(), RatedSubject::Visit, &a3, "没来")));
    assert!(matches!(w.cc.rate(&senior, RatedSubject::Visit, &a3, 1, ""), Err(Error::InvalidInput { field: "visit", .. })), "a no-show is complained about, not rated");
    assert!(matches!(w.cc.rate(&senior, RatedSubject::Visit, &not_done, 5, ""), Err(Error::InvalidInput { field: "visit", .. })));
    assert!(matches!(w.cc.rate(&senior, RatedSubject::Visit, &b1, 6, ""), Err(Error::InvalidInput { field: "stars", .. })));
    // A canteen's lunch, rated after its cut-off.
    w.cc.put_facilities(&[facility_near("CT1", FacilityKind::Canteen, 300.0, "meals")]).unwrap();
    w.cc.set_canteen(&CanteenSettings::new("CT1", 1000.0)).unwrap();
    let date = parse_date("2026-11-30").unwrap();
    w.cc.set_menu(&Menu { facility_id: "CT1".into(), date, meal: Meal::Lunch, dishes: "面".into(), price_fen: 1000, capacity: 10, seats: 10 }).unwrap();
    let o = w.cc.order_meal(&senior, "S1", "CT1", date, Meal::Lunch, MealMode::DineIn).unwrap();
    assert!(matches!(w.cc.rate(&senior, RatedSubject::Meal, &o.id, 5, ""), Err(Error::InvalidInput { field: "meal", .. })));
    w.clock.set(at("2026-11-30T12:00"));
    w.cc.rate(&senior, RatedSubject::Meal, &o.id, 5, "好吃").unwrap();
    // The district's ranking for November.
    assert!(forbidden(w.cc.organisation_ranking(&station(), 2026, 11)));
    let ranking = w.cc.organisation_ranking(&Actor::District, 2026, 11).unwrap();
    let rows: Vec<(u32, &str, f64)> = ranking.iter().map(|o| (o.rank, o.org.as_str(), (o.parts.score * 1000.0).round() / 1000.0)).collect();
    // CT1: one 5-star: (5 + 15) / 6 stars -> 35 points, + 40 = 75.
    // 甬澜: one 2-star: (2 + 15) / 6 -> 27.5, one visit done -> 40, one complaint -> -5: 62.5.
    // 九和: 5 and 4 stars: (9 + 15) / 7 -> 36.428..., three visits due, one no-show and one flagged -> 13.333..., 49.762.
    assert_eq!(rows, [(1, "CT1", 75.0), (2, "宁波甬澜颐家养老服务有限公司", 62.5), (3, "镇海区九和社工服务中心", 49.762)]);
    let jiuhe = &ranking[2];
    assert_eq!((jiuhe.inputs.ratings, jiuhe.inputs.stars_sum, jiuhe.inputs.due, jiuhe.inputs.no_shows, jiuhe.inputs.flagged), (2, 9, Some(3), 1, 1));
    assert_eq!((ranking[0].name.as_str(), ranking[0].average_stars), ("设施CT1", Some(5.0)));
    // Approving the flagged visit on review lifts 九和's service part to 26.667.
    w.cc.review_visit(&station(), &a2, carecircle_core::visit::Review::Approved).unwrap();
    let ranking = w.cc.organisation_ranking(&Actor::District, 2026, 11).unwrap();
    let jiuhe = ranking.iter().find(|o| o.org == "镇海区九和社工服务中心").unwrap();
    assert!((jiuhe.parts.service_points - 80.0 / 3.0).abs() < 1e-9);
}

#[test]
fn district_statistics_count_contracts_checks_hours_and_meal_reach() {
    let w = world();
    // Both within the 15-minute walk (about 690 m) of the home.
    w.cc.put_facilities(&[facility_near("CL1", FacilityKind::Clinic, 500.0, "medical"), facility_near("CT1", FacilityKind::Canteen, 300.0, "meals")]).unwrap();
    w.cc.put_caregivers(&[Caregiver {
        id: "D1".into(),
        name: "医生".into(),
        organisation: "卫生服务中心".into(),
        station_id: Some("CL1".into()),
        skills: ServiceSet::parse_list("medical").unwrap(),
        base: north_of_home(800.0),
        radius_m: 5000.0,
        availability: WeeklyHours::parse("mon-fri 13:30-17:00").unwrap(),
    }])
    .unwrap();
    let contract = carecircle_core::doctor::ContractRequest {
        senior_id: "S1".into(),
        doctor_id: "D1".into(),
        starts_on: parse_date("2026-11-01").unwrap(),
        ends_on: parse_date("2027-10-31").unwrap(),
        services: vec![],
    };
    w.cc.sign_contract(&Actor::District, &contract).unwrap();
    let check = carecircle_core::doctor::HealthCheckRecord { senior_id: "S2".into(), date: parse_date("2026-03-01").unwrap(), doctor_id: None, summary: String::new() };
    w.cc.record_health_check(&Actor::District, "CL1", &check).unwrap();
    visit(&w, "C1", "2026-11-24T09:00", false, true);
    // Operators see their station's seniors; family members see no area.
    assert!(forbidden(w.cc.district_stats(&Actor::Family("F1".into()), 2026, 11)));
    assert_eq!(w.cc.district_stats(&station(), 2026, 11).unwrap().district.seniors, 2, "both seniors are ZH-CS-001's");
    let other = w.cc.district_stats(&Actor::Operator("ZH-CS-999".into()), 2026, 11).unwrap();
    assert_eq!((other.district.seniors, other.villages.len()), (0, 0), "another station's operator sees none of them");
    let s = w.cc.district_stats(&Actor::District, 2026, 11).unwrap();
    assert_eq!(s.as_of.to_string(), "2026-11-24", "today, the month is not over");
    let d = &s.district;
    assert_eq!((d.seniors, d.contracted, d.contract_rate), (2, 1, 0.5));
    assert_eq!((d.seniors_65, d.checked_65, d.check_rate_65), (2, 1, 0.5));
    assert_eq!((d.eligible, d.served, d.served_rate), (1, 1, 1.0));
    let share = |svc: Service| d.circle.iter().find(|c| c.service == svc).unwrap().share;
    assert_eq!((share(Service::Meals), share(Service::Medical), share(Service::Bathing)), (1.0, 1.0, 0.0));
    assert_eq!((d.communities, d.communities_with_meals), (1, 1));
    assert_eq!(s.townships.len(), 1);
    assert_eq!(s.townships[0].division, "330211001000");
    assert_eq!(s.villages[0].division, "330211001001");
    assert_eq!(s.targets.contract_rate_zhenhai, 0.6);
}
