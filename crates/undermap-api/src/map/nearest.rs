use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::{parse_at, NearestRequest, Service};

use crate::http::parse_point;
use crate::security::{counted, Caller};
use crate::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NearestQuery {
    point: String,
    k: Option<usize>,
    layers: Option<String>,
    crs: Option<String>,
    at: Option<String>,
}

/// `GET /v1/nearest?point=lon,lat&k=10&layers=water,gas&crs=…`: the k nearest features.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<NearestQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(undermap_auth::Capability::Read)?;
    let q = query.into_inner();
    caller.require_history_if(q.at.is_some())?;
    let point = parse_point(&q.point)?;
    let layers = q.layers.map(|l| {
        l.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let at = q.at.as_deref().map(parse_at).transpose()?;
    caller.spend(
        service
            .map()
            .nearest_footprint(point, q.crs.as_deref(), &caller.view)?,
    )?;
    let hits = service
        .map()
        .nearest(
            &NearestRequest {
                point,
                crs: q.crs,
                k: q.k.unwrap_or(10),
                layers,
                at,
            },
            &caller.view,
        )
        .await?;
    let n = hits.len();
    Ok(counted(
        HttpResponse::Ok().json(serde_json::json!({ "features": hits })),
        n,
    ))
}
