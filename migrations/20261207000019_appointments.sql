-- Appointments at the archive's service window (issue 20). Days and times are ISO text
-- (2026-12-08, 09:00), as in the GeoPackage, so that both stores run the same statements
-- (crates/undermap-store/src/appointments/sql.rs) and they compare as they sort.
-- An appointment is booked, then cancelled (its place freed) or, from its day on, marked
-- attended or no_show by the window's staff.
-- Places taken per slot: a booking increments its slot's row only below the capacity, in one
-- upsert that locks the row, so concurrent bookings of the last place cannot both succeed.
CREATE TABLE window_slots (
    day text NOT NULL CHECK (day ~ '^\d{4}-\d{2}-\d{2}$'),
    start_time text NOT NULL CHECK (start_time ~ '^\d{2}:\d{2}$'),
    booked integer NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (day, start_time)
);
-- The numbers given out per day (YY-20261208-003).
CREATE TABLE window_days (
    day text PRIMARY KEY CHECK (day ~ '^\d{4}-\d{2}-\d{2}$'),
    issued integer NOT NULL CHECK (issued > 0)
);
CREATE TABLE appointments (
    number text PRIMARY KEY,
    day text NOT NULL,
    start_time text NOT NULL,
    end_time text NOT NULL,
    account text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    phone text,
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    wanted text NOT NULL DEFAULT '[]',
    status text NOT NULL CHECK (status IN ('booked', 'cancelled', 'attended', 'no_show')),
    booked_at timestamptz NOT NULL,
    changed_at timestamptz,
    cancelled_at timestamptz,
    reschedules integer NOT NULL DEFAULT 0 CHECK (reschedules >= 0),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    FOREIGN KEY (day, start_time) REFERENCES window_slots (day, start_time)
);
CREATE INDEX appointments_day ON appointments (day, start_time);
CREATE INDEX appointments_account ON appointments (account, day);
