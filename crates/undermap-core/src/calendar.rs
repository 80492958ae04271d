//! Working days as China's State Council sets them each year: weekdays, less the public
//! holidays, plus the weekend days worked in their place (调休上班). Kept as data
//! (`data/working_days_cn.toml`, one table per year with the notice it comes from), so that a
//! deployment adds next year's days when the notice appears, without a new release. Deadlines
//! counted in working days — a ticket's validity, an owner's time to answer, the window a dig
//! may start in — all count on one [`WorkingCalendar`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::CoreError;

/// The calendar shipped with undermap.
const BUILTIN: &str = include_str!("../data/working_days_cn.toml");

/// One year's holidays and make-up working days.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Year {
    off: BTreeSet<NaiveDate>,
    working: BTreeSet<NaiveDate>,
    source: String,
}

/// Which days are working days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, Year>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    year: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    #[serde(default)]
    off: Vec<String>,
    #[serde(default)]
    working: Vec<String>,
}

fn invalid(reason: String) -> CoreError {
    CoreError::InvalidValue {
        field: "calendar",
        reason,
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The days `text` names: `2026-02-15` or `2026-02-15..2026-02-23` (both included).
fn days(text: &str) -> Result<Vec<NaiveDate>, CoreError> {
    let date = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|e| invalid(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
    };
    let (first, last) = match text.split_once("..") {
        Some((a, b)) => (date(a)?, date(b)?),
        None => (date(text)?, date(text)?),
    };
    if last < first || (last - first).num_days() > 31 {
        return Err(invalid(format!(
            "{text:?}: a range runs forward, over at most a month"
        )));
    }
    Ok(first.iter_days().take_while(|d| *d <= last).collect())
}

impl WorkingCalendar {
    /// The calendar shipped with undermap (China, 2025 and 2026).
    #[must_use]
    pub fn builtin() -> Self {
        // Parsed by a unit test: it cannot fail at run time.
        Self::parse(BUILTIN).unwrap_or_default()
    }

    /// A calendar in the form of `data/working_days_cn.toml`. Refused, naming the day: a day
    /// outside its year, a make-up working day that is not a weekend day, a day both off and
    /// worked, a year twice.
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let file: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut years = BTreeMap::new();
        for y in file.year {
            let mut year = Year {
                off: BTreeSet::new(),
                working: BTreeSet::new(),
                source: y.source,
            };
            for (list, into) in [(&y.off, &mut year.off), (&y.working, &mut year.working)] {
                for text in list {
                    for d in days(text)? {
                        if d.year() != y.year {
                            return Err(invalid(format!("{d} is listed under year {}", y.year)));
                        }
                        into.insert(d);
                    }
                }
            }
            if let Some(d) = year.working.iter().find(|d| !is_weekend(**d)) {
                return Err(invalid(format!(
                    "{d} is a weekday: `working` lists the weekend days worked in place of holidays"
                )));
            }
            if let Some(d) = year.off.intersection(&year.working).next() {
                return Err(invalid(format!("{d} is listed both as off and as worked")));
            }
            if years.insert(y.year, year).is_some() {
                return Err(invalid(format!("year {} is listed twice", y.year)));
            }
        }
        Ok(Self { years })
    }

    /// Monday to Friday, every year: for a deployment outside China's calendar.
    #[must_use]
    pub fn weekdays_only() -> Self {
        Self::default()
    }

    /// Whether the calendar lists `year`'s holidays (else its working days are its weekdays).
    #[must_use]
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The notice a year's days come from.
    #[must_use]
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    /// Whether `d` is a working day.
    #[must_use]
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some(y) if y.working.contains(&d) => true,
            Some(y) if y.off.contains(&d) => false,
            _ => !is_weekend(d),
        }
    }

    /// The `days`-th working day after `from` (`from` itself when `days` is 0).
    #[must_use]
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let mut d = from;
        let mut left = days;
        while left > 0 {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The working days after `from` up to and including `to` (0 when `to` is not after
    /// `from`).
    #[must_use]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .fold(0, |n, _| n + 1)
    }

    /// `d` if it is a working day, else the next one.
    #[must_use]
    pub fn this_or_next_working_day(&self, d: NaiveDate) -> NaiveDate {
        d.iter_days().find(|d| self.is_working_day(*d)).unwrap_or(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_calendar_parses_and_follows_the_notices() {
        let cal = WorkingCalendar::parse(BUILTIN).unwrap();
        assert!(cal.covers(2025) && cal.covers(2026) && !cal.covers(2027));
        // Spring Festival 2026: off Sunday 15 to Monday 23 February; Saturdays 14 and 28 worked.
        assert!(cal.is_working_day(day("2026-02-13")));
        assert!(cal.is_working_day(day("2026-02-14")));
        assert!(!cal.is_working_day(day("2026-02-16")));
        assert!(!cal.is_working_day(day("2026-02-23")));
        assert!(cal.is_working_day(day("2026-02-24")));
        assert!(cal.is_working_day(day("2026-02-28")));
        // National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
        assert!(cal.is_working_day(day("2025-09-28")));
        assert!(!cal.is_working_day(day("2025-10-08")));
        assert!(cal.is_working_day(day("2025-10-11")));
        // From Friday 13 February 2026, five working days: 14 (a Saturday worked), 24, 25, 26, 27.
        assert_eq!(
            cal.add_working_days(day("2026-02-13"), 5),
            day("2026-02-27")
        );
        // Weekdays alone would have said Friday 20 February, inside the holiday.
        let plain = WorkingCalendar::weekdays_only();
        assert_eq!(
            plain.add_working_days(day("2026-02-13"), 5),
            day("2026-02-20")
        );
        assert_eq!(
            cal.this_or_next_working_day(day("2026-10-01")),
            day("2026-10-08")
        );
        assert_eq!(cal.source(2026).map(|s| s.contains("2026")), Some(true));
        // 2027 is not listed: Monday to Friday.
        assert!(!cal.is_working_day(day("2027-01-02")));
        assert!(cal.is_working_day(day("2027-01-01")));
    }

    #[test]
    fn a_wrong_calendar_is_refused_naming_the_day() {
        let bad = [
            ("[[year]]\nyear = 2026\nsource = \"x\"\nworking = [\"2026-02-16\"]", "weekday"),
            ("[[year]]\nyear = 2026\nsource = \"x\"\noff = [\"2025-12-31\"]", "under year"),
            ("[[year]]\nyear = 2026\nsource = \"x\"\noff = [\"2026-02-14\"]\nworking = [\"2026-02-14\"]", "both"),
            ("[[year]]\nyear = 2026\nsource = \"x\"\n[[year]]\nyear = 2026\nsource = \"y\"", "twice"),
            ("[[year]]\nyear = 2026\nsource = \"x\"\noff = [\"2026-02-30\"]", "not a date"),
            ("[[year]]\nyear = 2026\nsource = \"x\"\noff = [\"2026-03-01..2026-02-01\"]", "forward"),
        ];
        for (text, why) in bad {
            let err = WorkingCalendar::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    proptest! {
        /// Counting forward and counting between agree, and the day reached is a working day,
        /// against a day-by-day count.
        #[test]
        fn counting_working_days_agrees_with_a_day_by_day_count(
            start in 0u32..1000, days in 0u32..60
        ) {
            let cal = WorkingCalendar::builtin();
            let from = day("2025-01-01") + chrono::Days::new(u64::from(start));
            let to = cal.add_working_days(from, days);
            prop_assert_eq!(cal.working_days_between(from, to), days);
            if days > 0 {
                prop_assert!(cal.is_working_day(to));
                prop_assert_eq!(cal.working_days_between(from, to.pred_opt().unwrap()), days - 1);
            }
            let brute = from.iter_days().skip(1).take_while(|d| *d <= to)
                .filter(|d| cal.is_working_day(*d)).count();
            prop_assert_eq!(brute, days as usize);
        }
    }
}
