//! Paper records being digitised: the archive's inventory of paper files (案卷), with or without
//! a project, and the scans made of them. Both backends run these statements word for word (the
//! tables have the same names in both).

use chrono::{DateTime, Utc};

use async_trait::async_trait;

use super::ScanMetadata;
use crate::{Result, StoreError};

/// A paper record to register.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewLegacyRecord {
    /// Its archive number (档号).
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its file category.
    pub category: String,
    /// The year of the record.
    pub year: i32,
    /// The project it belongs to, when known.
    pub project: Option<String>,
    /// Where the paper original is kept (shelf mark).
    pub original: Option<String>,
    /// Its pages.
    pub pages: Option<u32>,
    /// Who registered it.
    pub registered_by: Option<String>,
    /// When.
    pub registered_at: DateTime<Utc>,
}

/// A scan of a paper record, its bytes kept in the [`crate::FileStore`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LegacyScan {
    /// The record scanned.
    pub record: String,
    /// The SHA-256 of the scan's bytes: `GET /v1/files/{sha256}`.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
    /// How it was digitised.
    pub scan: ScanMetadata,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// Which paper records to list, by number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegacyQuery {
    /// Only this category's.
    pub category: Option<String>,
    /// Only this year's.
    pub year: Option<i32>,
    /// Only those digitised (`true`) or not yet (`false`).
    pub digitised: Option<bool>,
    /// Only this project's.
    pub project: Option<String>,
    /// Only numbers after this one (paging).
    pub after: Option<String>,
    /// At most this many.
    pub limit: i64,
}

/// A stored paper record and how many scans it has.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LegacyRecord {
    /// As registered.
    #[serde(flatten)]
    pub record: NewLegacyRecord,
    /// Its scans; digitised when at least one.
    pub scans: u32,
}

/// Paper records and digitised ones of a category in a year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DigitisationCount {
    /// The file category.
    pub category: String,
    /// The year.
    pub year: i32,
    /// Paper records registered.
    pub records: u64,
    /// Of them, scanned.
    pub digitised: u64,
}

/// Paper records and their scans: part of [`super::ArchiveStore`].
#[async_trait]
pub trait LegacyStore: Send + Sync {
    /// Registers a paper record; [`crate::StoreError::Conflict`] if its number is taken.
    async fn add_legacy_record(&self, record: &NewLegacyRecord) -> Result<()>;

    /// One paper record.
    async fn legacy_record(&self, number: &str) -> Result<Option<LegacyRecord>>;

    /// Paper records by number, filtered.
    async fn legacy_records(&self, query: &LegacyQuery) -> Result<Vec<LegacyRecord>>;

    /// Records a scan of a paper record (append-only); `false` when the record has these bytes
    /// already.
    async fn add_legacy_scan(&self, scan: &LegacyScan) -> Result<bool>;

    /// The scans of one record (by `number`), or every scan with these bytes (by `hash`).
    async fn legacy_scans(
        &self,
        number: Option<&str>,
        hash: Option<&crate::ContentHash>,
    ) -> Result<Vec<LegacyScan>>;

    /// Paper records and digitised ones by category and year.
    async fn digitisation(&self) -> Result<Vec<DigitisationCount>>;
}

pub(crate) const INSERT_RECORD: &str =
    "INSERT INTO legacy_records (number, title, category, year, \
     project_code, original, pages, registered_by, registered_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const RECORD_COLUMNS: &str = "r.number, r.title, r.category, r.year, r.project_code, r.original, \
     r.pages, r.registered_by, r.registered_at, \
     (SELECT count(*) FROM legacy_scans s WHERE s.record_number = r.number)";

pub(crate) static ONE_RECORD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {RECORD_COLUMNS} FROM legacy_records r WHERE r.number = $1")
});

pub(crate) static LIST_RECORDS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {RECORD_COLUMNS} FROM legacy_records r \
         WHERE ($1 IS NULL OR r.category = $1) AND ($2 IS NULL OR r.year = $2) \
         AND ($3 IS NULL OR r.project_code = $3) AND ($4 IS NULL OR r.number > $4) \
         AND ($5 IS NULL OR $5 = EXISTS (SELECT 1 FROM legacy_scans s WHERE s.record_number = r.number)) \
         ORDER BY r.number LIMIT $6"
    )
});

/// Records a scan; nothing when the record has these bytes already.
pub(crate) const INSERT_SCAN: &str = "INSERT INTO legacy_scans (record_number, sha256, size, \
     media_type, file_name, scan, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (record_number, sha256) DO NOTHING";

const SCAN_COLUMNS: &str =
    "record_number, sha256, size, media_type, file_name, scan, uploaded_by, uploaded_at";

pub(crate) static SCANS_OF_RECORD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {SCAN_COLUMNS} FROM legacy_scans WHERE record_number = $1 \
         ORDER BY uploaded_at, sha256"
    )
});

pub(crate) static SCANS_OF_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {SCAN_COLUMNS} FROM legacy_scans WHERE sha256 = $1 ORDER BY record_number")
});

/// Paper records and digitised ones by category and year.
pub(crate) const STATS: &str = "SELECT r.category, r.year, count(*), \
     count(*) FILTER (WHERE EXISTS (SELECT 1 FROM legacy_scans s WHERE s.record_number = r.number)) \
     FROM legacy_records r GROUP BY r.category, r.year ORDER BY r.category, r.year";

pub(crate) type RecordRow = (
    String,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
    DateTime<Utc>,
    i64,
);

pub(crate) fn record(r: RecordRow) -> LegacyRecord {
    LegacyRecord {
        record: NewLegacyRecord {
            number: r.0,
            title: r.1,
            category: r.2,
            year: r.3,
            project: r.4,
            original: r.5,
            pages: r.6.and_then(|p| u32::try_from(p).ok()),
            registered_by: r.7,
            registered_at: r.8,
        },
        scans: u32::try_from(r.9).unwrap_or(u32::MAX),
    }
}

pub(crate) type ScanRow = (
    String,
    String,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    DateTime<Utc>,
);

pub(crate) fn scan(r: ScanRow) -> Result<LegacyScan> {
    let scan = serde_json::from_str(&r.5).map_err(|e| StoreError::Corrupt {
        id: format!("scan {} of paper record {}", r.1, r.0),
        reason: e.to_string(),
    })?;
    Ok(LegacyScan {
        record: r.0,
        sha256: r.1,
        size: u64::try_from(r.2).unwrap_or(0),
        media_type: r.3,
        file_name: r.4,
        scan,
        uploaded_by: r.6,
        uploaded_at: r.7,
    })
}

pub(crate) fn count(r: (String, i32, i64, i64)) -> DigitisationCount {
    DigitisationCount {
        category: r.0,
        year: r.1,
        records: u64::try_from(r.2).unwrap_or(0),
        digitised: u64::try_from(r.3).unwrap_or(0),
    }
}

/// [`LegacyStore`] for one backend: `legacy_store!(PgStore, pool, PgError::db, up, up)` names the
/// store, its pool accessor, the error constructor
/// and the checks run before a write and before a read (is the store writable, is it up).
macro_rules! legacy_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::archive::legacy::LegacyStore for $store {
            async fn add_legacy_record(
                &self,
                r: &$crate::archive::legacy::NewLegacyRecord,
            ) -> $crate::Result<()> {
                self.$before_write()?;
                sqlx::query($crate::archive::legacy::INSERT_RECORD)
                    .bind(&r.number)
                    .bind(&r.title)
                    .bind(&r.category)
                    .bind(r.year)
                    .bind(&r.project)
                    .bind(&r.original)
                    .bind(r.pages.map(|p| i32::try_from(p).unwrap_or(i32::MAX)))
                    .bind(&r.registered_by)
                    .bind(r.registered_at)
                    .execute(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!("paper record {} is registered already", r.number),
                        $db("registering a paper record"),
                    ))
                    .map(|_| ())
            }

            async fn legacy_record(
                &self,
                number: &str,
            ) -> $crate::Result<Option<$crate::archive::legacy::LegacyRecord>> {
                self.$before_read()?;
                let row: Option<$crate::archive::legacy::RecordRow> =
                    sqlx::query_as(&$crate::archive::legacy::ONE_RECORD)
                        .bind(number)
                        .fetch_optional(self.$pool())
                        .await
                        .map_err($db("reading a paper record"))?;
                Ok(row.map($crate::archive::legacy::record))
            }

            async fn legacy_records(
                &self,
                q: &$crate::archive::legacy::LegacyQuery,
            ) -> $crate::Result<Vec<$crate::archive::legacy::LegacyRecord>> {
                self.$before_read()?;
                let rows: Vec<$crate::archive::legacy::RecordRow> =
                    sqlx::query_as(&$crate::archive::legacy::LIST_RECORDS)
                        .bind(&q.category)
                        .bind(q.year)
                        .bind(&q.project)
                        .bind(&q.after)
                        .bind(q.digitised)
                        .bind(q.limit)
                        .fetch_all(self.$pool())
                        .await
                        .map_err($db("listing paper records"))?;
                Ok(rows
                    .into_iter()
                    .map($crate::archive::legacy::record)
                    .collect())
            }

            async fn add_legacy_scan(
                &self,
                s: &$crate::archive::legacy::LegacyScan,
            ) -> $crate::Result<bool> {
                self.$before_write()?;
                let done = sqlx::query($crate::archive::legacy::INSERT_SCAN)
                    .bind(&s.record)
                    .bind(&s.sha256)
                    .bind(i64::try_from(s.size).unwrap_or(i64::MAX))
                    .bind(&s.media_type)
                    .bind(&s.file_name)
                    .bind(serde_json::to_string(&s.scan).unwrap_or_default())
                    .bind(&s.uploaded_by)
                    .bind(s.uploaded_at)
                    .execute(self.$pool())
                    .await
                    .map_err($db("recording a scan"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn legacy_scans(
                &self,
                number: Option<&str>,
                hash: Option<&$crate::ContentHash>,
            ) -> $crate::Result<Vec<$crate::archive::legacy::LegacyScan>> {
                self.$before_read()?;
                let (sql, key) = match (number, hash) {
                    (Some(n), _) => (&*$crate::archive::legacy::SCANS_OF_RECORD, n.to_owned()),
                    (None, Some(h)) => (
                        &*$crate::archive::legacy::SCANS_OF_HASH,
                        h.as_str().to_owned(),
                    ),
                    (None, None) => return Ok(Vec::new()),
                };
                let rows: Vec<$crate::archive::legacy::ScanRow> = sqlx::query_as(sql)
                    .bind(key)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading scans"))?;
                rows.into_iter()
                    .map($crate::archive::legacy::scan)
                    .collect()
            }

            async fn digitisation(
                &self,
            ) -> $crate::Result<Vec<$crate::archive::legacy::DigitisationCount>> {
                self.$before_read()?;
                let rows: Vec<(String, i32, i64, i64)> =
                    sqlx::query_as($crate::archive::legacy::STATS)
                        .fetch_all(self.$pool())
                        .await
                        .map_err($db("counting paper records"))?;
                Ok(rows
                    .into_iter()
                    .map($crate::archive::legacy::count)
                    .collect())
            }
        }
    };
}
pub(crate) use legacy_store;
