//! Appointments at the archive's service window, in both stores: each slot's places taken,
//! counted in one row per slot that a booking increments only below the capacity, so that
//! concurrent bookings of the last place cannot both succeed; the statements are in `sql.rs`,
//! the same for both backends.

pub(crate) mod sql;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use undermap_archive::{Slot, Wanted};

use crate::Result;

/// A booking to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAppointment {
    /// The slot, as the window offers it.
    pub slot: Slot,
    /// The account that booked.
    pub account: String,
    /// The visitor's name.
    pub name: String,
    /// A phone to reach them.
    pub phone: Option<String>,
    /// Why they come.
    pub purpose: String,
    /// What to have ready.
    pub wanted: Vec<Wanted>,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
}

/// A stored appointment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppointmentRecord {
    /// `YY-20261208-003`: the slot's day and the order it was booked in that day.
    pub number: String,
    /// The day, local.
    pub date: NaiveDate,
    /// Start, local, `HH:MM`.
    pub start: String,
    /// End, local, `HH:MM`.
    pub end: String,
    /// The account that booked.
    pub account: String,
    /// The visitor's name.
    pub name: String,
    /// A phone to reach them.
    pub phone: Option<String>,
    /// Why they come.
    pub purpose: String,
    /// What to have ready.
    pub wanted: Vec<Wanted>,
    /// `booked`, `cancelled`, `attended` or `no_show`.
    pub status: String,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
    /// When it was last moved.
    pub changed_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// How many times it was moved (an iCalendar SEQUENCE).
    pub reschedules: i32,
}

/// Which appointments to list.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentQuery {
    /// One account's, or everyone's.
    pub account: Option<String>,
    /// From this day.
    pub from: NaiveDate,
    /// To this day, included.
    pub to: NaiveDate,
    /// Only those not cancelled.
    pub booked_only: bool,
    /// At most this many.
    pub limit: i64,
}

/// What moving an appointment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    /// Moved; the record as it is now.
    Done(Box<AppointmentRecord>),
    /// The new slot has no place left; nothing changed.
    Full,
    /// No booked appointment of that number; nothing changed.
    NotBooked,
}

/// The service window's appointments.
#[async_trait]
pub trait AppointmentStore: Send + Sync {
    /// Books a place in `a.slot` when fewer than `capacity` are taken, with the next number of
    /// its day; `None` when it is full (nothing written).
    async fn book(&self, a: &NewAppointment, capacity: u32) -> Result<Option<AppointmentRecord>>;

    /// Cancels a booked appointment and frees its place; `None` when none of that number is
    /// booked.
    async fn cancel(&self, number: &str, at: DateTime<Utc>) -> Result<Option<AppointmentRecord>>;

    /// Moves a booked appointment to `slot` when it has a place, freeing the old one.
    async fn reschedule(
        &self,
        number: &str,
        slot: &Slot,
        capacity: u32,
        at: DateTime<Utc>,
    ) -> Result<Moved>;

    /// Marks a booked appointment attended or not (`no_show`); `None` when none of that
    /// number is booked.
    async fn mark_attendance(
        &self,
        number: &str,
        attended: bool,
        at: DateTime<Utc>,
    ) -> Result<Option<AppointmentRecord>>;

    /// One appointment.
    async fn appointment(&self, number: &str) -> Result<Option<AppointmentRecord>>;

    /// Appointments by day and start, then number.
    async fn appointments(&self, q: &AppointmentQuery) -> Result<Vec<AppointmentRecord>>;

    /// Places taken in each slot with any, from `from` to `to` (days included): day, start
    /// (`HH:MM`), taken.
    async fn places_taken(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, String, i64)>>;
}
