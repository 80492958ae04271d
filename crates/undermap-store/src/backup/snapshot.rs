//! A GeoPackage copied while servers read and write it: SQLite's online backup API copies the
//! pages of one consistent moment (a write committed meanwhile restarts the copy), then the copy
//! is checked page by page before anyone relies on it.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::gpkg::GpkgError;
use crate::{GpkgStore, Result, StoreError};

/// How long to wait for a busy source at each attempt.
const BUSY_PAUSE: Duration = Duration::from_millis(50);
/// How long to keep trying while writers keep the source busy.
const BUSY_LIMIT: Duration = Duration::from_mins(10);

impl GpkgStore {
    /// A consistent copy of the store at `to` (a new file), checked.
    pub async fn backup_to(&self, to: &Path) -> Result<()> {
        let (from, to) = (self.path().to_owned(), to.to_owned());
        tokio::task::spawn_blocking(move || copy_geopackage(&from, &to))
            .await
            .map_err(|e| StoreError::Write(format!("copying the GeoPackage: {e}")))?
    }
}

/// Copies the SQLite file `from` to the new file `to` with the online backup API, all pages in
/// one step (a writer committing meanwhile makes SQLite start again), then runs
/// `PRAGMA quick_check` on the copy. A file at `to` is refused; a failed copy is removed.
pub fn copy_geopackage(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists already; a copy is never written over a file",
            to.display()
        )));
    }
    let result = copy_checked(from, to);
    if result.is_err() {
        let _ = std::fs::remove_file(to);
    }
    result
}

fn copy_checked(from: &Path, to: &Path) -> Result<()> {
    let lite = GpkgError::sqlite;
    let source = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(lite("opening the GeoPackage to copy"))?;
    source
        .busy_timeout(Duration::from_secs(10))
        .map_err(lite("setting the busy timeout"))?;
    let mut target = Connection::open(to).map_err(lite("creating the copy"))?;
    {
        let backup = Backup::new(&source, &mut target).map_err(lite("starting the copy"))?;
        let started = std::time::Instant::now();
        loop {
            match backup.step(-1).map_err(lite("copying pages"))? {
                StepResult::Done => break,
                _ if started.elapsed() > BUSY_LIMIT => {
                    return Err(StoreError::Write(format!(
                        "copying the GeoPackage: still busy after {} s (a writer holds it)",
                        BUSY_LIMIT.as_secs()
                    )));
                }
                _ => std::thread::sleep(BUSY_PAUSE),
            }
        }
    }
    let check: String = target
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(lite("checking the copy"))?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            id: to.display().to_string(),
            reason: format!("the copy fails SQLite's check: {check}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_holds_the_rows_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.gpkg"), dir.path().join("b.gpkg"));
        let conn = Connection::open(&a).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (v); INSERT INTO t VALUES (1), (2);",
        )
        .unwrap();
        copy_geopackage(&a, &b).unwrap();
        assert_eq!(
            crate::backup::fingerprint_file(&a).unwrap(),
            crate::backup::fingerprint_file(&b).unwrap()
        );
        let err = copy_geopackage(&a, &b).unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        // The refused copy left the earlier one alone.
        assert_eq!(crate::backup::fingerprint_file(&b).unwrap()["t"].rows, 2);
    }
}
