//! Recording a project's events: the lifecycle decides whether the event may come now and where
//! it leads; a hand-over is measured against the project's checklist; filing waits for what must
//! be in before it; the credit entries the event makes are chained with it, in one transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_archive::credit::entries_for;
use undermap_archive::{ArchiveError, EventBody, Status};
use undermap_store::{CreditRecord, EventRecord, NewCreditEntry, NewProjectEvent};

use super::{Archive, Scope};
use crate::ServiceError;

/// A recorded event in an answer.
#[derive(Debug, Clone, Serialize)]
pub struct EventOut {
    /// Its position in the project's lifecycle, from 1.
    pub seq: u32,
    /// What happened (`type` names it).
    #[serde(flatten)]
    pub body: EventBody,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl From<EventRecord> for EventOut {
    fn from(e: EventRecord) -> Self {
        Self {
            seq: e.seq,
            body: e.body,
            recorded_by: e.recorded_by,
            recorded_at: e.recorded_at,
        }
    }
}

/// What recording an event did.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedEvent {
    /// The event as recorded (a hand-over with `received` and `missing` filled in).
    pub event: EventOut,
    /// Where the project now stands.
    pub status: Status,
    /// The entries it added to the construction unit's credit record.
    pub credit: Vec<CreditRecord>,
}

impl Archive<'_> {
    /// Records an event of a project (`POST /v1/projects/{code}/events`). An event that cannot
    /// come now is refused with what must come first (409); a malformed one with what is wrong.
    pub async fn record_event(
        &self,
        code: &str,
        body: serde_json::Value,
        by: Option<&str>,
    ) -> Result<RecordedEvent, ServiceError> {
        let record = self.project_in(code, &Scope::All).await?;
        let code = record.project.code.clone();
        let mut event: EventBody = serde_json::from_value(body).map_err(|e| {
            ServiceError::bad(
                "event",
                format!(
                    "{e}; an event is one of notice_issued, construction_started, \
                     guidance_visit, acceptance, handover, filed, named by `type`"
                ),
            )
        })?;
        if let EventBody::GuidanceVisit { inspector, .. } = &event {
            undermap_core::text::plain("inspector", inspector)?;
        }
        let files = self.app.store().project_files(&code).await?;
        let checklist = self.checklist_of(&record, &files)?;
        if event.date() > self.today() + chrono::Days::new(1) {
            return Err(ServiceError::unprocessable(
                "date",
                format!(
                    "{} is in the future: events are recorded when they have happened",
                    event.date()
                ),
            ));
        }
        // What was handed over is what the archive holds, not what the unit says.
        if let EventBody::Handover {
            received, missing, ..
        } = &mut event
        {
            received.clone_from(&checklist.received);
            missing.clone_from(&checklist.missing);
        }
        let lifecycle = self.lifecycle(&code).await?;
        let status = lifecycle.check(&event)?;
        if let EventBody::Filed { .. } = &event {
            let category = self
                .config()
                .catalogue
                .project_category(&record.project.category)?;
            let owed: Vec<&str> = category
                .before_filing
                .iter()
                .filter(|c| !checklist.received.contains(c))
                .map(String::as_str)
                .collect();
            if !owed.is_empty() {
                return Err(ArchiveError::OutOfOrder(format!(
                    "project {code} cannot be filed before these files are in: {}",
                    owed.join(", ")
                ))
                .into());
            }
        }
        let credit = entries_for(&lifecycle, &event, &self.config().rules)
            .into_iter()
            .map(|e| NewCreditEntry {
                kind: e.kind,
                date: e.date,
                detail: e.detail,
            })
            .collect();
        let seq = u32::try_from(lifecycle.events().len()).unwrap_or(u32::MAX - 1) + 1;
        let new = NewProjectEvent {
            code,
            unit: record.project.unit_code.clone(),
            seq,
            body: event,
            status,
            recorded_by: by.map(str::to_owned),
            recorded_at: Utc::now(),
            credit,
        };
        let credit = self.app.store().record_project_event(&new).await?;
        self.app.project_areas().forget();
        Ok(RecordedEvent {
            event: EventOut {
                seq,
                body: new.body,
                recorded_by: new.recorded_by,
                recorded_at: new.recorded_at,
            },
            status,
            credit,
        })
    }
}
