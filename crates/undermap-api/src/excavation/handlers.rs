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
        .excavation()
        .check(req, &caller.view, Some(&caller.account))
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
    let ticket = match service.excavation().ticket(&id, viewer).await {
        // The owners a ticket asked read it too, to answer it.
        Err(e @ undermap_service::ServiceError::NotFound { .. }) => {
            let asked = match id.parse() {
                Ok(t) => service.owners().asks_owner_of(&t, &caller.account).await,
                Err(_) => false,
            };
            if !asked {
                return Err(e.into());
            }
            service.excavation().ticket(&id, None).await?
        }
        other => other?,
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(ticket.body))
}

/// Query of `GET /v1/excavation-checks/{id}/verify`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyQuery {
    /// The signature printed with the ticket (its QR code carries it).
    signature: Option<String>,
}

/// `GET /v1/excavation-checks/{id}/verify[?signature=…]`: whether a ticket is the server's,
/// unchanged since it was issued, and still valid. Open to anyone who has the signature (a
/// printout's QR code); account holders may leave it out.
#[tracing::instrument(skip(service, req, query))]
pub(crate) async fn verify(
    service: web::Data<Service>,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let signed_in = actix_web::HttpMessage::extensions(&req)
        .get::<std::sync::Arc<undermap_auth::Principal>>()
        .is_some();
    let q = query.into_inner();
    if !signed_in && q.signature.is_none() {
        return Err(ApiError::BadParameter(
            "give the ticket's signature (signature=…, as its QR code carries it), or sign in"
                .into(),
        ));
    }
    let check = service
        .excavation()
        .verify(&path, q.signature.as_deref())
        .await?;
    let audit = AuditNote::verification(&check.id, check.valid);
    Ok(note(HttpResponse::Ok().json(check), audit))
}

/// `GET /v1/tickets/public-key`: the key tickets are signed with, for offline checks
/// (`undermap verify-ticket --public-key …`).
pub(crate) async fn public_key(service: web::Data<Service>) -> HttpResponse {
    let verifier = service.config().ticket_signer.verifier();
    HttpResponse::Ok().json(serde_json::json!({
        "alg": undermap_service::KEY_ALGORITHM,
        "key_id": verifier.key_id(),
        "public_key": verifier.to_base64(),
        "canonical_json": "the ticket without `signature`, object keys sorted by their UTF-8 bytes at every level, no white space",
    }))
}

/// Query of `GET /v1/excavation-checks`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    limit: Option<usize>,
}

/// `GET /v1/excavation-checks?limit=50`: the caller's own tickets, newest first.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let tickets = service
        .excavation()
        .tickets_of(&caller.account, query.limit.unwrap_or(50))
        .await?;
    let audit = AuditNote {
        returned: u64::try_from(tickets.len()).ok(),
        ..AuditNote::default()
    };
    Ok(note(
        HttpResponse::Ok().json(serde_json::json!({ "tickets": tickets })),
        audit,
    ))
}
