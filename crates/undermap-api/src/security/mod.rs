//! The one gate every request passes: address rate limit, credential (Bearer API key or HTTP
//! basic auth with the key as password, which QGIS and GDAL can send), role rate limit, security
//! headers, CORS for configured origins, and an audit entry for everything that reads or
//! changes data. Handlers then take a [`Caller`] and apply its view.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{self};
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use undermap_auth::{AuditLog, AuthError, Authenticator, Capability, Principal};

use crate::ApiError;

mod client_address;
mod gate;

pub use gate::gate;

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

    /// The caller as the dig workflow sees it: an account, and whether it reads every ticket
    /// and report and answers for any owner (administrators, roles that read every ticket,
    /// emergency staff).
    #[must_use]
    pub fn asker(&self) -> undermap_service::Asker<'_> {
        undermap_service::Asker {
            account: &self.account,
            all: self.can(Capability::Admin)
                || self.can(Capability::Tickets)
                || self.can(Capability::Incident),
        }
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

impl AuditNote {
    /// The note of a signature check (a ticket's or a report's): which, and whether it held.
    pub(crate) fn verification(id: &str, valid: bool) -> Self {
        Self {
            returned: Some(u64::from(valid)),
            area: None,
            detail: Some(format!("{id} {}", if valid { "valid" } else { "invalid" })),
        }
    }
}

/// Adds an audit note of one detail (a ticket, a report, an answer) to a response.
pub(crate) fn noted(response: HttpResponse, detail: String) -> HttpResponse {
    note(
        response,
        AuditNote {
            detail: Some(detail),
            ..AuditNote::default()
        },
    )
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
    // A clearance report's printout carries the same kind of code.
    CLEARANCE_VERIFY_PATH,
    // The web map's page and files hold no map data: the page asks for a key, then calls the API.
    "/",
    "/web/{file}",
    // A subscription's Atom feed: its key is the credential (feed readers hold no account).
    "/v1/feeds/{key}",
];

/// `GET /v1/excavation-checks/{id}/verify`, audited even though it is public.
pub(super) const VERIFY_PATH: &str = "/v1/excavation-checks/{id}/verify";

/// `GET /v1/clearance-checks/{number}/verify`, audited even though it is public.
pub(super) const CLEARANCE_VERIFY_PATH: &str = "/v1/clearance-checks/{number}/verify";

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

pub(super) fn is_public(method: &Method, path: &str) -> bool {
    method == Method::GET && PUBLIC_PATHS.iter().any(|p| matches_route(p, path))
}

/// Routes not worth an audit entry when they succeed (no map data in them).
pub(super) fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}
