//! The owners' statements, the same in both backends, and [`owners_store!`] that implements
//! [`super::OwnersStore`] with them for one backend.

use chrono::{DateTime, Utc};

use super::{
    AnswerFile, AttemptRecord, EmergencyRecord, Justification, OwnerRecord, ResponseRecord,
    TicketOwnerRow,
};
use crate::{Result, StoreError};

pub(crate) const UPSERT_OWNER: &str =
    "INSERT INTO owners (id, name, contacts, emergency_phone, webhook_url, accounts, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
     contacts = excluded.contacts, emergency_phone = excluded.emergency_phone, \
     webhook_url = excluded.webhook_url, accounts = excluded.accounts, \
     updated_at = excluded.updated_at";
pub(crate) const DROP_NAMES: &str = "DELETE FROM owner_names WHERE owner_id = $1";
pub(crate) const ADD_NAME: &str = "INSERT INTO owner_names (name, owner_id) VALUES ($1, $2)";
pub(crate) const OWNERS: &str =
    "SELECT o.id, o.name, o.contacts, o.emergency_phone, o.webhook_url, o.accounts, o.updated_at \
     FROM owners o ORDER BY o.id";
pub(crate) const NAMES: &str = "SELECT owner_id, name FROM owner_names ORDER BY owner_id, name";

const TICKET_OWNER_COLUMNS: &str = "o.ticket_id, o.owner, o.owner_id, o.assets, o.issued_to, \
     o.issued_at, o.answer_by, o.webhook_url, o.attempts, o.next_attempt_at, o.delivered_at";
const ANSWERS: &str =
    "(SELECT count(*) FROM ticket_responses r WHERE r.ticket_id = o.ticket_id AND r.owner = o.owner)";

pub(crate) static OF_TICKET: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {TICKET_OWNER_COLUMNS}, {ANSWERS} FROM ticket_owners o WHERE o.ticket_id = $1 \
         ORDER BY o.owner"
    )
});
pub(crate) static OF_OWNER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {TICKET_OWNER_COLUMNS}, {ANSWERS} FROM ticket_owners o WHERE o.owner_id = $1 \
         AND ($2 IS NULL OR $2 = ({ANSWERS} = 0)) ORDER BY o.issued_at DESC, o.ticket_id DESC \
         LIMIT $3"
    )
});
/// Takes the due notifications; the outer `next_attempt_at <= $1` keeps two senders from
/// taking the same one (PostgreSQL re-checks it on the row it locked). SQLite's `RETURNING`
/// names the table's columns unqualified.
pub(crate) static CLAIM: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE ticket_owners SET next_attempt_at = $2 WHERE next_attempt_at <= $1 \
         AND (ticket_id, owner) IN (SELECT d.ticket_id, d.owner FROM ticket_owners d \
         WHERE d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT $3) \
         RETURNING {}, CAST(0 AS BIGINT)",
        TICKET_OWNER_COLUMNS.replace("o.", "")
    )
});
pub(crate) const ADD_ATTEMPT: &str =
    "INSERT INTO notification_attempts (ticket_id, owner, attempt, at, status, error, duration_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const DELIVERED: &str =
    "UPDATE ticket_owners SET attempts = $3, next_attempt_at = NULL, delivered_at = $4 \
     WHERE ticket_id = $1 AND owner = $2";
pub(crate) const RETRY: &str = "UPDATE ticket_owners SET attempts = $3, next_attempt_at = $4 \
     WHERE ticket_id = $1 AND owner = $2";
pub(crate) const GIVE_UP: &str = "UPDATE ticket_owners SET attempts = $3, next_attempt_at = NULL \
     WHERE ticket_id = $1 AND owner = $2";
pub(crate) const ATTEMPTS: &str =
    "SELECT ticket_id, owner, attempt, at, status, error, duration_ms FROM notification_attempts \
     WHERE ticket_id = $1 ORDER BY at, owner, attempt";

pub(crate) const ADD_RESPONSE: &str = "INSERT INTO ticket_responses \
     (ticket_id, seq, owner, code, note, files, answered_by, answered_at) \
     SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM ticket_responses \
     WHERE ticket_id = $1 RETURNING seq";
pub(crate) const RESPONSES: &str =
    "SELECT ticket_id, seq, owner, code, note, files, answered_by, answered_at \
     FROM ticket_responses WHERE ticket_id = $1 ORDER BY seq";

pub(crate) const JUSTIFY: &str =
    "INSERT INTO ticket_justifications (ticket_id, reason, given_by, given_at) \
     VALUES ($1, $2, $3, $4)";
pub(crate) const EMERGENCIES: &str =
    "SELECT e.ticket_id, e.issued_to, e.issued_at, e.justify_by, j.reason, j.given_by, j.given_at \
     FROM emergency_tickets e LEFT JOIN ticket_justifications j ON j.ticket_id = e.ticket_id \
     WHERE ($1 IS NULL OR e.issued_to = $1) ORDER BY e.issued_at DESC, e.ticket_id DESC LIMIT $2";

pub(crate) type OwnerRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    DateTime<Utc>,
);

fn list(id: &str, text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

/// The owners with their names (`names`: owner id and name, by owner id).
pub(crate) fn owners(rows: Vec<OwnerRow>, names: &[(String, String)]) -> Result<Vec<OwnerRecord>> {
    rows.into_iter()
        .map(|r| {
            let what = format!("owner {}", r.0);
            Ok(OwnerRecord {
                names: names
                    .iter()
                    .filter(|(id, _)| *id == r.0)
                    .map(|(_, n)| n.clone())
                    .collect(),
                contacts: list(&what, &r.2)?,
                accounts: list(&what, &r.5)?,
                id: r.0,
                name: r.1,
                emergency_phone: r.3,
                webhook_url: r.4,
                updated_at: r.6,
            })
        })
        .collect()
}

pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub(crate) type TicketOwnerSqlRow = (
    String,
    String,
    String,
    i32,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    i32,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
);

fn count(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(0)
}

pub(crate) fn ticket_owner(r: TicketOwnerSqlRow) -> TicketOwnerRow {
    TicketOwnerRow {
        ticket_id: r.0,
        owner: r.1,
        owner_id: r.2,
        assets: count(r.3),
        issued_to: r.4,
        issued_at: r.5,
        answer_by: r.6,
        webhook_url: r.7,
        attempts: count(r.8),
        next_attempt_at: r.9,
        delivered_at: r.10,
        answers: count(r.11),
    }
}

pub(crate) type ResponseSqlRow = (
    String,
    i32,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    DateTime<Utc>,
);

pub(crate) fn response(r: ResponseSqlRow) -> Result<ResponseRecord> {
    let files: Vec<AnswerFile> = serde_json::from_str(&r.5).map_err(|e| StoreError::Corrupt {
        id: format!("answer {} to ticket {}", r.1, r.0),
        reason: e.to_string(),
    })?;
    Ok(ResponseRecord {
        ticket_id: r.0,
        seq: count(r.1),
        owner: r.2,
        code: r.3,
        note: r.4,
        files,
        answered_by: r.6,
        answered_at: r.7,
    })
}

pub(crate) type AttemptSqlRow = (
    String,
    String,
    i32,
    DateTime<Utc>,
    Option<i32>,
    Option<String>,
    i32,
);

pub(crate) fn attempt(r: AttemptSqlRow) -> AttemptRecord {
    AttemptRecord {
        ticket_id: r.0,
        owner: r.1,
        attempt: count(r.2),
        at: r.3,
        status: r.4.and_then(|s| u16::try_from(s).ok()),
        error: r.5,
        duration_ms: count(r.6),
    }
}

pub(crate) type EmergencySqlRow = (
    String,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

pub(crate) fn emergency(r: EmergencySqlRow) -> EmergencyRecord {
    let justification = match (r.4, r.6) {
        (Some(reason), Some(at)) => Some(Justification {
            ticket_id: r.0.clone(),
            reason,
            by: r.5,
            at,
        }),
        _ => None,
    };
    EmergencyRecord {
        ticket_id: r.0,
        issued_to: r.1,
        issued_at: r.2,
        justify_by: r.3,
        justification,
    }
}

/// [`super::OwnersStore`] for one backend: `owners_store!(PgStore, pool, PgError::db, up, up)`
/// names the store, its pool accessor, the error constructor and the checks run before a write
/// and before a read.
macro_rules! owners_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::owners::OwnersStore for $store {
            async fn put_owner(&self, o: &$crate::owners::OwnerRecord) -> $crate::Result<()> {
                use $crate::owners::sql as q;
                self.$before_write()?;
                let mut tx = self
                    .$pool()
                    .begin()
                    .await
                    .map_err($db("registering an owner"))?;
                sqlx::query(q::UPSERT_OWNER)
                    .bind(&o.id)
                    .bind(&o.name)
                    .bind(q::json_list(&o.contacts))
                    .bind(&o.emergency_phone)
                    .bind(&o.webhook_url)
                    .bind(q::json_list(&o.accounts))
                    .bind(o.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err($db("registering an owner"))?;
                sqlx::query(q::DROP_NAMES)
                    .bind(&o.id)
                    .execute(&mut *tx)
                    .await
                    .map_err($db("registering an owner's names"))?;
                for name in &o.names {
                    sqlx::query(q::ADD_NAME)
                        .bind(name)
                        .bind(&o.id)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::access::sql::conflict(
                            format!("the name {name:?} belongs to another owner"),
                            $db("registering an owner's names"),
                        ))?;
                }
                tx.commit().await.map_err($db("registering an owner"))
            }

            async fn owners(&self) -> $crate::Result<Vec<$crate::owners::OwnerRecord>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::OwnerRow> = sqlx::query_as(q::OWNERS)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading the owners"))?;
                let names: Vec<(String, String)> = sqlx::query_as(q::NAMES)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading the owners' names"))?;
                q::owners(rows, &names)
            }

            async fn ticket_owners(
                &self,
                ticket: &str,
            ) -> $crate::Result<Vec<$crate::owners::TicketOwnerRow>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::TicketOwnerSqlRow> = sqlx::query_as(&q::OF_TICKET)
                    .bind(ticket)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading a ticket's owners"))?;
                Ok(rows.into_iter().map(q::ticket_owner).collect())
            }

            async fn owner_tickets(
                &self,
                owner_id: &str,
                open: Option<bool>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::owners::TicketOwnerRow>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::TicketOwnerSqlRow> = sqlx::query_as(&q::OF_OWNER)
                    .bind(owner_id)
                    .bind(open)
                    .bind(limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading an owner's tickets"))?;
                Ok(rows.into_iter().map(q::ticket_owner).collect())
            }

            async fn add_response(
                &self,
                r: &$crate::owners::ResponseRecord,
            ) -> $crate::Result<u32> {
                use $crate::owners::sql as q;
                self.$before_write()?;
                let files = serde_json::to_string(&r.files).unwrap_or_else(|_| "[]".into());
                // Two answers at once may take the same number: the second tries again.
                let mut tries = 0;
                loop {
                    tries += 1;
                    let done: Result<i32, sqlx::Error> = sqlx::query_scalar(q::ADD_RESPONSE)
                        .bind(&r.ticket_id)
                        .bind(&r.owner)
                        .bind(&r.code)
                        .bind(&r.note)
                        .bind(&files)
                        .bind(&r.answered_by)
                        .bind(r.answered_at)
                        .fetch_one(self.$pool())
                        .await;
                    match done {
                        Ok(seq) => return Ok(u32::try_from(seq).unwrap_or(0)),
                        Err(sqlx::Error::Database(d)) if d.is_unique_violation() && tries < 5 => {}
                        Err(e) => return Err($db("storing an answer")(e)),
                    }
                }
            }

            async fn responses(
                &self,
                ticket: &str,
            ) -> $crate::Result<Vec<$crate::owners::ResponseRecord>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::ResponseSqlRow> = sqlx::query_as(q::RESPONSES)
                    .bind(ticket)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading a ticket's answers"))?;
                rows.into_iter().map(q::response).collect()
            }

            async fn claim_notifications(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::owners::TicketOwnerRow>> {
                use $crate::owners::sql as q;
                self.$before_write()?;
                let rows: Vec<q::TicketOwnerSqlRow> = sqlx::query_as(&q::CLAIM)
                    .bind(now)
                    .bind(lease_until)
                    .bind(limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("taking due notifications"))?;
                Ok(rows.into_iter().map(q::ticket_owner).collect())
            }

            async fn record_attempt(
                &self,
                a: &$crate::owners::AttemptRecord,
                outcome: $crate::owners::AttemptOutcome,
            ) -> $crate::Result<()> {
                use $crate::owners::{sql as q, AttemptOutcome};
                self.$before_write()?;
                let attempt = i32::try_from(a.attempt).unwrap_or(i32::MAX);
                let mut tx = self
                    .$pool()
                    .begin()
                    .await
                    .map_err($db("logging an attempt"))?;
                sqlx::query(q::ADD_ATTEMPT)
                    .bind(&a.ticket_id)
                    .bind(&a.owner)
                    .bind(attempt)
                    .bind(a.at)
                    .bind(a.status.map(i32::from))
                    .bind(&a.error)
                    .bind(i32::try_from(a.duration_ms).unwrap_or(i32::MAX))
                    .execute(&mut *tx)
                    .await
                    .map_err($db("logging an attempt"))?;
                let update = match outcome {
                    AttemptOutcome::Delivered => sqlx::query(q::DELIVERED)
                        .bind(&a.ticket_id)
                        .bind(&a.owner)
                        .bind(attempt)
                        .bind(Some(a.at)),
                    AttemptOutcome::Retry(next) => sqlx::query(q::RETRY)
                        .bind(&a.ticket_id)
                        .bind(&a.owner)
                        .bind(attempt)
                        .bind(Some(next)),
                    AttemptOutcome::GiveUp => sqlx::query(q::GIVE_UP)
                        .bind(&a.ticket_id)
                        .bind(&a.owner)
                        .bind(attempt),
                };
                update
                    .execute(&mut *tx)
                    .await
                    .map_err($db("moving a notification on"))?;
                tx.commit().await.map_err($db("logging an attempt"))
            }

            async fn attempts(
                &self,
                ticket: &str,
            ) -> $crate::Result<Vec<$crate::owners::AttemptRecord>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::AttemptSqlRow> = sqlx::query_as(q::ATTEMPTS)
                    .bind(ticket)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading delivery attempts"))?;
                Ok(rows.into_iter().map(q::attempt).collect())
            }

            async fn justify(&self, j: &$crate::owners::Justification) -> $crate::Result<()> {
                use $crate::owners::sql as q;
                self.$before_write()?;
                sqlx::query(q::JUSTIFY)
                    .bind(&j.ticket_id)
                    .bind(&j.reason)
                    .bind(&j.by)
                    .bind(j.at)
                    .execute(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!("emergency ticket {} has its reason already", j.ticket_id),
                        $db("recording an emergency's reason"),
                    ))
                    .map(|_| ())
            }

            async fn emergencies(
                &self,
                holder: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::owners::EmergencyRecord>> {
                use $crate::owners::sql as q;
                self.$before_read()?;
                let rows: Vec<q::EmergencySqlRow> = sqlx::query_as(q::EMERGENCIES)
                    .bind(holder)
                    .bind(limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading emergency tickets"))?;
                Ok(rows.into_iter().map(q::emergency).collect())
            }
        }
    };
}
pub(crate) use owners_store;
