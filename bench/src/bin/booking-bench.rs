//! Booking benchmark: request-to-offer matching among 10,000 caregivers, and accept throughput
//! (one phone at a time, and 8 phones at once). Prints a table; run with `./scripts/bench.sh`
//! or `cargo run --release -p carecircle-bench --bin booking-bench`.

use carecircle_core::booking::BookingRequest;
use carecircle_core::clock::{ManualClock, parse_instant};
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, Gender, Senior};
use carecircle_core::{Actor, CareCircle, Position, Service, ServiceSet, Settings};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CAREGIVERS: usize = 10_000;
const SENIORS: usize = 2_000;
const REQUESTS: usize = 2_000;

fn in_zhenhai(rng: &mut StdRng) -> Position {
    Position::new(rng.random_range(29.89..30.09), rng.random_range(121.49..121.80)).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let mut rng = StdRng::seed_from_u64(20181);
    let dir = std::env::temp_dir().join(format!("carecircle-booking-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clock = Arc::new(ManualClock::new(parse_instant("2026-11-23T06:00").unwrap()));
    let cc = Arc::new(CareCircle::open_with_clock(dir.join("bench.db"), Settings::default(), clock).unwrap());
    let skills = ["cleaning;bathing", "cleaning;companionship", "bathing;mobility", "cleaning", "companionship;meals"];
    let caregivers: Vec<Caregiver> = (0..CAREGIVERS)
        .map(|i| Caregiver {
            id: format!("C{i:05}"),
            name: format!("护理员{i}"),
            organisation: format!("机构{}", i % 40),
            station_id: None,
            skills: ServiceSet::parse_list(skills[i % skills.len()]).unwrap(),
            base: in_zhenhai(&mut rng),
            radius_m: rng.random_range(2000.0..6000.0),
            availability: WeeklyHours::parse("daily 06:00-22:00").unwrap(),
        })
        .collect();
    let t = Instant::now();
    cc.put_caregivers(&caregivers).unwrap();
    let load = t.elapsed();
    let seniors: Vec<Senior> = (0..SENIORS)
        .map(|i| Senior {
            id: format!("S{i:05}"),
            name: "老人".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap(),
            gender: Gender::Female,
            home: in_zhenhai(&mut rng),
            address: String::new(),
            lives_alone: true,
            phone: String::new(),
            station_id: None,
            division: "330211001001".into(),
        })
        .collect();
    cc.put_seniors(&seniors).unwrap();

    // Request-to-offer: each request is stored and offered to the 3 nearest qualified free caregivers.
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut ids = Vec::with_capacity(REQUESTS);
    let mut offered = 0usize;
    for i in 0..REQUESTS {
        let req = BookingRequest {
            senior_id: format!("S{:05}", i % SENIORS),
            service: Service::Cleaning,
            start: parse_instant("2026-11-24T08:00").unwrap() + chrono::Duration::minutes(((i % 40) * 15) as i64),
            duration_minutes: Some(60),
            note: String::new(),
        };
        let t = Instant::now();
        let b = cc.request_booking(&Actor::District, &req).unwrap();
        latencies.push(t.elapsed());
        offered += usize::from(b.state == carecircle_core::booking::BookingState::Offered);
        ids.push(b.id);
    }
    latencies.sort();

    // Accepts, one phone at a time: the first offered caregiver accepts each booking.
    let half = ids.len() / 2;
    let offers: Vec<(String, String)> =
        ids.iter().map(|id| (id.clone(), cc.offers(id).unwrap().first().map(|o| o.caregiver_id.clone()).unwrap_or_default())).collect();
    let t = Instant::now();
    let mut accepted = 0;
    for (id, cg) in &offers[..half] {
        accepted += usize::from(cc.accept_booking(&Actor::Caregiver(cg.clone()), id).is_ok());
    }
    let serial = t.elapsed();
    // And 8 phones at once over the other half.
    let rest: Vec<(String, String)> = offers[half..].to_vec();
    let t = Instant::now();
    let threads: Vec<_> = rest
        .chunks(rest.len().div_ceil(8))
        .map(|chunk| {
            let (cc, chunk) = (cc.clone(), chunk.to_vec());
            std::thread::spawn(move || chunk.iter().filter(|(id, cg)| cc.accept_booking(&Actor::Caregiver(cg.clone()), id).is_ok()).count())
        })
        .collect();
    let parallel_accepted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let parallel = t.elapsed();

    println!("Booking benchmark ({CAREGIVERS} caregivers, {SENIORS} seniors, SQLite file in WAL mode)");
    println!("| measure | value |");
    println!("|---|---|");
    println!("| load {CAREGIVERS} caregivers (one transaction + index) | {:.1} ms |", load.as_secs_f64() * 1e3);
    println!("| request-to-offer, median ({REQUESTS} requests) | {:.0} us |", percentile(&latencies, 0.5).as_secs_f64() * 1e6);
    println!("| request-to-offer, p99 | {:.0} us |", percentile(&latencies, 0.99).as_secs_f64() * 1e6);
    println!("| requests offered to someone | {offered} of {REQUESTS} |");
    println!("| accepts, one phone at a time | {:.0} /s ({accepted} accepted) |", half as f64 / serial.as_secs_f64());
    println!("| accepts, 8 phones at once | {:.0} /s ({parallel_accepted} accepted) |", rest.len() as f64 / parallel.as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}
