//! Government-paid home-visit hours (政府购买居家养老服务): who qualifies, the monthly
//! quota, and statements. Since 2006 Zhenhai buys 20-30 hours a month of home visits for
//! seniors who are very old, live alone or cannot fully look after themselves (see the seeds);
//! the rules are settings per district.
//!
//! Drawing rule: completed visits of government-paid services draw on the month's quota in
//! check-in order; a visit counts for its verified minutes (check-out minus check-in), never
//! more than it was booked for; what exceeds the quota is self-paid at the service's price.
//! A flagged visit draws only once approved; a rejected one never does.

use crate::assessment::{CapabilityLevel, latest_assessment_in};
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::error::{Error, Result};
use crate::facility::Service;
use crate::person::{Actor, Senior, may_act_for, senior_in};
use crate::visit::{Review, visit_from_row};
use chrono::NaiveDate;
use crate::args;
use crate::db::{Sql, SqlExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictRules {
    /// The district's 6-digit code, e.g. 330211; rules apply to seniors whose division starts with it.
    pub district: String,
    /// Qualifies by age alone.
    pub min_age: u32,
    /// Living alone qualifies from this age (None: living alone does not qualify by itself).
    pub lives_alone_min_age: Option<u32>,
    /// Qualifies by an assessment at this level or worse (None: assessment does not qualify by itself).
    pub min_level: Option<CapabilityLevel>,
    /// Hours a month for those who qualify.
    pub monthly_hours: f64,
    /// Hours a month for seniors assessed severe or total loss of capability.
    pub severe_monthly_hours: f64,
}

impl Default for DistrictRules {
    fn default() -> Self {
        DistrictRules {
            district: String::new(),
            min_age: 80,
            lives_alone_min_age: Some(60),
            min_level: Some(CapabilityLevel::Moderate),
            monthly_hours: 20.0,
            severe_monthly_hours: 30.0,
        }
    }
}

impl DistrictRules {
    fn validate(&self) -> Result<()> {
        if !self.district.is_empty() && !crate::facility::is_division_code(&self.district) {
            return Err(Error::invalid("district", "must be a 6- to 12-digit division code"));
        }
        for h in [self.monthly_hours, self.severe_monthly_hours] {
            if !(h.is_finite() && (0.0..=300.0).contains(&h)) {
                return Err(Error::invalid("monthly hours", "must be between 0 and 300"));
            }
        }
        if !(55..=120).contains(&self.min_age) {
            return Err(Error::invalid("min age", "must be between 55 and 120"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eligibility {
    pub senior_id: String,
    pub eligible: bool,
    /// Why, in codes: "age>=80", "lives_alone", "level=moderate".
    pub reasons: Vec<String>,
    pub monthly_hours: f64,
    pub age: u32,
    pub level: Option<CapabilityLevel>,
}

/// The pure rule: does this senior, with this latest level, qualify on `day`?
pub fn eligibility(rules: &DistrictRules, senior: &Senior, level: Option<CapabilityLevel>, day: NaiveDate) -> Eligibility {
    let age = senior.age_on(day);
    let mut reasons = Vec::new();
    if age >= rules.min_age {
        reasons.push(format!("age>={}", rules.min_age));
    }
    if senior.lives_alone && rules.lives_alone_min_age.is_some_and(|a| age >= a) {
        reasons.push("lives_alone".into());
    }
    if let (Some(min), Some(l)) = (rules.min_level, level) {
        if l >= min {
            reasons.push(format!("level={}", l.code()));
        }
    }
    let eligible = !reasons.is_empty();
    let severe = level.is_some_and(|l| l >= CapabilityLevel::Severe);
    let monthly_hours = match (eligible, severe) {
        (false, _) => 0.0,
        (true, true) => rules.severe_monthly_hours,
        (true, false) => rules.monthly_hours,
    };
    Eligibility { senior_id: senior.id.clone(), eligible, reasons, monthly_hours, age, level }
}

/// One visit on a statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementLine {
    pub booking_id: String,
    pub service: Service,
    /// The visit's date in Shanghai.
    pub date: NaiveDate,
    pub caregiver_id: String,
    pub hours: f64,
    pub government_hours: f64,
    pub self_paid_hours: f64,
    pub self_paid_fen: u64,
    /// drawn, self_paid, pending_review or rejected.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub senior_id: String,
    /// "2026-11".
    pub month: String,
    pub eligibility: Eligibility,
    /// The rules' hours (if eligible) plus `subsidy_hours`.
    pub quota_hours: f64,
    /// Hours added by an approved service subsidy (涉老补助) valid in the month.
    #[serde(default)]
    pub subsidy_hours: f64,
    pub government_hours: f64,
    pub remaining_hours: f64,
    pub self_paid_hours: f64,
    pub self_paid_fen: u64,
    pub pending_review: u32,
    pub lines: Vec<StatementLine>,
}

/// A completed visit as the drawing rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedVisit {
    pub booking_id: String,
    pub service: Service,
    pub date: NaiveDate,
    pub caregiver_id: String,
    pub verified_minutes: i64,
    pub booked_minutes: i64,
    pub government_paid: bool,
    pub price_fen_per_hour: u32,
    pub flagged: bool,
    pub review: Option<Review>,
}

/// The drawing rule, pure: lines in the order given (check-in order).
pub fn draw(quota_hours: f64, visits: &[CompletedVisit]) -> Vec<StatementLine> {
    let mut left = quota_hours;
    visits
        .iter()
        .map(|v| {
            let hours = v.verified_minutes.clamp(0, v.booked_minutes) as f64 / 60.0;
            let (status, government) = match (v.flagged, v.review) {
                (_, Some(Review::Rejected)) => ("rejected", 0.0),
                (true, None) => ("pending_review", 0.0),
                _ if v.government_paid && left > 0.0 => {
                    let g = hours.min(left);
                    left -= g;
                    (if g < hours { "partly_self_paid" } else { "drawn" }, g)
                }
                _ => ("self_paid", 0.0),
            };
            let self_paid_hours = if status == "rejected" || status == "pending_review" { 0.0 } else { hours - government };
            StatementLine {
                booking_id: v.booking_id.clone(),
                service: v.service,
                date: v.date,
                caregiver_id: v.caregiver_id.clone(),
                hours,
                government_hours: government,
                self_paid_hours,
                self_paid_fen: (self_paid_hours * f64::from(v.price_fen_per_hour)).round() as u64,
                status: status.into(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictSummary {
    pub month: String,
    pub seniors: u32,
    pub eligible: u32,
    /// Eligible seniors who had at least one government-paid hour.
    pub served: u32,
    pub quota_hours: f64,
    pub government_hours: f64,
    pub self_paid_hours: f64,
    pub visits: u32,
    pub pending_review: u32,
}

/// The first day of a month and of the next. Years outside 1900-2999 are refused: nobody's care
/// falls there, and chrono's own limit (year 262143) must never be reached from a request.
pub(crate) fn month_bounds(year: i32, month: u32) -> Result<(NaiveDate, NaiveDate)> {
    if !(1900..=2999).contains(&year) {
        return Err(Error::invalid("month", "the year must be between 1900 and 2999"));
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| Error::invalid("month", "not a month"))?;
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(|| Error::invalid("month", "not a month"))?;
    Ok((first, next))
}

/// Parses "2026-11".
pub fn parse_month(s: &str) -> Result<(i32, u32)> {
    let (y, m) = s.trim().split_once('-').ok_or_else(|| Error::invalid("month", "expected YYYY-MM"))?;
    let (y, m) = (y.parse::<i32>().map_err(|_| Error::invalid("month", "expected YYYY-MM"))?, m.parse::<u32>().map_err(|_| Error::invalid("month", "expected YYYY-MM"))?);
    month_bounds(y, m)?;
    Ok((y, m))
}

pub(crate) fn rules_for(sql: &dyn Sql, division: &str) -> Result<DistrictRules> {
    let found: Option<String> =
        sql.one("SELECT rules FROM district_rules WHERE ?1 LIKE district || '%' ORDER BY length(district) DESC LIMIT 1", args![division])?.map(|r| r.get(0)).transpose()?;
    match found {
        Some(json) => serde_json::from_str(&json).map_err(|_| Error::invalid("district rules", "stored rules are corrupt")),
        None => Ok(DistrictRules::default()),
    }
}

/// Completed visits with check-in in the month (Shanghai), of one senior or of all, in check-in order.
fn completed_visits(sql: &dyn Sql, senior: Option<&str>, first: NaiveDate, next: NaiveDate) -> Result<Vec<(String, CompletedVisit)>> {
    let from = crate::store::ts(from_shanghai(first.and_hms_opt(0, 0, 0).expect("midnight")));
    let to = crate::store::ts(from_shanghai(next.and_hms_opt(0, 0, 0).expect("midnight")));
    let rows = sql.query(
        "SELECT v.booking_id, v.service, v.senior_id, v.caregiver_id, v.check_in_at, v.check_in_lat, v.check_in_lon, v.check_in_distance_m,
                v.check_out_at, v.check_out_lat, v.check_out_lon, v.check_out_distance_m, v.flagged, v.review, v.reviewed_by,
                b.start_at, b.end_at, b.government_paid, b.price_fen_per_hour
         FROM visit v JOIN booking b ON b.id = v.booking_id
         WHERE (CAST(?1 AS TEXT) IS NULL OR v.senior_id = ?1) AND b.state = 'completed' AND v.check_in_at >= ?2 AND v.check_in_at < ?3
         ORDER BY v.check_in_at, v.booking_id",
        args![senior, from, to],
    )?;
    rows.iter()
        .map(|r| {
            let v = visit_from_row(r)?;
            let start: chrono::DateTime<chrono::Utc> = r.get(15)?;
            let end: chrono::DateTime<chrono::Utc> = r.get(16)?;
            Ok((
                v.senior_id.clone(),
                CompletedVisit {
                    booking_id: v.booking_id.clone(),
                    service: v.service,
                    date: shanghai_date(v.check_in_at),
                    caregiver_id: v.caregiver_id.clone(),
                    verified_minutes: v.minutes().unwrap_or(0),
                    booked_minutes: (end - start).num_minutes(),
                    government_paid: r.get(17)?,
                    price_fen_per_hour: r.get(18)?,
                    flagged: v.flagged,
                    review: v.review,
                },
            ))
        })
        .collect()
}

/// The statement of one senior, given what the rule needs.
pub fn statement(senior: &Senior, rules: &DistrictRules, level: Option<CapabilityLevel>, year: i32, month: u32, visits: &[CompletedVisit]) -> Result<Statement> {
    statement_with_subsidy(senior, rules, level, year, month, 0.0, visits)
}

/// As [`statement`], with hours an approved service subsidy adds to the month's quota.
pub fn statement_with_subsidy(
    senior: &Senior,
    rules: &DistrictRules,
    level: Option<CapabilityLevel>,
    year: i32,
    month: u32,
    subsidy_hours: f64,
    visits: &[CompletedVisit],
) -> Result<Statement> {
    let (first, _) = month_bounds(year, month)?;
    let elig = eligibility(rules, senior, level, first);
    let quota = if elig.eligible { elig.monthly_hours } else { 0.0 } + subsidy_hours;
    let lines = draw(quota, visits);
    let government_hours: f64 = lines.iter().map(|l| l.government_hours).sum();
    Ok(Statement {
        senior_id: senior.id.clone(),
        month: format!("{year:04}-{month:02}"),
        quota_hours: quota,
        subsidy_hours,
        government_hours,
        remaining_hours: (quota - government_hours).max(0.0),
        self_paid_hours: lines.iter().map(|l| l.self_paid_hours).sum(),
        self_paid_fen: lines.iter().map(|l| l.self_paid_fen).sum(),
        pending_review: lines.iter().filter(|l| l.status == "pending_review").count() as u32,
        eligibility: elig,
        lines,
    })
}

fn statement_in(conn: &dyn Sql, senior: &Senior, year: i32, month: u32) -> Result<Statement> {
    let (first, next) = month_bounds(year, month)?;
    let rules = rules_for(conn, &senior.division)?;
    let level = latest_assessment_in(conn, &senior.id)?.filter(|a| a.date < next).map(|a| a.level);
    let visits: Vec<CompletedVisit> = completed_visits(conn, Some(&senior.id), first, next)?.into_iter().map(|(_, v)| v).collect();
    let subsidy = crate::subsidy::service_hours_in(conn, &senior.id, first, next)?;
    statement_with_subsidy(senior, &rules, level, year, month, subsidy, &visits)
}

/// A senior's quota of government-paid hours for a month: the rules' hours if the senior
/// qualifies on the month's first day, plus approved service subsidies (care plans read this).
pub(crate) fn quota_hours_in(conn: &dyn Sql, senior: &Senior, year: i32, month: u32) -> Result<f64> {
    let (first, next) = month_bounds(year, month)?;
    let rules = rules_for(conn, &senior.division)?;
    let level = latest_assessment_in(conn, &senior.id)?.filter(|a| a.date < next).map(|a| a.level);
    let elig = eligibility(&rules, senior, level, first);
    Ok(if elig.eligible { elig.monthly_hours } else { 0.0 } + crate::subsidy::service_hours_in(conn, &senior.id, first, next)?)
}

impl CareCircle {
    /// Sets the rules of a district (or, with an empty code, the default for all).
    pub fn set_district_rules(&self, rules: &DistrictRules) -> Result<()> {
        rules.validate()?;
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO district_rules (district, rules) VALUES (?1, ?2) ON CONFLICT(district) DO UPDATE SET rules = excluded.rules",
                args![rules.district, serde_json::to_string(rules).expect("serialisable")],
            )?;
            crate::sync::log_changes(self, sql, vec![crate::sync::Change::public("district_rules", rules.district.clone())])
        })?;
        Ok(())
    }

    pub fn district_rules(&self, division: &str) -> Result<DistrictRules> {
        self.store.read(|sql| rules_for(sql, division))
    }

    /// Whether a senior qualifies for government-paid hours today (Shanghai).
    pub fn eligibility(&self, senior_id: &str) -> Result<Eligibility> {
        let today = shanghai_date(self.now());
        self.store.read(|sql| eligibility_in(sql, senior_id, today))
    }

    /// A senior's monthly statement, for those allowed to see the senior's visits.
    pub fn monthly_statement(&self, actor: &Actor, senior_id: &str, year: i32, month: u32) -> Result<Statement> {
        self.store.read(|sql| {
            let senior = senior_in(sql, senior_id)?;
            may_act_for(sql, actor, &senior, |p| p.sees_money, "see statements")?;
            statement_in(sql, &senior, year, month)
        })
    }

    /// The district's month: seniors, who qualifies, hours drawn and self-paid.
    /// Reads rules, assessments and visits in bulk: one pass over the district.
    pub fn district_summary(&self, year: i32, month: u32) -> Result<DistrictSummary> {
        let statements = self.district_statements(year, month)?;
        let mut s = DistrictSummary {
            month: format!("{year:04}-{month:02}"),
            seniors: statements.len() as u32,
            eligible: 0,
            served: 0,
            quota_hours: 0.0,
            government_hours: 0.0,
            self_paid_hours: 0.0,
            visits: 0,
            pending_review: 0,
        };
        for (_, st) in &statements {
            s.eligible += u32::from(st.eligibility.eligible);
            s.served += u32::from(st.government_hours > 0.0);
            s.quota_hours += st.quota_hours;
            s.government_hours += st.government_hours;
            s.self_paid_hours += st.self_paid_hours;
            s.visits += st.lines.len() as u32;
            s.pending_review += st.pending_review;
        }
        Ok(s)
    }

    /// Every senior's statement for a month, read in bulk (the summary and district statistics).
    pub(crate) fn district_statements(&self, year: i32, month: u32) -> Result<Vec<(Senior, Statement)>> {
        let (first, next) = month_bounds(year, month)?;
        let seniors = self.seniors()?;
        let (rule_rows, level_rows, visit_rows, subsidies) = self.store.read(|sql| {
            Ok((
                sql.query("SELECT rules FROM district_rules ORDER BY length(district) DESC", &[])?,
                // The latest assessment before the month ends, per senior.
                sql.query(
                    "SELECT senior_id, level FROM assessment a WHERE date < ?1 AND NOT EXISTS
                       (SELECT 1 FROM assessment b WHERE b.senior_id = a.senior_id AND b.date < ?1
                          AND (b.date > a.date OR (b.date = a.date AND (b.recorded_at > a.recorded_at OR (b.recorded_at = a.recorded_at AND b.id > a.id)))))",
                    args![next.to_string()],
                )?,
                completed_visits(sql, None, first, next)?,
                crate::subsidy::service_hours_all(sql, first, next)?,
            ))
        })?;
        let all_rules: Vec<DistrictRules> = rule_rows
            .iter()
            .map(|r| serde_json::from_str(&r.get::<String>(0)?).map_err(|_| Error::invalid("district rules", "stored rules are corrupt")))
            .collect::<Result<_>>()?;
        let default_rules = DistrictRules::default();
        let levels: HashMap<String, CapabilityLevel> =
            level_rows.iter().map(|r| Ok((r.get::<String>(0)?, r.get::<String>(1)?.parse()?))).collect::<Result<_>>()?;
        let mut visits: HashMap<String, Vec<CompletedVisit>> = HashMap::new();
        for (senior, v) in visit_rows {
            visits.entry(senior).or_default().push(v);
        }
        let mut out = Vec::with_capacity(seniors.len());
        for senior in seniors {
            let rules = all_rules.iter().find(|r| senior.division.starts_with(&r.district)).unwrap_or(&default_rules);
            let subsidy = subsidies.get(&senior.id).copied().unwrap_or(0.0);
            let st = statement_with_subsidy(&senior, rules, levels.get(&senior.id).copied(), year, month, subsidy, visits.get(&senior.id).map_or(&[][..], Vec::as_slice))?;
            out.push((senior, st));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(minutes: i64, booked: i64, gov: bool) -> CompletedVisit {
        CompletedVisit {
            booking_id: format!("B{minutes}"),
            service: Service::Cleaning,
            date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            caregiver_id: "C".into(),
            verified_minutes: minutes,
            booked_minutes: booked,
            government_paid: gov,
            price_fen_per_hour: 3500,
            flagged: false,
            review: None,
        }
    }

    #[test]
    fn visits_draw_on_the_quota_in_order_and_the_rest_is_self_paid() {
        let lines = draw(3.0, &[visit(120, 120, true), visit(150, 120, true), visit(60, 60, false)]);
        assert_eq!(lines[0].government_hours, 2.0);
        // Verified 150 minutes, booked 120: counts 2 hours, of which 1 is left in the quota.
        assert_eq!((lines[1].hours, lines[1].government_hours, lines[1].self_paid_hours), (2.0, 1.0, 1.0));
        assert_eq!(lines[1].self_paid_fen, 3500);
        assert_eq!((lines[2].status.as_str(), lines[2].self_paid_hours), ("self_paid", 1.0));
    }

    #[test]
    fn flagged_visits_wait_for_review() {
        let mut v = visit(60, 60, true);
        v.flagged = true;
        assert_eq!(draw(20.0, &[v.clone()])[0].status, "pending_review");
        v.review = Some(Review::Approved);
        assert_eq!(draw(20.0, &[v.clone()])[0].government_hours, 1.0);
        v.review = Some(Review::Rejected);
        assert_eq!(draw(20.0, &[v])[0].government_hours, 0.0);
    }
}

/// Whether a senior qualifies on `day`, inside the caller's transaction.
pub(crate) fn eligibility_in(sql: &dyn Sql, senior_id: &str, day: NaiveDate) -> Result<Eligibility> {
    let senior = senior_in(sql, senior_id)?;
    let level = latest_assessment_in(sql, senior_id)?.map(|a| a.level);
    Ok(eligibility(&rules_for(sql, &senior.division)?, &senior, level, day))
}
