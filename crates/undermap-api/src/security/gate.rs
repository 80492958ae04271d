//! The gate itself: what every request passes before its handler, and the headers every
//! answer leaves with.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use base64::Engine;
use undermap_auth::{AuditEntry, AuthError, Principal};

use crate::ApiError;

use super::{
    is_probe, is_public, matches_route, AuditNote, Security, CLEARANCE_VERIFY_PATH, VERIFY_PATH,
};

/// The credential in `Authorization`: the key and, for basic auth, the user name.
fn credential(headers: &HeaderMap) -> Result<Option<(String, Option<String>)>, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let garbled = || {
        AuthError::Malformed(
            "the Authorization header cannot be read; send `Bearer <API key>` or HTTP basic auth"
                .into(),
        )
    };
    let text = value.to_str().map_err(|_| garbled())?.trim();
    let (scheme, rest) = text.split_once(' ').ok_or_else(garbled)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Some((rest.to_owned(), None)));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(garbled)?;
        let (user, key) = decoded.split_once(':').ok_or_else(garbled)?;
        return Ok(Some((key.to_owned(), Some(user.to_owned()))));
    }
    Err(AuthError::Malformed(format!(
        "authorization scheme {:?} is not supported; use Bearer or Basic",
        scheme.chars().take(20).collect::<String>()
    )))
}

/// The gate. Wrap the app in it with `actix_web::middleware::from_fn(security::gate)`, with
/// [`Security`] in the app data.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(security) = req.app_data::<web::Data<Security>>().cloned() else {
        // Misconfigured: refuse rather than serve unguarded.
        let response =
            ApiError::Unavailable("the server has no security settings".into()).error_response();
        return Ok(req.into_response(response).map_into_right_body());
    };
    let started = Instant::now();
    // Microseconds: what the databases keep, so the entry and its `at` column agree exactly.
    let at = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let address = super::client_address::client_address(
        req.peer_addr(),
        req.headers(),
        &security.trusted_proxies,
    )
    .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let method = req.method().clone();
    // The trail records a hostile request as it came, escaped, rather than fail on a NUL.
    let path = undermap_core::text::escaped(req.path()).into_owned();
    let origin = allowed_origin(&security, req.headers());
    let endpoint = format!(
        "{method} {}",
        req.match_pattern().unwrap_or_else(|| path.clone())
    );
    let query = (!req.query_string().is_empty()).then(|| {
        undermap_core::text::escaped(&req.query_string().chars().take(2_000).collect::<String>())
            .into_owned()
    });
    let record = |principal: Option<&Principal>, status: u16, note: AuditNote| AuditEntry {
        at,
        actor: principal.map(|p| p.account.clone()),
        role: principal.map(|p| p.role.name.clone()),
        key_id: principal.and_then(|p| p.key_id.clone()),
        address: address.clone(),
        method: method.to_string(),
        endpoint: endpoint.clone(),
        path: path.clone(),
        query: query.clone(),
        status,
        returned: note.returned,
        area: note.area,
        detail: note.detail,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };

    if method == Method::OPTIONS && origin.is_some() {
        let mut response = HttpResponse::NoContent().finish();
        cors(response.headers_mut(), origin.as_deref(), true);
        headers(response.headers_mut(), &security, false);
        return Ok(req.into_response(response).map_into_right_body());
    }

    let outcome = match plain_request(&req) {
        Ok(()) => admit(&security, &req, &address, &method, &path).await,
        Err(e) => Err(e),
    };
    let principal = match outcome {
        Ok(p) => p,
        Err(e) => {
            let status = e.status_code().as_u16();
            let mut response = e.error_response();
            cors(response.headers_mut(), origin.as_deref(), false);
            headers(response.headers_mut(), &security, false);
            let detail = AuditNote {
                detail: Some(e.to_string()),
                ..AuditNote::default()
            };
            security.audit.record(record(None, status, detail));
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    if let Some(p) = &principal {
        req.extensions_mut().insert(Arc::clone(p));
    }
    let mut res = next.call(req).await?;
    let status = res.status().as_u16();
    {
        let h = res.response_mut().headers_mut();
        cors(h, origin.as_deref(), false);
        headers(h, &security, principal.is_some());
    }
    // Public documents are not worth an entry; every ticket verification is.
    if !(is_probe(&path)
        || (is_public(&method, &path)
            && status < 400
            && !matches_route(VERIFY_PATH, &path)
            && !matches_route(CLEARANCE_VERIFY_PATH, &path)))
    {
        let note = res
            .response()
            .extensions()
            .get::<AuditNote>()
            .cloned()
            .unwrap_or_default();
        security
            .audit
            .record(record(principal.as_deref(), status, note));
    }
    Ok(res.map_into_left_body())
}

/// Refuses control characters in the path (after percent-decoding) and in query values (tab
/// and line breaks pass there: a filter may be typed on several lines), naming where.
fn plain_request(req: &ServiceRequest) -> Result<(), ApiError> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    for (n, segment) in req.path().split('/').enumerate().skip(1) {
        undermap_core::text::plain(&format!("path segment {n}"), &decode(segment))
            .map_err(undermap_service::ServiceError::from)?;
    }
    for pair in req.query_string().split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(&name.replace('+', " "));
        let value = decode(&value.replace('+', " "));
        undermap_core::text::plain("query parameter name", &name)
            .map_err(undermap_service::ServiceError::from)?;
        undermap_core::text::multiline(&format!("query parameter `{name}`"), &value)
            .map_err(undermap_service::ServiceError::from)?;
    }
    Ok(())
}

/// Rate limits and authentication; `None` for a public route without a credential.
async fn admit(
    security: &Security,
    req: &ServiceRequest,
    address: &str,
    method: &Method,
    path: &str,
) -> Result<Option<Arc<Principal>>, ApiError> {
    security.auth.admit_address(address)?;
    let principal = match credential(req.headers())? {
        Some((key, user)) => Some(
            security
                .auth
                .authenticate(&key, user.as_deref(), address)
                .await?,
        ),
        None if is_public(method, path) => None,
        None => Some(security.auth.anonymous().ok_or(AuthError::Missing)?),
    };
    if let Some(p) = &principal {
        security.auth.admit(p, address)?;
    }
    Ok(principal)
}

fn allowed_origin(security: &Security, headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    security
        .cors_origins
        .iter()
        .any(|o| o == origin || o == "*")
        .then(|| origin.to_owned())
}

fn cors(h: &mut HeaderMap, origin: Option<&str>, preflight: bool) {
    let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return;
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag, Location, Content-Crs, Undermap-Data-As-Of, Retry-After"),
    );
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type, If-None-Match, Accept-Encoding"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
}

fn headers(h: &mut HeaderMap, security: &Security, authenticated: bool) {
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    // A page (the printable ticket) sets its own, as strict as it can be.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        );
    }
    if security.tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if authenticated {
        // Answers depend on who asks: shared caches must not keep them.
        h.append(header::VARY, HeaderValue::from_static("Authorization"));
        if !h.contains_key(header::CACHE_CONTROL) {
            set(h, header::CACHE_CONTROL, "private, no-cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn credentials_are_read_from_bearer_and_basic() {
        assert_eq!(credential(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            credential(&auth("Bearer um_x")).unwrap(),
            Some(("um_x".into(), None))
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("wang:um_key");
        assert_eq!(
            credential(&auth(&format!("Basic {basic}"))).unwrap(),
            Some(("um_key".into(), Some("wang".into())))
        );
        assert!(credential(&auth("Basic !!!")).is_err());
        assert!(credential(&auth("Digest x")).is_err());
        assert!(credential(&auth("Bearer")).is_err());
    }

    #[test]
    fn only_probes_and_ogc_entry_pages_are_public() {
        assert!(is_public(&Method::GET, "/healthz"));
        assert!(is_public(&Method::GET, "/ogc/conformance"));
        assert!(!is_public(&Method::POST, "/ogc"));
        assert!(!is_public(&Method::GET, "/ogc/collections"));
        assert!(!is_public(&Method::GET, "/ogc/api"));
        assert!(!is_public(&Method::GET, "/v1/layers"));
        assert!(is_public(
            &Method::GET,
            "/v1/excavation-checks/EC-2026-000001/verify"
        ));
        assert!(!is_public(&Method::GET, "/v1/excavation-checks//verify"));
        assert!(!is_public(
            &Method::GET,
            "/v1/excavation-checks/EC-2026-000001"
        ));
        assert!(is_public(&Method::GET, "/web/app.js") && is_public(&Method::GET, "/"));
        assert!(!is_public(&Method::GET, "/web/a/b") && !is_public(&Method::GET, "/web/"));
    }
}
