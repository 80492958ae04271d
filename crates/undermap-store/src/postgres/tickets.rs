//! Immutable excavation-check tickets.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, Utc};
use geo_types::Geometry;
use sqlx::PgPool;
use undermap_core::TicketId;

use crate::wkb::to_ewkb;
use crate::{NewTicket, Result, StoreError};

/// Ticket numbers reserved per database round trip. Numbers stay unique; a restart leaves a gap.
const BLOCK: i64 = 64;

/// Numbers reserved from the sequence and not yet handed out.
#[derive(Debug, Default)]
pub(crate) struct Reserved(Mutex<Vec<i64>>);

pub(crate) async fn next_id(pool: &PgPool, reserved: &Reserved, now: DateTime<Utc>) -> Result<TicketId> {
    let year = u16::try_from(now.year()).unwrap_or(9999);
    let taken = reserved.0.lock().ok().and_then(|mut r| r.pop());
    let n = match taken {
        Some(n) => n,
        None => {
            let mut block: Vec<i64> =
                sqlx::query_scalar("SELECT nextval('ticket_number') FROM generate_series(1, $1)")
                    .bind(BLOCK)
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::db("numbering a ticket"))?;
            block.sort_unstable_by(|a, b| b.cmp(a));
            let n = block.pop().ok_or_else(|| StoreError::Corrupt {
                id: "ticket_number".into(),
                reason: "the sequence returned no number".into(),
            })?;
            if let Ok(mut r) = reserved.0.lock() {
                r.extend(block);
                r.sort_unstable_by(|a, b| b.cmp(a));
            }
            n
        }
    };
    Ok(TicketId::new(year, u64::try_from(n).unwrap_or_default()))
}

pub(crate) async fn save(pool: &PgPool, srid: i32, ticket: NewTicket) -> Result<()> {
    let area = to_ewkb(&Geometry::MultiPolygon(ticket.area), srid).map_err(|reason| {
        StoreError::Corrupt {
            id: ticket.id.to_string(),
            reason,
        }
    })?;
    let inserted = sqlx::query(
        "INSERT INTO excavation_checks (id, created_at, reference, area, body) \
         VALUES ($1, $2, $3, ST_GeomFromEWKB($4), $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(ticket.id.to_string())
    .bind(ticket.created_at)
    .bind(&ticket.reference)
    .bind(area)
    .bind(&ticket.body)
    .execute(pool)
    .await
    .map_err(StoreError::db("storing a ticket"))?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::TicketExists(ticket.id.to_string()));
    }
    Ok(())
}

pub(crate) async fn get(pool: &PgPool, id: &TicketId) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT body FROM excavation_checks WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db("reading a ticket"))
}
