use actix_web::{web, HttpResponse};
use undermap_service::Service;

use crate::ApiError;

/// `GET /healthz`: the process is up.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: `ready` (200), `degraded` (200: reads answer from the in-memory index while
/// the store is unreachable; writes get 503), or not ready (503: no index loaded yet).
#[tracing::instrument(skip(service))]
pub(crate) async fn readyz(service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let r = service.readiness().await;
    let body = serde_json::json!({
        "status": r.state(),
        "store_reachable": r.store_reachable,
        "index_loaded": r.index_loaded,
        "features": r.features,
        "data_as_of": r.data_as_of,
        "stale": r.stale,
    });
    if r.index_loaded {
        Ok(HttpResponse::Ok().json(body))
    } else {
        Err(ApiError::Unavailable(format!(
            "not ready: no index loaded yet (store reachable: {})",
            r.store_reachable
        )))
    }
}
