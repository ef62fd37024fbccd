//! Subsidy applications (涉老补助申请): a senior, or a family member allowed to book, applies for
//! a service, meal or device-rental subsidy with the latest capability assessment attached; the
//! senior's station reviews (recommends it, or returns it for changes); the district approves or
//! refuses it, saying why. Every step is kept with who took it and when (`subsidy_step`, and an
//! event).
//!
//! ```text
//! (new) --apply--> submitted --recommend (station)--> recommended --approve (district)--> approved
//!                  |   ^                                    \--refuse (district)--> refused
//!      return (station) | resubmit (applicant)
//!                  v   |
//!                 returned                  submitted | returned --withdraw (applicant)--> withdrawn
//! ```
//! Every step goes through [`next_state`] and [`may_take`]; a step the machine does not draw is
//! [`Error::InvalidStateChange`], a step by the wrong person is [`Error::Forbidden`].
//!
//! An approved subsidy is valid for [`SubsidyTerms::months_valid`] months from the day it is
//! approved and flows into prices and statements: a service subsidy adds hours to the monthly
//! quota of government-paid hours (`entitlement`), a meal subsidy adds to the per-meal subsidy
//! (`meal`), a rental subsidy waives the deposit and a share of the daily fee (`rental`).

use crate::args;
use crate::assessment::{CapabilityLevel, latest_assessment_in};
use crate::carecircle::CareCircle;
use crate::clock::shanghai_date;
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::sync::Command;
use crate::facility::truncate;
use crate::person::{Actor, Senior, family_links_in, may_act_for, senior_in};
use crate::facility::codes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyKind {
    /// More government-paid home-visit hours a month.
    Service,
    /// More subsidy per meal.
    Meal,
    /// Assistive-device rental: deposit waived, part of the daily fee paid.
    DeviceRental,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyState {
    Submitted,
    Recommended,
    Returned,
    Approved,
    Refused,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyAction {
    Apply,
    Recommend,
    Return,
    Resubmit,
    Approve,
    Refuse,
    Withdraw,
}

codes!(SubsidyKind, "subsidy kind", Service = "service", Meal = "meal", DeviceRental = "device_rental");
codes!(SubsidyState, "subsidy state", Submitted = "submitted", Recommended = "recommended", Returned = "returned", Approved = "approved", Refused = "refused", Withdrawn = "withdrawn");
codes!(SubsidyAction, "subsidy action", Apply = "apply", Recommend = "recommend", Return = "return", Resubmit = "resubmit", Approve = "approve", Refuse = "refuse", Withdraw = "withdraw");

impl SubsidyState {
    pub const ALL: [SubsidyState; 6] =
        [SubsidyState::Submitted, SubsidyState::Recommended, SubsidyState::Returned, SubsidyState::Approved, SubsidyState::Refused, SubsidyState::Withdrawn];
}

impl SubsidyAction {
    pub const ALL: [SubsidyAction; 7] =
        [SubsidyAction::Apply, SubsidyAction::Recommend, SubsidyAction::Return, SubsidyAction::Resubmit, SubsidyAction::Approve, SubsidyAction::Refuse, SubsidyAction::Withdraw];
    pub fn past_tense(self) -> &'static str {
        match self {
            SubsidyAction::Apply => "applied for",
            SubsidyAction::Recommend => "recommended",
            SubsidyAction::Return => "returned",
            SubsidyAction::Resubmit => "resubmitted",
            SubsidyAction::Approve => "approved",
            SubsidyAction::Refuse => "refused",
            SubsidyAction::Withdraw => "withdrawn",
        }
    }
    fn event(self) -> EventKind {
        match self {
            SubsidyAction::Apply => EventKind::SubsidyApplied,
            SubsidyAction::Recommend => EventKind::SubsidyRecommended,
            SubsidyAction::Return => EventKind::SubsidyReturned,
            SubsidyAction::Resubmit => EventKind::SubsidyResubmitted,
            SubsidyAction::Approve => EventKind::SubsidyApproved,
            SubsidyAction::Refuse => EventKind::SubsidyRefused,
            SubsidyAction::Withdraw => EventKind::SubsidyWithdrawn,
        }
    }
    /// Steps that must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, SubsidyAction::Return | SubsidyAction::Refuse)
    }
}

/// The transition table (`None` as `from`: not yet applied).
pub fn next_state(from: Option<SubsidyState>, action: SubsidyAction) -> Option<SubsidyState> {
    use SubsidyAction as A;
    use SubsidyState as S;
    match (from, action) {
        (None, A::Apply) => Some(S::Submitted),
        (Some(S::Submitted), A::Recommend) => Some(S::Recommended),
        (Some(S::Submitted), A::Return) => Some(S::Returned),
        (Some(S::Returned), A::Resubmit) => Some(S::Submitted),
        (Some(S::Recommended), A::Approve) => Some(S::Approved),
        (Some(S::Recommended), A::Refuse) => Some(S::Refused),
        (Some(S::Submitted | S::Returned), A::Withdraw) => Some(S::Withdrawn),
        _ => None,
    }
}

/// Who takes each step: the applicant's side applies, resubmits and withdraws (the senior, or a
/// family member allowed to book); the senior's station recommends or returns; the district
/// approves or refuses.
pub(crate) fn may_take(sql: &dyn Sql, actor: &Actor, action: SubsidyAction, senior: &Senior) -> Result<()> {
    use SubsidyAction as A;
    let allowed = match (action, actor) {
        (A::Apply | A::Resubmit | A::Withdraw, Actor::Senior(id)) => *id == senior.id,
        (A::Apply | A::Resubmit | A::Withdraw, Actor::Family(id)) => family_links_in(sql, &senior.id)?.iter().any(|l| l.family_id == *id && l.permissions.can_book && l.permissions.sees_money),
        (A::Recommend | A::Return, Actor::Operator(_) | Actor::Township(_)) => crate::person::oversees(actor, senior),
        (A::Approve | A::Refuse, Actor::District) => true,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("{} may not make a subsidy application {} for senior {}", actor.label(), action.past_tense(), senior.id)))
    }
}

/// What an approved subsidy grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsidyGrant {
    /// Service: hours added to each month's quota.
    pub monthly_hours: f64,
    /// Meal: fen added to the subsidy of each meal.
    pub meal_fen: u32,
    /// Device rental: no deposit.
    pub deposit_waived: bool,
    /// Device rental: share of the daily fee the subsidy pays (0 to 1).
    pub fee_share: f64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// What the district grants on approval (setting `subsidy_terms`). Defaults: 10 more hours a month,
/// 3 yuan more per meal, deposit waived and half the daily fee, valid 12 months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsidyTerms {
    pub service_hours: f64,
    pub meal_fen: u32,
    pub rental_deposit_waived: bool,
    pub rental_fee_share: f64,
    pub months_valid: u32,
}

impl Default for SubsidyTerms {
    fn default() -> Self {
        SubsidyTerms { service_hours: 10.0, meal_fen: 300, rental_deposit_waived: true, rental_fee_share: 0.5, months_valid: 12 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub applied_at: DateTime<Utc>,
    /// Set when approved.
    pub grant: Option<SubsidyGrant>,
    /// Why it was last returned or refused.
    pub reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsidyStep {
    pub n: u32,
    pub action: SubsidyAction,
    pub from: Option<SubsidyState>,
    pub to: SubsidyState,
    /// "family:F1", "operator:ZH-CS-001", "district".
    pub actor: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

const COLUMNS: &str = "id, senior_id, kind, assessment_id, assessment_level, note, state, applied_by, applied_at, \
     monthly_hours, meal_fen, deposit_waived, fee_share, valid_from, valid_until, reason, updated_at";

fn application_from_row(r: &Row) -> Result<SubsidyApplication> {
    let valid_from: Option<String> = r.get(13)?;
    let grant = match valid_from {
        Some(from) => Some(SubsidyGrant {
            monthly_hours: r.get::<Option<f64>>(9)?.unwrap_or(0.0),
            meal_fen: r.get::<Option<u32>>(10)?.unwrap_or(0),
            deposit_waived: r.get::<Option<bool>>(11)?.unwrap_or(false),
            fee_share: r.get::<Option<f64>>(12)?.unwrap_or(0.0),
            valid_from: crate::clock::parse_date(&from)?,
            valid_until: crate::clock::parse_date(&r.get::<String>(14)?)?,
        }),
        None => None,
    };
    Ok(SubsidyApplication {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        kind: r.get::<String>(2)?.parse()?,
        assessment_id: r.get(3)?,
        assessment_level: r.get::<Option<String>>(4)?.as_deref().map(str::parse).transpose()?,
        note: r.get(5)?,
        state: r.get::<String>(6)?.parse()?,
        applied_by: r.get(7)?,
        applied_at: r.get(8)?,
        grant,
        reason: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

fn application_in(sql: &dyn Sql, id: &str) -> Result<SubsidyApplication> {
    application_from_row(
        &sql.one(&format!("SELECT {COLUMNS} FROM subsidy_application WHERE id = ?1"), args![id])?.ok_or_else(|| Error::not_found("subsidy application", truncate(id, 64)))?,
    )
}

fn terms_in(sql: &dyn Sql) -> Result<SubsidyTerms> {
    Ok(crate::store::setting(sql, "subsidy_terms")?.unwrap_or_default())
}

fn record_step(tx: &dyn Sql, em: &mut Emitter, a: &SubsidyApplication, action: SubsidyAction, from: Option<SubsidyState>, actor: &Actor, reason: &str) -> Result<()> {
    let n: i64 = tx.scalar("SELECT COUNT(*) FROM subsidy_step WHERE application_id = ?1", args![a.id])?;
    tx.execute(
        "INSERT INTO subsidy_step (application_id, n, action, from_state, to_state, actor, at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![a.id, n + 1, action.code(), from.map(SubsidyState::code), a.state.code(), actor.label(), em.at, reason],
    )?;
    let party = match actor {
        Actor::Family(id) | Actor::Operator(id) | Actor::Township(id) => Some(id.as_str()),
        _ => None,
    };
    em.emit(tx, action.event(), &a.id, &a.senior_id, party, format!("kind={} state={}", a.kind.code(), a.state.code()))
}

/// Hours approved service subsidies add to a senior's quota in the month [first, next).
pub(crate) fn service_hours_in(sql: &dyn Sql, senior: &str, first: NaiveDate, next: NaiveDate) -> Result<f64> {
    Ok(service_hours(sql, Some(senior), first, next)?.remove(senior).unwrap_or(0.0))
}

/// As [`service_hours_in`], for every senior with such a subsidy.
pub(crate) fn service_hours_all(sql: &dyn Sql, first: NaiveDate, next: NaiveDate) -> Result<HashMap<String, f64>> {
    service_hours(sql, None, first, next)
}

fn service_hours(sql: &dyn Sql, senior: Option<&str>, first: NaiveDate, next: NaiveDate) -> Result<HashMap<String, f64>> {
    let rows = sql.query(
        "SELECT senior_id, monthly_hours FROM subsidy_application WHERE (CAST(?1 AS TEXT) IS NULL OR senior_id = ?1) AND kind = 'service' AND state = 'approved'
           AND valid_from < ?3 AND valid_until >= ?2",
        args![senior, first.to_string(), next.to_string()],
    )?;
    let mut out: HashMap<String, f64> = HashMap::new();
    for r in &rows {
        // Only one is valid at a time; should two overlap, the larger counts.
        let h: f64 = r.get::<Option<f64>>(1)?.unwrap_or(0.0);
        let e = out.entry(r.get(0)?).or_insert(0.0);
        *e = e.max(h);
    }
    Ok(out)
}

/// Fen an approved meal subsidy adds to each meal on `date`.
pub(crate) fn meal_fen_in(sql: &dyn Sql, senior: &str, date: NaiveDate) -> Result<u32> {
    let v: Option<i64> = sql.scalar(
        "SELECT MAX(meal_fen) FROM subsidy_application WHERE senior_id = ?1 AND kind = 'meal' AND state = 'approved' AND valid_from <= ?2 AND valid_until >= ?2",
        args![senior, date.to_string()],
    )?;
    Ok(v.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32)
}

/// What an approved rental subsidy relieves on `date`: (deposit waived, share of the daily fee paid).
pub(crate) fn rental_relief_in(sql: &dyn Sql, senior: &str, date: NaiveDate) -> Result<Option<(bool, f64)>> {
    let row = sql.one(
        "SELECT deposit_waived, fee_share FROM subsidy_application WHERE senior_id = ?1 AND kind = 'device_rental' AND state = 'approved'
           AND valid_from <= ?2 AND valid_until >= ?2 ORDER BY fee_share DESC LIMIT 1",
        args![senior, date.to_string()],
    )?;
    row.map(|r| Ok((r.get::<Option<bool>>(0)?.unwrap_or(false), r.get::<Option<f64>>(1)?.unwrap_or(0.0).clamp(0.0, 1.0)))).transpose()
}

impl CareCircle {
    /// The senior or a family member allowed to book applies; the latest assessment is attached.
    pub fn apply_for_subsidy(&self, actor: &Actor, senior_id: &str, kind: SubsidyKind, note: &str) -> Result<SubsidyApplication> {
        self.apply_for_subsidy_with_id(actor, &uuid::Uuid::new_v4().to_string(), senior_id, kind, note)
    }

    /// As [`CareCircle::apply_for_subsidy`], with the id chosen by the caller (a phone, offline).
    pub fn apply_for_subsidy_with_id(&self, actor: &Actor, id: &str, senior_id: &str, kind: SubsidyKind, note: &str) -> Result<SubsidyApplication> {
        self.write(|tx, em| {
            let a = apply_in(tx, em, actor, id, senior_id, kind, note)?;
            em.record(actor, Command::ApplyForSubsidy { application_id: id.to_string(), senior_id: senior_id.to_string(), kind, note: note.to_string() });
            Ok(a)
        })
    }
}

pub(crate) fn apply_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, kind: SubsidyKind, note: &str) -> Result<SubsidyApplication> {
    if note.chars().count() > 500 {
        return Err(Error::invalid("note", "longer than 500 characters"));
    }
    crate::sync::check_client_id("application id", id)?;
    if tx.exists("SELECT 1 FROM subsidy_application WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "subsidy application", id: id.to_string() });
    }
    {
        {
            let senior = senior_in(tx, senior_id)?;
            may_take(tx, actor, SubsidyAction::Apply, &senior)?;
            let open: Option<String> = tx
                .one(
                    "SELECT id FROM subsidy_application WHERE senior_id = ?1 AND kind = ?2
                       AND (state IN ('submitted', 'recommended', 'returned') OR (state = 'approved' AND valid_until >= ?3))",
                    args![senior_id, kind.code(), shanghai_date(em.at).to_string()],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if let Some(other) = open {
                return Err(Error::Duplicate { what: "open or valid subsidy application of this kind", id: other });
            }
            let assessment = latest_assessment_in(tx, senior_id)?
                .ok_or_else(|| Error::invalid("assessment", "a capability assessment is needed before applying; ask the station for one"))?;
            let a = SubsidyApplication {
                id: id.to_string(),
                senior_id: senior_id.to_string(),
                kind,
                assessment_id: Some(assessment.id.clone()),
                assessment_level: Some(assessment.level),
                note: note.to_string(),
                state: next_state(None, SubsidyAction::Apply).expect("drawn"),
                applied_by: actor.label(),
                applied_at: em.at,
                grant: None,
                reason: None,
                updated_at: em.at,
            };
            tx.execute(
                &format!("INSERT INTO subsidy_application ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ?9)"),
                args![a.id, a.senior_id, kind.code(), a.assessment_id, assessment.level.code(), a.note, a.state.code(), a.applied_by, a.applied_at],
            )?;
            record_step(tx, em, &a, SubsidyAction::Apply, None, actor, "")?;
            Ok(a)
        }
    }
}

impl CareCircle {

    /// The station recommends the application to the district.
    pub fn recommend_subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Recommend, "")
    }

    /// The station sends the application back to the applicant, saying what is missing.
    pub fn return_subsidy(&self, actor: &Actor, id: &str, reason: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Return, reason)
    }

    /// The applicant sends a returned application again.
    pub fn resubmit_subsidy(&self, actor: &Actor, id: &str, note: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Resubmit, note)
    }

    /// The district approves a recommended application; the grant follows the district's terms.
    pub fn approve_subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Approve, "")
    }

    /// The district refuses a recommended application, saying why.
    pub fn refuse_subsidy(&self, actor: &Actor, id: &str, reason: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Refuse, reason)
    }

    /// The applicant withdraws an application not yet with the district.
    pub fn withdraw_subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        self.subsidy_step(actor, id, SubsidyAction::Withdraw, "")
    }

    fn subsidy_step(&self, actor: &Actor, id: &str, action: SubsidyAction, reason: &str) -> Result<SubsidyApplication> {
        self.write(|tx, em| {
            let a = step_in(tx, em, actor, id, action, reason)?;
            em.record(actor, Command::SubsidyStep { application_id: id.to_string(), action, reason: reason.to_string() });
            Ok(a)
        })
    }
}

/// One step of an application after it is made (recommend, return, resubmit, approve, refuse, withdraw).
pub(crate) fn step_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, action: SubsidyAction, reason: &str) -> Result<SubsidyApplication> {
    {
        if reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "longer than 500 characters"));
        }
        if action.needs_reason() && reason.trim().is_empty() {
            return Err(Error::invalid("reason", format!("say why the application is {}", action.past_tense())));
        }
        {
            let mut a = application_in(tx, id)?;
            let senior = senior_in(tx, &a.senior_id)?;
            may_take(tx, actor, action, &senior)?;
            let from = a.state;
            a.state = next_state(Some(from), action).ok_or_else(|| Error::InvalidStateChange {
                what: "subsidy application",
                id: a.id.clone(),
                from: from.code().into(),
                action: action.past_tense().into(),
            })?;
            a.updated_at = em.at;
            if action.needs_reason() {
                a.reason = Some(reason.to_string());
            }
            if action == SubsidyAction::Resubmit && !reason.trim().is_empty() {
                a.note = reason.to_string();
            }
            if action == SubsidyAction::Approve {
                let terms = terms_in(tx)?;
                let from_day = shanghai_date(em.at);
                let until = from_day.checked_add_months(chrono::Months::new(terms.months_valid)).and_then(|d| d.pred_opt()).expect("valid date");
                a.grant = Some(match a.kind {
                    SubsidyKind::Service => SubsidyGrant { monthly_hours: terms.service_hours, meal_fen: 0, deposit_waived: false, fee_share: 0.0, valid_from: from_day, valid_until: until },
                    SubsidyKind::Meal => SubsidyGrant { monthly_hours: 0.0, meal_fen: terms.meal_fen, deposit_waived: false, fee_share: 0.0, valid_from: from_day, valid_until: until },
                    SubsidyKind::DeviceRental => SubsidyGrant {
                        monthly_hours: 0.0,
                        meal_fen: 0,
                        deposit_waived: terms.rental_deposit_waived,
                        fee_share: terms.rental_fee_share,
                        valid_from: from_day,
                        valid_until: until,
                    },
                });
            }
            let g = a.grant.clone();
            tx.execute(
                "UPDATE subsidy_application SET state = ?2, note = ?3, reason = ?4, monthly_hours = ?5, meal_fen = ?6, deposit_waived = ?7, fee_share = ?8,
                   valid_from = ?9, valid_until = ?10, updated_at = ?11 WHERE id = ?1",
                args![
                    a.id,
                    a.state.code(),
                    a.note,
                    a.reason,
                    g.as_ref().map(|g| g.monthly_hours),
                    g.as_ref().map(|g| g.meal_fen),
                    g.as_ref().map(|g| g.deposit_waived),
                    g.as_ref().map(|g| g.fee_share),
                    g.as_ref().map(|g| g.valid_from.to_string()),
                    g.as_ref().map(|g| g.valid_until.to_string()),
                    a.updated_at
                ],
            )?;
            record_step(tx, em, &a, action, Some(from), actor, reason)?;
            Ok(a)
        }
    }
}

impl CareCircle {

    /// An application, for the applicant's side, the senior's station and the district.
    pub fn subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        self.store.read(|sql| {
            let a = application_in(sql, id)?;
            sees(sql, actor, &a).map_err(|_| Error::not_found("subsidy application", truncate(id, 64)))?;
            Ok(a)
        })
    }

    /// Every step of an application, oldest first.
    pub fn subsidy_history(&self, actor: &Actor, id: &str) -> Result<Vec<SubsidyStep>> {
        self.subsidy(actor, id)?;
        let rows = self.store.read(|sql| {
            sql.query("SELECT n, action, from_state, to_state, actor, at, reason FROM subsidy_step WHERE application_id = ?1 ORDER BY n", args![id])
        })?;
        rows.iter()
            .map(|r| {
                Ok(SubsidyStep {
                    n: r.get(0)?,
                    action: r.get::<String>(1)?.parse()?,
                    from: r.get::<Option<String>>(2)?.as_deref().map(str::parse).transpose()?,
                    to: r.get::<String>(3)?.parse()?,
                    actor: r.get(4)?,
                    at: r.get(5)?,
                    reason: r.get(6)?,
                })
            })
            .collect()
    }

    pub fn subsidies_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<SubsidyApplication>> {
        self.store.read(|sql| {
            may_act_for(sql, actor, &senior_in(sql, senior_id)?, |p| p.sees_money, "see subsidy applications")?;
            sql.query(&format!("SELECT {COLUMNS} FROM subsidy_application WHERE senior_id = ?1 ORDER BY applied_at DESC, id"), args![senior_id])?
                .iter()
                .map(application_from_row)
                .collect()
        })
    }

    /// What waits for this reviewer: a station's submitted applications, the district's recommended ones.
    pub fn subsidy_queue(&self, actor: &Actor) -> Result<Vec<SubsidyApplication>> {
        let (sql_text, arg) = match actor {
            Actor::Operator(station) => (
                format!(
                    "SELECT {} FROM subsidy_application a JOIN senior s ON s.id = a.senior_id WHERE a.state = 'submitted' AND s.station_id = ?1 ORDER BY a.applied_at, a.id",
                    COLUMNS.split(", ").map(|c| format!("a.{}", c.trim())).collect::<Vec<_>>().join(", ")
                ),
                Some(station.clone()),
            ),
            Actor::Township(code) => (
                format!(
                    "SELECT {} FROM subsidy_application a JOIN senior s ON s.id = a.senior_id WHERE a.state = 'submitted' AND s.division LIKE ?1 ORDER BY a.applied_at, a.id",
                    COLUMNS.split(", ").map(|c| format!("a.{}", c.trim())).collect::<Vec<_>>().join(", ")
                ),
                Some(format!("{code}%")),
            ),
            Actor::District => (format!("SELECT {COLUMNS} FROM subsidy_application WHERE state = 'recommended' ORDER BY applied_at, id"), None),
            _ => return Err(Error::Forbidden(format!("{} reviews no subsidy applications", actor.label()))),
        };
        let rows = self.store.read(|sql| match &arg {
            Some(a) => sql.query(&sql_text, args![a]),
            None => sql.query(&sql_text, &[]),
        })?;
        rows.iter().map(application_from_row).collect()
    }

    pub fn subsidy_terms(&self) -> Result<SubsidyTerms> {
        self.store.read(terms_in)
    }

    pub fn set_subsidy_terms(&self, actor: &Actor, t: &SubsidyTerms) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not set subsidy terms", actor.label())));
        }
        let valid = t.service_hours.is_finite()
            && (0.0..=200.0).contains(&t.service_hours)
            && t.meal_fen <= 10_000
            && t.rental_fee_share.is_finite()
            && (0.0..=1.0).contains(&t.rental_fee_share)
            && (1..=60).contains(&t.months_valid);
        if !valid {
            return Err(Error::invalid("subsidy terms", "hours 0-200, at most 100 yuan a meal, a fee share 0-1, 1-60 months"));
        }
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "subsidy_terms", t))
    }
}

fn sees(sql: &dyn Sql, actor: &Actor, a: &SubsidyApplication) -> Result<()> {
    may_act_for(sql, actor, &senior_in(sql, &a.senior_id)?, |p| p.sees_money, "see subsidy applications")
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubsidyAction as A;
    use SubsidyState as S;

    #[test]
    fn only_the_drawn_steps_are_allowed() {
        let allowed = [
            (None, A::Apply, S::Submitted),
            (Some(S::Submitted), A::Recommend, S::Recommended),
            (Some(S::Submitted), A::Return, S::Returned),
            (Some(S::Returned), A::Resubmit, S::Submitted),
            (Some(S::Recommended), A::Approve, S::Approved),
            (Some(S::Recommended), A::Refuse, S::Refused),
            (Some(S::Submitted), A::Withdraw, S::Withdrawn),
            (Some(S::Returned), A::Withdraw, S::Withdrawn),
        ];
        let froms = std::iter::once(None).chain(S::ALL.into_iter().map(Some));
        for from in froms {
            for action in A::ALL {
                let want = allowed.iter().find(|(f, a, _)| *f == from && *a == action).map(|t| t.2);
                assert_eq!(next_state(from, action), want, "{from:?} {action:?}");
            }
        }
        for end in [S::Approved, S::Refused, S::Withdrawn] {
            assert!(A::ALL.iter().all(|a| next_state(Some(end), *a).is_none()), "{end:?} is final");
        }
    }
}
