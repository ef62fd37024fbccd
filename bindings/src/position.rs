//! Coordinate systems. Every position crossing this API travels with its system: GPS gives
//! WGS-84, Amap and Tencent maps give GCJ-02, Baidu gives BD-09. The core stores WGS-84 and
//! converts at the boundary.

use crate::error::CareCircleError;
use carecircle_core::position::{Crs as CoreCrs, Position};

/// The coordinate system of a latitude/longitude pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Crs {
    /// GPS, and what CareCircle stores and returns.
    Wgs84,
    /// China's "Mars" coordinates: Amap (高德), Tencent maps, Apple maps in China.
    Gcj02,
    /// Baidu maps.
    Bd09,
}

impl From<Crs> for CoreCrs {
    fn from(c: Crs) -> Self {
        match c {
            Crs::Wgs84 => CoreCrs::Wgs84,
            Crs::Gcj02 => CoreCrs::Gcj02,
            Crs::Bd09 => CoreCrs::Bd09,
        }
    }
}

impl From<CoreCrs> for Crs {
    fn from(c: CoreCrs) -> Self {
        match c {
            CoreCrs::Wgs84 => Crs::Wgs84,
            CoreCrs::Gcj02 => Crs::Gcj02,
            CoreCrs::Bd09 => Crs::Bd09,
        }
    }
}

/// A latitude/longitude pair in degrees, in the system the call that returned it names.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// The checked WGS-84 position of `lat`, `lon` given in `crs`.
pub(crate) fn wgs84(lat: f64, lon: f64, crs: Crs) -> carecircle_core::Result<Position> {
    Position::from_crs(lat, lon, crs.into())
}

/// Converts a position given in `from` (latitude, longitude in degrees) to `to`, e.g. a
/// result's WGS-84 coordinates to GCJ-02 for an Amap marker.
/// Fails with `CareCircleError.InvalidCoordinate` for NaN or out-of-range values.
#[uniffi::export]
pub fn convert_position(lat: f64, lon: f64, from: Crs, to: Crs) -> Result<LatLon, CareCircleError> {
    let (lat, lon) = wgs84(lat, lon, from)?.to_crs(to.into());
    Ok(LatLon { lat, lon })
}
