//! Downloads by access level: the archive office sets a file's level; a reader who may only
//! ask for a file files a request with a purpose; an archivist approves (the request's link
//! then works for the configured hours and number of downloads) or refuses with a reason. The
//! link serves only the account that asked; every use is counted in the store, so two
//! downloads at once cannot both take the last.

use chrono::{Duration, Utc};
use serde::Deserialize;
use undermap_archive::access::Decision;
use undermap_archive::{Access, ProjectCode};
use undermap_store::{
    ContentHash, DownloadDecision, DownloadRequest, DownloadRequestQuery, NewDownloadRequest,
};

use crate::archive::{KeptFile, Reader};
use crate::{Service, ServiceError};

/// Longest purpose or reason, characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most requests a list holds.
pub const MAX_LIST: i64 = 500;

/// A request as a client files it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// The file's SHA-256.
    pub sha256: String,
    /// The project holding it (default: the first that holds it and the caller may ask of).
    #[serde(default)]
    pub project: Option<String>,
    /// Why the file is needed.
    pub purpose: String,
}

/// An archivist's decision as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Approve, or refuse.
    pub approve: bool,
    /// Why (required to refuse).
    #[serde(default)]
    pub reason: Option<String>,
}

fn text(field: &str, value: &str) -> Result<String, ServiceError> {
    let value = value.trim();
    let n = value.chars().count();
    if n == 0 || n > MAX_TEXT_CHARS {
        return Err(ServiceError::unprocessable(
            field,
            format!("give 1 to {MAX_TEXT_CHARS} characters"),
        ));
    }
    undermap_core::text::plain(field, value)?;
    Ok(value.to_owned())
}

/// Downloads: `service.downloads()`.
#[derive(Debug, Clone, Copy)]
pub struct Downloads<'a> {
    app: &'a Service,
}

impl Service {
    /// File access levels, download requests and their links.
    #[must_use]
    pub fn downloads(&self) -> Downloads<'_> {
        Downloads { app: self }
    }
}

impl Downloads<'_> {
    /// Sets the access level of a project's file (the archive office).
    pub async fn set_access(
        &self,
        code: &str,
        sha256: &str,
        access: &str,
        by: &str,
    ) -> Result<Access, ServiceError> {
        let code: ProjectCode = code.parse()?;
        let hash: ContentHash = sha256.parse()?;
        let access: Access = access.parse()?;
        self.app
            .store()
            .set_file_access(&code, &hash, access, by, Utc::now())
            .await?;
        Ok(access)
    }

    /// Files a request for a file `reader` may ask for (not one they may download already,
    /// nor one they may not see).
    pub async fn request(
        &self,
        input: &RequestInput,
        reader: &Reader,
        account: &str,
    ) -> Result<DownloadRequest, ServiceError> {
        let hash: ContentHash = input.sha256.parse()?;
        let purpose = text("purpose", &input.purpose)?;
        let wanted = input
            .project
            .as_deref()
            .map(str::parse::<ProjectCode>)
            .transpose()?;
        let store = self.app.store();
        let mut readable = None;
        let mut askable = None;
        for r in store.file_records(&hash).await? {
            if wanted.as_ref().is_some_and(|w| w.as_str() != r.project) {
                continue;
            }
            let code: ProjectCode = r.project.parse()?;
            let Some(p) = store.project(&code).await? else {
                continue;
            };
            match reader.decide(r.access, p.project.unit_code.as_str()) {
                Decision::Read => readable = readable.or(Some(code)),
                Decision::Ask => askable = askable.or(Some(code)),
                Decision::Hidden => {}
            }
        }
        let Some(project) = askable else {
            return Err(match readable {
                Some(code) => ServiceError::Conflict(format!(
                    "you may download file {hash} of project {code} already: GET /v1/files/{hash}"
                )),
                None => ServiceError::NotFound {
                    what: format!("file {hash}"),
                },
            });
        };
        Ok(store
            .add_download_request(&NewDownloadRequest {
                account: account.to_owned(),
                project,
                sha256: hash,
                purpose,
                requested_at: Utc::now(),
            })
            .await?)
    }

    /// Requests: one account's (`Some`), or everyone's (the archive office), newest first.
    pub async fn list(
        &self,
        account: Option<&str>,
        status: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Vec<DownloadRequest>, ServiceError> {
        if let Some(s) = status {
            if !matches!(s, "pending" | "approved" | "refused") {
                return Err(ServiceError::bad(
                    "status",
                    format!("unknown status {s:?}: give pending, approved or refused"),
                ));
            }
        }
        let limit = limit.unwrap_or(100);
        ServiceError::count_within("limit", limit, MAX_LIST)?;
        Ok(self
            .app
            .store()
            .download_requests(&DownloadRequestQuery {
                account: account.map(str::to_owned),
                status: status.map(str::to_owned),
                limit,
            })
            .await?)
    }

    /// One request, to its account (`Some`) or to the archive office (`None`).
    pub async fn get(
        &self,
        id: i64,
        account: Option<&str>,
    ) -> Result<DownloadRequest, ServiceError> {
        match self.app.store().download_request(id).await? {
            Some(r) if account.is_none_or(|a| a == r.account) => Ok(r),
            _ => Err(ServiceError::NotFound {
                what: format!("download request {id}"),
            }),
        }
    }

    /// Approves or refuses a pending request.
    pub async fn decide(
        &self,
        id: i64,
        input: &DecisionInput,
        by: &str,
    ) -> Result<DownloadRequest, ServiceError> {
        let reason = input
            .reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| text("reason", r))
            .transpose()?;
        if !input.approve && reason.is_none() {
            return Err(ServiceError::unprocessable(
                "reason",
                "say why the request is refused",
            ));
        }
        let policy = self.app.config().archive.download_links;
        let now = Utc::now();
        Ok(self
            .app
            .store()
            .decide_download_request(
                id,
                &DownloadDecision {
                    approved: input.approve,
                    by: by.to_owned(),
                    at: now,
                    reason,
                    expires_at: input
                        .approve
                        .then(|| now + Duration::hours(i64::from(policy.valid_hours))),
                    max_uses: input.approve.then_some(policy.uses),
                },
            )
            .await?)
    }

    /// Takes one use of an approved request's link for the account that asked: the file and
    /// the request (its purpose goes into the audit). Refused while pending (409), when
    /// refused (403), past its time or its count (410).
    pub async fn use_link(
        &self,
        id: i64,
        account: &str,
    ) -> Result<(KeptFile, DownloadRequest), ServiceError> {
        let request = self.get(id, Some(account)).await?;
        match request.status.as_str() {
            "pending" => {
                return Err(ServiceError::Conflict(format!(
                    "download request {id} is waiting for an archivist's decision"
                )))
            }
            "refused" => {
                return Err(ServiceError::Forbidden(format!(
                    "download request {id} was refused: {}",
                    request.reason.as_deref().unwrap_or("no reason given")
                )))
            }
            _ => {}
        }
        if let Some(expiry) = request.expires_at.filter(|e| *e <= Utc::now()) {
            return Err(ServiceError::Gone(format!(
                "the link of download request {id} expired at {expiry}; file a new request"
            )));
        }
        let Some(uses) = self.app.store().use_download_link(id).await? else {
            return Err(ServiceError::Gone(format!(
                "the link of download request {id} has been used its {} times; file a new \
                 request",
                request.max_uses.unwrap_or_default()
            )));
        };
        let hash: ContentHash = request.sha256.parse()?;
        let record = self
            .app
            .store()
            .file_records(&hash)
            .await?
            .into_iter()
            .find(|r| r.project == request.project)
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("file {hash} of project {}", request.project),
            })?;
        let file = KeptFile {
            held_by: format!("project {}", record.project),
            sha256: record.sha256,
            size: record.size,
            media_type: record.media_type,
            file_name: record.file_name,
        };
        Ok((file, DownloadRequest { uses, ..request }))
    }
}
