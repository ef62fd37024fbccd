//! Care plans, subsidies, the ranking and the district statistics from the CLI on the demo district.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn cli(db: &Path, now: &str, json: bool, args: &[&str]) -> Result<String, String> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carecircle"));
    c.arg("--db").arg(db).args(["--now", now]);
    if json {
        c.arg("--json");
    }
    let out = c.args(args).output().unwrap();
    if out.status.success() { Ok(String::from_utf8_lossy(&out.stdout).into_owned()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn run(db: &Path, now: &str, args: &[&str]) -> Value {
    let out = cli(db, now, true, args).unwrap_or_else(|e| panic!("{args:?} failed: {e}"));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn the_demo_districts_statistics_plans_and_subsidies_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let now = "2026-11-23T08:00";
    let demo = run(&db, now, &["demo"]);
    let care = &demo["care"];
    assert_eq!(care["month"], "2026-10");
    assert!(care["plans"].as_u64().unwrap() > 100 && care["visits_completed"].as_u64().unwrap() > 500, "{care}");

    // The statistics table: the district, then each of the seven townships.
    let table = cli(&db, now, false, &["stats", "--month", "2026-10"]).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("District statistics for 2026-10 (as of 2026-10-31), 15-minute circle"), "{table}");
    assert!(lines[1].contains("family-doctor contracts 60.0% (Zhenhai, 2020), 88.0%-90.0% (Shaoxing)"), "{table}");
    let header = lines.iter().position(|l| l.starts_with("township")).unwrap();
    assert!(lines[header].split_whitespace().collect::<Vec<_>>().starts_with(&["township", "seniors", "doctor", "contracts", "checked", "65+"]));
    let district: Vec<&str> = lines[header + 1].split_whitespace().collect();
    assert_eq!(&district[..2], ["district", "50000"]);
    let pct = |s: &str| s.trim_end_matches('%').parse::<f64>().unwrap();
    assert!((40.0..80.0).contains(&pct(district[2])), "contract rate {}", district[2]);
    assert!((40.0..80.0).contains(&pct(district[3])), "checked 65+ {}", district[3]);
    let townships: Vec<&str> = lines[header + 2..header + 9].iter().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(townships, ["330211001000", "330211002000", "330211003000", "330211004000", "330211005000", "330211100000", "330211101000"]);
    assert!(lines.iter().any(|l| l.starts_with("15-min circle") && l.contains("meals") && l.contains("companionship")));
    // The same as JSON, with villages.
    let s = run(&db, now, &["stats", "--month", "2026-10"]);
    assert_eq!(s["district"]["seniors"], 50000);
    assert_eq!(s["townships"].as_array().unwrap().len(), 7);
    assert_eq!(s["villages"].as_array().unwrap().len(), 74);
    assert!(s["district"]["served"].as_u64().unwrap() > 50, "{}", s["district"]);
    let meal = s["district"]["meal_coverage"].as_f64().unwrap();
    assert!(meal > 0.3 && meal < 1.0, "{meal}");
    let village_rows = cli(&db, now, false, &["stats", "--month", "2026-10", "--level", "village"]).unwrap();
    assert!(village_rows.lines().any(|l| l.starts_with("330211101")));
    // A station's operator gets the figures of the seniors it serves; a family member none.
    let own = run(&db, now, &["stats", "--month", "2026-10", "--as", "operator:ZH-CS-001"]);
    let own_seniors = own["district"]["seniors"].as_u64().unwrap();
    assert!(own_seniors > 0 && own_seniors < 50000, "{own_seniors}");
    assert!(cli(&db, now, false, &["stats", "--month", "2026-10", "--as", "family:ZH-F-000001"]).unwrap_err().contains("not allowed"));

    // The one map's layers for the same station cover the same seniors, in 250 m cells.
    let map = run(&db, now, &["map", "--as", "operator:ZH-CS-001"]);
    let in_cells: u64 = map["cells"].as_array().unwrap().iter().map(|c| c["seniors"].as_u64().unwrap()).sum();
    assert_eq!(in_cells, own_seniors);
    assert_eq!(map["facilities"].as_array().unwrap().len(), 130);
    assert_eq!(map["holes"].as_array().unwrap().len(), 10, "one layer per service");
    let summary = cli(&db, now, false, &["map"]).unwrap();
    assert!(summary.contains("50000 seniors") && summary.contains("15-min circle holes"), "{summary}");
    assert!(cli(&db, now, false, &["map", "--as", "family:ZH-F-000001"]).unwrap_err().contains("not allowed"));

    // The ranking has care organisations and canteens.
    let r = run(&db, now, &["ranking", "--month", "2026-10"]);
    let kinds: Vec<&str> = r.as_array().unwrap().iter().map(|o| o["org_kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"care") && kinds.contains(&"canteen"));
    assert_eq!(r[0]["rank"], 1);

    // A daughter sets up a weekly plan for her mother and sees the generated visits.
    let senior = "ZH-S-000001";
    run(&db, now, &["family", "add", "--id", "FAM-1", "--name", "胡女儿"]);
    run(&db, now, &["family", "link", "--senior", senior, "--family", "FAM-1", "--relation", "女儿", "--can-book", "--can-see-visits"]);
    let p = run(&db, now, &["plan", "create", "--as", "family:FAM-1", "--senior", senior, "--items", "cleaning mon,thu 09:00 120; bathing sat 10:00"]);
    let id = p["id"].as_str().unwrap().to_string();
    let g = run(&db, now, &["plan", "generate", "--as", "family:FAM-1", &id, "--through", "2026-11-29"]);
    let dates: Vec<&str> = g["occurrences"].as_array().unwrap().iter().map(|o| o["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-23", "2026-11-26", "2026-11-28"]);
    let shown = run(&db, now, &["plan", "show", "--as", "family:FAM-1", &id]);
    assert!(shown["occurrences"].as_array().unwrap().iter().all(|o| o["booking_id"].is_string()));
    let err = cli(&db, now, false, &["plan", "create", "--as", "family:FAM-1", "--senior", senior, "--items", "cleaning someday 09:00"]).unwrap_err();
    assert!(err.contains("invalid day"), "{err}");

    // The senior applies for a meal subsidy; her station recommends it, the district approves it.
    let scores = "4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,1,1,2,2,2,4,3,3";
    run(&db, now, &["assess", "--senior", senior, "--assessor", "评估员", "--date", "2026-11-20", "--scores", scores]);
    let a = run(&db, now, &["subsidy", "apply", "--as", &format!("senior:{senior}"), "--senior", senior, "--kind", "meal"]);
    let app = a["id"].as_str().unwrap().to_string();
    let station = format!("operator:{}", run(&db, now, &["senior", "show", senior])["senior"]["station_id"].as_str().unwrap());
    let err = cli(&db, now, false, &["subsidy", "approve", "--as", "district", &app]).unwrap_err();
    assert!(err.contains("is submitted: it cannot be approved"), "{err}");
    run(&db, now, &["subsidy", "recommend", "--as", &station, &app]);
    let approved = run(&db, now, &["subsidy", "approve", "--as", "district", &app]);
    assert_eq!((approved["state"].as_str(), approved["grant"]["meal_fen"].as_u64()), (Some("approved"), Some(300)));
    let shown = run(&db, now, &["subsidy", "show", "--as", &format!("senior:{senior}"), &app]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 3);
    // Her lunch now carries the extra 3 yuan.
    let order = run(&db, now, &["meal", "order", "--as", &format!("senior:{senior}"), "--senior", senior, "--canteen", "ZH-CT-01", "--date", "2026-11-24", "--meal", "lunch", "--mode", "pick_up"]);
    assert_eq!(order["subsidy_fen"], 800);
}
