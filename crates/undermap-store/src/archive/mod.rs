//! The construction-project archive as both backends keep it: projects, the events of their
//! lifecycle, and the construction units' hash-chained credit record. Which event may come next,
//! and what it does to a unit's record, is decided by `undermap-archive`; the store keeps each
//! event, the status it leads to and its credit entries together, in one transaction, and refuses
//! an event recorded against a project that has moved on meanwhile.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use geo_types::Geometry;
use undermap_archive::credit::EntryKind;
use undermap_archive::{Access, CreditCode, EventBody, ProjectCode, Status};

use crate::Result;

pub(crate) mod file_sql;
pub mod legacy;
pub(crate) mod lifecycles;
pub mod links;
pub mod search_sql;
pub(crate) mod sql;

/// A project to register.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    /// Its code.
    pub code: ProjectCode,
    /// Its name.
    pub name: String,
    /// Its category (a project category code of the archive's code lists).
    pub category: String,
    /// The construction unit's name.
    pub unit_name: String,
    /// The construction unit's unified social credit code.
    pub unit_code: CreditCode,
    /// Where it is (a polygon or a line), in the deployment CRS.
    pub location: Geometry<f64>,
    /// When the construction permit was given.
    pub permit_date: Option<NaiveDate>,
    /// When work is planned to start.
    pub planned_start: Option<NaiveDate>,
    /// When work is planned to end.
    pub planned_end: Option<NaiveDate>,
    /// `archivist` (registered by hand) or `intake` (pushed by the approval system).
    pub source: String,
    /// Who registered it.
    pub registered_by: Option<String>,
    /// When.
    pub registered_at: DateTime<Utc>,
}

/// A stored project: what was registered, and where its events have led.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    /// As registered (or as the approval system last pushed it).
    pub project: NewProject,
    /// What its events lead to.
    pub status: Status,
    /// How many events it has.
    pub events: u32,
}

/// What registering through the approval system's intake did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// The project is new.
    Created,
    /// The project was known; its details changed (its events and status never do here).
    Updated,
    /// The project was known with exactly these details.
    Unchanged,
}

/// Which projects to list, by code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectQuery {
    /// Only those whose extent meets this box (min x, min y, max x, max y, deployment CRS).
    pub bbox: Option<[f64; 4]>,
    /// Only those in this status.
    pub status: Option<Status>,
    /// Only this construction unit's.
    pub unit: Option<CreditCode>,
    /// Only those whose name or code contains this text.
    pub text: Option<String>,
    /// Only those of this project category.
    pub category: Option<String>,
    /// Only those whose permit (or, without one, registration) day is in this range, inclusive.
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// Only codes after this one (paging).
    pub after: Option<String>,
    /// At most this many.
    pub limit: i64,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Its position in the project's lifecycle, from 1.
    pub seq: u32,
    /// What happened.
    pub body: EventBody,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A credit entry to chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCreditEntry {
    /// What it records.
    pub kind: EntryKind,
    /// The day of the event it comes from.
    pub date: NaiveDate,
    /// Its facts.
    pub detail: serde_json::Value,
}

/// An event to record, with the status it leads to and the credit entries it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProjectEvent {
    /// The project.
    pub code: ProjectCode,
    /// Its construction unit, whose record the credit entries go to.
    pub unit: CreditCode,
    /// Its seq: the project's event count when the event was checked, plus one.
    pub seq: u32,
    /// What happened.
    pub body: EventBody,
    /// Where it leads.
    pub status: Status,
    /// Who records it.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// What it adds to the construction unit's record.
    pub credit: Vec<NewCreditEntry>,
}

/// A stored credit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// The construction unit.
    pub unit_code: String,
    /// The project.
    pub project_code: String,
    /// The project event it comes from.
    pub event_seq: i32,
    /// What it records.
    pub kind: String,
    /// The day of that event.
    pub date: NaiveDate,
    /// The entry's canonical JSON, which the hash covers.
    pub entry: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// `SHA-256(prev_hash ‖ seq ‖ entry)`, as the audit log chains.
    pub hash: String,
}

/// How a paper original was digitised (DA/T 31): kept with a scanned file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanMetadata {
    /// The day it was scanned.
    pub scanned_on: NaiveDate,
    /// Resolution, dots per inch.
    #[serde(default)]
    pub dpi: Option<u32>,
    /// Pages scanned.
    #[serde(default)]
    pub pages: Option<u32>,
    /// Where the paper original is kept (shelf mark).
    #[serde(default)]
    pub original: Option<String>,
    /// Who scanned it.
    #[serde(default)]
    pub operator: Option<String>,
}

/// A file of a project to record, its bytes already kept in the [`crate::FileStore`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewFile {
    /// The project.
    pub project: ProjectCode,
    /// The SHA-256 of its bytes.
    pub hash: crate::ContentHash,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Its file category (a file category code of the archive's code lists).
    pub category: String,
    /// Its title.
    pub title: String,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
    /// The day of the document.
    pub date: Option<NaiveDate>,
    /// Map features it documents.
    pub feature_ids: Vec<String>,
    /// How it was digitised, if it is a scan of a paper original.
    pub scan: Option<ScanMetadata>,
    /// How freely it may be downloaded.
    pub access: Access,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A stored file of a project.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileRecord {
    /// The project.
    pub project: String,
    /// The SHA-256 of its bytes: `GET /v1/files/{sha256}`.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// Its file category.
    pub category: String,
    /// Its title.
    pub title: String,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
    /// The day of the document.
    pub date: Option<NaiveDate>,
    /// Map features it documents.
    pub feature_ids: Vec<String>,
    /// How it was digitised, if it is a scan.
    pub scan: Option<ScanMetadata>,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// How freely it may be downloaded.
    pub access: Access,
}

/// Checks the whole credit record's chain (every unit's entries, in chain order): seqs from 1
/// without gaps, each entry linked to the one before and hashed as written. Returns the entry
/// count and the head hash, or where the chain breaks.
pub fn verify_credit_chain(
    records: &[CreditRecord],
) -> std::result::Result<(usize, String), String> {
    let mut prev = crate::GENESIS.to_owned();
    for (i, r) in records.iter().enumerate() {
        let seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if r.seq != seq {
            return Err(format!(
                "entry {seq} is missing (found seq {} in its place)",
                r.seq
            ));
        }
        if r.prev_hash != prev {
            return Err(format!("entry {seq} does not link to the entry before it"));
        }
        if crate::chain_hash(&r.prev_hash, r.seq, &r.entry) != r.hash {
            return Err(format!("entry {seq} was changed after it was written"));
        }
        prev.clone_from(&r.hash);
    }
    Ok((records.len(), prev))
}

/// Projects, their events and the credit record.
#[async_trait]
pub trait ArchiveStore: legacy::LegacyStore + Send + Sync {
    /// Registers a project; [`crate::StoreError::Conflict`] if its code is taken.
    async fn add_project(&self, project: &NewProject) -> Result<()>;

    /// Registers many projects in one transaction (a migration from another archive system,
    /// generated data); those whose code is taken are left alone. Returns how many were new.
    async fn add_projects(&self, projects: &[NewProject]) -> Result<usize>;

    /// Registers a project pushed by the approval system, or brings a known one's details up
    /// to date (never its status or events).
    async fn intake_project(&self, project: &NewProject) -> Result<Intake>;

    /// One project.
    async fn project(&self, code: &ProjectCode) -> Result<Option<ProjectRecord>>;

    /// Projects by code.
    async fn projects(&self, query: &ProjectQuery) -> Result<Vec<ProjectRecord>>;

    /// A project's events, in order.
    async fn project_events(&self, code: &ProjectCode) -> Result<Vec<EventRecord>>;

    /// The events of every project with `status` (only `unit`'s, given one), grouped by project
    /// in code order, each in order: one read where a list needs many projects' lifecycles.
    async fn events_of_status(
        &self,
        status: undermap_archive::Status,
        unit: Option<&CreditCode>,
    ) -> Result<Vec<(String, Vec<EventRecord>)>>;

    /// Records an event, moves the project's status and chains its credit entries, all or
    /// nothing; [`crate::StoreError::Conflict`] if the project has another event at `seq` by now
    /// (someone recorded one meanwhile: check again).
    async fn record_project_event(&self, event: &NewProjectEvent) -> Result<Vec<CreditRecord>>;

    /// The credit record, in chain order: one unit's, or all of it.
    async fn credit_entries(&self, unit: Option<&CreditCode>) -> Result<Vec<CreditRecord>>;

    /// Records a file of a project (append-only); `false` with the record already kept when the
    /// project holds these bytes under this category already.
    async fn add_file(&self, file: &NewFile) -> Result<(FileRecord, bool)>;

    /// A project's files, oldest first.
    async fn project_files(&self, code: &ProjectCode) -> Result<Vec<FileRecord>>;

    /// Every record of the file with these bytes, in every project that holds it.
    async fn file_records(&self, hash: &crate::ContentHash) -> Result<Vec<FileRecord>>;

    /// The deliveries made for a project, oldest first.
    async fn project_deliveries(&self, code: &ProjectCode) -> Result<Vec<links::ProjectDelivery>>;

    /// Files for the archive search, newest first.
    async fn search_files(&self, q: &search_sql::FileSearch) -> Result<Vec<search_sql::FoundFile>>;

    /// The current map features delivered for a project (at most [`links::MAX_FEATURES`]).
    async fn project_features(&self, code: &ProjectCode) -> Result<Vec<links::ProjectFeature>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<CreditRecord> {
        let mut prev = crate::GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = format!("{{\"kind\":\"handover_on_time\",\"n\":{seq}}}");
                let hash = crate::chain_hash(&prev, seq, &entry);
                CreditRecord {
                    seq,
                    unit_code: "91500000000000007T".into(),
                    project_code: "2026-500241-48-01-000001".into(),
                    event_seq: 5,
                    kind: "handover_on_time".into(),
                    date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                    entry,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                }
            })
            .collect()
    }

    #[test]
    fn a_credit_chain_verifies_until_an_entry_is_changed_removed_or_inserted() {
        let good = chain(4);
        assert_eq!(verify_credit_chain(&good).unwrap().0, 4);
        assert_eq!(
            verify_credit_chain(&[]).unwrap(),
            (0, crate::GENESIS.to_owned())
        );
        let mut changed = good.clone();
        changed[2].entry = changed[2].entry.replace("on_time", "late");
        assert!(verify_credit_chain(&changed)
            .unwrap_err()
            .contains("entry 3 was changed"));
        let mut removed = good.clone();
        removed.remove(1);
        assert!(verify_credit_chain(&removed)
            .unwrap_err()
            .contains("entry 2 is missing"));
        let mut relinked = good.clone();
        relinked[3].prev_hash = crate::GENESIS.to_owned();
        assert!(verify_credit_chain(&relinked).is_err());
    }
}
