//! The construction units' credit record: each unit's entries (hash-chained by the store), its
//! open overdue items, and the score the configured weights give; the units a tender office must
//! be told about.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use undermap_archive::credit::{Entry, EntryKind, Weights};
use undermap_archive::CreditCode;
use undermap_store::{CreditRecord, ProjectQuery};

use super::overdue::OverdueProject;
use super::{Archive, Scope};
use crate::ServiceError;

/// One construction unit's record.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRecord {
    /// Its unified social credit code.
    pub credit_code: String,
    /// Its name, as its latest project gives it.
    pub name: Option<String>,
    /// The score: `weights.base` plus every entry's weight plus the open items', within 0–100.
    pub score: f64,
    /// Whether the score is below the threshold (`weights.restricted_below`): the list a tender
    /// office asks for.
    pub restricted: bool,
    /// Its projects, by code.
    pub projects: Vec<String>,
    /// Hand-overs its projects owe past their deadline.
    pub open_items: Vec<OverdueProject>,
    /// Its credit entries, in chain order.
    pub entries: Vec<CreditRecord>,
    /// The weights the score was computed with.
    pub weights: Weights,
}

/// A unit in the list.
#[derive(Debug, Clone, Serialize)]
pub struct UnitSummary {
    /// Its unified social credit code.
    pub credit_code: String,
    /// Its name.
    pub name: Option<String>,
    /// Its score.
    pub score: f64,
    /// Below the threshold.
    pub restricted: bool,
    /// How many credit entries it has.
    pub entries: usize,
    /// How many of its projects owe a hand-over past its deadline.
    pub open_items: usize,
}

/// A stored entry as the score reads it.
fn entry(r: &CreditRecord) -> Result<Entry, ServiceError> {
    let kind: EntryKind = r.kind.parse()?;
    let detail = serde_json::from_str::<serde_json::Value>(&r.entry)
        .map(|mut v| v["detail"].take())
        .map_err(|e| ServiceError::internal("reading a credit entry", e))?;
    Ok(Entry {
        kind,
        date: r.date,
        detail,
    })
}

impl Archive<'_> {
    /// A deadline `p` has passed that is the construction unit's to meet: the hand-over (the
    /// notice and the guidance visits are the archive office's).
    async fn unit_overdue(
        &self,
        p: &undermap_store::ProjectRecord,
        on: NaiveDate,
    ) -> Result<Option<OverdueProject>, ServiceError> {
        Ok(self
            .overdue_of(p, on)
            .await?
            .filter(|o| o.overdue.deadline == undermap_archive::Deadline::Handover))
    }

    /// A unit's record (`GET /v1/construction-units/{credit_code}`); a construction unit sees
    /// only its own.
    pub async fn unit(
        &self,
        code: &str,
        scope: &Scope,
        on: Option<NaiveDate>,
    ) -> Result<UnitRecord, ServiceError> {
        let unit: CreditCode = code.parse()?;
        if !scope.admits(&unit) {
            return Err(ServiceError::NotFound {
                what: format!("construction unit {unit}"),
            });
        }
        let on = on.unwrap_or_else(|| self.today());
        let store = self.app.store();
        let entries = store.credit_entries(Some(&unit)).await?;
        let projects = self
            .all_projects(ProjectQuery {
                unit: Some(unit.clone()),
                ..ProjectQuery::default()
            })
            .await?;
        if projects.is_empty() && entries.is_empty() {
            return Err(ServiceError::NotFound {
                what: format!("construction unit {unit}"),
            });
        }
        let mut open_items = Vec::new();
        for p in &projects {
            if let Some(o) = self.unit_overdue(p, on).await? {
                open_items.push(o);
            }
        }
        let weights = self.config().weights.clone();
        let parsed = entries.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
        let score = weights.score(&parsed, open_items.len());
        let name = projects
            .iter()
            .max_by_key(|p| p.project.registered_at)
            .map(|p| p.project.unit_name.clone());
        Ok(UnitRecord {
            credit_code: unit.to_string(),
            name,
            restricted: weights.restricted(score),
            score,
            projects: projects
                .iter()
                .map(|p| p.project.code.to_string())
                .collect(),
            open_items,
            entries,
            weights,
        })
    }

    /// Every unit with a project or an entry, by credit code; only the restricted ones if
    /// asked (`GET /v1/construction-units?restricted=true`).
    pub async fn units(
        &self,
        restricted_only: bool,
        on: Option<NaiveDate>,
    ) -> Result<Vec<UnitSummary>, ServiceError> {
        let on = on.unwrap_or_else(|| self.today());
        let mut units: BTreeMap<String, UnitSummary> = BTreeMap::new();
        let mut scored: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        let blank = |code: &str| UnitSummary {
            credit_code: code.to_owned(),
            name: None,
            score: 0.0,
            restricted: false,
            entries: 0,
            open_items: 0,
        };
        for r in self.app.store().credit_entries(None).await? {
            units
                .entry(r.unit_code.clone())
                .or_insert_with(|| blank(&r.unit_code))
                .entries += 1;
            scored
                .entry(r.unit_code.clone())
                .or_default()
                .push(entry(&r)?);
        }
        let mut latest = BTreeMap::new();
        for p in &self.all_projects(ProjectQuery::default()).await? {
            let code = p.project.unit_code.to_string();
            let open = usize::from(self.unit_overdue(p, on).await?.is_some());
            let u = units.entry(code.clone()).or_insert_with(|| blank(&code));
            u.open_items += open;
            let newer = latest
                .get(&code)
                .is_none_or(|at| *at <= p.project.registered_at);
            if newer {
                latest.insert(code.clone(), p.project.registered_at);
                u.name = Some(p.project.unit_name.clone());
            }
        }
        let weights = &self.config().weights;
        let mut out = Vec::new();
        for (code, mut u) in units {
            u.score = weights.score(scored.get(&code).into_iter().flatten(), u.open_items);
            u.restricted = weights.restricted(u.score);
            if u.restricted || !restricted_only {
                out.push(u);
            }
        }
        Ok(out)
    }
}
