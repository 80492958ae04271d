use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use undermap_auth::Capability;
use undermap_service::{Service, SubscriptionInput, FEED_MEDIA_TYPE};

use crate::http::root;
use crate::security::{noted, Caller, Security};
use crate::ApiError;

/// `POST /v1/subscriptions`: 201 with the subscription and its feed key (shown once).
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<SubscriptionInput>,
) -> Result<HttpResponse, ApiError> {
    let reader = crate::archive::scope::reader(&caller)?;
    let made = service
        .subscriptions()
        .create(body.into_inner(), &caller.account, &reader, &caller.view)
        .await?;
    let detail = format!(
        "subscription {} {:?}",
        made.subscription.id, made.subscription.fields.title
    );
    Ok(noted(HttpResponse::Created().json(&made), detail))
}

/// `GET /v1/subscriptions`: the caller's subscriptions (without their keys).
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let list = service.subscriptions().list(&caller.account).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "subscriptions": list })))
}

/// `DELETE /v1/subscriptions/{id}`: 204; its feed key stops working.
pub(crate) async fn delete(
    service: web::Data<Service>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    service.subscriptions().delete(*id, &caller.account).await?;
    Ok(noted(
        HttpResponse::NoContent().finish(),
        format!("subscription {id} deleted"),
    ))
}

/// `GET /v1/feeds/{key}`: the subscription's Atom feed, newest first; no credential but the key,
/// and only while the account that made it is enabled.
pub(crate) async fn feed(
    service: web::Data<Service>,
    security: web::Data<Security>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.trim_end_matches(".atom");
    let (account, document) = service.subscriptions().atom(key, &root(&req)).await?;
    let enabled = security
        .auth
        .store()
        .account(&account)
        .await
        .map_err(undermap_service::ServiceError::from)?
        .is_some_and(|a| a.disabled_at.is_none());
    if !enabled {
        return Err(undermap_service::ServiceError::NotFound {
            what: "feed (its account is disabled)".into(),
        }
        .into());
    }
    Ok(HttpResponse::Ok()
        .content_type(format!("{FEED_MEDIA_TYPE}; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .body(document))
}
