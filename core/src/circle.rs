//! The 15-minute elderly service circle (15分钟养老服务圈): what a home can reach on foot,
//! and, over many homes, where the district's circle has holes.

use crate::carecircle::CareCircle;
use crate::catalogue::{Nearby, NearbyQuery};
use crate::error::{Error, Result, RowProblem};
use crate::facility::{FacilityKind, Service, ServiceSet, check_id};
use crate::position::{Crs, Position};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Reach of one kind or service from a home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    /// A kind or service code.
    pub code: String,
    pub covered: bool,
    /// The nearest such facility anywhere (none if the catalogue has none).
    pub nearest: Option<Nearby>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleReport {
    pub lat: f64,
    pub lon: f64,
    pub minutes: f64,
    /// Reach of the walk, metres: along the walking network if `network`, else in a straight line.
    pub reach_m: f64,
    /// Judged along the district's walking network (else straight line × detour factor).
    pub network: bool,
    pub kinds: Vec<Reach>,
    pub services: Vec<Reach>,
}

impl CircleReport {
    pub fn missing_kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().filter(|r| !r.covered).map(|r| r.code.as_str())
    }
}

/// A home to check, in WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Home {
    pub id: String,
    pub position: Position,
    /// Its village or community division code; may be empty.
    pub division: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub code: String,
    pub covered: u32,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivisionCoverage {
    pub division: String,
    pub homes: u32,
    pub kinds: Vec<Share>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncoveredHome {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub division: String,
    /// Required kinds out of reach.
    pub missing: Vec<FacilityKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub homes: u32,
    pub minutes: f64,
    /// Judged along the district's walking network (else straight line × detour factor).
    pub network: bool,
    pub required: Vec<FacilityKind>,
    pub kinds: Vec<Share>,
    pub services: Vec<Share>,
    /// Per village or community (the homes' own codes).
    pub divisions: Vec<DivisionCoverage>,
    /// Per township or street: the first 9 digits of a 12-digit code, padded with 000.
    pub townships: Vec<DivisionCoverage>,
    /// Homes missing at least one required kind.
    pub uncovered: Vec<UncoveredHome>,
}

/// Kinds a home needs within the circle unless the caller says otherwise:
/// a care station and a canteen (the seeds' meal-help network).
pub const DEFAULT_REQUIRED: &[FacilityKind] = &[FacilityKind::CommunityStation, FacilityKind::Canteen];

impl CareCircle {
    /// Which kinds and services lie within the circle of one home, with the nearest of each.
    pub fn circle(&self, home: Position) -> Result<CircleReport> {
        if let Some(report) = self.circle_on_network(home)? {
            return Ok(report);
        }
        let minutes = self.settings.circle_minutes;
        let reach = |q: NearbyQuery, code: &str| -> Result<Reach> {
            let nearest = self.nearest_by_air(&q.k(1))?.into_iter().next();
            Ok(Reach { code: code.to_string(), covered: nearest.as_ref().is_some_and(|n| n.walk_minutes.is_some_and(|m| m <= minutes)), nearest })
        };
        let kinds = FacilityKind::ALL.iter().map(|k| reach(NearbyQuery::new(home).kinds([*k]), k.code())).collect::<Result<_>>()?;
        let services = Service::ALL
            .iter()
            .map(|s| {
                let mut q = NearbyQuery::new(home);
                q.services = ServiceSet::from_iter([*s]);
                reach(q, s.code())
            })
            .collect::<Result<_>>()?;
        Ok(CircleReport { lat: home.lat, lon: home.lon, minutes, reach_m: self.settings.walk.reach_m(minutes), network: false, kinds, services })
    }

    /// The circle along the walking network: each kind's and service's nearest facility on
    /// foot, read from the coverage fields. `None` without a network.
    fn circle_on_network(&self, home: Position) -> Result<Option<CircleReport>> {
        let minutes = self.settings.circle_minutes;
        for _ in 0..3 {
            let Some((net, fields)) = self.walk_fields()? else { return Ok(None) };
            let table = self.facilities();
            if table.generation != fields.facilities {
                continue; // facilities changed meanwhile: compute the fields again
            }
            let j = net.join(home)?;
            let walk = &self.settings.walk;
            let reach = |field: &crate::network::Field, slots: &[u32], code: &str, by_air: NearbyQuery| -> Result<Reach> {
                match field.at(net.graph(), &j) {
                    Some((m, source)) => {
                        let s = table.slot(slots[source as usize]);
                        let nearest = Nearby {
                            id: s.id.clone(),
                            name: s.name.clone(),
                            kind: s.kind,
                            lat: s.position.lat,
                            lon: s.position.lon,
                            distance_m: home.distance_m(s.position),
                            walk_m: Some(m),
                            walk_minutes: Some(walk.minutes_on_network(m)),
                        };
                        Ok(Reach { code: code.to_string(), covered: walk.minutes_on_network(m) <= minutes, nearest: Some(nearest) })
                    }
                    // No path to any: name the nearest by air, with no walk.
                    None => {
                        let nearest = table.query(&by_air.k(1), true, None)?.into_iter().next().map(|h| {
                            let s = table.slot(h.slot);
                            Nearby { id: s.id.clone(), name: s.name.clone(), kind: s.kind, lat: s.position.lat, lon: s.position.lon, distance_m: home.distance_m(s.position), walk_m: None, walk_minutes: None }
                        });
                        Ok(Reach { code: code.to_string(), covered: false, nearest })
                    }
                }
            };
            let n_kinds = FacilityKind::ALL.len();
            let kinds = FacilityKind::ALL
                .iter()
                .enumerate()
                .map(|(i, k)| reach(&fields.kinds[i], &fields.slots[i], k.code(), NearbyQuery::new(home).kinds([*k])))
                .collect::<Result<_>>()?;
            let services = Service::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut q = NearbyQuery::new(home);
                    q.services = ServiceSet::from_iter([*s]);
                    reach(&fields.services[i], &fields.slots[n_kinds + i], s.code(), q)
                })
                .collect::<Result<_>>()?;
            return Ok(Some(CircleReport { lat: home.lat, lon: home.lon, minutes, reach_m: self.network_reach_m(minutes), network: true, kinds, services }));
        }
        Err(crate::error::Error::Database("facilities kept changing while the circle was judged; try again".into()))
    }

    /// Which kinds and services are within the circle of `home`, along the network (`None`
    /// without one): the coverage fields read at the home's join point.
    pub(crate) fn covered_on_network(&self, home: Position) -> Result<Option<(Vec<bool>, Vec<bool>)>> {
        let Some((net, fields)) = self.walk_fields()? else { return Ok(None) };
        let reach = self.network_reach_m(self.settings.circle_minutes);
        let j = net.join(home)?;
        let within = |f: &crate::network::Field| f.at(net.graph(), &j).is_some_and(|(m, _)| m <= reach);
        Ok(Some((fields.kinds.iter().map(within).collect(), fields.services.iter().map(within).collect())))
    }

    /// Coverage of many homes: shares per kind, service and division, and the homes with holes.
    pub fn coverage(&self, homes: &[Home], required: &[FacilityKind]) -> Result<CoverageReport> {
        let n_kinds = FacilityKind::ALL.len();
        let mut kind_hits = vec![0u32; n_kinds];
        let mut service_hits = vec![0u32; Service::ALL.len()];
        let mut divisions: BTreeMap<String, (u32, Vec<u32>)> = BTreeMap::new();
        let mut townships: BTreeMap<String, (u32, Vec<u32>)> = BTreeMap::new();
        let mut uncovered = Vec::new();
        let network = self.walking_network()?.is_some();
        for home in homes {
            let (covered, services) = match self.covered_on_network(home.position)? {
                Some(c) => c,
                None => {
                    let report = self.circle(home.position)?;
                    (report.kinds.iter().map(|r| r.covered).collect(), report.services.iter().map(|r| r.covered).collect())
                }
            };
            for (i, c) in services.iter().enumerate() {
                service_hits[i] += u32::from(*c);
            }
            let township = township_of(&home.division);
            for (key, map) in [(home.division.clone(), &mut divisions), (township, &mut townships)] {
                let entry = map.entry(key).or_insert_with(|| (0, vec![0; n_kinds]));
                entry.0 += 1;
                for (i, c) in covered.iter().enumerate() {
                    entry.1[i] += u32::from(*c);
                }
            }
            for (i, c) in covered.iter().enumerate() {
                kind_hits[i] += u32::from(*c);
            }
            let missing: Vec<FacilityKind> = required.iter().copied().filter(|k| !covered[k.index()]).collect();
            if !missing.is_empty() {
                uncovered.push(UncoveredHome { id: home.id.clone(), lat: home.position.lat, lon: home.position.lon, division: home.division.clone(), missing });
            }
        }
        let total = homes.len() as u32;
        let shares = |hits: &[u32], codes: Vec<&str>, of: u32| -> Vec<Share> {
            codes
                .into_iter()
                .zip(hits)
                .map(|(code, &covered)| Share { code: code.into(), covered, share: if of == 0 { 0.0 } else { f64::from(covered) / f64::from(of) } })
                .collect()
        };
        let kind_codes = || FacilityKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>();
        let per_division = |map: BTreeMap<String, (u32, Vec<u32>)>| -> Vec<DivisionCoverage> {
            map.into_iter().map(|(division, (homes, hits))| DivisionCoverage { kinds: shares(&hits, kind_codes(), homes), division, homes }).collect()
        };
        Ok(CoverageReport {
            homes: total,
            minutes: self.settings.circle_minutes,
            network,
            required: required.to_vec(),
            kinds: shares(&kind_hits, kind_codes(), total),
            services: shares(&service_hits, Service::ALL.iter().map(|s| s.code()).collect(), total),
            divisions: per_division(divisions),
            townships: per_division(townships),
            uncovered,
        })
    }
}

/// The township or street a village or community belongs to: 330211003012 -> 330211003000.
pub fn township_of(division: &str) -> String {
    if division.len() == 12 { format!("{}000", &division[..9]) } else { division.to_string() }
}

/// Reads homes from CSV: a header with `lat,lon` and `id` (or `senior_id`), optionally `division`.
/// `# coordinate_system: gcj02` on a leading comment line declares the system, as for facilities.
pub fn parse_homes_csv(text: &str, crs: Option<Crs>) -> Result<Vec<Home>> {
    let declared = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches('#').split_once([':', '=']))
        .find(|(k, _)| k.trim() == "coordinate_system")
        .map(|(_, v)| v.trim().parse::<Crs>())
        .transpose()?;
    let crs = match (crs, declared) {
        (Some(a), Some(b)) if a != b => return Err(Error::invalid("coordinate system", format!("the file declares {b} but {a} was asked for"))),
        (a, b) => a.or(b).unwrap_or_default(),
    };
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::invalid("homes file", format!("header row unreadable: {e}")))?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let (Some(id), Some(lat), Some(lon)) = (col(&["id", "senior_id", "home_id"]), col(&["lat"]), col(&["lon"])) else {
        return Err(Error::invalid("homes file", "header row needs id, lat and lon columns"));
    };
    let division = col(&["division"]);
    let mut homes = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(RowProblem { location: format!("line {}", e.position().map_or(0, |p| p.line())), problem: format!("unreadable row: {e}") });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let mut bad = Vec::new();
        check_id(field(id), &mut bad);
        let number = |i: usize| field(i).parse::<f64>().unwrap_or(f64::NAN);
        match Position::from_crs(number(lat), number(lon), crs) {
            Ok(position) if bad.is_empty() => {
                homes.push(Home { id: field(id).to_string(), position, division: division.map(field).unwrap_or("").to_string() })
            }
            Ok(_) => {}
            Err(e) => bad.push(e.to_string()),
        }
        if !bad.is_empty() {
            problems.push(RowProblem { location: format!("line {line}"), problem: bad.join("; ") });
        }
    }
    if problems.is_empty() { Ok(homes) } else { Err(Error::ImportRejected { problems }) }
}
