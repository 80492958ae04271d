//! The archive in a site copy: projects with their events, file records, paper records and
//! their scans, and the files' bytes inside the GeoPackage (OGC Related Tables Extension media
//! table), so that a crew offline has the drawings too. The credit record stays at the centre:
//! a site copy's events make no credit entries. Exporting again adds what is new.

use undermap_archive::Lifecycle;
use undermap_store::{
    ArchiveStore, Embedded, EmbeddedFile, FileStore, GpkgStore, LegacyQuery, LegacyStore, NewFile,
    NewProjectEvent, ProjectQuery, ProjectRecord, Store, StoreError, Synced,
};

/// What an archive export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveExport {
    /// Projects in the copy.
    pub projects: usize,
    /// Events copied now.
    pub events: usize,
    /// File records (of projects and paper records) in the copy.
    pub files: usize,
    /// Paper records in the copy.
    pub records: usize,
    /// Bytes embedded now (files the copy did not hold).
    pub bytes: u64,
    /// Files whose bytes the source's file store does not have, or over SQLite's 10⁹ bytes a
    /// value: recorded, not embedded.
    pub missing: usize,
}

const PAGE: i64 = 1_000;

/// Copies the archive from `source` into the site copy `target`; the bytes come from `files`
/// (without one, only the records are copied).
pub async fn export_archive(
    source: &dyn Store,
    target: &GpkgStore,
    files: Option<&FileStore>,
) -> Result<ArchiveExport, StoreError> {
    let mut report = ArchiveExport::default();
    let mut after = None;
    loop {
        let page = source
            .projects(&ProjectQuery {
                after: after.take(),
                limit: PAGE,
                ..ProjectQuery::default()
            })
            .await?;
        for p in &page {
            copy_project(source, target, files, p, &mut report).await?;
        }
        if (page.len() as i64) < PAGE {
            break;
        }
        after = page.last().map(|p| p.project.code.to_string());
    }
    let mut after = None;
    loop {
        let page = source
            .legacy_records(&LegacyQuery {
                after: after.take(),
                limit: PAGE,
                ..LegacyQuery::default()
            })
            .await?;
        for r in &page {
            if target.legacy_record(&r.record.number).await?.is_none() {
                target.add_legacy_record(&r.record).await?;
            }
            report.records += 1;
            for scan in source.legacy_scans(Some(&r.record.number), None).await? {
                target.add_legacy_scan(&scan).await?;
                let file = EmbeddedFile::of_scan(&scan, &r.record)?;
                embed(target, files, file, &mut report).await?;
            }
        }
        if (page.len() as i64) < PAGE {
            break;
        }
        after = page.last().map(|r| r.record.number.clone());
    }
    tracing::info!(
        projects = report.projects,
        events = report.events,
        files = report.files,
        records = report.records,
        bytes = report.bytes,
        missing = report.missing,
        "archive exported"
    );
    Ok(report)
}

async fn copy_project(
    source: &dyn Store,
    target: &GpkgStore,
    files: Option<&FileStore>,
    p: &ProjectRecord,
    report: &mut ArchiveExport,
) -> Result<(), StoreError> {
    let code = &p.project.code;
    let copied = match target.project(code).await? {
        None => {
            target.add_project(&p.project).await?;
            0
        }
        Some(t) => t.events,
    };
    report.projects += 1;
    let mut lifecycle = Lifecycle::default();
    for e in source.project_events(code).await? {
        let status = lifecycle
            .record(e.body.clone())
            .map_err(|err| StoreError::Corrupt {
                id: format!("events of project {code}"),
                reason: err.to_string(),
            })?;
        if e.seq <= copied {
            continue;
        }
        target
            .record_project_event(&NewProjectEvent {
                code: code.clone(),
                unit: p.project.unit_code.clone(),
                seq: e.seq,
                body: e.body,
                status,
                recorded_by: e.recorded_by,
                recorded_at: e.recorded_at,
                credit: Vec::new(),
            })
            .await?;
        report.events += 1;
    }
    for f in source.project_files(code).await? {
        let new = NewFile {
            project: code.clone(),
            hash: f.sha256.parse()?,
            size: f.size,
            media_type: f.media_type,
            category: f.category,
            title: f.title,
            file_name: f.file_name,
            date: f.date,
            feature_ids: f.feature_ids,
            scan: f.scan,
            access: f.access,
            uploaded_by: f.uploaded_by,
            uploaded_at: f.uploaded_at,
        };
        target.add_file(&new).await?;
        let file = EmbeddedFile::of_project(&new);
        embed(target, files, file, report).await?;
    }
    Ok(())
}

/// Relates a file to its bytes inside the copy, streaming them from `files` unless the copy
/// holds them already.
async fn embed(
    target: &GpkgStore,
    files: Option<&FileStore>,
    file: EmbeddedFile,
    report: &mut ArchiveExport,
) -> Result<(), StoreError> {
    report.files += 1;
    let (hash, holder, size) = (file.sha256.clone(), file.holder.clone(), file.size);
    let done = target.embed_from(files, file, u64::MAX).await?;
    match done {
        Embedded::Held => {}
        Embedded::Written => report.bytes += size,
        Embedded::Missing | Embedded::TooLarge => {
            report.missing += 1;
            tracing::warn!(file = %hash, %holder, why = ?done, "bytes not embedded");
        }
    }
    Ok(())
}

/// A GeoPackage store's file store, keeping the files inside the GeoPackage too (those up to
/// `max_bytes`; see `FileStore::keeping_inside`): what either side lacks is brought over in the
/// background (a first start after an upgrade may have gigabytes to write; the server listens
/// meanwhile, and a file not yet brought out answers 404 until it is), and new files go in as
/// they are recorded. A read-only copy only gives its files.
#[must_use]
pub fn keep_files_inside(
    gpkg: &GpkgStore,
    files: FileStore,
    max_bytes: u64,
    read_only: bool,
) -> FileStore {
    let files = if read_only {
        files
    } else {
        files.keeping_inside(gpkg.clone(), max_bytes)
    };
    let (gpkg, syncing) = (gpkg.clone(), files.clone());
    tokio::spawn(async move {
        let synced = if read_only {
            let unpacked = syncing.unpack(&gpkg).await;
            unpacked.map(|unpacked| Synced {
                unpacked,
                ..Synced::default()
            })
        } else {
            syncing.sync_inside().await
        };
        match synced {
            Ok(s) if s == Synced::default() => {}
            Ok(s) => tracing::info!(
                unpacked = s.unpacked,
                embedded = s.embedded,
                left_out = s.left_out,
                "archive files brought between the GeoPackage and its file store"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "the files inside the GeoPackage could not be brought over");
            }
        }
    });
    files
}
