//! ZIP bundles: a project's whole hand-over, or files picked by their SHA-256, streamed as they
//! are written; refused whole when any file is not one the caller may read. Audited with every
//! SHA-256 sent.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_service::{Bundle, Service};

use super::scope;
use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

fn zip(service: &Service, bundle: Bundle) -> Result<HttpResponse, ApiError> {
    let detail = format!(
        "bundle {} of {} files, {} bytes: {}",
        bundle.name,
        bundle.files.len(),
        bundle.bytes,
        bundle
            .files
            .iter()
            .map(|f| f.sha256.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Bundle names are a project code or a date: ASCII, no quotes.
    let disposition = format!("attachment; filename=\"{}\"", bundle.name);
    let stream = service.archive().bundle_stream(bundle)?;
    Ok(note(
        HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CONTENT_DISPOSITION, disposition))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .streaming(stream),
        AuditNote {
            detail: Some(detail),
            ..AuditNote::default()
        },
    ))
}

/// `GET /v1/projects/{code}/bundle.zip`: every file the project holds, a folder per category,
/// with `manifest.json` and `SHA256SUMS`.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn project(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reader = scope::reader(&caller)?;
    let bundle = service.archive().bundle_project(&code, &reader).await?;
    zip(&service, bundle)
}

/// Body of `POST /v1/bundles`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BundleInput {
    files: Vec<String>,
}

/// `POST /v1/bundles {files: [sha256, …]}`: these files as one ZIP, each one the caller may
/// read (else nothing is sent).
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn files(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<BundleInput>,
) -> Result<HttpResponse, ApiError> {
    let reader = scope::reader(&caller)?;
    let bundle = service.archive().bundle_files(&body.files, &reader).await?;
    zip(&service, bundle)
}
