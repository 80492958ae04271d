//! OGC API – Features under `/ogc`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use undermap_service::{GeoJsonBody, Service};

use undermap_auth::Capability;

use crate::http::{accepts_gzip, root};
use crate::security::{counted, Caller};
use crate::ApiError;

/// Query pairs as sent, in order (repeated names kept, so they can be refused).
pub(crate) type Pairs = web::Query<Vec<(String, String)>>;

/// `scheme://host/ogc` as the client sees it.
pub(crate) fn base(req: &HttpRequest) -> String {
    format!("{}/ogc", root(req))
}

fn only_format(query: &Pairs) -> Result<(), ApiError> {
    for (k, v) in query.iter() {
        if k != "f" {
            return Err(ApiError::BadParameter(format!(
                "unknown parameter `{k}`; this resource takes only f=json"
            )));
        }
        undermap_ogc::params::check_format(Some(v))
            .map_err(|e| ApiError::BadParameter(e.to_string()))?;
    }
    Ok(())
}

fn geojson(body: GeoJsonBody) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type("application/geo+json")
        .insert_header(("Content-Crs", body.content_crs))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(encoding) = body.content_encoding {
        response.insert_header((header::CONTENT_ENCODING, encoding));
    }
    response.body(body.body)
}

/// `GET /ogc`: the landing page.
pub(crate) async fn landing(req: HttpRequest, query: Pairs) -> Result<HttpResponse, ApiError> {
    only_format(&query)?;
    Ok(HttpResponse::Ok().json(undermap_ogc::documents::landing(&base(&req))))
}

/// `GET /ogc/conformance`.
pub(crate) async fn conformance(query: Pairs) -> Result<HttpResponse, ApiError> {
    only_format(&query)?;
    Ok(HttpResponse::Ok().json(undermap_ogc::documents::conformance()))
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition of the whole service.
pub(crate) async fn api(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    only_format(&query)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .body(
            crate::openapi::document(
                &root(&req),
                &undermap_ogc::params::offered_crs(&service.config().deployment_crs)
                    .iter()
                    .map(undermap_crs::Crs::uri)
                    .collect::<Vec<_>>(),
            )
            .to_string(),
        ))
}

/// `GET /ogc/collections`.
pub(crate) async fn collections(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    only_format(&query)?;
    Ok(HttpResponse::Ok().json(service.ogc().collections(&base(&req), &caller.view)))
}

/// `GET /ogc/collections/{id}`.
pub(crate) async fn collection(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    only_format(&query)?;
    Ok(HttpResponse::Ok().json(service.ogc().collection(&base(&req), &id, &caller.view)?))
}

/// `GET /ogc/collections/{id}/queryables`: the properties filters may use.
pub(crate) async fn queryables(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    schema_document(&service, &req, &caller, &id, &query, false)
}

/// `GET /ogc/collections/{id}/schema`: the schema of one feature (linked as `describedby`).
pub(crate) async fn schema(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    schema_document(&service, &req, &caller, &id, &query, true)
}

fn schema_document(
    service: &Service,
    req: &HttpRequest,
    caller: &Caller,
    id: &str,
    query: &Pairs,
    feature: bool,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    only_format(query)?;
    Ok(HttpResponse::Ok()
        .content_type("application/schema+json")
        .body(
            service
                .ogc()
                .schema(&base(req), id, feature, &caller.view)?
                .to_string(),
        ))
}

/// Whether the query asks for the map at a past moment (`datetime` other than "now").
fn asks_past(query: &Pairs) -> bool {
    query
        .iter()
        .any(|(k, v)| k == "datetime" && !matches!(v.trim(), "" | ".." | "../.." | "/.." | "../"))
}

/// `GET /ogc/collections/{id}/items`.
#[tracing::instrument(skip(service, req, query, caller), fields(account = %caller.account))]
pub(crate) async fn items(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    caller.require_history_if(asks_past(&query))?;
    caller.spend(service.ogc().items_footprint(&query, &caller.view)?)?;
    let body = service
        .ogc()
        .items(
            base(&req),
            id.into_inner(),
            query.into_inner(),
            accepts_gzip(&req),
            std::sync::Arc::clone(&caller.view),
        )
        .await?;
    tracing::debug!(returned = body.returned, "items page");
    let n = body.returned;
    Ok(counted(geojson(body), n))
}

/// `GET /ogc/collections/{id}/items/{featureId}`.
pub(crate) async fn item(
    service: web::Data<Service>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Pairs,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    caller.require_history_if(asks_past(&query))?;
    let (collection, feature) = path.into_inner();
    caller.spend(service.map().feature_footprint(&feature, &caller.view))?;
    let body = service
        .ogc()
        .item(&base(&req), &collection, &feature, &query, &caller.view)
        .await?;
    Ok(counted(geojson(body), 1))
}
