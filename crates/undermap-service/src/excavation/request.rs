//! An excavation check as a client sends it, and the same request parsed: every value checked,
//! the area in the deployment CRS.

use std::collections::HashSet;

use geo::Geometry;
use serde::Deserialize;
use undermap_core::geometry::polygonal_from_geojson;
use undermap_core::{Depth, ExcavationArea, LayerId};
use undermap_crs::{Crs, Transformer};

use super::Excavation;
use crate::shared::input::request_crs;
use crate::ServiceError;

/// Longest contractor reference accepted.
const MAX_REFERENCE_CHARS: usize = 200;

/// An excavation check as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// GeoJSON Polygon or MultiPolygon.
    pub area: serde_json::Value,
    /// CRS of `area` and of the answer's geometries; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Planned maximum dig depth in metres.
    #[serde(default)]
    pub depth_m: Option<f64>,
    /// Tolerance zone around the area in metres.
    #[serde(default)]
    pub buffer_m: Option<f64>,
    /// Only these layers.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
    /// The contractor's job or permit number.
    #[serde(default)]
    pub reference: Option<String>,
    /// Answer from the map as it stood then (a date or an RFC 3339 time), e.g. to see what a
    /// contractor would have been told before a delivery changed the map.
    #[serde(default)]
    pub at: Option<String>,
}

/// A request after parsing: every value checked, the area in the deployment CRS.
pub(super) struct ParsedCheck {
    pub(super) crs: Crs,
    pub(super) area: ExcavationArea,
    pub(super) buffer_m: f64,
    pub(super) depth_m: Option<f64>,
    pub(super) layers: Option<HashSet<LayerId>>,
    pub(super) reference: Option<String>,
}

impl Excavation<'_> {
    pub(super) fn parse_check(&self, req: &CheckRequest) -> Result<ParsedCheck, ServiceError> {
        let config = self.app.config();
        let crs = request_crs(req.crs.as_deref())?;
        let geometry = geojson::Geometry::from_json_value(req.area.clone()).map_err(|e| {
            ServiceError::unprocessable("area", format!("not a GeoJSON geometry: {e}"))
        })?;
        let polygons = polygonal_from_geojson(&geometry, config.limits.max_vertices)?;
        let to_metric = Transformer::new(&crs, &config.deployment_crs)?;
        let metric = match to_metric.geometry_checked(&Geometry::MultiPolygon(polygons))? {
            Geometry::MultiPolygon(mp) => mp,
            other => {
                return Err(ServiceError::unprocessable(
                    "area",
                    format!(
                        "reprojection produced a {}",
                        undermap_core::geometry::geometry_kind_name(&other)
                    ),
                ))
            }
        };
        let area = ExcavationArea::new(metric, &config.limits)?;
        let buffer_m = req.buffer_m.unwrap_or(config.default_buffer_m);
        if !(buffer_m.is_finite() && (0.0..=config.max_buffer_m).contains(&buffer_m)) {
            return Err(ServiceError::unprocessable(
                "buffer_m",
                format!("{buffer_m} m is outside 0 to {} m", config.max_buffer_m),
            ));
        }
        let depth_m = req
            .depth_m
            .map(|d| {
                Depth::new(d)
                    .ok()
                    .filter(|d| d.metres() > 0.0)
                    .map(f64::from)
                    .ok_or_else(|| {
                        ServiceError::unprocessable(
                            "depth_m",
                            format!(
                                "{d} m is not a dig depth; give more than 0 and at most {} m",
                                Depth::MAX_M
                            ),
                        )
                    })
            })
            .transpose()?;
        let layers = req
            .layers
            .as_ref()
            .map(|names| self.app.known_layers(names))
            .transpose()?;
        let reference = req
            .reference
            .as_ref()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(r) = &reference {
            undermap_core::text::plain("reference", r)?;
        }
        if reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REFERENCE_CHARS)
        {
            return Err(ServiceError::unprocessable(
                "reference",
                format!("at most {MAX_REFERENCE_CHARS} characters"),
            ));
        }
        Ok(ParsedCheck {
            crs,
            area,
            buffer_m,
            depth_m,
            layers,
            reference,
        })
    }
}
