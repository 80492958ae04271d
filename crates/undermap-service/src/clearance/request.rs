//! A clearance check as a client sends it, and the same request parsed: the route a simple line
//! in the deployment CRS with its type, size and depths checked.

use geo::{Geometry, LineString};
use serde::Deserialize;
use undermap_clearance::{PlannedLine, PlannedRoute, PlannedType};
use undermap_core::PressureClass;
use undermap_crs::{Crs, Transformer};

use crate::shared::input::request_crs;
use crate::{Service, ServiceError};

/// Longest reference accepted.
const MAX_REFERENCE_CHARS: usize = 200;

/// One depth for the whole route, or one per vertex.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Depths {
    /// The same depth of top everywhere.
    One(f64),
    /// A depth of top at each vertex.
    PerVertex(Vec<f64>),
}

/// A clearance check as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearanceRequest {
    /// The planned route: a GeoJSON LineString.
    pub route: serde_json::Value,
    /// CRS of `route` and of the report's geometries; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// `water`, `sewer`, `storm`, `gas`, `power`, `telecom` or `heat`.
    #[serde(rename = "type")]
    pub planned_type: String,
    /// Diameter, mm.
    #[serde(default)]
    pub diameter_mm: Option<f64>,
    /// Section B×H, mm (a box conduit or a duct bank).
    #[serde(default)]
    pub section: Option<String>,
    /// A gas route's pressure class.
    #[serde(default)]
    pub pressure_class: Option<String>,
    /// A power route's voltage, kV.
    #[serde(default)]
    pub voltage_kv: Option<f64>,
    /// Depth of the route's top below ground, m: one value or one per vertex.
    pub depth_top_m: Depths,
    /// The planner's own reference (the project's name or number).
    #[serde(default)]
    pub reference: Option<String>,
}

/// A request after parsing.
pub(super) struct Parsed {
    pub(super) crs: Crs,
    pub(super) route: PlannedRoute,
    pub(super) reference: Option<String>,
    pub(super) depths: Vec<f64>,
}

impl Service {
    pub(super) fn parse_clearance(&self, req: &ClearanceRequest) -> Result<Parsed, ServiceError> {
        let crs = request_crs(req.crs.as_deref())?;
        let planned_type: PlannedType =
            req.planned_type
                .parse()
                .map_err(|e: undermap_core::CoreError| {
                    ServiceError::unprocessable("type", e.to_string())
                })?;
        let pressure = req
            .pressure_class
            .as_deref()
            .map(str::parse::<PressureClass>)
            .transpose()
            .map_err(|e| ServiceError::unprocessable("pressure_class", e.to_string()))?;
        let geometry = geojson::Geometry::from_json_value(req.route.clone()).map_err(|e| {
            ServiceError::unprocessable("route", format!("not a GeoJSON geometry: {e}"))
        })?;
        let line = match geometry.value {
            geojson::Value::LineString(coords) => coords,
            other => {
                return Err(ServiceError::unprocessable(
                    "route",
                    format!("a route is a LineString, not a {}", other.type_name()),
                ))
            }
        };
        if line.len() > undermap_clearance::route::MAX_VERTICES {
            return Err(undermap_clearance::ClearanceError::TooLarge {
                field: "route",
                reason: format!(
                    "{} vertices; a route may have at most {}",
                    line.len(),
                    undermap_clearance::route::MAX_VERTICES
                ),
            }
            .into());
        }
        let mut coords = Vec::with_capacity(line.len());
        for p in &line {
            match p.as_slice() {
                [x, y] | [x, y, _] => coords.push(geo::Coord { x: *x, y: *y }),
                _ => {
                    return Err(ServiceError::unprocessable(
                        "route",
                        "each position is [x, y] (or [x, y, z])",
                    ))
                }
            }
        }
        let to_metric = Transformer::new(&crs, &self.config().deployment_crs)?;
        let Geometry::LineString(metric) =
            to_metric.geometry_checked(&Geometry::LineString(LineString(coords)))?
        else {
            return Err(ServiceError::internal("reprojecting a route", "not a line"));
        };
        let depths = match &req.depth_top_m {
            Depths::One(d) => vec![*d],
            Depths::PerVertex(v) => v.clone(),
        };
        let route = PlannedRoute::new(
            PlannedLine {
                planned_type,
                diameter_mm: req.diameter_mm,
                section: req.section.as_ref().map(|s| s.trim().to_owned()),
                pressure,
                voltage_kv: req.voltage_kv,
            },
            metric,
            &depths,
        )?;
        let reference = req
            .reference
            .as_ref()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(r) = &reference {
            undermap_core::text::plain("reference", r)?;
            if r.chars().count() > MAX_REFERENCE_CHARS {
                return Err(ServiceError::unprocessable(
                    "reference",
                    format!("at most {MAX_REFERENCE_CHARS} characters"),
                ));
            }
        }
        let depths = route.depths().to_vec();
        Ok(Parsed {
            crs,
            route,
            reference,
            depths,
        })
    }
}
