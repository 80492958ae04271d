//! `POST /v1/incidents/impact`: what an incident affects across every layer, ranked by
//! criticality.

use std::collections::BTreeMap;

use geo::{BoundingRect, Distance, Euclidean};
use serde::{Deserialize, Serialize};
use undermap_core::geometry::geometry_from_geojson;
use undermap_core::{Feature, FeatureKind, LayerCategory, View};
use undermap_crs::Transformer;

use super::Emergency;
use crate::shared::geometry_out::{cm, to_geojson};
use crate::shared::input::request_crs;
use crate::ServiceError;

/// Largest incident radius, metres.
pub const MAX_INCIDENT_RADIUS_M: f64 = 2_000.0;

/// An incident: a place (point, line or area) and how far around it counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactRequest {
    /// GeoJSON Point, LineString, Polygon or their Multi forms.
    pub geometry: serde_json::Value,
    /// CRS of the geometry and of the answer; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Distance around the geometry, metres (0 to 2,000; default 50).
    #[serde(default)]
    pub radius_m: Option<f64>,
    /// Only these layers.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
}

/// One affected feature.
#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    /// Rank: 1 is the most critical.
    pub rank: u8,
    /// Why it ranks so, in a few words.
    pub criticality: &'static str,
    /// Feature id (`restricted` for an asset the caller may not see in detail).
    pub feature_id: String,
    /// Layer.
    pub layer: String,
    /// Kind.
    pub kind: String,
    /// Owner.
    pub owner: Option<String>,
    /// Owner's contact.
    pub contact: Option<String>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
    /// Distance from the incident, metres (0: inside or crossing).
    pub distance_m: f64,
    /// Geometry in the request CRS; `null` for a restricted asset.
    pub geometry: Option<geojson::Geometry>,
}

/// What an incident affects.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactResponse {
    /// CRS of every geometry.
    pub crs: String,
    /// Radius used, metres.
    pub radius_m: f64,
    /// Affected features per layer.
    pub by_layer: BTreeMap<String, usize>,
    /// Owners to call, most critical first, each once.
    pub owners: Vec<OwnerToCall>,
    /// Every affected feature, most critical first, then nearest.
    pub features: Vec<Affected>,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<chrono::Utc>,
}

/// An owner to call about an incident.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerToCall {
    /// Organisation.
    pub name: String,
    /// Contact.
    pub contact: Option<String>,
    /// Its affected assets.
    pub assets: usize,
    /// Its most critical rank among them.
    pub highest_rank: u8,
}

/// How critical an affected feature is: 1 gas lines (any pressure), high-voltage lines (10 kV
/// and more) and the stations, regulators and transformers feeding networks; 2 mains of 300 mm
/// and more, largest first; 3 other lines, valves and switches; 4 service connections and small
/// facilities (manholes, hydrants, meters, inlets); 5 planning red lines and zones. Within a rank,
/// nearest first (docs/emergency.md).
fn rank(f: &Feature) -> (u8, &'static str) {
    let a = &f.attrs;
    let layer = f.layer.as_str();
    if layer == "planning" {
        return (5, "planning");
    }
    match f.kind {
        FeatureKind::Station | FeatureKind::Regulator | FeatureKind::Transformer => {
            return (1, "feeds a network")
        }
        FeatureKind::ServiceConnection => return (4, "service connection"),
        FeatureKind::Valve | FeatureKind::Switch => return (3, "valve or switch"),
        FeatureKind::Manhole | FeatureKind::Hydrant | FeatureKind::Meter | FeatureKind::Inlet => {
            return (4, "small facility")
        }
        _ => {}
    }
    if layer == "gas" {
        return (1, "gas");
    }
    if a.voltage_kv.is_some_and(|v| v >= 10.0) {
        return (1, "high voltage");
    }
    if a.diameter_mm.is_some_and(|d| d >= 300.0) {
        return (2, "main of 300 mm or more");
    }
    (3, "line")
}

impl Emergency<'_> {
    /// `POST /v1/incidents/impact`: every feature within `radius_m` of the incident in every
    /// layer, most critical first. Assets the caller may not see in detail are listed as
    /// restricted, with their owner to call.
    #[tracing::instrument(skip(self, req, view))]
    pub fn impact(&self, req: &ImpactRequest, view: &View) -> Result<ImpactResponse, ServiceError> {
        let crs = request_crs(req.crs.as_deref())?;
        let radius = req.radius_m.unwrap_or(50.0);
        if !(radius.is_finite() && (0.0..=MAX_INCIDENT_RADIUS_M).contains(&radius)) {
            return Err(ServiceError::unprocessable(
                "radius_m",
                format!("{radius} is outside 0 to {MAX_INCIDENT_RADIUS_M} m"),
            ));
        }
        let given = geojson::Geometry::from_json_value(req.geometry.clone()).map_err(|e| {
            ServiceError::unprocessable("geometry", format!("not a GeoJSON geometry: {e}"))
        })?;
        let geometry = geometry_from_geojson(&given)?;
        let vertices = geo::CoordsIter::coords_count(&geometry);
        if vertices > self.app.config().limits.max_vertices {
            return Err(undermap_core::CoreError::TooManyVertices {
                count: vertices,
                limit: self.app.config().limits.max_vertices,
            }
            .into());
        }
        let native = &self.app.config().deployment_crs;
        let incident = Transformer::new(&crs, native)?.geometry_checked(&geometry)?;
        let layers = req
            .layers
            .as_ref()
            .map(|l| self.app.known_layers(l))
            .transpose()?;
        let envelope = incident
            .bounding_rect()
            .ok_or_else(|| ServiceError::unprocessable("geometry", "empty geometry"))?;
        let search = crate::shared::geometry_out::grow(envelope, radius);
        let index = self.app.index().snapshot();
        let out = Transformer::new(native, &crs)?;
        let mut affected = Vec::new();
        for f in index.in_envelope(search) {
            if layers.as_ref().is_some_and(|l| !l.contains(&f.layer)) {
                continue;
            }
            // Past incidents, resources and streets are not affected by an incident.
            if index
                .layer(&f.layer)
                .is_some_and(|i| i.category == LayerCategory::Thematic)
            {
                continue;
            }
            let d = Euclidean::distance(&incident, &f.geometry);
            if d > radius {
                continue;
            }
            let (rank, criticality) = rank(f);
            let owner = f.attrs.owner.as_ref();
            affected.push(if view.sees(f) {
                let f = view.redact(f);
                let a = &f.attrs;
                Affected {
                    rank,
                    criticality,
                    feature_id: f.id.to_string(),
                    layer: f.layer.to_string(),
                    kind: f.kind.to_string(),
                    owner: a.owner.as_ref().map(|o| o.name.clone()),
                    contact: a.owner.as_ref().and_then(|o| o.contact.clone()),
                    diameter_mm: a.diameter_mm,
                    pressure_class: a.pressure_class.map(|p| p.to_string()),
                    voltage_kv: a.voltage_kv,
                    distance_m: cm(d),
                    geometry: Some(to_geojson(&f.geometry, &out)?),
                }
            } else {
                Affected {
                    rank,
                    criticality,
                    feature_id: "restricted".into(),
                    layer: f.layer.to_string(),
                    kind: f.kind.to_string(),
                    owner: owner.map(|o| o.name.clone()),
                    contact: owner.and_then(|o| o.contact.clone()),
                    diameter_mm: None,
                    pressure_class: None,
                    voltage_kv: None,
                    distance_m: cm(d),
                    geometry: None,
                }
            });
        }
        // Mains by size; everything else by distance.
        let size = |a: &Affected| {
            if a.rank == 2 {
                -a.diameter_mm.unwrap_or(0.0)
            } else {
                0.0
            }
        };
        affected.sort_by(|a, b| {
            a.rank
                .cmp(&b.rank)
                .then(size(a).total_cmp(&size(b)))
                .then(a.distance_m.total_cmp(&b.distance_m))
                .then_with(|| a.feature_id.cmp(&b.feature_id))
        });
        let mut by_layer = BTreeMap::new();
        let mut owners: BTreeMap<String, OwnerToCall> = BTreeMap::new();
        for a in &affected {
            *by_layer.entry(a.layer.clone()).or_insert(0) += 1;
            let name = a.owner.clone().unwrap_or_else(|| "unknown owner".into());
            let o = owners.entry(name.clone()).or_insert(OwnerToCall {
                name,
                contact: a.contact.clone(),
                assets: 0,
                highest_rank: a.rank,
            });
            o.assets += 1;
            o.highest_rank = o.highest_rank.min(a.rank);
            if o.contact.is_none() {
                o.contact.clone_from(&a.contact);
            }
        }
        let mut owners: Vec<OwnerToCall> = owners.into_values().collect();
        owners.sort_by(|a, b| {
            a.highest_rank
                .cmp(&b.highest_rank)
                .then(b.assets.cmp(&a.assets))
        });
        Ok(ImpactResponse {
            crs: crs.name().to_owned(),
            radius_m: radius,
            by_layer,
            owners,
            features: affected,
            data_as_of: index.as_of(),
        })
    }
}
