//! Isochrones: the area within N walking minutes of a point, as a GeoJSON Polygon or
//! MultiPolygon (RFC 7946: [lon, lat], outer rings counter-clockwise, holes clockwise).
//!
//! Method: a Dijkstra from the point's join, bounded by the walk's metres, gives every node it
//! reaches; each edge at a reached node is reachable for what is left of the walk (a partial
//! edge where it runs out), and so are the straight leg from the point to its join and the
//! parts of the joined segment either side of the join point. Those reachable pieces are
//! buffered by [`BUFFER_M`] (a home that far from a reachable street counts as reached: its
//! own path or yard), rasterised on a square grid of [`CELL_M`] in a plane centred on the point,
//! and the grid's filled cells are outlined along cell edges (collinear corners dropped).
//! Blocks the walk cannot reach, a river without a bridge in reach, come out as holes or as
//! the edge of the shape. Cells touching only at a corner are separate polygons.

use super::graph::Graph;
use super::join::Join;
use crate::position::{EARTH_RADIUS_M, Position};
use std::collections::HashMap;

/// Buffer around reachable street pieces, metres.
pub const BUFFER_M: f64 = 50.0;
/// Grid cell side, metres.
pub const CELL_M: f64 = 20.0;

const K: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// A local plane centred on a point: metres east and north.
#[derive(Clone, Copy)]
struct Plane {
    lat0: f64,
    lon0: f64,
    cos0: f64,
}

impl Plane {
    fn new(p: Position) -> Plane {
        Plane { lat0: p.lat, lon0: p.lon, cos0: p.lat.to_radians().cos() }
    }
    fn xy(&self, p: Position) -> [f64; 2] {
        [(p.lon - self.lon0) * self.cos0 * K, (p.lat - self.lat0) * K]
    }
    fn lonlat(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        [round7(self.lon0 + x / (self.cos0 * K)), round7(self.lat0 + y / K)]
    }
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// What was reached, to outline.
pub(crate) struct Reached {
    /// Pieces of street (and the leg), in the plane.
    pieces: Vec<[[f64; 2]; 2]>,
    plane: Plane,
}

/// The reachable pieces from a start point `p` joined at `j`, with `settled` the nodes a
/// Dijkstra from the join reached within `left` metres (the walk less the leg).
pub(crate) fn reached(g: &Graph, p: Position, j: &Join, left: f64, settled: &[(u32, f64)]) -> Reached {
    let plane = Plane::new(p);
    let mut pieces = vec![[plane.xy(p), plane.xy(j.point)]];
    let [a, b] = g.edges[j.edge as usize];
    let jp = plane.xy(j.point);
    for (end, along) in [(a, j.to_a_m), (b, j.to_b_m)] {
        let f = if along > 0.0 { (left / along).min(1.0) } else { 1.0 };
        let e = plane.xy(g.pos[end as usize]);
        pieces.push([jp, [jp[0] + f * (e[0] - jp[0]), jp[1] + f * (e[1] - jp[1])]]);
    }
    for &(u, du) in settled {
        let pu = plane.xy(g.pos[u as usize]);
        for (v, len) in g.arcs(u) {
            let rest = left - du;
            let f = if len > 0.0 { (rest / len).clamp(0.0, 1.0) } else { 1.0 };
            let pv = plane.xy(g.pos[v as usize]);
            pieces.push([pu, [pu[0] + f * (pv[0] - pu[0]), pu[1] + f * (pv[1] - pu[1])]]);
        }
    }
    Reached { pieces, plane }
}

/// An outline of nothing: nothing is reached (the network is farther than the walk).
pub(crate) fn empty() -> serde_json::Value {
    serde_json::json!({"type": "MultiPolygon", "coordinates": []})
}

/// A ring in grid vertices.
type Ring = Vec<[i64; 2]>;
/// An outer ring, its area, and the holes inside it.
type Outer = (Ring, f64, Vec<Ring>);

/// The outline of what was reached, and its area in square metres.
pub(crate) fn outline(r: &Reached) -> (serde_json::Value, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for [p, q] in &r.pieces {
        for s in [p, q] {
            x0 = x0.min(s[0]);
            y0 = y0.min(s[1]);
            x1 = x1.max(s[0]);
            y1 = y1.max(s[1]);
        }
    }
    // One empty cell of margin all round, so every outline closes inside the grid.
    let ox = x0 - BUFFER_M - CELL_M;
    let oy = y0 - BUFFER_M - CELL_M;
    let cols = (((x1 + BUFFER_M + CELL_M) - ox) / CELL_M).ceil() as usize + 1;
    let rows = (((y1 + BUFFER_M + CELL_M) - oy) / CELL_M).ceil() as usize + 1;
    let mut grid = vec![false; cols * rows];
    let r2 = BUFFER_M * BUFFER_M;
    for [p, q] in &r.pieces {
        let (lx, hx) = (p[0].min(q[0]) - BUFFER_M, p[0].max(q[0]) + BUFFER_M);
        let (ly, hy) = (p[1].min(q[1]) - BUFFER_M, p[1].max(q[1]) + BUFFER_M);
        let (c0, c1) = (((lx - ox) / CELL_M - 0.5).ceil().max(0.0) as usize, (((hx - ox) / CELL_M - 0.5).floor() as usize).min(cols - 1));
        let (r0, r1) = (((ly - oy) / CELL_M - 0.5).ceil().max(0.0) as usize, (((hy - oy) / CELL_M - 0.5).floor() as usize).min(rows - 1));
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let len2 = dx * dx + dy * dy;
        for row in r0..=r1 {
            let cy = oy + (row as f64 + 0.5) * CELL_M;
            for col in c0..=c1 {
                let i = row * cols + col;
                if grid[i] {
                    continue;
                }
                let cx = ox + (col as f64 + 0.5) * CELL_M;
                let t = if len2 > 0.0 { (((cx - p[0]) * dx + (cy - p[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (ex, ey) = (p[0] + t * dx - cx, p[1] + t * dy - cy);
                if ex * ex + ey * ey <= r2 {
                    grid[i] = true;
                }
            }
        }
    }
    let area = grid.iter().filter(|c| **c).count() as f64 * CELL_M * CELL_M;
    let rings = trace(&grid, cols, rows);
    // Outer rings (counter-clockwise, positive area) with the holes inside them.
    let mut outers: Vec<Outer> = Vec::new();
    let mut holes = Vec::new();
    for ring in rings {
        let a = signed_area(&ring);
        if a > 0.0 { outers.push((ring, a, Vec::new())) } else { holes.push(ring) }
    }
    for hole in holes {
        // A point inside the hole: the centre of the empty cell right of its first edge.
        let (p, q) = (hole[0], hole[1]);
        let (dx, dy) = ((q[0] - p[0]) as f64, (q[1] - p[1]) as f64);
        let inside = [p[0] as f64 + dx / 2.0 + dy / 2.0, p[1] as f64 + dy / 2.0 - dx / 2.0];
        let owner = outers.iter_mut().filter(|(o, _, _)| contains(o, inside)).min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some(o) = owner {
            o.2.push(hole);
        }
    }
    let to_coords = |ring: &[[i64; 2]]| -> Vec<[f64; 2]> {
        let mut v: Vec<[f64; 2]> = ring.iter().map(|&[c, rw]| r.plane.lonlat([ox + c as f64 * CELL_M, oy + rw as f64 * CELL_M])).collect();
        v.push(v[0]);
        v
    };
    let polygons: Vec<Vec<Vec<[f64; 2]>>> = outers
        .iter()
        .map(|(outer, _, holes)| std::iter::once(to_coords(outer)).chain(holes.iter().map(|h| to_coords(h))).collect())
        .collect();
    let geometry = match polygons.len() {
        1 => serde_json::json!({"type": "Polygon", "coordinates": polygons[0]}),
        _ => serde_json::json!({"type": "MultiPolygon", "coordinates": polygons}),
    };
    (geometry, area)
}

/// Rings along the cell edges between filled and empty cells, each with the filled side on
/// its left (so outer rings run counter-clockwise and holes clockwise), corners only.
fn trace(grid: &[bool], cols: usize, rows: usize) -> Vec<Vec<[i64; 2]>> {
    let filled = |c: i64, r: i64| c >= 0 && r >= 0 && (c as usize) < cols && (r as usize) < rows && grid[r as usize * cols + c as usize];
    // Directed edges by their start vertex: (start, end, direction 0 E, 1 N, 2 W, 3 S).
    let mut out: HashMap<[i64; 2], Vec<([i64; 2], u8)>> = HashMap::new();
    let mut count = 0usize;
    for r in 0..rows as i64 {
        for c in 0..cols as i64 {
            if !filled(c, r) {
                continue;
            }
            let mut add = |s: [i64; 2], e: [i64; 2], d: u8| {
                out.entry(s).or_default().push((e, d));
                count += 1;
            };
            if !filled(c, r - 1) {
                add([c, r], [c + 1, r], 0);
            }
            if !filled(c + 1, r) {
                add([c + 1, r], [c + 1, r + 1], 1);
            }
            if !filled(c, r + 1) {
                add([c + 1, r + 1], [c, r + 1], 2);
            }
            if !filled(c - 1, r) {
                add([c, r + 1], [c, r], 3);
            }
        }
    }
    let mut rings = Vec::new();
    let mut starts: Vec<[i64; 2]> = out.keys().copied().collect();
    starts.sort_unstable();
    for s in starts {
        while let Some((mut at, mut dir)) = out.get_mut(&s).and_then(|v| v.pop()) {
            let mut ring = vec![s];
            let mut last_dir = dir;
            loop {
                if at == s {
                    break;
                }
                let options = out.get_mut(&at).expect("boundaries close");
                // Prefer turning left, then straight, then right: cells touching only at a corner stay apart.
                let pick = [1u8, 0, 3].iter().find_map(|turn| options.iter().position(|(_, d)| *d == (dir + turn) % 4)).unwrap_or(0);
                let (next, d) = options.swap_remove(pick);
                if d != last_dir {
                    ring.push(at);
                }
                last_dir = d;
                dir = d;
                at = next;
            }
            // Drop the start if it is not a corner.
            if ring.len() > 2 {
                let first_dir = direction(ring[0], ring[1]);
                if first_dir == last_dir {
                    ring.remove(0);
                }
            }
            if ring.len() >= 4 {
                rings.push(ring);
            }
        }
    }
    let _ = count;
    rings
}

fn direction(a: [i64; 2], b: [i64; 2]) -> u8 {
    match ((b[0] - a[0]).signum(), (b[1] - a[1]).signum()) {
        (1, _) => 0,
        (_, 1) => 1,
        (-1, _) => 2,
        _ => 3,
    }
}

fn signed_area(ring: &[[i64; 2]]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        (p[0] * q[1] - q[0] * p[1]) as f64
    }).sum::<f64>() / 2.0
}

fn contains(ring: &[[i64; 2]], p: [f64; 2]) -> bool {
    let n = ring.len();
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
        if (ay > p[1]) != (by > p[1]) && p[0] < ax + (p[1] - ay) / (by - ay) * (bx - ax) {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_of_cells_has_one_outline_and_one_hole() {
        // 3x3 filled with the middle empty, inside a margin.
        let (cols, rows) = (5, 5);
        let mut grid = vec![false; 25];
        for r in 1..4 {
            for c in 1..4 {
                grid[r * cols + c] = !(r == 2 && c == 2);
            }
        }
        let rings = trace(&grid, cols, rows);
        assert_eq!(rings.len(), 2);
        let areas: Vec<f64> = rings.iter().map(|r| signed_area(r)).collect();
        assert!(areas.contains(&9.0) && areas.contains(&-1.0), "{areas:?}");
        assert!(rings.iter().all(|r| r.len() == 4));
    }

    #[test]
    fn diagonal_cells_are_separate() {
        let (cols, rows) = (4, 4);
        let mut grid = vec![false; 16];
        grid[cols + 1] = true;
        grid[2 * cols + 2] = true;
        let rings = trace(&grid, cols, rows);
        assert_eq!(rings.len(), 2);
        assert!(rings.iter().all(|r| signed_area(r) == 1.0));
    }
}
