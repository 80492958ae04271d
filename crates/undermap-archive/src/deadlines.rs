//! The deadlines a project's lifecycle sets, and which of them have passed. The rules are data
//! (settings `archive.rules`), with the defaults the source names: a guidance visit at least every
//! quarter while under construction, the hand-over within 3 months of the acceptance, the filing
//! notice before work starts.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{EventBody, Lifecycle, Status};

/// The deadline rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Longest time between guidance visits while under construction (from the start), days.
    pub guidance_every_days: u32,
    /// Months from a passed acceptance to the hand-over.
    pub handover_within_months: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            guidance_every_days: 92,
            handover_within_months: 3,
        }
    }
}

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The filing notice, due before the planned start of work.
    Notice,
    /// The next guidance visit.
    GuidanceVisit,
    /// The hand-over after acceptance.
    Handover,
}

/// A deadline that has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// Which deadline.
    pub deadline: Deadline,
    /// The day it fell due.
    pub due: NaiveDate,
    /// Days past it on the day asked about.
    pub days_overdue: i64,
    /// What is owed, in a sentence.
    pub detail: String,
}

impl Rules {
    /// The day the hand-over is due after an acceptance on `accepted`.
    #[must_use]
    pub fn handover_due(&self, accepted: NaiveDate) -> NaiveDate {
        accepted
            .checked_add_months(Months::new(self.handover_within_months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The next deadline of a project, whether passed or not, given its planned start.
    #[must_use]
    pub fn next_deadline(
        &self,
        lifecycle: &Lifecycle,
        planned_start: Option<NaiveDate>,
    ) -> Option<(Deadline, NaiveDate)> {
        match lifecycle.status() {
            Status::Registered => planned_start.map(|d| (Deadline::Notice, d)),
            Status::UnderConstruction => {
                let since = lifecycle
                    .last("guidance_visit")
                    .or_else(|| lifecycle.last("construction_started"))
                    .map(|(_, e)| e.date())?;
                let due = since
                    .checked_add_days(Days::new(u64::from(self.guidance_every_days)))
                    .unwrap_or(NaiveDate::MAX);
                Some((Deadline::GuidanceVisit, due))
            }
            Status::Accepted => {
                let accepted = accepted_on(lifecycle)?;
                Some((Deadline::Handover, self.handover_due(accepted)))
            }
            Status::NoticeIssued | Status::HandedOver | Status::Filed => None,
        }
    }

    /// The deadline a project has missed on `today`, if any.
    #[must_use]
    pub fn overdue(
        &self,
        lifecycle: &Lifecycle,
        planned_start: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Option<Overdue> {
        let (deadline, due) = self.next_deadline(lifecycle, planned_start)?;
        let days_overdue = (today - due).num_days();
        if days_overdue <= 0 {
            return None;
        }
        let detail = match deadline {
            Deadline::Notice => {
                format!("work was planned to start on {due} and no filing notice has been issued")
            }
            Deadline::GuidanceVisit => format!(
                "no guidance visit for more than {} days; one was due on {due}",
                self.guidance_every_days
            ),
            Deadline::Handover => {
                format!(
                    "the files were due {due}, {} months after the acceptance",
                    self.handover_within_months
                )
            }
        };
        Some(Overdue {
            deadline,
            due,
            days_overdue,
            detail,
        })
    }
}

/// The day of the acceptance that passed.
#[must_use]
pub fn accepted_on(lifecycle: &Lifecycle) -> Option<NaiveDate> {
    lifecycle.events().iter().rev().find_map(|e| match e {
        EventBody::Acceptance {
            passed: true, date, ..
        } => Some(*date),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_stage_has_its_deadline() {
        let rules = Rules::default();
        let mut l = Lifecycle::default();
        let start = Some(d("2026-03-01"));
        assert_eq!(rules.overdue(&l, start, d("2026-03-01")), None);
        let late = rules.overdue(&l, start, d("2026-03-11")).unwrap();
        assert_eq!((late.deadline, late.days_overdue), (Deadline::Notice, 10));
        l.record(EventBody::NoticeIssued {
            date: d("2026-02-20"),
            scope: "all".into(),
            formats: vec![],
            deadline: None,
        })
        .unwrap();
        assert_eq!(rules.overdue(&l, start, d("2027-01-01")), None);
        l.record(EventBody::ConstructionStarted {
            date: d("2026-03-02"),
        })
        .unwrap();
        assert_eq!(
            rules.next_deadline(&l, start),
            Some((Deadline::GuidanceVisit, d("2026-06-02")))
        );
        let o = rules.overdue(&l, start, d("2026-06-12")).unwrap();
        assert_eq!(o.days_overdue, 10);
        l.record(EventBody::GuidanceVisit {
            date: d("2026-06-10"),
            inspector: "王".into(),
            findings: vec![],
            fixed: vec![],
        })
        .unwrap();
        assert_eq!(rules.overdue(&l, start, d("2026-06-12")), None);
        l.record(EventBody::Acceptance {
            date: d("2026-08-31"),
            passed: true,
            reasons: vec![],
        })
        .unwrap();
        assert_eq!(
            rules.next_deadline(&l, start),
            Some((Deadline::Handover, d("2026-11-30")))
        );
        assert_eq!(rules.overdue(&l, start, d("2026-11-30")), None);
        assert_eq!(
            rules
                .overdue(&l, start, d("2026-12-02"))
                .unwrap()
                .days_overdue,
            2
        );
    }
}
