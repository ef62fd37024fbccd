//! Assistive-device rental (康复辅具租赁): stock per rental point, reserve, pick up, return,
//! and the nearest point with a device free now.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::Nearby;
use crate::position::{Crs, wgs84};
use crate::time::to_system_time;
use carecircle_core::rental::{Device as CoreDevice, DeviceStock as CoreStock, Rental as CoreRental, RentalState as CoreState, StockLevel as CoreLevel};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Device {
    /// 轮椅
    Wheelchair,
    /// 助行器
    Walker,
    /// 洗澡椅
    BathChair,
    /// 护理床
    NursingBed,
    /// 坐便椅
    CommodeChair,
    /// 拐杖
    Crutches,
}

mirror!(Device, CoreDevice { Wheelchair, Walker, BathChair, NursingBed, CommodeChair, Crutches });

#[uniffi::export]
impl Device {
    /// "wheelchair", "bath_chair", ...
    pub fn code(&self) -> String {
        CoreDevice::from(*self).code().to_string()
    }
    /// "轮椅", "洗澡椅", ...
    pub fn chinese(&self) -> String {
        CoreDevice::from(*self).chinese().to_string()
    }
}

/// A rental point's count, deposit and daily fee for one device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceStock {
    pub facility_id: String,
    pub device: Device,
    pub total: u32,
    pub deposit_fen: u32,
    pub daily_fee_fen: u32,
}

impl From<CoreStock> for DeviceStock {
    fn from(s: CoreStock) -> Self {
        DeviceStock { facility_id: s.facility_id, device: s.device.into(), total: s.total, deposit_fen: s.deposit_fen, daily_fee_fen: s.daily_fee_fen }
    }
}

impl From<DeviceStock> for CoreStock {
    fn from(s: DeviceStock) -> Self {
        CoreStock { facility_id: s.facility_id, device: s.device.into(), total: s.total, deposit_fen: s.deposit_fen, daily_fee_fen: s.daily_fee_fen }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StockLevel {
    pub stock: DeviceStock,
    /// Reserved or out with a senior.
    pub in_use: u32,
    pub free: u32,
}

impl From<CoreLevel> for StockLevel {
    fn from(l: CoreLevel) -> Self {
        StockLevel { stock: l.stock.into(), in_use: l.in_use, free: l.free }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RentalState {
    Reserved,
    PickedUp,
    Returned,
    Cancelled,
}

mirror!(RentalState, CoreState { Reserved, PickedUp, Returned, Cancelled });

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rental {
    pub id: String,
    pub senior_id: String,
    pub facility_id: String,
    pub device: Device,
    pub state: RentalState,
    /// What the senior pays as deposit (0 with an approved rental subsidy).
    pub deposit_fen: u32,
    pub daily_fee_fen: u32,
    /// Set on return: whole days started, at least one, times the daily fee.
    pub fee_fen: Option<u32>,
    /// On return: the deposit back to the senior (fee taken from it first).
    pub refund_fen: Option<u32>,
    /// On return: still owed beyond the deposit.
    pub due_fen: Option<u32>,
    pub reserved_by: String,
    pub reserved_at: SystemTime,
    pub picked_up_at: Option<SystemTime>,
    pub returned_at: Option<SystemTime>,
}

impl From<CoreRental> for Rental {
    fn from(r: CoreRental) -> Self {
        let (refund_fen, due_fen) = (r.refund_fen(), r.due_fen());
        Rental {
            id: r.id,
            senior_id: r.senior_id,
            facility_id: r.facility_id,
            device: r.device.into(),
            state: r.state.into(),
            deposit_fen: r.deposit_fen,
            daily_fee_fen: r.daily_fee_fen,
            fee_fen: r.fee_fen,
            refund_fen,
            due_fen,
            reserved_by: r.reserved_by,
            reserved_at: to_system_time(r.reserved_at),
            picked_up_at: r.picked_up_at.map(to_system_time),
            returned_at: r.returned_at.map(to_system_time),
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// Sets a rental point's count, deposit and daily fee for a device; the count cannot drop
    /// below the devices reserved or out.
    pub fn set_device_stock(&self, stock: DeviceStock) -> Result<(), CareCircleError> {
        Ok(self.inner.set_device_stock(&stock.into())?)
    }

    /// A rental point's devices with what is free now.
    pub fn device_stock(&self, facility_id: String) -> Result<Vec<StockLevel>, CareCircleError> {
        Ok(self.inner.device_stock(&facility_id)?.into_iter().map(Into::into).collect())
    }

    /// The `k` nearest rental points with at least one `device` free now, from the position
    /// `lat`, `lon` in `crs`, nearest first.
    pub fn nearest_with_device(&self, lat: f64, lon: f64, crs: Crs, device: Device, k: u32) -> Result<Vec<Nearby>, CareCircleError> {
        Ok(self.inner.nearest_with_device(wgs84(lat, lon, crs)?, device.into(), k)?.into_iter().map(Into::into).collect())
    }

    /// Reserves a device for a senior (the senior's side, or the station); `Full` when none is free.
    pub fn reserve_device(&self, actor: Actor, senior_id: String, facility_id: String, device: Device) -> Result<Rental, CareCircleError> {
        Ok(self.inner.reserve_device(&actor.core(), &senior_id, &facility_id, device.into())?.into())
    }

    /// The senior's side collects the device (the deposit is paid then).
    pub fn pick_up_device(&self, actor: Actor, rental_id: String) -> Result<Rental, CareCircleError> {
        Ok(self.inner.pick_up_device(&actor.core(), &rental_id)?.into())
    }

    /// The device comes back; the fee is settled against the deposit.
    pub fn return_device(&self, actor: Actor, rental_id: String) -> Result<Rental, CareCircleError> {
        Ok(self.inner.return_device(&actor.core(), &rental_id)?.into())
    }

    /// A reservation not yet picked up is cancelled.
    pub fn cancel_rental(&self, actor: Actor, rental_id: String) -> Result<Rental, CareCircleError> {
        Ok(self.inner.cancel_rental(&actor.core(), &rental_id)?.into())
    }

    pub fn rental(&self, id: String) -> Result<Rental, CareCircleError> {
        Ok(self.inner.rental(&id)?.into())
    }

    /// A senior's rentals, newest first, for those allowed to see them.
    pub fn rentals_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<Rental>, CareCircleError> {
        Ok(self.inner.rentals_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }
}
