//! One project's page: everything the archive holds of it — its timeline, deadlines, files and
//! checklist — and what links it to the map: the deliveries made for it and their features.

use serde::Serialize;
use undermap_archive::checklist::Checklist;
use undermap_archive::Overdue;
use undermap_store::{FileRecord, ProjectDelivery, ProjectFeature};

use super::events::EventOut;
use super::projects::{DeadlineOut, ProjectOut};
use super::{Archive, Scope};
use crate::ServiceError;

/// One project with everything the archive holds of it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectPage {
    /// The project.
    #[serde(flatten)]
    pub project: ProjectOut,
    /// Its events, oldest first.
    pub timeline: Vec<EventOut>,
    /// Guidance findings not yet seen fixed, as `<event seq>.<n>`.
    pub open_findings: Vec<serde_json::Value>,
    /// Its next deadline, passed or not.
    pub next_deadline: Option<DeadlineOut>,
    /// The deadline it has passed, if any.
    pub overdue: Option<Overdue>,
    /// Its files.
    pub files: Vec<FileRecord>,
    /// Its files against what its category owes.
    pub checklist: Checklist,
    /// The map deliveries made for it (its as-built surveys), oldest first.
    pub deliveries: Vec<ProjectDelivery>,
    /// The current map features delivered for it, by layer and id (at most 5,000).
    pub features: Vec<ProjectFeature>,
}

impl Archive<'_> {
    /// One project with its timeline, files, checklist and deadlines.
    pub async fn page(
        &self,
        code: &str,
        scope: &Scope,
        crs: Option<&str>,
    ) -> Result<ProjectPage, ServiceError> {
        let record = self.project_in(code, scope).await?;
        let code = &record.project.code;
        let store = self.app.store();
        let events = store.project_events(code).await?;
        let lifecycle = self.lifecycle(code).await?;
        let (files, deliveries, features) = tokio::try_join!(
            store.project_files(code),
            store.project_deliveries(code),
            store.project_features(code),
        )?;
        let checklist = self.checklist_of(&record, &files)?;
        let rules = &self.config().rules;
        let next_deadline = rules
            .next_deadline(&lifecycle, record.project.planned_start)
            .map(|(deadline, due)| DeadlineOut { deadline, due });
        let overdue = rules.overdue(&lifecycle, record.project.planned_start, self.today());
        let open_findings = lifecycle
            .open_findings()
            .into_iter()
            .map(|(id, f)| serde_json::json!({ "finding": id, "text": f.text }))
            .collect();
        Ok(ProjectPage {
            project: self.out(&record, &self.out_crs(crs)?)?,
            timeline: events.into_iter().map(EventOut::from).collect(),
            open_findings,
            next_deadline,
            overdue,
            files,
            checklist,
            deliveries,
            features,
        })
    }
}
