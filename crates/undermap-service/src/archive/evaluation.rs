//! The daily evaluation of the deadlines: once a day, at a configured hour of the archive
//! office's day, every project's deadlines are evaluated; the projects that have become overdue
//! since the evaluation before are logged (for the office's alerting) and the last evaluation is
//! kept for `GET /v1/archive/evaluation`. `GET /v1/projects/overdue` still evaluates on request.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use undermap_archive::Deadline;

use super::overdue::OverdueProject;
use super::{Archive, Scope};
use crate::{Service, ServiceError};

/// One evaluation of every project's deadlines.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// When it ran.
    pub evaluated_at: DateTime<Utc>,
    /// The archive office's day it evaluated.
    pub on: NaiveDate,
    /// The day the evaluation before it evaluated, if one ran since the server started.
    pub previous_on: Option<NaiveDate>,
    /// How many projects are past a deadline.
    pub overdue: usize,
    /// Of them, by the deadline passed.
    pub by_deadline: BTreeMap<Deadline, usize>,
    /// Those that passed their deadline after the day before `previous_on` (or yesterday):
    /// the ones to act on today.
    pub newly_overdue: Vec<OverdueProject>,
}

/// The last evaluation, shared by the daily job and the API.
#[derive(Debug, Default)]
pub(crate) struct LastEvaluation(RwLock<Option<Arc<Evaluation>>>);

impl LastEvaluation {
    fn get(&self) -> Option<Arc<Evaluation>> {
        self.0.read().ok().and_then(|g| g.clone())
    }

    fn set(&self, e: Arc<Evaluation>) {
        if let Ok(mut g) = self.0.write() {
            *g = Some(e);
        }
    }
}

/// What an evaluation on `on` found newly overdue, given the day evaluated before: a project
/// `d` days overdue passed its deadline on `on - d + 1`; it is new when that day comes after
/// the previous evaluation's day (or is today, the first time).
#[must_use]
pub fn newly_overdue(
    overdue: &[OverdueProject],
    on: NaiveDate,
    previous_on: Option<NaiveDate>,
) -> Vec<OverdueProject> {
    let since = previous_on.unwrap_or(on - Duration::days(1));
    overdue
        .iter()
        .filter(|o| on - Duration::days(o.overdue.days_overdue) >= since)
        .cloned()
        .collect()
}

impl Archive<'_> {
    /// Evaluates every project's deadlines on `on` (default today) and keeps the result as the
    /// last evaluation.
    pub async fn evaluate(&self, on: Option<NaiveDate>) -> Result<Arc<Evaluation>, ServiceError> {
        let on = on.unwrap_or_else(|| self.today());
        let overdue = self.overdue(&Scope::All, Some(on)).await?;
        let last = &self.app.archive_evaluation();
        // Evaluated again on the same day (at start, then at the hour): what is new is still
        // counted from the evaluation before that day's first.
        let previous_on = last
            .get()
            .and_then(|e| if e.on < on { Some(e.on) } else { e.previous_on });
        let mut by_deadline = BTreeMap::new();
        for o in &overdue {
            *by_deadline.entry(o.overdue.deadline).or_insert(0) += 1;
        }
        let evaluation = Arc::new(Evaluation {
            evaluated_at: Utc::now(),
            on,
            previous_on,
            overdue: overdue.len(),
            by_deadline,
            newly_overdue: newly_overdue(&overdue, on, previous_on),
        });
        last.set(Arc::clone(&evaluation));
        Ok(evaluation)
    }

    /// The last evaluation, if one ran since the server started.
    #[must_use]
    pub fn last_evaluation(&self) -> Option<Arc<Evaluation>> {
        self.app.archive_evaluation().get()
    }

    /// How long until the next evaluation: the configured hour of the archive office's day.
    fn until_next(&self) -> std::time::Duration {
        let offset = Duration::hours(i64::from(self.config().utc_offset_hours));
        let local = Utc::now() + offset;
        let hour = self.config().evaluate_at_hour.min(23);
        let today = local
            .date_naive()
            .and_hms_opt(hour, 0, 0)
            .unwrap_or_default();
        let next = if local.naive_utc() < today {
            today
        } else {
            today + Duration::days(1)
        };
        (next - local.naive_utc())
            .to_std()
            .unwrap_or(std::time::Duration::from_mins(1))
    }
}

impl Service {
    /// Evaluates the archive's deadlines now and then every day at the configured hour, logging
    /// the projects newly overdue. Call once, on a Tokio runtime.
    pub fn watch_archive_deadlines(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                match service.archive().evaluate(None).await {
                    Ok(e) => {
                        for o in &e.newly_overdue {
                            tracing::warn!(
                                project = %o.code, unit = %o.unit, deadline = ?o.overdue.deadline,
                                due = %o.overdue.due, days = o.overdue.days_overdue,
                                "archive deadline passed"
                            );
                        }
                        tracing::info!(
                            on = %e.on, overdue = e.overdue, newly = e.newly_overdue.len(),
                            "archive deadlines evaluated"
                        );
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "evaluating the archive's deadlines failed");
                    }
                }
                tokio::time::sleep(service.archive().until_next()).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use undermap_archive::{Overdue, Status};

    fn overdue(code: &str, days: i64) -> OverdueProject {
        let on = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        OverdueProject {
            code: code.into(),
            name: String::new(),
            unit: String::new(),
            unit_name: String::new(),
            status: Status::Accepted,
            overdue: Overdue {
                deadline: Deadline::Handover,
                due: on - Duration::days(days),
                days_overdue: days,
                detail: String::new(),
            },
        }
    }

    #[test]
    fn newly_overdue_are_those_past_their_deadline_since_the_last_evaluation() {
        let on = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let all = [
            overdue("a", 1),
            overdue("b", 2),
            overdue("c", 3),
            overdue("d", 30),
        ];
        let codes = |v: Vec<OverdueProject>| v.into_iter().map(|o| o.code).collect::<Vec<_>>();
        // Daily: only the one that passed its deadline yesterday (1 day overdue today).
        assert_eq!(codes(newly_overdue(&all, on, None)), ["a"]);
        assert_eq!(
            codes(newly_overdue(&all, on, Some(on - Duration::days(1)))),
            ["a"]
        );
        // The server was down for two days: those of the days in between too.
        assert_eq!(
            codes(newly_overdue(&all, on, Some(on - Duration::days(3)))),
            ["a", "b", "c"]
        );
    }
}
