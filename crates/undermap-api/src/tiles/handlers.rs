//! Vector tiles, TileJSON and the default style.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use undermap_service::Service;

use crate::http::{accepts_gzip, not_modified, root};
use undermap_auth::Capability;

use crate::security::Caller;
use crate::ApiError;

/// Query of a tile: `at=` for the map as it stood then (history capability).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TileQuery {
    at: Option<String>,
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt[?at=…]` (`layer` is a layer id or `all`).
#[tracing::instrument(skip(service, req, caller), fields(account = %caller.account))]
pub(crate) async fn tile(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, u32, u32, String)>,
    query: web::Query<TileQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let at = query
        .at
        .as_deref()
        .map(undermap_service::parse_at)
        .transpose()?;
    caller.require_history_if(at.is_some())?;
    let (layer, z, x, y_ext) = path.into_inner();
    let y: u32 = y_ext
        .strip_suffix(".mvt")
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| {
            ApiError::BadParameter(format!(
                "`{y_ext}` is not a tile row followed by .mvt (e.g. /tiles/all/16/52608/27000.mvt)"
            ))
        })?;
    caller.spend(service.tiles().footprint((z, x, y), &caller.view)?)?;
    let (tile, cached) = service
        .tiles()
        .tile_at(&layer, (z, x, y), std::sync::Arc::clone(&caller.view), at)
        .await?;
    // gzip (made once per cached tile) when the client takes it; an empty tile stays empty.
    let gzip = accepts_gzip(&req) && !tile.bytes.is_empty();
    let (bytes, etag) = if gzip {
        tile.gzipped()
    } else {
        (&tile.bytes, tile.etag.as_str())
    };
    let unchanged = not_modified(&req, etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::VARY, "Accept-Encoding"))
        // Data changes with deliveries: clients revalidate, and an unchanged tile costs a 304.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Tile-Cache", if cached { "hit" } else { "miss" }));
    if unchanged {
        return Ok(response.finish());
    }
    if gzip {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response
        .content_type("application/vnd.mapbox-vector-tile")
        .body(bytes.clone()))
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0.
pub(crate) async fn tilejson(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let name = name
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NoRoute(req.path().to_owned()))?;
    Ok(HttpResponse::Ok().json(service.tiles().tilejson(&root(&req), name, &caller.view)?))
}

/// `GET /styles/default.json`: the default MapLibre style.
pub(crate) async fn style(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    Ok(HttpResponse::Ok().json(service.tiles().style(&root(&req), &caller.view)))
}
