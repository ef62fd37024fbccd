//! The demo district's walking network, generated (nothing random: a lattice and fixed
//! choices), so that its circle's holes differ visibly from straight-line ones:
//!
//! - a lattice of 60 m; the old town (招宝山, within 1.3 km of 29.962 N, 121.718 E) keeps every
//!   line (a dense 60 m grid), the streets' and towns' centres every third (180 m), the rest of
//!   the district every fifth (300 m, country lanes), so grids meet on every fifteenth line;
//! - nodes off the old town's exact grid move by up to 15 m (a fixed hash of their lattice
//!   place), so that lanes are not ruler-straight;
//! - only inside the district's outline, and not on 九龙湖 (the lake);
//! - two rivers without a way across except at a few bridges: a canal from west to east across
//!   the middle of the district (five bridges, 3-5 km apart) and a river from north to south
//!   between 贵驷/澥浦 and 骆驼 (four bridges).
//!
//! It takes a few milliseconds to generate; `CareCircle::load_demo_network` stores it once.

use super::graph::Graph;
use crate::carecircle::CareCircle;
use crate::error::Result;
use crate::position::Position;

const STEP_M: f64 = 60.0;
const M_PER_DEG: f64 = crate::position::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
const SOUTH: f64 = 29.89;
const NORTH: f64 = 30.09;
const WEST: f64 = 121.49;
const EAST: f64 = 121.80;
const OLD_TOWN: (f64, f64, f64) = (29.962, 121.718, 1300.0);
/// Centres of the streets and of the towns' seats, with the radius of their 180 m grid.
const CENTRES: &[(f64, f64, f64)] = &[
    (29.962, 121.718, 2600.0),
    (29.945, 121.676, 2200.0),
    (29.968, 121.640, 2400.0),
    (29.923, 121.608, 2200.0),
    (29.996, 121.605, 1600.0),
    (30.024, 121.608, 1000.0),
    (30.046, 121.548, 900.0),
];
/// The district's outline (lon, lat), as in data/generate.py.
const OUTLINE: &[(f64, f64)] = &[
    (121.578, 29.910), (121.600, 29.898), (121.640, 29.902), (121.680, 29.921), (121.720, 29.940), (121.760, 29.950), (121.795, 29.957),
    (121.798, 29.968), (121.775, 29.976), (121.740, 29.982), (121.700, 29.992), (121.660, 30.010), (121.620, 30.034), (121.580, 30.058),
    (121.545, 30.080), (121.515, 30.080), (121.500, 30.055), (121.503, 30.015), (121.535, 29.975), (121.560, 29.937),
];
const LAKE: (f64, f64, f64) = (30.060, 121.513, 700.0);
/// A river: its name, its line and its bridges, (lon, lat).
pub type River = (&'static str, &'static [(f64, f64)], &'static [(f64, f64)]);
/// A lattice segment: its nodes and their (lon, lat).
type Segment = (u32, u32, (f64, f64), (f64, f64));

/// Rivers (lon, lat) and their bridges (lon, lat).
pub const RIVERS: &[River] = &[
    (
        "canal",
        &[(121.495, 30.004), (121.560, 29.986), (121.620, 29.982), (121.660, 29.975), (121.700, 29.979), (121.750, 29.984), (121.800, 29.986)],
        &[(121.530, 29.995), (121.600, 29.983), (121.645, 29.978), (121.690, 29.978), (121.735, 29.983)],
    ),
    (
        "river",
        &[(121.595, 30.090), (121.598, 30.040), (121.603, 30.010), (121.615, 29.982), (121.620, 29.950), (121.626, 29.890)],
        &[(121.598, 30.040), (121.603, 30.006), (121.619, 29.965), (121.623, 29.925)],
    ),
];

fn hash(i: i64, j: i64, salt: u64) -> f64 {
    let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ salt;
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 29;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn inside_outline(lat: f64, lon: f64) -> bool {
    let mut inside = false;
    let n = OUTLINE.len();
    for k in 0..n {
        let (ax, ay) = OUTLINE[k];
        let (bx, by) = OUTLINE[(k + 1) % n];
        if (ay > lat) != (by > lat) && lon < ax + (lat - ay) / (by - ay) * (bx - ax) {
            inside = !inside;
        }
    }
    inside
}

fn metres(a: (f64, f64), lat: f64, lon: f64) -> f64 {
    Position { lat: a.0, lon: a.1 }.distance_m(Position { lat, lon })
}

/// Every how many lattice lines a street runs here.
fn level(lat: f64, lon: f64) -> i64 {
    if metres((OLD_TOWN.0, OLD_TOWN.1), lat, lon) <= OLD_TOWN.2 {
        1
    } else if CENTRES.iter().any(|c| metres((c.0, c.1), lat, lon) <= c.2) {
        3
    } else {
        5
    }
}

fn crosses(p: (f64, f64), q: (f64, f64), a: (f64, f64), b: (f64, f64)) -> bool {
    let orient = |o: (f64, f64), s: (f64, f64), t: (f64, f64)| (s.0 - o.0) * (t.1 - o.1) - (s.1 - o.1) * (t.0 - o.0);
    let (d1, d2) = (orient(a, b, p), orient(a, b, q));
    let (d3, d4) = (orient(p, q, a), orient(p, q, b));
    (d1 > 0.0) != (d2 > 0.0) && (d3 > 0.0) != (d4 > 0.0)
}

/// The demo district's walking network.
pub fn graph() -> Graph {
    let dlat = STEP_M / M_PER_DEG;
    let dlon = dlat / 29.99f64.to_radians().cos();
    let rows = ((NORTH - SOUTH) / dlat) as i64;
    let cols = ((EAST - WEST) / dlon) as i64;
    // Lattice places that are nodes: on a kept row or column, on land.
    let mut index = std::collections::HashMap::new();
    let mut coords: Vec<[i32; 2]> = Vec::new();
    let mut node = |i: i64, j: i64| -> Option<u32> {
        if let Some(n) = index.get(&(i, j)) {
            return *n;
        }
        let (lat, lon) = (SOUTH + i as f64 * dlat, WEST + j as f64 * dlon);
        let keep = inside_outline(lat, lon) && metres((LAKE.0, LAKE.1), lat, lon) > LAKE.2 && {
            let l = level(lat, lon);
            i % l == 0 || j % l == 0
        };
        let id = keep.then(|| {
            let (mut lat, mut lon) = (lat, lon);
            if level(lat, lon) > 1 {
                lat += (hash(i, j, 1) - 0.5) * 30.0 / M_PER_DEG;
                lon += (hash(i, j, 2) - 0.5) * 30.0 / M_PER_DEG / lat.to_radians().cos();
            }
            coords.push([(lat * 1e7).round() as i32, (lon * 1e7).round() as i32]);
            (coords.len() - 1) as u32
        });
        index.insert((i, j), id);
        id
    };
    // Lattice edges that lie on a street: along a kept row (east-west) or column (north-south).
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for i in 0..=rows {
        for j in 0..=cols {
            let (lat, lon) = (SOUTH + i as f64 * dlat, WEST + j as f64 * dlon);
            let l = level(lat + dlat / 2.0, lon + dlon / 2.0).min(level(lat, lon));
            for (di, dj, on_line) in [(0, 1, i % l == 0), (1, 0, j % l == 0)] {
                if !on_line {
                    continue;
                }
                if let (Some(a), Some(b)) = (node(i, j), node(i + di, j + dj)) {
                    pairs.push((a, b));
                }
            }
        }
    }
    let at = |n: u32| (f64::from(coords[n as usize][1]) * 1e-7, f64::from(coords[n as usize][0]) * 1e-7);
    let segments: Vec<Segment> = pairs.iter().map(|&(a, b)| (a, b, at(a), at(b))).collect();
    // Rivers: every crossing goes, but the one nearest each bridge.
    let mut dropped = vec![false; segments.len()];
    for (_, line, bridges) in RIVERS {
        let crossing: Vec<usize> = (0..segments.len())
            .filter(|&k| {
                let (_, _, p, q) = segments[k];
                line.windows(2).any(|w| crosses(p, q, w[0], w[1]))
            })
            .collect();
        let mut kept = Vec::new();
        for b in bridges.iter() {
            let near = crossing.iter().copied().min_by(|&x, &y| {
                let d = |k: usize| {
                    let (_, _, p, q) = segments[k];
                    metres((b.1, b.0), (p.1 + q.1) / 2.0, (p.0 + q.0) / 2.0)
                };
                d(x).total_cmp(&d(y))
            });
            kept.extend(near);
        }
        for k in crossing {
            if !kept.contains(&k) {
                dropped[k] = true;
            }
        }
    }
    let segs = segments.iter().zip(&dropped).filter(|(_, d)| !**d).map(|((a, b, _, _), _)| (*a, *b));
    Graph::from_segments(&coords, segs)
}

impl CareCircle {
    /// Stores the demo district's generated walking network, unless the database has a network.
    /// Returns whether it stored one.
    pub fn load_demo_network(&self) -> Result<bool> {
        if self.network_summary()?.is_some() {
            return Ok(false);
        }
        self.put_network(graph(), "demo: generated streets of the synthetic district (core/src/network/demo.rs)")?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_network_is_deterministic_and_crosses_rivers_only_at_bridges() {
        let g = graph();
        assert_eq!(g, graph());
        assert!(g.node_count() > 20_000 && g.node_count() < 150_000, "{}", g.node_count());
        // The streets' part of the district is one walk: the largest component holds most nodes.
        let mut sizes = vec![0usize; g.component_count()];
        for c in &g.component {
            sizes[*c as usize] += 1;
        }
        let largest = sizes.iter().max().copied().unwrap_or(0);
        assert!(largest * 10 > g.node_count() * 9, "{largest} of {}", g.node_count());
        for (_, line, bridges) in RIVERS {
            let crossings = g
                .edges
                .iter()
                .filter(|[a, b]| {
                    let (p, q) = (g.pos[*a as usize], g.pos[*b as usize]);
                    line.windows(2).any(|w| crosses((p.lon, p.lat), (q.lon, q.lat), w[0], w[1]))
                })
                .count();
            assert!(crossings <= bridges.len(), "{crossings} crossings for {} bridges", bridges.len());
        }
    }
}
