//! Which projects have passed a deadline: the notice before the planned start, a guidance visit
//! every quarter while under construction, the hand-over after acceptance.

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

use undermap_archive::{Lifecycle, Overdue, Status};
use undermap_store::{EventRecord, ProjectQuery, ProjectRecord};

use super::{Archive, Scope};
use crate::ServiceError;

/// A project past a deadline.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueProject {
    /// Project code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Construction unit's credit code.
    pub unit: String,
    /// Construction unit's name.
    pub unit_name: String,
    /// Where it stands.
    pub status: Status,
    /// The deadline passed.
    #[serde(flatten)]
    pub overdue: Overdue,
}

impl Archive<'_> {
    /// Every project in `scope` past a deadline on `on` (default today), most overdue first.
    pub async fn overdue(
        &self,
        scope: &Scope,
        on: Option<NaiveDate>,
    ) -> Result<Vec<OverdueProject>, ServiceError> {
        let on = on.unwrap_or_else(|| self.today());
        let unit = match scope {
            Scope::All => None,
            Scope::Unit(u) => Some(u.clone()),
        };
        let mut out = Vec::new();
        // Only the statuses that have deadlines.
        for status in [
            Status::Registered,
            Status::UnderConstruction,
            Status::Accepted,
        ] {
            let projects = self
                .all_projects(ProjectQuery {
                    status: Some(status),
                    unit: unit.clone(),
                    ..ProjectQuery::default()
                })
                .await?;
            // The events of every project in the status at once (a registered one has none).
            let events: HashMap<String, Vec<EventRecord>> = if status == Status::Registered {
                HashMap::new()
            } else {
                self.app
                    .store()
                    .events_of_status(status, unit.as_ref())
                    .await?
                    .into_iter()
                    .collect()
            };
            for p in &projects {
                let read = events.get(p.project.code.as_str());
                let overdue = match read {
                    // As many events as the project row counts: read with it.
                    Some(e) if e.len() == p.events as usize => {
                        self.overdue_with(p, &super::replayed(p.project.code.as_str(), e)?, on)
                    }
                    // An event recorded between the two reads, or a registered project.
                    _ => self.overdue_of(p, on).await?,
                };
                out.extend(overdue);
            }
        }
        out.sort_by(|a, b| {
            b.overdue
                .days_overdue
                .cmp(&a.overdue.days_overdue)
                .then_with(|| a.code.cmp(&b.code))
        });
        Ok(out)
    }

    /// The deadline `p` has passed on `on`, if any.
    pub(super) async fn overdue_of(
        &self,
        p: &ProjectRecord,
        on: NaiveDate,
    ) -> Result<Option<OverdueProject>, ServiceError> {
        // A registered project needs no events read: its only deadline is the planned start.
        let lifecycle = if p.events == 0 {
            undermap_archive::Lifecycle::default()
        } else {
            self.lifecycle(&p.project.code).await?
        };
        Ok(self.overdue_with(p, &lifecycle, on))
    }

    /// The deadline `p`, with `lifecycle`, has passed on `on`, if any.
    fn overdue_with(
        &self,
        p: &ProjectRecord,
        lifecycle: &Lifecycle,
        on: NaiveDate,
    ) -> Option<OverdueProject> {
        self.config()
            .rules
            .overdue(lifecycle, p.project.planned_start, on)
            .map(|overdue| OverdueProject {
                code: p.project.code.to_string(),
                name: p.project.name.clone(),
                unit: p.project.unit_code.to_string(),
                unit_name: p.project.unit_name.clone(),
                status: p.status,
                overdue,
            })
    }
}
