//! network-bench: the walking network against networkx and pandana on one OpenStreetMap
//! extract (one walk query, one 15-minute isochrone, coverage of every node for one service),
//! and the demo district's figures (coverage of all 50,000 homes × 10 services; the circle's
//! shares straight line vs network). Run it with `./scripts/network-bench.sh`.
//!
//! Settings: `BENCH_PBF` (default data/osm/test.osm.pbf; the script passes Helsinki's),
//! `BENCH_PYTHON` (a Python with networkx and pandana; peers are skipped without one),
//! `BENCH_OUT` (default bench/results/network.md), `BENCH_WALKS` (default 2000).

use carecircle_core::circle::DEFAULT_REQUIRED;
use carecircle_core::network::{Network, import::read_pbf};
use carecircle_core::{CareCircle, Position, Settings};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::time::Instant;

/// A small deterministic generator (the bench's only chance).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p99(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

fn us(s: f64) -> String {
    if s < 1e-3 { format!("{:.1} µs", s * 1e6) } else if s < 1.0 { format!("{:.2} ms", s * 1e3) } else { format!("{s:.2} s") }
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pbf = std::env::var("BENCH_PBF").map(std::path::PathBuf::from).unwrap_or_else(|_| root.join("data/osm/test.osm.pbf"));
    let walks_n: usize = std::env::var("BENCH_WALKS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let out_path = std::env::var("BENCH_OUT").map(std::path::PathBuf::from).unwrap_or_else(|_| root.join("bench/results/network.md"));
    let mut md = String::new();
    let mut line = |s: String| {
        println!("{s}");
        md.push_str(&s);
        md.push('\n');
    };

    // ----- The real extract -----
    let t = Instant::now();
    let (g, counts) = read_pbf(&pbf).expect("a readable PBF extract");
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let net = Network::new(g.clone());
    let build_s = t.elapsed().as_secs_f64();
    let packed = carecircle_core::network::pack::encode(&g);
    let name = pbf.file_name().unwrap().to_string_lossy().into_owned();
    line(format!("# Walking network benchmark\n\nExtract `{name}` ({} bytes): {} walkable ways of {} ways; {} nodes, {} edges, {} parts, {:.1} km of walkable street.",
        std::fs::metadata(&pbf).map(|m| m.len()).unwrap_or(0), counts.walkable_ways, counts.ways_read, g.node_count(), g.edge_count(), g.component_count(), g.total_length_m() / 1000.0));
    line(format!("Import {} (PBF read and graph), index {}; packed {} bytes = {:.2} bytes per node; in memory {:.0} bytes per node.\n",
        us(read_s), us(build_s), packed.len(), packed.len() as f64 / g.node_count() as f64, net.heap_bytes() as f64 / g.node_count() as f64));

    // The largest part: queries between its nodes.
    let mut sizes = vec![0usize; g.component_count()];
    for n in 0..g.node_count() as u32 {
        sizes[g.component_of(n) as usize] += 1;
    }
    let big = (0..sizes.len()).max_by_key(|&c| sizes[c]).unwrap_or(0);
    let nodes: Vec<u32> = (0..g.node_count() as u32).filter(|&n| g.component_of(n) as usize == big).collect();
    let mut rng = Lcg(20_261_202);
    let walks: Vec<(u32, u32)> = (0..walks_n).map(|_| (nodes[rng.below(nodes.len())], nodes[rng.below(nodes.len())])).collect();
    let isos: Vec<u32> = (0..200).map(|_| nodes[rng.below(nodes.len())]).collect();
    let pois: Vec<u32> = (0..20).map(|_| nodes[rng.below(nodes.len())]).collect();
    let pos = |n: u32| g.position(n);

    // The landmarks are built on the first walk: not part of any query's time.
    black_box(net.walk_m(&net.join_node(walks[0].0).unwrap(), &net.join_node(walks[0].1).unwrap()));
    let mut walk_t = Vec::new();
    let mut walk_m = Vec::new();
    for &(a, b) in &walks {
        let (pa, pb) = (net.join_node(a).unwrap(), net.join_node(b).unwrap());
        let t = Instant::now();
        let m = black_box(net.walk_m(&pa, &pb));
        walk_t.push(t.elapsed().as_secs_f64());
        walk_m.push(m);
    }
    // With the joins (what `carecircle walk` does, less the path): two R-tree look-ups more.
    let mut walk_full_t = Vec::new();
    for &(a, b) in &walks {
        let t = Instant::now();
        black_box(net.route(pos(a), pos(b)).ok());
        walk_full_t.push(t.elapsed().as_secs_f64());
    }
    let mut iso_t = Vec::new();
    let mut iso_nodes = Vec::new();
    for &s in &isos {
        let t = Instant::now();
        let (_, _, n) = black_box(net.isochrone(pos(s), 900.0).unwrap());
        iso_t.push(t.elapsed().as_secs_f64());
        iso_nodes.push(n);
    }
    let poi_joins: Vec<carecircle_core::network::Join> = pois.iter().map(|&n| net.join_node(n).unwrap()).collect();
    let mut cov_t = Vec::new();
    let mut field = None;
    for _ in 0..5 {
        let t = Instant::now();
        field = Some(black_box(carecircle_core::network::Field::build(net.graph(), poi_joins.clone())));
        cov_t.push(t.elapsed().as_secs_f64());
    }
    let field = field.unwrap();
    let ours_walk = median(walk_t.clone());
    let ours_iso = median(iso_t.clone());
    let ours_cov = cov_t.iter().cloned().fold(f64::INFINITY, f64::min);

    // ----- Peers -----
    let peers = run_peers(&g, &walks, &isos, &pois);
    let peer = |who: &str, key: &str| peers.as_ref().and_then(|p| p[who][key].as_f64());
    let ratio = |theirs: Option<f64>, ours: f64| theirs.map_or("-".to_string(), |t| if t / ours < 10.0 { format!("{:.2}×", t / ours) } else { format!("{:.0}×", t / ours) });
    line("| | ours | networkx | pandana | networkx ÷ ours | pandana ÷ ours |".into());
    line("|---|---:|---:|---:|---:|---:|".into());
    line(format!("| one walk query, node to node, median ({} pairs) | {} (p99 {}) | {} | {} | {} | {} |", walks.len(), us(ours_walk), us(p99(walk_t)),
        peer("networkx", "walk_median_s").map_or("-".into(), us), peer("pandana", "walk_median_s").map_or("-".into(), us),
        ratio(peer("networkx", "walk_median_s"), ours_walk), ratio(peer("pandana", "walk_median_s"), ours_walk)));
    line(format!("| one walk query with both joins and the path, median | {} | | | | |", us(median(walk_full_t))));
    line(format!("| one walk query, pandana batched (`shortest_path_lengths`, all pairs in one call), per pair | | | {} | | {} |",
        peer("pandana", "walk_batched_per_query_s").map_or("-".into(), us), ratio(peer("pandana", "walk_batched_per_query_s"), ours_walk)));
    line(format!("| one 15-minute isochrone (900 m), median of {} | {} (polygon) | {} (nodes only) | - | {} | - |", isos.len(), us(ours_iso),
        peer("networkx", "isochrone_median_s").map_or("-".into(), us), ratio(peer("networkx", "isochrone_median_s"), ours_iso)));
    line(format!("| coverage of every node for one service ({} facilities), best of 5 / 3 | {} | {} | {} | {} | {} |", pois.len(), us(ours_cov),
        peer("networkx", "coverage_s").map_or("-".into(), us), peer("pandana", "coverage_s").map_or("-".into(), us),
        ratio(peer("networkx", "coverage_s"), ours_cov), ratio(peer("pandana", "coverage_s"), ours_cov)));
    if let Some(p) = &peers {
        if let Some(pre) = p["pandana"]["preprocess_s"].as_f64() {
            line(format!("\npandana {} preprocessing (contraction hierarchies, not counted above): {}; networkx {}.", p["pandana"]["version"], us(pre), p["networkx"]["version"]));
        }
        // Answers compared.
        for who in ["networkx", "pandana"] {
            if let Some(skip) = p[who]["skipped"].as_str() {
                line(format!("{who}: skipped ({skip})"));
                continue;
            }
            let answers = p[who]["walk_answers"].as_array().cloned().unwrap_or_default();
            let (mut same, mut differ) = (0, 0);
            for (a, b) in walk_m.iter().zip(&answers) {
                match (a, b.as_f64()) {
                    // pandana keeps whole millimetres.
                    (Some(x), Some(y)) if (x - y).abs() <= 1e-3 * x.max(1.0) + 2e-3 => same += 1,
                    (None, None) => same += 1,
                    _ => differ += 1,
                }
            }
            let sample = p[who]["coverage_sample"].as_object().cloned().unwrap_or_default();
            let (mut csame, mut cdiff) = (0, 0);
            for (node, theirs) in &sample {
                let n: u32 = node.parse().unwrap();
                let ours = net.join_node(n).and_then(|j| field.at(net.graph(), &j)).map(|(d, _)| d);
                match (ours, theirs.as_f64()) {
                    (Some(x), Some(y)) if (x - y).abs() <= 1e-2 * x.max(1.0) => csame += 1,
                    (None, None) => csame += 1,
                    _ => cdiff += 1,
                }
            }
            line(format!("{who}: walks agree {same} of {} (to 0.1%); coverage agrees at {csame} of {} sampled nodes (to 1%; pandana keeps f32 metres).", same + differ, csame + cdiff));
        }
        if let Some(r) = p["networkx"]["isochrone_reached"].as_array() {
            let agree = r.iter().zip(&iso_nodes).filter(|(a, b)| a.as_u64() == Some(u64::from(**b))).count();
            line(format!("networkx: isochrones reach the same nodes in {agree} of {}.", r.len()));
        }
    } else {
        line("\npeers skipped: no BENCH_PYTHON with networkx and pandana (scripts/network-bench.sh installs them)".into());
    }

    // ----- The demo district -----
    line("\n## Demo district (synthetic Zhenhai, generated streets)\n".into());
    let straight = demo_handle(false);
    let t = Instant::now();
    let walking = demo_handle(true);
    let load_s = t.elapsed().as_secs_f64();
    let summary = walking.network_summary().unwrap().unwrap();
    line(format!("Network: {} nodes, {} edges, {:.0} km; generated and stored with the facilities in {}; packed {} bytes = {:.2} bytes per node (synced to phones as {} base64 rows).",
        summary.nodes, summary.edges, summary.length_km, us(load_s), summary.packed_bytes, summary.bytes_per_node, summary.packed_bytes.div_ceil(48 * 1024)));
    // What a phone does on first use after sync: unpack the stored bytes, index the segments.
    let packed = carecircle_core::network::pack::encode(walking.walking_network().unwrap().unwrap().graph());
    let mut open_t = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        black_box(Network::new(carecircle_core::network::pack::decode(&packed).unwrap()));
        open_t.push(t.elapsed().as_secs_f64());
    }
    line(format!("Unpacking and indexing it (a phone's first walk after sync), median of 5: {}; landmarks for walks, built on the first walk: 8 full Dijkstras.", us(median(open_t))));
    let homes = carecircle_core::demo::homes().unwrap();
    let t = Instant::now();
    let after = walking.coverage(&homes, DEFAULT_REQUIRED).unwrap();
    let cold = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let again = walking.coverage(&homes, DEFAULT_REQUIRED).unwrap();
    let warm = t.elapsed().as_secs_f64();
    assert_eq!(after, again);
    let t = Instant::now();
    let before = straight.coverage(&homes, DEFAULT_REQUIRED).unwrap();
    let straight_s = t.elapsed().as_secs_f64();
    line(format!("Coverage of all {} homes × 6 kinds and 10 services on the network: {} cold (16 multi-source Dijkstras over the whole network, then every home's join), {} warm; straight line (the index, as before): {}.",
        homes.len(), us(cold), us(warm), us(straight_s)));
    let net = walking.walking_network().unwrap().unwrap();
    let mut rng = Lcg(7);
    let mut wt = Vec::new();
    let mut it = Vec::new();
    for i in 0..500 {
        let h = &homes[rng.below(homes.len())];
        let to = homes[rng.below(homes.len())].position;
        let near = Position { lat: h.position.lat + (to.lat - h.position.lat) * 0.05, lon: h.position.lon + (to.lon - h.position.lon) * 0.05 };
        let t = Instant::now();
        black_box(net.route(h.position, near).ok());
        wt.push(t.elapsed().as_secs_f64());
        if i < 100 {
            let t = Instant::now();
            black_box(net.isochrone(h.position, 900.0).unwrap());
            it.push(t.elapsed().as_secs_f64());
        }
    }
    line(format!("Walk from a home to a point about 5% of the way to another home, with joins and path, median {}; 15-minute isochrone from a home, median {}.\n", us(median(wt)), us(median(it))));
    line("| service | straight line × 1.3 | along the network | change |".into());
    line("|---|---:|---:|---:|".into());
    let mut changes: Vec<(String, f64)> = Vec::new();
    for (b, a) in before.kinds.iter().chain(&before.services).zip(after.kinds.iter().chain(&after.services)) {
        line(format!("| {} | {:.1}% | {:.1}% | {:+.1} pts |", a.code, b.share * 100.0, a.share * 100.0, (a.share - b.share) * 100.0));
        changes.push((a.code.clone(), a.share - b.share));
    }
    changes.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
    line(format!("\nLargest changes: {}.", changes.iter().take(3).map(|(c, d)| format!("{c} {:+.1} pts", d * 100.0)).collect::<Vec<_>>().join(", ")));
    line(format!("Homes lacking a station or a canteen: {} straight line, {} on the network.", before.uncovered.len(), after.uncovered.len()));
    line(format!("\nMachine: {} cores; run {}.", std::thread::available_parallelism().map_or(0, |n| n.get()), chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")));
    if let Some(dir) = out_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&out_path, md).expect("results written");
    eprintln!("written to {}", out_path.display());
}

fn demo_handle(network: bool) -> CareCircle {
    let settings = Settings { use_network: network, ..Settings::default() };
    let cc = CareCircle::open_in_memory(settings).unwrap();
    cc.load_demo_facilities().unwrap();
    if network {
        cc.load_demo_network().unwrap();
    }
    cc
}

fn run_peers(g: &carecircle_core::network::Graph, walks: &[(u32, u32)], isos: &[u32], pois: &[u32]) -> Option<serde_json::Value> {
    let Ok(python) = std::env::var("BENCH_PYTHON") else {
        eprintln!("BENCH_PYTHON is not set: peers skipped");
        return None;
    };
    let dir = tempfile_dir();
    let mut f = std::fs::File::create(dir.join("nodes.csv")).unwrap();
    writeln!(f, "id,lon,lat").unwrap();
    for n in 0..g.node_count() as u32 {
        let p = g.position(n);
        writeln!(f, "{n},{:.7},{:.7}", p.lon, p.lat).unwrap();
    }
    let mut s = String::from("a,b,metres\n");
    for e in 0..g.edge_count() as u32 {
        let [a, b] = g.edge(e);
        let _ = writeln!(s, "{a},{b},{:.9}", g.edge_length(e));
    }
    std::fs::write(dir.join("edges.csv"), s).unwrap();
    let mut s = String::from("a,b\n");
    for (a, b) in walks {
        let _ = writeln!(s, "{a},{b}");
    }
    std::fs::write(dir.join("walks.csv"), s).unwrap();
    std::fs::write(dir.join("isochrones.csv"), std::iter::once("node".to_string()).chain(isos.iter().map(|n| n.to_string())).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    std::fs::write(dir.join("pois.csv"), std::iter::once("node".to_string()).chain(pois.iter().map(|n| n.to_string())).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("network_peer.py");
    let out = std::process::Command::new(python).arg(script).arg(&dir).output().ok()?;
    let result = std::fs::read(dir.join("result.json")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        eprintln!("peer failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    match serde_json::from_slice(&result) {
        Ok(v) => Some(v),
        Err(e) => {
            eprintln!("peer answered no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout).chars().take(300).collect::<String>());
            None
        }
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("carecircle-network-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
