//! A store's every table, fingerprinted: how many rows and the SHA-256 of their sorted row
//! hashes. Two stores of the same kind with equal fingerprints hold the same rows, whatever
//! order they were written in. A PostgreSQL row is hashed as its text form (geometry as hex
//! EWKB, times to the microsecond), a GeoPackage row as its typed values, so fingerprints compare
//! like with like only.

use std::collections::BTreeMap;

use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::gpkg::GpkgError;
use crate::postgres::PgError;
use crate::{GpkgStore, PgStore, Result, StoreError};

/// One table's rows, fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableFingerprint {
    /// How many rows.
    pub rows: u64,
    /// SHA-256 of the rows' own SHA-256s in ascending order (hex).
    pub sha256: String,
}

/// Every table of a store, by name.
pub type Fingerprint = BTreeMap<String, TableFingerprint>;

/// The fingerprint of row hashes already sorted.
fn combine(rows: u64, sorted: &[[u8; 32]]) -> TableFingerprint {
    let mut all = Sha256::new();
    for h in sorted {
        all.update(h);
    }
    TableFingerprint {
        rows,
        sha256: hex::encode(all.finalize()),
    }
}

impl PgStore {
    /// Every table of the `public` schema (PostGIS's `spatial_ref_sys` included), fingerprinted
    /// by the server: each row's text hashed there, only the hashes travel.
    pub async fn fingerprint(&self) -> Result<Fingerprint> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
        )
        .fetch_all(self.pool())
        .await
        .map_err(PgError::db("listing the tables"))?;
        let mut out = Fingerprint::new();
        for table in tables {
            let sql = format!(
                "SELECT sha256(convert_to(t::text, 'UTF8')) FROM public.\"{}\" t",
                table.replace('"', "\"\"")
            );
            let mut hashes: Vec<[u8; 32]> = sqlx::query_scalar::<_, Vec<u8>>(&sql)
                .fetch_all(self.pool())
                .await
                .map_err(PgError::db("reading a table's rows"))?
                .into_iter()
                .map(|h| h.try_into().unwrap_or([0; 32]))
                .collect();
            hashes.sort_unstable();
            out.insert(table, combine(hashes.len() as u64, &hashes));
        }
        Ok(out)
    }
}

impl GpkgStore {
    /// Every table of the file (virtual R-tree and full-text tables and their shadow tables
    /// included; SQLite's own `sqlite_*` left out), read on a connection of its own.
    pub async fn fingerprint(&self) -> Result<Fingerprint> {
        let path = self.path().to_owned();
        tokio::task::spawn_blocking(move || fingerprint_file(&path))
            .await
            .map_err(|e| StoreError::Write(format!("fingerprinting the GeoPackage: {e}")))?
    }
}

/// The fingerprint of the GeoPackage at `path`.
pub fn fingerprint_file(path: &std::path::Path) -> Result<Fingerprint> {
    let lite = GpkgError::sqlite;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(lite("opening the GeoPackage to fingerprint it"))?;
    // One read transaction: every table as of one moment.
    conn.execute_batch("BEGIN")
        .map_err(lite("starting a read"))?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(lite("listing the tables"))?;
    let mut out = Fingerprint::new();
    for table in tables {
        let mut statement = conn
            .prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))
            .map_err(lite("reading a table"))?;
        let columns = statement.column_count();
        let mut rows = statement.query([]).map_err(lite("reading a table"))?;
        let mut hashes = Vec::new();
        while let Some(row) = rows.next().map_err(lite("reading a row"))? {
            let mut h = Sha256::new();
            for i in 0..columns {
                match row.get_ref(i).map_err(lite("reading a value"))? {
                    ValueRef::Null => h.update([0]),
                    ValueRef::Integer(v) => {
                        h.update([1]);
                        h.update(v.to_le_bytes());
                    }
                    ValueRef::Real(v) => {
                        h.update([2]);
                        h.update(v.to_le_bytes());
                    }
                    ValueRef::Text(v) => {
                        h.update([3]);
                        h.update((v.len() as u64).to_le_bytes());
                        h.update(v);
                    }
                    ValueRef::Blob(v) => {
                        h.update([4]);
                        h.update((v.len() as u64).to_le_bytes());
                        h.update(v);
                    }
                }
            }
            hashes.push(<[u8; 32]>::from(h.finalize()));
        }
        hashes.sort_unstable();
        out.insert(table, combine(hashes.len() as u64, &hashes));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[(i64, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER, name TEXT)")
            .unwrap();
        for (id, name) in rows {
            conn.execute("INSERT INTO t VALUES (?1, ?2)", rusqlite::params![id, name])
                .unwrap();
        }
        (dir, path)
    }

    #[test]
    fn the_same_rows_in_any_order_fingerprint_alike_and_one_changed_value_does_not() {
        let (_a, a) = file(&[(1, "x"), (2, "y")]);
        let (_b, b) = file(&[(2, "y"), (1, "x")]);
        let (_c, c) = file(&[(1, "x"), (2, "z")]);
        let (_d, d) = file(&[(1, "x")]);
        let fa = fingerprint_file(&a).unwrap();
        assert_eq!(fa, fingerprint_file(&b).unwrap());
        assert_eq!(fa["t"].rows, 2);
        assert_ne!(fa, fingerprint_file(&c).unwrap());
        assert_ne!(fa["t"], fingerprint_file(&d).unwrap()["t"]);
    }

    #[test]
    fn a_text_and_a_blob_of_the_same_bytes_differ() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (v); INSERT INTO t VALUES ('ab')")
            .unwrap();
        let text = fingerprint_file(&path).unwrap();
        conn.execute_batch("UPDATE t SET v = CAST('ab' AS BLOB)")
            .unwrap();
        assert_ne!(text, fingerprint_file(&path).unwrap());
    }
}
