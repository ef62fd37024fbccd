//! Time: an injectable clock (tests drive cut-offs and escalations with it) and the
//! Asia/Shanghai local time in which opening hours, cut-offs and "today" are read.
//!
//! Asia/Shanghai has been UTC+08:00 without daylight saving since 1991, so a fixed
//! offset is exact for every date CareCircle handles and keeps the tz database out
//! of the phone library.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::sync::Mutex;

use crate::error::{Error, Result};

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn to_shanghai(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&shanghai())
}

/// The date in Shanghai at instant `t`.
pub fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    to_shanghai(t).date_naive()
}

/// A Shanghai wall-clock time as a UTC instant.
pub fn from_shanghai(local: NaiveDateTime) -> DateTime<Utc> {
    shanghai().from_local_datetime(&local).single().expect("fixed offsets are unambiguous").with_timezone(&Utc)
}

/// Parses an instant: RFC 3339 with an offset ("2026-11-23T09:00:00Z", "...+08:00"),
/// or a wall-clock time without one, read in Asia/Shanghai ("2026-11-23T09:00", "2026-11-23 09:00").
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    let in_range = |t: DateTime<Utc>| check_year(shanghai_date(t)).map(|_| t);
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return in_range(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return in_range(from_shanghai(local));
        }
    }
    Err(Error::invalid("time", format!("'{}' is not a time like 2026-11-23T09:00 (Shanghai) or RFC 3339", crate::facility::truncate(s, 40))))
}

pub fn parse_date(s: &str) -> Result<NaiveDate> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid("date", format!("'{}' is not a date like 1940-05-17", crate::facility::truncate(s, 40))))?;
    check_year(d)?;
    Ok(d)
}

/// Dates and times from outside are kept to years 1900-2999: every care date falls there, and
/// date arithmetic then never reaches chrono's limits (where it would panic).
fn check_year(d: NaiveDate) -> Result<()> {
    use chrono::Datelike;
    if (1900..=2999).contains(&d.year()) { Ok(()) } else { Err(Error::invalid("date", "the year must be between 1900 and 2999")) }
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(start))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_times_are_read_in_shanghai() {
        let t = parse_instant("2026-11-23T09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T01:00:00+00:00");
        assert_eq!(parse_instant("2026-11-23T01:00:00Z").unwrap(), t);
        // 23:30 UTC is already the next day in Shanghai.
        assert_eq!(shanghai_date(parse_instant("2026-11-23T23:30:00Z").unwrap()).to_string(), "2026-11-24");
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_date("2026-02-30").is_err());
    }
}
