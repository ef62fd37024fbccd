//! Ratings, complaints and supervision (监管考核): seniors and their families rate completed
//! visits and served meals (1-5 stars, once per visit or order) and may complain; the district
//! scores each organisation every month and ranks them.
//!
//! Who: the senior, or a family member the senior lets see visits (`can_see_visits`). A visit
//! is rated once completed; a meal once its order cut-off has passed (it can no longer be
//! cancelled); a complaint may also be about a missed visit (no-show).
//!
//! The monthly score of an organisation (the caregivers' `organisation`, or a canteen), 0-100:
//!
//! ```text
//! stars       = (sum of stars + 3 × 5) / (ratings + 5)     a mean pulled towards 3 by five neutral ratings,
//!                                                         so one 5-star rating cannot top the ranking
//! rating      = 60 × (stars − 1) / 4                      0..60
//! service     = 40 × (1 − min(1, (no_shows + flagged) / due))   0..40; 40 when nothing was due
//!               due = the organisation's visits that month that were completed or missed (no-show);
//!               flagged = completed visits with a check-in or check-out flagged far from home and
//!               not approved on review. Canteens have no visits to miss: their service part is 40.
//! complaints  = min(30, 5 × complaints)
//! score       = clamp(rating + service − complaints, 0, 100)
//! ```
//! A visit or meal counts in the month of its date (visits by their booked start, Shanghai).

use crate::args;
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::Emitter;
use crate::sync::{Change, Command};
use crate::facility::truncate;
use crate::person::{Actor, may_act_for, senior_in};
use crate::facility::codes;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatedSubject {
    /// A home visit (by booking id).
    Visit,
    /// A meal order (by order id).
    Meal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A home-care organisation (caregivers' `organisation`).
    Care,
    /// A canteen (by facility id).
    Canteen,
}

codes!(RatedSubject, "subject", Visit = "visit", Meal = "meal");
codes!(OrgKind, "organisation kind", Care = "care", Canteen = "canteen");
codes!(ComplaintState, "complaint state", Open = "open", Answered = "answered", Closed = "closed");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub id: String,
    pub subject: RatedSubject,
    pub subject_id: String,
    pub senior_id: String,
    pub org_kind: OrgKind,
    pub org: String,
    /// "2026-10": the month the visit or meal counts in.
    pub month: String,
    pub stars: u8,
    pub comment: String,
    pub rated_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub at: DateTime<Utc>,
    /// open, answered or closed.
    pub state: ComplaintState,
    pub answer: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Open,
    Answered,
    Closed,
}

/// What a month's score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScoreInputs {
    pub ratings: u32,
    pub stars_sum: u32,
    pub complaints: u32,
    /// Visits completed or missed; None for canteens (no visits to miss).
    pub due: Option<u32>,
    pub no_shows: u32,
    pub flagged: u32,
}

/// The score and its parts (see the module's formula).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// The mean of stars pulled towards 3 by five neutral ratings.
    pub adjusted_stars: f64,
    pub rating_points: f64,
    pub service_points: f64,
    pub complaint_points: f64,
    pub score: f64,
}

/// Neutral ratings added to every organisation's, so that few ratings weigh little.
pub const PRIOR_RATINGS: u32 = 5;
pub const PRIOR_STARS: u32 = 3;

/// The formula, pure.
pub fn score(i: &ScoreInputs) -> ScoreParts {
    let adjusted_stars = f64::from(i.stars_sum + PRIOR_STARS * PRIOR_RATINGS) / f64::from(i.ratings + PRIOR_RATINGS);
    let rating_points = 60.0 * (adjusted_stars - 1.0) / 4.0;
    let service_points = match i.due {
        Some(due) if due > 0 => 40.0 * (1.0 - (f64::from(i.no_shows + i.flagged) / f64::from(due)).min(1.0)),
        _ => 40.0,
    };
    let complaint_points = (5.0 * f64::from(i.complaints)).min(30.0);
    let score = (rating_points + service_points - complaint_points).clamp(0.0, 100.0);
    ScoreParts { adjusted_stars, rating_points, service_points, complaint_points, score }
}

/// One organisation's month, ranked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgScore {
    pub rank: u32,
    pub org_kind: OrgKind,
    /// The organisation's name (care), or the canteen's facility id.
    pub org: String,
    /// For canteens, the facility's name.
    pub name: String,
    pub month: String,
    pub inputs: ScoreInputs,
    pub parts: ScoreParts,
    /// Mean of the month's ratings, if any.
    pub average_stars: Option<f64>,
}

fn month_code(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Who rates or complains: the senior, or a family member allowed to see visits.
fn check_rater(sql: &dyn Sql, actor: &Actor, senior_id: &str, what: &str) -> Result<()> {
    match actor {
        Actor::Senior(_) | Actor::Family(_) => may_act_for(sql, actor, &senior_in(sql, senior_id)?, |p| p.can_see_visits, what),
        _ => Err(Error::Forbidden(format!("{} may not {what}; only the senior and their family may", actor.label()))),
    }
}

/// The subject's senior, organisation and month; checks it may be rated (or complained about).
fn subject_in(sql: &dyn Sql, now: DateTime<Utc>, subject: RatedSubject, id: &str, complaint: bool) -> Result<(String, OrgKind, String, String)> {
    match subject {
        RatedSubject::Visit => {
            let r = sql
                .one(
                    "SELECT b.senior_id, b.state, b.start_at, c.organisation, b.caregiver_id FROM booking b LEFT JOIN caregiver c ON c.id = b.caregiver_id WHERE b.id = ?1",
                    args![id],
                )?
                .ok_or_else(|| Error::not_found("visit", truncate(id, 64)))?;
            let state: String = r.get(1)?;
            let ok = state == "completed" || (complaint && state == "no_show");
            if !ok {
                return Err(Error::invalid("visit", format!("visit {id} is {state}; only completed visits are rated{}", if complaint { " (or missed ones complained about)" } else { "" })));
            }
            let start: DateTime<Utc> = r.get(2)?;
            let org: Option<String> = r.get(3)?;
            let caregiver: Option<String> = r.get(4)?;
            let org = org.filter(|o| !o.trim().is_empty()).or(caregiver).unwrap_or_default();
            Ok((r.get(0)?, OrgKind::Care, org, month_code(shanghai_date(start))))
        }
        RatedSubject::Meal => {
            let r = sql
                .one("SELECT senior_id, state, facility_id, date, meal FROM meal_order WHERE id = ?1", args![id])?
                .ok_or_else(|| Error::not_found("meal order", truncate(id, 64)))?;
            let state: String = r.get(1)?;
            if state != "ordered" {
                return Err(Error::invalid("meal", format!("order {id} is {state}")));
            }
            let facility: String = r.get(2)?;
            let date = crate::clock::parse_date(&r.get::<String>(3)?)?;
            let meal: crate::meal::Meal = r.get::<String>(4)?.parse()?;
            let served = crate::meal::cutoff_in(sql, &facility, date, meal)?;
            if now < served {
                return Err(Error::invalid("meal", "a meal is rated once it is served (after its order cut-off)"));
            }
            Ok((r.get(0)?, OrgKind::Canteen, facility, month_code(date)))
        }
    }
}

const RATING_COLUMNS: &str = "id, subject, subject_id, senior_id, org_kind, org, month, stars, comment, rated_by, at";

fn rating_from_row(r: &Row) -> Result<Rating> {
    Ok(Rating {
        id: r.get(0)?,
        subject: r.get::<String>(1)?.parse()?,
        subject_id: r.get(2)?,
        senior_id: r.get(3)?,
        org_kind: r.get::<String>(4)?.parse()?,
        org: r.get(5)?,
        month: r.get(6)?,
        stars: r.get::<i64>(7)?.clamp(1, 5) as u8,
        comment: r.get(8)?,
        rated_by: r.get(9)?,
        at: r.get(10)?,
    })
}

use crate::entitlement::month_bounds;

impl CareCircle {
    /// Rates a completed visit or a served meal, once.
    pub fn rate(&self, actor: &Actor, subject: RatedSubject, subject_id: &str, stars: u8, comment: &str) -> Result<Rating> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            let r = rate_in(tx, em, actor, &id, subject, subject_id, stars, comment)?;
            em.record(actor, Command::Rate { rating_id: id.clone(), subject, subject_id: subject_id.to_string(), stars, comment: comment.to_string() });
            Ok(r)
        })
    }

    /// Complains about a visit (completed or missed) or a served meal; once per person and subject.
    pub fn complain(&self, actor: &Actor, subject: RatedSubject, subject_id: &str, text: &str) -> Result<Complaint> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            let c = complain_in(tx, em, actor, &id, subject, subject_id, text)?;
            em.record(actor, Command::Complain { complaint_id: id.clone(), subject, subject_id: subject_id.to_string(), text: text.to_string() });
            Ok(c)
        })
    }

    /// The station or district answers a complaint; `close` ends it.
    pub fn answer_complaint(&self, actor: &Actor, complaint_id: &str, answer: &str, close: bool) -> Result<Complaint> {
        self.write(|tx, em| {
            let c = answer_complaint_in(tx, em, actor, complaint_id, answer, close)?;
            em.record(actor, Command::AnswerComplaint { complaint_id: complaint_id.to_string(), answer: answer.to_string(), close });
            Ok(c)
        })
    }

    /// The complaints `actor` answers, open ones first, then newest: all for the district; for a
    /// station, its seniors' and its canteen's.
    pub fn complaints(&self, actor: &Actor, open_only: bool) -> Result<Vec<Complaint>> {
        let open = if open_only { "state <> 'closed'" } else { "1 = 1" };
        let order = "ORDER BY CASE state WHEN 'open' THEN 0 WHEN 'answered' THEN 1 ELSE 2 END, at DESC, id LIMIT 500";
        self.store.read(|sql| {
            let rows = match actor {
                Actor::District => sql.query(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaint WHERE {open} {order}"), &[])?,
                Actor::Operator(st) => sql.query(
                    &format!("SELECT {COMPLAINT_COLUMNS} FROM complaint WHERE {open} AND ((org_kind = 'canteen' AND org = ?1) OR senior_id IN (SELECT id FROM senior WHERE station_id = ?1)) {order}"),
                    args![st],
                )?,
                Actor::Township(code) => sql.query(
                    &format!("SELECT {COMPLAINT_COLUMNS} FROM complaint WHERE {open} AND ((org_kind = 'canteen' AND org IN (SELECT id FROM facility WHERE division LIKE ?1)) OR senior_id IN (SELECT id FROM senior WHERE division LIKE ?1)) {order}"),
                    args![format!("{code}%")],
                )?,
                _ => return Err(Error::Forbidden(format!("{} does not answer complaints", actor.label()))),
            };
            rows.iter().map(complaint_from_row).collect()
        })
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn rate_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, subject: RatedSubject, subject_id: &str, stars: u8, comment: &str) -> Result<Rating> {
    crate::sync::check_client_id("rating id", id)?;
    if tx.exists("SELECT 1 FROM rating WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "rating", id: id.to_string() });
    }
    {
        if !(1..=5).contains(&stars) {
            return Err(Error::invalid("stars", "1 to 5"));
        }
        if comment.chars().count() > 500 {
            return Err(Error::invalid("comment", "longer than 500 characters"));
        }
        {
            let (senior, org_kind, org, month) = subject_in(tx, em.at, subject, subject_id, false)?;
            check_rater(tx, actor, &senior, "rate visits and meals")?;
            if tx.exists("SELECT 1 FROM rating WHERE subject = ?1 AND subject_id = ?2", args![subject.code(), subject_id])? {
                return Err(Error::Duplicate { what: "rating", id: format!("{} {}", subject.code(), truncate(subject_id, 64)) });
            }
            let r = Rating {
                id: id.to_string(),
                subject,
                subject_id: subject_id.to_string(),
                senior_id: senior,
                org_kind,
                org,
                month,
                stars,
                comment: comment.to_string(),
                rated_by: actor.label(),
                at: em.at,
            };
            tx.execute(
                &format!("INSERT INTO rating ({RATING_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                args![r.id, subject.code(), r.subject_id, r.senior_id, org_kind.code(), r.org, r.month, i64::from(stars), r.comment, r.rated_by, r.at],
            )?;
            em.changed(Change::owned("rating", &r.id, &r.senior_id));
            em.emit(tx, crate::event::EventKind::Rated, &r.subject_id, &r.senior_id, None, format!("subject={} stars={stars}", subject.code()))?;
            Ok(r)
        }
    }
}

pub(crate) fn complain_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, subject: RatedSubject, subject_id: &str, text: &str) -> Result<Complaint> {
    crate::sync::check_client_id("complaint id", id)?;
    if tx.exists("SELECT 1 FROM complaint WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "complaint", id: id.to_string() });
    }
    if text.trim().is_empty() || text.chars().count() > 500 {
        return Err(Error::invalid("complaint", "say what went wrong, in at most 500 characters"));
    }
    let (senior, org_kind, org, month) = subject_in(tx, em.at, subject, subject_id, true)?;
    check_rater(tx, actor, &senior, "complain about visits and meals")?;
    if tx.exists("SELECT 1 FROM complaint WHERE subject = ?1 AND subject_id = ?2 AND by_actor = ?3", args![subject.code(), subject_id, actor.label()])? {
        return Err(Error::Duplicate { what: "complaint", id: format!("{} {}", subject.code(), truncate(subject_id, 64)) });
    }
    let c = Complaint {
        id: id.to_string(),
        subject,
        subject_id: subject_id.to_string(),
        senior_id: senior,
        org_kind,
        org,
        month,
        text: text.to_string(),
        by: actor.label(),
        at: em.at,
        state: ComplaintState::Open,
        answer: String::new(),
        answered_by: None,
        answered_at: None,
    };
    tx.execute(
        "INSERT INTO complaint (id, subject, subject_id, senior_id, org_kind, org, month, text, by_actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        args![c.id, subject.code(), c.subject_id, c.senior_id, org_kind.code(), c.org, c.month, c.text, c.by, c.at],
    )?;
    em.changed(Change::owned("complaint", &c.id, &c.senior_id));
    em.emit(tx, crate::event::EventKind::Complained, &c.subject_id, &c.senior_id, None, format!("subject={}", subject.code()))?;
    Ok(c)
}

const COMPLAINT_COLUMNS: &str = "id, subject, subject_id, senior_id, org_kind, org, month, text, by_actor, at, state, answer, answered_by, answered_at";

fn complaint_from_row(r: &crate::db::Row) -> Result<Complaint> {
    Ok(Complaint {
        id: r.get(0)?,
        subject: r.get::<String>(1)?.parse()?,
        subject_id: r.get(2)?,
        senior_id: r.get(3)?,
        org_kind: r.get::<String>(4)?.parse()?,
        org: r.get(5)?,
        month: r.get(6)?,
        text: r.get(7)?,
        by: r.get(8)?,
        at: r.get(9)?,
        state: r.get::<String>(10)?.parse()?,
        answer: r.get(11)?,
        answered_by: r.get(12)?,
        answered_at: r.get(13)?,
    })
}

/// Who answers a complaint: the district, the senior's station, or the canteen it is about.
fn may_answer(sql: &dyn Sql, actor: &Actor, c: &Complaint) -> Result<bool> {
    Ok(match actor {
        Actor::District => true,
        Actor::Operator(_) | Actor::Township(_) => (c.org_kind == OrgKind::Canteen && crate::person::runs_facility(sql, actor, &c.org)?) || crate::person::oversees(actor, &senior_in(sql, &c.senior_id)?),
        _ => false,
    })
}

/// Answers a complaint (again, while it is open or answered); `close` ends it, after which
/// nothing changes.
pub(crate) fn answer_complaint_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, answer: &str, close: bool) -> Result<Complaint> {
    let mut c = tx
        .one(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaint WHERE id = ?1"), args![id])?
        .map(|r| complaint_from_row(&r))
        .transpose()?
        .ok_or_else(|| Error::not_found("complaint", truncate(id, 64)))?;
    if !may_answer(tx, actor, &c)? {
        return Err(Error::Forbidden(format!("{} may not answer complaint {}", actor.label(), truncate(id, 64))));
    }
    if answer.trim().is_empty() || answer.chars().count() > 1000 {
        return Err(Error::invalid("answer", "say what was done, in at most 1000 characters"));
    }
    if c.state == ComplaintState::Closed {
        return Err(Error::InvalidStateChange { what: "complaint", id: c.id.clone(), from: c.state.code().into(), action: "answered".into() });
    }
    c.state = if close { ComplaintState::Closed } else { ComplaintState::Answered };
    c.answer = answer.to_string();
    c.answered_by = Some(actor.label());
    c.answered_at = Some(em.at);
    tx.execute("UPDATE complaint SET state = ?2, answer = ?3, answered_by = ?4, answered_at = ?5 WHERE id = ?1", args![c.id, c.state.code(), c.answer, c.answered_by, em.at])?;
    em.changed(Change::owned("complaint", &c.id, &c.senior_id));
    em.emit(tx, crate::event::EventKind::ComplaintAnswered, &c.id, &c.senior_id, None, format!("state={}", c.state.code()))?;
    Ok(c)
}

impl CareCircle {

    /// A senior's ratings, for those who may see the senior's visits.
    pub fn ratings_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<Rating>> {
        self.store.read(|sql| {
            may_act_for(sql, actor, &senior_in(sql, senior_id)?, |p| p.can_see_visits, "see ratings")?;
            sql.query(&format!("SELECT {RATING_COLUMNS} FROM rating WHERE senior_id = ?1 ORDER BY at DESC, id"), args![senior_id])?.iter().map(rating_from_row).collect()
        })
    }

    /// The district's ranking of organisations for a month, best first (the district only).
    pub fn organisation_ranking(&self, actor: &Actor, year: i32, month: u32) -> Result<Vec<OrgScore>> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not see the district's ranking", actor.label())));
        }
        let (first, next) = month_bounds(year, month)?;
        let code = month_code(first);
        let (from, to) = (from_shanghai(first.and_time(NaiveTime::MIN)), from_shanghai(next.and_time(NaiveTime::MIN)));
        let mut orgs: BTreeMap<(OrgKind, String), ScoreInputs> = BTreeMap::new();
        self.store.read(|sql| {
            for r in sql.query(
                "SELECT c.organisation, b.state, COUNT(*) FROM booking b JOIN caregiver c ON c.id = b.caregiver_id
                 WHERE b.start_at >= ?1 AND b.start_at < ?2 AND b.state IN ('completed', 'no_show') GROUP BY c.organisation, b.state",
                args![from, to],
            )? {
                let e = orgs.entry((OrgKind::Care, r.get(0)?)).or_default();
                let n: u32 = r.get(2)?;
                *e.due.get_or_insert(0) += n;
                if r.get::<String>(1)? == "no_show" {
                    e.no_shows += n;
                }
            }
            for r in sql.query(
                "SELECT c.organisation, COUNT(*) FROM visit v JOIN booking b ON b.id = v.booking_id JOIN caregiver c ON c.id = v.caregiver_id
                 WHERE b.start_at >= ?1 AND b.start_at < ?2 AND b.state = 'completed' AND v.flagged = 1 AND (v.review IS NULL OR v.review <> 'approved')
                 GROUP BY c.organisation",
                args![from, to],
            )? {
                orgs.entry((OrgKind::Care, r.get(0)?)).or_default().flagged += r.get::<u32>(1)?;
            }
            for r in sql.query("SELECT org_kind, org, COUNT(*), CAST(SUM(stars) AS BIGINT) FROM rating WHERE month = ?1 GROUP BY org_kind, org", args![code])? {
                let e = orgs.entry((r.get::<String>(0)?.parse()?, r.get(1)?)).or_default();
                e.ratings += r.get::<u32>(2)?;
                e.stars_sum += r.get::<u32>(3)?;
            }
            for r in sql.query("SELECT org_kind, org, COUNT(*) FROM complaint WHERE month = ?1 GROUP BY org_kind, org", args![code])? {
                orgs.entry((r.get::<String>(0)?.parse()?, r.get(1)?)).or_default().complaints += r.get::<u32>(2)?;
            }
            for r in sql.query(
                "SELECT facility_id FROM meal_order WHERE date >= ?1 AND date < ?2 AND state = 'ordered' GROUP BY facility_id",
                args![first.to_string(), next.to_string()],
            )? {
                orgs.entry((OrgKind::Canteen, r.get(0)?)).or_default();
            }
            Ok(())
        })?;
        let mut out: Vec<OrgScore> = orgs
            .into_iter()
            .map(|((kind, org), mut inputs)| {
                if kind == OrgKind::Canteen {
                    inputs.due = None;
                }
                let name = match kind {
                    OrgKind::Care => org.clone(),
                    OrgKind::Canteen => self.facility(&org).map(|f| f.name).unwrap_or_else(|_| org.clone()),
                };
                let average_stars = (inputs.ratings > 0).then(|| f64::from(inputs.stars_sum) / f64::from(inputs.ratings));
                OrgScore { rank: 0, org_kind: kind, org, name, month: code.clone(), parts: score(&inputs), inputs, average_stars }
            })
            .collect();
        out.sort_by(|a, b| b.parts.score.total_cmp(&a.parts.score).then_with(|| a.org_kind.cmp(&b.org_kind)).then_with(|| a.org.cmp(&b.org)));
        for (i, o) in out.iter_mut().enumerate() {
            o.rank = i as u32 + 1;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_score_follows_the_documented_formula() {
        // Three ratings (5, 4, 5), ten visits due with one no-show and one flagged, one complaint.
        let p = score(&ScoreInputs { ratings: 3, stars_sum: 14, complaints: 1, due: Some(10), no_shows: 1, flagged: 1 });
        assert!(close(p.adjusted_stars, 29.0 / 8.0));
        assert!(close(p.rating_points, 39.375));
        assert!(close(p.service_points, 32.0));
        assert!(close(p.complaint_points, 5.0));
        assert!(close(p.score, 66.375));
        // Nothing known: neutral stars, full service.
        let p = score(&ScoreInputs::default());
        assert!(close(p.score, 30.0 + 40.0));
        // Complaints are capped at 30 points; the score never goes below 0.
        let p = score(&ScoreInputs { ratings: 100, stars_sum: 100, complaints: 20, due: Some(4), no_shows: 4, flagged: 3, ..Default::default() });
        assert!(close(p.complaint_points, 30.0) && close(p.service_points, 0.0) && close(p.score, 0.0));
    }
}
