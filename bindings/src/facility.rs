//! The facility catalogue: kinds, services, facilities, and the nearest and within-radius
//! queries.

use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::position::{Crs, wgs84};
use crate::time::{from_system_time, to_system_time};
use carecircle_core::catalogue::{Nearby as CoreNearby, NearbyQuery as CoreQuery};
use carecircle_core::facility::{Facility as CoreFacility, FacilityKind as CoreKind, Service as CoreService, ServiceSet};
use std::time::SystemTime;

/// Kinds of facility in the county-township-village network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum FacilityKind {
    /// 区域性居家养老服务中心
    RegionalCenter,
    /// 镇街居家养老中心
    TownshipCenter,
    /// 村社居家养老服务站
    CommunityStation,
    /// 老年食堂/助餐点
    Canteen,
    /// 康复辅具租赁点
    RentalPoint,
    /// 基层医疗卫生机构
    Clinic,
}

/// Services of the basic elderly-service list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Service {
    /// 助餐
    Meals,
    /// 助洁
    Cleaning,
    /// 助浴
    Bathing,
    /// 助医
    Medical,
    /// 助行
    Mobility,
    /// 助急
    Emergency,
    /// 日间照料
    DayCare,
    /// 全托服务
    FullTimeCare,
    /// 康复护理
    Rehabilitation,
    /// 精神慰藉
    Companionship,
}

macro_rules! mirror_enum {
    ($ffi:ident, $core:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$variant => $core::$variant),+ }
            }
        }
        impl From<$core> for $ffi {
            fn from(v: $core) -> Self {
                match v { $($core::$variant => $ffi::$variant),+ }
            }
        }
        #[uniffi::export]
        impl $ffi {
            /// The stable code used in files, JSON and the database, e.g. "canteen".
            pub fn code(&self) -> String {
                $core::from(*self).code().to_string()
            }
            /// The Chinese name used by the programmes, e.g. "老年食堂/助餐点".
            pub fn chinese(&self) -> String {
                $core::from(*self).chinese().to_string()
            }
        }
    };
}

mirror_enum!(FacilityKind, CoreKind { RegionalCenter, TownshipCenter, CommunityStation, Canteen, RentalPoint, Clinic });
mirror_enum!(Service, CoreService {
    Meals, Cleaning, Bathing, Medical, Mobility, Emergency, DayCare, FullTimeCare, Rehabilitation, Companionship,
});

/// A facility as stored. Coordinates are WGS-84 when returned (`putFacilities` takes them in
/// its `crs`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    /// WGS-84 latitude (use `convertPosition` for a GCJ-02 or BD-09 map).
    pub lat: f64,
    /// WGS-84 longitude.
    pub lon: f64,
    #[uniffi(default = "")]
    pub address: String,
    #[uniffi(default = "")]
    pub phone: String,
    /// Weekly opening hours, e.g. "mon-fri 08:00-17:30; sat 09:00-12:00"; empty if unknown.
    #[uniffi(default = "")]
    pub hours: String,
    #[uniffi(default = [])]
    pub services: Vec<Service>,
    #[uniffi(default = 0)]
    pub capacity: u32,
    /// 12-digit administrative division code of its village or community (may be empty).
    #[uniffi(default = "")]
    pub division: String,
    pub updated_at: SystemTime,
    /// A deleted facility is kept as a tombstone for sync and is never found by searches.
    #[uniffi(default = false)]
    pub deleted: bool,
}

impl Facility {
    fn to_core(&self, crs: Crs) -> carecircle_core::Result<CoreFacility> {
        Ok(CoreFacility {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind.into(),
            position: wgs84(self.lat, self.lon, crs)?,
            address: self.address.clone(),
            phone: self.phone.clone(),
            hours: carecircle_core::hours::WeeklyHours::parse(&self.hours)?,
            services: self.services.iter().map(|s| CoreService::from(*s)).collect::<ServiceSet>(),
            capacity: self.capacity,
            division: self.division.clone(),
            updated_at: crate::time::instant(self.updated_at)?,
            deleted: self.deleted,
        })
    }
}

impl From<CoreFacility> for Facility {
    fn from(f: CoreFacility) -> Self {
        Facility {
            id: f.id,
            name: f.name,
            kind: f.kind.into(),
            lat: f.position.lat,
            lon: f.position.lon,
            address: f.address,
            phone: f.phone,
            hours: f.hours.to_string(),
            services: f.services.iter().map(Into::into).collect(),
            capacity: f.capacity,
            division: f.division,
            updated_at: to_system_time(f.updated_at),
            deleted: f.deleted,
        }
    }
}

/// What to look for near a position.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NearbyQuery {
    /// Kinds to consider; empty means all.
    #[uniffi(default = [])]
    pub kinds: Vec<FacilityKind>,
    /// Services a facility must offer, all of them; empty means any.
    #[uniffi(default = [])]
    pub services: Vec<Service>,
    /// Only facilities open at this instant (opening hours are read in Asia/Shanghai).
    #[uniffi(default = None)]
    pub open_at: Option<SystemTime>,
    /// How many results at most, 1 to 1000 (`nearest` only; `within` returns all).
    pub k: u32,
    /// Only facilities at most this many metres away (great-circle); required by `within`.
    #[uniffi(default = None)]
    pub radius_m: Option<f64>,
}

impl NearbyQuery {
    fn to_core(&self, lat: f64, lon: f64, crs: Crs) -> Result<CoreQuery, CareCircleError> {
        let mut q = CoreQuery::new(wgs84(lat, lon, crs)?).kinds(self.kinds.iter().map(|k| CoreKind::from(*k))).k(self.k);
        q.services = self.services.iter().map(|s| CoreService::from(*s)).collect::<ServiceSet>();
        q.open_at = match self.open_at {
            None => None,
            Some(t) => Some(from_system_time(t).ok_or_else(|| CareCircleError::invalid_input("open at", "the instant is out of range"))?),
        };
        q.radius_m = self.radius_m;
        Ok(q)
    }
}

/// A facility found near a position, nearest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Nearby {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    /// WGS-84 latitude of the facility (use `convertPosition` for a GCJ-02 or BD-09 map).
    pub lat: f64,
    /// WGS-84 longitude of the facility.
    pub lon: f64,
    /// Great-circle distance in metres.
    pub distance_m: f64,
    /// Walking minutes for a senior (distance × detour factor ÷ walking speed).
    pub walk_minutes: f64,
}

impl From<CoreNearby> for Nearby {
    fn from(n: CoreNearby) -> Self {
        Nearby { id: n.id, name: n.name, kind: n.kind.into(), lat: n.lat, lon: n.lon, distance_m: n.distance_m, walk_minutes: n.walk_minutes.unwrap_or(f64::INFINITY) } // infinite: no walking path
    }
}

#[uniffi::export]
impl CareCircle {
    /// The `query.k` nearest facilities matching `query` from the position `lat`, `lon`
    /// given in the coordinate system `crs` (GCJ-02 from Amap, BD-09 from Baidu, WGS-84 from
    /// GPS), nearest first. Results carry WGS-84 coordinates.
    pub fn nearest(&self, lat: f64, lon: f64, crs: Crs, query: NearbyQuery) -> Result<Vec<Nearby>, CareCircleError> {
        let q = query.to_core(lat, lon, crs)?;
        Ok(self.inner.nearest(&q)?.into_iter().map(Into::into).collect())
    }

    /// Every facility matching `query` within `query.radiusM` metres of the position `lat`,
    /// `lon` given in `crs`, nearest first. Results carry WGS-84 coordinates.
    pub fn within(&self, lat: f64, lon: f64, crs: Crs, query: NearbyQuery) -> Result<Vec<Nearby>, CareCircleError> {
        let q = query.to_core(lat, lon, crs)?;
        Ok(self.inner.within(&q)?.into_iter().map(Into::into).collect())
    }

    /// One facility by id (a deleted one comes back with `deleted` set).
    pub fn facility(&self, id: String) -> Result<Facility, CareCircleError> {
        Ok(self.inner.facility(&id)?.into())
    }

    /// How many facilities searches can find.
    pub fn facility_count(&self) -> u64 {
        self.inner.facility_count() as u64
    }

    /// Adds or replaces facilities in one transaction (a station or district editing the
    /// catalogue); their positions are given in `crs`. One with `deleted` set becomes a
    /// tombstone that searches no longer find.
    pub fn put_facilities(&self, facilities: Vec<Facility>, crs: Crs) -> Result<crate::import::ImportReport, CareCircleError> {
        let facilities = facilities.iter().map(|f| f.to_core(crs)).collect::<carecircle_core::Result<Vec<_>>>()?;
        Ok(self.inner.put_facilities(&facilities)?.into())
    }

    /// Marks a facility deleted (a tombstone that sync passes on).
    pub fn delete_facility(&self, id: String) -> Result<(), CareCircleError> {
        Ok(self.inner.delete_facility(&id)?)
    }
}
