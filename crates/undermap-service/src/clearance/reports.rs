//! Reports read back (byte for byte, to their holder or to roles that read every report),
//! listed, and verified against the server's key.

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_clearance::ClearanceNumber;
use undermap_store::ClearanceReportSummary;

use super::report::ClearanceReport;
use super::Clearance;
use crate::ServiceError;

/// Whether a report is the server's and unchanged.
#[derive(Debug, Clone, Serialize)]
pub struct ReportCheck {
    /// Its number.
    pub number: String,
    /// Whether it verifies.
    pub valid: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The key that signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// When it was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Its verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// The table version it was checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_version: Option<String>,
    /// The planner's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Clearance<'_> {
    /// A report's text as issued; `viewer`: only if it was issued to that account (others get
    /// not found, as if it did not exist).
    pub async fn report(&self, number: &str, viewer: Option<&str>) -> Result<String, ServiceError> {
        let missing = || ServiceError::NotFound {
            what: format!("clearance report {number}"),
        };
        let parsed: ClearanceNumber = number.parse().map_err(|_| missing())?;
        let row = self
            .app
            .store()
            .clearance_report(&parsed.to_string())
            .await?
            .ok_or_else(missing)?;
        if viewer.is_some_and(|v| row.issued_to.as_deref() != Some(v)) {
            return Err(missing());
        }
        Ok(row.body)
    }

    /// A report read back as its fields.
    pub async fn report_parsed(
        &self,
        number: &str,
        viewer: Option<&str>,
    ) -> Result<ClearanceReport, ServiceError> {
        let text = self.report(number, viewer).await?;
        serde_json::from_str(&text)
            .map_err(|e| ServiceError::internal("reading a stored clearance report", e))
    }

    /// The reports issued to `account` (every report when `None`), newest first.
    pub async fn reports(
        &self,
        account: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ClearanceReportSummary>, ServiceError> {
        if !(1..=500).contains(&limit) {
            return Err(ServiceError::unprocessable("limit", "give 1 to 500"));
        }
        Ok(self.app.store().clearance_reports(account, limit).await?)
    }

    /// Whether report `number` verifies with this server's key (and, when given, carries the
    /// signature `given`, as a printout shows it).
    pub async fn verify(
        &self,
        number: &str,
        given: Option<&str>,
    ) -> Result<ReportCheck, ServiceError> {
        let text = self.report(number, None).await?;
        let verifier = self.app.config().ticket_signer.verifier();
        let outcome = verifier.verify(&text).and_then(|s| match given {
            Some(g) if g.trim() != s.value => Err(crate::SignatureError::Mismatch),
            _ => Ok(s),
        });
        let mut check = ReportCheck {
            number: number.to_owned(),
            valid: outcome.is_ok(),
            reason: outcome.as_ref().err().map(ToString::to_string),
            key_id: outcome.as_ref().ok().map(|s| s.key_id.clone()),
            created_at: None,
            verdict: None,
            table_version: None,
            reference: None,
        };
        if check.valid {
            let r: ClearanceReport = serde_json::from_str(&text)
                .map_err(|e| ServiceError::internal("reading a stored clearance report", e))?;
            check.created_at = Some(r.created_at);
            check.verdict = Some(r.verdict);
            check.table_version = Some(r.table.version);
            check.reference = r.reference;
        }
        Ok(check)
    }
}
