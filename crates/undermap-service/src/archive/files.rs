//! A project's files: received as a stream into the content-addressed file store, recorded
//! with their category, checked against what the project's category owes, and read back by
//! those who may see the project.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{NaiveDate, Utc};
use undermap_archive::checklist::Checklist;
use undermap_store::{
    ContentHash, FileBytes, FileRecord, FileStore, NewFile, ProjectRecord, ScanMetadata, Stored,
    Upload,
};

use undermap_archive::access::Decision;

use super::{Archive, Reader, Scope};
use crate::ServiceError;

/// Longest file title.
const MAX_TITLE_CHARS: usize = 300;
/// Most feature ids one file may name.
const MAX_FEATURES: usize = 10_000;

/// What an upload says of its file.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    /// File category code (of the project's category).
    pub category: String,
    /// Title.
    pub title: String,
    /// Day of the document.
    pub date: Option<NaiveDate>,
    /// The SHA-256 the bytes must have, if the sender gives it.
    pub sha256: Option<String>,
    /// Map features the file documents.
    pub feature_ids: Vec<String>,
    /// Digitisation metadata of a scanned paper original.
    pub scan: Option<ScanMetadata>,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
    /// How freely it may be downloaded (default: on request).
    pub access: Option<undermap_archive::Access>,
}

/// A file the caller may read, and who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    /// `project <code>` or `paper record <number>`.
    pub held_by: String,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
}

/// A filed project's archive is closed: it takes no more files.
fn refuse_filed(record: &ProjectRecord) -> Result<(), ServiceError> {
    if record.status == undermap_archive::Status::Filed {
        return Err(undermap_archive::ArchiveError::OutOfOrder(format!(
            "project {} is filed: its archive is closed",
            record.project.code
        ))
        .into());
    }
    Ok(())
}

impl Archive<'_> {
    pub(super) fn files(&self) -> Result<&FileStore, ServiceError> {
        self.config()
            .files
            .as_ref()
            .ok_or_else(|| ServiceError::Unavailable("no file store is configured".into()))
    }

    /// Starts receiving a file for a project in `scope`.
    pub async fn begin_upload(&self, code: &str, scope: &Scope) -> Result<Upload, ServiceError> {
        let record = self.project_in(code, scope).await?;
        refuse_filed(&record)?;
        Ok(self.files()?.upload(self.config().max_file_bytes).await?)
    }

    /// Keeps a received file and records it: its metadata is checked first, then its bytes
    /// against the SHA-256 given; on any refusal nothing of it is kept.
    pub async fn finish_upload(
        &self,
        code: &str,
        scope: &Scope,
        upload: Upload,
        meta: FileMeta,
        by: Option<&str>,
    ) -> Result<(FileRecord, bool), ServiceError> {
        let checked = self.check_meta(code, scope, &meta).await;
        let (record, expected) = match checked {
            Ok(ok) => ok,
            Err(e) => {
                upload.abort().await;
                return Err(e);
            }
        };
        let stored = upload
            .finish(expected.as_ref(), meta.file_name.as_deref())
            .await?;
        let new = NewFile {
            project: record.project.code.clone(),
            hash: stored.hash.clone(),
            size: stored.size,
            media_type: stored.media_type.clone(),
            category: meta.category,
            title: meta.title.trim().to_owned(),
            file_name: meta.file_name,
            date: meta.date,
            feature_ids: meta.feature_ids,
            scan: meta.scan,
            access: meta.access.unwrap_or_default(),
            uploaded_by: by.map(str::to_owned),
            uploaded_at: Utc::now(),
        };
        match self.app.store().add_file(&new).await {
            Ok(done) => {
                self.files()?
                    .embed_later(undermap_store::EmbeddedFile::of_project(&new));
                if done.1 {
                    self.publish_file(&record, &done.0).await;
                }
                Ok(done)
            }
            Err(e) => {
                self.drop_unnamed(&stored).await;
                Err(e.into())
            }
        }
    }

    /// Tells the subscriptions of a file handed over.
    async fn publish_file(&self, project: &ProjectRecord, f: &FileRecord) {
        self.app
            .subscriptions()
            .publish(undermap_store::NewFeedEvent {
                kind: "file".into(),
                layer: None,
                category: Some(f.category.clone()),
                unit: Some(project.project.unit_code.to_string()),
                access: Some(f.access.as_str().to_owned()),
                extent: super::extent(&project.project.location),
                title: f.title.clone(),
                summary: format!(
                    "{} handed over for project {} ({}, {})",
                    f.category,
                    f.project,
                    project.project.name,
                    f.access.as_str()
                ),
                link: format!("/v1/projects/{}", f.project),
                at: f.uploaded_at,
            })
            .await;
    }

    /// Removes bytes an upload brought when no file record and no scan names them (their
    /// record was refused): a failed upload keeps nothing.
    pub(super) async fn drop_unnamed(&self, stored: &Stored) {
        let Ok(files) = self.files() else { return };
        if !stored.new {
            return;
        }
        let store = self.app.store();
        let (records, scans) = tokio::join!(
            store.file_records(&stored.hash),
            store.legacy_scans(None, Some(&stored.hash))
        );
        if matches!((records, scans), (Ok(r), Ok(s)) if r.is_empty() && s.is_empty()) {
            let _ = files.remove(&stored.hash).await;
        }
    }

    /// Whether a project in `scope` takes a file of `category` now: it exists, is not filed,
    /// and its category owes or allows such files. Run before the bytes arrive when the form
    /// sends its category first, and again when they have.
    pub async fn check_category(
        &self,
        code: &str,
        scope: &Scope,
        category: &str,
    ) -> Result<ProjectRecord, ServiceError> {
        let record = self.project_in(code, scope).await?;
        refuse_filed(&record)?;
        let catalogue = &self.config().catalogue;
        let project_category = catalogue.project_category(&record.project.category)?;
        catalogue.file_category_for(project_category, category)?;
        Ok(record)
    }

    async fn check_meta(
        &self,
        code: &str,
        scope: &Scope,
        meta: &FileMeta,
    ) -> Result<(ProjectRecord, Option<ContentHash>), ServiceError> {
        // Checked again at the end: the project may have been filed while the bytes arrived.
        let record = self.check_category(code, scope, &meta.category).await?;
        let title = meta.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(ServiceError::unprocessable(
                "title",
                format!("give 1 to {MAX_TITLE_CHARS} characters"),
            ));
        }
        undermap_core::text::plain("title", title)?;
        if let Some(name) = &meta.file_name {
            undermap_core::text::plain("file name", name)?;
        }
        if meta.feature_ids.len() > MAX_FEATURES {
            return Err(ServiceError::unprocessable(
                "feature_ids",
                format!("at most {MAX_FEATURES}"),
            ));
        }
        for id in &meta.feature_ids {
            id.parse::<undermap_core::FeatureId>()
                .map_err(|e| ServiceError::unprocessable("feature_ids", e.to_string()))?;
        }
        let expected = meta
            .sha256
            .as_deref()
            .map(str::parse::<ContentHash>)
            .transpose()?;
        Ok((record, expected))
    }

    /// A file with these bytes as the first project or paper record holding it that the
    /// caller may download holds it. One they may only ask for is forbidden with the way to ask;
    /// one they may not see is not found. A paper record without a project is the archive
    /// office's: a construction unit sees only scans of its own projects' records.
    pub async fn file(&self, sha256: &str, reader: &Reader) -> Result<KeptFile, ServiceError> {
        let hash: ContentHash = sha256.parse()?;
        let store = self.app.store();
        let mut ask = None;
        let mut withheld = false;
        for r in store.file_records(&hash).await? {
            let Some(project) = store.project(&r.project.parse()?).await? else {
                continue;
            };
            match reader.decide(r.access, project.project.unit_code.as_str()) {
                Decision::Read => {
                    return Ok(KeptFile {
                        held_by: format!("project {}", r.project),
                        sha256: r.sha256,
                        size: r.size,
                        media_type: r.media_type,
                        file_name: r.file_name,
                    })
                }
                Decision::Ask => {
                    withheld = true;
                    ask = ask.or(Some(r));
                }
                Decision::Hidden => withheld = true,
            }
        }
        // Bytes a project withholds are not served as a paper record's scan either.
        if let (Some(scope), false) = (&reader.scope, withheld) {
            if let Some(kept) = self.scan_file(&hash, scope).await? {
                return Ok(kept);
            }
        }
        match ask {
            Some(r) => Err(ServiceError::Forbidden(format!(
                "file {hash} of project {} is {}: ask for it with POST /v1/download-requests \
                 and download it once an archivist approves",
                r.project,
                r.access.as_str().replace('_', " ")
            ))),
            None => Err(ServiceError::NotFound {
                what: format!("file {hash}"),
            }),
        }
    }

    /// The scan of a paper record with these bytes, if `scope` sees the record.
    async fn scan_file(
        &self,
        hash: &ContentHash,
        scope: &Scope,
    ) -> Result<Option<KeptFile>, ServiceError> {
        for s in self.app.store().legacy_scans(None, Some(hash)).await? {
            let visible = match (scope, self.record_project(&s.record).await?) {
                (Scope::All, _) => true,
                (Scope::Unit(_), Some(code)) => self.project_in(&code, scope).await.is_ok(),
                (Scope::Unit(_), None) => false,
            };
            if visible {
                return Ok(Some(KeptFile {
                    held_by: format!("paper record {}", s.record),
                    sha256: s.sha256,
                    size: s.size,
                    media_type: s.media_type,
                    file_name: s.file_name,
                }));
            }
        }
        Ok(None)
    }

    async fn record_project(&self, number: &str) -> Result<Option<String>, ServiceError> {
        Ok(self
            .app
            .store()
            .legacy_record(number)
            .await?
            .and_then(|r| r.record.project))
    }

    /// The bytes of a file [`Archive::file`] found, or a range of them.
    pub async fn file_bytes(
        &self,
        file: &KeptFile,
        range: Option<Range<u64>>,
    ) -> Result<FileBytes, ServiceError> {
        let hash: ContentHash = file.sha256.parse()?;
        Ok(self.files()?.get(&hash, range).await?)
    }

    /// What a project has received and still owes (`GET /v1/projects/{code}/checklist`).
    pub async fn checklist(&self, code: &str, scope: &Scope) -> Result<Checklist, ServiceError> {
        let record = self.project_in(code, scope).await?;
        let files = self.app.store().project_files(&record.project.code).await?;
        self.checklist_of(&record, &files)
    }

    pub(super) fn checklist_of(
        &self,
        record: &ProjectRecord,
        files: &[FileRecord],
    ) -> Result<Checklist, ServiceError> {
        let catalogue = &self.config().catalogue;
        let category = catalogue.project_category(&record.project.category)?;
        let mut received: BTreeMap<String, u64> = BTreeMap::new();
        for f in files {
            *received.entry(f.category.clone()).or_default() += 1;
        }
        Ok(catalogue.checklist(category, &received))
    }
}
