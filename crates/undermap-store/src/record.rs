//! The one mapping between feature rows and domain features, shared by every backend.

use chrono::{DateTime, NaiveDate, Utc};
use geo_types::Geometry;
use undermap_core::{Accuracy, CoreError, Depth, Feature, FeatureAttributes, Owner, Sensitivity};

/// The key of a feature's sensitivity in the stored attributes document.
pub(crate) const SENSITIVITY_KEY: &str = "sensitivity";
/// The key of a feature's positional quality level in the stored attributes document.
pub(crate) const QUALITY_KEY: &str = "quality_level";

use crate::{Result, StoreError};

/// Columns of a feature version as stored (geometry still encoded).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct FeatureRecord {
    pub feature_id: String,
    pub layer_id: String,
    pub kind: String,
    pub geom: Vec<u8>,
    pub owner_name: Option<String>,
    pub owner_contact: Option<String>,
    pub material: Option<String>,
    pub diameter_mm: Option<f64>,
    pub section: Option<String>,
    pub pressure_class: Option<String>,
    pub voltage_kv: Option<f64>,
    pub depth_top_m: Option<f64>,
    pub depth_bottom_m: Option<f64>,
    pub depth_method: Option<String>,
    pub accuracy_h_m: Option<f64>,
    pub accuracy_v_m: Option<f64>,
    pub survey_date: Option<NaiveDate>,
    pub status: String,
    pub archive_ref: Option<String>,
    pub attributes: sqlx::types::Json<serde_json::Value>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    pub delivery_id: Option<i64>,
}

/// Names of the columns above, in order, for SELECT lists (`geom` is added by each backend):
/// the attribute columns are the core's table (`undermap_core::attribute`).
pub(crate) static ATTRIBUTE_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "feature_id, layer_id, kind, {}, attributes, valid_from, valid_to, delivery_id",
        undermap_core::attribute::column_list()
    )
});

impl FeatureRecord {
    /// The domain feature, or why the row is not one.
    pub(crate) fn into_feature(
        self,
        decode: fn(Vec<u8>) -> std::result::Result<Geometry<f64>, String>,
    ) -> Result<Feature> {
        let id = self.feature_id;
        let corrupt = |reason: String| StoreError::Corrupt {
            id: id.clone(),
            reason,
        };
        let core = |e: CoreError| corrupt(e.to_string());
        let geometry = decode(self.geom).map_err(corrupt)?;
        let mut extra = match self.attributes.0 {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        // Sensitivity rides in the attributes document (no column of its own): absent = normal.
        let sensitivity = match extra.remove(SENSITIVITY_KEY) {
            None => Sensitivity::Normal,
            Some(serde_json::Value::String(s)) => s.parse().map_err(core)?,
            Some(other) => return Err(corrupt(format!("sensitivity {other} is not text"))),
        };
        // So does the quality level: absent = none delivered.
        let quality_level = match extra.remove(QUALITY_KEY) {
            None => None,
            Some(serde_json::Value::String(s)) => Some(s.parse().map_err(core)?),
            Some(other) => return Err(corrupt(format!("quality level {other} is not text"))),
        };
        let attrs = FeatureAttributes {
            quality_level,
            owner: self.owner_name.map(|name| Owner {
                name,
                contact: self.owner_contact,
            }),
            material: self.material,
            diameter_mm: self.diameter_mm,
            section: self.section,
            pressure_class: self
                .pressure_class
                .map(|s| s.parse())
                .transpose()
                .map_err(core)?,
            voltage_kv: self.voltage_kv,
            depth_top_m: self.depth_top_m.map(Depth::new).transpose().map_err(core)?,
            depth_bottom_m: self
                .depth_bottom_m
                .map(Depth::new)
                .transpose()
                .map_err(core)?,
            depth_method: self
                .depth_method
                .map(|s| s.parse())
                .transpose()
                .map_err(core)?,
            accuracy_h_m: self
                .accuracy_h_m
                .map(Accuracy::new)
                .transpose()
                .map_err(core)?,
            accuracy_v_m: self
                .accuracy_v_m
                .map(Accuracy::new)
                .transpose()
                .map_err(core)?,
            survey_date: self.survey_date,
            status: self.status.parse().map_err(core)?,
            archive_ref: self.archive_ref,
            extra,
            sensitivity,
        };
        let mut feature = Feature::new(
            id.parse().map_err(core)?,
            self.layer_id.parse().map_err(core)?,
            self.kind.parse().map_err(core)?,
            geometry,
            attrs,
            self.valid_from,
        )
        .map_err(core)?;
        feature.valid_to = self.valid_to;
        Ok(feature)
    }
}

/// A feature's column values, owned, ready to bind (geometry encoded by the backend).
pub(crate) struct RowValues {
    pub feature_id: String,
    pub layer_id: String,
    pub kind: String,
    pub owner_name: Option<String>,
    pub owner_contact: Option<String>,
    pub material: Option<String>,
    pub diameter_mm: Option<f64>,
    pub section: Option<String>,
    pub pressure_class: Option<String>,
    pub voltage_kv: Option<f64>,
    pub depth_top_m: Option<f64>,
    pub depth_bottom_m: Option<f64>,
    pub depth_method: Option<String>,
    pub accuracy_h_m: Option<f64>,
    pub accuracy_v_m: Option<f64>,
    pub survey_date: Option<NaiveDate>,
    pub status: String,
    pub archive_ref: Option<String>,
    pub attributes: serde_json::Value,
}

impl From<&Feature> for RowValues {
    fn from(f: &Feature) -> Self {
        let a = &f.attrs;
        Self {
            feature_id: f.id.to_string(),
            layer_id: f.layer.to_string(),
            kind: f.kind.as_str().to_owned(),
            owner_name: a.owner.as_ref().map(|o| o.name.clone()),
            owner_contact: a.owner.as_ref().and_then(|o| o.contact.clone()),
            material: a.material.clone(),
            diameter_mm: a.diameter_mm,
            section: a.section.clone(),
            pressure_class: a.pressure_class.map(|p| p.as_str().to_owned()),
            voltage_kv: a.voltage_kv,
            depth_top_m: a.depth_top_m.map(f64::from),
            depth_bottom_m: a.depth_bottom_m.map(f64::from),
            depth_method: a.depth_method.map(|m| m.as_str().to_owned()),
            accuracy_h_m: a.accuracy_h_m.map(f64::from),
            accuracy_v_m: a.accuracy_v_m.map(f64::from),
            survey_date: a.survey_date,
            status: a.status.as_str().to_owned(),
            archive_ref: a.archive_ref.clone(),
            attributes: {
                let mut extra = a.extra.clone();
                if !a.sensitivity.is_normal() {
                    extra.insert(SENSITIVITY_KEY.into(), a.sensitivity.as_str().into());
                }
                if let Some(q) = a.quality_level {
                    extra.insert(QUALITY_KEY.into(), q.as_str().into());
                }
                serde_json::Value::Object(extra)
            },
        }
    }
}

/// The rows that make valid features, converted on every core (geometry decoding and attribute
/// parsing are most of the work of a startup). Order is kept. One bad row must not keep the
/// service from starting: it is reported in the log and left out. Blocking: call it off the async
/// workers.
pub(crate) fn keep_valid(
    mut rows: Vec<FeatureRecord>,
    decode: fn(Vec<u8>) -> std::result::Result<Geometry<f64>, String>,
) -> Vec<Feature> {
    const MIN_PART: usize = 20_000;
    let started = std::time::Instant::now();
    let n = rows.len();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_part = n.div_ceil(threads).max(MIN_PART);
    let mut parts = Vec::with_capacity(threads);
    while rows.len() > per_part {
        parts.push(rows.split_off(rows.len() - per_part));
    }
    parts.push(rows);
    parts.reverse();
    let convert = move |part: Vec<FeatureRecord>| convert_rows(part, decode);
    let out: Vec<Feature> = if parts.len() == 1 {
        parts.into_iter().flat_map(convert).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .into_iter()
                .map(|part| scope.spawn(move || convert(part)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    tracing::debug!(
        rows = n,
        elapsed_ms = started.elapsed().as_millis(),
        "rows turned into features"
    );
    out
}

/// Pairs history rows with their deliveries (`deliveries` holds every delivery they name).
pub(crate) fn versions(
    rows: Vec<FeatureRecord>,
    deliveries: &[crate::DeliveryRef],
    decode: fn(Vec<u8>) -> std::result::Result<Geometry<f64>, String>,
) -> Result<Vec<crate::FeatureVersion>> {
    rows.into_iter()
        .map(|r| {
            let delivery = r
                .delivery_id
                .and_then(|id| deliveries.iter().find(|d| d.id == id).cloned());
            Ok(crate::FeatureVersion {
                feature: r.into_feature(decode)?,
                delivery,
            })
        })
        .collect()
}

/// The distinct delivery ids named by history rows.
pub(crate) fn delivery_ids(rows: &[FeatureRecord]) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.delivery_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The rows that make valid features, on this thread; bad rows are logged and left out.
pub(crate) fn convert_rows(
    rows: Vec<FeatureRecord>,
    decode: fn(Vec<u8>) -> std::result::Result<Geometry<f64>, String>,
) -> Vec<Feature> {
    rows.into_iter()
        .filter_map(|r| match r.into_feature(decode) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(error = %e, "stored feature left out of the index");
                None
            }
        })
        .collect()
}

/// A layer registry row as a domain value.
pub(crate) fn layer_info(row: (String, String, String)) -> Result<undermap_core::LayerInfo> {
    let (id, title, category) = row;
    let corrupt = |e: CoreError| StoreError::Corrupt {
        id: format!("layer {id}"),
        reason: e.to_string(),
    };
    Ok(undermap_core::LayerInfo {
        id: id.parse().map_err(corrupt)?,
        title,
        category: category.parse().map_err(corrupt)?,
    })
}

#[cfg(test)]
mod attribute_tests {
    use undermap_core::attribute::{AttributeType, ATTRIBUTES};

    /// The GeoPackage reads rows by position (`native.rs`: attributes from column 4 on), so
    /// the table's order is the rows' layout.
    #[test]
    fn the_select_list_is_the_row_layout_both_stores_read() {
        assert_eq!(
            *super::ATTRIBUTE_COLUMNS,
            "feature_id, layer_id, kind, owner_name, owner_contact, material, diameter_mm, \
             section, pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, \
             accuracy_h_m, accuracy_v_m, survey_date, status, archive_ref, attributes, \
             valid_from, valid_to, delivery_id"
        );
    }

    /// Every attribute of the table is a column of PostGIS's `features`, of its type.
    #[test]
    fn every_attribute_is_a_migrated_column_of_its_type() {
        let init = include_str!("../../../migrations/20261125000001_init.sql");
        let table = init
            .split("CREATE TABLE features (")
            .nth(1)
            .and_then(|t| t.split("\n);").next())
            .expect("the features table");
        for a in ATTRIBUTES {
            let column = table
                .lines()
                .map(str::trim)
                .find(|l| l.split_whitespace().next() == Some(a.name))
                .unwrap_or_else(|| panic!("{} is not a column", a.name));
            let ty = match a.ty {
                AttributeType::Text => "text",
                AttributeType::Number => "double precision",
                AttributeType::Date => "date",
            };
            assert!(
                column[a.name.len()..].trim_start().starts_with(ty),
                "{column}"
            );
        }
    }
}
