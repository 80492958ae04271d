//! A planned route after parsing: a simple line in the deployment CRS, of a known type with the
//! attributes its rows need, and the depth of its top at every vertex.

use geo::{Coord, LineString};
use undermap_core::{text_enum, Depth, FeatureAttributes, PressureClass};

use crate::geom::{measures, self_crossing};
use crate::table::{Side, UtilityClass};
use crate::ClearanceError;

text_enum! {
    /// What a planned line carries.
    pub enum PlannedType ("type") {
        /// Water supply (给水).
        Water => "water",
        /// Sewer (污水).
        Sewer => "sewer",
        /// Storm drain (雨水).
        Storm => "storm",
        /// Gas (燃气): needs its pressure class.
        Gas => "gas",
        /// Power (电力): needs its voltage.
        Power => "power",
        /// Telecommunications (通信).
        Telecom => "telecom",
        /// District heating (热力).
        Heat => "heat",
    }
}

impl PlannedType {
    /// The table's class for this type.
    #[must_use]
    pub fn class(self) -> UtilityClass {
        match self {
            Self::Water => UtilityClass::Water,
            Self::Sewer | Self::Storm => UtilityClass::Drainage,
            Self::Gas => UtilityClass::Gas,
            Self::Power => UtilityClass::Power,
            Self::Telecom => UtilityClass::Telecom,
            Self::Heat => UtilityClass::Heat,
        }
    }
}

/// A conduit's size across: width and height in metres (a pipe's diameter both ways).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Width, m.
    pub width_m: f64,
    /// Height, m.
    pub height_m: f64,
    /// Whether it is round (a pipe) rather than a box section.
    pub round: bool,
}

impl Size {
    /// A round pipe of `diameter_mm`.
    #[must_use]
    pub fn pipe(diameter_mm: f64) -> Self {
        Self {
            width_m: diameter_mm / 1000.0,
            height_m: diameter_mm / 1000.0,
            round: true,
        }
    }

    /// An existing feature's size as recorded: its diameter, else its section.
    #[must_use]
    pub fn of(attrs: &FeatureAttributes) -> Option<Self> {
        attrs
            .diameter_mm
            .map(Self::pipe)
            .or_else(|| attrs.section.as_deref().and_then(Self::section))
    }

    /// The depth of an existing feature's bottom: as recorded, else its top plus its height.
    #[must_use]
    pub fn bottom_of(attrs: &FeatureAttributes) -> Option<f64> {
        attrs
            .depth_bottom_m
            .map(f64::from)
            .or_else(|| Some(f64::from(attrs.depth_top_m?) + Self::of(attrs)?.height_m))
    }

    /// How a drawing or a table names a size: `DN300`, else the section as recorded.
    #[must_use]
    pub fn label(diameter_mm: Option<f64>, section: Option<&str>) -> Option<String> {
        diameter_mm
            .map(|d| format!("DN{d}"))
            .or_else(|| section.map(str::to_owned))
    }

    /// A section `B×H` in millimetres (`800x600`, `800×600`, `800*600`), if readable.
    #[must_use]
    pub fn section(text: &str) -> Option<Self> {
        let text = text.trim();
        let (b, h) = text
            .split_once(['x', 'X', '×', '*'])
            .map(|(b, h)| (b.trim(), h.trim()))?;
        let (b, h): (f64, f64) = (b.parse().ok()?, h.parse().ok()?);
        (b.is_finite() && h.is_finite() && b > 0.0 && h > 0.0 && b <= 20_000.0 && h <= 20_000.0)
            .then_some(Self {
                width_m: b / 1000.0,
                height_m: h / 1000.0,
                round: false,
            })
    }
}

/// The longest route checked, m (a planned line of a city is a few km; a longer one is checked
/// in parts).
pub const MAX_LENGTH_M: f64 = 20_000.0;
/// The most vertices a route may have.
pub const MAX_VERTICES: usize = 5_000;

/// What a planned route is, before its geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLine {
    /// Its type.
    pub planned_type: PlannedType,
    /// Diameter, mm (10 to 4,000).
    pub diameter_mm: Option<f64>,
    /// Section `B×H`, mm, for a box conduit or duct bank.
    pub section: Option<String>,
    /// Gas pressure class (a gas route must give it).
    pub pressure: Option<PressureClass>,
    /// Voltage, kV (a power route must give it).
    pub voltage_kv: Option<f64>,
}

/// A checked planned route in the deployment CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRoute {
    line: PlannedLine,
    size: Size,
    geometry: LineString<f64>,
    measures: Vec<f64>,
    depths: Vec<f64>,
}

/// The name a report gives the planned route in its reasons.
pub const ROUTE_NAME: &str = "the planned route";

impl PlannedRoute {
    /// A route, if it is a simple line of 2 to 5,000 vertices and at most 20 km, its depth of
    /// top (one value, or one per vertex) above 30 m, and its type's attributes given.
    pub fn new(
        line: PlannedLine,
        geometry: LineString<f64>,
        depth_top_m: &[f64],
    ) -> Result<Self, ClearanceError> {
        let size = match (line.diameter_mm, &line.section) {
            (Some(d), _) => {
                if !(d.is_finite() && (10.0..=4000.0).contains(&d)) {
                    return Err(ClearanceError::invalid(
                        "diameter_mm",
                        format!("{d} mm is outside 10 to 4000 mm"),
                    ));
                }
                Size::pipe(d)
            }
            (None, Some(s)) => Size::section(s).ok_or_else(|| {
                ClearanceError::invalid(
                    "section",
                    format!("{s:?} is not a section B×H in millimetres, e.g. 1200x800"),
                )
            })?,
            (None, None) => return Err(ClearanceError::invalid(
                "diameter_mm",
                "give the route's diameter_mm (a pipe) or section (B×H in mm, a box or duct bank)",
            )),
        };
        if line.planned_type == PlannedType::Gas && line.pressure.is_none() {
            return Err(ClearanceError::invalid(
                "pressure_class",
                "a gas route needs its pressure_class (low, medium_b, medium_a, sub_high_b, sub_high_a, high_b, high_a)",
            ));
        }
        match (line.planned_type, line.voltage_kv) {
            (PlannedType::Power, None) => {
                return Err(ClearanceError::invalid(
                    "voltage_kv",
                    "a power route needs its voltage_kv",
                ))
            }
            (_, Some(v)) if !(v.is_finite() && v > 0.0 && v <= 1000.0) => {
                return Err(ClearanceError::invalid(
                    "voltage_kv",
                    format!("{v} kV is outside 0 to 1000 kV"),
                ))
            }
            _ => {}
        }
        let per_vertex = depth_top_m.len() > 1;
        if per_vertex && depth_top_m.len() != geometry.0.len() {
            return Err(ClearanceError::invalid(
                "depth_top_m",
                format!(
                    "{} depths for {} vertices: give one value, or one per vertex",
                    depth_top_m.len(),
                    geometry.0.len()
                ),
            ));
        }
        let mut coords: Vec<Coord<f64>> = Vec::with_capacity(geometry.0.len());
        let mut given = Vec::with_capacity(depth_top_m.len());
        for (i, c) in geometry.0.iter().enumerate() {
            if !(c.x.is_finite() && c.y.is_finite()) {
                return Err(ClearanceError::invalid(
                    "route",
                    "a coordinate is not a number",
                ));
            }
            // A repeated vertex adds nothing; it is dropped with its depth.
            if coords.last() != Some(c) {
                coords.push(*c);
                if per_vertex {
                    given.push(depth_top_m[i]);
                }
            }
        }
        if coords.len() < 2 {
            return Err(ClearanceError::invalid(
                "route",
                "a route needs at least two distinct vertices",
            ));
        }
        if coords.len() > MAX_VERTICES {
            return Err(ClearanceError::TooLarge {
                field: "route",
                reason: format!(
                    "{} vertices; a route may have at most {MAX_VERTICES}",
                    coords.len()
                ),
            });
        }
        let geometry = LineString::from(coords);
        let measures = measures(&geometry);
        let length = measures.last().copied().unwrap_or_default();
        if length > MAX_LENGTH_M {
            return Err(ClearanceError::TooLarge {
                field: "route",
                reason: format!(
                    "{:.1} km long; a route may be at most {} km (check a long line in parts)",
                    length / 1000.0,
                    MAX_LENGTH_M / 1000.0
                ),
            });
        }
        if let Some((i, j)) = self_crossing(&geometry) {
            return Err(ClearanceError::invalid(
                "route",
                format!(
                    "the route crosses itself (segments {i} and {j}); a route is a simple line"
                ),
            ));
        }
        let depths = if per_vertex {
            given.iter().map(|d| depth(*d)).collect::<Result<_, _>>()?
        } else {
            let d = depth(depth_top_m.first().copied().ok_or_else(|| {
                ClearanceError::invalid(
                    "depth_top_m",
                    "give the depth of the route's top: one value, or one per vertex",
                )
            })?)?;
            vec![d; geometry.0.len()]
        };
        Ok(Self {
            line,
            size,
            geometry,
            measures,
            depths,
        })
    }

    /// What it is.
    #[must_use]
    pub fn line(&self) -> &PlannedLine {
        &self.line
    }

    /// Its size across.
    #[must_use]
    pub fn size(&self) -> Size {
        self.size
    }

    /// Its line in the deployment CRS.
    #[must_use]
    pub fn geometry(&self) -> &LineString<f64> {
        &self.geometry
    }

    /// Its length, m.
    #[must_use]
    pub fn length_m(&self) -> f64 {
        self.measures.last().copied().unwrap_or_default()
    }

    /// The distance along the route at each vertex.
    #[must_use]
    pub fn measures(&self) -> &[f64] {
        &self.measures
    }

    /// The depth of its top at each vertex, m.
    #[must_use]
    pub fn depths(&self) -> &[f64] {
        &self.depths
    }

    /// The depth of its top at `m` along it, interpolated between vertices.
    #[must_use]
    pub fn depth_at(&self, m: f64) -> f64 {
        let i = self.measures.partition_point(|&v| v <= m);
        if i == 0 {
            return self.depths[0];
        }
        if i >= self.measures.len() {
            return self.depths[self.depths.len() - 1];
        }
        let (m0, m1) = (self.measures[i - 1], self.measures[i]);
        let t = if m1 > m0 { (m - m0) / (m1 - m0) } else { 0.0 };
        self.depths[i - 1] + (self.depths[i] - self.depths[i - 1]) * t
    }

    /// The point at `m` along it.
    #[must_use]
    pub fn point_at(&self, m: f64) -> Coord<f64> {
        let c = &self.geometry.0;
        let i = self
            .measures
            .partition_point(|&v| v <= m)
            .clamp(1, c.len() - 1);
        let (m0, m1) = (self.measures[i - 1], self.measures[i]);
        let t = if m1 > m0 {
            ((m - m0) / (m1 - m0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        crate::geom::lerp(c[i - 1], c[i], t)
    }

    /// The route from `a` to `b` metres along it.
    #[must_use]
    pub fn stretch(&self, a: f64, b: f64) -> LineString<f64> {
        let mut coords = vec![self.point_at(a)];
        for (c, m) in self.geometry.0.iter().zip(&self.measures) {
            if *m > a && *m < b {
                coords.push(*c);
            }
        }
        coords.push(self.point_at(b));
        LineString(coords)
    }

    /// The route as a side of a pair in the table.
    #[must_use]
    pub fn side(&self) -> Side<'static> {
        Side {
            class: self.line.planned_type.class(),
            name: ROUTE_NAME,
            diameter_mm: self.line.diameter_mm,
            pressure: self.line.pressure,
            voltage_kv: self.line.voltage_kv,
        }
    }
}

/// A depth of top, m: more than 0, at most 30.
fn depth(d: f64) -> Result<f64, ClearanceError> {
    Depth::new(d)
        .ok()
        .filter(|d| d.metres() > 0.0)
        .map(f64::from)
        .ok_or_else(|| {
            ClearanceError::invalid(
                "depth_top_m",
                format!(
                    "{d} m is not a depth of top; give more than 0 and at most {} m",
                    Depth::MAX_M
                ),
            )
        })
}

#[cfg(test)]
mod tests;
