use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::{parse_at, Service};

use crate::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeatureQuery {
    crs: Option<String>,
    at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    crs: Option<String>,
}

/// `GET /v1/features/{id}?crs=…&at=…`: a feature as GeoJSON, as it is or as it stood at `at`.
#[tracing::instrument(skip(service))]
pub(crate) async fn get(
    service: web::Data<Service>,
    id: web::Path<String>,
    query: web::Query<FeatureQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = query.at.as_deref().map(parse_at).transpose()?;
    let feature = service.feature(&id, query.crs.as_deref(), at).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(feature))
}

/// `GET /v1/features/{id}/history?crs=…`: every version, oldest first, each with `valid_from`,
/// `valid_to` and the delivery it came from.
#[tracing::instrument(skip(service))]
pub(crate) async fn history(
    service: web::Data<Service>,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let versions = service.history(&id, query.crs.as_deref()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(versions))
}
