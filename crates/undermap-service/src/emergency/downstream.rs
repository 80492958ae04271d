//! `POST /v1/incidents/downstream`: what lies downstream of a point in a drainage network.

use serde::{Deserialize, Serialize};
use undermap_core::{FeatureId, View};

use super::networks::lines;
use super::BrokenLine;
use super::Emergency;
use crate::ServiceError;

/// A point in a drainage network.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownstreamRequest {
    /// The point, in `crs` axis order.
    pub point: [f64; 2],
    /// CRS of the point and the answer; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
}

/// What lies downstream.
#[derive(Debug, Clone, Serialize)]
pub struct DownstreamResponse {
    /// The drain nearest the point.
    pub start: BrokenLine,
    /// Every line piece downstream, the first one first, as GeoJSON.
    pub downstream: geojson::FeatureCollection,
    /// Their length, metres.
    pub length_m: f64,
    /// Outfalls reached.
    pub outfalls: Vec<FeatureId>,
    /// Manholes, inlets and other facilities on the way.
    pub facilities: Vec<FeatureId>,
    /// Pieces whose direction comes from recorded inverts rather than digitising.
    pub by_inverts: usize,
    /// CRS of the geometries.
    pub crs: String,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<chrono::Utc>,
}

impl Emergency<'_> {
    /// `POST /v1/incidents/downstream`: what lies downstream of a point in the drainage network.
    #[tracing::instrument(skip(self, view))]
    pub async fn downstream(
        &self,
        req: &DownstreamRequest,
        view: &View,
    ) -> Result<DownstreamResponse, ServiceError> {
        let found = self
            .locate(req.point, req.crs.as_deref(), Some("drainage"), view)
            .await?;
        let net = found.network();
        let d = net.downstream(found.edge);
        let seen = |id: &FeatureId| found.index.get(id).is_none_or(|f| view.sees(f));
        Ok(DownstreamResponse {
            start: found.broken(),
            downstream: lines(net, &d.edges, &found.out, &seen)?,
            length_m: d.length_m,
            outfalls: d.outfalls.into_iter().filter(|f| seen(f)).collect(),
            facilities: d.facilities.into_iter().filter(|f| seen(f)).collect(),
            by_inverts: d.by_inverts,
            crs: found.crs.name().to_owned(),
            data_as_of: found.index.as_of(),
        })
    }
}
