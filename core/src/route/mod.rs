//! A caregiver's day as one route (issue 17): for one station and one day, which caregiver makes
//! which visit, in which order, arriving when.
//!
//! - [`model`]: the problem the solver sees (jobs, vehicles, travel-time matrices) and the
//!   [`model::TravelTimes`] seam through which travel times come in: [`model::StraightLine`]
//!   (great-circle metres × detour ÷ speed, walking or e-bike) or [`model::Streets`] (metres
//!   along the district's walking network ÷ speed) when one is loaded: [`model::Travel`].
//! - [`solver`]: ruin and recreate (SISR) with simulated annealing, then local search.
//! - [`check`]: recomputes a solution from the problem and lists every broken rule.
//! - [`solomon`]: Solomon's VRPTW benchmark files, for `carecircle route solve` and the benchmark.
//! - [`day`]: a station's day from the bookings, the plan as a proposal the station confirms
//!   through the booking rules, the caregivers' days in order, and the insertion cost matching uses.

pub mod check;
pub mod day;
pub mod model;
pub mod solomon;
pub mod solver;

pub use day::{Change, DayPlan, PlannedRoute, PlannedStop, RouteSettings};
pub use model::{StraightLine, Streets, Travel, TravelMode, TravelTimes};
pub use solver::{SolveOptions, Solved};

use serde::Serialize;

/// One Solomon route: the customers' numbers as in the file, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolomonRoute {
    pub customers: Vec<u32>,
    pub distance: f64,
}

/// What `route solve` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolomonResult {
    pub name: String,
    pub customers: usize,
    pub vehicles_used: usize,
    pub total_distance: f64,
    pub seconds: f64,
    pub iterations: u64,
    pub routes: Vec<SolomonRoute>,
    /// The checker's findings (empty: every window, capacity and the depot's hours are kept).
    pub violations: Vec<String>,
    pub unserved: Vec<u32>,
}

/// Solves a Solomon instance and checks the result.
pub fn solve_solomon(inst: &solomon::Instance, opts: &SolveOptions) -> SolomonResult {
    let p = inst.problem();
    let solved = solver::solve(&p, opts);
    let checked = check::check(&p, &solved.solution, true);
    let routes = solved
        .solution
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty())
        .map(|(v, r)| SolomonRoute { customers: r.iter().map(|&j| inst.nodes[j + 1].id).collect(), distance: model::schedule(&p, v, r).travel })
        .collect();
    SolomonResult {
        name: inst.name.clone(),
        customers: p.jobs.len(),
        vehicles_used: checked.vehicles_used,
        total_distance: checked.travel,
        seconds: solved.seconds,
        iterations: solved.iterations,
        routes,
        violations: checked.violations,
        unserved: solved.solution.unassigned.iter().map(|&j| inst.nodes[j + 1].id).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(name: &str) -> solomon::Instance {
        let path = format!("{}/../data/solomon/{name}.txt", env!("CARGO_MANIFEST_DIR"));
        solomon::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn every_solomon_style_class_is_solved_feasibly_in_a_short_run() {
        for name in ["C1S", "C2S", "R1S", "R2S", "RC1S", "RC208"] {
            let inst = instance(name);
            let r = solve_solomon(&inst, &SolveOptions { seed: 7, max_iterations: 3_000, time_limit: std::time::Duration::from_secs(5) });
            assert!(r.violations.is_empty(), "{name}: {:?}", r.violations);
            assert!(r.unserved.is_empty(), "{name}");
            let served: usize = r.routes.iter().map(|x| x.customers.len()).sum();
            assert_eq!(served, 100, "{name}");
            eprintln!("{name}: {} vehicles, {:.2} in {} iterations", r.vehicles_used, r.total_distance, r.iterations);
        }
    }

    #[test]
    fn the_same_seed_and_iterations_give_the_same_routes() {
        let inst = instance("R1S");
        let opts = SolveOptions { seed: 3, max_iterations: 500, time_limit: std::time::Duration::from_secs(30) };
        assert_eq!(solve_solomon(&inst, &opts).routes, solve_solomon(&inst, &opts).routes);
    }

    #[test]
    fn bad_solomon_files_name_the_line() {
        let good = std::fs::read_to_string(format!("{}/../data/solomon/R1S.txt", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let e = solomon::parse(&good.replacen("   10\n", "   xx\n", 1)).unwrap_err();
        assert!(matches!(e, crate::Error::BadInstance { line: 11, .. }), "{e}");
        assert!(e.to_string().contains("line 11: SERVICE TIME is not a number"), "{e}");
        for (text, line) in [("", 1), ("X\n\nVEHICLE\nNUMBER CAPACITY\n25\n", 5), ("X\nVEHICLE\nNUMBER\n2 10\nCUSTOMER\nCUST\n0 0 0 0 0 10 0\n1 1 1 1 9 5 1\n", 8)] {
            match solomon::parse(text) {
                Err(crate::Error::BadInstance { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
