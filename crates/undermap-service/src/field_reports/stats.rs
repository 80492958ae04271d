//! Strikes per 1,000 tickets, by cause and by owner, with and without a ticket: the figure that
//! tells a county whether its one map works (as the CGA's DIRT report does for the US), and
//! the strikes themselves as CSV.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_core::{ReportStatus, ReportType, StrikeCause};
use undermap_store::ReportQuery;

use super::{FieldReport, FieldReports};
use crate::ServiceError;

/// Most reports a period's figures are made from.
const MAX_REPORTS: i64 = 100_000;

/// The columns of the strikes' CSV.
pub const CSV_HEADER: &str =
    "report,reported_at,owner,layer,feature_id,cause,had_ticket,ticket,damage,x,y,note";

/// Strikes in one cause or for one owner.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Count {
    /// Strikes.
    pub strikes: usize,
    /// Strikes per 1,000 tickets issued in the period (none without tickets).
    pub per_1000_tickets: Option<f64>,
}

/// The figures of a period (`GET /v1/field-reports/stats`).
#[derive(Debug, Clone, Serialize)]
pub struct StrikeStats {
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// To (exclusive).
    pub to: DateTime<Utc>,
    /// Tickets issued.
    pub tickets: i64,
    /// All strikes.
    pub strikes: Count,
    /// Strikes where a valid dig or emergency ticket covered the work.
    pub with_ticket: Count,
    /// Strikes without one.
    pub without_ticket: Count,
    /// By cause (every cause listed).
    pub by_cause: BTreeMap<String, Count>,
    /// By the struck asset's owner.
    pub by_owner: BTreeMap<String, Count>,
    /// Reports filed, by type.
    pub reports: BTreeMap<String, usize>,
    /// Reports whose owner let the claim deadline pass: orphans on the map now.
    pub orphans: usize,
}

impl FieldReports<'_> {
    async fn in_period(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FieldReport>, ServiceError> {
        if from >= to {
            return Err(ServiceError::unprocessable(
                "from",
                format!("{from} is not before {to}"),
            ));
        }
        let query = ReportQuery {
            from: Some(from),
            to: Some(to),
            limit: MAX_REPORTS,
            ..ReportQuery::default()
        };
        self.rows(&query, None).await
    }

    /// The figures of `[from, to)`.
    pub async fn stats(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<StrikeStats, ServiceError> {
        let reports = self.in_period(from, to).await?;
        let tickets = self.app.store().tickets_between(from, to).await?;
        let per = |n: usize| {
            #[allow(clippy::cast_precision_loss)]
            (tickets > 0).then(|| ((n as f64) * 1000.0 / (tickets as f64) * 100.0).round() / 100.0)
        };
        let count = |n: usize| Count {
            strikes: n,
            per_1000_tickets: per(n),
        };
        let strikes: Vec<&FieldReport> = reports
            .iter()
            .filter(|r| r.row.report.report_type == ReportType::Strike.as_str())
            .collect();
        let mut by_cause: BTreeMap<String, usize> = StrikeCause::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), 0))
            .collect();
        let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
        for s in &strikes {
            let cause = s.row.report.cause.clone().unwrap_or_else(|| "other".into());
            *by_cause.entry(cause).or_default() += 1;
            let owner = s
                .row
                .report
                .owner
                .clone()
                .unwrap_or_else(|| "unknown owner".into());
            *by_owner.entry(owner).or_default() += 1;
        }
        let with = strikes
            .iter()
            .filter(|s| s.row.report.had_ticket == Some(true))
            .count();
        let mut by_type: BTreeMap<String, usize> = ReportType::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), 0))
            .collect();
        for r in &reports {
            *by_type.entry(r.row.report.report_type.clone()).or_default() += 1;
        }
        Ok(StrikeStats {
            from,
            to,
            tickets,
            strikes: count(strikes.len()),
            with_ticket: count(with),
            without_ticket: count(strikes.len() - with),
            by_cause: by_cause.into_iter().map(|(k, n)| (k, count(n))).collect(),
            by_owner: by_owner.into_iter().map(|(k, n)| (k, count(n))).collect(),
            reports: by_type,
            orphans: reports
                .iter()
                .filter(|r| r.status == ReportStatus::Orphan)
                .count(),
        })
    }

    /// The strikes of `[from, to)` as CSV, one a line, oldest first (positions in the
    /// deployment CRS).
    pub async fn strikes_csv(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<String, ServiceError> {
        let mut reports = self.in_period(from, to).await?;
        reports.retain(|r| r.row.report.report_type == ReportType::Strike.as_str());
        reports.reverse();
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| ServiceError::internal("writing the strikes' CSV", e);
        out.write_record(CSV_HEADER.split(',')).map_err(failed)?;
        for r in &reports {
            let s = &r.row.report;
            let (x, y) = s.position.map_or((String::new(), String::new()), |(x, y)| {
                (format!("{x:.3}"), format!("{y:.3}"))
            });
            out.write_record([
                r.number.clone(),
                s.reported_at.to_rfc3339(),
                s.owner.clone().unwrap_or_default(),
                s.layer.clone().unwrap_or_default(),
                s.feature_id.clone().unwrap_or_default(),
                s.cause.clone().unwrap_or_default(),
                s.had_ticket.map(|t| t.to_string()).unwrap_or_default(),
                s.ticket_id.clone().unwrap_or_default(),
                s.damage.clone().unwrap_or_default(),
                x,
                y,
                s.note.clone().unwrap_or_default(),
            ])
            .map_err(failed)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ServiceError::internal("writing the strikes' CSV", e))?;
        String::from_utf8(bytes).map_err(|e| ServiceError::internal("writing the strikes' CSV", e))
    }
}
