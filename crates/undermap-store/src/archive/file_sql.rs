//! The statements both backends run on the archive's file records, word for word: which file
//! (its bytes' SHA-256) a project holds under which category. The bytes are in the file store.

use chrono::{DateTime, NaiveDate, Utc};

use super::{FileRecord, NewFile, ScanMetadata};
use crate::{Result, StoreError};

const COLUMNS: &str = "project_code, sha256, size, media_type, category, title, file_name, date, \
     feature_ids, scan, uploaded_by, uploaded_at, COALESCE(a.access, 'on_request')";
/// The file records with their access level (a file without a `file_access` row is on request).
const FROM: &str = "project_files LEFT JOIN file_access a USING (project_code, sha256)";

/// Sets a file's access level the first time its bytes are recorded for a project (a second
/// record of the same bytes, under another category, keeps the level set).
pub(crate) const INSERT_ACCESS: &str = "INSERT INTO file_access (project_code, sha256, access, \
     set_by, set_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_code, sha256) DO NOTHING";
/// Changes the access level of a file the project holds (nothing when it holds no such file):
/// one statement, so that a GeoPackage never has to turn a read into a write.
pub(crate) const SET_ACCESS: &str = "INSERT INTO file_access (project_code, sha256, access, \
     set_by, set_at) SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM project_files \
     WHERE project_code = $1 AND sha256 = $2) ON CONFLICT (project_code, sha256) DO UPDATE \
     SET access = excluded.access, set_by = excluded.set_by, set_at = excluded.set_at";

/// Records a file; nothing when the project holds these bytes under this category already.
pub(crate) const INSERT: &str = "INSERT INTO project_files (project_code, sha256, size, \
     media_type, category, title, file_name, date, feature_ids, scan, uploaded_by, uploaded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (project_code, sha256, category) DO NOTHING";

pub(crate) static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE project_code = $1 AND sha256 = $2 \
         AND category = $3"
    )
});
pub(crate) static OF_PROJECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE project_code = $1 \
         ORDER BY uploaded_at, sha256, category"
    )
});
pub(crate) static OF_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM {FROM} WHERE sha256 = $1 ORDER BY project_code, category")
});

/// Binds a [`NewFile`] on [`INSERT`].
macro_rules! bind_file {
    ($query:expr, $f:expr) => {{
        let f: &$crate::archive::NewFile = $f;
        $query
            .bind(f.project.as_str())
            .bind(f.hash.as_str())
            .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
            .bind(&f.media_type)
            .bind(&f.category)
            .bind(&f.title)
            .bind(&f.file_name)
            .bind(f.date)
            .bind($crate::archive::file_sql::ids_text(&f.feature_ids))
            .bind($crate::archive::file_sql::scan_text(f.scan.as_ref()))
            .bind(&f.uploaded_by)
            .bind(f.uploaded_at)
    }};
}
pub(crate) use bind_file;

pub(crate) fn ids_text(ids: &[String]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn scan_text(scan: Option<&ScanMetadata>) -> Option<String> {
    scan.and_then(|s| serde_json::to_string(s).ok())
}

/// A file row as both backends read it.
pub(crate) type FileRow = (
    String,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
    String,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    String,
);

pub(crate) fn file_record(r: FileRow) -> Result<FileRecord> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: format!("file {} of project {}", r.1, r.0),
        reason,
    };
    let feature_ids: Vec<String> =
        serde_json::from_str(&r.8).map_err(|e| corrupt(format!("feature ids: {e}")))?;
    let scan =
        r.9.as_deref()
            .map(serde_json::from_str::<ScanMetadata>)
            .transpose()
            .map_err(|e| corrupt(format!("scan metadata: {e}")))?;
    let access = r.12.parse().map_err(|e| corrupt(format!("access: {e}")))?;
    Ok(FileRecord {
        project: r.0,
        sha256: r.1,
        size: u64::try_from(r.2).unwrap_or_default(),
        media_type: r.3,
        category: r.4,
        title: r.5,
        file_name: r.6,
        date: r.7,
        feature_ids,
        scan,
        uploaded_by: r.10,
        uploaded_at: r.11,
        access,
    })
}

/// Records a file in an open transaction `$tx` (its project must exist) and reads back the
/// record written or found: `(record, new)`. The backend begins and commits.
macro_rules! insert_file {
    ($tx:expr, $f:expr, $db:expr) => {{
        let f: &$crate::archive::NewFile = $f;
        let known: Option<(String,)> = sqlx::query_as("SELECT code FROM projects WHERE code = $1")
            .bind(f.project.as_str())
            .fetch_optional(&mut *$tx)
            .await
            .map_err($db("reading a project"))?;
        if known.is_none() {
            return Err($crate::archive::file_sql::unknown_project(f));
        }
        let written = $crate::archive::file_sql::bind_file!(
            sqlx::query($crate::archive::file_sql::INSERT),
            f
        )
        .execute(&mut *$tx)
        .await
        .map_err($db("recording a file"))?;
        sqlx::query($crate::archive::file_sql::INSERT_ACCESS)
            .bind(f.project.as_str())
            .bind(f.hash.as_str())
            .bind(f.access.as_str())
            .bind(&f.uploaded_by)
            .bind(f.uploaded_at)
            .execute(&mut *$tx)
            .await
            .map_err($db("recording a file's access"))?;
        let row: $crate::archive::file_sql::FileRow =
            sqlx::query_as(&$crate::archive::file_sql::ONE)
                .bind(f.project.as_str())
                .bind(f.hash.as_str())
                .bind(&f.category)
                .fetch_one(&mut *$tx)
                .await
                .map_err($db("reading a file record"))?;
        (
            $crate::archive::file_sql::file_record(row)?,
            written.rows_affected() == 1,
        )
    }};
}
pub(crate) use insert_file;

/// The file records a query of [`OF_PROJECT`] or [`OF_HASH`] selects for `$key`.
macro_rules! files_where {
    ($pool:expr, $sql:expr, $key:expr, $db:expr, $what:literal) => {{
        let rows: Vec<$crate::archive::file_sql::FileRow> = sqlx::query_as($sql)
            .bind($key)
            .fetch_all($pool)
            .await
            .map_err($db($what))?;
        rows.into_iter()
            .map($crate::archive::file_sql::file_record)
            .collect()
    }};
}
pub(crate) use files_where;

/// The project of a file must exist: named in the error rather than left to a foreign key.
pub(crate) fn unknown_project(f: &NewFile) -> StoreError {
    StoreError::NotFound(format!("project {}", f.project))
}
