//! Backups of a GeoPackage store: a snapshot folder per backup, `snapshots/<time>/` with a copy
//! of the file taken by SQLite's online backup API while servers use it and the manifest
//! fingerprinting every table of that copy. A restore copies the snapshot back and proves it
//! holds those rows.

use std::path::Path;

use undermap_store::backup::{copy_geopackage, fingerprint_file};
use undermap_store::GpkgStore;

use super::manifest::{Manifest, StoreKind};
use super::BackupError;

/// The store's copy inside a snapshot.
pub(crate) const STORE_FILE: &str = "store.gpkg";

/// Copies `store` into the snapshot folder `into`; the manifest (files not yet listed).
pub(crate) async fn snapshot(store: &GpkgStore, into: &Path) -> Result<Manifest, BackupError> {
    let copy = into.join(STORE_FILE);
    store.backup_to(&copy).await?;
    // The copy is of a moment between the start of the copy and now: it counts as made now, so
    // that a restore to a time before it never takes writes made after that time.
    let mut m = Manifest::new(StoreKind::GeoPackage, chrono::Utc::now());
    m.tables = tokio::task::spawn_blocking(move || fingerprint_file(&copy))
        .await
        .map_err(|e| BackupError::Invalid(format!("fingerprinting the copy: {e}")))??;
    Ok(m)
}

/// Copies the snapshot's store to `target` (a new file) and checks every table against the
/// manifest; a copy that differs is removed.
pub(crate) async fn restore(
    snapshot: &Path,
    manifest: &Manifest,
    target: &Path,
) -> Result<(), BackupError> {
    let (from, to) = (snapshot.join(STORE_FILE), target.to_owned());
    let found = tokio::task::spawn_blocking(move || {
        copy_geopackage(&from, &to)?;
        let found = fingerprint_file(&to);
        if found.is_err() {
            // Not an unchecked store left behind.
            let _ = std::fs::remove_file(&to);
        }
        found
    })
    .await
    .map_err(|e| BackupError::Invalid(format!("restoring the GeoPackage: {e}")))??;
    if found != manifest.tables {
        let _ = std::fs::remove_file(target);
        let differ: Vec<&str> = manifest
            .tables
            .iter()
            .filter(|(t, f)| found.get(*t) != Some(f))
            .map(|(t, _)| t.as_str())
            .chain(
                found
                    .keys()
                    .filter(|t| !manifest.tables.contains_key(*t))
                    .map(String::as_str),
            )
            .collect();
        return Err(BackupError::Mismatch(format!(
            "tables {} differ from the manifest of {}; nothing was restored",
            differ.join(", "),
            snapshot.display()
        )));
    }
    Ok(())
}
