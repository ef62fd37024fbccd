//! Faults: the server killed and restarted in the middle of a push, connections cut in the
//! middle of responses, the same push delivered twice, two caregivers accepting at once from
//! two phones. Nothing is lost, nothing is duplicated, and there is exactly one winner.

mod common;

use carecircle_core::booking::{BookingRequest, BookingState};
use carecircle_core::sync::SyncOptions;
use carecircle_core::{Actor, Service};
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn request(minutes_ahead: i64) -> BookingRequest {
    BookingRequest { senior_id: "S1".into(), service: Service::Cleaning, start: chrono::Utc::now() + chrono::Duration::minutes(minutes_ahead), duration_minutes: Some(30), note: String::new() }
}

/// Every booking of S1 on the phone is the platform's, and the platform has exactly `n`.
fn assert_same(platform: &Platform, phone: &Phone, n: usize) {
    let on_platform = platform.with(|cc| cc.bookings_for_senior(&Actor::District, "S1")).unwrap();
    assert_eq!(on_platform.len(), n, "exactly {n} bookings on the platform: nothing lost, nothing twice");
    let on_phone = phone.cc.bookings_for_senior(&Actor::District, "S1").unwrap();
    assert_eq!(on_phone, on_platform, "the phone ends with the platform's bookings");
    assert!(phone.cc.outbox().unwrap().is_empty(), "the outbox is empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_killed_in_the_middle_of_a_push_loses_nothing_and_applies_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let mut server = Server::start(&backend);
        let family = Arc::new(Phone::new(&sub, "family"));
        family.sync(&server.url).await.unwrap();
        const N: usize = 40;
        for i in 0..N {
            family.cc.request_booking(&family.actor, &request(60 * 24 + 60 * i as i64)).unwrap();
        }
        let platform = open_platform(&backend);
        let (url, phone) = (server.url.clone(), family.clone());
        let pushing = tokio::spawn(async move {
            let opts = SyncOptions { push_batch: 4, attempts: 2, backoff: std::time::Duration::from_millis(10), ..quick() };
            phone.cc.sync_with(&url, &phone.credentials(), &opts).await
        });
        // Kill it as soon as the platform has taken some, not all, of the outbox.
        let started = std::time::Instant::now();
        loop {
            let n = platform.with(|cc| cc.bookings_for_senior(&Actor::District, "S1")).unwrap().len();
            if n > 0 || started.elapsed().as_secs() > 20 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        server.kill();
        let first = pushing.await.unwrap();
        let applied = platform.with(|cc| cc.bookings_for_senior(&Actor::District, "S1")).unwrap().len();
        eprintln!("killed after {applied} of {N} applied; first sync: {:?}", first.as_ref().map(|r| r.applied));
        assert!(first.is_err() || applied == N);
        server.restart();
        let report = family.sync(&server.url).await.unwrap();
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert_same(&platform, &family, N);
    }
}

/// A proxy that cuts every other connection after `cut` bytes of the server's answer.
async fn cutting_proxy(target: String, cut: usize) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cuts = Arc::new(AtomicUsize::new(0));
    let counter = cuts.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut client, _)) = listener.accept().await {
            n += 1;
            let cut_this = n % 2 == 1;
            let target = target.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { return };
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = tokio::io::copy(&mut cr, &mut sw);
                let down = async {
                    let mut sent = 0usize;
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let k = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(k) => k,
                        };
                        if cut_this && sent + k > cut {
                            counter.fetch_add(1, Ordering::Relaxed);
                            let _ = cw.write_all(&buf[..cut - sent]).await;
                            break;
                        }
                        if cw.write_all(&buf[..k]).await.is_err() {
                            break;
                        }
                        sent += k;
                    }
                };
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    (format!("http://{addr}"), cuts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_in_the_middle_of_responses_are_retried_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let target = server.url.trim_start_matches("http://").to_string();
        let family = Phone::new(&sub, "family");
        let carer = Phone::new(&sub, "caregiver1");
        family.sync(&server.url).await.unwrap();
        let (mut total_cuts, mut total_retries) = (0, 0);
        for (round, cut) in [40usize, 150, 400, 1500].into_iter().enumerate() {
            let (proxy, cuts) = cutting_proxy(target.clone(), cut).await;
            for i in 0..5 {
                family.cc.request_booking(&family.actor, &request(60 * 24 * (1 + round as i64) + 60 * i)).unwrap();
            }
            let report = family.sync(&proxy).await.unwrap();
            let carer_report = carer.sync(&proxy).await.unwrap();
            eprintln!("round {round}: cut at {cut} bytes: {} cut(s), {} retr(ies)", cuts.load(Ordering::Relaxed), report.retries + carer_report.retries);
            total_cuts += cuts.load(Ordering::Relaxed);
            total_retries += report.retries + carer_report.retries;
        }
        assert!(total_cuts >= 4, "the proxy cut answers: {total_cuts}");
        assert!(total_retries >= 4, "and the phones tried again: {total_retries}");
        let platform = open_platform(&backend);
        assert_same(&platform, &family, 20);
        for b in platform.with(|cc| cc.bookings_for_senior(&Actor::District, "S1")).unwrap() {
            assert_eq!(carer.cc.booking(&b.id).unwrap().state, BookingState::Offered, "the caregiver's phone has every offer");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_push_delivered_twice_is_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let family = Phone::new(&sub, "family");
        family.sync(&server.url).await.unwrap();
        for i in 0..3 {
            family.cc.request_booking(&family.actor, &request(60 * 24 + 60 * i)).unwrap();
        }
        let entries = family.cc.pending_push(10).unwrap();
        let api = Api::new(&server.url);
        let token = api.token("family").await;
        let body = serde_json::json!({ "entries": entries });
        // Twice at once, then once more.
        let (a, b) = tokio::join!(api.call("POST", "/v1/sync/push", Some(&token), Some(body.clone())), api.call("POST", "/v1/sync/push", Some(&token), Some(body.clone())));
        let c = api.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
        assert_eq!((a.0, b.0, c.0), (200, 200, 200));
        assert_eq!(a.1, b.1);
        assert_eq!(a.1, c.1);
        assert!(a.1["results"].as_array().unwrap().iter().all(|r| r["ok"] == true));
        // The phone, not knowing, pushes them again itself.
        family.sync(&server.url).await.unwrap();
        assert_same(&open_platform(&backend), &family, 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_caregivers_accepting_at_once_from_two_phones_make_exactly_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, sub) in seeded(dir.path()) {
        let server = Server::start(&backend);
        let family = Phone::new(&sub, "family");
        let (p1, p2) = (Phone::new(&sub, "caregiver1"), Phone::new(&sub, "caregiver2"));
        family.sync(&server.url).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(family.cc.request_booking(&family.actor, &request(60 * 24 + 120 * i)).unwrap().id);
        }
        family.sync(&server.url).await.unwrap();
        p1.sync(&server.url).await.unwrap();
        p2.sync(&server.url).await.unwrap();
        for id in &ids {
            p1.cc.accept_booking(&p1.actor, id).unwrap();
            p2.cc.accept_booking(&p2.actor, id).unwrap();
        }
        let (r1, r2) = tokio::join!(p1.sync(&server.url), p2.sync(&server.url));
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.applied + r2.applied, 5, "one accept per visit applied");
        assert_eq!(r1.refused.len() + r2.refused.len(), 5, "the other refused");
        assert!(r1.refused.iter().chain(&r2.refused).all(|r| r.code.map(|c| c.as_str()) == Some("already_taken")));
        // Both phones settle on the platform's winner; the loser keeps the refusal to show.
        p1.sync(&server.url).await.unwrap();
        p2.sync(&server.url).await.unwrap();
        let platform = open_platform(&backend);
        for id in &ids {
            let b = platform.with(|cc| cc.booking(id)).unwrap();
            assert_eq!(b.state, BookingState::Accepted);
            let winner = b.caregiver_id.clone().unwrap();
            for p in [&p1, &p2] {
                let mine = p.cc.booking(id).unwrap();
                assert_eq!(mine.state, BookingState::Accepted);
                let me = p.actor.label().trim_start_matches("caregiver:").to_string();
                assert_eq!(mine.caregiver_id.is_some(), winner == me, "{} sees itself as the winner only if it won", p.login);
                let offer = p.cc.offers(id).unwrap().pop().unwrap();
                assert_eq!(offer.status, if winner == me { "accepted" } else { "lost" });
            }
        }
        let rejected = p1.cc.outbox().unwrap().into_iter().chain(p2.cc.outbox().unwrap()).filter(|e| e.state == "rejected").count();
        assert_eq!(rejected, 5);
    }
}
