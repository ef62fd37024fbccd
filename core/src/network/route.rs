//! Shortest walks: point to point (A* whose lower bound is the larger of the straight chord and
//! the landmarks' triangle-inequality bound, "ALT"), one point
//! to many (Dijkstra until every target is settled), and many facilities to every node at once
//! (multi-source Dijkstra: the walk to the nearest facility of a kind or service, for coverage).
//!
//! Points enter and leave through their joins (see `join`): a search starts at both ends of
//! the start's segment, at the partial lengths from the join point, and reaches the target
//! through both ends of its segment; two points on one segment may also walk straight along it.

use super::graph::Graph;
use super::join::Join;
use crate::position::EARTH_RADIUS_M;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

#[derive(Clone, Copy, PartialEq)]
struct Entry {
    key: f64,
    node: u32,
}
impl Eq for Entry {}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        // A min-heap on the key.
        o.key.total_cmp(&self.key).then_with(|| o.node.cmp(&self.node))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Reusable search state: distances stamped with a search number, so a new search costs
/// nothing to reset.
pub(crate) struct Search {
    dist: Vec<f64>,
    /// The A* bound of each node reached (valid where `stamp` is this round's).
    bound: Vec<f64>,
    pred: Vec<u32>,
    stamp: Vec<u32>,
    round: u32,
    heap: BinaryHeap<Entry>,
}

pub(crate) const NO_NODE: u32 = u32::MAX;

impl Search {
    pub fn new(n: usize) -> Search {
        Search { dist: vec![f64::INFINITY; n], bound: vec![0.0; n], pred: vec![NO_NODE; n], stamp: vec![0; n], round: 0, heap: BinaryHeap::new() }
    }

    fn start(&mut self) {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.round = 1;
        }
        self.heap.clear();
    }

    #[inline]
    fn dist(&self, v: u32) -> f64 {
        if self.stamp[v as usize] == self.round { self.dist[v as usize] } else { f64::INFINITY }
    }

    #[inline]
    fn relax(&mut self, v: u32, d: f64, pred: u32, key: f64) -> bool {
        let i = v as usize;
        if self.stamp[i] != self.round || d < self.dist[i] {
            self.stamp[i] = self.round;
            self.dist[i] = d;
            self.pred[i] = pred;
            self.heap.push(Entry { key, node: v });
            true
        } else {
            false
        }
    }

    /// Node sequence from a start node to `v`, by predecessors.
    fn path_to(&self, mut v: u32) -> Vec<u32> {
        let mut out = vec![v];
        while self.pred[v as usize] != NO_NODE {
            v = self.pred[v as usize];
            out.push(v);
        }
        out.reverse();
        out
    }
}

/// The shortest walk between two joins, through the network (legs not included): metres and
/// the nodes walked through (empty when it goes straight along one segment). `None`: no path.
/// Walking distances from a few far-apart nodes (landmarks) to every node: by the triangle
/// inequality, |d(L, x) - d(L, v)| is a lower bound of the walk from v to x.
pub(crate) struct Landmarks {
    count: usize,
    /// Node-major: `dist[v * count + l]`, metres, infinite where not connected.
    dist: Vec<f32>,
}

pub(crate) const LANDMARKS: usize = 8;

/// Every node's walk from `source` (plain Dijkstra over the whole network).
fn full_dijkstra(g: &Graph, source: u32) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; g.node_count()];
    let mut heap = BinaryHeap::new();
    dist[source as usize] = 0.0;
    heap.push(Entry { key: 0.0, node: source });
    while let Some(Entry { key, node: u }) = heap.pop() {
        if key > dist[u as usize] {
            continue;
        }
        for (v, len) in g.arcs(u) {
            let dv = key + len;
            if dv < dist[v as usize] {
                dist[v as usize] = dv;
                heap.push(Entry { key: dv, node: v });
            }
        }
    }
    dist
}

impl Landmarks {
    /// `count` landmarks in the largest part of the network, each the node farthest on foot
    /// from those chosen before (the first: farthest from an arbitrary node).
    pub(crate) fn build(g: &Graph, count: usize) -> Landmarks {
        let n = g.node_count();
        let mut sizes = vec![0u32; g.component_count()];
        for c in &g.component {
            sizes[*c as usize] += 1;
        }
        let Some(big) = (0..sizes.len()).max_by_key(|&c| sizes[c]) else { return Landmarks { count: 0, dist: Vec::new() } };
        let start = (0..n as u32).find(|&v| g.component[v as usize] as usize == big).expect("a node in the largest part");
        let farthest = |d: &[f64]| (0..n).filter(|&v| d[v].is_finite()).max_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap_or(0) as u32;
        let mut nearest_chosen = full_dijkstra(g, start);
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for _ in 0..count.min(n) {
            let l = farthest(&nearest_chosen);
            let row = full_dijkstra(g, l);
            for (m, d) in nearest_chosen.iter_mut().zip(&row) {
                *m = m.min(*d);
            }
            rows.push(row);
        }
        let count = rows.len();
        let mut dist = vec![f32::INFINITY; n * count];
        for (l, row) in rows.iter().enumerate() {
            for v in 0..n {
                dist[v * count + l] = row[v] as f32;
            }
        }
        Landmarks { count, dist }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.dist.capacity() * 4
    }

    fn row(&self, v: u32) -> &[f32] {
        &self.dist[v as usize * self.count..(v as usize + 1) * self.count]
    }
}

/// The landmarks' lower bound of the walk from `v` to a node whose row is `x`.
#[inline]
fn landmark_bound(v: &[f32], x: &[f32]) -> f64 {
    let mut best = 0.0f32;
    for (a, b) in v.iter().zip(x) {
        let d = (a - b).abs();
        // Infinite on both sides (not this landmark's part) gives NaN: no bound.
        if d > best && d.is_finite() {
            best = d;
        }
    }
    // f32 rounding: never claim more than is certain.
    (f64::from(best) - 1e-6 * f64::from(best) - 1e-3).max(0.0)
}

pub(crate) fn point_to_point(g: &Graph, s: &mut Search, landmarks: Option<&Landmarks>, from: &Join, to: &Join) -> Option<(f64, Vec<u32>)> {
    let [a1, b1] = g.edges[from.edge as usize];
    let [a2, b2] = g.edges[to.edge as usize];
    let mut best = f64::INFINITY;
    let mut best_end = NO_NODE;
    if from.edge == to.edge {
        best = (from.t - to.t).abs() * g.edge_len[from.edge as usize];
    }
    if g.component[a1 as usize] != g.component[a2 as usize] {
        return best.is_finite().then(|| (best, Vec::new()));
    }
    let target = crate::position::Position::unit_vector(to.point);
    let rows = landmarks.filter(|l| l.count > 0).map(|l| (l, l.row(a2), l.row(b2)));
    // The chord is never longer than the arc, nor the arc than the walk; the landmarks bound
    // the walk to either end of the target's segment, plus the part of it to the join point.
    let h = |v: u32| {
        let p = &g.xyz[v as usize];
        let (dx, dy, dz) = (p[0] - target[0], p[1] - target[1], p[2] - target[2]);
        let chord = (dx * dx + dy * dy + dz * dz).sqrt() * EARTH_RADIUS_M * (1.0 - 1e-9);
        match &rows {
            Some((l, ra, rb)) => {
                let rv = l.row(v);
                chord.max((landmark_bound(rv, ra) + to.to_a_m).min(landmark_bound(rv, rb) + to.to_b_m))
            }
            None => chord,
        }
    };
    s.start();
    for (v, d) in [(a1, from.to_a_m), (b1, from.to_b_m)] {
        if d < s.dist(v) {
            let hv = h(v);
            s.bound[v as usize] = hv;
            s.relax(v, d, NO_NODE, d + hv);
        }
    }
    // Each node's bound, once: the heap holds key = walk + bound, and a stale entry's key is
    // larger than the node's walk plus its bound.
    while let Some(Entry { key, node: u }) = s.heap.pop() {
        if key >= best {
            break;
        }
        let du = s.dist(u);
        if key > du + s.bound[u as usize] + 1e-9 {
            continue; // a stale entry
        }
        if u == a2 && du + to.to_a_m < best {
            best = du + to.to_a_m;
            best_end = u;
        }
        if u == b2 && du + to.to_b_m < best {
            best = du + to.to_b_m;
            best_end = u;
        }
        for (v, len) in g.arcs(u) {
            let dv = du + len;
            if dv < best && dv < s.dist(v) {
                let hv = if s.stamp[v as usize] == s.round { s.bound[v as usize] } else { h(v) };
                s.bound[v as usize] = hv;
                s.relax(v, dv, u, dv + hv);
            }
        }
    }
    if !best.is_finite() {
        return None;
    }
    Some((best, if best_end == NO_NODE { Vec::new() } else { s.path_to(best_end) }))
}

/// Walking metres from one join to each of `targets` (legs not included), `None` where there
/// is no path: one Dijkstra that stops once every target is settled.
pub(crate) fn one_to_many(g: &Graph, s: &mut Search, from: &Join, targets: &[Join]) -> Vec<Option<f64>> {
    let [a1, b1] = g.edges[from.edge as usize];
    let comp = g.component[a1 as usize];
    let mut best: Vec<f64> = targets
        .iter()
        .map(|t| if t.edge == from.edge { (from.t - t.t).abs() * g.edge_len[t.edge as usize] } else { f64::INFINITY })
        .collect();
    // Targets by the nodes they are reached through.
    let mut at_node: HashMap<u32, Vec<(usize, f64)>> = HashMap::new();
    let mut live = vec![false; targets.len()];
    let mut open = 0usize;
    for (i, t) in targets.iter().enumerate() {
        let [a, b] = g.edges[t.edge as usize];
        if g.component[a as usize] != comp {
            continue;
        }
        at_node.entry(a).or_default().push((i, t.to_a_m));
        at_node.entry(b).or_default().push((i, t.to_b_m));
        live[i] = true;
        open += 1;
    }
    if open > 0 {
        s.start();
        s.relax(a1, from.to_a_m, NO_NODE, from.to_a_m);
        s.relax(b1, from.to_b_m, NO_NODE, from.to_b_m);
        // The smallest tentative answer of a target not yet final.
        let mut lowest = best.iter().zip(&live).filter(|(_, l)| **l).map(|(b, _)| *b).fold(f64::INFINITY, f64::min);
        while let Some(Entry { key, node: u }) = s.heap.pop() {
            if key > s.dist(u) {
                continue; // a stale entry
            }
            // Every walk still to come is at least `key` long: answers no longer are final.
            if key >= lowest {
                lowest = f64::INFINITY;
                for i in 0..targets.len() {
                    if live[i] {
                        if best[i] <= key {
                            live[i] = false;
                            open -= 1;
                        } else {
                            lowest = lowest.min(best[i]);
                        }
                    }
                }
                if open == 0 {
                    break;
                }
            }
            if let Some(list) = at_node.get(&u) {
                for &(i, extra) in list {
                    if key + extra < best[i] {
                        best[i] = key + extra;
                        if live[i] {
                            lowest = lowest.min(best[i]);
                        }
                    }
                }
            }
            for (v, len) in g.arcs(u) {
                let dv = key + len;
                s.relax(v, dv, u, dv);
            }
        }
    }
    best.into_iter().map(|b| b.is_finite().then_some(b)).collect()
}

/// Every node's walk to the nearest of many sources, and which source: one multi-source
/// Dijkstra over the whole network.
#[derive(Debug, Clone)]
pub struct Field {
    pub(crate) dist: Vec<f64>,
    pub(crate) source: Vec<u32>,
    pub(crate) sources: Vec<Join>,
    /// Sources by the edge they join, for homes joined to the same segment.
    pub(crate) on_edge: HashMap<u32, Vec<u32>>,
}

impl Field {
    /// One multi-source Dijkstra from the sources' joins (their legs count).
    pub fn build(g: &Graph, sources: Vec<Join>) -> Field {
        let n = g.node_count();
        let mut dist = vec![f64::INFINITY; n];
        let mut source = vec![NO_NODE; n];
        let mut heap = BinaryHeap::with_capacity(sources.len() * 2 + 64);
        let mut on_edge: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, j) in sources.iter().enumerate() {
            on_edge.entry(j.edge).or_default().push(i as u32);
            let [a, b] = g.edges[j.edge as usize];
            for (v, d) in [(a, j.leg_m + j.to_a_m), (b, j.leg_m + j.to_b_m)] {
                if d < dist[v as usize] {
                    dist[v as usize] = d;
                    source[v as usize] = i as u32;
                    heap.push(Entry { key: d, node: v });
                }
            }
        }
        while let Some(Entry { key, node: u }) = heap.pop() {
            if key > dist[u as usize] {
                continue;
            }
            let src = source[u as usize];
            for (v, len) in g.arcs(u) {
                let dv = key + len;
                if dv < dist[v as usize] {
                    dist[v as usize] = dv;
                    source[v as usize] = src;
                    heap.push(Entry { key: dv, node: v });
                }
            }
        }
        Field { dist, source, sources, on_edge }
    }

    /// The walk (metres, legs included at both ends) from the join to the nearest source, and
    /// that source's index; `None` if no source is connected to it.
    pub fn at(&self, g: &Graph, j: &Join) -> Option<(f64, u32)> {
        let [a, b] = g.edges[j.edge as usize];
        let mut best = (f64::INFINITY, NO_NODE);
        for (v, extra) in [(a, j.to_a_m), (b, j.to_b_m)] {
            let d = self.dist[v as usize] + extra;
            if d < best.0 {
                best = (d, self.source[v as usize]);
            }
        }
        if let Some(list) = self.on_edge.get(&j.edge) {
            let len = g.edge_len[j.edge as usize];
            for &i in list {
                let s = &self.sources[i as usize];
                let d = s.leg_m + (s.t - j.t).abs() * len;
                if d < best.0 {
                    best = (d, i);
                }
            }
        }
        best.0.is_finite().then_some((best.0 + j.leg_m, best.1))
    }

    pub fn heap_bytes(&self) -> usize {
        self.dist.capacity() * 8 + self.source.capacity() * 4 + self.sources.capacity() * std::mem::size_of::<Join>()
    }
}

/// Distances of every node within `budget` metres of a join (legs not included), for isochrones:
/// (node, metres) in the order settled.
pub(crate) fn within_budget(g: &Graph, s: &mut Search, from: &Join, budget: f64) -> Vec<(u32, f64)> {
    let [a1, b1] = g.edges[from.edge as usize];
    s.start();
    let mut out = Vec::new();
    if from.to_a_m <= budget {
        s.relax(a1, from.to_a_m, NO_NODE, from.to_a_m);
    }
    if from.to_b_m <= budget {
        s.relax(b1, from.to_b_m, NO_NODE, from.to_b_m);
    }
    while let Some(Entry { key, node: u }) = s.heap.pop() {
        if key > s.dist(u) {
            continue;
        }
        out.push((u, key));
        for (v, len) in g.arcs(u) {
            let dv = key + len;
            if dv <= budget {
                s.relax(v, dv, u, dv);
            }
        }
    }
    out
}
