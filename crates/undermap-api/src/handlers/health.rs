use actix_web::{web, HttpResponse};
use undermap_service::Service;

use crate::ApiError;

/// `GET /healthz`: the process is up.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and the index is loaded.
#[tracing::instrument(skip(service))]
pub(crate) async fn readyz(service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let r = service.readiness().await;
    if r.is_ready() {
        Ok(HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            "store_reachable": r.store_reachable,
            "index_loaded": r.index_loaded,
            "features": r.features,
        })))
    } else {
        Err(ApiError::Unavailable(format!(
            "not ready: store reachable = {}, index loaded = {} ({} features)",
            r.store_reachable, r.index_loaded, r.features
        )))
    }
}
