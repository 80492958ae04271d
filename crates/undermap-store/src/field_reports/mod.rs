//! Field reports (what crews find on site) and their owners' claims, append-only, in both
//! stores; the statements are in `sql.rs`, the same for both backends.

pub(crate) mod sql;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{AnswerFile, Result};

/// A field report to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFieldReport {
    /// `found_elsewhere`, `not_found`, `unknown_asset` or `strike`.
    pub report_type: String,
    /// The ticket it relates to.
    pub ticket_id: Option<String>,
    /// The asset it is about.
    pub feature_id: Option<String>,
    /// The asset's layer (or the network an unknown asset belongs to).
    pub layer: Option<String>,
    /// The asset's owner, by name, when the report was filed.
    pub owner: Option<String>,
    /// The measured position, deployment CRS (x east, y north).
    pub position: Option<(f64, f64)>,
    /// How far the measured position lies from the mapped asset, m.
    pub offset_m: Option<f64>,
    /// In which direction (`east`, `north-west` …).
    pub direction: Option<String>,
    /// What a strike damaged.
    pub damage: Option<String>,
    /// Why a strike happened.
    pub cause: Option<String>,
    /// Whether a valid ticket covered the work (strikes).
    pub had_ticket: Option<bool>,
    /// The crew's words.
    pub note: Option<String>,
    /// Photos (bytes in the file store).
    pub photos: Vec<AnswerFile>,
    /// Who filed it.
    pub reported_by: Option<String>,
    /// When.
    pub reported_at: DateTime<Utc>,
    /// When its owner must have claimed it.
    pub claim_by: DateTime<Utc>,
    /// When its owner must have corrected the map.
    pub correct_by: DateTime<Utc>,
}

/// An owner's claim of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportClaim {
    /// The owner (registry id).
    pub owner_id: String,
    /// The account that claimed it.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// What the owner says (what it will do).
    pub note: Option<String>,
}

/// A stored report, with its claim if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReportRow {
    /// Its number (`FR-<id>`).
    pub id: i64,
    /// As filed.
    #[serde(flatten)]
    pub report: NewFieldReport,
    /// Its owner's claim.
    pub claim: Option<ReportClaim>,
}

/// Which reports to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportQuery {
    /// Filed at or after.
    pub from: Option<DateTime<Utc>>,
    /// Filed before.
    pub to: Option<DateTime<Utc>>,
    /// About this asset.
    pub feature_id: Option<String>,
    /// Of this type.
    pub report_type: Option<String>,
    /// At most.
    pub limit: i64,
}

/// Field reports and claims: part of every [`crate::Store`].
#[async_trait]
pub trait FieldReportStore: Send + Sync {
    /// Stores a report; its number.
    async fn add_report(&self, report: &NewFieldReport) -> Result<i64>;

    /// Reports, newest first.
    async fn field_reports(&self, query: &ReportQuery) -> Result<Vec<FieldReportRow>>;

    /// One report.
    async fn field_report(&self, id: i64) -> Result<Option<FieldReportRow>>;

    /// Records an owner's claim; [`crate::StoreError::Conflict`] if the report is claimed.
    async fn claim_report(&self, id: i64, claim: &ReportClaim) -> Result<()>;

    /// Tickets issued in `[from, to)`.
    async fn tickets_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64>;
}
