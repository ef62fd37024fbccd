//! The server's one error type: every refusal is a JSON body `{"error": code, "message": ...}`
//! with a fitting status. Messages come from the core's public wording, which names nobody.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carecircle_core::{Error as CoreError, ErrorCode};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }
    pub fn unauthorized() -> Self {
        ApiError::new(ErrorCode::Unauthorized, "sign in first: Authorization: Bearer TOKEN")
    }
    pub fn not_found() -> Self {
        ApiError::new(ErrorCode::NotFound, "no such resource")
    }
    pub fn internal() -> Self {
        ApiError::new(ErrorCode::Internal, "the platform could not complete the request")
    }
    pub fn busy() -> Self {
        ApiError::new(ErrorCode::Busy, "the platform is busy; try again")
    }
    /// The status, from the code (`ErrorCode::http_status`, the one place it is chosen).
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let (code, message) = carecircle_core::sync::public_error(&e);
        if !code.is_refusal() && code != ErrorCode::Unavailable {
            // The detail is for the operators' logs, not for the caller.
            tracing::error!(error = %e, "storage failed");
        }
        ApiError { code, message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, axum::Json(Body { error: self.code.as_str(), message: &self.message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        let code = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            _ => ErrorCode::BadJson,
        };
        let mut message = r.body_text();
        message.truncate(300);
        ApiError::new(code, message)
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        let mut message = r.body_text();
        message.truncate(300);
        ApiError::new(ErrorCode::BadQuery, message)
    }
}
