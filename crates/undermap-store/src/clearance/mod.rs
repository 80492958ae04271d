//! Clearance reports: numbered, signed, immutable, in both stores; the statements are the same
//! for both backends ([`clearance_store!`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;

/// A report to store, as issued.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClearanceReport {
    /// Its number, `CC-2026-000017`.
    pub number: String,
    /// The store's number it was made from.
    pub seq: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The account it was made for.
    pub issued_to: Option<String>,
    /// The caller's own reference (a project's name).
    pub reference: Option<String>,
    /// `pass`, `fail` or `unknown`.
    pub verdict: String,
    /// The signed report, byte for byte as returned.
    pub body: String,
}

/// A stored report without its body, for lists.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ClearanceReportSummary {
    /// Its number.
    pub number: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The account it was made for.
    pub issued_to: Option<String>,
    /// The caller's reference.
    pub reference: Option<String>,
    /// Its verdict.
    pub verdict: String,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClearanceReportRow {
    /// The account it was made for.
    pub issued_to: Option<String>,
    /// The signed report, byte for byte as issued.
    pub body: String,
}

/// Clearance reports.
#[async_trait]
pub trait ClearanceStore: Send + Sync {
    /// A new report number (unique and growing; a report that is not stored leaves a gap).
    async fn next_clearance_number(&self, now: DateTime<Utc>) -> Result<i64>;

    /// Stores a report; [`crate::StoreError::Conflict`] if its number exists (reports are never
    /// changed).
    async fn save_clearance_report(&self, report: &NewClearanceReport) -> Result<()>;

    /// A report by number.
    async fn clearance_report(&self, number: &str) -> Result<Option<ClearanceReportRow>>;

    /// The reports made for `account` (every report when `None`), newest first, at most
    /// `limit`.
    async fn clearance_reports(
        &self,
        account: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ClearanceReportSummary>>;
}

pub(crate) const NEXT: &str = "INSERT INTO clearance_numbers (taken_at) VALUES ($1) RETURNING n";
pub(crate) const SAVE: &str = "INSERT INTO clearance_reports (number, seq, created_at, \
     issued_to, reference, verdict, body) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const ONE: &str = "SELECT issued_to, body FROM clearance_reports WHERE number = $1";
pub(crate) const LIST: &str = "SELECT number, created_at, issued_to, reference, verdict \
     FROM clearance_reports WHERE ($1 IS NULL OR issued_to = $1) \
     ORDER BY created_at DESC, seq DESC LIMIT $2";

/// [`ClearanceStore`] for one backend: `clearance_store!(PgStore, pool, PgError::db, up, up)`.
macro_rules! clearance_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::clearance::ClearanceStore for $store {
            async fn next_clearance_number(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                self.$before_write()?;
                sqlx::query_scalar($crate::clearance::NEXT)
                    .bind(now)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($db("numbering a clearance report"))
            }

            async fn save_clearance_report(
                &self,
                r: &$crate::clearance::NewClearanceReport,
            ) -> $crate::Result<()> {
                self.$before_write()?;
                sqlx::query($crate::clearance::SAVE)
                    .bind(&r.number)
                    .bind(r.seq)
                    .bind(r.created_at)
                    .bind(&r.issued_to)
                    .bind(&r.reference)
                    .bind(&r.verdict)
                    .bind(&r.body)
                    .execute(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!("clearance report {} exists", r.number),
                        $db("storing a clearance report"),
                    ))?;
                Ok(())
            }

            async fn clearance_report(
                &self,
                number: &str,
            ) -> $crate::Result<Option<$crate::clearance::ClearanceReportRow>> {
                self.$before_read()?;
                sqlx::query_as($crate::clearance::ONE)
                    .bind(number)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("reading a clearance report"))
            }

            async fn clearance_reports(
                &self,
                account: Option<&str>,
                limit: usize,
            ) -> $crate::Result<Vec<$crate::clearance::ClearanceReportSummary>> {
                self.$before_read()?;
                sqlx::query_as($crate::clearance::LIST)
                    .bind(account)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("listing clearance reports"))
            }
        }
    };
}
pub(crate) use clearance_store;
