//! Middleware the app is wrapped in: the problem body of actix's own 405, and the
//! `Undermap-Data-As-Of` header on every response.

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, ResponseError};

use crate::routes::allowed_methods;
use crate::ApiError;

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
