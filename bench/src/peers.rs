//! The peers the index is measured against: a brute-force haversine scan, SQLite's own
//! R*Tree module, and scikit-learn's BallTree (haversine metric) in a Python process.

use crate::data::{Points, Query};
use carecircle_core::Position;
use carecircle_core::position::EARTH_RADIUS_M;
use rusqlite::{Connection, params};
use std::path::Path;
use std::process::Command;

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    // The same formula (geo's Haversine) the catalogue reports distances with.
    Position { lat: lat1, lon: lon1 }.distance_m(Position { lat: lat2, lon: lon2 })
}

/// Keeps the k smallest (distance, index) pairs, ascending.
fn push_best(best: &mut Vec<(f64, usize)>, k: usize, d: f64, i: usize) {
    if best.len() == k && (d, i) >= best[k - 1] {
        return;
    }
    let pos = best.partition_point(|b| *b < (d, i));
    best.insert(pos, (d, i));
    best.truncate(k);
}

/// A plain scan. Like the index it is given the facilities split by kind up front.
pub struct Brute {
    by_kind: Vec<Vec<(f64, f64, usize)>>,
    all: Vec<(f64, f64, usize)>,
}

impl Brute {
    pub fn new(points: &Points, kinds: usize) -> Self {
        let mut by_kind = vec![Vec::new(); kinds];
        let mut all = Vec::with_capacity(points.lat.len());
        for i in 0..points.lat.len() {
            let p = (points.lat[i], points.lon[i], i);
            by_kind[points.kind[i] as usize].push(p);
            all.push(p);
        }
        Brute { by_kind, all }
    }

    pub fn nearest(&self, q: &Query, k: usize) -> Vec<usize> {
        let mut best = Vec::with_capacity(k + 1);
        for &(lat, lon, i) in &self.by_kind[q.kind as usize] {
            push_best(&mut best, k, haversine_m(q.lat, q.lon, lat, lon), i);
        }
        best.into_iter().map(|(_, i)| i).collect()
    }

    pub fn within(&self, q: &Query, radius_m: f64) -> Vec<usize> {
        let mut hits: Vec<(f64, usize)> = self
            .all
            .iter()
            .filter_map(|&(lat, lon, i)| {
                let d = haversine_m(q.lat, q.lon, lat, lon);
                (d <= radius_m).then_some((d, i))
            })
            .collect();
        hits.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        hits.into_iter().map(|(_, i)| i).collect()
    }
}

/// SQLite's R*Tree module (in the bundled SQLite): one table per kind for the nearest
/// query, and one over all facilities for within. Points are degenerate boxes (R*Tree
/// keeps 32-bit boxes, rounded outwards); the exact coordinates ride along as auxiliary
/// columns, so a query is one virtual-table scan followed by an exact haversine refine.
pub struct SqliteRtree {
    conn: Connection,
    kinds: usize,
    /// Facilities per kind, to size the first search box from the density.
    per_kind: Vec<usize>,
    area_deg2: f64,
}

impl SqliteRtree {
    /// Builds the tables in an in-memory database (SQLite's fastest case); returns it and
    /// the seconds spent filling the per-kind tables (the index `nearest` uses).
    pub fn build(points: &Points, kinds: usize, area_deg2: f64) -> rusqlite::Result<(Self, f64, f64)> {
        let conn = Connection::open_in_memory()?;
        let mut per_kind = vec![0; kinds];
        for &k in &points.kind {
            per_kind[k as usize] += 1;
        }
        let fill = |table: &str, only: Option<u8>| -> rusqlite::Result<f64> {
            let t = std::time::Instant::now();
            conn.execute_batch(&format!(
                "CREATE VIRTUAL TABLE {table} USING rtree(id, min_lat, max_lat, min_lon, max_lon, +lat REAL, +lon REAL)"
            ))?;
            let tx = conn.unchecked_transaction()?;
            {
                let mut ins = tx.prepare(&format!("INSERT INTO {table} VALUES (?1, ?2, ?2, ?3, ?3, ?2, ?3)"))?;
                for i in 0..points.lat.len() {
                    if only.is_none_or(|k| points.kind[i] == k) {
                        ins.execute(params![i as i64, points.lat[i], points.lon[i]])?;
                    }
                }
            }
            tx.commit()?;
            Ok(t.elapsed().as_secs_f64())
        };
        let mut build_s = 0.0;
        for k in 0..kinds {
            build_s += fill(&format!("rt_kind{k}"), Some(k as u8))?;
        }
        let build_all_s = fill("rt_all", None)?;
        Ok((SqliteRtree { conn, kinds, per_kind, area_deg2 }, build_s, build_all_s))
    }

    fn box_query(&self, table: &str, q: &Query, dlat: f64, dlon: f64, out: &mut Vec<(f64, usize)>) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, lat, lon FROM {table} WHERE max_lat >= ?1 AND min_lat <= ?2 AND max_lon >= ?3 AND min_lon <= ?4"
        ))?;
        let mut rows = stmt.query(params![q.lat - dlat, q.lat + dlat, q.lon - dlon, q.lon + dlon])?;
        while let Some(row) = rows.next()? {
            let (id, lat, lon): (i64, f64, f64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            out.push((haversine_m(q.lat, q.lon, lat, lon), id as usize));
        }
        Ok(())
    }

    /// Half-width in longitude degrees so that every point outside it is at least
    /// `angle` radians away (the great circle of a meridian is `asin(cos(lat) sin(dlon))` away).
    fn lon_half_width(lat: f64, angle: f64) -> f64 {
        let s = angle.sin() / lat.to_radians().cos();
        if angle >= std::f64::consts::FRAC_PI_2 || s >= 1.0 { 360.0 } else { s.asin().to_degrees() }
    }

    /// The exact k nearest of the query's kind: a box that grows until the circle inscribed
    /// in it holds k facilities, then an exact sort.
    pub fn nearest(&self, q: &Query, k: usize, cand: &mut Vec<(f64, usize)>) -> rusqlite::Result<Vec<usize>> {
        let kind = q.kind as usize;
        debug_assert!(kind < self.kinds);
        let table = format!("rt_kind{kind}");
        // A first box expected to hold about 2k facilities, from the density of the kind.
        let n = self.per_kind[kind].max(1) as f64;
        let mut angle_deg = (2.0 * k as f64 * self.area_deg2 * q.lat.to_radians().cos() / (std::f64::consts::PI * n)).sqrt();
        loop {
            cand.clear();
            let angle = angle_deg.to_radians();
            let dlon = Self::lon_half_width(q.lat, angle);
            self.box_query(&table, q, angle_deg, dlon, cand)?;
            let safe_m = angle * EARTH_RADIUS_M;
            let everything = angle_deg >= 180.0;
            if everything || cand.iter().filter(|c| c.0 <= safe_m).count() >= k {
                cand.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
                return Ok(cand.iter().take(k).map(|c| c.1).collect());
            }
            angle_deg *= 2.0;
        }
    }

    pub fn within(&self, q: &Query, radius_m: f64, cand: &mut Vec<(f64, usize)>) -> rusqlite::Result<Vec<usize>> {
        cand.clear();
        let angle = radius_m / EARTH_RADIUS_M;
        self.box_query("rt_all", q, angle.to_degrees(), Self::lon_half_width(q.lat, angle), cand)?;
        cand.retain(|c| c.0 <= radius_m);
        cand.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        Ok(cand.iter().map(|c| c.1).collect())
    }
}

/// What bench/balltree_peer.py reports.
pub struct BallTree {
    pub json: serde_json::Value,
}

impl BallTree {
    pub fn run(python: &Path, script: &Path, facilities: &Path, queries: &Path, k: usize, radius_m: f64, check: usize) -> Result<Self, String> {
        let out = Command::new(python)
            .arg(script)
            .args(["--facilities".as_ref(), facilities.as_os_str()])
            .args(["--queries".as_ref(), queries.as_os_str()])
            .args(["--k", &k.to_string(), "--radius-m", &radius_m.to_string(), "--check", &check.to_string()])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed ({}): {}", script.display(), out.status, String::from_utf8_lossy(&out.stderr).trim()));
        }
        let json = serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON from {}: {e}", script.display()))?;
        Ok(BallTree { json })
    }

    pub fn f64(&self, path: &[&str]) -> Option<f64> {
        let mut v = &self.json;
        for p in path {
            v = v.get(p)?;
        }
        v.as_f64()
    }

    /// Result lists (facility indices) for the first queries, as the peer found them.
    pub fn lists(&self, name: &str) -> Vec<Vec<usize>> {
        self.json
            .get(name)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .map(|l| l.as_array().map(|l| l.iter().filter_map(|x| x.as_u64()).map(|x| x as usize).collect()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    }
}
