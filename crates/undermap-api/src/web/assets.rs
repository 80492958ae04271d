//! The web map at `/` and its files at `/web/{file}`, embedded at build time (build.rs). The
//! page holds no map data: it asks for an account's key and then uses the API like any client,
//! so it is served without a credential.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page's policy: its own scripts, styles and workers (MapLibre runs in blob workers),
/// requests to this origin only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; worker-src blob:; child-src blob:; connect-src 'self'; \
    frame-ancestors 'none'";

/// Shown at `/` when the binary was built without the web map.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>undermap</title></head>\
<body><h1>undermap</h1><p>The web map was not built into this binary. Build it with \
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild undermap (<code>make demo</code> does both). \
The API is here all the same: <a href=\"/v1/openapi.json\">/v1/openapi.json</a>, <a href=\"/ogc\">/ogc</a>.</p></body></html>";

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    }
}

/// `GET /`: the web map, or a page saying how to build it.
pub(crate) async fn index() -> HttpResponse {
    let page = WEB_ASSETS.iter().find(|(n, _)| *n == "index.html");
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    match page {
        Some((_, bytes)) => response.body(*bytes),
        None => response.body(NOT_BUILT),
    }
}

/// `GET /web/{file}`: one of the page's files.
pub(crate) async fn asset(name: web::Path<String>) -> HttpResponse {
    match WEB_ASSETS.iter().find(|(n, _)| *n == name.as_str()) {
        Some((n, bytes)) => HttpResponse::Ok()
            .content_type(content_type(n))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*bytes),
        None => HttpResponse::NotFound()
            .content_type("application/problem+json")
            .body(
                serde_json::json!({"type": "/problems/not-found", "title": "Not found", "status": 404,
                    "detail": format!("no web map file {:?}", name.chars().take(60).collect::<String>())})
                .to_string(),
            ),
    }
}
