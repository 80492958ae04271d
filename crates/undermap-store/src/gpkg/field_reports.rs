//! The field reports' tables in the GeoPackage: the same as PostGIS's (migration 18), so that
//! both run the statements of `crate::field_reports::sql`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS field_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_type TEXT NOT NULL CHECK (report_type IN ('found_elsewhere', 'not_found',
        'unknown_asset', 'strike')),
    ticket_id TEXT,
    feature_id TEXT,
    layer TEXT,
    owner TEXT,
    x REAL,
    y REAL,
    offset_m REAL,
    direction TEXT,
    damage TEXT,
    cause TEXT CHECK (cause IS NULL OR cause IN ('no_ticket', 'mismarked', 'records_wrong',
        'excavation_practice', 'other')),
    had_ticket INTEGER,
    note TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    reported_by TEXT,
    reported_at TEXT NOT NULL,
    claim_by TEXT NOT NULL,
    correct_by TEXT NOT NULL,
    CHECK ((x IS NULL) = (y IS NULL))
);
CREATE INDEX IF NOT EXISTS field_reports_time ON field_reports (reported_at DESC);
CREATE INDEX IF NOT EXISTS field_reports_feature ON field_reports (feature_id, reported_at);
CREATE TRIGGER IF NOT EXISTS field_reports_no_update BEFORE UPDATE ON field_reports
BEGIN SELECT RAISE(ABORT, 'field_reports is append-only'); END;
CREATE TRIGGER IF NOT EXISTS field_reports_no_delete BEFORE DELETE ON field_reports
BEGIN SELECT RAISE(ABORT, 'field_reports is append-only'); END;
CREATE TABLE IF NOT EXISTS field_report_claims (
    report_id INTEGER PRIMARY KEY REFERENCES field_reports (id),
    owner_id TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT NOT NULL,
    note TEXT
);
CREATE TRIGGER IF NOT EXISTS field_report_claims_no_update BEFORE UPDATE ON field_report_claims
BEGIN SELECT RAISE(ABORT, 'field_report_claims is append-only'); END;
CREATE TRIGGER IF NOT EXISTS field_report_claims_no_delete BEFORE DELETE ON field_report_claims
BEGIN SELECT RAISE(ABORT, 'field_report_claims is append-only'); END;
";

crate::field_reports::sql::field_reports_store!(
    GpkgStore,
    pool,
    GpkgError::db,
    check_writable,
    ready,
    "undermap_excavation_checks"
);
