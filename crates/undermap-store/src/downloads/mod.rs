//! Downloads by access level, in both stores: each file's level (`file_access`), the requests
//! to download files on request, the archivists' decisions, and the counted uses of an approved
//! request's link. The statements are the same for both backends ([`downloads_store!`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_archive::{Access, ProjectCode};

use crate::{ContentHash, Result, StoreError};

/// A request to download a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDownloadRequest {
    /// Who asks.
    pub account: String,
    /// The project holding the file.
    pub project: ProjectCode,
    /// The file.
    pub sha256: ContentHash,
    /// Why (audited with every download it leads to).
    pub purpose: String,
    /// When.
    pub requested_at: DateTime<Utc>,
}

/// What an archivist decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadDecision {
    /// Approved, or refused.
    pub approved: bool,
    /// Who decided.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why (required to refuse).
    pub reason: Option<String>,
    /// Until when an approval's link works.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many downloads an approval's link allows.
    pub max_uses: Option<u32>,
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownloadRequest {
    /// Its number.
    pub id: i64,
    /// Who asked.
    pub account: String,
    /// The project holding the file.
    pub project: String,
    /// The file.
    pub sha256: String,
    /// Why.
    pub purpose: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why (a refusal's reason, or an approval's note).
    pub reason: Option<String>,
    /// Until when the link works.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many downloads the link allows.
    pub max_uses: Option<u32>,
    /// How many it has served.
    pub uses: u32,
}

/// Which requests to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadRequestQuery {
    /// Only this account's.
    pub account: Option<String>,
    /// Only those in this status.
    pub status: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// Access levels, requests and their links.
#[async_trait]
pub trait DownloadStore: Send + Sync {
    /// Sets the access level of a project's file; [`StoreError::NotFound`] when the project
    /// holds no such file.
    async fn set_file_access(
        &self,
        project: &ProjectCode,
        sha256: &ContentHash,
        access: Access,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Files a request; [`StoreError::Conflict`] while the account has one pending for the
    /// same file.
    async fn add_download_request(&self, r: &NewDownloadRequest) -> Result<DownloadRequest>;

    /// One request.
    async fn download_request(&self, id: i64) -> Result<Option<DownloadRequest>>;

    /// Requests, newest first.
    async fn download_requests(&self, q: &DownloadRequestQuery) -> Result<Vec<DownloadRequest>>;

    /// Decides a pending request; [`StoreError::Conflict`] when it was decided already.
    async fn decide_download_request(
        &self,
        id: i64,
        d: &DownloadDecision,
    ) -> Result<DownloadRequest>;

    /// Counts one download on an approved request's link if it has uses left: the uses so far,
    /// or `None` when it has none left (or is not approved).
    async fn use_download_link(&self, id: i64) -> Result<Option<u32>>;
}

const COLUMNS: &str = "id, account, project_code, sha256, purpose, status, requested_at, \
     decided_by, decided_at, reason, expires_at, max_uses, uses";
pub(crate) static ADD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO download_requests (account, project_code, sha256, purpose, requested_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    )
});
pub(crate) static ONE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {COLUMNS} FROM download_requests WHERE id = $1"));
pub(crate) static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM download_requests WHERE ($1 IS NULL OR account = $1) \
         AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
    )
});
pub(crate) static DECIDE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE download_requests SET status = $2, decided_by = $3, decided_at = $4, \
         reason = $5, expires_at = $6, max_uses = $7 WHERE id = $1 AND status = 'pending' \
         RETURNING {COLUMNS}"
    )
});
/// One more use, only while uses are left: two downloads at once cannot both take the last.
pub(crate) const USE: &str = "UPDATE download_requests SET uses = uses + 1 WHERE id = $1 \
     AND status = 'approved' AND uses < max_uses RETURNING uses";

/// A request row.
#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    account: String,
    project_code: String,
    sha256: String,
    purpose: String,
    status: String,
    requested_at: DateTime<Utc>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    max_uses: Option<i32>,
    uses: i32,
}

pub(crate) fn record(r: Row) -> DownloadRequest {
    DownloadRequest {
        id: r.id,
        account: r.account,
        project: r.project_code,
        sha256: r.sha256,
        purpose: r.purpose,
        status: r.status,
        requested_at: r.requested_at,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        reason: r.reason,
        expires_at: r.expires_at,
        max_uses: r.max_uses.and_then(|u| u32::try_from(u).ok()),
        uses: u32::try_from(r.uses).unwrap_or_default(),
    }
}

pub(crate) fn no_file(project: &ProjectCode, sha256: &ContentHash) -> StoreError {
    StoreError::NotFound(format!("file {sha256} of project {project}"))
}

/// [`DownloadStore`] for one backend: `downloads_store!(PgStore, pool, PgError::db, up, up)`.
macro_rules! downloads_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::downloads::DownloadStore for $store {
            async fn set_file_access(
                &self,
                project: &undermap_archive::ProjectCode,
                sha256: &$crate::ContentHash,
                access: undermap_archive::Access,
                by: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                self.$before_write()?;
                let done = sqlx::query($crate::archive::file_sql::SET_ACCESS)
                    .bind(project.as_str())
                    .bind(sha256.as_str())
                    .bind(access.as_str())
                    .bind(by)
                    .bind(at)
                    .execute(self.$pool())
                    .await
                    .map_err($db("setting a file's access"))?;
                if done.rows_affected() == 0 {
                    return Err($crate::downloads::no_file(project, sha256));
                }
                Ok(())
            }

            async fn add_download_request(
                &self,
                r: &$crate::downloads::NewDownloadRequest,
            ) -> $crate::Result<$crate::downloads::DownloadRequest> {
                use $crate::downloads as q;
                self.$before_write()?;
                let row: q::Row = sqlx::query_as(&q::ADD)
                    .bind(&r.account)
                    .bind(r.project.as_str())
                    .bind(r.sha256.as_str())
                    .bind(&r.purpose)
                    .bind(r.requested_at)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!(
                            "{} has a request for file {} waiting for a decision already",
                            r.account, r.sha256
                        ),
                        $db("filing a download request"),
                    ))?;
                Ok(q::record(row))
            }

            async fn download_request(
                &self,
                id: i64,
            ) -> $crate::Result<Option<$crate::downloads::DownloadRequest>> {
                use $crate::downloads as q;
                self.$before_read()?;
                let row: Option<q::Row> = sqlx::query_as(&q::ONE)
                    .bind(id)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("reading a download request"))?;
                Ok(row.map(q::record))
            }

            async fn download_requests(
                &self,
                query: &$crate::downloads::DownloadRequestQuery,
            ) -> $crate::Result<Vec<$crate::downloads::DownloadRequest>> {
                use $crate::downloads as q;
                self.$before_read()?;
                let rows: Vec<q::Row> = sqlx::query_as(&q::LIST)
                    .bind(&query.account)
                    .bind(&query.status)
                    .bind(query.limit)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("listing download requests"))?;
                Ok(rows.into_iter().map(q::record).collect())
            }

            async fn decide_download_request(
                &self,
                id: i64,
                d: &$crate::downloads::DownloadDecision,
            ) -> $crate::Result<$crate::downloads::DownloadRequest> {
                use $crate::downloads as q;
                self.$before_write()?;
                let row: Option<q::Row> = sqlx::query_as(&q::DECIDE)
                    .bind(id)
                    .bind(if d.approved { "approved" } else { "refused" })
                    .bind(&d.by)
                    .bind(d.at)
                    .bind(&d.reason)
                    .bind(d.expires_at)
                    .bind(d.max_uses.map(|u| i32::try_from(u).unwrap_or(i32::MAX)))
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("deciding a download request"))?;
                match row {
                    Some(r) => Ok(q::record(r)),
                    None => match self.download_request(id).await? {
                        Some(r) => Err($crate::StoreError::Conflict(format!(
                            "download request {id} was {} already",
                            r.status
                        ))),
                        None => Err($crate::StoreError::NotFound(format!(
                            "download request {id}"
                        ))),
                    },
                }
            }

            async fn use_download_link(&self, id: i64) -> $crate::Result<Option<u32>> {
                use $crate::downloads as q;
                self.$before_write()?;
                let uses: Option<i32> = sqlx::query_scalar(q::USE)
                    .bind(id)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("counting a download"))?;
                Ok(uses.and_then(|u| u32::try_from(u).ok()))
            }
        }
    };
}
pub(crate) use downloads_store;
