//! How far a feature lies from a dig area: 0 when it touches or crosses it, else the shortest
//! distance between them.
//!
//! geo's general `Euclidean::distance` between a polygon and a line builds R-trees of both
//! geometries' segments on every call, and `intersects` recomputes the area's bounding box for
//! every candidate. A dig area has tens of edges and a candidate a handful of segments, so the
//! pairs are simply tried: no allocation, the area's box computed once. The answer is geo's (the
//! property test below holds the two to each other on degenerate shapes too).

use geo::{
    BoundingRect, Coord, Distance, Euclidean, Geometry, Intersects, Line, LineString, MultiPolygon,
    Point, Polygon, Rect,
};

/// A dig area, ready to measure candidates against.
pub(crate) struct Probe<'a> {
    area: &'a MultiPolygon<f64>,
    rect: Option<Rect<f64>>,
}

impl<'a> Probe<'a> {
    pub(crate) fn new(area: &'a MultiPolygon<f64>) -> Self {
        Self {
            area,
            rect: area.bounding_rect(),
        }
    }

    /// The distance from the area to the box `min`–`max`, a lower bound of the distance to
    /// anything inside it.
    pub(crate) fn box_distance(&self, min: [f64; 2], max: [f64; 2]) -> f64 {
        let Some(r) = self.rect else {
            return f64::INFINITY;
        };
        let dx = (r.min().x - max[0]).max(min[0] - r.max().x).max(0.0);
        let dy = (r.min().y - max[1]).max(min[1] - r.max().y).max(0.0);
        dx.hypot(dy)
    }

    /// 0 when `g` touches or crosses the area, else the shortest distance between them.
    pub(crate) fn distance(&self, g: &Geometry<f64>) -> f64 {
        match g {
            Geometry::Point(p) => self.to_points(std::slice::from_ref(&p.0)),
            Geometry::MultiPoint(mp) => {
                mp.0.iter()
                    .map(|p| self.to_points(std::slice::from_ref(&p.0)))
                    .fold(f64::INFINITY, f64::min)
            }
            Geometry::Line(l) => self.to_path(&[l.start, l.end]),
            Geometry::LineString(l) => self.to_path(&l.0),
            Geometry::MultiLineString(ml) => {
                ml.0.iter()
                    .map(|l| self.to_path(&l.0))
                    .fold(f64::INFINITY, f64::min)
            }
            Geometry::Polygon(p) => self.to_polygon(p),
            Geometry::MultiPolygon(mp) => {
                mp.0.iter()
                    .map(|p| self.to_polygon(p))
                    .fold(f64::INFINITY, f64::min)
            }
            Geometry::Rect(r) => self.to_polygon(&r.to_polygon()),
            Geometry::Triangle(t) => self.to_polygon(&t.to_polygon()),
            Geometry::GeometryCollection(gc) => {
                gc.0.iter()
                    .map(|g| self.distance(g))
                    .fold(f64::INFINITY, f64::min)
            }
        }
    }

    /// Whether the area (its boundary included) holds `c`.
    fn holds(&self, c: Coord<f64>) -> bool {
        self.rect.is_some_and(|r| r.intersects(&c)) && self.area.0.iter().any(|p| p.intersects(&c))
    }

    fn edges(&self) -> impl Iterator<Item = Line<f64>> + '_ {
        self.area
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(LineString::lines)
    }

    fn to_points(&self, points: &[Coord<f64>]) -> f64 {
        let mut best = f64::INFINITY;
        for &c in points {
            if self.holds(c) {
                return 0.0;
            }
            for e in self.edges() {
                best = best.min(Euclidean::distance(&Point(c), &e));
            }
        }
        best
    }

    fn to_path(&self, path: &[Coord<f64>]) -> f64 {
        match path {
            [] => f64::INFINITY,
            [only] => self.to_points(std::slice::from_ref(only)),
            _ => {
                if path.iter().any(|&c| self.holds(c)) {
                    return 0.0;
                }
                let mut best = f64::INFINITY;
                for s in path.windows(2).map(|w| Line::new(w[0], w[1])) {
                    for e in self.edges() {
                        if s.intersects(&e) {
                            return 0.0;
                        }
                        best = best.min(Euclidean::distance(&s, &e));
                    }
                }
                best
            }
        }
    }

    fn to_polygon(&self, polygon: &Polygon<f64>) -> f64 {
        // The area may lie wholly inside the polygon (touching none of its rings).
        let inside = self
            .area
            .0
            .iter()
            .filter_map(|p| p.exterior().0.first())
            .any(|&c| polygon.intersects(&c));
        if inside {
            return 0.0;
        }
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(|ring| self.to_path(&ring.0))
            .fold(f64::INFINITY, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, line_string, polygon, MapCoords};
    use proptest::prelude::*;

    /// geo's own answer: the brute force this module must agree with.
    fn geo_distance(area: &MultiPolygon<f64>, g: &Geometry<f64>) -> f64 {
        let a = Geometry::MultiPolygon(area.clone());
        if a.intersects(g) {
            0.0
        } else {
            Euclidean::distance(&a, g)
        }
    }

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)
        ]])
    }

    #[test]
    fn the_cases_a_check_meets() {
        let area = square(0.0, 0.0, 10.0);
        let probe = Probe::new(&area);
        // Crossing, touching, inside, beside, and the area inside a large zone.
        let cases: Vec<(Geometry<f64>, f64)> = vec![
            (
                line_string![(x: -5.0, y: 5.0), (x: 15.0, y: 5.0)].into(),
                0.0,
            ),
            (
                line_string![(x: 10.0, y: -5.0), (x: 10.0, y: 15.0)].into(),
                0.0,
            ),
            (Point::new(5.0, 5.0).into(), 0.0),
            (Point::new(10.8, 5.0).into(), 0.8),
            (
                line_string![(x: 0.0, y: 11.5), (x: 10.0, y: 11.5)].into(),
                1.5,
            ),
            (square(-5.0, -5.0, 30.0).0[0].clone().into(), 0.0),
            // A 2 cm segment a few millimetres from the corner.
            (
                line_string![(x: 10.003, y: 10.004), (x: 10.023, y: 10.004)].into(),
                0.005,
            ),
        ];
        for (g, expected) in cases {
            assert!((probe.distance(&g) - expected).abs() < 1e-9, "{g:?}");
            assert!((geo_distance(&area, &g) - expected).abs() < 1e-9, "{g:?}");
        }
        assert!((probe.box_distance([13.0, 14.0], [20.0, 20.0]) - 5.0).abs() < 1e-12);
        assert!(probe.box_distance([5.0, 5.0], [6.0, 6.0]).abs() < 1e-12);
    }

    fn coordinate() -> impl Strategy<Value = Coord<f64>> {
        // A small grid makes touching, collinear and repeated points common.
        (-8_i32..8, -8_i32..8, 0_u8..4).prop_map(|(x, y, nudge)| {
            let n = [0.0, 0.01, 1e-3, 0.5][usize::from(nudge)];
            coord! { x: f64::from(x) + n, y: f64::from(y) - n }
        })
    }

    fn geometry() -> impl Strategy<Value = Geometry<f64>> {
        prop_oneof![
            coordinate().prop_map(|c| Geometry::Point(Point(c))),
            proptest::collection::vec(coordinate(), 2..6)
                .prop_map(|cs| Geometry::LineString(LineString(cs))),
            (coordinate(), 1_i32..30, 1_i32..30, any::<bool>()).prop_map(|(c, w, h, hole)| {
                let (w, h) = (f64::from(w), f64::from(h));
                let outer = square(c.x, c.y, 1.0).0[0].exterior().map_coords(|p| {
                    coord! {
                        x: c.x + (p.x - c.x) * w,
                        y: c.y + (p.y - c.y) * h,
                    }
                });
                // A hole in the middle third, which the area may lie in.
                let holes = if hole && w >= 3.0 && h >= 3.0 {
                    vec![square(c.x + w / 3.0, c.y + h / 3.0, w.min(h) / 3.0).0[0]
                        .exterior()
                        .clone()]
                } else {
                    vec![]
                };
                Geometry::Polygon(Polygon::new(outer, holes))
            }),
            proptest::collection::vec(coordinate(), 1..4)
                .prop_map(|cs| Geometry::MultiPoint(cs.into_iter().map(Point).collect())),
            proptest::collection::vec(proptest::collection::vec(coordinate(), 2..4), 1..3)
                .prop_map(|ls| Geometry::MultiLineString(geo::MultiLineString(
                    ls.into_iter().map(LineString).collect(),
                ))),
        ]
    }

    fn area() -> impl Strategy<Value = MultiPolygon<f64>> {
        // A star around a centre, as dig areas are drawn (simple, maybe concave), sometimes
        // with a square hole.
        (
            coordinate(),
            3_usize..9,
            proptest::collection::vec(1_u8..5, 9),
            any::<bool>(),
        )
            .prop_map(|(c, n, radii, hole)| {
                let ring: Vec<Coord<f64>> = (0..n)
                    .map(|k| {
                        let a = std::f64::consts::TAU * k as f64 / n as f64;
                        let r = f64::from(radii[k]) * 2.0 + 4.0;
                        coord! { x: c.x + r * a.cos(), y: c.y + r * a.sin() }
                    })
                    .collect();
                let holes = if hole {
                    vec![square(c.x - 1.0, c.y - 1.0, 2.0).0[0].exterior().clone()]
                } else {
                    vec![]
                };
                let second = (n % 2 == 0).then(|| square(c.x + 20.0, c.y - 3.0, 3.0).0.remove(0));
                MultiPolygon(
                    std::iter::once(Polygon::new(LineString(ring), holes))
                        .chain(second)
                        .collect(),
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_distance_is_geos(area in area(), g in geometry()) {
            let mine = Probe::new(&area).distance(&g);
            let theirs = geo_distance(&area, &g);
            prop_assert_eq!(mine == 0.0, theirs == 0.0, "mine {} geo {}", mine, theirs);
            prop_assert!((mine - theirs).abs() <= 1e-9 * theirs.max(1.0), "mine {} geo {}", mine, theirs);
        }
    }
}
