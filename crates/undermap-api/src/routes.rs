use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest};

use crate::handlers::{
    admin, deliveries, excavation, features, health, incidents, layers, nearest, ogc, print,
    resilience, tiles, web as webmap,
};
use crate::ApiError;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Registers every route and the extractor settings that turn bad input into problem bodies.
/// The server binary and the tests both mount exactly this.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .content_type_required(true)
            .content_type(|mime| {
                mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")
            })
            .error_handler(json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::PathConfig::default().error_handler(path_error))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/tickets/{id}", web::get().to(print::ticket))
    .route("/", web::get().to(webmap::index))
    .route("/web/{file}", web::get().to(webmap::asset))
    .service(
        web::scope("/v1")
            .route("/layers", web::get().to(layers::list))
            .route("/features/{id}", web::get().to(features::get))
            .route("/features/{id}/history", web::get().to(features::history))
            .route("/deliveries", web::post().to(deliveries::create))
            .route("/nearest", web::get().to(nearest::get))
            .route("/excavation-checks", web::post().to(excavation::create))
            .route("/excavation-checks", web::get().to(excavation::list))
            .route("/excavation-checks/{id}", web::get().to(excavation::get))
            .route(
                "/excavation-checks/{id}/verify",
                web::get().to(excavation::verify),
            )
            .route("/tickets/public-key", web::get().to(excavation::public_key))
            .route("/incidents/impact", web::post().to(incidents::impact))
            .route("/incidents/isolation", web::post().to(incidents::isolation))
            .route(
                "/incidents/downstream",
                web::post().to(incidents::downstream),
            )
            .route("/quality", web::get().to(incidents::quality))
            .route(
                "/incidents/nearby-history",
                web::get().to(resilience::nearby_history),
            )
            .route(
                "/resources/nearest",
                web::get().to(resilience::nearest_resources),
            )
            .route("/risk/hotspots", web::get().to(resilience::hotspots))
            .service(
                web::scope("/admin")
                    .route("/accounts", web::get().to(admin::accounts))
                    .route("/accounts", web::post().to(admin::add_account))
                    .route("/accounts/{name}/disable", web::post().to(admin::disable))
                    .route("/accounts/{name}/enable", web::post().to(admin::enable))
                    .route("/accounts/{name}/keys", web::post().to(admin::create_key))
                    .route("/keys", web::get().to(admin::keys))
                    .route("/keys/{id}/revoke", web::post().to(admin::revoke))
                    .route("/audit", web::get().to(admin::audit))
                    .route("/audit/verify", web::get().to(admin::verify_chain)),
            ),
    )
    .service(
        web::scope("/ogc")
            .route("", web::get().to(ogc::landing))
            .route("/", web::get().to(ogc::landing))
            .route("/conformance", web::get().to(ogc::conformance))
            .route("/api", web::get().to(ogc::api))
            .route("/collections", web::get().to(ogc::collections))
            .route("/collections/{id}", web::get().to(ogc::collection))
            .route(
                "/collections/{id}/queryables",
                web::get().to(ogc::queryables),
            )
            .route("/collections/{id}/schema", web::get().to(ogc::schema))
            .route("/collections/{id}/items", web::get().to(ogc::items))
            .route(
                "/collections/{id}/items/{feature}",
                web::get().to(ogc::item),
            ),
    )
    .route("/tiles/{name}", web::get().to(tiles::tilejson))
    .route("/tiles/{layer}/{z}/{x}/{y}", web::get().to(tiles::tile))
    .route("/styles/default.json", web::get().to(tiles::style))
    .default_service(web::to(no_route));
}

async fn no_route(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute(format!(
        "{} {}",
        req.method(),
        req.path()
    )))
}

/// Turns the bodiless 405 that actix produces for a known path with the wrong method into a
/// problem body. Wrap the app in this (`App::new().wrap(method_not_allowed())`).
#[must_use]
pub fn method_not_allowed<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, |res: ServiceResponse<B>| {
        let (req, _) = res.into_parts();
        let detail = format!("{} is not allowed on {}", req.method(), req.path());
        let body = serde_json::json!({
            "type": "/problems/method-not-allowed",
            "title": "Method not allowed",
            "status": 405,
            "detail": detail,
        })
        .to_string();
        let response = actix_web::HttpResponse::MethodNotAllowed()
            .insert_header((header::CONTENT_TYPE, "application/problem+json"))
            .body(body);
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, response).map_into_right_body(),
        ))
    })
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::BodyTooLarge { limit },
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) => {
            ApiError::MalformedBody(format!("the body is not the JSON expected: {e}"))
        }
        other => ApiError::MalformedBody(other.to_string()),
    }
    .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadParameter(format!("query string: {err}")).into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadParameter(format!("path: {err}")).into()
}

/// Name of the header that tells how current the answer's data is.
pub const DATA_AS_OF: &str = "undermap-data-as-of";

/// Adds `Undermap-Data-As-Of: <RFC 3339 time>` to every response: when the data the answers come
/// from was read from the store. Clients see at once whether they look at a live or an old map.
/// Wrap the app in it with `actix_web::middleware::from_fn(data_as_of)`.
pub async fn data_as_of(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let as_of = req
        .app_data::<web::Data<undermap_service::Service>>()
        .map(|s| s.index().snapshot().as_of());
    let mut res = next.call(req).await?;
    if let Some(t) = as_of {
        if let Ok(value) =
            header::HeaderValue::from_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        {
            res.headers_mut()
                .insert(header::HeaderName::from_static(DATA_AS_OF), value);
        }
    }
    Ok(res)
}
