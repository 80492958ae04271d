use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::{parse_at, NearestRequest, Service};

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

pub(crate) fn parse_point(text: &str) -> Result<(f64, f64), ApiError> {
    let bad = || {
        ApiError::BadParameter(format!(
            "point {:?}: expected two finite numbers separated by a comma, e.g. point=108.99,28.45",
            text.chars().take(60).collect::<String>()
        ))
    };
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let a: f64 = a.trim().parse().map_err(|_| bad())?;
    let b: f64 = b.trim().parse().map_err(|_| bad())?;
    if a.is_finite() && b.is_finite() {
        Ok((a, b))
    } else {
        Err(bad())
    }
}
