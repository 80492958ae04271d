//! Handing over files (multipart, streamed into the file store as they arrive) and reading them
//! back (ETag, ranges, audited).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use undermap_service::{FileMeta, KeptFile, Service};
use undermap_store::{ScanMetadata, Upload};

use super::scope;
use crate::forms::Form;
use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

/// The form's text fields.
const FIELDS: &str = "category, title, date, sha256, feature_ids, scan, access, file";

async fn text_field(field: &mut actix_multipart::Field, name: &str) -> Result<String, ApiError> {
    let mut value = Vec::new();
    while let Some(chunk) = field
        .try_next()
        .await
        .map_err(|e| bad(format!("the form broke off: {e}")))?
    {
        if value.len() + chunk.len() > 64 * 1024 {
            return Err(bad(format!("form field `{name}` is longer than 64 KiB")));
        }
        value.extend_from_slice(&chunk);
    }
    String::from_utf8(value).map_err(|_| bad(format!("form field `{name}` is not UTF-8 text")))
}

fn set_field(meta: &mut FileMeta, name: &str, value: String) -> Result<(), ApiError> {
    let value = value.trim().to_owned();
    match name {
        "category" => meta.category = value,
        "title" => meta.title = value,
        "date" => {
            meta.date = Some(
                value
                    .parse()
                    .map_err(|_| bad(format!("date: {value:?} is not YYYY-MM-DD")))?,
            );
        }
        "sha256" => meta.sha256 = Some(value),
        "access" => {
            meta.access = Some(value.parse().map_err(|e| bad(format!("access: {e}")))?);
        }
        "feature_ids" => {
            meta.feature_ids = value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        "scan" => {
            meta.scan = Some(
                serde_json::from_str::<ScanMetadata>(&value)
                    .map_err(|e| bad(format!("scan: {e}")))?,
            );
        }
        other => {
            return Err(bad(format!(
                "unknown form field `{other}`; expected {FIELDS}"
            )))
        }
    }
    Ok(())
}

/// Reads a multipart form whose one `file` part streams into `upload` as it comes, handing
/// every text field to `on_text`. `before_file` runs when the file part starts, on the fields
/// sent before it, so that a client sending its metadata first is refused before its bytes.
/// Returns the file's name. On any error the caller abandons the upload.
pub(super) async fn read_multipart<F: std::future::Future<Output = Result<(), ApiError>>>(
    payload: &mut Form,
    upload: &mut Upload,
    mut on_text: impl FnMut(&str, String) -> Result<(), ApiError>,
    before_file: impl FnOnce() -> F,
) -> Result<Option<String>, ApiError> {
    let mut before_file = Some(before_file);
    let mut file_name = None;
    let mut got_file = false;
    while let Some(mut field) = payload.next_part().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            let value = text_field(&mut field, &name).await?;
            on_text(&name, value)?;
            continue;
        }
        if got_file {
            return Err(bad("send one `file` part per upload"));
        }
        got_file = true;
        if let Some(check) = before_file.take() {
            check().await?;
        }
        file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or_default().to_owned())
            .filter(|n| !n.is_empty());
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|e| bad(format!("the upload broke off: {e}")))?
        {
            upload
                .write(chunk)
                .await
                .map_err(undermap_service::ServiceError::from)?;
        }
    }
    if !got_file {
        return Err(bad("the form needs a `file` part"));
    }
    Ok(file_name)
}

/// `POST /v1/projects/{code}/files` (multipart: `category`, `title`, optional `date`, `sha256`,
/// `feature_ids`, `scan`, and one `file`): 201 with the file's record when new, 200 when the
/// project holds these bytes under this category already. Nothing is kept on any refusal.
#[tracing::instrument(skip(service, caller, payload), fields(account = %caller.account))]
pub(crate) async fn upload(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let mut payload = Form::new(payload);
    let scope = scope::uploading(&caller)?;
    let archive = service.archive();
    let mut upload = archive.begin_upload(&code, &scope).await?;
    let meta = std::cell::RefCell::new(FileMeta::default());
    let read = read_multipart(
        &mut payload,
        &mut upload,
        |name, value| set_field(&mut meta.borrow_mut(), name, value),
        || async {
            let category = meta.borrow().category.clone();
            if category.is_empty() {
                return Ok(());
            }
            archive.check_category(&code, &scope, &category).await?;
            Ok(())
        },
    )
    .await;
    let mut meta = meta.into_inner();
    if let Err(e) = read.and_then(|name| {
        meta.file_name = name;
        if meta.category.is_empty() {
            return Err(bad("the form needs a `category` field"));
        }
        if meta.title.is_empty() {
            meta.title = meta.file_name.clone().unwrap_or_default();
        }
        Ok(())
    }) {
        upload.abort().await;
        payload.drain().await;
        return Err(e);
    }
    let size = upload.size();
    let (record, new) = archive
        .finish_upload(&code, &scope, upload, meta, Some(&caller.account))
        .await?;
    let mut response = if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    let detail = Some(format!(
        "{} {} sha256 {} ({size} bytes)",
        record.project, record.category, record.sha256
    ));
    Ok(note(
        response
            .insert_header((header::LOCATION, format!("/v1/files/{}", record.sha256)))
            .json(&record),
        AuditNote {
            detail,
            ..AuditNote::default()
        },
    ))
}

/// `GET /v1/projects/{code}/checklist`: the files a project's category owes against those
/// received.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn checklist(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::reading(&caller)?;
    Ok(HttpResponse::Ok().json(&service.archive().checklist(&code, &scope).await?))
}

/// The one byte range a `Range` header asks for, within a file of `size` bytes: `None` for the
/// whole file (no header, a header in another unit, several ranges: RFC 9110 lets a server
/// send the whole), `Err` when it cannot be satisfied.
pub(crate) fn byte_range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || size == 0 {
            return Err(());
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>()
                .map_err(|_| ())?
                .min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// `GET /v1/files/{sha256}`: a file's bytes, to callers who may see a project holding it; with
/// `ETag` (its SHA-256), `If-None-Match` and single byte ranges. Every download is audited.
#[tracing::instrument(skip(service, caller, req), fields(account = %caller.account))]
pub(crate) async fn download(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    sha256: web::Path<String>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = scope::reader(&caller)?;
    let archive = service.archive();
    let record = archive.file(&sha256, &reader).await?;
    let purpose = query
        .purpose
        .as_deref()
        .map(|p| p.chars().take(200).collect::<String>());
    let detail = format!(
        "sha256 {} of {}{}",
        record.sha256,
        record.held_by,
        purpose
            .map(|p| format!(", purpose: {p}"))
            .unwrap_or_default()
    );
    send_file(&service, &req, &record, detail, false).await
}

/// Query of `GET /v1/files/{sha256}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadQuery {
    /// Why the file is downloaded (audited).
    purpose: Option<String>,
}

/// A kept file's bytes (or the range asked), with its `ETag`, audited with `detail`. `whole`:
/// every byte whatever the request's `Range` and `If-None-Match` say (a counted download link
/// serves the file, not a part of it, for each use it takes).
pub(crate) async fn send_file(
    service: &Service,
    req: &HttpRequest,
    record: &KeptFile,
    detail: String,
    whole: bool,
) -> Result<HttpResponse, ApiError> {
    let archive = service.archive();
    let etag = format!("\"{}\"", record.sha256);
    let audit = AuditNote {
        detail: Some(detail),
        ..AuditNote::default()
    };
    let matches = !whole
        && req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == etag || t == "*")
            });
    if matches {
        return Ok(note(
            HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish(),
            audit,
        ));
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| !whole);
    let range = byte_range(range, record.size)
        .map_err(|()| ApiError::RangeNotSatisfiable { size: record.size })?;
    let bytes = archive
        .file_bytes(record, range.map(|(a, b)| a..b + 1))
        .await?;
    let name = record
        .file_name
        .clone()
        .unwrap_or_else(|| record.sha256.clone());
    let disposition = format!(
        "inline; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut response = match range {
        Some((a, b)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {a}-{b}/{}", record.size),
            ));
            r
        }
        None => HttpResponse::Ok(),
    };
    let length = bytes.range.end - bytes.range.start;
    let stream = bytes
        .stream
        .map(|chunk| chunk.map_err(actix_web::error::ErrorInternalServerError));
    Ok(note(
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
            .insert_header((header::CONTENT_DISPOSITION, disposition))
            .insert_header((header::CONTENT_TYPE, record.media_type.clone()))
            .no_chunking(length)
            .streaming(stream),
        audit,
    ))
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-0"), 10), Ok(Some((0, 0))));
        assert_eq!(byte_range(Some("bytes=2-"), 10), Ok(Some((2, 9))));
        assert_eq!(byte_range(Some("bytes=2-100"), 10), Ok(Some((2, 9))));
        assert_eq!(byte_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(byte_range(Some("bytes=-30"), 10), Ok(Some((0, 9))));
        assert_eq!(byte_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(byte_range(Some("bytes=5-4"), 10), Err(()));
        assert_eq!(byte_range(Some("bytes=-0"), 10), Err(()));
        assert_eq!(byte_range(Some("bytes=x-"), 10), Err(()));
    }
}
