use actix_web::http::header;
use actix_web::{web, HttpResponse};
use undermap_service::{CheckRequest, Service};

use undermap_auth::Capability;

use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

/// `POST /v1/excavation-checks`: runs a check and issues a ticket to the caller.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<CheckRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Check)?;
    let req = body.into_inner();
    caller.require_history_if(req.at.is_some())?;
    let area = area_note(&req);
    let ticket = service
        .check_excavation(req, &caller.view, Some(&caller.account))
        .await?;
    let audit = AuditNote {
        returned: ticket.hits.and_then(|n| u64::try_from(n).ok()),
        area,
        detail: Some(ticket.id.to_string()),
    };
    Ok(note(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/excavation-checks/{}", ticket.id),
            ))
            .content_type("application/json")
            .body(ticket.body),
        audit,
    ))
}

/// The checked area for the audit trail: its CRS and envelope (the area itself is in the
/// ticket).
fn area_note(req: &CheckRequest) -> Option<serde_json::Value> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    fn walk(v: &serde_json::Value, xs: &mut Vec<f64>, ys: &mut Vec<f64>) {
        let serde_json::Value::Array(items) = v else {
            return;
        };
        if let [serde_json::Value::Number(a), serde_json::Value::Number(b), ..] = items.as_slice() {
            if let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) {
                xs.push(a);
                ys.push(b);
            }
        } else {
            for i in items {
                walk(i, xs, ys);
            }
        }
    }
    walk(req.area.get("coordinates")?, &mut xs, &mut ys);
    let fold = |v: &[f64], f: fn(f64, f64) -> f64| v.iter().copied().reduce(f);
    Some(serde_json::json!({
        "crs": req.crs.as_deref().unwrap_or("OGC:CRS84"),
        "envelope": [fold(&xs, f64::min)?, fold(&ys, f64::min)?, fold(&xs, f64::max)?, fold(&ys, f64::max)?],
    }))
}

/// `GET /v1/excavation-checks/{id}`: the ticket, byte for byte as issued, to the account it
/// was issued to (or to roles that may read every ticket).
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let viewer = (!caller.can(Capability::Tickets)).then_some(caller.account.as_str());
    let ticket = service.ticket(&id, viewer).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(ticket.body))
}
