//! The field reports' statements, the same in both backends, and [`field_reports_store!`].

use chrono::{DateTime, Utc};

use super::{FieldReportRow, NewFieldReport, ReportClaim};
use crate::{Result, StoreError};

pub(crate) const ADD: &str = "INSERT INTO field_reports (report_type, ticket_id, feature_id, \
     layer, owner, x, y, offset_m, direction, damage, cause, had_ticket, note, photos, \
     reported_by, reported_at, claim_by, correct_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
     $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id";

const COLUMNS: &str = "r.id, r.report_type, r.ticket_id, r.feature_id, r.layer, r.owner, r.x, \
     r.y, r.offset_m, r.direction, r.damage, r.cause, r.had_ticket, r.note, r.photos, \
     r.reported_by, r.reported_at, r.claim_by, r.correct_by, c.owner_id AS claim_owner, \
     c.claimed_by AS claim_by_account, c.claimed_at AS claim_at, c.note AS claim_note";

pub(crate) static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM field_reports r LEFT JOIN field_report_claims c ON c.report_id = r.id \
         WHERE ($1 IS NULL OR r.reported_at >= $1) AND ($2 IS NULL OR r.reported_at < $2) \
         AND ($3 IS NULL OR r.feature_id = $3) AND ($4 IS NULL OR r.report_type = $4) \
         ORDER BY r.reported_at DESC, r.id DESC LIMIT $5"
    )
});
pub(crate) static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM field_reports r LEFT JOIN field_report_claims c ON c.report_id = r.id \
         WHERE r.id = $1"
    )
});
pub(crate) const CLAIM: &str = "INSERT INTO field_report_claims \
     (report_id, owner_id, claimed_by, claimed_at, note) VALUES ($1, $2, $3, $4, $5)";

/// A report row with its claim's columns (aliased in [`COLUMNS`]).
#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    report_type: String,
    ticket_id: Option<String>,
    feature_id: Option<String>,
    layer: Option<String>,
    owner: Option<String>,
    x: Option<f64>,
    y: Option<f64>,
    offset_m: Option<f64>,
    direction: Option<String>,
    damage: Option<String>,
    cause: Option<String>,
    had_ticket: Option<bool>,
    note: Option<String>,
    photos: String,
    reported_by: Option<String>,
    reported_at: DateTime<Utc>,
    claim_by: DateTime<Utc>,
    correct_by: DateTime<Utc>,
    claim_owner: Option<String>,
    claim_by_account: Option<String>,
    claim_at: Option<DateTime<Utc>>,
    claim_note: Option<String>,
}

pub(crate) fn row(r: Row) -> Result<FieldReportRow> {
    let photos = serde_json::from_str(&r.photos).map_err(|e| StoreError::Corrupt {
        id: format!("field report {}", r.id),
        reason: e.to_string(),
    })?;
    Ok(FieldReportRow {
        id: r.id,
        report: NewFieldReport {
            report_type: r.report_type,
            ticket_id: r.ticket_id,
            feature_id: r.feature_id,
            layer: r.layer,
            owner: r.owner,
            position: r.x.zip(r.y),
            offset_m: r.offset_m,
            direction: r.direction,
            damage: r.damage,
            cause: r.cause,
            had_ticket: r.had_ticket,
            note: r.note,
            photos,
            reported_by: r.reported_by,
            reported_at: r.reported_at,
            claim_by: r.claim_by,
            correct_by: r.correct_by,
        },
        claim: r
            .claim_owner
            .zip(r.claim_at)
            .map(|(owner_id, at)| ReportClaim {
                owner_id,
                by: r.claim_by_account,
                at,
                note: r.claim_note,
            }),
    })
}

/// [`super::FieldReportStore`] for one backend: `field_reports_store!(PgStore, pool,
/// PgError::db, up, up, "excavation_checks")` names the store, its pool accessor, the error
/// constructor, the checks before a write and a read, and its tickets' table.
macro_rules! field_reports_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident, $tickets:literal) => {
        #[async_trait::async_trait]
        impl $crate::field_reports::FieldReportStore for $store {
            async fn add_report(
                &self,
                r: &$crate::field_reports::NewFieldReport,
            ) -> $crate::Result<i64> {
                use $crate::field_reports::sql as q;
                self.$before_write()?;
                sqlx::query_scalar(q::ADD)
                    .bind(&r.report_type)
                    .bind(&r.ticket_id)
                    .bind(&r.feature_id)
                    .bind(&r.layer)
                    .bind(&r.owner)
                    .bind(r.position.map(|p| p.0))
                    .bind(r.position.map(|p| p.1))
                    .bind(r.offset_m)
                    .bind(&r.direction)
                    .bind(&r.damage)
                    .bind(&r.cause)
                    .bind(r.had_ticket)
                    .bind(&r.note)
                    .bind(serde_json::to_string(&r.photos).unwrap_or_else(|_| "[]".into()))
                    .bind(&r.reported_by)
                    .bind(r.reported_at)
                    .bind(r.claim_by)
                    .bind(r.correct_by)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($db("storing a field report"))
            }

            async fn field_reports(
                &self,
                query: &$crate::field_reports::ReportQuery,
            ) -> $crate::Result<Vec<$crate::field_reports::FieldReportRow>> {
                use $crate::field_reports::sql as q;
                self.$before_read()?;
                let rows: Vec<q::Row> = sqlx::query_as(&q::LIST)
                    .bind(query.from)
                    .bind(query.to)
                    .bind(&query.feature_id)
                    .bind(&query.report_type)
                    .bind(query.limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("listing field reports"))?;
                rows.into_iter().map(q::row).collect()
            }

            async fn field_report(
                &self,
                id: i64,
            ) -> $crate::Result<Option<$crate::field_reports::FieldReportRow>> {
                use $crate::field_reports::sql as q;
                self.$before_read()?;
                let row: Option<q::Row> = sqlx::query_as(&q::ONE)
                    .bind(id)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("reading a field report"))?;
                row.map(q::row).transpose()
            }

            async fn claim_report(
                &self,
                id: i64,
                c: &$crate::field_reports::ReportClaim,
            ) -> $crate::Result<()> {
                use $crate::field_reports::sql as q;
                self.$before_write()?;
                sqlx::query(q::CLAIM)
                    .bind(id)
                    .bind(&c.owner_id)
                    .bind(&c.by)
                    .bind(c.at)
                    .bind(&c.note)
                    .execute(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!("field report FR-{id} is claimed already"),
                        $db("claiming a field report"),
                    ))
                    .map(|_| ())
            }

            async fn tickets_between(
                &self,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                self.$before_read()?;
                sqlx::query_scalar(concat!(
                    "SELECT count(*) FROM ",
                    $tickets,
                    " WHERE created_at >= $1 AND created_at < $2"
                ))
                .bind(from)
                .bind(to)
                .fetch_one(self.$pool())
                .await
                .map_err($db("counting tickets"))
            }
        }
    };
}
pub(crate) use field_reports_store;
