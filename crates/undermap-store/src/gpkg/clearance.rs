//! Clearance reports in the GeoPackage: the same tables as PostGIS's (migration 23), so that
//! both run the statements of `crate::clearance`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS clearance_numbers (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clearance_reports (
    number TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    issued_to TEXT,
    reference TEXT,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'unknown')),
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clearance_reports_issued ON clearance_reports (issued_to, created_at DESC);
CREATE TRIGGER IF NOT EXISTS clearance_reports_no_update BEFORE UPDATE ON clearance_reports
BEGIN SELECT RAISE(ABORT, 'clearance reports are append-only'); END;
CREATE TRIGGER IF NOT EXISTS clearance_reports_no_delete BEFORE DELETE ON clearance_reports
BEGIN SELECT RAISE(ABORT, 'clearance reports are append-only'); END;
";

crate::clearance::clearance_store!(GpkgStore, pool, GpkgError::db, check_writable, ready);
