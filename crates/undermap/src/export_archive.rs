//! The archive in a site copy: projects with their events, file records, paper records and
//! their scans, and the files' bytes inside the GeoPackage (OGC Related Tables Extension media
//! table), so that a crew offline has the drawings too. The credit record stays at the centre:
//! a site copy's events make no credit entries. Exporting again adds what is new.

use futures_util::StreamExt;
use tokio::sync::mpsc;
use undermap_archive::Lifecycle;
use undermap_store::{
    ArchiveStore, ContentHash, EmbeddedFile, FileStore, GpkgStore, LegacyQuery, LegacyStore,
    NewFile, NewProjectEvent, ProjectQuery, ProjectRecord, Store, StoreError,
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
    /// Files whose bytes the source's file store does not have: recorded, not embedded.
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
                let file = EmbeddedFile {
                    holder: format!("paper record {}", scan.record),
                    category: r.record.category.clone(),
                    title: r.record.title.clone(),
                    sha256: scan.sha256.parse()?,
                    file_name: scan.file_name.clone(),
                    media_type: scan.media_type.clone(),
                    size: scan.size,
                };
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
        let hash: ContentHash = f.sha256.parse()?;
        target
            .add_file(&NewFile {
                project: code.clone(),
                hash: hash.clone(),
                size: f.size,
                media_type: f.media_type.clone(),
                category: f.category.clone(),
                title: f.title.clone(),
                file_name: f.file_name.clone(),
                date: f.date,
                feature_ids: f.feature_ids.clone(),
                scan: f.scan.clone(),
                uploaded_by: f.uploaded_by.clone(),
                uploaded_at: f.uploaded_at,
            })
            .await?;
        let file = EmbeddedFile {
            holder: format!("project {code}"),
            category: f.category,
            title: f.title,
            sha256: hash,
            file_name: f.file_name,
            media_type: f.media_type,
            size: f.size,
        };
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
    let (tx, rx) = mpsc::channel(4);
    if target.holds_media(&file.sha256).await? {
        drop(tx);
        return target.embed(file, rx).await;
    }
    let source = match files {
        Some(f) if f.contains(&file.sha256).await? => f,
        _ => {
            report.missing += 1;
            tracing::warn!(file = %file.sha256, holder = %file.holder, "no bytes to embed");
            return Ok(());
        }
    };
    let size = file.size;
    let mut bytes = source.get(&file.sha256, None).await?;
    let send = async move {
        while let Some(chunk) = bytes.stream.next().await {
            if tx.send(chunk?).await.is_err() {
                break;
            }
        }
        Ok::<_, StoreError>(())
    };
    let (sent, written) = tokio::join!(send, target.embed(file, rx));
    sent?;
    written?;
    report.bytes += size;
    Ok(())
}

/// Brings the files held inside a site copy into its file store (those it does not have
/// already), so that the server serves them like any other. Returns how many it brought.
pub async fn unpack_embedded(target: &GpkgStore, files: &FileStore) -> Result<usize, StoreError> {
    let mut unpacked = 0;
    for (hash, _, size) in target.embedded().await? {
        if files.contains(&hash).await? {
            continue;
        }
        let mut upload = files.upload(size.max(1)).await?;
        let (tx, rx) = mpsc::channel(4);
        let read = target.read_media(&hash, tx);
        let write = async {
            // Owned here: if a write fails, the receiver goes with the block and the reader's
            // next send fails instead of waiting for ever.
            let mut rx = rx;
            while let Some(chunk) = rx.recv().await {
                upload.write(chunk).await?;
            }
            Ok::<_, StoreError>(())
        };
        let (read, write) = tokio::join!(read, write);
        if let Err(e) = read.and(write) {
            upload.abort().await;
            return Err(e);
        }
        upload.finish(Some(&hash), None).await?;
        unpacked += 1;
    }
    Ok(unpacked)
}
