//! Solomon's VRPTW text format (Solomon 1987; the 25-, 50- and 100-customer benchmark files):
//!
//! ```text
//! C101
//!
//! VEHICLE
//! NUMBER     CAPACITY
//!   25         200
//!
//! CUSTOMER
//! CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME
//!
//!     0      40         50          0          0       1236          0
//!     1      45         68         10        912        967         90
//! ```
//!
//! Row 0 is the depot. Distances and travel times are Euclidean in double precision, not rounded
//! or truncated (the convention of most metaheuristic papers; CVRPLIB's DIMACS variant truncates to
//! one decimal instead). Service starts within [READY TIME, DUE DATE] (arriving early means
//! waiting); every vehicle is back at the depot by the depot's DUE DATE.

use super::model::{Fit, Job, Matrix, Problem, Vehicle};
use crate::error::{Error, Result};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: u32,
    pub x: f64,
    pub y: f64,
    pub demand: f64,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instance {
    pub name: String,
    pub vehicles: usize,
    pub capacity: f64,
    /// The depot first, then the customers in file order.
    pub nodes: Vec<Customer>,
}

fn bad(line: usize, problem: impl Into<String>) -> Error {
    Error::BadInstance { line, problem: problem.into() }
}

/// Reads a Solomon file; a bad one is a [`Error::BadInstance`] naming its (1-based) line.
pub fn parse(text: &str) -> Result<Instance> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let last = text.lines().count().max(1);
    let mut it = lines.into_iter().peekable();
    let (_, name) = it.next().ok_or_else(|| bad(1, "the file is empty"))?;
    if name.chars().count() > 100 {
        return Err(bad(1, "the instance name is longer than 100 characters"));
    }
    let expect = |it: &mut std::iter::Peekable<std::vec::IntoIter<(usize, &str)>>, word: &str| -> Result<()> {
        match it.next() {
            Some((_, l)) if l.to_ascii_uppercase().starts_with(word) => Ok(()),
            Some((n, _)) => Err(bad(n, format!("expected '{word}'"))),
            None => Err(bad(last, format!("the file ends before '{word}'"))),
        }
    };
    expect(&mut it, "VEHICLE")?;
    expect(&mut it, "NUMBER")?;
    let (n, l) = it.next().ok_or_else(|| bad(last, "the file ends before the vehicle number and capacity"))?;
    let f: Vec<&str> = l.split_whitespace().collect();
    if f.len() != 2 {
        return Err(bad(n, "expected two numbers: VEHICLE NUMBER and CAPACITY"));
    }
    let vehicles: usize = f[0].parse().map_err(|_| bad(n, "VEHICLE NUMBER is not a whole number"))?;
    let capacity: f64 = number(f[1], n, "CAPACITY")?;
    if !(1..=10_000).contains(&vehicles) {
        return Err(bad(n, "VEHICLE NUMBER must be 1 to 10000"));
    }
    expect(&mut it, "CUSTOMER")?;
    expect(&mut it, "CUST")?;
    let mut nodes = Vec::new();
    for (n, l) in it {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 7 {
            return Err(bad(n, format!("expected 7 columns (CUST NO., XCOORD., YCOORD., DEMAND, READY TIME, DUE DATE, SERVICE TIME), found {}", f.len())));
        }
        let id: u32 = f[0].parse().map_err(|_| bad(n, "CUST NO. is not a whole number"))?;
        let c = Customer {
            id,
            x: number(f[1], n, "XCOORD.")?,
            y: number(f[2], n, "YCOORD.")?,
            demand: number(f[3], n, "DEMAND")?,
            ready: number(f[4], n, "READY TIME")?,
            due: number(f[5], n, "DUE DATE")?,
            service: number(f[6], n, "SERVICE TIME")?,
        };
        if c.demand < 0.0 || c.service < 0.0 {
            return Err(bad(n, "DEMAND and SERVICE TIME must not be negative"));
        }
        if c.due < c.ready {
            return Err(bad(n, "DUE DATE is before READY TIME"));
        }
        if c.demand > capacity {
            return Err(bad(n, "DEMAND is more than a vehicle's CAPACITY"));
        }
        if id as usize != nodes.len() {
            return Err(bad(n, format!("CUST NO. {id} out of order: expected {}", nodes.len())));
        }
        if nodes.len() >= 20_000 {
            return Err(bad(n, "more than 20000 customers"));
        }
        nodes.push(c);
    }
    if nodes.len() < 2 {
        return Err(bad(last, "no customers: expected the depot (0) and at least one customer"));
    }
    Ok(Instance { name: name.to_string(), vehicles, capacity, nodes })
}

fn number(s: &str, line: usize, column: &str) -> Result<f64> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= 1e9 => Ok(v),
        _ => Err(bad(line, format!("{column} is not a number"))),
    }
}

impl Instance {
    /// Exact Euclidean distance between two nodes (double precision, no rounding).
    pub fn distance(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (&self.nodes[a], &self.nodes[b]);
        ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt()
    }

    /// The routing problem: job i is customer i + 1; travel time equals distance.
    pub fn problem(&self) -> Problem {
        let n = self.nodes.len();
        let matrix = Matrix::from_fn(n, |a, b| self.distance(a, b));
        let depot = &self.nodes[0];
        let jobs = self.nodes[1..]
            .iter()
            .enumerate()
            .map(|(i, c)| Job { location: i + 1, service: c.service, demand: c.demand, fits: vec![Some(Fit { earliest: c.ready, latest: c.due, extra_cost: 0.0 })] })
            .collect();
        let vehicles = (0..self.vehicles)
            .map(|_| Vehicle { start: 0, end: 0, shift: (depot.ready, depot.due), capacity: self.capacity, profile: 0, class: 0, fixed_cost: 0.0 })
            .collect();
        Problem { matrices: vec![matrix], jobs, vehicles }
    }
}
