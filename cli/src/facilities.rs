//! Facility commands: import, nearest, within, circle, coverage, demo.

use crate::output::{Output, table};
use carecircle_core::catalogue::NearbyQuery;
use carecircle_core::circle::{CoverageReport, DEFAULT_REQUIRED, parse_homes_csv};
use carecircle_core::clock::parse_instant;
use carecircle_core::{CareCircle, Crs, FacilityKind, Nearby, Position, Result, ServiceSet};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// Coordinate system of the file, if it does not declare one.
    #[arg(long)]
    crs: Option<Crs>,
}

#[derive(Args)]
pub struct Place {
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Coordinate system of --lat/--lon: wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, default_value = "wgs84")]
    crs: Crs,
}

impl Place {
    pub fn position(&self) -> Result<Position> {
        Position::from_crs(self.lat, self.lon, self.crs)
    }
}

#[derive(Args)]
pub struct NearArgs {
    #[command(flatten)]
    place: Place,
    /// Kind codes, comma-separated (regional_center, township_center, community_station, canteen, rental_point, clinic).
    #[arg(long, value_delimiter = ',')]
    kind: Vec<FacilityKind>,
    /// Service codes a facility must all offer, comma-separated.
    #[arg(long, default_value = "")]
    service: String,
    /// Only facilities open at this time (Shanghai wall clock like 2026-11-23T10:00, or RFC 3339).
    #[arg(long)]
    open_at: Option<String>,
    #[arg(long, default_value_t = 5)]
    k: u32,
    #[arg(long)]
    radius_m: Option<f64>,
}

#[derive(Args)]
pub struct CircleArgs {
    #[command(flatten)]
    place: Place,
}

#[derive(Args)]
pub struct CoverageArgs {
    /// A CSV of homes (id or senior_id, lat, lon, division); the demo district's homes if omitted.
    #[arg(long)]
    homes: Option<PathBuf>,
    #[arg(long)]
    crs: Option<Crs>,
    /// Kinds a home must reach to count as covered, comma-separated.
    #[arg(long, value_delimiter = ',')]
    require: Vec<FacilityKind>,
    /// How many uncovered homes to list in the table (JSON lists all).
    #[arg(long, default_value_t = 10)]
    show: usize,
}

pub fn import(cc: &CareCircle, out: &Output, a: ImportArgs) -> Result<()> {
    let report = cc.import_file(&a.file, a.crs)?;
    out.either(&report, || {
        println!("imported {}: {} new, {} updated; {} facilities in the catalogue", a.file.display(), report.inserted, report.updated, cc.facility_count())
    })
}

pub fn nearest(cc: &CareCircle, out: &Output, a: NearArgs, k_nearest: bool) -> Result<()> {
    let mut q = NearbyQuery::new(a.place.position()?).kinds(a.kind).k(a.k);
    q.services = ServiceSet::parse_list(&a.service)?;
    q.open_at = a.open_at.as_deref().map(parse_instant).transpose()?;
    q.radius_m = a.radius_m;
    let found = if k_nearest { cc.nearest(&q)? } else { cc.within(&q)? };
    out.either(&found, || print_nearby(&found))
}

pub fn print_nearby(found: &[Nearby]) {
    if found.is_empty() {
        println!("nothing found");
        return;
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|n| vec![n.id.clone(), n.name.clone(), n.kind.code().into(), format!("{:.0}", n.distance_m), walk_m(n), minutes(n.walk_minutes)])
        .collect();
    table(&["id", "name", "kind", "metres", "on foot m", "walk min"], &rows);
}

fn walk_m(n: &Nearby) -> String {
    n.walk_m.map_or_else(|| if n.walk_minutes.is_some() { "-".into() } else { "no path".into() }, |m| format!("{m:.0}"))
}

fn minutes(m: Option<f64>) -> String {
    m.map_or_else(|| "no path".into(), |m| format!("{m:.1}"))
}

pub fn circle(cc: &CareCircle, out: &Output, a: CircleArgs) -> Result<()> {
    let report = cc.circle(a.place.position()?)?;
    out.either(&report, || {
        let how = if report.network { "along the walking network" } else { "in a straight line" };
        println!("{}-minute circle around {:.6},{:.6} (WGS-84), about {:.0} m {how}", report.minutes, report.lat, report.lon, report.reach_m);
        for (title, reaches) in [("kind", &report.kinds), ("service", &report.services)] {
            let rows: Vec<Vec<String>> = reaches
                .iter()
                .map(|r| {
                    let (name, min) = r.nearest.as_ref().map_or(("-".into(), "-".into()), |n| (n.name.clone(), minutes(n.walk_minutes)));
                    vec![r.code.clone(), if r.covered { "yes".into() } else { "NO".into() }, name, min]
                })
                .collect();
            println!();
            table(&[title, "within", "nearest", "walk min"], &rows);
        }
    })
}

pub fn coverage(cc: &CareCircle, out: &Output, a: CoverageArgs) -> Result<()> {
    let homes = match &a.homes {
        Some(path) => parse_homes_csv(&std::fs::read_to_string(path)?, a.crs)?,
        None => carecircle_core::demo::homes()?,
    };
    let required = if a.require.is_empty() { DEFAULT_REQUIRED.to_vec() } else { a.require.clone() };
    let report = cc.coverage(&homes, &required)?;
    out.either(&report, || print_coverage(&report, a.show))
}

fn print_coverage(r: &CoverageReport, show: usize) {
    println!("{} homes, {}-minute circle, {}", r.homes, r.minutes, if r.network { "along the walking network" } else { "straight line × detour" });
    let pct = |s: f64| format!("{:.1}%", s * 100.0);
    let rows: Vec<Vec<String>> = r.kinds.iter().chain(&r.services).map(|s| vec![s.code.clone(), s.covered.to_string(), pct(s.share)]).collect();
    println!();
    table(&["kind or service", "homes covered", "share"], &rows);
    let mut headers = vec!["township", "homes"];
    headers.extend(FacilityKind::ALL.iter().map(|k| k.code()));
    let rows: Vec<Vec<String>> = r
        .townships
        .iter()
        .map(|d| std::iter::once(d.division.clone()).chain(std::iter::once(d.homes.to_string())).chain(d.kinds.iter().map(|s| pct(s.share))).collect())
        .collect();
    println!();
    table(&headers, &rows);
    let required: Vec<&str> = r.required.iter().map(|k| k.code()).collect();
    println!("\n{} homes lack at least one of: {}", r.uncovered.len(), required.join(", "));
    let rows: Vec<Vec<String>> = r
        .uncovered
        .iter()
        .take(show)
        .map(|h| vec![h.id.clone(), h.division.clone(), format!("{:.6},{:.6}", h.lat, h.lon), h.missing.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")])
        .collect();
    if !rows.is_empty() {
        table(&["home", "division", "lat,lon", "missing"], &rows);
    }
}

pub fn demo(cc: &CareCircle, out: &Output, db: &std::path::Path) -> Result<()> {
    let report = cc.load_demo_facilities()?;
    cc.load_demo_divisions()?;
    cc.load_demo_network()?;
    let (seniors, caregivers) = cc.load_demo_people()?;
    cc.load_demo_programmes(cc.today())?;
    // Care plans, family doctors, subsidies and last month's history (see `care`).
    let care = cc.load_demo_care(db)?;
    let (year, month) = carecircle_core::entitlement::parse_month(&care.month)?;
    let stats = cc.district_stats(&carecircle_core::Actor::District, year, month)?;
    let homes = carecircle_core::demo::homes()?;
    // A senior's phone at Zhaobaoshan, as Amap reports it (GCJ-02).
    let here = Position::new(29.9609, 121.7180)?;
    let (glat, glon) = here.to_crs(Crs::Gcj02);
    let at = Position::from_crs(glat, glon, Crs::Gcj02)?;
    let canteens = cc.nearest(&NearbyQuery::new(at).kinds([FacilityKind::Canteen]).k(3))?;
    let circle = cc.circle(at)?;
    let coverage = cc.coverage(&homes, DEFAULT_REQUIRED)?;
    if out.json {
        return out.value(&serde_json::json!({
            "facilities": cc.facility_count(), "imported": report, "homes": homes.len(), "seniors": seniors, "caregivers": caregivers,
            "nearest_canteens": canteens, "circle": circle, "coverage": coverage, "care": care, "stats": stats,
        }));
    }
    println!("CareCircle demo: synthetic district shaped like Zhenhai, Ningbo (data/README.md)");
    println!("{} facilities, {} senior homes, {seniors} seniors, {caregivers} caregivers\n", cc.facility_count(), homes.len());
    println!("Nearest canteens to a phone at GCJ-02 {glat:.6},{glon:.6} (WGS-84 {:.6},{:.6}):", at.lat, at.lon);
    print_nearby(&canteens);
    println!("\nIts 15-minute circle lacks: {}", circle.missing_kinds().collect::<Vec<_>>().join(", "));
    println!();
    print_coverage(&coverage, 5);
    println!(
        "\nCare programmes: {} family doctors, {} contracts, {} health checks; {} care plans ({} family care beds); {} subsidy applications ({} approved)",
        care.doctors, care.contracts, care.health_checks, care.plans, care.family_care_beds, care.subsidy_applications, care.subsidies_approved
    );
    println!(
        "{}: {} visits completed ({} flagged), {} no-shows, {} declined and re-offered, {} absences, {} meals ordered, {} ratings, {} complaints; {} visits ahead",
        care.month, care.visits_completed, care.visits_flagged, care.no_shows, care.declined_and_reoffered, care.absences, care.meal_orders, care.ratings, care.complaints, care.upcoming_visits
    );
    println!();
    crate::care::print_stats(&stats, false);
    Ok(())
}
