//! Care plans and family doctors: each rule as a story, with the exact error it must give.

mod common;

use carecircle_core::assessment::{CapabilityLevel, Conditions, ITEMS};
use carecircle_core::booking::BookingState;
use carecircle_core::clock::parse_date;
use carecircle_core::doctor::{ContractRequest, ContractService, HealthCheckRecord};
use carecircle_core::entitlement::DistrictRules;
use carecircle_core::event::EventKind;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::Caregiver;
use carecircle_core::plan::{HolidayCalendar, Outcome, OverQuota, PlanKind, PlanRequest, parse_plan_items};
use carecircle_core::{Actor, Error, FacilityKind, ServiceSet};
use chrono::NaiveDate;
use common::*;

fn family(id: &str) -> Actor {
    Actor::Family(id.into())
}
fn carer(id: &str) -> Actor {
    Actor::Caregiver(id.into())
}
fn station() -> Actor {
    Actor::Operator("ZH-CS-001".into())
}
fn day(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn plan(senior: &str, items: &str, regular: Option<&str>, over_quota: OverQuota, from: &str) -> PlanRequest {
    PlanRequest {
        senior_id: senior.into(),
        kind: PlanKind::Regular,
        items: parse_plan_items(items).unwrap(),
        regular_caregiver_id: regular.map(String::from),
        over_quota,
        starts_on: day(from),
        ends_on: None,
        note: String::new(),
    }
}

fn offered_to(w: &World, booking: &str) -> Vec<String> {
    w.cc.offers(booking).unwrap().into_iter().filter(|o| o.status == "open").map(|o| o.caregiver_id).collect()
}

fn forbidden<T: std::fmt::Debug>(r: carecircle_core::Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden(_)))
}

#[test]
fn a_family_member_sets_up_a_weekly_plan_and_sees_the_generated_visits_offered_to_the_regular_caregiver() {
    let w = world();
    let req = plan("S1", "cleaning mon,thu 09:00 120; bathing sat 10:00", Some("C2"), OverQuota::SelfPaid, "2026-11-23");
    let p = w.cc.create_plan(&family("F1"), &req).unwrap();
    assert_eq!((p.created_by.as_str(), p.items.len(), p.generated_through), ("family:F1", 3, None));
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-11-29")).unwrap();
    let dates: Vec<(String, Outcome)> = g.occurrences.iter().map(|o| (o.date.to_string(), o.outcome)).collect();
    assert_eq!(dates, [("2026-11-23".into(), Outcome::Booked), ("2026-11-26".into(), Outcome::Booked), ("2026-11-28".into(), Outcome::Booked)]);
    // Each visit is offered to the regular caregiver alone, although C1 is nearer.
    for o in &g.occurrences {
        let id = o.booking_id.as_deref().unwrap();
        assert_eq!(offered_to(&w, id), ["C2"]);
        assert_eq!((o.booking_state, o.caregiver_id.as_deref()), (Some(BookingState::Offered), Some("C2")));
    }
    let bath = w.cc.booking(g.occurrences[2].booking_id.as_deref().unwrap()).unwrap();
    assert_eq!((bath.start, (bath.end - bath.start).num_minutes(), bath.government_paid), (at("2026-11-28T10:00"), 60, true));
    // The family sees them among the senior's bookings and in the plan.
    assert_eq!(w.cc.bookings_for_senior(&family("F1"), "S1").unwrap().len(), 3);
    assert_eq!(w.cc.plan_occurrences(&family("F1"), &p.id).unwrap().len(), 3);
    assert_eq!(w.cc.plan(&family("F1"), &p.id).unwrap().generated_through, Some(day("2026-11-29")));
    // Generating the same week again adds nothing; the next week continues.
    assert!(w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-11-29")).unwrap().occurrences.is_empty());
    assert_eq!(w.cc.generate_all_plans(day("2026-12-06")).unwrap()[0].occurrences.len(), 3);
    assert!(matches!(w.cc.generate_plan_visits(&family("F1"), &p.id, day("2027-02-01")), Err(Error::InvalidInput { field: "through", .. })));
    let kinds: Vec<EventKind> = w.cc.events_since(0, 1000).unwrap().into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::PlanCreated));
}

#[test]
fn who_may_make_and_change_a_plan() {
    let w = world();
    let req = plan("S1", "cleaning mon 09:00", None, OverQuota::SelfPaid, "2026-11-23");
    // The son may not book; caregivers, strangers and other stations may not either.
    for actor in [family("F2"), family("F9"), carer("C1"), Actor::Operator("ZH-CS-999".into())] {
        assert!(forbidden(w.cc.create_plan(&actor, &req)), "{actor:?}");
    }
    // The senior, her station and the district may.
    let p = w.cc.create_plan(&Actor::Senior("S1".into()), &req).unwrap();
    assert!(forbidden(w.cc.change_plan(&family("F2"), &p.id, &req)));
    assert!(forbidden(w.cc.generate_plan_visits(&family("F2"), &p.id, day("2026-11-29"))));
    assert!(forbidden(w.cc.end_plan(&carer("C1"), &p.id, "不需要")));
    w.cc.change_plan(&station(), &p.id, &req).unwrap();
    w.cc.end_plan(&Actor::District, &p.id, "搬家").unwrap();
    // Bad plans get clear errors.
    let e = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon 09:00", None, OverQuota::SelfPaid, "2026-11-01")).unwrap_err();
    assert_eq!(e.to_string(), "invalid starts on: a plan cannot start in the past");
    let e = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon 09:00; bathing mon 09:00", None, OverQuota::SelfPaid, "2026-11-23")).unwrap_err();
    assert_eq!(e.to_string(), "invalid plan items: two visits start on mon at 09:00");
    let e = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon 09:00", Some("C4"), OverQuota::SelfPaid, "2026-11-23")).unwrap_err();
    assert_eq!(e.to_string(), "invalid regular caregiver: caregiver C4 offers none of the plan's services");
    let e = w.cc.create_plan(&family("F1"), &plan("S1", "full_time_care mon 09:00", None, OverQuota::SelfPaid, "2026-11-23")).unwrap_err();
    assert_eq!(e.to_string(), "invalid service: full_time_care is not offered as a home visit");
}

#[test]
fn plans_stay_within_the_monthly_quota_across_the_month_end() {
    let w = world();
    w.cc.set_district_rules(&DistrictRules { district: "330211".into(), monthly_hours: 5.0, ..Default::default() }).unwrap();
    // A one-off government-paid cleaning on the 24th already takes 2 of November's 5 hours.
    let one_off = w
        .cc
        .request_booking(&family("F1"), &carecircle_core::booking::BookingRequest {
            senior_id: "S1".into(),
            service: carecircle_core::Service::Cleaning,
            start: at("2026-11-24T14:00"),
            duration_minutes: None,
            note: String::new(),
        })
        .unwrap();
    assert!(one_off.government_paid);
    let p = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon,thu 09:00 120", None, OverQuota::SelfPaid, "2026-11-23")).unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-12-06")).unwrap();
    let got: Vec<(String, Outcome, bool)> = g
        .occurrences
        .iter()
        .map(|o| (o.date.to_string(), o.outcome, w.cc.booking(o.booking_id.as_deref().unwrap()).unwrap().government_paid))
        .collect();
    // 23rd: 2 + 2 = 4 of 5 hours; 26th would make 6: self-paid; so would the 30th; 3 December is a new month.
    assert_eq!(
        got,
        [
            ("2026-11-23".into(), Outcome::Booked, true),
            ("2026-11-26".into(), Outcome::SelfPaid, false),
            ("2026-11-30".into(), Outcome::SelfPaid, false),
            ("2026-12-03".into(), Outcome::Booked, true),
        ]
    );
    // A senior who does not qualify (S2, 71, not alone) gets nothing government-paid; with `skip`
    // the plan books nothing and says why.
    let p2 = w.cc.create_plan(&Actor::District, &plan("S2", "cleaning tue 09:00", None, OverQuota::Skip, "2026-11-23")).unwrap();
    let g = w.cc.generate_plan_visits(&Actor::District, &p2.id, day("2026-12-06")).unwrap();
    assert_eq!(g.count(Outcome::SkippedQuota), 2);
    assert!(g.occurrences.iter().all(|o| o.booking_id.is_none()));
    let skipped = w.cc.events_since(0, 1000).unwrap().into_iter().filter(|e| e.kind == EventKind::PlanVisitSkipped).count();
    assert_eq!(skipped, 2);
    // One active regular plan per senior; a service the government does not pay for is simply booked.
    let p3 = w.cc.create_plan(&Actor::District, &plan("S2", "rehabilitation wed 10:00", None, OverQuota::Skip, "2026-11-23"));
    assert!(matches!(p3, Err(Error::Duplicate { .. })), "{p3:?}");
    w.cc.end_plan(&Actor::District, &p2.id, "改为康复").unwrap();
    let p3 = w.cc.create_plan(&Actor::District, &plan("S2", "rehabilitation wed 10:00", None, OverQuota::Skip, "2026-11-23")).unwrap();
    let g = w.cc.generate_plan_visits(&Actor::District, &p3.id, day("2026-12-06")).unwrap();
    assert_eq!(g.count(Outcome::Booked), 2);
    assert!(!w.cc.booking(g.occurrences[0].booking_id.as_deref().unwrap()).unwrap().government_paid);
}

#[test]
fn holidays_are_skipped_and_the_calendar_is_a_district_setting() {
    let w = world();
    w.clock.set(at("2026-09-28T08:00"));
    let p = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon,thu 09:00", None, OverQuota::SelfPaid, "2026-09-28")).unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-10-11")).unwrap();
    let got: Vec<(String, Outcome)> = g.occurrences.iter().map(|o| (o.date.to_string(), o.outcome)).collect();
    // National Day, 1-7 October 2026, in the default calendar.
    assert_eq!(
        got,
        [
            ("2026-09-28".into(), Outcome::Booked),
            ("2026-10-01".into(), Outcome::SkippedHoliday),
            ("2026-10-05".into(), Outcome::SkippedHoliday),
            ("2026-10-08".into(), Outcome::Booked),
        ]
    );
    assert_eq!(w.cc.holidays().unwrap(), HolidayCalendar::default());
    // The district replaces the calendar; nobody else may.
    let cal = HolidayCalendar { dates: vec![day("2026-10-12")], source: "district test".into() };
    assert!(forbidden(w.cc.set_holidays(&station(), &cal)));
    w.cc.set_holidays(&Actor::District, &cal).unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-10-18")).unwrap();
    let got: Vec<(String, Outcome)> = g.occurrences.iter().map(|o| (o.date.to_string(), o.outcome)).collect();
    assert_eq!(got, [("2026-10-12".into(), Outcome::SkippedHoliday), ("2026-10-15".into(), Outcome::Booked)]);
}

#[test]
fn when_the_regular_caregiver_declines_or_is_absent_the_visit_goes_to_the_next_nearest() {
    let w = world();
    let p = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon,thu 09:00", Some("C1"), OverQuota::SelfPaid, "2026-11-23")).unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-11-29")).unwrap();
    let (mon, thu) = (g.occurrences[0].booking_id.clone().unwrap(), g.occurrences[1].booking_id.clone().unwrap());
    assert_eq!((offered_to(&w, &mon), offered_to(&w, &thu)), (vec!["C1".to_string()], vec!["C1".to_string()]));
    // C1 turns Monday down: it goes at once to the next nearest (C2, C3), not back to C1.
    let b = w.cc.decline_booking(&carer("C1"), &mon, "生病").unwrap();
    assert_eq!(b.state, BookingState::Offered);
    assert_eq!(offered_to(&w, &mon), ["C2", "C3"]);
    // C1 takes Thursday, then is marked absent for Thursday and Friday: it is offered to the others.
    w.cc.accept_booking(&carer("C1"), &thu).unwrap();
    assert!(forbidden(w.cc.mark_absent(&carer("C2"), "C1", day("2026-11-26"), day("2026-11-27"), "")));
    assert!(forbidden(w.cc.mark_absent(&family("F1"), "C1", day("2026-11-26"), day("2026-11-27"), "")));
    let a = w.cc.mark_absent(&station(), "C1", day("2026-11-26"), day("2026-11-27"), "请假").unwrap();
    assert_eq!(a.reoffered, [thu.clone()]);
    let b = w.cc.booking(&thu).unwrap();
    assert_eq!((b.state, b.caregiver_id.as_deref()), (BookingState::Offered, None));
    assert_eq!(offered_to(&w, &thu), ["C2", "C3"]);
    let kinds: Vec<EventKind> = w.cc.events_since(0, 1000).unwrap().into_iter().filter(|e| e.subject_id == thu).map(|e| e.kind).collect();
    assert!(kinds.ends_with(&[EventKind::BookingWithdrawn, EventKind::BookingOffered, EventKind::BookingOffered]), "{kinds:?}");
    // While absent, matching skips C1 even for the plan's own visits; the next Monday goes to C1 again.
    w.cc.mark_absent(&carer("C1"), "C1", day("2026-12-03"), day("2026-12-03"), "体检").unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-12-06")).unwrap();
    assert_eq!(offered_to(&w, g.occurrences[0].booking_id.as_deref().unwrap()), ["C1"]);
    assert_eq!(offered_to(&w, g.occurrences[1].booking_id.as_deref().unwrap()), ["C2", "C3"]);
    assert!(matches!(w.cc.mark_absent(&carer("C1"), "C1", day("2026-12-05"), day("2026-12-04"), ""), Err(Error::InvalidInput { field: "absence", .. })));
}

#[test]
fn family_care_beds_need_their_required_services_and_an_assessment() {
    let w = world();
    let mut req = plan("S1", "cleaning mon 09:00; rehabilitation tue 10:00", None, OverQuota::SelfPaid, "2026-11-23");
    req.kind = PlanKind::FamilyCareBed;
    let e = w.cc.create_plan(&family("F1"), &req).unwrap_err();
    assert_eq!(e.to_string(), "invalid family care bed: needs at least 2 rehabilitation visit(s) a week, the plan has 1");
    req.items = parse_plan_items("cleaning mon 09:00; rehabilitation tue,fri 10:00").unwrap();
    let e = w.cc.create_plan(&family("F1"), &req).unwrap_err();
    assert_eq!(e.to_string(), "invalid family care bed: needs an assessment of moderate or worse; there is none");
    let mut scores: Vec<u8> = ITEMS.iter().map(|i| i.max).collect();
    scores.iter_mut().take(8).for_each(|s| *s = 0);
    let a = w.cc.record_assessment(&Actor::District, "S1", "评估员甲", day("2026-11-20"), &scores, Conditions::default()).unwrap();
    assert_eq!(a.level, CapabilityLevel::Moderate);
    let bed = w.cc.create_plan(&family("F1"), &req).unwrap();
    assert_eq!(bed.kind, PlanKind::FamilyCareBed);
    assert!(matches!(w.cc.create_plan(&family("F1"), &req), Err(Error::Duplicate { .. })));
    // A regular plan beside the bed is fine; changing the bed below its rules is not.
    w.cc.create_plan(&family("F1"), &plan("S1", "companionship wed 15:00", None, OverQuota::SelfPaid, "2026-11-23")).unwrap();
    req.items = parse_plan_items("rehabilitation tue 10:00").unwrap();
    assert!(matches!(w.cc.change_plan(&family("F1"), &bed.id, &req), Err(Error::InvalidInput { field: "family care bed", .. })));
}

#[test]
fn changing_a_plan_replaces_its_future_visits_and_ending_it_cancels_them() {
    let w = world();
    let p = w.cc.create_plan(&family("F1"), &plan("S1", "cleaning mon 09:00", None, OverQuota::SelfPaid, "2026-11-23")).unwrap();
    let g = w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-12-06")).unwrap();
    let old: Vec<String> = g.occurrences.iter().map(|o| o.booking_id.clone().unwrap()).collect();
    assert_eq!(old.len(), 2);
    let changed = w.cc.change_plan(&family("F1"), &p.id, &plan("S1", "cleaning thu 09:00", None, OverQuota::SelfPaid, "2026-11-23")).unwrap();
    assert_eq!(changed.generated_through, Some(day("2026-12-06")));
    for id in &old {
        let b = w.cc.booking(id).unwrap();
        assert_eq!((b.state, b.reason.as_deref()), (BookingState::Cancelled, Some("care plan changed")));
    }
    let now: Vec<String> = w.cc.plan_occurrences(&family("F1"), &p.id).unwrap().iter().map(|o| o.date.to_string()).collect();
    assert_eq!(now, ["2026-11-26", "2026-12-03"]);
    let ended = w.cc.end_plan(&family("F1"), &p.id, "住院").unwrap();
    assert_eq!(ended.ends_on, Some(day("2026-11-23")));
    assert!(w.cc.bookings_for_senior(&family("F1"), "S1").unwrap().iter().all(|b| b.state == BookingState::Cancelled));
    let e = w.cc.end_plan(&family("F1"), &p.id, "again").unwrap_err();
    assert_eq!(e.to_string(), format!("care plan {} is ended: it cannot be ended", p.id));
    assert!(matches!(w.cc.generate_plan_visits(&family("F1"), &p.id, day("2026-12-13")), Err(Error::InvalidStateChange { .. })));
}

// ----- Family doctors -----

fn with_clinic(w: &World) {
    w.cc.put_facilities(&[facility_near("CL1", FacilityKind::Clinic, 800.0, "medical"), facility_near("CL2", FacilityKind::Clinic, 2000.0, "medical")]).unwrap();
    let doctor = |id: &str, clinic: &str| Caregiver {
        id: id.into(),
        name: format!("医生{id}"),
        organisation: format!("卫生服务中心{clinic}"),
        station_id: Some(clinic.into()),
        skills: ServiceSet::parse_list("medical").unwrap(),
        base: north_of_home(800.0),
        radius_m: 5000.0,
        availability: WeeklyHours::parse("mon-fri 13:30-17:00").unwrap(),
    };
    w.cc.put_caregivers(&[doctor("D1", "CL1"), doctor("D2", "CL2")]).unwrap();
}

fn contract(senior: &str, doctor: &str, from: &str, to: &str) -> ContractRequest {
    ContractRequest { senior_id: senior.into(), doctor_id: doctor.into(), starts_on: day(from), ends_on: day(to), services: vec![ContractService::HomeRounds, ContractService::AnnualCheck] }
}

#[test]
fn a_clinic_signs_a_family_doctor_contract_and_an_overlapping_one_is_refused() {
    let w = world();
    with_clinic(&w);
    let clinic = Actor::Operator("CL1".into());
    let k = w.cc.sign_contract(&clinic, &contract("S1", "D1", "2026-11-01", "2027-10-31")).unwrap();
    assert_eq!((k.clinic_id.as_str(), k.signed_by.as_str()), ("CL1", "operator:CL1"));
    // Another contract for S1 that overlaps, even with another clinic's doctor, is refused.
    let e = w.cc.sign_contract(&family("F1"), &contract("S1", "D2", "2027-06-01", "2028-05-31")).unwrap_err();
    assert_eq!(e.to_string(), format!("overlapping family doctor contract already exists: {}", k.id));
    let e = w.cc.sign_contract(&family("F1"), &contract("S1", "D2", "2026-01-01", "2026-11-01")).unwrap_err();
    assert!(matches!(e, Error::Duplicate { .. }), "the first day overlaps: {e}");
    // The next year's follows on; a second senior with the same doctor is fine.
    w.cc.sign_contract(&family("F1"), &contract("S1", "D1", "2027-11-01", "2028-10-31")).unwrap();
    w.cc.sign_contract(&Actor::District, &contract("S2", "D1", "2026-11-01", "2027-10-31")).unwrap();
    // Who may not: the son, another clinic, a caregiver; a caregiver not at a clinic is no doctor.
    assert!(forbidden(w.cc.sign_contract(&family("F2"), &contract("S1", "D1", "2029-01-01", "2029-12-31"))));
    assert!(forbidden(w.cc.sign_contract(&Actor::Operator("CL2".into()), &contract("S1", "D1", "2029-01-01", "2029-12-31"))));
    let e = w.cc.sign_contract(&family("F1"), &contract("S1", "C1", "2029-01-01", "2029-12-31")).unwrap_err();
    assert_eq!(e.to_string(), "invalid doctor: caregiver C1 belongs to ZH-CS-001, which is not a clinic");
    assert!(matches!(w.cc.sign_contract(&family("F1"), &contract("S1", "D1", "2029-12-31", "2029-01-01")), Err(Error::InvalidInput { field: "contract", .. })));
    // Ended early, the rest of the year is free for another doctor.
    w.cc.terminate_contract(&family("F1"), &k.id, day("2026-11-30")).unwrap();
    assert!(matches!(w.cc.terminate_contract(&family("F1"), &k.id, day("2026-11-30")), Err(Error::InvalidStateChange { .. })));
    w.cc.sign_contract(&family("F1"), &contract("S1", "D2", "2026-12-01", "2027-10-31")).unwrap();
    assert_eq!(w.cc.contracts_for_senior(&Actor::Operator("CL1".into()), "S1").unwrap().len(), 3);
    assert!(forbidden(w.cc.contracts_for_senior(&family("F2"), "S1")));
}

#[test]
fn home_rounds_are_booked_as_medical_visits_accepted_for_the_contracts_doctor() {
    let w = world();
    with_clinic(&w);
    let clinic = Actor::Operator("CL1".into());
    let k = w.cc.sign_contract(&clinic, &contract("S1", "D1", "2026-11-01", "2027-10-31")).unwrap();
    let b = w.cc.book_home_round(&clinic, &k.id, at("2026-11-24T14:00"), None, "血压随访").unwrap();
    assert_eq!((b.service, b.state, b.caregiver_id.as_deref(), (b.end - b.start).num_minutes()), (carecircle_core::Service::Medical, BookingState::Accepted, Some("D1"), 30));
    // The doctor does the round like any visit.
    w.clock.set(at("2026-11-24T14:00"));
    w.cc.check_in(&carer("D1"), &b.id, home()).unwrap();
    w.clock.set(at("2026-11-24T14:30"));
    w.cc.check_out(&carer("D1"), &b.id, home()).unwrap();
    // Out of the doctor's duty hours, outside the contract, by others: refused.
    let e = w.cc.book_home_round(&clinic, &k.id, at("2026-11-25T09:00"), None, "").unwrap_err();
    assert_eq!(e.to_string(), "invalid home round: doctor D1 is not on duty, out of reach, absent or busy then");
    let e = w.cc.book_home_round(&clinic, &k.id, at("2027-11-02T14:00"), None, "").unwrap_err();
    assert_eq!(e.to_string(), format!("invalid home round: contract {} does not run on 2027-11-02", k.id));
    assert!(forbidden(w.cc.book_home_round(&Actor::Operator("CL2".into()), &k.id, at("2026-11-26T14:00"), None, "")));
    assert!(forbidden(w.cc.book_home_round(&family("F1"), &k.id, at("2026-11-26T14:00"), None, "")));
    let mut no_rounds = contract("S2", "D1", "2026-11-01", "2027-10-31");
    no_rounds.services = vec![ContractService::AnnualCheck];
    let k2 = w.cc.sign_contract(&clinic, &no_rounds).unwrap();
    let e = w.cc.book_home_round(&clinic, &k2.id, at("2026-11-26T14:00"), None, "").unwrap_err();
    assert_eq!(e.to_string(), format!("invalid home round: contract {} does not include home rounds", k2.id));
}

#[test]
fn annual_checks_are_due_a_year_after_the_last_and_the_doctor_is_reminded_once() {
    let w = world();
    with_clinic(&w);
    let clinic = Actor::Operator("CL1".into());
    let k = w.cc.sign_contract(&clinic, &contract("S1", "D1", "2026-11-01", "2027-10-31")).unwrap();
    // S1 (86) was checked on 2025-12-10: due 2026-12-10. S2 (71, born 1955-06-01) never was: due since 2020-06-01.
    w.cc.record_health_check(&clinic, "CL1", &HealthCheckRecord { senior_id: "S1".into(), date: day("2025-12-10"), doctor_id: Some("D1".into()), summary: "血压偏高".into() }).unwrap();
    let due = w.cc.health_checks_due(&Actor::District, 30).unwrap();
    let got: Vec<(String, String, bool)> = due.iter().map(|d| (d.senior_id.clone(), d.due_on.to_string(), d.overdue)).collect();
    assert_eq!(got, [("S2".into(), "2020-06-01".into(), true), ("S1".into(), "2026-12-10".into(), false)]);
    assert_eq!(due[1].doctor_id.as_deref(), Some("D1"));
    assert_eq!(w.cc.health_checks_due(&Actor::District, 10).unwrap().len(), 1, "S1's is 17 days away");
    // The doctor and the family see only their own seniors.
    assert_eq!(w.cc.health_checks_due(&carer("D1"), 30).unwrap().iter().map(|d| d.senior_id.as_str()).collect::<Vec<_>>(), ["S1"]);
    assert_eq!(w.cc.health_checks_due(&family("F1"), 30).unwrap().len(), 1);
    assert!(w.cc.health_checks_due(&family("F2"), 30).unwrap().is_empty());
    // The reminder goes once to S1's doctor (S2 has no contract, no doctor to remind).
    let reminded = w.cc.remind_health_checks(30).unwrap();
    assert_eq!(reminded.iter().map(|d| d.senior_id.as_str()).collect::<Vec<_>>(), ["S1"]);
    assert!(w.cc.remind_health_checks(30).unwrap().is_empty());
    let e = w.cc.events_since(0, 1000).unwrap().into_iter().find(|e| e.kind == EventKind::HealthCheckDue).unwrap();
    assert_eq!((e.subject_id.as_str(), e.party_id.as_deref(), e.detail.as_str()), (k.id.as_str(), Some("D1"), "due_on=2026-12-10 overdue=false"));
    // Checked again: no longer due.
    w.cc.record_health_check(&clinic, "CL1", &HealthCheckRecord { senior_id: "S1".into(), date: day("2026-11-20"), doctor_id: None, summary: String::new() }).unwrap();
    assert!(w.cc.health_checks_due(&carer("D1"), 30).unwrap().is_empty());
    // Only a clinic (for itself) or the district records checks; not in the future.
    assert!(forbidden(w.cc.record_health_check(&Actor::Operator("CL2".into()), "CL1", &HealthCheckRecord { senior_id: "S1".into(), date: day("2026-11-20"), doctor_id: None, summary: String::new() })));
    let e = w.cc.record_health_check(&clinic, "CL1", &HealthCheckRecord { senior_id: "S1".into(), date: day("2026-11-24"), doctor_id: None, summary: String::new() }).unwrap_err();
    assert_eq!(e.to_string(), "invalid date: a health check cannot be in the future");
}
