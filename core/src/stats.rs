//! District statistics against the seeds' targets, per township (street/town) and village
//! (community), for the district's administrators:
//!
//! - family-doctor contract rate: seniors with a contract running on the reference day, over all
//!   seniors (Zhenhai's target: 60% by 2020; Shaoxing's: 88-90%);
//! - health management of seniors 65 and over: those with a health check in the twelve months up
//!   to the reference day (Shaoxing's target: 71-75%);
//! - the 15-minute circle: the share of seniors whose home has each service within the circle's
//!   walk (Shaoxing: the circle everywhere by 2025);
//! - government-paid hours: eligible seniors (district rules) who drew at least one hour that
//!   month, over the eligible (as `DistrictSummary::served`);
//! - meal help: the share of villages and communities with a canteen or a facility serving meals
//!   within the circle's walk of the village's centre (the mean of its seniors' homes), or a
//!   canteen that delivers there (Shaoxing: a meal network covering every community).
//!
//! The circle's figures are judged along the district's walking network once it has one
//! (`network`), else by straight line × detour factor.
//!
//! The reference day is the month's last day, or today if the month is not over.

use crate::carecircle::CareCircle;
use crate::catalogue::NearbyQuery;
use crate::circle::township_of;
use crate::clock::shanghai_date;
use crate::error::{Error, Result};
use crate::facility::{FacilityKind, Service, ServiceSet};
use crate::person::Actor;
use crate::position::Position;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a figure stands against its target: met; short of it by at most a fifth; or far from it.
/// The one rule the page, the CLI and the apps colour figures by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Met,
    Short,
    #[default]
    Far,
}

impl Band {
    /// `value` against the lower end of its target.
    pub fn of(value: f64, target: f64) -> Band {
        if value >= target {
            Band::Met
        } else if value >= target * 0.8 {
            Band::Short
        } else {
            Band::Far
        }
    }
}

/// The bands of a division's figures that have a target (see [`Targets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bands {
    /// Against Shaoxing's lower contract target (88%).
    pub contract_rate: Band,
    /// Against Shaoxing's lower health-management target (71%).
    pub check_rate_65: Band,
    /// Against meal help in every community.
    pub meal_coverage: Band,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceShare {
    pub service: Service,
    pub covered: u32,
    pub share: f64,
    /// Against the circle everywhere (100%).
    #[serde(default)]
    pub band: Band,
}

/// One township, village or the whole district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivisionStats {
    /// 12-digit code; a township's ends in 000; "district" for the total.
    pub division: String,
    pub seniors: u32,
    pub contracted: u32,
    pub contract_rate: f64,
    pub seniors_65: u32,
    pub checked_65: u32,
    pub check_rate_65: f64,
    pub eligible: u32,
    pub served: u32,
    pub served_rate: f64,
    /// Per service, the seniors with it within the circle.
    pub circle: Vec<ServiceShare>,
    /// Villages and communities (1 for a village).
    pub communities: u32,
    pub communities_with_meals: u32,
    pub meal_coverage: f64,
    #[serde(default)]
    pub bands: Bands,
}

/// The seeds' targets, to print beside the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Zhenhai: family-doctor contracts, 60% by 2020.
    pub contract_rate_zhenhai: f64,
    /// Shaoxing: family-doctor contracts, 88-90%.
    pub contract_rate_shaoxing_low: f64,
    pub contract_rate_shaoxing_high: f64,
    /// Shaoxing: health management of seniors 65+, 71-75%.
    pub health_management_65_shaoxing_low: f64,
    pub health_management_65_shaoxing_high: f64,
    /// Shaoxing: the 15-minute circle everywhere by 2025.
    pub circle: f64,
    /// Shaoxing: meal help covering every community.
    pub meal_coverage: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            contract_rate_zhenhai: 0.60,
            contract_rate_shaoxing_low: 0.88,
            contract_rate_shaoxing_high: 0.90,
            health_management_65_shaoxing_low: 0.71,
            health_management_65_shaoxing_high: 0.75,
            circle: 1.0,
            meal_coverage: 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictStats {
    pub month: String,
    pub as_of: NaiveDate,
    pub circle_minutes: f64,
    /// The circle's figures are judged along the district's walking network (else straight line × detour).
    pub network: bool,
    pub targets: Targets,
    pub district: DivisionStats,
    pub townships: Vec<DivisionStats>,
    pub villages: Vec<DivisionStats>,
}

/// Counts for one group of seniors, before shares.
#[derive(Default, Clone)]
struct Tally {
    seniors: u32,
    contracted: u32,
    seniors_65: u32,
    checked_65: u32,
    eligible: u32,
    served: u32,
    circle: [u32; 10],
    communities: u32,
    communities_with_meals: u32,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.seniors += o.seniors;
        self.contracted += o.contracted;
        self.seniors_65 += o.seniors_65;
        self.checked_65 += o.checked_65;
        self.eligible += o.eligible;
        self.served += o.served;
        for (a, b) in self.circle.iter_mut().zip(o.circle) {
            *a += b;
        }
        self.communities += o.communities;
        self.communities_with_meals += o.communities_with_meals;
    }

    fn finish(&self, division: String) -> DivisionStats {
        let share = |n: u32, of: u32| if of == 0 { 0.0 } else { f64::from(n) / f64::from(of) };
        let t = Targets::default();
        let (contract_rate, check_rate_65, meal_coverage) =
            (share(self.contracted, self.seniors), share(self.checked_65, self.seniors_65), share(self.communities_with_meals, self.communities));
        DivisionStats {
            division,
            seniors: self.seniors,
            contracted: self.contracted,
            contract_rate,
            seniors_65: self.seniors_65,
            checked_65: self.checked_65,
            check_rate_65,
            eligible: self.eligible,
            served: self.served,
            served_rate: share(self.served, self.eligible),
            circle: Service::ALL
                .iter()
                .zip(self.circle)
                .map(|(s, n)| ServiceShare { service: *s, covered: n, share: share(n, self.seniors), band: Band::of(share(n, self.seniors), t.circle) })
                .collect(),
            communities: self.communities,
            communities_with_meals: self.communities_with_meals,
            meal_coverage,
            bands: Bands {
                contract_rate: Band::of(contract_rate, t.contract_rate_shaoxing_low),
                check_rate_65: Band::of(check_rate_65, t.health_management_65_shaoxing_low),
                meal_coverage: Band::of(meal_coverage, t.meal_coverage),
            },
        }
    }
}

impl CareCircle {
    /// The district's statistics for a month, over the area `actor` oversees: the whole district
    /// for its administrators, a station's seniors for its operators (their villages and
    /// townships counting only those seniors).
    pub fn district_stats(&self, actor: &Actor, year: i32, month: u32) -> Result<DistrictStats> {
        let area = crate::access::Area::of(actor)?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| Error::invalid("month", "not a month"))?;
        let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
        let as_of = last.min(shanghai_date(self.now()));
        let year_before = as_of.checked_sub_months(Months::new(12)).expect("valid date");
        let statements = self.district_statements(year, month)?;
        let (contracts, checks, canteens) = self.store.read(|sql| {
            Ok((
                crate::doctor::contracts_on(sql, as_of)?,
                crate::doctor::last_checks(sql, as_of)?,
                sql.query("SELECT facility_id, delivery_radius_m FROM canteen", &[])?,
            ))
        })?;
        // Canteens that deliver, with where they are.
        let mut delivering: Vec<(Position, f64)> = Vec::new();
        for r in &canteens {
            let (id, radius): (String, f64) = (r.get(0)?, r.get(1)?);
            if let Some(f) = self.facility(&id).ok().filter(|f| !f.deleted && radius > 0.0) {
                delivering.push((f.position, radius));
            }
        }
        let minutes = self.settings.circle_minutes;
        let reach = self.settings.walk.reach_m(minutes);
        let within = |q: NearbyQuery| -> Result<bool> { Ok(!self.nearest_by_air(&q.k(1).radius_m(reach))?.is_empty()) };

        let mut villages: BTreeMap<String, (Tally, f64, f64)> = BTreeMap::new();
        for (senior, st) in statements.iter().filter(|(s, _)| area.contains(s)) {
            let (t, lat, lon) = villages.entry(senior.division.clone()).or_insert_with(|| (Tally::default(), 0.0, 0.0));
            t.seniors += 1;
            *lat += senior.home.lat;
            *lon += senior.home.lon;
            t.contracted += u32::from(contracts.contains_key(&senior.id));
            if senior.age_on(as_of) >= 65 {
                t.seniors_65 += 1;
                t.checked_65 += u32::from(checks.get(&senior.id).is_some_and(|d| *d > year_before));
            }
            t.eligible += u32::from(st.eligibility.eligible);
            t.served += u32::from(st.eligibility.eligible && st.government_hours > 0.0);
            let near = self.services_within_walk(senior.home)?;
            for (i, s) in Service::ALL.iter().enumerate() {
                t.circle[i] += u32::from(near.contains(*s));
            }
        }
        let mut townships: BTreeMap<String, Tally> = BTreeMap::new();
        let mut district = Tally::default();
        let mut village_stats = Vec::with_capacity(villages.len());
        for (code, (mut t, lat, lon)) in villages {
            let n = f64::from(t.seniors.max(1));
            let centre = Position::new(lat / n, lon / n)?;
            let walk_to_meals = match self.covered_on_network(centre)? {
                Some((kinds, services)) => kinds[FacilityKind::Canteen.index()] || services[Service::Meals.index()],
                None => {
                    within(NearbyQuery::new(centre).kinds([FacilityKind::Canteen]))? || {
                        let mut q = NearbyQuery::new(centre);
                        q.services = ServiceSet::from_iter([Service::Meals]);
                        within(q)?
                    }
                }
            };
            let delivered = delivering.iter().any(|(p, r)| p.distance_m(centre) <= *r);
            t.communities = 1;
            t.communities_with_meals = u32::from(walk_to_meals || delivered);
            townships.entry(township_of(&code)).or_default().add(&t);
            district.add(&t);
            village_stats.push(t.finish(code));
        }
        Ok(DistrictStats {
            month: format!("{year:04}-{month:02}"),
            as_of,
            circle_minutes: minutes,
            network: self.walking_network()?.is_some(),
            targets: Targets::default(),
            district: district.finish("district".into()),
            townships: townships.into_iter().map(|(code, t)| t.finish(code)).collect(),
            villages: village_stats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_met_short_by_a_fifth_or_far() {
        assert_eq!(Band::of(0.90, 0.88), Band::Met);
        assert_eq!(Band::of(0.88, 0.88), Band::Met);
        assert_eq!(Band::of(0.71, 0.88), Band::Short, "0.704 is four fifths of 0.88");
        assert_eq!(Band::of(0.70, 0.88), Band::Far);
        assert_eq!(Band::of(0.8, 1.0), Band::Short);
        assert_eq!(Band::of(0.79, 1.0), Band::Far);
        assert_eq!(serde_json::to_value(Band::Short).unwrap(), "short");
    }
}
