//! An R-tree that is exact on the sphere.
//!
//! Points are indexed as 3-D unit vectors: the straight chord between two unit vectors
//! grows monotonically with the great-circle angle between them, so nearest-by-chord is
//! nearest-by-great-circle everywhere, at the poles and across the 180th meridian alike,
//! with none of the wrap-around special cases a lat/lon box needs.
//!
//! The index is split into partitions (facility kinds), each its own tree, so a query for
//! one kind never walks the others. Each partition is
//!
//! * a packed R-tree, bulk-loaded top-down (every split on the widest axis into equal
//!   parts) into flat arrays: leaves of [`FANOUT`] entries with coordinates stored axis by
//!   axis, nodes holding their children's boxes the same way, so a visit is one tight loop
//!   over contiguous memory and nothing is allocated per query;
//! * plus, for changes since the last bulk load, a small dynamic rstar tree (inserts) and
//!   tombstones in the packed tree (removals). When either grows past a share of the
//!   partition, the partition is bulk-loaded again.
//!
//! Coordinates and boxes are f64 and distances are computed exactly as before (squared
//! chord, same summation order), so results, ties included, do not depend on which part
//! holds an entry. The k-nearest search is a depth-first walk, nearest child first, with a
//! bounded result set: nodes farther than the current k-th best are never opened. The
//! caller's filter is first applied lazily (to the k nearest only); only if it rejects one
//! of them is the search run again with the filter applied to every candidate.

use rstar::primitives::GeomWithData;
use rstar::{AABB, ParentNode, PointDistance, RStarInsertionStrategy, RTree, RTreeNode, RTreeParams};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Node sizes of the dynamic part (the entries inserted since the last bulk load).
pub struct SphereParams;

impl RTreeParams for SphereParams {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 10;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// A unit vector carrying the slot of the thing it locates.
pub type Entry = GeomWithData<[f64; 3], u32>;
type Tree = RTree<Entry, SphereParams>;

/// Entries per leaf and children per node of the packed tree (tuned with the bench crate).
pub const FANOUT: usize = 16;
const B: usize = FANOUT;

/// The dynamic part is folded into the packed tree when it holds more than this share
/// (1/n) of the partition, or this many entries, whichever is more.
const DELTA_SHARE: usize = 16;
const DELTA_MIN: usize = 64;
/// Tombstones are swept out when they exceed this share (1/n) of the live entries.
const DEAD_SHARE: usize = 4;
const DEAD_MIN: usize = 64;

/// Chord² between unit vectors is at most 4; a larger bound would let padding through.
const MAX_CHORD2: f64 = 5.0;

pub static NODES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
pub static LEAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
pub struct SphereIndex {
    partitions: Vec<Partition>,
}

/// A hit: squared chord to the query and the slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub chord2: f64,
    pub slot: u32,
}

impl SphereIndex {
    pub fn new(partitions: usize) -> Self {
        SphereIndex { partitions: (0..partitions).map(|_| Partition::new(Vec::new())).collect() }
    }

    /// Bulk-loads every partition from (partition, unit vector, slot).
    pub fn bulk_load(partitions: usize, points: impl IntoIterator<Item = (usize, [f64; 3], u32)>) -> Self {
        let mut buckets: Vec<Vec<Item>> = (0..partitions).map(|_| Vec::new()).collect();
        for (p, xyz, slot) in points {
            buckets[p].push((xyz, slot));
        }
        SphereIndex { partitions: buckets.into_iter().map(Partition::new).collect() }
    }

    pub fn insert(&mut self, partition: usize, xyz: [f64; 3], slot: u32) {
        self.partitions[partition].insert(xyz, slot);
    }

    pub fn remove(&mut self, partition: usize, xyz: [f64; 3], slot: u32) -> bool {
        self.partitions[partition].remove(xyz, slot)
    }

    pub fn len(&self) -> usize {
        self.partitions.iter().map(Partition::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The k nearest accepted entries of the given partitions within `max_chord2`,
    /// nearest first (ties by slot, so results are deterministic).
    pub fn nearest(&self, partitions: &[usize], q: [f64; 3], k: usize, max_chord2: f64, accept: impl Fn(u32) -> bool) -> Vec<Hit> {
        let max_chord2 = if max_chord2 > MAX_CHORD2 { MAX_CHORD2 } else { max_chord2 };
        let mut best = Best { k, hits: Vec::with_capacity(k + 1) };
        if k == 0 {
            return best.hits;
        }
        // The k nearest regardless of the filter; if the filter takes them all, they are
        // the answer, and the filter has looked at k entries only.
        for &p in partitions {
            self.partitions[p].nearest(q, max_chord2, &|_| true, &mut best);
        }
        if best.hits.iter().all(|h| accept(h.slot)) {
            return best.hits;
        }
        best.hits.clear();
        for &p in partitions {
            self.partitions[p].nearest(q, max_chord2, &accept, &mut best);
        }
        best.hits
    }

    /// Every accepted entry of the given partitions within `max_chord2`, unordered.
    pub fn within(&self, partitions: &[usize], q: [f64; 3], max_chord2: f64, accept: impl Fn(u32) -> bool) -> Vec<Hit> {
        let max_chord2 = if max_chord2 > MAX_CHORD2 { MAX_CHORD2 } else { max_chord2 };
        let mut out = Vec::new();
        for &p in partitions {
            self.partitions[p].within(q, max_chord2, &accept, &mut out);
        }
        out
    }

    /// Heap bytes held by the index: the packed trees' arrays and the dynamic trees' nodes.
    pub fn heap_bytes(&self) -> usize {
        self.partitions.iter().map(Partition::heap_bytes).sum()
    }
}

// ---------------------------------------------------------------------------------------
// A partition: the packed tree plus the changes since it was built.

type Item = ([f64; 3], u32);

struct Partition {
    packed: Packed,
    delta: Tree,
}

impl Partition {
    fn new(items: Vec<Item>) -> Self {
        Partition { packed: Packed::build(items), delta: Tree::new_with_params() }
    }

    fn len(&self) -> usize {
        self.packed.live + self.delta.size()
    }

    fn insert(&mut self, xyz: [f64; 3], slot: u32) {
        self.delta.insert(Entry::new(xyz, slot));
        if self.delta.size() > DELTA_MIN.max(self.packed.live / DELTA_SHARE) {
            self.rebuild();
        }
    }

    fn remove(&mut self, xyz: [f64; 3], slot: u32) -> bool {
        if self.delta.size() > 0 && self.delta.remove(&Entry::new(xyz, slot)).is_some() {
            return true;
        }
        if !self.packed.remove(xyz, slot) {
            return false;
        }
        if self.packed.dead > DEAD_MIN.max(self.packed.live / DEAD_SHARE) {
            self.rebuild();
        }
        true
    }

    fn rebuild(&mut self) {
        let mut items = self.packed.items();
        items.extend(self.delta.iter().map(|e| (*e.geom(), e.data)));
        *self = Partition::new(items);
    }

    fn nearest<F: Fn(u32) -> bool>(&self, q: [f64; 3], max_chord2: f64, accept: &F, best: &mut Best) {
        self.packed.nearest(&q, max_chord2, accept, best);
        if self.delta.size() > 0 {
            knn_walk(self.delta.root(), q, max_chord2, accept, best);
        }
    }

    fn within<F: Fn(u32) -> bool>(&self, q: [f64; 3], max_chord2: f64, accept: &F, out: &mut Vec<Hit>) {
        self.packed.within(&q, max_chord2, accept, out);
        if self.delta.size() > 0 {
            for e in self.delta.locate_within_distance(q, max_chord2) {
                if accept(e.data) {
                    out.push(Hit { chord2: e.distance_2(&q), slot: e.data });
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        fn walk(node: &ParentNode<Entry>) -> usize {
            let mut bytes = node.children().len() * std::mem::size_of::<RTreeNode<Entry>>();
            for child in node.children() {
                if let RTreeNode::Parent(p) = child {
                    bytes += walk(p);
                }
            }
            bytes
        }
        let delta = if self.delta.size() > 0 { walk(self.delta.root()) } else { 0 };
        self.packed.heap_bytes() + delta
    }
}

// ---------------------------------------------------------------------------------------
// The packed tree.

/// Up to B entries, coordinates axis by axis. Unused places (and tombstones) hold +inf,
/// whose distance to anything is +inf: no bound lets them through.
#[derive(Clone)]
#[repr(C, align(64))]
struct Leaf {
    xyz: [[f64; B]; 3],
    slot: [u32; B],
}

/// Up to B children (leaves at height 1, nodes above) with their boxes axis by axis.
/// Unused places hold the empty box (lo = +inf, hi = -inf): infinitely far.
#[derive(Clone)]
#[repr(C, align(64))]
struct Node {
    lo: [[f64; B]; 3],
    hi: [[f64; B]; 3],
    child: [u32; B],
}

const EMPTY_LEAF: Leaf = Leaf { xyz: [[f64::INFINITY; B]; 3], slot: [u32::MAX; B] };
const EMPTY_NODE: Node = Node { lo: [[f64::INFINITY; B]; 3], hi: [[f64::NEG_INFINITY; B]; 3], child: [u32::MAX; B] };

struct Packed {
    nodes: Vec<Node>,
    leaves: Vec<Leaf>,
    /// Node levels above the leaves; 0: the root is a leaf (or the tree is empty).
    height: u32,
    root: u32,
    live: usize,
    dead: usize,
}

type Bounds = ([f64; 3], [f64; 3]);

impl Packed {
    fn build(mut items: Vec<Item>) -> Packed {
        let n = items.len();
        let mut p = Packed { nodes: Vec::new(), leaves: Vec::with_capacity(n.div_ceil(B)), height: 0, root: 0, live: n, dead: 0 };
        if n == 0 {
            return p;
        }
        let leaves = n.div_ceil(B);
        let mut capacity = 1;
        while capacity < leaves {
            capacity *= B;
            p.height += 1;
        }
        p.nodes.reserve(leaves.div_ceil(B - 1));
        p.root = p.build_subtree(&mut items, p.height).0;
        p
    }

    /// Builds a subtree of the given height over `items` (at most B^(height+1) of them).
    fn build_subtree(&mut self, items: &mut [Item], height: u32) -> (u32, Bounds) {
        if height == 0 {
            let mut leaf = EMPTY_LEAF;
            let mut b = empty_bounds();
            for (j, (p, slot)) in items.iter().enumerate() {
                for a in 0..3 {
                    leaf.xyz[a][j] = p[a];
                    b.0[a] = b.0[a].min(p[a]);
                    b.1[a] = b.1[a].max(p[a]);
                }
                leaf.slot[j] = *slot;
            }
            self.leaves.push(leaf);
            return ((self.leaves.len() - 1) as u32, b);
        }
        let child_capacity = B.pow(height);
        let groups = items.len().div_ceil(child_capacity);
        let mut ends = Vec::with_capacity(groups);
        split(items, groups, child_capacity, 0, &mut ends);
        let me = self.nodes.len();
        self.nodes.push(EMPTY_NODE);
        let mut b = empty_bounds();
        let mut start = 0;
        for (j, &end) in ends.iter().enumerate() {
            let (child, cb) = self.build_subtree(&mut items[start..end], height - 1);
            let node = &mut self.nodes[me];
            for a in 0..3 {
                node.lo[a][j] = cb.0[a];
                node.hi[a][j] = cb.1[a];
                b.0[a] = b.0[a].min(cb.0[a]);
                b.1[a] = b.1[a].max(cb.1[a]);
            }
            node.child[j] = child;
            start = end;
        }
        (me as u32, b)
    }

    /// The live entries.
    fn items(&self) -> Vec<Item> {
        let mut out = Vec::with_capacity(self.live);
        for leaf in &self.leaves {
            for j in 0..B {
                if leaf.xyz[0][j] != f64::INFINITY {
                    out.push(([leaf.xyz[0][j], leaf.xyz[1][j], leaf.xyz[2][j]], leaf.slot[j]));
                }
            }
        }
        out
    }

    fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>() + self.leaves.capacity() * std::mem::size_of::<Leaf>()
    }

    /// Tombstones the entry: its coordinates become +inf, so no search finds it again.
    fn remove(&mut self, p: [f64; 3], slot: u32) -> bool {
        if self.leaves.is_empty() {
            return false;
        }
        let Some((leaf, j)) = self.find(self.root, self.height, &p, slot) else {
            return false;
        };
        let leaf = &mut self.leaves[leaf as usize];
        for a in 0..3 {
            leaf.xyz[a][j] = f64::INFINITY;
        }
        self.live -= 1;
        self.dead += 1;
        true
    }

    fn find(&self, at: u32, height: u32, p: &[f64; 3], slot: u32) -> Option<(u32, usize)> {
        if height == 0 {
            let leaf = &self.leaves[at as usize];
            return (0..B)
                .find(|&j| leaf.slot[j] == slot && leaf.xyz[0][j] == p[0] && leaf.xyz[1][j] == p[1] && leaf.xyz[2][j] == p[2])
                .map(|j| (at, j));
        }
        let node = &self.nodes[at as usize];
        (0..B)
            .filter(|&j| (0..3).all(|a| node.lo[a][j] <= p[a] && p[a] <= node.hi[a][j]))
            .find_map(|j| self.find(node.child[j], height - 1, p, slot))
    }

    fn nearest<F: Fn(u32) -> bool>(&self, q: &[f64; 3], max_chord2: f64, accept: &F, best: &mut Best) {
        if self.leaves.is_empty() {
            return;
        }
        if self.height == 0 {
            self.scan_nearest(self.root, q, max_chord2, accept, best);
        } else {
            self.visit_nearest(self.root, self.height, q, max_chord2, accept, best);
        }
    }

    fn visit_nearest<F: Fn(u32) -> bool>(&self, at: u32, height: u32, q: &[f64; 3], max_chord2: f64, accept: &F, best: &mut Best) {
        NODES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let node = &self.nodes[at as usize];
        let d = node.distances_2(q);
        let bound = best.bound(max_chord2);
        // The children that may hold something, nearest first.
        let mut order = [(0.0f64, 0u32); B];
        let mut m = 0;
        for j in 0..B {
            if d[j] <= bound {
                order[m] = (d[j], node.child[j]);
                m += 1;
            }
        }
        for i in 1..m {
            let x = order[i];
            let mut k = i;
            while k > 0 && order[k - 1].0 > x.0 {
                order[k] = order[k - 1];
                k -= 1;
            }
            order[k] = x;
        }
        for &(d, child) in &order[..m] {
            if d > best.bound(max_chord2) {
                break;
            }
            if height == 1 {
                self.scan_nearest(child, q, max_chord2, accept, best);
            } else {
                self.visit_nearest(child, height - 1, q, max_chord2, accept, best);
            }
        }
    }

    fn scan_nearest<F: Fn(u32) -> bool>(&self, at: u32, q: &[f64; 3], max_chord2: f64, accept: &F, best: &mut Best) {
        LEAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let leaf = &self.leaves[at as usize];
        let d = leaf.distances_2(q);
        let mut bound = best.bound(max_chord2);
        for j in 0..B {
            if d[j] <= bound && accept(leaf.slot[j]) {
                best.offer(Hit { chord2: d[j], slot: leaf.slot[j] });
                bound = best.bound(max_chord2);
            }
        }
    }

    fn within<F: Fn(u32) -> bool>(&self, q: &[f64; 3], max_chord2: f64, accept: &F, out: &mut Vec<Hit>) {
        if !self.leaves.is_empty() {
            self.visit_within(self.root, self.height, q, max_chord2, accept, out);
        }
    }

    fn visit_within<F: Fn(u32) -> bool>(&self, at: u32, height: u32, q: &[f64; 3], max_chord2: f64, accept: &F, out: &mut Vec<Hit>) {
        if height == 0 {
            let leaf = &self.leaves[at as usize];
            let d = leaf.distances_2(q);
            for j in 0..B {
                if d[j] <= max_chord2 && accept(leaf.slot[j]) {
                    out.push(Hit { chord2: d[j], slot: leaf.slot[j] });
                }
            }
            return;
        }
        let node = &self.nodes[at as usize];
        let d = node.distances_2(q);
        for j in 0..B {
            if d[j] <= max_chord2 {
                self.visit_within(node.child[j], height - 1, q, max_chord2, accept, out);
            }
        }
    }
}

impl Leaf {
    /// Squared chords to every place, summed as rstar does ((dx² + dy²) + dz²), so an
    /// entry's distance is the same bits whichever part of the partition holds it.
    #[inline]
    fn distances_2(&self, q: &[f64; 3]) -> [f64; B] {
        let mut d = [0.0; B];
        for j in 0..B {
            let dx = self.xyz[0][j] - q[0];
            let dy = self.xyz[1][j] - q[1];
            let dz = self.xyz[2][j] - q[2];
            d[j] = dx * dx + dy * dy + dz * dz;
        }
        d
    }
}

impl Node {
    /// Squared distance from q to each child's box: a lower bound of the squared chord to
    /// anything inside it, also after rounding (each step is monotone), so pruning on it
    /// never drops an entry whose computed distance is within the bound.
    #[inline]
    fn distances_2(&self, q: &[f64; 3]) -> [f64; B] {
        let mut d = [0.0; B];
        for j in 0..B {
            let mut s = 0.0;
            for a in 0..3 {
                let g = (self.lo[a][j] - q[a]).max(q[a] - self.hi[a][j]).max(0.0);
                s += g * g;
            }
            d[j] = s;
        }
        d
    }
}

fn empty_bounds() -> Bounds {
    ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3])
}

/// Reorders `items` into `groups` runs of near-equal size, none larger than `capacity`,
/// by halving on the widest axis; pushes each run's end (offset by `offset`) to `ends`.
fn split(items: &mut [Item], groups: usize, capacity: usize, offset: usize, ends: &mut Vec<usize>) {
    if groups <= 1 {
        ends.push(offset + items.len());
        return;
    }
    let n = items.len();
    let left_groups = groups / 2;
    let left = ((n * left_groups + groups / 2) / groups).clamp(n.saturating_sub((groups - left_groups) * capacity), left_groups * capacity);
    let mut b = empty_bounds();
    for (p, _) in items.iter() {
        for a in 0..3 {
            b.0[a] = b.0[a].min(p[a]);
            b.1[a] = b.1[a].max(p[a]);
        }
    }
    let axis = (0..3).max_by(|&x, &y| (b.1[x] - b.0[x]).total_cmp(&(b.1[y] - b.0[y]))).unwrap_or(0);
    if left > 0 && left < n {
        items.select_nth_unstable_by(left, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    }
    let (l, r) = items.split_at_mut(left);
    split(l, left_groups, capacity, offset, ends);
    split(r, groups - left_groups, capacity, offset + left, ends);
}

// ---------------------------------------------------------------------------------------
// The bounded result set, and the best-first walk over the dynamic part.

struct Best {
    k: usize,
    hits: Vec<Hit>,
}

impl Best {
    #[inline]
    fn bound(&self, max_chord2: f64) -> f64 {
        if self.hits.len() < self.k { max_chord2 } else { self.hits[self.k - 1].chord2 }
    }
    fn offer(&mut self, hit: Hit) {
        let pos = self.hits.partition_point(|h| (h.chord2, h.slot) < (hit.chord2, hit.slot));
        if pos < self.k {
            self.hits.insert(pos, hit);
            self.hits.truncate(self.k);
        }
    }
}

struct Pending<'a> {
    min_chord2: f64,
    node: &'a ParentNode<Entry>,
}

impl PartialEq for Pending<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.min_chord2 == other.min_chord2
    }
}
impl Eq for Pending<'_> {}
impl PartialOrd for Pending<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending<'_> {
    // Reversed: BinaryHeap pops the nearest node first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.min_chord2.total_cmp(&self.min_chord2)
    }
}

fn knn_walk<F: Fn(u32) -> bool>(root: &ParentNode<Entry>, q: [f64; 3], max_chord2: f64, accept: &F, best: &mut Best) {
    let mut queue = BinaryHeap::new();
    queue.push(Pending { min_chord2: 0.0, node: root });
    while let Some(Pending { min_chord2, node }) = queue.pop() {
        if min_chord2 > best.bound(max_chord2) {
            break;
        }
        for child in node.children() {
            match child {
                RTreeNode::Leaf(e) => {
                    let d2 = e.distance_2(&q);
                    if d2 <= best.bound(max_chord2) && accept(e.data) {
                        best.offer(Hit { chord2: d2, slot: e.data });
                    }
                }
                RTreeNode::Parent(p) => {
                    let d2 = envelope_distance_2(&p.envelope(), q);
                    if d2 <= best.bound(max_chord2) {
                        queue.push(Pending { min_chord2: d2, node: p });
                    }
                }
            }
        }
    }
}

fn envelope_distance_2(env: &AABB<[f64; 3]>, q: [f64; 3]) -> f64 {
    env.distance_2(&q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn empty_and_zero_k() {
        let idx = SphereIndex::new(2);
        assert!(idx.nearest(&[0, 1], [1.0, 0.0, 0.0], 5, 4.0, |_| true).is_empty());
        let idx = SphereIndex::bulk_load(1, [(0, [1.0, 0.0, 0.0], 7)]);
        assert!(idx.nearest(&[0], [1.0, 0.0, 0.0], 0, 4.0, |_| true).is_empty());
        assert_eq!(idx.nearest(&[0], [1.0, 0.0, 0.0], 3, 4.0, |_| true)[0].slot, 7);
        // An unbounded radius must not let padding or tombstones through.
        assert_eq!(idx.nearest(&[0], [1.0, 0.0, 0.0], 3, f64::INFINITY, |_| true).len(), 1);
        assert_eq!(idx.within(&[0], [1.0, 0.0, 0.0], f64::INFINITY, |_| true).len(), 1);
    }

    fn unit(rng: &mut StdRng, clustered: bool) -> [f64; 3] {
        // Anywhere on the sphere, or packed into a small cap (many near-ties, deep trees).
        let (lat, lon): (f64, f64) = if clustered {
            (rng.random_range(29.9..30.0), rng.random_range(121.5..121.6))
        } else {
            ((2.0 * rng.random::<f64>() - 1.0).asin().to_degrees(), rng.random_range(-180.0..180.0))
        };
        let (lat, lon) = (lat.to_radians(), lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }

    fn d2(a: [f64; 3], b: [f64; 3]) -> f64 {
        let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        dx * dx + dy * dy + dz * dz
    }

    /// The index against a scan of a plain list, through bulk loads, inserts (the dynamic
    /// part and its folding into the packed tree), removals (tombstones and sweeps),
    /// filters, radii, duplicate positions and several partitions.
    #[test]
    fn equals_a_scan_through_inserts_and_removals() {
        for seed in 0..12u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let clustered = seed % 3 == 0;
            let parts = 3;
            let n0 = [0, 1, 15, 16, 17, 300, 5000][seed as usize % 7];
            let mut live: Vec<(usize, [f64; 3], u32)> = Vec::new();
            let mut next_slot = 0u32;
            for _ in 0..n0 {
                let p = if !live.is_empty() && rng.random_bool(0.05) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, clustered) };
                live.push((rng.random_range(0..parts), p, next_slot));
                next_slot += 1;
            }
            let mut idx = SphereIndex::bulk_load(parts, live.iter().copied());
            for round in 0..40 {
                // Changes.
                for _ in 0..rng.random_range(0..60) {
                    if !live.is_empty() && rng.random_bool(0.45) {
                        let (p, xyz, slot) = live.swap_remove(rng.random_range(0..live.len()));
                        assert!(idx.remove(p, xyz, slot));
                        assert!(!idx.remove(p, xyz, slot));
                    } else {
                        let xyz = if !live.is_empty() && rng.random_bool(0.05) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, clustered) };
                        let p = rng.random_range(0..parts);
                        idx.insert(p, xyz, next_slot);
                        live.push((p, xyz, next_slot));
                        next_slot += 1;
                    }
                }
                assert_eq!(idx.len(), live.len(), "seed {seed} round {round}");
                // Queries.
                for _ in 0..20 {
                    let q = if !live.is_empty() && rng.random_bool(0.2) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, clustered) };
                    let ps: Vec<usize> = (0..parts).filter(|_| rng.random_bool(0.6)).collect();
                    let k = rng.random_range(1..40);
                    let max = if rng.random_bool(0.5) { 4.0 } else { rng.random_range(0.0..0.05f64).powi(2) };
                    let modulus = rng.random_range(1..4u32);
                    let accept = |s: u32| s % modulus == 0;
                    let mut want: Vec<Hit> = live
                        .iter()
                        .filter(|(p, _, s)| ps.contains(p) && accept(*s))
                        .map(|&(_, xyz, slot)| Hit { chord2: d2(xyz, q), slot })
                        .filter(|h| h.chord2 <= max)
                        .collect();
                    want.sort_by(|a, b| (a.chord2, a.slot).partial_cmp(&(b.chord2, b.slot)).unwrap());
                    let mut got = idx.within(&ps, q, max, accept);
                    got.sort_by(|a, b| (a.chord2, a.slot).partial_cmp(&(b.chord2, b.slot)).unwrap());
                    assert_eq!(got, want, "within: seed {seed} round {round}");
                    want.truncate(k);
                    assert_eq!(idx.nearest(&ps, q, k, max, accept), want, "nearest: seed {seed} round {round}");
                }
            }
        }
    }
}
#[cfg(test)]
mod debug_sizes {
    #[test]
    fn sizes() {
        use super::*;
        for n in [167u32, 1000, 16_667, 166_667] {
            let pts: Vec<(usize, [f64;3], u32)> = (0..n).map(|i| { let a = (i as f64 * 0.618034).fract() * 0.6; let b = (i as f64 * 0.7548776).fract() * 0.6; (0, [a.cos()*b.cos(), a.sin()*b.cos(), b.sin()], i) }).collect();
            let idx = SphereIndex::bulk_load(1, pts);
            let p = &idx.partitions[0].packed;
            eprintln!("n {n} leaves {} cap {} nodes {} cap {} height {} fill {:.2} bytes/entry {:.1}", p.leaves.len(), p.leaves.capacity(), p.nodes.len(), p.nodes.capacity(), p.height, n as f64 / p.leaves.len() as f64, idx.heap_bytes() as f64 / n as f64);
        }
    }
}
