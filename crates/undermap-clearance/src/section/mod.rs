//! A cross-section (横断面): every line crossing a straight cut, in order along it, with its
//! offset from the cut's start, its depths and its size; [`svg`] draws it.

mod svg;

use geo::{Coord, Geometry, LineString};
use undermap_core::Feature;

use crate::geom::{crossing, direction, norm, sin_between};
use crate::route::Size;
use crate::ClearanceError;

pub use svg::{svg, Drawn};

/// The longest cut, m: a cross-section is across a street or a block.
pub const MAX_CUT_M: f64 = 1_000.0;

/// A straight cut in the deployment CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    from: Coord<f64>,
    to: Coord<f64>,
    length: f64,
}

impl Cut {
    /// A cut from `from` to `to`, if it is at least 1 cm and at most 1 km long.
    pub fn new(from: Coord<f64>, to: Coord<f64>) -> Result<Self, ClearanceError> {
        if ![from.x, from.y, to.x, to.y].iter().all(|v| v.is_finite()) {
            return Err(ClearanceError::invalid(
                "line",
                "a coordinate is not a number",
            ));
        }
        let length = norm(direction(from, to));
        if length < 0.01 {
            return Err(ClearanceError::invalid(
                "line",
                "the cut's two points are the same: give x1,y1,x2,y2 of a line across the street",
            ));
        }
        if length > MAX_CUT_M {
            return Err(ClearanceError::TooLarge {
                field: "line",
                reason: format!(
                    "the cut is {length:.0} m long; a cross-section is at most {MAX_CUT_M:.0} m"
                ),
            });
        }
        Ok(Self { from, to, length })
    }

    /// Its length, m.
    #[must_use]
    pub fn length_m(&self) -> f64 {
        self.length
    }

    /// Its ends.
    #[must_use]
    pub fn ends(&self) -> (Coord<f64>, Coord<f64>) {
        (self.from, self.to)
    }
}

/// One line where it crosses the cut.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossed<'f> {
    /// The line.
    pub feature: &'f Feature,
    /// Distance from the cut's start, m.
    pub offset_m: f64,
    /// Where, in the deployment CRS.
    pub point: Coord<f64>,
    /// Angle between the line and the cut, degrees (0 to 90).
    pub angle_deg: f64,
    /// Depth of its top, m, if recorded.
    pub top_m: Option<f64>,
    /// Depth of its bottom: as recorded, else its top plus its height.
    pub bottom_m: Option<f64>,
    /// Its size across, if recorded.
    pub size: Option<Size>,
}

fn lines(g: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

/// Every line of `features` that crosses `cut`, in order along it (a line crossing twice is
/// listed twice; a line lying along the cut is not a crossing).
pub fn section<'f>(cut: &Cut, features: impl IntoIterator<Item = &'f Feature>) -> Vec<Crossed<'f>> {
    let (a, b) = (cut.from, cut.to);
    let mut out = Vec::new();
    for f in features {
        let attrs = &f.attrs;
        let size = Size::of(attrs);
        let top = attrs.depth_top_m.map(f64::from);
        let bottom = Size::bottom_of(attrs);
        let mut found: Vec<(f64, Coord<f64>, f64)> = Vec::new();
        for l in lines(&f.geometry) {
            for w in l.0.windows(2) {
                if let Some((t, p)) = crossing(a, b, w[0], w[1]) {
                    let sin = sin_between(direction(a, b), direction(w[0], w[1]));
                    found.push((t * cut.length, p, sin));
                }
            }
        }
        found.sort_by(|x, y| x.0.total_cmp(&y.0));
        found.dedup_by(|y, x| (y.0 - x.0).abs() < 0.001);
        out.extend(found.into_iter().map(|(offset_m, point, sin)| Crossed {
            feature: f,
            offset_m,
            point,
            angle_deg: sin.clamp(0.0, 1.0).asin().to_degrees(),
            top_m: top,
            bottom_m: bottom,
            size,
        }));
    }
    out.sort_by(|x, y| {
        x.offset_m
            .total_cmp(&y.offset_m)
            .then_with(|| x.feature.id.as_str().cmp(y.feature.id.as_str()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use undermap_core::{Depth, FeatureAttributes, FeatureKind};

    fn pipe(id: &str, x: f64, d: Option<f64>, top: Option<f64>) -> Feature {
        Feature::new(
            id.parse().unwrap(),
            "water".parse().unwrap(),
            FeatureKind::Pipe,
            LineString::from(vec![(x, -50.0), (x + 1.0, 50.0)]).into(),
            FeatureAttributes {
                diameter_mm: d,
                depth_top_m: top.map(|t| Depth::new(t).unwrap()),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn lines_come_in_order_with_offsets_and_depths() {
        let fs = [
            pipe("b", 12.5, Some(300.0), Some(1.2)),
            pipe("a", 3.0, None, None),
        ];
        let cut = Cut::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 30.0, y: 0.0 }).unwrap();
        let s = section(&cut, &fs);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].feature.id.as_str(), "a");
        assert!((s[0].offset_m - 3.5).abs() < 1e-9);
        assert_eq!((s[0].top_m, s[0].bottom_m), (None, None));
        assert!((s[1].offset_m - 13.0).abs() < 1e-9);
        assert!((s[1].bottom_m.unwrap() - 1.5).abs() < 1e-9);
        assert!(s[1].angle_deg > 89.0);
        let drawn: Vec<Drawn> = s
            .iter()
            .map(|c| Drawn {
                offset_m: c.offset_m,
                top_m: c.top_m,
                size: c.size,
                colour: "#00a0e9",
                label: format!("{} <x>", c.feature.id),
            })
            .collect();
        let svg = svg(cut.length_m(), &drawn, "横断面 & test");
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>\n"),
            "{svg}"
        );
        assert!(svg.contains("<circle"), "{svg}");
        assert!(svg.contains("b &lt;x&gt;") && svg.contains("横断面 &amp; test"));
        assert!(svg.contains("1.20"), "the depth of top is written");
        assert!(svg.contains("depth unknown"));
    }

    #[test]
    fn bad_cuts_are_refused() {
        let o = Coord { x: 0.0, y: 0.0 };
        assert!(Cut::new(o, o).unwrap_err().to_string().contains("the same"));
        assert!(Cut::new(o, Coord { x: 2000.0, y: 0.0 })
            .unwrap_err()
            .to_string()
            .contains("at most 1000 m"));
        assert!(Cut::new(
            o,
            Coord {
                x: f64::NAN,
                y: 0.0
            }
        )
        .is_err());
    }
}
