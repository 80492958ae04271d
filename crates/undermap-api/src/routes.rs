use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, ResponseError};

use crate::handlers::{
    admin, deliveries, excavation, features, health, incidents, layers, nearest, ogc, print,
    resilience, tiles, web as webmap,
};
use crate::ApiError;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Declares every route once: [`ROUTES`] (read by the 405 answers, the OpenAPI test and the
/// gate's tests) and `mount`, which registers exactly those.
macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every route the server mounts: (method, path pattern with `{name}` segments).
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        fn mount(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
}

routes! {
    get "/healthz" => health::healthz,
    get "/readyz" => health::readyz,
    get "/tickets/{id}" => print::ticket,
    get "/" => webmap::index,
    get "/web/{file}" => webmap::asset,
    get "/v1/layers" => layers::list,
    get "/v1/features/{id}" => features::get,
    get "/v1/features/{id}/history" => features::history,
    post "/v1/deliveries" => deliveries::create,
    get "/v1/nearest" => nearest::get,
    post "/v1/excavation-checks" => excavation::create,
    get "/v1/excavation-checks" => excavation::list,
    get "/v1/excavation-checks/{id}" => excavation::get,
    get "/v1/excavation-checks/{id}/verify" => excavation::verify,
    get "/v1/tickets/public-key" => excavation::public_key,
    post "/v1/incidents/impact" => incidents::impact,
    post "/v1/incidents/isolation" => incidents::isolation,
    post "/v1/incidents/downstream" => incidents::downstream,
    get "/v1/quality" => incidents::quality,
    get "/v1/incidents/nearby-history" => resilience::nearby_history,
    get "/v1/resources/nearest" => resilience::nearest_resources,
    get "/v1/risk/hotspots" => resilience::hotspots,
    get "/v1/admin/accounts" => admin::accounts,
    post "/v1/admin/accounts" => admin::add_account,
    post "/v1/admin/accounts/{name}/disable" => admin::disable,
    post "/v1/admin/accounts/{name}/enable" => admin::enable,
    post "/v1/admin/accounts/{name}/keys" => admin::create_key,
    get "/v1/admin/keys" => admin::keys,
    post "/v1/admin/keys/{id}/revoke" => admin::revoke,
    get "/v1/admin/audit" => admin::audit,
    get "/v1/admin/audit/verify" => admin::verify_chain,
    get "/ogc" => ogc::landing,
    get "/ogc/" => ogc::landing,
    get "/ogc/conformance" => ogc::conformance,
    get "/ogc/api" => ogc::api,
    get "/ogc/collections" => ogc::collections,
    get "/ogc/collections/{id}" => ogc::collection,
    get "/ogc/collections/{id}/queryables" => ogc::queryables,
    get "/ogc/collections/{id}/schema" => ogc::schema,
    get "/ogc/collections/{id}/items" => ogc::items,
    get "/ogc/collections/{id}/items/{feature}" => ogc::item,
    get "/tiles/{name}" => tiles::tilejson,
    get "/tiles/{layer}/{z}/{x}/{y}" => tiles::tile,
    get "/styles/default.json" => tiles::style,
}

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
    .app_data(web::PathConfig::default().error_handler(path_error));
    mount(cfg);
    cfg.default_service(web::to(no_route));
}

/// The methods `path` is served with, as an `Allow` header value in [`ROUTES`] order (empty: no
/// such resource).
#[must_use]
pub fn allowed_methods(path: &str) -> String {
    let mut methods: Vec<&'static str> = Vec::new();
    for (method, pattern) in ROUTES {
        if crate::security::matches_route(pattern, path) && !methods.contains(method) {
            methods.push(method);
        }
    }
    methods
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// No route for this method and path: 405 with `Allow` when the path exists with other
/// methods (`TRACE`, `DELETE` …), else 404.
async fn no_route(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    let allow = allowed_methods(req.path());
    if allow.is_empty() {
        return Err(ApiError::NoRoute(format!(
            "{} {}",
            req.method(),
            req.path()
        )));
    }
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allow,
    })
}

/// Turns the bodiless 405 that actix produces for a known path with the wrong method into a
/// problem body with `Allow`. Wrap the app in this (`App::new().wrap(method_not_allowed())`).
#[must_use]
pub fn method_not_allowed<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, |res: ServiceResponse<B>| {
        let (req, _) = res.into_parts();
        let allow = allowed_methods(req.path());
        let response = ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
        }
        .error_response();
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
        // serde_json stops at 128 levels of arrays and objects (its recursion limit).
        JsonPayloadError::Deserialize(e) if e.to_string().contains("recursion limit") => {
            ApiError::MalformedBody(format!(
                "the body nests arrays and objects deeper than 128 levels, the limit ({e})"
            ))
        }
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
