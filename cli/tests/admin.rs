//! `carecircle admin` against a real platform: the server binary on the demo district, on a
//! random loopback port. A facility file imported through the CLI reaches a phone at its next
//! sync; bad facility and division files are refused whole with every bad row named; division
//! boundaries and the base map are set and read back; refusals read as plain words.
//!
//! The server binary is `$CARECIRCLE_SERVER_BIN`, or the one beside this test's `carecircle`
//! (the workspace's test run builds both), built here if it is missing or older than its sources.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::SystemTime;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> SystemTime {
    let mut t = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let m = if path.is_dir() { newest(&path) } else { entry.metadata().and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH) };
        t = t.max(m);
    }
    t
}

fn server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("CARECIRCLE_SERVER_BIN") {
        return p.into();
    }
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_carecircle")).parent().expect("a directory").to_path_buf();
    let bin = profile_dir.join(format!("carecircle-server{}", std::env::consts::EXE_SUFFIX));
    let sources = ["core/src", "server/src", "server/web", "Cargo.lock"].iter().map(|d| newest(&repo(d))).max().unwrap();
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    if built.is_none_or(|b| b < sources) {
        // Cargo holds no lock while tests run, so this is an ordinary (incremental) build.
        let target = profile_dir.parent().expect("the target directory");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "-p", "carecircle-server", "--bin", "carecircle-server", "--target-dir"]).arg(target).current_dir(repo("."));
        match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some(profile) => {
                cmd.args(["--profile", if profile == "release" { "release" } else { profile }]);
            }
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "could not build carecircle-server; set CARECIRCLE_SERVER_BIN to a built one");
    }
    bin
}

/// The demo platform, until dropped.
struct Platform {
    url: String,
    child: Child,
}

impl Platform {
    fn start(dir: &Path) -> Platform {
        let mut child = Command::new(server_binary())
            .args(["--demo", "--listen", "127.0.0.1:0", "--jobs-tick-seconds", "0", "--db"])
            .arg(dir.join("platform.db"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start carecircle-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "first line is the address, got {line:?}");
        Platform { url: line.trim().to_string(), child }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `carecircle [--json] admin --server URL --user LOGIN ARGS...`, the password from the environment.
fn admin(p: &Platform, login: &str, json: bool, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carecircle"));
    if json {
        cmd.arg("--json");
    }
    cmd.args(["admin", "--server", &p.url, "--user", login]).args(args).env("CARECIRCLE_PASSWORD", "demo").env_remove("CARECIRCLE_DB").output().expect("runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON on stdout")
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "accepted: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_district_administrator_imports_facilities_and_divisions_through_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let p = Platform::start(dir.path());
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // A new canteen, given in GCJ-02 as Amap hands it over: a phone finds it after its next sync.
    std::fs::write(path("canteen.geojson"), r#"{"type":"FeatureCollection","coordinate_system":"gcj02","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.722260,29.958439]},"properties":{"id":"ZH-CT-NEW","name":"丰山社区新老年食堂","kind":"canteen","services":["meals"],"division":"330211001001"}}]}"#).unwrap();
    let report = json(&admin(&p, "district", true, &["facilities", &path("canteen.geojson")]));
    assert_eq!((report["inserted"].as_u64(), report["updated"].as_u64()), (Some(1), Some(0)), "{report}");
    assert_eq!(ok(&admin(&p, "district", false, &["facilities", &path("canteen.geojson")])).trim(), "facilities: 0 new, 1 updated");
    let phone = path("phone.db");
    let synced = Command::new(env!("CARGO_BIN_EXE_carecircle")).args(["--db", &phone, "sync", "--server", &p.url, "--user", "family", "--password", "demo"]).output().unwrap();
    ok(&synced);
    let found = Command::new(env!("CARGO_BIN_EXE_carecircle")).args(["--db", &phone, "--json", "nearest", "--lat", "29.9609", "--lon", "121.7180", "--kind", "canteen", "--k", "1"]).output().unwrap();
    let found = json(&found);
    assert_eq!(found[0]["id"], "ZH-CT-NEW", "{found}");
    assert!(found[0]["distance_m"].as_f64().unwrap() < 2.0, "stored in WGS-84: {found}");

    // A bad file: refused whole, every bad row named, in the platform's words.
    let err = refused(&admin(&p, "district", false, &["facilities", repo("data/samples/bad-facilities.csv").to_str().unwrap()]));
    for needle in ["import rejected, nothing was changed: 5 bad row(s)", "line 3: name is missing", "line 4: invalid coordinate", "line 5: invalid coordinate: latitude 95", "line 6: invalid kind", "line 7: duplicate id 'BAD-001'"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    // A station's operator may not; a wrong password is said so; a missing file is named.
    assert!(refused(&admin(&p, "operator", false, &["facilities", &path("canteen.geojson")])).contains("not allowed"));
    let wrong = Command::new(env!("CARGO_BIN_EXE_carecircle")).args(["admin", "--server", &p.url, "--user", "district", "--password", "wrong", "jobs"]).output().unwrap();
    assert!(refused(&wrong).contains("did not accept the sign-in"));
    assert!(refused(&admin(&p, "district", false, &["facilities", &path("missing.csv")])).contains("missing.csv"));
    assert!(refused(&admin(&p, "district", false, &["facilities", &path("canteen.txt")])).contains("--format"));

    // Division boundaries: the seniors' community outlined; a bad file refused with each feature.
    std::fs::write(
        path("divisions.geojson"),
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.70,29.95],[121.73,29.95],[121.73,29.97],[121.70,29.97],[121.70,29.95]]]},"properties":{"code":"330211001001","name":"招宝山街道泰河社区","level":"community","parent":"330211001000"}},
          {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.60,29.90],[121.80,29.90],[121.80,30.00],[121.60,30.00],[121.60,29.90]]]},"properties":{"code":"330211001000","name":"招宝山街道","level":"street","parent":"330211000000"}}]}"#,
    )
    .unwrap();
    assert_eq!(ok(&admin(&p, "district", false, &["divisions", &path("divisions.geojson")])).trim(), "divisions: 0 new, 2 updated");
    std::fs::write(
        path("bad-divisions.geojson"),
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.71,29.96]},"properties":{"code":"330211001099","name":"新社区","level":"community"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[121.71,29.96]},"properties":{"code":"abc","name":"坏代码","level":"community"}},
          {"type":"Feature","geometry":{"type":"LineString","coordinates":[[121.71,29.96],[121.72,29.96]]},"properties":{"code":"330211001098","name":"线","level":"community"}}]}"#,
    )
    .unwrap();
    let err = refused(&admin(&p, "district", false, &["divisions", &path("bad-divisions.geojson")]));
    for needle in ["2 bad row(s)", "feature 1: code 'abc'", "feature 2: geometry must be a Point, a Polygon or a MultiPolygon"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    assert_eq!(json(&admin(&p, "district", true, &["divisions", &path("divisions.geojson")]))["updated"], 2, "the good file is stored, the bad one not");

    // The base map: set, shown with the hosts the page may load from, refused when unsafe, cleared.
    let set = ok(&admin(&p, "district", false, &["base-map", "set", "--url", "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY", "--crs", "wgs84", "--subdomains", "0,1,2,3,4,5,6,7", "--attribution", "© 天地图"]));
    assert!(set.contains("https://t0.tianditu.gov.cn") && set.contains("https://t7.tianditu.gov.cn"), "{set}");
    assert_eq!(json(&admin(&p, "district", true, &["base-map", "show"]))["base_map"]["crs"], "wgs84");
    let err = refused(&admin(&p, "district", false, &["base-map", "set", "--url", "http://tiles.example.cn/{z}/{x}/{y}.png", "--crs", "gcj02"]));
    assert!(err.contains("invalid base map url: must start with https://"), "{err}");
    assert!(ok(&admin(&p, "district", false, &["base-map", "clear"])).contains("no base map"));
    assert!(refused(&admin(&p, "operator", false, &["base-map", "show"])).contains("not allowed"));

    // Menus and stock: a station's operator for its own facility; the district for any.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d").to_string();
    let menu = ["menu", "ZH-CT-NEW", "--date", &tomorrow, "--meal", "lunch", "--dishes", "米饭、青菜", "--price-fen", "1200", "--capacity", "20", "--seats", "10"];
    assert!(refused(&admin(&p, "district", false, &menu)).contains("canteen not found"), "not yet a canteen");
    assert_eq!(ok(&admin(&p, "district", false, &["canteen", "ZH-CT-NEW", "--delivery-radius-m", "800"])).trim(), "canteen: done");
    assert_eq!(ok(&admin(&p, "district", false, &["menu", "ZH-CT-NEW", "--date", &tomorrow, "--meal", "lunch", "--dishes", "米饭、青菜", "--price-fen", "1200", "--capacity", "20", "--seats", "10"])).trim(), "menu: done");
    let jobs = ok(&admin(&p, "district", false, &["jobs"]));
    assert!(jobs.contains("alert_escalation") && jobs.contains("booking_sweep"), "{jobs}");
}
