//! On whose behalf a change is made. Every method that changes or reads something on someone's
//! behalf takes an `Actor` first; the core's rules decide what that actor may do.

use carecircle_core::Actor as CoreActor;

/// Who acts: the signed-in user of the app (a senior, a family member, a caregiver, a station's
/// operator, the district's administrators) or CareCircle itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Actor {
    /// A senior, by senior id.
    Senior { id: String },
    /// A family member, by family-member id; what they may do is what the senior allows.
    Family { id: String },
    /// A caregiver (or a family doctor), by caregiver id.
    Caregiver { id: String },
    /// A care station's (or clinic's, canteen's, rental point's) operator, by facility id.
    Operator { station_id: String },
    /// A township (street) centre's operator, by the township's 9-digit division code: runs
    /// every station of the township.
    Township { code: String },
    /// The district platform's administrators.
    District,
    /// CareCircle itself (matching, sweeps, imports).
    System,
}

impl From<Actor> for CoreActor {
    fn from(a: Actor) -> Self {
        match a {
            Actor::Senior { id } => CoreActor::Senior(id),
            Actor::Family { id } => CoreActor::Family(id),
            Actor::Caregiver { id } => CoreActor::Caregiver(id),
            Actor::Operator { station_id } => CoreActor::Operator(station_id),
            Actor::Township { code } => CoreActor::Township(code),
            Actor::District => CoreActor::District,
            Actor::System => CoreActor::System,
        }
    }
}

impl From<CoreActor> for Actor {
    fn from(a: CoreActor) -> Self {
        match a {
            CoreActor::Senior(id) => Actor::Senior { id },
            CoreActor::Family(id) => Actor::Family { id },
            CoreActor::Caregiver(id) => Actor::Caregiver { id },
            CoreActor::Operator(station_id) => Actor::Operator { station_id },
            CoreActor::Township(code) => Actor::Township { code },
            CoreActor::District => Actor::District,
            CoreActor::System => Actor::System,
        }
    }
}

impl Actor {
    pub(crate) fn core(&self) -> CoreActor {
        self.clone().into()
    }
}

#[uniffi::export]
impl Actor {
    /// The form CareCircle stores and shows, e.g. "family:F1" (see `requestedBy` of a booking).
    pub fn label(&self) -> String {
        self.core().label()
    }
}
