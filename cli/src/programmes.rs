//! Meal help, device rental, emergency alerts and the time bank from the command line.

use crate::facilities::{Place, print_nearby};
use crate::output::Output;
use crate::visits::As;
use carecircle_core::clock::parse_date;
use carecircle_core::meal::{CanteenSettings, Meal, MealMode, Menu};
use carecircle_core::rental::{Device, DeviceStock};
use carecircle_core::{CareCircle, Error, Result, Service};
use chrono::NaiveTime;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum MealCmd {
    /// Set up a facility as a canteen: delivery radius and cut-offs (Shanghai, HH:MM).
    Canteen {
        facility: String,
        #[arg(long, default_value_t = 1000.0)]
        delivery_radius_m: f64,
        #[arg(long, default_value = "06:00")]
        breakfast_cutoff: String,
        #[arg(long, default_value = "09:00")]
        lunch_cutoff: String,
        #[arg(long, default_value = "14:00")]
        dinner_cutoff: String,
    },
    /// Publish a menu for a day and meal.
    Menu {
        facility: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        meal: Meal,
        #[arg(long)]
        dishes: String,
        /// Price in fen (1 yuan = 100 fen).
        #[arg(long)]
        price_fen: u32,
        #[arg(long)]
        capacity: u32,
        #[arg(long)]
        seats: u32,
    },
    /// A canteen's menus for a day with what is left.
    Menus {
        facility: String,
        #[arg(long)]
        date: String,
    },
    /// Order a meal for a senior.
    Order {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        canteen: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        meal: Meal,
        #[arg(long, default_value = "dine_in")]
        mode: MealMode,
    },
    /// Cancel a meal order before its cut-off.
    Cancel {
        #[command(flatten)]
        who: As,
        order: String,
    },
    /// A senior's meal orders.
    Orders {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
    },
}

#[derive(Subcommand)]
pub enum RentalCmd {
    /// Set a rental point's count, deposit and daily fee (fen) for a device.
    Stock {
        facility: String,
        #[arg(long)]
        device: Device,
        #[arg(long)]
        total: u32,
        #[arg(long, default_value_t = 0)]
        deposit_fen: u32,
        #[arg(long, default_value_t = 0)]
        daily_fee_fen: u32,
    },
    /// A rental point's devices with what is free.
    Show { facility: String },
    /// The nearest points with a device free now.
    Nearest {
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        device: Device,
        #[arg(long, default_value_t = 3)]
        k: u32,
    },
    /// Reserve a device for a senior.
    Reserve {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        point: String,
        #[arg(long)]
        device: Device,
    },
    PickUp {
        #[command(flatten)]
        who: As,
        rental: String,
    },
    Return {
        #[command(flatten)]
        who: As,
        rental: String,
    },
    Cancel {
        #[command(flatten)]
        who: As,
        rental: String,
    },
}

#[derive(Subcommand)]
pub enum AlertCmd {
    /// A senior's SOS at a position.
    Raise {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[command(flatten)]
        place: Place,
    },
    /// Pass unacknowledged alerts to the next-nearest station (run on a timer).
    Escalate,
    Ack {
        #[command(flatten)]
        who: As,
        alert: String,
    },
    Resolve {
        #[command(flatten)]
        who: As,
        alert: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Alerts not yet resolved.
    Open,
}

#[derive(Subcommand)]
pub enum TimeBankCmd {
    /// Open an account for a volunteer or senior.
    Open {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        birth: Option<String>,
    },
    /// A station verifies a volunteer's service; the volunteer earns hours.
    Earn {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        volunteer: String,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        service: Service,
        #[arg(long)]
        minutes: i64,
    },
    /// Give hours to a family member.
    Give {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        minutes: i64,
    },
    /// Spend hours on a service.
    Spend {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        account: String,
        /// The service paid for (a booking id or the station's record).
        #[arg(long)]
        reference: String,
        #[arg(long)]
        minutes: i64,
    },
    /// Donate hours to the hardship pool.
    Donate {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        from: String,
        #[arg(long)]
        minutes: i64,
    },
    /// The district grants pooled hours to a senior in hardship.
    Grant {
        #[command(flatten)]
        who: As,
        #[arg(long)]
        senior: String,
        #[arg(long)]
        minutes: i64,
    },
    /// An account with its ledger.
    Show { id: String },
    /// Check the whole ledger balances.
    Audit,
}

pub(crate) fn cutoff(s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| Error::invalid("cut-off", format!("'{s}' is not HH:MM")))
}

pub fn meal(cc: &CareCircle, out: &Output, cmd: MealCmd) -> Result<()> {
    match cmd {
        MealCmd::Canteen { facility, delivery_radius_m, breakfast_cutoff, lunch_cutoff, dinner_cutoff } => {
            let c = CanteenSettings { facility_id: facility, delivery_radius_m, breakfast_cutoff: cutoff(&breakfast_cutoff)?, lunch_cutoff: cutoff(&lunch_cutoff)?, dinner_cutoff: cutoff(&dinner_cutoff)? };
            cc.set_canteen(&c)?;
            out.either(&c, || println!("canteen {} set", c.facility_id))
        }
        MealCmd::Menu { facility, date, meal, dishes, price_fen, capacity, seats } => {
            let m = Menu { facility_id: facility, date: parse_date(&date)?, meal, dishes, price_fen, capacity, seats };
            cc.set_menu(&m)?;
            out.either(&m, || println!("menu for {} {} published", m.date, m.meal.code()))
        }
        MealCmd::Menus { facility, date } => {
            let menus = cc.menus(&facility, parse_date(&date)?)?;
            out.either(&menus, || {
                for m in &menus {
                    println!("{} {}: {} ({:.2} yuan) - {} of {} taken, {} of {} seats", m.menu.date, m.menu.meal.code(), m.menu.dishes, f64::from(m.menu.price_fen) / 100.0, m.ordered, m.menu.capacity, m.dine_in_ordered, m.menu.seats)
                }
            })
        }
        MealCmd::Order { who, senior, canteen, date, meal, mode } => {
            let o = cc.order_meal(&who.actor, &senior, &canteen, parse_date(&date)?, meal, mode)?;
            out.either(&o, || println!("order {}: {} {} {}, pay {:.2} yuan after a {:.2} yuan subsidy", o.id, o.date, o.meal.code(), o.mode.code(), f64::from(o.due_fen()) / 100.0, f64::from(o.subsidy_fen) / 100.0))
        }
        MealCmd::Cancel { who, order } => {
            let o = cc.cancel_meal(&who.actor, &order)?;
            out.either(&o, || println!("order {} cancelled", o.id))
        }
        MealCmd::Orders { who, senior } => out.value(&cc.meal_orders_for_senior(&who.actor, &senior)?),
    }
}

pub fn rental(cc: &CareCircle, out: &Output, cmd: RentalCmd) -> Result<()> {
    match cmd {
        RentalCmd::Stock { facility, device, total, deposit_fen, daily_fee_fen } => {
            let s = DeviceStock { facility_id: facility, device, total, deposit_fen, daily_fee_fen };
            cc.set_device_stock(&s)?;
            out.either(&s, || println!("{} {}: {} in stock", s.facility_id, s.device.code(), s.total))
        }
        RentalCmd::Show { facility } => {
            let levels = cc.device_stock(&facility)?;
            out.either(&levels, || levels.iter().for_each(|l| println!("{} ({}): {} free of {}", l.stock.device.code(), l.stock.device.chinese(), l.free, l.stock.total)))
        }
        RentalCmd::Nearest { place, device, k } => {
            let found = cc.nearest_with_device(place.position()?, device, k)?;
            out.either(&found, || print_nearby(&found))
        }
        RentalCmd::Reserve { who, senior, point, device } => {
            let r = cc.reserve_device(&who.actor, &senior, &point, device)?;
            out.either(&r, || println!("rental {}: {} reserved at {}, deposit {:.2} yuan", r.id, r.device.code(), r.facility_id, f64::from(r.deposit_fen) / 100.0))
        }
        RentalCmd::PickUp { who, rental } => out.value(&cc.pick_up_device(&who.actor, &rental)?),
        RentalCmd::Return { who, rental } => {
            let r = cc.return_device(&who.actor, &rental)?;
            out.either(&r, || println!("returned: fee {:.2} yuan, {:.2} yuan of the deposit back", f64::from(r.fee_fen.unwrap_or(0)) / 100.0, f64::from(r.refund_fen().unwrap_or(0)) / 100.0))
        }
        RentalCmd::Cancel { who, rental } => out.value(&cc.cancel_rental(&who.actor, &rental)?),
    }
}

pub fn alert(cc: &CareCircle, out: &Output, cmd: AlertCmd) -> Result<()> {
    match cmd {
        AlertCmd::Raise { who, senior, place } => {
            let a = cc.raise_alert(&who.actor, &senior, place.position()?)?;
            out.either(&a, || println!("alert {} raised; {} is told", a.id, a.station_id.clone().unwrap_or_default()))
        }
        AlertCmd::Escalate => out.value(&cc.escalate_alerts()?),
        AlertCmd::Ack { who, alert } => out.value(&cc.acknowledge_alert(&who.actor, &alert)?),
        AlertCmd::Resolve { who, alert, note } => out.value(&cc.resolve_alert(&who.actor, &alert, &note)?),
        AlertCmd::Open => out.value(&cc.open_alerts()?),
    }
}

pub fn timebank(cc: &CareCircle, out: &Output, cmd: TimeBankCmd) -> Result<()> {
    match cmd {
        TimeBankCmd::Open { id, name, birth } => out.value(&cc.open_timebank_account(&id, &name, birth.as_deref().map(parse_date).transpose()?)?),
        TimeBankCmd::Earn { who, volunteer, senior, service, minutes } => out.value(&cc.record_volunteer_service(&who.actor, &volunteer, &senior, service, minutes)?),
        TimeBankCmd::Give { who, from, to, minutes } => out.value(&cc.transfer_hours(&who.actor, &from, &to, minutes)?),
        TimeBankCmd::Spend { who, account, reference, minutes } => out.value(&cc.spend_hours(&who.actor, &account, &reference, minutes)?),
        TimeBankCmd::Donate { who, from, minutes } => out.value(&cc.donate_hours(&who.actor, &from, minutes)?),
        TimeBankCmd::Grant { who, senior, minutes } => out.value(&cc.grant_hours(&who.actor, &senior, minutes)?),
        TimeBankCmd::Show { id } => out.value(&serde_json::json!({ "account": cc.timebank_account(&id)?, "ledger": cc.ledger(&id)? })),
        TimeBankCmd::Audit => {
            let problems = cc.audit_ledger()?;
            out.either(&problems, || if problems.is_empty() { println!("the ledger balances") } else { problems.iter().for_each(|p| println!("{p}")) })
        }
    }
}
