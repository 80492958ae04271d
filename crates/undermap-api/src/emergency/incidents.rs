//! Incident queries: `POST /v1/incidents/impact`, `/isolation` and `/downstream`. They answer
//! from memory, so they keep working while the database is away.

use actix_web::{web, HttpResponse};
use undermap_auth::Capability;
use undermap_service::{DownstreamRequest, ImpactRequest, IsolationRequest, Service};

use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

/// `POST /v1/incidents/impact`: everything affected, most critical first.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn impact(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<ImpactRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Incident)?;
    let req = body.into_inner();
    let answer = service.emergency().impact(&req, &caller.view)?;
    let audit = AuditNote {
        returned: u64::try_from(answer.features.len()).ok(),
        area: Some(serde_json::json!({
            "crs": answer.crs,
            "type": req.geometry.get("type"),
            "radius_m": answer.radius_m,
        })),
        detail: None,
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}

/// `POST /v1/incidents/isolation`: the valves to close for a break, what loses supply.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn isolation(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<IsolationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Incident)?;
    let req = body.into_inner();
    let answer = service.emergency().isolation(&req, &caller.view).await?;
    let audit = AuditNote {
        returned: u64::try_from(answer.valves_to_close.features.len()).ok(),
        area: Some(serde_json::json!({
            "crs": req.crs.as_deref().unwrap_or("OGC:CRS84"),
            "point": req.point,
        })),
        detail: Some(format!("break on {}", answer.broken.feature_id)),
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}

/// `POST /v1/incidents/downstream`: what lies downstream of a point in the drainage network.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn downstream(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<DownstreamRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Incident)?;
    let req = body.into_inner();
    let answer = service.emergency().downstream(&req, &caller.view).await?;
    let audit = AuditNote {
        returned: u64::try_from(answer.downstream.features.len()).ok(),
        area: Some(serde_json::json!({
            "crs": answer.crs,
            "point": req.point,
        })),
        detail: Some(format!("downstream of {}", answer.start.feature_id)),
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}
