-- Paper records being digitised (存量纸质档案数字化): the archive's inventory of paper files
-- (案卷), each with its archive number (档号), file category and year, and the project it
-- belongs to when it is known; and the scans made of them, with how they were digitised. A
-- record with a scan is digitised; GET /v1/archive/stats counts them by category and year.
-- Both append-only, like the rest of the archive.

CREATE TABLE legacy_records (
    number text PRIMARY KEY CHECK (length(number) BETWEEN 1 AND 64),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    category text NOT NULL,
    year integer NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    project_code text REFERENCES projects (code),
    original text,
    pages integer CHECK (pages IS NULL OR pages > 0),
    registered_by text,
    registered_at timestamptz NOT NULL
);

CREATE INDEX legacy_records_category_year ON legacy_records (category, year);
CREATE INDEX legacy_records_project ON legacy_records (project_code) WHERE project_code IS NOT NULL;

CREATE TABLE legacy_scans (
    record_number text NOT NULL REFERENCES legacy_records (number),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint NOT NULL CHECK (size >= 0),
    media_type text NOT NULL,
    file_name text,
    scan text NOT NULL,
    uploaded_by text,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (record_number, sha256)
);

CREATE INDEX legacy_scans_sha256 ON legacy_scans (sha256);

CREATE TRIGGER legacy_records_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON legacy_records
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
CREATE TRIGGER legacy_scans_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON legacy_scans
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
