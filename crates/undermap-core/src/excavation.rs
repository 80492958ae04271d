use geo::{Area, BoundingRect, CoordsIter, MultiPolygon, Rect};

use crate::geometry::check_polygonal_validity;
use crate::CoreError;

/// Limits on what one excavation check may ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaLimits {
    /// Largest area in square metres (default 250,000: the 500 × 500 m of the Dutch KLIC service).
    pub max_area_m2: f64,
    /// Most vertices in the area geometry.
    pub max_vertices: usize,
}

impl Default for AreaLimits {
    fn default() -> Self {
        Self {
            max_area_m2: 250_000.0,
            max_vertices: 10_000,
        }
    }
}

/// The area a contractor will dig: a valid (multi)polygon in the deployment CRS (metres), of
/// non-zero size and under the limits. Code that holds one never needs to check it again.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use undermap_core::{AreaLimits, ExcavationArea};
/// let square = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)];
/// let area = ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap();
/// assert_eq!(area.area_m2(), 10_000.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExcavationArea {
    geometry: MultiPolygon<f64>,
    area_m2: f64,
    bounds: Rect<f64>,
}

impl ExcavationArea {
    /// Checks validity, size and vertex count of a metric multipolygon.
    pub fn new(geometry: MultiPolygon<f64>, limits: &AreaLimits) -> Result<Self, CoreError> {
        let count = geometry.coords_count();
        if count > limits.max_vertices {
            return Err(CoreError::TooManyVertices {
                count,
                limit: limits.max_vertices,
            });
        }
        check_polygonal_validity(&geometry)?;
        let area_m2 = geometry.unsigned_area();
        if area_m2 < 0.01 {
            return Err(CoreError::geometry(format!(
                "area is {area_m2} m²; an excavation area must enclose at least 0.01 m²"
            )));
        }
        if area_m2 > limits.max_area_m2 {
            return Err(CoreError::AreaTooLarge {
                area_m2,
                limit_m2: limits.max_area_m2,
                advice: "split the work into smaller requests".into(),
            });
        }
        let bounds = geometry
            .bounding_rect()
            .ok_or_else(|| CoreError::geometry("area is empty"))?;
        Ok(Self {
            geometry,
            area_m2,
            bounds,
        })
    }

    /// The area's geometry in the deployment CRS.
    #[must_use]
    pub fn geometry(&self) -> &MultiPolygon<f64> {
        &self.geometry
    }

    /// Its size in square metres (planar, in the deployment CRS).
    #[must_use]
    pub fn area_m2(&self) -> f64 {
        self.area_m2
    }

    /// Its bounding box.
    #[must_use]
    pub fn bounds(&self) -> Rect<f64> {
        self.bounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn rejects_oversize_area() {
        let big = polygon![(x: 0.0, y: 0.0), (x: 600.0, y: 0.0), (x: 600.0, y: 600.0), (x: 0.0, y: 600.0)];
        let err = ExcavationArea::new(MultiPolygon(vec![big]), &AreaLimits::default()).unwrap_err();
        assert!(matches!(err, CoreError::AreaTooLarge { .. }));
        assert!(err.to_string().contains("360000 m²"), "{err}");
    }

    #[test]
    fn rejects_self_intersection() {
        let bowtie =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)];
        assert!(ExcavationArea::new(MultiPolygon(vec![bowtie]), &AreaLimits::default()).is_err());
    }
}
