//! The service window's tables in the GeoPackage: the same as PostGIS's (migration 19), so
//! that both run the statements of `crate::appointments::sql`.

use super::{GpkgError, GpkgStore};

pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS window_slots (
    day TEXT NOT NULL,
    start_time TEXT NOT NULL,
    booked INTEGER NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (day, start_time)
);
CREATE TABLE IF NOT EXISTS window_days (
    day TEXT PRIMARY KEY,
    issued INTEGER NOT NULL CHECK (issued > 0)
);
CREATE TABLE IF NOT EXISTS appointments (
    number TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    account TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    phone TEXT,
    purpose TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    wanted TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'attended', 'no_show')),
    booked_at TEXT NOT NULL,
    changed_at TEXT,
    cancelled_at TEXT,
    reschedules INTEGER NOT NULL DEFAULT 0 CHECK (reschedules >= 0),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    FOREIGN KEY (day, start_time) REFERENCES window_slots (day, start_time)
);
CREATE INDEX IF NOT EXISTS appointments_day ON appointments (day, start_time);
CREATE INDEX IF NOT EXISTS appointments_account ON appointments (account, day);
";

crate::appointments::sql::appointments_store!(
    GpkgStore,
    pool,
    GpkgError::db,
    check_writable,
    ready
);
