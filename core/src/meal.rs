//! Meal help (助餐): canteens' menus by day and meal, orders for dine-in, pick-up or delivery,
//! seats and meals a day, order cut-offs in Asia/Shanghai, and the senior's meal subsidy.
//!
//! Rules: a canteen never takes more orders for a meal than the menu's capacity, nor more
//! dine-in orders than its seats; orders after the meal's cut-off are refused; a senior may
//! cancel before the cut-off; delivery only within the canteen's delivery radius, measured on
//! the sphere from the senior's home.

use crate::args;
use crate::carecircle::CareCircle;
use crate::clock::{from_shanghai, shanghai_date};
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::sync::{Change, Command};
use crate::facility::{FacilityKind, truncate};
use crate::person::{Actor, may_act_for, senior_in};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meal {
    Breakfast,
    Lunch,
    Dinner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MealMode {
    DineIn,
    PickUp,
    Delivery,
}

use crate::facility::codes;
codes!(Meal, "meal", Breakfast = "breakfast", Lunch = "lunch", Dinner = "dinner");
codes!(MealMode, "mode", DineIn = "dine_in", PickUp = "pick_up", Delivery = "delivery");

/// A canteen's standing settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanteenSettings {
    pub facility_id: String,
    pub delivery_radius_m: f64,
    /// Same-day order cut-off per meal, Shanghai wall clock ("09:00" for lunch).
    pub breakfast_cutoff: NaiveTime,
    pub lunch_cutoff: NaiveTime,
    pub dinner_cutoff: NaiveTime,
}

impl CanteenSettings {
    pub fn new(facility_id: &str, delivery_radius_m: f64) -> Self {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("valid");
        CanteenSettings { facility_id: facility_id.into(), delivery_radius_m, breakfast_cutoff: t(6), lunch_cutoff: t(9), dinner_cutoff: t(14) }
    }
    pub fn cutoff(&self, meal: Meal) -> NaiveTime {
        match meal {
            Meal::Breakfast => self.breakfast_cutoff,
            Meal::Lunch => self.lunch_cutoff,
            Meal::Dinner => self.dinner_cutoff,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Menu {
    pub facility_id: String,
    pub date: NaiveDate,
    pub meal: Meal,
    pub dishes: String,
    pub price_fen: u32,
    /// Meals the kitchen makes (all modes).
    pub capacity: u32,
    /// Dine-in seats.
    pub seats: u32,
}

/// A menu with what is left of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuAvailability {
    pub menu: Menu,
    pub ordered: u32,
    pub dine_in_ordered: u32,
    pub cutoff: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MealOrder {
    pub id: String,
    pub senior_id: String,
    pub facility_id: String,
    pub date: NaiveDate,
    pub meal: Meal,
    pub mode: MealMode,
    pub price_fen: u32,
    pub subsidy_fen: u32,
    /// ordered or cancelled.
    pub state: String,
    pub ordered_by: String,
    pub cancelled_by: Option<String>,
}

impl MealOrder {
    /// What the senior pays.
    pub fn due_fen(&self) -> u32 {
        self.price_fen.saturating_sub(self.subsidy_fen)
    }
}

/// Meal subsidy per meal by age, the richest tier that applies (fen). A district setting;
/// the defaults follow common Zhejiang practice: 1 yuan from 60, 3 yuan from 80, 5 yuan
/// for those who qualify for government-paid care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MealSubsidy {
    pub age_tiers: Vec<(u32, u32)>,
    pub government_care_fen: u32,
}

impl Default for MealSubsidy {
    fn default() -> Self {
        MealSubsidy { age_tiers: vec![(60, 100), (80, 300)], government_care_fen: 500 }
    }
}

impl MealSubsidy {
    pub fn for_senior(&self, age: u32, government_care: bool) -> u32 {
        let by_age = self.age_tiers.iter().filter(|(a, _)| age >= *a).map(|(_, f)| *f).max().unwrap_or(0);
        if government_care { by_age.max(self.government_care_fen) } else { by_age }
    }
}

fn order_from_row(r: &Row) -> Result<MealOrder> {
    Ok(MealOrder {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        facility_id: r.get(2)?,
        date: crate::clock::parse_date(&r.get::<String>(3)?)?,
        meal: r.get::<String>(4)?.parse()?,
        mode: r.get::<String>(5)?.parse()?,
        price_fen: r.get(6)?,
        subsidy_fen: r.get(7)?,
        state: r.get(8)?,
        ordered_by: r.get(9)?,
        cancelled_by: r.get(10)?,
    })
}

const ORDER_COLUMNS: &str = "id, senior_id, facility_id, date, meal, mode, price_fen, subsidy_fen, state, ordered_by, cancelled_by";

fn canteen_in(sql: &dyn Sql, facility_id: &str) -> Result<CanteenSettings> {
    let r = sql
        .one("SELECT delivery_radius_m, cutoffs FROM canteen WHERE facility_id = ?1", args![facility_id])?
        .ok_or_else(|| Error::not_found("canteen", truncate(facility_id, 64)))?;
    let cutoffs: Vec<String> = serde_json::from_str(&r.get::<String>(1)?).map_err(|_| Error::invalid("canteen", "stored cut-offs are corrupt"))?;
    let t = |i: usize| NaiveTime::parse_from_str(cutoffs.get(i).map_or("", String::as_str), "%H:%M").map_err(|_| Error::invalid("canteen", "stored cut-offs are corrupt"));
    Ok(CanteenSettings { facility_id: facility_id.into(), delivery_radius_m: r.get(0)?, breakfast_cutoff: t(0)?, lunch_cutoff: t(1)?, dinner_cutoff: t(2)? })
}

fn menu_in(sql: &dyn Sql, facility_id: &str, date: NaiveDate, meal: Meal) -> Result<Menu> {
    let r = sql
        .one("SELECT dishes, price_fen, capacity, seats FROM menu WHERE facility_id = ?1 AND date = ?2 AND meal = ?3", args![facility_id, date.to_string(), meal.code()])?
        .ok_or_else(|| Error::not_found("menu", format!("{} {date} {}", truncate(facility_id, 64), meal.code())))?;
    Ok(Menu { facility_id: facility_id.into(), date, meal, dishes: r.get(0)?, price_fen: r.get(1)?, capacity: r.get(2)?, seats: r.get(3)? })
}

/// (all orders, dine-in orders) standing for a meal.
/// Counts kept on the menu row by the ordering transactions: on a phone they are the platform's
/// at the last sync plus the phone's own orders since.
fn taken(sql: &dyn Sql, facility_id: &str, date: NaiveDate, meal: Meal) -> Result<(u32, u32)> {
    match sql.one("SELECT ordered, dine_in_ordered FROM menu WHERE facility_id = ?1 AND date = ?2 AND meal = ?3", args![facility_id, date.to_string(), meal.code()])? {
        Some(r) => Ok((r.get::<i64>(0)?.max(0) as u32, r.get::<i64>(1)?.max(0) as u32)),
        None => Ok((0, 0)),
    }
}

/// Moves a meal's counts by one order (`delta` +1 or -1), and tells phones the menu changed.
pub(crate) fn count_order(tx: &dyn Sql, em: &mut Emitter, facility_id: &str, date: NaiveDate, meal: Meal, mode: MealMode, delta: i64) -> Result<()> {
    let dine_in = if mode == MealMode::DineIn { delta } else { 0 };
    tx.execute(
        "UPDATE menu SET ordered = CASE WHEN ordered + ?4 < 0 THEN 0 ELSE ordered + ?4 END,
           dine_in_ordered = CASE WHEN dine_in_ordered + ?5 < 0 THEN 0 ELSE dine_in_ordered + ?5 END WHERE facility_id = ?1 AND date = ?2 AND meal = ?3",
        args![facility_id, date.to_string(), meal.code(), delta, dine_in],
    )?;
    em.changed(Change::public("menu", menu_key(facility_id, date, meal)));
    Ok(())
}

/// A menu's record id in sync: "FACILITY|DATE|MEAL".
pub(crate) fn menu_key(facility_id: &str, date: NaiveDate, meal: Meal) -> String {
    format!("{facility_id}|{date}|{}", meal.code())
}

fn cutoff_instant(c: &CanteenSettings, date: NaiveDate, meal: Meal) -> DateTime<Utc> {
    from_shanghai(date.and_time(c.cutoff(meal)))
}

/// When orders for a canteen's meal close (after which the meal counts as served, for ratings).
pub(crate) fn cutoff_in(sql: &dyn Sql, facility_id: &str, date: NaiveDate, meal: Meal) -> Result<DateTime<Utc>> {
    Ok(cutoff_instant(&canteen_in(sql, facility_id)?, date, meal))
}

impl CareCircle {
    /// Sets up a facility (a canteen, or a station that serves meals) as a canteen.
    pub fn set_canteen(&self, c: &CanteenSettings) -> Result<()> {
        if !(c.delivery_radius_m.is_finite() && (0.0..=50_000.0).contains(&c.delivery_radius_m)) {
            return Err(Error::invalid("delivery radius", "must be between 0 and 50000 m"));
        }
        let f = self.facility(&c.facility_id)?;
        if f.deleted || !(f.kind == FacilityKind::Canteen || f.services.contains(crate::facility::Service::Meals)) {
            return Err(Error::invalid("canteen", format!("facility {} does not serve meals", f.id)));
        }
        let cutoffs = serde_json::to_string(&[c.breakfast_cutoff, c.lunch_cutoff, c.dinner_cutoff].map(|t| t.format("%H:%M").to_string())).expect("serialisable");
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO canteen (facility_id, delivery_radius_m, cutoffs) VALUES (?1, ?2, ?3)
                 ON CONFLICT(facility_id) DO UPDATE SET delivery_radius_m = excluded.delivery_radius_m, cutoffs = excluded.cutoffs",
                args![c.facility_id, c.delivery_radius_m, cutoffs],
            )?;
            crate::sync::log_changes(self, sql, vec![Change::public("canteen", c.facility_id.clone())])
        })?;
        Ok(())
    }

    pub fn canteen(&self, facility_id: &str) -> Result<CanteenSettings> {
        self.store.read(|sql| canteen_in(sql, facility_id))
    }

    /// Publishes or changes a menu. Capacity and seats cannot drop below what is already ordered.
    pub fn set_menu(&self, m: &Menu) -> Result<()> {
        if m.dishes.trim().is_empty() || m.dishes.chars().count() > 500 {
            return Err(Error::invalid("dishes", "must be 1-500 characters"));
        }
        if m.capacity > 10_000 || m.seats > m.capacity || m.price_fen > 100_000 {
            return Err(Error::invalid("menu", "capacity up to 10000, seats up to the capacity, price up to 1000 yuan"));
        }
        self.store.write(|sql| {
            canteen_in(sql, &m.facility_id)?;
            let (all, dine_in) = taken(sql, &m.facility_id, m.date, m.meal)?;
            if m.capacity < all || m.seats < dine_in {
                return Err(Error::invalid("menu", format!("{all} meals ({dine_in} dine-in) are already ordered")));
            }
            sql.execute(
                "INSERT INTO menu (facility_id, date, meal, dishes, price_fen, capacity, seats) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(facility_id, date, meal) DO UPDATE SET dishes = excluded.dishes, price_fen = excluded.price_fen,
                   capacity = excluded.capacity, seats = excluded.seats",
                args![m.facility_id, m.date.to_string(), m.meal.code(), m.dishes, m.price_fen, m.capacity, m.seats],
            )?;
            crate::sync::log_changes(self, sql, vec![Change::public("menu", menu_key(&m.facility_id, m.date, m.meal))])
        })
    }

    /// A canteen's menus for a day, with what is left.
    pub fn menus(&self, facility_id: &str, date: NaiveDate) -> Result<Vec<MenuAvailability>> {
        self.store.read(|sql| {
            let c = canteen_in(sql, facility_id)?;
            let mut out = Vec::new();
            for meal in [Meal::Breakfast, Meal::Lunch, Meal::Dinner] {
                match menu_in(sql, facility_id, date, meal) {
                    Ok(menu) => {
                        let (ordered, dine_in_ordered) = taken(sql, facility_id, date, meal)?;
                        out.push(MenuAvailability { menu, ordered, dine_in_ordered, cutoff: cutoff_instant(&c, date, meal) });
                    }
                    Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }

    /// Orders a meal for a senior (the senior, a family member allowed to book, or the senior's station).
    /// On a phone it is queued and the platform decides (capacity, seats, cut-off) at the next sync.
    pub fn order_meal(&self, actor: &Actor, senior_id: &str, facility_id: &str, date: NaiveDate, meal: Meal, mode: MealMode) -> Result<MealOrder> {
        self.order_meal_with_id(actor, &uuid::Uuid::new_v4().to_string(), senior_id, facility_id, date, meal, mode)
    }

    /// As [`CareCircle::order_meal`], with the order's id chosen by the caller (a phone, offline).
    #[allow(clippy::too_many_arguments)]
    pub fn order_meal_with_id(&self, actor: &Actor, id: &str, senior_id: &str, facility_id: &str, date: NaiveDate, meal: Meal, mode: MealMode) -> Result<MealOrder> {
        self.write(|tx, em| {
            let order = order_meal_in(tx, em, actor, id, senior_id, facility_id, date, meal, mode)?;
            em.record(actor, Command::OrderMeal { order_id: id.to_string(), senior_id: senior_id.to_string(), facility_id: facility_id.to_string(), date, meal, mode });
            Ok(order)
        })
    }

    /// Cancels a meal order before its cut-off.
    pub fn cancel_meal(&self, actor: &Actor, order_id: &str) -> Result<MealOrder> {
        self.write(|tx, em| {
            let order = cancel_meal_in(tx, em, actor, order_id)?;
            em.record(actor, Command::CancelMeal { order_id: order_id.to_string() });
            Ok(order)
        })
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn order_meal_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, facility_id: &str, date: NaiveDate, meal: Meal, mode: MealMode) -> Result<MealOrder> {
    crate::sync::check_client_id("order id", id)?;
    if tx.exists("SELECT 1 FROM meal_order WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "meal order", id: id.to_string() });
    }
    let subsidy_rules: MealSubsidy = crate::store::setting(tx, "meal_subsidy")?.unwrap_or_default();
    let eligible = crate::entitlement::eligibility_in(tx, senior_id, crate::clock::shanghai_date(em.at)).map(|e| e.eligible).unwrap_or(false);
    {
        {
            let senior = senior_in(tx, senior_id)?;
            may_act_for(tx, actor, &senior, |p| p.can_book, "order meals")?;
            let canteen = canteen_in(tx, facility_id)?;
            if em.at >= cutoff_instant(&canteen, date, meal) {
                return Err(Error::TooLate(format!("orders for {} on {date} closed at {} (Shanghai)", meal.code(), canteen.cutoff(meal).format("%H:%M"))));
            }
            if mode == MealMode::Delivery {
                let r = tx.one("SELECT lat, lon FROM facility WHERE id = ?1", args![facility_id])?.ok_or_else(|| Error::not_found("facility", truncate(facility_id, 64)))?;
                let d = crate::position::Position::new(r.get(0)?, r.get(1)?)?.distance_m(senior.home);
                if d > canteen.delivery_radius_m {
                    return Err(Error::invalid("mode", format!("the home is {d:.0} m away; this canteen delivers within {:.0} m", canteen.delivery_radius_m)));
                }
            }
            let menu = menu_in(tx, facility_id, date, meal)?;
            let (all, dine_in) = taken(tx, facility_id, date, meal)?;
            if all >= menu.capacity {
                return Err(Error::Full(format!("all {} meals for {} on {date} are taken", menu.capacity, meal.code())));
            }
            if mode == MealMode::DineIn && dine_in >= menu.seats {
                return Err(Error::Full(format!("all {} seats for {} on {date} are taken; pick-up or delivery may still be possible", menu.seats, meal.code())));
            }
            if tx.exists(
                "SELECT 1 FROM meal_order WHERE senior_id = ?1 AND date = ?2 AND meal = ?3 AND state = 'ordered'",
                args![senior_id, date.to_string(), meal.code()],
            )? {
                return Err(Error::Duplicate { what: "meal order", id: format!("{senior_id} {date} {}", meal.code()) });
            }
            let age = senior.age_on(date);
            // An approved meal subsidy application (see `subsidy`) adds to the senior's tier.
            let extra = crate::subsidy::meal_fen_in(tx, senior_id, date)?;
            let subsidy = subsidy_rules.for_senior(age, eligible).saturating_add(extra).min(menu.price_fen);
            let order = MealOrder {
                id: id.to_string(),
                senior_id: senior_id.into(),
                facility_id: facility_id.into(),
                date,
                meal,
                mode,
                price_fen: menu.price_fen,
                subsidy_fen: subsidy,
                state: "ordered".into(),
                ordered_by: actor.label(),
                cancelled_by: None,
            };
            tx.execute(
                &format!("INSERT INTO meal_order ({ORDER_COLUMNS}, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)"),
                args![order.id, order.senior_id, order.facility_id, date.to_string(), meal.code(), mode.code(), order.price_fen, order.subsidy_fen, order.state, order.ordered_by, order.cancelled_by, em.at],
            )?;
            count_order(tx, em, facility_id, date, meal, mode, 1)?;
            em.emit(tx, EventKind::MealOrdered, &order.id, senior_id, Some(facility_id), format!("meal={} mode={} due_fen={}", meal.code(), mode.code(), order.due_fen()))?;
            Ok(order)
        }
    }
}

pub(crate) fn cancel_meal_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, order_id: &str) -> Result<MealOrder> {
    {
        {
            let mut order = order_from_row(
                &tx.one(&format!("SELECT {ORDER_COLUMNS} FROM meal_order WHERE id = ?1"), args![order_id])?
                    .ok_or_else(|| Error::not_found("meal order", truncate(order_id, 64)))?,
            )?;
            let senior = senior_in(tx, &order.senior_id)?;
            may_act_for(tx, actor, &senior, |p| p.can_book, "cancel meals")?;
            if order.state != "ordered" {
                return Err(Error::invalid("meal order", format!("order {} is already {}", order.id, order.state)));
            }
            let canteen = canteen_in(tx, &order.facility_id)?;
            if em.at >= cutoff_instant(&canteen, order.date, order.meal) {
                return Err(Error::TooLate(format!("the cut-off for this meal was {} (Shanghai); it can no longer be cancelled", canteen.cutoff(order.meal).format("%H:%M"))));
            }
            tx.execute("UPDATE meal_order SET state = 'cancelled', cancelled_by = ?2, updated_at = ?3 WHERE id = ?1", args![order.id, actor.label(), em.at])?;
            order.state = "cancelled".into();
            order.cancelled_by = Some(actor.label());
            count_order(tx, em, &order.facility_id, order.date, order.meal, order.mode, -1)?;
            em.emit(tx, EventKind::MealCancelled, &order.id, &order.senior_id, Some(&order.facility_id), "")?;
            Ok(order)
        }
    }
}

impl CareCircle {

    pub fn meal_orders_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<MealOrder>> {
        self.store.read(|sql| {
            let senior = senior_in(sql, senior_id)?;
            may_act_for(sql, actor, &senior, |p| p.can_see_visits || p.can_book, "see meal orders")?;
            sql.query(&format!("SELECT {ORDER_COLUMNS} FROM meal_order WHERE senior_id = ?1 ORDER BY date DESC, meal"), args![senior_id])?.iter().map(order_from_row).collect()
        })
    }

    /// The day's orders of a canteen, for its kitchen.
    pub fn canteen_orders(&self, facility_id: &str, date: NaiveDate) -> Result<Vec<MealOrder>> {
        self.store.read(|sql| {
            sql.query(&format!("SELECT {ORDER_COLUMNS} FROM meal_order WHERE facility_id = ?1 AND date = ?2 AND state = 'ordered' ORDER BY meal, id"), args![facility_id, date.to_string()])?
                .iter()
                .map(order_from_row)
                .collect()
        })
    }

    pub fn meal_subsidy(&self) -> Result<MealSubsidy> {
        Ok(self.store.read(|sql| crate::store::setting(sql, "meal_subsidy"))?.unwrap_or_default())
    }

    pub fn set_meal_subsidy(&self, s: &MealSubsidy) -> Result<()> {
        if s.age_tiers.iter().any(|(a, f)| *a > 120 || *f > 10_000) || s.government_care_fen > 10_000 {
            return Err(Error::invalid("meal subsidy", "ages up to 120, at most 100 yuan a meal"));
        }
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "meal_subsidy", s))
    }

    /// Today in Shanghai, for callers that order "for today".
    pub fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }
}
