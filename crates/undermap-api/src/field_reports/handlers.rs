use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_core::ReportStatus;
use undermap_service::{ClaimInput, ReportInput, Service, ServiceError};
use undermap_store::ReportQuery;

use crate::security::{noted, Caller};
use crate::ApiError;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

/// Crews file reports: the roles that run checks or handle incidents.
fn may_report(caller: &Caller) -> Result<(), ApiError> {
    if caller.can(Capability::Check) || caller.can(Capability::Incident) {
        Ok(())
    } else {
        caller.require(Capability::Check)
    }
}

/// `POST /v1/field-reports`: a report from site, as JSON or as a form (`report` JSON, then up
/// to five `photo` files).
#[tracing::instrument(skip(service, caller, req, payload), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    may_report(&caller)?;
    let (input, photos): (ReportInput, _) =
        crate::forms::json_with_files(&service, &req, payload, "report", "photo").await?;
    let report = service
        .field_reports()
        .submit(input, photos, caller.asker())
        .await?;
    let detail = format!("{} {}", report.number, report.row.report.report_type);
    Ok(noted(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/field-reports/{}", report.number),
            ))
            .json(&report),
        detail,
    ))
}

/// Query of `GET /v1/field-reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    feature_id: Option<String>,
    #[serde(rename = "type")]
    report_type: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
}

/// A day (`2026-12-01`, its start in UTC) or an RFC 3339 time.
fn moment(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(d) = text.parse::<NaiveDate>() {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            bad(format!(
                "{field}: {text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"
            ))
        })
}

/// `GET /v1/field-reports`: reports, newest first, each with its status now.
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let q = query.into_inner();
    let status: Option<ReportStatus> = q
        .status
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(ServiceError::from)?;
    let reports = service
        .field_reports()
        .list(
            &ReportQuery {
                from: q.from.as_deref().map(|t| moment("from", t)).transpose()?,
                to: q.to.as_deref().map(|t| moment("to", t)).transpose()?,
                feature_id: q.feature_id,
                report_type: q.report_type,
                limit: q.limit.unwrap_or(100),
            },
            status,
        )
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "field_reports": reports })))
}

/// `GET /v1/field-reports/{id}`.
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    Ok(HttpResponse::Ok().json(service.field_reports().get(&id).await?))
}

/// `POST /v1/field-reports/{id}/claim`: the owner of the report's asset takes it on.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn claim(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ClaimInput>,
) -> Result<HttpResponse, ApiError> {
    let report = service
        .field_reports()
        .claim(&id, body.into_inner(), caller.asker())
        .await?;
    let detail = format!("{} claimed", report.number);
    Ok(noted(HttpResponse::Ok().json(&report), detail))
}

/// Query of `GET /v1/field-reports/stats`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatsQuery {
    from: String,
    to: String,
    format: Option<String>,
}

/// `GET /v1/field-reports/stats?from=&to=[&format=csv]`: strikes per 1,000 tickets by cause,
/// by owner, with and without a ticket; as CSV, the strikes one a line.
pub(crate) async fn stats(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    if !caller.asker().all {
        caller.require(Capability::Tickets)?;
    }
    let (from, to) = (moment("from", &query.from)?, moment("to", &query.to)?);
    match query.format.as_deref() {
        None | Some("json") => {
            Ok(HttpResponse::Ok().json(service.field_reports().stats(from, to).await?))
        }
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"strikes-{}-{}.csv\"",
                    query.from, query.to
                ),
            ))
            .body(service.field_reports().strikes_csv(from, to).await?)),
        Some(other) => Err(bad(format!("format: {other:?}; give json or csv"))),
    }
}

/// `GET /v1/field-reports/{id}/photos/{sha256}`: a report's photo, to its reporter, its asset's
/// owner and roles that read every report.
pub(crate) async fn photo(
    service: web::Data<Service>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let (id, sha256) = path.into_inner();
    let (photo, bytes) = service
        .field_reports()
        .photo(&id, &sha256, caller.asker())
        .await?;
    Ok(crate::forms::attachment(&photo, bytes))
}
