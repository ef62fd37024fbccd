//! The checker: recomputes every route of a solution from the problem alone and lists each
//! broken rule. Used by the tests, `route solve` and the day plans (whose own checker in `day`
//! also re-reads the caregivers and bookings themselves).

use super::model::{Problem, Solution, schedule};
use serde::Serialize;

/// Times may be this much late (floating-point noise), no more.
pub const TOLERANCE: f64 = 1e-6;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub violations: Vec<String>,
    pub travel: f64,
    pub cost: f64,
    pub vehicles_used: usize,
    pub served: usize,
}

impl Checked {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks `sol` against `p`: every job served once or listed unassigned (none unassigned if
/// `all_served`), only by vehicles it fits, within its window, within capacity, and every vehicle
/// back by the end of its shift.
pub fn check(p: &Problem, sol: &Solution, all_served: bool) -> Checked {
    let mut violations = Vec::new();
    let mut seen = vec![0u32; p.jobs.len()];
    if sol.routes.len() != p.vehicles.len() {
        violations.push(format!("{} routes for {} vehicles", sol.routes.len(), p.vehicles.len()));
    }
    let (mut travel, mut cost, mut used) = (0.0, 0.0, 0);
    for (v, jobs) in sol.routes.iter().enumerate().take(p.vehicles.len()) {
        if jobs.is_empty() {
            continue;
        }
        if let Some(&bad) = jobs.iter().find(|&&j| j >= p.jobs.len()) {
            violations.push(format!("vehicle {v}: no job {bad}"));
            continue;
        }
        used += 1;
        let veh = &p.vehicles[v];
        let s = schedule(p, v, jobs);
        travel += s.travel;
        cost += s.travel + veh.fixed_cost;
        let mut load = 0.0;
        for (i, &j) in jobs.iter().enumerate() {
            seen[j] += 1;
            let job = &p.jobs[j];
            load += job.demand;
            match job.fits.get(veh.class).copied().flatten() {
                None => violations.push(format!("vehicle {v} may not serve job {j}")),
                Some(fit) => {
                    cost += fit.extra_cost;
                    if s.starts[i] > fit.latest + TOLERANCE {
                        violations.push(format!("vehicle {v} starts job {j} at {:.3}, after its window closes at {:.3}", s.starts[i], fit.latest));
                    }
                    if s.starts[i] + TOLERANCE < fit.earliest {
                        violations.push(format!("vehicle {v} starts job {j} before its window opens"));
                    }
                }
            }
        }
        if load > veh.capacity + TOLERANCE {
            violations.push(format!("vehicle {v} carries {load} over its capacity {}", veh.capacity));
        }
        if s.back > veh.shift.1 + TOLERANCE {
            violations.push(format!("vehicle {v} is back at {:.3}, after its shift ends at {:.3}", s.back, veh.shift.1));
        }
        if s.depart + TOLERANCE < veh.shift.0 {
            violations.push(format!("vehicle {v} leaves before its shift starts"));
        }
    }
    for &j in &sol.unassigned {
        if j < seen.len() {
            seen[j] += 1;
        }
        if all_served {
            violations.push(format!("job {j} is not served"));
        }
    }
    for (j, &n) in seen.iter().enumerate() {
        if n != 1 {
            violations.push(format!("job {j} appears {n} times (served or unassigned)"));
        }
    }
    Checked { violations, travel, cost, vehicles_used: used, served: sol.routes.iter().map(Vec::len).sum() }
}
