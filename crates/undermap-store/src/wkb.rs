//! EWKB in and out of PostGIS, through geozero.

use geo_types::Geometry;
use geozero::wkb::Ewkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};

/// EWKB of a geometry with its SRID.
pub(crate) fn to_ewkb(geometry: &Geometry<f64>, srid: i32) -> Result<Vec<u8>, String> {
    geometry
        .to_ewkb(CoordDimensions::xy(), Some(srid))
        .map_err(|e| e.to_string())
}

/// A geometry from EWKB.
pub(crate) fn from_ewkb(bytes: Vec<u8>) -> Result<Geometry<f64>, String> {
    Ewkb(bytes).to_geo().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point, polygon};

    #[test]
    fn round_trips() {
        for g in [
            Geometry::from(point!(x: 596_973.38, y: 3_148_711.28)),
            line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.5)].into(),
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)].into(),
        ] {
            assert_eq!(from_ewkb(to_ewkb(&g, 4545).unwrap()).unwrap(), g);
        }
    }
}
