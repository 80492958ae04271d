//! Emergency tickets are issued at once and justified afterwards: their holder gives the reason
//! by the end of the next working day, or the ticket is flagged on the holder's record.

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_core::TicketId;
use undermap_store::{EmergencyRecord, Justification};

use super::Owners;
use crate::ServiceError;

/// Longest reason accepted.
const MAX_REASON_CHARS: usize = 2000;

/// An emergency ticket on its holder's record.
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyStatus {
    /// As stored.
    #[serde(flatten)]
    pub record: EmergencyRecord,
    /// `justified`, `late` (given after it was due), `due` (not yet given, still in time) or
    /// `unjustified` (not given and overdue): the last two are flagged.
    pub flag: &'static str,
}

fn flag(r: &EmergencyRecord, now: DateTime<Utc>) -> &'static str {
    match &r.justification {
        Some(j) if j.at <= r.justify_by => "justified",
        Some(_) => "late",
        None if now <= r.justify_by => "due",
        None => "unjustified",
    }
}

impl Owners<'_> {
    /// Records the reason for an emergency ticket, given by its holder (or an administrator).
    pub async fn justify(
        &self,
        id: &str,
        reason: &str,
        account: &str,
        admin: bool,
    ) -> Result<EmergencyStatus, ServiceError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::unprocessable(
                "reason",
                format!("give the emergency's reason in 1 to {MAX_REASON_CHARS} characters"),
            ));
        }
        let not_found = || ServiceError::NotFound {
            what: format!(
                "emergency ticket {:?}",
                id.chars().take(40).collect::<String>()
            ),
        };
        let ticket: TicketId = id.parse().map_err(|_| not_found())?;
        let ticket = ticket.to_string();
        let holder = if admin { None } else { Some(account) };
        let mut record = self
            .app
            .store()
            .emergencies(holder, i64::MAX)
            .await?
            .into_iter()
            .find(|r| r.ticket_id == ticket)
            .ok_or_else(not_found)?;
        if record.justification.is_some() {
            return Err(ServiceError::Conflict(format!(
                "emergency ticket {ticket} has its reason already; it is kept as given"
            )));
        }
        let j = Justification {
            ticket_id: ticket.clone(),
            reason: reason.to_owned(),
            by: Some(account.to_owned()),
            at: Utc::now(),
        };
        self.app.store().justify(&j).await?;
        record.justification = Some(j);
        Ok(EmergencyStatus {
            flag: flag(&record, Utc::now()),
            record,
        })
    }

    /// Emergency tickets with their flags, newest first: one holder's, or everyone's.
    pub async fn emergencies(
        &self,
        holder: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EmergencyStatus>, ServiceError> {
        let limit = super::page_limit(limit)?;
        let now = Utc::now();
        Ok(self
            .app
            .store()
            .emergencies(holder, limit)
            .await?
            .into_iter()
            .map(|record| EmergencyStatus {
                flag: flag(&record, now),
                record,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn record(given: Option<i64>) -> EmergencyRecord {
        let t0 = DateTime::UNIX_EPOCH;
        EmergencyRecord {
            ticket_id: "EC-2026-000001".into(),
            issued_to: Some("crew".into()),
            issued_at: t0,
            justify_by: t0 + Duration::hours(30),
            justification: given.map(|h| Justification {
                ticket_id: "EC-2026-000001".into(),
                reason: "burst main".into(),
                by: Some("crew".into()),
                at: t0 + Duration::hours(h),
            }),
        }
    }

    #[test]
    fn an_emergency_is_flagged_when_its_reason_is_late_or_missing() {
        let t0 = DateTime::UNIX_EPOCH;
        assert_eq!(
            flag(&record(Some(2)), t0 + Duration::hours(100)),
            "justified"
        );
        assert_eq!(flag(&record(Some(31)), t0 + Duration::hours(100)), "late");
        assert_eq!(flag(&record(None), t0 + Duration::hours(29)), "due");
        assert_eq!(flag(&record(None), t0 + Duration::hours(31)), "unjustified");
    }
}
