use actix_web::{web, HttpResponse};
use undermap_service::Service;

use crate::security::Caller;
use crate::ApiError;

/// `GET /v1/layers`: every layer with its feature count and extent.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(undermap_auth::Capability::Read)?;
    let layers = service.map().layers(&caller.view)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "layers": layers })))
}
