//! The one gate every request passes: address rate limit, credential (Bearer API key or HTTP
//! basic auth with the key as password, which QGIS and GDAL can send), role rate limit, security
//! headers, CORS for configured origins, and an audit entry for everything that reads or
//! changes data. Handlers then take a [`Caller`] and apply its view.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use undermap_auth::{AuditEntry, AuditLog, AuthError, Authenticator, Capability, Principal};

use crate::ApiError;

/// What the gate needs: the authenticator, the audit log and transport settings.
#[derive(Debug, Clone)]
pub struct Security {
    /// Verifies keys, keeps rate limits, manages accounts.
    pub auth: Arc<Authenticator>,
    /// Where audit entries go.
    pub audit: AuditLog,
    /// Served over TLS: send HSTS.
    pub tls: bool,
    /// Origins allowed to call from a browser (CORS); empty: CORS off.
    pub cors_origins: Vec<String>,
    /// `scheme://host[:port]` that links in answers are built on (OGC links, TileJSON, the
    /// ticket's QR code); unset: this server's scheme and the request's `Host`.
    pub public_base_url: Option<String>,
    /// Addresses of reverse proxies whose `Forwarded` / `X-Forwarded-*` headers are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The root `scheme://host` that links in an answer are built on: the configured public base
/// URL; else, from a trusted proxy, what its `Forwarded` header says; else this server's
/// scheme and the request's `Host` when it is a plain host name (a caller cannot plant a
/// link elsewhere through `Forwarded`, nor anything but a host name through `Host`).
pub(crate) fn public_root(req: &HttpRequest) -> String {
    let security = req.app_data::<web::Data<Security>>();
    if let Some(url) = security.and_then(|s| s.public_base_url.as_deref()) {
        return url.trim_end_matches('/').to_owned();
    }
    let trusted = security.is_some_and(|s| {
        req.peer_addr()
            .is_some_and(|a| s.trusted_proxies.contains(&a.ip()))
    });
    if trusted {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let scheme = if security.is_some_and(|s| s.tls) {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_host(h))
        .map_or_else(|| req.app_config().host().to_owned(), str::to_owned);
    format!("{scheme}://{host}")
}

/// `name[:port]`, `a.b.c.d[:port]` or `[v6][:port]`: nothing a link could be bent with.
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// The authenticated caller of a request (or the anonymous principal, where configured).
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Principal>, Option<Arc<Authenticator>>);

impl Caller {
    /// Spends the caller's daily area budget on `footprint` (deployment CRS, metres; `None`:
    /// the role has no budget): a bounded role past its day's area gets 429.
    pub fn spend(&self, footprint: Option<[f64; 4]>) -> Result<(), ApiError> {
        let (Some(footprint), Some(auth)) = (footprint, &self.1) else {
            return Ok(());
        };
        let Some(daily) = self.view.bounds().and_then(|b| b.daily_area_m2) else {
            return Ok(());
        };
        auth.budget()
            .spend(&self.account, daily, footprint, chrono::Utc::now())
            .map_err(ApiError::from)
    }

    /// `Ok` if the caller's role allows `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        self.0.require(capability).map_err(ApiError::from)
    }

    /// `Ok` if the caller may ask about the past (`at=`, `datetime=`), which needs `history`.
    pub fn require_history_if(&self, asked: bool) -> Result<(), ApiError> {
        if asked {
            self.require(Capability::History)
        } else {
            Ok(())
        }
    }
}

impl std::ops::Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The gate puts it there; a route that forgot to be guarded fails closed.
        let auth = req
            .app_data::<web::Data<Security>>()
            .map(|s| Arc::clone(&s.auth));
        std::future::ready(
            req.extensions()
                .get::<Arc<Principal>>()
                .cloned()
                .map(|p| Caller(p, auth))
                .ok_or(ApiError::Auth(AuthError::Missing)),
        )
    }
}

/// What a handler tells the audit trail about its answer (put in the response's extensions).
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    /// Features returned.
    pub returned: Option<u64>,
    /// The area asked about.
    pub area: Option<serde_json::Value>,
    /// A ticket or delivery number.
    pub detail: Option<String>,
}

/// Adds an audit note to a response.
pub(crate) fn note(mut response: HttpResponse, note: AuditNote) -> HttpResponse {
    response.extensions_mut().insert(note);
    response
}

/// Adds the number of features returned to a response's audit note.
pub(crate) fn counted(response: HttpResponse, returned: usize) -> HttpResponse {
    note(
        response,
        AuditNote {
            returned: u64::try_from(returned).ok(),
            ..AuditNote::default()
        },
    )
}

/// Routes anyone may read: liveness, readiness, and the OGC landing and conformance pages (a
/// client must find out what the service is before it can be told to log in).
pub(crate) const PUBLIC_PATHS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/ogc",
    "/ogc/",
    "/ogc/conformance",
    // Anyone may check a ticket's signature (docs/tickets.md).
    "/v1/tickets/public-key",
    // A site inspector scanning a printout's QR code may have no account; without a credential
    // the handler requires the ticket's signature.
    VERIFY_PATH,
    // The web map's page and files hold no map data: the page asks for a key, then calls the API.
    "/",
    "/web/{file}",
];

/// `GET /v1/excavation-checks/{id}/verify`, audited even though it is public.
const VERIFY_PATH: &str = "/v1/excavation-checks/{id}/verify";

/// Whether `path` is the route `pattern`, where `{name}` stands for one non-empty segment.
pub(crate) fn matches_route(pattern: &str, path: &str) -> bool {
    let (mut p, mut r) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), r.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) if want.starts_with('{') && want.ends_with('}') => {
                if got.is_empty() {
                    return false;
                }
            }
            (Some(want), Some(got)) if want == got => {}
            _ => return false,
        }
    }
}

fn is_public(method: &Method, path: &str) -> bool {
    method == Method::GET && PUBLIC_PATHS.iter().any(|p| matches_route(p, path))
}

/// Routes not worth an audit entry when they succeed (no map data in them).
fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

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
    let address = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
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
        || (is_public(&method, &path) && status < 400 && !matches_route(VERIFY_PATH, &path)))
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
