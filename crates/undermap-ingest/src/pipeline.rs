//! One delivery, start to finish: open each file with its reader, settle its CRS, map every
//! record through the department's schema, reproject, validate, and collect features and
//! rejections. Nothing touches the store here; the caller loads the result in one transaction.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use geo_types::Geometry;
use sha2::{Digest, Sha256};
use undermap_core::{Feature, FeatureId, FeatureKind, PROJECT_CODE};
use undermap_crs::{Crs, Transformer};
use undermap_store::Delivery;

use crate::department::{area_from_line, Department, Mapping};
use crate::readers::{self, text::by_label};
use crate::source::{io, SourceRecord};
use crate::{properties, IngestError, IngestOptions, Prepared, Rejection, Source};

/// Reads a delivery: one or more files of one department (a Shapefile's lines and points, a
/// survey point table and its segment table…). `progress` is called with the number of records
/// read so far, now and then.
pub fn prepare(
    inputs: &[PathBuf],
    department: &Department,
    options: &IngestOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<Prepared, IngestError> {
    let opened = open(inputs, department, options)?;
    let mut features = Vec::new();
    let mut delivery = opened.header.clone();
    let outcome = opened.read(department, progress, &mut |f| features.push(f))?;
    delivery.features = features;
    delivery.rejected_before_load = outcome.rejections.len();
    Ok(Prepared {
        delivery,
        rejections: outcome.rejections,
        records: outcome.records,
        notes: outcome.notes,
        unmapped: outcome.unmapped,
        warnings: outcome.warnings,
        origins: outcome.origins,
    })
}

/// A delivery whose files are open and whose CRSs are settled, not yet read: its `header` (a
/// [`Delivery`] without features) can be recorded before the first record is read.
pub struct OpenedDelivery {
    /// Everything about the delivery but its features and rejection count.
    pub header: Delivery,
    sources: Vec<(Source, Transformer)>,
    layer: undermap_core::LayerId,
    warnings: Vec<String>,
}

impl std::fmt::Debug for OpenedDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedDelivery")
            .field("header", &self.header.source_name)
            .finish_non_exhaustive()
    }
}

/// What reading a delivery found besides its features.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    /// Every record that was not loaded.
    pub rejections: Vec<Rejection>,
    /// Records read in all.
    pub records: usize,
    /// Notes for the summary.
    pub notes: Vec<String>,
    /// Source fields that mapped to no model field, most frequent first.
    pub unmapped: Vec<UnmappedField>,
    /// Files converted only by a ballpark datum shift.
    pub warnings: Vec<String>,
    /// The file and record number of every feature read, by id: a rejection by the store
    /// (which sees features, not records) names the record it came from.
    pub origins: HashMap<String, (Arc<str>, usize)>,
}

/// A source field that mapped to no model field: kept as a free attribute, but nothing reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedField {
    /// The field, as the files name it.
    pub field: String,
    /// Records that had it.
    pub records: usize,
    /// The model field (or alias) it is close to, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// Distinct unmapped names counted, at most: a file with thousands of column names still reports.
const MAX_UNMAPPED: usize = 1_000;

/// Opens every file of a delivery, hashes them and settles each one's CRS, reading no record yet.
pub fn open(
    inputs: &[PathBuf],
    department: &Department,
    options: &IngestOptions,
) -> Result<OpenedDelivery, IngestError> {
    if inputs.is_empty() {
        return Err(IngestError::Input("no files given".into()));
    }
    let encoding = options
        .encoding
        .as_deref()
        .map(|label| {
            by_label(label).ok_or_else(|| {
                IngestError::Input(format!("unknown text encoding {label:?}; use UTF-8 or GBK"))
            })
        })
        .transpose()?;
    let opened = readers::open_all(inputs, department, options, encoding)?;
    let sha256 = hash(inputs)?;
    let layer: undermap_core::LayerId = department
        .layer
        .parse()
        .map_err(|e: undermap_core::CoreError| IngestError::Input(e.to_string()))?;
    let deployment = options.deployment_crs.gis_order();
    let mut crs_names = Vec::new();
    let mut names = Vec::new();
    let mut sources = Vec::new();
    let mut operations = Vec::new();
    let mut warnings = Vec::new();
    for source in opened {
        let crs = settle_crs(&source, options)?;
        let crs_error = |e| IngestError::Crs {
            file: source.name.clone(),
            source: Box::new(e),
        };
        let transformer = match options.datums.for_source(&crs).map_err(crs_error)? {
            Some(local) => Transformer::local(&crs.gis_order(), &deployment, local),
            None => Transformer::new(&crs.gis_order(), &deployment),
        }
        .map_err(crs_error)?;
        let operation = transformer.operation().map_err(crs_error)?;
        if operation.ballpark {
            if options.datums.refuse_ballpark {
                return Err(IngestError::Ballpark {
                    file: source.name.clone(),
                    from: crs.name().to_owned(),
                    to: deployment.name().to_owned(),
                    operation: operation.name,
                });
            }
            warnings.push(format!(
                "{}: {} converts to {} only by a ballpark operation ({}): PROJ knows no published \
                 transformation between the two datums, so positions may be metres to tens of \
                 metres off. Configure the surveying bureau's parameters for {} ([[datums.transformations]] \
                 in undermap.toml), or refuse such deliveries with --strict",
                source.name,
                crs.name(),
                deployment.name(),
                operation.name,
                crs.name()
            ));
        }
        operations.push(format!(
            "{}: {} to {} by {}",
            source.name,
            crs.name(),
            deployment.name(),
            operation.describe()
        ));
        crs_names.push(crs.name().to_owned());
        names.push(source.name.clone());
        sources.push((source, transformer));
    }
    crs_names.dedup();
    Ok(OpenedDelivery {
        header: Delivery {
            layer: layer.clone(),
            source_name: names.join(", "),
            sha256,
            source_crs: crs_names.join(", "),
            operation: operations.join("; "),
            mode: options.mode,
            loaded_by: options.loaded_by.clone(),
            project_code: options.project.clone(),
            features: Vec::new(),
            rejected_before_load: 0,
        },
        sources,
        layer,
        warnings,
    })
}

impl OpenedDelivery {
    /// Reads every record, handing each valid feature to `emit` as soon as it is made (so that a
    /// store can load while the files are still being read).
    pub fn read(
        self,
        department: &Department,
        progress: &mut dyn FnMut(usize),
        emit: &mut dyn FnMut(Feature),
    ) -> Result<ReadOutcome, IngestError> {
        let layer = self.layer;
        let project = self.header.project_code.map(serde_json::Value::String);
        let mut rejections = Vec::new();
        let mut notes = Vec::new();
        let mut records = 0_usize;
        let mut origins: HashMap<String, (Arc<str>, usize)> = HashMap::new();
        let mut unmapped: HashMap<String, usize> = HashMap::new();
        for (source, transformer) in self.sources {
            let format = source.format;
            let name = source.name.clone();
            let (mut valid, before) = (0_usize, rejections.len());
            let mut sink = |record: crate::RecordResult| {
                records += 1;
                if records.is_multiple_of(10_000) {
                    progress(records);
                }
                let reproject =
                    |g: &Geometry<f64>| transformer.geometry_checked(g).map_err(|e| e.to_string());
                let record = match record {
                    Ok(r) => r,
                    Err(r) => return rejections.push(r),
                };
                let mut tally = |field: &str| {
                    if let Some(n) = unmapped.get_mut(field) {
                        *n += 1;
                    } else if unmapped.len() < MAX_UNMAPPED {
                        unmapped.insert(field.to_owned(), 1);
                    }
                };
                match convert(&record, department, &layer, &reproject, &mut tally) {
                    Ok(mut f) => match origins.entry(f.id.to_string()) {
                        Entry::Occupied(first) => {
                            let (file, number) = first.get();
                            rejections.push(record.reject(
                                Some(f.id.to_string()),
                                Some("id".into()),
                                format!(
                                    "the id is already used by record {number} of {file}; the first one was loaded"
                                ),
                            ));
                        }
                        Entry::Vacant(slot) => {
                            slot.insert((Arc::clone(&record.file), record.number));
                            valid += 1;
                            if let Some(code) = &project {
                                f.attrs.extra.insert(PROJECT_CODE.to_owned(), code.clone());
                            }
                            emit(f);
                        }
                    },
                    Err(r) => rejections.push(r),
                }
            };
            notes.extend(source.read(&mut sink)?);
            tracing::info!(
                format,
                file = %name,
                valid,
                rejected = rejections.len() - before,
                "read delivery file"
            );
        }
        progress(records);
        let mut unmapped: Vec<UnmappedField> = unmapped
            .into_iter()
            .map(|(field, records)| UnmappedField {
                did_you_mean: department.did_you_mean(&field),
                field,
                records,
            })
            .collect();
        unmapped.sort_by(|a, b| {
            b.records
                .cmp(&a.records)
                .then_with(|| a.field.cmp(&b.field))
        });
        Ok(ReadOutcome {
            rejections,
            records,
            notes,
            unmapped,
            warnings: self.warnings,
            origins,
        })
    }
}

/// What the file declares, else `--crs`, else the format's default (CRS84 for GeoJSON); a file
/// that declares one CRS while `--crs` names another is refused rather than guessed at.
fn settle_crs(source: &Source, options: &IngestOptions) -> Result<Crs, IngestError> {
    match (&source.declared_crs, &options.source_crs) {
        (Some(declared), Some(given)) if declared != given => Err(IngestError::Input(format!(
            "{}: the file declares {} but --crs says {}; remove --crs or fix the file",
            source.name,
            declared.name(),
            given.name()
        ))),
        (Some(crs), _) | (None, Some(crs)) => Ok(crs.clone()),
        (None, None) => source
            .default_crs
            .clone()
            .ok_or_else(|| IngestError::NoCrs {
                file: source.name.clone(),
                format: source.format,
            }),
    }
}

/// SHA-256 over every file of the delivery (a Shapefile's .shp, .shx, .dbf, .prj, .cpg), in order.
fn hash(inputs: &[PathBuf]) -> Result<String, IngestError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 20];
    for input in inputs {
        for part in readers::parts(input) {
            let mut file = File::open(&part).map_err(io(&part))?;
            loop {
                let n = file.read(&mut buffer).map_err(io(&part))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
            }
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

/// [`check_record`] for a record made of `fields` and `geometry` (id `T-1`): how department
/// crates test their mapping.
pub fn check_fields(
    department: &Department,
    geometry: Geometry<f64>,
    fields: &[(&str, serde_json::Value)],
) -> Result<Feature, Rejection> {
    let record = SourceRecord {
        file: "test".into(),
        number: 1,
        native_id: Some("T-1".into()),
        geometry: Some(geometry),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    };
    check_record(department, &record)
}

/// Maps and checks one record as [`prepare`] does, leaving its coordinates as they are: for
/// testing a department's mapping without files or CRSs.
pub fn check_record(department: &Department, record: &SourceRecord) -> Result<Feature, Rejection> {
    let layer = department
        .layer
        .parse()
        .map_err(|e: undermap_core::CoreError| record.reject(None, None, e.to_string()))?;
    convert(record, department, &layer, &|g| Ok(g.clone()), &mut |_| {})
}

type Reproject<'a> = dyn Fn(&Geometry<f64>) -> Result<Geometry<f64>, String> + 'a;

fn convert(
    record: &SourceRecord,
    department: &Department,
    layer: &undermap_core::LayerId,
    reproject: &Reproject<'_>,
    unmapped: &mut dyn FnMut(&str),
) -> Result<Feature, Rejection> {
    let mapped = department
        .map(record)
        .map_err(|e| record.reject(record.native_id.clone(), Some(e.field), e.reason))?;
    for field in &mapped.unmapped {
        unmapped(field);
    }
    let raw_id = mapped.id.clone().ok_or_else(|| {
        record.reject(
            None,
            Some("id".into()),
            "missing: every record needs a stable id so that re-loading finds it".into(),
        )
    })?;
    let fail =
        |field: String, reason: String| record.reject(Some(raw_id.clone()), Some(field), reason);
    if let Some(e) = &mapped.refused {
        return Err(fail(e.field.clone(), e.reason.clone()));
    }
    if let Some(named) = mapped.properties.get("layer").and_then(|v| v.as_str()) {
        if let Some(other) = crate::department::other_layer(named, department.layer) {
            return Err(fail(
                mapped.source_field("layer"),
                format!(
                    "the record says it belongs to {other} ({named:?}), but this is a {} delivery; \
                     load it as its own department's delivery",
                    department.name
                ),
            ));
        }
    }
    let id: FeatureId = raw_id
        .parse()
        .map_err(|e: undermap_core::CoreError| fail(mapped.source_field("id"), e.to_string()))?;
    let geometry = record
        .geometry
        .clone()
        .ok_or_else(|| fail("geometry".into(), "missing".into()))?;
    let mut props = mapped.properties.clone();
    if !props.contains_key("kind") {
        if let Some(kind) = department.default_kind(&geometry) {
            props.insert("kind".into(), kind.as_str().into());
        }
    }
    let (kind, attrs) =
        properties::read(&props).map_err(|e| fail(mapped.source_field(&e.field), e.reason))?;
    if !department.kinds.contains(&kind) {
        let allowed: Vec<&str> = department.kinds.iter().map(|k| k.as_str()).collect();
        return Err(fail(
            mapped.source_field("kind"),
            format!(
                "a {} delivery holds {}; {} belongs to another layer",
                department.name,
                allowed.join(", "),
                kind.as_str()
            ),
        ));
    }
    let geometry = reproject(&geometry).map_err(|reason| fail("geometry".into(), reason))?;
    let geometry = if matches!(kind, FeatureKind::RedLine | FeatureKind::Zone) {
        area_from_line(geometry).map_err(|reason| fail("geometry".into(), reason))?
    } else {
        geometry
    };
    let feature = Feature::new(
        id,
        layer.clone(),
        kind,
        geometry,
        attrs,
        chrono::DateTime::UNIX_EPOCH,
    )
    .map_err(|e| {
        let field = match &e {
            undermap_core::CoreError::InvalidValue { field, .. } => mapped.source_field(field),
            _ => "geometry".to_owned(),
        };
        fail(field, e.to_string())
    })?;
    (department.check)(&feature).map_err(|e| fail(mapped.source_field(&e.field), e.reason))?;
    Ok(feature)
}
