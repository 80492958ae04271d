//! The archive's service window (查阅窗口) and its appointments: when visitors may come, as data
//! ([`Schedule`], `data/service_window.toml`), the slots it lays on each working day, and a
//! booking's parts parsed at the edge ([`Booking`]). A [`Slot`] exists only as the schedule gives
//! it: a booking cannot name 12:10, a closed day or a Sunday.

mod booking;

pub use booking::{Booking, Wanted};

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use undermap_core::WorkingCalendar;

use crate::ArchiveError;

/// The window shipped with undermap.
const BUILTIN: &str = include_str!("../../data/service_window.toml");

fn invalid(reason: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid(reason.into())
}

/// When the window is open and how many it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The window's name, on confirmations and calendars.
    pub name: String,
    /// Where it is.
    pub address: String,
    /// Minutes per slot.
    pub slot_minutes: u32,
    /// Visitors served at once in a slot.
    pub capacity: u32,
    /// How many days ahead a slot may be booked.
    pub book_ahead_days: u32,
    /// How many minutes before its start a slot may still be booked.
    pub min_notice_minutes: u32,
    hours: Vec<(NaiveTime, NaiveTime)>,
    closed: BTreeMap<NaiveDate, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    address: String,
    slot_minutes: u32,
    capacity: u32,
    book_ahead_days: u32,
    min_notice_minutes: u32,
    hours: Vec<HoursFile>,
    #[serde(default)]
    closed: Vec<ClosedFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    open: String,
    close: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosedFile {
    days: String,
    reason: String,
}

fn time(text: &str) -> Result<NaiveTime, ArchiveError> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| invalid(format!("{text:?} is not a time of day (HH:MM)")))
}

fn date(text: &str) -> Result<NaiveDate, ArchiveError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

/// What the window does on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// Open, with these slots in order.
    Open {
        /// The day's slots.
        slots: Vec<Slot>,
    },
    /// Closed, and why.
    Closed {
        /// Not a working day, or the reason the window gave.
        reason: String,
    },
}

/// One slot the schedule lays: a day and a start, with its end. Made only by
/// [`Schedule::slot`], so a slot in hand is one the window offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Slot {
    /// The day.
    pub date: NaiveDate,
    /// Its start, local time.
    #[serde(serialize_with = "hh_mm")]
    pub start: NaiveTime,
    /// Its end, local time.
    #[serde(serialize_with = "hh_mm")]
    pub end: NaiveTime,
}

fn hh_mm<S: serde::Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.format("%H:%M").to_string())
}

impl Slot {
    /// `2026-12-08T09:00`: how requests name it.
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}T{}", self.date, self.start.format("%H:%M"))
    }

    /// When it starts, local time.
    #[must_use]
    pub fn starts_at(&self) -> NaiveDateTime {
        self.date.and_time(self.start)
    }
}

impl Schedule {
    /// The window shipped with undermap: working days 09:00–11:30 and 14:00–17:00, slots of 30
    /// minutes for 3 visitors, booked up to 30 days ahead and 60 minutes before.
    #[must_use]
    pub fn builtin() -> Self {
        // Parsed by a unit test: it cannot fail at run time.
        Self::parse(BUILTIN).unwrap_or_else(|_| Self {
            name: String::new(),
            address: String::new(),
            slot_minutes: 30,
            capacity: 1,
            book_ahead_days: 30,
            min_notice_minutes: 60,
            hours: Vec::new(),
            closed: BTreeMap::new(),
        })
    }

    /// A schedule in the form of `data/service_window.toml`. Refused, saying what: a slot
    /// length that does not divide the hours it is laid in, hours that overlap or run
    /// backwards, no capacity, a closed range backwards or longer than a year.
    pub fn parse(text: &str) -> Result<Self, ArchiveError> {
        let file: File =
            toml::from_str(text).map_err(|e| invalid(format!("service window: {e}")))?;
        if !(5..=480).contains(&file.slot_minutes) {
            return Err(invalid("slot_minutes: from 5 to 480"));
        }
        if !(1..=1000).contains(&file.capacity) {
            return Err(invalid("capacity: from 1 to 1000 visitors a slot"));
        }
        if !(1..=366).contains(&file.book_ahead_days) {
            return Err(invalid("book_ahead_days: from 1 to 366"));
        }
        let mut hours = Vec::new();
        for h in &file.hours {
            let (open, close) = (time(&h.open)?, time(&h.close)?);
            let minutes = (close - open).num_minutes();
            if minutes <= 0 || minutes % i64::from(file.slot_minutes) != 0 {
                return Err(invalid(format!(
                    "hours {}–{}: must run forward by whole slots of {} minutes",
                    h.open, h.close, file.slot_minutes
                )));
            }
            hours.push((open, close));
        }
        hours.sort();
        if hours.is_empty() || hours.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err(invalid("hours: at least one opening, none overlapping"));
        }
        let mut closed = BTreeMap::new();
        for c in &file.closed {
            let (first, last) = match c.days.split_once("..") {
                Some((a, b)) => (date(a)?, date(b)?),
                None => (date(&c.days)?, date(&c.days)?),
            };
            if last < first || (last - first).num_days() > 366 {
                return Err(invalid(format!(
                    "closed {:?}: a range runs forward, over at most a year",
                    c.days
                )));
            }
            undermap_core::text::plain("reason", &c.reason)?;
            for d in first.iter_days().take_while(|d| *d <= last) {
                closed.insert(d, c.reason.clone());
            }
        }
        Ok(Self {
            name: file.name,
            address: file.address,
            slot_minutes: file.slot_minutes,
            capacity: file.capacity,
            book_ahead_days: file.book_ahead_days,
            min_notice_minutes: file.min_notice_minutes,
            hours,
            closed,
        })
    }

    /// What the window does on `date`.
    #[must_use]
    pub fn day(&self, calendar: &WorkingCalendar, date: NaiveDate) -> Day {
        if let Some(reason) = self.closed.get(&date) {
            return Day::Closed {
                reason: reason.clone(),
            };
        }
        if !calendar.is_working_day(date) {
            return Day::Closed {
                reason: "not a working day".into(),
            };
        }
        let step = Duration::minutes(i64::from(self.slot_minutes));
        let mut slots = Vec::new();
        for &(open, close) in &self.hours {
            let mut start = open;
            while start + step <= close {
                slots.push(Slot {
                    date,
                    start,
                    end: start + step,
                });
                start += step;
            }
        }
        Day::Open { slots }
    }

    /// The slot `id` (`2026-12-08T09:00`) names, when the window offers it.
    pub fn slot(&self, calendar: &WorkingCalendar, id: &str) -> Result<Slot, ArchiveError> {
        let (d, t) = id
            .split_once('T')
            .ok_or_else(|| invalid(format!("slot {id:?}: a day and a start, 2026-12-08T09:00")))?;
        let (date, start) = (date(d)?, time(t)?);
        match self.day(calendar, date) {
            Day::Closed { reason } => {
                Err(invalid(format!("the window is closed on {date}: {reason}")))
            }
            Day::Open { slots } => {
                slots
                    .iter()
                    .find(|s| s.start == start)
                    .copied()
                    .ok_or_else(|| {
                        invalid(format!(
                            "no slot starts at {} on {date}; slots start at {}",
                            start.format("%H:%M"),
                            slots
                                .iter()
                                .map(|s| s.start.format("%H:%M").to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })
            }
        }
    }

    /// Whether `slot` may be booked (or moved to) at local time `now`: it starts at least
    /// `min_notice_minutes` later, and within `book_ahead_days` of today.
    pub fn bookable(&self, slot: &Slot, now: NaiveDateTime) -> Result<(), ArchiveError> {
        let notice = Duration::minutes(i64::from(self.min_notice_minutes));
        if slot.starts_at() < now + notice {
            return Err(invalid(format!(
                "slot {} starts too soon: book at least {} minutes ahead",
                slot.id(),
                self.min_notice_minutes
            )));
        }
        if slot.date > now.date() + Duration::days(i64::from(self.book_ahead_days)) {
            return Err(invalid(format!(
                "slot {} is more than {} days ahead",
                slot.id(),
                self.book_ahead_days
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &str, t: &str) -> NaiveDateTime {
        date(d).unwrap().and_time(time(t).unwrap())
    }

    #[test]
    fn the_shipped_window_parses() {
        assert_eq!(Schedule::parse(BUILTIN).unwrap(), Schedule::builtin());
        assert_eq!(Schedule::builtin().capacity, 3);
    }

    #[test]
    fn slots_lie_on_working_days_in_opening_hours() {
        let s = Schedule::builtin();
        let cal = WorkingCalendar::builtin();
        // Tuesday 8 December 2026: 5 slots in the morning, 6 in the afternoon.
        let Day::Open { slots } = s.day(&cal, date("2026-12-08").unwrap()) else {
            panic!("open on a Tuesday")
        };
        assert_eq!(slots.len(), 11);
        assert_eq!(slots[0].start, time("09:00").unwrap());
        assert_eq!(slots[4].end, time("11:30").unwrap());
        assert_eq!(slots[5].start, time("14:00").unwrap());
        assert_eq!(
            s.slot(&cal, "2026-12-08T16:30").unwrap().end,
            time("17:00").unwrap()
        );
        for (id, says) in [
            ("2026-12-08T12:00", "no slot starts at 12:00"),
            ("2026-12-08T09:10", "no slot starts at 09:10"),
            ("2026-12-06T09:00", "not a working day"),
            ("2026-12-30T09:00", "stocktaking"),
            ("2026-12-08 09:00", "a day and a start"),
            ("2026-13-08T09:00", "not a date"),
        ] {
            let e = s.slot(&cal, id).unwrap_err().to_string();
            assert!(e.contains(says), "{id}: {e}");
        }
    }

    #[test]
    fn a_slot_is_booked_ahead_but_not_too_far() {
        let s = Schedule::builtin();
        let cal = WorkingCalendar::builtin();
        let slot = s.slot(&cal, "2026-12-08T09:00").unwrap();
        assert!(s.bookable(&slot, at("2026-12-08", "07:59")).is_ok());
        assert!(s.bookable(&slot, at("2026-12-08", "08:01")).is_err());
        assert!(s.bookable(&slot, at("2026-11-08", "08:00")).is_ok());
        assert!(s.bookable(&slot, at("2026-11-07", "08:00")).is_err());
    }

    #[test]
    fn bad_schedules_are_refused_saying_what() {
        let base = |extra: &str, hours: &str| {
            format!(
                "name = \"w\"\naddress = \"a\"\nslot_minutes = 30\ncapacity = 2\nbook_ahead_days = 10\nmin_notice_minutes = 0\n{extra}\n{hours}"
            )
        };
        let ok_hours = "[[hours]]\nopen = \"09:00\"\nclose = \"10:00\"";
        assert!(Schedule::parse(&base("", ok_hours)).is_ok());
        for (extra, hours, says) in [
            ("", "[[hours]]\nopen = \"09:00\"\nclose = \"10:10\"", "whole slots"),
            ("", "[[hours]]\nopen = \"10:00\"\nclose = \"09:00\"", "run forward"),
            ("", "[[hours]]\nopen = \"09:00\"\nclose = \"10:00\"\n[[hours]]\nopen = \"09:30\"\nclose = \"11:00\"", "overlapping"),
            ("", "", "hours"),
            ("[[closed]]\ndays = \"2026-12-09..2026-12-01\"\nreason = \"x\"", ok_hours, "runs forward"),
        ] {
            let e = Schedule::parse(&base(extra, hours)).unwrap_err().to_string();
            assert!(e.contains(says), "{says}: {e}");
        }
    }
}
