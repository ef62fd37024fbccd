//! An R-tree that is exact on the sphere.
//!
//! Points are indexed as 3-D unit vectors: the straight chord between two unit vectors
//! grows monotonically with the great-circle angle between them, so nearest-by-chord is
//! nearest-by-great-circle everywhere, at the poles and across the 180th meridian alike,
//! with none of the wrap-around special cases a lat/lon box needs.
//!
//! The index is split into partitions (facility kinds), each its own tree, so a query for
//! one kind never walks the others. The k-nearest search is a best-first walk over rstar's
//! nodes with a bounded result set: nodes farther than the current k-th best are never opened.

use rstar::primitives::GeomWithData;
use rstar::{AABB, ParentNode, RTree, RTreeNode, RTreeParams, RStarInsertionStrategy, PointDistance};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Node sizes tuned for query speed on unit vectors (see the bench crate).
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

pub struct SphereIndex {
    partitions: Vec<Tree>,
}

/// A hit: squared chord to the query and the slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub chord2: f64,
    pub slot: u32,
}

impl SphereIndex {
    pub fn new(partitions: usize) -> Self {
        SphereIndex { partitions: (0..partitions).map(|_| Tree::new_with_params()).collect() }
    }

    /// Bulk-loads every partition from (partition, unit vector, slot).
    pub fn bulk_load(partitions: usize, points: impl IntoIterator<Item = (usize, [f64; 3], u32)>) -> Self {
        let mut buckets: Vec<Vec<Entry>> = (0..partitions).map(|_| Vec::new()).collect();
        for (p, xyz, slot) in points {
            buckets[p].push(Entry::new(xyz, slot));
        }
        SphereIndex { partitions: buckets.into_iter().map(Tree::bulk_load_with_params).collect() }
    }

    pub fn insert(&mut self, partition: usize, xyz: [f64; 3], slot: u32) {
        self.partitions[partition].insert(Entry::new(xyz, slot));
    }

    pub fn remove(&mut self, partition: usize, xyz: [f64; 3], slot: u32) -> bool {
        self.partitions[partition].remove(&Entry::new(xyz, slot)).is_some()
    }

    pub fn len(&self) -> usize {
        self.partitions.iter().map(RTree::size).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The k nearest accepted entries of the given partitions within `max_chord2`,
    /// nearest first (ties by slot, so results are deterministic).
    pub fn nearest(&self, partitions: &[usize], q: [f64; 3], k: usize, max_chord2: f64, accept: impl Fn(u32) -> bool) -> Vec<Hit> {
        let mut best = Best { k, hits: Vec::with_capacity(k + 1) };
        if k == 0 {
            return best.hits;
        }
        let mut queue = BinaryHeap::new();
        for &p in partitions {
            knn_walk(self.partitions[p].root(), q, max_chord2, &accept, &mut best, &mut queue);
        }
        best.hits
    }

    /// Every accepted entry of the given partitions within `max_chord2`, unordered.
    pub fn within(&self, partitions: &[usize], q: [f64; 3], max_chord2: f64, accept: impl Fn(u32) -> bool) -> Vec<Hit> {
        let mut out = Vec::new();
        for &p in partitions {
            for e in self.partitions[p].locate_within_distance(q, max_chord2) {
                if accept(e.data) {
                    out.push(Hit { chord2: e.distance_2(&q), slot: e.data });
                }
            }
        }
        out
    }

    /// Approximate heap bytes held by the trees (node vectors and entries).
    pub fn heap_bytes(&self) -> usize {
        fn walk(node: &ParentNode<Entry>) -> usize {
            let mut bytes = node.children().len() * std::mem::size_of::<RTreeNode<Entry>>();
            for child in node.children() {
                if let RTreeNode::Parent(p) = child {
                    bytes += walk(p);
                }
            }
            bytes
        }
        self.partitions.iter().map(|t| walk(t.root())).sum()
    }
}

struct Best {
    k: usize,
    hits: Vec<Hit>,
}

impl Best {
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

fn knn_walk<'a>(
    root: &'a ParentNode<Entry>,
    q: [f64; 3],
    max_chord2: f64,
    accept: &impl Fn(u32) -> bool,
    best: &mut Best,
    queue: &mut BinaryHeap<Pending<'a>>,
) {
    queue.clear();
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

    #[test]
    fn empty_and_zero_k() {
        let idx = SphereIndex::new(2);
        assert!(idx.nearest(&[0, 1], [1.0, 0.0, 0.0], 5, 4.0, |_| true).is_empty());
        let idx = SphereIndex::bulk_load(1, [(0, [1.0, 0.0, 0.0], 7)]);
        assert!(idx.nearest(&[0], [1.0, 0.0, 0.0], 0, 4.0, |_| true).is_empty());
        assert_eq!(idx.nearest(&[0], [1.0, 0.0, 0.0], 3, 4.0, |_| true)[0].slot, 7);
    }
}
