//! Weekly opening hours (and caregivers' availability), read in Asia/Shanghai.
//!
//! Grammar, as in files and the CLI: entries separated by `;`, each `DAYS RANGES`.
//! DAYS is `daily`, a day (`mon`), a range (`mon-fri`) or a list (`sat,sun`);
//! RANGES is one or more `HH:MM-HH:MM` separated by `,`. `24h` alone means always open.
//! A range that ends before it starts runs past midnight into the next day.
//! Empty means unknown: such a place is never reported open at a given time.
//! Example: `mon-fri 08:00-17:30; sat 09:00-12:00`.

use crate::clock::to_shanghai;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MIN: u16 = 24 * 60;

/// Open intervals per weekday (0 = Monday), minutes since local midnight, merged and sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<(u16, u16)>; 7],
}

impl WeeklyHours {
    pub fn always() -> Self {
        WeeklyHours { days: std::array::from_fn(|_| vec![(0, DAY_MIN)]) }
    }

    pub fn is_unknown(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let mut h = WeeklyHours::default();
        if s.is_empty() {
            return Ok(h);
        }
        if s.len() > 512 {
            return Err(bad(s, "longer than 512 characters"));
        }
        if s.eq_ignore_ascii_case("24h") || s.eq_ignore_ascii_case("24/7") {
            return Ok(WeeklyHours::always());
        }
        for entry in s.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (days, ranges) = entry.split_once(char::is_whitespace).ok_or_else(|| bad(entry, "expected DAYS then HH:MM-HH:MM"))?;
            let days = parse_days(days).ok_or_else(|| bad(entry, "days must be like mon, mon-fri, sat,sun or daily"))?;
            for range in ranges.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                let (a, b) = range.split_once('-').ok_or_else(|| bad(range, "expected HH:MM-HH:MM"))?;
                let (open, close) = (parse_hm(a).ok_or_else(|| bad(a, "not a time HH:MM"))?, parse_hm(b).ok_or_else(|| bad(b, "not a time HH:MM"))?);
                if open == close {
                    return Err(bad(range, "opens and closes at the same time"));
                }
                for &d in &days {
                    if open < close {
                        h.days[d].push((open, close));
                    } else {
                        h.days[d].push((open, DAY_MIN));
                        if close > 0 {
                            h.days[(d + 1) % 7].push((0, close));
                        }
                    }
                }
            }
        }
        for day in &mut h.days {
            day.sort_unstable();
            let mut merged: Vec<(u16, u16)> = Vec::with_capacity(day.len());
            for &(a, b) in day.iter() {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            *day = merged;
        }
        Ok(h)
    }

    /// The open intervals of one weekday (0 = Monday), minutes since local midnight, sorted.
    pub fn day(&self, weekday: usize) -> &[(u16, u16)] {
        &self.days[weekday % 7]
    }

    /// Open at this instant (read in Shanghai)?
    pub fn is_open_at(&self, t: DateTime<Utc>) -> bool {
        let local = to_shanghai(t);
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.days[day].iter().any(|&(a, b)| a <= minute && minute < b)
    }

    /// Does one open stretch cover the whole of [start, end)? Used for caregivers'
    /// availability; a slot may run past midnight only if the hours do too.
    pub fn covers(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        if end <= start {
            return false;
        }
        let mut t = start;
        // Walk day by day through the slot; each piece must sit inside one interval.
        while t < end {
            let local = to_shanghai(t);
            let day = local.weekday().num_days_from_monday() as usize;
            let from = (local.hour() * 60 + local.minute()) as u16;
            let minutes_left_today = i64::from(DAY_MIN - from);
            let remaining = (end - t).num_minutes().max(1);
            let to = if remaining <= minutes_left_today { from + remaining as u16 } else { DAY_MIN };
            if !self.days[day].iter().any(|&(a, b)| a <= from && to <= b) {
                return false;
            }
            t += chrono::Duration::minutes(i64::from(to - from));
        }
        true
    }
}

fn bad(part: &str, why: &str) -> Error {
    Error::invalid("hours", format!("'{}': {why}", crate::facility::truncate(part, 40)))
}

fn parse_days(s: &str) -> Option<Vec<usize>> {
    let s = s.to_ascii_lowercase();
    if s == "daily" {
        return Some((0..7).collect());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let day = |d: &str| DAYS.iter().position(|x| *x == d);
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    out.push(d);
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out.push(day(part)?),
        }
    }
    Some(out)
}

fn parse_hm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY_MIN),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl fmt::Display for WeeklyHours {
    /// The canonical form: one entry per run of days with identical hours.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == WeeklyHours::always() {
            return f.write_str("24h");
        }
        let mut first = true;
        let mut d = 0;
        while d < 7 {
            let mut e = d;
            while e + 1 < 7 && self.days[e + 1] == self.days[d] {
                e += 1;
            }
            if !self.days[d].is_empty() {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                match (d, e) {
                    (0, 6) => f.write_str("daily")?,
                    _ if d == e => f.write_str(DAYS[d])?,
                    _ => write!(f, "{}-{}", DAYS[d], DAYS[e])?,
                }
                for (i, (a, b)) in self.days[d].iter().enumerate() {
                    write!(f, "{}{:02}:{:02}-{:02}:{:02}", if i == 0 { " " } else { "," }, a / 60, a % 60, b / 60, b % 60)?;
                }
            }
            d = e + 1;
        }
        Ok(())
    }
}

impl Serialize for WeeklyHours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        WeeklyHours::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    #[test]
    fn parses_and_prints_canonical_form() {
        let h = WeeklyHours::parse("mon-fri 08:00-17:30; sat 09:00-12:00").unwrap();
        assert_eq!(h.to_string(), "mon-fri 08:00-17:30; sat 09:00-12:00");
        assert_eq!(WeeklyHours::parse("daily 10:30-13:00,16:30-18:30").unwrap().to_string(), "daily 10:30-13:00,16:30-18:30");
        assert_eq!(WeeklyHours::parse("24h").unwrap().to_string(), "24h");
        assert!(WeeklyHours::parse("").unwrap().is_unknown());
        for bad in ["mon 8-17", "funday 08:00-09:00", "mon 25:00-26:00", "mon 09:00-09:00", "mon"] {
            assert!(WeeklyHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn open_at_reads_shanghai_time() {
        let h = WeeklyHours::parse("mon-fri 08:00-17:30").unwrap();
        // 2026-11-23 is a Monday.
        assert!(h.is_open_at(parse_instant("2026-11-23T08:00").unwrap()));
        assert!(!h.is_open_at(parse_instant("2026-11-23T17:30").unwrap()));
        // 01:00 UTC Monday is 09:00 in Shanghai.
        assert!(h.is_open_at(parse_instant("2026-11-23T01:00:00Z").unwrap()));
        assert!(!h.is_open_at(parse_instant("2026-11-28T10:00").unwrap()));
        assert!(!WeeklyHours::default().is_open_at(parse_instant("2026-11-23T10:00").unwrap()));
    }

    #[test]
    fn overnight_ranges_and_cover() {
        let h = WeeklyHours::parse("fri 22:00-06:00").unwrap();
        assert!(h.is_open_at(parse_instant("2026-11-28T05:00").unwrap())); // Saturday morning
        assert!(h.covers(parse_instant("2026-11-27T23:00").unwrap(), parse_instant("2026-11-28T02:00").unwrap()));
        let day = WeeklyHours::parse("mon-fri 08:00-12:00,13:00-17:00").unwrap();
        let t = |s| parse_instant(s).unwrap();
        assert!(day.covers(t("2026-11-23T09:00"), t("2026-11-23T11:00")));
        assert!(!day.covers(t("2026-11-23T11:00"), t("2026-11-23T14:00")));
        assert!(!day.covers(t("2026-11-28T09:00"), t("2026-11-28T10:00")));
    }
}
