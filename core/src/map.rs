//! The one map of elderly care (养老一张图): what the district platform's map page draws, cut to
//! the area the asking operator or administrator oversees ([`Area`]).
//!
//! Seniors' homes never leave as points: they are counted in square cells of [`CELL_M`] metres,
//! and every position derived from homes (village outlines, holes, today's visits, caregivers'
//! routes) is a cell's centre or corner. Open SOS alerts keep their exact position: the people shown them are the
//! ones who must send help there.

use crate::access::Area;
use crate::args;
use crate::booking::BookingState;
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::division::DivisionLevel;
use crate::error::Result;
use crate::facility::{FacilityKind, Service, ServiceSet};
use crate::person::Actor;
use crate::position::Position;
use crate::route::TravelTimes;
use chrono::{DateTime, NaiveDate, Utc};
use geo::{Centroid, ConvexHull, Contains, LineString, MultiPoint, Point, Polygon};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Side of a home cell, metres.
pub const CELL_M: f64 = 250.0;
/// Metres per degree of latitude on the mean sphere.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapFacility {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub lat: f64,
    pub lon: f64,
    pub services: ServiceSet,
    pub division: String,
    pub capacity: u32,
    pub address: String,
    pub phone: String,
}

/// A village or community of the area, with its seniors (those in the area) and an outline:
/// its imported boundary when the division table has one, else the convex hull of its home
/// cells' corners (never of homes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapDivision {
    pub code: String,
    /// From the division table, or the code if it has no name there.
    pub name: String,
    pub level: Option<DivisionLevel>,
    pub township: String,
    pub township_name: String,
    pub seniors: u32,
    /// [lat, lon] pairs, counter-clockwise (empty for a village with no seniors in the area).
    pub hull: Vec<[f64; 2]>,
    /// The imported boundary, [lat, lon] pairs, WGS-84; empty if none was imported. Drawn
    /// instead of the hull when there is one.
    #[serde(default)]
    pub boundary: Vec<[f64; 2]>,
}

/// A street's or town's imported boundary (townships are outlined only from imports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapOutline {
    pub code: String,
    pub name: String,
    /// [lat, lon] pairs, WGS-84.
    pub outline: Vec<[f64; 2]>,
}

/// A square of [`CELL_M`] metres with seniors' homes in it, at its centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeCell {
    pub lat: f64,
    pub lon: f64,
    pub seniors: u32,
}

/// For one service: the home cells whose centre is beyond the circle's walk of every facility
/// offering it, as indexes into [`OneMap::cells`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceHoles {
    pub service: Service,
    pub cells: Vec<u32>,
    /// Seniors living in those cells.
    pub seniors: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapAlert {
    pub id: String,
    pub senior_id: String,
    pub lat: f64,
    pub lon: f64,
    /// raised or acknowledged.
    pub state: String,
    pub station_id: Option<String>,
    pub raised_at: DateTime<Utc>,
}

/// A visit of today (Shanghai), at its home cell's centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapVisit {
    pub booking_id: String,
    pub service: Service,
    pub state: BookingState,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub caregiver_id: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// Flagged at check-in or check-out and not yet reviewed: staff approve or refuse it.
    #[serde(default)]
    pub to_review: bool,
}

/// One caregiver's day as the map draws it: from their base's cell through the home cell of
/// each visit they have accepted today (in the order they will make them) and back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRoute {
    pub caregiver_id: String,
    pub station_id: String,
    pub mode: crate::route::TravelMode,
    pub visits: u32,
    /// The day's travel between the real places, minutes (the district's travel: streets if loaded).
    pub travel_minutes: f64,
    /// Some visit's time comes from a confirmed route plan.
    pub planned: bool,
    /// [lat, lon], WGS-84: cell centres, joined along the walking network when there is one.
    pub path: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneMap {
    pub area: Area,
    /// The area's name: the station's, or the district's.
    pub area_name: String,
    pub today: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub circle_minutes: f64,
    /// The walk's reach, metres: along the walking network if `network`, else in a straight line.
    pub reach_m: f64,
    /// Holes are judged along the district's walking network (else straight line × detour).
    pub network: bool,
    pub cell_m: f64,
    /// What to frame: the area's home cells (and the district's outline, for the district), or
    /// every facility if it has none.
    pub bounds: Bounds,
    /// The district's outline, [lat, lon] pairs (empty if the division table has none).
    pub outline: Vec<[f64; 2]>,
    /// Every facility of the district: they are public, and people cross area lines for them.
    pub facilities: Vec<MapFacility>,
    /// The area's villages and communities: those its seniors live in, and for the district every
    /// one with an imported boundary.
    pub divisions: Vec<MapDivision>,
    /// The imported boundaries of the area's streets and towns.
    #[serde(default)]
    pub townships: Vec<MapOutline>,
    pub cells: Vec<HomeCell>,
    pub holes: Vec<ServiceHoles>,
    pub alerts: Vec<MapAlert>,
    pub visits: Vec<MapVisit>,
    /// Flagged visits of the last 30 days nobody has reviewed yet, oldest first: the staff's
    /// review queue, which does not empty at midnight.
    #[serde(default)]
    pub reviews: Vec<MapVisit>,
    pub routes: Vec<MapRoute>,
    /// The district's tile source, if it configured one: the page draws it under the layers,
    /// shifting what it draws into the tiles' coordinate system (see `base_map`).
    #[serde(default)]
    pub base_map: Option<crate::base_map::BaseMap>,
}

/// A square grid anchored at 0°, 0°, its columns narrowed for the latitude the area lies at.
struct Grid {
    dlat: f64,
    dlon: f64,
}

impl Grid {
    fn at_latitude(lat: f64) -> Grid {
        let dlat = CELL_M / M_PER_DEG;
        // Whole degrees, so that the same district always gets the same grid.
        Grid { dlat, dlon: dlat / lat.round().to_radians().cos().max(0.05) }
    }
    fn cell(&self, p: Position) -> (i64, i64) {
        ((p.lat / self.dlat).floor() as i64, (p.lon / self.dlon).floor() as i64)
    }
    fn centre(&self, (i, j): (i64, i64)) -> [f64; 2] {
        [(i as f64 + 0.5) * self.dlat, (j as f64 + 0.5) * self.dlon]
    }
    fn corners(&self, (i, j): (i64, i64)) -> [[f64; 2]; 4] {
        let (s, w) = (i as f64 * self.dlat, j as f64 * self.dlon);
        [[s, w], [s + self.dlat, w], [s, w + self.dlon], [s + self.dlat, w + self.dlon]]
    }
}

impl MapDivision {
    /// Its outline as drawn: the imported boundary, else the hull of its home cells.
    fn outline(&self) -> &[[f64; 2]] {
        if self.boundary.is_empty() { &self.hull } else { &self.boundary }
    }
}

impl OneMap {
    /// The village or community of this map that `p` lies in (inside its outline, as drawn);
    /// where outlines overlap, the one whose centre is nearest. None outside every outline.
    pub fn village_at(&self, p: Position) -> Option<&MapDivision> {
        let point = Point::new(p.lon, p.lat);
        self.divisions
            .iter()
            .filter(|d| d.outline().len() >= 3)
            .filter_map(|d| {
                let polygon = Polygon::new(LineString::from(d.outline().iter().map(|[lat, lon]| (*lon, *lat)).collect::<Vec<_>>()), vec![]);
                if !polygon.contains(&point) {
                    return None;
                }
                let centre = polygon.centroid()?;
                Some((Position::new(centre.y(), centre.x()).ok()?.distance_m(p), d))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, d)| d)
    }
}

impl CareCircle {
    /// The village or community of the caller's one map that `p` lies in (what a click on the
    /// map shows): see [`OneMap::village_at`].
    pub fn village_at(&self, actor: &Actor, p: Position) -> Result<Option<MapDivision>> {
        Ok(self.one_map(actor)?.village_at(p).cloned())
    }
}

impl CareCircle {
    /// The one map for `actor`: a station's operator gets their station's seniors, the district's
    /// administrators everyone; anyone else is refused.
    pub fn one_map(&self, actor: &Actor) -> Result<OneMap> {
        let area = Area::of(actor)?;
        let now = self.now();
        let today = shanghai_date(now);
        let seniors: Vec<_> = self.seniors()?.into_iter().filter(|s| area.contains(s)).collect();
        let mut facilities: Vec<MapFacility> = self
            .facilities_changed_since(None, u32::MAX)?
            .into_iter()
            .filter(|f| !f.deleted)
            .map(|f| MapFacility { id: f.id, name: f.name, kind: f.kind, lat: f.position.lat, lon: f.position.lon, services: f.services, division: f.division, capacity: f.capacity, address: f.address, phone: f.phone })
            .collect();
        facilities.sort_by(|a, b| a.id.cmp(&b.id));
        let divisions = self.divisions()?;
        let names: HashMap<&str, (&str, DivisionLevel)> = divisions.iter().map(|d| (d.code.as_str(), (d.name.as_str(), d.level))).collect();
        let outline: Vec<[f64; 2]> = divisions.iter().find(|d| d.level == DivisionLevel::District && !d.outline.is_empty()).map(|d| d.outline.iter().map(|p| [p.lat, p.lon]).collect()).unwrap_or_default();

        // Home cells, and each village's cells.
        let mean_lat = if seniors.is_empty() { facilities.first().map_or(30.0, |f| f.lat) } else { seniors.iter().map(|s| s.home.lat).sum::<f64>() / seniors.len() as f64 };
        let grid = Grid::at_latitude(mean_lat);
        let mut cell_index: HashMap<(i64, i64), usize> = HashMap::new();
        let mut cells: Vec<((i64, i64), u32)> = Vec::new();
        let mut villages: BTreeMap<&str, (u32, Vec<(i64, i64)>)> = BTreeMap::new();
        let mut home_cell: HashMap<&str, usize> = HashMap::with_capacity(seniors.len());
        for s in &seniors {
            let key = grid.cell(s.home);
            let i = *cell_index.entry(key).or_insert_with(|| {
                cells.push((key, 0));
                cells.len() - 1
            });
            cells[i].1 += 1;
            home_cell.insert(s.id.as_str(), i);
            let v = villages.entry(s.division.as_str()).or_default();
            v.0 += 1;
            v.1.push(key);
        }
        let home_cells: Vec<HomeCell> = cells.iter().map(|(key, n)| {
            let [lat, lon] = grid.centre(*key);
            HomeCell { lat, lon, seniors: *n }
        }).collect();

        // Holes: cells whose centre has no facility offering the service within the walk.
        let minutes = self.settings.circle_minutes;
        let network = self.walking_network()?.is_some();
        let reach = if network { self.network_reach_m(minutes) } else { self.settings.walk.reach_m(minutes) };
        let near = home_cells.iter().map(|c| self.services_within_walk(Position::new(c.lat, c.lon)?)).collect::<Result<Vec<_>>>()?;
        let holes = Service::ALL
            .iter()
            .map(|&service| {
                let cells: Vec<u32> = (0..home_cells.len()).filter(|&i| !near[i].contains(service)).map(|i| i as u32).collect();
                let seniors = cells.iter().map(|&i| home_cells[i as usize].seniors).sum();
                ServiceHoles { service, cells, seniors }
            })
            .collect();

        // Outlines: imported boundaries where the division table has them, hulls of home cells
        // for the other villages. The district also sees villages where none of its seniors live.
        let boundary = |code: &str| divisions.iter().find(|d| d.code == code).map(|d| d.outline.iter().map(|p| [p.lat, p.lon]).collect()).unwrap_or_default();
        if area == Area::District {
            for d in divisions.iter().filter(|d| matches!(d.level, DivisionLevel::Community | DivisionLevel::Village) && !d.outline.is_empty()) {
                villages.entry(d.code.as_str()).or_default();
            }
        }
        let map_divisions: Vec<MapDivision> = villages
            .into_iter()
            .map(|(code, (n, keys))| {
                let corners: MultiPoint<f64> = keys.iter().flat_map(|k| grid.corners(*k)).map(|[lat, lon]| Point::new(lon, lat)).collect();
                let hull = if keys.is_empty() { Vec::new() } else { corners.convex_hull().exterior().points().map(|p| [p.y(), p.x()]).collect() };
                let township = crate::circle::township_of(code);
                let (name, level) = names.get(code).map_or((code.to_string(), None), |(n, l)| (n.to_string(), Some(*l)));
                let township_name = names.get(township.as_str()).map_or(township.clone(), |(n, _)| n.to_string());
                MapDivision { code: code.to_string(), name, level, township, township_name, seniors: n, hull, boundary: boundary(code) }
            })
            .collect();
        let townships: Vec<MapOutline> = divisions
            .iter()
            .filter(|d| matches!(d.level, DivisionLevel::Street | DivisionLevel::Town) && !d.outline.is_empty())
            .filter(|d| area == Area::District || map_divisions.iter().any(|v| v.township == d.code))
            .map(|d| MapOutline { code: d.code.clone(), name: d.name.clone(), outline: d.outline.iter().map(|p| [p.lat, p.lon]).collect() })
            .collect();

        // Open alerts: the area's seniors', and any a station was told of.
        let seniors_by_id: HashMap<&str, &crate::person::Senior> = seniors.iter().map(|s| (s.id.as_str(), s)).collect();
        let told: Vec<String> = match &area {
            Area::Station(st) => self.store.read(|sql| sql.query("SELECT alert_id FROM alert_station WHERE station_id = ?1", args![st]))?.iter().map(|r| r.get(0)).collect::<Result<_>>()?,
            Area::Township(code) => self
                .store
                .read(|sql| sql.query("SELECT t.alert_id FROM alert_station t JOIN facility f ON f.id = t.station_id WHERE f.division LIKE ?1", args![format!("{code}%")]))?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<_>>()?,
            Area::District => Vec::new(),
        };
        let alerts = self
            .open_alerts()?
            .into_iter()
            .filter(|a| area == Area::District || seniors_by_id.contains_key(a.senior_id.as_str()) || told.contains(&a.id))
            .map(|a| MapAlert { id: a.id, senior_id: a.senior_id, lat: a.at.lat, lon: a.at.lon, state: a.state, station_id: a.station_id, raised_at: a.raised_at })
            .collect();

        // Today's visits, Shanghai's day.
        let (from, to) = (from_shanghai(today.and_hms_opt(0, 0, 0).expect("midnight")), from_shanghai(today.succ_opt().expect("a next day").and_hms_opt(0, 0, 0).expect("midnight")));
        let rows = self.store.read(|sql| {
            sql.query(
                "SELECT b.id, b.senior_id, b.service, b.start_at, b.end_at, b.state, b.caregiver_id, CASE WHEN v.flagged <> 0 AND v.review IS NULL THEN 1 ELSE 0 END
                 FROM booking b LEFT JOIN visit v ON v.booking_id = b.id WHERE b.start_at >= ?1 AND b.start_at < ?2 ORDER BY b.start_at, b.id",
                args![crate::store::ts(from), crate::store::ts(to)],
            )
        })?;
        let since = from - chrono::Duration::days(30);
        let review_rows = self.store.read(|sql| {
            sql.query(
                "SELECT b.id, b.senior_id, b.service, b.start_at, b.end_at, b.state, b.caregiver_id, 1
                 FROM booking b JOIN visit v ON v.booking_id = b.id
                 WHERE v.flagged <> 0 AND v.review IS NULL AND b.state = 'completed' AND b.start_at >= ?1 ORDER BY b.start_at, b.id",
                args![crate::store::ts(since)],
            )
        })?;
        let mut visits = Vec::new();
        let mut reviews = Vec::new();
        for (r, today_list) in rows.iter().map(|r| (r, true)).chain(review_rows.iter().map(|r| (r, false))) {
            let senior: String = r.get(1)?;
            let Some(&cell) = home_cell.get(senior.as_str()) else { continue };
            let c = &home_cells[cell];
            let list = if today_list { &mut visits } else { &mut reviews };
            list.push(MapVisit {
                booking_id: r.get(0)?,
                service: r.get::<String>(2)?.parse()?,
                start: r.get(3)?,
                end: r.get(4)?,
                state: BookingState::parse(&r.get::<String>(5)?)?,
                caregiver_id: r.get(6)?,
                lat: c.lat,
                lon: c.lon,
                to_review: r.get::<i64>(7)? != 0,
            });
        }

        let routes = self.map_routes(&area, today, &grid, &home_cell, &home_cells)?;

        let mut framed: Vec<[f64; 2]> = if home_cells.is_empty() { facilities.iter().map(|f| [f.lat, f.lon]).collect() } else { cells.iter().flat_map(|(k, _)| grid.corners(*k)).collect() };
        if area == Area::District {
            // The whole district, port and hills included, not only where seniors live.
            framed.extend(outline.iter().copied());
        }
        if framed.is_empty() {
            framed.push([0.0, 0.0]);
        }
        let bounds = Bounds {
            south: framed.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min),
            west: framed.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min),
            north: framed.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max),
            east: framed.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max),
        };
        let area_name = match &area {
            Area::District => divisions.iter().find(|d| d.level == DivisionLevel::District).map_or_else(|| "district".to_string(), |d| d.name.clone()),
            Area::Station(st) => self.facility(st).map(|f| f.name).unwrap_or_else(|_| st.clone()),
            Area::Township(code) => divisions.iter().find(|d| d.code.starts_with(code.as_str()) && matches!(d.level, DivisionLevel::Street | DivisionLevel::Town)).map_or_else(|| code.clone(), |d| d.name.clone()),
        };
        Ok(OneMap {
            area,
            area_name,
            today,
            generated_at: now,
            circle_minutes: minutes,
            reach_m: reach,
            network,
            cell_m: CELL_M,
            bounds,
            outline,
            facilities,
            divisions: map_divisions,
            townships,
            cells: home_cells,
            holes,
            alerts,
            visits,
            reviews,
            routes,
            base_map: self.base_map()?,
        })
    }

    /// Today's route of every caregiver of the area's stations, through the area's home cells
    /// only (a visit to another station's senior is left out of the line, not shown).
    fn map_routes(&self, area: &Area, today: NaiveDate, grid: &Grid, home_cell: &HashMap<&str, usize>, home_cells: &[HomeCell]) -> Result<Vec<MapRoute>> {
        let stations: Vec<String> = match area {
            Area::Station(st) => vec![st.clone()],
            Area::Township(code) => self
                .store
                .read(|sql| sql.query("SELECT id FROM facility WHERE division LIKE ?1 AND deleted = 0 ORDER BY id", args![format!("{code}%")]))?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<_>>()?,
            Area::District => {
                let mut ids: Vec<String> = self.caregivers().slots.iter().flatten().filter_map(|c| c.station_id.clone()).collect();
                ids.sort();
                ids.dedup();
                ids
            }
        };
        let settings = self.route_settings()?;
        let travel = self.route_travel(&settings)?;
        let network = self.walking_network()?;
        let snap = |p: Position| grid.centre(grid.cell(p));
        let mut out = Vec::new();
        for st in &stations {
            for day in self.station_day(&Actor::System, st, today)? {
                let stops: Vec<_> = day.stops.iter().filter(|s| s.status == "accepted" && home_cell.contains_key(s.booking.senior_id.as_str())).collect();
                if stops.is_empty() {
                    continue;
                }
                let base = self.caregiver(&day.caregiver_id)?.base;
                let homes: Vec<Position> = stops.iter().map(|s| self.senior(&s.booking.senior_id).map(|x| x.home)).collect::<Result<_>>()?;
                let mut real = vec![base];
                real.extend(&homes);
                real.push(base);
                let travel_minutes = real.windows(2).map(|w| travel.leg_seconds(w[0], w[1], day.mode)).sum::<f64>() / 60.0;
                let mut corners = vec![snap(base)];
                corners.extend(stops.iter().map(|s| {
                    let c = &home_cells[home_cell[s.booking.senior_id.as_str()]];
                    [c.lat, c.lon]
                }));
                corners.push(snap(base));
                let mut path: Vec<[f64; 2]> = vec![corners[0]];
                for w in corners.windows(2) {
                    let walked = network.as_ref().and_then(|n| n.route(Position::new(w[0][0], w[0][1]).ok()?, Position::new(w[1][0], w[1][1]).ok()?).ok());
                    match walked {
                        Some((_, way, _, _)) => path.extend(way.into_iter().skip(1)),
                        None => path.push(w[1]),
                    }
                }
                path.dedup();
                out.push(MapRoute {
                    caregiver_id: day.caregiver_id.clone(),
                    station_id: st.clone(),
                    mode: day.mode,
                    visits: stops.len() as u32,
                    travel_minutes,
                    planned: stops.iter().any(|s| s.planned),
                    path,
                });
            }
        }
        Ok(out)
    }
}
