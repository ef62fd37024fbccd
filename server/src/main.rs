//! `carecircle-server`: the district's platform. It opens one `CareCircle` on its database (an
//! embedded SQLite file, or PostgreSQL given a postgres:// URL, for districts running several
//! instances) and serves the JSON API of `api`. The first line on stdout is the address bound.

#![recursion_limit = "512"]

mod admin;
mod api;
mod auth;
mod demo;
mod error;
mod jobs;
mod live;
mod openapi;
mod programmes;
mod care;
mod serve;
mod state;
mod throttle;
mod web;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carecircle_core::{CareCircle, ErrorCode, Settings};
use clap::Parser;
use state::AppState;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// Request bodies larger than this are refused (a push of 100 changes is far smaller).
const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Parser)]
#[command(name = "carecircle-server", version, about = "CareCircle's district platform: the JSON API and sync for phones")]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed on stdout's first line).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// The embedded SQLite database file (created if missing).
    #[arg(long, env = "CARECIRCLE_SERVER_DB", default_value = "carecircle-server.db")]
    db: PathBuf,
    /// A PostgreSQL database (postgres://user:password@host:port/db) instead of the SQLite file.
    #[arg(long, env = "CARECIRCLE_DATABASE_URL")]
    database_url: Option<String>,
    /// PostgreSQL connections per instance.
    #[arg(long, default_value_t = 16)]
    pool: usize,
    /// Load the synthetic demo district and the demo accounts (password "demo").
    #[arg(long)]
    demo: bool,
    /// Hours a sign-in token lasts.
    #[arg(long, default_value_t = 12)]
    token_hours: u32,
    /// Seconds a client may take to send its headers (twice that for a body, six times for a
    /// whole request); slower clients are cut off.
    #[arg(long, default_value_t = 10, hide = true)]
    slow_client_seconds: u64,
    /// Seconds between this instance's checks for due jobs (SOS escalation, booking sweep, plan
    /// generation, health-check reminders; their intervals are district settings); 0: none here.
    #[arg(long, default_value_t = 5)]
    jobs_tick_seconds: u64,
    /// Live streams (`/v1/sync/stream`) one login may hold open at once.
    #[arg(long, default_value_t = 4, hide = true)]
    max_streams_per_login: usize,
    /// For the load benchmark: a caregiver `load-caregiver` with this many visits offered to it.
    #[arg(long, hide = true)]
    load_fixture: Option<u32>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")))
        .init();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the platform stopped");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn open(args: &Args) -> Result<CareCircle, String> {
    let settings = Settings::default();
    let clock = Arc::new(carecircle_core::clock::SystemClock);
    match &args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let db = carecircle_core::db_postgres::PgDb::connect(url, args.pool).map_err(|e| e.to_string())?;
            CareCircle::open_on(Box::new(db), settings, clock).map_err(|e| e.to_string())
        }
        Some(_) => Err("--database-url must be a postgres:// URL".into()),
        None => CareCircle::open_with_clock(&args.db, settings, clock).map_err(|e| e.to_string()),
    }
}

fn run(args: Args) -> Result<(), String> {
    let cc = open(&args)?;
    if args.demo {
        let second = |clock: Arc<dyn carecircle_core::clock::Clock>| match &args.database_url {
            Some(url) => CareCircle::open_on(Box::new(carecircle_core::db_postgres::PgDb::connect(url, 2)?), Settings::default(), clock),
            None => CareCircle::open_with_clock(&args.db, Settings::default(), clock),
        };
        let accounts = demo::load(&cc, second)?;
        tracing::info!(accounts = ?accounts.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(), password = demo::DEMO_PASSWORD, "demo district loaded");
    }
    if let Some(n) = args.load_fixture {
        demo::load_fixture(&cc, n)?;
        tracing::info!(visits = n, "load fixture ready");
    }
    let state = AppState {
        cc: Arc::new(cc),
        sessions: Arc::default(),
        token_lifetime: chrono::Duration::hours(i64::from(args.token_hours.clamp(1, 24 * 30))),
        throttle: Arc::default(),
        passwords: Arc::new(throttle::PasswordGate::new()),
        live: Arc::new(live::Live::new(args.max_streams_per_login)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        if args.jobs_tick_seconds > 0 {
            jobs::spawn(state.clone(), std::time::Duration::from_secs(args.jobs_tick_seconds.min(3600)));
        }
        // Woken by local commits on SQLite; on PostgreSQL by its poll alone (see `live`).
        state.live.spawn(state.cc.clone(), args.database_url.is_none());
        serve(state, &args.listen, serve::Timeouts::scaled(args.slow_client_seconds)).await
    })
}

pub fn app(state: AppState, timeouts: serve::Timeouts) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/v1/openapi.json", get(openapi_json))
        .merge(api::routes())
        .merge(web::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(timeouts.body))
        // Times a request until its answer's head only: a live stream (`live`) answers at once
        // and its body is not cut; the test `live` holds one open past this limit.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeouts.request))
        .layer(axum::middleware::from_fn(api::refuse_control_characters))
        .layer(axum::middleware::from_fn(log_request))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

async fn serve(state: AppState, listen: &str, timeouts: serve::Timeouts) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "http://{addr}");
        let _ = out.flush();
    }
    tracing::info!(%addr, "listening");
    let live = state.live.clone();
    // Live streams never finish by themselves: end them, so that draining does not wait for them.
    let stopping = async move {
        shutdown().await;
        live.close();
    };
    serve::serve(listener, app(state, timeouts), timeouts, stopping).await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

async fn ready(State(st): State<AppState>) -> Response {
    match st.blocking(|cc| cc.ping()).await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(_) => error::ApiError::new(ErrorCode::NotReady, "storage does not answer").into_response(),
    }
}

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(openapi::document())
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(ErrorCode::MethodNotAllowed, "this path does not take that method")
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error::ApiError::internal().into_response()
}

/// One JSON log line per request: method, path, status, milliseconds.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, path, status, ms, "request");
    } else {
        tracing::info!(%method, path, status, ms, "request");
    }
    resp
}
