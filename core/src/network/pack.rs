//! The packed network: how a district's walking network is stored and sent to phones.
//!
//! Format 1, little-endian varints (LEB128) throughout:
//!
//! ```text
//! "CCWN" 1                                  magic and format
//! nodes edges                               counts
//! per node: zigzag(Δlat_e7) zigzag(Δlon_e7)  from the previous node (the first from 0, 0)
//! per node i: k, then k gaps                 its neighbours j > i, ascending: j - i, then j - previous j
//! ```
//!
//! Nodes are in the graph's Z-order, so consecutive nodes are close and their deltas small, and
//! each edge is written once, at its lower node. Lengths are not stored: they are the haversine
//! of the exact coordinates, recomputed on load, so they are exactly those of the import.

use super::graph::Graph;
use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"CCWN";
pub const FORMAT: u8 = 1;

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

pub fn encode(g: &Graph) -> Vec<u8> {
    let mut out = Vec::with_capacity(g.node_count() * 10 + 16);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    put(&mut out, g.node_count() as u64);
    put(&mut out, g.edge_count() as u64);
    let (mut plat, mut plon) = (0i64, 0i64);
    for i in 0..g.node_count() {
        let (lat, lon) = (i64::from(g.lat_e7[i]), i64::from(g.lon_e7[i]));
        put(&mut out, zigzag(lat - plat));
        put(&mut out, zigzag(lon - plon));
        (plat, plon) = (lat, lon);
    }
    // Edges are sorted by (a, b): each node's higher neighbours in order.
    let mut e = 0;
    for i in 0..g.node_count() as u32 {
        let start = e;
        while e < g.edges.len() && g.edges[e][0] == i {
            e += 1;
        }
        put(&mut out, (e - start) as u64);
        let mut prev = i;
        for edge in &g.edges[start..e] {
            put(&mut out, u64::from(edge[1] - prev));
            prev = edge[1];
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn get(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at).ok_or_else(corrupt)?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt())
    }
}

fn corrupt() -> Error {
    Error::invalid("walking network", "the stored network is corrupt")
}

pub fn decode(bytes: &[u8]) -> Result<Graph> {
    if bytes.len() < 5 || &bytes[..4] != MAGIC {
        return Err(corrupt());
    }
    if bytes[4] != FORMAT {
        return Err(Error::invalid("walking network", format!("format {} is not one this build reads", bytes[4])));
    }
    let mut r = Reader { bytes, at: 5 };
    let n = r.get()? as usize;
    let m = r.get()? as usize;
    // Every node takes two bytes at least, every edge one: refuse counts the bytes cannot hold.
    if n > bytes.len() || m > bytes.len() || n > u32::MAX as usize - 1 {
        return Err(corrupt());
    }
    let mut lat_e7 = Vec::with_capacity(n);
    let mut lon_e7 = Vec::with_capacity(n);
    let (mut lat, mut lon) = (0i64, 0i64);
    for _ in 0..n {
        lat += unzigzag(r.get()?);
        lon += unzigzag(r.get()?);
        if lat.abs() > 900_000_000 || lon.abs() > 1_800_000_000 {
            return Err(corrupt());
        }
        lat_e7.push(lat as i32);
        lon_e7.push(lon as i32);
    }
    let mut edges = Vec::with_capacity(m);
    for i in 0..n as u64 {
        let k = r.get()?;
        let mut j = i;
        for _ in 0..k {
            let gap = r.get()?;
            if gap == 0 {
                return Err(corrupt());
            }
            j = j.checked_add(gap).filter(|j| *j < n as u64).ok_or_else(corrupt)?;
            edges.push([i as u32, j as u32]);
        }
    }
    if edges.len() != m || r.at != bytes.len() {
        return Err(corrupt());
    }
    Ok(Graph::from_parts(lat_e7, lon_e7, edges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let coords = [[299_550_000, 1_217_100_000], [299_551_234, 1_217_100_000], [299_551_234, 1_217_112_345], [-1, -2]];
        let g = Graph::from_segments(&coords, [(0, 1), (1, 2), (2, 0), (2, 3)]);
        let bytes = encode(&g);
        assert_eq!(decode(&bytes).unwrap(), g);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut bad = bytes.clone();
        bad[4] = 9;
        assert!(decode(&bad).is_err());
        assert!(decode(b"nonsense").is_err());
    }
}
