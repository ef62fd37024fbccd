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

impl CareCircle {
    /// Sets up the demo district's programmes: canteens with lunch and dinner menus for the
    /// week from `first_day`, and devices at the rental points. Idempotent.
    pub fn load_demo_programmes(&self, first_day: chrono::NaiveDate) -> Result<()> {
        use crate::catalogue::NearbyQuery;
        use crate::facility::FacilityKind;
        use crate::meal::{CanteenSettings, Meal, Menu};
        use crate::rental::{Device, DeviceStock};
        let centre = crate::position::Position::new(29.955, 121.710)?;
        let all = |kind| self.within(&NearbyQuery::new(centre).kinds([kind]).radius_m(100_000.0));
        const LUNCH: [&str; 7] = ["红烧鱼块, 炒青菜, 米饭", "番茄炒蛋, 冬瓜汤, 米饭", "清蒸带鱼, 豆腐, 米饭", "肉末茄子, 紫菜汤, 米饭", "红烧肉, 炒菠菜, 米饭", "虾仁蒸蛋, 青菜, 米饭", "鸡腿, 土豆丝, 米饭"];
        for c in all(FacilityKind::Canteen)? {
            self.set_canteen(&CanteenSettings::new(&c.id, 1500.0))?;
            let capacity = self.facility(&c.id)?.capacity.clamp(20, 400);
            for d in 0..7u32 {
                let date = first_day + chrono::Days::new(u64::from(d));
                let dishes = LUNCH[(d as usize + c.id.len()) % LUNCH.len()];
                self.set_menu(&Menu { facility_id: c.id.clone(), date, meal: Meal::Lunch, dishes: dishes.into(), price_fen: 1200, capacity, seats: capacity / 2 })?;
                self.set_menu(&Menu { facility_id: c.id.clone(), date, meal: Meal::Dinner, dishes: "面条, 小菜".into(), price_fen: 800, capacity: capacity / 2, seats: capacity / 4 })?;
            }
        }
        for p in all(FacilityKind::RentalPoint)? {
            for (device, total, deposit, fee) in [(Device::Wheelchair, 8, 50_000, 300), (Device::Walker, 10, 20_000, 100), (Device::BathChair, 6, 10_000, 100), (Device::NursingBed, 3, 100_000, 800)] {
                self.set_device_stock(&DeviceStock { facility_id: p.id.clone(), device, total, deposit_fen: deposit, daily_fee_fen: fee })?;
            }
        }
        Ok(())
    }
}
