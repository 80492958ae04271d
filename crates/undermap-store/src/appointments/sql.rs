//! The appointments' statements, the same in both backends (days and times as ISO text, so
//! that they compare as they sort), and [`appointments_store!`].

use chrono::NaiveDate;

use super::AppointmentRecord;
use crate::{Result, StoreError};

/// Takes a place in a slot when fewer than `$3` are taken: the row is locked by the upsert,
/// so the comparison sees every booking committed before it. No row back: full.
pub(crate) const TAKE: &str =
    "INSERT INTO window_slots (day, start_time, booked) VALUES ($1, $2, 1) \
     ON CONFLICT (day, start_time) DO UPDATE SET booked = window_slots.booked + 1 \
     WHERE window_slots.booked < $3 RETURNING booked";
pub(crate) const FREE: &str = "UPDATE window_slots SET booked = booked - 1 \
     WHERE day = $1 AND start_time = $2 AND booked > 0";
/// The next number of a day.
pub(crate) const NUMBER: &str = "INSERT INTO window_days (day, issued) VALUES ($1, 1) \
     ON CONFLICT (day) DO UPDATE SET issued = window_days.issued + 1 RETURNING issued";
pub(crate) const ADD: &str = "INSERT INTO appointments (number, day, start_time, end_time, \
     account, name, phone, purpose, wanted, status, booked_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10)";
const COLUMNS: &str = "number, day, start_time, end_time, account, name, phone, purpose, \
     wanted, status, booked_at, changed_at, cancelled_at, reschedules";
pub(crate) static ONE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {COLUMNS} FROM appointments WHERE number = $1"));
pub(crate) static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM appointments WHERE ($1 IS NULL OR account = $1) \
         AND day >= $2 AND day <= $3 AND ($4 = 0 OR status <> 'cancelled') \
         ORDER BY day, start_time, number LIMIT $5"
    )
});
pub(crate) const CANCEL: &str = "UPDATE appointments SET status = 'cancelled', cancelled_at = $2 \
     WHERE number = $1 AND status = 'booked' RETURNING day, start_time";
pub(crate) const MARK: &str = "UPDATE appointments SET status = $2, changed_at = $3 \
     WHERE number = $1 AND status = 'booked'";
pub(crate) const BOOKED_SLOT: &str =
    "SELECT day, start_time FROM appointments WHERE number = $1 AND status = 'booked'";
pub(crate) const MOVE: &str = "UPDATE appointments SET day = $2, start_time = $3, end_time = $4, \
     changed_at = $5, reschedules = reschedules + 1 WHERE number = $1";
pub(crate) const TAKEN: &str = "SELECT day, start_time, CAST(booked AS bigint) FROM window_slots \
     WHERE day >= $1 AND day <= $2 AND booked > 0 ORDER BY day, start_time";

/// `YY-20261208-003`.
pub(crate) fn number(day: NaiveDate, issued: i32) -> String {
    format!("YY-{}-{issued:03}", day.format("%Y%m%d"))
}

pub(crate) fn day(text: &str) -> Result<NaiveDate> {
    text.parse().map_err(|_| StoreError::Corrupt {
        id: "appointments".into(),
        reason: format!("{text:?} is not a day"),
    })
}

/// An appointment's row.
#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    number: String,
    day: String,
    start_time: String,
    end_time: String,
    account: String,
    name: String,
    phone: Option<String>,
    purpose: String,
    wanted: String,
    status: String,
    booked_at: chrono::DateTime<chrono::Utc>,
    changed_at: Option<chrono::DateTime<chrono::Utc>>,
    cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    reschedules: i32,
}

pub(crate) fn record(r: Row) -> Result<AppointmentRecord> {
    let wanted = serde_json::from_str(&r.wanted).map_err(|e| StoreError::Corrupt {
        id: format!("appointment {}", r.number),
        reason: e.to_string(),
    })?;
    Ok(AppointmentRecord {
        date: day(&r.day)?,
        number: r.number,
        start: r.start_time,
        end: r.end_time,
        account: r.account,
        name: r.name,
        phone: r.phone,
        purpose: r.purpose,
        wanted,
        status: r.status,
        booked_at: r.booked_at,
        changed_at: r.changed_at,
        cancelled_at: r.cancelled_at,
        reschedules: r.reschedules,
    })
}

/// Begins a transaction on `$pool` and takes a place in the slot (`$day`, `$start`) below
/// `$capacity`, first, so that a GeoPackage's transaction holds the write lock from its first
/// statement: the transaction, or `None` (rolled back) when the slot is full. `$what` makes the
/// error of a failed statement.
macro_rules! begin_taking {
    ($pool:expr, $day:expr, $start:expr, $capacity:expr, $what:ident) => {{
        let mut tx = $pool.begin().await.map_err($what())?;
        let taken: Option<i32> = sqlx::query_scalar($crate::appointments::sql::TAKE)
            .bind($day)
            .bind($start)
            .bind(i64::from($capacity))
            .fetch_optional(&mut *tx)
            .await
            .map_err($what())?;
        if taken.is_none() {
            tx.rollback().await.map_err($what())?;
            None
        } else {
            Some(tx)
        }
    }};
}
pub(crate) use begin_taking;

/// [`super::AppointmentStore`] for one backend: `appointments_store!(PgStore, pool,
/// PgError::db, up, up)` names the store, its pool accessor, the error constructor and the
/// checks before a write and a read.
macro_rules! appointments_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::appointments::AppointmentStore for $store {
            async fn book(
                &self,
                a: &$crate::appointments::NewAppointment,
                capacity: u32,
            ) -> $crate::Result<Option<$crate::appointments::AppointmentRecord>> {
                use $crate::appointments::sql as q;
                self.$before_write()?;
                let what = || $db("booking an appointment");
                let (day, start) = (
                    a.slot.date.to_string(),
                    a.slot.start.format("%H:%M").to_string(),
                );
                let Some(mut tx) = q::begin_taking!(self.$pool(), &day, &start, capacity, what)
                else {
                    return Ok(None);
                };
                let issued: i32 = sqlx::query_scalar(q::NUMBER)
                    .bind(&day)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(what())?;
                let number = q::number(a.slot.date, issued);
                sqlx::query(q::ADD)
                    .bind(&number)
                    .bind(&day)
                    .bind(&start)
                    .bind(a.slot.end.format("%H:%M").to_string())
                    .bind(&a.account)
                    .bind(&a.name)
                    .bind(&a.phone)
                    .bind(&a.purpose)
                    .bind(serde_json::to_string(&a.wanted).unwrap_or_else(|_| "[]".into()))
                    .bind(a.booked_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(what())?;
                let row: q::Row = sqlx::query_as(&q::ONE)
                    .bind(&number)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(what())?;
                tx.commit().await.map_err(what())?;
                q::record(row).map(Some)
            }

            async fn cancel(
                &self,
                number: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::appointments::AppointmentRecord>> {
                use $crate::appointments::sql as q;
                self.$before_write()?;
                let what = || $db("cancelling an appointment");
                let mut tx = self.$pool().begin().await.map_err(what())?;
                let slot: Option<(String, String)> = sqlx::query_as(q::CANCEL)
                    .bind(number)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(what())?;
                let Some((day, start)) = slot else {
                    tx.rollback().await.map_err(what())?;
                    return Ok(None);
                };
                sqlx::query(q::FREE)
                    .bind(&day)
                    .bind(&start)
                    .execute(&mut *tx)
                    .await
                    .map_err(what())?;
                let row: q::Row = sqlx::query_as(&q::ONE)
                    .bind(number)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(what())?;
                tx.commit().await.map_err(what())?;
                q::record(row).map(Some)
            }

            async fn reschedule(
                &self,
                number: &str,
                slot: &undermap_archive::Slot,
                capacity: u32,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::appointments::Moved> {
                use $crate::appointments::{sql as q, Moved};
                self.$before_write()?;
                let what = || $db("moving an appointment");
                let (day, start) = (
                    slot.date.to_string(),
                    slot.start.format("%H:%M").to_string(),
                );
                let Some(mut tx) = q::begin_taking!(self.$pool(), &day, &start, capacity, what)
                else {
                    return Ok(Moved::Full);
                };
                let old: Option<(String, String)> = sqlx::query_as(q::BOOKED_SLOT)
                    .bind(number)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(what())?;
                let Some((old_day, old_start)) = old else {
                    tx.rollback().await.map_err(what())?;
                    return Ok(Moved::NotBooked);
                };
                sqlx::query(q::FREE)
                    .bind(&old_day)
                    .bind(&old_start)
                    .execute(&mut *tx)
                    .await
                    .map_err(what())?;
                sqlx::query(q::MOVE)
                    .bind(number)
                    .bind(&day)
                    .bind(&start)
                    .bind(slot.end.format("%H:%M").to_string())
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(what())?;
                let row: q::Row = sqlx::query_as(&q::ONE)
                    .bind(number)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(what())?;
                tx.commit().await.map_err(what())?;
                q::record(row).map(|r| Moved::Done(Box::new(r)))
            }

            async fn mark_attendance(
                &self,
                number: &str,
                attended: bool,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::appointments::AppointmentRecord>> {
                use $crate::appointments::sql as q;
                self.$before_write()?;
                let what = || $db("marking an appointment");
                let changed = sqlx::query(q::MARK)
                    .bind(number)
                    .bind(if attended { "attended" } else { "no_show" })
                    .bind(at)
                    .execute(self.$pool())
                    .await
                    .map_err(what())?
                    .rows_affected();
                if changed == 0 {
                    return Ok(None);
                }
                let row: q::Row = sqlx::query_as(&q::ONE)
                    .bind(number)
                    .fetch_one(self.$pool())
                    .await
                    .map_err(what())?;
                q::record(row).map(Some)
            }

            async fn appointment(
                &self,
                number: &str,
            ) -> $crate::Result<Option<$crate::appointments::AppointmentRecord>> {
                use $crate::appointments::sql as q;
                self.$before_read()?;
                let row: Option<q::Row> = sqlx::query_as(&q::ONE)
                    .bind(number)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("reading an appointment"))?;
                row.map(q::record).transpose()
            }

            async fn appointments(
                &self,
                query: &$crate::appointments::AppointmentQuery,
            ) -> $crate::Result<Vec<$crate::appointments::AppointmentRecord>> {
                use $crate::appointments::sql as q;
                self.$before_read()?;
                let rows: Vec<q::Row> = sqlx::query_as(&q::LIST)
                    .bind(&query.account)
                    .bind(query.from.to_string())
                    .bind(query.to.to_string())
                    .bind(i32::from(query.booked_only))
                    .bind(query.limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("listing appointments"))?;
                rows.into_iter().map(q::record).collect()
            }

            async fn places_taken(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> $crate::Result<Vec<(chrono::NaiveDate, String, i64)>> {
                use $crate::appointments::sql as q;
                self.$before_read()?;
                let rows: Vec<(String, String, i64)> = sqlx::query_as(q::TAKEN)
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading the window's places"))?;
                rows.into_iter()
                    .map(|(d, s, n)| Ok((q::day(&d)?, s, n)))
                    .collect()
            }
        }
    };
}
pub(crate) use appointments_store;
