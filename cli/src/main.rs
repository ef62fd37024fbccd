//! `carecircle`: the core from a terminal, with human output or `--json`.

mod admin;
mod care;
mod facilities;
mod network;
mod output;
mod people;
mod sync;
mod programmes;
mod route;
mod visits;

use carecircle_core::{CareCircle, Settings};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "carecircle", version, about = "CareCircle: home-based elderly care, from the command line")]
struct Cli {
    /// The phone's database file (created if missing).
    #[arg(long, global = true, env = "CARECIRCLE_DB", default_value = "carecircle.db")]
    db: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Senior walking speed in metres per second.
    #[arg(long, global = true, default_value_t = 1.0)]
    walk_speed: f64,
    /// Street distance over straight-line distance (only without a walking network).
    #[arg(long, global = true, default_value_t = 1.3)]
    detour: f64,
    /// Judge walks in a straight line × detour even if a walking network is stored.
    #[arg(long, global = true)]
    no_network: bool,
    /// Act as if it were this time (Shanghai wall clock or RFC 3339): the CLI plays a phone at that moment.
    #[arg(long, global = true)]
    now: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import facilities from a GeoJSON or CSV file (all rows or none).
    Import(facilities::ImportArgs),
    /// The k nearest facilities to a position.
    Nearest(facilities::NearArgs),
    /// Every facility within a radius of a position.
    Within(facilities::NearArgs),
    /// Show one facility.
    Facility { id: String },
    /// The 15-minute service circle of one home.
    Circle(facilities::CircleArgs),
    /// Circle coverage of many homes: shares per kind and division, uncovered homes.
    Coverage(facilities::CoverageArgs),
    /// The walking network: import an OpenStreetMap PBF extract, show what is stored.
    #[command(subcommand)]
    Network(network::NetworkCmd),
    /// The walk between two points along the walking network: metres, minutes, the way.
    Walk(network::WalkArgs),
    /// The area within a walk of a point, as a GeoJSON geometry.
    Isochrone(network::IsochroneArgs),
    /// Seniors.
    #[command(subcommand)]
    Senior(people::SeniorCmd),
    /// Family members and what seniors let them do.
    #[command(subcommand)]
    Family(people::FamilyCmd),
    /// Caregivers.
    #[command(subcommand)]
    Caregiver(people::CaregiverCmd),
    /// Record a capability assessment (GB/T 42195-2022).
    Assess(people::AssessArgs),
    /// Request a home visit for a senior; it is offered to the nearest free qualified caregivers.
    Book(visits::BookArgs),
    /// Offer a requested or declined booking again.
    Offer(visits::OnBooking),
    /// A caregiver accepts an offered visit.
    Accept(visits::OnBooking),
    /// A caregiver declines an offered visit.
    Decline(visits::WithReason),
    /// Cancel a booking, saying why.
    Cancel(visits::WithReason),
    /// The assigned caregiver checks in at the senior's home.
    CheckIn(visits::AtPlace),
    /// The assigned caregiver checks out; the visit is completed.
    CheckOut(visits::AtPlace),
    /// Approve or reject a flagged visit.
    Review(visits::ReviewArgs),
    /// Expire untaken requests and mark missed visits as no-shows.
    Sweep,
    /// Show one booking with its offers and visit record.
    Booking { id: String },
    /// A senior's bookings.
    Bookings {
        #[command(flatten)]
        who: visits::As,
        #[arg(long)]
        senior: String,
    },
    /// A caregiver's offers and visits.
    Agenda {
        #[arg(long)]
        caregiver: String,
    },
    /// A senior's monthly statement of government-paid and self-paid hours.
    Statement(visits::StatementArgs),
    /// The district's month.
    Summary {
        /// YYYY-MM
        #[arg(long)]
        month: String,
    },
    /// Meal help: canteens, menus, orders.
    #[command(subcommand)]
    Meal(programmes::MealCmd),
    /// Assistive-device rental.
    #[command(subcommand)]
    Rental(programmes::RentalCmd),
    /// Emergency calls.
    #[command(subcommand)]
    Alert(programmes::AlertCmd),
    /// The volunteer time bank.
    #[command(subcommand)]
    Timebank(programmes::TimeBankCmd),
    /// Care plans: weekly visits generated week by week; caregivers' absences; holidays.
    #[command(subcommand)]
    Plan(care::PlanCmd),
    /// Family doctors: contracts, home rounds, annual health checks.
    #[command(subcommand)]
    Doctor(care::DoctorCmd),
    /// Subsidy applications: apply, review, decide.
    #[command(subcommand)]
    Subsidy(care::SubsidyCmd),
    /// Rate a completed visit or a served meal (1-5 stars, once).
    Rate(care::RateArgs),
    /// Complain about a visit or a meal.
    Complain(care::ComplainArgs),
    /// The district's monthly ranking of organisations.
    Ranking(care::MonthArgs),
    /// District statistics against the seeds' targets, per township or village.
    Stats(care::StatsArgs),
    /// The one map's layers for an area (what the platform's map page draws), summarised.
    Map {
        /// operator:STATION or district (the default).
        #[arg(long = "as")]
        actor: Option<String>,
    },
    /// The event log after a sequence number.
    Events {
        #[arg(long, default_value_t = 0)]
        since: i64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Day routes: plan and confirm a station's day, a caregiver's day, the VRPTW solver.
    #[command(subcommand)]
    Route(route::RouteCmd),
    /// Load the bundled synthetic demo district and show what it looks like.
    Demo,
    /// Sync this database with the district platform: push local changes, pull what changed.
    Sync(sync::SyncArgs),
    /// Administer the district platform through its API (signed in): facilities, seniors and
    /// caregivers, canteens, menus, stock, district rules, divisions, the one map's base map.
    Admin(admin::AdminArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Administration talks to the platform only: no database of its own is opened.
    let result = match cli.command {
        Command::Admin(a) => admin::admin(&output::Output { json: cli.json }, a).map_err(|e| e.to_string()),
        command => run(Cli { command, ..cli }).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), carecircle_core::Error> {
    let settings = Settings { walk: carecircle_core::walk::WalkModel::new(cli.walk_speed, cli.detour)?, use_network: !cli.no_network, ..Settings::default() };
    let clock: std::sync::Arc<dyn carecircle_core::clock::Clock> = match &cli.now {
        Some(t) => std::sync::Arc::new(carecircle_core::clock::ManualClock::new(carecircle_core::clock::parse_instant(t)?)),
        None => std::sync::Arc::new(carecircle_core::clock::SystemClock),
    };
    let out = output::Output { json: cli.json };
    let command = match cli.command {
        Command::Route(route::RouteCmd::Solve(a)) => return route::solve(&out, a),
        other => other,
    };
    let cc = CareCircle::open_with_clock(&cli.db, settings, clock)?;
    match command {
        Command::Import(a) => facilities::import(&cc, &out, a),
        Command::Nearest(a) => facilities::nearest(&cc, &out, a, true),
        Command::Within(a) => facilities::nearest(&cc, &out, a, false),
        Command::Facility { id } => out.value(&cc.facility(&id)?),
        Command::Circle(a) => facilities::circle(&cc, &out, a),
        Command::Coverage(a) => facilities::coverage(&cc, &out, a),
        Command::Network(c) => network::network(&cc, &out, c),
        Command::Walk(a) => network::walk(&cc, &out, a),
        Command::Isochrone(a) => network::isochrone(&cc, &out, a),
        Command::Senior(c) => people::senior(&cc, &out, c),
        Command::Family(c) => people::family(&cc, &out, c),
        Command::Caregiver(c) => people::caregiver(&cc, &out, c),
        Command::Assess(a) => people::assess(&cc, &out, a),
        Command::Book(a) => visits::book(&cc, &out, a),
        Command::Offer(a) => visits::offer(&cc, &out, a),
        Command::Accept(a) => visits::accept(&cc, &out, a),
        Command::Decline(a) => visits::decline(&cc, &out, a),
        Command::Cancel(a) => visits::cancel(&cc, &out, a),
        Command::CheckIn(a) => visits::check(&cc, &out, a, true),
        Command::CheckOut(a) => visits::check(&cc, &out, a, false),
        Command::Review(a) => visits::review(&cc, &out, a),
        Command::Sweep => visits::sweep(&cc, &out),
        Command::Booking { id } => visits::show(&cc, &out, &id),
        Command::Bookings { who, senior } => visits::list(&cc, &out, who, &senior),
        Command::Agenda { caregiver } => visits::agenda(&cc, &out, &caregiver),
        Command::Statement(a) => visits::statement(&cc, &out, a),
        Command::Summary { month } => visits::summary(&cc, &out, &month),
        Command::Meal(c) => programmes::meal(&cc, &out, c),
        Command::Rental(c) => programmes::rental(&cc, &out, c),
        Command::Alert(c) => programmes::alert(&cc, &out, c),
        Command::Timebank(c) => programmes::timebank(&cc, &out, c),
        Command::Plan(c) => care::plan(&cc, &out, c),
        Command::Doctor(c) => care::doctor(&cc, &out, c),
        Command::Subsidy(c) => care::subsidy(&cc, &out, c),
        Command::Rate(a) => care::rate(&cc, &out, a),
        Command::Complain(a) => care::complain(&cc, &out, a),
        Command::Ranking(a) => care::ranking(&cc, &out, a),
        Command::Stats(a) => care::stats(&cc, &out, a),
        Command::Map { actor } => care::one_map(&cc, &out, actor),
        Command::Events { since, limit } => out.value(&cc.events_since(since, limit)?),
        Command::Route(c) => route::route(&cc, &out, c),
        Command::Demo => facilities::demo(&cc, &out, &cli.db),
        Command::Sync(a) => sync::sync(&cc, &out, a),
        Command::Admin(_) => Err(carecircle_core::Error::invalid("command", "admin is run without a database")),
    }
}
