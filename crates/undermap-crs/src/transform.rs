use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use geo::{BoundingRect, Coord, Geometry, LineString, MapCoords, Polygon, Rect};
use proj::Proj;

use crate::operation::{self, LocalTransformation, Operation};
use crate::{AxisOrder, Crs, CrsError};

/// Degrees of slack around a CRS's area of use: EPSG bounds are drawn generously already, and a
/// dig at the edge of a zone must not be refused for a rounding difference.
const AREA_SLACK_DEG: f64 = 0.05;

type Key = (Arc<str>, Arc<str>);

/// A PROJ object lent to one user at a time. PROJ lets a `PJ` and its context move between
/// threads as long as no two use them at once; the pool guarantees that, which `Proj` (neither
/// Send nor Sync) cannot express.
struct Pooled(Proj);

// SAFETY: a `Pooled` is only ever reachable by one thread at a time: it sits in the pool under
// its mutex, or is held by exactly one `with_projs` call until it is given back.
#[allow(unsafe_code)]
unsafe impl Send for Pooled {}

/// PROJ objects per CRS pair, as many as were ever in use at once. A static is never dropped:
/// unlike the thread-local objects this replaces, none is destroyed while a thread exits — at
/// process exit that raced PROJ's own static destructors and corrupted the heap (seen as
/// `malloc_consolidate(): unaligned fastbin chunk` when test processes ended) — and none is lost
/// when the runtime retires an idle thread.
fn pool() -> std::sync::MutexGuard<'static, HashMap<Key, Vec<Pooled>>> {
    static POOL: OnceLock<Mutex<HashMap<Key, Vec<Pooled>>>> = OnceLock::new();
    POOL.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Moves coordinates from one CRS to another, honouring each side's axis order.
///
/// ```
/// use undermap_crs::{Crs, Transformer};
/// use geo::Coord;
/// let to_gk = Transformer::new(&Crs::crs84(), &Crs::epsg(4545).unwrap().gis_order()).unwrap();
/// let c = to_gk.coord(Coord { x: 108.99, y: 28.45 }).unwrap();
/// assert!((c.x - 596_973.4).abs() < 1.0 && (c.y - 3_148_711.3).abs() < 1.0);
/// ```
#[derive(Debug, Clone)]
pub struct Transformer {
    from: Crs,
    to: Crs,
    identity: bool,
    key: Key,
    /// A local transformation used instead of PROJ's choice: its description and pipeline.
    local: Option<Arc<(LocalTransformation, String)>>,
    /// From the source CRS to CRS84, for the area-of-use check of [`Transformer::geometry_checked`];
    /// made on first use, once per transformer rather than once per geometry.
    to_lonlat: OnceLock<Result<Box<Transformer>, CrsError>>,
}

impl Transformer {
    /// A transformer from `from` to `to`; fails if PROJ finds no operation between them.
    pub fn new(from: &Crs, to: &Crs) -> Result<Self, CrsError> {
        let t = Self {
            from: from.clone(),
            to: to.clone(),
            identity: from.definition() == to.definition(),
            key: (Arc::from(from.definition()), Arc::from(to.definition())),
            local: None,
            to_lonlat: OnceLock::new(),
        };
        if !t.identity {
            t.with_proj(|_| Ok(()))?;
        }
        Ok(t)
    }

    /// A transformer from `from` to `to` (both easting first) by a deployment's own datum
    /// transformation instead of the operation PROJ would choose.
    pub fn local(from: &Crs, to: &Crs, local: &LocalTransformation) -> Result<Self, CrsError> {
        let error = |reason: String| CrsError::Transform {
            from: from.name().to_owned(),
            to: to.name().to_owned(),
            reason: format!("transformation {:?}: {reason}", local.name),
        };
        let pipeline = match local.method().map_err(error)? {
            operation::Method::Helmert(h) => {
                operation::helmert_pipeline(from, to, h).map_err(error)?
            }
            operation::Method::Pipeline(p) => p.to_owned(),
        };
        let t = Self {
            from: from.gis_order(),
            to: to.gis_order(),
            identity: false,
            key: (
                Arc::from(from.definition()),
                Arc::from(format!("pipeline:{pipeline}")),
            ),
            local: Some(Arc::new((local.clone(), pipeline))),
            to_lonlat: OnceLock::new(),
        };
        t.with_proj(|_| Ok(()))?;
        Ok(t)
    }

    /// The operation this transformer applies: the local transformation, or the one PROJ ranks
    /// first (with whether it is only a ballpark).
    pub fn operation(&self) -> Result<Operation, CrsError> {
        if let Some(local) = &self.local {
            return Ok(Operation {
                name: local.0.name.clone(),
                ballpark: false,
                accuracy_m: None,
                definition: Some(local.1.clone()),
                source: Some(local.0.source.clone()),
            });
        }
        if self.identity {
            return Ok(Operation {
                name: "none (same CRS)".into(),
                ballpark: false,
                accuracy_m: Some(0.0),
                definition: None,
                source: None,
            });
        }
        operation::best(&self.key.0, &self.key.1).map_err(|e| self.error(e))
    }

    /// The source CRS.
    #[must_use]
    pub fn source(&self) -> &Crs {
        &self.from
    }

    /// The target CRS.
    #[must_use]
    pub fn target(&self) -> &Crs {
        &self.to
    }

    /// Runs `f` with this thread's PROJ object for the pair, creating it on first use.
    fn with_proj<T>(&self, f: impl FnOnce(&Proj) -> Result<T, CrsError>) -> Result<T, CrsError> {
        let proj = self.take()?;
        let result = f(&proj.0);
        self.give(proj);
        result
    }

    /// A PROJ object for the pair from the pool, or a new one when all are in use.
    fn take(&self) -> Result<Pooled, CrsError> {
        if let Some(p) = pool().get_mut(&self.key).and_then(Vec::pop) {
            return Ok(p);
        }
        match &self.local {
            Some(local) => Proj::new(&local.1),
            None => Proj::new_known_crs(&self.key.0, &self.key.1, None),
        }
        .map(Pooled)
        .map_err(|e| self.error(e.to_string()))
    }

    fn give(&self, proj: Pooled) {
        pool().entry(self.key.clone()).or_default().push(proj);
    }

    fn error(&self, reason: String) -> CrsError {
        CrsError::Transform {
            from: self.from.name().to_owned(),
            to: self.to.name().to_owned(),
            reason,
        }
    }

    /// Transforms one coordinate, in the source's axis order, to the target's axis order.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>, CrsError> {
        if self.identity {
            return self.convert(None, c);
        }
        self.with_proj(|p| self.convert(Some(p), c))
    }

    /// One coordinate through `proj` (none for the identity), with axis swaps and a finiteness check.
    fn convert(&self, proj: Option<&Proj>, c: Coord<f64>) -> Result<Coord<f64>, CrsError> {
        let c = swap_if(self.from.axis_order(), c);
        let out = match proj {
            None => c,
            Some(p) => p
                .convert(c)
                .map_err(|e| self.error(format!("at ({}, {}): {e}", c.x, c.y)))?,
        };
        if !(out.x.is_finite() && out.y.is_finite()) {
            return Err(self.error(format!(
                "({}, {}) has no image in {}",
                c.x,
                c.y,
                self.to.name()
            )));
        }
        Ok(swap_if(self.to.axis_order(), out))
    }

    /// The envelope in the target CRS of a rectangle in the source CRS. A box's sides curve
    /// under reprojection, so its outline is densified (`per_edge` points on each side) and moved
    /// point by point, not just its corners.
    pub fn rect_envelope(&self, r: Rect<f64>, per_edge: usize) -> Result<Rect<f64>, CrsError> {
        let outline = Geometry::Polygon(Polygon::new(densified_ring(r, per_edge), vec![]));
        self.geometry(&outline)?
            .bounding_rect()
            .ok_or_else(|| self.error("the box has no extent".into()))
    }

    /// [`Transformer::rect_envelope`] as `[west, south, east, north]` rounded to 1e-6 (about
    /// 0.1 m): the box a JSON answer gives when the target is longitude and latitude.
    pub fn lon_lat_box(&self, r: Rect<f64>, per_edge: usize) -> Result<[f64; 4], CrsError> {
        let e = self.rect_envelope(r, per_edge)?;
        let round = |v: f64| (v * 1e6).round() / 1e6;
        Ok([
            round(e.min().x),
            round(e.min().y),
            round(e.max().x),
            round(e.max().y),
        ])
    }

    /// Transforms every coordinate of a geometry.
    pub fn geometry(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        if self.identity {
            return g.try_map_coords(|c| self.convert(None, c));
        }
        self.with_proj(|p| g.try_map_coords(|c| self.convert(Some(p), c)))
    }

    /// Transforms a geometry after checking that every coordinate lies in the area of use of
    /// both CRSs: a swapped axis or a wrong zone prefix lands kilometres away, and is refused
    /// here instead of being stored or answered.
    pub fn geometry_checked(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        let to_lonlat = if self.from.is_geographic() {
            None
        } else {
            let made = self
                .to_lonlat
                .get_or_init(|| Transformer::new(&self.from, &Crs::crs84()).map(Box::new));
            Some(made.as_deref().map_err(Clone::clone)?)
        };
        // Both PROJ objects are taken once per geometry, not once per coordinate.
        let proj = (!self.identity).then(|| self.take()).transpose()?;
        let lonlat = match to_lonlat {
            Some(t) if !t.identity => match t.take() {
                Ok(p) => Some((t, Some(p))),
                Err(e) => {
                    if let Some(p) = proj {
                        self.give(p);
                    }
                    return Err(e);
                }
            },
            Some(t) => Some((t, None)),
            None => None,
        };
        let result = self.checked_coords(
            g,
            proj.as_ref().map(|p| &p.0),
            lonlat.as_ref().map(|(t, p)| (*t, p.as_ref().map(|p| &p.0))),
        );
        if let Some(p) = proj {
            self.give(p);
        }
        if let Some((t, Some(p))) = lonlat {
            t.give(p);
        }
        result
    }

    fn checked_coords(
        &self,
        g: &Geometry<f64>,
        proj: Option<&Proj>,
        to_lonlat: Option<(&Transformer, Option<&Proj>)>,
    ) -> Result<Geometry<f64>, CrsError> {
        g.try_map_coords(|c| {
            let lonlat = match to_lonlat {
                None => swap_if(self.from.axis_order(), c),
                Some((t, p)) => t.convert(p, c)?,
            };
            for crs in [&self.from, &self.to] {
                if let Some([w, s, e, n]) = crs.area_of_use() {
                    let slack = AREA_SLACK_DEG;
                    let inside = lonlat.x >= w - slack
                        && lonlat.x <= e + slack
                        && lonlat.y >= s - slack
                        && lonlat.y <= n + slack;
                    if !inside {
                        return Err(CrsError::OutsideArea {
                            crs: self.from.name().to_owned(),
                            x: c.x,
                            y: c.y,
                            lon: lonlat.x,
                            lat: lonlat.y,
                            area_crs: crs.name().to_owned(),
                            area: crs.area_description(),
                        });
                    }
                }
            }
            self.convert(proj, c)
        })
    }
}

fn swap_if(order: AxisOrder, c: Coord<f64>) -> Coord<f64> {
    match order {
        AxisOrder::EastNorth => c,
        AxisOrder::NorthEast => Coord { x: c.y, y: c.x },
    }
}

/// A rectangle's closed outline with `per_edge` points on each side (corners included once).
#[must_use]
pub fn densified_ring(r: Rect<f64>, per_edge: usize) -> LineString<f64> {
    let per_edge = per_edge.max(1);
    let (min, max) = (r.min(), r.max());
    let corners = [
        min,
        Coord { x: max.x, y: min.y },
        max,
        Coord { x: min.x, y: max.y },
        min,
    ];
    let mut pts = Vec::with_capacity(per_edge * 4 + 1);
    for w in corners.windows(2) {
        for i in 0..per_edge {
            #[allow(clippy::cast_precision_loss)]
            let t = i as f64 / per_edge as f64;
            pts.push(Coord {
                x: w[0].x + (w[1].x - w[0].x) * t,
                y: w[0].y + (w[1].y - w[0].y) * t,
            });
        }
    }
    pts.push(min);
    LineString::new(pts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::point;

    fn gk() -> Crs {
        Crs::epsg(4545).unwrap()
    }

    #[test]
    fn a_reprojected_box_covers_its_curved_sides_and_clips_to_the_grid() {
        let grid = gk().gis_order();
        let to_grid = Transformer::new(&Crs::crs84(), &grid).unwrap();
        // Across the central meridian (108° E) the southern parallel dips lowest in the middle:
        // the densified outline reaches below the corners.
        let r = Rect::new((107.5, 28.4), (108.5, 28.6));
        let dense = to_grid.rect_envelope(r, 16).unwrap();
        let corners = to_grid.rect_envelope(r, 1).unwrap();
        assert!(
            dense.min().y < corners.min().y - 1.0,
            "{dense:?} {corners:?}"
        );
        assert_eq!(densified_ring(r, 4).0.len(), 17);
        // A world-wide box keeps only the grid's zone (plus slack); Europe meets nothing.
        let world = Rect::new((-180.0, -85.0), (180.0, 85.0));
        let clipped = grid.clip_lon_lat(world, 0.5).unwrap();
        assert!(clipped.min().x > 100.0 && clipped.max().x < 115.0);
        assert!(grid
            .clip_lon_lat(Rect::new((-10.0, 40.0), (-9.0, 41.0)), 0.5)
            .is_none());
    }

    #[test]
    fn authority_order_is_honoured() {
        // EPSG:4490 is lat, lon; EPSG:4545 is northing, easting.
        let t = Transformer::new(&Crs::epsg(4490).unwrap(), &gk()).unwrap();
        let c = t
            .coord(Coord {
                x: 28.45,
                y: 108.99,
            })
            .unwrap();
        assert!((c.x - 3_148_711.3).abs() < 1.0, "{c:?}");
        assert!((c.y - 596_973.4).abs() < 1.0, "{c:?}");
    }

    #[test]
    fn zone_prefixed_grid_agrees() {
        // EPSG:4524 (zone 36, easting prefixed with 36) and EPSG:4545 (CM 108E) are the same grid.
        let t = Transformer::new(&Crs::epsg(4524).unwrap().gis_order(), &gk().gis_order()).unwrap();
        let c = t
            .coord(Coord {
                x: 36_596_973.4,
                y: 3_148_711.3,
            })
            .unwrap();
        assert!(
            (c.x - 596_973.4).abs() < 0.01 && (c.y - 3_148_711.3).abs() < 0.01,
            "{c:?}"
        );
    }

    #[test]
    fn swapped_axes_are_refused_not_moved() {
        let t = Transformer::new(&Crs::crs84(), &gk().gis_order()).unwrap();
        let good = t.geometry_checked(&point!(x: 108.99, y: 28.45).into());
        assert!(good.is_ok());
        // lat, lon sent where lon, lat is expected lands in the Indian Ocean.
        let err = t
            .geometry_checked(&point!(x: 28.45, y: 108.99).into())
            .unwrap_err();
        assert!(matches!(err, CrsError::OutsideArea { .. }), "{err}");
        // A point in Beijing is outside EPSG:4545's zone.
        let err = t
            .geometry_checked(&point!(x: 116.4, y: 39.9).into())
            .unwrap_err();
        assert!(err.to_string().contains("EPSG:4545"), "{err}");
    }

    #[test]
    fn round_trip_is_submillimetre() {
        let there = Transformer::new(&Crs::crs84(), &gk().gis_order()).unwrap();
        let back = Transformer::new(&gk().gis_order(), &Crs::crs84()).unwrap();
        let c = Coord {
            x: 108.99,
            y: 28.45,
        };
        let r = back.coord(there.coord(c).unwrap()).unwrap();
        assert!((r.x - c.x).abs() < 1e-8 && (r.y - c.y).abs() < 1e-8);
    }
}
