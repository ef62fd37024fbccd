//! Family doctors (家庭医生签约): contracts between a senior and a doctor of a primary clinic, home
//! rounds (上门巡诊) and annual health checks for seniors 65 and over.
//!
//! A doctor is a caregiver record whose station is a facility of kind `clinic` and who offers
//! `medical` visits: matching, agendas, check-in and check-out work for doctors as for any
//! caregiver. A home round is a booking of service `medical` the clinic makes for a contracted
//! senior, offered to the contract's doctor alone and accepted for them (the clinic plans its
//! doctors' rounds).
//!
//! Rules:
//! - A senior has at most one contract on any day: a contract overlapping another of the same
//!   senior (its start to its end, both inclusive) is refused. A terminated contract ends on the
//!   day it was terminated.
//! - Home rounds only within a contract that includes them, on a day it runs.
//! - The annual health check (老年人健康管理) is due a year after the last one; a senior never
//!   checked is due from their 65th birthday. [`CareCircle::health_checks_due`] lists who is due
//!   within N days or overdue; [`CareCircle::remind_health_checks`] tells each contracted senior's
//!   doctor once per due date (event `health_check_due`).

use crate::args;
use crate::booking::{Booking, BookingRequest, booking_in};
use crate::carecircle::CareCircle;
use crate::clock::shanghai_date;
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{FacilityKind, Service, truncate};
use crate::person::{Actor, Caregiver, may_act_for, senior_in};
use crate::sync::Command;
use crate::facility::codes;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a contract signs the senior up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

codes!(ContractService, "contract service", HomeRounds = "home_rounds", AnnualCheck = "annual_check", ChronicDisease = "chronic_disease", FamilySickBed = "family_sick_bed");

impl ContractService {
    pub fn parse_list(s: &str) -> Result<Vec<ContractService>> {
        let mut out: Vec<ContractService> = s.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).map(str::parse).collect::<Result<_>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    Signed,
    Terminated,
}

codes!(ContractState, "contract state", Signed = "signed", Terminated = "terminated");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRequest {
    pub senior_id: String,
    pub doctor_id: String,
    pub starts_on: NaiveDate,
    /// Inclusive; contracts usually run a year.
    pub ends_on: NaiveDate,
    pub services: Vec<ContractService>,
}

/// The last day of a contract signed from `starts_on` when no end is given: contracts run a
/// year (the seeds' yearly signing), so the day before the anniversary.
pub fn default_contract_end(starts_on: NaiveDate) -> Result<NaiveDate> {
    starts_on.checked_add_months(Months::new(12)).and_then(|d| d.pred_opt()).ok_or_else(|| Error::invalid("starts on", "out of range"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorContract {
    pub id: String,
    pub senior_id: String,
    pub doctor_id: String,
    pub clinic_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub services: Vec<ContractService>,
    pub state: ContractState,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
}

impl DoctorContract {
    pub fn runs_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub id: String,
    pub senior_id: String,
    pub date: NaiveDate,
    pub clinic_id: String,
    pub doctor_id: Option<String>,
    pub summary: String,
    pub recorded_by: String,
}

/// A health check as a clinic records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheckRecord {
    pub senior_id: String,
    pub date: NaiveDate,
    pub doctor_id: Option<String>,
    pub summary: String,
}

/// A senior whose annual check is due or overdue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckDue {
    pub senior_id: String,
    pub age: u32,
    pub last_check: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub overdue: bool,
    /// The doctor of the contract running today, if any.
    pub doctor_id: Option<String>,
    pub contract_id: Option<String>,
}

/// When the next annual check is due: a year after the last, or on the 65th birthday.
pub fn check_due_on(birth: NaiveDate, last_check: Option<NaiveDate>) -> NaiveDate {
    match last_check {
        Some(last) => last.checked_add_months(Months::new(12)).expect("valid date"),
        None => birth.checked_add_months(Months::new(65 * 12)).expect("valid date"),
    }
}

const CONTRACT_COLUMNS: &str = "id, senior_id, doctor_id, clinic_id, starts_on, ends_on, services, state, signed_by, signed_at";

fn contract_from_row(r: &Row) -> Result<DoctorContract> {
    Ok(DoctorContract {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        doctor_id: r.get(2)?,
        clinic_id: r.get(3)?,
        starts_on: crate::clock::parse_date(&r.get::<String>(4)?)?,
        ends_on: crate::clock::parse_date(&r.get::<String>(5)?)?,
        services: ContractService::parse_list(&r.get::<String>(6)?)?,
        state: r.get::<String>(7)?.parse()?,
        signed_by: r.get(8)?,
        signed_at: r.get(9)?,
    })
}

fn contract_in(sql: &dyn Sql, id: &str) -> Result<DoctorContract> {
    contract_from_row(
        &sql.one(&format!("SELECT {CONTRACT_COLUMNS} FROM doctor_contract WHERE id = ?1"), args![id])?.ok_or_else(|| Error::not_found("family doctor contract", truncate(id, 64)))?,
    )
}

/// Contracts running on `day`, per senior: (contract id, doctor id, clinic id).
pub(crate) fn contracts_on(sql: &dyn Sql, day: NaiveDate) -> Result<HashMap<String, (String, String, String)>> {
    let rows = sql.query("SELECT senior_id, id, doctor_id, clinic_id FROM doctor_contract WHERE starts_on <= ?1 AND ends_on >= ?1", args![day.to_string()])?;
    rows.iter().map(|r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))).collect()
}

/// Each senior's last health check on or before `day`.
pub(crate) fn last_checks(sql: &dyn Sql, day: NaiveDate) -> Result<HashMap<String, NaiveDate>> {
    let rows = sql.query("SELECT senior_id, MAX(date) FROM health_check WHERE date <= ?1 GROUP BY senior_id", args![day.to_string()])?;
    rows.iter().map(|r| Ok((r.get(0)?, crate::clock::parse_date(&r.get::<String>(1)?)?))).collect()
}

impl CareCircle {
    /// The doctor, checked to be a caregiver of a clinic who offers medical visits; returns it with its clinic.
    fn doctor(&self, sql: &dyn Sql, doctor_id: &str) -> Result<(Caregiver, String)> {
        let d = self.caregiver(doctor_id)?;
        let clinic = d.station_id.clone().ok_or_else(|| Error::invalid("doctor", format!("caregiver {} belongs to no clinic", d.id)))?;
        if !crate::catalogue::facility_in(sql, &clinic).is_ok_and(|f| f.kind == FacilityKind::Clinic && !f.deleted) {
            return Err(Error::invalid("doctor", format!("caregiver {} belongs to {}, which is not a clinic", d.id, truncate(&clinic, 64))));
        }
        if !d.skills.contains(Service::Medical) {
            return Err(Error::invalid("doctor", format!("caregiver {} does not offer medical visits", d.id)));
        }
        Ok((d, clinic))
    }

    /// Signs a family-doctor contract: the senior or a family member allowed to book, the senior's
    /// station, the doctor's clinic, or the district. Refused if it overlaps another of the senior's.
    pub fn sign_contract(&self, actor: &Actor, req: &ContractRequest) -> Result<DoctorContract> {
        self.sign_contract_with_id(actor, &uuid::Uuid::new_v4().to_string(), req)
    }

    pub fn sign_contract_with_id(&self, actor: &Actor, id: &str, req: &ContractRequest) -> Result<DoctorContract> {
        self.write(|tx, em| {
            let c = self.sign_contract_in(tx, em, actor, id, req)?;
            em.record(actor, Command::SignContract { contract_id: id.to_string(), request: req.clone() });
            Ok(c)
        })
    }

    /// Signs several contracts in one transaction, all or none (a clinic bringing its existing
    /// contracts; on the platform, not a phone's change).
    pub fn sign_contracts(&self, actor: &Actor, contracts: &[(String, ContractRequest)]) -> Result<Vec<DoctorContract>> {
        if self.replica.get() && contracts.len() != 1 {
            return Err(Error::Forbidden("contracts are brought in bulk on the platform; a phone signs one at a time".into()));
        }
        if let [(id, req)] = contracts {
            return Ok(vec![self.sign_contract_with_id(actor, id, req)?]);
        }
        self.write(|tx, em| contracts.iter().map(|(id, req)| self.sign_contract_in(tx, em, actor, id, req)).collect())
    }

    pub(crate) fn sign_contract_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, req: &ContractRequest) -> Result<DoctorContract> {
        crate::sync::check_client_id("contract id", id)?;
        if req.ends_on < req.starts_on || req.ends_on > req.starts_on + Duration::days(3 * 366) {
            return Err(Error::invalid("contract", "it must end after it starts, within three years"));
        }
        let (_, clinic) = self.doctor(tx, &req.doctor_id)?;
        let clinic = clinic.as_str();
        let senior = senior_in(tx, &req.senior_id)?;
        match actor {
            Actor::Operator(x) if x == clinic => {}
            _ => may_act_for(tx, actor, &senior, |p| p.can_book && p.sees_health, "sign family-doctor contracts")?,
        }
        if tx.exists("SELECT 1 FROM doctor_contract WHERE id = ?1", args![id])? {
            return Err(Error::Duplicate { what: "family doctor contract", id: id.to_string() });
        }
        let overlapping: Option<String> = tx
            .one(
                "SELECT id FROM doctor_contract WHERE senior_id = ?1 AND starts_on <= ?3 AND ends_on >= ?2 ORDER BY starts_on LIMIT 1",
                args![req.senior_id, req.starts_on.to_string(), req.ends_on.to_string()],
            )?
            .map(|r| r.get(0))
            .transpose()?;
        if let Some(other) = overlapping {
            return Err(Error::Duplicate { what: "overlapping family doctor contract", id: other });
        }
        let c = DoctorContract {
            id: id.to_string(),
            senior_id: req.senior_id.clone(),
            doctor_id: req.doctor_id.clone(),
            clinic_id: clinic.to_string(),
            starts_on: req.starts_on,
            ends_on: req.ends_on,
            services: {
                let mut s = req.services.clone();
                s.sort();
                s.dedup();
                s
            },
            state: ContractState::Signed,
            signed_by: actor.label(),
            signed_at: em.at,
        };
        let services: Vec<&str> = c.services.iter().map(|s| s.code()).collect();
        tx.execute(
            &format!("INSERT INTO doctor_contract ({CONTRACT_COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"),
            args![c.id, c.senior_id, c.doctor_id, c.clinic_id, c.starts_on.to_string(), c.ends_on.to_string(), services.join(","), c.state.code(), c.signed_by, c.signed_at],
        )?;
        em.emit(tx, EventKind::ContractSigned, &c.id, &c.senior_id, Some(&c.doctor_id), format!("from={} to={}", c.starts_on, c.ends_on))?;
        Ok(c)
    }

    /// Ends a contract early; `last_day` is the last day it runs (not before the day before it started).
    pub fn terminate_contract(&self, actor: &Actor, contract_id: &str, last_day: NaiveDate) -> Result<DoctorContract> {
        self.write(|tx, em| {
            let c = terminate_contract_in(tx, em, actor, contract_id, last_day)?;
            em.record(actor, Command::TerminateContract { contract_id: contract_id.to_string(), last_day });
            Ok(c)
        })
    }

    /// A senior's contracts, newest first: for the senior's side, station and the district.
    pub fn contracts_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<DoctorContract>> {
        self.store.read(|sql| {
            let senior = senior_in(sql, senior_id)?;
            let clinic_sees = match actor {
                Actor::Operator(x) => sql.exists("SELECT 1 FROM doctor_contract WHERE senior_id = ?1 AND clinic_id = ?2", args![senior_id, x])?,
                Actor::Caregiver(d) => sql.exists("SELECT 1 FROM doctor_contract WHERE senior_id = ?1 AND doctor_id = ?2", args![senior_id, d])?,
                _ => false,
            };
            if !clinic_sees {
                may_act_for(sql, actor, &senior, |p| p.sees_health, "see contracts")?;
            }
            sql.query(&format!("SELECT {CONTRACT_COLUMNS} FROM doctor_contract WHERE senior_id = ?1 ORDER BY starts_on DESC, id"), args![senior_id])?
                .iter()
                .map(contract_from_row)
                .collect::<Result<Vec<DoctorContract>>>()
        })
        .and_then(|list| {
            let touched: Vec<crate::audit::Touched> = list.iter().map(|c| ("doctor_contract", c.id.clone(), senior_id.to_string())).collect();
            self.audit_reads(actor, &touched)?;
            Ok(list)
        })
    }

    /// The clinic books a home round (上门巡诊) with the contract's doctor: a `medical` visit,
    /// accepted for the doctor. Refused outside the contract, if it does not include home rounds,
    /// or if the doctor is not on duty, out of reach or busy then.
    pub fn book_home_round(&self, actor: &Actor, contract_id: &str, start: DateTime<Utc>, minutes: Option<u32>, note: &str) -> Result<Booking> {
        self.store.read(|sql| self.doctor(sql, &contract_in(sql, contract_id)?.doctor_id))?;
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            let c = contract_in(tx, contract_id)?;
            match actor {
                Actor::Operator(x) if *x == c.clinic_id => {}
                Actor::District | Actor::System => {}
                _ => return Err(Error::Forbidden(format!("{} may not book home rounds for clinic {}", actor.label(), c.clinic_id))),
            }
            if !c.runs_on(shanghai_date(start)) {
                return Err(Error::invalid("home round", format!("contract {} does not run on {}", c.id, shanghai_date(start))));
            }
            if !c.services.contains(&ContractService::HomeRounds) {
                return Err(Error::invalid("home round", format!("contract {} does not include home rounds", c.id)));
            }
            let senior = senior_in(tx, &c.senior_id)?;
            let req = BookingRequest { senior_id: c.senior_id.clone(), service: Service::Medical, start, duration_minutes: minutes.or(Some(30)), note: note.to_string() };
            let b = self.create_booking_in(tx, em, actor, &id, &req)?;
            let doctor = c.doctor_id.clone();
            match self.offer_matching_in(tx, em, b, &senior, 1, &|cg| cg.id == doctor) {
                Ok(_) => {}
                Err(Error::NoCaregiverAvailable { .. }) => {
                    return Err(Error::invalid("home round", format!("doctor {doctor} is not on duty, out of reach, absent or busy then")));
                }
                Err(e) => return Err(e),
            }
            self.accept_booking_in(tx, em, &Actor::Caregiver(doctor.clone()), &id)?;
            booking_in(tx, &id)
        })
    }

    /// A clinic records an annual health check (its operator, or the district).
    pub fn record_health_check(&self, actor: &Actor, clinic_id: &str, record: &HealthCheckRecord) -> Result<HealthCheck> {
        Ok(self.record_health_checks(actor, clinic_id, std::slice::from_ref(record))?.remove(0))
    }

    /// Several checks in one transaction, all or none.
    pub fn record_health_checks(&self, actor: &Actor, clinic_id: &str, records: &[HealthCheckRecord]) -> Result<Vec<HealthCheck>> {
        match actor {
            Actor::Operator(x) if x == clinic_id => {}
            Actor::District | Actor::System => {}
            _ => return Err(Error::Forbidden(format!("{} may not record health checks for clinic {}", actor.label(), truncate(clinic_id, 64)))),
        }
        let f = self.facility(clinic_id)?;
        if f.kind != FacilityKind::Clinic {
            return Err(Error::invalid("clinic", format!("{} is not a clinic", f.id)));
        }
        let today = shanghai_date(self.now());
        for r in records {
            if r.date > today {
                return Err(Error::invalid("date", "a health check cannot be in the future"));
            }
            if r.summary.chars().count() > 1000 {
                return Err(Error::invalid("summary", "longer than 1000 characters"));
            }
        }
        self.write(|tx, em| {
            let mut out = Vec::with_capacity(records.len());
            for r in records {
                senior_in(tx, &r.senior_id)?;
                let h = HealthCheck {
                    id: uuid::Uuid::new_v4().to_string(),
                    senior_id: r.senior_id.clone(),
                    date: r.date,
                    clinic_id: clinic_id.to_string(),
                    doctor_id: r.doctor_id.clone(),
                    summary: r.summary.clone(),
                    recorded_by: actor.label(),
                };
                tx.execute(
                    "INSERT INTO health_check (id, senior_id, date, clinic_id, doctor_id, summary, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    args![h.id, h.senior_id, h.date.to_string(), h.clinic_id, h.doctor_id, h.summary, h.recorded_by, em.at],
                )?;
                em.emit(tx, EventKind::HealthCheckRecorded, &h.id, &h.senior_id, Some(clinic_id), format!("date={}", h.date))?;
                crate::audit::note(self, tx, em.at, actor, "change", &[("health_check", h.id.clone(), h.senior_id.clone())])?;
                out.push(h);
            }
            Ok(out)
        })
    }

    /// Seniors 65 and over (or turning 65) in `actor`'s view whose annual check is due within
    /// `within_days` or overdue, most overdue first. The district sees all; a station its seniors;
    /// a clinic or doctor the seniors contracted to it; a senior's side that senior.
    pub fn health_checks_due(&self, actor: &Actor, within_days: u32) -> Result<Vec<CheckDue>> {
        if within_days > 366 {
            return Err(Error::invalid("within days", "at most 366"));
        }
        let today = shanghai_date(self.now());
        let horizon = today + Duration::days(i64::from(within_days));
        let seniors = self.seniors()?;
        let (contracts, checks, visible) = self.store.read(|sql| {
            let visible: Option<std::collections::HashSet<String>> = match actor {
                Actor::Senior(id) => Some(std::iter::once(id.clone()).collect()),
                Actor::Family(id) => Some(
                    sql.query("SELECT senior_id FROM family_link WHERE family_id = ?1 AND sees_health <> 0", args![id])?
                        .iter()
                        .map(|r| r.get(0))
                        .collect::<Result<_>>()?,
                ),
                _ => None,
            };
            Ok((contracts_on(sql, today)?, last_checks(sql, today)?, visible))
        })?;
        let mut out: Vec<CheckDue> = seniors
            .iter()
            .filter(|s| {
                let c = contracts.get(&s.id);
                match actor {
                    Actor::District | Actor::System => true,
                    Actor::Operator(x) => s.station_id.as_deref() == Some(x.as_str()) || c.is_some_and(|c| c.2 == *x),
                    Actor::Caregiver(d) => c.is_some_and(|c| c.1 == *d),
                    _ => visible.as_ref().is_some_and(|v| v.contains(&s.id)),
                }
            })
            .filter_map(|s| {
                let last = checks.get(&s.id).copied();
                let due_on = check_due_on(s.birth_date, last);
                (due_on <= horizon).then(|| {
                    let c = contracts.get(&s.id);
                    CheckDue {
                        senior_id: s.id.clone(),
                        age: s.age_on(today),
                        last_check: last,
                        due_on,
                        overdue: due_on < today,
                        doctor_id: c.map(|c| c.1.clone()),
                        contract_id: c.map(|c| c.0.clone()),
                    }
                })
            })
            .collect();
        out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.senior_id.cmp(&b.senior_id)));
        Ok(out)
    }

    /// Tells each contracted senior's doctor, once per due date, that the senior's annual check is
    /// due within `within_days` or overdue (event `health_check_due`). Returns those newly reminded.
    pub fn remind_health_checks(&self, within_days: u32) -> Result<Vec<CheckDue>> {
        let due: Vec<CheckDue> = self.health_checks_due(&Actor::System, within_days)?.into_iter().filter(|d| d.doctor_id.is_some()).collect();
        self.write(|tx, em| {
            let mut reminded = Vec::new();
            for d in &due {
                let new = tx.execute(
                    "INSERT INTO health_check_reminder (senior_id, due_on, at) VALUES (?1, ?2, ?3) ON CONFLICT (senior_id, due_on) DO NOTHING",
                    args![d.senior_id, d.due_on.to_string(), em.at],
                )?;
                if new > 0 {
                    let subject = d.contract_id.as_deref().unwrap_or(&d.senior_id);
                    em.emit(tx, EventKind::HealthCheckDue, subject, &d.senior_id, d.doctor_id.as_deref(), format!("due_on={} overdue={}", d.due_on, d.overdue))?;
                    reminded.push(d.clone());
                }
            }
            Ok(reminded)
        })
    }

    /// A senior's health checks, newest first.
    pub fn health_checks(&self, actor: &Actor, senior_id: &str) -> Result<Vec<HealthCheck>> {
        self.contracts_for_senior(actor, senior_id)?;
        let rows = self.store.read(|sql| {
            sql.query("SELECT id, senior_id, date, clinic_id, doctor_id, summary, recorded_by FROM health_check WHERE senior_id = ?1 ORDER BY date DESC, id", args![senior_id])
        })?;
        let touched: Vec<crate::audit::Touched> = rows.iter().map(|r| Ok(("health_check", r.get::<String>(0)?, senior_id.to_string()))).collect::<Result<_>>()?;
        self.audit_reads(actor, &touched)?;
        rows.iter()
            .map(|r| {
                Ok(HealthCheck {
                    id: r.get(0)?,
                    senior_id: r.get(1)?,
                    date: crate::clock::parse_date(&r.get::<String>(2)?)?,
                    clinic_id: r.get(3)?,
                    doctor_id: r.get(4)?,
                    summary: r.get(5)?,
                    recorded_by: r.get(6)?,
                })
            })
            .collect()
    }

    /// The doctors of a clinic (caregivers attached to it who offer medical visits).
    pub fn doctors_of(&self, clinic_id: &str) -> Vec<Caregiver> {
        self.refresh_indexes_if_due();
        let table = self.caregivers();
        let mut out: Vec<Caregiver> =
            table.slots.iter().flatten().filter(|c| c.station_id.as_deref() == Some(clinic_id) && c.skills.contains(Service::Medical)).cloned().collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

pub(crate) fn terminate_contract_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, contract_id: &str, last_day: NaiveDate) -> Result<DoctorContract> {
    let mut c = contract_in(tx, contract_id)?;
    let senior = senior_in(tx, &c.senior_id)?;
    match actor {
        Actor::Operator(x) if *x == c.clinic_id => {}
        _ => may_act_for(tx, actor, &senior, |p| p.can_book && p.sees_health, "end family-doctor contracts")?,
    }
    if c.state == ContractState::Terminated {
        return Err(Error::InvalidStateChange { what: "family doctor contract", id: c.id.clone(), from: c.state.code().into(), action: "terminated".into() });
    }
    if last_day >= c.ends_on || last_day < c.starts_on.pred_opt().expect("valid date") {
        return Err(Error::invalid("last day", "must fall within the contract, before its end"));
    }
    c.state = ContractState::Terminated;
    c.ends_on = last_day;
    tx.execute("UPDATE doctor_contract SET state = ?2, ends_on = ?3, updated_at = ?4 WHERE id = ?1", args![c.id, c.state.code(), last_day.to_string(), em.at])?;
    em.emit(tx, EventKind::ContractTerminated, &c.id, &c.senior_id, Some(&c.doctor_id), format!("last_day={last_day}"))?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annual_check_is_due_a_year_on_or_at_65() {
        let d = |s: &str| crate::clock::parse_date(s).unwrap();
        assert_eq!(check_due_on(d("1950-03-01"), Some(d("2025-11-30"))), d("2026-11-30"));
        assert_eq!(check_due_on(d("1961-12-10"), None), d("2026-12-10"));
        assert_eq!(check_due_on(d("1960-02-29"), None), d("2025-02-28"), "a leap-day birthday falls on 28 February");
    }
}
