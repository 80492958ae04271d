//! The archive search's title index and the downloads' tables in the GeoPackage: the same
//! tables as PostGIS's (migration 21), so that both run the statements of `crate::downloads`.

use super::{GpkgError, GpkgStore};

/// Whether the titles' index is there yet (checked before [`CREATE`] makes it).
pub(crate) const HAS_TITLE_INDEX: &str =
    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'rtree_project_files_title_fts')";

/// Fills a new titles' index from the files recorded before it existed.
pub(crate) const FILL_TITLE_INDEX: &str = "INSERT INTO rtree_project_files_title_fts \
     (title, project_code, sha256) SELECT title, project_code, sha256 FROM project_files";

/// Whether the file has the access levels' table.
pub(crate) const HAS_ACCESS_TABLE: &str =
    "SELECT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'file_access')";

/// The access levels' table, empty, for one connection to a read-only copy without it.
pub(crate) const TEMP_ACCESS_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS file_access (
    project_code TEXT NOT NULL, sha256 TEXT NOT NULL, access TEXT NOT NULL, set_by TEXT,
    set_at TEXT NOT NULL, PRIMARY KEY (project_code, sha256))";

/// Gives a connection to a copy without the access levels' table an empty one of its own.
pub(crate) async fn ensure_access_table(
    conn: &mut sqlx::SqliteConnection,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    let has: (bool,) = sqlx::query_as(HAS_ACCESS_TABLE)
        .fetch_one(&mut *conn)
        .await?;
    if !has.0 {
        conn.execute(TEMP_ACCESS_TABLE).await?;
    }
    Ok(())
}

pub(crate) const CREATE: &str = "
-- The files' titles, trigram-indexed (FTS5), keyed by the file's project and SHA-256 rather
-- than a rowid a VACUUM by another tool may renumber. Named rtree_… so that GDAL and QGIS skip
-- it as an index (see the projects' name index).
CREATE VIRTUAL TABLE IF NOT EXISTS rtree_project_files_title_fts USING fts5(title,
    project_code UNINDEXED, sha256 UNINDEXED, tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS project_files_title_fts_insert AFTER INSERT ON project_files
BEGIN
    INSERT INTO rtree_project_files_title_fts (title, project_code, sha256)
    VALUES (new.title, new.project_code, new.sha256);
END;
CREATE INDEX IF NOT EXISTS project_files_uploaded ON project_files (uploaded_at DESC, sha256);
CREATE TABLE IF NOT EXISTS file_access (
    project_code TEXT NOT NULL REFERENCES projects (code),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    access TEXT NOT NULL CHECK (access IN ('open', 'on_request', 'restricted')),
    set_by TEXT,
    set_at TEXT NOT NULL,
    PRIMARY KEY (project_code, sha256)
);
CREATE TABLE IF NOT EXISTS download_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    project_code TEXT NOT NULL REFERENCES projects (code),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    purpose TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    expires_at TEXT,
    max_uses INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
);
CREATE INDEX IF NOT EXISTS download_requests_account ON download_requests (account, id);
CREATE INDEX IF NOT EXISTS download_requests_status ON download_requests (status, id);
CREATE UNIQUE INDEX IF NOT EXISTS download_requests_one_pending
    ON download_requests (account, sha256) WHERE status = 'pending';
";

crate::downloads::downloads_store!(GpkgStore, pool, GpkgError::db, check_writable, ready);
