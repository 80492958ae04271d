//! An existing feature as the check sees it: its segments (a point is a segment of no length),
//! its width, its depths, and what of them is not recorded.

use geo::{Coord, Geometry, LineString, Polygon};
use undermap_core::{Feature, FeatureKind};

use crate::route::Size;
use crate::table::{Side, UtilityClass};

/// What the geometry is, for the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A line: crossed (judged vertically) or passed (horizontally).
    Line,
    /// A facility at a point: passed only.
    Point,
    /// A structure with an outline: passed only; running through it is a distance of 0.
    Area,
}

/// An existing feature, ready to be measured.
#[derive(Debug, Clone)]
pub struct Existing<'f> {
    pub(crate) feature: &'f Feature,
    pub(crate) class: UtilityClass,
    pub(crate) form: Form,
    /// Its segments (for an area, its rings').
    pub(crate) segments: Vec<(Coord<f64>, Coord<f64>)>,
    /// Its polygons, for an area.
    pub(crate) polygons: Vec<Polygon<f64>>,
    /// The ends of a line's parts, where a new line of the same network may join it.
    pub(crate) ends: Vec<Coord<f64>>,
    /// Its size across, when recorded.
    pub(crate) size: Option<Size>,
}

fn segments_of(line: &LineString<f64>, out: &mut Vec<(Coord<f64>, Coord<f64>)>) {
    out.extend(line.0.windows(2).map(|w| (w[0], w[1])));
}

impl<'f> Existing<'f> {
    /// The feature as the check measures it; `None` for geometries it cannot (collections).
    #[must_use]
    pub fn of(feature: &'f Feature, class: UtilityClass) -> Option<Self> {
        let mut segments = Vec::new();
        let mut polygons = Vec::new();
        let mut ends = Vec::new();
        let mut ends_of = |l: &LineString<f64>| {
            ends.extend(l.0.first().copied());
            ends.extend(l.0.last().copied());
        };
        let form = match &feature.geometry {
            Geometry::LineString(l) => {
                segments_of(l, &mut segments);
                ends_of(l);
                Form::Line
            }
            Geometry::MultiLineString(m) => {
                for l in &m.0 {
                    segments_of(l, &mut segments);
                    ends_of(l);
                }
                Form::Line
            }
            Geometry::Point(p) => {
                segments.push((p.0, p.0));
                Form::Point
            }
            Geometry::MultiPoint(m) => {
                segments.extend(m.0.iter().map(|p| (p.0, p.0)));
                Form::Point
            }
            Geometry::Polygon(p) => {
                polygons.push(p.clone());
                Form::Area
            }
            Geometry::MultiPolygon(m) => {
                polygons.extend(m.0.iter().cloned());
                Form::Area
            }
            _ => return None,
        };
        for p in &polygons {
            segments_of(p.exterior(), &mut segments);
            for r in p.interiors() {
                segments_of(r, &mut segments);
            }
        }
        if segments.is_empty() {
            return None;
        }
        let size = Size::of(&feature.attrs);
        Some(Self {
            feature,
            class,
            form,
            segments,
            polygons,
            ends,
            size,
        })
    }

    /// Its box, grown by `by` metres.
    pub(crate) fn envelope(&self, by: f64) -> rstar::AABB<[f64; 2]> {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (a, b) in &self.segments {
            x0 = x0.min(a.x).min(b.x);
            y0 = y0.min(a.y).min(b.y);
            x1 = x1.max(a.x).max(b.x);
            y1 = y1.max(a.y).max(b.y);
        }
        rstar::AABB::from_corners([x0 - by, y0 - by], [x1 + by, y1 + by])
    }

    /// Its side of a pair in the table.
    pub(crate) fn side(&self) -> Side<'f> {
        let a = &self.feature.attrs;
        Side {
            class: self.class,
            name: self.feature.id.as_str(),
            diameter_mm: a.diameter_mm,
            pressure: a.pressure_class,
            voltage_kv: a.voltage_kv,
        }
    }

    /// Its half-width, m, and what is missing when it is not known. A directly buried cable, a
    /// facility at a point without a size and an outlined structure (measured from its outline)
    /// count as having none.
    pub(crate) fn half_width(&self) -> (f64, Option<String>) {
        match (self.size, self.form) {
            (_, Form::Area) => (0.0, None),
            (Some(s), _) => (s.width_m / 2.0, None),
            (None, Form::Line) if self.feature.kind != FeatureKind::Cable => (
                0.0,
                Some(format!("diameter_mm or section of {}", self.feature.id)),
            ),
            _ => (0.0, None),
        }
    }

    /// The facts a verdict about it rests on.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        match self.form {
            Form::Point => notes.push(format!(
                "{} is a {} at a surveyed point: its footprint is not recorded, the distance is to that point",
                self.feature.id, self.feature.kind
            )),
            Form::Line if self.size.is_none() && self.feature.kind == FeatureKind::Cable => {
                notes.push(format!(
                    "{} is a directly buried cable of no recorded width: counted as a line",
                    self.feature.id
                ));
            }
            _ => {}
        }
        if let Some(tol) = self.feature.attrs.position_tolerance_m() {
            notes.push(format!(
                "{}'s recorded position is good to ±{tol} m",
                self.feature.id
            ));
        } else {
            notes.push(format!(
                "{}'s positional accuracy is not recorded",
                self.feature.id
            ));
        }
        notes
    }
}
