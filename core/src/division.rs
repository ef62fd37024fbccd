//! Administrative divisions (行政区划): the district, its streets and towns, and their villages
//! and communities, with names, centres and (for the district) an outline to draw maps with.
//! Facilities and seniors carry 12-digit division codes; this table gives those codes names.

use crate::args;
use crate::carecircle::CareCircle;
use crate::error::{Error, Result, RowProblem};
use crate::facility::{MAX_TEXT_LEN, codes, is_division_code, truncate};
use crate::position::Position;
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
    /// Imports divisions from GeoJSON: features with `code`, `name`, `level` and optionally
    /// `parent` properties, and a Point (centre) or Polygon (outline; its centre is the ring's
    /// mean) geometry in WGS-84. The whole file or nothing: every bad feature is named.
    pub fn import_divisions_geojson(&self, text: &str) -> Result<usize> {
        let divisions = parse_divisions_geojson(text)?;
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
        Ok(divisions.len())
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

/// Reads divisions from GeoJSON (see [`CareCircle::import_divisions_geojson`]).
pub fn parse_divisions_geojson(text: &str) -> Result<Vec<Division>> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::invalid("divisions file", format!("not JSON: {e}")))?;
    let features = doc.get("features").and_then(|f| f.as_array()).ok_or_else(|| Error::invalid("divisions file", "not a GeoJSON FeatureCollection"))?;
    let mut out = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, f) in features.iter().enumerate() {
        let location = format!("feature {}", i + 1);
        match division_from_feature(f) {
            Ok(d) if !seen.insert(d.code.clone()) => problems.push(RowProblem { location, problem: format!("code {} appears twice", d.code) }),
            Ok(d) => out.push(d),
            Err(problem) => problems.push(RowProblem { location, problem }),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Error::ImportRejected { problems }) }
}

fn division_from_feature(f: &serde_json::Value) -> std::result::Result<Division, String> {
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
    let geometry = f.get("geometry").ok_or("no geometry")?;
    let point = |v: &serde_json::Value| -> std::result::Result<Position, String> {
        let c = v.as_array().filter(|c| c.len() >= 2).ok_or("a coordinate is not [lon, lat]")?;
        let (lon, lat) = (c[0].as_f64().unwrap_or(f64::NAN), c[1].as_f64().unwrap_or(f64::NAN));
        Position::new(lat, lon).map_err(|e| e.to_string())
    };
    let coordinates = geometry.get("coordinates").ok_or("geometry has no coordinates")?;
    let (centre, outline) = match geometry.get("type").and_then(|t| t.as_str()) {
        Some("Point") => (Some(point(coordinates)?), Vec::new()),
        Some("Polygon") => {
            let ring = coordinates.get(0).and_then(|r| r.as_array()).ok_or("a Polygon needs an outer ring")?;
            if ring.len() < 4 || ring.len() > MAX_OUTLINE {
                return Err(format!("an outline has 4 to {MAX_OUTLINE} points"));
            }
            let mut ring = ring.iter().map(point).collect::<std::result::Result<Vec<_>, _>>()?;
            ring.pop(); // GeoJSON repeats the first point last
            let n = ring.len() as f64;
            let centre = Position::new(ring.iter().map(|p| p.lat).sum::<f64>() / n, ring.iter().map(|p| p.lon).sum::<f64>() / n).map_err(|e| e.to_string())?;
            (Some(centre), ring)
        }
        _ => return Err("geometry must be a Point or a Polygon".into()),
    };
    Ok(Division { code, name, level, parent, centre, outline })
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
        let d = parse_divisions_geojson(text).unwrap();
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
            match parse_divisions_geojson(&text) {
                Err(Error::ImportRejected { problems }) => assert_eq!(problems[0].location, "feature 1", "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(parse_divisions_geojson("not json"), Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn import_is_idempotent() {
        let cc = CareCircle::open_in_memory(Default::default()).unwrap();
        let text = feature(r#"{"code":"330211001001","name":"甲社区","level":"community","parent":"330211001000"}"#, r#"{"type":"Point","coordinates":[121.7,29.96]}"#);
        assert_eq!(cc.import_divisions_geojson(&text).unwrap(), 1);
        assert_eq!(cc.import_divisions_geojson(&text).unwrap(), 1);
        let all = cc.divisions().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].name, "甲社区");
    }
}
