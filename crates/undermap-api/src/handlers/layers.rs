use actix_web::{web, HttpResponse};
use undermap_service::Service;

use crate::ApiError;

/// `GET /v1/layers`: every layer with its feature count and extent.
#[tracing::instrument(skip(service))]
pub(crate) async fn list(service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let layers = service.layers()?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "layers": layers })))
}
