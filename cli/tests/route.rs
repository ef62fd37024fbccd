//! Day routes from the CLI: the VRPTW solver on a Solomon file, a bad file, and a station's day on
//! the demo district planned, confirmed and read back as a caregiver's day.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn carecircle(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carecircle")).arg("--db").arg(db).args(["--now", "2026-11-23T08:00"]).args(args).output().unwrap()
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = carecircle(db, &all);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn route_solve_reads_a_solomon_file_and_prints_checked_routes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let file = format!("{}/../data/solomon/RC208.txt", env!("CARGO_MANIFEST_DIR"));
    let r = json(&db, &["route", "solve", &file, "--format", "solomon", "--seconds", "0.5"]);
    assert_eq!(r["customers"], 100);
    assert!(r["violations"].as_array().unwrap().is_empty());
    let served: usize = r["routes"].as_array().unwrap().iter().map(|x| x["customers"].as_array().unwrap().len()).sum();
    assert_eq!(served, 100);
    assert!(r["total_distance"].as_f64().unwrap() < 1000.0, "{}", r["total_distance"]);
    assert!(!db.exists(), "solve opens no database");
    let human = carecircle(&db, &["route", "solve", &file, "--seconds", "0.2"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("vehicles used") && text.contains("Route #1:"), "{text}");
}

#[test]
fn a_bad_solomon_file_is_a_clear_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    let good = std::fs::read_to_string(format!("{}/../data/solomon/RC208.txt", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[12] = "    3       22         85         10        353";
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = carecircle(&dir.path().join("x.db"), &["route", "solve", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 13") && err.contains("expected 7 columns"), "{err}");
}

#[test]
fn a_station_plans_its_day_on_the_demo_district_and_a_caregiver_reads_it_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    json(&db, &["demo"]);
    // Four visits of ZH-CS-001's seniors on Tuesday.
    let seniors = ["ZH-S-000001", "ZH-S-000002", "ZH-S-000003", "ZH-S-000004"];
    for (i, s) in seniors.iter().enumerate() {
        let start = format!("2026-11-24T{:02}:00", 9 + i);
        json(&db, &["book", "--as", "district", "--senior", s, "--service", "companionship", "--start", &start, "--minutes", "45"]);
    }
    let station = json(&db, &["senior", "show", "ZH-S-000001"])["senior"]["station_id"].as_str().unwrap().to_string();
    let r = json(&db, &["route", "day", "--station", &station, "--date", "2026-11-24", "--as", &format!("operator:{station}"), "--confirm"]);
    let plan = &r["plan"];
    assert!(plan["after"]["travel_seconds"].as_f64().unwrap() <= plan["before"]["travel_seconds"].as_f64().unwrap() + 1e-6, "{}", plan["after"]);
    let route = &plan["routes"][0];
    let caregiver = route["caregiver_id"].as_str().unwrap();
    let day = json(&db, &["route", "caregiver", caregiver, "--date", "2026-11-24", "--as", &format!("caregiver:{caregiver}")]);
    let stops = day["stops"].as_array().unwrap();
    assert!(!stops.is_empty());
    assert!(stops.windows(2).all(|w| w[0]["start"].as_str() <= w[1]["start"].as_str()), "in order");
    // Every stop of the confirmed route is in the caregiver's day with the plan's times; other
    // stations' open offers to the same caregiver (not this station's to plan) are listed unplanned.
    let ids: Vec<&str> = route["stops"].as_array().unwrap().iter().map(|s| s["booking_id"].as_str().unwrap()).collect();
    for id in &ids {
        let s = stops.iter().find(|s| s["booking"]["id"] == *id).unwrap_or_else(|| panic!("{id} missing from the day"));
        assert_eq!(s["planned"], true, "arrival times from the confirmed plan: {s}");
    }
    assert!(stops.iter().filter(|s| s["planned"] == true).count() >= ids.len());
    let refused = carecircle(&db, &["route", "day", "--station", &station, "--date", "2026-11-24", "--as", "operator:ZH-CS-999"]);
    assert!(!refused.status.success());
}
