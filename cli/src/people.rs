//! People commands: seniors, family members and their permissions, caregivers, assessments.

use crate::facilities::Place;
use crate::output::{Output, table};
use carecircle_core::assessment::Conditions;
use carecircle_core::clock::parse_date;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver, FamilyLink, FamilyMember, FamilyPermissions, Gender, Senior, parse_caregivers_csv, parse_seniors_csv};
use carecircle_core::{CareCircle, Error, Result, ServiceSet};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SeniorCmd {
    /// Add or update a senior.
    Add(SeniorArgs),
    /// Import seniors from a CSV (senior_id,name,gender,birth_date,lives_alone,lat,lon,division,address,phone).
    Import { file: PathBuf },
    /// Show a senior, the family linked and the latest assessment.
    Show { id: String },
}

#[derive(Args)]
pub struct SeniorArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    /// Birth date, YYYY-MM-DD.
    #[arg(long)]
    birth: String,
    #[arg(long)]
    gender: Gender,
    #[command(flatten)]
    home: Place,
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long)]
    lives_alone: bool,
    #[arg(long, default_value = "")]
    phone: String,
    /// The station serving the senior (a facility id).
    #[arg(long)]
    station: Option<String>,
    #[arg(long, default_value = "")]
    division: String,
}

#[derive(Subcommand)]
pub enum FamilyCmd {
    /// Add or update a family member.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
    /// Link a family member to a senior, with what the senior allows.
    Link {
        #[arg(long)]
        senior: String,
        #[arg(long)]
        family: String,
        #[arg(long, default_value = "")]
        relation: String,
        #[arg(long)]
        can_book: bool,
        #[arg(long)]
        can_see_visits: bool,
        #[arg(long)]
        receives_alerts: bool,
        /// See assessments, family-doctor contracts and health checks.
        #[arg(long)]
        sees_health: bool,
        /// See where visits were checked in and out.
        #[arg(long)]
        sees_location: bool,
        /// See statements and subsidy applications (and apply, with --can-book).
        #[arg(long)]
        sees_money: bool,
    },
}

#[derive(Subcommand)]
pub enum CaregiverCmd {
    /// Add or update a caregiver.
    Add(CaregiverArgs),
    /// Import caregivers from a CSV (caregiver_id,name,organisation,station_id,skills,lat,lon,radius_m,availability).
    Import { file: PathBuf },
}

#[derive(Args)]
pub struct CaregiverArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    organisation: String,
    #[arg(long)]
    station: Option<String>,
    /// Service codes, comma-separated.
    #[arg(long)]
    skills: String,
    #[command(flatten)]
    base: Place,
    #[arg(long, default_value_t = 3000.0)]
    radius_m: f64,
    /// Weekly availability, e.g. "mon-fri 08:00-17:00".
    #[arg(long)]
    availability: String,
}

#[derive(Args)]
pub struct AssessArgs {
    /// Who records it: district (default) or operator:STATION of the senior's station.
    #[arg(long = "as", default_value = "district")]
    actor: String,
    #[arg(long)]
    senior: String,
    #[arg(long)]
    assessor: String,
    /// YYYY-MM-DD (Shanghai).
    #[arg(long)]
    date: String,
    /// The 26 item scores of GB/T 42195-2022 in the standard's order, comma-separated.
    #[arg(long, value_delimiter = ',')]
    scores: Vec<u8>,
    #[arg(long)]
    dementia: bool,
    #[arg(long)]
    psychiatric: bool,
    /// Falls, choking, self-harm or wandering in the last 30 days.
    #[arg(long, default_value_t = 0)]
    risk_events: u32,
}

pub fn senior(cc: &CareCircle, out: &Output, cmd: SeniorCmd) -> Result<()> {
    match cmd {
        SeniorCmd::Add(a) => {
            let s = Senior {
                id: a.id,
                name: a.name,
                birth_date: parse_date(&a.birth)?,
                gender: a.gender,
                home: a.home.position()?,
                address: a.address,
                lives_alone: a.lives_alone,
                phone: a.phone,
                station_id: a.station,
                division: a.division,
            };
            cc.put_seniors(std::slice::from_ref(&s))?;
            out.either(&s, || println!("senior {} saved", s.id))
        }
        SeniorCmd::Import { file } => {
            let seniors = parse_seniors_csv(&std::fs::read_to_string(&file)?)?;
            cc.put_seniors(&seniors)?;
            out.either(&serde_json::json!({ "imported": seniors.len() }), || println!("{} seniors imported", seniors.len()))
        }
        SeniorCmd::Show { id } => {
            let v = serde_json::json!({
                "senior": cc.senior(&id)?, "family": cc.family_links(&id)?,
                "assessment": cc.latest_assessment(&id)?, "eligibility": cc.eligibility(&id)?,
            });
            out.value(&v)
        }
    }
}

pub fn family(cc: &CareCircle, out: &Output, cmd: FamilyCmd) -> Result<()> {
    match cmd {
        FamilyCmd::Add { id, name, phone } => {
            let f = FamilyMember { id, name, phone };
            cc.put_family_member(&f)?;
            out.either(&f, || println!("family member {} saved", f.id))
        }
        FamilyCmd::Link { senior, family, relation, can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money } => {
            let permissions = FamilyPermissions { can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money };
            let link = FamilyLink { senior_id: senior, family_id: family, relation, permissions };
            cc.link_family(&link)?;
            out.either(&link, || println!("{} linked to {}", link.family_id, link.senior_id))
        }
    }
}

pub fn caregiver(cc: &CareCircle, out: &Output, cmd: CaregiverCmd) -> Result<()> {
    match cmd {
        CaregiverCmd::Add(a) => {
            let c = Caregiver {
                id: a.id,
                name: a.name,
                organisation: a.organisation,
                station_id: a.station,
                skills: ServiceSet::parse_list(&a.skills)?,
                base: a.base.position()?,
                radius_m: a.radius_m,
                availability: WeeklyHours::parse(&a.availability)?,
            };
            cc.put_caregivers(std::slice::from_ref(&c))?;
            out.either(&c, || println!("caregiver {} saved", c.id))
        }
        CaregiverCmd::Import { file } => {
            let list = parse_caregivers_csv(&std::fs::read_to_string(&file)?)?;
            cc.put_caregivers(&list)?;
            out.either(&serde_json::json!({ "imported": list.len() }), || println!("{} caregivers imported", list.len()))
        }
    }
}

pub fn assess(cc: &CareCircle, out: &Output, a: AssessArgs) -> Result<()> {
    if a.scores.is_empty() {
        return Err(Error::invalid("scores", "give the 26 item scores, comma-separated"));
    }
    let conditions = Conditions { dementia: a.dementia, psychiatric_disorder: a.psychiatric, risk_events_30d: a.risk_events };
    let done = cc.record_assessment(&carecircle_core::person::Actor::parse(&a.actor)?, &a.senior, &a.assessor, parse_date(&a.date)?, &a.scores, conditions)?;
    out.either(&done, || {
        table(&["senior", "date", "total", "level"], &[vec![done.senior_id.clone(), done.date.to_string(), done.total.to_string(), format!("{} ({})", done.level.chinese(), done.level.code())]])
    })
}
