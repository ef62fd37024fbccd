//! People and assessment: seniors, family members and what each senior lets them do,
//! caregivers, and the GB/T 42195-2022 capability assessment.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::Service;
use crate::position::{Crs, wgs84};
use crate::time::{date, date_string};
use carecircle_core::assessment::{Assessment as CoreAssessment, CapabilityLevel as CoreLevel, Conditions as CoreConditions, Dimension as CoreDimension, ITEMS};
use carecircle_core::hours::WeeklyHours;
use carecircle_core::person::{Caregiver as CoreCaregiver, FamilyLink as CoreLink, FamilyMember as CoreMember, FamilyPermissions as CorePermissions, Gender as CoreGender, Senior as CoreSenior};
use carecircle_core::{Actor as CoreActor, ServiceSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Gender {
    Female,
    Male,
}

mirror!(Gender, CoreGender { Female, Male });

/// A senior. Home coordinates are WGS-84 when returned; `putSeniors` takes them in its `crs`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Senior {
    pub id: String,
    pub name: String,
    /// "1940-03-01".
    pub birth_date: String,
    pub gender: Gender,
    pub lat: f64,
    pub lon: f64,
    #[uniffi(default = "")]
    pub address: String,
    pub lives_alone: bool,
    #[uniffi(default = "")]
    pub phone: String,
    /// The station that serves this senior, if assigned.
    #[uniffi(default = None)]
    pub station_id: Option<String>,
    /// 12-digit division code of the senior's village or community (e.g. "330211001001").
    #[uniffi(default = "")]
    pub division: String,
}

impl From<CoreSenior> for Senior {
    fn from(s: CoreSenior) -> Self {
        Senior {
            id: s.id,
            name: s.name,
            birth_date: date_string(s.birth_date),
            gender: s.gender.into(),
            lat: s.home.lat,
            lon: s.home.lon,
            address: s.address,
            lives_alone: s.lives_alone,
            phone: s.phone,
            station_id: s.station_id,
            division: s.division,
        }
    }
}

impl Senior {
    fn to_core(&self, crs: Crs) -> carecircle_core::Result<CoreSenior> {
        Ok(CoreSenior {
            id: self.id.clone(),
            name: self.name.clone(),
            birth_date: date(&self.birth_date)?,
            gender: self.gender.into(),
            home: wgs84(self.lat, self.lon, crs)?,
            address: self.address.clone(),
            lives_alone: self.lives_alone,
            phone: self.phone.clone(),
            station_id: self.station_id.clone(),
            division: self.division.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FamilyMember {
    pub id: String,
    pub name: String,
    #[uniffi(default = "")]
    pub phone: String,
}

impl From<CoreMember> for FamilyMember {
    fn from(f: CoreMember) -> Self {
        FamilyMember { id: f.id, name: f.name, phone: f.phone }
    }
}

impl From<FamilyMember> for CoreMember {
    fn from(f: FamilyMember) -> Self {
        CoreMember { id: f.id, name: f.name, phone: f.phone }
    }
}

/// What a senior lets one family member do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct FamilyPermissions {
    /// Book visits, order meals, rent devices, make care plans and apply for subsidies.
    #[uniffi(default = false)]
    pub can_book: bool,
    /// See visits, statements, plans and ratings.
    #[uniffi(default = false)]
    pub can_see_visits: bool,
    /// Be told of the senior's emergency alerts and answer them.
    #[uniffi(default = false)]
    pub receives_alerts: bool,
    /// See assessments, family-doctor contracts and health checks (and sign contracts, with can_book).
    #[uniffi(default = false)]
    pub sees_health: bool,
    /// See where visits were checked in and out.
    #[uniffi(default = false)]
    pub sees_location: bool,
    /// See statements and subsidy applications (and apply, with can_book).
    #[uniffi(default = false)]
    pub sees_money: bool,
}

impl From<CorePermissions> for FamilyPermissions {
    fn from(p: CorePermissions) -> Self {
        FamilyPermissions {
            can_book: p.can_book,
            can_see_visits: p.can_see_visits,
            receives_alerts: p.receives_alerts,
            sees_health: p.sees_health,
            sees_location: p.sees_location,
            sees_money: p.sees_money,
        }
    }
}

impl From<FamilyPermissions> for CorePermissions {
    fn from(p: FamilyPermissions) -> Self {
        CorePermissions {
            can_book: p.can_book,
            can_see_visits: p.can_see_visits,
            receives_alerts: p.receives_alerts,
            sees_health: p.sees_health,
            sees_location: p.sees_location,
            sees_money: p.sees_money,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FamilyLink {
    pub senior_id: String,
    pub family_id: String,
    /// 子女, 配偶, ... in the family's own words (at most 64 characters).
    pub relation: String,
    pub permissions: FamilyPermissions,
}

impl From<CoreLink> for FamilyLink {
    fn from(l: CoreLink) -> Self {
        FamilyLink { senior_id: l.senior_id, family_id: l.family_id, relation: l.relation, permissions: l.permissions.into() }
    }
}

impl From<FamilyLink> for CoreLink {
    fn from(l: FamilyLink) -> Self {
        CoreLink { senior_id: l.senior_id, family_id: l.family_id, relation: l.relation, permissions: l.permissions.into() }
    }
}

/// A caregiver (or a family doctor: a caregiver of a clinic offering `MEDICAL`). Base
/// coordinates are WGS-84 when returned; `putCaregivers` takes them in its `crs`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Caregiver {
    pub id: String,
    pub name: String,
    #[uniffi(default = "")]
    pub organisation: String,
    #[uniffi(default = None)]
    pub station_id: Option<String>,
    pub skills: Vec<Service>,
    /// Where visits start from.
    pub lat: f64,
    pub lon: f64,
    /// How far from the base this caregiver travels, metres.
    pub radius_m: f64,
    /// Weekly availability in Shanghai time, e.g. "mon-sat 07:00-19:00"; "" means unknown.
    pub availability: String,
}

impl From<CoreCaregiver> for Caregiver {
    fn from(c: CoreCaregiver) -> Self {
        Caregiver {
            id: c.id,
            name: c.name,
            organisation: c.organisation,
            station_id: c.station_id,
            skills: c.skills.iter().map(Into::into).collect(),
            lat: c.base.lat,
            lon: c.base.lon,
            radius_m: c.radius_m,
            availability: c.availability.to_string(),
        }
    }
}

impl Caregiver {
    fn to_core(&self, crs: Crs) -> carecircle_core::Result<CoreCaregiver> {
        Ok(CoreCaregiver {
            id: self.id.clone(),
            name: self.name.clone(),
            organisation: self.organisation.clone(),
            station_id: self.station_id.clone(),
            skills: self.skills.iter().map(|s| carecircle_core::Service::from(*s)).collect::<ServiceSet>(),
            base: wgs84(self.lat, self.lon, crs)?,
            radius_m: self.radius_m,
            availability: WeeklyHours::parse(&self.availability)?,
        })
    }
}

/// The four dimensions of the assessment scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Dimension {
    /// 自理能力
    SelfCare,
    /// 基础运动能力
    BasicMotor,
    /// 精神状态
    MentalState,
    /// 感知觉与社会参与
    PerceptionSocial,
}

mirror!(Dimension, CoreDimension { SelfCare, BasicMotor, MentalState, PerceptionSocial });

/// Capability levels, from most to least capable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CapabilityLevel {
    /// 能力完好
    Intact,
    /// 轻度失能
    Mild,
    /// 中度失能
    Moderate,
    /// 重度失能
    Severe,
    /// 完全失能
    Total,
}

mirror!(CapabilityLevel, CoreLevel { Intact, Mild, Moderate, Severe, Total });

#[uniffi::export]
impl CapabilityLevel {
    /// "intact", "mild", "moderate", "severe", "total".
    pub fn code(&self) -> String {
        CoreLevel::from(*self).code().to_string()
    }
    /// "能力完好", "轻度失能", ...
    pub fn chinese(&self) -> String {
        CoreLevel::from(*self).chinese().to_string()
    }
}

/// One item of the scale, in the standard's order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AssessmentItem {
    /// "eating", "bathing", ...
    pub code: String,
    /// "进食", "洗澡", ...
    pub chinese: String,
    pub dimension: Dimension,
    /// The highest score of the item; scores run 0 to this.
    pub max: u32,
}

/// What the assessor records besides the item scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Conditions {
    #[uniffi(default = false)]
    pub dementia: bool,
    #[uniffi(default = false)]
    pub psychiatric_disorder: bool,
    /// Falls, choking, self-harm, wandering in the last 30 days.
    #[uniffi(default = 0)]
    pub risk_events_30d: u32,
}

impl From<Conditions> for CoreConditions {
    fn from(c: Conditions) -> Self {
        CoreConditions { dementia: c.dementia, psychiatric_disorder: c.psychiatric_disorder, risk_events_30d: c.risk_events_30d }
    }
}

impl From<CoreConditions> for Conditions {
    fn from(c: CoreConditions) -> Self {
        Conditions { dementia: c.dementia, psychiatric_disorder: c.psychiatric_disorder, risk_events_30d: c.risk_events_30d }
    }
}

/// The result of a score sheet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Evaluation {
    /// 0 to 90, higher is more capable.
    pub total: u32,
    pub level: CapabilityLevel,
    /// Per dimension, in the order of `Dimension`.
    pub dimension_totals: Vec<u32>,
}

/// An assessment as recorded.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Assessment {
    pub id: String,
    pub senior_id: String,
    pub assessor: String,
    /// "2026-11-20".
    pub date: String,
    /// One score per item of `assessmentItems()`, in order.
    pub scores: Vec<u32>,
    pub conditions: Conditions,
    pub total: u32,
    pub level: CapabilityLevel,
}

impl From<CoreAssessment> for Assessment {
    fn from(a: CoreAssessment) -> Self {
        Assessment {
            id: a.id,
            senior_id: a.senior_id,
            assessor: a.assessor,
            date: date_string(a.date),
            scores: a.scores.into_iter().map(u32::from).collect(),
            conditions: a.conditions.into(),
            total: a.total,
            level: a.level.into(),
        }
    }
}

/// Scores as the core keeps them (0-255); anything larger is over every item's maximum.
fn score_sheet(scores: &[u32]) -> carecircle_core::Result<Vec<u8>> {
    scores.iter().map(|s| u8::try_from(*s).map_err(|_| carecircle_core::Error::invalid("scores", format!("{s} is over every item's maximum")))).collect()
}

/// The 26 items of the GB/T 42195-2022 scale, in the standard's order (a score sheet lists
/// one score per item in this order).
#[uniffi::export]
pub fn assessment_items() -> Vec<AssessmentItem> {
    ITEMS.iter().map(|i| AssessmentItem { code: i.code.into(), chinese: i.chinese.into(), dimension: i.dimension.into(), max: u32::from(i.max) }).collect()
}

/// The total, level and dimension totals of a score sheet, without recording it.
/// Fails with `CareCircleError.InvalidInput` for a wrong count or a score over its item's maximum.
#[uniffi::export]
pub fn evaluate_assessment(scores: Vec<u32>, conditions: Conditions) -> Result<Evaluation, CareCircleError> {
    let scores = score_sheet(&scores)?;
    let (total, level) = carecircle_core::assessment::evaluate(&scores, conditions.into())?;
    Ok(Evaluation { total, level: level.into(), dimension_totals: carecircle_core::assessment::dimension_totals(&scores).to_vec() })
}

/// Reads an actor from its label: "senior:S1", "family:F1", "caregiver:C1",
/// "operator:ZH-CS-001", "district", "system".
#[uniffi::export]
pub fn parse_actor(label: String) -> Result<Actor, CareCircleError> {
    Ok(CoreActor::parse(&label)?.into())
}

#[uniffi::export]
impl CareCircle {
    /// Adds or updates seniors in one transaction; their homes are given in `crs`. A bad
    /// record refuses the whole batch, naming the problem.
    pub fn put_seniors(&self, seniors: Vec<Senior>, crs: Crs) -> Result<(), CareCircleError> {
        let seniors = seniors.iter().map(|s| s.to_core(crs)).collect::<carecircle_core::Result<Vec<_>>>()?;
        Ok(self.inner.put_seniors(&seniors)?)
    }

    /// A senior's record (as stored on this device).
    pub fn senior(&self, id: String) -> Result<Senior, CareCircleError> {
        Ok(self.inner.senior(&id)?.into())
    }

    /// A senior's record if `actor` may see it (else `NotFound`); caregivers see the seniors
    /// of visits offered to them.
    pub fn senior_for(&self, actor: Actor, id: String) -> Result<Senior, CareCircleError> {
        Ok(self.inner.senior_for(&actor.core(), &id)?.into())
    }

    /// Every senior on this device, by id.
    pub fn seniors(&self) -> Result<Vec<Senior>, CareCircleError> {
        Ok(self.inner.seniors()?.into_iter().map(Into::into).collect())
    }

    /// Adds or updates a family member: the member themself, a senior or station adding a new
    /// member (or one linked to a senior they act for), or the district.
    pub fn put_family_member(&self, actor: Actor, member: FamilyMember) -> Result<(), CareCircleError> {
        Ok(self.inner.put_family_member_as(&actor.core(), &member.into())?)
    }

    /// Links a family member to a senior, or changes what the senior lets them do: the senior,
    /// the senior's station or the district (a family member cannot grant themself anything).
    pub fn link_family(&self, actor: Actor, link: FamilyLink) -> Result<(), CareCircleError> {
        Ok(self.inner.link_family_as(&actor.core(), &link.into())?)
    }

    /// A senior's family members and what each may do.
    pub fn family_links(&self, senior_id: String) -> Result<Vec<FamilyLink>, CareCircleError> {
        Ok(self.inner.family_links(&senior_id)?.into_iter().map(Into::into).collect())
    }

    /// Adds or updates caregivers in one transaction; their bases are given in `crs`.
    pub fn put_caregivers(&self, caregivers: Vec<Caregiver>, crs: Crs) -> Result<(), CareCircleError> {
        let caregivers = caregivers.iter().map(|c| c.to_core(crs)).collect::<carecircle_core::Result<Vec<_>>>()?;
        Ok(self.inner.put_caregivers(&caregivers)?)
    }

    pub fn caregiver(&self, id: String) -> Result<Caregiver, CareCircleError> {
        Ok(self.inner.caregiver(&id)?.into())
    }

    pub fn caregiver_count(&self) -> u64 {
        self.inner.caregiver_count() as u64
    }

    /// Up to `k` caregivers whose service area reaches the position (given in `crs`) and who
    /// offer `service`, nearest first.
    pub fn caregivers_near(&self, lat: f64, lon: f64, crs: Crs, service: Service, k: u32) -> Result<Vec<Caregiver>, CareCircleError> {
        let at = wgs84(lat, lon, crs)?;
        Ok(self.inner.caregivers_near(at, service.into(), k.min(1000) as usize).into_iter().map(Into::into).collect())
    }

    /// Records an assessment of 26 item scores (see `assessmentItems`) on `date`
    /// ("2026-11-20", not in the future); the latest by date is the one eligibility reads.
    /// The district or the senior's station records it; on a phone it travels to the platform.
    pub fn record_assessment(&self, actor: Actor, senior_id: String, assessor: String, date: String, scores: Vec<u32>, conditions: Conditions) -> Result<Assessment, CareCircleError> {
        let day = crate::time::date(&date)?;
        let scores = score_sheet(&scores)?;
        Ok(self.inner.record_assessment(&actor.core(), &senior_id, &assessor, day, &scores, conditions.into())?.into())
    }

    /// A senior's latest assessment, if any.
    pub fn latest_assessment(&self, senior_id: String) -> Result<Option<Assessment>, CareCircleError> {
        Ok(self.inner.latest_assessment(&senior_id)?.map(Into::into))
    }
}
