//! Importing facilities from GeoJSON and CSV files.
//!
//! GeoJSON: an RFC 7946 FeatureCollection of Point features, `[lon, lat]`. Properties:
//! `id` (required, unique), `name` (required), `kind` (a kind code, required),
//! `services` (array of service codes), `address`, `phone`, `capacity` (integer),
//! `division` (6- to 12-digit code), `hours` (see [`crate::hours`]).
//! The file may declare its coordinate system in a top-level member
//! `"coordinate_system": "wgs84" | "gcj02" | "bd09"`.
//!
//! CSV: a header row with at least `id,name,kind,lat,lon`, and optionally
//! `address,phone,services,capacity,division,hours`; `services` separated by `;`.
//! Leading lines starting with `#` are comments; `# coordinate_system: gcj02` declares the system.
//!
//! A file with any bad row is rejected whole, naming every bad row, and nothing is stored.

use crate::carecircle::CareCircle;
use crate::catalogue::BatchReport;
use crate::error::{Error, Result, RowProblem};
use crate::facility::{Facility, ServiceSet, truncate};
use crate::hours::WeeklyHours;
use crate::position::{Crs, Position};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("geojson" | "json") => Ok(Format::GeoJson),
            Some("csv") => Ok(Format::Csv),
            _ => Err(Error::invalid("file", "expected a .geojson, .json or .csv file")),
        }
    }
}

/// A parsed file: the facilities and the coordinate system they were converted from.
#[derive(Debug)]
pub struct Parsed {
    pub facilities: Vec<Facility>,
    pub crs: Crs,
}

/// Parses a whole file; returns every bad row at once.
/// `crs` overrides nothing: if both the caller and the file name a system, they must agree.
pub fn parse(text: &str, format: Format, crs: Option<Crs>, now: DateTime<Utc>) -> Result<Parsed> {
    let mut problems = Vec::new();
    let (rows, declared) = match format {
        Format::GeoJson => geojson_rows(text)?,
        Format::Csv => csv_rows(text)?,
    };
    let crs = match (crs, declared) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::invalid("coordinate system", format!("the file declares {b} but {a} was asked for")));
        }
        (a, b) => a.or(b).unwrap_or_default(),
    };
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut facilities = Vec::with_capacity(rows.len());
    for row in rows {
        let mut bad = row.problems;
        let position = match (row.lat, row.lon) {
            (Some(lat), Some(lon)) => match Position::from_crs(lat, lon, crs) {
                Ok(p) => Some(p),
                Err(e) => {
                    bad.push(e.to_string());
                    None
                }
            },
            _ => {
                bad.push("coordinates are missing".into());
                None
            }
        };
        if !row.id.is_empty() {
            if let Some(first) = seen.get(&row.id) {
                bad.push(format!("duplicate id '{}' (first at {first})", truncate(&row.id, 64)));
            } else {
                seen.insert(row.id.clone(), row.location.clone());
            }
        }
        let kind = match row.kind.parse::<crate::facility::FacilityKind>() {
            Ok(k) => Some(k),
            Err(e) => {
                bad.push(if row.kind.trim().is_empty() { "kind is missing".into() } else { e.to_string() });
                None
            }
        };
        if let (Some(position), Some(kind)) = (position, kind) {
            let f = Facility {
                id: row.id,
                name: row.name,
                kind,
                position,
                address: row.address,
                phone: row.phone,
                hours: row.hours,
                services: row.services,
                capacity: row.capacity,
                division: row.division,
                updated_at: now,
                deleted: false,
            };
            // Coordinates were checked above; avoid reporting them twice.
            bad.extend(f.problems().into_iter().filter(|p| !p.starts_with("invalid coordinate")));
            if bad.is_empty() {
                facilities.push(f);
            }
        } else {
            let mut other = Vec::new();
            crate::facility::check_id(&row.id, &mut other);
            if row.name.trim().is_empty() {
                other.push("name is missing".into());
            }
            bad.extend(other);
        }
        if !bad.is_empty() {
            problems.push(RowProblem { location: row.location, problem: bad.join("; ") });
        }
    }
    if problems.is_empty() { Ok(Parsed { facilities, crs }) } else { Err(Error::ImportRejected { problems }) }
}

/// One row as read, before checks.
#[derive(Default)]
struct RawRow {
    location: String,
    id: String,
    name: String,
    kind: String,
    lat: Option<f64>,
    lon: Option<f64>,
    address: String,
    phone: String,
    services: ServiceSet,
    capacity: u32,
    division: String,
    hours: WeeklyHours,
    problems: Vec<String>,
}

impl RawRow {
    fn set_services(&mut self, codes: impl IntoIterator<Item = String>) {
        for code in codes {
            match code.parse() {
                Ok(s) => self.services.insert(s),
                Err(e) => self.problems.push(e.to_string()),
            }
        }
    }
    fn set_capacity(&mut self, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        match s.trim().parse::<u32>() {
            Ok(c) if c <= 1_000_000 => self.capacity = c,
            _ => self.problems.push(format!("capacity '{}' is not a whole number up to 1000000", truncate(s, 20))),
        }
    }
    fn set_hours(&mut self, s: &str) {
        match WeeklyHours::parse(s) {
            Ok(h) => self.hours = h,
            Err(e) => self.problems.push(e.to_string()),
        }
    }
}

fn malformed(why: impl Into<String>) -> Error {
    Error::ImportRejected { problems: vec![RowProblem { location: "file".into(), problem: why.into() }] }
}

fn geojson_rows(text: &str) -> Result<(Vec<RawRow>, Option<Crs>)> {
    let doc: Value = serde_json::from_str(text).map_err(|e| malformed(format!("not valid JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(malformed("not a GeoJSON FeatureCollection"));
    }
    let declared = match doc.get("coordinate_system") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.parse()?),
        Some(_) => return Err(malformed("coordinate_system must be a string")),
    };
    let features = doc.get("features").and_then(Value::as_array).ok_or_else(|| malformed("features must be an array"))?;
    let rows = features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let mut row = RawRow { location: format!("feature {i}"), ..Default::default() };
            let props = feature.get("properties").and_then(Value::as_object);
            let text = |key: &str| props.and_then(|p| p.get(key)).map(value_text).unwrap_or_default();
            if feature.get("type").and_then(Value::as_str) != Some("Feature") {
                row.problems.push("not a Feature".into());
            }
            match feature.get("geometry") {
                Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
                    match g.get("coordinates").and_then(Value::as_array).map(|c| c.as_slice()) {
                        Some([lon, lat, ..]) => {
                            row.lon = lon.as_f64().or(Some(f64::NAN));
                            row.lat = lat.as_f64().or(Some(f64::NAN));
                        }
                        _ => row.problems.push("Point coordinates must be [lon, lat]".into()),
                    }
                }
                _ => row.problems.push("geometry must be a Point".into()),
            }
            row.id = text("id");
            if row.id.is_empty() {
                row.id = feature.get("id").map(value_text).unwrap_or_default();
            }
            row.name = text("name");
            row.kind = text("kind");
            row.address = text("address");
            row.phone = text("phone");
            row.division = text("division");
            row.set_capacity(&text("capacity"));
            row.set_hours(&text("hours"));
            match props.and_then(|p| p.get("services")) {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) => row.set_services(a.iter().map(value_text)),
                Some(Value::String(s)) => row.set_services(s.split([',', ';']).map(str::trim).filter(|c| !c.is_empty()).map(String::from)),
                Some(_) => row.problems.push("services must be an array of service codes".into()),
            }
            row
        })
        .collect();
    Ok((rows, declared))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn csv_rows(text: &str) -> Result<(Vec<RawRow>, Option<Crs>)> {
    let mut declared = None;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let body = line.trim_start_matches('#').trim();
        if let Some((key, value)) = body.split_once([':', '=']) {
            if key.trim() == "coordinate_system" {
                declared = Some(value.trim().parse()?);
            }
        }
    }
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| malformed(format!("header row unreadable: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required = ["id", "name", "kind", "lat", "lon"];
    let missing: Vec<&str> = required.iter().copied().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(malformed(format!("header row lacks column(s): {}", missing.join(", "))));
    }
    let cols: HashMap<&str, usize> =
        ["id", "name", "kind", "lat", "lon", "address", "phone", "services", "capacity", "division", "hours"].into_iter().filter_map(|c| Some((c, col(c)?))).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push(RawRow { location: format!("line {line}"), problems: vec![format!("unreadable row: {e}")], ..Default::default() });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: &str| cols.get(c).and_then(|&i| record.get(i)).unwrap_or("").to_string();
        let mut row = RawRow { location: format!("line {line}"), ..Default::default() };
        for (field, target) in [("lat", &mut row.lat), ("lon", &mut row.lon)] {
            let v = get(field);
            *target = if v.is_empty() { None } else { Some(v.parse::<f64>().unwrap_or(f64::NAN)) };
        }
        row.id = get("id");
        row.name = get("name");
        row.kind = get("kind");
        row.address = get("address");
        row.phone = get("phone");
        row.division = get("division");
        row.set_capacity(&get("capacity"));
        row.set_hours(&get("hours"));
        row.set_services(get("services").split([';', ',']).map(str::trim).filter(|c| !c.is_empty()).map(String::from));
        rows.push(row);
    }
    Ok((rows, declared))
}

impl CareCircle {
    /// Imports a GeoJSON or CSV file (chosen by extension) in one transaction.
    pub fn import_file(&self, path: impl AsRef<Path>, crs: Option<Crs>) -> Result<BatchReport> {
        let path = path.as_ref();
        let format = Format::from_path(path)?;
        let len = std::fs::metadata(path)?.len();
        if len > MAX_FILE_BYTES {
            return Err(malformed(format!("file is larger than {} MB", MAX_FILE_BYTES >> 20)));
        }
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8(bytes).map_err(|_| malformed("file is not UTF-8 text"))?;
        self.import_text(&text, format, crs)
    }

    pub fn import_text(&self, text: &str, format: Format, crs: Option<Crs>) -> Result<BatchReport> {
        let parsed = parse(text, format, crs, self.now())?;
        self.put_facilities(&parsed.facilities)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        crate::clock::parse_instant("2026-11-23T09:00").unwrap()
    }

    #[test]
    fn csv_bad_rows_are_each_named() {
        let text = "id,name,kind,lat,lon\n\
                    A,好站,community_station,29.95,121.71\n\
                    B,,canteen,29.95,121.71\n\
                    C,坏点,canteen,NaN,121.71\n\
                    D,远点,canteen,95,121.71\n\
                    E,医院,hospital_x,29.95,121.71\n\
                    A,重复,canteen,29.95,121.71\n";
        let Err(Error::ImportRejected { problems }) = parse(text, Format::Csv, None, now()) else { panic!("accepted") };
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[0].starts_with("line 3: name is missing"), "{}", got[0]);
        assert!(got[1].starts_with("line 4: invalid coordinate: latitude and longitude must be numbers"), "{}", got[1]);
        assert!(got[2].starts_with("line 5: invalid coordinate: latitude 95 is outside -90..90"), "{}", got[2]);
        assert!(got[3].starts_with("line 6: invalid kind: unknown code 'hospital_x'"), "{}", got[3]);
        assert!(got[4].starts_with("line 7: duplicate id 'A' (first at line 2)"), "{}", got[4]);
    }

    #[test]
    fn geojson_declares_its_system_and_is_converted() {
        let home = Position::new(29.955, 121.710).unwrap();
        let (lat, lon) = home.to_crs(Crs::Gcj02);
        let text = format!(
            r#"{{"type":"FeatureCollection","coordinate_system":"gcj02","features":[
            {{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},
              "properties":{{"id":"CT-1","name":"骆驼食堂","kind":"canteen","services":["meals"],"hours":"daily 10:30-13:00"}}}}]}}"#
        );
        let parsed = parse(&text, Format::GeoJson, None, now()).unwrap();
        assert_eq!(parsed.crs, Crs::Gcj02);
        assert!(parsed.facilities[0].position.distance_m(home) < 1.0);
        assert!(matches!(parse(&text, Format::GeoJson, Some(Crs::Bd09), now()), Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn malformed_files_are_rejected_with_a_reason() {
        for (text, format, why) in [
            ("{not json", Format::GeoJson, "not valid JSON"),
            (r#"{"type":"Feature"}"#, Format::GeoJson, "not a GeoJSON FeatureCollection"),
            ("name,kind\nx,canteen\n", Format::Csv, "lacks column(s): id, lat, lon"),
        ] {
            let e = parse(text, format, None, now()).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
        let huge = format!("id,name,kind,lat,lon\nA,{},canteen,30,121\n", "名".repeat(10_000));
        assert!(parse(&huge, Format::Csv, None, now()).unwrap_err().to_string().contains("name is longer than"));
    }
}
