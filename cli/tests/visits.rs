//! The whole home-visit flow from the CLI on the demo district.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn run(db: &Path, now: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle")).arg("--db").arg(db).args(["--json", "--now", now]).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(db: &Path, now: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle")).arg("--db").arg(db).args(["--now", now]).args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_family_books_a_visit_the_nearest_caregiver_does_it_and_the_statement_shows_the_hours() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let now = "2026-11-23T08:00";
    run(&db, now, &["demo"]);
    // ZH-S-000001 was born in 1939: 87 years old, eligible by age.
    let senior = run(&db, now, &["senior", "show", "ZH-S-000001"]);
    assert_eq!(senior["eligibility"]["eligible"], true);
    run(&db, now, &["family", "add", "--id", "FAM-1", "--name", "胡女儿"]);
    run(&db, now, &["family", "link", "--senior", "ZH-S-000001", "--family", "FAM-1", "--relation", "女儿", "--can-book", "--can-see-visits", "--sees-money"]);
    let booked = run(&db, now, &["book", "--as", "family:FAM-1", "--senior", "ZH-S-000001", "--service", "cleaning", "--start", "2026-11-24T09:00"]);
    let id = booked["booking"]["id"].as_str().unwrap().to_string();
    assert_eq!(booked["booking"]["state"], "offered");
    let offers = booked["offers"].as_array().unwrap();
    let nearest = offers[0]["caregiver_id"].as_str().unwrap().to_string();
    assert!(offers.windows(2).all(|p| p[0]["distance_m"].as_f64() <= p[1]["distance_m"].as_f64()));
    let accepted = run(&db, now, &["accept", "--as", &format!("caregiver:{nearest}"), &id]);
    assert_eq!(accepted["state"], "accepted");
    if let Some(second) = offers.get(1) {
        let err = fails(&db, now, &["accept", "--as", &format!("caregiver:{}", second["caregiver_id"].as_str().unwrap()), &id]);
        assert!(err.contains("already taken"), "{err}");
    }
    let home = &senior["senior"]["home"];
    let (lat, lon) = (home["lat"].to_string(), home["lon"].to_string());
    let who = format!("caregiver:{nearest}");
    let visit = run(&db, "2026-11-24T08:58", &["check-in", "--as", &who, &id, "--lat", &lat, "--lon", &lon]);
    assert_eq!(visit["flagged"], false);
    run(&db, "2026-11-24T10:58", &["check-out", "--as", &who, &id, "--lat", &lat, "--lon", &lon]);
    let st = run(&db, "2026-11-25T08:00", &["statement", "--as", "family:FAM-1", "--senior", "ZH-S-000001", "--month", "2026-11"]);
    assert_eq!(st["government_hours"], 2.0);
    assert_eq!(st["lines"][0]["status"], "drawn");
    let summary = run(&db, "2026-11-25T08:00", &["summary", "--month", "2026-11"]);
    assert_eq!(summary["seniors"], 50000);
    assert!(summary["government_hours"].as_f64().unwrap() >= 2.0);
    // A wrong transition from the CLI: the visit is completed, it cannot be cancelled.
    let err = fails(&db, "2026-11-25T08:00", &["cancel", "--as", "family:FAM-1", &id, "--reason", "改期"]);
    assert!(err.contains("is completed: it cannot be cancelled"), "{err}");
}
