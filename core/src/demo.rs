//! The bundled synthetic demo district (shaped like Zhenhai, Ningbo; see data/README.md).
//! Compiled in only with the `demo` feature, for the CLI and the server.

use crate::carecircle::CareCircle;
use crate::catalogue::BatchReport;
use crate::circle::{Home, parse_homes_csv};
use crate::error::Result;
use crate::import::Format;

pub const FACILITIES_GEOJSON: &str = include_str!("../../data/zhenhai-facilities.geojson");
pub const HOMES_CSV: &str = include_str!("../../data/zhenhai-homes.csv");
pub const CAREGIVERS_CSV: &str = include_str!("../../data/zhenhai-caregivers.csv");

/// The demo district's senior homes.
pub fn homes() -> Result<Vec<Home>> {
    parse_homes_csv(HOMES_CSV, None)
}

impl CareCircle {
    /// Loads the demo district's facilities (idempotent: ids are stable).
    pub fn load_demo_facilities(&self) -> Result<BatchReport> {
        self.import_text(FACILITIES_GEOJSON, Format::GeoJson, None)
    }
}

impl CareCircle {
    /// Loads the demo district's seniors (each served by the nearest community station) and
    /// caregivers. Idempotent. Returns (seniors, caregivers).
    pub fn load_demo_people(&self) -> Result<(usize, usize)> {
        use crate::catalogue::NearbyQuery;
        use crate::facility::FacilityKind;
        let mut seniors = crate::person::parse_seniors_csv(HOMES_CSV)?;
        for s in &mut seniors {
            let q = NearbyQuery::new(s.home).kinds([FacilityKind::CommunityStation]).k(1);
            s.station_id = self.nearest(&q)?.into_iter().next().map(|n| n.id);
        }
        let caregivers = crate::person::parse_caregivers_csv(CAREGIVERS_CSV)?;
        self.put_seniors(&seniors)?;
        self.put_caregivers(&caregivers)?;
        Ok((seniors.len(), caregivers.len()))
    }
}
