//! `GET /v1/resources/nearest`: the nearest emergency resources, in a straight line and along
//! the streets.

use std::collections::HashMap;

use chrono::Utc;
use geo::{BoundingRect, Distance, Euclidean, Geometry};
use serde::Serialize;
use undermap_core::{Feature, FeatureId, ResourceRecord, ResourceType, View};
use undermap_network::{Join, Router};

use super::records::{limit, resources};
use super::Emergency;
use crate::emergency::STREETS_LAYER;
use crate::shared::geometry_out::{cm, to_geojson};
use crate::ServiceError;

/// Largest `k` of a resource query.
pub const MAX_RESOURCES: usize = 50;

/// How far a place may be from the nearest street to join the street network, metres.
pub const MAX_STREET_LEG_M: f64 = 500.0;

/// `GET /v1/resources/nearest`.
#[derive(Debug, Clone)]
pub struct ResourcesRequest {
    /// The place, in `crs` axis order.
    pub point: (f64, f64),
    /// CRS of the point and the answer; default CRS84.
    pub crs: Option<String>,
    /// Only this type; default every type.
    pub resource_type: Option<ResourceType>,
    /// How many (default 5, at most 50).
    pub k: Option<usize>,
}

/// An emergency resource and how far it is.
#[derive(Debug, Clone, Serialize)]
pub struct NearResource {
    /// Its feature id.
    pub feature_id: FeatureId,
    /// The record: type, name, capacity and its unit.
    #[serde(flatten)]
    pub record: ResourceRecord,
    /// Who keeps it.
    pub owner: Option<String>,
    /// Whom to call.
    pub contact: Option<String>,
    /// Straight-line distance, metres.
    pub distance_m: f64,
    /// Distance along the streets (legs to and from the nearest street included), metres;
    /// `null` when it cannot be reached by street or no street network is loaded.
    pub street_distance_m: Option<f64>,
    /// Where, in the request CRS.
    pub geometry: geojson::Geometry,
}

/// The nearest resources.
#[derive(Debug, Clone, Serialize)]
pub struct ResourcesResponse {
    /// CRS of every geometry.
    pub crs: String,
    /// Type asked for.
    pub resource_type: Option<ResourceType>,
    /// The `k` nearest in a straight line.
    pub straight_line: Vec<NearResource>,
    /// The `k` nearest along the streets; `null` with `street_note` when there is no answer.
    pub by_street: Option<Vec<NearResource>>,
    /// Why `by_street` is missing.
    pub street_note: Option<String>,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<Utc>,
}

impl Emergency<'_> {
    /// `GET /v1/resources/nearest`: the `k` nearest emergency resources of a type, in a
    /// straight line and along the street centrelines.
    #[tracing::instrument(skip(self, view))]
    pub async fn nearest_resources(
        &self,
        req: &ResourcesRequest,
        view: &View,
    ) -> Result<ResourcesResponse, ServiceError> {
        let k = limit(req.k, 5, MAX_RESOURCES, "k")?;
        let (at, crs, out) = self.place(req.point, req.crs.as_deref())?;
        let index = self.app.index().snapshot();
        let here: Geometry<f64> = geo::Point(at).into();
        let mut candidates: Vec<(&Feature, ResourceRecord, f64)> = resources(&index, view)
            .filter(|(_, r)| req.resource_type.is_none_or(|t| r.resource_type == t))
            .map(|(f, r)| {
                let d = Euclidean::distance(&here, &f.geometry);
                (f, r, d)
            })
            .collect();
        candidates.sort_by(|a, b| a.2.total_cmp(&b.2).then_with(|| a.0.id.cmp(&b.0.id)));

        let networks = self.networks().await?;
        let (street, street_note) = match &networks.streets {
            None => (
                None,
                Some(format!("no street network loaded (layer {STREETS_LAYER})")),
            ),
            Some(router) => match router.join(at, MAX_STREET_LEG_M) {
                None => (
                    None,
                    Some(format!(
                        "no street within {MAX_STREET_LEG_M} m of the point"
                    )),
                ),
                Some(from) => (Some(by_street(router, from, &candidates, k)), None),
            },
        };
        let street_of = |id: &FeatureId| -> Option<f64> {
            street
                .as_ref()
                .and_then(|s: &HashMap<FeatureId, f64>| s.get(id).copied())
        };
        let entry =
            |(f, r, d): &(&Feature, ResourceRecord, f64)| -> Result<NearResource, ServiceError> {
                let f = view.redact(f);
                let owner = f.attrs.owner.as_ref();
                Ok(NearResource {
                    feature_id: f.id.clone(),
                    record: r.clone(),
                    owner: owner.map(|o| o.name.clone()),
                    contact: owner.and_then(|o| o.contact.clone()),
                    distance_m: cm(*d),
                    street_distance_m: street_of(&f.id).map(cm),
                    geometry: to_geojson(&f.geometry, &out)?,
                })
            };
        let straight_line = candidates
            .iter()
            .take(k)
            .map(entry)
            .collect::<Result<Vec<_>, _>>()?;
        let by_street = match &street {
            None => None,
            Some(lengths) => {
                let mut reachable: Vec<&(&Feature, ResourceRecord, f64)> = candidates
                    .iter()
                    .filter(|c| lengths.contains_key(&c.0.id))
                    .collect();
                reachable.sort_by(|a, b| {
                    lengths[&a.0.id]
                        .total_cmp(&lengths[&b.0.id])
                        .then_with(|| a.0.id.cmp(&b.0.id))
                });
                Some(
                    reachable
                        .into_iter()
                        .take(k)
                        .map(entry)
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        Ok(ResourcesResponse {
            crs: crs.name().to_owned(),
            resource_type: req.resource_type,
            straight_line,
            by_street,
            street_note,
            data_as_of: index.as_of(),
        })
    }
}

/// Street distances from `from` to the candidates (nearest in a straight line first) that can
/// be among the `k` nearest by street. A street route is never shorter than the straight line,
/// so candidates are taken in growing batches until the `k`-th best street distance is no more
/// than the straight distance of the first candidate not yet routed: the answer is exact.
fn by_street(
    router: &Router,
    from: Join,
    candidates: &[(&Feature, ResourceRecord, f64)],
    k: usize,
) -> HashMap<FeatureId, f64> {
    let mut lengths = HashMap::new();
    let mut done = 0;
    let mut batch = (k * 8).max(64);
    while done < candidates.len() {
        let end = (done + batch).min(candidates.len());
        let slice = &candidates[done..end];
        let joins: Vec<(usize, Join)> = slice
            .iter()
            .enumerate()
            .filter_map(|(i, (f, _, _))| {
                let p = f.geometry.bounding_rect()?.center();
                router.join(p, MAX_STREET_LEG_M).map(|j| (i, j))
            })
            .collect();
        let targets: Vec<Join> = joins.iter().map(|(_, j)| *j).collect();
        for ((i, _), len) in joins.iter().zip(router.lengths(from, &targets)) {
            if let Some(len) = len {
                lengths.insert(slice[*i].0.id.clone(), len.total_m);
            }
        }
        done = end;
        let Some(next) = candidates.get(done) else {
            break;
        };
        let mut best: Vec<f64> = lengths.values().copied().collect();
        best.sort_by(f64::total_cmp);
        if best.len() >= k && best[k - 1] <= next.2 {
            break;
        }
        batch *= 2;
    }
    lengths
}
