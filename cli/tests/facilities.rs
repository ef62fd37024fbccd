//! The facility commands' contracts, as other programs rely on them.

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

#[test]
fn a_senior_finds_the_nearest_canteens_from_an_amap_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    json(&carecircle(&db, &["--json", "import", data("zhenhai-facilities.geojson").to_str().unwrap()]));
    // 29.9609,121.7180 WGS-84 is 29.958439,121.722260 in GCJ-02.
    let found = json(&carecircle(&db, &["--json", "nearest", "--lat", "29.958439", "--lon", "121.722260", "--crs", "gcj02", "--kind", "canteen", "--k", "3"]));
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 3);
    let mut last = 0.0;
    for f in found {
        assert_eq!(f["kind"], "canteen");
        for key in ["id", "name", "lat", "lon", "distance_m", "walk_minutes"] {
            assert!(!f[key].is_null(), "{key} missing");
        }
        let d = f["distance_m"].as_f64().unwrap();
        assert!(d >= last);
        last = d;
    }
    assert_eq!(found[0]["id"], "ZH-CT-01");
    assert!(found[0]["distance_m"].as_f64().unwrap() < 300.0);

    let within = json(&carecircle(&db, &["--json", "within", "--lat", "29.9609", "--lon", "121.7180", "--radius-m", "1000", "--kind", "community_station,canteen"]));
    for f in within.as_array().unwrap() {
        assert!(f["distance_m"].as_f64().unwrap() <= 1000.0);
    }
    assert!(!within.as_array().unwrap().is_empty());
}

#[test]
fn a_bad_file_is_rejected_with_every_bad_row_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    json(&carecircle(&db, &["--json", "import", data("samples/stations.csv").to_str().unwrap()]));
    let out = carecircle(&db, &["import", data("samples/bad-facilities.csv").to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in ["line 3: name is missing", "line 4: invalid coordinate", "line 5: invalid coordinate: latitude 95", "line 6: invalid kind", "line 7: duplicate id 'BAD-001'"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    assert!(!carecircle(&db, &["facility", "BAD-001"]).status.success());
}

#[test]
fn bad_arguments_exit_non_zero_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    for args in [
        vec!["nearest", "--lat", "95", "--lon", "121"],
        vec!["nearest", "--lat", "30", "--lon", "121", "--kind", "hospital"],
        vec!["nearest", "--lat", "30", "--lon", "121", "--crs", "utm"],
        vec!["within", "--lat", "30", "--lon", "121"],
        vec!["nearest", "--lat", "30", "--lon", "121", "--open-at", "soon"],
    ] {
        let out = carecircle(&db, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn the_circle_and_coverage_report_holes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let out = carecircle(&db, &["import", data("zhenhai-facilities.geojson").to_str().unwrap()]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("130 new"));
    let circle = json(&carecircle(&db, &["--json", "circle", "--lat", "29.9609", "--lon", "121.7180"]));
    assert_eq!(circle["kinds"].as_array().unwrap().len(), 6);
    assert_eq!(circle["services"].as_array().unwrap().len(), 10);
    let report = json(&carecircle(&db, &["--json", "coverage", "--homes", data("samples/homes-small.csv").to_str().unwrap()]));
    assert_eq!(report["homes"], 20);
    // Every home listed as uncovered really lacks what it is said to lack, and the shares add up.
    let uncovered = report["uncovered"].as_array().unwrap();
    for home in uncovered {
        let (lat, lon) = (home["lat"].to_string(), home["lon"].to_string());
        let circle = json(&carecircle(&db, &["--json", "circle", "--lat", &lat, "--lon", &lon]));
        for missing in home["missing"].as_array().unwrap() {
            let reach = circle["kinds"].as_array().unwrap().iter().find(|r| r["code"] == *missing).unwrap();
            assert_eq!(reach["covered"], false);
            assert!(reach["nearest"]["walk_minutes"].as_f64().unwrap() > 15.0);
        }
    }
    let share = |code: &str| report["kinds"].as_array().unwrap().iter().find(|s| s["code"] == code).unwrap()["covered"].as_u64().unwrap();
    let townships: u64 = report["townships"].as_array().unwrap().iter().map(|t| t["homes"].as_u64().unwrap()).sum();
    assert_eq!(townships, 20);
    assert!(share("community_station") + share("canteen") >= 40 - 2 * uncovered.len() as u64);
}
