-- The construction-project archive (城建档案): projects, the events of their lifecycle and the
-- construction units' credit record (crates/undermap-archive; docs/archive.md). A project's
-- status and event count change only together with the event that moves them, in one
-- transaction (crates/undermap-store/src/archive/); events and credit entries are append-only.

CREATE TABLE projects (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category text NOT NULL,
    unit_name text NOT NULL,
    unit_code text NOT NULL CHECK (length(unit_code) = 18),
    location geometry NOT NULL CHECK (ST_SRID(location) > 0),
    min_x double precision NOT NULL,
    min_y double precision NOT NULL,
    max_x double precision NOT NULL,
    max_y double precision NOT NULL,
    permit_date date,
    planned_start date,
    planned_end date,
    status text NOT NULL DEFAULT 'registered',
    events integer NOT NULL DEFAULT 0 CHECK (events >= 0),
    source text NOT NULL,
    registered_by text,
    registered_at timestamptz NOT NULL
);

CREATE INDEX projects_location ON projects USING gist (location);
CREATE INDEX projects_unit ON projects (unit_code);
CREATE INDEX projects_status ON projects (status);

CREATE TABLE project_events (
    project_code text NOT NULL REFERENCES projects (code),
    seq integer NOT NULL CHECK (seq > 0),
    type text NOT NULL,
    date date NOT NULL,
    body text NOT NULL,
    recorded_by text,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (project_code, seq)
);

CREATE TRIGGER project_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON project_events
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();

CREATE TABLE credit_entries (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    unit_code text NOT NULL,
    project_code text NOT NULL REFERENCES projects (code),
    event_seq integer NOT NULL,
    kind text NOT NULL,
    date date NOT NULL,
    entry text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL UNIQUE
);

CREATE INDEX credit_entries_unit ON credit_entries (unit_code, seq);

CREATE TRIGGER credit_entries_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON credit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
