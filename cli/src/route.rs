//! Day routes: plan a station's day and confirm it, a caregiver's day in order, how a caregiver
//! travels, and the solver on Solomon's benchmark files.

use crate::output::{Output, table};
use carecircle_core::clock::{parse_date, to_shanghai};
use carecircle_core::route::day::{Change, DayPlan};
use carecircle_core::route::{SolveOptions, TravelMode, solomon};
use carecircle_core::{Actor, CareCircle, Error, Result};
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum RouteCmd {
    /// Plan a station's day: assign and order its visits, propose it (and confirm with --confirm).
    Day(DayArgs),
    /// Confirm a proposed day plan: offers and handovers go through the booking rules.
    Confirm {
        #[arg(long = "as", default_value = "district")]
        actor: String,
        proposal: String,
    },
    /// Show a stored day plan.
    Show {
        #[arg(long = "as", default_value = "district")]
        actor: String,
        proposal: String,
    },
    /// A caregiver's day in order, with expected arrivals.
    Caregiver {
        #[arg(long = "as", default_value = "district")]
        actor: String,
        caregiver: String,
        #[arg(long)]
        date: String,
    },
    /// Set how a caregiver travels: walk or ebike.
    Mode {
        #[arg(long = "as", default_value = "district")]
        actor: String,
        caregiver: String,
        mode: TravelMode,
    },
    /// Solve a VRPTW benchmark file (Solomon's format): vehicles, total distance, routes, time.
    Solve(SolveArgs),
}

#[derive(Args)]
pub struct DayArgs {
    #[arg(long)]
    station: String,
    /// YYYY-MM-DD (Shanghai).
    #[arg(long)]
    date: String,
    /// operator:STATION or district.
    #[arg(long = "as", default_value = "district")]
    actor: String,
    /// Confirm the proposal at once.
    #[arg(long)]
    confirm: bool,
}

#[derive(Args)]
pub struct SolveArgs {
    file: std::path::PathBuf,
    #[arg(long, default_value = "solomon")]
    format: String,
    /// Time limit in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop after this many iterations (deterministic for a seed) if sooner than the time limit.
    #[arg(long)]
    iterations: Option<u64>,
}

/// `route solve` needs no database: it runs before one is opened.
pub fn solve(out: &Output, a: SolveArgs) -> Result<()> {
    if a.format != "solomon" {
        return Err(Error::invalid("format", "only 'solomon' is read"));
    }
    if !(a.seconds.is_finite() && a.seconds > 0.0 && a.seconds <= 3600.0) {
        return Err(Error::invalid("seconds", "must be more than 0 and at most 3600"));
    }
    let text = std::fs::read_to_string(&a.file)?;
    let inst = solomon::parse(&text)?;
    let opts = SolveOptions { seed: a.seed, max_iterations: a.iterations.unwrap_or(u64::MAX), time_limit: std::time::Duration::from_secs_f64(a.seconds) };
    let r = carecircle_core::route::solve_solomon(&inst, &opts);
    out.either(&r, || {
        println!("{}: {} customers, {} vehicles used, total distance {:.2} (Euclidean, double precision), {:.2} s, {} iterations", r.name, r.customers, r.vehicles_used, r.total_distance, r.seconds, r.iterations);
        for (i, route) in r.routes.iter().enumerate() {
            println!("Route #{}: {}  ({:.2})", i + 1, route.customers.iter().map(u32::to_string).collect::<Vec<_>>().join(" "), route.distance);
        }
        if r.violations.is_empty() {
            println!("checked: every customer served once, within its window and the capacity; every vehicle back in time");
        } else {
            println!("CHECK FAILED: {}", r.violations.join("; "));
        }
    })?;
    if r.violations.is_empty() { Ok(()) } else { Err(Error::invalid("solution", "the checker found broken rules")) }
}

pub fn route(cc: &CareCircle, out: &Output, cmd: RouteCmd) -> Result<()> {
    match cmd {
        RouteCmd::Day(a) => {
            let actor = Actor::parse(&a.actor)?;
            let plan = cc.plan_day(&actor, &a.station, parse_date(&a.date)?)?;
            let confirmed = if a.confirm { Some(cc.confirm_day_plan(&actor, &plan.id)?) } else { None };
            out.either(&serde_json::json!({ "plan": plan, "confirmed": confirmed }), || {
                print_plan(&plan);
                match &confirmed {
                    Some(c) => println!("confirmed: {} offered, {} handovers, {} kept, {} skipped", c.offered.len(), c.handovers.len(), c.kept.len(), c.skipped.len()),
                    None => println!("proposal {} (confirm with: carecircle route confirm {})", plan.id, plan.id),
                }
            })
        }
        RouteCmd::Confirm { actor, proposal } => {
            let c = cc.confirm_day_plan(&Actor::parse(&actor)?, &proposal)?;
            out.either(&c, || {
                println!("offered to the planned caregiver: {}", c.offered.len());
                println!("handovers (the caregiver who accepted keeps it until the new one accepts): {}", c.handovers.len());
                println!("kept as they were: {}", c.kept.len());
                for s in &c.skipped {
                    println!("skipped {}: {}", s.booking_id, s.reason);
                }
            })
        }
        RouteCmd::Show { actor, proposal } => {
            let plan = cc.day_plan(&Actor::parse(&actor)?, &proposal)?;
            out.either(&plan, || print_plan(&plan))
        }
        RouteCmd::Caregiver { actor, caregiver, date } => {
            let day = cc.caregiver_day(&Actor::parse(&actor)?, &caregiver, parse_date(&date)?)?;
            out.either(&day, || {
                println!("{} on {} ({}), {:.0} min of travel", day.caregiver_id, day.date, day.mode.code(), day.travel_seconds / 60.0);
                let rows: Vec<Vec<String>> = day
                    .stops
                    .iter()
                    .map(|s| {
                        vec![
                            to_shanghai(s.arrival).format("%H:%M").to_string(),
                            to_shanghai(s.start).format("%H:%M").to_string(),
                            to_shanghai(s.start + (s.booking.end - s.booking.start)).format("%H:%M").to_string(),
                            s.booking.id.clone(),
                            s.booking.senior_id.clone(),
                            s.booking.service.code().into(),
                            s.status.clone(),
                            if s.planned { "plan".into() } else { "booked".into() },
                        ]
                    })
                    .collect();
                table(&["arrive", "start", "end", "booking", "senior", "service", "status", "times"], &rows);
            })
        }
        RouteCmd::Mode { actor, caregiver, mode } => {
            cc.set_travel_mode(&Actor::parse(&actor)?, &caregiver, mode)?;
            out.either(&serde_json::json!({ "caregiver_id": caregiver, "mode": mode }), || println!("{caregiver} travels by {}", mode.code()))
        }
        RouteCmd::Solve(_) => unreachable!("solved before the database is opened"),
    }
}

fn print_plan(plan: &DayPlan) {
    println!("Station {} on {} ({}): {} visits", plan.station_id, plan.date, plan.state.code(), plan.after.visits);
    for r in &plan.routes {
        println!(
            "\n{} ({}): leaves {} back {} - {:.0} min, {:.0} m of travel",
            r.caregiver_id,
            r.mode.code(),
            to_shanghai(r.leave_base_at).format("%H:%M"),
            to_shanghai(r.back_at_base).format("%H:%M"),
            r.travel_seconds / 60.0,
            r.distance_m
        );
        let rows: Vec<Vec<String>> = r
            .stops
            .iter()
            .map(|s| {
                vec![
                    to_shanghai(s.arrival).format("%H:%M").to_string(),
                    to_shanghai(s.start).format("%H:%M").to_string(),
                    to_shanghai(s.booked_start).format("%H:%M").to_string(),
                    s.booking_id.clone(),
                    s.senior_id.clone(),
                    s.service.code().into(),
                    format!("{:.0}", s.travel_seconds / 60.0),
                    match &s.change {
                        Change::Keep => "keep".into(),
                        Change::Offer => "offer".into(),
                        Change::Handover { from } => format!("handover from {from}"),
                    },
                ]
            })
            .collect();
        table(&["arrive", "start", "booked", "booking", "senior", "service", "min", "change"], &rows);
    }
    for u in &plan.unassigned {
        println!("not planned: {} ({})", u.booking_id, u.reason);
    }
    let (b, a) = (&plan.before, &plan.after);
    println!(
        "\ntravel as matching left it: {:.0} min, {:.0} m, {} caregivers, {} late or unserved",
        b.travel_seconds / 60.0,
        b.distance_m,
        b.caregivers,
        b.late_or_unserved
    );
    println!("travel as planned:          {:.0} min, {:.0} m, {} caregivers, {} unplanned", a.travel_seconds / 60.0, a.distance_m, a.caregivers, a.late_or_unserved);
    println!("solver: {} iterations in {:.2} s", plan.iterations, plan.solve_seconds);
}
