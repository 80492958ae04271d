use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::{parse_at, Service};

use undermap_auth::Capability;

use crate::security::{counted, Caller};
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
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<FeatureQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    caller.require_history_if(query.at.is_some())?;
    let at = query.at.as_deref().map(parse_at).transpose()?;
    caller.spend(service.map().feature_footprint(&id, &caller.view))?;
    let feature = service
        .map()
        .feature(&id, query.crs.as_deref(), at, &caller.view)
        .await?;
    Ok(counted(
        HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(feature),
        1,
    ))
}

/// `GET /v1/features/{id}/history?crs=…`: every version, oldest first, each with `valid_from`,
/// `valid_to` and the delivery it came from.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn history(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::History)?;
    let versions = service
        .map()
        .history(&id, query.crs.as_deref(), &caller.view)
        .await?;
    let n = versions.features.len();
    Ok(counted(
        HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(versions),
        n,
    ))
}
