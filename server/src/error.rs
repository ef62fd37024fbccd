//! The server's one error type: every refusal is a JSON body `{"error": code, "message": ...}`
//! with a fitting status. Messages come from the core's public wording, which names nobody.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carecircle_core::Error as CoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    pub fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first: Authorization: Bearer TOKEN")
    }
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
    pub fn internal() -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the platform could not complete the request")
    }
}

/// The status for a core refusal code.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "invalid_input" | "invalid_coordinate" | "import_rejected" | "no_path" => StatusCode::UNPROCESSABLE_ENTITY,
        "not_found" => StatusCode::NOT_FOUND,
        "forbidden" => StatusCode::FORBIDDEN,
        "invalid_transition" | "already_taken" | "caregiver_busy" | "no_caregiver_available" | "duplicate" | "full" | "too_late" => StatusCode::CONFLICT,
        "unavailable" => StatusCode::BAD_GATEWAY,
        "internal" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let (code, message) = carecircle_core::sync::public_error(&e);
        let status = status_of(code);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The detail is for the operators' logs, not for the caller.
            tracing::error!(error = %e, "storage failed");
            if matches!(e, CoreError::Database(ref m) if m.contains("too busy")) {
                return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the platform is busy; try again");
            }
        }
        ApiError { status, code, message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(Body { error: self.code, message: &self.message })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        let status = r.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "bad_json",
        };
        let status = if code == "bad_json" { StatusCode::BAD_REQUEST } else { status };
        let mut message = r.body_text();
        message.truncate(300);
        ApiError::new(status, code, message)
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        let mut message = r.body_text();
        message.truncate(300);
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message)
    }
}

/// The static form of a refusal code read back from a receipt.
pub fn static_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "invalid_input", "invalid_coordinate", "import_rejected", "not_found", "forbidden", "invalid_transition", "already_taken", "caregiver_busy",
        "no_caregiver_available", "duplicate", "full", "too_late", "unavailable", "internal", "no_path",
    ];
    CODES.iter().find(|c| **c == code).copied().unwrap_or("refused")
}
