//! Feed events and subscriptions in the GeoPackage: the same tables as PostGIS's (migration 22),
//! so that both run the statements of `crate::feeds`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS feed_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('delivery', 'project', 'file', 'field_report')),
    layer TEXT,
    category TEXT,
    min_x REAL,
    min_y REAL,
    max_x REAL,
    max_y REAL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    unit_code TEXT,
    access TEXT,
    link TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS feed_events_no_update BEFORE UPDATE ON feed_events
BEGIN SELECT RAISE(ABORT, 'feed_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS feed_events_no_delete BEFORE DELETE ON feed_events
BEGIN SELECT RAISE(ABORT, 'feed_events is append-only'); END;
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kinds TEXT NOT NULL DEFAULT '[]',
    layers TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    min_x REAL,
    min_y REAL,
    max_x REAL,
    max_y REAL,
    key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
    webhook_url TEXT,
    created_at TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    last_push TEXT,
    reach TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS subscriptions_account ON subscriptions (account, id);
";

crate::feeds::feeds_store!(GpkgStore, pool, GpkgError::db, check_writable, ready, "max");
