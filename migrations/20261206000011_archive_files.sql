-- The files of the construction-project archive: which bytes (by SHA-256; the bytes themselves
-- are in the file store, crates/undermap-store/src/files/) a project holds under which file
-- category of GB/T 50328, with their title, date, the map features they document and, for
-- scans of paper originals, how they were digitised. Append-only: the archive keeps what it
-- was handed.

CREATE TABLE project_files (
    project_code text NOT NULL REFERENCES projects (code),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint NOT NULL CHECK (size >= 0),
    media_type text NOT NULL,
    category text NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    file_name text,
    date date,
    feature_ids text NOT NULL DEFAULT '[]',
    scan text,
    uploaded_by text,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (project_code, sha256, category)
);

CREATE INDEX project_files_sha256 ON project_files (sha256);

CREATE TRIGGER project_files_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON project_files
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
