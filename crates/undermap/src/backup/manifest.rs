//! What one backup holds, written beside it as `manifest.json`: when it was made, of which kind
//! of store, every table's fingerprint (GeoPackage: the copy is of one moment) and every file of
//! the file store by hash. A restore checks itself against it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use undermap_store::backup::Fingerprint;
use undermap_store::ContentHash;

use super::BackupError;

/// The manifest's format.
pub(crate) const FORMAT: &str = "undermap-backup/1";

/// Which kind of store a backup is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// A GeoPackage file: the snapshot holds a copy of it.
    GeoPackage,
    /// PostgreSQL with PostGIS: pgBackRest's repository holds the cluster.
    PostGis,
}

/// One backup's manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The store's kind.
    pub store: StoreKind,
    /// When the backup was made (GeoPackage: the moment its copy is of).
    pub made_at: DateTime<Utc>,
    /// The undermap that made it.
    pub undermap: String,
    /// Every table's rows (GeoPackage only; a PostgreSQL cluster's backup is pgBackRest's).
    #[serde(default, skip_serializing_if = "Fingerprint::is_empty")]
    pub tables: Fingerprint,
    /// pgBackRest's label of the backup (PostGIS only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pgbackrest_label: Option<String>,
    /// The file store's files, by SHA-256.
    pub files: Vec<String>,
}

impl Manifest {
    pub(crate) fn new(store: StoreKind, made_at: DateTime<Utc>) -> Self {
        Self {
            format: FORMAT.into(),
            store,
            made_at,
            undermap: env!("CARGO_PKG_VERSION").into(),
            tables: Fingerprint::new(),
            pgbackrest_label: None,
            files: Vec::new(),
        }
    }

    /// The files as hashes.
    pub(crate) fn file_hashes(&self) -> Result<Vec<ContentHash>, BackupError> {
        self.files
            .iter()
            .map(|h| h.parse().map_err(BackupError::Store))
            .collect()
    }

    pub(crate) fn read(path: &Path) -> Result<Self, BackupError> {
        let text = std::fs::read(path).map_err(BackupError::io("reading", path))?;
        let manifest: Self = serde_json::from_slice(&text).map_err(|e| {
            BackupError::Invalid(format!("{} is not a backup manifest: {e}", path.display()))
        })?;
        if manifest.format != FORMAT {
            return Err(BackupError::Invalid(format!(
                "{} is a {:?} manifest; this undermap reads {FORMAT}",
                path.display(),
                manifest.format
            )));
        }
        Ok(manifest)
    }

    /// Written whole or not at all (a temporary file renamed).
    pub(crate) fn write(&self, path: &Path) -> Result<(), BackupError> {
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| BackupError::Invalid(format!("writing a manifest: {e}")))?;
        write_atomically(path, &text)
    }
}

/// Writes `bytes` to `path` through a temporary file beside it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).map_err(BackupError::io("writing", &partial))?;
    std::fs::rename(&partial, path).map_err(BackupError::io("renaming", &partial))
}

/// A snapshot's folder name: its time, `20261207T230501Z`, which sorts as it happened.
pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A new snapshot's folder in `dir/snapshots`, named for `at`: where it is written (a hidden
/// folder) and the name it takes once complete.
pub(crate) fn reserve(dir: &Path, at: DateTime<Utc>) -> Result<(PathBuf, PathBuf), BackupError> {
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&snapshots).map_err(BackupError::io("creating", &snapshots))?;
    let mut name = stamp(at);
    let mut n = 1;
    while snapshots.join(&name).exists() {
        n += 1;
        name = format!("{}-{n}", stamp(at));
    }
    let partial = snapshots.join(format!(".{name}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(BackupError::io("removing", &partial))?;
    }
    std::fs::create_dir(&partial).map_err(BackupError::io("creating", &partial))?;
    Ok((partial, snapshots.join(name)))
}

/// The snapshots of a backup folder (`snapshots/<stamp>/manifest.json`), oldest first.
pub(crate) fn snapshots(dir: &Path) -> Result<Vec<(PathBuf, Manifest)>, BackupError> {
    let folder = dir.join("snapshots");
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BackupError::io("listing", &folder)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(BackupError::io("listing", &folder))?.path();
        let manifest = path.join("manifest.json");
        if manifest.is_file() {
            out.push((path, Manifest::read(&manifest)?));
        }
    }
    out.sort_by_key(|(_, m)| m.made_at);
    Ok(out)
}

/// The latest snapshot made at or before `at` (the latest of all without it).
pub(crate) fn choose(
    dir: &Path,
    at: Option<DateTime<Utc>>,
) -> Result<(PathBuf, Manifest), BackupError> {
    let all = snapshots(dir)?;
    let first = all.first().map(|(_, m)| m.made_at);
    all.into_iter()
        .rev()
        .find(|(_, m)| at.is_none_or(|at| m.made_at <= at))
        .ok_or_else(|| match (first, at) {
            (Some(first), Some(at)) => BackupError::Invalid(format!(
                "no backup in {} was made at or before {at}; the first is of {first}",
                dir.display()
            )),
            _ => BackupError::Invalid(format!("{} holds no backup", dir.display())),
        })
}
