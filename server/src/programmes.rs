//! The REST routes of the programmes beside home visits: emergency calls, meals, device rental,
//! ratings and complaints, subsidies. Every change is a core command run through the push path
//! (`api::run_command`), so a web or third-party client does exactly what a phone does, under
//! the same rules and access; the answer is the record as the caller may see it.

use crate::api::{Body, Params, run_command};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carecircle_core::meal::{Meal, MealMode};
use carecircle_core::rating::RatedSubject;
use carecircle_core::rental::Device;
use carecircle_core::subsidy::{SubsidyAction, SubsidyKind};
use carecircle_core::sync::Command;
use carecircle_core::{Actor, Crs, Position};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/alerts", get(alerts).post(raise_alert))
        .route("/v1/alerts/{id}", get(alert))
        .route("/v1/alerts/{id}/acknowledge", post(acknowledge_alert))
        .route("/v1/alerts/{id}/resolve", post(resolve_alert))
        .route("/v1/canteens/{id}/menus", get(menus))
        .route("/v1/meal-orders", post(order_meal))
        .route("/v1/meal-orders/{id}", get(meal_order))
        .route("/v1/meal-orders/{id}/cancel", post(cancel_meal))
        .route("/v1/seniors/{id}/meal-orders", get(senior_meal_orders))
        .route("/v1/rental-points/{id}/stock", get(stock))
        .route("/v1/rentals", post(reserve_device))
        .route("/v1/rentals/{id}", get(rental))
        .route("/v1/rentals/{id}/pick-up", post(pick_up_device))
        .route("/v1/rentals/{id}/return", post(return_device))
        .route("/v1/rentals/{id}/cancel", post(cancel_rental))
        .route("/v1/seniors/{id}/rentals", get(senior_rentals))
        .route("/v1/ratings", post(rate))
        .route("/v1/complaints", get(complaint_queue).post(complain))
        .route("/v1/complaints/{id}", get(complaint))
        .route("/v1/complaints/{id}/answer", post(answer_complaint))
        .route("/v1/seniors/{id}/ratings", get(senior_ratings))
        .route("/v1/subsidies", get(subsidy_queue).post(apply_for_subsidy))
        .route("/v1/subsidies/{id}", get(subsidy))
        .route("/v1/subsidies/{id}/{action}", post(subsidy_step))
        .route("/v1/seniors/{id}/subsidies", get(senior_subsidies))
}

/// Runs a command and answers with the record it was about.
pub(crate) async fn change(st: &AppState, actor: Actor, headers: &HeaderMap, command: Command, status: StatusCode) -> Result<(StatusCode, Response), ApiError> {
    let subject = run_command(st, actor.clone(), headers, command).await?;
    let record = st.blocking(move |cc| cc.record_for(&actor, &subject)).await?;
    Ok((status, Json(record).into_response()))
}

pub(crate) async fn show(st: &AppState, actor: Actor, entity: &str, id: String) -> Result<Response, ApiError> {
    let subject = carecircle_core::sync::Subject::new(entity, id);
    let record = st.blocking(move |cc| cc.record_for(&actor, &subject)).await?;
    Ok(Json(record).into_response())
}

/// One of a senior's lists, for those who may see her: not found rather than forbidden
/// otherwise, so that nobody learns which seniors exist.
pub(crate) async fn of_senior<T: serde::Serialize + Send + 'static>(
    st: &AppState,
    actor: Actor,
    id: String,
    list: fn(&carecircle_core::CareCircle, &Actor, &str) -> carecircle_core::Result<Vec<T>>,
) -> Result<Response, ApiError> {
    let items = st
        .blocking(move |cc| {
            cc.senior_for(&actor, &id)?;
            list(cc, &actor, &id)
        })
        .await?;
    Ok(Json(items).into_response())
}

pub(crate) fn new_id(id: Option<String>) -> String {
    id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

// ----- emergency calls -----

#[derive(Deserialize)]
struct NewAlert {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    lat: f64,
    lon: f64,
    /// The coordinates' system: wgs84 (default), gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[serde(default)]
    crs: Option<Crs>,
}

async fn raise_alert(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewAlert>) -> Result<(StatusCode, Response), ApiError> {
    let at = Position::from_crs(b.lat, b.lon, b.crs.unwrap_or_default())?;
    let command = Command::RaiseAlert { alert_id: new_id(b.id), senior_id: b.senior_id, lat: at.lat, lon: at.lon };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

async fn alerts(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.alerts_for(&caller.actor)).await?;
    Ok(Json(list).into_response())
}

async fn alert(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "alert", id).await
}

async fn acknowledge_alert(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::AcknowledgeAlert { alert_id: id }, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
struct Note {
    #[serde(default)]
    note: String,
}

async fn resolve_alert(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<Note>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::ResolveAlert { alert_id: id, note: b.note }, StatusCode::OK).await
}

// ----- meals -----

#[derive(Deserialize)]
struct DateQuery {
    /// YYYY-MM-DD, Shanghai; today if absent.
    #[serde(default)]
    date: Option<String>,
}

async fn menus(State(st): State<AppState>, _caller: Caller, Path(id): Path<String>, Params(q): Params<DateQuery>) -> Result<Response, ApiError> {
    let date = q.date.as_deref().map(carecircle_core::clock::parse_date).transpose()?;
    let list = st.blocking(move |cc| cc.menus(&id, date.unwrap_or_else(|| cc.today()))).await?;
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
struct NewMealOrder {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    facility_id: String,
    date: String,
    meal: Meal,
    mode: MealMode,
}

async fn order_meal(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewMealOrder>) -> Result<(StatusCode, Response), ApiError> {
    let date = carecircle_core::clock::parse_date(&b.date)?;
    let command = Command::OrderMeal { order_id: new_id(b.id), senior_id: b.senior_id, facility_id: b.facility_id, date, meal: b.meal, mode: b.mode };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

async fn meal_order(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "meal_order", id).await
}

async fn cancel_meal(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::CancelMeal { order_id: id }, StatusCode::OK).await
}

async fn senior_meal_orders(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.meal_orders_for_senior(actor, id)).await
}

// ----- device rental -----

async fn stock(State(st): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.device_stock(&id)).await?;
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
struct NewRental {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    facility_id: String,
    device: Device,
}

async fn reserve_device(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewRental>) -> Result<(StatusCode, Response), ApiError> {
    let command = Command::ReserveDevice { rental_id: new_id(b.id), senior_id: b.senior_id, facility_id: b.facility_id, device: b.device };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

async fn rental(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "rental", id).await
}

async fn pick_up_device(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::PickUpDevice { rental_id: id }, StatusCode::OK).await
}

async fn return_device(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::ReturnDevice { rental_id: id }, StatusCode::OK).await
}

async fn cancel_rental(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::CancelRental { rental_id: id }, StatusCode::OK).await
}

async fn senior_rentals(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.rentals_for_senior(actor, id)).await
}

// ----- ratings and complaints -----

#[derive(Deserialize)]
struct NewRating {
    #[serde(default)]
    id: Option<String>,
    subject: RatedSubject,
    subject_id: String,
    stars: u8,
    #[serde(default)]
    comment: String,
}

async fn rate(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewRating>) -> Result<(StatusCode, Response), ApiError> {
    let command = Command::Rate { rating_id: new_id(b.id), subject: b.subject, subject_id: b.subject_id, stars: b.stars, comment: b.comment };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

#[derive(Deserialize)]
struct NewComplaint {
    #[serde(default)]
    id: Option<String>,
    subject: RatedSubject,
    subject_id: String,
    text: String,
}

async fn complain(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewComplaint>) -> Result<(StatusCode, Response), ApiError> {
    let command = Command::Complain { complaint_id: new_id(b.id), subject: b.subject, subject_id: b.subject_id, text: b.text };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    /// Closed ones too (default: open and answered only).
    #[serde(default)]
    all: Option<bool>,
}

/// The complaints the caller answers: a station's seniors' and canteen's, the district's all.
async fn complaint_queue(State(st): State<AppState>, caller: Caller, Params(q): Params<QueueQuery>) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.complaints(&caller.actor, !q.all.unwrap_or(false))).await?;
    Ok(Json(list).into_response())
}

async fn complaint(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "complaint", id).await
}

#[derive(Deserialize)]
struct Answer {
    answer: String,
    /// Ends the complaint (nothing changes after).
    #[serde(default)]
    close: bool,
}

async fn answer_complaint(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<Answer>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::AnswerComplaint { complaint_id: id, answer: b.answer, close: b.close }, StatusCode::OK).await
}

async fn senior_ratings(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.ratings_for_senior(actor, id)).await
}

// ----- subsidies -----

#[derive(Deserialize)]
struct NewApplication {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    kind: SubsidyKind,
    #[serde(default)]
    note: String,
}

async fn apply_for_subsidy(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewApplication>) -> Result<(StatusCode, Response), ApiError> {
    let command = Command::ApplyForSubsidy { application_id: new_id(b.id), senior_id: b.senior_id, kind: b.kind, note: b.note };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

/// What waits for the caller: a station's submitted applications, the district's recommended ones.
async fn subsidy_queue(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.subsidy_queue(&caller.actor)).await?;
    Ok(Json(list).into_response())
}

async fn subsidy(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "subsidy_application", id).await
}

#[derive(Deserialize, Default)]
struct Reason {
    #[serde(default)]
    reason: String,
}

/// recommend, return, resubmit, approve, refuse or withdraw.
async fn subsidy_step(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path((id, action)): Path<(String, String)>, Body(b): Body<Reason>) -> Result<(StatusCode, Response), ApiError> {
    let action: SubsidyAction = action.parse()?;
    change(&st, caller.actor, &headers, Command::SubsidyStep { application_id: id, action, reason: b.reason }, StatusCode::OK).await
}

async fn senior_subsidies(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.subsidies_for_senior(actor, id)).await
}
