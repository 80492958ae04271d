use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use undermap_auth::AuthError;
use undermap_core::{ErrorKind, Problem as _};
use undermap_service::ServiceError;

/// Every error the API returns. Converted to a status and a problem body here, and only here.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Not authenticated, not allowed, or over a limit; or an account operation failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The body is not JSON, or not the JSON expected.
    #[error("{0}")]
    MalformedBody(String),
    /// The body is larger than allowed.
    #[error("the request body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not `application/json`.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// A query or path parameter is malformed.
    #[error("{0}")]
    BadParameter(String),
    /// No such route.
    #[error("no resource at {0}; see /v1/layers, /v1/excavation-checks, /v1/nearest, /healthz")]
    NoRoute(String),
    /// The path exists, but not with this method.
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The methods the path is served with (`Allow`).
        allow: String,
    },
    /// The request's headers are larger than allowed.
    #[error("the request headers exceed {limit} bytes")]
    HeadersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The service is not ready.
    #[error("{0}")]
    Unavailable(String),
    /// A delivery was refused under `strict`: nothing loaded; the body lists every rejection.
    #[error("{}", .0.refused.clone().unwrap_or_default())]
    DeliveryRefused(Box<undermap_ingest::DeliverySummary>),
    /// A `Range` that no byte of the file satisfies.
    #[error("the range asked for is not within the file's {size} bytes")]
    RangeNotSatisfiable {
        /// The file's size.
        size: u64,
    },
    /// An upload is larger than allowed.
    #[error("the upload exceeds {limit} bytes; load larger deliveries with `undermap ingest`")]
    UploadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

/// An RFC 9457 problem body.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    /// Extension member: every rejected record, for refused deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    rejections: Option<&'a [undermap_ingest::Rejection]>,
    /// Extension member of every 5xx answer: the id the failure is logged under, to quote
    /// when reporting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    error_id: Option<&'a str>,
    /// Where a filter went wrong (character offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
}

impl ApiError {
    /// Problem type (a stable, documented URI path) and title.
    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Service(e) => e.problem(),
            Self::Auth(e) => e.problem(),
            Self::MalformedBody(_) => ("/problems/malformed-body", "Malformed request body"),
            Self::BodyTooLarge { .. } => ("/problems/body-too-large", "Request body too large"),
            Self::UnsupportedMediaType => {
                ("/problems/unsupported-media-type", "Unsupported media type")
            }
            Self::BadParameter(_) => ("/problems/bad-parameter", "Bad parameter"),
            Self::NoRoute(_) => ("/problems/not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("/problems/method-not-allowed", "Method not allowed"),
            Self::HeadersTooLarge { .. } => (
                "/problems/headers-too-large",
                "Request header fields too large",
            ),
            Self::Unavailable(_) => ("/problems/unavailable", "Service unavailable"),
            Self::DeliveryRefused(_) => ("/problems/delivery-refused", "Delivery refused"),
            Self::UploadTooLarge { .. } => ("/problems/body-too-large", "Upload too large"),
            Self::RangeNotSatisfiable { .. } => {
                ("/problems/range-not-satisfiable", "Range not satisfiable")
            }
        }
    }

    /// What the caller reads; internal details stay in the log, under the error id.
    fn detail(&self) -> String {
        match self {
            Self::Service(e) => e.public_detail(),
            Self::Auth(e) => e.public_detail(),
            other => other.to_string(),
        }
    }
}

/// The status of each kind of failure: the one place a lower crate's error becomes HTTP.
fn status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Gone => StatusCode::GONE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Service(e) => status(e.kind()),
            Self::Auth(e) => status(e.kind()),
            Self::MalformedBody(_) | Self::BadParameter(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge { .. } | Self::UploadTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NoRoute(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::DeliveryRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let error_id = status
            .is_server_error()
            .then(|| format!("{:016x}", rand::random::<u64>()));
        if let Some(id) = &error_id {
            tracing::error!(error_id = %id, error = %self, "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        let (kind, title) = self.problem();
        let body = Problem {
            kind,
            title,
            status: status.as_u16(),
            detail: self.detail(),
            rejections: match self {
                Self::DeliveryRefused(summary) => Some(&summary.rejections),
                _ => None,
            },
            error_id: error_id.as_deref(),
            position: match self {
                Self::Service(e) => e.position(),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            // Basic as well as Bearer: QGIS and GDAL answer a Basic challenge with the
            // configured user name and key.
            response.insert_header((
                header::WWW_AUTHENTICATE,
                r#"Bearer realm="undermap", Basic realm="undermap", charset="UTF-8""#,
            ));
        }
        if let Self::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        if let Self::MethodNotAllowed { allow, .. } = self {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        if let Self::Auth(e) = self {
            if let Some(wait) = e.retry_after() {
                response.insert_header((header::RETRY_AFTER, wait.as_secs().max(1).to_string()));
            }
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn our_failure_is_a_500_with_an_error_id_and_no_internals() {
        let e = ApiError::Service(ServiceError::Internal {
            what: "signing the ticket",
            reason: "key file /secret/path unreadable".into(),
        });
        let response = e.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["type"], "/problems/internal");
        let id = body["error_id"].as_str().unwrap();
        assert_eq!(id.len(), 16);
        let text = body.to_string();
        assert!(
            !text.contains("secret") && !text.contains("signing"),
            "{text}"
        );
        // A caller's mistake has no error id.
        let response = ApiError::BadParameter("limit: not a number".into()).error_response();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(body.get("error_id").is_none());
    }
}
