//! Sign-in throttling: failed logins are counted per login and per client address, and past a
//! few failures the next attempt must wait, doubling with every failure up to a cap. The wait
//! always ends (at most `MAX_WAIT`), and a successful sign-in clears the login's count, so no
//! one can lock a real user out for ever; an attacker guessing one login gets a handful of tries
//! per quarter hour. Throttled attempts are refused before any password hashing, and at most a
//! few argon2 checks run at once (`PasswordGate`), so a flood of bad logins costs neither memory
//! nor the blocking pool that every other request needs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits begin.
const FREE_FAILURES_PER_LOGIN: u32 = 5;
/// A client address may fail more often (a care station's shared Wi-Fi has many users).
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest wait imposed.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Counts older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(30 * 60);
/// Entries kept before the oldest are dropped (bounds memory under a flood of made-up logins).
const MAX_ENTRIES: usize = 50_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next attempt may be made, given `free` failures before waits begin.
    fn next_allowed(&self, free: u32) -> Option<Instant> {
        if self.count < free {
            return None;
        }
        let doublings = (self.count - free).min(20);
        let wait = Duration::from_secs(1u64 << doublings).min(MAX_WAIT);
        Some(self.last + wait)
    }
}

#[derive(Default)]
pub struct LoginThrottle {
    logins: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

fn check<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Failures>>, key: &K, free: u32, now: Instant) -> Result<(), Duration> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    match map.get(key).and_then(|f| f.next_allowed(free)) {
        Some(at) if at > now => Err(at - now),
        _ => Ok(()),
    }
}

fn fail<K: std::hash::Hash + Eq + Clone>(map: &Mutex<HashMap<K, Failures>>, key: &K, now: Instant) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, f| now.duration_since(f.last) < WINDOW);
        if map.len() >= MAX_ENTRIES {
            // Still full: a flood. Forget the counts rather than grow; waits restart small.
            map.clear();
        }
    }
    let entry = map.entry(key.clone()).or_insert(Failures { count: 0, last: now });
    if now.duration_since(entry.last) >= WINDOW {
        entry.count = 0;
    }
    entry.count = entry.count.saturating_add(1);
    entry.last = now;
}

impl LoginThrottle {
    /// Starts a sign-in attempt: `Err(wait)` if this login or address must wait first. The
    /// attempt counts as a failure from now on, so that guesses sent all at once cannot slip
    /// past the count; `succeeded` takes it back.
    pub fn begin(&self, login: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let login = login.to_lowercase();
        check(&self.logins, &login, FREE_FAILURES_PER_LOGIN, now)?;
        if let Some(a) = address {
            check(&self.addresses, &a, FREE_FAILURES_PER_ADDRESS, now)?;
        }
        fail(&self.logins, &login, now);
        if let Some(a) = address {
            fail(&self.addresses, &a, now);
        }
        Ok(())
    }

    /// A successful sign-in clears the login's failures and takes back its own count at the
    /// address (not the address's other failures: one good account must not unlock guessing
    /// at the others from the same address).
    pub fn succeeded(&self, login: &str, address: Option<IpAddr>) {
        self.logins.lock().unwrap_or_else(|e| e.into_inner()).remove(&login.to_lowercase());
        if let Some(a) = address {
            if let Some(f) = self.addresses.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&a) {
                f.count = f.count.saturating_sub(1);
            }
        }
    }
}

/// At most a few argon2 computations at once, on threads of their own: each takes 19 MiB and a
/// core for tens of milliseconds, and the allocator keeps a thread's memory after it is freed, so
/// running them on tokio's (large) blocking pool would keep up to 19 MiB per pool thread. Here
/// the memory is bounded by the number of workers. Callers queue (boundedly), then are told the
/// platform is busy.
pub struct PasswordGate {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a sign-in waits for its turn before it is told to try again.
const GATE_WAIT: Duration = Duration::from_secs(5);
/// Sign-ins waiting for a worker; more are told at once that the platform is busy.
const GATE_QUEUE: usize = 64;

impl PasswordGate {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = (cores / 2).clamp(1, 4);
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(GATE_QUEUE);
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("carecircle-argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        // A panicking hash loses its own answer (the caller hears busy), not the worker.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .expect("spawn an argon2 worker");
        }
        PasswordGate { jobs }
    }

    /// Runs `f` (a password hash or check) on a worker; `None` if the queue is full or no
    /// worker came free in time.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued_at = Instant::now();
        let job: Job = Box::new(move || {
            // Too late: the caller has given up already; spare the work.
            if queued_at.elapsed() < GATE_WAIT {
                let _ = tx.send(f());
            }
        });
        self.jobs.try_send(job).ok()?;
        tokio::time::timeout(GATE_WAIT + Duration::from_secs(1), rx).await.ok()?.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_then_end_and_success_clears_them() {
        let t = LoginThrottle::default();
        let addr: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..FREE_FAILURES_PER_LOGIN {
            assert!(t.begin("family", Some(addr)).is_ok());
        }
        let wait = t.begin("Family", Some(addr)).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // Another login from elsewhere is not affected.
        assert!(t.begin("district", Some("10.0.0.2".parse().unwrap())).is_ok());
        t.succeeded("family", Some(addr));
        assert!(t.begin("family", Some(addr)).is_ok());
        // Waits are capped.
        let f = Failures { count: 1000, last: Instant::now() };
        assert!(f.next_allowed(5).unwrap() <= Instant::now() + MAX_WAIT);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_logins() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_ENTRIES + 10) {
            let _ = t.begin(&format!("made-up-{i}"), None);
        }
        assert!(t.logins.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
