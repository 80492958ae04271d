use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::Service;

use crate::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeatureQuery {
    crs: Option<String>,
}

/// `GET /v1/features/{id}?crs=…`: the current version of a feature as GeoJSON.
#[tracing::instrument(skip(service))]
pub(crate) async fn get(
    service: web::Data<Service>,
    id: web::Path<String>,
    query: web::Query<FeatureQuery>,
) -> Result<HttpResponse, ApiError> {
    let feature = service.feature(&id, query.crs.as_deref())?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(feature))
}
