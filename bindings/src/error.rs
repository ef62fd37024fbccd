//! The bindings' one error: a flat enum whose cases are the core's error codes
//! (`carecircle_core::ErrorCode`, the same codes the HTTP API answers with), each carrying the
//! core's message in plain words and without personal data. In Kotlin it is
//! `CareCircleException.NotFound` and so on, whose `message` is that text; in Swift
//! `CareCircleError.NotFound(message:)`, whose `localizedDescription` is that text
//! (scripts/gen-bindings.sh makes it so).

use carecircle_core::{Error as CoreError, ErrorCode};
use tokio::task::JoinError;

/// Why a call failed. The case says what kind of failure, the message says it in plain words.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum CareCircleError {
    /// A value is missing or out of range (a name, a date, a setting, k, a radius); the message
    /// names it.
    #[error("{0}")]
    InvalidInput(String),
    /// NaN, infinite, or latitude outside -90..90 / longitude outside -180..180.
    #[error("{0}")]
    InvalidCoordinate(String),
    /// An import file has bad rows, each named, e.g. "line 3: name is missing". Nothing was changed.
    #[error("{0}")]
    ImportRejected(String),
    /// No such record (or not one this actor may see).
    #[error("{0}")]
    NotFound(String),
    /// This actor may not do that.
    #[error("{0}")]
    Forbidden(String),
    /// The record's state does not allow that step, e.g. "booking B1 is completed: it cannot be
    /// cancelled".
    #[error("{0}")]
    InvalidTransition(String),
    /// Another caregiver accepted the visit first.
    #[error("{0}")]
    AlreadyTaken(String),
    /// The caregiver (or doctor) already has a visit at that time.
    #[error("{0}")]
    CaregiverBusy(String),
    /// No qualified caregiver is free for the visit.
    #[error("{0}")]
    NoCaregiverAvailable(String),
    /// It exists already (a booking id, an order for that meal, an active plan, a rating).
    #[error("{0}")]
    Duplicate(String),
    /// No meal, seat, device or balance room is left.
    #[error("{0}")]
    Full(String),
    /// Past the cut-off (Shanghai time).
    #[error("{0}")]
    TooLate(String),
    /// No walking path joins the two points.
    #[error("{0}")]
    NoPath(String),
    /// The platform could not be reached (after retries), or is not a CareCircle platform.
    #[error("{0}")]
    Unavailable(String),
    /// The database stayed too busy; nothing was changed and the call can be made again.
    #[error("{0}")]
    Busy(String),
    /// A file could not be read (missing, unreadable).
    #[error("{0}")]
    CannotRead(String),
    /// The database was written by a newer CareCircle: update the app.
    #[error("{0}")]
    TooNew(String),
    /// The local database failed.
    #[error("{0}")]
    Storage(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl CareCircleError {
    pub(crate) fn invalid_input(field: &'static str, reason: &str) -> Self {
        CoreError::invalid(field, reason).into()
    }
}

impl From<CoreError> for CareCircleError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e.code() {
            ErrorCode::InvalidInput => CareCircleError::InvalidInput(message),
            ErrorCode::InvalidCoordinate => CareCircleError::InvalidCoordinate(message),
            ErrorCode::ImportRejected => CareCircleError::ImportRejected(message),
            ErrorCode::NotFound => CareCircleError::NotFound(message),
            ErrorCode::Forbidden => CareCircleError::Forbidden(message),
            ErrorCode::InvalidTransition => CareCircleError::InvalidTransition(message),
            ErrorCode::AlreadyTaken => CareCircleError::AlreadyTaken(message),
            ErrorCode::CaregiverBusy => CareCircleError::CaregiverBusy(message),
            ErrorCode::NoCaregiverAvailable => CareCircleError::NoCaregiverAvailable(message),
            ErrorCode::Duplicate => CareCircleError::Duplicate(message),
            ErrorCode::Full => CareCircleError::Full(message),
            ErrorCode::TooLate => CareCircleError::TooLate(message),
            ErrorCode::NoPath => CareCircleError::NoPath(message),
            ErrorCode::Unavailable => CareCircleError::Unavailable(message),
            ErrorCode::Busy => CareCircleError::Busy(message),
            ErrorCode::CannotRead => CareCircleError::CannotRead(message),
            ErrorCode::TooNew => CareCircleError::TooNew(message),
            ErrorCode::Storage => CareCircleError::Storage(message),
            // The rest are the HTTP API's own (a bad header, a body too large): not the core's.
            _ => CareCircleError::Internal(message),
        }
    }
}

impl From<JoinError> for CareCircleError {
    fn from(_: JoinError) -> Self {
        CareCircleError::Internal("the call stopped unexpectedly; nothing was changed (a bug: please report it)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carecircle_core::position::Position;

    #[test]
    fn messages_are_the_cores_plain_words() {
        let e: CareCircleError = Position::new(95.0, 121.0).unwrap_err().into();
        assert!(matches!(e, CareCircleError::InvalidCoordinate(_)));
        assert_eq!(e.to_string(), "invalid coordinate: latitude 95 is outside -90..90");
        let e: CareCircleError = CoreError::SchemaTooNew { found: 9, known: 1 }.into();
        assert!(matches!(e, CareCircleError::TooNew(_)), "{e}");
        let e: CareCircleError = CoreError::AlreadyTaken { booking: "B1".into() }.into();
        assert!(matches!(&e, CareCircleError::AlreadyTaken(m) if m == "already taken: booking B1 was accepted by another caregiver"), "{e}");
        let e: CareCircleError = CoreError::InvalidStateChange { what: "care plan", id: "P1".into(), from: "ended".into(), action: "changed".into() }.into();
        assert!(matches!(&e, CareCircleError::InvalidTransition(m) if m == "care plan P1 is ended: it cannot be changed"), "{e}");
        assert!(matches!(CareCircleError::from(CoreError::TooLate("x".into())), CareCircleError::TooLate(_)));
        assert!(matches!(CareCircleError::from(CoreError::Busy("the database stayed too busy".into())), CareCircleError::Busy(_)));
    }
}
