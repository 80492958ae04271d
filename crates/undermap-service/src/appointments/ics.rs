//! An appointment as an iCalendar (RFC 5545) event, written by the `icalendar` crate (line
//! folding, escaping). Times are in UTC, so that every calendar places it without a
//! VTIMEZONE; the UID stays with the booking and SEQUENCE counts its moves, so that a calendar
//! that imported it updates the event when it is moved or cancelled.

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use undermap_archive::{Schedule, Wanted};
use undermap_store::AppointmentRecord;

fn utc(a: &AppointmentRecord, hh_mm: &str, offset_hours: i32) -> chrono::DateTime<Utc> {
    let t = NaiveTime::parse_from_str(hh_mm, "%H:%M").unwrap_or_default();
    Utc.from_utc_datetime(&(a.date.and_time(t) - Duration::hours(i64::from(offset_hours))))
}

fn wanted(w: &Wanted) -> String {
    match w {
        Wanted::Project(code) => format!("项目 project {code}"),
        Wanted::Record(n) => format!("档案 record {n}"),
        Wanted::File(h) => format!("文件 file {h}"),
    }
}

/// The calendar of one event for `a`, at the window `schedule` describes.
pub(super) fn calendar(
    a: &AppointmentRecord,
    schedule: &Schedule,
    offset_hours: i32,
    base_url: &str,
) -> String {
    let mut description = format!("预约号 Appointment {}\n{}\n", a.number, a.purpose);
    for w in &a.wanted {
        description.push_str(&format!("- {}\n", wanted(w)));
    }
    let host = base_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("undermap");
    let event = Event::new()
        .uid(&format!("{}@{host}", a.number))
        .timestamp(a.changed_at.or(a.cancelled_at).unwrap_or(a.booked_at))
        .sequence(u32::try_from(a.reschedules).unwrap_or(0) + u32::from(a.status == "cancelled"))
        .summary(&format!("{} — {}", schedule.name, a.number))
        .description(&description)
        .location(&schedule.address)
        .starts(utc(a, &a.start, offset_hours))
        .ends(utc(a, &a.end, offset_hours))
        .url(&format!(
            "{}/v1/appointments/{}",
            base_url.trim_end_matches('/'),
            a.number
        ))
        .status(if a.status == "cancelled" {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .done();
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", "-//undermap//service window//ZH"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
    ] {
        calendar.append_property(Property::new(key, value));
    }
    calendar.push(event);
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: &str, reschedules: i32) -> AppointmentRecord {
        AppointmentRecord {
            number: "YY-20261208-003".into(),
            date: "2026-12-08".parse().unwrap(),
            start: "09:00".into(),
            end: "09:30".into(),
            account: "zhang".into(),
            name: "张三".into(),
            phone: None,
            purpose: "查阅竣工图; 复制两页, 含逗号".into(),
            wanted: vec![Wanted::Record("GH-1998-0001".into())],
            status: status.into(),
            booked_at: Utc.with_ymd_and_hms(2026, 12, 7, 6, 0, 0).unwrap(),
            changed_at: None,
            cancelled_at: None,
            reschedules,
        }
    }

    #[test]
    fn an_appointment_is_one_event_a_calendar_reads_back() {
        let text = calendar(
            &record("booked", 0),
            &Schedule::builtin(),
            8,
            "https://archive.example.cn/",
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(
            text.lines().all(|l| l.len() <= 75),
            "folded at 75 octets: {text}"
        );
        let parsed: Calendar = text.parse().expect("RFC 5545");
        let event = parsed.events().next().expect("one event");
        assert_eq!(event.get_uid(), Some("YY-20261208-003@archive.example.cn"));
        assert_eq!(event.get_status(), Some(EventStatus::Confirmed));
        assert_eq!(event.get_sequence(), Some(0));
        // 09:00 in Beijing is 01:00 UTC.
        assert!(text.contains("DTSTART:20261208T010000Z"), "{text}");
        assert!(text.contains("DTEND:20261208T013000Z"), "{text}");
        assert!(event.get_description().unwrap().contains("GH-1998-0001"));
        assert!(event.get_description().unwrap().contains("含逗号"));
    }

    #[test]
    fn a_moved_or_cancelled_appointment_updates_the_same_event() {
        let moved = calendar(
            &record("booked", 2),
            &Schedule::builtin(),
            8,
            "http://localhost:8080",
        );
        let parsed: Calendar = moved.parse().unwrap();
        let event = parsed.events().next().unwrap();
        assert_eq!(event.get_sequence(), Some(2));
        assert_eq!(event.get_uid(), Some("YY-20261208-003@localhost"));
        let cancelled = calendar(
            &record("cancelled", 2),
            &Schedule::builtin(),
            8,
            "http://localhost",
        );
        let parsed: Calendar = cancelled.parse().unwrap();
        let event = parsed.events().next().unwrap();
        assert_eq!(event.get_status(), Some(EventStatus::Cancelled));
        assert_eq!(event.get_sequence(), Some(3));
    }
}
