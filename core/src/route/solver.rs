//! The solver: slack induction by string removals (SISR, Christiaens & Vanden Berghe, 2020) with
//! simulated annealing, then a local search (relocate, 2-opt*, swap) on the best solution found.
//!
//! Feasibility of an insertion is O(1): every route keeps, per position, the earliest start of
//! service (forward) and the latest start that keeps the rest of the route on time (backward
//! slack). Objective: unassigned jobs (a penalty above any insertion's cost), then travel plus the
//! vehicles' fixed costs and jobs' extra costs. Deterministic for a seed and an iteration limit;
//! a time limit stops it earlier (then the result depends on the machine's speed).

use super::model::{Problem, Solution};
use std::time::{Duration, Instant};

/// How long and how to search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SolveOptions {
    pub seed: u64,
    /// Stop after this many ruin-and-recreate iterations.
    pub max_iterations: u64,
    /// Stop after this long, whatever the iterations.
    pub time_limit: Duration,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions { seed: 1, max_iterations: u64::MAX, time_limit: Duration::from_secs(2) }
    }
}

/// What the search found and how it went.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solved {
    pub solution: Solution,
    /// Travel, plus fixed and extra costs.
    pub cost: f64,
    pub travel: f64,
    pub vehicles_used: usize,
    pub iterations: u64,
    pub seconds: f64,
}

/// A small fast generator (xoshiro256**), seeded by splitmix64: no dependency, same on every platform.
pub(crate) struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// One vehicle's route with its forward and backward times.
#[derive(Clone, Debug, Default)]
struct Route {
    jobs: Vec<usize>,
    /// Earliest start of service at positions 0 (leaving the start) ..= len + 1 (arriving at the end).
    es: Vec<f64>,
    /// Latest start of service at the same positions that keeps every later stop on time.
    ls: Vec<f64>,
    load: f64,
    travel: f64,
    extra: f64,
}

struct Ctx<'a> {
    p: &'a Problem,
    /// Jobs by nearness to each job (profile 0), the job itself first.
    near: Vec<Vec<usize>>,
    penalty: f64,
    /// Distance of each job from the first vehicle's start, for the recreate orders.
    far: Vec<f64>,
}

impl Ctx<'_> {
    #[inline]
    fn loc(&self, v: usize, r: &Route, pos: usize) -> usize {
        if pos == 0 {
            self.p.vehicles[v].start
        } else if pos > r.jobs.len() {
            self.p.vehicles[v].end
        } else {
            self.p.jobs[r.jobs[pos - 1]].location
        }
    }
    #[inline]
    fn service(&self, r: &Route, pos: usize) -> f64 {
        if pos == 0 || pos > r.jobs.len() { 0.0 } else { self.p.jobs[r.jobs[pos - 1]].service }
    }
    #[inline]
    fn t(&self, v: usize, a: usize, b: usize) -> f64 {
        self.p.matrices[self.p.vehicles[v].profile].get(a, b)
    }

    /// Recomputes a route's times; false if it is late somewhere.
    fn update(&self, v: usize, r: &mut Route) -> bool {
        let veh = &self.p.vehicles[v];
        let n = r.jobs.len();
        r.es.clear();
        r.ls.clear();
        r.es.resize(n + 2, 0.0);
        r.ls.resize(n + 2, 0.0);
        r.es[0] = veh.shift.0;
        let (mut load, mut travel, mut extra, mut ok) = (0.0, 0.0, 0.0, true);
        for pos in 1..=n + 1 {
            let leg = self.t(v, self.loc(v, r, pos - 1), self.loc(v, r, pos));
            travel += leg;
            let arrive = r.es[pos - 1] + self.service(r, pos - 1) + leg;
            if pos <= n {
                let job = &self.p.jobs[r.jobs[pos - 1]];
                let fit = job.fits[veh.class].expect("only fitting jobs are inserted");
                r.es[pos] = arrive.max(fit.earliest);
                ok &= r.es[pos] <= fit.latest;
                load += job.demand;
                extra += fit.extra_cost;
            } else {
                r.es[pos] = arrive;
                ok &= arrive <= veh.shift.1;
            }
        }
        r.ls[n + 1] = veh.shift.1;
        for pos in (0..=n).rev() {
            let leg = self.t(v, self.loc(v, r, pos), self.loc(v, r, pos + 1));
            let latest = if pos == 0 { veh.shift.1 } else { self.p.jobs[r.jobs[pos - 1]].fits[veh.class].expect("fits").latest };
            r.ls[pos] = latest.min(r.ls[pos + 1] - leg - self.service(r, pos));
        }
        r.load = load;
        r.travel = travel;
        r.extra = extra;
        ok && load <= veh.capacity
    }

    fn route_cost(&self, v: usize, r: &Route) -> f64 {
        if r.jobs.is_empty() { 0.0 } else { r.travel + r.extra + self.p.vehicles[v].fixed_cost }
    }
}

#[derive(Clone, Debug)]
struct State {
    routes: Vec<Route>,
    unassigned: Vec<usize>,
    /// (vehicle, position) of each assigned job.
    at: Vec<Option<(usize, usize)>>,
    /// A ruin left a route late (travel times that break the triangle inequality): not accepted.
    late: bool,
}

impl State {
    fn cost(&self, c: &Ctx) -> f64 {
        self.routes.iter().enumerate().map(|(v, r)| c.route_cost(v, r)).sum::<f64>() + c.penalty * self.unassigned.len() as f64
    }
    fn index(&mut self, v: usize) {
        for (i, &j) in self.routes[v].jobs.iter().enumerate() {
            self.at[j] = Some((v, i));
        }
    }
    fn copy_from(&mut self, o: &State) {
        self.routes.clone_from(&o.routes);
        self.unassigned.clone_from(&o.unassigned);
        self.at.clone_from(&o.at);
        self.late = o.late;
    }
}

/// Solves `p` within the options' limits.
pub fn solve(p: &Problem, opts: &SolveOptions) -> Solved {
    let started = Instant::now();
    let n = p.jobs.len();
    let m = p.vehicles.len();
    let mat = &p.matrices[0];
    let near: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut v: Vec<usize> = (0..n).collect();
            v.sort_by(|&a, &b| mat.get(p.jobs[i].location, p.jobs[a].location).total_cmp(&mat.get(p.jobs[i].location, p.jobs[b].location)).then(a.cmp(&b)));
            v
        })
        .collect();
    let max_fixed = p.vehicles.iter().map(|v| v.fixed_cost).fold(0.0, f64::max);
    let max_extra = p.jobs.iter().flat_map(|j| j.fits.iter().flatten().map(|f| f.extra_cost)).fold(0.0, f64::max);
    let max_edge = p.matrices.iter().map(|m| m.max()).fold(0.0, f64::max);
    let penalty = 10.0 * (2.0 * max_edge + max_fixed + max_extra) + 1.0;
    let far = (0..n).map(|j| p.vehicles.first().map_or(0.0, |v| p.travel(v, v.start, p.jobs[j].location))).collect();
    let c = Ctx { p, near, penalty, far };
    let mut rng = Rng::new(opts.seed);

    let empty = State { routes: vec![Route::default(); m], unassigned: (0..n).collect(), at: vec![None; n], late: false };
    let mut cur = empty.clone();
    for v in 0..m {
        c.update(v, &mut cur.routes[v]);
    }
    let mut removed: Vec<usize> = (0..n).collect();
    cur.unassigned.clear();
    recreate(&c, &mut cur, &mut removed, &mut rng);
    let mut best = cur.clone();
    let mut cur_cost = cur.cost(&c);
    let mut best_cost = cur_cost;
    let mut cand = cur.clone();

    // Temperatures from the typical nearest-neighbour leg (SISR's 100 -> 1 on Solomon's scale).
    let typical = {
        let legs: Vec<f64> = (0..n).filter_map(|i| c.near[i].get(1).map(|&j| mat.get(p.jobs[i].location, p.jobs[j].location))).collect();
        let mean = if legs.is_empty() { 1.0 } else { legs.iter().sum::<f64>() / legs.len() as f64 };
        mean.max(1e-9)
    };
    let (t0, tf) = (10.0 * typical, 0.1 * typical);
    let mut it: u64 = 0;
    let deadline = opts.time_limit;
    while n > 0 && it < opts.max_iterations {
        if it.is_multiple_of(64) && started.elapsed() >= deadline {
            break;
        }
        let progress = if opts.max_iterations == u64::MAX {
            started.elapsed().as_secs_f64() / deadline.as_secs_f64().max(1e-9)
        } else {
            (it as f64 / opts.max_iterations as f64).max(started.elapsed().as_secs_f64() / deadline.as_secs_f64().max(1e-9))
        };
        let temp = t0 * (tf / t0).powf(progress.min(1.0));
        cand.copy_from(&cur);
        ruin(&c, &mut cand, &mut removed, &mut rng);
        recreate(&c, &mut cand, &mut removed, &mut rng);
        let cost = cand.cost(&c);
        if !cand.late && cost < cur_cost - temp * rng.unit().max(1e-300).ln() {
            std::mem::swap(&mut cur, &mut cand);
            cur_cost = cost;
            if cost < best_cost - 1e-9 {
                best.copy_from(&cur);
                best_cost = cost;
            }
        }
        it += 1;
    }
    local_search(&c, &mut best);
    let solution = Solution { routes: best.routes.iter().map(|r| r.jobs.clone()).collect(), unassigned: { let mut u = best.unassigned.clone(); u.sort_unstable(); u } };
    let travel = best.routes.iter().map(|r| if r.jobs.is_empty() { 0.0 } else { r.travel }).sum();
    let cost = best.routes.iter().enumerate().map(|(v, r)| c.route_cost(v, r)).sum();
    Solved { vehicles_used: best.routes.iter().filter(|r| !r.jobs.is_empty()).count(), solution, cost, travel, iterations: it, seconds: started.elapsed().as_secs_f64() }
}

/// SISR's ruin: strings (or strings with a kept middle) cut from routes near a random seed job.
fn ruin(c: &Ctx, s: &mut State, removed: &mut Vec<usize>, rng: &mut Rng) {
    const AVG_REMOVED: f64 = 10.0;
    const MAX_STRING: f64 = 10.0;
    removed.clear();
    removed.append(&mut s.unassigned);
    let n = c.p.jobs.len();
    let used: Vec<usize> = (0..s.routes.len()).filter(|&v| !s.routes[v].jobs.is_empty()).collect();
    if used.is_empty() {
        return;
    }
    let avg_len = used.iter().map(|&v| s.routes[v].jobs.len()).sum::<usize>() as f64 / used.len() as f64;
    let ls_max = MAX_STRING.min(avg_len);
    let avg_removed = AVG_REMOVED.min(n as f64 / 4.0).max(1.0);
    let ks_max = 4.0 * avg_removed / (1.0 + ls_max) - 1.0;
    let ks = (rng.unit() * ks_max + 1.0).floor().max(1.0) as usize;
    let seed = rng.below(n);
    let mut ruined: Vec<usize> = Vec::with_capacity(ks);
    for &j in &c.near[seed] {
        if ruined.len() >= ks {
            break;
        }
        let Some((v, pos)) = s.at[j] else { continue };
        if ruined.contains(&v) {
            continue;
        }
        let len = s.routes[v].jobs.len();
        let l_max = (len as f64).min(ls_max);
        let l = ((rng.unit() * l_max + 1.0).floor() as usize).clamp(1, len);
        let route = &mut s.routes[v];
        if rng.unit() < 0.5 || l >= len {
            // A string of l jobs that contains j.
            let (lo, hi) = (pos.saturating_sub(l - 1), pos.min(len - l));
            let first = lo + rng.below(hi - lo + 1);
            for &x in &route.jobs[first..first + l] {
                s.at[x] = None;
                removed.push(x);
            }
            route.jobs.drain(first..first + l);
        } else {
            // A string of l + m jobs around j of which m in a row are kept.
            let mut keep = 1;
            while l + keep < len && rng.unit() > 0.01 {
                keep += 1;
            }
            let span = l + keep;
            let lo = pos.saturating_sub(span - 1);
            let hi = pos.min(len - span);
            let first = lo + rng.below(hi - lo + 1);
            let kept_at = first + rng.below(l + 1);
            let mut out = Vec::with_capacity(len - l);
            for (i, &x) in route.jobs.iter().enumerate() {
                if i >= first && i < first + span && !(i >= kept_at && i < kept_at + keep) {
                    s.at[x] = None;
                    removed.push(x);
                } else {
                    out.push(x);
                }
            }
            route.jobs = out;
        }
        // Taking jobs out never makes a route late when travel times obey the triangle inequality;
        // the candidate's cost tells otherwise (a late route is not accepted as best, see `solve`).
        s.late |= !c.update(v, &mut s.routes[v]);
        s.index(v);
        ruined.push(v);
    }
}

/// SISR's recreate: each removed job, in one of four orders, at its cheapest feasible place
/// (each place skipped with a small "blink" chance); jobs with no place stay unassigned.
fn recreate(c: &Ctx, s: &mut State, removed: &mut Vec<usize>, rng: &mut Rng) {
    let p = c.p;
    let r = rng.unit() * 11.0;
    if r < 4.0 {
        for i in (1..removed.len()).rev() {
            removed.swap(i, rng.below(i + 1));
        }
    } else if r < 8.0 {
        removed.sort_by(|&a, &b| p.jobs[b].demand.total_cmp(&p.jobs[a].demand).then(a.cmp(&b)));
    } else if r < 10.0 {
        removed.sort_by(|&a, &b| c.far[b].total_cmp(&c.far[a]).then(a.cmp(&b)));
    } else {
        removed.sort_by(|&a, &b| c.far[a].total_cmp(&c.far[b]).then(a.cmp(&b)));
    }
    let mut empty_classes: Vec<(usize, usize, usize)> = Vec::new();
    for &j in removed.iter() {
        let job = &p.jobs[j];
        let mut best: Option<(f64, usize, usize)> = None;
        empty_classes.clear();
        for (v, route) in s.routes.iter().enumerate() {
            let veh = &p.vehicles[v];
            let Some(fit) = job.fits[veh.class] else { continue };
            if route.load + job.demand > veh.capacity {
                continue;
            }
            if route.jobs.is_empty() {
                // Identical empty vehicles: try one of each kind.
                let key = (veh.class, veh.start, veh.profile);
                if empty_classes.contains(&key) {
                    continue;
                }
                empty_classes.push(key);
            }
            let n = route.jobs.len();
            let fixed = if n == 0 { veh.fixed_cost } else { 0.0 };
            for pos in 0..=n {
                let a_loc = c.loc(v, route, pos);
                let b_loc = c.loc(v, route, pos + 1);
                let arrive = route.es[pos] + c.service(route, pos) + c.t(v, a_loc, job.location);
                if arrive > fit.latest {
                    break; // later positions only arrive later
                }
                let start = arrive.max(fit.earliest);
                let next = start + job.service + c.t(v, job.location, b_loc);
                if next > route.ls[pos + 1] {
                    continue;
                }
                let delta = c.t(v, a_loc, job.location) + c.t(v, job.location, b_loc) - c.t(v, a_loc, b_loc) + fit.extra_cost + fixed;
                if best.is_none_or(|(d, _, _)| delta < d) && rng.unit() >= 0.01 {
                    best = Some((delta, v, pos));
                }
            }
        }
        match best {
            Some((_, v, pos)) => {
                s.routes[v].jobs.insert(pos, j);
                let ok = c.update(v, &mut s.routes[v]);
                debug_assert!(ok, "an insertion judged feasible made a route late");
                s.index(v);
            }
            None => s.unassigned.push(j),
        }
    }
    removed.clear();
}

/// First-improvement local search on the best solution: relocate one job, swap two jobs, and
/// 2-opt* (exchange the tails of two routes), until none improves.
fn local_search(c: &Ctx, s: &mut State) {
    let m = s.routes.len();
    let mut improved = true;
    let mut rounds = 0;
    while improved && rounds < 50 {
        improved = false;
        rounds += 1;
        for a in 0..m {
            for b in 0..m {
                if s.routes[a].jobs.is_empty() && s.routes[b].jobs.is_empty() {
                    continue;
                }
                if try_two_opt_star(c, s, a, b) || try_relocate(c, s, a, b) || (a < b && try_swap(c, s, a, b)) {
                    improved = true;
                }
            }
        }
    }
}

fn fits_all(c: &Ctx, v: usize, jobs: &[usize]) -> bool {
    let class = c.p.vehicles[v].class;
    jobs.iter().all(|&j| c.p.jobs[j].fits[class].is_some())
}

/// Tries candidate routes for vehicles a and b (a may equal b); keeps them if feasible and cheaper.
fn accept_pair(c: &Ctx, s: &mut State, a: usize, ja: Vec<usize>, b: usize, jb: Option<Vec<usize>>) -> bool {
    let before = c.route_cost(a, &s.routes[a]) + if a != b { c.route_cost(b, &s.routes[b]) } else { 0.0 };
    if !fits_all(c, a, &ja) || jb.as_ref().is_some_and(|jb| !fits_all(c, b, jb)) {
        return false;
    }
    let mut ra = Route { jobs: ja, ..Default::default() };
    if !c.update(a, &mut ra) {
        return false;
    }
    let mut after = c.route_cost(a, &ra);
    let mut rb = None;
    if let Some(jb) = jb {
        let mut r = Route { jobs: jb, ..Default::default() };
        if !c.update(b, &mut r) {
            return false;
        }
        after += c.route_cost(b, &r);
        rb = Some(r);
    }
    if after < before - 1e-7 {
        s.routes[a] = ra;
        s.index(a);
        if let Some(r) = rb {
            s.routes[b] = r;
            s.index(b);
        }
        true
    } else {
        false
    }
}

fn try_relocate(c: &Ctx, s: &mut State, a: usize, b: usize) -> bool {
    let la = s.routes[a].jobs.len();
    for i in 0..la {
        let j = s.routes[a].jobs[i];
        let mut ra = s.routes[a].jobs.clone();
        ra.remove(i);
        if a == b {
            for pos in 0..=ra.len() {
                if pos == i {
                    continue;
                }
                let mut r = ra.clone();
                r.insert(pos, j);
                if accept_pair(c, s, a, r, a, None) {
                    return true;
                }
            }
        } else {
            let lb = s.routes[b].jobs.len();
            for pos in 0..=lb {
                let mut rb = s.routes[b].jobs.clone();
                rb.insert(pos, j);
                if accept_pair(c, s, a, ra.clone(), b, Some(rb)) {
                    return true;
                }
            }
        }
    }
    false
}

fn try_swap(c: &Ctx, s: &mut State, a: usize, b: usize) -> bool {
    for i in 0..s.routes[a].jobs.len() {
        for k in 0..s.routes[b].jobs.len() {
            let mut ra = s.routes[a].jobs.clone();
            let mut rb = s.routes[b].jobs.clone();
            std::mem::swap(&mut ra[i], &mut rb[k]);
            if accept_pair(c, s, a, ra, b, Some(rb)) {
                return true;
            }
        }
    }
    false
}

fn try_two_opt_star(c: &Ctx, s: &mut State, a: usize, b: usize) -> bool {
    if a >= b {
        return false;
    }
    let (la, lb) = (s.routes[a].jobs.len(), s.routes[b].jobs.len());
    for i in 0..=la {
        for k in 0..=lb {
            if (i == la && k == lb) || (i == 0 && k == 0) {
                continue;
            }
            let ra: Vec<usize> = s.routes[a].jobs[..i].iter().chain(&s.routes[b].jobs[k..]).copied().collect();
            let rb: Vec<usize> = s.routes[b].jobs[..k].iter().chain(&s.routes[a].jobs[i..]).copied().collect();
            if accept_pair(c, s, a, ra, b, Some(rb)) {
                return true;
            }
        }
    }
    false
}
