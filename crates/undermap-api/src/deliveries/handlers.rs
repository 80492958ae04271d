//! `POST /v1/deliveries`: an archivist uploads a delivery and gets the same report the command
//! line prints. Multipart form: `department`, one or more `file` parts (a Shapefile's .shp, .shx,
//! .dbf, .prj and .cpg; a survey point table and segment table; or one GeoJSON, GeoPackage or
//! DXF file), and optionally `mode` (full|incremental), `crs`, `encoding`, `table`, `strict`,
//! `dxf_layers` (the TOML layer mapping), `loaded_by` and `project` (the archive project the
//! delivery is the as-built survey of).

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use futures_util::TryStreamExt;
use undermap_crs::Crs;
use undermap_ingest::{DxfMapping, IngestOptions, Strictness};
use undermap_service::{DeliveryRequest, Departments, Service};
use undermap_store::DeliveryMode;

use undermap_auth::Capability;
use undermap_core::LayerId;

use crate::security::{note, AuditNote, Caller};
use crate::ApiError;

/// Largest upload accepted; bigger deliveries go through `undermap ingest`.
pub const MAX_UPLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// Companion files: uploaded with their main file, not read on their own.
const COMPANIONS: &[&str] = &["shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx", "xml"];

#[derive(Default)]
struct Form {
    department: Option<String>,
    mode: Option<String>,
    crs: Option<String>,
    encoding: Option<String>,
    table: Option<String>,
    strict: bool,
    strict_fields: bool,
    dxf_layers: Option<String>,
    loaded_by: Option<String>,
    project: Option<String>,
    files: Vec<PathBuf>,
}

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

fn yes_no(field: &str, value: Option<&str>) -> Result<bool, ApiError> {
    match value {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(bad(format!("{field}: {other:?} is not true or false"))),
    }
}

/// A file name from the upload, reduced to its last component; nothing that could leave the
/// temporary folder.
fn safe_name(name: &str) -> Result<String, ApiError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() || base == "." || base == ".." || base.contains('\0') {
        return Err(bad(format!("file name {name:?} cannot be used")));
    }
    Ok(base.to_owned())
}

async fn read_form(mut payload: Multipart, dir: &Path) -> Result<Form, ApiError> {
    let mut form = Form::default();
    let mut total: u64 = 0;
    while let Some(mut field) = payload
        .try_next()
        .await
        .map_err(|e| bad(format!("the multipart body cannot be read: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .ok_or_else(|| bad("a `file` part needs a filename"))
                .and_then(safe_name)?;
            let path = dir.join(&file_name);
            if form.files.contains(&path) {
                return Err(bad(format!("{file_name} was uploaded twice")));
            }
            let mut out = std::fs::File::create(&path)
                .map_err(|e| ApiError::Unavailable(format!("cannot store the upload: {e}")))?;
            while let Some(chunk) = field
                .try_next()
                .await
                .map_err(|e| bad(format!("the upload broke off: {e}")))?
            {
                total += chunk.len() as u64;
                if total > MAX_UPLOAD_BYTES {
                    return Err(ApiError::UploadTooLarge {
                        limit: MAX_UPLOAD_BYTES,
                    });
                }
                out.write_all(&chunk)
                    .map_err(|e| ApiError::Unavailable(format!("cannot store the upload: {e}")))?;
            }
            form.files.push(path);
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|e| bad(format!("the form broke off: {e}")))?
        {
            if value.len() + chunk.len() > 1024 * 1024 {
                return Err(bad(format!("form field `{name}` is longer than 1 MiB")));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value)
            .map_err(|_| bad(format!("form field `{name}` is not UTF-8 text")))?;
        let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        match name.as_str() {
            "department" => form.department = value,
            "mode" => form.mode = value,
            "crs" => form.crs = value,
            "encoding" => form.encoding = value,
            "table" => form.table = value,
            "dxf_layers" => form.dxf_layers = value,
            "loaded_by" => form.loaded_by = value,
            "project" => form.project = value,
            "strict" => form.strict = yes_no("strict", value.as_deref())?,
            "strict_fields" => form.strict_fields = yes_no("strict_fields", value.as_deref())?,
            other => {
                return Err(bad(format!(
                    "unknown form field `{other}`; expected department, file, mode, crs, encoding, table, strict, strict_fields, dxf_layers, loaded_by, project"
                )))
            }
        }
    }
    Ok(form)
}

/// `POST /v1/deliveries` (multipart): loads a delivery; 201 with the delivery report, or 422
/// with every rejection when `strict` refused it.
#[tracing::instrument(skip(service, departments, payload, caller), fields(account = %caller.account))]
pub(crate) async fn create(
    service: web::Data<Service>,
    departments: web::Data<Departments>,
    caller: Caller,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Ingest)?;
    let dir = tempfile::tempdir()
        .map_err(|e| ApiError::Unavailable(format!("cannot store the upload: {e}")))?;
    let form = read_form(payload, dir.path()).await?;
    let department = departments.get(
        form.department
            .as_deref()
            .ok_or_else(|| bad("the form needs a `department` field"))?,
    )?;
    let layer: LayerId = department
        .layer
        .parse()
        .map_err(|e: undermap_core::CoreError| bad(e.to_string()))?;
    if !caller.view.sees_layer(&layer) {
        return Err(undermap_auth::AuthError::Forbidden(format!(
            "account {:?} may not load the {} layer",
            caller.account, department.layer
        ))
        .into());
    }
    let files: Vec<PathBuf> = form
        .files
        .iter()
        .filter(|p| {
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            !COMPANIONS.contains(&ext.as_str())
        })
        .cloned()
        .collect();
    if files.is_empty() {
        return Err(bad(
            "the form needs at least one `file` part with the delivery",
        ));
    }
    let mode = match form.mode.as_deref() {
        None | Some("incremental") => DeliveryMode::Incremental,
        Some("full") => DeliveryMode::Full,
        Some(other) => return Err(bad(format!("mode: {other:?} is not full or incremental"))),
    };
    let mut options = IngestOptions::new(
        service.config().deployment_crs.clone(),
        mode,
        // Who loaded it is the authenticated account; a name given in the form is kept beside it.
        match form.loaded_by {
            Some(name) if name != caller.account => format!("{} for {name}", caller.account),
            _ => caller.account.clone(),
        },
    );
    options.source_crs = form
        .crs
        .as_deref()
        .map(Crs::parse)
        .transpose()
        .map_err(undermap_service::ServiceError::from)?;
    options.encoding = form.encoding;
    options.datums = service.config().datums.clone();
    options.table = form.table;
    options.project = form.project;
    if let Some(toml) = form.dxf_layers {
        let path = dir.path().join("dxf-layers.toml");
        std::fs::write(&path, toml)
            .map_err(|e| ApiError::Unavailable(format!("cannot store the upload: {e}")))?;
        options.dxf_layers =
            Some(DxfMapping::load(&path).map_err(undermap_service::ServiceError::from)?);
    }
    let request = DeliveryRequest {
        files,
        department,
        options,
        strict: Strictness {
            records: form.strict,
            fields: form.strict_fields,
        },
    };
    let summary = service
        .deliveries()
        .deliver(request, Box::new(|_| {}))
        .await?;
    drop(dir);
    if summary.refused.is_some() {
        return Err(ApiError::DeliveryRefused(Box::new(summary)));
    }
    let audit = AuditNote {
        returned: u64::try_from(summary.inserted + summary.updated + summary.retired).ok(),
        area: None,
        detail: Some(format!(
            "delivery {} ({} rejected)",
            summary.delivery_id, summary.rejected
        )),
    };
    Ok(note(HttpResponse::Created().json(summary), audit))
}
