//! A request that is JSON, or a form with the JSON in one field followed by files (an owner's
//! answer with its drawings, a field report with its photos); and an attached file sent back.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use undermap_service::{Service, ServiceError};
use undermap_store::{AnswerFile, FileBytes};

use crate::ApiError;

/// Most files with one request.
const MAX_FILES: usize = 5;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

/// A multipart form read part by part, that can be read to its end after a refusal so that
/// the client hears the answer rather than a reset. `actix_multipart` panics when polled again
/// after it has reported a broken form (no boundary, a bad header), so a form remembers that
/// it ended.
pub(crate) struct Form {
    parts: Multipart,
    ended: bool,
}

impl Form {
    pub(crate) fn new(parts: Multipart) -> Self {
        Self {
            parts,
            ended: false,
        }
    }

    /// The next part, `None` at the end; a broken form is the caller's mistake.
    pub(crate) async fn next_part(&mut self) -> Result<Option<actix_multipart::Field>, ApiError> {
        if self.ended {
            return Ok(None);
        }
        match self.parts.next().await {
            Some(Ok(field)) => Ok(Some(field)),
            Some(Err(e)) => {
                self.ended = true;
                Err(bad(format!("the multipart body cannot be read: {e}")))
            }
            None => {
                self.ended = true;
                Ok(None)
            }
        }
    }

    /// Reads and drops what is left.
    pub(crate) async fn drain(&mut self) {
        while let Ok(Some(mut field)) = self.next_part().await {
            while let Some(Ok(_)) = field.next().await {}
        }
    }
}

/// The JSON of a request, and its files: from a JSON body (no files), or from a form whose
/// `json_field` holds the JSON and whose `file_field` parts (up to five, sent after it) are
/// streamed into the file store as they arrive. A refused form is read to its end, so that the
/// client hears the answer.
pub(crate) async fn json_with_files<T: DeserializeOwned>(
    service: &Service,
    req: &HttpRequest,
    payload: web::Payload,
    json_field: &str,
    file_field: &str,
) -> Result<(T, Vec<AnswerFile>), ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let body = payload
            .to_bytes_limited(crate::routes::MAX_BODY_BYTES)
            .await
            .map_err(|_| bad("the body is larger than 1 MiB"))?
            .map_err(|e| bad(format!("the body cannot be read: {e}")))?;
        let value = serde_json::from_slice(&body)
            .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
        return Ok((value, Vec::new()));
    }
    let mut form = Form::new(Multipart::new(req.headers(), payload));
    let read = read_form(service, &mut form, json_field, file_field).await;
    if read.is_err() {
        form.drain().await;
    }
    read
}

async fn read_form<T: DeserializeOwned>(
    service: &Service,
    form: &mut Form,
    json_field: &str,
    file_field: &str,
) -> Result<(T, Vec<AnswerFile>), ApiError> {
    let mut value: Option<T> = None;
    let mut files = Vec::new();
    while let Some(mut field) = form.next_part().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == json_field {
            let mut text = Vec::new();
            while let Some(chunk) = field
                .try_next()
                .await
                .map_err(|e| bad(format!("the form broke off: {e}")))?
            {
                if text.len() + chunk.len() > 64 * 1024 {
                    return Err(bad(format!(
                        "the `{json_field}` field is longer than 64 KiB"
                    )));
                }
                text.extend_from_slice(&chunk);
            }
            value =
                Some(serde_json::from_slice(&text).map_err(|e| bad(format!("{json_field}: {e}")))?);
        } else if name == file_field {
            if value.is_none() {
                return Err(bad(format!(
                    "send the `{json_field}` field before the files"
                )));
            }
            if files.len() == MAX_FILES {
                return Err(bad(format!("at most {MAX_FILES} files")));
            }
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or_default().to_owned())
                .filter(|n| !n.is_empty());
            let mut upload = service.attachment_upload().await?;
            let mut failed = None;
            while let Some(chunk) = field.next().await {
                let written = match chunk {
                    Ok(c) => upload
                        .write(c)
                        .await
                        .map_err(|e| ApiError::from(ServiceError::from(e))),
                    Err(e) => Err(bad(format!("the file broke off: {e}"))),
                };
                if let Err(e) = written {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(e) = failed {
                upload.abort().await;
                return Err(e);
            }
            let kept = upload
                .finish(None, file_name.as_deref())
                .await
                .map_err(ServiceError::from)?;
            files.push(AnswerFile {
                sha256: kept.hash.as_str().to_owned(),
                size: kept.size,
                media_type: kept.media_type,
                file_name,
            });
        } else {
            return Err(bad(format!(
                "unknown form field `{name}`; expected {json_field}, then {file_field}"
            )));
        }
    }
    let value =
        value.ok_or_else(|| bad(format!("the form needs a `{json_field}` field (JSON)")))?;
    Ok((value, files))
}

/// An attached file's bytes, cached as immutable (they are addressed by their hash).
pub(crate) fn attachment(file: &AnswerFile, bytes: FileBytes) -> HttpResponse {
    let length = bytes.range.end - bytes.range.start;
    let stream = bytes
        .stream
        .map(|chunk| chunk.map_err(actix_web::error::ErrorInternalServerError));
    let name = file
        .file_name
        .clone()
        .unwrap_or_else(|| file.sha256.clone());
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", file.sha256)))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
        .insert_header((header::CONTENT_TYPE, file.media_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "inline; filename*=UTF-8''{}",
                percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
            ),
        ))
        .no_chunking(length)
        .streaming(stream)
}
