//! Live delivery: a caregiver's phone listening on the platform's stream has a visit offered to
//! it within a second of the family's request; the raw stream hints, resumes from its last id,
//! outlives the request timeout, ends with its session, and refuses bad cursors, missing
//! tokens and a fifth stream per login. On SQLite, and PostgreSQL (with a second instance) when
//! CARECIRCLE_TEST_PG is set.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The correctness bound of the issue: every change travels to the phones within a second.
const BOUND: Duration = Duration::from_secs(1);

async fn request_visit(api: &Api, token: &str, id: &str, hours_ahead: i64) -> Value {
    let start = soon() + chrono::Duration::hours(hours_ahead);
    let (status, body) = api.call("POST", "/v1/bookings", Some(token), Some(json!({"id": id, "senior_id": "S1", "service": "cleaning", "start": start, "duration_minutes": 60}))).await;
    assert_eq!(status, 201, "{body}");
    body
}

fn offered_to(view: &Value) -> Vec<String> {
    view["offers"].as_array().unwrap().iter().map(|o| o["caregiver_id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listening_caregiver_phone_has_the_offer_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let api = Api::new(&server.url);
        let family = api.token("family").await;
        let district = api.token("district").await;
        let carer = Phone::new(&sub, "caregiver1");
        // The app's listener: pulled events reach it as local ones do.
        let (heard, hears) = std::sync::mpsc::channel();
        let _subscription = carer.cc.subscribe(move |e| {
            let _ = heard.send((e.kind.code(), e.subject_id, e.party_id, Instant::now()));
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (credentials, options) = (carer.credentials(), quick());
        let listening = carer.cc.listen_with(&server.url, &credentials, &options, async {
            let _ = stopped.await;
        });
        let arrives = |id: String, since: Instant, within: Duration| {
            let cc = &carer.cc;
            async move {
                loop {
                    if !cc.offers(&id).unwrap().is_empty() {
                        return since.elapsed();
                    }
                    assert!(since.elapsed() < within, "the offer of {id} did not reach the phone within {within:?}");
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        };
        let driver = async {
            let t = Instant::now();
            while !carer.cc.sync_binding().unwrap().is_some_and(|b| b.synced_at.is_some()) {
                assert!(t.elapsed() < Duration::from_secs(20), "the first sync did not finish");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // The stream opens right after the first sync.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut latencies = Vec::new();
            for i in 0..3 {
                let id = format!("live-{i}");
                let t = Instant::now();
                let view = request_visit(&api, &family, &id, 2 * i).await;
                assert!(offered_to(&view).contains(&"C1".to_string()), "{view}");
                latencies.push(arrives(id.clone(), t, Duration::from_secs(5)).await);
                // The listener runs on a thread of its own: give it a moment after the commit.
                let told = loop {
                    let (kind, subject, party, at) = hears.recv_timeout(Duration::from_secs(2)).expect("the listener was told of the offer");
                    if kind == "booking_offered" && subject == id {
                        assert_eq!(party.as_deref(), Some("C1"));
                        break at - t;
                    }
                };
                assert!(told < BOUND, "the listener heard of {id} after {told:?}");
            }
            // Its sessions ended (the account put again): the stream ends, the phone signs in
            // again, resumes from its last hint, and still hears of the next offer.
            let (status, body) = api.call("POST", "/v1/accounts", Some(&district), Some(json!({"login": "caregiver1", "password": PASSWORD, "actor": "caregiver:C1"}))).await;
            assert_eq!(status, 201, "{body}");
            let t = Instant::now();
            request_visit(&api, &family, "live-after-logout", 8).await;
            let after_reconnect = arrives("live-after-logout".into(), t, Duration::from_secs(10)).await;
            stop.send(()).unwrap();
            (latencies, after_reconnect)
        };
        let (report, (latencies, after_reconnect)) = tokio::join!(listening, driver);
        let report = report.unwrap();
        eprintln!("{}: request to offer on the phone {latencies:?}; after its session ended {after_reconnect:?}; {report:?}", backend.name());
        for l in &latencies {
            assert!(*l < BOUND, "{l:?} from the request to the offer on the phone");
        }
        // After the session ended, the offer comes by the hint on the new stream or by the sync
        // that signs in again, whichever is first: 3 hints at least, and 5 syncs.
        assert!(report.events >= 3 && report.syncs >= 5, "{report:?}");
        assert!(report.reconnects >= 1, "the stream ended with the session: {report:?}");
        assert!(carer.cc.outbox().unwrap().is_empty());
    }
}

/// A bare SSE reader.
struct Raw {
    resp: reqwest::Response,
    buf: String,
}

#[derive(Debug, PartialEq)]
enum Next {
    Changed { id: String, cursor: String },
    Quiet,
    Ended,
}

async fn open(api: &Api, token: Option<&str>, last_id: Option<&str>, query: &str) -> Result<Raw, (u16, Value)> {
    let mut req = api.http.get(format!("{}/v1/sync/stream{query}", api.url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let resp = req.send().await.unwrap();
    if resp.status() != 200 {
        let status = resp.status().as_u16();
        return Err((status, resp.json().await.unwrap()));
    }
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    Ok(Raw { resp, buf: String::new() })
}

impl Raw {
    async fn next(&mut self, within: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim_start().to_string());
                if field("event:").is_some() {
                    assert_eq!(field("event:").as_deref(), Some("changed"), "{block}");
                    let data: Value = serde_json::from_str(&field("data:").expect("data")).unwrap();
                    return Next::Changed { id: field("id:").expect("an id"), cursor: data["cursor"].as_str().unwrap().to_string() };
                }
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return Next::Quiet,
                Ok(Ok(Some(c))) => self.buf.push_str(std::str::from_utf8(&c).unwrap()),
                Ok(_) => return Next::Ended,
            }
        }
    }

    /// Reads the hints already due until the stream is quiet; how many.
    async fn settle(&mut self) -> usize {
        let mut n = 0;
        while self.next(Duration::from_millis(300)).await != Next::Quiet {
            n += 1;
            assert!(n < 10, "the stream keeps hinting");
        }
        n
    }

    /// The next hint, which must come within `within`; its id.
    async fn hint(&mut self, within: Duration) -> String {
        match self.next(within).await {
            Next::Changed { id, cursor } => {
                assert_eq!(id, cursor, "the event's id is its cursor");
                id
            }
            other => panic!("expected a hint within {within:?}, got {other:?}"),
        }
    }
}

fn version(cursor: &str) -> i64 {
    cursor.split('.').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_stream_hints_resumes_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, _) in seeded(dir.path()) {
        // Whole requests time out after 6 s here; a stream must outlive that.
        let server = Server::start_with(&backend, &["--slow-client-seconds", "1"]);
        let api = Api::new(&server.url);
        let family = api.token("family").await;
        let opened = Instant::now();
        let mut long = open(&api, Some(&family), None, "").await.unwrap();
        // From the start: the district's facilities and S1's records are pending at once.
        let first = long.hint(Duration::from_secs(2)).await;

        // Resumed from that id (the header wins over an empty `?cursor=`, which means the start):
        // nothing until the next change.
        let mut resumed = open(&api, Some(&family), Some(&first), "?cursor=").await.unwrap();
        assert_eq!(resumed.next(Duration::from_millis(500)).await, Next::Quiet);
        let t = Instant::now();
        request_visit(&api, &family, "raw-1", 1).await;
        let second = resumed.hint(BOUND).await;
        assert!(t.elapsed() < BOUND, "{:?}", t.elapsed());
        assert!(version(&second) > version(&first), "{first} then {second}");
        drop(resumed);
        let mut again = open(&api, Some(&family), None, &format!("?cursor={second}")).await.unwrap();
        assert_eq!(again.next(Duration::from_millis(300)).await, Next::Quiet, "nothing after {second}");
        // A change outside the family's scope (S2 is not theirs) is no hint; the district, who
        // sees everything, is told of it.
        let mut whole = open(&api, Some(&api.token("district").await), None, &format!("?cursor={second}")).await.unwrap();
        let operator2 = api.token("operator2").await;
        let (status, body) = api.call("POST", "/v1/bookings", Some(&operator2), Some(json!({"senior_id": "S2", "service": "cleaning", "start": soon(), "duration_minutes": 60}))).await;
        assert_eq!(status, 201, "{body}");
        whole.hint(BOUND).await;
        assert_eq!(again.next(Duration::from_millis(300)).await, Next::Quiet, "S2's booking is not the family's business");
        drop((again, whole));

        // Refusals, before any stream starts.
        for (query, last_id) in [("?cursor=nonsense", None), ("", Some("1.x")), ("?cursor=1", None)] {
            let Err((status, body)) = open(&api, Some(&family), last_id, query).await else { panic!("{query} {last_id:?} was accepted") };
            assert_eq!((status, body["error"].as_str()), (422, Some("invalid_input")), "{query} {last_id:?}: {body}");
        }
        let Err((status, _)) = open(&api, None, None, "").await else { panic!("a stream without a token") };
        assert_eq!(status, 401);
        let Err((status, _)) = open(&api, Some("not-a-token"), None, "").await else { panic!("a stream with a made-up token") };
        assert_eq!(status, 401);
        // Four per login: `long` and three more; a fifth is refused, and a slot given back is free again.
        let now = format!("?cursor={second}");
        let mut more = Vec::new();
        for _ in 0..3 {
            // The streams dropped above give their slots back once the platform sees them close.
            let mut tries = 0;
            let stream = loop {
                match open(&api, Some(&family), None, &now).await {
                    Err((429, _)) if tries < 50 => tries += 1,
                    other => break other.unwrap(),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            more.push(stream);
        }
        let Err((status, body)) = open(&api, Some(&family), None, &now).await else { panic!("a fifth stream was accepted") };
        assert_eq!((status, body["error"].as_str()), (429, Some("too_many_streams")), "{body}");
        // Another login has streams of its own.
        let other = open(&api, Some(&api.token("caregiver1").await), None, "").await.unwrap();
        drop(more.pop());
        let mut back = None;
        let t = Instant::now();
        // The server sees the dropped connection when it next writes or polls it: wait for it.
        while back.is_none() {
            match open(&api, Some(&family), None, &now).await {
                Ok(s) => back = Some(s),
                Err((429, _)) if t.elapsed() < Duration::from_secs(5) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(e) => panic!("the slot was not given back: {e:?}"),
            }
        }
        drop((more, back, other));

        // Signed out: the stream ends at its next check.
        let carer = api.token("caregiver1").await;
        let mut ending = open(&api, Some(&carer), None, &now).await.unwrap();
        assert_eq!(api.call("POST", "/v1/auth/logout", Some(&carer), None).await.0, 204);
        request_visit(&api, &family, "raw-2", 3).await;
        assert_eq!(ending.next(Duration::from_secs(2)).await, Next::Ended, "the stream outlived its session");

        // Past the request timeout, the first stream still hints.
        let left = Duration::from_secs(7).saturating_sub(opened.elapsed());
        tokio::time::sleep(left).await;
        let mut probe = open(&api, Some(&family), None, &now).await.unwrap();
        // raw-2 came after `now`: that hint first.
        assert!(probe.settle().await >= 1);
        let t = Instant::now();
        request_visit(&api, &family, "raw-3", 5).await;
        let latest = probe.hint(BOUND).await;
        let seen = loop {
            let id = long.hint(BOUND).await;
            if version(&id) >= version(&latest) {
                break id;
            }
        };
        assert!(t.elapsed() < BOUND && opened.elapsed() > Duration::from_secs(7), "{seen} after {:?}", opened.elapsed());

        // Another instance on the same PostgreSQL database: its streams hear of this one's commits by polling.
        if matches!(backend, Backend::Postgres(_)) {
            let second_instance = Server::start(&backend);
            let api2 = Api::new(&second_instance.url);
            let mut there = open(&api2, Some(&api2.token("family").await), None, &format!("?cursor={latest}")).await.unwrap();
            // The district's jobs may change things as an instance starts.
            let settled = there.settle().await;
            let t = Instant::now();
            request_visit(&api, &family, "raw-4", 7).await;
            there.hint(BOUND).await;
            eprintln!("postgres: a commit on one instance hinted on another after {:?} ({settled} hints on connecting)", t.elapsed());
            assert!(t.elapsed() < BOUND, "{:?}", t.elapsed());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_sos_reaches_the_streaming_family_phone_within_a_second_of_reconnecting() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let senior = Phone::new(&sub, "senior");
        senior.sync(&server.url).await.unwrap();
        // The daughter who receives alerts keeps her phone streaming; the app listens.
        let daughter = Phone::new(&sub, "family2");
        let (heard, hears) = std::sync::mpsc::channel();
        let _subscription = daughter.cc.subscribe(move |e| {
            let _ = heard.send((e.kind.code(), e.subject_id, Instant::now()));
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (credentials, options) = (daughter.credentials(), quick());
        let listening = daughter.cc.listen_with(&server.url, &credentials, &options, async {
            let _ = stopped.await;
        });
        let driver = async {
            let t = Instant::now();
            while !daughter.cc.sync_binding().unwrap().is_some_and(|b| b.synced_at.is_some()) {
                assert!(t.elapsed() < Duration::from_secs(20), "the first sync did not finish");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            while hears.try_recv().is_ok() {}
            // Offline, she presses SOS on her phone; it reconnects and syncs.
            let sos = senior.cc.raise_alert(&senior.actor, "S1", home()).unwrap();
            let reconnect = Instant::now();
            let pushed = senior.sync(&server.url).await.unwrap();
            assert_eq!(pushed.applied, 1, "{pushed:?}");
            // Polled, not waited on: the listening phone runs in this same task.
            let told = 'heard: loop {
                for (kind, subject, at) in hears.try_iter() {
                    if kind == "alert_notified" && subject == sos.id {
                        break 'heard at - reconnect;
                    }
                }
                assert!(reconnect.elapsed() < Duration::from_secs(10), "the daughter's phone was not told of the SOS");
                tokio::time::sleep(Duration::from_millis(2)).await;
            };
            assert_eq!(daughter.cc.alert(&sos.id).unwrap().state, "raised");
            stop.send(()).unwrap();
            told
        };
        let (report, told) = tokio::join!(listening, driver);
        report.unwrap();
        eprintln!("{}: the SOS reached the streaming family phone {told:?} after the senior's phone reconnected", backend.name());
        assert!(told < Duration::from_secs(1), "{told:?}");
    }
}
