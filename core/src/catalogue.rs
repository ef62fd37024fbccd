//! The facility catalogue: facilities in SQLite, mirrored in memory by a spatial index
//! that is bulk-loaded on open and kept current on every change; and the nearest and
//! within-radius queries phones ask of it.

use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::facility::{Facility, FacilityKind, ServiceSet};
use crate::hours::WeeklyHours;
use crate::position::{Position, chord2_for_distance};
use crate::spatial::{Hit, SphereIndex};
use chrono::{DateTime, Utc};
use crate::args;
use crate::db::{Row, Sql, SqlExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_K: u32 = 1000;
/// Half the Earth's circumference: every point is within this distance.
pub const MAX_RADIUS_M: f64 = 20_015_087.0;

/// What a nearest or within query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyQuery {
    /// Where the person is, already converted to WGS-84 (see [`Position::from_crs`]).
    pub at: Position,
    /// Kinds to consider; empty means all.
    pub kinds: Vec<FacilityKind>,
    /// Services a facility must offer, all of them.
    pub services: ServiceSet,
    /// Only facilities open at this instant (read in Asia/Shanghai).
    pub open_at: Option<DateTime<Utc>>,
    /// How many results at most (nearest only).
    pub k: u32,
    /// Only facilities at most this far, in metres on the sphere.
    pub radius_m: Option<f64>,
}

impl NearbyQuery {
    pub fn new(at: Position) -> Self {
        NearbyQuery { at, kinds: Vec::new(), services: ServiceSet::EMPTY, open_at: None, k: 5, radius_m: None }
    }
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = FacilityKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }
    pub fn k(mut self, k: u32) -> Self {
        self.k = k;
        self
    }
    pub fn radius_m(mut self, r: f64) -> Self {
        self.radius_m = Some(r);
        self
    }

    fn max_chord2(&self) -> Result<f64> {
        match self.radius_m {
            None => Ok(4.0),
            Some(r) if r.is_finite() && r >= 0.0 && r <= MAX_RADIUS_M => Ok(chord2_for_distance(r) * (1.0 + 1e-9) + 1e-15),
            Some(_) => Err(Error::invalid("radius", format!("must be a number of metres between 0 and {MAX_RADIUS_M}"))),
        }
    }
}

/// One facility found near a position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearby {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub lat: f64,
    pub lon: f64,
    /// Great-circle distance, metres.
    pub distance_m: f64,
    /// Walking metres along the district's walking network; `None` without a network, or
    /// where no path reaches the facility.
    pub walk_m: Option<f64>,
    /// Along the network if there is one (`None`: no path), else straight line × detour factor.
    pub walk_minutes: Option<f64>,
}

/// What the index needs of a facility, held in memory.
pub(crate) struct Slot {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub position: Position,
    pub xyz: [f64; 3],
    pub services: ServiceSet,
    pub hours: WeeklyHours,
}

/// Live (not deleted) facilities, by slot, with their spatial index.
pub(crate) struct FacilityTable {
    index: SphereIndex,
    slots: Vec<Option<Slot>>,
    by_id: HashMap<String, u32>,
    free: Vec<u32>,
    /// Changes with every load and change, so that derived data (walking coverage) knows it is stale.
    pub(crate) generation: u64,
}

impl FacilityTable {
    pub fn load(sql: &dyn Sql) -> Result<Self> {
        // Districts repeat a few opening-hours and service strings; parse each once.
        let mut parsed = ParseCache::default();
        let slots: Vec<Option<Slot>> = sql
            .query("SELECT id, name, kind, lat, lon, services, hours FROM facility WHERE deleted = 0", &[])?
            .iter()
            .map(|row| slot_from_row(row, &mut parsed).map(Some))
            .collect::<Result<_>>()?;
        let index = SphereIndex::bulk_load(
            FacilityKind::ALL.len(),
            slots.iter().enumerate().map(|(i, s)| {
                let s = s.as_ref().expect("just loaded");
                (s.kind.index(), s.xyz, i as u32)
            }),
        );
        let by_id = slots.iter().enumerate().map(|(i, s)| (s.as_ref().expect("just loaded").id.clone(), i as u32)).collect();
        Ok(FacilityTable { index, slots, by_id, free: Vec::new(), generation: crate::network::next_generation() })
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn index_heap_bytes(&self) -> usize {
        self.index.heap_bytes()
    }

    fn put(&mut self, f: &Facility) {
        self.remove(&f.id);
        self.generation = crate::network::next_generation();
        if f.deleted {
            return;
        }
        let slot = Slot {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: f.kind,
            position: f.position,
            xyz: f.position.unit_vector(),
            services: f.services,
            hours: f.hours.clone(),
        };
        let i = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(slot.kind.index(), slot.xyz, i);
        self.by_id.insert(slot.id.clone(), i);
        self.slots[i as usize] = Some(slot);
    }

    fn remove(&mut self, id: &str) {
        if let Some(i) = self.by_id.remove(id) {
            self.generation = crate::network::next_generation();
            if let Some(old) = self.slots[i as usize].take() {
                self.index.remove(old.kind.index(), old.xyz, i);
            }
            self.free.push(i);
        }
    }

    /// Slots of every live facility, in slot order.
    pub(crate) fn live_slots(&self) -> Vec<u32> {
        (0..self.slots.len() as u32).filter(|&i| self.slots[i as usize].is_some()).collect()
    }

    pub(crate) fn slot(&self, i: u32) -> &Slot {
        self.slots[i as usize].as_ref().expect("index points at live slots")
    }

    /// The raw query: hits nearest first, unfiltered by distance beyond the radius.
    pub(crate) fn query(&self, q: &NearbyQuery, nearest: bool, extra: Option<&dyn Fn(&Slot) -> bool>) -> Result<Vec<Hit>> {
        let max_chord2 = q.max_chord2()?;
        // Each kind once, even if the caller named it twice.
        let partitions: Vec<usize> =
            FacilityKind::ALL.iter().filter(|k| q.kinds.is_empty() || q.kinds.contains(k)).map(|k| k.index()).collect();
        let accept = |i: u32| {
            let s = self.slot(i);
            s.services.contains_all(q.services) && q.open_at.is_none_or(|t| s.hours.is_open_at(t)) && extra.is_none_or(|f| f(s))
        };
        // Without filters the walk never needs to read a slot.
        let unfiltered = q.services.is_empty() && q.open_at.is_none() && extra.is_none();
        let xyz = q.at.unit_vector();
        Ok(if nearest {
            if q.k == 0 || q.k > MAX_K {
                return Err(Error::invalid("k", format!("must be between 1 and {MAX_K}")));
            }
            if unfiltered { self.index.nearest(&partitions, xyz, q.k as usize, max_chord2, |_| true) } else { self.index.nearest(&partitions, xyz, q.k as usize, max_chord2, accept) }
        } else {
            if unfiltered { self.index.within(&partitions, xyz, max_chord2, |_| true) } else { self.index.within(&partitions, xyz, max_chord2, accept) }
        })
    }

    fn to_nearby(&self, q: &NearbyQuery, hits: Vec<Hit>, walk: &crate::walk::WalkModel, network: Option<&crate::network::Network>) -> Result<Vec<Nearby>> {
        let mut out: Vec<Nearby> = hits
            .into_iter()
            .map(|h| {
                let s = self.slot(h.slot);
                let distance_m = q.at.distance_m(s.position);
                Nearby {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    kind: s.kind,
                    lat: s.position.lat,
                    lon: s.position.lon,
                    distance_m,
                    walk_m: None,
                    walk_minutes: Some(walk.minutes(distance_m)),
                }
            })
            .filter(|n| q.radius_m.is_none_or(|r| n.distance_m <= r))
            .collect();
        out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then_with(|| a.id.cmp(&b.id)));
        if let Some(net) = network {
            // One search from the person to all the answers.
            let to: Vec<Position> = out.iter().map(|n| Position { lat: n.lat, lon: n.lon }).collect();
            for (n, m) in out.iter_mut().zip(net.distances_from(q.at, &to)?) {
                n.walk_m = m;
                n.walk_minutes = m.map(|m| walk.minutes_on_network(m));
            }
        }
        Ok(out)
    }
}

#[derive(Default)]
struct ParseCache {
    hours: HashMap<String, WeeklyHours>,
    services: HashMap<String, ServiceSet>,
}

fn slot_from_row(row: &Row, cache: &mut ParseCache) -> Result<Slot> {
    let id: String = row.get(0)?;
    let kind: String = row.get(2)?;
    let position = Position::new(row.get(3)?, row.get(4)?)?;
    let services: String = row.get(5)?;
    let hours: String = row.get(6)?;
    let services = match cache.services.get(&services) {
        Some(s) => *s,
        None => *cache.services.entry(services.clone()).or_insert(ServiceSet::parse_list(&services)?),
    };
    let hours = match cache.hours.get(&hours) {
        Some(h) => h.clone(),
        None => cache.hours.entry(hours.clone()).or_insert(WeeklyHours::parse(&hours)?).clone(),
    };
    Ok(Slot { name: row.get(1)?, kind: kind.parse()?, xyz: position.unit_vector(), position, services, hours, id })
}

const FACILITY_COLUMNS: &str = "id, name, kind, lat, lon, address, phone, hours, services, capacity, division, updated_at, deleted";

fn facility_from_row(row: &Row) -> Result<Facility> {
    let kind: String = row.get(2)?;
    let hours: String = row.get(7)?;
    let services: String = row.get(8)?;
    let updated_at: String = row.get(11)?;
    Ok(Facility {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: kind.parse()?,
        position: Position::new(row.get(3)?, row.get(4)?)?,
        address: row.get(5)?,
        phone: row.get(6)?,
        hours: WeeklyHours::parse(&hours)?,
        services: ServiceSet::parse_list(&services)?,
        capacity: row.get(9)?,
        division: row.get(10)?,
        updated_at: crate::store::parse_ts(&updated_at)?,
        deleted: row.get(12)?,
    })
}

pub(crate) fn write_facility(sql: &dyn Sql, f: &Facility) -> Result<()> {
    let services: Vec<&str> = f.services.iter().map(|s| s.code()).collect();
    sql.execute(&format!(
        "INSERT INTO facility ({FACILITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, lat = excluded.lat, lon = excluded.lon,
           address = excluded.address, phone = excluded.phone, hours = excluded.hours, services = excluded.services,
           capacity = excluded.capacity, division = excluded.division, updated_at = excluded.updated_at, deleted = excluded.deleted"
    ),
    args![
        f.id,
        f.name,
        f.kind.code(),
        f.position.lat,
        f.position.lon,
        f.address,
        f.phone,
        f.hours.to_string(),
        services.join(","),
        f.capacity,
        f.division,
        f.updated_at,
        f.deleted
    ])?;
    Ok(())
}

/// What a batch write changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReport {
    pub inserted: u32,
    pub updated: u32,
}

impl CareCircle {
    /// The k nearest facilities matching the query, nearest first (on the sphere), with the
    /// walk to each along the walking network if the district has one.
    pub fn nearest(&self, q: &NearbyQuery) -> Result<Vec<Nearby>> {
        let net = self.walking_network()?;
        let table = self.facilities();
        let hits = table.query(q, true, None)?;
        table.to_nearby(q, hits, &self.settings.walk, net.as_deref())
    }

    /// As [`CareCircle::nearest`], without walking (bulk work that needs only which facility).
    pub(crate) fn nearest_by_air(&self, q: &NearbyQuery) -> Result<Vec<Nearby>> {
        self.refresh_indexes_if_due();
        let table = self.facilities();
        let hits = table.query(q, true, None)?;
        table.to_nearby(q, hits, &self.settings.walk, None)
    }

    /// As [`CareCircle::nearest`], among the facilities `ids` admits (a rental point with a
    /// device free, a station not yet alerted).
    pub(crate) fn nearest_where(&self, q: &NearbyQuery, admit: &dyn Fn(&str) -> bool) -> Result<Vec<Nearby>> {
        let net = self.walking_network()?;
        let table = self.facilities();
        let hits = table.query(q, true, Some(&|s: &Slot| admit(&s.id)))?;
        table.to_nearby(q, hits, &self.settings.walk, net.as_deref())
    }

    /// Every facility matching the query within its radius, nearest first.
    pub fn within(&self, q: &NearbyQuery) -> Result<Vec<Nearby>> {
        if q.radius_m.is_none() {
            return Err(Error::invalid("radius", "a radius in metres is required"));
        }
        let net = self.walking_network()?;
        let table = self.facilities();
        let hits = table.query(q, false, None)?;
        table.to_nearby(q, hits, &self.settings.walk, net.as_deref())
    }

    /// The services some facility within `radius_m` of `at` offers: one walk of the index where
    /// asking per service would take ten (the circle's statistics and map ask it per home).
    pub fn services_within(&self, at: Position, radius_m: f64) -> Result<ServiceSet> {
        self.refresh_indexes_if_due();
        let q = NearbyQuery::new(at).radius_m(radius_m);
        let table = self.facilities();
        let mut bits = 0;
        for h in table.query(&q, false, None)? {
            let s = table.slot(h.slot);
            // The same metric check as the answers of `within` and `nearest`.
            if at.distance_m(s.position) <= radius_m {
                bits |= s.services.bits();
            }
        }
        Ok(ServiceSet::from_bits(bits))
    }

    pub fn facility(&self, id: &str) -> Result<Facility> {
        self.store.read(|sql| facility_in(sql, id))
    }

    /// Facilities changed after `since` (tombstones included), oldest change first: what sync sends.
    pub fn facilities_changed_since(&self, since: Option<DateTime<Utc>>, limit: u32) -> Result<Vec<Facility>> {
        let since = since.map(crate::store::ts).unwrap_or_default();
        let rows = self.store.read(|sql| sql.query(&format!("SELECT {FACILITY_COLUMNS} FROM facility WHERE updated_at > ?1 ORDER BY updated_at, id LIMIT ?2"), args![since, limit]))?;
        rows.iter().map(facility_from_row).collect()
    }

    pub fn facility_count(&self) -> usize {
        self.facilities().len()
    }

    /// Bytes the spatial index holds, for the benchmark's memory figure.
    pub fn facility_index_bytes(&self) -> usize {
        self.facilities().index_heap_bytes()
    }

    /// Adds or replaces facilities in one transaction; the index follows only after commit.
    /// A facility with `deleted` set is stored as a tombstone and leaves the index.
    pub fn put_facilities(&self, facilities: &[Facility]) -> Result<BatchReport> {
        for f in facilities {
            f.validate()?;
        }
        let report = self.store.write(|tx| {
            let mut report = BatchReport::default();
            for f in facilities {
                if tx.exists("SELECT 1 FROM facility WHERE id = ?1", args![f.id])? {
                    report.updated += 1;
                } else {
                    report.inserted += 1;
                }
                write_facility(tx, f)?;
            }
            crate::sync::log_changes(self, tx, facilities.iter().map(|f| crate::sync::Change::facility(&f.id)).collect())?;
            Ok((report, crate::freshness::bump(tx, crate::freshness::FACILITIES)?))
        })?;
        let (report, version) = report;
        // Large batches rebuild the index by bulk load, which gives a better tree than inserts.
        if facilities.len() > 1000 {
            let fresh = self.store.read(FacilityTable::load)?;
            *self.facilities_mut() = fresh;
        } else {
            let mut table = self.facilities_mut();
            for f in facilities {
                table.put(f);
            }
        }
        self.freshness.applied(crate::freshness::FACILITIES, version);
        Ok(report)
    }

    /// Marks a facility deleted (a tombstone that sync passes on) and drops it from the index.
    pub fn delete_facility(&self, id: &str) -> Result<()> {
        let mut f = self.facility(id)?;
        f.deleted = true;
        f.updated_at = self.now();
        self.put_facilities(&[f])?;
        Ok(())
    }
}

pub(crate) fn facility_in(sql: &dyn Sql, id: &str) -> Result<Facility> {
    let row = sql.one(&format!("SELECT {FACILITY_COLUMNS} FROM facility WHERE id = ?1"), args![id])?;
    facility_from_row(&row.ok_or_else(|| Error::not_found("facility", crate::facility::truncate(id, 64)))?)
}
