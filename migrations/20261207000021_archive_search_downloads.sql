-- The archive search (GET /v1/archive/search, issue 20) finds files by any part of their
-- title through a trigram index, newest first; downloads go by each file's access level.
CREATE INDEX project_files_title_trgm ON project_files USING gin (title gin_trgm_ops);
CREATE INDEX project_files_uploaded ON project_files (uploaded_at DESC, sha256);

-- How freely a project's file may be downloaded: open, on request (an archivist decides), or
-- restricted. A file without a row is on request. Changes are audited by the API.
CREATE TABLE file_access (
    project_code text NOT NULL REFERENCES projects (code),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    access text NOT NULL CHECK (access IN ('open', 'on_request', 'restricted')),
    set_by text,
    set_at timestamptz NOT NULL,
    PRIMARY KEY (project_code, sha256)
);

-- Requests to download a file on request: the purpose, the archivist's decision, and the
-- approved link's expiry and counted uses.
CREATE TABLE download_requests (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    project_code text NOT NULL REFERENCES projects (code),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_at timestamptz NOT NULL,
    decided_by text,
    decided_at timestamptz,
    reason text,
    expires_at timestamptz,
    max_uses integer CHECK (max_uses IS NULL OR max_uses > 0),
    uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
);
CREATE INDEX download_requests_account ON download_requests (account, id);
CREATE INDEX download_requests_status ON download_requests (status, id);
-- One request waiting per account and file.
CREATE UNIQUE INDEX download_requests_one_pending ON download_requests (account, sha256)
    WHERE status = 'pending';
