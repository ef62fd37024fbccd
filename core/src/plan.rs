//! Care plans (服务计划): a senior's regular visits ("cleaning Monday and Thursday 09:00, 2 hours;
//! bathing Saturday 10:00"), generated week by week as bookings through the booking rules.
//!
//! Generation rules, for each occurrence of an item on a date not yet generated:
//! - A date in the holiday calendar (a district setting; China's 2026 statutory holidays by
//!   default, see [`HolidayCalendar`]) is skipped and recorded as `skipped_holiday`.
//! - A government-paid service (the service catalogue says which) is generated as government-paid
//!   only if its whole booked duration fits in what is left of the month's quota (the district
//!   rules' hours plus approved service subsidies, see `entitlement`), counting every
//!   government-paid booking of that month not cancelled, expired or missed. Otherwise the plan's
//!   setting [`OverQuota`] decides: `self_paid` books it at the service's price (`self_paid`
//!   outcome), `skip` does not book it (`skipped_quota`). The month is the visit's date in Shanghai.
//! - A visit is offered first to the plan's regular caregiver alone (if qualified, available, free
//!   and not absent that day); otherwise, or when that caregiver declines or is later marked absent,
//!   it goes through the ordinary matching to the nearest qualified free caregivers.
//!
//! Family care beds (家庭养老床位) are plans of kind `family_care_bed`: the district's
//! [`FamilyBedRules`] say which services they must include each week and the capability level a
//! senior must be assessed at; a plan that falls short is refused when it is made or changed.
//!
//! Who may make, change, end or generate a plan: the senior, a family member allowed to book,
//! the senior's station, the district.

use crate::args;
use crate::assessment::{CapabilityLevel, latest_assessment_in};
use crate::booking::{Booking, BookingAction, BookingRequest, BookingState, booking_in, save_state, transition};
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{Service, truncate};
use crate::person::{Actor, Senior, may_act_for, senior_in};
use crate::service_catalogue::terms_in;
use crate::sync::Command;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    Regular,
    /// 家庭养老床位: professional care at home on a bed the district recognises.
    FamilyCareBed,
}

/// What to do with a government-paid visit the month's quota cannot cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverQuota {
    /// Book it anyway, self-paid at the service's price.
    SelfPaid,
    /// Do not book it.
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    Active,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Booked as the service catalogue says (government-paid if the service is).
    Booked,
    /// Booked self-paid: the month's quota could not cover it.
    SelfPaid,
    SkippedHoliday,
    SkippedQuota,
}

use crate::facility::codes;
codes!(PlanKind, "plan kind", Regular = "regular", FamilyCareBed = "family_care_bed");
codes!(OverQuota, "over quota", SelfPaid = "self_paid", Skip = "skip");
codes!(Weekday, "day", Mon = "mon", Tue = "tue", Wed = "wed", Thu = "thu", Fri = "fri", Sat = "sat", Sun = "sun");
codes!(PlanState, "plan state", Active = "active", Ended = "ended");
codes!(Outcome, "outcome", Booked = "booked", SelfPaid = "self_paid", SkippedHoliday = "skipped_holiday", SkippedQuota = "skipped_quota");

impl Weekday {
    pub const ALL: [Weekday; 7] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    pub fn of(date: NaiveDate) -> Self {
        Weekday::ALL[date.weekday().num_days_from_monday() as usize]
    }
}

/// One weekly visit of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub service: Service,
    pub day: Weekday,
    /// Shanghai wall clock.
    pub start: NaiveTime,
    /// The catalogue's duration if not given.
    pub duration_minutes: Option<u32>,
}

/// What a senior's side or station asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub senior_id: String,
    pub kind: PlanKind,
    pub items: Vec<PlanItem>,
    pub regular_caregiver_id: Option<String>,
    pub over_quota: OverQuota,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlan {
    pub id: String,
    pub senior_id: String,
    pub kind: PlanKind,
    pub items: Vec<PlanItem>,
    pub regular_caregiver_id: Option<String>,
    pub over_quota: OverQuota,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub state: PlanState,
    /// The last date whose visits have been generated.
    pub generated_through: Option<NaiveDate>,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One occurrence of a plan item: booked (with its booking's state) or skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanOccurrence {
    pub plan_id: String,
    pub date: NaiveDate,
    /// Index of the item in the plan.
    pub item: u32,
    pub service: Service,
    pub start: DateTime<Utc>,
    pub outcome: Outcome,
    pub booking_id: Option<String>,
    pub booking_state: Option<BookingState>,
    /// The caregiver assigned, or else the nearest one it is offered to.
    pub caregiver_id: Option<String>,
}

/// What one generation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub plan_id: String,
    pub through: NaiveDate,
    pub occurrences: Vec<PlanOccurrence>,
}

impl Generated {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.occurrences.iter().filter(|o| o.outcome == outcome).count()
    }
}

/// Dates on which plans generate no visits: a district setting (`holidays`).
///
/// The default is China's 2026 statutory public holidays as set by the State Council's notice
/// 国务院办公厅关于2026年部分节假日安排的通知 of 2025-11-04 (元旦 Jan 1-3, 春节 Feb 15-23,
/// 清明 Apr 4-6, 劳动节 May 1-5, 端午 Jun 19-21, 中秋 Sep 25-27, 国庆 Oct 1-7). The weekend
/// days that notice makes working days (调休上班) are ordinary days for plans, so they are not
/// listed. A district replaces the list each year with `set_holidays`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolidayCalendar {
    pub dates: Vec<NaiveDate>,
    pub source: String,
}

impl Default for HolidayCalendar {
    fn default() -> Self {
        let ranges = [((1, 1), 3), ((2, 15), 9), ((4, 4), 3), ((5, 1), 5), ((6, 19), 3), ((9, 25), 3), ((10, 1), 7)];
        let mut dates = Vec::new();
        for ((m, d), days) in ranges {
            let first = NaiveDate::from_ymd_opt(2026, m, d).expect("valid date");
            dates.extend((0..days).map(|i| first + Duration::days(i)));
        }
        HolidayCalendar { dates, source: "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)".into() }
    }
}

/// Visits a family care bed must include each week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredVisits {
    pub service: Service,
    pub per_week: u32,
}

/// The district's rules for family care beds (setting `family_bed_rules`). Defaults: at least two
/// rehabilitation-and-nursing visits (康复护理) a week, for seniors assessed at moderate loss of
/// capability or worse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyBedRules {
    pub required: Vec<RequiredVisits>,
    pub min_level: Option<CapabilityLevel>,
}

impl Default for FamilyBedRules {
    fn default() -> Self {
        FamilyBedRules { required: vec![RequiredVisits { service: Service::Rehabilitation, per_week: 2 }], min_level: Some(CapabilityLevel::Moderate) }
    }
}

/// A caregiver who cannot come on some days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Absence {
    pub id: String,
    pub caregiver_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    pub recorded_by: String,
    /// Visits taken from the caregiver and offered again.
    pub reoffered: Vec<String>,
}

/// Reads plan items: `cleaning mon,thu 09:00 120; bathing sat 10:00` (service, days, start,
/// optional minutes), one item per day.
pub fn parse_plan_items(s: &str) -> Result<Vec<PlanItem>> {
    let mut items = Vec::new();
    for entry in s.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let parts: Vec<&str> = entry.split_whitespace().collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(Error::invalid("plan item", format!("'{}': expected SERVICE DAYS HH:MM [MINUTES]", truncate(entry, 40))));
        }
        let service: Service = parts[0].parse()?;
        let start = NaiveTime::parse_from_str(parts[2], "%H:%M").map_err(|_| Error::invalid("plan item", format!("'{}' is not a time HH:MM", truncate(parts[2], 10))))?;
        let duration_minutes = parts.get(3).map(|m| m.parse::<u32>().map_err(|_| Error::invalid("plan item", "minutes must be a whole number"))).transpose()?;
        for day in parts[1].split(',') {
            items.push(PlanItem { service, day: day.parse()?, start, duration_minutes });
        }
    }
    Ok(items)
}

const PLAN_COLUMNS: &str = "id, senior_id, kind, items, regular_caregiver_id, over_quota, starts_on, ends_on, state, generated_through, note, created_by, created_at, updated_at";

fn date_col(r: &Row, i: usize) -> Result<Option<NaiveDate>> {
    r.get::<Option<String>>(i)?.as_deref().map(crate::clock::parse_date).transpose()
}

fn plan_from_row(r: &Row) -> Result<CarePlan> {
    Ok(CarePlan {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        kind: r.get::<String>(2)?.parse()?,
        items: serde_json::from_str(&r.get::<String>(3)?).map_err(|_| Error::invalid("plan", "stored items are corrupt"))?,
        regular_caregiver_id: r.get(4)?,
        over_quota: r.get::<String>(5)?.parse()?,
        starts_on: crate::clock::parse_date(&r.get::<String>(6)?)?,
        ends_on: date_col(r, 7)?,
        state: r.get::<String>(8)?.parse()?,
        generated_through: date_col(r, 9)?,
        note: r.get(10)?,
        created_by: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub(crate) fn plan_in(sql: &dyn Sql, id: &str) -> Result<CarePlan> {
    plan_from_row(&sql.one(&format!("SELECT {PLAN_COLUMNS} FROM care_plan WHERE id = ?1"), args![id])?.ok_or_else(|| Error::not_found("care plan", truncate(id, 64)))?)
}

fn save_plan(tx: &dyn Sql, p: &CarePlan) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO care_plan ({PLAN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, items = excluded.items, regular_caregiver_id = excluded.regular_caregiver_id,
               over_quota = excluded.over_quota, starts_on = excluded.starts_on, ends_on = excluded.ends_on, state = excluded.state,
               generated_through = excluded.generated_through, note = excluded.note, updated_at = excluded.updated_at"
        ),
        args![
            p.id,
            p.senior_id,
            p.kind.code(),
            serde_json::to_string(&p.items).expect("serialisable"),
            p.regular_caregiver_id,
            p.over_quota.code(),
            p.starts_on.to_string(),
            p.ends_on.map(|d| d.to_string()),
            p.state.code(),
            p.generated_through.map(|d| d.to_string()),
            p.note,
            p.created_by,
            p.created_at,
            p.updated_at
        ],
    )?;
    Ok(())
}

/// Is this booking one a care plan generated?
pub(crate) fn is_plan_visit(sql: &dyn Sql, booking_id: &str) -> Result<bool> {
    sql.exists("SELECT 1 FROM plan_occurrence WHERE booking_id = ?1", args![booking_id])
}

/// Caregivers marked absent on any Shanghai date of [start, end).
pub(crate) fn absent_between(sql: &dyn Sql, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<HashSet<String>> {
    let (first, last) = (shanghai_date(start), shanghai_date(end - Duration::seconds(1)));
    sql.query("SELECT DISTINCT caregiver_id FROM caregiver_absence WHERE from_date <= ?2 AND to_date >= ?1", args![first.to_string(), last.to_string()])?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

pub(crate) fn holidays_in(sql: &dyn Sql) -> Result<HolidayCalendar> {
    Ok(crate::store::setting(sql, "holidays")?.unwrap_or_default())
}

fn family_bed_rules_in(sql: &dyn Sql) -> Result<FamilyBedRules> {
    Ok(crate::store::setting(sql, "family_bed_rules")?.unwrap_or_default())
}

/// Checks a request against the rules that need no database.
fn check_request(req: &PlanRequest) -> Result<()> {
    if req.items.is_empty() || req.items.len() > 21 {
        return Err(Error::invalid("plan items", "a plan has 1 to 21 weekly visits"));
    }
    if req.note.chars().count() > 500 {
        return Err(Error::invalid("note", "longer than 500 characters"));
    }
    if req.ends_on.is_some_and(|end| end < req.starts_on) {
        return Err(Error::invalid("ends on", "a plan cannot end before it starts"));
    }
    for (i, a) in req.items.iter().enumerate() {
        if a.duration_minutes.is_some_and(|m| !(15..=12 * 60).contains(&m)) {
            return Err(Error::invalid("duration", "must be 15 minutes to 12 hours"));
        }
        for b in &req.items[i + 1..] {
            if a.day == b.day && a.start == b.start {
                return Err(Error::invalid("plan items", format!("two visits start on {} at {}", a.day.code(), a.start.format("%H:%M"))));
            }
        }
    }
    Ok(())
}

/// The family-care-bed rules for a request, read in the transaction.
fn check_family_bed(sql: &dyn Sql, req: &PlanRequest) -> Result<()> {
    if req.kind != PlanKind::FamilyCareBed {
        return Ok(());
    }
    let rules = family_bed_rules_in(sql)?;
    for r in &rules.required {
        let n = req.items.iter().filter(|i| i.service == r.service).count() as u32;
        if n < r.per_week {
            return Err(Error::invalid(
                "family care bed",
                format!("needs at least {} {} visit(s) a week, the plan has {n}", r.per_week, r.service.code()),
            ));
        }
    }
    if let Some(min) = rules.min_level {
        match latest_assessment_in(sql, &req.senior_id)? {
            Some(a) if a.level >= min => {}
            Some(a) => return Err(Error::invalid("family care bed", format!("needs an assessment of {} or worse; the latest is {}", min.code(), a.level.code()))),
            None => return Err(Error::invalid("family care bed", format!("needs an assessment of {} or worse; there is none", min.code()))),
        }
    }
    Ok(())
}

/// Government-paid hours of a senior's bookings in a month that are planned or done.
fn committed_hours(sql: &dyn Sql, senior: &str, first: NaiveDate, next: NaiveDate) -> Result<f64> {
    let rows = sql.query(
        "SELECT start_at, end_at FROM booking WHERE senior_id = ?1 AND government_paid = 1 AND start_at >= ?2 AND start_at < ?3
           AND state NOT IN ('cancelled', 'expired', 'no_show')",
        args![senior, from_shanghai(first.and_time(NaiveTime::MIN)), from_shanghai(next.and_time(NaiveTime::MIN))],
    )?;
    let mut minutes = 0;
    for r in &rows {
        let (s, e): (DateTime<Utc>, DateTime<Utc>) = (r.get(0)?, r.get(1)?);
        minutes += (e - s).num_minutes();
    }
    Ok(minutes as f64 / 60.0)
}

fn month_of(d: NaiveDate) -> (i32, u32) {
    (d.year(), d.month())
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(chrono::Months::new(1)).expect("valid month")
}

/// How far ahead visits may be generated.
pub const MAX_DAYS_AHEAD: i64 = 62;

/// Through which day visits are generated when no day is given: the end (Sunday) of next week,
/// so a family sees the whole coming week from Monday on.
pub fn default_horizon(today: NaiveDate) -> NaiveDate {
    today + Duration::days(i64::from(6 - today.weekday().num_days_from_monday()) + 7)
}

impl CareCircle {
    /// Makes a care plan (visits are generated separately, week by week).
    pub fn create_plan(&self, actor: &Actor, req: &PlanRequest) -> Result<CarePlan> {
        self.create_plan_with_id(actor, &uuid::Uuid::new_v4().to_string(), req)
    }

    pub fn create_plan_with_id(&self, actor: &Actor, id: &str, req: &PlanRequest) -> Result<CarePlan> {
        self.write(|tx, em| {
            let plan = self.create_plan_in(tx, em, actor, id, req)?;
            em.record(actor, Command::CreatePlan { plan_id: id.to_string(), request: req.clone() });
            Ok(plan)
        })
    }

    pub(crate) fn create_plan_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, req: &PlanRequest) -> Result<CarePlan> {
        crate::sync::check_client_id("plan id", id)?;
        check_request(req)?;
        if req.starts_on < shanghai_date(em.at) {
            return Err(Error::invalid("starts on", "a plan cannot start in the past"));
        }
        self.check_regular_caregiver(req)?;
        let senior = senior_in(tx, &req.senior_id)?;
        may_act_for(tx, actor, &senior, |p| p.can_book, "make care plans")?;
        if tx.exists("SELECT 1 FROM care_plan WHERE id = ?1", args![id])? {
            return Err(Error::Duplicate { what: "care plan", id: id.to_string() });
        }
        let open: Option<String> =
            tx.one("SELECT id FROM care_plan WHERE senior_id = ?1 AND kind = ?2 AND state = 'active'", args![req.senior_id, req.kind.code()])?.map(|r| r.get(0)).transpose()?;
        if let Some(other) = open {
            return Err(Error::Duplicate { what: "active care plan of this kind", id: other });
        }
        for item in &req.items {
            terms_in(tx, item.service)?;
        }
        check_family_bed(tx, req)?;
        let plan = CarePlan {
            id: id.to_string(),
            senior_id: req.senior_id.clone(),
            kind: req.kind,
            items: req.items.clone(),
            regular_caregiver_id: req.regular_caregiver_id.clone(),
            over_quota: req.over_quota,
            starts_on: req.starts_on,
            ends_on: req.ends_on,
            state: PlanState::Active,
            generated_through: None,
            note: req.note.clone(),
            created_by: actor.label(),
            created_at: em.at,
            updated_at: em.at,
        };
        save_plan(tx, &plan)?;
        em.emit(tx, EventKind::PlanCreated, &plan.id, &plan.senior_id, plan.regular_caregiver_id.as_deref(), format!("kind={} items={}", plan.kind.code(), plan.items.len()))?;
        Ok(plan)
    }

    fn check_regular_caregiver(&self, req: &PlanRequest) -> Result<()> {
        if let Some(c) = &req.regular_caregiver_id {
            let c = self.caregiver(c)?;
            if !req.items.iter().any(|i| c.skills.contains(i.service)) {
                return Err(Error::invalid("regular caregiver", format!("caregiver {} offers none of the plan's services", c.id)));
            }
        }
        Ok(())
    }

    /// Changes a plan's visits, regular caregiver, quota setting or end. Visits already generated
    /// and not yet started are cancelled and generated again under the new plan.
    pub fn change_plan(&self, actor: &Actor, plan_id: &str, req: &PlanRequest) -> Result<CarePlan> {
        self.write(|tx, em| {
            let plan = self.change_plan_in(tx, em, actor, plan_id, req)?;
            em.record(actor, Command::ChangePlan { plan_id: plan_id.to_string(), request: req.clone() });
            Ok(plan)
        })
    }

    pub(crate) fn change_plan_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, plan_id: &str, req: &PlanRequest) -> Result<CarePlan> {
        check_request(req)?;
        self.check_regular_caregiver(req)?;
        let holidays = holidays_in(tx)?;
        let mut plan = plan_in(tx, plan_id)?;
        let senior = senior_in(tx, &plan.senior_id)?;
        may_act_for(tx, actor, &senior, |p| p.can_book, "change care plans")?;
        if plan.state != PlanState::Active {
            return Err(Error::InvalidStateChange { what: "care plan", id: plan.id.clone(), from: plan.state.code().into(), action: "changed".into() });
        }
        if req.senior_id != plan.senior_id || req.kind != plan.kind {
            return Err(Error::invalid("care plan", "a plan's senior and kind cannot change; end it and make another"));
        }
        for item in &req.items {
            terms_in(tx, item.service)?;
        }
        check_family_bed(tx, req)?;
        let regenerate_through = plan.generated_through;
        self.withdraw_future_in(tx, em, actor, &plan, "care plan changed")?;
        plan = plan_in(tx, plan_id)?;
        plan.items = req.items.clone();
        plan.regular_caregiver_id = req.regular_caregiver_id.clone();
        plan.over_quota = req.over_quota;
        plan.starts_on = req.starts_on;
        plan.ends_on = req.ends_on;
        plan.note = req.note.clone();
        plan.updated_at = em.at;
        save_plan(tx, &plan)?;
        em.emit(tx, EventKind::PlanChanged, &plan.id, &plan.senior_id, plan.regular_caregiver_id.as_deref(), format!("items={}", plan.items.len()))?;
        // A phone leaves generation to the platform: visits it made here would never travel.
        if let Some(through) = regenerate_through.filter(|t| *t >= shanghai_date(em.at) && !self.replica.get()) {
            self.generate_in(tx, em, &mut plan, &senior, through, &holidays)?;
        }
        plan_in(tx, plan_id)
    }

    /// Cancels a plan's generated visits that have not started and forgets their occurrences,
    /// so that generation starts again from today.
    fn withdraw_future_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, plan: &CarePlan, reason: &str) -> Result<()> {
        let rows = tx.query(
            "SELECT o.booking_id FROM plan_occurrence o JOIN booking b ON b.id = o.booking_id
             WHERE o.plan_id = ?1 AND b.start_at > ?2 AND b.state IN ('requested', 'offered', 'declined', 'accepted')",
            args![plan.id, em.at],
        )?;
        for r in &rows {
            let id: String = r.get(0)?;
            self.cancel_booking_in(tx, em, actor, &id, reason)?;
            tx.execute("DELETE FROM plan_occurrence WHERE booking_id = ?1", args![id])?;
        }
        let today = shanghai_date(em.at);
        tx.execute("DELETE FROM plan_occurrence WHERE plan_id = ?1 AND booking_id IS NULL AND date >= ?2", args![plan.id, today.to_string()])?;
        let yesterday = today.pred_opt().expect("valid date");
        tx.execute(
            "UPDATE care_plan SET generated_through = ?2 WHERE id = ?1 AND generated_through > ?2",
            args![plan.id, yesterday.to_string()],
        )?;
        Ok(())
    }

    /// Ends a plan today; its visits not yet started are cancelled.
    pub fn end_plan(&self, actor: &Actor, plan_id: &str, reason: &str) -> Result<CarePlan> {
        self.write(|tx, em| {
            let plan = self.end_plan_in(tx, em, actor, plan_id, reason)?;
            em.record(actor, Command::EndPlan { plan_id: plan_id.to_string(), reason: reason.to_string() });
            Ok(plan)
        })
    }

    pub(crate) fn end_plan_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, plan_id: &str, reason: &str) -> Result<CarePlan> {
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "say why the plan ends (at most 500 characters)"));
        }
        let mut plan = plan_in(tx, plan_id)?;
        let senior = senior_in(tx, &plan.senior_id)?;
        may_act_for(tx, actor, &senior, |p| p.can_book, "end care plans")?;
        if plan.state != PlanState::Active {
            return Err(Error::InvalidStateChange { what: "care plan", id: plan.id.clone(), from: plan.state.code().into(), action: "ended".into() });
        }
        self.withdraw_future_in(tx, em, actor, &plan, &format!("care plan ended: {reason}"))?;
        plan = plan_in(tx, plan_id)?;
        let today = shanghai_date(em.at);
        plan.state = PlanState::Ended;
        plan.ends_on = Some(plan.ends_on.map_or(today, |e| e.min(today)).max(plan.starts_on.pred_opt().expect("valid date")));
        plan.updated_at = em.at;
        save_plan(tx, &plan)?;
        em.emit(tx, EventKind::PlanEnded, &plan.id, &plan.senior_id, None, "")?;
        Ok(plan)
    }

    /// A plan, for those who may see the senior's visits.
    pub fn plan(&self, actor: &Actor, plan_id: &str) -> Result<CarePlan> {
        self.store.read(|sql| {
            let plan = plan_in(sql, plan_id)?;
            may_act_for(sql, actor, &senior_in(sql, &plan.senior_id)?, |p| p.can_see_visits || p.can_book, "see care plans")
                .map_err(|_| Error::not_found("care plan", truncate(plan_id, 64)))?;
            Ok(plan)
        })
    }

    pub fn plans_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<CarePlan>> {
        self.store.read(|sql| {
            may_act_for(sql, actor, &senior_in(sql, senior_id)?, |p| p.can_see_visits || p.can_book, "see care plans")?;
            sql.query(&format!("SELECT {PLAN_COLUMNS} FROM care_plan WHERE senior_id = ?1 ORDER BY created_at, id"), args![senior_id])?.iter().map(plan_from_row).collect()
        })
    }

    /// A plan's occurrences so far, with their bookings' states, in date order.
    pub fn plan_occurrences(&self, actor: &Actor, plan_id: &str) -> Result<Vec<PlanOccurrence>> {
        let plan = self.plan(actor, plan_id)?;
        self.store.read(|sql| occurrences_in(sql, &plan))
    }

    /// Generates a plan's visits from the day after the last generated one through `through`
    /// (at most [`MAX_DAYS_AHEAD`] days ahead). Occurrences already past are not generated.
    pub fn generate_plan_visits(&self, actor: &Actor, plan_id: &str, through: NaiveDate) -> Result<Generated> {
        if self.replica.get() {
            return Err(Error::Forbidden("a plan's visits are generated by the platform; sync to see them".into()));
        }
        let holidays = self.store.read(holidays_in)?;
        self.write(|tx, em| {
            let mut plan = plan_in(tx, plan_id)?;
            let senior = senior_in(tx, &plan.senior_id)?;
            may_act_for(tx, actor, &senior, |p| p.can_book, "generate care plan visits")?;
            if plan.state != PlanState::Active {
                return Err(Error::InvalidStateChange { what: "care plan", id: plan.id.clone(), from: plan.state.code().into(), action: "generated".into() });
            }
            self.generate_in(tx, em, &mut plan, &senior, through, &holidays)
        })
    }

    /// The weekly job: generates every active plan's visits through `through`, one transaction per plan.
    pub fn generate_all_plans(&self, through: NaiveDate) -> Result<Vec<Generated>> {
        let ids: Vec<String> = self.store.read(|sql| {
            sql.query("SELECT id FROM care_plan WHERE state = 'active' AND (generated_through IS NULL OR generated_through < ?1) ORDER BY id", args![through.to_string()])?
                .iter()
                .map(|r| r.get(0))
                .collect()
        })?;
        ids.iter().map(|id| self.generate_plan_visits(&Actor::System, id, through)).collect()
    }

    fn generate_in(&self, tx: &dyn Sql, em: &mut Emitter, plan: &mut CarePlan, senior: &Senior, through: NaiveDate, holidays: &HolidayCalendar) -> Result<Generated> {
        let today = shanghai_date(em.at);
        if through > today + Duration::days(MAX_DAYS_AHEAD) {
            return Err(Error::invalid("through", format!("visits are generated at most {MAX_DAYS_AHEAD} days ahead")));
        }
        let through = plan.ends_on.map_or(through, |e| e.min(through));
        let from = plan.generated_through.map_or(plan.starts_on, |g| g.succ_opt().expect("valid date")).max(plan.starts_on);
        let holiday: HashSet<NaiveDate> = holidays.dates.iter().copied().collect();
        // Quota left per month, read once per month and kept current as visits are generated.
        let mut left: HashMap<(i32, u32), f64> = HashMap::new();
        let mut out = Vec::new();
        let mut date = from;
        while date <= through {
            for (i, item) in plan.items.iter().enumerate().filter(|(_, it)| it.day == Weekday::of(date)) {
                let start = from_shanghai(date.and_time(item.start));
                if start <= em.at || tx.exists("SELECT 1 FROM plan_occurrence WHERE plan_id = ?1 AND date = ?2 AND item = ?3", args![plan.id, date.to_string(), i as i64])? {
                    continue;
                }
                let mut occ = PlanOccurrence {
                    plan_id: plan.id.clone(),
                    date,
                    item: i as u32,
                    service: item.service,
                    start,
                    outcome: Outcome::Booked,
                    booking_id: None,
                    booking_state: None,
                    caregiver_id: None,
                };
                let terms = terms_in(tx, item.service)?;
                let minutes = item.duration_minutes.unwrap_or(terms.duration_minutes);
                if holiday.contains(&date) {
                    occ.outcome = Outcome::SkippedHoliday;
                } else if terms.government_paid {
                    let month = month_of(date);
                    let remaining = match left.entry(month) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let first = NaiveDate::from_ymd_opt(month.0, month.1, 1).expect("valid month");
                            let quota = crate::entitlement::quota_hours_in(tx, senior, month.0, month.1)?;
                            e.insert(quota - committed_hours(tx, &senior.id, first, next_month(first))?)
                        }
                    };
                    let hours = f64::from(minutes) / 60.0;
                    if hours <= *remaining + 1e-9 {
                        *remaining -= hours;
                    } else {
                        occ.outcome = match plan.over_quota {
                            OverQuota::SelfPaid => Outcome::SelfPaid,
                            OverQuota::Skip => Outcome::SkippedQuota,
                        };
                    }
                }
                if matches!(occ.outcome, Outcome::Booked | Outcome::SelfPaid) {
                    let b = self.book_occurrence_in(tx, em, plan, senior, item, start, minutes, occ.outcome == Outcome::SelfPaid)?;
                    occ.booking_id = Some(b.id.clone());
                    occ.booking_state = Some(b.state);
                } else {
                    em.emit(tx, EventKind::PlanVisitSkipped, &plan.id, &plan.senior_id, None, format!("date={date} service={} outcome={}", item.service.code(), occ.outcome.code()))?;
                }
                tx.execute(
                    "INSERT INTO plan_occurrence (plan_id, date, item, outcome, booking_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                    args![plan.id, date.to_string(), i as i64, occ.outcome.code(), occ.booking_id],
                )?;
                out.push(occ);
            }
            date = date.succ_opt().expect("valid date");
        }
        if through >= from {
            plan.generated_through = Some(through);
            plan.updated_at = em.at;
            tx.execute("UPDATE care_plan SET generated_through = ?2, updated_at = ?3 WHERE id = ?1", args![plan.id, through.to_string(), em.at])?;
        }
        for o in &mut out {
            if let Some(id) = &o.booking_id {
                let b = booking_in(tx, id)?;
                o.booking_state = Some(b.state);
                o.caregiver_id = first_open_or_assigned(tx, &b)?;
            }
        }
        Ok(Generated { plan_id: plan.id.clone(), through, occurrences: out })
    }

    /// Books one occurrence and offers it: to the regular caregiver alone if they can take it,
    /// otherwise to the nearest qualified free caregivers.
    #[allow(clippy::too_many_arguments)]
    fn book_occurrence_in(&self, tx: &dyn Sql, em: &mut Emitter, plan: &CarePlan, senior: &Senior, item: &PlanItem, start: DateTime<Utc>, minutes: u32, self_paid: bool) -> Result<Booking> {
        let req = BookingRequest { senior_id: senior.id.clone(), service: item.service, start, duration_minutes: Some(minutes), note: format!("care plan {}", plan.id) };
        let mut b = self.create_booking_in(tx, em, &Actor::System, &uuid::Uuid::new_v4().to_string(), &req)?;
        if self_paid {
            tx.execute("UPDATE booking SET government_paid = 0 WHERE id = ?1", args![b.id])?;
            b.government_paid = false;
        }
        let first = match &plan.regular_caregiver_id {
            Some(regular) => self.offer_matching_in(tx, em, b.clone(), senior, 1, &|c| c.id == *regular),
            None => Err(Error::NoCaregiverAvailable { booking: b.id.clone() }),
        };
        match first {
            Ok(_) => {}
            Err(Error::NoCaregiverAvailable { .. }) => match self.offer_in(tx, em, b.clone(), senior) {
                Ok(_) | Err(Error::NoCaregiverAvailable { .. }) => {}
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
        booking_in(tx, &b.id)
    }

    /// The holiday calendar plans skip.
    pub fn holidays(&self) -> Result<HolidayCalendar> {
        self.store.read(holidays_in)
    }

    /// Replaces the holiday calendar (the district's administrators).
    pub fn set_holidays(&self, actor: &Actor, cal: &HolidayCalendar) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not set the holiday calendar", actor.label())));
        }
        if cal.dates.len() > 400 || cal.source.chars().count() > 200 {
            return Err(Error::invalid("holidays", "at most 400 dates and a 200-character source"));
        }
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "holidays", cal))
    }

    pub fn family_bed_rules(&self) -> Result<FamilyBedRules> {
        self.store.read(family_bed_rules_in)
    }

    pub fn set_family_bed_rules(&self, actor: &Actor, rules: &FamilyBedRules) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not set the family care bed rules", actor.label())));
        }
        if rules.required.iter().any(|r| r.per_week > 21) {
            return Err(Error::invalid("family care bed", "at most 21 visits a week"));
        }
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "family_bed_rules", rules))
    }

    /// Marks a caregiver absent from `from` to `to` (Shanghai dates, inclusive): the caregiver,
    /// their station or the district. Visits the caregiver accepted or was offered in that time are
    /// taken back and offered to the next nearest qualified free caregivers; matching skips them.
    pub fn mark_absent(&self, actor: &Actor, caregiver_id: &str, from: NaiveDate, to: NaiveDate, reason: &str) -> Result<Absence> {
        let caregiver = self.caregiver(caregiver_id)?;
        let allowed = match actor {
            Actor::Caregiver(me) => *me == caregiver.id,
            Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => self.runs_station_of(actor, &caregiver.id),
            _ => false,
        };
        if !allowed {
            return Err(Error::Forbidden(format!("{} may not mark caregiver {} absent", actor.label(), caregiver.id)));
        }
        if to < from || (to - from).num_days() > 366 {
            return Err(Error::invalid("absence", "from must not be after to, and at most a year apart"));
        }
        if reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "longer than 500 characters"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            tx.execute(
                "INSERT INTO caregiver_absence (id, caregiver_id, from_date, to_date, reason, recorded_by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![id, caregiver.id, from.to_string(), to.to_string(), reason, actor.label(), em.at],
            )?;
            em.emit(tx, EventKind::CaregiverAbsent, &id, "", Some(&caregiver.id), format!("from={from} to={to}"))?;
            let (start, end) = (from_shanghai(from.and_time(NaiveTime::MIN)), from_shanghai((to + Duration::days(1)).and_time(NaiveTime::MIN)));
            let rows = tx.query(
                "SELECT DISTINCT b.id, b.start_at FROM booking b JOIN offer o ON o.booking_id = b.id
                 WHERE o.caregiver_id = ?1 AND b.start_at >= ?2 AND b.start_at < ?3 AND b.start_at > ?4
                   AND ((b.state = 'accepted' AND b.caregiver_id = ?1) OR (b.state = 'offered' AND o.status = 'open'))
                 ORDER BY b.start_at, b.id",
                args![caregiver.id, start, end, em.at],
            )?;
            let mut reoffered = Vec::new();
            for r in &rows {
                let mut b = booking_in(tx, &r.get::<String>(0)?)?;
                tx.execute("UPDATE offer SET status = 'withdrawn' WHERE booking_id = ?1 AND caregiver_id = ?2", args![b.id, caregiver.id])?;
                let open: i64 = tx.scalar("SELECT COUNT(*) FROM offer WHERE booking_id = ?1 AND status = 'open'", args![b.id])?;
                if b.state == BookingState::Accepted {
                    b.state = transition(&b, BookingAction::Withdraw)?;
                    b.caregiver_id = None;
                } else if open == 0 {
                    b.state = transition(&b, BookingAction::Decline)?;
                } else {
                    continue;
                }
                b.reason = Some("caregiver absent".into());
                b.updated_at = em.at;
                save_state(tx, &b)?;
                em.emit(tx, EventKind::BookingWithdrawn, &b.id, &b.senior_id, Some(&caregiver.id), "caregiver_absent")?;
                let senior = senior_in(tx, &b.senior_id)?;
                match self.offer_in(tx, em, b.clone(), &senior) {
                    Ok(_) | Err(Error::NoCaregiverAvailable { .. }) => {}
                    Err(e) => return Err(e),
                }
                reoffered.push(b.id);
            }
            Ok(Absence { id: id.clone(), caregiver_id: caregiver.id.clone(), from, to, reason: reason.into(), recorded_by: actor.label(), reoffered })
        })
    }
}

/// The caregiver a visit is with: assigned, else the nearest with an open offer.
fn first_open_or_assigned(sql: &dyn Sql, b: &Booking) -> Result<Option<String>> {
    if b.caregiver_id.is_some() {
        return Ok(b.caregiver_id.clone());
    }
    sql.one("SELECT caregiver_id FROM offer WHERE booking_id = ?1 AND status = 'open' ORDER BY distance_m, caregiver_id LIMIT 1", args![b.id])?.map(|r| r.get(0)).transpose()
}

fn occurrences_in(sql: &dyn Sql, plan: &CarePlan) -> Result<Vec<PlanOccurrence>> {
    let rows = sql.query(
        "SELECT o.date, o.item, o.outcome, o.booking_id, b.state,
                COALESCE(b.caregiver_id, (SELECT f.caregiver_id FROM offer f WHERE f.booking_id = b.id AND f.status = 'open' ORDER BY f.distance_m, f.caregiver_id LIMIT 1)),
                b.start_at
         FROM plan_occurrence o LEFT JOIN booking b ON b.id = o.booking_id
         WHERE o.plan_id = ?1 ORDER BY o.date, o.item",
        args![plan.id],
    )?;
    rows.iter()
        .map(|r| {
            let date = crate::clock::parse_date(&r.get::<String>(0)?)?;
            let item = r.get::<i64>(1)? as u32;
            let it = plan.items.get(item as usize);
            let start: Option<DateTime<Utc>> = r.get(6)?;
            Ok(PlanOccurrence {
                plan_id: plan.id.clone(),
                date,
                item,
                service: it.map_or(Service::Cleaning, |i| i.service),
                start: start.unwrap_or_else(|| from_shanghai(date.and_time(it.map_or(NaiveTime::MIN, |i| i.start)))),
                outcome: r.get::<String>(2)?.parse()?,
                booking_id: r.get(3)?,
                booking_state: r.get::<Option<String>>(4)?.as_deref().map(BookingState::parse).transpose()?,
                caregiver_id: r.get(5)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_parse_one_per_day() {
        let items = parse_plan_items("cleaning mon,thu 09:00 120; bathing sat 10:00").unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!((items[1].service, items[1].day, items[1].duration_minutes), (Service::Cleaning, Weekday::Thu, Some(120)));
        assert_eq!((items[2].day, items[2].duration_minutes), (Weekday::Sat, None));
        assert!(parse_plan_items("cleaning someday 09:00").is_err());
        assert!(parse_plan_items("cleaning mon 9h").is_err());
    }

    #[test]
    fn the_default_calendar_is_2026s_33_statutory_days_off() {
        let cal = HolidayCalendar::default();
        assert_eq!(cal.dates.len(), 33);
        let d = |s: &str| crate::clock::parse_date(s).unwrap();
        for day in ["2026-01-01", "2026-02-15", "2026-02-23", "2026-04-06", "2026-05-05", "2026-06-19", "2026-09-27", "2026-10-07"] {
            assert!(cal.dates.contains(&d(day)), "{day}");
        }
        for day in ["2026-01-04", "2026-02-24", "2026-10-08", "2026-10-10"] {
            assert!(!cal.dates.contains(&d(day)), "{day}");
        }
    }
}
