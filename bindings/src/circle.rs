//! The 15-minute elderly service circle (15分钟养老服务圈): what one home reaches on foot,
//! and where the circle of many homes has holes.

use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::{FacilityKind, Nearby};
use crate::position::{Crs, wgs84};
use carecircle_core::circle::{CircleReport as CoreCircleReport, CoverageReport as CoreCoverageReport, DEFAULT_REQUIRED, DivisionCoverage as CoreDivisionCoverage, Home as CoreHome, Reach as CoreReach, Share as CoreShare, UncoveredHome as CoreUncoveredHome};
use carecircle_core::facility::FacilityKind as CoreKind;

/// Reach of one kind or service from a home.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Reach {
    /// A kind code ("canteen") or a service code ("meals"): see `FacilityKind.code()`.
    pub code: String,
    /// Whether the nearest one is within the circle's walking minutes.
    pub covered: bool,
    /// The nearest such facility anywhere (none if the catalogue has none).
    pub nearest: Option<Nearby>,
}

impl From<CoreReach> for Reach {
    fn from(r: CoreReach) -> Self {
        Reach { code: r.code, covered: r.covered, nearest: r.nearest.map(Into::into) }
    }
}

/// The circle of one home: every kind and every service, in the order of the enums.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CircleReport {
    /// The home, WGS-84.
    pub lat: f64,
    pub lon: f64,
    /// The circle's size in walking minutes.
    pub minutes: f64,
    /// Straight-line reach of that walk, in metres.
    pub reach_m: f64,
    pub kinds: Vec<Reach>,
    pub services: Vec<Reach>,
}

impl From<CoreCircleReport> for CircleReport {
    fn from(r: CoreCircleReport) -> Self {
        CircleReport {
            lat: r.lat,
            lon: r.lon,
            minutes: r.minutes,
            reach_m: r.reach_m,
            kinds: r.kinds.into_iter().map(Into::into).collect(),
            services: r.services.into_iter().map(Into::into).collect(),
        }
    }
}

/// A home to check for coverage. Its position is given in the `crs` of the `coverage` call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Home {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    /// Its village or community division code; may be empty.
    #[uniffi(default = "")]
    pub division: String,
}

/// How many homes have a kind or service within the circle.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Share {
    /// A kind or service code.
    pub code: String,
    pub covered: u32,
    /// covered ÷ homes, 0 to 1.
    pub share: f64,
}

impl From<CoreShare> for Share {
    fn from(s: CoreShare) -> Self {
        Share { code: s.code, covered: s.covered, share: s.share }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DivisionCoverage {
    pub division: String,
    pub homes: u32,
    pub kinds: Vec<Share>,
}

impl From<CoreDivisionCoverage> for DivisionCoverage {
    fn from(d: CoreDivisionCoverage) -> Self {
        DivisionCoverage { division: d.division, homes: d.homes, kinds: d.kinds.into_iter().map(Into::into).collect() }
    }
}

/// A home missing at least one required kind. Coordinates are WGS-84.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UncoveredHome {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub division: String,
    /// Required kinds out of reach.
    pub missing: Vec<FacilityKind>,
}

impl From<CoreUncoveredHome> for UncoveredHome {
    fn from(h: CoreUncoveredHome) -> Self {
        UncoveredHome { id: h.id, lat: h.lat, lon: h.lon, division: h.division, missing: h.missing.into_iter().map(Into::into).collect() }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CoverageReport {
    pub homes: u32,
    pub minutes: f64,
    pub required: Vec<FacilityKind>,
    pub kinds: Vec<Share>,
    pub services: Vec<Share>,
    /// Per village or community (the homes' own codes).
    pub divisions: Vec<DivisionCoverage>,
    /// Per township or street (the first 9 digits of a 12-digit code, padded with 000).
    pub townships: Vec<DivisionCoverage>,
    /// Homes missing at least one required kind.
    pub uncovered: Vec<UncoveredHome>,
}

impl From<CoreCoverageReport> for CoverageReport {
    fn from(r: CoreCoverageReport) -> Self {
        CoverageReport {
            homes: r.homes,
            minutes: r.minutes,
            required: r.required.into_iter().map(Into::into).collect(),
            kinds: r.kinds.into_iter().map(Into::into).collect(),
            services: r.services.into_iter().map(Into::into).collect(),
            divisions: r.divisions.into_iter().map(Into::into).collect(),
            townships: r.townships.into_iter().map(Into::into).collect(),
            uncovered: r.uncovered.into_iter().map(Into::into).collect(),
        }
    }
}

/// The kinds a home needs within its circle unless the caller says otherwise: a community
/// station and a canteen.
#[uniffi::export]
pub fn default_required_kinds() -> Vec<FacilityKind> {
    DEFAULT_REQUIRED.iter().map(|k| (*k).into()).collect()
}

#[uniffi::export]
impl CareCircle {
    /// Which kinds and services lie within the service circle of the home at `lat`, `lon`
    /// given in the coordinate system `crs`, with the nearest of each.
    pub fn circle(&self, lat: f64, lon: f64, crs: Crs) -> Result<CircleReport, CareCircleError> {
        Ok(self.inner.circle(wgs84(lat, lon, crs)?)?.into())
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl CareCircle {
    /// Coverage of many homes, whose positions are given in `crs`: the share covered per kind
    /// and service and per division, and the homes lacking one of the `required` kinds
    /// (see `defaultRequiredKinds`). Runs off the caller's thread.
    pub async fn coverage(&self, homes: Vec<Home>, crs: Crs, required: Vec<FacilityKind>) -> Result<CoverageReport, CareCircleError> {
        let homes = homes
            .into_iter()
            .map(|h| Ok(CoreHome { position: wgs84(h.lat, h.lon, crs)?, id: h.id, division: h.division }))
            .collect::<carecircle_core::Result<Vec<_>>>()?;
        let required: Vec<CoreKind> = required.into_iter().map(Into::into).collect();
        let inner = self.inner.clone();
        let report = tokio::task::spawn_blocking(move || inner.coverage(&homes, &required)).await??;
        Ok(report.into())
    }
}
