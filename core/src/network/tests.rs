//! The network's answers against a plain Dijkstra over the same graph, with the join points
//! spliced in as nodes and the nearest segment found by scanning every segment.

use super::*;
use proptest::prelude::*;
use std::collections::BinaryHeap;

/// The join by brute force: every segment's nearest point, the nearest of them.
pub(crate) fn brute_join(g: &Graph, p: Position) -> Join {
    let mut best: Option<(f64, u32, f64)> = None;
    for (e, [a, b]) in g.edges.iter().enumerate() {
        let (t, d) = join::nearest_on_segment(p, g.pos[*a as usize], g.pos[*b as usize]);
        if best.is_none_or(|(bd, _, _)| d < bd) {
            best = Some((d, e as u32, t));
        }
    }
    let (_, edge, t) = best.expect("a segment");
    let [a, b] = g.edges[edge as usize];
    let (pa, pb) = (g.pos[a as usize], g.pos[b as usize]);
    let point = Position { lat: pa.lat + t * (pb.lat - pa.lat), lon: pa.lon + t * (pb.lon - pa.lon) };
    let len = g.edge_len[edge as usize];
    Join { edge, t, point, leg_m: p.distance_m(point), to_a_m: t * len, to_b_m: (1.0 - t) * len }
}

/// Textbook Dijkstra on an adjacency list.
fn dijkstra(adj: &[Vec<(usize, f64)>], sources: &[(usize, f64)]) -> Vec<f64> {
    #[derive(PartialEq)]
    struct E(f64, usize);
    impl Eq for E {}
    impl Ord for E {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            o.0.total_cmp(&self.0)
        }
    }
    impl PartialOrd for E {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    let mut dist = vec![f64::INFINITY; adj.len()];
    let mut heap = BinaryHeap::new();
    for &(s, d) in sources {
        if d < dist[s] {
            dist[s] = d;
            heap.push(E(d, s));
        }
    }
    while let Some(E(d, u)) = heap.pop() {
        if d > dist[u] {
            continue;
        }
        for &(v, w) in &adj[u] {
            if d + w < dist[v] {
                dist[v] = d + w;
                heap.push(E(d + w, v));
            }
        }
    }
    dist
}

/// The graph as an adjacency list with a node spliced in at each join point; returns the list
/// and the spliced nodes' numbers.
fn spliced(g: &Graph, joins: &[Join]) -> (Vec<Vec<(usize, f64)>>, Vec<usize>) {
    let n = g.node_count();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n + joins.len()];
    for (e, [a, b]) in g.edges.iter().enumerate() {
        let w = g.edge_len[e];
        adj[*a as usize].push((*b as usize, w));
        adj[*b as usize].push((*a as usize, w));
    }
    let mut ids = Vec::new();
    for (i, j) in joins.iter().enumerate() {
        let v = n + i;
        let [a, b] = g.edges[j.edge as usize];
        for (u, w) in [(a as usize, j.to_a_m), (b as usize, j.to_b_m)] {
            adj[v].push((u, w));
            adj[u].push((v, w));
        }
        // Points on one segment walk straight along it.
        for (k, o) in joins.iter().enumerate().take(i) {
            if o.edge == j.edge {
                let w = (o.t - j.t).abs() * g.edge_len[j.edge as usize];
                adj[v].push((n + k, w));
                adj[n + k].push((v, w));
            }
        }
        ids.push(v);
    }
    (adj, ids)
}

fn plain_walk(g: &Graph, from: Position, to: Position) -> Option<f64> {
    let (a, b) = (brute_join(g, from), brute_join(g, to));
    let (adj, ids) = spliced(g, &[a, b]);
    let d = dijkstra(&adj, &[(ids[0], 0.0)])[ids[1]];
    d.is_finite().then_some(a.leg_m + d + b.leg_m)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(1.0)
}

/// A random graph in a box of about 1.1 km around the demo district's centre.
fn arb_graph() -> impl Strategy<Value = Graph> {
    (2usize..40).prop_flat_map(|n| {
        let coords = proptest::collection::vec((0i32..100_000, 0i32..100_000), n);
        let edges = proptest::collection::vec((0..n as u32, 0..n as u32), 1..(3 * n));
        (coords, edges).prop_filter_map("at least one segment", |(coords, edges)| {
            let coords: Vec<[i32; 2]> = coords.iter().map(|(a, b)| [299_500_000 + a, 1_217_000_000 + b]).collect();
            let g = Graph::from_segments(&coords, edges);
            (g.edge_count() > 0).then_some(g)
        })
    })
}

fn arb_point() -> impl Strategy<Value = Position> {
    (-10_000i32..110_000, -10_000i32..110_000).prop_map(|(a, b)| Position { lat: 29.95 + f64::from(a) * 1e-7, lon: 121.7 + f64::from(b) * 1e-7 })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn walks_match_a_plain_dijkstra(g in arb_graph(), from in arb_point(), to in arb_point()) {
        let net = Network::new(g.clone());
        // The R-tree finds the segment the scan finds (or one exactly as near).
        for p in [from, to] {
            let (fast, slow) = (net.join(p).unwrap(), brute_join(&g, p));
            prop_assert!(close(fast.leg_m, slow.leg_m), "join {} vs {}", fast.leg_m, slow.leg_m);
        }
        let expected = plain_walk(&g, from, to);
        match (net.route(from, to), expected) {
            (Ok((m, path, _, _)), Some(e)) => {
                prop_assert!(close(m, e), "walk {m} vs {e}");
                prop_assert_eq!(path.first().copied(), Some([from.lat, from.lon]));
                // The path's own length is the walk.
                let along: f64 = path.windows(2).map(|w| Position { lat: w[0][0], lon: w[0][1] }.distance_m(Position { lat: w[1][0], lon: w[1][1] })).sum();
                prop_assert!((along - m).abs() < 1e-3 * m.max(1.0), "path {along} vs {m}");
            }
            (Err(Error::NoPath(_)), None) => {}
            (got, e) => prop_assert!(false, "{got:?} vs {e:?}"),
        }
        // One to many agrees with point to point.
        let many = net.distances_from(from, &[to, from]).unwrap();
        match (many[0], expected) {
            (Some(m), Some(e)) => prop_assert!(close(m, e), "one-to-many {m} vs {e}"),
            (None, None) => {}
            (got, e) => prop_assert!(false, "{got:?} vs {e:?}"),
        }
        let back = net.join(from).unwrap().leg_m * 2.0;
        prop_assert!(close(many[1].unwrap(), back));
    }

    #[test]
    fn coverage_fields_match_a_plain_multi_source_dijkstra(g in arb_graph(), sources in proptest::collection::vec(arb_point(), 1..6), homes in proptest::collection::vec(arb_point(), 1..8)) {
        let net = Network::new(g.clone());
        let field = net.field(&sources).unwrap();
        for home in homes {
            let expected = sources.iter().filter_map(|s| plain_walk(&g, *s, home)).fold(f64::INFINITY, f64::min);
            match net.field_at(&field, home).unwrap() {
                Some((d, i)) => {
                    prop_assert!(close(d, expected), "field {d} vs {expected}");
                    // The source named is one at that walk.
                    let via = plain_walk(&g, sources[i as usize], home).unwrap();
                    prop_assert!(close(via, d), "source {via} vs {d}");
                }
                None => prop_assert!(expected.is_infinite()),
            }
        }
    }

    #[test]
    fn joins_are_exact_over_a_network_spanning_twenty_degrees_of_latitude(
        coords in proptest::collection::vec((500_000_000i32..700_000_000, 200_000_000i32..400_000_000), 2..30),
        edges in proptest::collection::vec((0u32..30, 0u32..30), 1..60),
        p in (480_000_000i32..720_000_000, 180_000_000i32..420_000_000),
    ) {
        let coords: Vec<[i32; 2]> = coords.iter().map(|(a, b)| [*a, *b]).collect();
        let n = coords.len() as u32;
        let g = Graph::from_segments(&coords, edges.iter().map(|(a, b)| (a % n, b % n)));
        prop_assume!(g.edge_count() > 0);
        let net = Network::new(g.clone());
        let p = Position { lat: f64::from(p.0) * 1e-7, lon: f64::from(p.1) * 1e-7 };
        let (fast, slow) = (net.join(p).unwrap(), brute_join(&g, p));
        // Far from everything the local plane is no longer exact; the same segment must win.
        prop_assert!(close(fast.leg_m, slow.leg_m) || fast.edge == slow.edge, "{} vs {}", fast.leg_m, slow.leg_m);
    }

    #[test]
    fn the_packed_form_round_trips(g in arb_graph()) {
        let back = pack::decode(&pack::encode(&g)).unwrap();
        prop_assert_eq!(back, g);
    }
}

/// A grid of `n` by `n` nodes `step_e7` apart.
pub(crate) fn grid(n: i32, step_e7: i32) -> Graph {
    let mut coords = Vec::new();
    let mut segs = Vec::new();
    for i in 0..n {
        for j in 0..n {
            coords.push([299_500_000 + i * step_e7, 1_217_000_000 + j * step_e7]);
            let k = (i * n + j) as u32;
            if j + 1 < n {
                segs.push((k, k + 1));
            }
            if i + 1 < n {
                segs.push((k, k + n as u32));
            }
        }
    }
    Graph::from_segments(&coords, segs)
}

#[test]
fn two_points_on_one_segment_walk_straight_along_it() {
    let g = grid(2, 10_000);
    let net = Network::new(g);
    let a = Position { lat: 29.95 + 0.0002, lon: 121.7 - 0.00001 };
    let b = Position { lat: 29.95 + 0.0008, lon: 121.7 - 0.00001 };
    let (m, path, ja, jb) = net.route(a, b).unwrap();
    assert_eq!(ja.edge, jb.edge);
    let direct = ja.leg_m + ja.point.distance_m(jb.point) + jb.leg_m;
    assert!((m - direct).abs() < 1e-6, "{m} vs {direct}");
    assert_eq!(path.len(), 4);
}

#[test]
fn disconnected_parts_have_no_path() {
    let coords = [[299_500_000, 1_217_000_000], [299_501_000, 1_217_000_000], [299_600_000, 1_217_000_000], [299_601_000, 1_217_000_000]];
    let net = Network::new(Graph::from_segments(&coords, [(0, 1), (2, 3)]));
    let e = net.route(Position { lat: 29.95, lon: 121.7 }, Position { lat: 29.96, lon: 121.7 }).unwrap_err();
    assert!(matches!(e, Error::NoPath(_)), "{e}");
    assert_eq!(net.distances_from(Position { lat: 29.95, lon: 121.7 }, &[Position { lat: 29.96, lon: 121.7 }]).unwrap(), vec![None]);
}

#[test]
fn an_isochrone_is_a_polygon_around_its_start() {
    let net = Network::new(grid(30, 5_000));
    let start = Position { lat: 29.95 + 0.007, lon: 121.7 + 0.007 };
    let (geo, area, reached) = net.isochrone(start, 300.0).unwrap();
    assert_eq!(geo["type"], "Polygon", "{geo}");
    assert!(reached > 10);
    // A diamond of 300 m "radius" on a grid, plus the buffer: between the diamond and a square.
    assert!(area > 2.0 * 300.0 * 300.0 && area < 4.0 * 400.0 * 400.0, "{area}");
    let ring = geo["coordinates"][0].as_array().unwrap();
    assert_eq!(ring.first(), ring.last());
    // Too short a walk to reach the street: nothing.
    let far = Position { lat: 29.95 - 0.01, lon: 121.7 };
    let (geo, area, _) = net.isochrone(far, 100.0).unwrap();
    assert_eq!(geo["type"], "MultiPolygon");
    assert_eq!(area, 0.0);
}

#[cfg(feature = "osm")]
mod real_extract {
    use super::*;

    /// A small real OpenStreetMap extract from southern Finland (data/osm/README.md), shipped in the repo.
    fn extract() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/osm/test.osm.pbf")
    }

    #[test]
    fn the_real_extract_imports_by_the_contract() {
        let (g, counts) = import::read_pbf(&extract()).unwrap();
        assert!(counts.walkable_ways > 100, "{counts:?}");
        assert!(counts.walkable_ways < counts.ways_read);
        assert!(g.node_count() > 1000, "{}", g.node_count());
        // Every length is the haversine of its segment's exact coordinates.
        for (e, [a, b]) in g.edges.iter().enumerate() {
            assert_eq!(g.edge_len[e], g.pos[*a as usize].distance_m(g.pos[*b as usize]));
        }
        let bytes = pack::encode(&g);
        assert_eq!(pack::decode(&bytes).unwrap(), g);
        assert!((bytes.len() as f64 / g.node_count() as f64) < 12.0, "{} bytes for {} nodes", bytes.len(), g.node_count());
    }

    #[test]
    fn walks_on_the_real_extract_match_a_plain_dijkstra() {
        let (g, _) = import::read_pbf(&extract()).unwrap();
        let net = Network::new(g.clone());
        let (lo_lat, hi_lat) = g.pos.iter().fold((90.0f64, -90.0f64), |(l, h), p| (l.min(p.lat), h.max(p.lat)));
        let (lo_lon, hi_lon) = g.pos.iter().fold((180.0f64, -180.0f64), |(l, h), p| (l.min(p.lon), h.max(p.lon)));
        let mut found = 0;
        for i in 0..40u32 {
            let f = |k: u32, lo: f64, hi: f64| lo + (hi - lo) * f64::from(k.wrapping_mul(2_654_435_761u32) % 1000) / 1000.0;
            let a = Position { lat: f(i * 2 + 1, lo_lat, hi_lat), lon: f(i * 3 + 7, lo_lon, hi_lon) };
            let b = Position { lat: f(i * 5 + 11, lo_lat, hi_lat), lon: f(i * 7 + 13, lo_lon, hi_lon) };
            match (net.route(a, b), plain_walk(&g, a, b)) {
                (Ok((m, _, _, _)), Some(e)) => {
                    assert!(close(m, e), "{m} vs {e}");
                    assert!(m >= a.distance_m(b) - 1e-6);
                    found += 1;
                }
                (Err(Error::NoPath(_)), None) => {}
                (got, e) => panic!("{got:?} vs {e:?}"),
            }
        }
        assert!(found > 20, "{found}");
        let (geo, area, _) = net.isochrone(g.pos[g.node_count() / 2], 900.0).unwrap();
        assert!(area > 100_000.0, "{area} {geo}");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.osm.pbf");
        assert!(matches!(import::read_pbf(&missing), Err(Error::Io(_))));
        let junk = dir.path().join("junk.osm.pbf");
        std::fs::write(&junk, b"\x00\x00\x00\x0dnot a pbf file at all, sorry").unwrap();
        let e = import::read_pbf(&junk).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { field: "OSM PBF file", .. }), "{e}");
        let empty = dir.path().join("empty.osm.pbf");
        std::fs::write(&empty, b"").unwrap();
        assert!(import::read_pbf(&empty).is_err());
        // A truncated real file.
        let bytes = std::fs::read(extract()).unwrap();
        let cut = dir.path().join("cut.osm.pbf");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        assert!(import::read_pbf(&cut).is_err());
    }
}
