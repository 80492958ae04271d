//! Several files, or a project's whole hand-over, as one ZIP streamed as it is written: each
//! file's bytes go from the file store into the answer a chunk at a time (stored, not
//! compressed: drawings and scans are compressed already), followed by `manifest.json` and
//! `SHA256SUMS` (checkable with `sha256sum -c`). Every file is checked before the first byte
//! goes out: one the caller may not read refuses the whole bundle, never a part of it.

use std::collections::HashSet;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream::BoxStream;
use futures_util::{AsyncWriteExt, StreamExt};
use serde::Serialize;
use tokio::io::AsyncWriteExt as _;
use undermap_store::{ContentHash, FileStore};

use undermap_archive::access::Decision;

use super::{Archive, KeptFile, Reader};
use crate::ServiceError;

/// Most files in one bundle.
pub const MAX_BUNDLE_FILES: usize = 500;
/// Most bytes in one bundle: a ZIP without its 64-bit extension.
pub const MAX_BUNDLE_BYTES: u64 = 4_000_000_000;

/// One file of a bundle, as its manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct BundleItem {
    /// Its path inside the ZIP.
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// `project <code>` or `paper record <number>`.
    pub held_by: String,
}

/// A bundle checked and ready to stream.
#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    /// The ZIP's file name.
    pub name: String,
    /// Its files, in order.
    pub files: Vec<BundleItem>,
    /// Their bytes together.
    pub bytes: u64,
}

/// A name safe inside a ZIP: no folders, no control characters, not empty.
fn safe(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .map(|c| if c.is_control() || c == ':' { '_' } else { c })
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "file".into()
    } else {
        clean
    }
}

/// `path`, or `path` with ` (2)`, ` (3)` … before its extension when taken.
fn unique(path: String, taken: &mut HashSet<String>) -> String {
    if taken.insert(path.clone()) {
        return path;
    }
    let (stem, ext) = match path.rfind('.') {
        Some(i) if i > path.rfind('/').map_or(0, |s| s + 1) => (&path[..i], &path[i..]),
        _ => (path.as_str(), ""),
    };
    // At most as many tries as there are names taken: one of them is free.
    (2..=taken.len() + 2)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|p| taken.insert(p.clone()))
        .unwrap_or(path)
}

fn bundle(name: String, found: Vec<(String, KeptFile)>) -> Result<Bundle, ServiceError> {
    if found.is_empty() {
        return Err(ServiceError::unprocessable(
            "files",
            "a bundle holds at least one file",
        ));
    }
    let bytes: u64 = found.iter().map(|(_, f)| f.size).sum();
    if bytes > MAX_BUNDLE_BYTES {
        return Err(ServiceError::unprocessable(
            "files",
            format!(
                "{bytes} bytes: a bundle holds at most {MAX_BUNDLE_BYTES}; ask for fewer files"
            ),
        ));
    }
    let mut taken = HashSet::new();
    let files = found
        .into_iter()
        .map(|(path, f)| BundleItem {
            path: unique(path, &mut taken),
            sha256: f.sha256,
            size: f.size,
            media_type: f.media_type,
            held_by: f.held_by,
        })
        .collect();
    Ok(Bundle { name, files, bytes })
}

impl Archive<'_> {
    /// The files with these SHA-256s, each one the caller may read; the first one they may not
    /// (or that is not there) refuses the whole bundle.
    pub async fn bundle_files(
        &self,
        hashes: &[String],
        reader: &Reader,
    ) -> Result<Bundle, ServiceError> {
        if hashes.len() > MAX_BUNDLE_FILES {
            return Err(ServiceError::unprocessable(
                "files",
                format!(
                    "{} files: a bundle holds at most {MAX_BUNDLE_FILES}",
                    hashes.len()
                ),
            ));
        }
        let mut found = Vec::with_capacity(hashes.len());
        let mut seen = HashSet::new();
        for h in hashes {
            let f = self.file(h, reader).await.map_err(|e| match e {
                ServiceError::NotFound { what } => ServiceError::NotFound {
                    what: format!("{what} (or not one you may read; nothing was sent)"),
                },
                other => other,
            })?;
            if !seen.insert(f.sha256.clone()) {
                continue;
            }
            let name = safe(f.file_name.as_deref().unwrap_or(&f.sha256));
            found.push((name, f));
        }
        bundle(
            format!("undermap-files-{}.zip", Utc::now().format("%Y%m%d")),
            found,
        )
    }

    /// A project's whole hand-over: every file it holds, under a folder per category; refused
    /// whole when the reader may not download one of them.
    pub async fn bundle_project(
        &self,
        code: &str,
        reader: &Reader,
    ) -> Result<Bundle, ServiceError> {
        let scope = reader.scope.as_ref().ok_or_else(|| {
            ServiceError::Forbidden(
                "your role reads no project's hand-over: download the files you may one by one"
                    .into(),
            )
        })?;
        let project = self.project_in(code, scope).await?;
        let code = project.project.code.to_string();
        let records = self
            .app
            .store()
            .project_files(&project.project.code)
            .await?;
        let unit = project.project.unit_code.as_str();
        if let Some(r) = records
            .iter()
            .find(|r| reader.decide(r.access, unit) != Decision::Read)
        {
            return Err(ServiceError::Forbidden(format!(
                "file {} ({}) of project {code} is {}: ask for it with POST \
                 /v1/download-requests; nothing was sent",
                r.sha256,
                r.title,
                r.access.as_str().replace('_', " ")
            )));
        }
        let found = records
            .into_iter()
            .map(|r| {
                let name = safe(r.file_name.as_deref().unwrap_or(&r.title));
                let path = format!("{}/{name}", safe(&r.category));
                (
                    path,
                    KeptFile {
                        held_by: format!("project {code}"),
                        sha256: r.sha256,
                        size: r.size,
                        media_type: r.media_type,
                        file_name: r.file_name,
                    },
                )
            })
            .collect();
        bundle(format!("{code}.zip"), found)
    }

    /// The bundle's ZIP, written as it is read.
    pub fn bundle_stream(
        &self,
        bundle: Bundle,
    ) -> Result<BoxStream<'static, std::io::Result<Bytes>>, ServiceError> {
        let files = self.files()?.clone();
        let (writer, reader) = tokio::io::duplex(256 * 1024);
        tokio::spawn(async move {
            let name = bundle.name.clone();
            if let Err(e) = write_zip(writer, bundle, files).await {
                // The client gets a ZIP without its central directory: unreadable, not wrong.
                tracing::warn!(bundle = %name, error = %e, "a bundle broke off");
            }
        });
        Ok(tokio_util::io::ReaderStream::new(reader).boxed())
    }
}

async fn write_zip(
    writer: tokio::io::DuplexStream,
    bundle: Bundle,
    files: FileStore,
) -> Result<(), String> {
    let mut zip = ZipFileWriter::with_tokio(writer);
    let stored = |path: &str| ZipEntryBuilder::new(path.to_owned().into(), Compression::Stored);
    for item in &bundle.files {
        let hash: ContentHash = item.sha256.parse().map_err(|e| format!("{e}"))?;
        let mut bytes = files
            .get(&hash, None)
            .await
            .map_err(|e| format!("{}: {e}", item.path))?;
        let mut entry = zip
            .write_entry_stream(stored(&item.path))
            .await
            .map_err(|e| e.to_string())?;
        while let Some(chunk) = bytes.stream.next().await {
            let chunk = chunk.map_err(|e| format!("{}: {e}", item.path))?;
            entry.write_all(&chunk).await.map_err(|e| e.to_string())?;
        }
        entry.close().await.map_err(|e| e.to_string())?;
    }
    let manifest = serde_json::json!({
        "bundle": bundle.name,
        "created_at": Utc::now(),
        "files": bundle.files,
        "bytes": bundle.bytes,
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    zip.write_entry_whole(stored("manifest.json"), &manifest)
        .await
        .map_err(|e| e.to_string())?;
    let mut sums = String::new();
    for f in &bundle.files {
        sums.push_str(&f.sha256);
        sums.push_str("  ");
        sums.push_str(&f.path);
        sums.push('\n');
    }
    zip.write_entry_whole(stored("SHA256SUMS"), sums.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut inner = zip.close().await.map_err(|e| e.to_string())?.into_inner();
    inner.shutdown().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_inside_a_zip_are_safe_and_unique() {
        assert_eq!(safe("../../etc/passwd"), "passwd");
        assert_eq!(safe("a\\b\u{0}c.pdf"), "b_c.pdf");
        assert_eq!(safe("..."), "file");
        let mut taken = HashSet::new();
        assert_eq!(
            unique("as_built/图.pdf".into(), &mut taken),
            "as_built/图.pdf"
        );
        assert_eq!(
            unique("as_built/图.pdf".into(), &mut taken),
            "as_built/图 (2).pdf"
        );
        assert_eq!(
            unique("as_built/图.pdf".into(), &mut taken),
            "as_built/图 (3).pdf"
        );
        assert_eq!(unique("noext".into(), &mut taken), "noext");
        assert_eq!(unique("noext".into(), &mut taken), "noext (2)");
    }
}
