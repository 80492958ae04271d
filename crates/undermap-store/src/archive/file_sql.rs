//! The statements both backends run on the archive's file records, word for word: which file
//! (its bytes' SHA-256) a project holds under which category. The bytes are in the file store.

use chrono::{DateTime, NaiveDate, Utc};

use super::{FileRecord, NewFile, ScanMetadata};
use crate::{Result, StoreError};

const COLUMNS: &str = "project_code, sha256, size, media_type, category, title, file_name, date, \
     feature_ids, scan, uploaded_by, uploaded_at";

/// Records a file; nothing when the project holds these bytes under this category already.
pub(crate) const INSERT: &str = "INSERT INTO project_files (project_code, sha256, size, \
     media_type, category, title, file_name, date, feature_ids, scan, uploaded_by, uploaded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (project_code, sha256, category) DO NOTHING";

pub(crate) static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM project_files WHERE project_code = $1 AND sha256 = $2 \
         AND category = $3"
    )
});
pub(crate) static OF_PROJECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM project_files WHERE project_code = $1 \
         ORDER BY uploaded_at, sha256, category"
    )
});
pub(crate) static OF_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM project_files WHERE sha256 = $1 ORDER BY project_code, category")
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
    })
}

/// Looks up the record [`INSERT`] wrote or found, in the same connection or transaction.
macro_rules! file_after_insert {
    ($conn:expr, $f:expr, $db:expr) => {{
        let f: &$crate::archive::NewFile = $f;
        let row: $crate::archive::file_sql::FileRow =
            sqlx::query_as(&$crate::archive::file_sql::ONE)
                .bind(f.project.as_str())
                .bind(f.hash.as_str())
                .bind(&f.category)
                .fetch_one($conn)
                .await
                .map_err($db("reading a file record"))?;
        $crate::archive::file_sql::file_record(row)?
    }};
}
pub(crate) use file_after_insert;

/// The project of a file must exist: named in the error rather than left to a foreign key.
pub(crate) fn unknown_project(f: &NewFile) -> StoreError {
    StoreError::NotFound(format!("project {}", f.project))
}
