//! The test harness: a small district seeded straight into a database (SQLite file, or a fresh
//! PostgreSQL database when CARECIRCLE_TEST_PG names a server), the real server binary started
//! on it on a random loopback port, phones (core instances with their own SQLite files), and a
//! bare HTTP client for the API.
#![allow(dead_code)]

use argon2::password_hash::{PasswordHasher, SaltString};
use carecircle_core::account::Account;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, FamilyLink, FamilyMember, FamilyPermissions, Gender, Senior};
use carecircle_core::sync::Credentials;
use carecircle_core::{Actor, CareCircle, Facility, FacilityKind, Position, ServiceSet, Settings};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse";
pub const HOME: (f64, f64) = (29.9609, 121.7180);

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// SQLite always; PostgreSQL too when CARECIRCLE_TEST_PG is set (a notice otherwise).
pub fn backends(dir: &std::path::Path) -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite(dir.join("platform.db"))];
    match std::env::var("CARECIRCLE_TEST_PG") {
        Ok(base) if !base.is_empty() => {
            let name = format!("cc_e2e_{}_{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
            out.push(Backend::Postgres(off(|| carecircle_core::db_postgres::create_database(&base, &name)).expect("create a test database")));
        }
        _ => eprintln!("notice: CARECIRCLE_TEST_PG is not set, so the PostgreSQL variant of this test is skipped"),
    }
    out
}

/// Each backend in turn, seeded, with a folder of its own for phones' files: the preamble of
/// every story test run on both backends.
pub fn seeded(dir: &std::path::Path) -> impl Iterator<Item = (Backend, std::path::PathBuf)> {
    let dir = dir.to_path_buf();
    backends(&dir).into_iter().map(move |backend| {
        eprintln!("backend {}", backend.name());
        let sub = dir.join(backend.name());
        std::fs::create_dir_all(&sub).unwrap();
        seed(&backend);
        (backend, sub)
    })
}

/// Runs blocking work from async tests: the synchronous PostgreSQL client drives a runtime of its
/// own, which must not run inside the test's.
pub fn off<T>(f: impl FnOnce() -> T) -> T {
    if tokio::runtime::Handle::try_current().is_ok() { tokio::task::block_in_place(f) } else { f() }
}

/// The platform's database, opened by the test beside the server, to check what it holds.
pub struct Platform(Option<CareCircle>);

impl Platform {
    pub fn with<T>(&self, f: impl FnOnce(&CareCircle) -> T) -> T {
        off(|| f(self.0.as_ref().expect("open")))
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        let cc = self.0.take();
        off(move || drop(cc));
    }
}

pub fn open_platform(b: &Backend) -> Platform {
    let clock = Arc::new(carecircle_core::clock::SystemClock);
    Platform(Some(off(|| match b {
        Backend::Sqlite(p) => CareCircle::open_with_clock(p, Settings::default(), clock).unwrap(),
        Backend::Postgres(url) => CareCircle::open_on(Box::new(carecircle_core::db_postgres::PgDb::connect(url, 2).unwrap()), Settings::default(), clock).unwrap(),
    })))
}

/// Streets 100 m apart in a square of 4 km around the home, for walks and isochrones.
fn street_grid() -> carecircle_core::network::Graph {
    let (n, step) = (41i32, 9_000i32);
    let (lat0, lon0) = ((HOME.0 * 1e7) as i32 - 20 * step, (HOME.1 * 1e7) as i32 - 20 * step);
    let mut coords = Vec::new();
    let mut segs = Vec::new();
    for i in 0..n {
        for j in 0..n {
            coords.push([lat0 + i * step, lon0 + j * step]);
            let k = (i * n + j) as u32;
            if j + 1 < n {
                segs.push((k, k + 1));
            }
            if i + 1 < n {
                segs.push((k, k + n as u32));
            }
        }
    }
    carecircle_core::network::Graph::from_segments(&coords, segs)
}

fn position(north_m: f64) -> Position {
    Position::new(HOME.0 + north_m / 111_195.0, HOME.1).unwrap()
}

fn station(id: &str, north_m: f64) -> Facility {
    Facility {
        id: id.into(),
        name: format!("站{id}"),
        kind: FacilityKind::CommunityStation,
        position: position(north_m),
        address: String::new(),
        phone: String::new(),
        hours: WeeklyHours::always(),
        services: ServiceSet::parse_list("cleaning;emergency").unwrap(),
        capacity: 0,
        division: "330211001001".into(),
        updated_at: chrono::Utc::now(),
        deleted: false,
    }
}

fn senior(id: &str, station: &str, north_m: f64) -> Senior {
    Senior {
        id: id.into(),
        name: "王秀英".into(),
        birth_date: carecircle_core::clock::parse_date("1940-03-01").unwrap(),
        gender: Gender::Female,
        home: position(north_m),
        address: "招宝山街道丰山路1号".into(),
        lives_alone: true,
        phone: "0574-86000000".into(),
        station_id: Some(station.into()),
        division: "330211001001".into(),
    }
}

fn caregiver(id: &str, north_m: f64) -> Caregiver {
    Caregiver {
        id: id.into(),
        name: format!("护理员{id}"),
        organisation: "镇海区九和社工服务中心".into(),
        station_id: Some("ST1".into()),
        skills: ServiceSet::parse_list("cleaning;bathing").unwrap(),
        base: position(north_m),
        radius_m: 5000.0,
        availability: WeeklyHours::always(),
    }
}

/// The accounts of the small district, by login.
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("district", "district"),
    ("operator", "operator:ST1"),
    ("operator2", "operator:ST2"),
    ("senior", "senior:S1"),
    ("senior2", "senior:S2"),
    ("family", "family:F1"),
    ("family2", "family:F2"),
    ("caregiver1", "caregiver:C1"),
    ("caregiver2", "caregiver:C2"),
    ("caregiver3", "caregiver:C3"),
    ("caregiver4", "caregiver:C4"),
    ("township", "township:330211001"),
    ("township2", "township:330211002"),
];

/// Seniors S1 (station ST1) and S2 (station ST2); F1 may book and see S1's visits, F2 only
/// receives S1's alerts; caregivers C1, C2, C3 of ST1 (offered S1's visits, nearest first) and
/// C4 of ST2, far away (never offered them).
pub fn seed(b: &Backend) {
    open_platform(b).with(seed_on);
}

fn seed_on(cc: &CareCircle) {
    // ST1 and S1 lie in township 330211001, ST2 and S2 in the next township, 330211002.
    let mut st2 = station("ST2", 20_000.0);
    st2.division = "330211002001".into();
    let mut s2 = senior("S2", "ST2", 20_000.0);
    s2.division = "330211002001".into();
    cc.put_facilities(&[station("ST1", 300.0), st2]).unwrap();
    cc.put_seniors(&[senior("S1", "ST1", 0.0), s2]).unwrap();
    for id in ["F1", "F2"] {
        cc.put_family_member(&FamilyMember { id: id.into(), name: format!("家属{id}"), phone: String::new() }).unwrap();
    }
    let link = |f: &str, p| FamilyLink { senior_id: "S1".into(), family_id: f.into(), relation: "子女".into(), permissions: p };
    cc.link_family(&link("F1", FamilyPermissions::ALL)).unwrap();
    cc.link_family(&link("F2", FamilyPermissions { receives_alerts: true, ..FamilyPermissions::default() })).unwrap();
    let mut far = caregiver("C4", 40_000.0);
    far.station_id = Some("ST2".into());
    far.radius_m = 1000.0;
    // Clinic CL1, 30 km away, with its family doctor D1 (never offered S1's visits).
    let mut clinic = station("CL1", 30_000.0);
    clinic.kind = FacilityKind::Clinic;
    clinic.services = ServiceSet::parse_list("medical").unwrap();
    cc.put_facilities(&[clinic]).unwrap();
    let mut doctor = caregiver("D1", 30_000.0);
    doctor.station_id = Some("CL1".into());
    doctor.skills = ServiceSet::parse_list("medical").unwrap();
    doctor.radius_m = 1000.0;
    cc.put_caregivers(&[caregiver("C1", 500.0), caregiver("C2", 900.0), caregiver("C3", 1500.0), far, doctor]).unwrap();
    cc.put_network(street_grid(), "test streets").unwrap();
    // Canteen CT1, 200 m south, with tomorrow's lunch for three (two seats); ST1 lends one wheelchair.
    let mut canteen = station("CT1", -200.0);
    canteen.kind = FacilityKind::Canteen;
    canteen.services = ServiceSet::parse_list("meals").unwrap();
    cc.put_facilities(&[canteen]).unwrap();
    cc.set_canteen(&carecircle_core::meal::CanteenSettings::new("CT1", 3000.0)).unwrap();
    cc.set_menu(&carecircle_core::meal::Menu {
        facility_id: "CT1".into(),
        date: tomorrow(),
        meal: carecircle_core::meal::Meal::Lunch,
        dishes: "红烧肉、青菜、米饭".into(),
        price_fen: 1500,
        capacity: 3,
        seats: 2,
    })
    .unwrap();
    // S1 was assessed (applications for subsidies need one).
    let scores: Vec<u8> = carecircle_core::assessment::ITEMS.iter().map(|i| i.max).collect();
    cc.record_assessment(&Actor::District, "S1", "评估员甲", tomorrow() - chrono::Duration::days(10), &scores, carecircle_core::assessment::Conditions::default()).unwrap();
    cc.set_device_stock(&carecircle_core::rental::DeviceStock { facility_id: "ST1".into(), device: carecircle_core::rental::Device::Wheelchair, total: 1, deposit_fen: 20000, daily_fee_fen: 300 }).unwrap();
    // Time-bank accounts: F1 volunteered two hours for S1 and gave half an hour to the hardship
    // pool; S1 earned two hours volunteering for S2.
    cc.open_timebank_account("F1", "家属F1", None).unwrap();
    cc.open_timebank_account("S1", "王秀英", Some(carecircle_core::clock::parse_date("1940-03-01").unwrap())).unwrap();
    cc.record_volunteer_service(&Actor::District, "F1", "S1", carecircle_core::Service::Companionship, 120).unwrap();
    cc.record_volunteer_service(&Actor::District, "S1", "S2", carecircle_core::Service::Companionship, 120).unwrap();
    cc.donate_hours(&Actor::District, "F1", 30).unwrap();
    // One hash for all: argon2 is slow on purpose.
    let hash = argon2::Argon2::default().hash_password(PASSWORD.as_bytes(), &SaltString::encode_b64(b"carecircle-test!").unwrap()).unwrap().to_string();
    for (login, actor) in ACCOUNTS {
        cc.put_account(&Account { login: login.to_string(), actor: Actor::parse(actor).unwrap(), password_hash: hash.clone(), disabled: false }).unwrap();
    }
}

/// The real server binary, running until dropped.
pub struct Server {
    pub url: String,
    child: Child,
    backend: Backend,
    extra: Vec<String>,
}

impl Server {
    pub fn start(b: &Backend) -> Server {
        Server::start_with(b, &[])
    }

    pub fn start_with(b: &Backend, extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carecircle-server"));
        cmd.args(["--listen", "127.0.0.1:0"]);
        match b {
            Backend::Sqlite(p) => cmd.arg("--db").arg(p),
            Backend::Postgres(url) => cmd.args(["--database-url", url, "--pool", "4"]),
        };
        cmd.args(extra).env("RUST_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("start carecircle-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "first line is the address, got {line:?}");
        Server { url: line.trim().to_string(), child, backend: b.clone(), extra: extra.iter().map(|s| s.to_string()).collect() }
    }

    /// The server process's id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (no graceful shutdown).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same database (on a new port).
    pub fn restart(&mut self) {
        self.kill();
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        *self = Server::start_with(&self.backend.clone(), &extra);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A phone: its own SQLite file, signed in as `login`.
pub struct Phone {
    pub cc: CareCircle,
    pub login: String,
    pub actor: Actor,
}

impl Phone {
    pub fn new(dir: &std::path::Path, login: &str) -> Phone {
        let actor = ACCOUNTS.iter().find(|(l, _)| *l == login).map(|(_, a)| Actor::parse(a).unwrap()).expect("known login");
        let cc = CareCircle::open(dir.join(format!("phone-{login}.db")), Settings::default()).unwrap();
        Phone { cc, login: login.into(), actor }
    }

    pub fn credentials(&self) -> Credentials {
        Credentials { login: self.login.clone(), password: PASSWORD.into() }
    }

    pub async fn sync(&self, url: &str) -> carecircle_core::Result<carecircle_core::sync::SyncReport> {
        self.cc.sync_with(url, &self.credentials(), &quick()).await
    }
}

/// Retries fast: tests cut connections on purpose.
pub fn quick() -> carecircle_core::sync::SyncOptions {
    carecircle_core::sync::SyncOptions {
        attempts: 12,
        backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_millis(500),
        timeout: std::time::Duration::from_secs(20),
        ..Default::default()
    }
}

/// A bare API client.
pub struct Api {
    pub url: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(url: &str) -> Api {
        Api { url: url.to_string(), http: reqwest::Client::new() }
    }

    pub async fn token(&self, login: &str) -> String {
        self.token_with(login, PASSWORD).await
    }

    pub async fn token_with(&self, login: &str, password: &str) -> String {
        let r = self.http.post(format!("{}/v1/auth/login", self.url)).json(&serde_json::json!({"login": login, "password": password})).send().await.unwrap();
        assert_eq!(r.status(), 200, "login {login}");
        r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }
}

/// A booking start a few minutes ahead, so that check-in (from an hour before) is open now.
pub fn soon() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::minutes(10)
}

pub fn home() -> Position {
    Position::new(HOME.0, HOME.1).unwrap()
}

/// Tomorrow in Shanghai: the day of the seeded menu (its cut-off is always ahead).
pub fn tomorrow() -> chrono::NaiveDate {
    carecircle_core::clock::shanghai_date(chrono::Utc::now()) + chrono::Duration::days(1)
}
