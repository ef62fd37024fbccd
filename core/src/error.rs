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

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput { field, reason: reason.into() }
    }
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { what, id: id.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
