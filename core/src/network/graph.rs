//! The walking graph: nodes at their exact OSM coordinates (integers of 1e-7 degree), every
//! walkable segment between two consecutive nodes of a way as one undirected edge, in compressed
//! sparse rows (CSR). Walking ignores `oneway`, so every edge is walked both ways.
//!
//! Nodes are numbered along a Z-order curve of their coordinates, so that nodes near each other
//! on the ground are near each other in memory (searches touch fewer cache lines) and in the
//! packed form (small coordinate deltas, see `pack`).

use crate::position::Position;


#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub(crate) lat_e7: Vec<i32>,
    pub(crate) lon_e7: Vec<i32>,
    pub(crate) pos: Vec<Position>,
    /// Unit vectors, for the search's straight-line lower bound.
    pub(crate) xyz: Vec<[f64; 3]>,
    /// CSR: the neighbours of node `i` are `adj[first[i]..first[i + 1]]`.
    pub(crate) first: Vec<u32>,
    pub(crate) adj: Vec<u32>,
    /// The edge of each adjacency entry.
    pub(crate) adj_edge: Vec<u32>,
    /// Undirected edges `[a, b]` with `a < b`, sorted.
    pub(crate) edges: Vec<[u32; 2]>,
    /// Haversine length of each edge, metres.
    pub(crate) edge_len: Vec<f64>,
    /// Connected component of each node (0-based, largest first is not promised).
    pub(crate) component: Vec<u32>,
}

/// Interleaves the bits of two 32-bit numbers (Z-order).
fn morton(a: u32, b: u32) -> u64 {
    fn spread(x: u32) -> u64 {
        let mut x = u64::from(x);
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333;
        x = (x | (x << 1)) & 0x5555_5555_5555_5555;
        x
    }
    spread(a) << 1 | spread(b)
}

impl Graph {
    /// A graph from node coordinates (`[lat_e7, lon_e7]`) and segments between node indexes.
    /// Self-loops are dropped, a segment given twice (two ways sharing it) is kept once, and
    /// nodes on no segment are left out. Nodes are renumbered (see the module's note).
    pub fn from_segments(coords: &[[i32; 2]], segments: impl IntoIterator<Item = (u32, u32)>) -> Graph {
        let mut segs: Vec<[u32; 2]> = segments.into_iter().filter(|(a, b)| a != b).map(|(a, b)| if a < b { [a, b] } else { [b, a] }).collect();
        let mut used = vec![false; coords.len()];
        for s in &segs {
            used[s[0] as usize] = true;
            used[s[1] as usize] = true;
        }
        let mut order: Vec<u32> = (0..coords.len() as u32).filter(|&i| used[i as usize]).collect();
        order.sort_by_key(|&i| {
            let [lat, lon] = coords[i as usize];
            (morton((lat as i64 + (1 << 31)) as u32, (lon as i64 + (1 << 31)) as u32), i)
        });
        let mut new_id = vec![u32::MAX; coords.len()];
        for (n, &old) in order.iter().enumerate() {
            new_id[old as usize] = n as u32;
        }
        for s in &mut segs {
            let (a, b) = (new_id[s[0] as usize], new_id[s[1] as usize]);
            *s = if a < b { [a, b] } else { [b, a] };
        }
        let lat_e7: Vec<i32> = order.iter().map(|&i| coords[i as usize][0]).collect();
        let lon_e7: Vec<i32> = order.iter().map(|&i| coords[i as usize][1]).collect();
        Graph::from_parts(lat_e7, lon_e7, segs)
    }

    /// A graph from nodes already numbered and edges `[a, b]` between them (`a != b`); edges
    /// are sorted and deduplicated here.
    pub(crate) fn from_parts(lat_e7: Vec<i32>, lon_e7: Vec<i32>, mut edges: Vec<[u32; 2]>) -> Graph {
        for e in &mut edges {
            if e[0] > e[1] {
                e.swap(0, 1);
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let n = lat_e7.len();
        let pos: Vec<Position> = lat_e7.iter().zip(&lon_e7).map(|(&a, &o)| Position { lat: f64::from(a) / 1e7, lon: f64::from(o) / 1e7 }).collect();
        let xyz = pos.iter().map(|p| p.unit_vector()).collect();
        let edge_len: Vec<f64> = edges.iter().map(|[a, b]| pos[*a as usize].distance_m(pos[*b as usize])).collect();
        let mut degree = vec![0u32; n + 1];
        for [a, b] in &edges {
            degree[*a as usize] += 1;
            degree[*b as usize] += 1;
        }
        let mut first = vec![0u32; n + 1];
        for i in 0..n {
            first[i + 1] = first[i] + degree[i];
        }
        let mut fill = first.clone();
        let mut adj = vec![0u32; first[n] as usize];
        let mut adj_edge = vec![0u32; first[n] as usize];
        for (e, [a, b]) in edges.iter().enumerate() {
            for (from, to) in [(*a, *b), (*b, *a)] {
                let k = fill[from as usize] as usize;
                adj[k] = to;
                adj_edge[k] = e as u32;
                fill[from as usize] += 1;
            }
        }
        let mut g = Graph { lat_e7, lon_e7, pos, xyz, first, adj, adj_edge, edges, edge_len, component: Vec::new() };
        g.component = g.components();
        g
    }

    fn components(&self) -> Vec<u32> {
        let n = self.node_count();
        let mut comp = vec![u32::MAX; n];
        let mut next = 0;
        let mut stack = Vec::new();
        for s in 0..n {
            if comp[s] != u32::MAX {
                continue;
            }
            comp[s] = next;
            stack.push(s as u32);
            while let Some(u) = stack.pop() {
                for &v in self.neighbours(u) {
                    if comp[v as usize] == u32::MAX {
                        comp[v as usize] = next;
                        stack.push(v);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    pub fn node_count(&self) -> usize {
        self.lat_e7.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    pub fn component_count(&self) -> usize {
        self.component.iter().max().map_or(0, |m| *m as usize + 1)
    }

    /// The connected part of the network `node` is in.
    pub fn component_of(&self, node: u32) -> u32 {
        self.component[node as usize]
    }

    pub fn position(&self, node: u32) -> Position {
        self.pos[node as usize]
    }

    pub fn neighbours(&self, node: u32) -> &[u32] {
        &self.adj[self.first[node as usize] as usize..self.first[node as usize + 1] as usize]
    }

    /// (neighbour, length in metres) of every edge at `node`.
    pub fn arcs(&self, node: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let r = self.first[node as usize] as usize..self.first[node as usize + 1] as usize;
        self.adj[r.clone()].iter().zip(&self.adj_edge[r]).map(|(&v, &e)| (v, self.edge_len[e as usize]))
    }

    pub fn edge(&self, e: u32) -> [u32; 2] {
        self.edges[e as usize]
    }

    pub fn edge_length(&self, e: u32) -> f64 {
        self.edge_len[e as usize]
    }

    /// Sum of all edge lengths, metres.
    pub fn total_length_m(&self) -> f64 {
        self.edge_len.iter().sum()
    }

    /// Bytes the graph holds in memory (without the segment index).
    pub fn heap_bytes(&self) -> usize {
        self.lat_e7.capacity() * 8
            + self.pos.capacity() * 16
            + self.xyz.capacity() * 24
            + self.first.capacity() * 4
            + self.adj.capacity() * 8
            + self.edges.capacity() * 8
            + self.edge_len.capacity() * 8
            + self.component.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_become_undirected_edges_once() {
        // A square with a duplicate side and a self-loop, and a lone node left out.
        let coords = [[300_000_000, 1_210_000_000], [300_010_000, 1_210_000_000], [300_010_000, 1_210_010_000], [300_000_000, 1_210_010_000], [0, 0]];
        let g = Graph::from_segments(&coords, [(0, 1), (1, 2), (2, 3), (3, 0), (1, 0), (2, 2)]);
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.edge_count(), 4);
        assert_eq!(g.component_count(), 1);
        for n in 0..4 {
            assert_eq!(g.neighbours(n).len(), 2);
        }
        // 0.001 degree of latitude on the mean sphere.
        let side = g.edge_len.iter().cloned().fold(0.0, f64::max);
        assert!((side - 111.195).abs() < 0.01, "{side}");
    }
}
