//! Files kept inside a GeoPackage with the OGC Related Tables Extension (18-000), so that a site
//! copy carries the archive's drawings: `archive_files`, an attributes table saying which
//! project or paper record holds which file under which category, is related to
//! `archive_file_media`, a media table holding the bytes once per SHA-256, through the mapping
//! table `archive_files_media`, registered in `gpkgext_relations` with the relation `media`.
//! GDAL and QGIS list both tables; the server reads the bytes back into its file store when it
//! opens the copy. Bytes move in chunks through SQLite's incremental BLOB I/O, never whole.

use std::io::{Read, Write};

use bytes::Bytes;
use rusqlite::{params, DatabaseName, OptionalExtension};
use tokio::sync::mpsc;

use super::native::connect;
use super::{GpkgError, GpkgStore};
use crate::{ContentHash, Result, StoreError};

/// The most bytes SQLite keeps in one value (its default `SQLITE_MAX_LENGTH`).
pub(crate) const MAX_EMBEDDED_BYTES: u64 = 1_000_000_000;

/// Bytes read from or written to a BLOB at a time.
const CHUNK: usize = 1 << 20;

const DEFINITION: &str = "http://docs.ogc.org/is/18-000/18-000.html";

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS gpkgext_relations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_table_name TEXT NOT NULL,
    base_primary_column TEXT NOT NULL DEFAULT 'id',
    related_table_name TEXT NOT NULL,
    related_primary_column TEXT NOT NULL DEFAULT 'id',
    relation_name TEXT NOT NULL,
    mapping_table_name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS archive_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    holder TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT,
    media_type TEXT NOT NULL,
    UNIQUE (holder, sha256, category)
);
CREATE TABLE IF NOT EXISTS archive_file_media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data BLOB NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS archive_files_media (
    base_id INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    PRIMARY KEY (base_id, related_id)
);
INSERT OR IGNORE INTO gpkgext_relations (base_table_name, base_primary_column,
    related_table_name, related_primary_column, relation_name, mapping_table_name)
VALUES ('archive_files', 'id', 'archive_file_media', 'id', 'media', 'archive_files_media');
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
SELECT 'archive_files', 'attributes', 'archive_files',
    'Archive files: which project or paper record holds which file (bytes in archive_file_media)'
WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE table_name = 'archive_files');
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
SELECT 'archive_file_media', 'attributes', 'archive_file_media',
    'The archive files'' bytes, once per SHA-256 (OGC Related Tables Extension media table)'
WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE table_name = 'archive_file_media');
";

/// What a file inside the GeoPackage is, and who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// `project <code>` or `paper record <number>`.
    pub holder: String,
    /// Its file category.
    pub category: String,
    /// Its title.
    pub title: String,
    /// The SHA-256 of its bytes.
    pub sha256: ContentHash,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
}

impl EmbeddedFile {
    /// A project's file.
    #[must_use]
    pub fn of_project(file: &crate::NewFile) -> Self {
        Self {
            holder: format!("project {}", file.project),
            category: file.category.clone(),
            title: file.title.clone(),
            sha256: file.hash.clone(),
            file_name: file.file_name.clone(),
            media_type: file.media_type.clone(),
            size: file.size,
        }
    }

    /// A paper record's scan.
    pub fn of_scan(scan: &crate::LegacyScan, record: &crate::NewLegacyRecord) -> Result<Self> {
        Ok(Self {
            holder: format!("paper record {}", scan.record),
            category: record.category.clone(),
            title: record.title.clone(),
            sha256: scan.sha256.parse()?,
            file_name: scan.file_name.clone(),
            media_type: scan.media_type.clone(),
            size: scan.size,
        })
    }
}

fn lite(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| GpkgError::sqlite(what)(e)
}

fn create(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute_batch(CREATE)
        .map_err(lite("creating the media tables"))?;
    for table in ["gpkgext_relations", "archive_files_media"] {
        conn.execute(
            "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) \
             SELECT ?1, NULL, 'gpkg_related_tables', ?2, 'read-write' WHERE NOT EXISTS \
             (SELECT 1 FROM gpkg_extensions WHERE table_name = ?1 AND extension_name = 'gpkg_related_tables')",
            params![table, DEFINITION],
        )
        .map_err(lite("registering the related tables extension"))?;
    }
    Ok(())
}

/// Whether the file has the media tables (a copy made before files were embedded has not).
fn has_media_table(conn: &rusqlite::Connection) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'archive_file_media')",
        [],
        |r| r.get(0),
    )
    .map_err(lite("reading the media tables"))
}

fn stopped(e: tokio::task::JoinError) -> StoreError {
    StoreError::Corrupt {
        id: "GeoPackage media".into(),
        reason: format!("the reading thread stopped: {e}"),
    }
}

impl GpkgStore {
    /// Whether the GeoPackage holds these bytes already.
    pub async fn holds_media(&self, hash: &ContentHash) -> Result<bool> {
        let path = std::sync::Arc::clone(&self.path);
        let hash = hash.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            let conn = connect(&path, true)?;
            if !has_media_table(&conn)? {
                return Ok(false);
            }
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM archive_file_media WHERE sha256 = ?1)",
                [hash],
                |r| r.get(0),
            )
            .map_err(lite("reading the media tables"))
        })
        .await
        .map_err(stopped)?
    }

    /// Records `file` in `archive_files` and relates it to its bytes, which arrive on `chunks`
    /// unless the GeoPackage holds them already (then send none). All in one transaction: a
    /// failure keeps nothing.
    pub async fn embed(&self, file: EmbeddedFile, chunks: mpsc::Receiver<Bytes>) -> Result<()> {
        self.writable()?;
        let path = std::sync::Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || embed(&path, &file, chunks))
            .await
            .map_err(stopped)?
    }

    /// Every file held inside the GeoPackage: hash, media type and size, once per hash.
    pub async fn embedded(&self) -> Result<Vec<(ContentHash, String, u64)>> {
        let path = std::sync::Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let conn = connect(&path, true)?;
            if !has_media_table(&conn)? {
                return Ok(Vec::new());
            }
            let mut stmt = conn
                .prepare(
                    "SELECT sha256, content_type, length(data) FROM archive_file_media ORDER BY id",
                )
                .map_err(lite("reading the media tables"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .map_err(lite("reading the media tables"))?;
            let mut out = Vec::new();
            for row in rows {
                let (hash, media, size) = row.map_err(lite("reading the media tables"))?;
                out.push((hash.parse()?, media, u64::try_from(size).unwrap_or(0)));
            }
            Ok(out)
        })
        .await
        .map_err(stopped)?
    }

    /// The files recorded (of projects and paper records) that are not related to bytes inside
    /// the GeoPackage.
    pub async fn not_embedded(&self) -> Result<Vec<EmbeddedFile>> {
        let path = std::sync::Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let conn = connect(&path, true)?;
            let held = if has_media_table(&conn)? {
                "NOT EXISTS (SELECT 1 FROM archive_files a JOIN archive_files_media m \
                 ON m.base_id = a.id WHERE a.holder = h.holder AND a.sha256 = h.sha256 \
                 AND a.category = h.category)"
            } else {
                "1"
            };
            let sql = format!(
                "SELECT * FROM (SELECT 'project ' || project_code AS holder, category, title, \
                 sha256, file_name, media_type, size FROM project_files \
                 UNION ALL SELECT 'paper record ' || s.record_number, r.category, r.title, \
                 s.sha256, s.file_name, s.media_type, s.size FROM legacy_scans s \
                 JOIN legacy_records r ON r.number = s.record_number) h WHERE {held}"
            );
            let mut stmt = conn
                .prepare(&sql)
                .map_err(lite("reading the file records"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })
                .map_err(lite("reading the file records"))?;
            let mut out = Vec::new();
            for row in rows {
                let (holder, category, title, hash, file_name, media_type, size) =
                    row.map_err(lite("reading the file records"))?;
                out.push(EmbeddedFile {
                    holder,
                    category,
                    title,
                    sha256: hash.parse()?,
                    file_name,
                    media_type,
                    size: u64::try_from(size).unwrap_or(0),
                });
            }
            Ok(out)
        })
        .await
        .map_err(stopped)?
    }

    /// Sends the bytes held for `hash` on `chunks`, a chunk at a time.
    pub async fn read_media(&self, hash: &ContentHash, chunks: mpsc::Sender<Bytes>) -> Result<()> {
        let path = std::sync::Arc::clone(&self.path);
        let hash = hash.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            let conn = connect(&path, true)?;
            let id: i64 = conn
                .query_row(
                    "SELECT id FROM archive_file_media WHERE sha256 = ?1",
                    [&hash],
                    |r| r.get(0),
                )
                .map_err(lite("reading a media file"))?;
            let mut blob = conn
                .blob_open(DatabaseName::Main, "archive_file_media", "data", id, true)
                .map_err(lite("reading a media file"))?;
            let mut buf = vec![0; CHUNK];
            loop {
                let n = blob.read(&mut buf).map_err(|e| StoreError::Corrupt {
                    id: format!("media {hash}"),
                    reason: e.to_string(),
                })?;
                if n == 0
                    || chunks
                        .blocking_send(Bytes::copy_from_slice(&buf[..n]))
                        .is_err()
                {
                    return Ok(());
                }
            }
        })
        .await
        .map_err(stopped)?
    }
}

fn embed(
    path: &std::path::Path,
    file: &EmbeddedFile,
    mut chunks: mpsc::Receiver<Bytes>,
) -> Result<()> {
    let mut conn = connect(path, false)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(lite("embedding a file"))?;
    create(&tx)?;
    let hash = file.sha256.as_str();
    let known: Option<i64> = tx
        .query_row(
            "SELECT id FROM archive_file_media WHERE sha256 = ?1",
            [hash],
            |r| r.get(0),
        )
        .optional()
        .map_err(lite("embedding a file"))?;
    let media_id = if let Some(id) = known {
        id
    } else {
        if file.size > MAX_EMBEDDED_BYTES {
            return Err(StoreError::TooLarge {
                limit: MAX_EMBEDDED_BYTES,
            });
        }
        let size = i64::try_from(file.size).unwrap_or(i64::MAX);
        tx.execute(
                "INSERT INTO archive_file_media (data, content_type, sha256) VALUES (zeroblob(?1), ?2, ?3)",
                params![size, file.media_type, hash],
            )
            .map_err(lite("embedding a file"))?;
        let id = tx.last_insert_rowid();
        let mut blob = tx
            .blob_open(DatabaseName::Main, "archive_file_media", "data", id, false)
            .map_err(lite("embedding a file"))?;
        let mut written = 0_u64;
        while let Some(chunk) = chunks.blocking_recv() {
            written += chunk.len() as u64;
            if written > file.size {
                break;
            }
            blob.write_all(&chunk).map_err(|e| StoreError::Corrupt {
                id: format!("media {hash}"),
                reason: e.to_string(),
            })?;
        }
        if written != file.size {
            return Err(StoreError::Corrupt {
                id: format!("media {hash}"),
                reason: format!("{written} bytes arrived for a file of {}", file.size),
            });
        }
        id
    };
    tx.execute(
        "INSERT OR IGNORE INTO archive_files (holder, category, title, sha256, file_name, media_type) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![file.holder, file.category, file.title, hash, file.file_name, file.media_type],
    )
    .map_err(lite("embedding a file"))?;
    let base_id: i64 = tx
        .query_row(
            "SELECT id FROM archive_files WHERE holder = ?1 AND sha256 = ?2 AND category = ?3",
            params![file.holder, hash, file.category],
            |r| r.get(0),
        )
        .map_err(lite("embedding a file"))?;
    tx.execute(
        "INSERT OR IGNORE INTO archive_files_media (base_id, related_id) VALUES (?1, ?2)",
        params![base_id, media_id],
    )
    .map_err(lite("embedding a file"))?;
    tx.commit().map_err(lite("embedding a file"))
}
