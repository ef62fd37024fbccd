//! Capability assessment of older adults after GB/T 42195-2022 《老年人能力评估规范》.
//!
//! Four dimensions, 26 items, a total of 0-90 where higher is more capable:
//! self-care (自理能力, 8 items), basic motor ability (基础运动能力, 4), mental state
//! (精神状态, 9) and perception and social participation (感知觉与社会参与, 5).
//! The total gives the level: 90 能力完好, 66-89 轻度失能, 46-65 中度失能, 30-45 重度失能,
//! 0-29 完全失能. Coma (意识水平 昏迷) gives 完全失能 directly; diagnosed dementia, another
//! diagnosed psychiatric disorder, or two or more care-risk events (falls, choking,
//! self-harm, wandering) in the last 30 days raise the level by one step.
//!
//! The item maxima below are our reading of the standard's scoring form. We could not check
//! them against the standard's text here; they are kept in one table (`ITEMS`) so that a
//! correction is one edit, and they sum to the standard's 90.

use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::args;
use crate::db::{Sql, SqlExt};
use crate::event::Emitter;
use crate::person::{Actor, senior_in};
use crate::sync::Command;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    SelfCare,
    BasicMotor,
    MentalState,
    PerceptionSocial,
}

/// One item of the scale: code, Chinese name, dimension, highest score.
pub struct Item {
    pub code: &'static str,
    pub chinese: &'static str,
    pub dimension: Dimension,
    pub max: u8,
}

const fn item(code: &'static str, chinese: &'static str, dimension: Dimension, max: u8) -> Item {
    Item { code, chinese, dimension, max }
}

use Dimension::*;

/// The 26 items in the standard's order.
pub const ITEMS: [Item; 26] = [
    item("eating", "进食", SelfCare, 4),
    item("grooming", "修饰", SelfCare, 4),
    item("bathing", "洗澡", SelfCare, 4),
    item("dressing_upper", "穿/脱上衣", SelfCare, 4),
    item("dressing_lower", "穿/脱裤子和鞋袜", SelfCare, 4),
    item("urinary_control", "小便控制", SelfCare, 4),
    item("bowel_control", "大便控制", SelfCare, 4),
    item("toileting", "如厕", SelfCare, 4),
    item("bed_mobility", "床上体位转移", BasicMotor, 4),
    item("bed_chair_transfer", "床椅转移", BasicMotor, 4),
    item("walking", "平地行走", BasicMotor, 4),
    item("stairs", "上下楼梯", BasicMotor, 4),
    item("time_orientation", "时间定向", MentalState, 4),
    item("place_orientation", "空间定向", MentalState, 4),
    item("person_orientation", "人物定向", MentalState, 4),
    item("memory", "记忆", MentalState, 4),
    item("comprehension", "理解能力", MentalState, 4),
    item("expression", "表达能力", MentalState, 4),
    item("aggression", "攻击行为", MentalState, 1),
    item("depression", "抑郁症状", MentalState, 1),
    item("consciousness", "意识水平", MentalState, 2),
    item("vision", "视力", PerceptionSocial, 2),
    item("hearing", "听力", PerceptionSocial, 2),
    item("daily_affairs", "执行日常事务", PerceptionSocial, 4),
    item("transport", "使用交通工具外出", PerceptionSocial, 3),
    item("social_interaction", "社会交往能力", PerceptionSocial, 3),
];

/// Index of 意识水平 in `ITEMS`; a score of 0 there is coma.
const CONSCIOUSNESS: usize = 20;

/// Levels from most to least capable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl CapabilityLevel {
    pub fn chinese(self) -> &'static str {
        match self {
            CapabilityLevel::Intact => "能力完好",
            CapabilityLevel::Mild => "轻度失能",
            CapabilityLevel::Moderate => "中度失能",
            CapabilityLevel::Severe => "重度失能",
            CapabilityLevel::Total => "完全失能",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            CapabilityLevel::Intact => "intact",
            CapabilityLevel::Mild => "mild",
            CapabilityLevel::Moderate => "moderate",
            CapabilityLevel::Severe => "severe",
            CapabilityLevel::Total => "total",
        }
    }
    fn from_total(total: u32) -> Self {
        match total {
            90.. => CapabilityLevel::Intact,
            66..=89 => CapabilityLevel::Mild,
            46..=65 => CapabilityLevel::Moderate,
            30..=45 => CapabilityLevel::Severe,
            _ => CapabilityLevel::Total,
        }
    }
    fn one_worse(self) -> Self {
        match self {
            CapabilityLevel::Intact => CapabilityLevel::Mild,
            CapabilityLevel::Mild => CapabilityLevel::Moderate,
            CapabilityLevel::Moderate => CapabilityLevel::Severe,
            _ => CapabilityLevel::Total,
        }
    }
}

impl std::str::FromStr for CapabilityLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        [CapabilityLevel::Intact, CapabilityLevel::Mild, CapabilityLevel::Moderate, CapabilityLevel::Severe, CapabilityLevel::Total]
            .into_iter()
            .find(|l| l.code() == s.trim() || l.chinese() == s.trim())
            .ok_or_else(|| Error::invalid("level", "expected intact, mild, moderate, severe or total"))
    }
}

/// What the assessor records besides the item scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conditions {
    pub dementia: bool,
    pub psychiatric_disorder: bool,
    /// Falls, choking, self-harm, wandering in the last 30 days.
    pub risk_events_30d: u32,
}

/// An assessment as recorded, with its computed result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub senior_id: String,
    pub assessor: String,
    pub date: NaiveDate,
    /// One score per item of `ITEMS`, in order.
    pub scores: Vec<u8>,
    pub conditions: Conditions,
    pub total: u32,
    pub level: CapabilityLevel,
}

/// Totals and level for 26 item scores; rejects a wrong count or a score over its item's maximum.
pub fn evaluate(scores: &[u8], conditions: Conditions) -> Result<(u32, CapabilityLevel)> {
    if scores.len() != ITEMS.len() {
        return Err(Error::invalid("scores", format!("expected {} item scores, got {}", ITEMS.len(), scores.len())));
    }
    for (score, item) in scores.iter().zip(ITEMS.iter()) {
        if *score > item.max {
            return Err(Error::invalid("scores", format!("{} ({}) is scored 0-{}, got {score}", item.code, item.chinese, item.max)));
        }
    }
    let total: u32 = scores.iter().map(|s| u32::from(*s)).sum();
    if scores[CONSCIOUSNESS] == 0 {
        return Ok((total, CapabilityLevel::Total));
    }
    let mut level = CapabilityLevel::from_total(total);
    if conditions.dementia || conditions.psychiatric_disorder || conditions.risk_events_30d >= 2 {
        level = level.one_worse();
    }
    Ok((total, level))
}

/// Scores of each dimension, in the order of [`Dimension`].
pub fn dimension_totals(scores: &[u8]) -> [u32; 4] {
    let mut out = [0; 4];
    for (s, item) in scores.iter().zip(ITEMS.iter()) {
        out[item.dimension as usize] += u32::from(*s);
    }
    out
}

impl CareCircle {
    /// Records an assessment; the latest by date is the one eligibility reads. The district,
    /// or the operator of the senior's station, records it.
    pub fn record_assessment(&self, actor: &Actor, senior_id: &str, assessor: &str, date: NaiveDate, scores: &[u8], conditions: Conditions) -> Result<Assessment> {
        self.record_assessment_with_id(actor, &uuid::Uuid::new_v4().to_string(), senior_id, assessor, date, scores, conditions)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record_assessment_with_id(&self, actor: &Actor, id: &str, senior_id: &str, assessor: &str, date: NaiveDate, scores: &[u8], conditions: Conditions) -> Result<Assessment> {
        self.write(|tx, em| {
            let a = record_in(tx, em, actor, id, senior_id, assessor, date, scores, conditions)?;
            em.record(
                actor,
                Command::RecordAssessment { assessment_id: id.to_string(), senior_id: senior_id.to_string(), assessor: assessor.to_string(), date, scores: scores.to_vec(), conditions },
            );
            Ok(a)
        })
    }

    /// A senior's assessments, newest first, for those with her health consent.
    pub fn assessments_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<Assessment>> {
        self.store.read(|sql| {
            crate::person::may_act_for(sql, actor, &senior_in(sql, senior_id)?, |p| p.sees_health, "see assessments")?;
            sql.query(&format!("SELECT {ASSESSMENT_COLUMNS} FROM assessment WHERE senior_id = ?1 ORDER BY date DESC, recorded_at DESC"), args![senior_id])?.iter().map(assessment_from_row).collect()
        })
    }

    pub fn latest_assessment(&self, senior_id: &str) -> Result<Option<Assessment>> {
        self.store.read(|sql| latest_assessment_in(sql, senior_id))
    }
}

const ASSESSMENT_COLUMNS: &str = "id, senior_id, assessor, date, scores, conditions, total, level";

fn assessment_from_row(r: &crate::db::Row) -> Result<Assessment> {
    let corrupt = |_| Error::invalid("assessment", "stored record is corrupt");
    Ok(Assessment {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        assessor: r.get(2)?,
        date: crate::clock::parse_date(&r.get::<String>(3)?)?,
        scores: serde_json::from_str(&r.get::<String>(4)?).map_err(corrupt)?,
        conditions: serde_json::from_str(&r.get::<String>(5)?).map_err(corrupt)?,
        total: r.get(6)?,
        level: r.get::<String>(7)?.parse()?,
    })
}

pub(crate) fn latest_assessment_in(sql: &dyn Sql, senior_id: &str) -> Result<Option<Assessment>> {
    sql.one(&format!("SELECT {ASSESSMENT_COLUMNS} FROM assessment WHERE senior_id = ?1 ORDER BY date DESC, recorded_at DESC, id DESC LIMIT 1"), args![senior_id])?
        .map(|r| assessment_from_row(&r))
        .transpose()
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn record_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, assessor: &str, date: NaiveDate, scores: &[u8], conditions: Conditions) -> Result<Assessment> {
    crate::sync::check_client_id("assessment id", id)?;
    if assessor.trim().is_empty() || assessor.chars().count() > 128 {
        return Err(Error::invalid("assessor", "must be 1-128 characters"));
    }
    if date > crate::clock::shanghai_date(em.at) {
        return Err(Error::invalid("date", "an assessment cannot be in the future"));
    }
    let (total, level) = evaluate(scores, conditions)?;
    let senior = senior_in(tx, senior_id)?;
    match actor {
        Actor::District | Actor::System | Actor::Operator(_) | Actor::Township(_) if crate::person::oversees(actor, &senior) => {}
        _ => return Err(Error::Forbidden(format!("{} may not record assessments of senior {}", actor.label(), senior.id))),
    }
    if tx.exists("SELECT 1 FROM assessment WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "assessment", id: id.to_string() });
    }
    let a = Assessment { id: id.to_string(), senior_id: senior_id.to_string(), assessor: assessor.to_string(), date, scores: scores.to_vec(), conditions, total, level };
    tx.execute(
        "INSERT INTO assessment (id, senior_id, assessor, date, scores, conditions, total, level, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![
            a.id,
            a.senior_id,
            a.assessor,
            a.date.to_string(),
            serde_json::to_string(&a.scores).map_err(|e| Error::Database(e.to_string()))?,
            serde_json::to_string(&a.conditions).map_err(|e| Error::Database(e.to_string()))?,
            a.total,
            a.level.code(),
            em.at
        ],
    )?;
    em.changed(crate::sync::Change::owned("assessment", &a.id, &a.senior_id));
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Vec<u8> {
        ITEMS.iter().map(|i| i.max).collect()
    }

    #[test]
    fn the_scale_has_26_items_in_4_dimensions_summing_to_90() {
        let per_dimension = |d: Dimension| ITEMS.iter().filter(|i| i.dimension == d).count();
        assert_eq!([per_dimension(SelfCare), per_dimension(BasicMotor), per_dimension(MentalState), per_dimension(PerceptionSocial)], [8, 4, 9, 5]);
        assert_eq!(dimension_totals(&full()).iter().sum::<u32>(), 90);
        assert_eq!(ITEMS[CONSCIOUSNESS].code, "consciousness");
    }

    #[test]
    fn totals_map_to_levels_at_the_thresholds() {
        let with_total = |t: u32| {
            let mut s = full();
            let mut drop = 90 - t;
            for (i, item) in ITEMS.iter().enumerate() {
                if i == CONSCIOUSNESS {
                    continue;
                }
                let d = drop.min(u32::from(item.max));
                s[i] -= d as u8;
                drop -= d;
            }
            assert_eq!(drop, 0);
            evaluate(&s, Conditions::default()).unwrap()
        };
        use CapabilityLevel::*;
        for (t, l) in [(90, Intact), (89, Mild), (66, Mild), (65, Moderate), (46, Moderate), (45, Severe), (30, Severe), (29, Total), (2, Total)] {
            assert_eq!(with_total(t), (t, l), "total {t}");
        }
    }

    #[test]
    fn coma_is_total_and_conditions_raise_one_level() {
        let mut s = full();
        s[CONSCIOUSNESS] = 0;
        assert_eq!(evaluate(&s, Conditions::default()).unwrap().1, CapabilityLevel::Total);
        let s = full();
        let one_event = Conditions { risk_events_30d: 1, ..Default::default() };
        assert_eq!(evaluate(&s, one_event).unwrap().1, CapabilityLevel::Intact);
        for c in [Conditions { dementia: true, ..Default::default() }, Conditions { psychiatric_disorder: true, ..Default::default() }, Conditions { risk_events_30d: 2, ..Default::default() }] {
            assert_eq!(evaluate(&s, c).unwrap().1, CapabilityLevel::Mild);
        }
        // Several conditions still raise by one step only.
        let all = Conditions { dementia: true, psychiatric_disorder: true, risk_events_30d: 3 };
        assert_eq!(evaluate(&s, all).unwrap().1, CapabilityLevel::Mild);
    }

    #[test]
    fn bad_score_sheets_are_refused() {
        assert!(evaluate(&[4; 25], Conditions::default()).unwrap_err().to_string().contains("expected 26 item scores"));
        let mut s = full();
        s[18] = 2;
        assert!(evaluate(&s, Conditions::default()).unwrap_err().to_string().contains("aggression (攻击行为) is scored 0-1"));
    }
}
