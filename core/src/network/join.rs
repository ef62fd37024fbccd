//! Where a point joins the network: the nearest point on the nearest walkable segment.
//!
//! Segments sit in an rstar R-tree in one plane for the whole network (equirectangular, centred
//! on the network's mean latitude), which only orders candidates. Each candidate's exact distance
//! is taken in a plane centred on the query point itself (equirectangular at its latitude, where
//! the scale error is second order: well under a millimetre at a few hundred metres), and the
//! straight leg to the join point is then measured by haversine like every other length. The
//! walk over candidates stops once the network plane's scale error cannot hide a nearer one.

use super::graph::Graph;
use crate::position::{EARTH_RADIUS_M, Position};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

const M_PER_RAD: f64 = EARTH_RADIUS_M;

/// A point's join to the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Join {
    /// The segment (edge) joined.
    pub edge: u32,
    /// How far along the edge from its first node `a` to `b`, 0..=1.
    pub t: f64,
    /// The join point.
    pub point: Position,
    /// Straight leg from the point to the join point, metres (haversine).
    pub leg_m: f64,
    /// Along the edge from the join point to `a` and to `b`, metres.
    pub to_a_m: f64,
    pub to_b_m: f64,
}

pub(crate) struct SegmentIndex {
    tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
    cos0: f64,
    /// Latitudes (radians) the network spans.
    lat_min: f64,
    lat_max: f64,
}

impl SegmentIndex {
    pub fn build(g: &Graph) -> SegmentIndex {
        let n = g.node_count().max(1) as f64;
        let mean_lat = g.pos.iter().map(|p| p.lat).sum::<f64>() / n;
        let cos0 = mean_lat.to_radians().cos().max(1e-6);
        let lat_min = g.pos.iter().map(|p| p.lat).fold(f64::INFINITY, f64::min).to_radians();
        let lat_max = g.pos.iter().map(|p| p.lat).fold(f64::NEG_INFINITY, f64::max).to_radians();
        let plane = |p: Position| [p.lon.to_radians() * cos0 * M_PER_RAD, p.lat.to_radians() * M_PER_RAD];
        let segs = g
            .edges
            .iter()
            .enumerate()
            .map(|(e, [a, b])| GeomWithData::new(Line::new(plane(g.pos[*a as usize]), plane(g.pos[*b as usize])), e as u32))
            .collect();
        SegmentIndex { tree: RTree::bulk_load(segs), cos0, lat_min, lat_max }
    }

    pub fn heap_bytes(&self) -> usize {
        // Leaves (two points and an id) and about one node per eight leaves.
        self.tree.size() * (40 + 48 / 8)
    }

    /// The nearest point on the nearest segment to `p`; `None` for an empty network.
    pub fn join(&self, g: &Graph, p: Position) -> Option<Join> {
        let q = [p.lon.to_radians() * self.cos0 * M_PER_RAD, p.lat.to_radians() * M_PER_RAD];
        // The network plane measures east-west by cos0 where the ground has cos(lat): it
        // overstates a distance by at most cos0 / cos(lat) at the latitude farthest from the
        // equator, so a segment at plane distance d is at least d / stretch away in truth.
        let farthest = self.lat_max.abs().max(self.lat_min.abs()).max(p.lat.to_radians().abs()).min(1.55);
        let stretch = (self.cos0 / farthest.cos()).max(1.0);
        let mut best: Option<(f64, u32, f64)> = None;
        for (seg, d2) in self.tree.nearest_neighbor_iter_with_distance_2(q) {
            if best.is_some_and(|(bd, _, _)| d2.sqrt() / stretch > bd * (1.0 + 1e-9) + 1e-6) {
                break;
            }
            let e = seg.data;
            let [a, b] = g.edges[e as usize];
            let (t, d) = nearest_on_segment(p, g.pos[a as usize], g.pos[b as usize]);
            if best.is_none_or(|(bd, be, _)| d < bd || (d == bd && e < be)) {
                best = Some((d, e, t));
            }
        }
        let (_, edge, t) = best?;
        let [a, b] = g.edges[edge as usize];
        let (pa, pb) = (g.pos[a as usize], g.pos[b as usize]);
        let point = Position { lat: pa.lat + t * (pb.lat - pa.lat), lon: pa.lon + t * (pb.lon - pa.lon) };
        let len = g.edge_len[edge as usize];
        Some(Join { edge, t, point, leg_m: p.distance_m(point), to_a_m: t * len, to_b_m: (1.0 - t) * len })
    }
}

/// The fraction along a→b of the point nearest to `p`, and its distance in metres, in the
/// equirectangular plane centred on `p`.
pub(crate) fn nearest_on_segment(p: Position, a: Position, b: Position) -> (f64, f64) {
    let k = M_PER_RAD * std::f64::consts::PI / 180.0;
    let c = p.lat.to_radians().cos();
    let (ax, ay) = ((a.lon - p.lon) * c * k, (a.lat - p.lat) * k);
    let (bx, by) = ((b.lon - p.lon) * c * k, (b.lat - p.lat) * k);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (x, y) = (ax + t * dx, ay + t * dy);
    (t, (x * x + y * y).sqrt())
}
