//! `carecircle`: the core from a terminal, with human output or `--json`.

mod facilities;
mod output;

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
    /// Street distance over straight-line distance.
    #[arg(long, global = true, default_value_t = 1.3)]
    detour: f64,
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
    /// Load the bundled synthetic demo district and show what it looks like.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), carecircle_core::Error> {
    let mut settings = Settings::default();
    settings.walk = carecircle_core::walk::WalkModel::new(cli.walk_speed, cli.detour)?;
    let cc = CareCircle::open(&cli.db, settings)?;
    let out = output::Output { json: cli.json };
    match cli.command {
        Command::Import(a) => facilities::import(&cc, &out, a),
        Command::Nearest(a) => facilities::nearest(&cc, &out, a, true),
        Command::Within(a) => facilities::nearest(&cc, &out, a, false),
        Command::Facility { id } => out.value(&cc.facility(&id)?),
        Command::Circle(a) => facilities::circle(&cc, &out, a),
        Command::Coverage(a) => facilities::coverage(&cc, &out, a),
        Command::Demo => facilities::demo(&cc, &out),
    }
}
