//! CareCircle's core: the domain of home-based elderly care (居家养老), its on-device
//! storage (SQLite), spatial search on the sphere (an R-tree of unit vectors) and,
//! later, offline-first sync. Phones (through `carecircle-ffi`), the `carecircle` CLI
//! and the district server all run the rules written here.

pub mod admin;
pub mod alert;
pub mod access;
pub mod account;
pub mod assessment;
pub mod audit;
pub mod base_map;
pub mod booking;
pub mod carecircle;
pub mod catalogue;
pub mod circle;
pub mod clock;
pub mod db;
pub mod division;
pub mod doctor;
#[cfg(feature = "postgres")]
pub mod db_postgres;
pub mod entitlement;
pub mod error;
pub mod event;
pub mod facility;
mod freshness;
pub mod hours;
pub mod import;
pub mod jobs;
pub mod map;
pub mod meal;
pub mod network;
pub mod person;
pub mod plan;
pub mod position;
pub mod rating;
pub mod rental;
pub mod route;
pub mod service_catalogue;
pub mod spatial;
pub mod stats;
pub mod store;
pub mod text;
pub mod subsidy;
pub mod sync;
pub mod timebank;
pub mod visit;
pub mod walk;

#[cfg(feature = "demo")]
pub mod demo;

pub use carecircle::{CareCircle, Settings};
pub use catalogue::{Nearby, NearbyQuery};
pub use error::{Error, ErrorCode, Result};
pub use facility::{Facility, FacilityKind, Service, ServiceSet};
pub use person::Actor;
pub use position::{Crs, Position};
