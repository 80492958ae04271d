//! The resilience thematic database: `GET /v1/incidents/nearby-history`,
//! `GET /v1/resources/nearest` and `GET /v1/risk/hotspots`. Thin: parse the query, check the
//! capability, ask the service, note the audit.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_core::{IncidentType, ResourceType};
use undermap_service::{HistoryRequest, HotspotsRequest, ResourcesRequest, Service};

use crate::http::{day_opt, parse_point};
use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

fn parsed<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|e| ApiError::BadParameter(format!("{name}: {e}")))
}

/// Query of `GET /v1/incidents/nearby-history`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    point: String,
    crs: Option<String>,
    radius_m: Option<f64>,
    since: Option<String>,
    until: Option<String>,
    #[serde(rename = "type")]
    types: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/incidents/nearby-history?point=x,y&radius_m=500&type=flood,burst&since=2015-01-01`:
/// past incidents near a place, most recent first.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn nearby_history(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Incident)?;
    let q = query.into_inner();
    let types = q
        .types
        .as_deref()
        .map(|t| {
            t.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parsed::<IncidentType>("type", s))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let req = HistoryRequest {
        point: parse_point(&q.point)?,
        crs: q.crs,
        radius_m: q.radius_m,
        since: day_opt("since", q.since.as_deref())?,
        until: day_opt("until", q.until.as_deref())?,
        types,
        limit: q.limit,
    };
    let answer = service.emergency().nearby_history(&req, &caller.view)?;
    let audit = AuditNote {
        returned: u64::try_from(answer.incidents.len()).ok(),
        area: Some(serde_json::json!({
            "crs": answer.crs, "point": [req.point.0, req.point.1], "radius_m": answer.radius_m,
        })),
        detail: None,
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}

/// Query of `GET /v1/resources/nearest`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourcesQuery {
    point: String,
    crs: Option<String>,
    #[serde(rename = "type")]
    resource_type: Option<String>,
    k: Option<usize>,
}

/// `GET /v1/resources/nearest?point=x,y&type=pump&k=5`: the nearest resources in a straight
/// line and along the streets.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn nearest_resources(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ResourcesQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Incident)?;
    let q = query.into_inner();
    let req = ResourcesRequest {
        point: parse_point(&q.point)?,
        crs: q.crs,
        resource_type: q
            .resource_type
            .as_deref()
            .map(|t| parsed::<ResourceType>("type", t))
            .transpose()?,
        k: q.k,
    };
    let answer = service
        .emergency()
        .nearest_resources(&req, &caller.view)
        .await?;
    let audit = AuditNote {
        returned: u64::try_from(answer.straight_line.len()).ok(),
        area: Some(serde_json::json!({
            "crs": answer.crs, "point": [req.point.0, req.point.1],
        })),
        detail: req.resource_type.map(|t| format!("type {t}")),
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}

/// Query of `GET /v1/risk/hotspots`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HotspotsQuery {
    radius_m: Option<f64>,
    min_incidents: Option<usize>,
    since: Option<String>,
    layer: Option<String>,
    old_age_years: Option<i32>,
    crs: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/risk/hotspots?radius_m=30&min_incidents=2&since=2016-01-01&layer=water`: assets
/// with repeated incidents or in poor condition, for the yearly plan.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn hotspots(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<HotspotsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::History)?;
    let q = query.into_inner();
    let req = HotspotsRequest {
        radius_m: q.radius_m,
        min_incidents: q.min_incidents,
        since: day_opt("since", q.since.as_deref())?,
        layer: q.layer,
        old_age_years: q.old_age_years,
        crs: q.crs,
        limit: q.limit,
    };
    let answer = service.emergency().hotspots(&req, &caller.view)?;
    let audit = AuditNote {
        returned: u64::try_from(answer.hotspots.len()).ok(),
        area: None,
        detail: req.layer.map(|l| format!("layer {l}")),
    };
    Ok(note(HttpResponse::Ok().json(answer), audit))
}
