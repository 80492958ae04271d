//! `/v1/admin`: accounts, keys and the audit trail, for the `admin` role. The same operations
//! as `undermap users|keys|audit` on the command line.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_auth::{verify, Capability, NewAccount};
use undermap_store::AuditQuery;

use crate::security::{counted, Caller, Security};
use crate::ApiError;

fn admin(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Capability::Admin)
}

/// `GET /v1/admin/accounts`.
pub(crate) async fn accounts(
    security: web::Data<Security>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    let accounts = security.auth.accounts().await?;
    let n = accounts.len();
    Ok(counted(
        HttpResponse::Ok().json(serde_json::json!({ "accounts": accounts })),
        n,
    ))
}

/// `POST /v1/admin/accounts`: `{"name", "role", "layers"?, "service"?, "full_name"?}`.
#[tracing::instrument(skip(security, caller, body), fields(admin = %caller.account))]
pub(crate) async fn add_account(
    security: web::Data<Security>,
    caller: Caller,
    body: web::Json<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    let account = security.auth.add_account(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(account))
}

/// `POST /v1/admin/accounts/{name}/disable`.
pub(crate) async fn disable(
    security: web::Data<Security>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    Ok(HttpResponse::Ok().json(security.auth.set_disabled(&name, true).await?))
}

/// `POST /v1/admin/accounts/{name}/enable`.
pub(crate) async fn enable(
    security: web::Data<Security>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    Ok(HttpResponse::Ok().json(security.auth.set_disabled(&name, false).await?))
}

/// A key request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyRequest {
    label: Option<String>,
    days: Option<u32>,
}

/// `POST /v1/admin/accounts/{name}/keys`: `{"label"?, "days"?}` → 201 with the key, shown once.
#[tracing::instrument(skip(security, caller, body), fields(admin = %caller.account))]
pub(crate) async fn create_key(
    security: web::Data<Security>,
    caller: Caller,
    name: web::Path<String>,
    body: web::Json<KeyRequest>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    let body = body.into_inner();
    let issued = security
        .auth
        .create_key(&name, body.label, body.days)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// Which keys to list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeysQuery {
    account: Option<String>,
}

/// `GET /v1/admin/keys?account=…`: keys without their hashes.
pub(crate) async fn keys(
    security: web::Data<Security>,
    caller: Caller,
    query: web::Query<KeysQuery>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    let keys = security.auth.keys(query.account.as_deref()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": keys })))
}

/// `POST /v1/admin/keys/{id}/revoke`.
pub(crate) async fn revoke(
    security: web::Data<Security>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    Ok(HttpResponse::Ok().json(security.auth.revoke_key(&id).await?))
}

/// Filters of the audit trail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    after: Option<i64>,
    limit: Option<i64>,
    actor: Option<String>,
    endpoint: Option<String>,
    since: Option<String>,
    until: Option<String>,
    min_status: Option<i32>,
    f: Option<String>,
}

const MAX_AUDIT_PAGE: i64 = 10_000;

/// `GET /v1/admin/audit?after=&limit=&actor=&endpoint=&since=&until=&min_status=&f=json|jsonl`:
/// a page of entries in order, with a `next` link; `f=jsonl` gives JSON lines for export.
pub(crate) async fn audit(
    security: web::Data<Security>,
    caller: Caller,
    query: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    let q = query.into_inner();
    let time = |name: &str, v: Option<&str>| {
        v.map(|t| {
            undermap_service::parse_at(t)
                .map_err(|e| ApiError::BadParameter(format!("{name}: {e}")))
        })
        .transpose()
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(ApiError::BadParameter(format!(
            "limit: 1 to {MAX_AUDIT_PAGE}"
        )));
    }
    let jsonl = match q.f.as_deref() {
        None | Some("json") => false,
        Some("jsonl") => true,
        Some(other) => {
            return Err(ApiError::BadParameter(format!(
                "f: {other:?} is not json or jsonl"
            )))
        }
    };
    let query = AuditQuery {
        after: q.after.unwrap_or(0).max(0),
        limit,
        actor: q.actor,
        endpoint: q.endpoint,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        min_status: q.min_status,
    };
    // What was recorded a moment ago is there too.
    security.audit.flush().await;
    let records = security
        .auth
        .store()
        .audit(&query)
        .await
        .map_err(undermap_auth::AuthError::from)?;
    let n = records.len();
    let full = i64::try_from(n).unwrap_or(i64::MAX) == limit;
    let rows: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "seq": r.seq,
                "entry": serde_json::from_str::<serde_json::Value>(&r.entry).unwrap_or_default(),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            })
        })
        .collect();
    if jsonl {
        let mut body = String::new();
        for row in &rows {
            body.push_str(&row.to_string());
            body.push('\n');
        }
        return Ok(counted(
            HttpResponse::Ok()
                .content_type("application/jsonl")
                .body(body),
            n,
        ));
    }
    let next = records
        .last()
        .filter(|_| full)
        .map(|r| format!("/v1/admin/audit?after={}&limit={limit}", r.seq));
    Ok(counted(
        HttpResponse::Ok().json(serde_json::json!({ "entries": rows, "next": next })),
        n,
    ))
}

/// `GET /v1/admin/audit/verify`: checks the whole chain.
pub(crate) async fn verify_chain(
    security: web::Data<Security>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    admin(&caller)?;
    security.audit.flush().await;
    let v = verify(security.auth.store()).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// `GET /v1/me`: the caller's account, role, capabilities and construction unit (what a client
/// needs to offer only what the role allows).
pub(crate) async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "account": caller.account,
        "role": caller.role.name,
        "capabilities": caller.role.capabilities,
        "unit": caller.unit.as_ref().map(|u| u.as_str().to_owned()),
    }))
}
