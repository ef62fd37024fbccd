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
//! * a packed R-tree, bulk-loaded top-down (each split on the widest axis, into equal
//!   parts) into flat arrays laid out level by level: leaves of `LEAF` entries with exact
//!   f64 coordinates stored axis by axis, nodes of `FAN` children holding the children's
//!   boxes the same way, in f32 rounded outwards. A visit is one tight loop over
//!   contiguous memory, and a search allocates nothing but its answer;
//! * plus, for changes since the last bulk load, a small dynamic rstar tree (inserts) and
//!   tombstones in the packed tree (removals). When either grows past a share of the
//!   partition, the partition is bulk-loaded again, so changes cost O(log n) amortised.
//!
//! Entries' distances are exact (squared chord in f64, summed as rstar sums them), so
//! results, ties included, do not depend on which part holds an entry; only pruning looks
//! at the f32 boxes, with a margin that makes it conservative (see [`box_bound`]).
//!
//! The k-nearest search is depth-first, nearest child first, with a bounded result set:
//! nodes farther than the current k-th best are never opened. The first leaf a search
//! reaches sets the bound to its own k-th nearest before anything is kept, so that few
//! entries are offered only to be pushed out again. The caller's filter is applied lazily:
//! to the k nearest only (usually all it takes); only if it rejects one of them is the
//! search run again with the filter applied to every candidate.
//!
//! Measured with the bench crate (`./scripts/bench.sh`), see README.md.

// Coordinates are stored axis by axis; index loops over places read best.
#![allow(clippy::needless_range_loop)]

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
const LEAF: usize = 48;
const FAN: usize = 8;
const _: () = assert!(LEAF <= 64 && FAN <= 64);

/// The dynamic part is folded into the packed tree (bulk-loaded again) when it holds more
/// than this share (1/n) of the partition, but at least DELTA_MIN and at most DELTA_MAX
/// entries: searching it costs a few hundred ns at a few thousand entries, rebuilding a
/// partition of a million about 0.1 s, so an insert costs at most ~25 µs amortised.
const DELTA_SHARE: usize = 64;
const DELTA_MIN: usize = 64;
const DELTA_MAX: usize = 4096;
/// Tombstones are swept out when they exceed this share (1/n) of the live entries.
const DEAD_SHARE: usize = 4;
const DEAD_MIN: usize = 64;

/// Chord² between unit vectors is at most 4; a larger bound would let padding through.
const MAX_CHORD2: f64 = 5.0;

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
        if k == 0 {
            return Vec::new();
        }
        // The k nearest regardless of the filter; if the filter takes them all, they are
        // the answer, and the filter has looked at k entries only.
        let mut best = Best::new(k, max_chord2);
        for &p in partitions {
            self.partitions[p].nearest::<_, true>(q, &|_| true, &mut best);
        }
        let hits = best.into_hits();
        if hits.iter().all(|h| accept(h.slot)) {
            return hits;
        }
        let mut best = Best::new(k, max_chord2);
        for &p in partitions {
            self.partitions[p].nearest::<_, false>(q, &accept, &mut best);
        }
        best.into_hits()
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
        if self.delta.size() > (self.packed.live / DELTA_SHARE).clamp(DELTA_MIN, DELTA_MAX) {
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

    /// `ALL`: `accept` takes everything (the first, unfiltered pass).
    fn nearest<F: Fn(u32) -> bool, const ALL: bool>(&self, q: [f64; 3], accept: &F, best: &mut Best) {
        self.packed.nearest::<F, ALL>(&q, accept, best);
        if self.delta.size() > 0 {
            knn_walk(self.delta.root(), q, accept, best);
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
            let mut bytes = std::mem::size_of_val(node.children());
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

/// Up to LEAF entries, coordinates axis by axis (exact f64). Unused places and tombstones
/// hold +inf, whose distance to anything is +inf: no bound lets them through.
#[derive(Clone)]
#[repr(C, align(64))]
struct Leaf {
    xyz: [[f64; LEAF]; 3],
    slot: [u32; LEAF],
}

/// Up to FAN children (leaves at height 1, nodes above): `count` consecutive ones from
/// `first` (the tree is laid out level by level), with their boxes axis by axis in f32,
/// rounded outwards so they still contain everything below. Unused places hold the empty
/// box (lo = +inf, hi = -inf), infinitely far from anything.
#[derive(Clone)]
#[repr(C, align(64))]
struct Node {
    lo: [[f32; FAN]; 3],
    hi: [[f32; FAN]; 3],
    first: u32,
    count: u32,
}

const EMPTY_LEAF: Leaf = Leaf { xyz: [[f64::INFINITY; LEAF]; 3], slot: [u32::MAX; LEAF] };
const EMPTY_NODE: Node = Node { lo: [[f32::INFINITY; FAN]; 3], hi: [[f32::NEG_INFINITY; FAN]; 3], first: 0, count: 0 };

struct Packed {
    /// Level by level from the root.
    nodes: Vec<Node>,
    leaves: Vec<Leaf>,
    /// Node levels above the leaves; 0: the root is leaf 0 (or the tree is empty).
    height: u32,
    live: usize,
    dead: usize,
}

type Bounds = ([f64; 3], [f64; 3]);

impl Packed {
    fn build(mut items: Vec<Item>) -> Packed {
        let n = items.len();
        let mut height = 0;
        let mut capacity = LEAF;
        while capacity < n {
            capacity *= FAN;
            height += 1;
        }
        let (mut node_count, mut leaf_count) = (0, 0);
        if n > 0 {
            shape(n, height, &mut node_count, &mut leaf_count);
        }
        let mut p = Packed { nodes: Vec::with_capacity(node_count), leaves: Vec::with_capacity(leaf_count), height, live: n, dead: 0 };
        if n == 0 {
            return p;
        }
        // Breadth first, so that the children of a node are consecutive.
        let mut queue = std::collections::VecDeque::from([(0, n, height)]);
        let (mut next_node, mut next_leaf) = (1u32, 0u32);
        let mut ends = Vec::with_capacity(FAN);
        while let Some((start, end, h)) = queue.pop_front() {
            let run = &mut items[start..end];
            if h == 0 {
                let mut leaf = EMPTY_LEAF;
                for (j, (p, slot)) in run.iter().enumerate() {
                    for a in 0..3 {
                        leaf.xyz[a][j] = p[a];
                    }
                    leaf.slot[j] = *slot;
                }
                p.leaves.push(leaf);
                continue;
            }
            let child_capacity = LEAF * FAN.pow(h - 1);
            let groups = run.len().div_ceil(child_capacity);
            ends.clear();
            split(run, groups, child_capacity, 0, &mut ends);
            let mut node = EMPTY_NODE;
            node.count = groups as u32;
            node.first = if h == 1 { next_leaf } else { next_node };
            let mut s = 0;
            for (j, &e) in ends.iter().enumerate() {
                let b = bounds(&run[s..e]);
                for a in 0..3 {
                    node.lo[a][j] = f32_down(b.0[a]);
                    node.hi[a][j] = f32_up(b.1[a]);
                }
                queue.push_back((start + s, start + e, h - 1));
                s = e;
            }
            if h == 1 {
                next_leaf += groups as u32;
            } else {
                next_node += groups as u32;
            }
            p.nodes.push(node);
        }
        debug_assert_eq!((p.nodes.len(), p.leaves.len()), (node_count, leaf_count));
        p
    }

    /// The live entries.
    fn items(&self) -> Vec<Item> {
        let mut out = Vec::with_capacity(self.live);
        for leaf in &self.leaves {
            for j in 0..LEAF {
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
        let Some((leaf, j)) = self.find(0, self.height, &p, slot) else {
            return false;
        };
        let leaf = &mut self.leaves[leaf];
        for a in 0..3 {
            leaf.xyz[a][j] = f64::INFINITY;
        }
        self.live -= 1;
        self.dead += 1;
        true
    }

    fn find(&self, at: usize, height: u32, p: &[f64; 3], slot: u32) -> Option<(usize, usize)> {
        if height == 0 {
            let leaf = &self.leaves[at];
            return (0..LEAF)
                .find(|&j| leaf.slot[j] == slot && leaf.xyz[0][j] == p[0] && leaf.xyz[1][j] == p[1] && leaf.xyz[2][j] == p[2])
                .map(|j| (at, j));
        }
        let node = &self.nodes[at];
        (0..node.count as usize)
            .filter(|&j| (0..3).all(|a| node.lo[a][j] as f64 <= p[a] && p[a] <= node.hi[a][j] as f64))
            .find_map(|j| self.find(node.first as usize + j, height - 1, p, slot))
    }

    fn nearest<F: Fn(u32) -> bool, const ALL: bool>(&self, q: &[f64; 3], accept: &F, best: &mut Best) {
        if self.leaves.is_empty() {
            return;
        }
        if self.height == 0 {
            self.scan_nearest::<F, ALL>(0, q, accept, best);
        } else {
            let qf = [q[0] as f32, q[1] as f32, q[2] as f32];
            self.visit_nearest::<F, ALL>(0, self.height, q, &qf, accept, best);
        }
    }

    /// Opens the children nearest first, while they may hold something nearer than the
    /// k-th best so far. Each next child is found by a branch-free scan for the minimum
    /// (usually only one or two are opened, so sorting them all would be wasted), and is
    /// prefetched while the current one is searched.
    fn visit_nearest<F: Fn(u32) -> bool, const ALL: bool>(&self, at: usize, height: u32, q: &[f64; 3], qf: &[f32; 3], accept: &F, best: &mut Best) {
        let node = &self.nodes[at];
        let mut d = node.distances_2(qf);
        let first = node.first as usize;
        let mut cur = argmin(&d);
        loop {
            if d[cur] as f64 > best.box_bound() {
                break;
            }
            d[cur] = f32::INFINITY;
            let next = argmin(&d);
            if d[next] as f64 <= best.box_bound() {
                if height == 1 {
                    prefetch(&self.leaves[first + next]);
                } else {
                    prefetch(&self.nodes[first + next]);
                }
            }
            if height == 1 {
                self.scan_nearest::<F, ALL>(first + cur, q, accept, best);
            } else {
                self.visit_nearest::<F, ALL>(first + cur, height - 1, q, qf, accept, best);
            }
            cur = next;
        }
    }

    fn scan_nearest<F: Fn(u32) -> bool, const ALL: bool>(&self, at: usize, q: &[f64; 3], accept: &F, best: &mut Best) {
        let leaf = &self.leaves[at];
        let d = leaf.distances_2(q);
        // Until there are k hits every place is within the bound, and most would be offered
        // only to be pushed out by the next: when everything counts, nothing farther than
        // the leaf's own k-th nearest can be among the k nearest, so that is the bound.
        let mut bound = best.bound();
        if ALL && best.k <= SEED_K && !best.is_full() {
            bound = bound.min(kth_smallest(&d, best.k));
        }
        // The places within the bound as bits (a branch per place would be mispredicted
        // often), then those one by one, against the bound as it tightens.
        let mut within = 0u64;
        for (j, &dj) in d.iter().enumerate() {
            within |= ((dj <= bound) as u64) << j;
        }
        while within != 0 {
            let j = within.trailing_zeros() as usize;
            within &= within - 1;
            if d[j] <= best.bound() && accept(leaf.slot[j]) {
                best.offer(d[j], leaf.slot[j]);
            }
        }
    }

    fn within<F: Fn(u32) -> bool>(&self, q: &[f64; 3], max_chord2: f64, accept: &F, out: &mut Vec<Hit>) {
        if !self.leaves.is_empty() {
            let qf = [q[0] as f32, q[1] as f32, q[2] as f32];
            self.visit_within(0, self.height, q, &qf, max_chord2, box_bound(max_chord2), accept, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_within<F: Fn(u32) -> bool>(&self, at: usize, height: u32, q: &[f64; 3], qf: &[f32; 3], max_chord2: f64, max_box: f64, accept: &F, out: &mut Vec<Hit>) {
        if height == 0 {
            let leaf = &self.leaves[at];
            let d = leaf.distances_2(q);
            for j in 0..LEAF {
                if d[j] <= max_chord2 && accept(leaf.slot[j]) {
                    out.push(Hit { chord2: d[j], slot: leaf.slot[j] });
                }
            }
            return;
        }
        let node = &self.nodes[at];
        let d = node.distances_2(qf);
        for j in 0..FAN {
            if d[j] as f64 <= max_box {
                self.visit_within(node.first as usize + j, height - 1, q, qf, max_chord2, max_box, accept, out);
            }
        }
    }
}

impl Leaf {
    /// Squared chords to every place, summed as rstar does ((dx² + dy²) + dz²), so an
    /// entry's distance is the same bits whichever part of the partition holds it.
    #[inline(always)]
    fn distances_2(&self, q: &[f64; 3]) -> [f64; LEAF] {
        let mut d = [0.0; LEAF];
        for j in 0..LEAF {
            let dx = self.xyz[0][j] - q[0];
            let dy = self.xyz[1][j] - q[1];
            let dz = self.xyz[2][j] - q[2];
            d[j] = dx * dx + dy * dy + dz * dz;
        }
        d
    }
}

impl Node {
    /// Squared distance, in f32, from the query rounded to f32 to each child's box.
    /// Compare it with [`box_bound`] of a squared chord, never with the chord itself.
    #[inline(always)]
    fn distances_2(&self, q: &[f32; 3]) -> [f32; FAN] {
        let mut d = [0.0; FAN];
        for j in 0..FAN {
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

/// The largest f32 box distance (as [`Node::distances_2`] computes it) for which the box
/// may still hold an entry within squared chord `chord2`. The f32 arithmetic (query
/// rounded to f32: at most 6e-8 off per axis on the unit sphere; subtractions, squares and
/// sums each within 6e-8 relative) can overstate the true distance to the box by at most
/// 2e-7 relative plus 1.1e-7 absolute; the margins below are five to ten times that, so a
/// box is only ever skipped when everything in it is farther than the bound (by more than
/// the f64 rounding of any entry's own distance, too). The cost: boxes a few metres
/// beyond the bound are opened.
#[inline(always)]
fn box_bound(chord2: f64) -> f64 {
    let r = (chord2.sqrt() + 1e-6) * (1.0 + 1e-6);
    r * r
}

/// Up to this k, a leaf scanned before there are k hits first works out its own k-th
/// nearest distance (k branch-free steps per place), to offer only what can stay.
const SEED_K: usize = 8;

/// The k-th smallest of the distances (k at most SEED_K), by a branch-free insertion pass
/// per value.
#[inline(always)]
fn kth_smallest(d: &[f64; LEAF], k: usize) -> f64 {
    let mut a = [f64::INFINITY; SEED_K];
    let a = &mut a[..k];
    for &x in d {
        let mut x = x;
        for v in a.iter_mut() {
            let lo = if x < *v { x } else { *v };
            x = if x < *v { *v } else { x };
            *v = lo;
        }
    }
    a[k - 1]
}

/// Where the smallest value is (the first of equals), without branches.
#[inline(always)]
fn argmin(d: &[f32; FAN]) -> usize {
    let (mut at, mut min) = (0, d[0]);
    for (j, &x) in d.iter().enumerate().skip(1) {
        let less = x < min;
        min = if less { x } else { min };
        at = if less { j } else { at };
    }
    at
}

/// The largest f32 not above x.
fn f32_down(x: f64) -> f32 {
    let f = x as f32;
    if f as f64 > x { f.next_down() } else { f }
}

/// The smallest f32 not below x.
fn f32_up(x: f64) -> f32 {
    let f = x as f32;
    if (f as f64) < x { f.next_up() } else { f }
}

fn bounds(items: &[Item]) -> Bounds {
    let mut b = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for (p, _) in items {
        for a in 0..3 {
            b.0[a] = b.0[a].min(p[a]);
            b.1[a] = b.1[a].max(p[a]);
        }
    }
    b
}

/// How many entries the first `left_groups` of `groups` near-equal runs (none larger than
/// `capacity`) of n entries take.
fn left_share(n: usize, groups: usize, left_groups: usize, capacity: usize) -> usize {
    ((n * left_groups + groups / 2) / groups).clamp(n.saturating_sub((groups - left_groups) * capacity), left_groups * capacity)
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
    let left = left_share(n, groups, left_groups, capacity);
    let b = bounds(items);
    let axis = (0..3).max_by(|&x, &y| (b.1[x] - b.0[x]).total_cmp(&(b.1[y] - b.0[y]))).unwrap_or(0);
    if left > 0 && left < n {
        items.select_nth_unstable_by(left, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    }
    let (l, r) = items.split_at_mut(left);
    split(l, left_groups, capacity, offset, ends);
    split(r, groups - left_groups, capacity, offset + left, ends);
}

/// Counts the nodes and leaves `Packed::build` makes for n entries (the same splits).
fn shape(n: usize, height: u32, nodes: &mut usize, leaves: &mut usize) {
    if height == 0 {
        *leaves += 1;
        return;
    }
    *nodes += 1;
    let capacity = LEAF * FAN.pow(height - 1);
    let groups = n.div_ceil(capacity);
    fn runs(n: usize, groups: usize, capacity: usize, height: u32, nodes: &mut usize, leaves: &mut usize) {
        if groups <= 1 {
            shape(n, height, nodes, leaves);
            return;
        }
        let left = left_share(n, groups, groups / 2, capacity);
        runs(left, groups / 2, capacity, height, nodes, leaves);
        runs(n - left, groups - groups / 2, capacity, height, nodes, leaves);
    }
    runs(n, groups, capacity, height - 1, nodes, leaves);
}

/// Asks the CPU to start loading a value that is about to be read (x86-64 only; elsewhere
/// it does nothing).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = (value as *const T).cast::<i8>();
        for line in 0..std::mem::size_of::<T>().div_ceil(64) {
            // SAFETY: a prefetch is only a hint: it never faults and changes no memory, and
            // SSE (which provides it) is part of every x86-64 CPU. The address is inside `value`.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

// ---------------------------------------------------------------------------------------
// The bounded result set, and the best-first walk over the dynamic part.

struct Best {
    k: usize,
    /// The hits so far as keys (see [`key`]), ascending; `u128::MAX` marks a free place.
    /// Up to SMALL_K hits live in `small`, more in `large`.
    small: [u128; SMALL_K],
    large: Vec<u128>,
    /// Squared chord an entry must not exceed to be kept: the radius until there are k
    /// hits, the k-th hit's after.
    bound: f64,
    /// [`box_bound`] of `box_for`: worked out again only when a node is opened after the
    /// bound changed (hits change it much more often than nodes are opened).
    box_bound: f64,
    box_for: f64,
}

/// Up to this k, the hits are kept in a fixed array and each insertion is a branch-free
/// pass (a mispredicted branch per step costs more than the k steps).
const SMALL_K: usize = 16;

/// A hit as one integer ordered nearest first, ties by slot: a squared chord is never
/// negative (nor NaN), and the bits of non-negative doubles order as the values do.
#[inline(always)]
fn key(chord2: f64, slot: u32) -> u128 {
    ((chord2.to_bits() as u128) << 32) | slot as u128
}

#[inline(always)]
fn unkey(key: u128) -> Hit {
    Hit { chord2: f64::from_bits((key >> 32) as u64), slot: key as u32 }
}

impl Best {
    fn new(k: usize, max_chord2: f64) -> Self {
        Best { k, small: [u128::MAX; SMALL_K], large: Vec::new(), bound: max_chord2, box_bound: box_bound(max_chord2), box_for: max_chord2 }
    }

    #[inline(always)]
    fn bound(&self) -> f64 {
        self.bound
    }

    /// The bound for a node's box distance (see [`box_bound`]).
    #[inline(always)]
    fn box_bound(&mut self) -> f64 {
        if self.box_for != self.bound {
            self.box_for = self.bound;
            self.box_bound = box_bound(self.bound);
        }
        self.box_bound
    }

    fn is_full(&self) -> bool {
        if self.k <= SMALL_K { self.small[self.k - 1] != u128::MAX } else { self.large.len() == self.k }
    }

    /// Keeps the entry if it is among the k nearest so far; call it only for entries
    /// within [`Best::bound`].
    #[inline]
    fn offer(&mut self, chord2: f64, slot: u32) {
        let mut cur = key(chord2, slot);
        if self.k <= SMALL_K {
            let hits = &mut self.small[..self.k];
            if cur >= hits[hits.len() - 1] {
                return;
            }
            let mut last = 0;
            for h in hits.iter_mut() {
                // Masks rather than a branch, so that no step can be mispredicted.
                let mask = 0u128.wrapping_sub((cur < *h) as u128);
                let (lo, hi) = ((cur & mask) | (*h & !mask), (*h & mask) | (cur & !mask));
                *h = lo;
                cur = hi;
                last = lo;
            }
            if last != u128::MAX {
                self.bound = unkey(last).chord2;
            }
        } else {
            let hits = &mut self.large;
            let pos = hits.partition_point(|&h| h < cur);
            if pos < self.k {
                hits.insert(pos, cur);
                hits.truncate(self.k);
                if hits.len() == self.k {
                    self.bound = unkey(hits[self.k - 1]).chord2;
                }
            }
        }
    }

    fn into_hits(self) -> Vec<Hit> {
        let keys = if self.k <= SMALL_K { &self.small[..self.k] } else { &self.large[..] };
        keys.iter().take_while(|&&h| h != u128::MAX).map(|&h| unkey(h)).collect()
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

fn knn_walk<F: Fn(u32) -> bool>(root: &ParentNode<Entry>, q: [f64; 3], accept: &F, best: &mut Best) {
    let mut queue = BinaryHeap::new();
    queue.push(Pending { min_chord2: 0.0, node: root });
    while let Some(Pending { min_chord2, node }) = queue.pop() {
        if min_chord2 > best.bound() {
            break;
        }
        for child in node.children() {
            match child {
                RTreeNode::Leaf(e) => {
                    let d2 = e.distance_2(&q);
                    if d2 <= best.bound() && accept(e.data) {
                        best.offer(d2, e.data);
                    }
                }
                RTreeNode::Parent(p) => {
                    let d2 = envelope_distance_2(&p.envelope(), q);
                    if d2 <= best.bound() {
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

    /// Anywhere on the sphere (0), packed into a district (1: many near-ties, deep trees),
    /// or into a few metres (2: closer than f32 can tell apart, so only the margins of the
    /// f32 boxes keep the search exact).
    fn unit(rng: &mut StdRng, spread: u64) -> [f64; 3] {
        let (lat, lon): (f64, f64) = match spread {
            1 => (rng.random_range(29.9..30.0), rng.random_range(121.5..121.6)),
            2 => (rng.random_range(29.95..29.95001), rng.random_range(121.55..121.55001)),
            _ => ((2.0 * rng.random::<f64>() - 1.0).asin().to_degrees(), rng.random_range(-180.0..180.0)),
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
        for seed in 0..21u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let spread = seed % 3;
            let parts = 3;
            let n0 = [0, 1, 15, 16, 17, 300, 5000][seed as usize % 7];
            let mut live: Vec<(usize, [f64; 3], u32)> = Vec::new();
            let mut next_slot = 0u32;
            for _ in 0..n0 {
                let p = if !live.is_empty() && rng.random_bool(0.05) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, spread) };
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
                        let xyz = if !live.is_empty() && rng.random_bool(0.05) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, spread) };
                        let p = rng.random_range(0..parts);
                        idx.insert(p, xyz, next_slot);
                        live.push((p, xyz, next_slot));
                        next_slot += 1;
                    }
                }
                assert_eq!(idx.len(), live.len(), "seed {seed} round {round}");
                // Queries.
                for _ in 0..20 {
                    let q = if !live.is_empty() && rng.random_bool(0.2) { live[rng.random_range(0..live.len())].1 } else { unit(&mut rng, spread) };
                    let ps: Vec<usize> = (0..parts).filter(|_| rng.random_bool(0.6)).collect();
                    let k = rng.random_range(1..40);
                    let max = match rng.random_range(0..3) {
                        0 => 4.0,
                        1 => rng.random_range(0.0..0.05f64).powi(2),
                        _ => rng.random_range(0.0..2e-6f64).powi(2),
                    };
                    let modulus = rng.random_range(1..4u32);
                    let accept = |s: u32| s.is_multiple_of(modulus);
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
