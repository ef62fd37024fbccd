//! The REST routes of a senior's care beside visits and programmes: care plans, family-doctor
//! contracts, capability assessments, the time bank, and family members and links. As in
//! `programmes`, every change is a core command run through the push path (`api::run_command`),
//! so a web or third-party client is held to exactly the rules and access of a phone.

use crate::api::{Body, run_command};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::programmes::{change, new_id, of_senior, show};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carecircle_core::assessment::Conditions;
use carecircle_core::doctor::ContractRequest;
use carecircle_core::facility::Service;
use carecircle_core::person::{FamilyLink, FamilyMember};
use carecircle_core::plan::PlanRequest;
use carecircle_core::sync::Command;
use carecircle_core::Actor;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/plans", post(create_plan))
        .route("/v1/plans/{id}", get(plan).put(change_plan))
        .route("/v1/plans/{id}/end", post(end_plan))
        .route("/v1/seniors/{id}/plans", get(senior_plans))
        .route("/v1/contracts", post(sign_contract))
        .route("/v1/contracts/{id}", get(contract))
        .route("/v1/contracts/{id}/terminate", post(terminate_contract))
        .route("/v1/seniors/{id}/contracts", get(senior_contracts))
        .route("/v1/assessments", post(record_assessment))
        .route("/v1/assessments/{id}", get(assessment))
        .route("/v1/seniors/{id}/assessments", get(senior_assessments))
        .route("/v1/timebank/accounts/{id}", get(account))
        .route("/v1/timebank/services", post(record_service))
        .route("/v1/timebank/transfers", post(transfer))
        .route("/v1/timebank/spend", post(spend))
        .route("/v1/timebank/donations", post(donate))
        .route("/v1/timebank/grants", post(grant))
        .route("/v1/family-members/{id}", put(put_family_member))
        .route("/v1/family-links", post(link_family))
        .route("/v1/family-links/proposals", get(link_proposals))
        .route("/v1/seniors/{id}/family", get(senior_family))
}

// ----- care plans -----

#[derive(Deserialize)]
struct NewPlan {
    #[serde(default)]
    id: Option<String>,
    #[serde(flatten)]
    request: PlanRequest,
}

/// Runs a plan command and answers with the plan as the caller sees it.
async fn plan_change(st: &AppState, actor: Actor, headers: &HeaderMap, command: Command, status: StatusCode) -> Result<(StatusCode, Response), ApiError> {
    let subject = run_command(st, actor.clone(), headers, command).await?;
    let plan = st.blocking(move |cc| cc.plan(&actor, &subject.id)).await?;
    Ok((status, Json(plan).into_response()))
}

async fn create_plan(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewPlan>) -> Result<(StatusCode, Response), ApiError> {
    plan_change(&st, caller.actor, &headers, Command::CreatePlan { plan_id: new_id(b.id), request: b.request }, StatusCode::CREATED).await
}

async fn plan(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let plan = st.blocking(move |cc| cc.plan(&caller.actor, &id)).await?;
    Ok(Json(plan).into_response())
}

async fn change_plan(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(request): Body<PlanRequest>) -> Result<(StatusCode, Response), ApiError> {
    plan_change(&st, caller.actor, &headers, Command::ChangePlan { plan_id: id, request }, StatusCode::OK).await
}

#[derive(Deserialize)]
struct Reason {
    reason: String,
}

async fn end_plan(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<Reason>) -> Result<(StatusCode, Response), ApiError> {
    plan_change(&st, caller.actor, &headers, Command::EndPlan { plan_id: id, reason: b.reason }, StatusCode::OK).await
}

async fn senior_plans(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.plans_for_senior(actor, id)).await
}

// ----- family-doctor contracts -----

#[derive(Deserialize)]
struct NewContract {
    #[serde(default)]
    id: Option<String>,
    #[serde(flatten)]
    request: ContractRequest,
}

async fn sign_contract(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewContract>) -> Result<(StatusCode, Response), ApiError> {
    change(&st, caller.actor, &headers, Command::SignContract { contract_id: new_id(b.id), request: b.request }, StatusCode::CREATED).await
}

async fn contract(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "doctor_contract", id).await
}

#[derive(Deserialize)]
struct LastDay {
    /// The last day the contract runs (YYYY-MM-DD).
    last_day: String,
}

async fn terminate_contract(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<LastDay>) -> Result<(StatusCode, Response), ApiError> {
    let last_day = carecircle_core::clock::parse_date(&b.last_day)?;
    change(&st, caller.actor, &headers, Command::TerminateContract { contract_id: id, last_day }, StatusCode::OK).await
}

async fn senior_contracts(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.contracts_for_senior(actor, id)).await
}

// ----- capability assessments -----

#[derive(Deserialize)]
struct NewAssessment {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    assessor: String,
    date: String,
    /// The 26 item scores of GB/T 42195-2022, in the standard's order.
    scores: Vec<u8>,
    #[serde(default)]
    conditions: Conditions,
}

async fn record_assessment(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewAssessment>) -> Result<(StatusCode, Response), ApiError> {
    let date = carecircle_core::clock::parse_date(&b.date)?;
    let command = Command::RecordAssessment { assessment_id: new_id(b.id), senior_id: b.senior_id, assessor: b.assessor, date, scores: b.scores, conditions: b.conditions };
    change(&st, caller.actor, &headers, command, StatusCode::CREATED).await
}

async fn assessment(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    show(&st, caller.actor, "assessment", id).await
}

async fn senior_assessments(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.assessments_for_senior(actor, id)).await
}

// ----- the time bank -----

/// Runs a time-bank move and answers with the account it took from (or gave to).
async fn move_hours(st: &AppState, actor: Actor, headers: &HeaderMap, command: Command) -> Result<(StatusCode, Response), ApiError> {
    let subject = run_command(st, actor.clone(), headers, command).await?;
    let account = st.blocking(move |cc| cc.timebank_account_for(&actor, &subject.id)).await?;
    Ok((StatusCode::CREATED, Json(account).into_response()))
}

async fn account(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let account = st.blocking(move |cc| cc.timebank_account_for(&caller.actor, &id)).await?;
    Ok(Json(account).into_response())
}

#[derive(Deserialize)]
struct NewService {
    #[serde(default)]
    id: Option<String>,
    volunteer_id: String,
    senior_id: String,
    service: Service,
    minutes: i64,
}

async fn record_service(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewService>) -> Result<(StatusCode, Response), ApiError> {
    let command = Command::RecordVolunteerService { move_id: new_id(b.id), volunteer_id: b.volunteer_id, senior_id: b.senior_id, service: b.service, minutes: b.minutes };
    move_hours(&st, caller.actor, &headers, command).await
}

#[derive(Deserialize)]
struct NewTransfer {
    #[serde(default)]
    id: Option<String>,
    from: String,
    to: String,
    minutes: i64,
}

async fn transfer(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewTransfer>) -> Result<(StatusCode, Response), ApiError> {
    move_hours(&st, caller.actor, &headers, Command::TransferHours { move_id: new_id(b.id), from: b.from, to: b.to, minutes: b.minutes }).await
}

#[derive(Deserialize)]
struct NewSpend {
    #[serde(default)]
    id: Option<String>,
    account: String,
    /// The service the hours pay for (a booking id, a station's service record).
    reference: String,
    minutes: i64,
}

async fn spend(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewSpend>) -> Result<(StatusCode, Response), ApiError> {
    move_hours(&st, caller.actor, &headers, Command::SpendHours { move_id: new_id(b.id), account: b.account, reference: b.reference, minutes: b.minutes }).await
}

#[derive(Deserialize)]
struct NewDonation {
    #[serde(default)]
    id: Option<String>,
    from: String,
    minutes: i64,
}

async fn donate(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewDonation>) -> Result<(StatusCode, Response), ApiError> {
    move_hours(&st, caller.actor, &headers, Command::DonateHours { move_id: new_id(b.id), from: b.from, minutes: b.minutes }).await
}

#[derive(Deserialize)]
struct NewGrant {
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    minutes: i64,
}

async fn grant(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewGrant>) -> Result<(StatusCode, Response), ApiError> {
    move_hours(&st, caller.actor, &headers, Command::GrantHours { move_id: new_id(b.id), senior_id: b.senior_id, minutes: b.minutes }).await
}

// ----- family members and links -----

#[derive(Deserialize)]
struct MemberBody {
    name: String,
    #[serde(default)]
    phone: String,
}

async fn put_family_member(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<MemberBody>) -> Result<Response, ApiError> {
    let member = FamilyMember { id, name: b.name, phone: b.phone };
    run_command(&st, caller.actor, &headers, Command::PutFamilyMember { member: member.clone() }).await?;
    Ok(Json(member).into_response())
}

/// Proposes, accepts or changes a link; the answer says whether it is now active.
async fn link_family(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(link): Body<FamilyLink>) -> Result<Response, ApiError> {
    run_command(&st, caller.actor, &headers, Command::LinkFamily { link: link.clone() }).await?;
    let active = st.blocking(move |cc| Ok(cc.family_links(&link.senior_id)?.into_iter().find(|l| l.family_id == link.family_id))).await?;
    Ok(Json(serde_json::json!({ "active": active.is_some(), "link": active })).into_response())
}

async fn link_proposals(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.family_link_proposals(&caller.actor)).await?;
    Ok(Json(list).into_response())
}

async fn senior_family(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    of_senior(&st, caller.actor, id, |cc, actor, id| cc.family_links_for(actor, id)).await
}
