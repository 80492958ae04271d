//! Puts the folders' routes together: one list of every route, and one `configure` that mounts
//! them with the extractor settings and the answer for everything else.

use actix_web::{web, HttpRequest};

use crate::{
    admin, appointments, archive, clearance, deliveries, downloads, emergency, excavation, extract,
    feedback, field_reports, map, ogc, ops, owners, search, subscriptions, tiles, ApiError,
};

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every folder's routes, in the order they are mounted.
const PARTS: &[&[(&str, &str)]] = &[
    ops::ROUTES,
    crate::web::ROUTES,
    map::ROUTES,
    deliveries::ROUTES,
    excavation::ROUTES,
    owners::ROUTES,
    field_reports::ROUTES,
    emergency::ROUTES,
    admin::ROUTES,
    archive::ROUTES,
    search::ROUTES,
    downloads::ROUTES,
    subscriptions::ROUTES,
    appointments::ROUTES,
    feedback::ROUTES,
    clearance::ROUTES,
    ogc::ROUTES,
    tiles::ROUTES,
];

/// Every folder's `mount`, in the order of [`PARTS`].
const MOUNTS: &[fn(&mut web::ServiceConfig)] = &[
    ops::mount,
    crate::web::mount,
    map::mount,
    deliveries::mount,
    excavation::mount,
    owners::mount,
    field_reports::mount,
    emergency::mount,
    admin::mount,
    archive::mount,
    search::mount,
    downloads::mount,
    subscriptions::mount,
    appointments::mount,
    feedback::mount,
    clearance::mount,
    ogc::mount,
    tiles::mount,
];

const fn count(parts: &[&[(&str, &str)]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

const ROUTE_COUNT: usize = count(PARTS);

const fn concat(
    parts: &[&[(&'static str, &'static str)]],
) -> [(&'static str, &'static str); ROUTE_COUNT] {
    let mut out = [("", ""); ROUTE_COUNT];
    let mut k = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Every route the server mounts: (method, path pattern with `{name}` segments).
pub const ROUTES: &[(&str, &str)] = &concat(PARTS);

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
            .error_handler(extract::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(extract::query_error))
    .app_data(web::PathConfig::default().error_handler(extract::path_error));
    for mount in MOUNTS {
        mount(cfg);
    }
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
