//! Request helpers several folders use: the root links are built on, content negotiation,
//! entity tags and points given in a query.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::ApiError;

/// The root `scheme://host` links are built on (see [`crate::security::public_root`]).
pub(crate) fn root(req: &HttpRequest) -> String {
    crate::security::public_root(req)
}

/// A day a request names (`2026-12-08`, in a query or a path); a 400 naming `name` otherwise.
pub(crate) fn day(name: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::BadParameter(format!(
            "{name} {:?}: expected a date like 2026-12-08",
            text.chars().take(40).collect::<String>()
        ))
    })
}

/// [`day`] for an optional parameter.
pub(crate) fn day_opt(
    name: &str,
    text: Option<&str>,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    text.map(|t| day(name, t)).transpose()
}

/// Whether the client takes gzip (`Accept-Encoding: gzip`, not with `q=0`).
pub(crate) fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Answers `If-None-Match` for an entity tag.
pub(crate) fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// A point given as `x,y` in a query.
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
