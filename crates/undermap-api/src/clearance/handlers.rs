use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::{ClearanceRequest, Service};

use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

/// `POST /v1/clearance-checks`: checks a planned route and issues a numbered, signed report to
/// the caller.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<ClearanceRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Plan)?;
    let issued = service
        .clearance()
        .check(body.into_inner(), &caller.view, Some(&caller.account))
        .await?;
    let audit = AuditNote {
        returned: u64::try_from(issued.features).ok(),
        area: None,
        detail: Some(format!("{} {}", issued.number, issued.verdict)),
    };
    Ok(note(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/clearance-checks/{}", issued.number),
            ))
            .content_type("application/json")
            .body(issued.body),
        audit,
    ))
}

/// Who may read a report: its holder, or roles that read every ticket and report.
fn viewer(caller: &Caller) -> Option<&str> {
    (!caller.can(Capability::Tickets)).then_some(caller.account.as_str())
}

/// `GET /v1/clearance-checks/{number}`: a report, byte for byte as issued.
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let body = service.clearance().report(&number, viewer(&caller)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// Query of `GET /v1/clearance-checks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    limit: Option<usize>,
}

/// `GET /v1/clearance-checks?limit=50`: the caller's reports (every report for roles that read
/// every ticket), newest first.
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let reports = service
        .clearance()
        .reports(viewer(&caller), query.limit.unwrap_or(50))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "reports": reports })))
}

/// Query of `GET /v1/clearance-checks/{number}/verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyQuery {
    signature: Option<String>,
}

/// `GET /v1/clearance-checks/{number}/verify[?signature=…]`: whether a report is this
/// server's and unchanged; open to anyone who has its signature (the printout's QR code).
pub(crate) async fn verify(
    service: web::Data<Service>,
    caller: Option<Caller>,
    number: web::Path<String>,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    match (&caller, &q.signature) {
        (None, None) => {
            return Err(ApiError::BadParameter(
                "give the report's signature (signature=…, as its QR code carries it), or sign in"
                    .into(),
            ))
        }
        // Without the printed signature, only those who may read the report learn of it.
        (Some(caller), None) => {
            service.clearance().report(&number, viewer(caller)).await?;
        }
        _ => {}
    }
    let check = service
        .clearance()
        .verify(&number, q.signature.as_deref())
        .await?;
    let audit = AuditNote::verification(&check.number, check.valid);
    Ok(note(HttpResponse::Ok().json(check), audit))
}

/// `GET /v1/clearance-table`: the clearance table checks use, every row with its source.
pub(crate) async fn table(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    Ok(HttpResponse::Ok().json(&*service.config().clearance))
}

/// Query of `GET /v1/cross-section`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SectionQuery {
    line: String,
    crs: Option<String>,
    f: Option<String>,
}

/// `GET /v1/cross-section?line=x1,y1,x2,y2&crs=[&f=svg]`: every network line crossing the cut,
/// in order, with depths and sizes, and its drawing (JSON with `svg`, or the SVG alone with
/// `f=svg` or `Accept: image/svg+xml`).
pub(crate) async fn cross_section(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<SectionQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let q = query.into_inner();
    let svg = match q.f.as_deref() {
        Some("svg") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::BadParameter(format!(
                "f={other:?}: give f=json (the default) or f=svg"
            )))
        }
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("image/svg+xml") && !a.contains("application/json")),
    };
    let section = service
        .clearance()
        .cross_section(&q.line, q.crs.as_deref(), &caller.view)?;
    caller.spend(section.footprint)?;
    let audit = AuditNote {
        returned: u64::try_from(section.items.len()).ok(),
        area: Some(serde_json::json!({ "crs": section.crs, "line": section.line })),
        detail: None,
    };
    let response = if svg {
        HttpResponse::Ok()
            .content_type("image/svg+xml")
            .insert_header((header::CONTENT_SECURITY_POLICY, crate::html::PRINT_CSP))
            .body(section.svg)
    } else {
        HttpResponse::Ok().json(section)
    };
    Ok(note(response, audit))
}
