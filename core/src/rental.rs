//! Assistive-device rental (康复辅具租赁): each rental point's devices with counts, deposit and
//! daily fee; reserve, pick up, return. Never more reserved or out than in stock. "Where is the
//! nearest point with a wheelchair free now" is answered through the facility R-tree.

use crate::args;
use crate::carecircle::CareCircle;
use crate::catalogue::{Nearby, NearbyQuery};
use crate::db::{Row, Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::sync::{Change, Command};
use crate::facility::truncate;
use crate::person::{Actor, may_act_for, senior_in};
use crate::position::Position;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Wheelchair,
    Walker,
    BathChair,
    NursingBed,
    CommodeChair,
    Crutches,
}

impl Device {
    pub const ALL: [Device; 6] = [Device::Wheelchair, Device::Walker, Device::BathChair, Device::NursingBed, Device::CommodeChair, Device::Crutches];
    pub fn code(self) -> &'static str {
        match self {
            Device::Wheelchair => "wheelchair",
            Device::Walker => "walker",
            Device::BathChair => "bath_chair",
            Device::NursingBed => "nursing_bed",
            Device::CommodeChair => "commode_chair",
            Device::Crutches => "crutches",
        }
    }
    pub fn chinese(self) -> &'static str {
        match self {
            Device::Wheelchair => "轮椅",
            Device::Walker => "助行器",
            Device::BathChair => "洗澡椅",
            Device::NursingBed => "护理床",
            Device::CommodeChair => "坐便椅",
            Device::Crutches => "拐杖",
        }
    }
}

impl std::str::FromStr for Device {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Device::ALL.into_iter().find(|d| d.code() == s.trim()).ok_or_else(|| {
            Error::invalid("device", format!("unknown '{}', expected {}", truncate(s, 20), Device::ALL.map(Device::code).join(", ")))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceStock {
    pub facility_id: String,
    pub device: Device,
    pub total: u32,
    pub deposit_fen: u32,
    pub daily_fee_fen: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockLevel {
    pub stock: DeviceStock,
    /// Reserved or out with a senior.
    pub in_use: u32,
    pub free: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RentalState {
    Reserved,
    PickedUp,
    Returned,
    Cancelled,
}

impl RentalState {
    pub fn code(self) -> &'static str {
        match self {
            RentalState::Reserved => "reserved",
            RentalState::PickedUp => "picked_up",
            RentalState::Returned => "returned",
            RentalState::Cancelled => "cancelled",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        [RentalState::Reserved, RentalState::PickedUp, RentalState::Returned, RentalState::Cancelled]
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| Error::invalid("rental state", "corrupt value"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rental {
    pub id: String,
    pub senior_id: String,
    pub facility_id: String,
    pub device: Device,
    pub state: RentalState,
    pub deposit_fen: u32,
    pub daily_fee_fen: u32,
    /// Set on return: whole days started, at least one, times the daily fee.
    pub fee_fen: Option<u32>,
    pub reserved_by: String,
    pub reserved_at: DateTime<Utc>,
    pub picked_up_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
}

impl Rental {
    /// Deposit back to the senior on return (fee taken from it first).
    pub fn refund_fen(&self) -> Option<u32> {
        self.fee_fen.map(|fee| self.deposit_fen.saturating_sub(fee))
    }
    /// Still owed on return beyond the deposit.
    pub fn due_fen(&self) -> Option<u32> {
        self.fee_fen.map(|fee| fee.saturating_sub(self.deposit_fen))
    }
}

const RENTAL_COLUMNS: &str = "id, senior_id, facility_id, device, state, deposit_fen, daily_fee_fen, fee_fen, reserved_by, reserved_at, picked_up_at, returned_at";

fn rental_from_row(r: &Row) -> Result<Rental> {
    Ok(Rental {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        facility_id: r.get(2)?,
        device: r.get::<String>(3)?.parse()?,
        state: RentalState::parse(&r.get::<String>(4)?)?,
        deposit_fen: r.get(5)?,
        daily_fee_fen: r.get(6)?,
        fee_fen: r.get(7)?,
        reserved_by: r.get(8)?,
        reserved_at: r.get(9)?,
        picked_up_at: r.get(10)?,
        returned_at: r.get(11)?,
    })
}

fn rental_in(sql: &dyn Sql, id: &str) -> Result<Rental> {
    rental_from_row(&sql.one(&format!("SELECT {RENTAL_COLUMNS} FROM rental WHERE id = ?1"), args![id])?.ok_or_else(|| Error::not_found("rental", truncate(id, 64)))?)
}

/// Devices reserved or out, as kept on the stock row by the renting transactions (on a phone:
/// the platform's count at the last sync plus the phone's own rentals since).
fn in_use(sql: &dyn Sql, facility_id: &str, device: Device) -> Result<u32> {
    let n: Option<i64> = sql.one("SELECT in_use FROM device_stock WHERE facility_id = ?1 AND device = ?2", args![facility_id, device.code()])?.map(|r| r.get(0)).transpose()?;
    Ok(n.unwrap_or(0).max(0) as u32)
}

/// Moves the count of devices in use by `delta`, and tells phones the stock changed.
pub(crate) fn count_in_use(tx: &dyn Sql, em: &mut Emitter, facility_id: &str, device: Device, delta: i64) -> Result<()> {
    tx.execute(
        "UPDATE device_stock SET in_use = CASE WHEN in_use + ?3 < 0 THEN 0 ELSE in_use + ?3 END WHERE facility_id = ?1 AND device = ?2",
        args![facility_id, device.code(), delta],
    )?;
    em.changed(Change::public("device_stock", stock_key(facility_id, device)));
    Ok(())
}

/// A stock row's record id in sync: "FACILITY|DEVICE".
pub(crate) fn stock_key(facility_id: &str, device: Device) -> String {
    format!("{facility_id}|{}", device.code())
}

fn stock_in(sql: &dyn Sql, facility_id: &str, device: Device) -> Result<DeviceStock> {
    let r = sql
        .one("SELECT total, deposit_fen, daily_fee_fen FROM device_stock WHERE facility_id = ?1 AND device = ?2", args![facility_id, device.code()])?
        .ok_or_else(|| Error::not_found("device stock", format!("{} at {}", device.code(), truncate(facility_id, 64))))?;
    Ok(DeviceStock { facility_id: facility_id.into(), device, total: r.get(0)?, deposit_fen: r.get(1)?, daily_fee_fen: r.get(2)? })
}

/// Who may act on a rental: the senior's side, or the rental point's operator.
fn may_handle(sql: &dyn Sql, actor: &Actor, r: &Rental, action: &str) -> Result<()> {
    match actor {
        Actor::Operator(_) | Actor::Township(_) if crate::person::runs_facility(sql, actor, &r.facility_id)? => Ok(()),
        _ => may_act_for(sql, actor, &senior_in(sql, &r.senior_id)?, |p| p.can_book, action),
    }
}

impl CareCircle {
    /// Sets a rental point's count, deposit and daily fee for a device. The count cannot drop
    /// below the devices reserved or out.
    pub fn set_device_stock(&self, s: &DeviceStock) -> Result<()> {
        if s.total > 100_000 || s.deposit_fen > 10_000_000 || s.daily_fee_fen > 1_000_000 {
            return Err(Error::invalid("stock", "counts up to 100000, deposit up to 100000 yuan, fee up to 10000 yuan a day"));
        }
        let f = self.facility(&s.facility_id)?;
        if f.deleted {
            return Err(Error::not_found("facility", s.facility_id.clone()));
        }
        self.store.write(|sql| {
            let used = in_use(sql, &s.facility_id, s.device)?;
            if s.total < used {
                return Err(Error::invalid("stock", format!("{used} are reserved or out; the count cannot be lower")));
            }
            sql.execute(
                "INSERT INTO device_stock (facility_id, device, total, deposit_fen, daily_fee_fen) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(facility_id, device) DO UPDATE SET total = excluded.total, deposit_fen = excluded.deposit_fen, daily_fee_fen = excluded.daily_fee_fen",
                args![s.facility_id, s.device.code(), s.total, s.deposit_fen, s.daily_fee_fen],
            )?;
            crate::sync::log_changes(self, sql, vec![Change::public("device_stock", stock_key(&s.facility_id, s.device))])
        })
    }

    /// A rental point's devices with what is free now.
    pub fn device_stock(&self, facility_id: &str) -> Result<Vec<StockLevel>> {
        self.store.read(|sql| {
            let mut out = Vec::new();
            for d in Device::ALL {
                match stock_in(sql, facility_id, d) {
                    Ok(stock) => {
                        let used = in_use(sql, facility_id, d)?;
                        out.push(StockLevel { free: stock.total.saturating_sub(used), in_use: used, stock });
                    }
                    Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }

    /// The nearest points with at least one `device` free now, nearest first.
    pub fn nearest_with_device(&self, at: Position, device: Device, k: u32) -> Result<Vec<Nearby>> {
        let free: HashSet<String> = self.store.read(|sql| {
            sql.query(
                "SELECT s.facility_id FROM device_stock s WHERE s.device = ?1 AND s.total >
                   (SELECT COUNT(*) FROM rental r WHERE r.facility_id = s.facility_id AND r.device = s.device AND r.state IN ('reserved', 'picked_up'))",
                args![device.code()],
            )?
            .iter()
            .map(|r| r.get::<String>(0))
            .collect()
        })?;
        self.nearest_where(&NearbyQuery::new(at).k(k), &|id| free.contains(id))
    }

    /// Reserves a device for a senior; refused with [`Error::Full`] when none is free.
    /// On a phone it is queued and the platform decides (stock) at the next sync.
    pub fn reserve_device(&self, actor: &Actor, senior_id: &str, facility_id: &str, device: Device) -> Result<Rental> {
        self.reserve_device_with_id(actor, &uuid::Uuid::new_v4().to_string(), senior_id, facility_id, device)
    }

    /// As [`CareCircle::reserve_device`], with the rental's id chosen by the caller (a phone, offline).
    pub fn reserve_device_with_id(&self, actor: &Actor, id: &str, senior_id: &str, facility_id: &str, device: Device) -> Result<Rental> {
        self.write(|tx, em| {
            let r = reserve_device_in(tx, em, actor, id, senior_id, facility_id, device)?;
            em.record(actor, Command::ReserveDevice { rental_id: id.to_string(), senior_id: senior_id.to_string(), facility_id: facility_id.to_string(), device });
            Ok(r)
        })
    }

    /// The senior's side collects the device (the deposit is paid then).
    pub fn pick_up_device(&self, actor: &Actor, rental_id: &str) -> Result<Rental> {
        self.move_rental(actor, rental_id, RentalState::PickedUp)
    }

    /// The device comes back; the fee is settled against the deposit.
    pub fn return_device(&self, actor: &Actor, rental_id: &str) -> Result<Rental> {
        self.move_rental(actor, rental_id, RentalState::Returned)
    }

    /// A reservation not yet picked up is cancelled.
    pub fn cancel_rental(&self, actor: &Actor, rental_id: &str) -> Result<Rental> {
        self.move_rental(actor, rental_id, RentalState::Cancelled)
    }

    /// The state a move starts from and its event are `step`'s: one table for both paths.
    fn move_rental(&self, actor: &Actor, rental_id: &str, to: RentalState) -> Result<Rental> {
        self.write(|tx, em| {
            let r = move_rental_in(tx, em, actor, rental_id, to)?;
            let rental_id = rental_id.to_string();
            em.record(
                actor,
                match to {
                    RentalState::PickedUp => Command::PickUpDevice { rental_id },
                    RentalState::Returned => Command::ReturnDevice { rental_id },
                    _ => Command::CancelRental { rental_id },
                },
            );
            Ok(r)
        })
    }
}

/// The state a rental must be in to move to `to`, and the event the move is.
fn step(to: RentalState) -> (RentalState, EventKind) {
    match to {
        RentalState::PickedUp => (RentalState::Reserved, EventKind::DevicePickedUp),
        RentalState::Returned => (RentalState::PickedUp, EventKind::DeviceReturned),
        _ => (RentalState::Reserved, EventKind::RentalCancelled),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn reserve_device_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, facility_id: &str, device: Device) -> Result<Rental> {
    crate::sync::check_client_id("rental id", id)?;
    if tx.exists("SELECT 1 FROM rental WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "rental", id: id.to_string() });
    }
    let senior = senior_in(tx, senior_id)?;
    may_act_for(tx, actor, &senior, |p| p.can_book, "rent devices")?;
    let stock = stock_in(tx, facility_id, device)?;
    if in_use(tx, facility_id, device)? >= stock.total {
        return Err(Error::Full(format!("no {} is free at {facility_id}", device.code())));
    }
    // An approved rental subsidy application (see `subsidy`) waives the deposit and pays a
    // share of the daily fee; the rental keeps what the senior pays.
    let (mut deposit_fen, mut daily_fee_fen) = (stock.deposit_fen, stock.daily_fee_fen);
    if let Some((waived, share)) = crate::subsidy::rental_relief_in(tx, senior_id, crate::clock::shanghai_date(em.at))? {
        if waived {
            deposit_fen = 0;
        }
        daily_fee_fen = (f64::from(daily_fee_fen) * (1.0 - share)).round() as u32;
    }
    let r = Rental {
        id: id.to_string(),
        senior_id: senior_id.into(),
        facility_id: facility_id.into(),
        device,
        state: RentalState::Reserved,
        deposit_fen,
        daily_fee_fen,
        fee_fen: None,
        reserved_by: actor.label(),
        reserved_at: em.at,
        picked_up_at: None,
        returned_at: None,
    };
    tx.execute(
        &format!("INSERT INTO rental ({RENTAL_COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?10)"),
        args![r.id, r.senior_id, r.facility_id, device.code(), r.state.code(), r.deposit_fen, r.daily_fee_fen, r.fee_fen, r.reserved_by, r.reserved_at, r.picked_up_at, r.returned_at],
    )?;
    count_in_use(tx, em, facility_id, device, 1)?;
    em.emit(tx, EventKind::DeviceReserved, &r.id, senior_id, Some(facility_id), format!("device={}", device.code()))?;
    Ok(r)
}

pub(crate) fn move_rental_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, rental_id: &str, to: RentalState) -> Result<Rental> {
    {
        {
            let mut r = rental_in(tx, rental_id)?;
            may_handle(tx, actor, &r, "handle rentals")?;
            let (from, kind) = step(to);
            if r.state != from {
                return Err(Error::invalid("rental", format!("rental {} is {}: it cannot be {}", r.id, r.state.code(), to.code().replace('_', " "))));
            }
            r.state = to;
            match to {
                RentalState::PickedUp => r.picked_up_at = Some(em.at),
                RentalState::Returned => {
                    let out = r.picked_up_at.unwrap_or(r.reserved_at);
                    let days = ((em.at - out).num_minutes().max(1) + 24 * 60 - 1) / (24 * 60);
                    r.fee_fen = Some((days as u32).saturating_mul(r.daily_fee_fen));
                    r.returned_at = Some(em.at);
                }
                _ => {}
            }
            tx.execute(
                "UPDATE rental SET state = ?2, fee_fen = ?3, picked_up_at = ?4, returned_at = ?5, updated_at = ?6 WHERE id = ?1",
                args![r.id, r.state.code(), r.fee_fen, r.picked_up_at, r.returned_at, em.at],
            )?;
            if matches!(to, RentalState::Returned | RentalState::Cancelled) {
                count_in_use(tx, em, &r.facility_id, r.device, -1)?;
            }
            em.emit(tx, kind, &r.id, &r.senior_id, Some(&r.facility_id), format!("device={}", r.device.code()))?;
            Ok(r)
        }
    }
}

impl CareCircle {

    pub fn rental(&self, id: &str) -> Result<Rental> {
        self.store.read(|sql| rental_in(sql, id))
    }

    pub fn rentals_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<Rental>> {
        self.store.read(|sql| {
            let senior = senior_in(sql, senior_id)?;
            may_act_for(sql, actor, &senior, |p| p.can_see_visits || p.can_book, "see rentals")?;
            sql.query(&format!("SELECT {RENTAL_COLUMNS} FROM rental WHERE senior_id = ?1 ORDER BY reserved_at DESC"), args![senior_id])?.iter().map(rental_from_row).collect()
        })
    }
}
