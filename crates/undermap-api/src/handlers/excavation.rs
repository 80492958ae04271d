use actix_web::http::header;
use actix_web::{web, HttpResponse};
use undermap_service::{CheckRequest, Service};

use crate::ApiError;

/// `POST /v1/excavation-checks`: runs a check and issues a ticket.
#[tracing::instrument(skip(service, body))]
pub(crate) async fn create(
    service: web::Data<Service>,
    body: web::Json<CheckRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = service.check_excavation(body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/excavation-checks/{}", ticket.id),
        ))
        .content_type("application/json")
        .body(ticket.body))
}

/// `GET /v1/excavation-checks/{id}`: the ticket, byte for byte as issued.
#[tracing::instrument(skip(service))]
pub(crate) async fn get(
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = service.ticket(&id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(ticket.body))
}
