//! Day routes, measured (`scripts/route-bench.sh`):
//!
//! - `route-bench solomon`: `carecircle route solve`'s solver on every Solomon file in
//!   `data/solomon/` (or `ROUTE_INSTANCES`), and, when `ROUTE_PYTHON` names a Python with pyvrp and
//!   pyvroom, PyVRP and VROOM on the same files with the same time limit (`ROUTE_SECONDS`, 10),
//!   one after the other. Every route, ours and the peers', is re-checked and measured here:
//!   exact double-precision Euclidean distance, every window, capacity and the depot's hours.
//! - `route-bench demo`: a station's day on the demo district: travel as matching leaves it
//!   (nearest first) and as planned.
//!
//! Prints a Markdown table; `ROUTE_OUT` (default `bench/results/route-latest.md`) gets a copy.

use carecircle_core::booking::BookingRequest;
use carecircle_core::route::check::check;
use carecircle_core::route::model::Solution;
use carecircle_core::route::{SolveOptions, solomon, solve_solomon};
use carecircle_core::{Actor, CareCircle, Service, Settings};
use std::fmt::Write as _;
use std::time::Duration;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "solomon".into());
    let out = match mode.as_str() {
        "solomon" => solomon_bench(),
        "demo" => demo(),
        other => {
            eprintln!("unknown mode {other}: solomon or demo");
            std::process::exit(2);
        }
    };
    print!("{out}");
    let path = std::env::var("ROUTE_OUT").unwrap_or_else(|_| format!("bench/results/route-{mode}.md"));
    if let Err(e) = std::fs::write(&path, &out) {
        eprintln!("could not write {path}: {e}");
    }
}

struct Row {
    name: String,
    ours: (usize, f64, f64),
    peers: Vec<(String, Option<(usize, f64, f64)>, String)>,
}

fn solomon_bench() -> String {
    let dir = std::env::var("ROUTE_INSTANCES").unwrap_or_else(|_| "data/solomon".into());
    let seconds: f64 = std::env::var("ROUTE_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let python = std::env::var("ROUTE_PYTHON").ok().filter(|s| !s.is_empty());
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("instances folder").filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect();
    files.sort();
    let mut rows = Vec::new();
    let mut versions = String::new();
    for f in &files {
        let inst = solomon::parse(&std::fs::read_to_string(f).expect("readable")).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        eprintln!("{}: ours ({seconds} s)", inst.name);
        let r = solve_solomon(&inst, &SolveOptions { seed: 1, max_iterations: u64::MAX, time_limit: Duration::from_secs_f64(seconds) });
        assert!(r.violations.is_empty(), "{}: {:?}", inst.name, r.violations);
        let mut row = Row { name: inst.name.clone(), ours: (r.vehicles_used, r.total_distance, r.seconds), peers: Vec::new() };
        if let Some(py) = &python {
            eprintln!("{}: PyVRP and VROOM", inst.name);
            let output = std::process::Command::new(py).arg("bench/route_peers.py").arg(f).arg(seconds.to_string()).arg("1").output().expect("run the peers");
            let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("peers said: {}", String::from_utf8_lossy(&output.stderr)));
            let p = inst.problem();
            for peer in ["pyvrp", "vroom"] {
                let got = &v[peer];
                if let Some(e) = got["error"].as_str() {
                    row.peers.push((peer.into(), None, e.to_string()));
                    continue;
                }
                if versions.is_empty() || !versions.contains(peer) {
                    let _ = write!(versions, "{peer} {} ", got["version"].as_str().unwrap_or("?"));
                }
                let mut routes: Vec<Vec<usize>> = got["routes"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|c| c.as_u64().unwrap() as usize - 1).collect()).collect();
                routes.resize(p.vehicles.len(), Vec::new());
                let served: std::collections::HashSet<usize> = routes.iter().flatten().copied().collect();
                let unassigned = (0..p.jobs.len()).filter(|j| !served.contains(j)).collect();
                let c = check(&p, &Solution { routes, unassigned }, true);
                let note = if c.ok() { String::new() } else { format!("INFEASIBLE: {}", c.violations.first().cloned().unwrap_or_default()) };
                row.peers.push((peer.into(), Some((c.vehicles_used, c.travel, got["seconds"].as_f64().unwrap_or(f64::NAN))), note));
            }
        }
        rows.push(row);
    }
    let mut s = String::new();
    let _ = writeln!(s, "# Route solver on Solomon-format VRPTW instances, {seconds} s each\n");
    let _ = writeln!(s, "Total distance is exact double-precision Euclidean, recomputed and checked here for every solver. Ratio = ours / best feasible peer.{}\n", if versions.is_empty() { String::new() } else { format!(" Peers: {versions}(single thread, seed 1).") });
    let _ = writeln!(s, "| instance | ours: vehicles, distance, s | PyVRP | VROOM | ours / best peer | ours / PyVRP |");
    let _ = writeln!(s, "|---|---|---|---|---:|---:|");
    let cell = |x: &Option<(usize, f64, f64)>, note: &str| match x {
        Some((v, d, t)) if note.is_empty() => format!("{v}, {d:.2}, {t:.1}"),
        Some((v, d, t)) => format!("{v}, {d:.2}, {t:.1} ({note})"),
        None => format!("failed: {note}"),
    };
    let (mut ratios, mut ratios_pyvrp) = (Vec::new(), Vec::new());
    for r in &rows {
        let peer = |name: &str| r.peers.iter().find(|p| p.0 == name);
        let feasible = |p: Option<&(String, Option<(usize, f64, f64)>, String)>| p.and_then(|p| if p.2.is_empty() { p.1.map(|x| x.1) } else { None });
        let best = [feasible(peer("pyvrp")), feasible(peer("vroom"))].into_iter().flatten().fold(f64::INFINITY, f64::min);
        let ratio = if best.is_finite() { format!("{:.4}", r.ours.1 / best) } else { "-".into() };
        if best.is_finite() {
            ratios.push(r.ours.1 / best);
        }
        let rp = feasible(peer("pyvrp")).map(|d| r.ours.1 / d);
        if let Some(x) = rp {
            ratios_pyvrp.push(x);
        }
        let _ = writeln!(
            s,
            "| {} | {}, {:.2}, {:.1} | {} | {} | {ratio} | {} |",
            r.name,
            r.ours.0,
            r.ours.1,
            r.ours.2,
            peer("pyvrp").map_or("-".into(), |p| cell(&p.1, &p.2)),
            peer("vroom").map_or("-".into(), |p| cell(&p.1, &p.2)),
            rp.map_or("-".into(), |x| format!("{x:.4}"))
        );
    }
    if !ratios.is_empty() {
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let worst = ratios_pyvrp.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(s, "\nMean ratio to the best peer: {mean:.4}. Worst ratio to PyVRP: {worst:.4} (target: at most 1.02 within 10 s).");
    }
    s
}

fn demo() -> String {
    let dir = std::env::temp_dir().join(format!("route-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let clock = std::sync::Arc::new(carecircle_core::clock::ManualClock::new(carecircle_core::clock::parse_instant("2026-11-23T07:00").unwrap()));
    let cc = CareCircle::open_with_clock(dir.join("demo.db"), Settings::default(), clock).expect("open");
    cc.load_demo_facilities().expect("facilities");
    cc.load_demo_people().expect("people");
    let station = std::env::var("ROUTE_STATION").unwrap_or_else(|_| "ZH-CS-001".into());
    let date = carecircle_core::clock::parse_date("2026-11-24").unwrap();
    let mut seniors: Vec<_> = cc.seniors().unwrap().into_iter().filter(|s| s.station_id.as_deref() == Some(station.as_str())).collect();
    // A deterministic day: 30 of the station's seniors, visits from 08:00 to 16:00.
    seniors.sort_by_key(|s| (s.id.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 1000, s.id.clone()));
    let services = [Service::Cleaning, Service::Companionship, Service::Bathing];
    let n: usize = std::env::var("ROUTE_VISITS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let op = Actor::Operator(station.clone());
    let mut booked = 0;
    for (i, s) in seniors.iter().take(n).enumerate() {
        let minute = 8 * 60 + (i * 137) % (8 * 60);
        let start = carecircle_core::clock::parse_instant(&format!("2026-11-24T{:02}:{:02}", minute / 60, (minute % 60) / 15 * 15)).unwrap();
        let req = BookingRequest { senior_id: s.id.clone(), service: services[i % services.len()], start, duration_minutes: Some(60), note: "route demo".into() };
        if cc.request_booking(&op, &req).is_ok() {
            booked += 1;
        }
    }
    let plan = cc.plan_day(&op, &station, date).expect("plan");
    let settings = cc.route_settings().unwrap();
    let violations = carecircle_core::route::day::check_day_plan(&cc, &plan, &settings).unwrap();
    let (b, a) = (&plan.before, &plan.after);
    let station_caregivers = cc.station_day(&op, &station, date).unwrap().len();
    let mut s = String::new();
    let _ = writeln!(s, "# A station's day: {station} on {date} (demo district)\n");
    let _ = writeln!(s, "{booked} visits requested by the station (cleaning, companionship, bathing; 60 min each), {station_caregivers} caregivers at the station.\n");
    let _ = writeln!(s, "| | caregivers | travel (min) | street distance (km) | late or unserved |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    let _ = writeln!(s, "| as matching leaves it (nearest first) | {} | {:.0} | {:.1} | {} |", b.caregivers, b.travel_seconds / 60.0, b.distance_m / 1000.0, b.late_or_unserved);
    let _ = writeln!(s, "| as planned | {} | {:.0} | {:.1} | {} |", a.caregivers, a.travel_seconds / 60.0, a.distance_m / 1000.0, a.late_or_unserved);
    let saved = b.travel_seconds - a.travel_seconds;
    let on_time = |f: &carecircle_core::route::day::DayFigures| f.visits.saturating_sub(f.late_or_unserved);
    let _ = writeln!(
        s,
        "\nTravel {} by {:.0} minutes ({:.0}%), {:.1} minutes per caregiver in the plan; visits on time {} before, {} after; travel per visit on time {:.1} min before, {:.1} after; {} iterations in {:.2} s; checker: {}.",
        if saved >= 0.0 { "saved" } else { "grows" },
        saved.abs() / 60.0,
        100.0 * saved.abs() / b.travel_seconds.max(1e-9),
        saved.abs() / 60.0 / (a.caregivers.max(1) as f64),
        on_time(b),
        on_time(a),
        b.travel_seconds / 60.0 / on_time(b).max(1) as f64,
        a.travel_seconds / 60.0 / on_time(a).max(1) as f64,
        plan.iterations,
        plan.solve_seconds,
        if violations.is_empty() { "no broken rule".to_string() } else { violations.join("; ") }
    );
    for u in &plan.unassigned {
        let _ = writeln!(s, "- not planned: {} ({})", u.booking_id, u.reason);
    }
    let _ = std::fs::remove_dir_all(&dir);
    s
}
