//! The one map's web page (养老一张图) for station operators and district administrators: static
//! files compiled into the binary, so the platform needs nothing from the internet at run time.
//! The page signs in with the API's accounts and draws from `/v1/map` and `/v1/stats`; who may
//! see what is decided there, by the core, not here. The one thing a browser may then fetch from
//! elsewhere is the tiles of the district's base map, if it configured one, from those hosts only.

use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");

/// Only this origin's own files and API: no outside scripts, styles, fonts or tiles.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|State(st): State<AppState>| page(st, INDEX_HTML, "text/html; charset=utf-8")))
        .route("/map", get(|State(st): State<AppState>| page(st, INDEX_HTML, "text/html; charset=utf-8")))
        .route("/web/app.js", get(|State(st): State<AppState>| page(st, APP_JS, "text/javascript; charset=utf-8")))
        .route("/web/app.css", get(|State(st): State<AppState>| page(st, APP_CSS, "text/css; charset=utf-8")))
}

/// [`CSP`], with images also from the tile hosts of the district's base map when it has one
/// (read per request, so every instance sharing a database agrees at once). The hosts were
/// checked when stored and are checked again here; a setting that cannot be read or fails
/// the check gives the self-contained policy.
async fn policy(st: &AppState) -> HeaderValue {
    let hosts = match st.blocking(|cc| cc.base_map()).await {
        Ok(Some(b)) => b.hosts().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the stored base map is refused: the page draws without it");
            Vec::new()
        }),
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::warn!(error = e.message, "the base map could not be read: the page draws without it");
            Vec::new()
        }
    };
    if hosts.is_empty() {
        return HeaderValue::from_static(CSP);
    }
    let csp = CSP.replace("img-src 'self' data:", &format!("img-src 'self' data: {}", hosts.join(" ")));
    HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(CSP))
}

async fn page(st: AppState, body: &'static str, content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, policy(&st).await),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
}
