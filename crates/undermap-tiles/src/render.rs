//! Cutting one tile from the index: candidates from the R-tree, geometries reprojected to
//! Web Mercator, clipped to the buffered tile, snapped to the 4096 grid and encoded.

use geo::{Coord, Geometry, LineString, Polygon};
use undermap_core::{Feature, LayerId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;

use crate::clip::{self, Square};
use crate::mvt::{self, GeomType, GeometryEncoder, LayerBuilder, TileValue, EXTENT};
use crate::tile::TileId;
use crate::TileError;

/// Pixels drawn beyond each tile edge, so lines and outlines join across tiles.
pub const BUFFER: f64 = 64.0;

/// From this zoom on, point facilities are in the tiles (the default style draws them from here).
pub const POINT_ZOOM: u8 = 15;

/// Which layers a tile holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selection {
    /// Every layer, one MVT layer each.
    All,
    /// One layer.
    One(LayerId),
}

impl Selection {
    /// The name used in URLs (`all` or the layer id).
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::All => "all",
            Self::One(l) => l.as_str(),
        }
    }
}

/// The attributes each tile feature carries, for styling and pop-ups.
pub const TILE_FIELDS: &[(&str, &str)] = &[
    (
        "id",
        "Feature id (from zoom 15; overview tiles leave it out)",
    ),
    (
        "kind",
        "What the feature is (pipe, cable, valve, red_line, ...)",
    ),
    (
        "status",
        "in_service, abandoned, planned, under_construction",
    ),
    ("material", "Material"),
    ("diameter_mm", "Nominal diameter in mm"),
    ("section", "Cross-section of a non-circular conduit"),
    ("pressure_class", "Gas pressure class"),
    ("voltage_kv", "Voltage in kV"),
    (
        "depth_top_m",
        "Depth of the top below ground in m (from zoom 15)",
    ),
];

/// Cuts tiles for one deployment CRS.
#[derive(Debug)]
pub struct TileRenderer {
    to_merc: Transformer,
    from_lonlat: Transformer,
}

impl TileRenderer {
    /// A renderer for maps kept in `map` (easting first).
    pub fn new(map: &Crs) -> Result<Self, TileError> {
        let map = map.gis_order();
        Ok(Self {
            to_merc: Transformer::new(&map, &Crs::epsg(3857)?)?,
            from_lonlat: Transformer::new(&Crs::crs84(), &map)?,
        })
    }

    /// The tile's features as an MVT tile (empty when nothing is there), as `view` sees them:
    /// layers and features it does not see are left out, fields it hides are not written.
    pub fn render(
        &self,
        index: &MapIndex,
        selection: &Selection,
        tile: TileId,
        view: &View,
    ) -> Result<Vec<u8>, TileError> {
        let Some(envelope) = self.envelope(tile)? else {
            return Ok(Vec::new());
        };
        let names: Vec<LayerId> = match selection {
            Selection::All => index
                .layer_stats()
                .iter()
                .map(|s| s.info.id.clone())
                .collect(),
            Selection::One(l) => vec![l.clone()],
        }
        .into_iter()
        .filter(|l| view.sees_layer(l))
        .collect();
        let mut layers: Vec<LayerBuilder> = names
            .iter()
            .map(|l| LayerBuilder::new(l.as_str()))
            .collect();
        let bounds = tile.bounds();
        let scale = f64::from(EXTENT) / tile.size();
        let (min_x, max_y) = (bounds.min().x, bounds.max().y);
        let to_pixel = |c: Coord<f64>| Coord {
            x: (c.x - min_x) * scale,
            y: (max_y - c.y) * scale,
        };
        let square = Square {
            min: -BUFFER,
            max: f64::from(EXTENT) + BUFFER,
        };
        // Below POINT_ZOOM, facilities (valves, manholes…) are left out, as the default style
        // draws them only from there, and so is any feature smaller than half a pixel: at
        // zoom 10 a whole county would otherwise be one 6 MB tile of dots.
        let thin = tile.z < POINT_ZOOM;
        let half_pixel_m = tile.size() / f64::from(EXTENT) / 2.0;
        for (slot, layer) in names.iter().enumerate() {
            let mut candidates: Vec<&Feature> = index
                .layer_in_envelope(layer, envelope)
                .filter(|(rect, f)| {
                    view.sees(f)
                        && (!thin
                            || (!matches!(
                                f.geometry,
                                Geometry::Point(_) | Geometry::MultiPoint(_)
                            ) && rect.width().max(rect.height()) >= half_pixel_m))
                })
                .map(|(_, f)| f)
                .collect();
            // A stable order: the same data always gives the same bytes (and ETag).
            candidates.sort_unstable_by(|a, b| a.id.cmp(&b.id));
            for f in candidates {
                self.add(&mut layers[slot], &view.redact(f), &to_pixel, square, thin)?;
            }
        }
        Ok(mvt::tile(layers))
    }

    /// Reprojects, clips, snaps and encodes one feature into `layer`.
    fn add(
        &self,
        layer: &mut LayerBuilder,
        f: &Feature,
        to_pixel: &impl Fn(Coord<f64>) -> Coord<f64>,
        square: Square,
        overview: bool,
    ) -> Result<(), TileError> {
        let merc = self.to_merc.geometry(&f.geometry)?;
        let pixels = geo::MapCoords::map_coords(&merc, to_pixel);
        let (ty, g) = encode(&pixels, square);
        if let Some(ty) = ty {
            layer.add(ty, &g, &properties(f, overview));
        }
        Ok(())
    }

    /// The tile (with its buffer) as an envelope in the map CRS, clipped to the CRS's area of
    /// use; `None` when the tile lies outside it.
    fn envelope(&self, tile: TileId) -> Result<Option<geo::Rect<f64>>, TileError> {
        let [w, s, e, n] = tile.lon_lat_bounds();
        let pad_x = (e - w) * BUFFER / f64::from(EXTENT);
        let pad_y = (n - s) * BUFFER / f64::from(EXTENT);
        let padded = geo::Rect::new((w - pad_x, s - pad_y), (e + pad_x, n + pad_y));
        let Some(lon_lat) = self.from_lonlat.target().clip_lon_lat(padded, 0.5) else {
            return Ok(None);
        };
        Ok(Some(self.from_lonlat.rect_envelope(lon_lat, 8)?))
    }
}

/// The tile attributes of a feature. Overview tiles (`overview`: below [`POINT_ZOOM`]) carry
/// only what styling needs: a unique id per feature is most of an overview tile's bytes, and
/// pop-ups are opened at street zooms.
fn properties(f: &Feature, overview: bool) -> Vec<(&'static str, TileValue)> {
    let a = &f.attrs;
    let mut p = Vec::with_capacity(9);
    if !overview {
        p.push(("id", TileValue::Str(f.id.to_string())));
    }
    p.push(("kind", TileValue::Str(f.kind.as_str().to_owned())));
    p.push(("status", TileValue::Str(a.status.as_str().to_owned())));
    let text = |p: &mut Vec<(&'static str, TileValue)>, k: &'static str, v: Option<&str>| {
        if let Some(v) = v {
            p.push((k, TileValue::Str(v.to_owned())));
        }
    };
    let num = |p: &mut Vec<(&'static str, TileValue)>, k: &'static str, v: Option<f64>| {
        if let Some(v) = v {
            p.push((k, TileValue::Double(v)));
        }
    };
    text(&mut p, "material", a.material.as_deref());
    num(&mut p, "diameter_mm", a.diameter_mm);
    text(&mut p, "section", a.section.as_deref());
    text(
        &mut p,
        "pressure_class",
        a.pressure_class.map(undermap_core::PressureClass::as_str),
    );
    num(&mut p, "voltage_kv", a.voltage_kv);
    if !overview {
        num(&mut p, "depth_top_m", a.depth_top_m.map(f64::from));
    }
    p
}

/// Snaps to the integer grid and drops repeated points.
fn snap(points: &[Coord<f64>]) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len());
    for c in points {
        // Clipped coordinates lie within the buffered square, far inside i32.
        #[allow(clippy::cast_possible_truncation)]
        let p = (c.x.round() as i32, c.y.round() as i32);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

/// Twice the signed area in tile coordinates (y down): positive for an MVT exterior ring.
fn area2(ring: &[(i32, i32)]) -> i64 {
    let mut sum = 0_i64;
    for i in 0..ring.len() {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % ring.len()];
        sum += i64::from(x1) * i64::from(y2) - i64::from(x2) * i64::from(y1);
    }
    sum
}

fn encode_polygon(p: &Polygon<f64>, square: Square, g: &mut GeometryEncoder) {
    let ring_points = |r: &LineString<f64>, exterior: bool| -> Option<Vec<(i32, i32)>> {
        let mut snapped = snap(&clip::ring(&r.0, square));
        if snapped.len() > 1 && snapped.first() == snapped.last() {
            snapped.pop();
        }
        let a = area2(&snapped);
        if snapped.len() < 3 || a == 0 {
            return None;
        }
        if (a > 0) != exterior {
            snapped.reverse();
        }
        Some(snapped)
    };
    let Some(outer) = ring_points(p.exterior(), true) else {
        return;
    };
    g.ring(&outer);
    for inner in p.interiors() {
        if let Some(r) = ring_points(inner, false) {
            g.ring(&r);
        }
    }
}

fn encode(g: &Geometry<f64>, square: Square) -> (Option<GeomType>, GeometryEncoder) {
    let mut enc = GeometryEncoder::default();
    let inside = |c: &Coord<f64>| {
        c.x >= square.min && c.x <= square.max && c.y >= square.min && c.y <= square.max
    };
    let ty = match g {
        Geometry::Point(p) => {
            if inside(&p.0) {
                enc.points(&snap(&[p.0]));
            }
            GeomType::Point
        }
        Geometry::MultiPoint(m) => {
            let pts: Vec<Coord<f64>> = m.0.iter().map(|p| p.0).filter(inside).collect();
            enc.points(&snap(&pts));
            GeomType::Point
        }
        Geometry::LineString(l) => {
            for piece in clip::line(&l.0, square) {
                enc.line(&snap(&piece));
            }
            GeomType::LineString
        }
        Geometry::Line(l) => {
            for piece in clip::line(&[l.start, l.end], square) {
                enc.line(&snap(&piece));
            }
            GeomType::LineString
        }
        Geometry::MultiLineString(m) => {
            for l in &m.0 {
                for piece in clip::line(&l.0, square) {
                    enc.line(&snap(&piece));
                }
            }
            GeomType::LineString
        }
        Geometry::Polygon(p) => {
            encode_polygon(p, square, &mut enc);
            GeomType::Polygon
        }
        Geometry::MultiPolygon(m) => {
            for p in &m.0 {
                encode_polygon(p, square, &mut enc);
            }
            GeomType::Polygon
        }
        Geometry::Rect(r) => {
            encode_polygon(&r.to_polygon(), square, &mut enc);
            GeomType::Polygon
        }
        Geometry::Triangle(t) => {
            encode_polygon(&t.to_polygon(), square, &mut enc);
            GeomType::Polygon
        }
        Geometry::GeometryCollection(_) => return (None, enc),
    };
    if enc.is_empty() {
        (None, enc)
    } else {
        (Some(ty), enc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiles carry the feature's id and kind and a choice of column attributes, under the
    /// attribute table's names.
    #[test]
    fn tile_fields_are_column_attributes() {
        for (name, _) in TILE_FIELDS
            .iter()
            .filter(|(n, _)| !["id", "kind"].contains(n))
        {
            assert!(
                undermap_core::attribute::attribute(name).is_some(),
                "{name} is not in the attribute table"
            );
        }
    }

    #[test]
    fn rings_get_mvt_winding() {
        let sq = Square {
            min: -64.0,
            max: 4160.0,
        };
        // Counter-clockwise on screen (y down) as given; the encoder must flip it.
        let p = Polygon::new(
            LineString::from(vec![
                (10.0, 10.0),
                (10.0, 100.0),
                (100.0, 100.0),
                (100.0, 10.0),
                (10.0, 10.0),
            ]),
            vec![],
        );
        let mut g = GeometryEncoder::default();
        encode_polygon(&p, sq, &mut g);
        assert!(!g.is_empty());
        let ring = [(10, 10), (10, 100), (100, 100), (100, 10)];
        assert!(area2(&ring) < 0);
        // A sliver that snaps to a line is dropped.
        let sliver = Polygon::new(
            LineString::from(vec![(10.0, 10.0), (10.2, 10.0), (10.1, 10.1), (10.0, 10.0)]),
            vec![],
        );
        let mut g = GeometryEncoder::default();
        encode_polygon(&sliver, sq, &mut g);
        assert!(g.is_empty());
    }
}
