//! Positions on the WGS-84 sphere, the coordinate systems phones hand us, and
//! great-circle distances in metres.
//!
//! Chinese map SDKs do not give WGS-84: Amap and Tencent use GCJ-02, Baidu uses BD-09.
//! Everything stored is WGS-84; conversion happens once, at the boundary, with the
//! maintained `coordtransform` crate.

use crate::error::{Error, Result};
use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Mean Earth radius (IUGG) in metres, the one `geo`'s haversine uses.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The coordinate system a position is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// GPS, and what CareCircle stores.
    #[default]
    Wgs84,
    /// China's "Mars" coordinates: Amap (高德), Tencent maps, Apple maps in China.
    Gcj02,
    /// Baidu maps.
    Bd09,
}

impl Crs {
    pub fn code(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Crs {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "wgs84" | "epsg4326" => Ok(Crs::Wgs84),
            "gcj02" => Ok(Crs::Gcj02),
            "bd09" | "bd09ll" => Ok(Crs::Bd09),
            _ => Err(Error::invalid("coordinate system", format!("unknown '{s}', expected wgs84, gcj02 or bd09"))),
        }
    }
}

/// A WGS-84 position in degrees. Construct it with [`Position::new`] or
/// [`Position::from_crs`], which check the range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

impl Position {
    /// A checked WGS-84 position: finite, latitude in [-90, 90], longitude in [-180, 180].
    pub fn new(lat: f64, lon: f64) -> Result<Self> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(Error::InvalidCoordinate("latitude and longitude must be numbers".into()));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(Error::InvalidCoordinate(format!("latitude {lat} is outside -90..90")));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(Error::InvalidCoordinate(format!("longitude {lon} is outside -180..180")));
        }
        Ok(Position { lat, lon })
    }

    /// A position given in `crs`, checked and converted to WGS-84.
    pub fn from_crs(lat: f64, lon: f64, crs: Crs) -> Result<Self> {
        let given = Position::new(lat, lon)?;
        let (lon, lat) = match crs {
            Crs::Wgs84 => return Ok(given),
            Crs::Gcj02 => coordtransform::gcj02_to_wgs84(given.lon, given.lat),
            Crs::Bd09 => coordtransform::bd09_to_wgs84(given.lon, given.lat),
        };
        Position::new(lat, lon)
    }

    /// This WGS-84 position expressed in `crs` (for handing back to a map SDK).
    pub fn to_crs(self, crs: Crs) -> (f64, f64) {
        let (lon, lat) = match crs {
            Crs::Wgs84 => (self.lon, self.lat),
            Crs::Gcj02 => coordtransform::wgs84_to_gcj02(self.lon, self.lat),
            Crs::Bd09 => coordtransform::wgs84_to_bd09(self.lon, self.lat),
        };
        (lat, lon)
    }

    /// Great-circle distance in metres (haversine on the mean-radius sphere).
    pub fn distance_m(self, other: Position) -> f64 {
        Haversine.distance(Point::new(self.lon, self.lat), Point::new(other.lon, other.lat))
    }

    /// The unit vector of this position; chord length between unit vectors orders
    /// points exactly as great-circle distance does, everywhere on the sphere.
    pub fn unit_vector(self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        let (slat, clat) = lat.sin_cos();
        let (slon, clon) = lon.sin_cos();
        [clat * clon, clat * slon, slat]
    }
}

/// Squared chord between unit vectors for a great-circle distance in metres.
pub fn chord2_for_distance(metres: f64) -> f64 {
    let angle = (metres / EARTH_RADIUS_M).min(std::f64::consts::PI);
    let chord = 2.0 * (angle / 2.0).sin();
    chord * chord
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nan_and_out_of_range() {
        assert!(matches!(Position::new(f64::NAN, 0.0), Err(Error::InvalidCoordinate(_))));
        assert!(matches!(Position::new(0.0, f64::INFINITY), Err(Error::InvalidCoordinate(_))));
        let e = Position::new(95.0, 121.0).unwrap_err();
        assert_eq!(e.to_string(), "invalid coordinate: latitude 95 is outside -90..90");
        assert!(Position::new(30.0, 180.5).is_err());
        assert!(Position::new(-90.0, -180.0).is_ok());
    }

    #[test]
    fn gcj02_and_bd09_round_trip_to_wgs84_within_a_metre() {
        let home = Position::new(29.955, 121.710).unwrap();
        for crs in [Crs::Gcj02, Crs::Bd09] {
            let (lat, lon) = home.to_crs(crs);
            // The shift in Ningbo is a few hundred metres, so the conversion matters.
            assert!(home.distance_m(Position::new(lat, lon).unwrap()) > 100.0);
            let back = Position::from_crs(lat, lon, crs).unwrap();
            assert!(home.distance_m(back) < 1.0, "{crs}: {}", home.distance_m(back));
        }
    }

    #[test]
    fn distances_are_metres_on_the_sphere() {
        let a = Position::new(0.0, 179.9).unwrap();
        let b = Position::new(0.0, -179.9).unwrap();
        // 0.2 degrees of longitude at the equator, across the antimeridian.
        assert!((a.distance_m(b) - 22_239.0).abs() < 5.0);
        let chord = {
            let (u, v) = (a.unit_vector(), b.unit_vector());
            (0..3).map(|i| (u[i] - v[i]).powi(2)).sum::<f64>()
        };
        assert!((chord - chord2_for_distance(a.distance_m(b))).abs() < 1e-15);
    }

    #[test]
    fn crs_codes_parse() {
        assert_eq!("GCJ-02".parse::<Crs>().unwrap(), Crs::Gcj02);
        assert_eq!("bd09".parse::<Crs>().unwrap(), Crs::Bd09);
        assert!("utm".parse::<Crs>().is_err());
    }
}
