use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use serde::Serialize;
use undermap_crs::Crs;
use undermap_store::{Delivery, DeliveryMode, DeliveryReport};

use crate::readers::dxf::DxfMapping;
use crate::{IngestError, UnmappedField};

/// How to read a delivery.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The files' CRS when they do not say (or to override what they say).
    pub source_crs: Option<Crs>,
    /// The deployment CRS features are stored in.
    pub deployment_crs: Crs,
    /// Full or incremental delivery.
    pub mode: DeliveryMode,
    /// Who is loading it.
    pub loaded_by: String,
    /// Text encoding of attribute files without a `.cpg` (`GBK`, `UTF-8`).
    pub encoding: Option<String>,
    /// Which CAD layers hold which department's features (DXF deliveries).
    pub dxf_layers: Option<DxfMapping>,
    /// Which table of a GeoPackage to read.
    pub table: Option<String>,
    /// The deployment's local datum transformations, and whether a delivery only a ballpark
    /// operation converts is refused.
    pub datums: undermap_crs::Datums,
    /// The archive project the delivery belongs to (its as-built survey): every feature keeps
    /// its code under `project_code`, and the delivery records it.
    pub project: Option<String>,
}

impl IngestOptions {
    /// Options with nothing but the essentials set.
    #[must_use]
    pub fn new(deployment_crs: Crs, mode: DeliveryMode, loaded_by: impl Into<String>) -> Self {
        Self {
            source_crs: None,
            deployment_crs,
            mode,
            loaded_by: loaded_by.into(),
            encoding: None,
            dxf_layers: None,
            table: None,
            datums: undermap_crs::Datums::default(),
            project: None,
        }
    }
}

/// One record that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The source file.
    pub file: String,
    /// Record number in the file, from 1 (data rows for tables; `fid` for a GeoPackage).
    pub record: usize,
    /// The record's id, if it had a readable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field at fault, as the file names it, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, in words an archivist can act on.
    pub reason: String,
}

/// A delivery read and validated: what to load, and what was rejected.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The valid features, ready for the store.
    pub delivery: Delivery,
    /// Every record that was not loaded.
    pub rejections: Vec<Rejection>,
    /// Records read in all.
    pub records: usize,
    /// Things the archivist should know that are not rejections (vertices-only survey points,
    /// CAD entities for other departments).
    pub notes: Vec<String>,
    /// Source fields that mapped to no model field.
    pub unmapped: Vec<UnmappedField>,
    /// What the archivist must not miss: files converted only by a ballpark datum shift.
    pub warnings: Vec<String>,
    /// Where each feature came from (file, record), by id.
    pub origins: HashMap<String, (Arc<str>, usize)>,
}

/// What makes a delivery be refused whole rather than loaded in part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Strictness {
    /// Any rejected record (`--strict`).
    pub records: bool,
    /// Any source field that maps to no model field (`--strict-fields`).
    pub fields: bool,
}

impl Strictness {
    /// Whether anything must be read whole before a record is loaded.
    #[must_use]
    pub fn any(self) -> bool {
        self.records || self.fields
    }
}

impl Prepared {
    /// Fails if the delivery breaks what `strict` asks for: then nothing is loaded.
    pub fn check_strict(&self, strict: Strictness) -> Result<(), IngestError> {
        if strict.records && !self.rejections.is_empty() {
            return Err(IngestError::Strict {
                file: self.delivery.source_name.clone(),
                rejected: self.rejections.len(),
                records: self.records,
            });
        }
        if strict.fields && !self.unmapped.is_empty() {
            return Err(IngestError::StrictFields {
                file: self.delivery.source_name.clone(),
                fields: self
                    .unmapped
                    .iter()
                    .map(|u| match &u.did_you_mean {
                        Some(hint) => format!("{} (did you mean {hint}?)", u.field),
                        None => u.field.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(())
    }
}

/// What the archivist sees after a load, on the terminal and from `POST /v1/deliveries`.
#[derive(Debug, Clone, Serialize)]
pub struct DeliverySummary {
    /// The delivery's number in the store.
    pub delivery_id: i64,
    /// Department.
    pub department: String,
    /// Layer loaded.
    pub layer: String,
    /// Files as delivered.
    pub files: String,
    /// SHA-256 of the files.
    pub sha256: String,
    /// The CRS the files were read in.
    pub source_crs: String,
    /// The coordinate operation that converted each file to the deployment CRS.
    pub operation: String,
    /// `full` or `incremental`.
    pub mode: &'static str,
    /// Records read.
    pub records: usize,
    /// New features.
    pub inserted: usize,
    /// Features that got a new version.
    pub updated: usize,
    /// Features identical to their current version.
    pub unchanged: usize,
    /// Features retired (full deliveries).
    pub retired: usize,
    /// Records not loaded.
    pub rejected: usize,
    /// Every rejected record with its reason (validation and store).
    pub rejections: Vec<Rejection>,
    /// Notes (not rejections).
    pub notes: Vec<String>,
    /// Warnings: files whose positions may be metres off (a ballpark datum shift).
    pub warnings: Vec<String>,
    /// Source fields that mapped to no model field (kept as free attributes, read by nothing),
    /// with how many records had each and the model field it may have meant.
    pub unmapped_fields: Vec<UnmappedField>,
    /// Why nothing was loaded (strict mode and rejections), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Where the loaded features are (min x, min y, max x, max y, deployment CRS): what a
    /// subscription to an area is told of. Not part of the answer.
    #[serde(skip)]
    pub extent: Option<[f64; 4]>,
}

/// The box around `features`, grown as they come.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extent(Option<[f64; 4]>);

impl Extent {
    /// Grows the box to take `f` in.
    pub fn add(&mut self, f: &undermap_core::Feature) {
        use geo::BoundingRect;
        if let Some(r) = f.geometry.bounding_rect() {
            let (a, b) = (r.min(), r.max());
            self.0 = Some(match self.0 {
                None => [a.x, a.y, b.x, b.y],
                Some(e) => [e[0].min(a.x), e[1].min(a.y), e[2].max(b.x), e[3].max(b.y)],
            });
        }
    }

    /// The box, if any feature had one.
    #[must_use]
    pub fn get(self) -> Option<[f64; 4]> {
        self.0
    }
}

impl DeliverySummary {
    /// A delivery that strict mode refused: nothing loaded, every rejection listed.
    #[must_use]
    pub fn refused(department: &str, meta: DeliveryMeta, reason: String) -> Self {
        let mut summary = Self::new(department, meta, &DeliveryReport::default());
        summary.refused = Some(reason);
        summary
    }

    /// Puts together what was read and what the store did. `prepared.delivery` has been moved
    /// into the store by now, so its descriptive fields are passed in `meta`.
    #[must_use]
    pub fn new(department: &str, meta: DeliveryMeta, report: &DeliveryReport) -> Self {
        let mut rejections = meta.rejections;
        rejections.extend(report.rejected.iter().map(|r| {
            let id = r.id.to_string();
            let (file, record) = meta
                .origins
                .get(&id)
                .map_or_else(|| (meta.files.clone(), 0), |(f, n)| (f.to_string(), *n));
            Rejection {
                file,
                record,
                id: Some(id),
                field: Some("id".into()),
                reason: r.reason.clone(),
            }
        }));
        Self {
            delivery_id: report.delivery_id,
            department: department.to_owned(),
            layer: meta.layer,
            files: meta.files,
            sha256: meta.sha256,
            source_crs: meta.source_crs,
            operation: meta.operation,
            mode: meta.mode.as_str(),
            records: meta.records,
            inserted: report.inserted,
            updated: report.updated,
            unchanged: report.unchanged,
            retired: report.retired,
            rejected: rejections.len(),
            rejections,
            notes: meta.notes,
            warnings: meta.warnings,
            unmapped_fields: meta.unmapped,
            refused: None,
            extent: None,
        }
    }

    /// Writes every rejection as a JSON line (source file, record, id, field, reason).
    pub fn write_rejections(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for r in &self.rejections {
            serde_json::to_writer(&mut *out, r)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// One line for the terminal.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "{}: {} records: {} inserted, {} updated, {} unchanged, {} retired, {} rejected (delivery {}, {})",
            self.files,
            self.records,
            self.inserted,
            self.updated,
            self.unchanged,
            self.retired,
            self.rejected,
            self.delivery_id,
            self.source_crs
        )
    }
}

/// The parts of a prepared delivery the summary needs after the features went to the store.
#[derive(Debug, Clone)]
pub struct DeliveryMeta {
    layer: String,
    files: String,
    sha256: String,
    source_crs: String,
    operation: String,
    mode: DeliveryMode,
    records: usize,
    rejections: Vec<Rejection>,
    notes: Vec<String>,
    warnings: Vec<String>,
    unmapped: Vec<UnmappedField>,
    origins: HashMap<String, (Arc<str>, usize)>,
}

impl DeliveryMeta {
    /// What the summary needs from a delivery that was streamed into the store: its header and
    /// what reading found.
    #[must_use]
    pub fn new(header: &Delivery, outcome: crate::ReadOutcome) -> Self {
        Self {
            layer: header.layer.to_string(),
            files: header.source_name.clone(),
            sha256: header.sha256.clone(),
            source_crs: header.source_crs.clone(),
            operation: header.operation.clone(),
            mode: header.mode,
            records: outcome.records,
            rejections: outcome.rejections,
            notes: outcome.notes,
            warnings: outcome.warnings,
            unmapped: outcome.unmapped,
            origins: outcome.origins,
        }
    }
}

impl Prepared {
    /// Splits off what the summary needs, leaving the delivery to load.
    #[must_use]
    pub fn split(self) -> (Delivery, DeliveryMeta) {
        let meta = DeliveryMeta::new(
            &self.delivery,
            crate::ReadOutcome {
                rejections: self.rejections,
                records: self.records,
                notes: self.notes,
                unmapped: self.unmapped,
                warnings: self.warnings,
                origins: self.origins,
            },
        );
        (self.delivery, meta)
    }
}
