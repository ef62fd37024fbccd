//! Kotlin and Swift bindings of CareCircle's core (uniffi proc-macros).
//!
//! This crate only converts: every rule lives in `carecircle-core`. One module per area of
//! the core, each holding that area's records and enums (with their `From` conversions)
//! and an `#[uniffi::export] impl CareCircle` block with the area's methods:
//!
//! | module | what |
//! |---|---|
//! | [`carecircle`] | the `CareCircle` object (open, settings, now), `ManualClock` for tests |
//! | [`actor`] | `Actor`: on whose behalf a change is made |
//! | [`position`] | coordinate systems (WGS-84, GCJ-02, BD-09) |
//! | [`facility`] | kinds, services, facilities; nearest and within |
//! | [`circle`] | the 15-minute circle of a home; coverage of many homes |
//! | [`import`] | importing facility files (async) |
//! | [`people`] | seniors, family members and links, caregivers; assessment |
//! | [`booking`] | bookings, visits (check-in/out, review), service terms, statements |
//! | [`meal`] | canteens, menus, meal orders, meal subsidy |
//! | [`rental`] | device stock, rentals, nearest point with a free device |
//! | [`alert`] | emergency alerts and their escalation |
//! | [`timebank`] | the volunteer time bank's ledger |
//! | [`care`] | care plans, family doctors, subsidy applications, ratings, district statistics |
//! | [`sync`] | sync with the district platform (async), the outbox |
//! | [`event`] | event listeners and their subscriptions; the event log |
//! | [`error`] | one small public error per area, converted from the core's error |
//!
//! A new area of the core becomes a new module here. Positions always travel with their
//! coordinate system: phones and Chinese map SDKs give GCJ-02 (Amap, Tencent) or BD-09
//! (Baidu), and the core converts to WGS-84. Times follow one convention (see [`time`]).

uniffi::setup_scaffolding!();

/// `From` both ways between a bindings enum and the core's enum of the same variants.
macro_rules! mirror {
    ($ffi:ident, $core:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$variant => $core::$variant),+ }
            }
        }
        impl From<$core> for $ffi {
            fn from(v: $core) -> Self {
                match v { $($core::$variant => $ffi::$variant),+ }
            }
        }
    };
}

pub mod actor;
pub mod alert;
pub mod booking;
pub mod care;
pub mod carecircle;
pub mod circle;
pub mod error;
pub mod event;
pub mod facility;
pub mod import;
pub mod meal;
pub mod people;
pub mod position;
pub mod rental;
pub mod sync;
pub mod time;
pub mod timebank;

pub use actor::Actor;
pub use carecircle::{CareCircle, ManualClock, Settings};
pub use error::CareCircleError;

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
