use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use undermap_service::{Scope, Service};

use super::scope;
use crate::security::Caller;
use crate::ApiError;

/// Query of the unit list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Only the units below the score threshold.
    #[serde(default)]
    restricted: bool,
    /// The day to count open overdue items on (default: today).
    on: Option<NaiveDate>,
}

/// `GET /v1/construction-units[?restricted=true]`: every unit's score; the restricted ones are
/// the list a tender office asks for. The archive office only.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    if scope::credit(&caller)? != Scope::All {
        caller.require(undermap_auth::Capability::Archive)?;
    }
    let q = query.into_inner();
    let units = service.archive().units(q.restricted, q.on).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "threshold": service.config().archive.weights.restricted_below,
        "units": units,
    })))
}

/// Query of one unit's record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OneQuery {
    /// The day to count open overdue items on (default: today).
    on: Option<NaiveDate>,
}

/// `GET /v1/construction-units/{credit_code}`: a unit's entries, score and open items; a
/// construction unit sees only its own.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
    query: web::Query<OneQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::credit(&caller)?;
    let record = service.archive().unit(&code, &scope, query.on).await?;
    Ok(HttpResponse::Ok().json(&record))
}
