//! Geometries leaving the service: reprojected to the client's CRS and rounded to what the
//! survey can support (1 mm), so answers are compact and stable.

use geo::{Geometry, MapCoords};
use undermap_crs::Transformer;

use crate::ServiceError;

/// Reprojects and rounds a geometry for output.
pub(crate) fn to_geojson(
    geometry: &Geometry<f64>,
    out: &Transformer,
) -> Result<geojson::Geometry, ServiceError> {
    let g = out.geometry(geometry)?;
    let g = round(&g, out.target().is_geographic());
    Ok(geojson::Geometry::new(geojson::Value::from(&g)))
}

/// Rounds to about a millimetre: 1e-8 degree or 1e-3 metre.
pub(crate) fn round(geometry: &Geometry<f64>, degrees: bool) -> Geometry<f64> {
    let scale = if degrees { 1e8 } else { 1e3 };
    geometry.map_coords(|c| geo::Coord {
        x: (c.x * scale).round() / scale,
        y: (c.y * scale).round() / scale,
    })
}

/// Rounds a length or area figure to centimetres.
pub(crate) fn cm(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A feature version as a GeoJSON Feature in `out`'s target CRS: its attributes, layer, kind and
/// `valid_from`.
pub(crate) fn feature_json(
    feature: &undermap_core::Feature,
    out: &undermap_crs::Transformer,
) -> Result<geojson::Feature, crate::ServiceError> {
    let mut properties = match serde_json::to_value(&feature.attrs) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    properties.insert("layer".into(), feature.layer.to_string().into());
    properties.insert("kind".into(), feature.kind.to_string().into());
    properties.insert(
        "valid_from".into(),
        serde_json::to_value(feature.valid_from).unwrap_or_default(),
    );
    Ok(geojson::Feature {
        bbox: None,
        geometry: Some(to_geojson(&feature.geometry, out)?),
        id: Some(geojson::feature::Id::String(feature.id.to_string())),
        properties: Some(properties),
        foreign_members: None,
    })
}

/// `r` grown by `by` metres on every side.
pub(crate) fn grow(r: geo::Rect<f64>, by: f64) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::Coord {
            x: r.min().x - by,
            y: r.min().y - by,
        },
        geo::Coord {
            x: r.max().x + by,
            y: r.max().y + by,
        },
    )
}
