//! Paper records being digitised: registering them, receiving their scans (multipart, streamed
//! into the file store), listing them, and the digitisation rate. The archive office registers
//! and scans; the roles that read the archive read them.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use undermap_auth::Capability;
use undermap_service::{LegacyListQuery, LegacyRequest, Scope, Service};
use undermap_store::ScanMetadata;

use super::files::read_multipart;
use super::scope;
use crate::forms::Form;
use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

/// Who may read the paper records: the roles that read the whole archive.
fn reading_all(caller: &Caller) -> Result<(), ApiError> {
    if scope::reading(caller)? != Scope::All {
        caller.require(Capability::Archive)?;
    }
    Ok(())
}

/// `POST /v1/archive/records`: registers a paper record; 201 with it.
#[tracing::instrument(skip(service, body, caller), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<LegacyRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Archive)?;
    let record = service
        .archive()
        .register_record(body.into_inner(), Some(&caller.account))
        .await?;
    let number = record.record.number.clone();
    Ok(note(
        HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/archive/records/{number}")))
            .json(&record),
        AuditNote {
            detail: Some(format!("paper record {number}")),
            ..AuditNote::default()
        },
    ))
}

/// `GET /v1/archive/records`: paper records by number, filtered.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<LegacyListQuery>,
) -> Result<HttpResponse, ApiError> {
    reading_all(&caller)?;
    let page = service.archive().legacy_records(query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(&page))
}

/// `GET /v1/archive/records/{number}`: a paper record with its scans.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    reading_all(&caller)?;
    Ok(HttpResponse::Ok().json(service.archive().legacy_record(&number).await?))
}

/// `POST /v1/archive/records/{number}/scans` (multipart: `scan` — the digitisation metadata as
/// JSON —, optional `sha256`, and one `file`): 201 with the scan when new, 200 when the record
/// has these bytes already. Nothing is kept on any refusal.
#[tracing::instrument(skip(service, caller, payload), fields(account = %caller.account))]
pub(crate) async fn scan(
    service: web::Data<Service>,
    caller: Caller,
    number: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let mut payload = Form::new(payload);
    caller.require(Capability::Archive)?;
    let archive = service.archive();
    let mut upload = archive.begin_scan(&number).await?;
    let (mut scan, mut sha256) = (None::<ScanMetadata>, None::<String>);
    let read = read_multipart(
        &mut payload,
        &mut upload,
        |name, value| {
            match name {
                "scan" => {
                    scan =
                        Some(serde_json::from_str(&value).map_err(|e| bad(format!("scan: {e}")))?);
                }
                "sha256" => sha256 = Some(value.trim().to_owned()),
                other => {
                    return Err(bad(format!(
                        "unknown form field `{other}`; expected scan, sha256, file"
                    )))
                }
            }
            Ok(())
        },
        || async { Ok(()) },
    )
    .await;
    let file_name = match read {
        Ok(name) => name,
        Err(e) => {
            upload.abort().await;
            payload.drain().await;
            return Err(e);
        }
    };
    let (kept, new) = archive
        .finish_scan(
            &number,
            upload,
            scan,
            sha256.as_deref(),
            file_name,
            Some(&caller.account),
        )
        .await?;
    let detail = Some(format!(
        "scan of paper record {} sha256 {} ({} bytes)",
        kept.record, kept.sha256, kept.size
    ));
    let mut response = if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(note(
        response
            .insert_header((header::LOCATION, format!("/v1/files/{}", kept.sha256)))
            .json(&kept),
        AuditNote {
            detail,
            ..AuditNote::default()
        },
    ))
}

/// `GET /v1/archive/stats`: the digitisation rate of the paper records by category and year.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn stats(
    service: web::Data<Service>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    reading_all(&caller)?;
    Ok(HttpResponse::Ok().json(service.archive().digitisation().await?))
}
