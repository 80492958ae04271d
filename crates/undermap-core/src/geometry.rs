//! Turning GeoJSON geometries into `geo` geometries, with every structural check a person can act on.
//!
//! `geo-types` silently closes rings and accepts NaN; these functions do neither.

use geo::sweep::{Cross, Intersections, LineOrPoint};
use geo::{
    Area, Contains, Coord, Geometry, Line, LineIntersection, LineString, MultiPolygon, Point,
    Polygon,
};
use geojson::{PolygonType, Position, Value};

use crate::{CoreError, FeatureKind};

/// Reads a GeoJSON `Polygon` or `MultiPolygon` as is: rings must be closed and have at least
/// four positions, every coordinate finite, at most `max_vertices` positions in all.
///
/// ```
/// use undermap_core::geometry::polygonal_from_geojson;
/// let g: geojson::Geometry = serde_json::from_str(
///     r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).unwrap();
/// assert_eq!(polygonal_from_geojson(&g, 100).unwrap().0.len(), 1);
/// ```
pub fn polygonal_from_geojson(
    geometry: &geojson::Geometry,
    max_vertices: usize,
) -> Result<MultiPolygon<f64>, CoreError> {
    let polygons: Vec<&PolygonType> = match &geometry.value {
        Value::Polygon(rings) => vec![rings],
        Value::MultiPolygon(polys) => polys.iter().collect(),
        other => {
            return Err(CoreError::geometry(format!(
                "expected a Polygon or MultiPolygon, got a {}",
                other.type_name()
            )))
        }
    };
    if polygons.is_empty() {
        return Err(CoreError::geometry("the MultiPolygon has no polygons"));
    }
    let count: usize = polygons.iter().flat_map(|p| p.iter()).map(Vec::len).sum();
    if count > max_vertices {
        return Err(CoreError::TooManyVertices {
            count,
            limit: max_vertices,
        });
    }
    let multi = polygons
        .iter()
        .enumerate()
        .map(|(i, rings)| polygon(rings, &format!("polygon {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MultiPolygon(multi))
}

/// Reads any GeoJSON geometry (no collections) with finiteness and ring-closure checks.
pub fn geometry_from_geojson(geometry: &geojson::Geometry) -> Result<Geometry<f64>, CoreError> {
    Ok(match &geometry.value {
        Value::Point(p) => Geometry::Point(Point(coord(p, "point")?)),
        Value::MultiPoint(ps) => Geometry::MultiPoint(
            ps.iter()
                .enumerate()
                .map(|(i, p)| coord(p, &format!("point {i}")).map(Point))
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        ),
        Value::LineString(ls) => Geometry::LineString(line(ls, "line")?),
        Value::MultiLineString(lss) => Geometry::MultiLineString(geo::MultiLineString(
            lss.iter()
                .enumerate()
                .map(|(i, ls)| line(ls, &format!("line {i}")))
                .collect::<Result<Vec<_>, _>>()?,
        )),
        Value::Polygon(rings) => Geometry::Polygon(polygon(rings, "polygon")?),
        Value::MultiPolygon(polys) => Geometry::MultiPolygon(
            polys
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!("polygon {i}")))
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        ),
        Value::GeometryCollection(_) => {
            return Err(CoreError::geometry(
                "GeometryCollection is not accepted; send one feature per geometry",
            ))
        }
    })
}

fn coord(p: &Position, at: &str) -> Result<Coord<f64>, CoreError> {
    match p.as_slice() {
        [x, y, ..] if x.is_finite() && y.is_finite() => Ok(Coord { x: *x, y: *y }),
        [_, _, ..] => Err(CoreError::geometry(format!(
            "{at}: coordinate {p:?} is not a finite number"
        ))),
        _ => Err(CoreError::geometry(format!(
            "{at}: a position needs at least two numbers, got {p:?}"
        ))),
    }
}

fn line(positions: &[Position], at: &str) -> Result<LineString<f64>, CoreError> {
    if positions.len() < 2 {
        return Err(CoreError::geometry(format!(
            "{at}: a line needs at least 2 positions, got {}",
            positions.len()
        )));
    }
    let coords = positions
        .iter()
        .enumerate()
        .map(|(i, p)| coord(p, &format!("{at}, position {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.windows(2).all(|w| w[0] == w[1]) {
        return Err(CoreError::geometry(format!(
            "{at}: all positions are the same point"
        )));
    }
    Ok(LineString(coords))
}

fn polygon(rings: &[Vec<Position>], at: &str) -> Result<Polygon<f64>, CoreError> {
    let Some((shell, holes)) = rings.split_first() else {
        return Err(CoreError::geometry(format!("{at} has no rings")));
    };
    let ring = |positions: &Vec<Position>, name: String| -> Result<LineString<f64>, CoreError> {
        if positions.len() < 4 {
            return Err(CoreError::geometry(format!(
                "{name}: a ring needs at least 4 positions (first repeated as last), got {}",
                positions.len()
            )));
        }
        let ls = line(positions, &name)?;
        let (first, last) = (ls.0[0], ls.0[ls.0.len() - 1]);
        if first != last {
            return Err(CoreError::geometry(format!(
                "{name} is not closed: first position [{}, {}] differs from last [{}, {}]",
                first.x, first.y, last.x, last.y
            )));
        }
        Ok(ls)
    };
    let exterior = ring(shell, format!("{at}, exterior ring"))?;
    let interiors = holes
        .iter()
        .enumerate()
        .map(|(i, h)| ring(h, format!("{at}, hole {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// A ring segment with where it came from, so the sweep can tell neighbours from real crossings.
#[derive(Debug, Clone)]
struct Segment {
    line: Line<f64>,
    polygon: usize,
    ring: usize,
    index: usize,
    ring_len: usize,
}

impl Cross for Segment {
    type Scalar = f64;
    fn line(&self) -> LineOrPoint<f64> {
        self.line.into()
    }
}

impl Segment {
    /// Consecutive segments of one ring (including last→first) share exactly one vertex.
    fn adjacent(&self, other: &Self) -> bool {
        if self.polygon != other.polygon || self.ring != other.ring {
            return false;
        }
        let (a, b) = (self.index.min(other.index), self.index.max(other.index));
        b - a == 1 || (a == 0 && b == self.ring_len - 1)
    }
}

/// Checks that a multipolygon is valid in the OGC sense that matters for an area: no ring crosses
/// or touches itself or another, every ring encloses area, holes lie inside their shell and
/// polygons do not overlap. The message names the first problem and where it is.
pub fn check_polygonal_validity(mp: &MultiPolygon<f64>) -> Result<(), CoreError> {
    let mut segments = Vec::new();
    for (p, polygon) in mp.0.iter().enumerate() {
        for (r, ring) in std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
        {
            let lines: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
            let ring_len = lines.len();
            segments.extend(lines.into_iter().enumerate().map(|(index, line)| Segment {
                line,
                polygon: p,
                ring: r,
                index,
                ring_len,
            }));
        }
    }
    for (a, b, crossing) in Intersections::from_iter(segments) {
        if a.adjacent(&b) {
            if let LineIntersection::SinglePoint { .. } = crossing {
                continue;
            }
        }
        let at = match crossing {
            LineIntersection::SinglePoint { intersection, .. } => intersection,
            LineIntersection::Collinear { intersection } => intersection.start,
        };
        let what = if a.polygon == b.polygon && a.ring == b.ring {
            format!("{} intersects itself", ring_name(a.polygon, a.ring))
        } else {
            format!(
                "{} and {} intersect",
                ring_name(a.polygon, a.ring),
                ring_name(b.polygon, b.ring)
            )
        };
        return Err(CoreError::geometry(format!(
            "{what} near [{}, {}]",
            at.x, at.y
        )));
    }
    // No crossings remain, so a ring's area is meaningful and one vertex decides containment.
    for (p, polygon) in mp.0.iter().enumerate() {
        for (r, ring) in std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
        {
            if Polygon::new(ring.clone(), vec![]).unsigned_area() <= 0.0 {
                return Err(CoreError::geometry(format!(
                    "{} encloses no area",
                    ring_name(p, r)
                )));
            }
        }
        let shell = Polygon::new(polygon.exterior().clone(), vec![]);
        for (h, hole) in polygon.interiors().iter().enumerate() {
            if !shell.contains(&hole.0[0]) {
                return Err(CoreError::geometry(format!(
                    "polygon {p}, hole {h} lies outside its exterior ring"
                )));
            }
        }
        for (q, other) in mp.0.iter().enumerate().skip(p + 1) {
            if polygon.contains(&other.exterior().0[0]) || other.contains(&polygon.exterior().0[0])
            {
                return Err(CoreError::geometry(format!(
                    "polygons {p} and {q} overlap; send them as one polygon"
                )));
            }
        }
    }
    Ok(())
}

fn ring_name(polygon: usize, ring: usize) -> String {
    if ring == 0 {
        format!("polygon {polygon}, exterior ring")
    } else {
        format!("polygon {polygon}, hole {}", ring - 1)
    }
}

/// The geometry type's name, as GeoJSON writes it.
#[must_use]
pub fn geometry_kind_name(geometry: &Geometry<f64>) -> &'static str {
    match geometry {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Checks that a geometry suits a kind: lines for pipes and cables, points for facilities
/// (or polygons for stations), polygons for zones and red lines, with valid polygons.
pub fn check_feature_geometry(
    kind: FeatureKind,
    geometry: &Geometry<f64>,
) -> Result<(), CoreError> {
    use FeatureKind as K;
    let name = geometry_kind_name(geometry);
    let linear = matches!(name, "LineString" | "MultiLineString");
    let point = matches!(name, "Point" | "MultiPoint");
    let areal = matches!(name, "Polygon" | "MultiPolygon");
    let fits = match kind {
        K::Pipe | K::Cable | K::Duct | K::ServiceConnection | K::Road => linear,
        K::Station | K::Resource => point || areal,
        K::Incident => point || linear || areal,
        K::RedLine | K::Zone | K::PrecautionZone => areal,
        K::Valve
        | K::Manhole
        | K::Hydrant
        | K::Meter
        | K::Transformer
        | K::Switch
        | K::Regulator
        | K::Inlet
        | K::Outfall => point,
    };
    if !fits {
        let expected = if matches!(kind, K::RedLine | K::Zone) {
            "a closed Polygon or MultiPolygon"
        } else if kind.is_linear() {
            "a LineString or MultiLineString"
        } else if matches!(kind, K::Station | K::Resource) {
            "a Point or Polygon"
        } else {
            "a Point"
        };
        return Err(CoreError::geometry(format!(
            "a {kind} must be {expected}, got a {name}"
        )));
    }
    if !geo::CoordsIter::coords_iter(geometry).all(|c| c.x.is_finite() && c.y.is_finite()) {
        return Err(CoreError::geometry("coordinates must be finite numbers"));
    }
    match geometry {
        Geometry::Polygon(p) => check_polygonal_validity(&MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => check_polygonal_validity(mp),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> geojson::Geometry {
        serde_json::from_str(json).unwrap()
    }

    fn area(json: &str) -> Result<MultiPolygon<f64>, CoreError> {
        let mp = polygonal_from_geojson(&parse(json), 10_000)?;
        check_polygonal_validity(&mp)?;
        Ok(mp)
    }

    #[test]
    fn square_is_fine() {
        assert!(
            area(r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#)
                .is_ok()
        );
    }

    #[test]
    fn reports_unclosed_ring() {
        let err = area(r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10]]]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not closed"), "{err}");
    }

    #[test]
    fn reports_too_few_positions() {
        let err = area(r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[0,0]]]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 4 positions"), "{err}");
    }

    #[test]
    fn reports_bowtie() {
        let err = area(r#"{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("intersects itself"), "{err}");
        assert!(err.contains("[5, 5]"), "{err}");
    }

    #[test]
    fn reports_wrong_type_and_hole_outside() {
        let err = area(r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#).unwrap_err();
        assert!(err.to_string().contains("got a LineString"));
        let err = area(
            r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[20,20],[21,20],[21,21],[20,20]]]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("outside its exterior"), "{err}");
    }

    #[test]
    fn reports_overlapping_polygons_and_vertex_limit() {
        let err = area(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[10,0],[10,10],[0,10],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("overlap"), "{err}");
        let err = polygonal_from_geojson(
            &parse(r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#),
            4,
        )
        .unwrap_err();
        assert_eq!(err, CoreError::TooManyVertices { count: 5, limit: 4 });
    }

    #[test]
    fn degenerate_ring_has_no_area() {
        let err =
            area(r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[20,0],[0,0]]]}"#).unwrap_err();
        let err = err.to_string();
        assert!(
            err.contains("no area") || err.contains("intersects itself"),
            "{err}"
        );
    }

    #[test]
    fn square_with_hole_is_fine() {
        assert!(area(
            r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[3,2],[3,3],[2,2]]]}"#
        )
        .is_ok());
    }
}
