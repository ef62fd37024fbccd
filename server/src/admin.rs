//! Administration over HTTP: facility files (GeoJSON or CSV), seniors and caregivers (CSV),
//! canteens, menus, device stock, district rules, division boundaries (GeoJSON) and the one
//! map's base map. Transport only: who may do what, and the whole-file rules, are
//! `carecircle_core::admin`'s.

use crate::api::{Body, Params};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carecircle_core::admin::Admin;
use carecircle_core::base_map::BaseMap;
use carecircle_core::entitlement::DistrictRules;
use carecircle_core::import::Format;
use carecircle_core::meal::{CanteenSettings, Menu};
use carecircle_core::rental::DeviceStock;
use carecircle_core::{Crs, ErrorCode};
use serde::{Deserialize, Serialize};

/// The largest division file taken (other bodies: the server's 1 MiB).
const DIVISIONS_LIMIT: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/facilities", post(import_facilities))
        .route("/v1/admin/seniors", post(import_seniors))
        .route("/v1/admin/caregivers", post(import_caregivers))
        .route("/v1/admin/canteens", put(set_canteen))
        .route("/v1/admin/menus", put(set_menu))
        .route("/v1/admin/stock", put(set_stock))
        .route("/v1/admin/rules", put(set_rules))
        .route("/v1/admin/visit-rules", put(set_visit_rules))
        // Real boundaries are long rings: a district's villages run to several megabytes.
        .route("/v1/admin/divisions", post(import_divisions).layer(DefaultBodyLimit::max(DIVISIONS_LIMIT)))
        .route("/v1/admin/base-map", get(base_map).put(set_base_map).delete(clear_base_map))
}

async fn run(st: &AppState, caller: Caller, change: Admin) -> Result<Response, ApiError> {
    let actor = caller.actor;
    let report = st.blocking(move |cc| cc.administer(&actor, &change)).await?;
    Ok((StatusCode::OK, Json(report)).into_response())
}

#[derive(Deserialize)]
struct FileQuery {
    /// geojson or csv.
    format: String,
    /// The coordinates' system: wgs84 (default), gcj02 or bd09.
    #[serde(default)]
    crs: Option<Crs>,
}

/// The file is the request body, as text.
fn utf8(body: axum::body::Bytes) -> Result<String, ApiError> {
    String::from_utf8(body.to_vec()).map_err(|_| ApiError::new(ErrorCode::ImportRejected, "the file is not UTF-8 text"))
}

async fn import_facilities(State(st): State<AppState>, caller: Caller, Params(q): Params<FileQuery>, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let format = match q.format.as_str() {
        "geojson" | "json" => Format::GeoJson,
        "csv" => Format::Csv,
        _ => return Err(ApiError::new(ErrorCode::InvalidInput, "format: geojson or csv")),
    };
    let text = utf8(body)?;
    run(&st, caller, Admin::ImportFacilities { text, format, crs: q.crs }).await
}

async fn import_seniors(State(st): State<AppState>, caller: Caller, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let text = utf8(body)?;
    run(&st, caller, Admin::ImportSeniors { text }).await
}

async fn import_caregivers(State(st): State<AppState>, caller: Caller, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let text = utf8(body)?;
    run(&st, caller, Admin::ImportCaregivers { text }).await
}

#[derive(Deserialize)]
struct CrsQuery {
    /// The coordinates' system: wgs84 (default, or as the file declares), gcj02 or bd09.
    #[serde(default)]
    crs: Option<Crs>,
}

async fn import_divisions(State(st): State<AppState>, caller: Caller, Params(q): Params<CrsQuery>, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let text = utf8(body)?;
    run(&st, caller, Admin::ImportDivisions { text, crs: q.crs }).await
}

async fn set_canteen(State(st): State<AppState>, caller: Caller, Body(canteen): Body<CanteenSettings>) -> Result<Response, ApiError> {
    run(&st, caller, Admin::SetCanteen { canteen }).await
}

async fn set_menu(State(st): State<AppState>, caller: Caller, Body(menu): Body<Menu>) -> Result<Response, ApiError> {
    run(&st, caller, Admin::SetMenu { menu }).await
}

async fn set_stock(State(st): State<AppState>, caller: Caller, Body(stock): Body<DeviceStock>) -> Result<Response, ApiError> {
    run(&st, caller, Admin::SetStock { stock }).await
}

async fn set_rules(State(st): State<AppState>, caller: Caller, Body(rules): Body<DistrictRules>) -> Result<Response, ApiError> {
    run(&st, caller, Admin::SetDistrictRules { rules }).await
}

async fn set_visit_rules(State(st): State<AppState>, caller: Caller, Body(rules): Body<carecircle_core::visit::VisitRules>) -> Result<Response, ApiError> {
    run(&st, caller, Admin::SetVisitRules { rules }).await
}

/// The base map as stored, and the tile hosts the map page's Content-Security-Policy then allows.
#[derive(Serialize)]
struct BaseMapView {
    base_map: Option<BaseMap>,
    hosts: Vec<String>,
}

async fn base_map_view(st: &AppState, caller: Caller) -> Result<Response, ApiError> {
    let base_map = st.blocking(move |cc| cc.base_map_for(&caller.actor)).await?;
    let hosts = match &base_map {
        Some(b) => b.hosts()?,
        None => Vec::new(),
    };
    Ok(Json(BaseMapView { base_map, hosts }).into_response())
}

async fn base_map(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    base_map_view(&st, caller).await
}

/// A tile source, or `null` to draw without one.
async fn set_base_map(State(st): State<AppState>, caller: Caller, Body(base_map): Body<Option<BaseMap>>) -> Result<Response, ApiError> {
    let actor = caller.actor.clone();
    st.blocking(move |cc| cc.administer(&actor, &Admin::SetBaseMap { base_map })).await?;
    base_map_view(&st, caller).await
}

async fn clear_base_map(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let actor = caller.actor.clone();
    st.blocking(move |cc| cc.administer(&actor, &Admin::SetBaseMap { base_map: None })).await?;
    base_map_view(&st, caller).await
}
