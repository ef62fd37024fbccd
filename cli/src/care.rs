//! Care plans, family doctors, subsidy applications, ratings, the district's ranking and
//! statistics from the command line.

use crate::output::{Output, table};
use crate::visits::As;
use carecircle_core::clock::{parse_date, parse_instant, shanghai_date, to_shanghai};
use carecircle_core::doctor::{ContractRequest, ContractService, HealthCheckRecord};
use carecircle_core::entitlement::parse_month;
use carecircle_core::plan::{CarePlan, Generated, HolidayCalendar, OverQuota, PlanKind, PlanOccurrence, PlanRequest, parse_plan_items};
use carecircle_core::rating::RatedSubject;
use carecircle_core::stats::{DistrictStats, DivisionStats};
use carecircle_core::subsidy::{SubsidyApplication, SubsidyKind};
use carecircle_core::{Actor, CareCircle, Error, Result, Service};
use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand};

fn actor_or_district(a: &Option<String>) -> Result<Actor> {
    a.as_deref().map_or(Ok(Actor::District), Actor::parse)
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    who: As,
    /// Weekly visits: "cleaning mon,thu 09:00 120; bathing sat 10:00" (service, days, start, optional minutes).
    #[arg(long)]
    items: String,
    /// The regular caregiver, offered every visit first.
    #[arg(long)]
    caregiver: Option<String>,
    /// What to do with a government-paid visit beyond the month's quota: self_paid or skip.
    #[arg(long, default_value = "self_paid")]
    over_quota: OverQuota,
    /// First day (YYYY-MM-DD); today if omitted.
    #[arg(long)]
    from: Option<String>,
    /// Last day, if any.
    #[arg(long)]
    until: Option<String>,
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Subcommand)]
pub enum PlanCmd {
    /// Make a care plan for a senior (kind regular or family_care_bed).
    Create {
        #[arg(long)]
        senior: String,
        #[arg(long, default_value = "regular")]
        kind: PlanKind,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Change a plan; visits generated and not yet started are generated again.
    Change {
        plan_id: String,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// End a plan today; its visits not yet started are cancelled.
    End {
        #[command(flatten)]
        who: As,
        plan_id: String,
        #[arg(long)]
        reason: String,
    },
    /// A plan with its generated and skipped visits.
    Show {
        #[command(flatten)]
        who: As,
        plan_id: String,
    },
    /// A senior's plans.
    List {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
    },
    /// Generate a plan's visits through a day (default: the end of next week).
    Generate {
        #[command(flatten)]
        who: As,
        plan_id: String,
        #[arg(long)]
        through: Option<String>,
    },
    /// The weekly job: generate every active plan's visits through a day (default: the end of next week).
    GenerateAll {
        #[arg(long)]
        through: Option<String>,
    },
    /// Mark a caregiver absent; their visits in those days are offered to others.
    Absent {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        caregiver: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// The holiday calendar plans skip; with --set, replace it (the district).
    Holidays {
        /// Dates, comma-separated (YYYY-MM-DD).
        #[arg(long)]
        set: Option<String>,
        #[arg(long, default_value = "")]
        source: String,
        #[arg(long = "as")]
        actor: Option<String>,
    },
}

fn plan_request(senior: String, kind: PlanKind, p: &PlanArgs, today: NaiveDate) -> Result<PlanRequest> {
    Ok(PlanRequest {
        senior_id: senior,
        kind,
        items: parse_plan_items(&p.items)?,
        regular_caregiver_id: p.caregiver.clone(),
        over_quota: p.over_quota,
        starts_on: p.from.as_deref().map_or(Ok(today), parse_date)?,
        ends_on: p.until.as_deref().map(parse_date).transpose()?,
        note: p.note.clone(),
    })
}

fn print_plan(p: &CarePlan) {
    let items: Vec<String> = p
        .items
        .iter()
        .map(|i| format!("{} {} {}{}", i.service.code(), i.day.code(), i.start.format("%H:%M"), i.duration_minutes.map_or(String::new(), |m| format!(" {m}min"))))
        .collect();
    println!(
        "plan {} for {} ({}), {} from {}{}; regular caregiver {}; over quota: {}; generated through {}",
        p.id,
        p.senior_id,
        p.kind.code(),
        p.state.code(),
        p.starts_on,
        p.ends_on.map_or(String::new(), |e| format!(" to {e}")),
        p.regular_caregiver_id.as_deref().unwrap_or("-"),
        p.over_quota.code(),
        p.generated_through.map_or("-".into(), |d| d.to_string())
    );
    println!("  {}", items.join("; "));
}

fn print_occurrences(occ: &[PlanOccurrence]) {
    let rows: Vec<Vec<String>> = occ
        .iter()
        .map(|o| {
            vec![
                o.date.to_string(),
                to_shanghai(o.start).format("%a %H:%M").to_string(),
                o.service.code().into(),
                o.outcome.code().into(),
                o.booking_state.map_or("-".into(), |s| s.code().to_string()),
                o.caregiver_id.clone().unwrap_or_else(|| "-".into()),
                o.booking_id.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&["date", "start", "service", "outcome", "state", "caregiver", "booking"], &rows);
}

fn print_generated(g: &[Generated]) {
    let all: Vec<PlanOccurrence> = g.iter().flat_map(|g| g.occurrences.clone()).collect();
    println!("{} plan(s), {} visit(s) considered", g.len(), all.len());
    if !all.is_empty() {
        print_occurrences(&all);
    }
}

pub fn plan(cc: &CareCircle, out: &Output, c: PlanCmd) -> Result<()> {
    let today = cc.today();
    match c {
        PlanCmd::Create { senior, kind, plan } => {
            let p = cc.create_plan(&plan.who.actor, &plan_request(senior, kind, &plan, today)?)?;
            out.either(&p, || print_plan(&p))
        }
        PlanCmd::Change { plan_id, plan } => {
            let current = cc.plan(&plan.who.actor, &plan_id)?;
            let mut req = plan_request(current.senior_id.clone(), current.kind, &plan, current.starts_on)?;
            if plan.from.is_none() {
                req.starts_on = current.starts_on;
            }
            let p = cc.change_plan(&plan.who.actor, &plan_id, &req)?;
            out.either(&p, || print_plan(&p))
        }
        PlanCmd::End { who, plan_id, reason } => {
            let p = cc.end_plan(&who.actor, &plan_id, &reason)?;
            out.either(&p, || print_plan(&p))
        }
        PlanCmd::Show { who, plan_id } => {
            let p = cc.plan(&who.actor, &plan_id)?;
            let occ = cc.plan_occurrences(&who.actor, &plan_id)?;
            out.either(&serde_json::json!({ "plan": p, "occurrences": occ }), || {
                print_plan(&p);
                print_occurrences(&occ);
            })
        }
        PlanCmd::List { who, senior } => {
            let plans = cc.plans_for_senior(&who.actor, &senior)?;
            out.either(&plans, || plans.iter().for_each(print_plan))
        }
        PlanCmd::Generate { who, plan_id, through } => {
            let through = through.as_deref().map_or(Ok(carecircle_core::plan::default_horizon(today)), parse_date)?;
            let g = cc.generate_plan_visits(&who.actor, &plan_id, through)?;
            out.either(&g, || print_generated(std::slice::from_ref(&g)))
        }
        PlanCmd::GenerateAll { through } => {
            let through = through.as_deref().map_or(Ok(carecircle_core::plan::default_horizon(today)), parse_date)?;
            let g = cc.generate_all_plans(through)?;
            out.either(&g, || print_generated(&g))
        }
        PlanCmd::Absent { who, caregiver, from, to, reason } => {
            let a = cc.mark_absent(&who.actor, &caregiver, parse_date(&from)?, parse_date(&to)?, &reason)?;
            out.either(&a, || println!("caregiver {} absent {} to {}; {} visit(s) offered to others: {}", a.caregiver_id, a.from, a.to, a.reoffered.len(), a.reoffered.join(", ")))
        }
        PlanCmd::Holidays { set, source, actor } => {
            if let Some(dates) = set {
                let dates = dates.split(',').map(str::trim).filter(|d| !d.is_empty()).map(parse_date).collect::<Result<Vec<_>>>()?;
                cc.set_holidays(&actor_or_district(&actor)?, &HolidayCalendar { dates, source })?;
            }
            let cal = cc.holidays()?;
            out.either(&cal, || {
                println!("{} holiday(s); source: {}", cal.dates.len(), cal.source);
                println!("{}", cal.dates.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "));
            })
        }
    }
}

#[derive(Subcommand)]
pub enum DoctorCmd {
    /// The doctors of a clinic.
    List { clinic: String },
    /// Sign a family-doctor contract (refused if it overlaps another of the senior's).
    Sign {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        doctor: String,
        #[arg(long)]
        from: String,
        /// Last day; a year after --from if omitted.
        #[arg(long)]
        to: Option<String>,
        /// home_rounds, annual_check, chronic_disease, family_sick_bed (comma-separated).
        #[arg(long, default_value = "home_rounds,annual_check")]
        services: String,
    },
    /// End a contract early: its last day.
    Terminate {
        #[command(flatten)]
        who: As,
        contract: String,
        #[arg(long)]
        last_day: String,
    },
    /// A senior's contracts.
    Contracts {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
    },
    /// The clinic books a home round (上门巡诊) with the contract's doctor.
    Round {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        contract: String,
        /// Shanghai wall clock or RFC 3339.
        #[arg(long)]
        start: String,
        #[arg(long)]
        minutes: Option<u32>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record an annual health check.
    Check {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        clinic: String,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        doctor: Option<String>,
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// Seniors 65+ whose annual check is due within N days or overdue.
    Due {
        #[command(flatten)]
        who: As,
        #[arg(long, default_value_t = 30)]
        within: u32,
        /// How many to list in the table (JSON lists all).
        #[arg(long, default_value_t = 20)]
        show: usize,
    },
    /// Remind contracted seniors' doctors of checks due (once per due date).
    Remind {
        #[arg(long, default_value_t = 30)]
        within: u32,
    },
}

pub fn doctor(cc: &CareCircle, out: &Output, c: DoctorCmd) -> Result<()> {
    match c {
        DoctorCmd::List { clinic } => {
            let docs = cc.doctors_of(&clinic);
            out.either(&docs, || {
                let rows: Vec<Vec<String>> = docs.iter().map(|d| vec![d.id.clone(), d.name.clone(), d.availability.to_string()]).collect();
                table(&["doctor", "name", "on duty"], &rows);
            })
        }
        DoctorCmd::Sign { who, senior, doctor, from, to, services } => {
            let starts_on = parse_date(&from)?;
            let ends_on = match to {
                Some(t) => parse_date(&t)?,
                None => carecircle_core::doctor::default_contract_end(starts_on)?,
            };
            let k = cc.sign_contract(&who.actor, &ContractRequest { senior_id: senior, doctor_id: doctor, starts_on, ends_on, services: ContractService::parse_list(&services)? })?;
            out.either(&k, || println!("contract {} signed: senior {} with doctor {} of {}, {} to {}", k.id, k.senior_id, k.doctor_id, k.clinic_id, k.starts_on, k.ends_on))
        }
        DoctorCmd::Terminate { who, contract, last_day } => out.value(&cc.terminate_contract(&who.actor, &contract, parse_date(&last_day)?)?),
        DoctorCmd::Contracts { who, senior } => out.value(&cc.contracts_for_senior(&who.actor, &senior)?),
        DoctorCmd::Round { who, contract, start, minutes, note } => {
            let b = cc.book_home_round(&who.actor, &contract, parse_instant(&start)?, minutes, &note)?;
            out.either(&b, || println!("home round {} with {} at {}", b.id, b.caregiver_id.as_deref().unwrap_or("-"), to_shanghai(b.start).format("%Y-%m-%d %H:%M")))
        }
        DoctorCmd::Check { who, clinic, senior, date, doctor, summary } => {
            out.value(&cc.record_health_check(&who.actor, &clinic, &HealthCheckRecord { senior_id: senior, date: parse_date(&date)?, doctor_id: doctor, summary })?)
        }
        DoctorCmd::Due { who, within, show } => {
            let due = cc.health_checks_due(&who.actor, within)?;
            out.either(&due, || {
                let overdue = due.iter().filter(|d| d.overdue).count();
                println!("{} annual check(s) due within {within} days, {overdue} of them overdue", due.len());
                let rows: Vec<Vec<String>> = due
                    .iter()
                    .take(show)
                    .map(|d| {
                        vec![
                            d.senior_id.clone(),
                            d.age.to_string(),
                            d.last_check.map_or("never".into(), |x| x.to_string()),
                            d.due_on.to_string(),
                            if d.overdue { "overdue".into() } else { "due".into() },
                            d.doctor_id.clone().unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect();
                table(&["senior", "age", "last check", "due on", "status", "doctor"], &rows);
            })
        }
        DoctorCmd::Remind { within } => {
            let r = cc.remind_health_checks(within)?;
            out.either(&r, || println!("{} doctor reminder(s) sent", r.len()))
        }
    }
}

#[derive(Subcommand)]
pub enum SubsidyCmd {
    /// Apply for a subsidy (service, meal or device_rental); the latest assessment is attached.
    Apply {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        kind: SubsidyKind,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The station recommends an application to the district.
    Recommend(OnApplication),
    /// The station returns an application for changes (--reason).
    Return(OnApplication),
    /// The applicant resubmits a returned application.
    Resubmit(OnApplication),
    /// The district approves a recommended application.
    Approve(OnApplication),
    /// The district refuses a recommended application (--reason).
    Refuse(OnApplication),
    /// The applicant withdraws an application not yet with the district.
    Withdraw(OnApplication),
    /// An application with its history.
    Show {
        #[command(flatten)]
        who: As,
        id: String,
    },
    /// A senior's applications.
    List {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
    },
    /// What waits for a reviewer (a station's submitted, the district's recommended).
    Queue {
        #[command(flatten)]
        who: As,
    },
}

#[derive(Args)]
pub struct OnApplication {
    #[command(flatten)]
    who: As,
    id: String,
    #[arg(long, default_value = "")]
    reason: String,
}

fn print_application(a: &SubsidyApplication) {
    let grant = a.grant.as_ref().map_or(String::new(), |g| {
        format!(
            "; grant: {} valid {} to {}",
            match a.kind {
                SubsidyKind::Service => format!("+{} hours a month", g.monthly_hours),
                SubsidyKind::Meal => format!("+{} fen a meal", g.meal_fen),
                SubsidyKind::DeviceRental => format!("deposit {}, {:.0}% of the daily fee", if g.deposit_waived { "waived" } else { "due" }, g.fee_share * 100.0),
            },
            g.valid_from,
            g.valid_until
        )
    });
    println!(
        "{} {} subsidy for {}: {}{}{}",
        a.id,
        a.kind.code(),
        a.senior_id,
        a.state.code(),
        a.reason.as_deref().map_or(String::new(), |r| format!(" ({r})")),
        grant
    );
}

pub fn subsidy(cc: &CareCircle, out: &Output, c: SubsidyCmd) -> Result<()> {
    let one = |a: SubsidyApplication| out.either(&a, || print_application(&a));
    match c {
        SubsidyCmd::Apply { who, senior, kind, note } => one(cc.apply_for_subsidy(&who.actor, &senior, kind, &note)?),
        SubsidyCmd::Recommend(a) => one(cc.recommend_subsidy(&a.who.actor, &a.id)?),
        SubsidyCmd::Return(a) => one(cc.return_subsidy(&a.who.actor, &a.id, &a.reason)?),
        SubsidyCmd::Resubmit(a) => one(cc.resubmit_subsidy(&a.who.actor, &a.id, &a.reason)?),
        SubsidyCmd::Approve(a) => one(cc.approve_subsidy(&a.who.actor, &a.id)?),
        SubsidyCmd::Refuse(a) => one(cc.refuse_subsidy(&a.who.actor, &a.id, &a.reason)?),
        SubsidyCmd::Withdraw(a) => one(cc.withdraw_subsidy(&a.who.actor, &a.id)?),
        SubsidyCmd::Show { who, id } => {
            let a = cc.subsidy(&who.actor, &id)?;
            let h = cc.subsidy_history(&who.actor, &id)?;
            out.either(&serde_json::json!({ "application": a, "history": h }), || {
                print_application(&a);
                let rows: Vec<Vec<String>> = h
                    .iter()
                    .map(|s| vec![s.n.to_string(), to_shanghai(s.at).format("%Y-%m-%d %H:%M").to_string(), s.actor.clone(), s.action.code().into(), s.to.code().into(), s.reason.clone()])
                    .collect();
                table(&["#", "at", "by", "action", "state", "reason"], &rows);
            })
        }
        SubsidyCmd::List { who, senior } => {
            let list = cc.subsidies_for_senior(&who.actor, &senior)?;
            out.either(&list, || list.iter().for_each(print_application))
        }
        SubsidyCmd::Queue { who } => {
            let list = cc.subsidy_queue(&who.actor)?;
            out.either(&list, || {
                println!("{} application(s) waiting", list.len());
                list.iter().for_each(print_application)
            })
        }
    }
}

#[derive(Args)]
pub struct RateArgs {
    #[command(flatten)]
    who: As,
    /// A completed visit's booking id.
    #[arg(long, conflicts_with = "meal", required_unless_present = "meal")]
    visit: Option<String>,
    /// A served meal's order id.
    #[arg(long)]
    meal: Option<String>,
    #[arg(long)]
    stars: u8,
    #[arg(long, default_value = "")]
    comment: String,
}

#[derive(Args)]
pub struct ComplainArgs {
    #[command(flatten)]
    who: As,
    #[arg(long, conflicts_with = "meal", required_unless_present = "meal")]
    visit: Option<String>,
    #[arg(long)]
    meal: Option<String>,
    #[arg(long)]
    text: String,
}

fn subject(visit: Option<String>, meal: Option<String>) -> Result<(RatedSubject, String)> {
    match (visit, meal) {
        (Some(v), None) => Ok((RatedSubject::Visit, v)),
        (None, Some(m)) => Ok((RatedSubject::Meal, m)),
        _ => Err(Error::invalid("subject", "give --visit or --meal")),
    }
}

pub fn rate(cc: &CareCircle, out: &Output, a: RateArgs) -> Result<()> {
    let (s, id) = subject(a.visit, a.meal)?;
    out.value(&cc.rate(&a.who.actor, s, &id, a.stars, &a.comment)?)
}

pub fn complain(cc: &CareCircle, out: &Output, a: ComplainArgs) -> Result<()> {
    let (s, id) = subject(a.visit, a.meal)?;
    out.value(&cc.complain(&a.who.actor, s, &id, &a.text)?)
}

#[derive(Args)]
pub struct MonthArgs {
    /// YYYY-MM; last month if omitted.
    #[arg(long)]
    month: Option<String>,
    /// district (default) or system.
    #[arg(long = "as")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    month: MonthArgs,
    /// township or village rows in the table (JSON has both).
    #[arg(long, default_value = "township")]
    level: String,
}

fn month_of(cc: &CareCircle, m: &MonthArgs) -> Result<(i32, u32)> {
    match &m.month {
        Some(s) => parse_month(s),
        None => {
            let last = shanghai_date(cc.now()).with_day(1).and_then(|d| d.pred_opt()).expect("valid date");
            Ok((last.year(), last.month()))
        }
    }
}

pub fn ranking(cc: &CareCircle, out: &Output, a: MonthArgs) -> Result<()> {
    let (y, m) = month_of(cc, &a)?;
    let r = cc.organisation_ranking(&actor_or_district(&a.actor)?, y, m)?;
    out.either(&r, || {
        println!("Organisations ranked for {y:04}-{m:02} (score = rating 0-60 + service 0-40 - complaints; see README)");
        let rows: Vec<Vec<String>> = r
            .iter()
            .map(|o| {
                vec![
                    o.rank.to_string(),
                    o.name.clone(),
                    o.org_kind.code().into(),
                    format!("{:.1}", o.parts.score),
                    o.average_stars.map_or("-".into(), |s| format!("{s:.2}")),
                    o.inputs.ratings.to_string(),
                    o.inputs.due.map_or("-".into(), |d| d.to_string()),
                    o.inputs.no_shows.to_string(),
                    o.inputs.flagged.to_string(),
                    o.inputs.complaints.to_string(),
                ]
            })
            .collect();
        table(&["rank", "organisation", "kind", "score", "stars", "ratings", "visits", "no-shows", "flagged", "complaints"], &rows);
    })
}

pub fn stats(cc: &CareCircle, out: &Output, a: StatsArgs) -> Result<()> {
    let (y, m) = month_of(cc, &a.month)?;
    if !matches!(a.level.as_str(), "township" | "village") {
        return Err(Error::invalid("level", "township or village"));
    }
    let s = cc.district_stats(&actor_or_district(&a.month.actor)?, y, m)?;
    out.either(&s, || print_stats(&s, a.level == "village"))
}

pub fn one_map(cc: &CareCircle, out: &Output, actor: Option<String>) -> Result<()> {
    let map = cc.one_map(&actor_or_district(&actor)?)?;
    out.either(&map, || {
        println!("One map of {} ({}), {}: {} facilities, {} villages, {} seniors in {} cells of {} m", map.area_name, match &map.area {
            carecircle_core::access::Area::District => "the district".to_string(),
            carecircle_core::access::Area::Station(s) => format!("station {s}"),
            carecircle_core::access::Area::Township(t) => format!("township {t}"),
        }, map.today, map.facilities.len(), map.divisions.len(), map.cells.iter().map(|c| c.seniors).sum::<u32>(), map.cells.len(), map.cell_m);
        let rows: Vec<Vec<String>> = map.holes.iter().map(|h| vec![h.service.code().to_string(), h.cells.len().to_string(), h.seniors.to_string()]).collect();
        println!();
        table(&[&format!("{}-min circle holes", map.circle_minutes), "cells", "seniors"], &rows);
        println!();
        println!("open SOS alerts: {}", map.alerts.len());
        let mut states: std::collections::BTreeMap<&str, u32> = Default::default();
        for v in &map.visits {
            *states.entry(v.state.code()).or_default() += 1;
        }
        println!("visits today: {} ({})", map.visits.len(), states.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", "));
    })
}

pub fn print_stats(s: &DistrictStats, villages: bool) {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let t = &s.targets;
    println!("District statistics for {} (as of {}), {}-minute circle", s.month, s.as_of, s.circle_minutes);
    println!(
        "targets: family-doctor contracts {} (Zhenhai, 2020), {}-{} (Shaoxing); health checks of 65+ {}-{} (Shaoxing); circle and meal help everywhere",
        pct(t.contract_rate_zhenhai),
        pct(t.contract_rate_shaoxing_low),
        pct(t.contract_rate_shaoxing_high),
        pct(t.health_management_65_shaoxing_low),
        pct(t.health_management_65_shaoxing_high)
    );
    let rows_of = |list: &[DivisionStats]| -> Vec<DivisionStats> { std::iter::once(s.district.clone()).chain(list.iter().cloned()).collect() };
    let list = rows_of(if villages { &s.villages } else { &s.townships });
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            vec![
                d.division.clone(),
                d.seniors.to_string(),
                pct(d.contract_rate),
                pct(d.check_rate_65),
                format!("{}/{}", d.served, d.eligible),
                pct(d.served_rate),
                format!("{}/{}", d.communities_with_meals, d.communities),
                pct(d.meal_coverage),
            ]
        })
        .collect();
    println!();
    table(&[if villages { "village" } else { "township" }, "seniors", "doctor contracts", "checked 65+", "served/eligible", "served", "meal reach", "meal coverage"], &rows);
    let mut headers = vec!["15-min circle"];
    headers.extend(Service::ALL.iter().map(|s| s.code()));
    let rows: Vec<Vec<String>> = list.iter().map(|d| std::iter::once(d.division.clone()).chain(d.circle.iter().map(|c| pct(c.share))).collect()).collect();
    println!();
    table(&headers, &rows);
}
