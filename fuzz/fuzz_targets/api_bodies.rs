//! Every request body of the HTTP API, through the server's real router in-process.
//!
//! The server is a binary crate, so its request types are private; this target compiles the
//! server's own modules (`server/src/{api,auth,error,state,throttle}.rs`, by path, unchanged) and
//! builds the router as `main::app` does (the API's routes, the body limit, the control-character
//! guard; not the timeout and logging layers), on an in-memory SQLite platform with the small
//! district of the crate's lib, made once. Each input is one request, sent with
//! `tower::ServiceExt::oneshot`:
//!
//! - byte 0 picks the route (every route that takes a JSON body),
//! - byte 1 the signed-in caller (a session made at start-up for each account; one unknown token),
//! - byte 2 the booking or station in the path,
//! - the rest is the body, sent as `application/json`.
//!
//! Password hashing is taken out of the way, not changed: the server's `PasswordGate` is kept
//! busy by jobs that never end, so a sign-in or a new account gets as far as the gate (its body
//! parsed, checked, throttled, the account looked up) and is answered 503 "busy" instead of
//! spending tens of milliseconds in argon2 (a library, not CareCircle's code).
//!
//! Any panic (libFuzzer aborts on a panic in any thread, so tokio's blocking pool does not
//! swallow it) and any 500 answer is a finding.
#![no_main]
#![recursion_limit = "256"]
#![allow(dead_code)]

#[path = "../../server/src/api.rs"]
mod api;
#[path = "../../server/src/auth.rs"]
mod auth;
#[path = "../../server/src/error.rs"]
mod error;
#[path = "../../server/src/state.rs"]
mod state;
#[path = "../../server/src/throttle.rs"]
mod throttle;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{Request, StatusCode};
use carecircle_fuzz::{ACCOUNTS, BOOKINGS, small_district};
use libfuzzer_sys::fuzz_target;
use state::AppState;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The server's `main::BODY_LIMIT`.
const BODY_LIMIT: usize = 1024 * 1024;

/// The routes that take a JSON body; `{b}` is a booking of the small district, `{s}` a station.
const ROUTES: &[&str] = &[
    "/v1/auth/login",
    "/v1/accounts",
    "/v1/sync/push",
    "/v1/sync/pull",
    "/v1/bookings",
    "/v1/bookings/{b}/decline",
    "/v1/bookings/{b}/cancel",
    "/v1/bookings/{b}/check-in",
    "/v1/bookings/{b}/check-out",
    "/v1/bookings/{b}/review",
    "/v1/stations/{s}/route/plan",
];

struct Server {
    runtime: tokio::runtime::Runtime,
    router: Router,
    /// CARECIRCLE_FUZZ_DEBUG set: print each request's answer (to check what the seeds reach).
    debug: bool,
}

fn token(login: &str) -> String {
    format!("fuzz-token-{login}")
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let cc = small_district();
        let expires = carecircle_core::clock::parse_instant("2099-01-01T00:00").expect("a time");
        // "system" is no account: its token is unknown, so it calls as a stranger (401).
        for (login, actor) in ACCOUNTS.iter().filter(|(l, _)| *l != "system") {
            let actor = carecircle_core::Actor::parse(actor).expect("an actor");
            let account = carecircle_core::account::Account { login: login.to_string(), actor, password_hash: "not used".into(), disabled: false };
            cc.put_account(&account).expect("an account");
            cc.put_session(&auth::token_hash(&token(login)), login, expires).expect("a session");
        }
        let state = AppState {
            cc: Arc::new(cc),
            sessions: Arc::default(),
            token_lifetime: chrono::Duration::hours(12),
            throttle: Arc::default(),
            passwords: Arc::new(throttle::PasswordGate::new()),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
        jam(&runtime, &state.passwords);
        let router = Router::new()
            .merge(api::routes())
            .fallback(api::not_found)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(axum::middleware::from_fn(api::refuse_control_characters))
            .with_state(state);
        Server { runtime, router, debug: std::env::var_os("CARECIRCLE_FUZZ_DEBUG").is_some() }
    })
}

/// Keeps every password worker busy and the gate's queue full, for good.
fn jam(runtime: &tokio::runtime::Runtime, gate: &Arc<throttle::PasswordGate>) {
    fn block() {
        loop {
            std::thread::park();
        }
    }
    for round in 0..2 {
        for _ in 0..80 {
            let gate = gate.clone();
            runtime.spawn(async move { gate.run(block).await });
        }
        std::thread::sleep(std::time::Duration::from_millis(200 * (round + 1)));
    }
    let probe = runtime.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(1), gate.run(|| ())).await });
    assert!(matches!(probe, Ok(None)), "the password gate is not jammed");
}

fuzz_target!(|data: &[u8]| {
    let [route, caller, target, body @ ..] = data else { return };
    let s = server();
    let path = ROUTES[usize::from(*route) % ROUTES.len()]
        .replace("{b}", BOOKINGS[usize::from(*target) % BOOKINGS.len()])
        .replace("{s}", ["ST1", "ST2", "NOPE"][usize::from(*target) % 3]);
    let login = ACCOUNTS[usize::from(*caller) % ACCOUNTS.len()].0;
    let req = Request::builder()
        .method("POST")
        .uri(&path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", token(login)))
        .extension(ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))))
        .body(axum::body::Body::from(body.to_vec()))
        .expect("a request");
    s.runtime.block_on(async {
        let resp = s.router.clone().oneshot(req).await.expect("the router answers");
        if s.debug {
            eprintln!("POST {path} as {login}: {}", resp.status());
        }
        if resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
            panic!("POST {path} as {login}: 500 {}", String::from_utf8_lossy(&bytes));
        }
    });
});
