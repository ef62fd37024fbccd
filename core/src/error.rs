//! The core's one error type. Messages are plain words a user can read and carry no
//! personal data (names, phones, addresses): ids and field names only.

use std::fmt;

/// One bad row of an import file, named by its 1-based line (CSV) or 0-based feature index (GeoJSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// "line 7" or "feature 3".
    pub location: String,
    pub problem: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.problem)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid coordinate: {0}")]
    InvalidCoordinate(String),
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },
    #[error("{}", import_message(problems))]
    ImportRejected { problems: Vec<RowProblem> },
    #[error("file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage failed: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("storage failed: {0}")]
    Database(String),
    /// The database stayed locked by other writers past every retry: nothing was changed, and
    /// the same call can simply be made again.
    #[error("{0}")]
    Busy(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("booking {booking} is {from}: it cannot be {action}")]
    InvalidTransition { booking: String, from: String, action: String },
    /// A care plan, contract or subsidy application asked to move where its state machine does not go.
    #[error("{what} {id} is {from}: it cannot be {action}")]
    InvalidStateChange { what: &'static str, id: String, from: String, action: String },
    #[error("already taken: booking {booking} was accepted by another caregiver")]
    AlreadyTaken { booking: String },
    #[error("caregiver {caregiver} already has a visit at that time")]
    CaregiverBusy { caregiver: String },
    #[error("no qualified caregiver is free for booking {booking}")]
    NoCaregiverAvailable { booking: String },
    #[error("{what} already exists: {id}")]
    Duplicate { what: &'static str, id: String },
    #[error("full: {0}")]
    Full(String),
    #[error("too late: {0}")]
    TooLate(String),
    #[error("the platform could not be reached: {0}")]
    Network(String),
    /// No walk joins two points on the network (they are on parts no path connects), or there
    /// is no network to walk on.
    #[error("no walking path: {0}")]
    NoPath(String),
    /// A routing instance file (Solomon's format) that cannot be read, by 1-based line.
    #[error("bad instance file, line {line}: {problem}")]
    BadInstance { line: usize, problem: String },
    #[error("database was written by a newer CareCircle (schema {found}, this build knows {known})")]
    SchemaTooNew { found: i64, known: i64 },
}

fn import_message(problems: &[RowProblem]) -> String {
    let mut msg = format!("import rejected, nothing was changed: {} bad row(s)", problems.len());
    for p in problems.iter().take(50) {
        msg.push_str("\n  ");
        msg.push_str(&p.to_string());
    }
    if problems.len() > 50 {
        msg.push_str(&format!("\n  ... and {} more", problems.len() - 50));
    }
    msg
}

/// The one vocabulary of refusals and failures: the `error` of every HTTP answer, the `code`
/// of every push receipt, and the case of the Kotlin exception and Swift error. Its HTTP status
/// is chosen here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A value is missing or out of range; the message names it.
    InvalidInput,
    /// NaN, infinite, or latitude outside -90..90 / longitude outside -180..180.
    InvalidCoordinate,
    /// An import file has bad rows; nothing was changed.
    ImportRejected,
    /// No such record (or not one this actor may see).
    NotFound,
    /// This actor may not do that.
    Forbidden,
    /// The record's state does not allow that step.
    InvalidTransition,
    /// Another caregiver accepted the visit first.
    AlreadyTaken,
    /// The caregiver already has a visit at that time.
    CaregiverBusy,
    /// No qualified caregiver is free.
    NoCaregiverAvailable,
    /// The record already exists.
    Duplicate,
    /// No place, seat or device is left.
    Full,
    /// Past the cut-off.
    TooLate,
    /// No walking path joins the two points.
    NoPath,
    /// The platform could not be reached.
    Unavailable,
    /// The database stayed too busy; try again.
    Busy,
    /// A file could not be read.
    CannotRead,
    /// The database was written by a newer CareCircle.
    TooNew,
    /// The database failed.
    Storage,
    /// Sign in first (HTTP only).
    Unauthorized,
    /// Too many failed sign-ins (HTTP only).
    RateLimited,
    /// Too many live streams for one login (HTTP only).
    TooManyStreams,
    /// A body that is not the JSON the route takes (HTTP only).
    BadJson,
    /// A query string the route cannot read (HTTP only).
    BadQuery,
    /// A header the route cannot read (HTTP only).
    BadHeader,
    /// A body over the size limit (HTTP only).
    TooLarge,
    /// A body that is not JSON (HTTP only).
    UnsupportedMediaType,
    /// The path does not take that method (HTTP only).
    MethodNotAllowed,
    /// Storage does not answer yet (HTTP only: the readiness probe).
    NotReady,
    /// Anything else: a bug, please report it.
    Internal,
    /// A code this build does not know (sent by a newer platform): the change was refused.
    #[serde(other)]
    Refused,
}

impl ErrorCode {
    /// Every code, in the order above.
    pub const ALL: &[ErrorCode] = &[
        ErrorCode::InvalidInput, ErrorCode::InvalidCoordinate, ErrorCode::ImportRejected, ErrorCode::NotFound, ErrorCode::Forbidden,
        ErrorCode::InvalidTransition, ErrorCode::AlreadyTaken, ErrorCode::CaregiverBusy, ErrorCode::NoCaregiverAvailable, ErrorCode::Duplicate,
        ErrorCode::Full, ErrorCode::TooLate, ErrorCode::NoPath, ErrorCode::Unavailable, ErrorCode::Busy, ErrorCode::CannotRead, ErrorCode::TooNew,
        ErrorCode::Storage, ErrorCode::Unauthorized, ErrorCode::RateLimited, ErrorCode::TooManyStreams, ErrorCode::BadJson, ErrorCode::BadQuery,
        ErrorCode::BadHeader, ErrorCode::TooLarge, ErrorCode::UnsupportedMediaType, ErrorCode::MethodNotAllowed, ErrorCode::NotReady,
        ErrorCode::Internal, ErrorCode::Refused,
    ];

    /// The code as it travels: "already_taken", "not_found", ...
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidInput => "invalid_input",
            InvalidCoordinate => "invalid_coordinate",
            ImportRejected => "import_rejected",
            NotFound => "not_found",
            Forbidden => "forbidden",
            InvalidTransition => "invalid_transition",
            AlreadyTaken => "already_taken",
            CaregiverBusy => "caregiver_busy",
            NoCaregiverAvailable => "no_caregiver_available",
            Duplicate => "duplicate",
            Full => "full",
            TooLate => "too_late",
            NoPath => "no_path",
            Unavailable => "unavailable",
            Busy => "busy",
            CannotRead => "cannot_read",
            TooNew => "too_new",
            Storage => "storage",
            Unauthorized => "unauthorized",
            RateLimited => "rate_limited",
            TooManyStreams => "too_many_streams",
            BadJson => "bad_json",
            BadQuery => "bad_query",
            BadHeader => "bad_header",
            TooLarge => "too_large",
            UnsupportedMediaType => "unsupported_media_type",
            MethodNotAllowed => "method_not_allowed",
            NotReady => "not_ready",
            Internal => "internal",
            Refused => "refused",
        }
    }

    /// The code of a travelled string; one this build does not know is `Refused`.
    pub fn parse(code: &str) -> ErrorCode {
        serde_json::from_value(serde_json::Value::String(code.to_string())).unwrap_or(ErrorCode::Refused)
    }

    /// The HTTP status of an answer with this code: the one place it is chosen.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidInput | InvalidCoordinate | ImportRejected | NoPath => 422,
            NotFound => 404,
            Forbidden => 403,
            InvalidTransition | AlreadyTaken | CaregiverBusy | NoCaregiverAvailable | Duplicate | Full | TooLate => 409,
            Unavailable => 502,
            Busy | NotReady => 503,
            Unauthorized => 401,
            RateLimited | TooManyStreams => 429,
            BadJson | BadQuery | BadHeader | Refused => 400,
            TooLarge => 413,
            UnsupportedMediaType => 415,
            MethodNotAllowed => 405,
            CannotRead | TooNew | Storage | Internal => 500,
        }
    }

    /// Is this the rules refusing a change, rather than storage, the network or a bug failing?
    /// A refused change is answered for good; a failed one can be tried again.
    pub fn is_refusal(self) -> bool {
        !matches!(self, ErrorCode::Unavailable | ErrorCode::Busy | ErrorCode::CannotRead | ErrorCode::TooNew | ErrorCode::Storage | ErrorCode::NotReady | ErrorCode::Internal)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// This error's code in the one vocabulary.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidCoordinate(_) => ErrorCode::InvalidCoordinate,
            Error::InvalidInput { .. } | Error::BadInstance { .. } => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::ImportRejected { .. } => ErrorCode::ImportRejected,
            Error::Io(_) => ErrorCode::CannotRead,
            Error::Storage(rusqlite::Error::SqliteFailure(f, _)) if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => ErrorCode::Busy,
            Error::Storage(_) | Error::Database(_) => ErrorCode::Storage,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::InvalidTransition { .. } | Error::InvalidStateChange { .. } => ErrorCode::InvalidTransition,
            Error::AlreadyTaken { .. } => ErrorCode::AlreadyTaken,
            Error::CaregiverBusy { .. } => ErrorCode::CaregiverBusy,
            Error::NoCaregiverAvailable { .. } => ErrorCode::NoCaregiverAvailable,
            Error::Duplicate { .. } => ErrorCode::Duplicate,
            Error::Full(_) => ErrorCode::Full,
            Error::TooLate(_) => ErrorCode::TooLate,
            Error::Network(_) => ErrorCode::Unavailable,
            Error::NoPath(_) => ErrorCode::NoPath,
            Error::SchemaTooNew { .. } => ErrorCode::TooNew,
        }
    }

    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput { field, reason: reason.into() }
    }
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { what, id: id.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn a_code_travels_as_its_name() {
        for &c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::Value::String(c.as_str().into()));
            assert_eq!(ErrorCode::parse(c.as_str()), c);
        }
        assert_eq!(ErrorCode::parse("a_code_from_a_newer_platform"), ErrorCode::Refused);
        let read: ErrorCode = serde_json::from_str("\"a_code_from_a_newer_platform\"").unwrap();
        assert_eq!(read, ErrorCode::Refused);
    }

    #[test]
    fn statuses_and_what_can_be_retried() {
        let status = |e: Error| e.code().http_status();
        assert_eq!(status(Error::not_found("senior", "S9")), 404);
        assert_eq!(status(Error::Forbidden("x".into())), 403);
        assert_eq!(status(Error::AlreadyTaken { booking: "B1".into() }), 409);
        assert_eq!(status(Error::invalid("k", "1 to 50")), 422);
        assert_eq!(status(Error::Busy("the database stayed too busy".into())), 503);
        assert_eq!(status(Error::Database("disk I/O".into())), 500);
        let locked = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
        assert_eq!(Error::Storage(locked).code(), ErrorCode::Busy);
        assert!(!ErrorCode::Busy.is_refusal() && !ErrorCode::Storage.is_refusal() && !ErrorCode::Unavailable.is_refusal());
        assert!(ErrorCode::Full.is_refusal() && ErrorCode::Forbidden.is_refusal());
    }
}
