//! The one map's web page (养老一张图) for station operators and district administrators: static
//! files compiled into the binary, so the platform needs nothing from the internet at run time.
//! The page signs in with the API's accounts and draws from `/v1/map` and `/v1/stats`; who may
//! see what is decided there, by the core, not here.

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");

/// Only this origin's own files and API: no outside scripts, styles, fonts or tiles.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| page(INDEX_HTML, "text/html; charset=utf-8")))
        .route("/map", get(|| page(INDEX_HTML, "text/html; charset=utf-8")))
        .route("/web/app.js", get(|| page(APP_JS, "text/javascript; charset=utf-8")))
        .route("/web/app.css", get(|| page(APP_CSS, "text/css; charset=utf-8")))
}

async fn page(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
