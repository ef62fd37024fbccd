//! Administrative divisions (行政区划): the district, its streets and towns, and their villages
//! and communities, with names, centres and (for the district) an outline to draw maps with.
//! Facilities and seniors carry 12-digit division codes; this table gives those codes names.

use crate::args;
use crate::carecircle::CareCircle;
use crate::error::{Error, Result, RowProblem};
use crate::facility::{MAX_TEXT_LEN, codes, is_division_code, truncate};
use crate::position::{Crs, Position};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    /// 区/县
    District,
    /// 街道
    Street,
    /// 镇/乡
    Town,
    /// 社区
    Community,
    /// 村
    Village,
}

codes!(DivisionLevel, "division level", District = "district", Street = "street", Town = "town", Community = "community", Village = "village");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Division {
    /// 12-digit code (统计用区划代码).
    pub code: String,
    pub name: String,
    pub level: DivisionLevel,
    /// The enclosing division's code; empty for the top.
    pub parent: String,
    /// Where its centre (or its care station) is, WGS-84.
    pub centre: Option<Position>,
    /// A ring drawn as its outline, WGS-84; empty if none is known.
    pub outline: Vec<Position>,
}

/// At most this many outline points per division.
const MAX_OUTLINE: usize = 10_000;

impl CareCircle {
    /// Imports divisions from GeoJSON in WGS-84 (or the system the file declares); see
    /// [`CareCircle::import_divisions`].
    pub fn import_divisions_geojson(&self, text: &str) -> Result<usize> {
        self.import_divisions(text, None).map(|(inserted, updated)| (inserted + updated) as usize)
    }

    /// Imports divisions from GeoJSON: features with `code`, `name`, `level` and optionally
    /// `parent` properties, and a Point (centre), Polygon or MultiPolygon (outline: the outer
    /// ring, of the largest polygon for a MultiPolygon; its centre is the ring's mean)
    /// geometry. Coordinates are in `crs`, or the file's `"coordinate_system"`, else WGS-84, and
    /// are stored in WGS-84. The whole file or nothing: every bad feature is named (0-based, as
    /// in facility files). Re-importing a code replaces it. Returns (inserted, updated).
    pub fn import_divisions(&self, text: &str, crs: Option<Crs>) -> Result<(u32, u32)> {
        let divisions = parse_divisions_geojson(text, crs)?;
        let known: std::collections::HashSet<String> = self.divisions()?.into_iter().map(|d| d.code).collect();
        let updated = divisions.iter().filter(|d| known.contains(&d.code)).count() as u32;
        self.store.write(|sql| {
            for d in &divisions {
                let outline = serde_json::to_string(&d.outline.iter().map(|p| [p.lat, p.lon]).collect::<Vec<_>>()).expect("numbers serialise");
                sql.execute(
                    "INSERT INTO division (code, name, level, parent, lat, lon, outline) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent,
                     lat = excluded.lat, lon = excluded.lon, outline = excluded.outline",
                    args![d.code, d.name, d.level.code(), d.parent, d.centre.map(|p| p.lat), d.centre.map(|p| p.lon), outline],
                )?;
            }
            Ok(())
        })?;
        Ok((divisions.len() as u32 - updated, updated))
    }

    /// Every known division, by code.
    pub fn divisions(&self) -> Result<Vec<Division>> {
        let rows = self.store.read(|sql| sql.query("SELECT code, name, level, parent, lat, lon, outline FROM division ORDER BY code", &[]))?;
        rows.iter()
            .map(|r| {
                let (lat, lon): (Option<f64>, Option<f64>) = (r.get(4)?, r.get(5)?);
                let outline: Vec<[f64; 2]> = serde_json::from_str(&r.get::<String>(6)?).map_err(|_| Error::invalid("division", "stored outline is corrupt"))?;
                Ok(Division {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    level: r.get::<String>(2)?.parse()?,
                    parent: r.get(3)?,
                    centre: match (lat, lon) {
                        (Some(lat), Some(lon)) => Some(Position::new(lat, lon)?),
                        _ => None,
                    },
                    outline: outline.into_iter().map(|[lat, lon]| Position::new(lat, lon)).collect::<Result<_>>()?,
                })
            })
            .collect()
    }
}

/// A problem with the whole file, named as the facility import names it.
fn malformed(why: impl Into<String>) -> Error {
    Error::ImportRejected { problems: vec![RowProblem { location: "file".into(), problem: why.into() }] }
}

/// Reads divisions from GeoJSON (see [`CareCircle::import_divisions`]).
pub fn parse_divisions_geojson(text: &str, crs: Option<Crs>) -> Result<Vec<Division>> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(format!("not valid JSON: {e}")))?;
    if doc.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(malformed("not a GeoJSON FeatureCollection"));
    }
    let declared: Option<Crs> = match doc.get("coordinate_system") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.parse()?),
        Some(_) => return Err(malformed("coordinate_system must be a string")),
    };
    let crs = match (crs, declared) {
        (Some(a), Some(b)) if a != b => return Err(Error::invalid("coordinate system", format!("the file declares {b} but {a} was asked for"))),
        (a, b) => a.or(b).unwrap_or_default(),
    };
    let features = doc.get("features").and_then(|f| f.as_array()).ok_or_else(|| malformed("features must be an array"))?;
    let mut out = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let location = format!("feature {i}");
        match division_from_feature(f, crs) {
            Ok(d) => match seen.get(&d.code) {
                Some(first) => problems.push(RowProblem { location, problem: format!("duplicate code {} (first at feature {first})", d.code) }),
                None => {
                    seen.insert(d.code.clone(), i);
                    out.push(d);
                }
            },
            Err(problem) => problems.push(RowProblem { location, problem }),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Error::ImportRejected { problems }) }
}

fn division_from_feature(f: &serde_json::Value, crs: Crs) -> std::result::Result<Division, String> {
    let props = f.get("properties").ok_or("no properties")?;
    let text = |key: &str| props.get(key).and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
    let (code, name, parent) = (text("code"), text("name"), text("parent"));
    if !is_division_code(&code) {
        return Err(format!("code '{}' is not a 6- to 12-digit division code", truncate(&code, 20)));
    }
    if !parent.is_empty() && !is_division_code(&parent) {
        return Err(format!("parent '{}' is not a division code", truncate(&parent, 20)));
    }
    if name.is_empty() || name.chars().count() > MAX_TEXT_LEN {
        return Err(format!("name must have 1 to {MAX_TEXT_LEN} characters"));
    }
    let level: DivisionLevel = text("level").parse().map_err(|e: Error| e.to_string())?;
    let geometry = f.get("geometry").filter(|g| !g.is_null()).ok_or("no geometry")?;
    let point = |v: &serde_json::Value| -> std::result::Result<Position, String> {
        let c = v.as_array().filter(|c| c.len() >= 2).ok_or("a coordinate is not [lon, lat]")?;
        let (lon, lat) = (c[0].as_f64().unwrap_or(f64::NAN), c[1].as_f64().unwrap_or(f64::NAN));
        Position::from_crs(lat, lon, crs).map_err(|e| e.to_string())
    };
    // A polygon's outer ring, checked, without GeoJSON's repeated last point.
    let outer = |polygon: &serde_json::Value| -> std::result::Result<Vec<Position>, String> {
        let ring = polygon.get(0).and_then(|r| r.as_array()).ok_or("a Polygon needs an outer ring")?;
        if ring.len() < 4 || ring.len() > MAX_OUTLINE {
            return Err(format!("an outline has 4 to {MAX_OUTLINE} points"));
        }
        let mut ring = ring.iter().map(point).collect::<std::result::Result<Vec<_>, _>>()?;
        ring.pop();
        Ok(ring)
    };
    let coordinates = geometry.get("coordinates").ok_or("geometry has no coordinates")?;
    let outline = match geometry.get("type").and_then(|t| t.as_str()) {
        Some("Point") => return Ok(Division { code, name, level, parent, centre: Some(point(coordinates)?), outline: Vec::new() }),
        Some("Polygon") => outer(coordinates)?,
        Some("MultiPolygon") => {
            // One outline per division: the largest part (islands and enclaves are dropped).
            let parts = coordinates.as_array().filter(|p| !p.is_empty()).ok_or("a MultiPolygon needs at least one polygon")?;
            let rings = parts.iter().map(outer).collect::<std::result::Result<Vec<_>, _>>()?;
            if rings.iter().map(Vec::len).sum::<usize>() > MAX_OUTLINE {
                return Err(format!("a MultiPolygon has at most {MAX_OUTLINE} points in all"));
            }
            rings.into_iter().max_by(|a, b| ring_area(a).total_cmp(&ring_area(b))).unwrap_or_default()
        }
        _ => return Err("geometry must be a Point, a Polygon or a MultiPolygon".into()),
    };
    let n = outline.len() as f64;
    let centre = Position::new(outline.iter().map(|p| p.lat).sum::<f64>() / n, outline.iter().map(|p| p.lon).sum::<f64>() / n).map_err(|e| e.to_string())?;
    Ok(Division { code, name, level, parent, centre: Some(centre), outline })
}

/// A ring's area in square degrees (shoelace), to compare the parts of one division.
fn ring_area(ring: &[Position]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| ring[i].lon * ring[(i + 1) % n].lat - ring[(i + 1) % n].lon * ring[i].lat).sum::<f64>().abs() / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(props: &str, geometry: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{geometry},"properties":{props}}}]}}"#)
    }

    #[test]
    fn reads_points_and_outlines() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.5,29.9],[121.8,29.9],[121.8,30.1],[121.5,29.9]]]},"properties":{"code":"330211000000","name":"镇海区","level":"district"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.7,29.96]},"properties":{"code":"330211001001","name":"甲社区","level":"community","parent":"330211001000"}}]}"#;
        let d = parse_divisions_geojson(text, None).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].outline.len(), 3);
        assert_eq!(d[0].level, DivisionLevel::District);
        assert!((d[0].centre.unwrap().lat - 29.966_666).abs() < 1e-5);
        assert_eq!(d[1].parent, "330211001000");
        assert_eq!(d[1].centre.unwrap().lon, 121.7);
    }

    #[test]
    fn rejects_bad_features_by_number() {
        let bad = [
            feature(r#"{"code":"33x","name":"a","level":"village"}"#, r#"{"type":"Point","coordinates":[121.7,29.9]}"#),
            feature(r#"{"code":"330211001001","name":"","level":"village"}"#, r#"{"type":"Point","coordinates":[121.7,29.9]}"#),
            feature(r#"{"code":"330211001001","name":"a","level":"city"}"#, r#"{"type":"Point","coordinates":[121.7,29.9]}"#),
            feature(r#"{"code":"330211001001","name":"a","level":"village"}"#, r#"{"type":"Point","coordinates":[121.7,95.0]}"#),
            feature(r#"{"code":"330211001001","name":"a","level":"village"}"#, r#"{"type":"LineString","coordinates":[]}"#),
        ];
        for text in bad {
            match parse_divisions_geojson(&text, None) {
                Err(Error::ImportRejected { problems }) => assert_eq!(problems[0].location, "feature 0", "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in ["not json", r#"{"type":"Feature"}"#, r#"{"type":"FeatureCollection","features":{}}"#] {
            match parse_divisions_geojson(text, None) {
                Err(Error::ImportRejected { problems }) => assert_eq!(problems[0].location, "file", "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_bad_feature_is_named_and_duplicates_point_back() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.7,29.96]},"properties":{"code":"330211001001","name":"甲社区","level":"community"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.7,99]},"properties":{"code":"330211001002","name":"乙社区","level":"community"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.7,29.96]},"properties":{"code":"330211001001","name":"丙社区","level":"community"}}]}"#;
        let Err(Error::ImportRejected { problems }) = parse_divisions_geojson(text, None) else { panic!("accepted") };
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("feature 1: invalid coordinate"), "{}", got[0]);
        assert_eq!(got[1], "feature 2: duplicate code 330211001001 (first at feature 0)");
    }

    #[test]
    fn a_multipolygon_keeps_its_largest_part_and_gcj02_is_converted() {
        let small = "[[121.70,29.95],[121.71,29.95],[121.71,29.96],[121.70,29.95]]";
        let large = "[[121.72,29.95],[121.76,29.95],[121.76,29.99],[121.72,29.99],[121.72,29.95]]";
        let geometry = format!(r#"{{"type":"MultiPolygon","coordinates":[[{small}],[{large}]]}}"#);
        let text = feature(r#"{"code":"330211001000","name":"招宝山街道","level":"street"}"#, &geometry);
        let d = parse_divisions_geojson(&text, None).unwrap();
        assert_eq!(d[0].outline.len(), 4, "the larger part, its closing point dropped");
        assert_eq!(d[0].outline[1].lon, 121.76);
        // The same file in GCJ-02 (DataV's boundaries are): stored in WGS-84.
        let g = parse_divisions_geojson(&text, Some(Crs::Gcj02)).unwrap();
        let back = g[0].outline[1].to_crs(Crs::Gcj02);
        assert!((back.0 - 29.95).abs() < 1e-7 && (back.1 - 121.76).abs() < 1e-7, "{back:?}");
        assert!(d[0].outline[1].distance_m(g[0].outline[1]) > 100.0, "GCJ-02 is offset by hundreds of metres here");
        let declared = text.replacen(r#""type":"FeatureCollection","#, r#""type":"FeatureCollection","coordinate_system":"gcj02","#, 1);
        assert_eq!(parse_divisions_geojson(&declared, None).unwrap(), g);
        assert!(matches!(parse_divisions_geojson(&declared, Some(Crs::Wgs84)), Err(Error::InvalidInput { .. })), "a file declaring gcj02 is not read as wgs84");
    }

    #[test]
    fn import_is_idempotent() {
        let cc = CareCircle::open_in_memory(Default::default()).unwrap();
        let text = feature(r#"{"code":"330211001001","name":"甲社区","level":"community","parent":"330211001000"}"#, r#"{"type":"Point","coordinates":[121.7,29.96]}"#);
        assert_eq!(cc.import_divisions(&text, None).unwrap(), (1, 0));
        assert_eq!(cc.import_divisions_geojson(&text).unwrap(), 1);
        assert_eq!(cc.import_divisions(&text, None).unwrap(), (0, 1));
        let all = cc.divisions().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].name, "甲社区");
    }
}
