//! Facilities of the home-care network: centres, stations, canteens, rental points, clinics.

use crate::error::{Error, Result};
use crate::hours::WeeklyHours;
use crate::position::Position;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Limits on text fields, so one bad file cannot fill a phone.
pub const MAX_ID_LEN: usize = 64;
pub const MAX_TEXT_LEN: usize = 512;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code used in files, the CLI, JSON and the database.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The Chinese name used by the programmes.
            pub fn chinese(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn index(self) -> usize { self as usize }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(Error::invalid($what, format!(
                        "unknown code '{}', expected one of {}",
                        truncate(other, 40),
                        [$($code),+].join(", ")
                    ))),
                }
            }
        }
    };
}

code_enum!(
    /// Kinds of facility in the county-township-village network.
    FacilityKind, "kind" {
        RegionalCenter = "regional_center", "区域性居家养老服务中心";
        TownshipCenter = "township_center", "镇街居家养老中心";
        CommunityStation = "community_station", "村社居家养老服务站";
        Canteen = "canteen", "老年食堂/助餐点";
        RentalPoint = "rental_point", "康复辅具租赁点";
        Clinic = "clinic", "基层医疗卫生机构";
    }
);

code_enum!(
    /// Services of the seeds' basic elderly-service list.
    Service, "service" {
        Meals = "meals", "助餐";
        Cleaning = "cleaning", "助洁";
        Bathing = "bathing", "助浴";
        Medical = "medical", "助医";
        Mobility = "mobility", "助行";
        Emergency = "emergency", "助急";
        DayCare = "day_care", "日间照料";
        FullTimeCare = "full_time_care", "全托服务";
        Rehabilitation = "rehabilitation", "康复护理";
        Companionship = "companionship", "精神慰藉";
    }
);

/// `code()` and `FromStr` for a plain enum stored and exchanged as snake_case codes; an unknown
/// code is an invalid-input error that lists the known ones.
macro_rules! codes {
    ($t:ident, $what:literal, $($v:ident = $c:literal),+) => {
        impl $t {
            pub fn code(self) -> &'static str { match self { $($t::$v => $c),+ } }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                match s.trim() {
                    $($c => Ok($t::$v),)+
                    _ => Err($crate::error::Error::invalid($what, format!("unknown '{}', expected {}", $crate::facility::truncate(s, 20), [$($c),+].join(", ")))),
                }
            }
        }
    };
}
pub(crate) use codes;

pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars { s.to_string() } else { s.chars().take(max_chars).collect::<String>() + "…" }
}

/// A set of services as a bit mask: cheap to copy into the spatial index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServiceSet(u16);

impl ServiceSet {
    pub const EMPTY: ServiceSet = ServiceSet(0);
    pub fn from_bits(bits: u16) -> Self {
        ServiceSet(bits & ((1 << Service::ALL.len()) - 1))
    }
    pub fn bits(self) -> u16 {
        self.0
    }
    pub fn insert(&mut self, s: Service) {
        self.0 |= 1 << s.index();
    }
    pub fn contains(self, s: Service) -> bool {
        self.0 & (1 << s.index()) != 0
    }
    pub fn contains_all(self, other: ServiceSet) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.iter().copied().filter(move |s| self.contains(*s))
    }
    /// Parses codes separated by `,` or `;` (the CSV and CLI forms).
    pub fn parse_list(s: &str) -> Result<Self> {
        s.split([',', ';']).map(str::trim).filter(|c| !c.is_empty()).map(str::parse).collect()
    }
}

impl FromIterator<Service> for ServiceSet {
    fn from_iter<I: IntoIterator<Item = Service>>(iter: I) -> Self {
        let mut set = ServiceSet::EMPTY;
        for s in iter {
            set.insert(s);
        }
        set
    }
}

impl Serialize for ServiceSet {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        ser.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ServiceSet {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        Ok(Vec::<Service>::deserialize(de)?.into_iter().collect())
    }
}

/// A facility as stored. `deleted` is a tombstone kept for sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    #[serde(flatten)]
    pub position: Position,
    pub address: String,
    pub phone: String,
    pub hours: WeeklyHours,
    pub services: ServiceSet,
    pub capacity: u32,
    /// 12-digit administrative division code (统计用区划代码) of its village or community.
    pub division: String,
    pub updated_at: DateTime<Utc>,
    pub deleted: bool,
}

impl Facility {
    /// Checks every field a file or a caller can get wrong; returns all problems.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        check_id(&self.id, &mut out);
        if self.name.trim().is_empty() {
            out.push("name is missing".into());
        } else if self.name.chars().count() > MAX_TEXT_LEN {
            out.push(format!("name is longer than {MAX_TEXT_LEN} characters"));
        }
        for (field, value) in [("address", &self.address), ("phone", &self.phone)] {
            if value.chars().count() > MAX_TEXT_LEN {
                out.push(format!("{field} is longer than {MAX_TEXT_LEN} characters"));
            }
        }
        if !self.division.is_empty() && !is_division_code(&self.division) {
            out.push(format!("division '{}' is not a 6- to 12-digit code", truncate(&self.division, 20)));
        }
        if let Err(e) = Position::new(self.position.lat, self.position.lon) {
            out.push(e.to_string());
        }
        out
    }

    pub fn validate(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            None => Ok(()),
            Some(p) => Err(Error::invalid("facility", p)),
        }
    }
}

pub(crate) fn check_id(id: &str, out: &mut Vec<String>) {
    if id.trim().is_empty() {
        out.push("id is missing".into());
    } else if id.len() > MAX_ID_LEN {
        out.push(format!("id is longer than {MAX_ID_LEN} bytes"));
    } else if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        out.push("id contains spaces or control characters".into());
    }
}

/// A 6- to 12-digit administrative division code, e.g. 330211 or 330211003001.
pub fn is_division_code(s: &str) -> bool {
    (6..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_service_codes_round_trip() {
        for k in FacilityKind::ALL {
            assert_eq!(k.code().parse::<FacilityKind>().unwrap(), *k);
        }
        let e = "hospital".parse::<FacilityKind>().unwrap_err().to_string();
        assert!(e.contains("unknown code 'hospital'") && e.contains("canteen"), "{e}");
        let set = ServiceSet::parse_list("meals; bathing,companionship").unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Service::Meals, Service::Bathing, Service::Companionship]);
        assert_eq!(ServiceSet::from_bits(set.bits()), set);
        assert!(ServiceSet::parse_list("meals;flying").is_err());
    }
}
