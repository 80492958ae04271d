//! Tickets in the GeoPackage: numbered by an AUTOINCREMENT table, immutable by trigger.

use chrono::{DateTime, Datelike, Utc};
use geo_types::Geometry;
use sqlx::SqlitePool;
use undermap_core::TicketId;

use super::to_gpkg;
use crate::{NewTicket, Result, StoreError};

pub(crate) async fn next_id(pool: &SqlitePool, now: DateTime<Utc>) -> Result<TicketId> {
    let n: i64 =
        sqlx::query_scalar("INSERT INTO undermap_ticket_numbers (taken_at) VALUES (?) RETURNING n")
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::db("numbering a ticket"))?;
    let year = u16::try_from(now.year()).unwrap_or(9999);
    Ok(TicketId::new(year, u64::try_from(n).unwrap_or_default()))
}

pub(crate) async fn save(pool: &SqlitePool, srid: i32, ticket: NewTicket) -> Result<()> {
    let area = to_gpkg(&Geometry::MultiPolygon(ticket.area), srid).map_err(|reason| {
        StoreError::Corrupt {
            id: ticket.id.to_string(),
            reason,
        }
    })?;
    let inserted = sqlx::query(
        "INSERT INTO undermap_excavation_checks (id, created_at, reference, area, body) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
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

pub(crate) async fn get(pool: &SqlitePool, id: &TicketId) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT body FROM undermap_excavation_checks WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db("reading a ticket"))
}
