use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::{ProjectRequest, ProjectsQuery, Service};
use undermap_store::Intake;

use super::scope;
use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

/// `GET /v1/archive/categories`: the code lists (project categories, file categories, what each
/// project category owes).
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn categories(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if !caller.can(Capability::Intake) {
        scope::reading(&caller).or_else(|_| scope::uploading(&caller))?;
    }
    Ok(HttpResponse::Ok().json(&service.config().archive.catalogue))
}

/// `POST /v1/projects`: registers a project; 201 with it.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let project = service
        .archive()
        .register(body.into_inner(), Some(&caller.account))
        .await?;
    let detail = Some(project.code.clone());
    Ok(note(
        HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/projects/{}", project.code)))
            .json(&project),
        AuditNote {
            detail,
            ..AuditNote::default()
        },
    ))
}

/// `POST /v1/projects/intake`: the approval system pushes a project; 201 when new, 200 when
/// known (updated or unchanged), with `outcome`.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn intake(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    if !caller.can(Capability::Archive) {
        caller.require(Capability::Intake)?;
    }
    let (outcome, project) = service
        .archive()
        .intake(body.into_inner(), Some(&caller.account))
        .await?;
    let (mut response, word) = match outcome {
        Intake::Created => (HttpResponse::Created(), "created"),
        Intake::Updated => (HttpResponse::Ok(), "updated"),
        Intake::Unchanged => (HttpResponse::Ok(), "unchanged"),
    };
    let detail = Some(format!("{} {word}", project.code));
    Ok(note(
        response
            .insert_header((header::LOCATION, format!("/v1/projects/{}", project.code)))
            .json(serde_json::json!({ "outcome": word, "project": project })),
        AuditNote {
            detail,
            ..AuditNote::default()
        },
    ))
}

/// `GET /v1/projects`: projects by code, filtered, paged.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ProjectsQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::reading(&caller)?;
    let page = service.archive().list(query.into_inner(), &scope).await?;
    let returned = u64::try_from(page.projects.len()).ok();
    Ok(note(
        HttpResponse::Ok().json(&page),
        AuditNote {
            returned,
            ..AuditNote::default()
        },
    ))
}

/// Query of the overdue list and of a unit's record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnQuery {
    /// The day to evaluate the deadlines on (default: today).
    on: Option<NaiveDate>,
}

/// `GET /v1/projects/overdue[?on=YYYY-MM-DD]`: projects past a deadline, most overdue first.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn overdue(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<OnQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::reading(&caller)?;
    let on = query.into_inner().on;
    let items = service.archive().overdue(&scope, on).await?;
    let on = on.unwrap_or_else(|| service.archive().today());
    Ok(HttpResponse::Ok().json(serde_json::json!({ "on": on, "overdue": items })))
}

/// `GET /v1/archive/evaluation`: the last daily evaluation of every project's deadlines (run
/// now if none has run since the server started): counts by deadline and the projects newly
/// overdue since the evaluation before. The archive office and the roles that read the archive.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn evaluation(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if scope::reading(&caller)? != undermap_service::Scope::All {
        caller.require(Capability::Archive)?;
    }
    let archive = service.archive();
    let evaluation = match archive.last_evaluation() {
        Some(e) => e,
        None => archive.evaluate(None).await?,
    };
    Ok(HttpResponse::Ok().json(&*evaluation))
}

/// `POST /v1/archive/evaluation`: evaluates every project's deadlines now, as the daily job
/// does, and keeps it as the last evaluation. The archive office only.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn evaluate(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let evaluation = service.archive().evaluate(None).await?;
    Ok(HttpResponse::Ok().json(&*evaluation))
}

/// Query of a project's page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// CRS of the location in the answer.
    crs: Option<String>,
}

/// `GET /v1/projects/{code}`: a project with its timeline, files, checklist and deadlines.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::reading(&caller)?;
    let mut page = service
        .archive()
        .page(&code, &scope, query.crs.as_deref())
        .await?;
    // The features of layers the caller may not see are not listed (their deliveries are).
    page.features.retain(|f| {
        f.layer
            .parse::<undermap_core::LayerId>()
            .is_ok_and(|l| caller.view.sees_layer(&l))
    });
    Ok(HttpResponse::Ok().json(&page))
}

/// `POST /v1/projects/{code}/events`: records an event; 201 with where the project now stands
/// and the credit entries it made; 409 with what must come first.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn record_event(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let recorded = service
        .archive()
        .record_event(&code, body.into_inner(), Some(&caller.account))
        .await?;
    let detail = Some(format!(
        "{code} event {} {}",
        recorded.event.seq,
        recorded.event.body.name()
    ));
    Ok(note(
        HttpResponse::Created().json(&recorded),
        AuditNote {
            detail,
            ..AuditNote::default()
        },
    ))
}
