//! Meals, rentals, alerts and the time bank from the CLI on the demo district.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn run(db: &Path, now: &str, args: &[&str]) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle")).arg("--db").arg(db).args(["--json", "--now", now]).args(args).output().unwrap();
    if out.status.success() { Ok(serde_json::from_slice(&out.stdout).unwrap()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

#[test]
fn the_other_programmes_work_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let now = "2026-11-23T08:00";
    // The demo logs its own history (plans, visits, contracts); this story's events come after it.
    let since = run(&db, now, &["demo"]).unwrap()["care"]["last_event_seq"].to_string();
    // Meals: ZH-CT-01's lunch tomorrow, ordered by the senior herself, then too late to cancel.
    let menus = run(&db, now, &["meal", "menus", "ZH-CT-01", "--date", "2026-11-24"]).unwrap();
    assert_eq!(menus.as_array().unwrap().len(), 2);
    let order = run(&db, now, &["meal", "order", "--as", "senior:ZH-S-000001", "--senior", "ZH-S-000001", "--canteen", "ZH-CT-01", "--date", "2026-11-24", "--meal", "lunch", "--mode", "pick_up"]).unwrap();
    assert_eq!(order["subsidy_fen"], 500, "87 and eligible for government-paid care");
    let err = run(&db, "2026-11-24T09:30", &["meal", "cancel", "--as", "senior:ZH-S-000001", order["id"].as_str().unwrap()]).unwrap_err();
    assert!(err.contains("too late"), "{err}");
    // Rental: the nearest wheelchair, reserved.
    let near = run(&db, now, &["rental", "nearest", "--lat", "29.9609", "--lon", "121.7180", "--device", "wheelchair"]).unwrap();
    let point = near[0]["id"].as_str().unwrap().to_string();
    assert_eq!(near[0]["kind"], "rental_point");
    let r = run(&db, now, &["rental", "reserve", "--as", "senior:ZH-S-000001", "--senior", "ZH-S-000001", "--point", &point, "--device", "wheelchair"]).unwrap();
    assert_eq!(r["state"], "reserved");
    // Alert: raised, escalated after five minutes, resolved by the district.
    let a = run(&db, now, &["alert", "raise", "--as", "senior:ZH-S-000001", "--senior", "ZH-S-000001", "--lat", "29.958162", "--lon", "121.712422"]).unwrap();
    let first = a["station_id"].as_str().unwrap().to_string();
    assert!(run(&db, "2026-11-23T08:04", &["alert", "escalate"]).unwrap().as_array().unwrap().is_empty());
    let esc = run(&db, "2026-11-23T08:06", &["alert", "escalate"]).unwrap();
    assert_ne!(esc[0]["station_id"].as_str().unwrap(), first);
    run(&db, "2026-11-23T08:07", &["alert", "resolve", "--as", "district", a["id"].as_str().unwrap(), "--note", "误报"]).unwrap();
    // Time bank: a volunteer earns two hours for a verified service; the ledger balances.
    run(&db, now, &["timebank", "open", "V-1", "--name", "志愿者", "--birth", "1962-01-01"]).unwrap();
    let station = format!("operator:{}", run(&db, now, &["senior", "show", "ZH-S-000001"]).unwrap()["senior"]["station_id"].as_str().unwrap());
    let earned = run(&db, now, &["timebank", "earn", "--as", &station, "--volunteer", "V-1", "--senior", "ZH-S-000001", "--service", "companionship", "--minutes", "120"]).unwrap();
    assert_eq!(earned["balance_minutes"], 120);
    assert_eq!(run(&db, now, &["timebank", "audit"]).unwrap().as_array().unwrap().len(), 0);
    let events = run(&db, now, &["events", "--since", &since, "--limit", "1000"]).unwrap();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["meal_ordered", "device_reserved", "alert_raised", "alert_escalated", "alert_resolved", "hours_earned"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}
