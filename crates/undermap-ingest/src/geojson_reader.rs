//! GeoJSON FeatureCollections, with the legacy `crs` member that GDAL writes honoured.

use serde_json::Value;
use sha2::{Digest, Sha256};
use undermap_core::geometry::geometry_from_geojson;
use undermap_core::{Feature, FeatureId};
use undermap_crs::{Crs, Transformer};
use undermap_store::Delivery;

use crate::properties;
use crate::{IngestError, IngestOptions, Prepared, Rejection};

/// Reads a GeoJSON FeatureCollection (or a single Feature).
///
/// The source CRS is `options.source_crs` if given, else the file's `crs` member, else CRS84 as
/// RFC 7946 says. Coordinates in files are easting (longitude) first, as GDAL writes them.
/// Features take their id from the Feature `id` member or a `feature_id`/`id` property.
pub fn prepare_geojson(
    bytes: &[u8],
    file: &str,
    options: &IngestOptions,
) -> Result<Prepared, IngestError> {
    let format_error = |reason: String| IngestError::Format {
        file: file.to_owned(),
        format: "GeoJSON",
        reason,
    };
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format_error(e.to_string()))?;
    let records: Vec<&Value> = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| format_error("a FeatureCollection needs a `features` array".into()))?
            .iter()
            .collect(),
        Some("Feature") => vec![&root],
        other => {
            return Err(format_error(format!(
                "expected a FeatureCollection or Feature, got type {other:?}"
            )))
        }
    };
    let crs_error = |source| IngestError::Crs {
        file: file.to_owned(),
        source: Box::new(source),
    };
    let source_crs = match (&options.source_crs, declared_crs(&root)) {
        (Some(crs), _) => crs.gis_order(),
        (None, Some(name)) => Crs::parse(&name).map_err(crs_error)?.gis_order(),
        (None, None) => Crs::crs84(),
    };
    let transformer =
        Transformer::new(&source_crs, &options.deployment_crs.gis_order()).map_err(crs_error)?;
    let loaded_at = chrono::DateTime::UNIX_EPOCH; // the store sets the real version time

    let mut features = Vec::with_capacity(records.len());
    let mut rejections = Vec::new();
    for (i, record) in records.iter().enumerate() {
        match read_record(record, options, &transformer, loaded_at) {
            Ok(f) => features.push(f),
            Err((id, field, reason)) => rejections.push(Rejection {
                file: file.to_owned(),
                record: i + 1,
                id,
                field,
                reason,
            }),
        }
    }
    tracing::info!(
        file,
        records = records.len(),
        valid = features.len(),
        rejected = rejections.len(),
        crs = %source_crs,
        "read GeoJSON delivery"
    );
    Ok(Prepared {
        delivery: Delivery {
            layer: options.layer.clone(),
            source_name: file.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            source_crs: source_crs.name().to_owned(),
            mode: options.mode,
            loaded_by: options.loaded_by.clone(),
            features,
            rejected_before_load: rejections.len(),
        },
        rejections,
        records: records.len(),
    })
}

/// The legacy `"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}}`.
fn declared_crs(root: &Value) -> Option<String> {
    root.get("crs")?
        .get("properties")?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

type RecordError = (Option<String>, Option<String>, String);

fn read_record(
    record: &Value,
    options: &IngestOptions,
    transformer: &Transformer,
    loaded_at: chrono::DateTime<chrono::Utc>,
) -> Result<Feature, RecordError> {
    let object = record
        .as_object()
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("Feature"))
        .ok_or((None, None, "not a GeoJSON Feature object".to_owned()))?;
    let empty = serde_json::Map::new();
    let props = match object.get("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err((None, Some("properties".into()), "must be an object".into())),
    };
    let raw_id = [object.get("id"), props.get("feature_id"), props.get("id")]
        .into_iter()
        .flatten()
        .find_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .ok_or((
            None,
            Some("id".into()),
            "missing: every record needs a stable id so that re-loading finds it".into(),
        ))?;
    let fail = |field: &str, reason: String| (Some(raw_id.clone()), Some(field.to_owned()), reason);
    let id: FeatureId = raw_id
        .parse()
        .map_err(|e: undermap_core::CoreError| fail("id", e.to_string()))?;
    let geometry_value = object
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| fail("geometry", "missing".into()))?;
    let geometry = geojson::Geometry::from_json_value(geometry_value.clone())
        .map_err(|e| fail("geometry", e.to_string()))?;
    let geometry = geometry_from_geojson(&geometry).map_err(|e| fail("geometry", e.to_string()))?;
    let geometry = transformer
        .geometry_checked(&geometry)
        .map_err(|e| fail("geometry", e.to_string()))?;
    let (kind, attrs) = properties::read(props).map_err(|e| fail(&e.field, e.reason))?;
    Feature::new(id, options.layer.clone(), kind, geometry, attrs, loaded_at).map_err(|e| {
        let field = match &e {
            undermap_core::CoreError::InvalidValue { field, .. } => (*field).to_owned(),
            _ => "geometry".to_owned(),
        };
        fail(&field, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use undermap_store::DeliveryMode;

    fn options() -> IngestOptions {
        IngestOptions {
            layer: "water".parse().unwrap(),
            source_crs: None,
            deployment_crs: Crs::epsg(4545).unwrap(),
            mode: DeliveryMode::Incremental,
            loaded_by: "test".into(),
        }
    }

    #[test]
    fn loads_good_records_and_reports_every_bad_one() {
        let file = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"w-1","properties":{"kind":"pipe","diameter_mm":300},
           "geometry":{"type":"LineString","coordinates":[[108.99,28.45],[108.991,28.45]]}},
          {"type":"Feature","properties":{"kind":"pipe"},
           "geometry":{"type":"LineString","coordinates":[[108.99,28.45],[108.991,28.45]]}},
          {"type":"Feature","id":"w-3","properties":{"kind":"valve"},
           "geometry":{"type":"LineString","coordinates":[[108.99,28.45],[108.991,28.45]]}},
          {"type":"Feature","id":"w-4","properties":{"kind":"valve"},
           "geometry":{"type":"Point","coordinates":[28.45,108.99]}},
          {"type":"Feature","id":"w-5","properties":{"kind":"pipe","diameter_mm":9000},
           "geometry":{"type":"LineString","coordinates":[[108.99,28.45],[108.991,28.45]]}},
          {"type":"Feature","id":"w 6","properties":{"kind":"valve"},
           "geometry":{"type":"Point","coordinates":[108.99,28.45]}},
          "nonsense"
        ]}"#;
        let p = prepare_geojson(file, "water.geojson", &options()).unwrap();
        assert_eq!(p.records, 7);
        assert_eq!(p.delivery.features.len(), 1);
        let fields: Vec<(usize, Option<&str>)> = p
            .rejections
            .iter()
            .map(|r| (r.record, r.field.as_deref()))
            .collect();
        assert_eq!(
            fields,
            vec![
                (2, Some("id")),
                (3, Some("geometry")),
                (4, Some("geometry")),
                (5, Some("diameter_mm")),
                (6, Some("id")),
                (7, None)
            ]
        );
        let x = geo::CoordsIter::coords_iter(&p.delivery.features[0].geometry)
            .next()
            .unwrap();
        assert!((x.x - 596_973.4).abs() < 1.0, "reprojected to EPSG:4545");
    }

    #[test]
    fn honours_the_crs_member_and_refuses_unknown_ones() {
        let file = br#"{"type":"FeatureCollection",
          "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4545"}},
          "features":[{"type":"Feature","id":"v-1","properties":{"kind":"valve"},
            "geometry":{"type":"Point","coordinates":[596973.38,3148711.28]}}]}"#;
        let p = prepare_geojson(file, "f.geojson", &options()).unwrap();
        assert_eq!(p.delivery.features.len(), 1, "{:?}", p.rejections);
        assert_eq!(p.delivery.source_crs, "EPSG:4545");
        let bad = br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:99999"}},"features":[]}"#;
        assert!(matches!(
            prepare_geojson(bad, "f.geojson", &options()),
            Err(IngestError::Crs { .. })
        ));
        assert!(matches!(
            prepare_geojson(b"{not json", "f.geojson", &options()),
            Err(IngestError::Format { .. })
        ));
    }
}
