//! `GET /v1/quality`: a network layer's data-quality findings.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::Service;

use crate::security::Caller;
use crate::ApiError;

/// Which network's findings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QualityQuery {
    layer: String,
}

/// `GET /v1/quality?layer=water`: disconnected pieces, dangling ends, facilities off the network.
pub(crate) async fn quality(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<QualityQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let q = service
        .emergency()
        .quality(&query.layer, &caller.view)
        .await?;
    Ok(HttpResponse::Ok().json(q))
}
