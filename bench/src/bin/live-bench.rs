//! Live delivery benchmark: the real server (`--demo`, embedded SQLite) with 100 raw SSE streams
//! open over the demo accounts, then 200 family booking requests for the demo senior through
//! REST, one at a time. Each request reaches every streaming account (the district, the senior,
//! her family, her station's operator, and the caregivers it is offered to); for each stream
//! that should hear of it, the time from just before the request to its `changed` event. Then
//! the whole phone path: one family phone `listen`ing, time from before the request to its
//! `subscribe` listener hearing of the booking (the stream's hint, a pull, the listener).
//!
//!   cargo build --release -p carecircle-server -p carecircle-bench
//!   target/release/live-bench [STREAMS [COMMITS [PHONE_COMMITS]]]
//!
//! The server binary is found beside this one, or at CARECIRCLE_SERVER_BIN.

use carecircle_core::sync::{Credentials, SyncOptions};
use carecircle_core::{CareCircle, Settings};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const LOGINS: [&str; 7] = ["district", "senior", "family", "operator", "caregiver1", "caregiver2", "caregiver3"];
const SENIOR: &str = "ZH-S-000001";
/// A stream that has not heard of a commit by then has missed it.
const GIVE_UP: Duration = Duration::from_secs(5);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn summary(name: &str, mut v: Vec<Duration>) {
    v.sort();
    println!(
        "| {name} | {} | {} | {} | {} | {} |",
        v.len(),
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.9)),
        ms(percentile(&v, 0.99)),
        ms(v.last().copied().unwrap_or_default())
    );
}

fn main() {
    let arg = |i: usize, default: usize| std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (streams, commits, phone_commits) = (arg(1, 100), arg(2, 200), arg(3, 50));
    let bin = std::env::var("CARECIRCLE_SERVER_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::current_exe().unwrap().with_file_name("carecircle-server"));
    let dir = std::env::temp_dir().join(format!("carecircle-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    // Jobs off: nothing but the benchmark's requests changes the platform.
    let mut child = Command::new(&bin)
        .args(["--demo", "--listen", "127.0.0.1:0", "--jobs-tick-seconds", "0", "--max-streams-per-login", "100000", "--db"])
        .arg(dir.join("platform.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (build it: cargo build --release -p carecircle-server)", bin.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let server = Server(child);
    let url = line.trim().to_string();
    assert!(url.starts_with("http://"), "the server printed {line:?}");
    eprintln!("demo platform at {url} after {:?}", started.elapsed());

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(&url, &dir, streams, commits, phone_commits));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn sign_in(http: &reqwest::Client, url: &str, login: &str) -> (String, String) {
    let (status, s) = call(http, reqwest::Method::POST, format!("{url}/v1/auth/login"), None, Some(json!({"login": login, "password": "demo"}))).await;
    assert_eq!(status, 200, "login {login}: {s}");
    (s["token"].as_str().unwrap().to_string(), s["actor"]["id"].as_str().unwrap_or("").to_string())
}

/// Reads one stream, reporting (stream, when) for every `changed` event.
async fn read_stream(i: usize, mut resp: reqwest::Response, out: mpsc::UnboundedSender<(usize, Instant)>) {
    let mut buf = String::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let at = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: changed") && out.send((i, at)).is_err() {
                return;
            }
        }
    }
}

fn booking(i: usize) -> Value {
    // An hour apart, so that the nearest caregivers are free for each.
    let start = chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(i as i64);
    json!({"senior_id": SENIOR, "service": "cleaning", "start": start, "duration_minutes": 60})
}

/// The first sync of a phone signed in as `login`: (pages, rows, bytes of the pull answers,
/// time of the raw pulls) and the time of a whole `sync` into a fresh phone database.
async fn first_sync(http: &reqwest::Client, url: &str, dir: &std::path::Path, login: &str, run: usize) -> (u32, usize, usize, Duration, Duration) {
    let (token, _) = sign_in(http, url, login).await;
    let (mut cursor, mut pages, mut rows, mut bytes) = (String::new(), 0u32, 0usize, 0usize);
    let t = Instant::now();
    loop {
        let r = http.post(format!("{url}/v1/sync/pull")).bearer_auth(&token).json(&json!({"cursor": cursor, "limit": 500})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.bytes().await.unwrap();
        bytes += body.len();
        pages += 1;
        let page: Value = serde_json::from_slice(&body).unwrap();
        rows += page["tables"].as_array().unwrap().iter().map(|t| t["rows"].as_array().unwrap().len()).sum::<usize>();
        cursor = page["cursor"].as_str().unwrap().to_string();
        if page["more"] != true {
            break;
        }
    }
    let raw = t.elapsed();
    let phone = CareCircle::open(dir.join(format!("first-{login}-{run}.db")), Settings::default()).unwrap();
    let t = Instant::now();
    phone.sync(url, &Credentials { login: login.into(), password: "demo".into() }).await.unwrap();
    (pages, rows, bytes, raw, t.elapsed())
}

async fn run(url: &str, dir: &std::path::Path, streams: usize, commits: usize, phone_commits: usize) {
    let http = reqwest::Client::new();
    println!("### First sync: a family phone, and an operator's tablet holding one station's seniors (3 runs each)");
    println!();
    println!("| login | pages | rows | bytes pulled (JSON, uncompressed) | raw pulls | whole `sync` into a fresh phone (sign-in, pull, apply) |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for login in ["family", "operator"] {
        for n in 0..3 {
            let (pages, rows, bytes, raw, whole) = first_sync(&http, url, dir, login, n).await;
            println!("| {login} | {pages} | {rows} | {bytes} | {} | {} |", ms(raw), ms(whole));
        }
    }
    println!();
    let mut accounts = Vec::new();
    for login in LOGINS {
        accounts.push((login, sign_in(&http, url, login).await));
    }
    let family = accounts.iter().find(|(l, _)| *l == "family").unwrap().1.0.clone();

    // The streams, round robin over the accounts; each first hints at everything since the start.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut who = Vec::new();
    let mut tasks = Vec::new();
    // Its own client per stream: one connection each, as phones would have.
    for i in 0..streams {
        let (login, (token, id)) = &accounts[i % accounts.len()];
        let resp = reqwest::Client::new().get(format!("{url}/v1/sync/stream")).bearer_auth(token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "stream {i} as {login}");
        who.push((login.starts_with("caregiver"), id.clone()));
        tasks.push(tokio::spawn(read_stream(i, resp, tx.clone())));
    }
    let mut ready = vec![false; streams];
    while ready.iter().any(|r| !r) {
        let (i, _) = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.expect("every stream hints at once").unwrap();
        ready[i] = true;
    }
    eprintln!("{streams} streams open");

    let mut latencies = Vec::new();
    let mut answers = Vec::new();
    let (mut missed, mut extra, mut refused) = (0usize, 0usize, 0usize);
    for c in 0..commits {
        while rx.try_recv().is_ok() {
            extra += 1;
        }
        let t0 = Instant::now();
        let (status, view) = call(&http, reqwest::Method::POST, format!("{url}/v1/bookings"), Some(&family), Some(booking(c))).await;
        answers.push(t0.elapsed());
        if status != 201 {
            refused += 1;
            eprintln!("request {c} refused: {status} {view}");
            continue;
        }
        let offered: Vec<&str> = view["offers"].as_array().map(|a| a.iter().filter_map(|o| o["caregiver_id"].as_str()).collect()).unwrap_or_default();
        let mut waiting: Vec<bool> = who.iter().map(|(carer, id)| !carer || offered.contains(&id.as_str())).collect();
        let mut left = waiting.iter().filter(|w| **w).count();
        let deadline = tokio::time::Instant::now() + GIVE_UP;
        while left > 0 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((i, at))) if waiting[i] => {
                    waiting[i] = false;
                    left -= 1;
                    latencies.push(at - t0);
                }
                Ok(Some(_)) => extra += 1,
                _ => {
                    missed += left;
                    break;
                }
            }
        }
    }
    for t in &tasks {
        t.abort();
    }
    println!("### Raw streams: {streams} SSE streams over {} demo accounts, {commits} booking requests one at a time", LOGINS.len());
    println!();
    println!("| from just before the request to | count | p50 | p90 | p99 | max |");
    println!("| --- | --- | --- | --- | --- | --- |");
    summary("each stream's `changed` event", latencies);
    summary("the request's answer (for scale)", answers);
    println!();
    println!("missed (none within {GIVE_UP:?}): {missed}; events beyond those expected: {extra}; requests refused: {refused}");
    println!();

    // The whole phone path: a family phone listening; its app's listener hears of each booking.
    let phone = Arc::new(CareCircle::open(dir.join("phone.db"), Settings::default()).unwrap());
    let (heard, mut hears) = mpsc::unbounded_channel();
    let _subscription = phone.subscribe(move |e| {
        if e.kind.code() == "booking_requested" {
            let _ = heard.send((e.subject_id, Instant::now()));
        }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let credentials = Credentials { login: "family".into(), password: "demo".into() };
    let (p, u) = (phone.clone(), url.to_string());
    let listening = tokio::spawn(async move {
        p.listen_with(&u, &credentials, &SyncOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    let t = Instant::now();
    while !phone.sync_binding().unwrap().is_some_and(|b| b.synced_at.is_some()) {
        assert!(t.elapsed() < Duration::from_secs(120), "the phone's first sync did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("phone's first sync took {:?}", t.elapsed());
    tokio::time::sleep(Duration::from_millis(500)).await;
    while hears.try_recv().is_ok() {}
    let mut phone_latencies = Vec::new();
    let mut phone_missed = 0;
    for c in 0..phone_commits {
        let t0 = Instant::now();
        let (status, view) = call(&http, reqwest::Method::POST, format!("{url}/v1/bookings"), Some(&family), Some(booking(commits + c))).await;
        if status != 201 {
            eprintln!("phone request {c} refused: {status} {view}");
            continue;
        }
        let id = view["booking"]["id"].as_str().unwrap().to_string();
        let deadline = tokio::time::Instant::now() + GIVE_UP;
        loop {
            match tokio::time::timeout_at(deadline, hears.recv()).await {
                Ok(Some((subject, at))) if subject == id => {
                    phone_latencies.push(at - t0);
                    break;
                }
                Ok(Some(_)) => {}
                _ => {
                    phone_missed += 1;
                    break;
                }
            }
        }
    }
    stop.send(()).unwrap();
    let report = listening.await.unwrap().unwrap();
    println!("### Phone path: one family phone `listen`ing, {phone_commits} booking requests one at a time");
    println!();
    println!("| from just before the request to | count | p50 | p90 | p99 | max |");
    println!("| --- | --- | --- | --- | --- | --- |");
    summary("the phone's `subscribe` listener", phone_latencies);
    println!();
    println!("missed: {phone_missed}; listen: {report:?}");
}
