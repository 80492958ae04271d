//! A project's lifecycle: notice before work starts, guidance during construction, acceptance at
//! completion, hand-over before filing (开工前告知、建设中指导、竣工时验收、备案前移交). Its
//! [`Status`] is never set: it is what the recorded events, applied in order, lead to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use undermap_core::text_enum;

use crate::ArchiveError;

text_enum! {
    /// Where a project stands, in the only order a project can go.
    pub enum Status ("status") {
        /// Known to the archive office; nothing issued yet.
        Registered => "registered",
        /// The filing notice (归档告知书) has been issued.
        NoticeIssued => "notice_issued",
        /// Work has started; guidance visits are due.
        UnderConstruction => "under_construction",
        /// The archive acceptance at completion passed.
        Accepted => "accepted",
        /// Every required file has been handed over.
        HandedOver => "handed_over",
        /// Filed: the project's archive is closed.
        Filed => "filed",
    }
}

/// One finding of a guidance visit, to be fixed before acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// What is wrong (e.g. "hidden-works records of section 3 missing").
    pub text: String,
}

/// What happened to a project, as recorded. The event's `type` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventBody {
    /// The filing notice was issued: what must be handed over, in which formats, by when.
    NoticeIssued {
        /// The day it was issued.
        date: NaiveDate,
        /// The scope of the files to hand over.
        scope: String,
        /// Accepted formats (e.g. "PDF/A", "DWG", "GeoPackage").
        #[serde(default)]
        formats: Vec<String>,
        /// The hand-over deadline the notice states, if it states one.
        #[serde(default)]
        deadline: Option<NaiveDate>,
    },
    /// Construction started (开工).
    ConstructionStarted {
        /// The day work started.
        date: NaiveDate,
    },
    /// Archive staff visited the site.
    GuidanceVisit {
        /// The day of the visit.
        date: NaiveDate,
        /// Who visited.
        inspector: String,
        /// What they found; each is fixed by a later visit listing it under `fixed`.
        #[serde(default)]
        findings: Vec<Finding>,
        /// Earlier findings seen fixed, as `<event seq>.<finding number from 1>`.
        #[serde(default)]
        fixed: Vec<String>,
    },
    /// The archive acceptance at completion (竣工验收).
    Acceptance {
        /// The day of the acceptance.
        date: NaiveDate,
        /// Whether it passed.
        passed: bool,
        /// Why it failed (required when it did).
        #[serde(default)]
        reasons: Vec<String>,
    },
    /// Files were handed over. The archive fills `received` and `missing` from the project's
    /// checklist when it records the event; a hand-over with something missing is incomplete.
    Handover {
        /// The day of the hand-over.
        date: NaiveDate,
        /// What the unit says it delivered.
        #[serde(default)]
        note: Option<String>,
        /// The required file categories received by then.
        #[serde(default)]
        received: Vec<String>,
        /// The required file categories still missing.
        #[serde(default)]
        missing: Vec<String>,
    },
    /// The archive was filed (备案).
    Filed {
        /// The day it was filed.
        date: NaiveDate,
        /// The archive's filing number.
        #[serde(default)]
        filing_number: Option<String>,
    },
}

impl EventBody {
    /// The event's name (its `type`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::NoticeIssued { .. } => "notice_issued",
            Self::ConstructionStarted { .. } => "construction_started",
            Self::GuidanceVisit { .. } => "guidance_visit",
            Self::Acceptance { .. } => "acceptance",
            Self::Handover { .. } => "handover",
            Self::Filed { .. } => "filed",
        }
    }

    /// The day it happened.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::NoticeIssued { date, .. }
            | Self::ConstructionStarted { date }
            | Self::GuidanceVisit { date, .. }
            | Self::Acceptance { date, .. }
            | Self::Handover { date, .. }
            | Self::Filed { date, .. } => *date,
        }
    }

    /// The statuses in which this event may be recorded, and the status it leads to.
    fn transition(&self) -> (&'static [Status], Status) {
        use Status::{Accepted, HandedOver, NoticeIssued, Registered, UnderConstruction};
        match self {
            Self::NoticeIssued { .. } => (&[Registered], NoticeIssued),
            Self::ConstructionStarted { .. } => (&[NoticeIssued], UnderConstruction),
            Self::GuidanceVisit { .. } | Self::Acceptance { passed: false, .. } => {
                (&[UnderConstruction], UnderConstruction)
            }
            Self::Acceptance { passed: true, .. } => (&[UnderConstruction], Accepted),
            Self::Handover { missing, .. } if missing.is_empty() => (&[Accepted], HandedOver),
            Self::Handover { .. } => (&[Accepted], Accepted),
            Self::Filed { .. } => (&[HandedOver], Status::Filed),
        }
    }
}

/// What must have happened before an event can be recorded in a status.
fn what_comes_first(event: &EventBody, status: Status) -> String {
    let needed = match event {
        EventBody::NoticeIssued { .. } => "a notice is issued once, before anything else",
        EventBody::ConstructionStarted { .. } => "the filing notice (notice_issued) comes first",
        EventBody::GuidanceVisit { .. } => {
            "guidance visits happen while the project is under construction \
             (after construction_started, before a passed acceptance)"
        }
        EventBody::Acceptance { .. } => {
            "acceptance comes after construction_started and only until one passes"
        }
        EventBody::Handover { .. } => "hand-over comes after a passed acceptance",
        EventBody::Filed { .. } => "filing comes after a complete hand-over (handed_over)",
    };
    format!(
        "a {} event cannot be recorded while the project is {status}: {needed}",
        event.name()
    )
}

/// A project's recorded events and where they lead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    events: Vec<EventBody>,
}

impl Lifecycle {
    /// Replays stored events (in their order); fails on one that could not have been recorded.
    pub fn replay(events: impl IntoIterator<Item = EventBody>) -> Result<Self, ArchiveError> {
        let mut lifecycle = Self::default();
        for event in events {
            lifecycle.record(event)?;
        }
        Ok(lifecycle)
    }

    /// Where the events lead.
    #[must_use]
    pub fn status(&self) -> Status {
        self.events
            .iter()
            .fold(Status::Registered, |_, e| e.transition().1)
    }

    /// The events, oldest first (event `seq` = position + 1).
    #[must_use]
    pub fn events(&self) -> &[EventBody] {
        &self.events
    }

    /// Checks that `event` may come next, without recording it.
    pub fn check(&self, event: &EventBody) -> Result<Status, ArchiveError> {
        let status = self.status();
        let (from, to) = event.transition();
        if !from.contains(&status) {
            return Err(ArchiveError::OutOfOrder(what_comes_first(event, status)));
        }
        if let Some(last) = self.events.last() {
            if event.date() < last.date() {
                return Err(ArchiveError::OutOfOrder(format!(
                    "a {} dated {} cannot follow the {} dated {}: events are recorded in the \
                     order they happened",
                    event.name(),
                    event.date(),
                    last.name(),
                    last.date()
                )));
            }
        }
        match event {
            EventBody::Acceptance {
                passed: false,
                reasons,
                ..
            } if reasons.iter().all(|r| r.trim().is_empty()) => {
                return Err(ArchiveError::Invalid(
                    "a failed acceptance must say why (reasons)".into(),
                ));
            }
            EventBody::GuidanceVisit {
                inspector, fixed, ..
            } => {
                if inspector.trim().is_empty() {
                    return Err(ArchiveError::Invalid(
                        "a guidance visit names its inspector".into(),
                    ));
                }
                let open = self.open_findings();
                if let Some(unknown) = fixed.iter().find(|f| !open.iter().any(|(id, _)| id == *f)) {
                    return Err(ArchiveError::Invalid(format!(
                        "finding {unknown:?} is not an open finding of this project (open: {})",
                        open.iter()
                            .map(|(id, _)| id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            _ => {}
        }
        Ok(to)
    }

    /// Records `event` if it may come next; returns the new status.
    pub fn record(&mut self, event: EventBody) -> Result<Status, ArchiveError> {
        let to = self.check(&event)?;
        self.events.push(event);
        Ok(to)
    }

    /// Guidance findings not yet seen fixed, as (`<seq>.<n>`, finding).
    #[must_use]
    pub fn open_findings(&self) -> Vec<(String, &Finding)> {
        let mut open = Vec::new();
        for (i, event) in self.events.iter().enumerate() {
            if let EventBody::GuidanceVisit {
                findings, fixed, ..
            } = event
            {
                open.retain(|(id, _): &(String, &Finding)| !fixed.contains(id));
                for (n, f) in findings.iter().enumerate() {
                    open.push((format!("{}.{}", i + 1, n + 1), f));
                }
            }
        }
        open
    }

    /// The last event of a kind, with its seq.
    #[must_use]
    pub fn last(&self, name: &str) -> Option<(usize, &EventBody)> {
        self.events
            .iter()
            .enumerate()
            .rev()
            .find(|(_, e)| e.name() == name)
            .map(|(i, e)| (i + 1, e))
    }
}

#[cfg(test)]
mod tests;
