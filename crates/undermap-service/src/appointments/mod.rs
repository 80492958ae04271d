//! Appointments at the archive's service window: the slots the schedule lays with the places
//! left in each, bookings (what to have ready checked against the archive), cancelling and
//! moving them, an iCalendar event for each, and the window's day list for the staff.

mod ics;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use undermap_archive::{Booking, Day, Schedule, Slot, Wanted};
use undermap_store::{AppointmentQuery, AppointmentRecord, ContentHash, Moved, NewAppointment};

use crate::{Service, ServiceError};

/// Most days one request for slots covers.
pub const MAX_DAYS: i64 = 62;

/// Appointments: `service.appointments()`.
#[derive(Debug, Clone, Copy)]
pub struct Appointments<'a> {
    app: &'a Service,
}

impl Service {
    /// The archive's service window and its appointments.
    #[must_use]
    pub fn appointments(&self) -> Appointments<'_> {
        Appointments { app: self }
    }
}

/// Who asks: an account, and whether it is the archive's staff (who see every appointment).
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    /// The account.
    pub account: &'a str,
    /// The archive's staff.
    pub staff: bool,
}

/// A booking as sent: `slot` (`2026-12-08T09:00`), who comes, why, and what to have ready.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingInput {
    /// The slot.
    pub slot: String,
    /// The visitor's name.
    pub name: String,
    /// A phone to reach them.
    #[serde(default)]
    pub phone: Option<String>,
    /// Why they come.
    pub purpose: String,
    /// Projects, paper records and files to have ready.
    #[serde(default)]
    pub wanted: Vec<Wanted>,
}

/// One slot of a day, with its places.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    /// `2026-12-08T09:00`: how a booking names it.
    pub slot: String,
    /// `HH:MM`, local.
    pub start: String,
    /// `HH:MM`, local.
    pub end: String,
    /// Places in all.
    pub capacity: u32,
    /// Places left.
    pub free: u32,
    /// Whether it may be booked now (free, and neither too soon nor too far ahead).
    pub bookable: bool,
}

/// One day at the window.
#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    /// The day.
    pub date: NaiveDate,
    /// Whether the window opens.
    pub open: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Its slots.
    pub slots: Vec<SlotView>,
}

/// The window and its days.
#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    /// The window's name.
    pub name: String,
    /// Where it is.
    pub address: String,
    /// Minutes per slot.
    pub slot_minutes: u32,
    /// How many days ahead a slot may be booked.
    pub book_ahead_days: u32,
    /// How many minutes before its start a slot may still be booked.
    pub min_notice_minutes: u32,
    /// The days asked for.
    pub days: Vec<DayView>,
}

impl Appointments<'_> {
    fn schedule(&self) -> &Schedule {
        &self.app.config().archive.window
    }

    /// Local time now, on the archive office's clock.
    fn now_local(&self) -> NaiveDateTime {
        let offset = Duration::hours(i64::from(self.app.config().archive.utc_offset_hours));
        (Utc::now() + offset).naive_utc()
    }

    fn slot(&self, id: &str) -> Result<Slot, ServiceError> {
        Ok(self.schedule().slot(&self.app.config().calendar, id)?)
    }

    /// The window's days from `from` (default today) to `to` (default 13 days later), at most
    /// [`MAX_DAYS`], each slot with its places left.
    pub async fn days(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<WindowView, ServiceError> {
        let now = self.now_local();
        let from = from.unwrap_or(now.date());
        let to = to.unwrap_or(from + Duration::days(13));
        if to < from || (to - from).num_days() >= MAX_DAYS {
            return Err(ServiceError::unprocessable(
                "to",
                format!("from {from} to {to}: a range forward over at most {MAX_DAYS} days"),
            ));
        }
        let taken = self.app.store().places_taken(from, to).await?;
        let schedule = self.schedule();
        let calendar = &self.app.config().calendar;
        let days = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|date| match schedule.day(calendar, date) {
                Day::Closed { reason } => DayView {
                    date,
                    open: false,
                    reason: Some(reason),
                    slots: Vec::new(),
                },
                Day::Open { slots } => DayView {
                    date,
                    open: true,
                    reason: None,
                    slots: slots
                        .into_iter()
                        .map(|slot| {
                            let start = slot.start.format("%H:%M").to_string();
                            let used = taken
                                .iter()
                                .find(|(d, s, _)| *d == date && *s == start)
                                .map_or(0, |t| t.2);
                            let free =
                                u32::try_from(i64::from(schedule.capacity) - used).unwrap_or(0);
                            SlotView {
                                slot: slot.id(),
                                end: slot.end.format("%H:%M").to_string(),
                                start,
                                capacity: schedule.capacity,
                                free,
                                bookable: free > 0 && schedule.bookable(&slot, now).is_ok(),
                            }
                        })
                        .collect(),
                },
            })
            .collect();
        Ok(WindowView {
            name: schedule.name.clone(),
            address: schedule.address.clone(),
            slot_minutes: schedule.slot_minutes,
            book_ahead_days: schedule.book_ahead_days,
            min_notice_minutes: schedule.min_notice_minutes,
            days,
        })
    }

    /// What a visitor wants ready, each in the archive: a project, a paper record, a file.
    async fn check_wanted(&self, wanted: &[Wanted]) -> Result<(), ServiceError> {
        let store = self.app.store();
        for w in wanted {
            let (found, what) = match w {
                Wanted::Project(code) => (
                    store.project(code).await?.is_some(),
                    format!("project {code}"),
                ),
                Wanted::Record(n) => (
                    store.legacy_record(n).await?.is_some(),
                    format!("paper record {n}"),
                ),
                Wanted::File(h) => {
                    let hash: ContentHash = h.parse()?;
                    (
                        !store.file_records(&hash).await?.is_empty(),
                        format!("file {h}"),
                    )
                }
            };
            if !found {
                return Err(ServiceError::unprocessable(
                    "wanted",
                    format!("{what} is not in the archive"),
                ));
            }
        }
        Ok(())
    }

    /// Books a place: 409 when the slot is full (naming the day's slots still free) or the
    /// account holds a place in it already.
    pub async fn book(
        &self,
        input: BookingInput,
        visitor: Visitor<'_>,
    ) -> Result<AppointmentRecord, ServiceError> {
        let slot = self.slot(&input.slot)?;
        self.schedule().bookable(&slot, self.now_local())?;
        let booking = Booking::new(
            &input.name,
            input.phone.as_deref(),
            &input.purpose,
            input.wanted,
        )?;
        self.check_wanted(&booking.wanted).await?;
        let held = self.held(visitor.account, slot.date).await?;
        if let Some(a) = held
            .iter()
            .find(|a| a.start == slot.start.format("%H:%M").to_string())
        {
            return Err(ServiceError::Conflict(format!(
                "{} holds {} in slot {} already",
                visitor.account,
                a.number,
                slot.id()
            )));
        }
        let new = NewAppointment {
            slot,
            account: visitor.account.to_owned(),
            name: booking.name,
            phone: booking.phone,
            purpose: booking.purpose,
            wanted: booking.wanted,
            booked_at: Utc::now(),
        };
        match self
            .app
            .store()
            .book(&new, self.schedule().capacity)
            .await?
        {
            Some(record) => Ok(record),
            None => Err(self.full(&slot).await),
        }
    }

    async fn held(
        &self,
        account: &str,
        date: NaiveDate,
    ) -> Result<Vec<AppointmentRecord>, ServiceError> {
        Ok(self
            .app
            .store()
            .appointments(&AppointmentQuery {
                account: Some(account.to_owned()),
                from: date,
                to: date,
                booked_only: true,
                limit: 100,
            })
            .await?)
    }

    /// The conflict for a full slot, naming the slots still free that day.
    async fn full(&self, slot: &Slot) -> ServiceError {
        let free = match self.days(Some(slot.date), Some(slot.date)).await {
            Ok(v) => v.days[0]
                .slots
                .iter()
                .filter(|s| s.bookable)
                .map(|s| s.start.clone())
                .collect::<Vec<_>>(),
            Err(_) => Vec::new(),
        };
        let rest = if free.is_empty() {
            "no slot is free that day".to_owned()
        } else {
            format!("free that day: {}", free.join(", "))
        };
        ServiceError::Conflict(format!(
            "slot {} is full: all {} places are taken; {rest}",
            slot.id(),
            self.schedule().capacity
        ))
    }

    /// One appointment, to the account that booked it and the staff.
    pub async fn get(
        &self,
        number: &str,
        visitor: Visitor<'_>,
    ) -> Result<AppointmentRecord, ServiceError> {
        match self.app.store().appointment(number).await? {
            Some(a) if visitor.staff || a.account == visitor.account => Ok(a),
            _ => Err(ServiceError::NotFound {
                what: format!("appointment {number:?}"),
            }),
        }
    }

    /// Whether the appointment's slot has begun (it can no longer be changed).
    fn begun(&self, a: &AppointmentRecord) -> bool {
        let start = chrono::NaiveTime::parse_from_str(&a.start, "%H:%M").unwrap_or_default();
        a.date.and_time(start) <= self.now_local()
    }

    /// Cancels a booked appointment before its slot begins, freeing its place.
    pub async fn cancel(
        &self,
        number: &str,
        visitor: Visitor<'_>,
    ) -> Result<AppointmentRecord, ServiceError> {
        let a = self.get(number, visitor).await?;
        if a.status != "booked" || self.begun(&a) {
            return Err(ServiceError::Conflict(format!(
                "appointment {number} is {} and cannot be cancelled",
                if a.status == "booked" {
                    "under way or past"
                } else {
                    a.status.as_str()
                }
            )));
        }
        self.app
            .store()
            .cancel(number, Utc::now())
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict(format!("appointment {number} is cancelled already"))
            })
    }

    /// Moves a booked appointment to another slot with a place, before its slot begins.
    pub async fn reschedule(
        &self,
        number: &str,
        slot: &str,
        visitor: Visitor<'_>,
    ) -> Result<AppointmentRecord, ServiceError> {
        let slot = self.slot(slot)?;
        self.schedule().bookable(&slot, self.now_local())?;
        let a = self.get(number, visitor).await?;
        if a.status != "booked" || self.begun(&a) {
            return Err(ServiceError::Conflict(format!(
                "appointment {number} is {} and cannot be moved",
                if a.status == "booked" {
                    "under way or past"
                } else {
                    a.status.as_str()
                }
            )));
        }
        if a.date == slot.date && a.start == slot.start.format("%H:%M").to_string() {
            return Err(ServiceError::Conflict(format!(
                "appointment {number} is in slot {} already",
                slot.id()
            )));
        }
        match self
            .app
            .store()
            .reschedule(number, &slot, self.schedule().capacity, Utc::now())
            .await?
        {
            Moved::Done(record) => Ok(*record),
            Moved::Full => Err(self.full(&slot).await),
            Moved::NotBooked => Err(ServiceError::Conflict(format!(
                "appointment {number} is cancelled"
            ))),
        }
    }

    /// Marks a booked appointment attended or a no-show (the window's staff), from its day on.
    pub async fn attendance(
        &self,
        number: &str,
        attended: bool,
        visitor: Visitor<'_>,
    ) -> Result<AppointmentRecord, ServiceError> {
        if !visitor.staff {
            return Err(ServiceError::Forbidden(
                "only the archive's staff mark who came".into(),
            ));
        }
        let a = self.get(number, visitor).await?;
        if a.date > self.now_local().date() {
            return Err(ServiceError::Conflict(format!(
                "appointment {number} is on {}: mark it from that day on",
                a.date
            )));
        }
        self.app
            .store()
            .mark_attendance(number, attended, Utc::now())
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict(format!("appointment {number} is {} already", a.status))
            })
    }

    /// An account's appointments from today on (booked and cancelled), by slot.
    pub async fn mine(&self, account: &str) -> Result<Vec<AppointmentRecord>, ServiceError> {
        let today = self.now_local().date();
        Ok(self
            .app
            .store()
            .appointments(&AppointmentQuery {
                account: Some(account.to_owned()),
                from: today,
                to: today + Duration::days(366),
                booked_only: false,
                limit: 500,
            })
            .await?)
    }

    /// The window's list for one day (staff): every visitor not cancelled, by slot, with
    /// whether they came once marked.
    pub async fn day_list(&self, date: NaiveDate) -> Result<Vec<AppointmentRecord>, ServiceError> {
        Ok(self
            .app
            .store()
            .appointments(&AppointmentQuery {
                account: None,
                from: date,
                to: date,
                booked_only: true,
                limit: 10_000,
            })
            .await?)
    }

    /// The appointment as an iCalendar (RFC 5545) calendar of one event.
    #[must_use]
    pub fn ics(&self, a: &AppointmentRecord, base_url: &str) -> String {
        ics::calendar(
            a,
            self.schedule(),
            self.app.config().archive.utc_offset_hours,
            base_url,
        )
    }
}
