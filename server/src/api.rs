//! The HTTP JSON API under `/v1`: transport and authentication only. Every rule, including who
//! may see what, is the core's; handlers turn requests into core calls and answers into JSON.

use crate::auth::{Caller, ClientAddr, dummy_hash, hash_password, new_token, token_hash, verify_password};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carecircle_core::account::Account;
use carecircle_core::booking::{Booking, Offer};
use carecircle_core::sync::{Command, PullRequest, PushEntry, PushResult};
use carecircle_core::visit::{Review, Visit};
use carecircle_core::{Actor, Crs, ErrorCode, FacilityKind, NearbyQuery, Position, Service, ServiceSet};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// At most this many changes per push.
pub const MAX_PUSH: usize = 100;

/// A JSON body whose refusals are the API's JSON errors.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Unchecked(value) = Unchecked::<serde_json::Value>::from_request(req, state).await?;
        // Control characters are refused in every string of every body.
        carecircle_core::text::check_json(&value)?;
        serde_json::from_value(value).map(Body).map_err(|e| {
            let mut message = e.to_string();
            message.truncate(300);
            ApiError::new(ErrorCode::BadJson, message)
        })
    }
}

/// A JSON body whose strings the handler checks itself: the sync push, whose entries the core
/// checks one by one, so that one bad entry is one refusal and the rest are applied.
pub struct Unchecked<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Unchecked<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state).await.map(|Json(v)| Unchecked(v)).map_err(|e: JsonRejection| e.into())
    }
}

/// Refuses a path or query with a control character in it (percent-encoded or not), before
/// any handler sees it.
pub async fn refuse_control_characters(req: Request, next: axum::middleware::Next) -> Response {
    let uri = req.uri();
    let decoded = |s: &str| percent_decoded_has_control(s.as_bytes());
    if decoded(uri.path()) || uri.query().is_some_and(decoded) {
        return ApiError::new(ErrorCode::InvalidInput, "the address contains a control character").into_response();
    }
    next.run(req).await
}

fn percent_decoded_has_control(s: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    let mut bytes = Vec::with_capacity(s.len());
    while i < s.len() {
        match (s[i], s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                bytes.push(h * 16 + l);
                i += 3;
            }
            (b, _, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).chars().any(carecircle_core::text::refused_char)
}

/// Query parameters whose refusals are the API's JSON errors.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state).await.map(|Query(v)| Params(v)).map_err(|e: QueryRejection| e.into())
    }
}

pub fn routes() -> Router<AppState> {
    crate::programmes::routes()
        .merge(crate::care::routes())
        .merge(crate::admin::routes())
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/me", get(me))
        .route("/v1/accounts", post(create_account))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", post(pull))
        .route("/v1/sync/stream", get(crate::live::stream))
        .route("/v1/facilities/nearest", get(nearest))
        .route("/v1/facilities/within", get(within))
        .route("/v1/facilities/{id}", get(facility))
        .route("/v1/seniors/{id}", get(senior))
        .route("/v1/seniors/{id}/bookings", get(senior_bookings))
        .route("/v1/bookings", post(request_booking))
        .route("/v1/bookings/{id}", get(booking))
        .route("/v1/bookings/{id}/accept", post(accept))
        .route("/v1/bookings/{id}/decline", post(decline))
        .route("/v1/bookings/{id}/cancel", post(cancel))
        .route("/v1/bookings/{id}/check-in", post(check_in))
        .route("/v1/bookings/{id}/check-out", post(check_out))
        .route("/v1/bookings/{id}/review", post(review))
        .route("/v1/caregivers/{id}/agenda", get(agenda))
        .route("/v1/caregivers/{id}/day", get(caregiver_day))
        .route("/v1/stations/{id}/route", get(station_route))
        .route("/v1/stations/{id}/route/plan", post(plan_route))
        .route("/v1/route-plans/{id}", get(route_plan))
        .route("/v1/route-plans/{id}/confirm", post(confirm_route_plan))
        .route("/v1/district/summary", get(summary))
        .route("/v1/stats", get(stats))
        .route("/v1/map", get(one_map))
        .route("/v1/map/village", get(village_at))
        .route("/v1/audit", get(audit))
        .route("/v1/admin/jobs", get(admin_jobs))
        .route("/v1/walk", get(walk))
        .route("/v1/isochrone", get(isochrone))
}

// ----- accounts -----

#[derive(Deserialize)]
struct LoginBody {
    login: String,
    password: String,
}

#[derive(Serialize)]
struct SessionOut {
    token: String,
    expires_at: DateTime<Utc>,
    login: String,
    actor: Actor,
}

async fn login(State(st): State<AppState>, ClientAddr(addr): ClientAddr, Body(b): Body<LoginBody>) -> Result<Response, ApiError> {
    let refused = || ApiError::new(ErrorCode::Unauthorized, "wrong login or password");
    if b.login.is_empty() || b.login.len() > 64 || b.password.len() > 256 {
        return Err(refused());
    }
    // Refused before any hashing: a throttled guess costs the platform nothing.
    if let Err(wait) = st.throttle.begin(&b.login, addr) {
        let secs = wait.as_secs().max(1);
        let mut resp = ApiError::new(ErrorCode::RateLimited, format!("too many failed sign-ins: try again in {secs} seconds")).into_response();
        resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        return Ok(resp);
    }
    let login = b.login.clone();
    let account = st.blocking(move |cc| cc.account(&login)).await?;
    let password = b.password;
    let checked = st
        .passwords
        .run(move || match account {
            Some(a) if !a.disabled => (verify_password(&password, &a.password_hash), Some(a)),
            _ => (verify_password(&password, dummy_hash()) && false, None),
        })
        .await;
    let account = match checked {
        Some((true, Some(a))) => a,
        Some(_) => return Err(refused()),
        None => return Err(ApiError::busy()),
    };
    st.throttle.succeeded(&b.login, addr);
    let token = new_token();
    let expires_at = Utc::now() + st.token_lifetime;
    let (hash, who) = (token_hash(&token), account.login.clone());
    st.blocking(move |cc| cc.put_session(&hash, &who, expires_at)).await?;
    tracing::info!(login = %account.login, role = role(&account.actor), "signed in");
    Ok(Json(SessionOut { token, expires_at, login: account.login, actor: account.actor }).into_response())
}

fn role(a: &Actor) -> &'static str {
    match a {
        Actor::Senior(_) => "senior",
        Actor::Family(_) => "family",
        Actor::Caregiver(_) => "caregiver",
        Actor::Operator(_) => "operator",
        Actor::Township(_) => "township",
        Actor::District => "district",
        Actor::System => "system",
    }
}

async fn logout(State(st): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    st.sessions.forget(&caller.token_hash);
    let h = caller.token_hash.clone();
    st.blocking(move |cc| cc.end_session(&h)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct Me {
    login: String,
    actor: Actor,
}

async fn me(caller: Caller) -> Json<Me> {
    Json(Me { login: caller.login, actor: caller.actor })
}

#[derive(Deserialize)]
struct NewAccount {
    login: String,
    password: String,
    /// "family:F1", "caregiver:C1", "senior:S1", "operator:STATION", "district".
    actor: String,
}

async fn create_account(State(st): State<AppState>, caller: Caller, Body(b): Body<NewAccount>) -> Result<(StatusCode, Json<Me>), ApiError> {
    carecircle_core::account::check_new_account(&caller.actor, &b.login, &b.password)?;
    let actor = Actor::parse(&b.actor)?;
    let password = b.password;
    let hash = st.passwords.run(move || hash_password(&password)).await.ok_or_else(|| ApiError::busy())??;
    let account = Account { login: b.login.clone(), actor: actor.clone(), password_hash: hash, disabled: false };
    st.blocking(move |cc| cc.put_account(&account)).await?;
    // Storage ended the login's sessions if its password or actor changed; so does the cache.
    st.sessions.forget_login(&b.login);
    Ok((StatusCode::CREATED, Json(Me { login: b.login, actor })))
}

// ----- sync -----

#[derive(Deserialize)]
struct PushBody {
    entries: Vec<PushEntry>,
}

#[derive(Serialize)]
struct PushOut {
    results: Vec<PushResult>,
}

async fn push(State(st): State<AppState>, caller: Caller, Unchecked(b): Unchecked<PushBody>) -> Result<Json<PushOut>, ApiError> {
    if b.entries.len() > MAX_PUSH {
        return Err(ApiError::new(ErrorCode::InvalidInput, format!("at most {MAX_PUSH} changes per push")));
    }
    let actor = caller.actor;
    let results = st.blocking(move |cc| b.entries.iter().map(|e| cc.apply_pushed(&actor, e)).collect::<carecircle_core::Result<Vec<_>>>()).await?;
    Ok(Json(PushOut { results }))
}

async fn pull(State(st): State<AppState>, caller: Caller, Body(req): Body<PullRequest>) -> Result<Response, ApiError> {
    let actor = caller.actor;
    let page = st.blocking(move |cc| cc.pull(&actor, &req)).await?;
    Ok(Json(page).into_response())
}

// ----- facilities -----

#[derive(Deserialize)]
struct NearQuery {
    lat: f64,
    lon: f64,
    #[serde(default)]
    crs: Option<Crs>,
    /// Comma-separated kind codes.
    #[serde(default)]
    kind: Option<String>,
    /// Comma-separated service codes, all required.
    #[serde(default)]
    service: Option<String>,
    /// Only facilities open at this instant (RFC 3339; "now" for the platform's now).
    #[serde(default)]
    open_at: Option<String>,
    #[serde(default)]
    k: Option<u32>,
    #[serde(default)]
    radius_m: Option<f64>,
}

impl NearQuery {
    /// The core's query: the same filters as on a phone.
    fn query(&self, now: chrono::DateTime<chrono::Utc>) -> carecircle_core::Result<NearbyQuery> {
        let at = Position::from_crs(self.lat, self.lon, self.crs.unwrap_or_default())?;
        let mut query = NearbyQuery::new(at).k(self.k.unwrap_or(5));
        if let Some(kinds) = &self.kind {
            query.kinds = kinds.split(',').filter(|s| !s.is_empty()).map(str::parse::<FacilityKind>).collect::<carecircle_core::Result<_>>()?;
        }
        if let Some(services) = &self.service {
            query.services = ServiceSet::parse_list(services)?;
        }
        query.open_at = match self.open_at.as_deref() {
            None => None,
            Some("now") => Some(now),
            Some(t) => Some(
                chrono::DateTime::parse_from_rfc3339(t)
                    .map_err(|_| carecircle_core::Error::invalid("open_at", "an RFC 3339 instant such as 2026-12-03T09:00:00+08:00, or now"))?
                    .with_timezone(&chrono::Utc),
            ),
        };
        query.radius_m = self.radius_m;
        Ok(query)
    }
}

async fn nearest(State(st): State<AppState>, _caller: Caller, Params(q): Params<NearQuery>) -> Result<Response, ApiError> {
    let found = st.blocking(move |cc| cc.nearest(&q.query(cc.now())?)).await?;
    Ok(Json(found).into_response())
}

/// Every facility within `radius_m` (required), nearest first, with the same filters.
async fn within(State(st): State<AppState>, _caller: Caller, Params(q): Params<NearQuery>) -> Result<Response, ApiError> {
    let found = st.blocking(move |cc| cc.within(&q.query(cc.now())?)).await?;
    Ok(Json(found).into_response())
}

async fn facility(State(st): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let f = st.blocking(move |cc| cc.facility(&id)).await?;
    Ok(Json(f).into_response())
}

// ----- seniors, bookings, visits -----

async fn senior(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let s = st.blocking(move |cc| cc.senior_for(&caller.actor, &id)).await?;
    Ok(Json(s).into_response())
}

async fn senior_bookings(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let list = st
        .blocking(move |cc| {
            // Not found rather than forbidden: nobody learns which seniors exist.
            cc.senior_for(&caller.actor, &id)?;
            cc.bookings_for_senior(&caller.actor, &id)
        })
        .await?;
    Ok(Json(list).into_response())
}

#[derive(Serialize)]
struct BookingOut {
    booking: Booking,
    offers: Vec<Offer>,
    visit: Option<Visit>,
    /// When the caregiver is expected at the door, from the station's confirmed day plan.
    expected_arrival: Option<carecircle_core::route::day::ExpectedArrival>,
}

async fn booking(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Json<BookingOut>, ApiError> {
    let (booking, offers, visit, expected_arrival) = st
        .blocking(move |cc| {
            let (b, o, v) = cc.booking_for(&caller.actor, &id)?;
            let eta = cc.expected_arrival(&id)?;
            Ok((b, o, v, eta))
        })
        .await?;
    Ok(Json(BookingOut { booking, offers, visit, expected_arrival }))
}

/// Applies a change as the caller, through the same path as a pushed one: an `Idempotency-Key`
/// header makes retries safe; the answer is the booking as the caller may see it.
async fn apply(st: &AppState, caller: Caller, headers: &HeaderMap, command: Command) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    let actor = caller.actor;
    let subject = run_command(st, actor.clone(), headers, command).await?;
    let ((booking, offers, visit), expected_arrival) = st.blocking(move |cc| Ok((cc.booking_for(&actor, &subject.id)?, cc.expected_arrival(&subject.id)?))).await?;
    Ok((StatusCode::OK, Json(BookingOut { booking, offers, visit, expected_arrival })))
}

/// Runs one command as the caller through the push path (the rules, the receipt, the change
/// log): every REST change is this. A refusal is the API error with the platform's code; the
/// answer is what the command was about. A retry with the same key gets its first answer,
/// whose record may be one the platform chose an id for the first time.
pub(crate) async fn run_command(st: &AppState, actor: Actor, headers: &HeaderMap, command: Command) -> Result<carecircle_core::sync::Subject, ApiError> {
    let key = match headers.get("idempotency-key") {
        Some(v) => v.to_str().ok().filter(|k| !k.is_empty() && k.len() <= 128).ok_or_else(|| ApiError::new(ErrorCode::BadHeader, "Idempotency-Key: 1 to 128 visible characters"))?.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let result = st
        .blocking(move |cc| {
            // Made here and now: the platform's own clock is the change's time.
            let entry = PushEntry { key, actor: actor.label(), at: cc.now(), command };
            cc.apply_pushed(&actor, &entry)
        })
        .await?;
    if result.ok {
        return Ok(result.subject);
    }
    Err(ApiError::new(result.code.unwrap_or(ErrorCode::Refused), result.message.unwrap_or_default()))
}

#[derive(Deserialize)]
struct NewBooking {
    /// Chosen by the client (a UUID) or by the platform.
    #[serde(default)]
    id: Option<String>,
    senior_id: String,
    service: Service,
    start: DateTime<Utc>,
    #[serde(default)]
    duration_minutes: Option<u32>,
    #[serde(default)]
    note: String,
}

async fn request_booking(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Body(b): Body<NewBooking>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    let command = Command::RequestBooking {
        booking_id: b.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        senior_id: b.senior_id,
        service: b.service,
        start: b.start,
        duration_minutes: b.duration_minutes,
        note: b.note,
    };
    let (_, out) = apply(&st, caller, &headers, command).await?;
    Ok((StatusCode::CREATED, out))
}

async fn accept(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    apply(&st, caller, &headers, Command::AcceptBooking { booking_id: id }).await
}

#[derive(Deserialize, Default)]
struct Reason {
    #[serde(default)]
    reason: String,
}

async fn decline(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<Reason>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    apply(&st, caller, &headers, Command::DeclineBooking { booking_id: id, reason: b.reason }).await
}

async fn cancel(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<Reason>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    apply(&st, caller, &headers, Command::CancelBooking { booking_id: id, reason: b.reason }).await
}

#[derive(Deserialize)]
struct Place {
    lat: f64,
    lon: f64,
    #[serde(default)]
    crs: Option<Crs>,
}

impl Place {
    fn wgs84(&self) -> Result<Position, ApiError> {
        Ok(Position::from_crs(self.lat, self.lon, self.crs.unwrap_or_default())?)
    }
}

async fn check_in(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(p): Body<Place>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    let at = p.wgs84()?;
    apply(&st, caller, &headers, Command::CheckIn { booking_id: id, lat: at.lat, lon: at.lon }).await
}

async fn check_out(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(p): Body<Place>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    let at = p.wgs84()?;
    apply(&st, caller, &headers, Command::CheckOut { booking_id: id, lat: at.lat, lon: at.lon }).await
}

#[derive(Deserialize)]
struct ReviewBody {
    review: Review,
}

async fn review(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Path(id): Path<String>, Body(b): Body<ReviewBody>) -> Result<(StatusCode, Json<BookingOut>), ApiError> {
    apply(&st, caller, &headers, Command::ReviewVisit { booking_id: id, review: b.review }).await
}

#[derive(Serialize)]
struct AgendaItem {
    booking: Booking,
    offer: Offer,
}

async fn agenda(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Json<Vec<AgendaItem>>, ApiError> {
    let items = st.blocking(move |cc| cc.agenda_for(&caller.actor, &id)).await?;
    Ok(Json(items.into_iter().map(|(booking, offer)| AgendaItem { booking, offer }).collect()))
}

#[derive(Deserialize)]
struct DateQuery {
    /// YYYY-MM-DD, Shanghai.
    date: String,
}

/// A caregiver's day in order with expected arrivals: the caregiver, their station, the district.
async fn caregiver_day(State(st): State<AppState>, caller: Caller, Path(id): Path<String>, Params(q): Params<DateQuery>) -> Result<Response, ApiError> {
    let date = carecircle_core::clock::parse_date(&q.date)?;
    let day = st.blocking(move |cc| cc.caregiver_day(&caller.actor, &id, date)).await?;
    Ok(Json(day).into_response())
}

/// Every caregiver's day of a station as it stands: its operator, the district.
async fn station_route(State(st): State<AppState>, caller: Caller, Path(id): Path<String>, Params(q): Params<DateQuery>) -> Result<Response, ApiError> {
    let date = carecircle_core::clock::parse_date(&q.date)?;
    let days = st.blocking(move |cc| cc.station_day(&caller.actor, &id, date)).await?;
    Ok(Json(days).into_response())
}

#[derive(Deserialize)]
struct PlanBody {
    date: String,
}

/// Plans a station's day and stores the proposal.
async fn plan_route(State(st): State<AppState>, caller: Caller, Path(id): Path<String>, Body(b): Body<PlanBody>) -> Result<(StatusCode, Response), ApiError> {
    let date = carecircle_core::clock::parse_date(&b.date)?;
    let plan = st.blocking(move |cc| cc.plan_day(&caller.actor, &id, date)).await?;
    Ok((StatusCode::CREATED, Json(plan).into_response()))
}

async fn route_plan(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let plan = st.blocking(move |cc| cc.day_plan(&caller.actor, &id)).await?;
    Ok(Json(plan).into_response())
}

async fn confirm_route_plan(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let done = st.blocking(move |cc| cc.confirm_day_plan(&caller.actor, &id)).await?;
    Ok(Json(done).into_response())
}

#[derive(Deserialize)]
struct MonthQuery {
    /// YYYY-MM
    month: String,
}

async fn summary(State(st): State<AppState>, caller: Caller, Params(q): Params<MonthQuery>) -> Result<Response, ApiError> {
    let (y, m) = carecircle_core::entitlement::parse_month(&q.month)?;
    let s = st.blocking(move |cc| cc.district_summary_for(&caller.actor, y, m)).await?;
    Ok(Json(s).into_response())
}

#[derive(Deserialize)]
struct OptionalMonth {
    /// YYYY-MM; this month (Shanghai) if omitted.
    #[serde(default)]
    month: Option<String>,
}

/// The seeds' targets and the figures against them, over the caller's area.
async fn stats(State(st): State<AppState>, caller: Caller, Params(q): Params<OptionalMonth>) -> Result<Response, ApiError> {
    let s = st
        .blocking(move |cc| {
            let (y, m) = match &q.month {
                Some(month) => carecircle_core::entitlement::parse_month(month)?,
                None => {
                    let today = cc.today();
                    (chrono::Datelike::year(&today), chrono::Datelike::month(&today))
                }
            };
            cc.district_stats(&caller.actor, y, m)
        })
        .await?;
    Ok(Json(s).into_response())
}

/// Everything the one map draws, over the caller's area (see `carecircle_core::map`).
async fn one_map(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let map = st.blocking(move |cc| cc.one_map(&caller.actor)).await?;
    Ok(Json(map).into_response())
}

#[derive(Deserialize)]
struct PointQuery {
    lat: f64,
    lon: f64,
    #[serde(default)]
    crs: Option<Crs>,
}

/// The village of the caller's one map that a point lies in (the page asks it for a click), or
/// null: the core's rule, not the page's.
async fn village_at(State(st): State<AppState>, caller: Caller, Params(q): Params<PointQuery>) -> Result<Response, ApiError> {
    let at = Position::from_crs(q.lat, q.lon, q.crs.unwrap_or_default())?;
    let village = st.blocking(move |cc| cc.village_at(&caller.actor, at)).await?;
    Ok(Json(village).into_response())
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    senior_id: Option<String>,
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
}

/// Who read or changed seniors' health and location records (PIPL), for the district.
async fn audit(State(st): State<AppState>, caller: Caller, Params(q): Params<AuditQuery>) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.audit_log(&caller.actor, q.senior_id.as_deref(), q.after.unwrap_or(0), q.limit.unwrap_or(500))).await?;
    Ok(Json(list).into_response())
}

/// The platform's timed jobs: last and next run, outcome, which instance runs one now.
async fn admin_jobs(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let list = st.blocking(move |cc| cc.job_status(&caller.actor)).await?;
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
struct WalkQuery {
    from_lat: f64,
    from_lon: f64,
    to_lat: f64,
    to_lon: f64,
    #[serde(default)]
    crs: Option<Crs>,
}

/// The walk between two points along the district's walking network.
async fn walk(State(st): State<AppState>, _caller: Caller, Params(q): Params<WalkQuery>) -> Result<Response, ApiError> {
    let crs = q.crs.unwrap_or_default();
    let (from, to) = (Position::from_crs(q.from_lat, q.from_lon, crs)?, Position::from_crs(q.to_lat, q.to_lon, crs)?);
    let route = st.blocking(move |cc| cc.walk(from, to)).await?;
    Ok(Json(route).into_response())
}

#[derive(Deserialize)]
struct IsochroneQuery {
    lat: f64,
    lon: f64,
    #[serde(default)]
    crs: Option<Crs>,
    /// Walking minutes; the circle's (15) if omitted.
    #[serde(default)]
    minutes: Option<f64>,
}

/// The area within a walk of a point (the one map draws it for a clicked place). Operators and
/// administrators only, like the map: the point is usually a home cell's centre.
async fn isochrone(State(st): State<AppState>, caller: Caller, Params(q): Params<IsochroneQuery>) -> Result<Response, ApiError> {
    let at = Position::from_crs(q.lat, q.lon, q.crs.unwrap_or_default())?;
    let iso = st
        .blocking(move |cc| {
            carecircle_core::access::Area::of(&caller.actor)?;
            let minutes = q.minutes.unwrap_or(cc.settings().circle_minutes);
            cc.isochrone(at, minutes)
        })
        .await?;
    Ok(Json(iso).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}
