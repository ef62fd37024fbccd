//! The bundled synthetic demo district (shaped like Zhenhai, Ningbo; see data/README.md).
//! Compiled in only with the `demo` feature, for the CLI and the server.

use crate::carecircle::CareCircle;
use crate::catalogue::BatchReport;
use crate::circle::{Home, parse_homes_csv};
use crate::error::Result;
use crate::db::SqlExt;
use crate::import::Format;

pub const FACILITIES_GEOJSON: &str = include_str!("../../data/zhenhai-facilities.geojson");
pub const HOMES_CSV: &str = include_str!("../../data/zhenhai-homes.csv");
pub const CAREGIVERS_CSV: &str = include_str!("../../data/zhenhai-caregivers.csv");
pub const DIVISIONS_GEOJSON: &str = include_str!("../../data/zhenhai-divisions.geojson");

/// The demo district's senior homes.
pub fn homes() -> Result<Vec<Home>> {
    parse_homes_csv(HOMES_CSV, None)
}

impl CareCircle {
    /// Loads the demo district's facilities (idempotent: ids are stable).
    pub fn load_demo_facilities(&self) -> Result<BatchReport> {
        self.import_text(FACILITIES_GEOJSON, Format::GeoJson, None)
    }

    /// Loads the demo district's divisions: its outline, streets, towns, villages and
    /// communities with their names (idempotent).
    pub fn load_demo_divisions(&self) -> Result<usize> {
        self.import_divisions_geojson(DIVISIONS_GEOJSON)
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
            s.station_id = self.nearest_by_air(&q)?.into_iter().next().map(|n| n.id);
        }
        let caregivers = crate::person::parse_caregivers_csv(CAREGIVERS_CSV)?;
        self.put_seniors(&seniors)?;
        self.put_caregivers(&caregivers)?;
        // Caregivers who serve a wide area (3 km or more) ride e-bikes; the others walk.
        for c in caregivers.iter().filter(|c| c.radius_m >= 3000.0) {
            self.set_travel_mode(&crate::person::Actor::System, &c.id, crate::route::TravelMode::Ebike)?;
        }
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

/// What [`CareCircle::load_demo_care`] added: care plans, family doctors, subsidies and a month
/// of history.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DemoCare {
    /// The month of history, "2026-10".
    pub month: String,
    pub doctors: usize,
    pub contracts: usize,
    pub health_checks: usize,
    pub plans: usize,
    pub family_care_beds: usize,
    pub visits_completed: usize,
    pub visits_flagged: usize,
    pub no_shows: usize,
    pub declined_and_reoffered: usize,
    pub absences: usize,
    pub meal_orders: usize,
    pub ratings: usize,
    pub complaints: usize,
    pub subsidy_applications: usize,
    pub subsidies_approved: usize,
    /// Visits generated from today through the end of next week.
    pub upcoming_visits: usize,
    pub reminders: usize,
    /// The event log's last sequence number once the demo was loaded: events after it are new.
    pub last_event_seq: i64,
    /// True if the database already had them (nothing was added).
    pub already_loaded: bool,
}

/// A number in [0, 1) from a key: the demo's only source of chance, so every run is the same.
fn unit(key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Finalise (splitmix64) so that similar keys spread.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Things that happen during the simulated month, in time order.
enum Step {
    Generate(chrono::NaiveDate),
    CheckIn(String, bool),
    CheckOut(String),
    RateVisit(String),
    Order(String, String),
    RateMeals(chrono::NaiveDate),
    Absent(String, chrono::NaiveDate, chrono::NaiveDate),
    Subsidy(usize, crate::subsidy::SubsidyAction),
    Sweep,
}

/// The senior the existing CLI stories use; the generator leaves their programmes alone.
const STORY_SENIOR: &str = "ZH-S-000001";
const PLANS: usize = 200;
const FAMILY_BEDS: usize = 15;
const MEAL_CUSTOMERS: usize = 50;

impl CareCircle {
    /// Loads the demo district's care programmes: a family doctor per clinic and contracts for most
    /// seniors, annual health checks, care plans (some of them family care beds), subsidy
    /// applications, and a simulated month of history (the calendar month before today): plan
    /// visits generated week by week, accepted, declined and re-offered, a caregiver absent, visits
    /// checked in and out (a few flagged, a few missed), meals ordered, ratings and complaints.
    /// Then it generates the plans' visits from today through the end of next week.
    ///
    /// The past month is played on a second handle on the same file with a [`ManualClock`]
    /// (`db_path` must be this handle's file). Deterministic: the same choices every run. Loaded
    /// once: a second call returns what the first added.
    ///
    /// [`ManualClock`]: crate::clock::ManualClock
    pub fn load_demo_care(&self, db_path: &std::path::Path) -> Result<DemoCare> {
        let settings = self.settings.clone();
        self.load_demo_care_on(move |clock| CareCircle::open_with_clock(db_path, settings, clock))
    }

    /// As [`CareCircle::load_demo_care`], the second handle opened by `open` on this handle's
    /// database with the given clock (PostgreSQL: a connection to the same database).
    pub fn load_demo_care_on(&self, open: impl FnOnce(std::sync::Arc<dyn crate::clock::Clock>) -> Result<CareCircle>) -> Result<DemoCare> {
        use crate::Error;
        use crate::clock::{Clock, ManualClock, from_shanghai, shanghai_date};
        use crate::doctor::{ContractRequest, ContractService, HealthCheckRecord};
        use crate::facility::{FacilityKind, Service};
        use crate::hours::WeeklyHours;
        use crate::person::{Actor, Caregiver};
        use crate::plan::{OverQuota, PlanKind, PlanRequest, parse_plan_items};
        use crate::rating::RatedSubject;
        use crate::subsidy::{SubsidyAction, SubsidyKind};
        use chrono::{Datelike, Duration, Months, NaiveDate, NaiveTime, Timelike};
        use std::collections::{BTreeMap, HashMap};

        if let Some(done) = self.store.read(|sql| crate::store::setting::<DemoCare>(sql, "demo_care"))? {
            return Ok(DemoCare { already_loaded: true, ..done });
        }
        let today = shanghai_date(self.now());
        let this_month = today.with_day(1).expect("day 1");
        let first = this_month.checked_sub_months(Months::new(1)).expect("valid month");
        let last = this_month.pred_opt().expect("valid date");
        let at = |d: NaiveDate, h: u32, m: u32| from_shanghai(d.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid time")));
        let clock = std::sync::Arc::new(ManualClock::new(at(first - Duration::days(3), 9, 0)));
        let h = open(clock.clone())?;
        let mut out = DemoCare { month: format!("{:04}-{:02}", first.year(), first.month()), ..Default::default() };

        // Family doctors: three per clinic, on duty for home rounds in the afternoons.
        const SURNAMES: [&str; 12] = ["陈", "王", "李", "张", "刘", "杨", "黄", "周", "吴", "徐", "孙", "胡"];
        const GIVEN: [&str; 9] = ["建华", "丽萍", "志强", "海燕", "晓东", "玉兰", "卫国", "红梅", "静"];
        let centre = crate::position::Position::new(29.955, 121.710)?;
        let clinics = h.within(&crate::catalogue::NearbyQuery::new(centre).kinds([FacilityKind::Clinic]).radius_m(100_000.0))?;
        let mut doctors: HashMap<String, Vec<String>> = HashMap::new();
        let mut records = Vec::new();
        for (ci, c) in clinics.iter().enumerate() {
            let f = h.facility(&c.id)?;
            for n in 1..=3 {
                let id = format!("{}-DR{n}", c.id);
                let k = ci * 3 + n;
                records.push(Caregiver {
                    id: id.clone(),
                    name: format!("{}{}", SURNAMES[k % SURNAMES.len()], GIVEN[(k * 7) % GIVEN.len()]),
                    organisation: f.name.clone(),
                    station_id: Some(c.id.clone()),
                    skills: crate::facility::ServiceSet::from_iter([Service::Medical]),
                    base: f.position,
                    radius_m: 6000.0,
                    availability: WeeklyHours::parse("mon-fri 13:30-17:00")?,
                });
                doctors.entry(c.id.clone()).or_default().push(id);
            }
        }
        h.put_caregivers(&records)?;
        out.doctors = records.len();

        // Contracts with a doctor of the nearest clinic: more often in the streets than in the
        // towns, and less often far from the clinic. Health checks: most contracted seniors 65+
        // had one in the past year, fewer of the others.
        let seniors = h.seniors()?;
        let township_rate = |division: &str| match division.get(6..9).unwrap_or("") {
            "001" => 0.70,
            "002" => 0.64,
            "003" => 0.66,
            "004" => 0.60,
            "005" => 0.55,
            "100" => 0.50,
            _ => 0.44,
        };
        let mut contracts: BTreeMap<String, Vec<(String, ContractRequest)>> = BTreeMap::new();
        let mut checks: BTreeMap<String, Vec<HealthCheckRecord>> = BTreeMap::new();
        let mut contracted = std::collections::HashSet::new();
        for s in &seniors {
            let Some(clinic) = h.nearest_by_air(&crate::catalogue::NearbyQuery::new(s.home).kinds([FacilityKind::Clinic]).k(1))?.into_iter().next() else { continue };
            let rate = township_rate(&s.division) - 0.15 * (clinic.distance_m / 4000.0).min(1.0);
            let docs = &doctors[&clinic.id];
            let doctor = docs[(unit(&format!("doctor:{}", s.id)) * docs.len() as f64) as usize].clone();
            if unit(&format!("contract:{}", s.id)) < rate {
                let starts_on = first - Duration::days((unit(&format!("start:{}", s.id)) * 330.0) as i64);
                let services = if s.age_on(first) >= 65 {
                    vec![ContractService::HomeRounds, ContractService::AnnualCheck, ContractService::ChronicDisease]
                } else {
                    vec![ContractService::AnnualCheck]
                };
                let req = ContractRequest {
                    senior_id: s.id.clone(),
                    doctor_id: doctor.clone(),
                    starts_on,
                    ends_on: crate::doctor::default_contract_end(starts_on)?,
                    services,
                };
                contracts.entry(clinic.id.clone()).or_default().push((format!("FD-{}", s.id), req));
                contracted.insert(s.id.clone());
            }
            if s.age_on(first) >= 65 {
                let p = if contracted.contains(&s.id) { 0.84 } else { 0.38 };
                if unit(&format!("check:{}", s.id)) < p {
                    // Within the past year; a few fall due in the coming weeks.
                    let date = first - Duration::days(20 + (unit(&format!("checked:{}", s.id)) * 345.0) as i64);
                    let doctor_id = contracted.contains(&s.id).then(|| doctor.clone());
                    checks.entry(clinic.id.clone()).or_default().push(HealthCheckRecord { senior_id: s.id.clone(), date, doctor_id, summary: "血压、血糖、心电图".into() });
                }
            }
        }
        for (clinic, list) in &contracts {
            out.contracts += h.sign_contracts(&Actor::Operator(clinic.clone()), list)?.len();
        }
        for (clinic, list) in &checks {
            out.health_checks += h.record_health_checks(&Actor::Operator(clinic.clone()), clinic, list)?.len();
        }

        // Care plans for seniors who qualify for government-paid hours (the seeds' "1,000+" of
        // Zhenhai are served by many organisations; the demo plans a few hundred).
        let by_id: HashMap<&str, &crate::person::Senior> = seniors.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut candidates: Vec<&crate::person::Senior> = seniors
            .iter()
            .filter(|s| s.id != STORY_SENIOR && s.station_id.is_some() && (s.age_on(first) >= 80 || s.lives_alone))
            .collect();
        candidates.sort_by(|a, b| unit(&format!("plan:{}", a.id)).total_cmp(&unit(&format!("plan:{}", b.id))));
        let moderate: Vec<u8> = crate::assessment::ITEMS.iter().enumerate().map(|(i, it)| if i < 8 { 0 } else { it.max }).collect();
        let mild: Vec<u8> = crate::assessment::ITEMS.iter().enumerate().map(|(i, it)| if i < 4 { 2 } else { it.max }).collect();
        const TEMPLATES: [&str; 4] = [
            "cleaning mon,wed,fri 09:00 120; bathing sat 10:00 60",
            "cleaning tue 09:00 120; bathing sat 10:00 60",
            "companionship mon,wed,fri 14:00 60",
            "cleaning wed 14:00 120; companionship fri 09:00 60",
        ];
        let mut plan_seniors = Vec::new();
        for s in candidates {
            if plan_seniors.len() == PLANS {
                break;
            }
            let bed = plan_seniors.len() < FAMILY_BEDS;
            let items = if bed {
                parse_plan_items("rehabilitation tue,fri 10:00 60; cleaning mon 09:00 120")?
            } else {
                parse_plan_items(TEMPLATES[(unit(&format!("template:{}", s.id)) * TEMPLATES.len() as f64) as usize])?
            };
            // The regular caregiver: the nearest who offers the first visit's service and is on duty then.
            let item = &items[0];
            let sample = (0..7).map(|d| first + Duration::days(d)).find(|d| crate::plan::Weekday::of(*d) == item.day).expect("a week has every day");
            let start = at(sample, item.start.hour(), item.start.minute());
            let minutes = i64::from(item.duration_minutes.unwrap_or(60));
            let regular = h.caregivers_near(s.home, item.service, 12).into_iter().find(|c| c.availability.covers(start, start + Duration::minutes(minutes)));
            if bed {
                h.record_assessment(&Actor::District, &s.id, "镇海区评估中心", first - Duration::days(10), &moderate, crate::assessment::Conditions::default())?;
            }
            let over_quota = if unit(&format!("quota:{}", s.id)) < 0.5 { OverQuota::SelfPaid } else { OverQuota::Skip };
            let req = PlanRequest {
                senior_id: s.id.clone(),
                kind: if bed { PlanKind::FamilyCareBed } else { PlanKind::Regular },
                items,
                regular_caregiver_id: regular.map(|c| c.id),
                over_quota,
                starts_on: first,
                ends_on: None,
                note: if bed { "家庭养老床位".into() } else { "政府购买服务".into() },
            };
            h.create_plan_with_id(&Actor::Operator(s.station_id.clone().expect("filtered")), &format!("PL-{}", s.id), &req)?;
            plan_seniors.push(s.id.clone());
        }
        out.plans = plan_seniors.len();
        out.family_care_beds = FAMILY_BEDS.min(plan_seniors.len());

        // Meal customers near a canteen; subsidy applicants among them and the planned seniors.
        let mut meal_customers: Vec<(String, String)> = Vec::new();
        let mut by_meal: Vec<&crate::person::Senior> = seniors.iter().filter(|s| s.id != STORY_SENIOR && s.age_on(first) >= 75).collect();
        by_meal.sort_by(|a, b| unit(&format!("meal:{}", a.id)).total_cmp(&unit(&format!("meal:{}", b.id))));
        for s in by_meal {
            if meal_customers.len() == MEAL_CUSTOMERS {
                break;
            }
            let near = h.nearest_by_air(&crate::catalogue::NearbyQuery::new(s.home).kinds([FacilityKind::Canteen]).k(1).radius_m(700.0))?;
            if let Some(c) = near.into_iter().next().filter(|c| h.canteen(&c.id).is_ok()) {
                meal_customers.push((s.id.clone(), c.id));
            }
        }
        let canteens: std::collections::BTreeSet<String> = meal_customers.iter().map(|(_, c)| c.clone()).collect();
        let mut d = first;
        while d <= last {
            for c in &canteens {
                let capacity = h.facility(c)?.capacity.clamp(20, 400);
                h.set_menu(&crate::meal::Menu { facility_id: c.clone(), date: d, meal: crate::meal::Meal::Lunch, dishes: "两荤一素, 米饭, 汤".into(), price_fen: 1200, capacity, seats: capacity / 2 })?;
            }
            d = d.succ_opt().expect("valid date");
        }
        let mut applicants: Vec<(String, SubsidyKind)> = Vec::new();
        applicants.extend(meal_customers.iter().take(12).map(|(s, _)| (s.clone(), SubsidyKind::Meal)));
        applicants.extend(plan_seniors.iter().skip(FAMILY_BEDS).take(15).map(|s| (s.clone(), SubsidyKind::Service)));
        applicants.extend(plan_seniors.iter().skip(FAMILY_BEDS + 15).take(5).map(|s| (s.clone(), SubsidyKind::DeviceRental)));
        for (s, _) in &applicants {
            if h.latest_assessment(s)?.is_none() {
                h.record_assessment(&Actor::District, s, "镇海区评估中心", first - Duration::days(12), &mild, crate::assessment::Conditions::default())?;
            }
        }
        out.subsidy_applications = applicants.len();

        // The month's timeline.
        let mut steps: Vec<(chrono::DateTime<chrono::Utc>, u32, Step)> = Vec::new();
        let mut seq = 0u32;
        let mut push = |steps: &mut Vec<_>, t, s| {
            seq += 1;
            steps.push((t, seq, s));
        };
        // Plans generate each coming week on the Sunday evening before it (and the evening before the month).
        let mut gen_day = first - Duration::days(1);
        while gen_day < last {
            let through = (gen_day + Duration::days(7)).min(last);
            push(&mut steps, at(gen_day, 18, 0), Step::Generate(through));
            gen_day = through;
        }
        let mut d = first;
        while d <= last {
            if d.weekday().num_days_from_monday() < 5 {
                for (s, c) in &meal_customers {
                    if unit(&format!("lunch:{s}:{d}")) < 0.7 {
                        push(&mut steps, at(d, 7, 30), Step::Order(s.clone(), c.clone()));
                    }
                }
                push(&mut steps, at(d, 13, 0), Step::RateMeals(d));
            }
            push(&mut steps, at(d, 23, 30), Step::Sweep);
            d = d.succ_opt().expect("valid date");
        }
        // Two caregivers are off for three days in the second half of the month.
        let absent_from = first + Duration::days(14);
        let mut absentees: Vec<String> = Vec::new();
        for s in plan_seniors.iter().skip(FAMILY_BEDS) {
            if let Some(c) = h.plan(&Actor::System, &format!("PL-{s}"))?.regular_caregiver_id.filter(|c| !absentees.contains(c)) {
                absentees.push(c);
            }
            if absentees.len() == 2 {
                break;
            }
        }
        for c in &absentees {
            push(&mut steps, at(absent_from - Duration::days(1), 20, 0), Step::Absent(c.clone(), absent_from, absent_from + Duration::days(2)));
        }
        // Subsidies: apply in the first days; the station reviews a few days later (returning some
        // for changes), the district decides a week after; the last few are still waiting.
        for (i, _) in applicants.iter().enumerate() {
            let day0 = first + Duration::days(1 + (i % 5) as i64);
            push(&mut steps, at(day0, 10, 0), Step::Subsidy(i, SubsidyAction::Apply));
            if i + 3 >= applicants.len() {
                if i + 2 >= applicants.len() {
                    push(&mut steps, at(day0 + Duration::days(3), 10, 0), Step::Subsidy(i, SubsidyAction::Recommend));
                }
                continue;
            }
            let mut review = day0 + Duration::days(3);
            if i % 7 == 3 {
                push(&mut steps, at(review, 10, 0), Step::Subsidy(i, SubsidyAction::Return));
                push(&mut steps, at(review + Duration::days(2), 10, 0), Step::Subsidy(i, SubsidyAction::Resubmit));
                review += Duration::days(3);
            }
            push(&mut steps, at(review, 10, 0), Step::Subsidy(i, SubsidyAction::Recommend));
            let decision = if i % 8 == 5 { SubsidyAction::Refuse } else { SubsidyAction::Approve };
            push(&mut steps, at(review + Duration::days(4), 10, 0), Step::Subsidy(i, decision));
        }
        steps.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));

        let mut application_ids: HashMap<usize, String> = HashMap::new();
        let mut orders: BTreeMap<NaiveDate, Vec<(String, String)>> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<(chrono::DateTime<chrono::Utc>, u32, Step)> = steps.into();
        // Steps the simulation adds as it goes (check-ins after generation, ratings after check-out).
        let mut later: Vec<(chrono::DateTime<chrono::Utc>, u32, Step)> = Vec::new();
        let mut extra_seq = 1_000_000u32;
        loop {
            later.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
            let take_later = match (later.last(), queue.front()) {
                (Some(l), Some(q)) => (l.0, l.1) < (q.0, q.1),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (t, _, step) = if take_later { later.pop().expect("some") } else { queue.pop_front().expect("some") };
            if t > clock.now() {
                clock.set(t);
            }
            let mut schedule = |later: &mut Vec<_>, t, s| {
                extra_seq += 1;
                later.push((t, extra_seq, s));
            };
            match step {
                Step::Generate(through) => {
                    for g in h.generate_all_plans(through)? {
                        for o in g.occurrences.iter().filter(|o| o.booking_id.is_some()) {
                            let id = o.booking_id.clone().expect("filtered");
                            // The caregiver offered answers that evening: most accept, a few decline.
                            let offered: Vec<String> = h.offers(&id)?.into_iter().filter(|x| x.status == "open").map(|x| x.caregiver_id).collect();
                            let Some(first_offer) = offered.first() else { continue };
                            let mut taker = None;
                            if unit(&format!("decline:{id}")) < 0.07 && offered.len() == 1 {
                                h.decline_booking(&Actor::Caregiver(first_offer.clone()), &id, "那天有事")?;
                                out.declined_and_reoffered += 1;
                                for c in h.offers(&id)?.into_iter().filter(|x| x.status == "open") {
                                    if h.accept_booking(&Actor::Caregiver(c.caregiver_id.clone()), &id).is_ok() {
                                        taker = Some(c.caregiver_id);
                                        break;
                                    }
                                }
                            } else {
                                for c in &offered {
                                    if h.accept_booking(&Actor::Caregiver(c.clone()), &id).is_ok() {
                                        taker = Some(c.clone());
                                        break;
                                    }
                                }
                            }
                            if taker.is_some() {
                                let b = h.booking(&id)?;
                                let u = unit(&format!("visit:{id}"));
                                if u >= 0.02 {
                                    let early = Duration::minutes((unit(&format!("early:{id}")) * 10.0) as i64);
                                    schedule(&mut later, b.start - early, Step::CheckIn(id.clone(), u < 0.05));
                                    let length = (b.end - b.start) + Duration::minutes((unit(&format!("late:{id}")) * 12.0) as i64 - 8);
                                    schedule(&mut later, b.start - early + length, Step::CheckOut(id.clone()));
                                }
                            }
                        }
                    }
                }
                Step::CheckIn(id, far) => {
                    let b = h.booking(&id)?;
                    let Some(c) = b.caregiver_id.clone() else { continue };
                    if b.state != crate::booking::BookingState::Accepted {
                        continue;
                    }
                    let home = by_id[b.senior_id.as_str()].home;
                    let place = if far { crate::position::Position::new(home.lat + 350.0 / 111_195.0, home.lon)? } else { home };
                    h.check_in(&Actor::Caregiver(c), &id, place)?;
                    out.visits_flagged += usize::from(far);
                }
                Step::CheckOut(id) => {
                    let b = h.booking(&id)?;
                    let Some(c) = b.caregiver_id.clone() else { continue };
                    if b.state != crate::booking::BookingState::CheckedIn {
                        continue;
                    }
                    h.check_out(&Actor::Caregiver(c), &id, by_id[b.senior_id.as_str()].home)?;
                    out.visits_completed += 1;
                    if unit(&format!("rate:{id}")) < 0.35 {
                        schedule(&mut later, t + Duration::hours(2), Step::RateVisit(id));
                    }
                }
                Step::RateVisit(id) => {
                    let b = h.booking(&id)?;
                    let org = b.caregiver_id.as_deref().and_then(|c| h.caregiver(c).ok()).map(|c| c.organisation).unwrap_or_default();
                    // Organisations differ in quality; a visit's stars follow its organisation's.
                    let quality = unit(&format!("org:{org}"));
                    let u = unit(&format!("stars:{id}"));
                    let stars = if u < 0.45 + 0.35 * quality { 5 } else if u < 0.85 + 0.1 * quality { 4 } else if u < 0.96 { 3 } else { 2 };
                    h.rate(&Actor::Senior(b.senior_id.clone()), RatedSubject::Visit, &id, stars, if stars >= 4 { "服务很好" } else { "一般" })?;
                    out.ratings += 1;
                    if stars <= 2 || unit(&format!("complain:{id}")) < 0.01 {
                        h.complain(&Actor::Senior(b.senior_id.clone()), RatedSubject::Visit, &id, "打扫不仔细, 迟到")?;
                        out.complaints += 1;
                    }
                }
                Step::Order(senior, canteen) => {
                    let mode = if unit(&format!("mode:{senior}")) < 0.6 { crate::meal::MealMode::DineIn } else { crate::meal::MealMode::PickUp };
                    let day = shanghai_date(t);
                    match h.order_meal(&Actor::Senior(senior.clone()), &senior, &canteen, day, crate::meal::Meal::Lunch, mode) {
                        Ok(o) => {
                            orders.entry(day).or_default().push((senior, o.id));
                            out.meal_orders += 1;
                        }
                        Err(Error::Full(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Step::RateMeals(day) => {
                    for (senior, order) in orders.get(&day).into_iter().flatten() {
                        let u = unit(&format!("meal-rate:{order}"));
                        if u < 0.2 {
                            let stars = if u < 0.12 { 5 } else if u < 0.18 { 4 } else { 3 };
                            h.rate(&Actor::Senior(senior.clone()), RatedSubject::Meal, order, stars, "")?;
                            out.ratings += 1;
                        }
                    }
                }
                Step::Absent(c, from, to) => {
                    let station = h.caregiver(&c)?.station_id.map_or(Actor::District, Actor::Operator);
                    let a = h.mark_absent(&station, &c, from, to, "病假")?;
                    out.absences += 1;
                    for id in a.reoffered {
                        for o in h.offers(&id)?.into_iter().filter(|x| x.status == "open") {
                            if h.accept_booking(&Actor::Caregiver(o.caregiver_id.clone()), &id).is_ok() {
                                let b = h.booking(&id)?;
                                schedule(&mut later, b.start - Duration::minutes(3), Step::CheckIn(id.clone(), false));
                                schedule(&mut later, b.end, Step::CheckOut(id.clone()));
                                break;
                            }
                        }
                    }
                }
                Step::Subsidy(i, action) => {
                    let (senior, kind) = &applicants[i];
                    let station = Actor::Operator(by_id[senior.as_str()].station_id.clone().expect("planned seniors have stations"));
                    let me = Actor::Senior(senior.clone());
                    match action {
                        SubsidyAction::Apply => {
                            let note = match kind {
                                SubsidyKind::Meal => "独居, 每天在食堂吃午饭",
                                SubsidyKind::Service => "每周需要更多上门服务",
                                SubsidyKind::DeviceRental => "需要租轮椅",
                            };
                            application_ids.insert(i, h.apply_for_subsidy(&me, senior, *kind, note)?.id);
                        }
                        SubsidyAction::Return => drop(h.return_subsidy(&station, &application_ids[&i], "请补充低保证明")?),
                        SubsidyAction::Resubmit => drop(h.resubmit_subsidy(&me, &application_ids[&i], "已补充")?),
                        SubsidyAction::Recommend => drop(h.recommend_subsidy(&station, &application_ids[&i])?),
                        SubsidyAction::Approve => {
                            h.approve_subsidy(&Actor::District, &application_ids[&i])?;
                            out.subsidies_approved += 1;
                        }
                        SubsidyAction::Refuse => drop(h.refuse_subsidy(&Actor::District, &application_ids[&i], "不符合补助条件")?),
                        SubsidyAction::Withdraw => drop(h.withdraw_subsidy(&me, &application_ids[&i])?),
                    }
                }
                Step::Sweep => {
                    out.no_shows += h.sweep()?.iter().filter(|b| b.state == crate::booking::BookingState::NoShow).count();
                }
            }
        }
        drop(h);

        // Now, on this handle's clock: the plans' visits through the end of next week, and reminders.
        out.upcoming_visits = self.generate_all_plans(crate::plan::default_horizon(today))?.iter().map(|g| g.occurrences.iter().filter(|o| o.booking_id.is_some()).count()).sum();
        out.reminders = self.remind_health_checks(30)?.len();
        out.last_event_seq = self.store.read(|sql| sql.scalar::<Option<i64>>("SELECT MAX(seq) FROM event", &[]))?.unwrap_or(0);
        self.store.write(|sql| crate::store::put_setting(sql, "demo_care", &out))?;
        Ok(out)
    }
}
