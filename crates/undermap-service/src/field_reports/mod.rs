//! Field reports close the loop: crews report what they find on site (an asset elsewhere, not
//! found, unknown, struck), owners claim the reports on their assets and correct the map; an
//! unclaimed report makes its asset an orphan; open reports lower the asset's quality in every
//! check until a correcting delivery closes them; strikes per 1,000 tickets tell a county
//! whether its one map works.

mod notes;
mod stats;
mod submit;

pub use notes::OpenReports;
pub use stats::{StrikeStats, CSV_HEADER};
pub use submit::{ClaimInput, ReportInput};

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_core::field_report::status;
use undermap_core::ReportStatus;
use undermap_index::MapIndex;
use undermap_store::{FieldReportRow, ReportQuery};

use crate::{Service, ServiceError};

/// Field reports: `service.field_reports()`.
#[derive(Debug, Clone, Copy)]
pub struct FieldReports<'a> {
    app: &'a Service,
}

impl Service {
    /// Field reports, their claims and the strike statistics.
    #[must_use]
    pub fn field_reports(&self) -> FieldReports<'_> {
        FieldReports { app: self }
    }
}

/// A report as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldReport {
    /// `FR-<n>`.
    pub number: String,
    /// Where it stands now.
    pub status: ReportStatus,
    /// As stored, with its claim.
    #[serde(flatten)]
    pub row: FieldReportRow,
}

/// Whether the map has changed where a report points since it was filed: its asset has a
/// newer version or is gone, or (for a report on no asset) some asset within 2 m of its
/// position has a version newer than the report.
pub(crate) fn corrected(index: &MapIndex, row: &FieldReportRow) -> bool {
    let at = row.report.reported_at;
    if let Some(id) = &row.report.feature_id {
        return match id.parse().ok().and_then(|id| index.get(&id)) {
            Some(f) => f.valid_from > at,
            None => true,
        };
    }
    let Some((x, y)) = row.report.position else {
        return false;
    };
    let near = geo::Rect::new(
        geo::coord! { x: x - 2.0, y: y - 2.0 },
        geo::coord! { x: x + 2.0, y: y + 2.0 },
    );
    index.in_envelope(near).any(|f| f.valid_from > at)
}

impl FieldReports<'_> {
    /// Reports, newest first, each with its status now; `status` keeps only those in it.
    pub async fn list(
        &self,
        query: &ReportQuery,
        status: Option<ReportStatus>,
    ) -> Result<Vec<FieldReport>, ServiceError> {
        ServiceError::count_within("limit", query.limit, 1000)?;
        self.rows(query, status).await
    }

    /// Reports as [`Self::list`] gives them, without its page limit.
    async fn rows(
        &self,
        query: &ReportQuery,
        status: Option<ReportStatus>,
    ) -> Result<Vec<FieldReport>, ServiceError> {
        let index = self.app.index().snapshot();
        let now = Utc::now();
        Ok(self
            .app
            .store()
            .field_reports(query)
            .await?
            .into_iter()
            .map(|r| shown(&index, r, now))
            .filter(|r| status.is_none_or(|s| r.status == s))
            .collect())
    }

    /// One report, by its number (`FR-12` or `12`).
    pub async fn get(&self, number: &str) -> Result<FieldReport, ServiceError> {
        let id = parse_number(number)?;
        let row = self
            .app
            .store()
            .field_report(id)
            .await?
            .ok_or_else(|| not_found(number))?;
        Ok(shown(&self.app.index().snapshot(), row, Utc::now()))
    }

    /// Reads the reports still open into memory, for checks to read without a round trip.
    pub async fn refresh(&self) -> Result<(), ServiceError> {
        let rows = self
            .app
            .store()
            .field_reports(&ReportQuery {
                limit: 100_000,
                ..ReportQuery::default()
            })
            .await?;
        let index = self.app.index().snapshot();
        let open = OpenReports::new(rows.into_iter().filter(|r| !corrected(&index, r)));
        self.app.set_open_reports(open);
        Ok(())
    }
}

/// A stored report with its status at `now`.
fn shown(index: &MapIndex, row: FieldReportRow, now: DateTime<Utc>) -> FieldReport {
    let status = status(
        row.claim.as_ref().map(|c| c.at),
        row.report.claim_by,
        row.report.correct_by,
        corrected(index, &row),
        now,
    );
    FieldReport {
        number: format!("FR-{}", row.id),
        status,
        row,
    }
}

fn not_found(number: &str) -> ServiceError {
    ServiceError::NotFound {
        what: format!(
            "field report {:?}",
            number.chars().take(40).collect::<String>()
        ),
    }
}

/// `FR-12` or `12`.
fn parse_number(number: &str) -> Result<i64, ServiceError> {
    number
        .trim()
        .trim_start_matches("FR-")
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| not_found(number))
}
