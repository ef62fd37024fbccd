//! Running the platform: importing facilities, seniors, caregivers and division boundaries,
//! publishing menus and stock, setting district rules and the one map's base map. Who may do
//! what is decided here, once, for the API and the CLI alike: the district administers
//! everything; a station operator publishes the menus, canteen settings and stock of their own
//! facility only. Every file is taken whole or refused whole, with every bad row named (the
//! phone's import rules); what changes reaches phones through the change log like any other
//! record.

use crate::base_map::BaseMap;
use crate::carecircle::CareCircle;
use crate::catalogue::{BatchReport, NearbyQuery};
use crate::entitlement::DistrictRules;
use crate::error::{Error, Result};
use crate::facility::FacilityKind;
use crate::import::Format;
use crate::meal::{CanteenSettings, Menu};
use crate::person::Actor;
use crate::position::Crs;
use crate::rental::DeviceStock;
use serde::{Deserialize, Serialize};


/// One administrative change.
#[derive(Debug, Clone, PartialEq)]
pub enum Admin {
    /// A GeoJSON or CSV facility file; coordinates in `crs` (WGS-84 when absent).
    ImportFacilities { text: String, format: Format, crs: Option<Crs> },
    /// `senior_id,name,gender,birth_date,lives_alone,lat,lon[,division,address,phone]`; each
    /// senior's station is the nearest community station.
    ImportSeniors { text: String },
    /// `caregiver_id,name,organisation,station_id,skills,lat,lon,radius_m,availability`.
    ImportCaregivers { text: String },
    SetCanteen { canteen: CanteenSettings },
    SetMenu { menu: Menu },
    SetStock { stock: DeviceStock },
    SetDistrictRules { rules: DistrictRules },
    /// The check-in radius and how early caregivers may check in (caregivers' phones apply them).
    SetVisitRules { rules: crate::visit::VisitRules },
    /// Division boundaries (GeoJSON, see `division`); coordinates in `crs`, else as the file
    /// declares, else WGS-84.
    ImportDivisions { text: String, crs: Option<Crs> },
    /// The one map's tile source, or `None` to draw without one (see `base_map`).
    SetBaseMap { base_map: Option<BaseMap> },
}

/// What an administrative change did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdminReport {
    pub inserted: u32,
    pub updated: u32,
}

impl Admin {
    /// The facility a station operator may change through this, if any.
    fn facility(&self) -> Option<&str> {
        match self {
            Admin::SetCanteen { canteen } => Some(&canteen.facility_id),
            Admin::SetMenu { menu } => Some(&menu.facility_id),
            Admin::SetStock { stock } => Some(&stock.facility_id),
            _ => None,
        }
    }
}

/// May `actor` make this change? A station's operator, or its township's centre, changes that
/// station's own canteen, menus and stock; the district everything.
pub fn may_administer(sql: &dyn crate::db::Sql, actor: &Actor, change: &Admin) -> Result<()> {
    let allowed = match (actor, change.facility()) {
        (Actor::District | Actor::System, _) => true,
        (Actor::Operator(_) | Actor::Township(_), Some(facility)) => crate::person::runs_facility(sql, actor, facility)?,
        _ => false,
    };
    if allowed { Ok(()) } else { Err(Error::Forbidden(format!("{} may not administer this", actor.label()))) }
}

impl CareCircle {
    pub fn administer(&self, actor: &Actor, change: &Admin) -> Result<AdminReport> {
        self.store.read(|sql| may_administer(sql, actor, change))?;
        match change {
            Admin::ImportFacilities { text, format, crs } => {
                let BatchReport { inserted, updated } = self.import_text(text, *format, *crs)?;
                Ok(AdminReport { inserted, updated })
            }
            Admin::ImportSeniors { text } => {
                let mut seniors = crate::person::parse_seniors_csv(text)?;
                for s in &mut seniors {
                    if s.station_id.is_none() {
                        let q = NearbyQuery::new(s.home).kinds([FacilityKind::CommunityStation]).k(1);
                        s.station_id = self.nearest_by_air(&q)?.into_iter().next().map(|n| n.id);
                    }
                }
                let known = seniors.iter().filter(|s| self.senior(&s.id).is_ok()).count() as u32;
                self.put_seniors(&seniors)?;
                Ok(AdminReport { inserted: seniors.len() as u32 - known, updated: known })
            }
            Admin::ImportCaregivers { text } => {
                let caregivers = crate::person::parse_caregivers_csv(text)?;
                let known = caregivers.iter().filter(|c| self.caregiver(&c.id).is_ok()).count() as u32;
                self.put_caregivers(&caregivers)?;
                Ok(AdminReport { inserted: caregivers.len() as u32 - known, updated: known })
            }
            Admin::SetCanteen { canteen } => self.set_canteen(canteen).map(|()| AdminReport { inserted: 0, updated: 1 }),
            Admin::SetMenu { menu } => self.set_menu(menu).map(|()| AdminReport { inserted: 0, updated: 1 }),
            Admin::SetStock { stock } => self.set_device_stock(stock).map(|()| AdminReport { inserted: 0, updated: 1 }),
            Admin::SetDistrictRules { rules } => self.set_district_rules(rules).map(|()| AdminReport { inserted: 0, updated: 1 }),
            Admin::SetVisitRules { rules } => self.set_visit_rules(actor, rules).map(|()| AdminReport { inserted: 0, updated: 1 }),
            Admin::ImportDivisions { text, crs } => {
                let (inserted, updated) = self.import_divisions(text, *crs)?;
                Ok(AdminReport { inserted, updated })
            }
            Admin::SetBaseMap { base_map } => self.put_base_map(base_map.as_ref()).map(|()| AdminReport { inserted: 0, updated: 1 }),
        }
    }
}
