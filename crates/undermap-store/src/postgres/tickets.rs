//! Immutable excavation-check tickets.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use geo_types::Geometry;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use undermap_core::TicketId;

use super::PgError;
pub(crate) use crate::ticket_numbers::Reserved;
use crate::ticket_numbers::BLOCK;
use crate::wkb::to_ewkb;
use crate::{NewTicket, Result, StoreError};

pub(crate) async fn next_id(
    pool: &PgPool,
    reserved: &Reserved,
    now: DateTime<Utc>,
) -> Result<TicketId> {
    reserved
        .next(now, || async {
            sqlx::query_scalar("SELECT nextval('ticket_number') FROM generate_series(1, $1)")
                .bind(i64::try_from(BLOCK).unwrap_or(64))
                .fetch_all(pool)
                .await
                .map_err(PgError::db("numbering a ticket"))
        })
        .await
}

/// Most tickets written in one statement.
const MAX_BATCH: usize = 256;

/// Concurrent writer tasks.
const WRITERS: usize = 4;

type Reply = oneshot::Sender<Result<()>>;

/// Hands tickets to the writer task and waits for their commit. Concurrent checks share one
/// transaction (group commit): one WAL flush for many tickets, each still durable before its
/// `201` is sent.
#[derive(Debug, Clone)]
pub(crate) struct Writer(mpsc::Sender<(NewTicket, Reply)>);

impl Writer {
    pub(crate) fn spawn(pool: PgPool, srid: i32) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        // Several writers keep several commits in flight, so one WAL flush never idles the rest.
        for _ in 0..WRITERS {
            tokio::spawn(write_loop(pool.clone(), srid, rx.clone()));
        }
        Self(tx)
    }

    pub(crate) async fn save(&self, ticket: NewTicket) -> Result<()> {
        let (reply, done) = oneshot::channel();
        let gone = || StoreError::Corrupt {
            id: "ticket writer".into(),
            reason: "the ticket writer has stopped".into(),
        };
        self.0.send((ticket, reply)).await.map_err(|_| gone())?;
        done.await.map_err(|_| gone())?
    }
}

async fn write_loop(
    pool: PgPool,
    srid: i32,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<(NewTicket, Reply)>>>,
) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        let (tickets, replies): (Vec<NewTicket>, Vec<Reply>) = batch.into_iter().unzip();
        write_batch(&pool, srid, tickets, replies).await;
    }
}

/// Writes one batch and answers its callers. A batch that fails for any reason but an outage
/// is written again one ticket at a time, so that only the ticket at fault fails.
async fn write_batch(pool: &PgPool, srid: i32, tickets: Vec<NewTicket>, replies: Vec<Reply>) {
    match save_many(pool, srid, &tickets).await {
        Ok(mut written) => {
            // Rows go in in batch order, so of two callers with the same id the first one's
            // ticket is the one written: `remove` answers only that one with success.
            for (ticket, reply) in tickets.iter().zip(replies) {
                let outcome = if written.remove(&ticket.id.to_string()) {
                    Ok(())
                } else {
                    Err(StoreError::TicketExists(ticket.id.to_string()))
                };
                let _ = reply.send(outcome);
            }
        }
        Err(e) if tickets.len() > 1 && !e.is_unavailable() => {
            tracing::warn!(error = %e, tickets = tickets.len(), "ticket batch failed; writing its tickets one by one");
            for (ticket, reply) in tickets.into_iter().zip(replies) {
                Box::pin(write_batch(pool, srid, vec![ticket], vec![reply])).await;
            }
        }
        Err(e) => {
            tracing::error!(error = %e, tickets = tickets.len(), "writing tickets failed");
            let unavailable = e.is_unavailable();
            for reply in replies {
                let _ = reply.send(Err(if unavailable {
                    StoreError::Postgres(PgError::Database {
                        context: "storing a ticket",
                        source: sqlx::Error::PoolTimedOut,
                    })
                } else {
                    StoreError::Write(e.to_string())
                }));
            }
        }
    }
}

/// Inserts tickets in one statement; returns the ids written (an existing id is skipped).
async fn save_many(pool: &PgPool, srid: i32, tickets: &[NewTicket]) -> Result<HashSet<String>> {
    let mut ids = Vec::with_capacity(tickets.len());
    let mut created = Vec::with_capacity(tickets.len());
    let mut references = Vec::with_capacity(tickets.len());
    let mut holders = Vec::with_capacity(tickets.len());
    let mut areas = Vec::with_capacity(tickets.len());
    let mut bodies = Vec::with_capacity(tickets.len());
    for t in tickets {
        ids.push(t.id.to_string());
        created.push(t.created_at);
        references.push(t.reference.as_deref());
        holders.push(t.issued_to.as_deref());
        areas.push(
            to_ewkb(&Geometry::MultiPolygon(t.area.clone()), srid).map_err(|reason| {
                StoreError::Corrupt {
                    id: t.id.to_string(),
                    reason,
                }
            })?,
        );
        bodies.push(t.body.as_str());
    }
    let insert = sqlx::query_scalar(
        "INSERT INTO excavation_checks (id, created_at, reference, issued_to, area, body) \
         SELECT u.id, u.created_at, u.reference, u.issued_to, ST_GeomFromEWKB(u.area), u.body \
         FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::bytea[], \
                     $6::text[]) AS u(id, created_at, reference, issued_to, area, body) \
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&ids)
    .bind(&created)
    .bind(&references)
    .bind(&holders)
    .bind(&areas)
    .bind(&bodies);
    let db = PgError::db("storing tickets");
    // Most checks ask no registered owner and are no emergency: one statement, no transaction.
    if tickets
        .iter()
        .all(|t| t.owners.is_empty() && t.justify_by.is_none())
    {
        let written: Vec<String> = insert.fetch_all(pool).await.map_err(db)?;
        return Ok(written.into_iter().collect());
    }
    let mut tx = pool.begin().await.map_err(PgError::db("storing tickets"))?;
    let written: HashSet<String> = insert
        .fetch_all(&mut *tx)
        .await
        .map_err(PgError::db("storing tickets"))?
        .into_iter()
        .collect();
    let kept = || {
        tickets
            .iter()
            .filter(|t| written.contains(&t.id.to_string()))
    };
    let asked: Vec<(&NewTicket, &crate::TicketOwner)> = kept()
        .flat_map(|t| t.owners.iter().map(move |o| (t, o)))
        .collect();
    if !asked.is_empty() {
        sqlx::query(
            "INSERT INTO ticket_owners (ticket_id, owner, owner_id, assets, issued_to, issued_at, \
             answer_by, webhook_url, next_attempt_at) \
             SELECT u.t, u.o, u.i, u.a, u.h, u.c, u.b, u.w, CASE WHEN u.w IS NULL THEN NULL ELSE u.c END \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], \
                         $6::timestamptz[], $7::timestamptz[], $8::text[]) AS u(t, o, i, a, h, c, b, w)",
        )
        .bind(asked.iter().map(|(t, _)| t.id.to_string()).collect::<Vec<_>>())
        .bind(asked.iter().map(|(_, o)| o.owner.as_str()).collect::<Vec<_>>())
        .bind(asked.iter().map(|(_, o)| o.owner_id.as_str()).collect::<Vec<_>>())
        .bind(asked.iter().map(|(_, o)| i32::try_from(o.assets).unwrap_or(i32::MAX)).collect::<Vec<_>>())
        .bind(asked.iter().map(|(t, _)| t.issued_to.as_deref()).collect::<Vec<_>>())
        .bind(asked.iter().map(|(t, _)| t.created_at).collect::<Vec<_>>())
        .bind(asked.iter().map(|(_, o)| o.answer_by).collect::<Vec<_>>())
        .bind(asked.iter().map(|(_, o)| o.webhook_url.as_deref()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(PgError::db("storing the owners tickets ask"))?;
    }
    let emergencies: Vec<&NewTicket> = kept().filter(|t| t.justify_by.is_some()).collect();
    if !emergencies.is_empty() {
        sqlx::query(
            "INSERT INTO emergency_tickets (ticket_id, issued_to, issued_at, justify_by) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])",
        )
        .bind(
            emergencies
                .iter()
                .map(|t| t.id.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            emergencies
                .iter()
                .map(|t| t.issued_to.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(emergencies.iter().map(|t| t.created_at).collect::<Vec<_>>())
        .bind(
            emergencies
                .iter()
                .filter_map(|t| t.justify_by)
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await
        .map_err(PgError::db("storing emergency tickets"))?;
    }
    tx.commit().await.map_err(PgError::db("storing tickets"))?;
    Ok(written)
}

pub(crate) async fn get(pool: &PgPool, id: &TicketId) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT body FROM excavation_checks WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(PgError::db("reading a ticket"))
}

/// The tickets issued to `account`, newest first (by the index of migration 9).
pub(crate) async fn issued_to(pool: &PgPool, account: &str, limit: usize) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT body FROM excavation_checks WHERE issued_to = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(account)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(PgError::db("listing tickets"))
}
