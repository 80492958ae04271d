use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::{DecisionInput, RequestInput, Service};

use crate::archive::{files::send_file, scope};
use crate::security::{noted, Caller};
use crate::ApiError;

/// Body of `PUT /v1/projects/{code}/files/{sha256}/access`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessInput {
    access: String,
}

/// `PUT /v1/projects/{code}/files/{sha256}/access {access}`: open, on_request or restricted
/// (the archive office).
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn set_access(
    service: web::Data<Service>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<AccessInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let (code, sha256) = path.into_inner();
    let access = service
        .downloads()
        .set_access(&code, &sha256, &body.access, &caller.account)
        .await?;
    let detail = format!("file {sha256} of project {code} is now {}", access.as_str());
    Ok(noted(
        HttpResponse::Ok().json(serde_json::json!({
            "project": code, "sha256": sha256, "access": access,
        })),
        detail,
    ))
}

/// `POST /v1/download-requests {sha256, project?, purpose}`: asks for a file the caller may
/// only ask for.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn request(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<RequestInput>,
) -> Result<HttpResponse, ApiError> {
    let reader = scope::reader(&caller)?;
    let r = service
        .downloads()
        .request(&body, &reader, &caller.account)
        .await?;
    let detail = format!(
        "download request {} for file {} of project {}: {}",
        r.id, r.sha256, r.project, r.purpose
    );
    Ok(noted(
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/v1/download-requests/{}", r.id),
            ))
            .json(&r),
        detail,
    ))
}

/// Query of `GET /v1/download-requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    /// Only the caller's own (the archive office sees everyone's otherwise).
    mine: Option<bool>,
}

/// The account whose requests the caller reads: its own, or (the archive office) everyone's.
fn whose(caller: &Caller, mine: bool) -> Option<&str> {
    (mine || !caller.can(Capability::Archive)).then_some(caller.account.as_str())
}

/// `GET /v1/download-requests[?status=&mine=true]`: the caller's requests, newest first; the
/// archive office's list is everyone's.
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let requests = service
        .downloads()
        .list(
            whose(&caller, query.mine.unwrap_or(false)),
            query.status.as_deref(),
            query.limit,
        )
        .await?;
    // `office`: whether the caller decides requests (the web map shows the buttons).
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "requests": requests,
        "office": caller.can(Capability::Archive),
    })))
}

/// `GET /v1/download-requests/{id}`: one request, to its account or the archive office.
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let r = service.downloads().get(*id, whose(&caller, false)).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// `POST /v1/download-requests/{id}/decision {approve, reason?}` (the archive office).
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn decide(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let r = service
        .downloads()
        .decide(*id, &body, &caller.account)
        .await?;
    let detail = format!(
        "download request {} {}{}",
        r.id,
        r.status,
        r.reason
            .as_deref()
            .map(|x| format!(": {x}"))
            .unwrap_or_default()
    );
    Ok(noted(HttpResponse::Ok().json(&r), detail))
}

/// `GET /v1/download-requests/{id}/file`: the approved file, to the account that asked,
/// within the link's time and count; audited with the request's purpose.
#[tracing::instrument(skip(service, caller, req), fields(account = %caller.account))]
pub(crate) async fn file(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let (file, r) = service.downloads().use_link(*id, &caller.account).await?;
    let detail = format!(
        "sha256 {} of {} by download request {} (use {} of {}), purpose: {}",
        file.sha256,
        file.held_by,
        r.id,
        r.uses,
        r.max_uses.unwrap_or_default(),
        r.purpose
    );
    send_file(&service, &req, &file, detail, true).await
}
