//! People: seniors, their family members (with what each senior lets them do), caregivers,
//! and the actors on whose behalf a change is made.

use crate::carecircle::CareCircle;
use crate::clock::parse_date;
use crate::event::EventKind;
use crate::error::{Error, Result, RowProblem};
use crate::facility::{ServiceSet, check_id, truncate, MAX_TEXT_LEN};
use crate::hours::WeeklyHours;
use crate::position::Position;
use crate::spatial::SphereIndex;
use chrono::{Datelike, NaiveDate};
use crate::args;
use crate::db::{Row, Sql, SqlExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

impl std::str::FromStr for Gender {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "female" | "f" | "女" => Ok(Gender::Female),
            "male" | "m" | "男" => Ok(Gender::Male),
            _ => Err(Error::invalid("gender", "expected female or male")),
        }
    }
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Senior {
    pub id: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    /// Home, WGS-84.
    pub home: Position,
    pub address: String,
    pub lives_alone: bool,
    pub phone: String,
    /// The station that serves this senior, if assigned.
    pub station_id: Option<String>,
    /// 12-digit division code of the senior's village or community.
    pub division: String,
}

impl Senior {
    /// Age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        age_on(self.birth_date, day)
    }

    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        check_id(&self.id, &mut out);
        check_name(&self.name, &mut out);
        if self.birth_date.year() < 1880 || self.birth_date > chrono::Utc::now().date_naive() {
            out.push("birth date is not plausible".into());
        }
        if let Err(e) = Position::new(self.home.lat, self.home.lon) {
            out.push(e.to_string());
        }
        for (field, v) in [("address", &self.address), ("phone", &self.phone)] {
            if v.chars().count() > MAX_TEXT_LEN {
                out.push(format!("{field} is longer than {MAX_TEXT_LEN} characters"));
            }
        }
        out
    }
}

/// Age in whole years on `day` of someone born on `birth`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

fn check_name(name: &str, out: &mut Vec<String>) {
    if name.trim().is_empty() {
        out.push("name is missing".into());
    } else if name.chars().count() > MAX_TEXT_LEN {
        out.push(format!("name is longer than {MAX_TEXT_LEN} characters"));
    }
}

fn first_problem(what: &'static str, problems: Vec<String>) -> Result<()> {
    match problems.into_iter().next() {
        None => Ok(()),
        Some(p) => Err(Error::invalid(what, p)),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyMember {
    pub id: String,
    pub name: String,
    pub phone: String,
}

/// What a senior lets one family member do. Booking and seeing visits do not open the more
/// sensitive records: health, location and money are each their own consent (PIPL's separate
/// consent for sensitive personal information).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FamilyPermissions {
    pub can_book: bool,
    pub can_see_visits: bool,
    pub receives_alerts: bool,
    /// Health records: capability assessments, family-doctor contracts, health checks.
    #[serde(default)]
    pub sees_health: bool,
    /// Where visits were checked in and out (the caregivers' positions at the door).
    #[serde(default)]
    pub sees_location: bool,
    /// Money: monthly statements of government-paid hours, subsidy applications.
    #[serde(default)]
    pub sees_money: bool,
}

/// The columns of [`FamilyPermissions`] in `family_link` and `family_link_proposal`, in order.
pub(crate) const PERMISSION_COLUMNS: &str = "can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money";

impl FamilyPermissions {
    /// Every consent: for the platform's own demo and tests.
    pub const ALL: FamilyPermissions = FamilyPermissions { can_book: true, can_see_visits: true, receives_alerts: true, sees_health: true, sees_location: true, sees_money: true };

    /// Reads [`PERMISSION_COLUMNS`] from `r`, starting at column `at`.
    pub(crate) fn from_row(r: &Row, at: usize) -> Result<FamilyPermissions> {
        Ok(FamilyPermissions {
            can_book: r.get(at)?,
            can_see_visits: r.get(at + 1)?,
            receives_alerts: r.get(at + 2)?,
            sees_health: r.get(at + 3)?,
            sees_location: r.get(at + 4)?,
            sees_money: r.get(at + 5)?,
        })
    }
}

/// A family link waiting for the other side's consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyLinkProposal {
    pub link: FamilyLink,
    /// Who proposed it, as "senior:S1".
    pub proposed_by: String,
    /// Asked by the family member (to be accepted by the senior's side), or the other way round.
    pub from_family: bool,
    pub at: chrono::DateTime<chrono::Utc>,
}

const PROPOSAL_COLUMNS: &str = "senior_id, family_id, relation, can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money, proposed_by, from_family, at";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyLink {
    pub senior_id: String,
    pub family_id: String,
    /// 子女, 配偶, ... in the family's own words.
    pub relation: String,
    pub permissions: FamilyPermissions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caregiver {
    pub id: String,
    pub name: String,
    pub organisation: String,
    pub station_id: Option<String>,
    pub skills: ServiceSet,
    /// Where visits start from, WGS-84.
    pub base: Position,
    /// How far from the base this caregiver travels, metres on the sphere.
    pub radius_m: f64,
    /// Weekly availability, Asia/Shanghai.
    pub availability: WeeklyHours,
}

impl Caregiver {
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        check_id(&self.id, &mut out);
        check_name(&self.name, &mut out);
        if !(self.radius_m.is_finite() && self.radius_m > 0.0 && self.radius_m <= 100_000.0) {
            out.push("service radius must be between 0 and 100000 m".into());
        }
        if let Err(e) = Position::new(self.base.lat, self.base.lon) {
            out.push(e.to_string());
        }
        if self.organisation.chars().count() > MAX_TEXT_LEN {
            out.push(format!("organisation is longer than {MAX_TEXT_LEN} characters"));
        }
        out
    }
}

/// On whose behalf a change is made; the rules check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Senior(String),
    Family(String),
    Caregiver(String),
    /// A station operator, by station id.
    Operator(String),
    /// A township (street) centre's operator, by the township's division code (9 digits, e.g.
    /// 330211001): sees and runs every station in the township and the seniors living there.
    Township(String),
    /// The district platform's administrators.
    District,
    /// CareCircle itself: matching, expiry sweeps.
    System,
}

impl Actor {
    /// "senior:ZH-S-000001", the form stored and shown.
    pub fn label(&self) -> String {
        match self {
            Actor::Senior(id) => format!("senior:{id}"),
            Actor::Family(id) => format!("family:{id}"),
            Actor::Caregiver(id) => format!("caregiver:{id}"),
            Actor::Operator(id) => format!("operator:{id}"),
            Actor::Township(code) => format!("township:{code}"),
            Actor::District => "district".into(),
            Actor::System => "system".into(),
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        let (role, id) = s.split_once(':').unwrap_or((s, ""));
        let id = id.trim().to_string();
        let need_id = |a: fn(String) -> Actor| if id.is_empty() { Err(Error::invalid("actor", "expected role:id, e.g. family:F1")) } else { Ok(a(id.clone())) };
        match role.trim() {
            "senior" => need_id(Actor::Senior),
            "family" => need_id(Actor::Family),
            "caregiver" => need_id(Actor::Caregiver),
            "operator" => need_id(Actor::Operator),
            "township" if id.len() == 9 && id.bytes().all(|b| b.is_ascii_digit()) => Ok(Actor::Township(id)),
            "township" => Err(Error::invalid("actor", "a township is its 9-digit division code, e.g. township:330211001")),
            "district" => Ok(Actor::District),
            "system" => Ok(Actor::System),
            _ => Err(Error::invalid("actor", "role must be senior, family, caregiver, operator, township, district or system")),
        }
    }
}

/// Caregivers in memory with an R-tree over their bases, for matching.
pub(crate) struct CaregiverTable {
    index: SphereIndex,
    pub slots: Vec<Option<Caregiver>>,
    by_id: HashMap<String, u32>,
}

impl CaregiverTable {
    pub fn load(sql: &dyn Sql) -> Result<Self> {
        let rows = sql.query(&format!("SELECT {CAREGIVER_COLUMNS} FROM caregiver ORDER BY id"), &[])?;
        let slots: Vec<Option<Caregiver>> = rows.iter().map(|r| caregiver_from_row(r).map(Some)).collect::<Result<_>>()?;
        let index = SphereIndex::bulk_load(1, slots.iter().enumerate().map(|(i, c)| (0, c.as_ref().expect("loaded").base.unit_vector(), i as u32)));
        let by_id = slots.iter().enumerate().map(|(i, c)| (c.as_ref().expect("loaded").id.clone(), i as u32)).collect();
        Ok(CaregiverTable { index, slots, by_id })
    }

    fn put(&mut self, c: Caregiver) {
        if let Some(&i) = self.by_id.get(&c.id) {
            let old = self.slots[i as usize].take().expect("live slot");
            self.index.remove(0, old.base.unit_vector(), i);
            self.index.insert(0, c.base.unit_vector(), i);
            self.slots[i as usize] = Some(c);
        } else {
            let i = self.slots.len() as u32;
            self.index.insert(0, c.base.unit_vector(), i);
            self.by_id.insert(c.id.clone(), i);
            self.slots.push(Some(c));
        }
    }

    pub fn get(&self, id: &str) -> Option<&Caregiver> {
        self.by_id.get(id).and_then(|&i| self.slots[i as usize].as_ref())
    }

    /// Caregivers nearest to `at` first, up to `k`, that `accept` admits and whose
    /// service radius reaches `at`.
    pub fn nearest_reaching(&self, at: Position, k: usize, accept: impl Fn(&Caregiver) -> bool) -> Vec<&Caregiver> {
        let hits = self.index.nearest(&[0], at.unit_vector(), k, 4.0, |i| {
            let c = self.slots[i as usize].as_ref().expect("live slot");
            c.base.distance_m(at) <= c.radius_m && accept(c)
        });
        hits.into_iter().map(|h| self.slots[h.slot as usize].as_ref().expect("live slot")).collect()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}

const SENIOR_COLUMNS: &str = "id, name, birth_date, gender, lat, lon, address, lives_alone, phone, station_id, division";
const CAREGIVER_COLUMNS: &str = "id, name, organisation, station_id, skills, lat, lon, radius_m, availability";

fn senior_from_row(r: &Row) -> Result<Senior> {
    let birth: String = r.get(2)?;
    let gender: String = r.get(3)?;
    Ok(Senior {
        id: r.get(0)?,
        name: r.get(1)?,
        birth_date: parse_date(&birth)?,
        gender: gender.parse()?,
        home: Position::new(r.get(4)?, r.get(5)?)?,
        address: r.get(6)?,
        lives_alone: r.get(7)?,
        phone: r.get(8)?,
        station_id: r.get(9)?,
        division: r.get(10)?,
    })
}

fn caregiver_from_row(r: &Row) -> Result<Caregiver> {
    let skills: String = r.get(4)?;
    let availability: String = r.get(8)?;
    Ok(Caregiver {
        id: r.get(0)?,
        name: r.get(1)?,
        organisation: r.get(2)?,
        station_id: r.get(3)?,
        skills: ServiceSet::parse_list(&skills)?,
        base: Position::new(r.get(5)?, r.get(6)?)?,
        radius_m: r.get(7)?,
        availability: WeeklyHours::parse(&availability)?,
    })
}

fn write_senior(sql: &dyn Sql, s: &Senior) -> Result<()> {
    sql.execute(&format!(
        "INSERT INTO senior ({SENIOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, birth_date = excluded.birth_date, gender = excluded.gender,
           lat = excluded.lat, lon = excluded.lon, address = excluded.address, lives_alone = excluded.lives_alone,
           phone = excluded.phone, station_id = excluded.station_id, division = excluded.division"
    ),
    args![
        s.id,
        s.name,
        s.birth_date.to_string(),
        s.gender.code(),
        s.home.lat,
        s.home.lon,
        s.address,
        s.lives_alone,
        s.phone,
        s.station_id,
        s.division
    ])?;
    Ok(())
}

fn write_caregiver(sql: &dyn Sql, c: &Caregiver) -> Result<()> {
    let skills: Vec<&str> = c.skills.iter().map(|s| s.code()).collect();
    sql.execute(&format!(
        "INSERT INTO caregiver ({CAREGIVER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, organisation = excluded.organisation, station_id = excluded.station_id,
           skills = excluded.skills, lat = excluded.lat, lon = excluded.lon, radius_m = excluded.radius_m, availability = excluded.availability"
    ),
    args![c.id, c.name, c.organisation, c.station_id, skills.join(","), c.base.lat, c.base.lon, c.radius_m, c.availability.to_string()])?;
    Ok(())
}

impl CareCircle {
    pub fn put_seniors(&self, seniors: &[Senior]) -> Result<()> {
        for s in seniors {
            first_problem("senior", s.problems())?;
        }
        self.store.write(|tx| {
            seniors.iter().try_for_each(|s| write_senior(tx, s))?;
            crate::sync::log_changes(self, tx, seniors.iter().map(|s| crate::sync::Change::senior(&s.id)).collect())
        })
    }

    pub fn senior(&self, id: &str) -> Result<Senior> {
        self.store.read(|sql| senior_in(sql, id))
    }

    pub fn seniors(&self) -> Result<Vec<Senior>> {
        let rows = self.store.read(|sql| sql.query(&format!("SELECT {SENIOR_COLUMNS} FROM senior ORDER BY id"), &[]))?;
        rows.iter().map(senior_from_row).collect()
    }

    /// Adds or updates a family member's record (as the platform; see [`CareCircle::put_family_member_as`]).
    pub fn put_family_member(&self, f: &FamilyMember) -> Result<()> {
        self.put_family_member_as(&Actor::System, f)
    }

    /// Adds or updates a family member's record: the member themself, a senior or station adding a
    /// new member (or one linked to a senior they act for), or the district.
    pub fn put_family_member_as(&self, actor: &Actor, f: &FamilyMember) -> Result<()> {
        self.write(|tx, em| {
            self.put_family_member_in(tx, em, actor, f)?;
            em.record(actor, crate::sync::Command::PutFamilyMember { member: f.clone() });
            Ok(())
        })
    }

    pub(crate) fn put_family_member_in(&self, tx: &dyn Sql, em: &mut crate::event::Emitter, actor: &Actor, f: &FamilyMember) -> Result<()> {
        let mut problems = Vec::new();
        check_id(&f.id, &mut problems);
        check_name(&f.name, &mut problems);
        if f.phone.chars().count() > MAX_TEXT_LEN {
            problems.push(format!("phone is longer than {MAX_TEXT_LEN} characters"));
        }
        first_problem("family member", problems)?;
        let allowed = match actor {
            Actor::Family(id) => *id == f.id,
            Actor::District | Actor::System => true,
            // A senior or station may add a new family member (to propose a link to), never
            // rewrite someone's existing record: their name and phone are their own.
            Actor::Senior(_) | Actor::Operator(_) | Actor::Township(_) => !tx.exists("SELECT 1 FROM family_member WHERE id = ?1", args![f.id])?,
            Actor::Caregiver(_) => false,
        };
        if !allowed {
            return Err(Error::Forbidden(format!("{} may not edit family member {}", actor.label(), truncate(&f.id, 64))));
        }
        tx.execute(
            "INSERT INTO family_member (id, name, phone) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone",
            args![f.id, f.name, f.phone],
        )?;
        em.changed(crate::sync::Change::family_member(&f.id));
        Ok(())
    }

    /// Links a family member to a senior, or changes what the senior lets them do (as the platform;
    /// see [`CareCircle::link_family_as`]).
    pub fn link_family(&self, link: &FamilyLink) -> Result<()> {
        self.link_family_as(&Actor::System, link)
    }

    /// Links a senior and a family member, with consent on both sides. The senior's side (the
    /// senior, her station's operator or the district) says what the family member may do; the
    /// family member consents to being linked. Whichever side asks first makes a proposal; the
    /// same call from the other side accepts it and makes the link active, with the permissions
    /// the senior's side gave. On an active link the senior's side changes permissions at once;
    /// a family member never grants themself anything. The platform's own imports (`System`,
    /// e.g. a registration desk with the paper consent of both) link at once.
    pub fn link_family_as(&self, actor: &Actor, link: &FamilyLink) -> Result<()> {
        self.write(|tx, em| {
            self.link_family_in(tx, em, actor, link)?;
            em.record(actor, crate::sync::Command::LinkFamily { link: link.clone() });
            Ok(())
        })
    }

    pub(crate) fn link_family_in(&self, tx: &dyn Sql, em: &mut crate::event::Emitter, actor: &Actor, link: &FamilyLink) -> Result<()> {
        if link.relation.chars().count() > 64 {
            return Err(Error::invalid("relation", "longer than 64 characters"));
        }
        let senior = senior_in(tx, &link.senior_id)?;
        let from_family = match actor {
            Actor::Family(me) if *me == link.family_id => true,
            Actor::Family(_) | Actor::Caregiver(_) => return Err(Error::Forbidden(format!("{} may not link family members", actor.label()))),
            Actor::System => false,
            _ => {
                may_act_for(tx, actor, &senior, |_| false, "link family members")?;
                false
            }
        };
        if !tx.exists("SELECT 1 FROM family_member WHERE id = ?1", args![link.family_id])? {
            return Err(Error::not_found("family member", truncate(&link.family_id, 64)));
        }
        let active = tx.exists("SELECT 1 FROM family_link WHERE senior_id = ?1 AND family_id = ?2", args![link.senior_id, link.family_id])?;
        let proposal = tx.one("SELECT from_family FROM family_link_proposal WHERE senior_id = ?1 AND family_id = ?2", args![link.senior_id, link.family_id])?;
        let pending_from_family: Option<bool> = proposal.map(|r| r.get(0)).transpose()?;
        let activate = |tx: &dyn Sql, em: &mut crate::event::Emitter, p: FamilyPermissions, relation: &str| -> Result<()> {
            tx.execute(
                "INSERT INTO family_link (senior_id, family_id, relation, can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(senior_id, family_id) DO UPDATE SET relation = excluded.relation, can_book = excluded.can_book,
                   can_see_visits = excluded.can_see_visits, receives_alerts = excluded.receives_alerts, sees_health = excluded.sees_health,
                   sees_location = excluded.sees_location, sees_money = excluded.sees_money",
                args![link.senior_id, link.family_id, relation, p.can_book, p.can_see_visits, p.receives_alerts, p.sees_health, p.sees_location, p.sees_money],
            )?;
            tx.execute("DELETE FROM family_link_proposal WHERE senior_id = ?1 AND family_id = ?2", args![link.senior_id, link.family_id])?;
            em.changed(crate::sync::Change::family_link(&link.senior_id, &link.family_id));
            Ok(())
        };
        match (matches!(actor, Actor::System), from_family, active, pending_from_family) {
            // The platform's own import, or the senior's side changing an active link's grants.
            (true, _, _, _) | (false, false, true, _) => activate(tx, em, link.permissions, &link.relation),
            (false, true, true, _) => Err(Error::Forbidden("a family member cannot change what they may do".into())),
            // The family member accepts the senior's side's proposal, with the grants it made.
            (false, true, false, Some(false)) => {
                let r = tx
                    .one(&format!("SELECT relation, {PERMISSION_COLUMNS} FROM family_link_proposal WHERE senior_id = ?1 AND family_id = ?2"), args![link.senior_id, link.family_id])?
                    .ok_or_else(|| Error::not_found("family link proposal", link.family_id.clone()))?;
                let p = FamilyPermissions::from_row(&r, 1)?;
                activate(tx, em, p, &r.get::<String>(0)?)?;
                em.emit(tx, EventKind::FamilyLinkAccepted, &link.family_id, &link.senior_id, Some(&link.family_id), "by=family")
            }
            // The senior's side accepts the family member's request, granting what it says now.
            (false, false, false, Some(true)) => {
                activate(tx, em, link.permissions, &link.relation)?;
                em.emit(tx, EventKind::FamilyLinkAccepted, &link.family_id, &link.senior_id, Some(&link.family_id), "by=senior")
            }
            // A new proposal (or a renewed one from the same side).
            (false, _, false, _) => {
                let p = if from_family { FamilyPermissions::default() } else { link.permissions };
                tx.execute(
                    "INSERT INTO family_link_proposal (senior_id, family_id, relation, can_book, can_see_visits, receives_alerts, sees_health, sees_location, sees_money, proposed_by, from_family, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT(senior_id, family_id) DO UPDATE SET relation = excluded.relation, can_book = excluded.can_book, can_see_visits = excluded.can_see_visits,
                       receives_alerts = excluded.receives_alerts, sees_health = excluded.sees_health, sees_location = excluded.sees_location, sees_money = excluded.sees_money,
                       proposed_by = excluded.proposed_by, from_family = excluded.from_family, at = excluded.at",
                    args![link.senior_id, link.family_id, link.relation, p.can_book, p.can_see_visits, p.receives_alerts, p.sees_health, p.sees_location, p.sees_money, actor.label(), from_family, em.at],
                )?;
                // Told to the other side: the family member, or the senior's station.
                let party = if from_family { senior.station_id.clone() } else { Some(link.family_id.clone()) };
                em.emit(tx, EventKind::FamilyLinkProposed, &link.family_id, &link.senior_id, party.as_deref(), format!("from={}", if from_family { "family" } else { "senior" }))
            }
        }
    }

    /// Family links waiting for the other side's consent that concern `actor`: those proposed
    /// to a family member, or to a senior's side.
    pub fn family_link_proposals(&self, actor: &Actor) -> Result<Vec<FamilyLinkProposal>> {
        let rows = self.store.read(|sql| match actor {
            Actor::Family(me) => sql.query(&format!("SELECT {PROPOSAL_COLUMNS} FROM family_link_proposal WHERE family_id = ?1 ORDER BY at"), args![me]),
            Actor::Senior(me) => sql.query(&format!("SELECT {PROPOSAL_COLUMNS} FROM family_link_proposal WHERE senior_id = ?1 ORDER BY at"), args![me]),
            Actor::Operator(station) => sql.query(
                &format!("SELECT {PROPOSAL_COLUMNS} FROM family_link_proposal WHERE senior_id IN (SELECT id FROM senior WHERE station_id = ?1) ORDER BY at"),
                args![station],
            ),
            Actor::Township(code) => sql.query(
                &format!("SELECT {PROPOSAL_COLUMNS} FROM family_link_proposal WHERE senior_id IN (SELECT id FROM senior WHERE division LIKE ?1) ORDER BY at"),
                args![format!("{code}%")],
            ),
            Actor::District | Actor::System => sql.query(&format!("SELECT {PROPOSAL_COLUMNS} FROM family_link_proposal ORDER BY at"), &[]),
            Actor::Caregiver(_) => Ok(Vec::new()),
        })?;
        rows.iter()
            .map(|r| {
                Ok(FamilyLinkProposal {
                    link: FamilyLink {
                        senior_id: r.get(0)?,
                        family_id: r.get(1)?,
                        relation: r.get(2)?,
                        permissions: FamilyPermissions::from_row(r, 3)?,
                    },
                    proposed_by: r.get(9)?,
                    from_family: r.get(10)?,
                    at: r.get(11)?,
                })
            })
            .collect()
    }

    /// A senior's family links, for herself and those who see her records.
    pub fn family_links_for(&self, actor: &Actor, senior_id: &str) -> Result<Vec<FamilyLink>> {
        self.store.read(|sql| {
            if !matches!(actor, Actor::Senior(me) if me == senior_id) && !crate::sync::server::sees_senior(sql, actor, senior_id)? {
                return Err(Error::not_found("senior", truncate(senior_id, 64)));
            }
            family_links_in(sql, senior_id)
        })
    }

    pub fn family_links(&self, senior_id: &str) -> Result<Vec<FamilyLink>> {
        self.store.read(|sql| family_links_in(sql, senior_id))
    }

    pub fn put_caregivers(&self, caregivers: &[Caregiver]) -> Result<()> {
        for c in caregivers {
            first_problem("caregiver", c.problems())?;
        }
        let version = self.store.write(|tx| {
            caregivers.iter().try_for_each(|c| write_caregiver(tx, c))?;
            crate::sync::log_changes(self, tx, caregivers.iter().map(|c| crate::sync::Change::caregiver(&c.id)).collect())?;
            crate::freshness::bump(tx, crate::freshness::CAREGIVERS)
        })?;
        let mut table = self.caregivers_mut();
        for c in caregivers {
            table.put(c.clone());
        }
        self.freshness.applied(crate::freshness::CAREGIVERS, version);
        Ok(())
    }

    pub fn caregiver_count(&self) -> usize {
        self.refresh_indexes_if_due();
        self.caregivers().len()
    }

    pub fn caregiver(&self, id: &str) -> Result<Caregiver> {
        self.refresh_indexes_if_due();
        self.caregivers().get(id).cloned().ok_or_else(|| Error::not_found("caregiver", truncate(id, 64)))
    }
}

pub(crate) fn senior_in(sql: &dyn Sql, id: &str) -> Result<Senior> {
    let row = sql.one(&format!("SELECT {SENIOR_COLUMNS} FROM senior WHERE id = ?1"), args![id])?;
    senior_from_row(&row.ok_or_else(|| Error::not_found("senior", truncate(id, 64)))?)
}

pub(crate) fn family_links_in(sql: &dyn Sql, senior_id: &str) -> Result<Vec<FamilyLink>> {
    let rows = sql.query(
        &format!("SELECT senior_id, family_id, relation, {PERMISSION_COLUMNS} FROM family_link WHERE senior_id = ?1 ORDER BY family_id"),
        args![senior_id],
    )?;
    rows.iter()
        .map(|r| {
            Ok(FamilyLink {
                senior_id: r.get(0)?,
                family_id: r.get(1)?,
                relation: r.get(2)?,
                permissions: FamilyPermissions::from_row(r, 3)?,
            })
        })
        .collect()
}

/// What the senior `senior_id` lets the family member `family_id` do (`None`: no link).
pub(crate) fn family_grants(sql: &dyn Sql, senior_id: &str, family_id: &str) -> Result<Option<FamilyPermissions>> {
    let row = sql.one(&format!("SELECT {PERMISSION_COLUMNS} FROM family_link WHERE senior_id = ?1 AND family_id = ?2"), args![senior_id, family_id])?;
    row.map(|r| FamilyPermissions::from_row(&r, 0)).transpose()
}

/// Is where the senior's visits were checked in and out withheld from `actor`? Only from a family
/// member without the location consent; everyone else who sees the visit sees its positions.
pub(crate) fn location_withheld(sql: &dyn Sql, actor: &Actor, senior_id: &str) -> Result<bool> {
    match actor {
        Actor::Family(f) => Ok(!family_grants(sql, senior_id, f)?.is_some_and(|p| p.sees_location)),
        _ => Ok(false),
    }
}

/// Does `actor` oversee `senior` as staff: her station's operator, the centre of the township
/// she lives in, or the district? The one place the three levels' scope over seniors is read.
pub(crate) fn oversees(actor: &Actor, senior: &Senior) -> bool {
    match actor {
        Actor::Operator(station) => senior.station_id.as_deref() == Some(station.as_str()),
        Actor::Township(code) => senior.division.starts_with(code.as_str()),
        Actor::District | Actor::System => true,
        _ => false,
    }
}

/// Does `actor` run the station (or canteen, rental point) `facility_id`: its operator, the
/// centre of the township it lies in, or the district?
pub(crate) fn runs_facility(sql: &dyn Sql, actor: &Actor, facility_id: &str) -> Result<bool> {
    Ok(match actor {
        Actor::Operator(station) => station == facility_id,
        Actor::Township(code) => sql.exists("SELECT 1 FROM facility WHERE id = ?1 AND division LIKE ?2", args![facility_id, format!("{code}%")])?,
        Actor::District | Actor::System => true,
        _ => false,
    })
}

/// What `actor` may do for `senior`: the one place family permissions and operator scope are read.
pub(crate) fn may_act_for(conn: &dyn Sql, actor: &Actor, senior: &Senior, need: fn(&FamilyPermissions) -> bool, action: &str) -> Result<()> {
    let allowed = match actor {
        Actor::Senior(id) => *id == senior.id,
        Actor::Family(id) => family_links_in(conn, &senior.id)?.iter().any(|l| l.family_id == *id && need(&l.permissions)),
        Actor::Operator(_) | Actor::Township(_) | Actor::District | Actor::System => oversees(actor, senior),
        Actor::Caregiver(_) => false,
    };
    if allowed { Ok(()) } else { Err(Error::Forbidden(format!("{} may not {action} for senior {}", actor.label(), senior.id))) }
}

/// Reads seniors from the demo homes CSV (`senior_id,name,gender,birth_date,lives_alone,lat,lon,division,address,phone`).
/// The station is the nearest community station, set by the caller if wanted.
pub fn parse_seniors_csv(text: &str) -> Result<Vec<Senior>> {
    parse_rows(text, &["senior_id", "name", "gender", "birth_date", "lives_alone", "lat", "lon"], |row| {
        Ok(Senior {
            id: row.get("senior_id").to_string(),
            name: row.get("name").to_string(),
            birth_date: parse_date(row.get("birth_date"))?,
            gender: row.get("gender").parse()?,
            home: Position::new(row.get("lat").parse().unwrap_or(f64::NAN), row.get("lon").parse().unwrap_or(f64::NAN))?,
            address: row.get("address").to_string(),
            lives_alone: parse_bool(row.get("lives_alone"))?,
            phone: row.get("phone").to_string(),
            station_id: None,
            division: row.get("division").to_string(),
        })
    })
}

/// Reads caregivers (`caregiver_id,name,organisation,station_id,skills,lat,lon,radius_m,availability`).
pub fn parse_caregivers_csv(text: &str) -> Result<Vec<Caregiver>> {
    parse_rows(text, &["caregiver_id", "name", "skills", "lat", "lon", "radius_m"], |row| {
        Ok(Caregiver {
            id: row.get("caregiver_id").to_string(),
            name: row.get("name").to_string(),
            organisation: row.get("organisation").to_string(),
            station_id: Some(row.get("station_id").to_string()).filter(|s| !s.is_empty()),
            skills: ServiceSet::parse_list(row.get("skills"))?,
            base: Position::new(row.get("lat").parse().unwrap_or(f64::NAN), row.get("lon").parse().unwrap_or(f64::NAN))?,
            radius_m: row.get("radius_m").parse().map_err(|_| Error::invalid("radius_m", "not a number"))?,
            availability: WeeklyHours::parse(row.get("availability"))?,
        })
    })
}

fn parse_bool(s: &str) -> Result<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" | "" => Ok(false),
        _ => Err(Error::invalid("flag", "expected true or false")),
    }
}

/// Reads a CSV, mapping each row with `make`; every bad row is collected and the file rejected whole.
/// One CSV row, read by column name.
struct Fields<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Fields<'_> {
    fn get(&self, column: &str) -> &str {
        self.headers.iter().position(|h| h == column).and_then(|i| self.record.get(i)).unwrap_or("")
    }
}

fn parse_rows<T>(text: &str, required: &[&str], make: impl Fn(&Fields<'_>) -> Result<T>) -> Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::invalid("file", format!("header row unreadable: {e}")))?.clone();
    let missing: Vec<&str> = required.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
    if !missing.is_empty() {
        return Err(Error::invalid("file", format!("header row lacks column(s): {}", missing.join(", "))));
    }
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let (line, result) = match record {
            Ok(record) => (record.position().map_or(0, |p| p.line()), make(&Fields { headers: &headers, record: &record })),
            Err(e) => (e.position().map_or(0, |p| p.line()), Err(Error::invalid("row", e.to_string()))),
        };
        match result {
            Ok(v) => out.push(v),
            Err(e) => problems.push(RowProblem { location: format!("line {line}"), problem: e.to_string() }),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Error::ImportRejected { problems }) }
}
