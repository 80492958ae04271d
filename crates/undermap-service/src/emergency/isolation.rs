//! `POST /v1/incidents/isolation`: what to shut for a break, and who loses supply.

use geo::Geometry;
use serde::{Deserialize, Serialize};
use undermap_core::{FeatureId, View};
use undermap_network::{Isolation, Network};

use super::networks::{collection, geo_feature, lines, Located};
use super::Emergency;
use crate::shared::geometry_out::to_geojson;
use crate::ServiceError;

/// A break to isolate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolationRequest {
    /// The break, in `crs` axis order.
    pub point: [f64; 2],
    /// CRS of the point and the answer; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// The network (water, gas, power…); default: the nearest line of any network layer.
    #[serde(default)]
    pub layer: Option<String>,
}

/// The isolation trace, for the map.
#[derive(Debug, Clone, Serialize)]
pub struct IsolationResponse {
    /// The network traced.
    pub layer: String,
    /// The line the break is on, and how far the point was from it.
    pub broken: BrokenLine,
    /// Valves (switches) to close, as GeoJSON points with `feature_id`.
    pub valves_to_close: geojson::FeatureCollection,
    /// Valves met that cannot be operated (the trace went past them).
    pub inoperable_valves: geojson::FeatureCollection,
    /// Valves exactly on a junction of three or more lines whose line is not recorded
    /// (`valve_branch_unknown` in the quality report): not counted on; the trace went on to the
    /// next valves. Check them on site: closing one may spare part of the zone.
    pub ambiguous_valves: geojson::FeatureCollection,
    /// Line pieces inside the closed valves.
    pub isolated: geojson::FeatureCollection,
    /// Line pieces no source feeds once the valves are closed.
    pub unfed: geojson::FeatureCollection,
    /// Consumers losing supply, critical ones first.
    pub consumers: Vec<undermap_network::Consumer>,
    /// Sources inside the isolated zone.
    pub sources_inside: Vec<FeatureId>,
    /// Isolated length, metres.
    pub isolated_length_m: f64,
    /// Unfed length, metres.
    pub unfed_length_m: f64,
    /// Whether the network has a source, so that `unfed` is known.
    pub supply_known: bool,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<chrono::Utc>,
}

/// The line a break is on.
#[derive(Debug, Clone, Serialize)]
pub struct BrokenLine {
    /// Its id.
    pub feature_id: FeatureId,
    /// Its kind.
    pub kind: String,
    /// Distance from the given point, metres.
    pub distance_m: f64,
}

impl Emergency<'_> {
    /// `POST /v1/incidents/isolation`: the valves to close for a break at a point.
    #[tracing::instrument(skip(self, view))]
    pub async fn isolation(
        &self,
        req: &IsolationRequest,
        view: &View,
    ) -> Result<IsolationResponse, ServiceError> {
        let found = self
            .locate(req.point, req.crs.as_deref(), req.layer.as_deref(), view)
            .await?;
        let net = found.network();
        let trace = net.isolate(found.edge);
        Self::isolation_response(net, &found, &trace, view)
    }

    fn isolation_response(
        net: &Network,
        found: &Located,
        trace: &Isolation,
        view: &View,
    ) -> Result<IsolationResponse, ServiceError> {
        let index = &found.index;
        let out = &found.out;
        let seen = |id: &FeatureId| index.get(id).is_none_or(|f| view.sees(f));
        let points = |valves: &[undermap_network::Valve]| -> Result<geojson::FeatureCollection, ServiceError> {
            let features = valves
                .iter()
                .filter(|v| seen(&v.feature))
                .map(|v| {
                    let g: Geometry<f64> = geo::Point::new(v.at[0], v.at[1]).into();
                    Ok(geo_feature(
                        to_geojson(&g, out)?,
                        serde_json::json!({"feature_id": v.feature, "kind": "valve"}),
                    ))
                })
                .collect::<Result<Vec<_>, ServiceError>>()?;
            Ok(collection(features))
        };
        Ok(IsolationResponse {
            layer: found.feature.layer.to_string(),
            broken: found.broken(),
            valves_to_close: points(&trace.close)?,
            inoperable_valves: points(&trace.inoperable)?,
            ambiguous_valves: points(&trace.ambiguous)?,
            isolated: lines(net, &trace.isolated, out, &seen)?,
            unfed: lines(net, &trace.unfed, out, &seen)?,
            consumers: trace.consumers.clone(),
            sources_inside: trace.sources_inside.clone(),
            isolated_length_m: trace.isolated_length_m,
            unfed_length_m: trace.unfed_length_m,
            supply_known: trace.supply_known,
            data_as_of: index.as_of(),
        })
    }
}
