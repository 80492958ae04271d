//! Geometries leaving the service: reprojected to the client's CRS and rounded to what the
//! survey can support (1 mm), so answers are compact and stable.

use geo::{Geometry, MapCoords};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
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

/// How finely output coordinates are kept, as `1 / scale`: about a millimetre, 1e-8 degree or
/// 1e-3 metre.
pub(crate) fn scale(degrees: bool) -> f64 {
    if degrees {
        1e8
    } else {
        1e3
    }
}

/// `v` rounded to `1 / scale`.
pub(crate) fn rounded(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// Rounds to about a millimetre ([`scale`]).
pub(crate) fn round(geometry: &Geometry<f64>, degrees: bool) -> Geometry<f64> {
    let s = scale(degrees);
    geometry.map_coords(|c| geo::Coord {
        x: rounded(c.x, s),
        y: rounded(c.y, s),
    })
}

/// A geometry written as GeoJSON with sorted members, as a ticket's canonical JSON has them (`coordinates` or `geometries`, then
/// `type`), its coordinates rounded as they are written. Lines, rectangles and triangles are
/// written as the line strings and polygons GeoJSON has for them.
pub(crate) struct SortedGeoJson<'a> {
    pub geometry: &'a Geometry<f64>,
    /// SortedGeoJson are rounded to `1 / scale` ([`scale`]).
    pub scale: f64,
}

impl Serialize for SortedGeoJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.scale;
        let mut m = s.serialize_map(Some(2))?;
        let kind = match self.geometry {
            Geometry::Point(p) => {
                m.serialize_entry("coordinates", &Position(p.0, k))?;
                "Point"
            }
            Geometry::Line(l) => {
                m.serialize_entry("coordinates", &Path(&[l.start, l.end], k))?;
                "LineString"
            }
            Geometry::LineString(l) => {
                m.serialize_entry("coordinates", &Path(&l.0, k))?;
                "LineString"
            }
            Geometry::Polygon(p) => {
                m.serialize_entry("coordinates", &Rings(p, k))?;
                "Polygon"
            }
            Geometry::Rect(r) => {
                m.serialize_entry("coordinates", &Rings(&r.to_polygon(), k))?;
                "Polygon"
            }
            Geometry::Triangle(t) => {
                m.serialize_entry("coordinates", &Rings(&t.to_polygon(), k))?;
                "Polygon"
            }
            Geometry::MultiPoint(mp) => {
                let points: Vec<Position> = mp.0.iter().map(|p| Position(p.0, k)).collect();
                m.serialize_entry("coordinates", &points)?;
                "MultiPoint"
            }
            Geometry::MultiLineString(ml) => {
                let lines: Vec<Path<'_>> = ml.0.iter().map(|l| Path(&l.0, k)).collect();
                m.serialize_entry("coordinates", &lines)?;
                "MultiLineString"
            }
            Geometry::MultiPolygon(mp) => {
                let polygons: Vec<Rings<'_>> = mp.0.iter().map(|p| Rings(p, k)).collect();
                m.serialize_entry("coordinates", &polygons)?;
                "MultiPolygon"
            }
            Geometry::GeometryCollection(gc) => {
                let parts: Vec<SortedGeoJson<'_>> =
                    gc.0.iter()
                        .map(|g| SortedGeoJson {
                            geometry: g,
                            scale: k,
                        })
                        .collect();
                m.serialize_entry("geometries", &parts)?;
                "GeometryCollection"
            }
        };
        m.serialize_entry("type", kind)?;
        m.end()
    }
}

/// `[x, y]`, rounded to `1 / scale`.
struct Position(geo::Coord<f64>, f64);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&rounded(self.0.x, self.1))?;
        seq.serialize_element(&rounded(self.0.y, self.1))?;
        seq.end()
    }
}

struct Path<'a>(&'a [geo::Coord<f64>], f64);

impl Serialize for Path<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| Position(*c, self.1)))
    }
}

struct Rings<'a>(&'a geo::Polygon<f64>, f64);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        s.collect_seq(
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| Path(&r.0, self.1)),
        )
    }
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
