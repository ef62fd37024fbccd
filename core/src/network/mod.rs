//! The walking network: the 15-minute circle judged along real streets instead of by
//! straight-line distance times a detour factor.
//!
//! - `import`: the pedestrian network of an OpenStreetMap PBF extract (feature `osm`).
//! - `graph`: nodes and undirected segments in CSR, haversine lengths.
//! - `join`: where a point joins the network (nearest point of the nearest segment, R-tree).
//! - `route`: point-to-point A*, one-to-many and multi-source Dijkstra (coverage fields).
//! - `isochrone`: the area within N minutes as GeoJSON.
//! - `pack`: the compact form stored in the database and synced to phones.
//! - `demo` (feature `demo`): the demo district's generated streets.
//!
//! Walking distance between two points = straight leg from the start to its join point +
//! the shortest walk through the network between the join points (partial segments included;
//! two points joined to one segment may walk straight along it) + straight leg to the end.
//! Walking time = distance ÷ speed, with no detour factor once a network is loaded; without
//! one, everything is judged as before (straight line × detour factor).

pub mod graph;
pub mod isochrone;
pub mod join;
pub mod pack;
pub mod route;
#[cfg(feature = "osm")]
pub mod import;
#[cfg(feature = "demo")]
pub mod demo;

pub use graph::Graph;
pub use join::Join;
pub use route::Field;

use crate::args;
use crate::carecircle::CareCircle;
use crate::db::{Sql, SqlExt};
use crate::error::{Error, Result};
use crate::facility::{FacilityKind, Service, ServiceSet};
use crate::position::Position;
use base64::Engine;
use route::Search;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The district's network row (one per database).
pub const NETWORK_ID: &str = "district";
/// Raw bytes per stored chunk (base64 text in the database and on the wire).
const CHUNK_BYTES: usize = 48 * 1024;

static GENERATION: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// A loaded network: the graph, its segment index and a pool of search states.
pub struct Network {
    graph: Graph,
    segments: join::SegmentIndex,
    searches: Mutex<Vec<Search>>,
    /// Built on the first point-to-point walk (a few full Dijkstras).
    landmarks: std::sync::OnceLock<route::Landmarks>,
    pub(crate) generation: u64,
}

/// One walk: metres and minutes along the network, and the way walked ([lat, lon], WGS-84).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkRoute {
    pub metres: f64,
    pub minutes: f64,
    /// From the start, its join point, the nodes walked through, the end's join point, the end.
    pub path: Vec<[f64; 2]>,
    /// Great-circle distance between the two points, for comparison.
    pub straight_m: f64,
    /// The straight legs to and from the network.
    pub from_leg_m: f64,
    pub to_leg_m: f64,
}

/// The area within a walk of a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isochrone {
    pub lat: f64,
    pub lon: f64,
    pub minutes: f64,
    /// The walk's metres (minutes × speed).
    pub metres: f64,
    /// GeoJSON Polygon or MultiPolygon, WGS-84 [lon, lat].
    pub geometry: serde_json::Value,
    pub area_m2: f64,
    pub nodes_reached: u32,
}

/// What is stored about the district's network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSummary {
    pub source: String,
    pub nodes: u64,
    pub edges: u64,
    pub components: u64,
    pub length_km: f64,
    /// The packed form's size (see `pack`), and per node.
    pub packed_bytes: u64,
    pub bytes_per_node: f64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Network {
    pub fn new(graph: Graph) -> Network {
        let segments = join::SegmentIndex::build(&graph);
        Network { graph, segments, searches: Mutex::new(Vec::new()), landmarks: std::sync::OnceLock::new(), generation: next_generation() }
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn heap_bytes(&self) -> usize {
        self.graph.heap_bytes() + self.segments.heap_bytes() + self.landmarks.get().map_or(0, |l| l.heap_bytes())
    }

    fn landmarks(&self) -> &route::Landmarks {
        self.landmarks.get_or_init(|| route::Landmarks::build(&self.graph, route::LANDMARKS))
    }

    fn with_search<R>(&self, f: impl FnOnce(&mut Search) -> R) -> R {
        let mut s = self.searches.lock().unwrap_or_else(|e| e.into_inner()).pop().unwrap_or_else(|| Search::new(self.graph.node_count()));
        let r = f(&mut s);
        let mut pool = self.searches.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 8 {
            pool.push(s);
        }
        r
    }

    /// Where `p` joins the network.
    pub fn join(&self, p: Position) -> Result<Join> {
        self.segments.join(&self.graph, p).ok_or_else(|| Error::NoPath("the walking network is empty".into()))
    }

    /// The join of a node itself (at the end of one of its edges, no leg): for comparing
    /// node-to-node walks with other tools, where two nodes may share a position.
    pub fn join_node(&self, node: u32) -> Option<Join> {
        let g = &self.graph;
        let k = g.first[node as usize] as usize;
        if k == g.first[node as usize + 1] as usize {
            return None;
        }
        let edge = g.adj_edge[k];
        let [a, _] = g.edges[edge as usize];
        let len = g.edge_len[edge as usize];
        let t = if a == node { 0.0 } else { 1.0 };
        Some(Join { edge, t, point: g.pos[node as usize], leg_m: 0.0, to_a_m: t * len, to_b_m: (1.0 - t) * len })
    }

    /// Walking metres from `from` to `to`, legs included; `None` if no path joins them.
    pub fn walk_m(&self, from: &Join, to: &Join) -> Option<f64> {
        let lm = self.landmarks();
        self.with_search(|s| route::point_to_point(&self.graph, s, Some(lm), from, to)).map(|(m, _)| from.leg_m + m + to.leg_m)
    }

    /// The shortest walk between two points: metres and the way ([lat, lon]).
    pub fn route(&self, from: Position, to: Position) -> Result<(f64, Vec<[f64; 2]>, Join, Join)> {
        let (a, b) = (self.join(from)?, self.join(to)?);
        let lm = self.landmarks();
        let Some((m, nodes)) = self.with_search(|s| route::point_to_point(&self.graph, s, Some(lm), &a, &b)) else {
            return Err(Error::NoPath("the two points are on parts of the walking network that no path joins".into()));
        };
        let mut path = vec![[from.lat, from.lon], [a.point.lat, a.point.lon]];
        path.extend(nodes.iter().map(|&n| {
            let p = self.graph.position(n);
            [p.lat, p.lon]
        }));
        path.push([b.point.lat, b.point.lon]);
        path.push([to.lat, to.lon]);
        path.dedup();
        Ok((a.leg_m + m + b.leg_m, path, a, b))
    }

    /// Walking metres from one point to each of many (legs included), `None` where no path.
    pub fn distances_from(&self, from: Position, to: &[Position]) -> Result<Vec<Option<f64>>> {
        let a = self.join(from)?;
        let targets = to.iter().map(|p| self.join(*p)).collect::<Result<Vec<_>>>()?;
        let d = self.with_search(|s| route::one_to_many(&self.graph, s, &a, &targets));
        Ok(d.into_iter().zip(&targets).map(|(d, t)| d.map(|m| a.leg_m + m + t.leg_m)).collect())
    }

    /// Walking metres between every pair of `points` (legs included), `None` where no path:
    /// one one-to-many search per point.
    pub fn distance_matrix(&self, points: &[Position]) -> Result<Vec<Vec<Option<f64>>>> {
        let joins = points.iter().map(|p| self.join(*p)).collect::<Result<Vec<_>>>()?;
        Ok(joins
            .iter()
            .map(|a| {
                let d = self.with_search(|s| route::one_to_many(&self.graph, s, a, &joins));
                d.into_iter().zip(&joins).map(|(d, t)| d.map(|m| a.leg_m + m + t.leg_m)).collect()
            })
            .collect())
    }

    /// Every node's walk to the nearest of `sources` (their legs included).
    pub fn field(&self, sources: &[Position]) -> Result<Field> {
        let joins = sources.iter().map(|p| self.join(*p)).collect::<Result<Vec<_>>>()?;
        Ok(Field::build(&self.graph, joins))
    }

    /// The walk from `p` to the nearest source of `field`, and which source.
    pub fn field_at(&self, field: &Field, p: Position) -> Result<Option<(f64, u32)>> {
        Ok(field.at(&self.graph, &self.join(p)?))
    }

    /// The area within `metres` of walking from `p` (see `isochrone`): GeoJSON, square
    /// metres, and how many nodes the walk reached.
    pub fn isochrone(&self, p: Position, metres: f64) -> Result<(serde_json::Value, f64, u32)> {
        let j = self.join(p)?;
        let left = metres - j.leg_m;
        if left < 0.0 {
            return Ok((isochrone::empty(), 0.0, 0));
        }
        let settled = self.with_search(|s| route::within_budget(&self.graph, s, &j, left));
        let reached = isochrone::reached(&self.graph, p, &j, left, &settled);
        let (geometry, area) = isochrone::outline(&reached);
        Ok((geometry, area, settled.len() as u32))
    }
}

// ----- On the handle: storage, lazily loaded network, coverage fields -----

/// Coverage fields: one per facility kind and per service, over the whole network.
pub(crate) struct WalkFields {
    pub network: u64,
    pub facilities: u64,
    pub kinds: Vec<Field>,
    pub services: Vec<Field>,
    /// Facility slot of each source, per field (kinds then services).
    pub slots: Vec<Vec<u32>>,
}

#[derive(Default)]
pub(crate) struct NetworkState {
    /// `None`: not read from storage yet; `Some(None)`: there is no network.
    loaded: RwLock<Option<Option<Arc<Network>>>>,
    fields: Mutex<Option<Arc<WalkFields>>>,
}

impl NetworkState {
    /// Forgets the loaded network (another handle changed it): the next use reads it again.
    pub(crate) fn invalidate(&self) {
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = None;
        *self.fields.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn read_stored(sql: &dyn Sql) -> Result<Option<Vec<u8>>> {
    let Some(row) = sql.one("SELECT format, chunks, bytes FROM walk_network WHERE id = ?1", args![NETWORK_ID])? else { return Ok(None) };
    let (format, chunks, bytes): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
    if format != i64::from(pack::FORMAT) {
        return Err(Error::invalid("walking network", format!("stored format {format} is not one this build reads")));
    }
    let rows = sql.query("SELECT n, data FROM walk_network_chunk WHERE network_id = ?1 AND n < ?2 ORDER BY n", args![NETWORK_ID, chunks])?;
    if rows.len() as i64 != chunks {
        return Err(Error::invalid("walking network", "the stored network is incomplete"));
    }
    let mut out = Vec::with_capacity(bytes.max(0) as usize);
    for r in &rows {
        let data: String = r.get(1)?;
        let raw = base64::engine::general_purpose::STANDARD.decode(data.as_bytes()).map_err(|_| Error::invalid("walking network", "the stored network is corrupt"))?;
        out.extend_from_slice(&raw);
    }
    if out.len() as i64 != bytes {
        return Err(Error::invalid("walking network", "the stored network is incomplete"));
    }
    Ok(Some(out))
}

fn summary_from(sql: &dyn Sql) -> Result<Option<NetworkSummary>> {
    let Some(r) = sql.one("SELECT source, nodes, edges, bytes, updated_at, components, length_m FROM walk_network WHERE id = ?1", args![NETWORK_ID])? else { return Ok(None) };
    let (nodes, bytes): (i64, i64) = (r.get(1)?, r.get(3)?);
    Ok(Some(NetworkSummary {
        source: r.get(0)?,
        nodes: nodes as u64,
        edges: r.get::<i64>(2)? as u64,
        components: r.get::<i64>(5)? as u64,
        length_km: r.get::<f64>(6)? / 1000.0,
        packed_bytes: bytes as u64,
        bytes_per_node: if nodes > 0 { bytes as f64 / nodes as f64 } else { 0.0 },
        updated_at: r.get(4)?,
    }))
}

impl CareCircle {
    /// The district's walking network, if one is stored (read once, then kept in memory).
    pub fn walking_network(&self) -> Result<Option<Arc<Network>>> {
        if !self.settings.use_network {
            return Ok(None);
        }
        self.refresh_indexes_if_due();
        if let Some(n) = self.network.loaded.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(n.clone());
        }
        self.store.read(|sql| self.walking_network_in(sql))
    }

    /// As [`CareCircle::walking_network`], reading it (once) through `sql`: for rules that run
    /// inside a transaction, such as matching's insertion cost.
    pub(crate) fn walking_network_in(&self, sql: &dyn Sql) -> Result<Option<Arc<Network>>> {
        if !self.settings.use_network {
            return Ok(None);
        }
        if let Some(n) = self.network.loaded.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(n.clone());
        }
        let mut slot = self.network.loaded.write().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = slot.as_ref() {
            return Ok(n.clone());
        }
        let net = match read_stored(sql)? {
            Some(bytes) => Some(Arc::new(Network::new(pack::decode(&bytes)?))),
            None => None,
        };
        *slot = Some(net.clone());
        Ok(net)
    }

    /// Stores `graph` as the district's walking network (replacing any), for this handle, the
    /// other instances and, by sync, the phones.
    pub fn put_network(&self, graph: Graph, source: &str) -> Result<NetworkSummary> {
        if graph.node_count() == 0 {
            return Err(Error::invalid("walking network", "no walkable way: the network would be empty"));
        }
        let bytes = pack::encode(&graph);
        let now = self.now();
        let chunks: Vec<String> = bytes.chunks(CHUNK_BYTES).map(|c| base64::engine::general_purpose::STANDARD.encode(c)).collect();
        let source = crate::facility::truncate(source, 200).to_string();
        let length_m = graph.total_length_m();
        let version = self.store.write(|tx| {
            tx.execute("DELETE FROM walk_network_chunk WHERE network_id = ?1", args![NETWORK_ID])?;
            tx.execute(
                "INSERT INTO walk_network (id, format, source, nodes, edges, bytes, chunks, components, length_m, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(id) DO UPDATE SET format = excluded.format, source = excluded.source, nodes = excluded.nodes, edges = excluded.edges, bytes = excluded.bytes,
                   chunks = excluded.chunks, components = excluded.components, length_m = excluded.length_m, updated_at = excluded.updated_at",
                args![NETWORK_ID, i64::from(pack::FORMAT), source, graph.node_count(), graph.edge_count(), bytes.len(), chunks.len(), graph.component_count(), length_m, now],
            )?;
            for (n, data) in chunks.iter().enumerate() {
                tx.execute("INSERT INTO walk_network_chunk (network_id, n, data) VALUES (?1, ?2, ?3)", args![NETWORK_ID, n, data])?;
            }
            crate::sync::log_changes(self, tx, vec![crate::sync::Change::walk_network(NETWORK_ID)])?;
            crate::freshness::bump(tx, crate::freshness::NETWORK)
        })?;
        let summary = self.store.read(summary_from)?.expect("just written");
        *self.network.loaded.write().unwrap_or_else(|e| e.into_inner()) = Some(Some(Arc::new(Network::new(graph))));
        *self.network.fields.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.freshness.applied(crate::freshness::NETWORK, version);
        Ok(summary)
    }

    /// Reads the pedestrian network of an OpenStreetMap PBF extract and stores it.
    #[cfg(feature = "osm")]
    pub fn import_network_pbf(&self, path: &std::path::Path) -> Result<(NetworkSummary, import::PbfCounts)> {
        let (graph, counts) = import::read_pbf(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok((self.put_network(graph, &name)?, counts))
    }

    /// What is stored about the walking network, if any.
    pub fn network_summary(&self) -> Result<Option<NetworkSummary>> {
        self.store.read(summary_from)
    }

    /// Walking metres used for the circle: minutes × speed on the network.
    pub(crate) fn network_reach_m(&self, minutes: f64) -> f64 {
        minutes * 60.0 * self.settings.walk.speed_m_per_s
    }

    /// The walk from one point to another along the network.
    pub fn walk(&self, from: Position, to: Position) -> Result<WalkRoute> {
        let net = self.walking_network()?.ok_or_else(|| Error::not_found("walking network", "none imported (carecircle network import FILE.osm.pbf)"))?;
        let (metres, path, a, b) = net.route(from, to)?;
        Ok(WalkRoute { metres, minutes: self.settings.walk.minutes_on_network(metres), path, straight_m: from.distance_m(to), from_leg_m: a.leg_m, to_leg_m: b.leg_m })
    }

    /// The area within `minutes` of walking from `at`.
    pub fn isochrone(&self, at: Position, minutes: f64) -> Result<Isochrone> {
        if !(minutes.is_finite() && minutes > 0.0 && minutes <= 120.0) {
            return Err(Error::invalid("minutes", "must be more than 0 and at most 120"));
        }
        let net = self.walking_network()?.ok_or_else(|| Error::not_found("walking network", "none imported (carecircle network import FILE.osm.pbf)"))?;
        let metres = self.network_reach_m(minutes);
        let (geometry, area_m2, nodes_reached) = net.isochrone(at, metres)?;
        Ok(Isochrone { lat: at.lat, lon: at.lon, minutes, metres, geometry, area_m2, nodes_reached })
    }

    /// The coverage fields for the current network and facilities, computed on first use
    /// after either changed: one multi-source Dijkstra per kind and per service.
    pub(crate) fn walk_fields(&self) -> Result<Option<(Arc<Network>, Arc<WalkFields>)>> {
        let Some(net) = self.walking_network()? else { return Ok(None) };
        let table = self.facilities();
        let mut cached = self.network.fields.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = cached.as_ref().filter(|f| f.network == net.generation && f.facilities == table.generation) {
            return Ok(Some((net, f.clone())));
        }
        let live = table.live_slots();
        let joins: Vec<(u32, Join)> = live.iter().map(|&i| Ok((i, net.join(table.slot(i).position)?))).collect::<Result<_>>()?;
        let mut slots = Vec::new();
        let mut build = |pick: &dyn Fn(u32) -> bool| {
            let chosen: Vec<&(u32, Join)> = joins.iter().filter(|(i, _)| pick(*i)).collect();
            slots.push(chosen.iter().map(|(i, _)| *i).collect::<Vec<u32>>());
            Field::build(net.graph(), chosen.iter().map(|(_, j)| *j).collect())
        };
        let kinds: Vec<Field> = FacilityKind::ALL.iter().map(|k| build(&|i| table.slot(i).kind == *k)).collect();
        let services: Vec<Field> = Service::ALL.iter().map(|s| build(&|i| table.slot(i).services.contains(*s))).collect();
        let fields = Arc::new(WalkFields { network: net.generation, facilities: table.generation, kinds, services, slots });
        *cached = Some(fields.clone());
        Ok(Some((net, fields)))
    }

    /// The services some facility offers within the circle's walk of `at`, along the network
    /// if one is loaded (else in a straight line, as [`CareCircle::services_within`]).
    pub fn services_within_walk(&self, at: Position) -> Result<ServiceSet> {
        let minutes = self.settings.circle_minutes;
        match self.walk_fields()? {
            Some((net, fields)) => {
                let reach = self.network_reach_m(minutes);
                let j = net.join(at)?;
                let mut set = ServiceSet::EMPTY;
                for (s, f) in Service::ALL.iter().zip(&fields.services) {
                    if f.at(net.graph(), &j).is_some_and(|(d, _)| d <= reach) {
                        set.insert(*s);
                    }
                }
                Ok(set)
            }
            None => self.services_within(at, self.settings.walk.reach_m(minutes)),
        }
    }
}

#[cfg(test)]
mod tests;
