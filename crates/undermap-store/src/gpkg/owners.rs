//! The owners' tables in the GeoPackage: the same as PostGIS's (migration 17), so that both run
//! the statements of `crate::owners::sql`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS owners (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contacts TEXT NOT NULL DEFAULT '[]',
    emergency_phone TEXT,
    webhook_url TEXT,
    accounts TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS owner_names (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    owner_id TEXT NOT NULL REFERENCES owners (id)
);
CREATE TABLE IF NOT EXISTS ticket_owners (
    ticket_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    assets INTEGER NOT NULL CHECK (assets >= 0),
    issued_to TEXT,
    issued_at TEXT NOT NULL,
    answer_by TEXT NOT NULL,
    webhook_url TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    delivered_at TEXT,
    PRIMARY KEY (ticket_id, owner)
);
CREATE INDEX IF NOT EXISTS ticket_owners_inbox ON ticket_owners (owner_id, issued_at DESC);
CREATE INDEX IF NOT EXISTS ticket_owners_due ON ticket_owners (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS notification_attempts (
    ticket_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    at TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, owner, attempt),
    FOREIGN KEY (ticket_id, owner) REFERENCES ticket_owners (ticket_id, owner)
);
CREATE TRIGGER IF NOT EXISTS notification_attempts_no_update BEFORE UPDATE ON notification_attempts
BEGIN SELECT RAISE(ABORT, 'notification_attempts is append-only'); END;
CREATE TRIGGER IF NOT EXISTS notification_attempts_no_delete BEFORE DELETE ON notification_attempts
BEGIN SELECT RAISE(ABORT, 'notification_attempts is append-only'); END;
CREATE TABLE IF NOT EXISTS ticket_responses (
    ticket_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    owner TEXT NOT NULL,
    code TEXT NOT NULL CHECK (code IN ('clear', 'marked', 'records_provided',
        'site_meeting_required', 'standby_required', 'conflict')),
    note TEXT,
    files TEXT NOT NULL DEFAULT '[]',
    answered_by TEXT,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq),
    FOREIGN KEY (ticket_id, owner) REFERENCES ticket_owners (ticket_id, owner)
);
CREATE TRIGGER IF NOT EXISTS ticket_responses_no_update BEFORE UPDATE ON ticket_responses
BEGIN SELECT RAISE(ABORT, 'ticket_responses is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ticket_responses_no_delete BEFORE DELETE ON ticket_responses
BEGIN SELECT RAISE(ABORT, 'ticket_responses is append-only'); END;
CREATE TABLE IF NOT EXISTS emergency_tickets (
    ticket_id TEXT PRIMARY KEY,
    issued_to TEXT,
    issued_at TEXT NOT NULL,
    justify_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS emergency_tickets_holder ON emergency_tickets (issued_to, issued_at DESC);
CREATE TABLE IF NOT EXISTS ticket_justifications (
    ticket_id TEXT PRIMARY KEY REFERENCES emergency_tickets (ticket_id),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    given_by TEXT,
    given_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ticket_justifications_no_update BEFORE UPDATE ON ticket_justifications
BEGIN SELECT RAISE(ABORT, 'ticket_justifications is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ticket_justifications_no_delete BEFORE DELETE ON ticket_justifications
BEGIN SELECT RAISE(ABORT, 'ticket_justifications is append-only'); END;
";

crate::owners::sql::owners_store!(GpkgStore, pool, GpkgError::db, check_writable, ready);
