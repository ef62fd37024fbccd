//! The walking-network commands' contracts: import a real OpenStreetMap extract, walk, isochrone.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(rel)
}

fn carecircle(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carecircle")).arg("--db").arg(db).args(args).output().expect("runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn refused(out: &Output, says: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(says), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_real_extract_is_imported_and_walked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let pbf = data("osm/test.osm.pbf");
    refused(&carecircle(&db, &["walk", "--from-lat", "60.52", "--from-lon", "26.93", "--to-lat", "60.525", "--to-lon", "26.94"]), "walking network not found");
    let imported = json(&carecircle(&db, &["--json", "network", "import", pbf.to_str().unwrap()]));
    assert!(imported["network"]["nodes"].as_u64().unwrap() > 1000);
    assert!(imported["network"]["bytes_per_node"].as_f64().unwrap() < 12.0);
    let walk = json(&carecircle(&db, &["--json", "walk", "--from-lat", "60.52", "--from-lon", "26.93", "--to-lat", "60.525", "--to-lon", "26.94"]));
    let (metres, minutes) = (walk["metres"].as_f64().unwrap(), walk["minutes"].as_f64().unwrap());
    assert!(metres > walk["straight_m"].as_f64().unwrap());
    assert!((minutes - metres / 60.0).abs() < 1e-9, "1 m/s and no detour factor");
    let path = walk["path"].as_array().unwrap();
    assert_eq!(path[0], serde_json::json!([60.52, 26.93]));
    assert_eq!(path.last().unwrap(), &serde_json::json!([60.525, 26.94]));
    // A slower walker takes longer over the same metres.
    let slow = json(&carecircle(&db, &["--json", "--walk-speed", "0.8", "walk", "--from-lat", "60.52", "--from-lon", "26.93", "--to-lat", "60.525", "--to-lon", "26.94"]));
    assert_eq!(slow["metres"], walk["metres"]);
    assert!((slow["minutes"].as_f64().unwrap() - metres / 0.8 / 60.0).abs() < 1e-9);
    let geo = json(&carecircle(&db, &["--json", "isochrone", "--lat", "60.522", "--lon", "26.935", "--minutes", "15"]));
    assert!(matches!(geo["type"].as_str(), Some("Polygon" | "MultiPolygon")), "{geo}");
    // GCJ-02 input is converted (Finland is outside China, so the shift is nil: same answer).
    let gcj = json(&carecircle(&db, &["--json", "walk", "--crs", "gcj02", "--from-lat", "60.52", "--from-lon", "26.93", "--to-lat", "60.525", "--to-lon", "26.94"]));
    assert_eq!(gcj["metres"], walk["metres"]);
}

#[test]
fn bad_input_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    refused(&carecircle(&db, &["network", "import", dir.path().join("missing.osm.pbf").to_str().unwrap()]), "could not be read");
    let junk = dir.path().join("junk.osm.pbf");
    std::fs::write(&junk, "not a pbf").unwrap();
    refused(&carecircle(&db, &["network", "import", junk.to_str().unwrap()]), "OSM PBF file");
    json(&carecircle(&db, &["--json", "network", "import", data("osm/test.osm.pbf").to_str().unwrap()]));
    refused(&carecircle(&db, &["walk", "--from-lat", "NaN", "--from-lon", "26.93", "--to-lat", "60.5", "--to-lon", "26.9"]), "invalid coordinate");
    refused(&carecircle(&db, &["walk", "--from-lat", "91", "--from-lon", "26.93", "--to-lat", "60.5", "--to-lon", "26.9"]), "invalid coordinate");
    refused(&carecircle(&db, &["isochrone", "--lat", "60.52", "--lon", "26.93", "--minutes", "-3"]), "invalid minutes");
    refused(&carecircle(&db, &["isochrone", "--lat", "60.52", "--lon", "26.93", "--crs", "utm"]), "coordinate system");
}
