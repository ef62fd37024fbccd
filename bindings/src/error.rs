//! The public errors of the bindings: one small enum per area, each converted here, in one
//! place, from the core's error.
//!
//! They are flat errors: the foreign side gets the variant and one human message (the
//! core's text, in plain words and without personal data). In Kotlin the message is the
//! exception's `message` (`FacilityException.InvalidCoordinate`); in Swift it is the case's
//! `message` (`FacilityError.InvalidCoordinate(message:)`), also shown by
//! `localizedDescription`. New areas add their enum here, with its `From<CoreError>`.

use carecircle_core::Error as CoreError;
use tokio::task::JoinError;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum OpenError {
    /// A setting is out of range (walking speed, detour factor, circle minutes).
    #[error("{0}")]
    InvalidSettings(String),
    /// The file could not be opened, created or migrated.
    #[error("{0}")]
    Storage(String),
    /// The database was written by a newer CareCircle; update the app.
    #[error("{0}")]
    TooNew(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for OpenError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::InvalidInput { .. } => OpenError::InvalidSettings(message),
            CoreError::Storage(_) | CoreError::Io(_) => OpenError::Storage(message),
            CoreError::SchemaTooNew { .. } => OpenError::TooNew(message),
            _ => OpenError::Internal(message),
        }
    }
}

/// A position that cannot be used.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum PositionError {
    /// NaN, infinite, or latitude outside -90..90 / longitude outside -180..180.
    #[error("{0}")]
    InvalidCoordinate(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for PositionError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::InvalidCoordinate(_) => PositionError::InvalidCoordinate(message),
            _ => PositionError::Internal(message),
        }
    }
}

/// Why a facility search or look-up failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum FacilityError {
    /// NaN, infinite, or latitude outside -90..90 / longitude outside -180..180.
    #[error("{0}")]
    InvalidCoordinate(String),
    /// A query value out of range (k, radius, instant); the message names it.
    #[error("{0}")]
    InvalidInput(String),
    /// No facility has that id.
    #[error("{0}")]
    NotFound(String),
    /// The database failed.
    #[error("{0}")]
    Storage(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl FacilityError {
    pub(crate) fn invalid_input(field: &'static str, reason: &str) -> Self {
        CoreError::invalid(field, reason).into()
    }
}

impl From<CoreError> for FacilityError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::InvalidCoordinate(_) => FacilityError::InvalidCoordinate(message),
            CoreError::InvalidInput { .. } => FacilityError::InvalidInput(message),
            CoreError::NotFound { .. } => FacilityError::NotFound(message),
            CoreError::Storage(_) | CoreError::Io(_) => FacilityError::Storage(message),
            _ => FacilityError::Internal(message),
        }
    }
}

/// Why a service-circle or coverage question failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum CircleError {
    /// NaN, infinite, or latitude outside -90..90 / longitude outside -180..180.
    #[error("{0}")]
    InvalidCoordinate(String),
    /// A value out of range; the message names it.
    #[error("{0}")]
    InvalidInput(String),
    /// The database failed.
    #[error("{0}")]
    Storage(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for CircleError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::InvalidCoordinate(_) => CircleError::InvalidCoordinate(message),
            CoreError::InvalidInput { .. } => CircleError::InvalidInput(message),
            CoreError::Storage(_) | CoreError::Io(_) => CircleError::Storage(message),
            _ => CircleError::Internal(message),
        }
    }
}

impl From<JoinError> for CircleError {
    fn from(_: JoinError) -> Self {
        CircleError::Internal("the coverage computation stopped unexpectedly".into())
    }
}

/// Why an import was refused. Nothing was changed in the database.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ImportError {
    /// The file has bad rows; the message names each one, e.g. "line 3: name is missing".
    #[error("{0}")]
    Rejected(String),
    /// The file could not be read (missing, unreadable).
    #[error("{0}")]
    CannotRead(String),
    /// A wrong argument: file type, or a coordinate system that disagrees with the file's.
    #[error("{0}")]
    InvalidInput(String),
    /// The database failed.
    #[error("{0}")]
    Storage(String),
    /// Anything else (a bug: please report it).
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for ImportError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::ImportRejected { .. } => ImportError::Rejected(message),
            CoreError::Io(_) => ImportError::CannotRead(message),
            CoreError::InvalidInput { .. } | CoreError::InvalidCoordinate(_) => ImportError::InvalidInput(message),
            CoreError::Storage(_) => ImportError::Storage(message),
            _ => ImportError::Internal(message),
        }
    }
}

impl From<JoinError> for ImportError {
    fn from(_: JoinError) -> Self {
        ImportError::Internal("the import stopped unexpectedly; nothing was changed".into())
    }
}

/// One area's error: a flat enum whose variants each carry the core's message, with its
/// conversions from the core's error (`pattern` picks the core variants of each) and from a
/// stopped background task. Every enum ends with `Internal` for what no variant names.
macro_rules! area_error {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $pat:pat, )*
        }
        stopped: $stopped:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error, uniffi::Error)]
        #[uniffi(flat_error)]
        pub enum $name {
            $( $(#[$vmeta])* #[error("{0}")] $variant(String), )*
            /// Anything else (a bug: please report it).
            #[error("{0}")]
            Internal(String),
        }

        impl From<CoreError> for $name {
            fn from(e: CoreError) -> Self {
                let message = e.to_string();
                match e {
                    $( $pat => $name::$variant(message), )*
                    _ => $name::Internal(message),
                }
            }
        }

        impl From<JoinError> for $name {
            fn from(_: JoinError) -> Self {
                $name::Internal($stopped.into())
            }
        }
    };
}

area_error! {
    /// Why a change to people (seniors, family members and links, caregivers) or an
    /// assessment was refused.
    pub enum PeopleError {
        /// A home or base position is NaN or out of range.
        InvalidCoordinate = CoreError::InvalidCoordinate(_),
        /// A value is missing or out of range (a name, a birth date, a score); the message names it.
        InvalidInput = CoreError::InvalidInput { .. } | CoreError::ImportRejected { .. },
        /// No such senior, family member or caregiver (or not one this actor may see).
        NotFound = CoreError::NotFound { .. },
        /// This actor may not do that for this senior.
        Forbidden = CoreError::Forbidden(_),
        /// The record already exists.
        Duplicate = CoreError::Duplicate { .. },
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the change stopped unexpectedly"
}

area_error! {
    /// Why a booking, a visit (check-in, check-out, review) or a statement was refused.
    pub enum BookingError {
        /// A check-in or check-out position is NaN or out of range.
        InvalidCoordinate = CoreError::InvalidCoordinate(_),
        /// A value out of range (a start in the past, a duration, a check-in outside its window);
        /// the message names it.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such booking, senior or visit (or not one this actor may see).
        NotFound = CoreError::NotFound { .. },
        /// This actor may not do that (not allowed to book, not the assigned caregiver, ...).
        Forbidden = CoreError::Forbidden(_),
        /// The booking's state does not allow that step, e.g. "booking B1 is completed: it cannot
        /// be cancelled".
        InvalidTransition = CoreError::InvalidTransition { .. } | CoreError::InvalidStateChange { .. },
        /// Another caregiver accepted the visit first.
        AlreadyTaken = CoreError::AlreadyTaken { .. },
        /// The caregiver already has a visit at that time.
        CaregiverBusy = CoreError::CaregiverBusy { .. },
        /// No qualified caregiver is free for the visit (when offering it again).
        NoCaregiverAvailable = CoreError::NoCaregiverAvailable { .. },
        /// A booking with that id already exists.
        Duplicate = CoreError::Duplicate { .. },
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the booking change stopped unexpectedly"
}

area_error! {
    /// Why a canteen, menu or meal order change was refused.
    pub enum MealError {
        /// A value out of range (a date, a cut-off, a delivery address too far); the message names it.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such canteen, menu, order or senior.
        NotFound = CoreError::NotFound { .. },
        /// This actor may not order or cancel meals for this senior.
        Forbidden = CoreError::Forbidden(_),
        /// Every meal or every dine-in seat of that menu is taken.
        Full = CoreError::Full(_),
        /// Past the meal's order cut-off (Shanghai time): it can no longer be ordered or cancelled.
        TooLate = CoreError::TooLate(_),
        /// The senior already has an order for that meal.
        Duplicate = CoreError::Duplicate { .. },
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the meal change stopped unexpectedly"
}

area_error! {
    /// Why a device-rental step was refused.
    pub enum RentalError {
        /// A search position is NaN or out of range.
        InvalidCoordinate = CoreError::InvalidCoordinate(_),
        /// A value out of range, or a step the rental's state does not allow (e.g. returning a
        /// device not picked up); the message says which.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such rental point stock, rental or senior.
        NotFound = CoreError::NotFound { .. },
        /// This actor may not handle rentals for this senior.
        Forbidden = CoreError::Forbidden(_),
        /// No such device is free at that point.
        Full = CoreError::Full(_),
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the rental change stopped unexpectedly"
}

area_error! {
    /// Why an emergency alert step was refused.
    pub enum AlertError {
        /// The SOS position is NaN or out of range.
        InvalidCoordinate = CoreError::InvalidCoordinate(_),
        /// A value out of range, or the alert is already acknowledged or resolved.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such alert or senior.
        NotFound = CoreError::NotFound { .. },
        /// This actor may not raise or answer this alert.
        Forbidden = CoreError::Forbidden(_),
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the alert change stopped unexpectedly"
}

area_error! {
    /// Why a time-bank operation was refused. Nothing was posted.
    pub enum TimeBankError {
        /// A value out of range, or not enough minutes in the account; the message says which.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such account or senior.
        NotFound = CoreError::NotFound { .. },
        /// This actor may not move these hours (or the district's rules do not allow it).
        Forbidden = CoreError::Forbidden(_),
        /// The account would go over the balance cap.
        Full = CoreError::Full(_),
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the time-bank operation stopped unexpectedly"
}

area_error! {
    /// Why a care plan, family-doctor contract, health check, subsidy application, rating or
    /// district statistic was refused.
    pub enum CareError {
        /// A value out of range (a date, an item, a reason left empty); the message names it.
        InvalidInput = CoreError::InvalidInput { .. },
        /// No such plan, contract, application, visit or senior (or not one this actor may see).
        NotFound = CoreError::NotFound { .. },
        /// This actor may not take that step.
        Forbidden = CoreError::Forbidden(_),
        /// The plan's, contract's or application's state does not allow that step, e.g.
        /// "subsidy application A1 is submitted: it cannot be approved".
        InvalidTransition = CoreError::InvalidStateChange { .. } | CoreError::InvalidTransition { .. },
        /// It exists already (an active plan of that kind, a rating, an open application).
        Duplicate = CoreError::Duplicate { .. },
        /// The doctor of a home round already has a visit at that time.
        CaregiverBusy = CoreError::CaregiverBusy { .. },
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the change stopped unexpectedly"
}

area_error! {
    /// Why reading the event log failed.
    pub enum EventError {
        /// A value out of range.
        InvalidInput = CoreError::InvalidInput { .. },
        /// The database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "reading events stopped unexpectedly"
}

area_error! {
    /// Why a sync did not finish. It can simply be run again: it resumes where it stopped.
    pub enum SyncError {
        /// The platform could not be reached (after retries), or is not a CareCircle platform.
        Network = CoreError::Network(_),
        /// The platform did not accept the login, or refused the request.
        Forbidden = CoreError::Forbidden(_),
        /// A bad address, a database bound to another account, or a sync already running.
        InvalidInput = CoreError::InvalidInput { .. },
        /// The local database failed.
        Storage = CoreError::Storage(_) | CoreError::Io(_) | CoreError::Database(_),
    }
    stopped: "the sync stopped unexpectedly; run it again"
}

#[cfg(test)]
mod tests {
    use super::*;
    use carecircle_core::position::Position;

    #[test]
    fn messages_are_the_cores_plain_words() {
        let e: FacilityError = Position::new(95.0, 121.0).unwrap_err().into();
        assert!(matches!(e, FacilityError::InvalidCoordinate(_)));
        assert_eq!(e.to_string(), "invalid coordinate: latitude 95 is outside -90..90");
        let e: OpenError = CoreError::SchemaTooNew { found: 9, known: 1 }.into();
        assert!(matches!(e, OpenError::TooNew(_)), "{e}");
        let e: BookingError = CoreError::AlreadyTaken { booking: "B1".into() }.into();
        assert!(matches!(&e, BookingError::AlreadyTaken(m) if m == "already taken: booking B1 was accepted by another caregiver"), "{e}");
        let e: CareError = CoreError::InvalidStateChange { what: "care plan", id: "P1".into(), from: "ended".into(), action: "changed".into() }.into();
        assert!(matches!(&e, CareError::InvalidTransition(m) if m == "care plan P1 is ended: it cannot be changed"), "{e}");
        assert!(matches!(MealError::from(CoreError::TooLate("x".into())), MealError::TooLate(_)));
        assert!(matches!(SyncError::from(CoreError::SchemaTooNew { found: 9, known: 1 }), SyncError::Internal(_)));
    }
}
