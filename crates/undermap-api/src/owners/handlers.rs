use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::{InboxFilter, OwnerInput, ResponseInput, Service};

use crate::security::{noted, Caller};
use crate::ApiError;

/// `GET /v1/owners`: every registered owner (names, contacts, emergency phone), and `mine`:
/// those whose tickets the caller may answer (every one for administrators).
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let owners = service.owners().list();
    let mine: Vec<&str> = if caller.asker().all {
        owners.iter().map(|o| o.id.as_str()).collect()
    } else {
        owners
            .iter()
            .filter(|o| o.accounts.iter().any(|a| *a == caller.account))
            .map(|o| o.id.as_str())
            .collect()
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "owners": owners, "mine": mine })))
}

/// `GET /v1/owners/{id}`: one registered owner.
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    Ok(HttpResponse::Ok().json(&*service.owners().get(&id)?))
}

/// `PUT /v1/owners/{id}`: registers an owner or replaces its entry (administrators).
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn put(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<OwnerInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Admin)?;
    let record = service.owners().put(&id, body.into_inner()).await?;
    let detail = format!("owner {} ({} names)", record.id, record.names.len());
    Ok(noted(HttpResponse::Ok().json(&record), detail))
}

/// Query of `GET /v1/owners/{id}/tickets`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InboxQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// `GET /v1/owners/{id}/tickets?status=open|answered|all&limit=50`: the tickets that asked an
/// owner, newest first, for the accounts that answer for it.
pub(crate) async fn inbox(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter: InboxFilter = q.status.as_deref().unwrap_or("open").parse()?;
    let items = service
        .owners()
        .inbox(&id, filter, q.limit.unwrap_or(50), caller.asker())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "owner": *id, "tickets": items })))
}

/// `POST /v1/excavation-checks/{id}/responses`: an owner's answer (`owner`, `code`, `note`), as
/// JSON or as a form (`response` JSON, then up to five `file` parts: marked-up drawings, photos).
#[tracing::instrument(skip(service, caller, req, payload), fields(account = %caller.account))]
pub(crate) async fn respond(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (input, files): (ResponseInput, _) =
        crate::forms::json_with_files(&service, &req, payload, "response", "file").await?;
    let record = service
        .owners()
        .respond(&id, input, files, caller.asker())
        .await?;
    let detail = format!(
        "{} answer {} {} {}",
        record.ticket_id, record.seq, record.owner, record.code
    );
    Ok(noted(
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/v1/excavation-checks/{}/status", record.ticket_id),
            ))
            .json(&record),
        detail,
    ))
}

/// `GET /v1/excavation-checks/{id}/responses/files/{sha256}`: a file attached to an answer, to
/// those who may see the ticket.
pub(crate) async fn answer_file(
    service: web::Data<Service>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sha256) = path.into_inner();
    let (file, bytes) = service
        .owners()
        .answer_file(&id, &sha256, caller.asker())
        .await?;
    Ok(crate::forms::attachment(&file, bytes))
}

/// `GET /v1/excavation-checks/{id}/status`: the ticket's state, every version of it, and the
/// owners' answers; to its holder, the owners it asked and roles that read every ticket.
pub(crate) async fn status(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let status = service
        .owners()
        .status(&id, caller.asker(), chrono::Utc::now())
        .await?;
    Ok(HttpResponse::Ok().json(&status))
}

/// `GET /v1/excavation-checks/{id}/notifications`: every attempt to deliver the ticket to the
/// owners' webhooks (administrators and roles that read every ticket).
pub(crate) async fn attempts(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !caller.asker().all {
        caller.require(Capability::Tickets)?;
    }
    let attempts = service.owners().attempts(&id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ticket": *id, "attempts": attempts })))
}

/// Body of `POST /v1/excavation-checks/{id}/justification`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JustificationBody {
    reason: String,
}

/// `POST /v1/excavation-checks/{id}/justification`: the reason for an emergency ticket, given
/// once by its holder.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn justify(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<JustificationBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Check)?;
    let status = service
        .owners()
        .justify(
            &id,
            &body.reason,
            &caller.account,
            caller.can(Capability::Admin),
        )
        .await?;
    let detail = format!("{} justified ({})", status.record.ticket_id, status.flag);
    Ok(noted(HttpResponse::Created().json(&status), detail))
}

/// Query of `GET /v1/emergency-tickets`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmergencyQuery {
    holder: Option<String>,
    limit: Option<i64>,
}

/// `GET /v1/emergency-tickets[?holder=]`: emergency tickets with their flags (`due`,
/// `justified`, `late`, `unjustified`): one's own, or anyone's for administrators.
pub(crate) async fn emergencies(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<EmergencyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let q = query.into_inner();
    let admin = caller.can(Capability::Admin) || caller.can(Capability::Tickets);
    let holder = match (&q.holder, admin) {
        (Some(h), true) => Some(h.as_str()),
        (None, true) => None,
        (Some(h), false) if *h != caller.account => {
            return Err(ApiError::Service(
                undermap_service::ServiceError::Forbidden(
                    "only administrators read another holder's emergency tickets".into(),
                ),
            ))
        }
        (_, false) => Some(caller.account.as_str()),
    };
    let items = service
        .owners()
        .emergencies(holder, q.limit.unwrap_or(100))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "emergency_tickets": items })))
}
