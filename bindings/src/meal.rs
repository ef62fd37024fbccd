//! Meal help (助餐): canteens, menus by day and meal, orders (dine-in, pick-up, delivery)
//! with their Shanghai cut-offs, and the meal subsidy.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::time::{date, date_string, time_of_day, time_string, to_system_time};
use carecircle_core::meal::{CanteenSettings as CoreCanteen, Meal as CoreMeal, MealMode as CoreMode, MealOrder as CoreOrder, MealSubsidy as CoreSubsidy, Menu as CoreMenu, MenuAvailability as CoreAvailability};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Meal {
    Breakfast,
    Lunch,
    Dinner,
}

mirror!(Meal, CoreMeal { Breakfast, Lunch, Dinner });

/// How the senior gets the meal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MealMode {
    /// A seat in the canteen (limited by the menu's `seats`).
    DineIn,
    PickUp,
    /// Delivered home, within the canteen's delivery radius.
    Delivery,
}

mirror!(MealMode, CoreMode { DineIn, PickUp, Delivery });

/// A canteen's standing settings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CanteenSettings {
    pub facility_id: String,
    /// Metres from the canteen (0 to 50000); 0 means no delivery.
    pub delivery_radius_m: f64,
    /// Same-day order cut-offs, Shanghai wall clock "HH:MM" (defaults 06:00, 09:00, 14:00).
    pub breakfast_cutoff: String,
    pub lunch_cutoff: String,
    pub dinner_cutoff: String,
}

impl From<CoreCanteen> for CanteenSettings {
    fn from(c: CoreCanteen) -> Self {
        CanteenSettings {
            facility_id: c.facility_id,
            delivery_radius_m: c.delivery_radius_m,
            breakfast_cutoff: time_string(c.breakfast_cutoff),
            lunch_cutoff: time_string(c.lunch_cutoff),
            dinner_cutoff: time_string(c.dinner_cutoff),
        }
    }
}

impl CanteenSettings {
    fn to_core(&self) -> carecircle_core::Result<CoreCanteen> {
        Ok(CoreCanteen {
            facility_id: self.facility_id.clone(),
            delivery_radius_m: self.delivery_radius_m,
            breakfast_cutoff: time_of_day("breakfast cut-off", &self.breakfast_cutoff)?,
            lunch_cutoff: time_of_day("lunch cut-off", &self.lunch_cutoff)?,
            dinner_cutoff: time_of_day("dinner cut-off", &self.dinner_cutoff)?,
        })
    }
}

/// Settings for a canteen with the default cut-offs (06:00, 09:00, 14:00 Shanghai).
#[uniffi::export]
pub fn default_canteen_settings(facility_id: String, delivery_radius_m: f64) -> CanteenSettings {
    CoreCanteen::new(&facility_id, delivery_radius_m).into()
}

/// What a canteen serves for one meal of one day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MealMenu {
    pub facility_id: String,
    /// "2026-11-24".
    pub date: String,
    pub meal: Meal,
    /// "红烧鱼块, 炒青菜, 米饭".
    pub dishes: String,
    pub price_fen: u32,
    /// Meals the kitchen makes (all modes).
    pub capacity: u32,
    /// Dine-in seats (at most the capacity).
    pub seats: u32,
}

impl From<CoreMenu> for MealMenu {
    fn from(m: CoreMenu) -> Self {
        MealMenu { facility_id: m.facility_id, date: date_string(m.date), meal: m.meal.into(), dishes: m.dishes, price_fen: m.price_fen, capacity: m.capacity, seats: m.seats }
    }
}

impl MealMenu {
    fn to_core(&self) -> carecircle_core::Result<CoreMenu> {
        Ok(CoreMenu {
            facility_id: self.facility_id.clone(),
            date: date(&self.date)?,
            meal: self.meal.into(),
            dishes: self.dishes.clone(),
            price_fen: self.price_fen,
            capacity: self.capacity,
            seats: self.seats,
        })
    }
}

/// A menu with what is left of it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MenuAvailability {
    pub menu: MealMenu,
    pub ordered: u32,
    pub dine_in_ordered: u32,
    /// When orders close.
    pub cutoff: SystemTime,
}

impl From<CoreAvailability> for MenuAvailability {
    fn from(a: CoreAvailability) -> Self {
        MenuAvailability { menu: a.menu.into(), ordered: a.ordered, dine_in_ordered: a.dine_in_ordered, cutoff: to_system_time(a.cutoff) }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MealOrder {
    pub id: String,
    pub senior_id: String,
    pub facility_id: String,
    /// "2026-11-24".
    pub date: String,
    pub meal: Meal,
    pub mode: MealMode,
    pub price_fen: u32,
    pub subsidy_fen: u32,
    /// What the senior pays: price less subsidy.
    pub due_fen: u32,
    /// "ordered" or "cancelled".
    pub state: String,
    pub ordered_by: String,
    pub cancelled_by: Option<String>,
}

impl From<CoreOrder> for MealOrder {
    fn from(o: CoreOrder) -> Self {
        let due_fen = o.due_fen();
        MealOrder {
            id: o.id,
            senior_id: o.senior_id,
            facility_id: o.facility_id,
            date: date_string(o.date),
            meal: o.meal.into(),
            mode: o.mode.into(),
            price_fen: o.price_fen,
            subsidy_fen: o.subsidy_fen,
            due_fen,
            state: o.state,
            ordered_by: o.ordered_by,
            cancelled_by: o.cancelled_by,
        }
    }
}

/// One age tier of the meal subsidy: from this age, this much per meal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct AgeTier {
    pub from_age: u32,
    pub fen: u32,
}

/// The meal subsidy per meal (a district setting): the richest tier that applies.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MealSubsidy {
    pub age_tiers: Vec<AgeTier>,
    /// For seniors who qualify for government-paid care.
    pub government_care_fen: u32,
}

impl From<CoreSubsidy> for MealSubsidy {
    fn from(s: CoreSubsidy) -> Self {
        MealSubsidy { age_tiers: s.age_tiers.into_iter().map(|(from_age, fen)| AgeTier { from_age, fen }).collect(), government_care_fen: s.government_care_fen }
    }
}

impl From<MealSubsidy> for CoreSubsidy {
    fn from(s: MealSubsidy) -> Self {
        CoreSubsidy { age_tiers: s.age_tiers.into_iter().map(|t| (t.from_age, t.fen)).collect(), government_care_fen: s.government_care_fen }
    }
}

#[uniffi::export]
impl CareCircle {
    /// Sets up a canteen (or a facility that serves meals): delivery radius and cut-offs.
    pub fn set_canteen(&self, canteen: CanteenSettings) -> Result<(), CareCircleError> {
        Ok(self.inner.set_canteen(&canteen.to_core()?)?)
    }

    pub fn canteen(&self, facility_id: String) -> Result<CanteenSettings, CareCircleError> {
        Ok(self.inner.canteen(&facility_id)?.into())
    }

    /// Publishes or changes a menu; capacity and seats cannot drop below what is ordered.
    pub fn set_menu(&self, menu: MealMenu) -> Result<(), CareCircleError> {
        Ok(self.inner.set_menu(&menu.to_core()?)?)
    }

    /// A canteen's menus for a day ("2026-11-24"), with what is left and when orders close.
    pub fn menus(&self, facility_id: String, date: String) -> Result<Vec<MenuAvailability>, CareCircleError> {
        let day = crate::time::date(&date)?;
        Ok(self.inner.menus(&facility_id, day)?.into_iter().map(Into::into).collect())
    }

    /// Orders a meal for a senior (the senior, a family member allowed to book, or the
    /// senior's station). Fails with `Full` when the meals or seats are taken, `TooLate`
    /// after the cut-off.
    pub fn order_meal(&self, actor: Actor, senior_id: String, facility_id: String, date: String, meal: Meal, mode: MealMode) -> Result<MealOrder, CareCircleError> {
        let day = crate::time::date(&date)?;
        Ok(self.inner.order_meal(&actor.core(), &senior_id, &facility_id, day, meal.into(), mode.into())?.into())
    }

    /// Cancels an order before its cut-off (`TooLate` after).
    pub fn cancel_meal(&self, actor: Actor, order_id: String) -> Result<MealOrder, CareCircleError> {
        Ok(self.inner.cancel_meal(&actor.core(), &order_id)?.into())
    }

    /// A senior's meal orders, newest first, for those allowed to see them.
    pub fn meal_orders_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<MealOrder>, CareCircleError> {
        Ok(self.inner.meal_orders_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// A canteen's standing orders for a day, for its kitchen.
    pub fn canteen_orders(&self, facility_id: String, date: String) -> Result<Vec<MealOrder>, CareCircleError> {
        let day = crate::time::date(&date)?;
        Ok(self.inner.canteen_orders(&facility_id, day)?.into_iter().map(Into::into).collect())
    }

    pub fn meal_subsidy(&self) -> Result<MealSubsidy, CareCircleError> {
        Ok(self.inner.meal_subsidy()?.into())
    }

    pub fn set_meal_subsidy(&self, subsidy: MealSubsidy) -> Result<(), CareCircleError> {
        Ok(self.inner.set_meal_subsidy(&subsidy.into())?)
    }
}
