//! GeoJSON written straight into a byte buffer: no intermediate JSON tree, coordinates
//! reprojected and rounded on the way (1e-8 degree or 1 mm), properties in the documented
//! order with `null` for what is not recorded, so every feature of a collection has the same
//! shape and GDAL/QGIS see one stable schema.

use std::io::Write;

use chrono::{DateTime, Utc};
use geo::{Coord, Geometry, LineString, Polygon};
use undermap_core::Feature;
use undermap_crs::Transformer;

use crate::queryables::{timestamp, Property, Value};
use crate::OgcError;

/// A link in a response.
#[derive(Debug, Clone)]
pub struct Link {
    /// Relation (`self`, `next`, …).
    pub rel: &'static str,
    /// Media type.
    pub media_type: &'static str,
    /// Target.
    pub href: String,
    /// Title.
    pub title: &'static str,
}

/// Compresses a response body with gzip at the fastest level: a 600 KB page of GeoJSON
/// shrinks about sevenfold in a few milliseconds, which any network slower than loopback repays.
#[must_use]
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 6 + 64),
        flate2::Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// Writes one feature.
pub fn feature(out: &mut Vec<u8>, f: &Feature, to_out: &Transformer) -> Result<(), OgcError> {
    let g = to_out.geometry(&f.geometry)?;
    let scale = if to_out.target().is_geographic() {
        1e8
    } else {
        1e3
    };
    out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
    string(out, f.id.as_str());
    out.extend_from_slice(b",\"geometry\":");
    geometry(out, &g, scale);
    out.extend_from_slice(b",\"properties\":{");
    for (i, p) in Property::ALL.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(p.name().as_bytes());
        out.extend_from_slice(b"\":");
        value(out, &p.get(f));
    }
    out.extend_from_slice(b",\"extra\":");
    // Department-specific fields kept verbatim (an object, possibly empty).
    let _ = serde_json::to_writer(&mut *out, &f.attrs.extra);
    out.extend_from_slice(b"}}");
    Ok(())
}

/// Writes a FeatureCollection page.
pub fn collection<'a>(
    out: &mut Vec<u8>,
    features: impl IntoIterator<Item = &'a Feature>,
    to_out: &Transformer,
    number_matched: Option<usize>,
    time_stamp: DateTime<Utc>,
    links: &[Link],
) -> Result<usize, OgcError> {
    out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"timeStamp\":");
    string(out, &timestamp(time_stamp));
    if let Some(n) = number_matched {
        let _ = write!(out, ",\"numberMatched\":{n}");
    }
    out.extend_from_slice(b",\"features\":[");
    let mut returned = 0_usize;
    for f in features {
        if returned > 0 {
            out.push(b',');
        }
        feature(out, f, to_out)?;
        returned += 1;
    }
    let _ = write!(out, "],\"numberReturned\":{returned},\"links\":");
    write_links(out, links);
    out.push(b'}');
    Ok(returned)
}

/// Writes a JSON array of links.
pub fn write_links(out: &mut Vec<u8>, links: &[Link]) {
    out.push(b'[');
    for (i, l) in links.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"rel\":");
        string(out, l.rel);
        out.extend_from_slice(b",\"type\":");
        string(out, l.media_type);
        out.extend_from_slice(b",\"title\":");
        string(out, l.title);
        out.extend_from_slice(b",\"href\":");
        string(out, &l.href);
        out.push(b'}');
    }
    out.push(b']');
}

fn value(out: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Str(s) => string(out, s),
        Value::Num(n) => number(out, *n),
        Value::Date(d) => {
            let _ = write!(out, "\"{}\"", d.format("%Y-%m-%d"));
        }
        Value::Time(t) => string(out, &timestamp(*t)),
    }
}

/// A JSON string with the escapes JSON requires.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn number(out: &mut Vec<u8>, n: f64) {
    if n.is_finite() {
        // `{:?}` keeps a decimal point on whole numbers (400.0), so clients such as GDAL type
        // the column as real rather than integer.
        let _ = write!(out, "{n:?}");
    } else {
        out.extend_from_slice(b"null");
    }
}

fn coord(out: &mut Vec<u8>, c: Coord<f64>, scale: f64) {
    out.push(b'[');
    number(out, (c.x * scale).round() / scale);
    out.push(b',');
    number(out, (c.y * scale).round() / scale);
    out.push(b']');
}

fn coords(out: &mut Vec<u8>, line: &LineString<f64>, scale: f64) {
    out.push(b'[');
    for (i, c) in line.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        coord(out, *c, scale);
    }
    out.push(b']');
}

fn rings(out: &mut Vec<u8>, p: &Polygon<f64>, scale: f64) {
    out.push(b'[');
    coords(out, p.exterior(), scale);
    for r in p.interiors() {
        out.push(b',');
        coords(out, r, scale);
    }
    out.push(b']');
}

fn list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// Writes a geometry object.
pub fn geometry(out: &mut Vec<u8>, g: &Geometry<f64>, scale: f64) {
    let head = |out: &mut Vec<u8>, t: &str| {
        let _ = write!(out, "{{\"type\":\"{t}\",\"coordinates\":");
    };
    match g {
        Geometry::Point(p) => {
            head(out, "Point");
            coord(out, p.0, scale);
        }
        Geometry::LineString(l) => {
            head(out, "LineString");
            coords(out, l, scale);
        }
        Geometry::Line(l) => {
            head(out, "LineString");
            coords(out, &LineString::new(vec![l.start, l.end]), scale);
        }
        Geometry::Polygon(p) => {
            head(out, "Polygon");
            rings(out, p, scale);
        }
        Geometry::Rect(r) => {
            head(out, "Polygon");
            rings(out, &r.to_polygon(), scale);
        }
        Geometry::Triangle(t) => {
            head(out, "Polygon");
            rings(out, &t.to_polygon(), scale);
        }
        Geometry::MultiPoint(m) => {
            head(out, "MultiPoint");
            list(out, &m.0, |o, p| coord(o, p.0, scale));
        }
        Geometry::MultiLineString(m) => {
            head(out, "MultiLineString");
            list(out, &m.0, |o, l| coords(o, l, scale));
        }
        Geometry::MultiPolygon(m) => {
            head(out, "MultiPolygon");
            list(out, &m.0, |o, p| rings(o, p, scale));
        }
        Geometry::GeometryCollection(c) => {
            out.extend_from_slice(b"{\"type\":\"GeometryCollection\",\"geometries\":");
            list(out, &c.0, |o, g| geometry(o, g, scale));
            out.push(b'}');
            return;
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::line_string;
    use undermap_core::{FeatureAttributes, FeatureKind, Owner};
    use undermap_crs::Crs;

    #[test]
    fn a_feature_is_valid_geojson_with_every_property() {
        let attrs = FeatureAttributes {
            material: Some("PE \"100\"\n".into()),
            owner: Some(Owner {
                name: "秀山燃气".into(),
                contact: Some("023-1".into()),
            }),
            diameter_mm: Some(160.0),
            ..FeatureAttributes::default()
        };
        let f = Feature::new(
            "GAS-1".parse().unwrap(),
            "gas".parse().unwrap(),
            FeatureKind::Pipe,
            line_string![(x: 596_973.4, y: 3_148_711.3), (x: 597_000.0, y: 3_148_720.0)].into(),
            attrs,
            DateTime::UNIX_EPOCH,
        )
        .unwrap();
        let gk = Crs::epsg(4545).unwrap().gis_order();
        let to_lonlat = Transformer::new(&gk, &Crs::crs84()).unwrap();
        let mut out = Vec::new();
        feature(&mut out, &f, &to_lonlat).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["id"], "GAS-1");
        assert_eq!(v["properties"]["material"], "PE \"100\"\n");
        assert_eq!(v["properties"]["owner_name"], "秀山燃气");
        assert_eq!(v["properties"]["voltage_kv"], serde_json::Value::Null);
        assert_eq!(v["properties"]["diameter_mm"], 160.0);
        let x = v["geometry"]["coordinates"][0][0].as_f64().unwrap();
        assert!((x - 108.99).abs() < 0.001, "{x}");
        // Every property is present on every feature, in the documented order.
        let keys: Vec<&String> = v["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), Property::ALL.len() + 1);
        // EPSG:4545 as defined: northing first.
        let to_grid = Transformer::new(&gk, &Crs::epsg(4545).unwrap()).unwrap();
        let mut out = Vec::new();
        feature(&mut out, &f, &to_grid).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["geometry"]["coordinates"][0][0], 3_148_711.3);
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut out = Vec::new();
        string(&mut out, "a\u{1}b\\");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\u0001b\\\\\"");
    }
}
