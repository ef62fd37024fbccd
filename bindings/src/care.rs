//! The rest of the seeds' programmes (issue 7): care plans (服务计划) and family care beds,
//! family doctors (家庭医生签约: contracts, home rounds, annual health checks), subsidy
//! applications (涉老补助), ratings and complaints, and the district's statistics.

use crate::actor::Actor;
use crate::booking::{Booking, BookingState};
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::Service;
use crate::people::{Caregiver, CapabilityLevel};
use crate::time::{date, date_string, instant, time_of_day, time_string, to_system_time};
use carecircle_core::doctor::{CheckDue as CoreCheckDue, ContractRequest as CoreContractRequest, ContractService as CoreContractService, ContractState as CoreContractState, DoctorContract as CoreContract, HealthCheck as CoreHealthCheck, HealthCheckRecord as CoreHealthCheckRecord};
use carecircle_core::plan::{Absence as CoreAbsence, CarePlan as CorePlan, FamilyBedRules as CoreBedRules, Generated as CoreGenerated, HolidayCalendar as CoreHolidays, OverQuota as CoreOverQuota, Outcome as CoreOutcome, PlanItem as CoreItem, PlanKind as CorePlanKind, PlanOccurrence as CoreOccurrence, PlanRequest as CorePlanRequest, PlanState as CorePlanState, RequiredVisits as CoreRequired, Weekday as CoreWeekday};
use carecircle_core::rating::{Complaint as CoreComplaint, OrgKind as CoreOrgKind, OrgScore as CoreOrgScore, RatedSubject as CoreSubject, Rating as CoreRating, ScoreInputs as CoreInputs, ScoreParts as CoreParts};
use carecircle_core::stats::{DistrictStats as CoreStats, DivisionStats as CoreDivision, ServiceShare as CoreShare, Targets as CoreTargets};
use carecircle_core::subsidy::{SubsidyAction as CoreAction, SubsidyApplication as CoreApplication, SubsidyGrant as CoreGrant, SubsidyKind as CoreKind, SubsidyState as CoreSubState, SubsidyStep as CoreStep, SubsidyTerms as CoreTerms};
use std::time::SystemTime;

// ---------------------------------------------------------------------------------------------
// Care plans

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PlanKind {
    Regular,
    /// 家庭养老床位: professional care at home on a bed the district recognises.
    FamilyCareBed,
}

mirror!(PlanKind, CorePlanKind { Regular, FamilyCareBed });

/// What to do with a government-paid visit the month's quota cannot cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OverQuota {
    /// Book it anyway, self-paid at the service's price.
    SelfPaid,
    /// Do not book it.
    Skip,
}

mirror!(OverQuota, CoreOverQuota { SelfPaid, Skip });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

mirror!(Weekday, CoreWeekday { Mon, Tue, Wed, Thu, Fri, Sat, Sun });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PlanState {
    Active,
    Ended,
}

mirror!(PlanState, CorePlanState { Active, Ended });

/// What became of one occurrence of a plan item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Outcome {
    /// Booked as the service catalogue says (government-paid if the service is).
    Booked,
    /// Booked self-paid: the month's quota could not cover it.
    SelfPaid,
    /// Not booked: a public holiday.
    SkippedHoliday,
    /// Not booked: over the month's quota, and the plan says skip.
    SkippedQuota,
}

mirror!(Outcome, CoreOutcome { Booked, SelfPaid, SkippedHoliday, SkippedQuota });

/// One weekly visit of a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlanItem {
    pub service: Service,
    pub day: Weekday,
    /// Shanghai wall clock, "09:00".
    pub start: String,
    /// The catalogue's duration if null/nil.
    #[uniffi(default = None)]
    pub duration_minutes: Option<u32>,
}

impl From<CoreItem> for PlanItem {
    fn from(i: CoreItem) -> Self {
        PlanItem { service: i.service.into(), day: i.day.into(), start: time_string(i.start), duration_minutes: i.duration_minutes }
    }
}

impl PlanItem {
    fn to_core(&self) -> carecircle_core::Result<CoreItem> {
        Ok(CoreItem { service: self.service.into(), day: self.day.into(), start: time_of_day("plan item start", &self.start)?, duration_minutes: self.duration_minutes })
    }
}

/// What a senior's side or station asks for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlanRequest {
    pub senior_id: String,
    pub kind: PlanKind,
    /// 1 to 21 weekly visits (see `parsePlanItems` for a short form).
    pub items: Vec<PlanItem>,
    /// Offered each visit first, if qualified and free.
    #[uniffi(default = None)]
    pub regular_caregiver_id: Option<String>,
    pub over_quota: OverQuota,
    /// "2026-11-23", not in the past.
    pub starts_on: String,
    #[uniffi(default = None)]
    pub ends_on: Option<String>,
    #[uniffi(default = "")]
    pub note: String,
}

impl PlanRequest {
    fn to_core(&self) -> carecircle_core::Result<CorePlanRequest> {
        Ok(CorePlanRequest {
            senior_id: self.senior_id.clone(),
            kind: self.kind.into(),
            items: self.items.iter().map(PlanItem::to_core).collect::<carecircle_core::Result<_>>()?,
            regular_caregiver_id: self.regular_caregiver_id.clone(),
            over_quota: self.over_quota.into(),
            starts_on: date(&self.starts_on)?,
            ends_on: self.ends_on.as_deref().map(date).transpose()?,
            note: self.note.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CarePlan {
    pub id: String,
    pub senior_id: String,
    pub kind: PlanKind,
    pub items: Vec<PlanItem>,
    pub regular_caregiver_id: Option<String>,
    pub over_quota: OverQuota,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub state: PlanState,
    /// The last date whose visits have been generated.
    pub generated_through: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
}

impl From<CorePlan> for CarePlan {
    fn from(p: CorePlan) -> Self {
        CarePlan {
            id: p.id,
            senior_id: p.senior_id,
            kind: p.kind.into(),
            items: p.items.into_iter().map(Into::into).collect(),
            regular_caregiver_id: p.regular_caregiver_id,
            over_quota: p.over_quota.into(),
            starts_on: date_string(p.starts_on),
            ends_on: p.ends_on.map(date_string),
            state: p.state.into(),
            generated_through: p.generated_through.map(date_string),
            note: p.note,
            created_by: p.created_by,
            created_at: to_system_time(p.created_at),
            updated_at: to_system_time(p.updated_at),
        }
    }
}

/// One occurrence of a plan item: booked (with its booking's state) or skipped.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlanOccurrence {
    pub plan_id: String,
    pub date: String,
    /// Index of the item in the plan.
    pub item: u32,
    pub service: Service,
    pub start: SystemTime,
    pub outcome: Outcome,
    pub booking_id: Option<String>,
    pub booking_state: Option<BookingState>,
    /// The assigned caregiver, else the nearest one offered.
    pub caregiver_id: Option<String>,
}

impl From<CoreOccurrence> for PlanOccurrence {
    fn from(o: CoreOccurrence) -> Self {
        PlanOccurrence {
            plan_id: o.plan_id,
            date: date_string(o.date),
            item: o.item,
            service: o.service.into(),
            start: to_system_time(o.start),
            outcome: o.outcome.into(),
            booking_id: o.booking_id,
            booking_state: o.booking_state.map(Into::into),
            caregiver_id: o.caregiver_id,
        }
    }
}

/// What one generation of a plan's visits did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GeneratedVisits {
    pub plan_id: String,
    pub through: String,
    pub occurrences: Vec<PlanOccurrence>,
}

impl From<CoreGenerated> for GeneratedVisits {
    fn from(g: CoreGenerated) -> Self {
        GeneratedVisits { plan_id: g.plan_id, through: date_string(g.through), occurrences: g.occurrences.into_iter().map(Into::into).collect() }
    }
}

/// Dates on which plans generate no visits (a district setting).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HolidayCalendar {
    /// "2026-10-01", ...
    pub dates: Vec<String>,
    /// Where the list comes from (the State Council's notice).
    pub source: String,
}

impl From<CoreHolidays> for HolidayCalendar {
    fn from(h: CoreHolidays) -> Self {
        HolidayCalendar { dates: h.dates.into_iter().map(date_string).collect(), source: h.source }
    }
}

impl HolidayCalendar {
    fn to_core(&self) -> carecircle_core::Result<CoreHolidays> {
        Ok(CoreHolidays { dates: self.dates.iter().map(|d| date(d)).collect::<carecircle_core::Result<_>>()?, source: self.source.clone() })
    }
}

/// Visits a family care bed must include each week.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequiredVisits {
    pub service: Service,
    pub per_week: u32,
}

/// The district's rules for family care beds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FamilyBedRules {
    pub required: Vec<RequiredVisits>,
    /// The assessed level a senior needs (or worse); null/nil: none needed.
    pub min_level: Option<CapabilityLevel>,
}

impl From<CoreBedRules> for FamilyBedRules {
    fn from(r: CoreBedRules) -> Self {
        FamilyBedRules {
            required: r.required.into_iter().map(|v| RequiredVisits { service: v.service.into(), per_week: v.per_week }).collect(),
            min_level: r.min_level.map(Into::into),
        }
    }
}

impl From<FamilyBedRules> for CoreBedRules {
    fn from(r: FamilyBedRules) -> Self {
        CoreBedRules {
            required: r.required.into_iter().map(|v| CoreRequired { service: v.service.into(), per_week: v.per_week }).collect(),
            min_level: r.min_level.map(Into::into),
        }
    }
}

/// A caregiver who cannot come on some days.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Absence {
    pub id: String,
    pub caregiver_id: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub recorded_by: String,
    /// Visits taken from the caregiver and offered again.
    pub reoffered: Vec<String>,
}

impl From<CoreAbsence> for Absence {
    fn from(a: CoreAbsence) -> Self {
        Absence { id: a.id, caregiver_id: a.caregiver_id, from: date_string(a.from), to: date_string(a.to), reason: a.reason, recorded_by: a.recorded_by, reoffered: a.reoffered }
    }
}

/// Reads plan items from the short form "cleaning mon,thu 09:00 120; bathing sat 10:00"
/// (service code, days, start, optional minutes), one item per day.
#[uniffi::export]
pub fn parse_plan_items(text: String) -> Result<Vec<PlanItem>, CareCircleError> {
    Ok(carecircle_core::plan::parse_plan_items(&text)?.into_iter().map(Into::into).collect())
}

#[uniffi::export]
impl CareCircle {
    /// Makes a care plan (the senior, a family member allowed to book, the station, the
    /// district); its visits are generated separately with `generatePlanVisits`.
    pub fn create_plan(&self, actor: Actor, request: PlanRequest) -> Result<CarePlan, CareCircleError> {
        Ok(self.inner.create_plan(&actor.core(), &request.to_core()?)?.into())
    }

    /// As `createPlan`, with the plan's id chosen by the app.
    pub fn create_plan_with_id(&self, actor: Actor, id: String, request: PlanRequest) -> Result<CarePlan, CareCircleError> {
        Ok(self.inner.create_plan_with_id(&actor.core(), &id, &request.to_core()?)?.into())
    }

    /// Changes a plan's visits, regular caregiver, quota setting or end; visits generated and
    /// not yet started are cancelled and generated again.
    pub fn change_plan(&self, actor: Actor, plan_id: String, request: PlanRequest) -> Result<CarePlan, CareCircleError> {
        Ok(self.inner.change_plan(&actor.core(), &plan_id, &request.to_core()?)?.into())
    }

    /// Ends a plan today, saying why; its visits not yet started are cancelled.
    pub fn end_plan(&self, actor: Actor, plan_id: String, reason: String) -> Result<CarePlan, CareCircleError> {
        Ok(self.inner.end_plan(&actor.core(), &plan_id, &reason)?.into())
    }

    /// A plan, for those who may see the senior's visits.
    pub fn plan(&self, actor: Actor, plan_id: String) -> Result<CarePlan, CareCircleError> {
        Ok(self.inner.plan(&actor.core(), &plan_id)?.into())
    }

    pub fn plans_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<CarePlan>, CareCircleError> {
        Ok(self.inner.plans_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// A plan's occurrences so far, with their bookings' states, in date order.
    pub fn plan_occurrences(&self, actor: Actor, plan_id: String) -> Result<Vec<PlanOccurrence>, CareCircleError> {
        Ok(self.inner.plan_occurrences(&actor.core(), &plan_id)?.into_iter().map(Into::into).collect())
    }

    /// Generates a plan's visits through `through` ("2026-11-29", at most 62 days ahead), as
    /// bookings offered to the regular caregiver first.
    pub fn generate_plan_visits(&self, actor: Actor, plan_id: String, through: String) -> Result<GeneratedVisits, CareCircleError> {
        let through = date(&through)?;
        Ok(self.inner.generate_plan_visits(&actor.core(), &plan_id, through)?.into())
    }

    /// The weekly job: every active plan's visits through `through`.
    pub fn generate_all_plans(&self, through: String) -> Result<Vec<GeneratedVisits>, CareCircleError> {
        let through = date(&through)?;
        Ok(self.inner.generate_all_plans(through)?.into_iter().map(Into::into).collect())
    }

    pub fn holidays(&self) -> Result<HolidayCalendar, CareCircleError> {
        Ok(self.inner.holidays()?.into())
    }

    /// Replaces the holiday calendar (the district).
    pub fn set_holidays(&self, actor: Actor, calendar: HolidayCalendar) -> Result<(), CareCircleError> {
        Ok(self.inner.set_holidays(&actor.core(), &calendar.to_core()?)?)
    }

    pub fn family_bed_rules(&self) -> Result<FamilyBedRules, CareCircleError> {
        Ok(self.inner.family_bed_rules()?.into())
    }

    /// Replaces the family-care-bed rules (the district).
    pub fn set_family_bed_rules(&self, actor: Actor, rules: FamilyBedRules) -> Result<(), CareCircleError> {
        Ok(self.inner.set_family_bed_rules(&actor.core(), &rules.into())?)
    }

    /// Marks a caregiver absent from `from` to `to` (inclusive dates): the caregiver, their
    /// station or the district. Their visits in that time are offered to others.
    pub fn mark_absent(&self, actor: Actor, caregiver_id: String, from: String, to: String, reason: String) -> Result<Absence, CareCircleError> {
        let (from, to) = (date(&from)?, date(&to)?);
        Ok(self.inner.mark_absent(&actor.core(), &caregiver_id, from, to, &reason)?.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Family doctors

/// What a contract signs the senior up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ContractService {
    /// 上门巡诊
    HomeRounds,
    /// 年度健康体检
    AnnualCheck,
    /// 慢病管理
    ChronicDisease,
    /// 家庭病床
    FamilySickBed,
}

mirror!(ContractService, CoreContractService { HomeRounds, AnnualCheck, ChronicDisease, FamilySickBed });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ContractState {
    Signed,
    Terminated,
}

mirror!(ContractState, CoreContractState { Signed, Terminated });

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContractRequest {
    pub senior_id: String,
    /// A caregiver of a clinic who offers medical visits.
    pub doctor_id: String,
    pub starts_on: String,
    /// Inclusive; contracts usually run a year.
    pub ends_on: String,
    pub services: Vec<ContractService>,
}

impl ContractRequest {
    fn to_core(&self) -> carecircle_core::Result<CoreContractRequest> {
        Ok(CoreContractRequest {
            senior_id: self.senior_id.clone(),
            doctor_id: self.doctor_id.clone(),
            starts_on: date(&self.starts_on)?,
            ends_on: date(&self.ends_on)?,
            services: self.services.iter().map(|s| (*s).into()).collect(),
        })
    }
}

/// A contract to sign with the id the caller chose (`signContracts`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContractToSign {
    pub id: String,
    pub request: ContractRequest,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoctorContract {
    pub id: String,
    pub senior_id: String,
    pub doctor_id: String,
    pub clinic_id: String,
    pub starts_on: String,
    pub ends_on: String,
    pub services: Vec<ContractService>,
    pub state: ContractState,
    pub signed_by: String,
    pub signed_at: SystemTime,
}

impl From<CoreContract> for DoctorContract {
    fn from(c: CoreContract) -> Self {
        DoctorContract {
            id: c.id,
            senior_id: c.senior_id,
            doctor_id: c.doctor_id,
            clinic_id: c.clinic_id,
            starts_on: date_string(c.starts_on),
            ends_on: date_string(c.ends_on),
            services: c.services.into_iter().map(Into::into).collect(),
            state: c.state.into(),
            signed_by: c.signed_by,
            signed_at: to_system_time(c.signed_at),
        }
    }
}

/// A health check as a clinic records it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HealthCheckRecord {
    pub senior_id: String,
    pub date: String,
    #[uniffi(default = None)]
    pub doctor_id: Option<String>,
    pub summary: String,
}

impl HealthCheckRecord {
    fn to_core(&self) -> carecircle_core::Result<CoreHealthCheckRecord> {
        Ok(CoreHealthCheckRecord { senior_id: self.senior_id.clone(), date: date(&self.date)?, doctor_id: self.doctor_id.clone(), summary: self.summary.clone() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HealthCheck {
    pub id: String,
    pub senior_id: String,
    pub date: String,
    pub clinic_id: String,
    pub doctor_id: Option<String>,
    pub summary: String,
    pub recorded_by: String,
}

impl From<CoreHealthCheck> for HealthCheck {
    fn from(h: CoreHealthCheck) -> Self {
        HealthCheck { id: h.id, senior_id: h.senior_id, date: date_string(h.date), clinic_id: h.clinic_id, doctor_id: h.doctor_id, summary: h.summary, recorded_by: h.recorded_by }
    }
}

/// A senior whose annual check is due or overdue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckDue {
    pub senior_id: String,
    pub age: u32,
    pub last_check: Option<String>,
    pub due_on: String,
    pub overdue: bool,
    /// The doctor of the contract running today, if any.
    pub doctor_id: Option<String>,
    pub contract_id: Option<String>,
}

impl From<CoreCheckDue> for CheckDue {
    fn from(d: CoreCheckDue) -> Self {
        CheckDue {
            senior_id: d.senior_id,
            age: d.age,
            last_check: d.last_check.map(date_string),
            due_on: date_string(d.due_on),
            overdue: d.overdue,
            doctor_id: d.doctor_id,
            contract_id: d.contract_id,
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// Signs a family-doctor contract: the senior's side, the senior's station, the doctor's
    /// clinic, or the district. Refused if it overlaps another of the senior's contracts.
    pub fn sign_contract(&self, actor: Actor, request: ContractRequest) -> Result<DoctorContract, CareCircleError> {
        Ok(self.inner.sign_contract(&actor.core(), &request.to_core()?)?.into())
    }

    pub fn sign_contract_with_id(&self, actor: Actor, id: String, request: ContractRequest) -> Result<DoctorContract, CareCircleError> {
        Ok(self.inner.sign_contract_with_id(&actor.core(), &id, &request.to_core()?)?.into())
    }

    /// Signs several contracts in one transaction, all or none (a clinic bringing its own).
    pub fn sign_contracts(&self, actor: Actor, contracts: Vec<ContractToSign>) -> Result<Vec<DoctorContract>, CareCircleError> {
        let contracts = contracts.iter().map(|c| Ok((c.id.clone(), c.request.to_core()?))).collect::<carecircle_core::Result<Vec<_>>>()?;
        Ok(self.inner.sign_contracts(&actor.core(), &contracts)?.into_iter().map(Into::into).collect())
    }

    /// Ends a contract early; `lastDay` is the last day it runs.
    pub fn terminate_contract(&self, actor: Actor, contract_id: String, last_day: String) -> Result<DoctorContract, CareCircleError> {
        let last_day = date(&last_day)?;
        Ok(self.inner.terminate_contract(&actor.core(), &contract_id, last_day)?.into())
    }

    /// A senior's contracts, newest first.
    pub fn contracts_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<DoctorContract>, CareCircleError> {
        Ok(self.inner.contracts_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// The clinic books a home round with the contract's doctor at `start` (`minutes`
    /// default 30): a medical visit, accepted for the doctor.
    pub fn book_home_round(&self, actor: Actor, contract_id: String, start: SystemTime, minutes: Option<u32>, note: String) -> Result<Booking, CareCircleError> {
        Ok(self.inner.book_home_round(&actor.core(), &contract_id, instant(start)?, minutes, &note)?.into())
    }

    /// A clinic (its operator, or the district) records an annual health check.
    pub fn record_health_check(&self, actor: Actor, clinic_id: String, record: HealthCheckRecord) -> Result<HealthCheck, CareCircleError> {
        Ok(self.inner.record_health_check(&actor.core(), &clinic_id, &record.to_core()?)?.into())
    }

    /// As `recordHealthCheck`, for several in one transaction, all or none.
    pub fn record_health_checks(&self, actor: Actor, clinic_id: String, records: Vec<HealthCheckRecord>) -> Result<Vec<HealthCheck>, CareCircleError> {
        let records = records.iter().map(HealthCheckRecord::to_core).collect::<carecircle_core::Result<Vec<_>>>()?;
        Ok(self.inner.record_health_checks(&actor.core(), &clinic_id, &records)?.into_iter().map(Into::into).collect())
    }

    /// Seniors in `actor`'s view whose annual check is due within `withinDays` or overdue,
    /// most overdue first.
    pub fn health_checks_due(&self, actor: Actor, within_days: u32) -> Result<Vec<CheckDue>, CareCircleError> {
        Ok(self.inner.health_checks_due(&actor.core(), within_days)?.into_iter().map(Into::into).collect())
    }

    /// Tells each contracted senior's doctor once per due date (event `health_check_due`).
    pub fn remind_health_checks(&self, within_days: u32) -> Result<Vec<CheckDue>, CareCircleError> {
        Ok(self.inner.remind_health_checks(within_days)?.into_iter().map(Into::into).collect())
    }

    /// A senior's health checks, newest first.
    pub fn health_checks(&self, actor: Actor, senior_id: String) -> Result<Vec<HealthCheck>, CareCircleError> {
        Ok(self.inner.health_checks(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// The doctors of a clinic (its caregivers who offer medical visits).
    pub fn doctors_of(&self, clinic_id: String) -> Vec<Caregiver> {
        self.inner.doctors_of(&clinic_id).into_iter().map(Into::into).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Subsidy applications

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SubsidyKind {
    /// More government-paid home-visit hours a month.
    Service,
    /// More subsidy per meal.
    Meal,
    /// Device rental: deposit waived, part of the daily fee paid.
    DeviceRental,
}

mirror!(SubsidyKind, CoreKind { Service, Meal, DeviceRental });

/// submitted → recommended (station) → approved or refused (district); a station may return
/// it for changes, the applicant resubmits or withdraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SubsidyState {
    Submitted,
    Recommended,
    Returned,
    Approved,
    Refused,
    Withdrawn,
}

mirror!(SubsidyState, CoreSubState { Submitted, Recommended, Returned, Approved, Refused, Withdrawn });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SubsidyAction {
    Apply,
    Recommend,
    Return,
    Resubmit,
    Approve,
    Refuse,
    Withdraw,
}

mirror!(SubsidyAction, CoreAction { Apply, Recommend, Return, Resubmit, Approve, Refuse, Withdraw });

/// What an approved subsidy grants, and while when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SubsidyGrant {
    /// Service: hours added to each month's quota.
    pub monthly_hours: f64,
    /// Meal: fen added to the subsidy of each meal.
    pub meal_fen: u32,
    /// Device rental: no deposit.
    pub deposit_waived: bool,
    /// Device rental: share of the daily fee the subsidy pays (0 to 1).
    pub fee_share: f64,
    pub valid_from: String,
    pub valid_until: String,
}

impl From<CoreGrant> for SubsidyGrant {
    fn from(g: CoreGrant) -> Self {
        SubsidyGrant {
            monthly_hours: g.monthly_hours,
            meal_fen: g.meal_fen,
            deposit_waived: g.deposit_waived,
            fee_share: g.fee_share,
            valid_from: date_string(g.valid_from),
            valid_until: date_string(g.valid_until),
        }
    }
}

/// What the district grants on approval (a district setting).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SubsidyTerms {
    pub service_hours: f64,
    pub meal_fen: u32,
    pub rental_deposit_waived: bool,
    pub rental_fee_share: f64,
    pub months_valid: u32,
}

impl From<CoreTerms> for SubsidyTerms {
    fn from(t: CoreTerms) -> Self {
        SubsidyTerms {
            service_hours: t.service_hours,
            meal_fen: t.meal_fen,
            rental_deposit_waived: t.rental_deposit_waived,
            rental_fee_share: t.rental_fee_share,
            months_valid: t.months_valid,
        }
    }
}

impl From<SubsidyTerms> for CoreTerms {
    fn from(t: SubsidyTerms) -> Self {
        CoreTerms {
            service_hours: t.service_hours,
            meal_fen: t.meal_fen,
            rental_deposit_waived: t.rental_deposit_waived,
            rental_fee_share: t.rental_fee_share,
            months_valid: t.months_valid,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SubsidyApplication {
    pub id: String,
    pub senior_id: String,
    pub kind: SubsidyKind,
    /// The assessment attached when applying (the latest then).
    pub assessment_id: Option<String>,
    pub assessment_level: Option<CapabilityLevel>,
    pub note: String,
    pub state: SubsidyState,
    pub applied_by: String,
    pub applied_at: SystemTime,
    /// Set when approved.
    pub grant: Option<SubsidyGrant>,
    /// Why it was last returned or refused.
    pub reason: Option<String>,
    pub updated_at: SystemTime,
}

impl From<CoreApplication> for SubsidyApplication {
    fn from(a: CoreApplication) -> Self {
        SubsidyApplication {
            id: a.id,
            senior_id: a.senior_id,
            kind: a.kind.into(),
            assessment_id: a.assessment_id,
            assessment_level: a.assessment_level.map(Into::into),
            note: a.note,
            state: a.state.into(),
            applied_by: a.applied_by,
            applied_at: to_system_time(a.applied_at),
            grant: a.grant.map(Into::into),
            reason: a.reason,
            updated_at: to_system_time(a.updated_at),
        }
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubsidyStep {
    pub n: u32,
    pub action: SubsidyAction,
    pub from: Option<SubsidyState>,
    pub to: SubsidyState,
    /// "family:F1", "operator:ZH-CS-001", "district".
    pub actor: String,
    pub at: SystemTime,
    pub reason: String,
}

impl From<CoreStep> for SubsidyStep {
    fn from(s: CoreStep) -> Self {
        SubsidyStep { n: s.n, action: s.action.into(), from: s.from.map(Into::into), to: s.to.into(), actor: s.actor, at: to_system_time(s.at), reason: s.reason }
    }
}

#[uniffi::export]
impl CareCircle {
    /// The senior or a family member allowed to book applies; the latest assessment is attached
    /// (one is needed first).
    pub fn apply_for_subsidy(&self, actor: Actor, senior_id: String, kind: SubsidyKind, note: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.apply_for_subsidy(&actor.core(), &senior_id, kind.into(), &note)?.into())
    }

    /// The senior's station recommends a submitted application to the district.
    pub fn recommend_subsidy(&self, actor: Actor, id: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.recommend_subsidy(&actor.core(), &id)?.into())
    }

    /// The senior's station returns a submitted application for changes, saying why.
    pub fn return_subsidy(&self, actor: Actor, id: String, reason: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.return_subsidy(&actor.core(), &id, &reason)?.into())
    }

    /// The applicant's side resubmits a returned application.
    pub fn resubmit_subsidy(&self, actor: Actor, id: String, note: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.resubmit_subsidy(&actor.core(), &id, &note)?.into())
    }

    /// The district approves a recommended application; the grant starts today.
    pub fn approve_subsidy(&self, actor: Actor, id: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.approve_subsidy(&actor.core(), &id)?.into())
    }

    /// The district refuses a recommended application, saying why.
    pub fn refuse_subsidy(&self, actor: Actor, id: String, reason: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.refuse_subsidy(&actor.core(), &id, &reason)?.into())
    }

    /// The applicant's side withdraws a submitted or returned application.
    pub fn withdraw_subsidy(&self, actor: Actor, id: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.withdraw_subsidy(&actor.core(), &id)?.into())
    }

    pub fn subsidy(&self, actor: Actor, id: String) -> Result<SubsidyApplication, CareCircleError> {
        Ok(self.inner.subsidy(&actor.core(), &id)?.into())
    }

    /// Every step of an application, oldest first.
    pub fn subsidy_history(&self, actor: Actor, id: String) -> Result<Vec<SubsidyStep>, CareCircleError> {
        Ok(self.inner.subsidy_history(&actor.core(), &id)?.into_iter().map(Into::into).collect())
    }

    pub fn subsidies_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<SubsidyApplication>, CareCircleError> {
        Ok(self.inner.subsidies_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// What waits for `actor`: a station's submitted applications, the district's recommended ones.
    pub fn subsidy_queue(&self, actor: Actor) -> Result<Vec<SubsidyApplication>, CareCircleError> {
        Ok(self.inner.subsidy_queue(&actor.core())?.into_iter().map(Into::into).collect())
    }

    pub fn subsidy_terms(&self) -> Result<SubsidyTerms, CareCircleError> {
        Ok(self.inner.subsidy_terms()?.into())
    }

    /// Replaces what an approval grants (the district).
    pub fn set_subsidy_terms(&self, actor: Actor, terms: SubsidyTerms) -> Result<(), CareCircleError> {
        Ok(self.inner.set_subsidy_terms(&actor.core(), &terms.into())?)
    }
}

// ---------------------------------------------------------------------------------------------
// Ratings, complaints and the district's ranking

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RatedSubject {
    /// A home visit, by booking id.
    Visit,
    /// A meal order, by order id.
    Meal,
}

mirror!(RatedSubject, CoreSubject { Visit, Meal });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OrgKind {
    /// A home-care organisation (caregivers' `organisation`).
    Care,
    /// A canteen, by facility id.
    Canteen,
}

mirror!(OrgKind, CoreOrgKind { Care, Canteen });

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rating {
    pub id: String,
    pub subject: RatedSubject,
    pub subject_id: String,
    pub senior_id: String,
    pub org_kind: OrgKind,
    pub org: String,
    /// "2026-11": the month the visit or meal counts in.
    pub month: String,
    pub stars: u8,
    pub comment: String,
    pub rated_by: String,
    pub at: SystemTime,
}

impl From<CoreRating> for Rating {
    fn from(r: CoreRating) -> Self {
        Rating {
            id: r.id,
            subject: r.subject.into(),
            subject_id: r.subject_id,
            senior_id: r.senior_id,
            org_kind: r.org_kind.into(),
            org: r.org,
            month: r.month,
            stars: r.stars,
            comment: r.comment,
            rated_by: r.rated_by,
            at: to_system_time(r.at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Complaint {
    pub id: String,
    pub subject: RatedSubject,
    pub subject_id: String,
    pub senior_id: String,
    pub org_kind: OrgKind,
    pub org: String,
    pub month: String,
    pub text: String,
    pub by: String,
    pub at: SystemTime,
}

impl From<CoreComplaint> for Complaint {
    fn from(c: CoreComplaint) -> Self {
        Complaint {
            id: c.id,
            subject: c.subject.into(),
            subject_id: c.subject_id,
            senior_id: c.senior_id,
            org_kind: c.org_kind.into(),
            org: c.org,
            month: c.month,
            text: c.text,
            by: c.by,
            at: to_system_time(c.at),
        }
    }
}

/// What a month's score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ScoreInputs {
    pub ratings: u32,
    pub stars_sum: u32,
    pub complaints: u32,
    /// Visits completed or missed; null/nil for canteens.
    pub due: Option<u32>,
    pub no_shows: u32,
    pub flagged: u32,
}

impl From<CoreInputs> for ScoreInputs {
    fn from(i: CoreInputs) -> Self {
        ScoreInputs { ratings: i.ratings, stars_sum: i.stars_sum, complaints: i.complaints, due: i.due, no_shows: i.no_shows, flagged: i.flagged }
    }
}

/// The score (0-100) and its parts.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ScoreParts {
    pub adjusted_stars: f64,
    pub rating_points: f64,
    pub service_points: f64,
    pub complaint_points: f64,
    pub score: f64,
}

impl From<CoreParts> for ScoreParts {
    fn from(p: CoreParts) -> Self {
        ScoreParts { adjusted_stars: p.adjusted_stars, rating_points: p.rating_points, service_points: p.service_points, complaint_points: p.complaint_points, score: p.score }
    }
}

/// One organisation's month, ranked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OrgScore {
    pub rank: u32,
    pub org_kind: OrgKind,
    pub org: String,
    pub name: String,
    pub month: String,
    pub inputs: ScoreInputs,
    pub parts: ScoreParts,
    pub average_stars: Option<f64>,
}

impl From<CoreOrgScore> for OrgScore {
    fn from(s: CoreOrgScore) -> Self {
        OrgScore {
            rank: s.rank,
            org_kind: s.org_kind.into(),
            org: s.org,
            name: s.name,
            month: s.month,
            inputs: s.inputs.into(),
            parts: s.parts.into(),
            average_stars: s.average_stars,
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// Rates a completed visit or a served meal, 1 to 5 stars, once (the senior, or a family
    /// member who may see visits).
    pub fn rate(&self, actor: Actor, subject: RatedSubject, subject_id: String, stars: u8, comment: String) -> Result<Rating, CareCircleError> {
        Ok(self.inner.rate(&actor.core(), subject.into(), &subject_id, stars, &comment)?.into())
    }

    /// Complains about a visit (completed or missed) or a served meal; once per person and subject.
    pub fn complain(&self, actor: Actor, subject: RatedSubject, subject_id: String, text: String) -> Result<Complaint, CareCircleError> {
        Ok(self.inner.complain(&actor.core(), subject.into(), &subject_id, &text)?.into())
    }

    /// A senior's ratings, newest first.
    pub fn ratings_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<Rating>, CareCircleError> {
        Ok(self.inner.ratings_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// The district's ranking of organisations for a month, best first (the district only).
    pub fn organisation_ranking(&self, actor: Actor, year: i32, month: u32) -> Result<Vec<OrgScore>, CareCircleError> {
        Ok(self.inner.organisation_ranking(&actor.core(), year, month)?.into_iter().map(Into::into).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// District statistics

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ServiceShare {
    pub service: Service,
    pub covered: u32,
    pub share: f64,
}

impl From<CoreShare> for ServiceShare {
    fn from(s: CoreShare) -> Self {
        ServiceShare { service: s.service.into(), covered: s.covered, share: s.share }
    }
}

/// One township, village, or the whole district.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DivisionStats {
    /// 12-digit code; a township's ends in 000; "district" for the total.
    pub division: String,
    pub seniors: u32,
    pub contracted: u32,
    pub contract_rate: f64,
    pub seniors_65: u32,
    pub checked_65: u32,
    pub check_rate_65: f64,
    pub eligible: u32,
    pub served: u32,
    pub served_rate: f64,
    /// Per service, the seniors with it within the circle.
    pub circle: Vec<ServiceShare>,
    pub communities: u32,
    pub communities_with_meals: u32,
    pub meal_coverage: f64,
}

impl From<CoreDivision> for DivisionStats {
    fn from(d: CoreDivision) -> Self {
        DivisionStats {
            division: d.division,
            seniors: d.seniors,
            contracted: d.contracted,
            contract_rate: d.contract_rate,
            seniors_65: d.seniors_65,
            checked_65: d.checked_65,
            check_rate_65: d.check_rate_65,
            eligible: d.eligible,
            served: d.served,
            served_rate: d.served_rate,
            circle: d.circle.into_iter().map(Into::into).collect(),
            communities: d.communities,
            communities_with_meals: d.communities_with_meals,
            meal_coverage: d.meal_coverage,
        }
    }
}

/// The seeds' targets, to show beside the figures (ranges as low and high).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Targets {
    pub contract_rate_zhenhai: f64,
    pub contract_rate_shaoxing_low: f64,
    pub contract_rate_shaoxing_high: f64,
    pub health_management_65_shaoxing_low: f64,
    pub health_management_65_shaoxing_high: f64,
    pub circle: f64,
    pub meal_coverage: f64,
}

impl From<CoreTargets> for Targets {
    fn from(t: CoreTargets) -> Self {
        Targets {
            contract_rate_zhenhai: t.contract_rate_zhenhai,
            contract_rate_shaoxing_low: t.contract_rate_shaoxing_low,
            contract_rate_shaoxing_high: t.contract_rate_shaoxing_high,
            health_management_65_shaoxing_low: t.health_management_65_shaoxing_low,
            health_management_65_shaoxing_high: t.health_management_65_shaoxing_high,
            circle: t.circle,
            meal_coverage: t.meal_coverage,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DistrictStats {
    pub month: String,
    /// The reference day: the month's last day, or today.
    pub as_of: String,
    pub circle_minutes: f64,
    pub targets: Targets,
    pub district: DivisionStats,
    pub townships: Vec<DivisionStats>,
    pub villages: Vec<DivisionStats>,
}

impl From<CoreStats> for DistrictStats {
    fn from(s: CoreStats) -> Self {
        DistrictStats {
            month: s.month,
            as_of: date_string(s.as_of),
            circle_minutes: s.circle_minutes,
            targets: s.targets.into(),
            district: s.district.into(),
            townships: s.townships.into_iter().map(Into::into).collect(),
            villages: s.villages.into_iter().map(Into::into).collect(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl CareCircle {
    /// The district's statistics for a month against the seeds' targets (the district only).
    /// Reads the whole district: runs off the caller's thread.
    pub async fn district_stats(&self, actor: Actor, year: i32, month: u32) -> Result<DistrictStats, CareCircleError> {
        let inner = self.inner.clone();
        let actor = actor.core();
        let stats = tokio::task::spawn_blocking(move || inner.district_stats(&actor, year, month)).await??;
        Ok(stats.into())
    }
}
