//! The feedback table in the GeoPackage: the same as PostGIS's (migration 20), so that both run
//! the statements of `crate::feedback`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    service TEXT NOT NULL CHECK (service IN ('download', 'ticket', 'appointment')),
    subject TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    answers TEXT NOT NULL DEFAULT '{}',
    given_at TEXT NOT NULL,
    UNIQUE (account, service, subject)
);
CREATE INDEX IF NOT EXISTS feedback_given ON feedback (given_at);
CREATE TRIGGER IF NOT EXISTS feedback_no_update BEFORE UPDATE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
CREATE TRIGGER IF NOT EXISTS feedback_no_delete BEFORE DELETE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
";

crate::feedback::feedback_store!(GpkgStore, pool, GpkgError::db, check_writable, ready);
