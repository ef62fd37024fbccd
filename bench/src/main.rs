//! carecircle-bench: CareCircle's facility search at 1,000, 100,000 and 1,000,000 facilities
//! (index build, cold open from SQLite, k=5 nearest of one kind, within 1 km), against a
//! brute-force scan, SQLite's R*Tree module and scikit-learn's BallTree (haversine).
//!
//! Run it with `./scripts/bench.sh` (see README.md, "Benchmarks"). Settings, all optional:
//!
//! * `BENCH_SIZES`   comma-separated facility counts (default `1000,100000,1000000`)
//! * `BENCH_QUERIES` query points per size (default 20000)
//! * `BENCH_PYTHON`  the Python with numpy and scikit-learn (default: the bench venv, then `python3`)
//! * `BENCH_OUT`     where the markdown table goes (default `bench/results/latest.md`)
//! * `BENCH_TMPDIR`  where the SQLite files go (default the system temp dir); removed afterwards
//! * `BENCH_INDEX_ONLY=1` only the in-memory index (build, raw queries, bytes): a quick loop
//!   for tuning `core/src/spatial.rs`

mod data;
mod peers;

use carecircle_core::catalogue::NearbyQuery;
use carecircle_core::position::chord2_for_distance;
use carecircle_core::spatial::SphereIndex;
use carecircle_core::{CareCircle, FacilityKind, Position, Settings};
use data::Query;
use peers::{BallTree, Brute, SqliteRtree};
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

const K: usize = 5;
const RADIUS_M: f64 = 1000.0;
/// How many queries' results are compared between ours and every peer.
const CHECK: usize = 200;

// ---------------------------------------------------------------------------------------
// Live heap bytes, to tell what an open catalogue holds per facility. The bench is single
// threaded; a plain load and store (no locked read-modify-write) keeps the counting cheap
// so that it does not distort the allocation-heavy API timings.

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.store(LIVE.load(Relaxed).wrapping_add(l.size()), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            LIVE.store(LIVE.load(Relaxed).wrapping_add(l.size()), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.store(LIVE.load(Relaxed).wrapping_sub(l.size()), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new_size) };
        if !q.is_null() {
            LIVE.store(LIVE.load(Relaxed).wrapping_add(new_size).wrapping_sub(l.size()), Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Stats {
    median: f64,
    p99: f64,
    /// Per call: of the timed calls, or (see [`time_each_and_run`]) of an untimed run.
    mean: f64,
}

/// Times `f(i)` for each i, one call at a time (nanoseconds).
fn time_each<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Stats {
    let mut ns = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        black_box(f(black_box(i)));
        ns.push(t.elapsed().as_nanos() as f64);
    }
    stats_of(ns)
}

/// Like [`time_each`], plus the time per call of runs of all calls back to back, each
/// timed as a whole (no timer per call): comparable with a batched peer's time per query.
/// The fastest of five runs, as one preemption on a shared machine can double a run.
fn time_each_and_run<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Stats {
    let mut stats = time_each(n, &mut f);
    stats.mean = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        for i in 0..n {
            black_box(f(black_box(i)));
        }
        stats.mean = stats.mean.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    stats
}

fn stats_of(mut ns: Vec<f64>) -> Stats {
    ns.sort_by(f64::total_cmp);
    let n = ns.len().max(1);
    Stats {
        median: ns.get(n / 2).copied().unwrap_or(f64::NAN),
        p99: ns.get(n * 99 / 100).copied().unwrap_or(f64::NAN),
        mean: ns.iter().sum::<f64>() / n as f64,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn log(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

// ---------------------------------------------------------------------------------------

/// Everything measured at one size. Times in nanoseconds unless named otherwise.
struct Measured {
    n: usize,
    queries: usize,
    brute_queries: usize,
    build_ms: f64,
    open_ms: f64,
    open_runs: usize,
    index_bytes: usize,
    heap_bytes: usize,
    api_nearest: Stats,
    raw_nearest: Stats,
    api_within: Stats,
    raw_within: Stats,
    within_hits: f64,
    brute_nearest: Stats,
    brute_within: Stats,
    sqlite_build_ms: f64,
    sqlite_build_all_ms: f64,
    sqlite_nearest: Stats,
    sqlite_within: Stats,
    balltree: Result<BallTree, String>,
    agreement: Vec<String>,
}

fn pos(q: &Query) -> Position {
    Position::new(q.lat, q.lon).expect("query inside the box")
}

fn same_lists(name: &str, ours: &[Vec<usize>], theirs: &[Vec<usize>], sorted: bool, out: &mut Vec<String>) {
    let n = ours.len().min(theirs.len());
    let norm = |v: &Vec<usize>| {
        let mut v = v.clone();
        if sorted {
            v.sort_unstable();
        }
        v
    };
    let same = (0..n).filter(|&i| norm(&ours[i]) == norm(&theirs[i])).count();
    out.push(format!("{name}: {same}/{n} identical"));
    if same != n {
        log(format!("WARNING: {name}: only {same} of {n} result lists equal ours"));
    }
}

fn run_size(n: usize, q_count: usize, work: &Path, python: &Path, script: &Path) -> Result<Measured, Box<dyn std::error::Error>> {
    let dir = work.join(format!("n{n}"));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("facilities.db");
    let kinds = FacilityKind::ALL.len();

    // 1. The data set, written through the catalogue API (one transaction).
    log(format!("N={n}: generating facilities and storing them with CareCircle::put_facilities"));
    let t = Instant::now();
    let points = {
        let cc = CareCircle::open(&db, Settings::default())?;
        let mut err = None;
        let points = data::facilities(n, n, |batch| {
            if let Err(e) = cc.put_facilities(batch) {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            return Err(e.into());
        }
        points
    };
    log(format!("N={n}: stored in {:.1} s", t.elapsed().as_secs_f64()));

    // 2. Cold open: a fresh CareCircle::open on the file (schema check, read every
    // facility, bulk-load the index); the OS page cache is warm.
    let open_runs = if n >= 1_000_000 { 3 } else { 7 };
    let mut open_s = Vec::new();
    let mut heap_bytes = 0;
    let mut cc = None;
    for run in 0..open_runs {
        drop(cc.take());
        let before = LIVE.load(Relaxed);
        let t = Instant::now();
        let opened = CareCircle::open(&db, Settings::default())?;
        open_s.push(t.elapsed().as_secs_f64());
        if run == 0 {
            heap_bytes = LIVE.load(Relaxed).saturating_sub(before);
        }
        assert_eq!(opened.facility_count(), n);
        cc = Some(opened);
    }
    let cc = cc.expect("opened");
    let open_ms = median(open_s) * 1e3;
    let index_bytes = cc.facility_index_bytes();
    log(format!("N={n}: cold open {open_ms:.1} ms (median of {open_runs})"));

    // 3. Index build: the in-memory bulk load alone.
    let items: Vec<(usize, [f64; 3], u32)> = (0..n)
        .map(|i| (points.kind[i] as usize, Position { lat: points.lat[i], lon: points.lon[i] }.unit_vector(), i as u32))
        .collect();
    let mut build_s = Vec::new();
    let mut index = None;
    for _ in 0..3 {
        drop(index.take());
        let t = Instant::now();
        let built = SphereIndex::bulk_load(kinds, items.iter().copied());
        build_s.push(t.elapsed().as_secs_f64());
        index = Some(built);
    }
    let index = index.expect("built");
    drop(items);
    let build_ms = median(build_s) * 1e3;
    log(format!("N={n}: index bulk load {build_ms:.1} ms"));

    // 4. Our queries, one per call.
    let qs = data::queries(n, q_count);
    let all_kinds: Vec<usize> = (0..kinds).collect();
    let max_chord2 = chord2_for_distance(RADIUS_M) * (1.0 + 1e-9) + 1e-15;
    let api_nearest_q = |q: &Query| cc.nearest(&NearbyQuery::new(pos(q)).kinds([FacilityKind::ALL[q.kind as usize]]).k(K as u32));
    let api_within_q = |q: &Query| cc.within(&NearbyQuery::new(pos(q)).radius_m(RADIUS_M));
    let raw_nearest_q = |q: &Query| index.nearest(&[q.kind as usize], pos(q).unit_vector(), K, 4.0, |_| true);
    let raw_within_q = |q: &Query| index.within(&all_kinds, pos(q).unit_vector(), max_chord2, |_| true);
    let warm = q_count.min(2000);
    for q in &qs[..warm] {
        black_box(api_nearest_q(q)?);
        black_box(raw_nearest_q(q));
    }
    let api_nearest = time_each_and_run(q_count, |i| api_nearest_q(&qs[i]).expect("valid query"));
    let raw_nearest = time_each_and_run(q_count, |i| raw_nearest_q(&qs[i]));
    let api_within = time_each_and_run(q_count, |i| api_within_q(&qs[i]).expect("valid query"));
    let raw_within = time_each_and_run(q_count, |i| raw_within_q(&qs[i]));
    let within_hits = qs.iter().map(|q| raw_within_q(q).len()).sum::<usize>() as f64 / q_count as f64;
    log(format!(
        "N={n}: nearest median {:.2} us (raw index {:.2} us), within median {:.2} us (raw {:.2} us)",
        api_nearest.median / 1e3,
        raw_nearest.median / 1e3,
        api_within.median / 1e3,
        raw_within.median / 1e3
    ));

    // Results of the first queries, to check every peer against.
    let check = q_count.min(CHECK);
    let ids = |v: Vec<carecircle_core::Nearby>| v.into_iter().map(|x| data::index_of(&x.id)).collect::<Vec<_>>();
    let ours_nearest: Vec<Vec<usize>> = qs[..check].iter().map(|q| ids(api_nearest_q(q).expect("valid"))).collect();
    let ours_within: Vec<Vec<usize>> = qs[..check].iter().map(|q| ids(api_within_q(q).expect("valid"))).collect();
    let raw_lists: Vec<Vec<usize>> = qs[..check].iter().map(|q| raw_nearest_q(q).iter().map(|h| h.slot as usize).collect()).collect();
    let mut agreement = Vec::new();
    same_lists("raw index nearest vs API nearest", &raw_lists, &ours_nearest, false, &mut agreement);

    // 5. Brute force: fewer queries at large N.
    let brute = Brute::new(&points, kinds);
    let brute_queries = q_count.min((100_000_000 / n.max(1)).max(50));
    let brute_nearest = time_each(brute_queries, |i| brute.nearest(&qs[i], K));
    let brute_within = time_each(brute_queries, |i| brute.within(&qs[i], RADIUS_M));
    let c = check.min(brute_queries);
    let lists: Vec<Vec<usize>> = qs[..c].iter().map(|q| brute.nearest(q, K)).collect();
    same_lists("brute force nearest", &ours_nearest[..c], &lists, false, &mut agreement);
    let lists: Vec<Vec<usize>> = qs[..c].iter().map(|q| brute.within(q, RADIUS_M)).collect();
    same_lists("brute force within", &ours_within[..c], &lists, true, &mut agreement);
    drop(brute);
    log(format!("N={n}: brute force nearest median {:.1} us over {brute_queries} queries", brute_nearest.median / 1e3));

    // 6. SQLite R*Tree.
    let area = (data::LAT.1 - data::LAT.0) * (data::LON.1 - data::LON.0);
    let (rtree, sqlite_build_s, sqlite_build_all_s) = SqliteRtree::build(&points, kinds, area)?;
    let mut cand = Vec::new();
    for q in &qs[..warm] {
        black_box(rtree.nearest(q, K, &mut cand)?);
    }
    let sqlite_nearest = time_each(q_count, |i| rtree.nearest(&qs[i], K, &mut cand).expect("sqlite query"));
    let sqlite_within = time_each(q_count, |i| rtree.within(&qs[i], RADIUS_M, &mut cand).expect("sqlite query"));
    let lists: Vec<Vec<usize>> = qs[..check].iter().map(|q| rtree.nearest(q, K, &mut cand)).collect::<Result<_, _>>()?;
    same_lists("SQLite R*Tree nearest", &ours_nearest, &lists, false, &mut agreement);
    let lists: Vec<Vec<usize>> = qs[..check].iter().map(|q| rtree.within(q, RADIUS_M, &mut cand)).collect::<Result<_, _>>()?;
    same_lists("SQLite R*Tree within", &ours_within, &lists, true, &mut agreement);
    drop(rtree);
    log(format!("N={n}: SQLite R*Tree nearest median {:.1} us", sqlite_nearest.median / 1e3));

    // 7. BallTree, in Python.
    let fac_npy = dir.join("facilities.npy");
    let q_npy = dir.join("queries.npy");
    let mut flat = Vec::with_capacity(n * 3);
    for i in 0..n {
        flat.extend_from_slice(&[points.lat[i], points.lon[i], points.kind[i] as f64]);
    }
    data::write_npy(&fac_npy, &flat, 3)?;
    drop(flat);
    let flat: Vec<f64> = qs.iter().flat_map(|q| [q.lat, q.lon, q.kind as f64]).collect();
    data::write_npy(&q_npy, &flat, 3)?;
    log(format!("N={n}: running {} {}", python.display(), script.display()));
    let balltree = BallTree::run(python, script, &fac_npy, &q_npy, K, RADIUS_M, check);
    match &balltree {
        Ok(bt) => {
            same_lists("BallTree nearest", &ours_nearest, &bt.lists("check_nearest"), false, &mut agreement);
            same_lists("BallTree within", &ours_within, &bt.lists("check_within"), true, &mut agreement);
            log(format!("N={n}: BallTree nearest single median {:.1} us", bt.f64(&["nearest_single_us", "median"]).unwrap_or(f64::NAN)));
        }
        Err(e) => log(format!("WARNING: BallTree peer skipped: {e}")),
    }

    drop(cc);
    drop(index);
    std::fs::remove_dir_all(&dir)?;
    Ok(Measured {
        n,
        queries: q_count,
        brute_queries,
        build_ms,
        open_ms,
        open_runs,
        index_bytes,
        heap_bytes,
        api_nearest,
        raw_nearest,
        api_within,
        raw_within,
        within_hits,
        brute_nearest,
        brute_within,
        sqlite_build_ms: sqlite_build_s * 1e3,
        sqlite_build_all_ms: sqlite_build_all_s * 1e3,
        sqlite_nearest,
        sqlite_within,
        balltree,
        agreement,
    })
}

/// `BENCH_INDEX_ONLY=1`: the in-memory index alone (build, raw queries, bytes), for tuning it.
fn index_only(n: usize, q_count: usize) {
    let kinds = FacilityKind::ALL.len();
    let points = data::facilities(n, 100_000, |_| ());
    let items: Vec<(usize, [f64; 3], u32)> = (0..n)
        .map(|i| (points.kind[i] as usize, Position { lat: points.lat[i], lon: points.lon[i] }.unit_vector(), i as u32))
        .collect();
    let mut build = Vec::new();
    let mut index = None;
    for _ in 0..3 {
        drop(index.take());
        let t = Instant::now();
        index = Some(SphereIndex::bulk_load(kinds, items.iter().copied()));
        build.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let index = index.expect("built");
    let qs = data::queries(n, q_count);
    let all_kinds: Vec<usize> = (0..kinds).collect();
    let max_chord2 = chord2_for_distance(RADIUS_M) * (1.0 + 1e-9) + 1e-15;
    // A filter that reads a per-slot record the way the catalogue's does (a cache miss at scale).
    let records: Vec<[u64; 32]> = (0..n as u64).map(|i| [i; 32]).collect();
    let reads = std::cell::Cell::new(0u64);
    let filter = |s: u32| {
        reads.set(reads.get() + 1);
        records[s as usize][7] != u64::MAX
    };
    for q in &qs[..q_count.min(2000)] {
        black_box(index.nearest(&[q.kind as usize], pos(q).unit_vector(), K, 4.0, |_| true));
    }
    // Best of three rounds (the machine may be shared).
    let nearest = (0..3)
        .map(|_| time_each(q_count, |i| index.nearest(&[qs[i].kind as usize], pos(&qs[i]).unit_vector(), K, 4.0, |_| true)))
        .min_by(|a, b| a.median.total_cmp(&b.median))
        .expect("three rounds");
    reads.set(0);
    let filtered = time_each(q_count, |i| index.nearest(&[qs[i].kind as usize], pos(&qs[i]).unit_vector(), K, 4.0, filter));
    let filter_calls = reads.get() as f64 / q_count as f64;
    let within = time_each(q_count, |i| index.within(&all_kinds, pos(&qs[i]).unit_vector(), max_chord2, |_| true));
    println!(
        "N={n}: build {:.1} ms; nearest k=5 median {:.0} ns p99 {:.0} ns mean {:.0} ns; with a record-reading filter median {:.0} ns ({filter_calls:.1} filter calls); within 1 km median {:.0} ns p99 {:.0} ns; {:.1} bytes/entry",
        median(build),
        nearest.median,
        nearest.p99,
        nearest.mean,
        filtered.median,
        within.median,
        within.p99,
        index.heap_bytes() as f64 / n as f64
    );
}

// ---------------------------------------------------------------------------------------
// The table.

fn fmt_us(ns: f64) -> String {
    let us = ns / 1e3;
    if !us.is_finite() {
        "n/a".into()
    } else if us < 10.0 {
        format!("{us:.2} µs")
    } else if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.1} ms", us / 1e3)
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.1} ms") }
}

/// A peer's cell: its time and how many times slower it is than ours.
fn peer(theirs_ns: Option<f64>, ours_ns: f64, fmt: fn(f64) -> String) -> String {
    match theirs_ns {
        Some(t) if t.is_finite() => format!("{} (×{:.1})", fmt(t), t / ours_ns),
        _ => "—".into(),
    }
}

fn size_label(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn table(results: &[Measured]) -> String {
    let mut t = String::new();
    t.push_str("| facilities | operation | ours | brute force | SQLite R*Tree | BallTree single | BallTree batched |\n");
    t.push_str("|---:|---|---:|---:|---:|---:|---:|\n");
    for m in results {
        let size = size_label(m.n);
        let bt = m.balltree.as_ref().ok();
        let btf = |p: &[&str]| bt.and_then(|b| b.f64(p));
        let us = |x: Option<f64>| x.map(|v| v * 1e3);
        let mut row = |op: String, ours: String, brute: String, sqlite: String, single: String, batched: String| {
            let _ = writeln!(t, "| {size} | {op} | {ours} | {brute} | {sqlite} | {single} | {batched} |");
        };
        row(
            "index build (bulk load)".into(),
            fmt_ms(m.build_ms),
            "—".into(),
            peer(Some(m.sqlite_build_ms), m.build_ms, fmt_ms),
            peer(btf(&["build_s"]).map(|s| s * 1e3), m.build_ms, fmt_ms),
            "—".into(),
        );
        row(format!("cold open `CareCircle::open` (median of {})", m.open_runs), fmt_ms(m.open_ms), "—".into(), "—".into(), "—".into(), "—".into());
        for (label, ours, raw) in [("k=5 nearest, one kind", m.api_nearest, false), ("k=5 nearest, one kind, raw index", m.raw_nearest, true)] {
            let _ = raw;
            row(
                format!("{label}: median"),
                fmt_us(ours.median),
                peer(Some(m.brute_nearest.median), ours.median, fmt_us),
                peer(Some(m.sqlite_nearest.median), ours.median, fmt_us),
                peer(us(btf(&["nearest_single_us", "median"])), ours.median, fmt_us),
                peer(us(btf(&["nearest_batch_us"])), ours.mean, fmt_us),
            );
            row(
                format!("{label}: p99"),
                fmt_us(ours.p99),
                peer(Some(m.brute_nearest.p99), ours.p99, fmt_us),
                peer(Some(m.sqlite_nearest.p99), ours.p99, fmt_us),
                peer(us(btf(&["nearest_single_us", "p99"])), ours.p99, fmt_us),
                "—".into(),
            );
        }
        for (label, ours) in [("within 1 km, all kinds", m.api_within), ("within 1 km, all kinds, raw index", m.raw_within)] {
            row(
                format!("{label}: median"),
                fmt_us(ours.median),
                peer(Some(m.brute_within.median), ours.median, fmt_us),
                peer(Some(m.sqlite_within.median), ours.median, fmt_us),
                peer(us(btf(&["within_single_us", "median"])), ours.median, fmt_us),
                peer(us(btf(&["within_batch_us"])), ours.mean, fmt_us),
            );
            row(
                format!("{label}: p99"),
                fmt_us(ours.p99),
                peer(Some(m.brute_within.p99), ours.p99, fmt_us),
                peer(Some(m.sqlite_within.p99), ours.p99, fmt_us),
                peer(us(btf(&["within_single_us", "p99"])), ours.p99, fmt_us),
                "—".into(),
            );
        }
        row(
            "memory: index bytes per facility".into(),
            format!("{:.1} B", m.index_bytes as f64 / m.n as f64),
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
        );
        row(
            "memory: Rust heap of the open catalogue per facility".into(),
            format!("{:.0} B", m.heap_bytes as f64 / m.n as f64),
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
        );
    }
    t
}

fn targets(results: &[Measured]) -> String {
    let mut t = String::new();
    let at = |n: usize| results.iter().find(|m| m.n == n);
    let verdict = |ok: bool| if ok { "**met**" } else { "**missed**" };
    match at(1_000_000) {
        Some(m) => {
            let _ = writeln!(
                t,
                "- k=5 nearest of one kind among 1,000,000 in at most 2 µs median: API `CareCircle::nearest` {} ({}), raw index {} ({}).",
                fmt_us(m.api_nearest.median),
                verdict(m.api_nearest.median <= 2000.0),
                fmt_us(m.raw_nearest.median),
                verdict(m.raw_nearest.median <= 2000.0),
            );
        }
        None => t.push_str("- k=5 nearest among 1,000,000 in at most 2 µs: not measured (size not run).\n"),
    }
    for m in results {
        let Some(bt) = m.balltree.as_ref().ok() else {
            let _ = writeln!(t, "- {} facilities: BallTree peer did not run.", size_label(m.n));
            continue;
        };
        let single = bt.f64(&["nearest_single_us", "median"]).unwrap_or(f64::NAN) * 1e3;
        let batch = bt.f64(&["nearest_batch_us"]).unwrap_or(f64::NAN) * 1e3;
        let r = |theirs: f64, ours: f64| theirs / ours;
        let (a1, a2, r1, r2) = (
            r(single, m.api_nearest.median),
            r(batch, m.api_nearest.mean),
            r(single, m.raw_nearest.median),
            r(batch, m.raw_nearest.mean),
        );
        let _ = writeln!(
            t,
            "- At least 20× faster than BallTree per k=5 query, {} facilities: API ×{a1:.1} single, ×{a2:.1} batched ({}); raw index ×{r1:.1} single, ×{r2:.1} batched ({}).",
            size_label(m.n),
            verdict(a1 >= 20.0 && a2 >= 20.0),
            verdict(r1 >= 20.0 && r2 >= 20.0),
        );
    }
    match at(100_000) {
        Some(m) => {
            let _ = writeln!(t, "- Cold open of 100,000 facilities in at most 150 ms: {} ({}).", fmt_ms(m.open_ms), verdict(m.open_ms <= 150.0));
        }
        None => t.push_str("- Cold open of 100,000 in at most 150 ms: not measured (size not run).\n"),
    }
    for m in results {
        let _ = writeln!(
            t,
            "- Memory, {} facilities: index {:.1} bytes per facility; the open catalogue holds {:.0} bytes of Rust heap per facility in all (index, id, name, hours, id map).",
            size_label(m.n),
            m.index_bytes as f64 / m.n as f64,
            m.heap_bytes as f64 / m.n as f64
        );
    }
    t
}

fn main() {
    if let Err(e) = run() {
        eprintln!("[bench] error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().replace('_', "").parse::<usize>().map_err(|_| format!("BENCH_SIZES: bad size '{s}'")))
        .collect::<Result<_, _>>()?;
    if sizes.iter().any(|&n| n < 100) {
        return Err("BENCH_SIZES: every size must be at least 100".into());
    }
    let q_count: usize = match std::env::var("BENCH_QUERIES") {
        Ok(s) => s.parse().map_err(|_| format!("BENCH_QUERIES: bad number '{s}'"))?,
        Err(_) => 20_000,
    };
    if q_count < 100 {
        return Err("BENCH_QUERIES must be at least 100".into());
    }
    let bench_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = bench_dir.join("balltree_peer.py");
    let python = match std::env::var_os("BENCH_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("CARECIRCLE_CACHE").map(PathBuf::from).unwrap_or_else(|| "/var/cache/carecircle".into());
            let venv = cache.join("bench-venv/bin/python");
            if venv.exists() { venv } else { PathBuf::from("python3") }
        }
    };
    let out = std::env::var_os("BENCH_OUT").map(PathBuf::from).unwrap_or_else(|| bench_dir.join("results/latest.md"));
    let base = std::env::var_os("BENCH_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    if std::env::var_os("BENCH_INDEX_ONLY").is_some() {
        for &n in &sizes {
            index_only(n, q_count);
        }
        return Ok(());
    }
    let work = base.join(format!("carecircle-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let timer = time_each(100_000, |_| ()).median;
    let started = chrono::Utc::now();
    let t0 = Instant::now();
    let mut results = Vec::new();
    for &n in &sizes {
        match run_size(n, q_count, &work, &python, &script) {
            Ok(m) => results.push(m),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&work);
                return Err(format!("N={n}: {e}").into());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    let table = table(&results);
    let targets = targets(&results);
    let mut notes = String::new();
    for m in &results {
        let _ = writeln!(
            notes,
            "- {} facilities: {} query points (brute force: the first {}); within 1 km finds {:.2} facilities on average. Results compared on the first {}: {}.",
            size_label(m.n),
            m.queries,
            m.brute_queries,
            m.within_hits,
            m.queries.min(CHECK),
            m.agreement.join("; ")
        );
        if let Ok(bt) = &m.balltree {
            let _ = writeln!(
                notes,
                "  BallTree (scikit-learn {}, numpy {}, Python {}, leaf_size 40): per-kind trees built in {}, the all-kinds tree (for within) in {}. SQLite R*Tree all-kinds table (for within) built in {}.",
                bt.json["sklearn"].as_str().unwrap_or("?"),
                bt.json["numpy"].as_str().unwrap_or("?"),
                bt.json["python"].as_str().unwrap_or("?"),
                fmt_ms(bt.f64(&["build_s"]).unwrap_or(f64::NAN) * 1e3),
                fmt_ms(bt.f64(&["build_all_s"]).unwrap_or(f64::NAN) * 1e3),
                fmt_ms(m.sqlite_build_all_ms),
            );
        }
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|m| m.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let md = format!(
        "# CareCircle facility-search benchmark\n\n\
         Run {} on {} ({} cores), {:.0} s in all; produced by `./scripts/bench.sh`.\n\n\
         Latencies are per call, one query per call, timed one by one (timer overhead about {:.0} ns, included).\n\
         \"ours\" is `CareCircle::nearest` / `within` (the API: validation, index walk, result records with id, name, \
         distance and walking minutes); \"raw index\" is `SphereIndex::nearest` / `within` alone (slots and chord lengths). \
         A peer's cell is its time and, in brackets, how many times ours it is (×20 = ours is 20 times faster). \
         The BallTree batched column is its time per query with all the query points of a kind in one call, compared with our time per query over a run of all queries back to back (one query per call, no per-call timer); both the fastest of several runs.\n\n\
         {table}\n## Targets\n\n{targets}\n## Notes\n\n{notes}",
        started.format("%Y-%m-%d %H:%M UTC"),
        cpu,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        t0.elapsed().as_secs_f64(),
        timer,
    );
    println!("{md}");
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = out.with_extension("md.tmp");
    std::fs::write(&tmp, &md)?;
    std::fs::rename(&tmp, &out)?;
    log(format!("wrote {}", out.display()));
    Ok(())
}
