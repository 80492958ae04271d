//! An excavation check as a client sends it, and the same request parsed: every value checked,
//! the area in the deployment CRS.

use std::collections::HashSet;

use chrono::NaiveDate;
use geo::Geometry;
use serde::Deserialize;
use undermap_core::geometry::polygonal_from_geojson;
use undermap_core::{AreaLimits, CoreError, Depth, ExcavationArea, LayerId, TicketType};
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
    /// `orientation` (planning and design: a larger area, no dig), `dig` (the default) or
    /// `emergency` (immediate; justified by the end of the next working day).
    #[serde(default, rename = "type")]
    pub ticket_type: Option<TicketType>,
    /// A dig's planned first day (YYYY-MM-DD, the deployment's local date), within the start
    /// window; default: the window's first day.
    #[serde(default)]
    pub planned_start: Option<String>,
}

/// A request after parsing: every value checked, the area in the deployment CRS.
pub(super) struct ParsedCheck {
    pub(super) crs: Crs,
    pub(super) area: ExcavationArea,
    pub(super) buffer_m: f64,
    pub(super) depth_m: Option<f64>,
    pub(super) layers: Option<HashSet<LayerId>>,
    pub(super) reference: Option<String>,
    pub(super) ticket_type: TicketType,
    /// A dig's first day; none for an orientation.
    pub(super) planned_start: Option<NaiveDate>,
    /// The last day the ticket may be relied on.
    pub(super) valid_until: NaiveDate,
}

impl Excavation<'_> {
    /// Parses a request made on `today` (the deployment's local date).
    pub(super) fn parse_check(
        &self,
        req: &CheckRequest,
        today: NaiveDate,
    ) -> Result<ParsedCheck, ServiceError> {
        let config = self.app.config();
        let ticket_type = req.ticket_type.unwrap_or_default();
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
        let area = self.area(metric, ticket_type)?;
        let (planned_start, valid_until) = self.validity(req, ticket_type, today)?;
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
            ticket_type,
            planned_start,
            valid_until,
        })
    }

    /// The area, within the limit of its type. A dig area an orientation could cover says so.
    fn area(
        &self,
        metric: geo::MultiPolygon<f64>,
        ticket_type: TicketType,
    ) -> Result<ExcavationArea, ServiceError> {
        let config = self.app.config();
        let orientation = config.ticket_rules.orientation_max_area_m2;
        let limits = match ticket_type {
            TicketType::Dig | TicketType::Emergency => config.limits,
            TicketType::Orientation => AreaLimits {
                max_area_m2: orientation,
                ..config.limits
            },
        };
        ExcavationArea::new(metric, &limits).map_err(|e| match e {
            CoreError::AreaTooLarge {
                area_m2, limit_m2, ..
            } if ticket_type == TicketType::Dig && area_m2 <= orientation => {
                CoreError::AreaTooLarge {
                    area_m2,
                    limit_m2,
                    advice: format!(
                        "a dig ticket covers at most that: plan and design with an orientation \
                         ticket (\"type\": \"orientation\", up to {orientation:.0} m², no dig \
                         may rely on it), then ask for dig tickets part by part"
                    ),
                }
                .into()
            }
            other => other.into(),
        })
    }

    /// A dig's planned start (given, or the window's first day) and the last valid day.
    fn validity(
        &self,
        req: &CheckRequest,
        ticket_type: TicketType,
        today: NaiveDate,
    ) -> Result<(Option<NaiveDate>, NaiveDate), ServiceError> {
        let config = self.app.config();
        let calendar = &config.calendar;
        let days = config.ticket_validity_working_days;
        let given = req
            .planned_start
            .as_deref()
            .map(|s| {
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| {
                    ServiceError::unprocessable(
                        "planned_start",
                        format!("{s:?} is not a date (YYYY-MM-DD): {e}"),
                    )
                })
            })
            .transpose()?;
        if ticket_type == TicketType::Orientation {
            if given.is_some() {
                return Err(ServiceError::unprocessable(
                    "planned_start",
                    "an orientation ticket has no start: no dig may rely on it; ask for a dig \
                     ticket (\"type\": \"dig\") for the work",
                ));
            }
            return Ok((None, calendar.add_working_days(today, days)));
        }
        if ticket_type == TicketType::Emergency {
            if given.is_some() {
                return Err(ServiceError::unprocessable(
                    "planned_start",
                    "an emergency ticket starts now: leave planned_start out",
                ));
            }
            let days = config.ticket_rules.emergency_valid_working_days;
            return Ok((None, calendar.add_working_days(today, days)));
        }
        let rules = &config.ticket_rules;
        let first = calendar.add_working_days(today, rules.dig_start_min_working_days);
        let last = calendar.add_working_days(today, rules.dig_start_max_working_days);
        let start = given.unwrap_or(first);
        if !(first..=last).contains(&start) {
            return Err(ServiceError::unprocessable(
                "planned_start",
                format!(
                    "{start} is {} working days after today ({today}); a dig starts {} to {} \
                     working days ahead: from {first} to {last}",
                    calendar.working_days_between(today, start),
                    rules.dig_start_min_working_days,
                    rules.dig_start_max_working_days,
                ),
            ));
        }
        Ok((Some(start), calendar.add_working_days(start, days)))
    }
}
