//! Projects, their events and the credit record inside the GeoPackage file: the shared
//! statements of [`crate::archive::sql`], with locations as GeoPackage binary.

use std::sync::LazyLock;

use async_trait::async_trait;
use undermap_archive::{CreditCode, ProjectCode};

use super::{from_gpkg, to_gpkg, GpkgError, GpkgStore};
use crate::access::sql::conflict;
use crate::archive::file_sql::{self, files_where, insert_file};
use crate::archive::links;
use crate::archive::search_sql::{search_files, FileDialect, FileSearch, FoundFile, TitleIndex};
use crate::archive::sql::{
    self, bind_details, bind_query, event_record, index_name, insert_project, project_record,
    record_event, same_details, Dialect, ProjectRow,
};
use crate::archive::{
    ArchiveStore, CreditRecord, EventRecord, FileRecord, Intake, NewFile, NewProject,
    NewProjectEvent, ProjectQuery, ProjectRecord,
};
use crate::{Result, StoreError};

/// The tables, created when missing (files made before the archive existed get them on open).
/// Events and credit entries are append-only, as in PostGIS.
pub(crate) const CREATE: &str = r"
CREATE TABLE IF NOT EXISTS projects (
    code TEXT PRIMARY KEY CHECK (length(code) = 24),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    unit_code TEXT NOT NULL CHECK (length(unit_code) = 18),
    location BLOB NOT NULL,
    min_x REAL NOT NULL,
    min_y REAL NOT NULL,
    max_x REAL NOT NULL,
    max_y REAL NOT NULL,
    permit_date TEXT,
    planned_start TEXT,
    planned_end TEXT,
    status TEXT NOT NULL DEFAULT 'registered',
    events INTEGER NOT NULL DEFAULT 0 CHECK (events >= 0),
    source TEXT NOT NULL,
    registered_by TEXT,
    registered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_unit_code ON projects (unit_code, code);
DROP INDEX IF EXISTS projects_unit;
-- The names' trigram index (FTS5). Named rtree_… so that GDAL and QGIS, which list every table
-- but their own and index tables (rtree_%) when no attributes table is registered, skip it and
-- its shadow tables as the index they are.
CREATE VIRTUAL TABLE IF NOT EXISTS rtree_projects_name_fts USING fts5(name, content='projects',
    content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS projects_name_fts_insert AFTER INSERT ON projects
BEGIN INSERT INTO rtree_projects_name_fts (rowid, name) VALUES (new.rowid, new.name); END;
CREATE TRIGGER IF NOT EXISTS projects_name_fts_update AFTER UPDATE OF name ON projects
BEGIN
    INSERT INTO rtree_projects_name_fts (rtree_projects_name_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO rtree_projects_name_fts (rowid, name) VALUES (new.rowid, new.name);
END;
-- Rebuilt at every open, as the R-tree below.
INSERT INTO rtree_projects_name_fts (rtree_projects_name_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE IF NOT EXISTS rtree_projects USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER IF NOT EXISTS projects_rtree_insert AFTER INSERT ON projects
BEGIN INSERT OR REPLACE INTO rtree_projects VALUES (new.rowid, new.min_x, new.max_x, new.min_y, new.max_y); END;
CREATE TRIGGER IF NOT EXISTS projects_rtree_update AFTER UPDATE OF min_x, min_y, max_x, max_y ON projects
BEGIN INSERT OR REPLACE INTO rtree_projects VALUES (new.rowid, new.min_x, new.max_x, new.min_y, new.max_y); END;
-- Rebuilt at every open: a VACUUM by another tool may renumber the rowids it is keyed by.
DELETE FROM rtree_projects;
INSERT INTO rtree_projects SELECT rowid, min_x, max_x, min_y, max_y FROM projects;
-- One- and two-character pieces of the names (lower case), which no trigram serves.
CREATE TABLE IF NOT EXISTS project_name_grams (
    gram TEXT NOT NULL,
    project TEXT NOT NULL,
    PRIMARY KEY (gram, project)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS project_name_grams_project ON project_name_grams (project);
CREATE INDEX IF NOT EXISTS projects_status_code ON projects (status, code);
DROP INDEX IF EXISTS projects_status;
DROP INDEX IF EXISTS projects_extent;
CREATE TABLE IF NOT EXISTS project_events (
    project_code TEXT NOT NULL REFERENCES projects (code),
    seq INTEGER NOT NULL CHECK (seq > 0),
    type TEXT NOT NULL,
    date TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (project_code, seq)
);
CREATE TRIGGER IF NOT EXISTS project_events_no_update BEFORE UPDATE ON project_events
BEGIN SELECT RAISE(ABORT, 'project_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS project_events_no_delete BEFORE DELETE ON project_events
BEGIN SELECT RAISE(ABORT, 'project_events is append-only'); END;
CREATE TABLE IF NOT EXISTS credit_entries (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    unit_code TEXT NOT NULL,
    project_code TEXT NOT NULL REFERENCES projects (code),
    event_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    entry TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS credit_entries_unit ON credit_entries (unit_code, seq);
CREATE TRIGGER IF NOT EXISTS credit_entries_no_update BEFORE UPDATE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'credit_entries is append-only'); END;
CREATE TRIGGER IF NOT EXISTS credit_entries_no_delete BEFORE DELETE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'credit_entries is append-only'); END;
CREATE TABLE IF NOT EXISTS project_files (
    project_code TEXT NOT NULL REFERENCES projects (code),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    size INTEGER NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    file_name TEXT,
    date TEXT,
    feature_ids TEXT NOT NULL DEFAULT '[]',
    scan TEXT,
    uploaded_by TEXT,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (project_code, sha256, category)
);
CREATE INDEX IF NOT EXISTS project_files_sha256 ON project_files (sha256);
CREATE TRIGGER IF NOT EXISTS project_files_no_update BEFORE UPDATE ON project_files
BEGIN SELECT RAISE(ABORT, 'project_files is append-only'); END;
CREATE TRIGGER IF NOT EXISTS project_files_no_delete BEFORE DELETE ON project_files
BEGIN SELECT RAISE(ABORT, 'project_files is append-only'); END;
CREATE TABLE IF NOT EXISTS legacy_records (
    number TEXT PRIMARY KEY CHECK (length(number) BETWEEN 1 AND 64),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    category TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    project_code TEXT REFERENCES projects (code),
    original TEXT,
    pages INTEGER CHECK (pages IS NULL OR pages > 0),
    registered_by TEXT,
    registered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS legacy_records_category_year ON legacy_records (category, year);
CREATE TRIGGER IF NOT EXISTS legacy_records_no_update BEFORE UPDATE ON legacy_records
BEGIN SELECT RAISE(ABORT, 'legacy_records is append-only'); END;
CREATE TRIGGER IF NOT EXISTS legacy_records_no_delete BEFORE DELETE ON legacy_records
BEGIN SELECT RAISE(ABORT, 'legacy_records is append-only'); END;
CREATE TABLE IF NOT EXISTS legacy_scans (
    record_number TEXT NOT NULL REFERENCES legacy_records (number),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    size INTEGER NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL,
    file_name TEXT,
    scan TEXT NOT NULL,
    uploaded_by TEXT,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (record_number, sha256)
);
CREATE INDEX IF NOT EXISTS legacy_scans_sha256 ON legacy_scans (sha256);
CREATE TRIGGER IF NOT EXISTS legacy_scans_no_update BEFORE UPDATE ON legacy_scans
BEGIN SELECT RAISE(ABORT, 'legacy_scans is append-only'); END;
CREATE TRIGGER IF NOT EXISTS legacy_scans_no_delete BEFORE DELETE ON legacy_scans
BEGIN SELECT RAISE(ABORT, 'legacy_scans is append-only'); END;
";

const DIALECT: Dialect = Dialect {
    location_in: "$6",
    location_out: "location",
    meets_box: "rowid IN (SELECT id FROM rtree_projects WHERE maxx >= {a} AND maxy >= {b} AND minx <= {c} AND miny <= {d})",
    name_like: "name LIKE {p} ESCAPE '\\'",
    fts_match: Some(
        "rowid IN (SELECT rowid FROM rtree_projects_name_fts WHERE rtree_projects_name_fts MATCH {p})",
    ),
    grams: true,
    project_day: "COALESCE(permit_date, substr(registered_at, 1, 10))",
    files: FileDialect {
        title_like: "f.title LIKE {p} ESCAPE '\\'",
        title_index: Some(TitleIndex {
            count: "SELECT count(*) FROM (SELECT 1 FROM rtree_project_files_title_fts \
                    WHERE rtree_project_files_title_fts MATCH $1 LIMIT 5000)",
            from: "(SELECT DISTINCT project_code, sha256 FROM rtree_project_files_title_fts \
                   WHERE rtree_project_files_title_fts MATCH {p}) t JOIN project_files f \
                   ON f.project_code = t.project_code AND f.sha256 = t.sha256",
            phrase: true,
        }),
        file_day: "COALESCE(f.date, substr(f.uploaded_at, 1, 10))",
        project_meets_box: "p.rowid IN (SELECT id FROM rtree_projects WHERE maxx >= {a} \
             AND maxy >= {b} AND minx <= {c} AND miny <= {d})",
    },
};

/// Which search tables a GeoPackage has: every one opened for writing (they are made then); a
/// site copy opened read-only has those of the version that made it.
#[derive(Debug, Clone, Copy)]
// One flag per search table a site copy made by an older version may lack.
#[allow(clippy::struct_excessive_bools)]
pub(crate) struct SearchTables {
    rtree: bool,
    fts: bool,
    grams: bool,
    titles: bool,
}

impl SearchTables {
    pub(crate) const ALL: Self = Self {
        rtree: true,
        fts: true,
        grams: true,
        titles: true,
    };

    /// Those `pool`'s GeoPackage has.
    pub(crate) async fn of(pool: &sqlx::SqlitePool) -> Result<Self> {
        let has = |name: &'static str| async move {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = $1)",
            )
            .bind(name)
            .fetch_one(pool)
            .await
            .map_err(GpkgError::db("inspecting the GeoPackage"))
        };
        Ok(Self {
            rtree: has("rtree_projects").await?,
            fts: has("rtree_projects_name_fts").await?,
            grams: has("project_name_grams").await?,
            titles: has("rtree_project_files_title_fts").await?,
        })
    }

    /// How projects are searched with these tables (without one, by reading the table).
    fn dialect(self) -> Dialect {
        Dialect {
            meets_box: if self.rtree {
                DIALECT.meets_box
            } else {
                "max_x >= {a} AND max_y >= {b} AND min_x <= {c} AND min_y <= {d}"
            },
            fts_match: DIALECT.fts_match.filter(|_| self.fts),
            grams: self.grams,
            files: FileDialect {
                title_index: DIALECT.files.title_index.filter(|_| self.titles),
                project_meets_box: if self.rtree {
                    DIALECT.files.project_meets_box
                } else {
                    "p.max_x >= {a} AND p.max_y >= {b} AND p.min_x <= {c} AND p.min_y <= {d}"
                },
                ..DIALECT.files
            },
            ..DIALECT
        }
    }
}
static INSERT: LazyLock<String> = LazyLock::new(|| DIALECT.insert_project());
static UPDATE: LazyLock<String> = LazyLock::new(|| DIALECT.update_project());
static ONE: LazyLock<String> = LazyLock::new(|| DIALECT.project());

impl GpkgStore {
    fn location(&self, p: &NewProject) -> Result<Vec<u8>> {
        to_gpkg(&p.location, self.srid).map_err(|reason| StoreError::Corrupt {
            id: p.code.to_string(),
            reason,
        })
    }
}

#[async_trait]
impl ArchiveStore for GpkgStore {
    async fn add_project(&self, p: &NewProject) -> Result<()> {
        self.writable()?;
        let location = self.location(p)?;
        let db = GpkgError::db;
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("registering a project"))?;
        insert_project!(tx, &INSERT, p, location).map_err(conflict(
            format!("a project with code {} is registered already", p.code),
            db("registering a project"),
        ))?;
        index_name!(tx, p.code, db);
        tx.commit().await.map_err(db("registering a project"))?;
        Ok(())
    }

    async fn add_projects(&self, projects: &[NewProject]) -> Result<usize> {
        self.writable()?;
        static INSERT_NEW: LazyLock<String> =
            LazyLock::new(|| format!("{} ON CONFLICT (code) DO NOTHING", *INSERT));
        let db = GpkgError::db;
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("registering projects"))?;
        let added = crate::archive::sql::insert_projects!(
            tx,
            projects,
            &*INSERT_NEW,
            |p| self.location(p),
            db
        );
        tx.commit().await.map_err(db("registering projects"))?;
        Ok(added)
    }

    async fn intake_project(&self, p: &NewProject) -> Result<Intake> {
        self.writable()?;
        let location = self.location(p)?;
        let db = GpkgError::db;
        // IMMEDIATE: the write lock is taken before the read, so two intakes of one project
        // cannot both find it missing.
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("taking in a project"))?;
        let row: Option<ProjectRow> = sqlx::query_as(&ONE)
            .bind(p.code.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading a project"))?;
        let existing = row.map(|r| project_record(r, from_gpkg)).transpose()?;
        let outcome = match existing {
            None => {
                insert_project!(tx, &INSERT, p, location).map_err(db("registering a project"))?;
                index_name!(tx, p.code, db);
                Intake::Created
            }
            Some(known) if same_details(&known.project, p) => Intake::Unchanged,
            Some(_) => {
                bind_details!(sqlx::query(&UPDATE), p, location)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("updating a project"))?;
                index_name!(tx, p.code, db);
                Intake::Updated
            }
        };
        tx.commit().await.map_err(db("taking in a project"))?;
        Ok(outcome)
    }

    async fn project(&self, code: &ProjectCode) -> Result<Option<ProjectRecord>> {
        let row: Option<ProjectRow> = sqlx::query_as(&ONE)
            .bind(code.as_str())
            .fetch_optional(self.pool())
            .await
            .map_err(GpkgError::db("reading a project"))?;
        row.map(|r| project_record(r, from_gpkg)).transpose()
    }

    async fn projects(&self, q: &ProjectQuery) -> Result<Vec<ProjectRecord>> {
        let dialect = self.search.dialect();
        let sql = dialect.projects(q);
        let rows: Vec<ProjectRow> = bind_query!(sqlx::query_as(&sql), q, dialect)
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("listing projects"))?;
        rows.into_iter()
            .map(|r| project_record(r, from_gpkg))
            .collect()
    }

    async fn search_files(&self, q: &FileSearch) -> Result<Vec<FoundFile>> {
        search_files!(self.pool(), self.search.dialect(), q, GpkgError::db)
    }

    async fn project_events(&self, code: &ProjectCode) -> Result<Vec<EventRecord>> {
        let rows: Vec<sql::EventRow> = sqlx::query_as(sql::EVENTS)
            .bind(code.as_str())
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("reading a project's events"))?;
        rows.into_iter()
            .map(|r| event_record(code.as_str(), r))
            .collect()
    }

    async fn events_of_status(
        &self,
        status: undermap_archive::Status,
        unit: Option<&CreditCode>,
    ) -> Result<Vec<(String, Vec<EventRecord>)>> {
        crate::archive::lifecycles::events_of_status!(self.pool(), status, unit, GpkgError::db)
    }

    async fn record_project_event(&self, event: &NewProjectEvent) -> Result<Vec<CreditRecord>> {
        self.writable()?;
        let db = GpkgError::db;
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("recording an event"))?;
        let written = record_event!(tx, event, db);
        tx.commit().await.map_err(db("recording an event"))?;
        Ok(written)
    }

    async fn credit_entries(&self, unit: Option<&CreditCode>) -> Result<Vec<CreditRecord>> {
        let rows: Vec<sql::CreditRow> = sqlx::query_as(sql::CREDIT)
            .bind(unit.map(|u| u.as_str().to_owned()))
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("reading the credit record"))?;
        Ok(rows.into_iter().map(sql::credit_record).collect())
    }

    async fn add_file(&self, file: &NewFile) -> Result<(FileRecord, bool)> {
        self.writable()?;
        let db = GpkgError::db;
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("recording a file"))?;
        let done = insert_file!(tx, file, db);
        tx.commit().await.map_err(db("recording a file"))?;
        Ok(done)
    }

    async fn project_files(&self, code: &ProjectCode) -> Result<Vec<FileRecord>> {
        files_where!(
            self.pool(),
            &file_sql::OF_PROJECT,
            code.as_str(),
            GpkgError::db,
            "reading a project's files"
        )
    }

    async fn file_records(&self, hash: &crate::ContentHash) -> Result<Vec<FileRecord>> {
        files_where!(
            self.pool(),
            &file_sql::OF_HASH,
            hash.as_str(),
            GpkgError::db,
            "reading file records"
        )
    }

    async fn project_deliveries(&self, code: &ProjectCode) -> Result<Vec<links::ProjectDelivery>> {
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| links::deliveries_sql("undermap_deliveries"));
        links::linked_where!(
            self.pool(),
            &SQL,
            code.as_str(),
            links::delivery,
            GpkgError::db,
            "reading a project's deliveries"
        )
    }

    async fn project_features(&self, code: &ProjectCode) -> Result<Vec<links::ProjectFeature>> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            links::features_sql("json_extract(attributes, '$.project_code') = $1")
        });
        links::linked_where!(
            self.pool(),
            &SQL,
            code.as_str(),
            links::feature,
            GpkgError::db,
            "reading a project's features"
        )
    }
}

crate::archive::legacy::legacy_store!(GpkgStore, pool, GpkgError::db, check_writable, ready);
