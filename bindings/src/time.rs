//! Time across the boundary, one convention for every area:
//!
//! - **instants** are `SystemTime` here: `java.time.Instant` in Kotlin, `Date` in Swift, both
//!   UTC instants (show them in Asia/Shanghai, UTC+8 all year); converted here to the core's
//!   `chrono::DateTime<Utc>` without the panics of the std/chrono conversions at the edges;
//! - **dates** (a birthday, a menu's day, a plan's first day) are ISO strings "2026-11-24",
//!   Shanghai calendar days;
//! - **times of day** (opening hours, meal cut-offs, plan visits) are "HH:MM" strings, Shanghai
//!   wall clock;
//! - **months** are a year and a month number (2026, 11).
//!
//! A string that is not a date or time is the area's `InvalidInput` error, worded by the core.

use carecircle_core::Error as CoreError;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::time::{SystemTime, UNIX_EPOCH};

/// The core's instant for `t`; an instant outside the core's range is invalid input.
pub(crate) fn instant(t: SystemTime) -> carecircle_core::Result<DateTime<Utc>> {
    from_system_time(t).ok_or_else(|| CoreError::invalid("time", "the instant is out of range"))
}

/// A date "2026-11-24".
pub(crate) fn date(s: &str) -> carecircle_core::Result<NaiveDate> {
    carecircle_core::clock::parse_date(s)
}

pub(crate) fn date_string(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A Shanghai wall-clock time "09:00" for `field`.
pub(crate) fn time_of_day(field: &'static str, s: &str) -> carecircle_core::Result<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| CoreError::invalid(field, format!("'{}' is not a time like 09:00", s.chars().take(20).collect::<String>())))
}

pub(crate) fn time_string(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// `None` when the instant is outside what the core can represent.
pub(crate) fn from_system_time(t: SystemTime) -> Option<DateTime<Utc>> {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => DateTime::UNIX_EPOCH.checked_add_signed(TimeDelta::from_std(after).ok()?),
        Err(before) => DateTime::UNIX_EPOCH.checked_sub_signed(TimeDelta::from_std(before.duration()).ok()?),
    }
}

/// Saturates at the epoch in the (theoretical) case the platform's clock cannot hold `t`.
pub(crate) fn to_system_time(t: DateTime<Utc>) -> SystemTime {
    let since = t.signed_duration_since(DateTime::UNIX_EPOCH);
    let moved = match since.to_std() {
        Ok(after) => UNIX_EPOCH.checked_add(after),
        Err(_) => since.abs().to_std().ok().and_then(|before| UNIX_EPOCH.checked_sub(before)),
    };
    moved.unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn instants_round_trip_both_sides_of_the_epoch() {
        for t in [UNIX_EPOCH + Duration::new(1_795_000_000, 123), UNIX_EPOCH - Duration::new(86_400, 5)] {
            assert_eq!(to_system_time(from_system_time(t).unwrap()), t);
        }
        assert!(from_system_time(UNIX_EPOCH + Duration::from_secs(u64::MAX / 2)).is_none());
    }
}
