//! The network graphs built from the index (on first use after each index change), and how a
//! point given by a caller is found on them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use geo::{Coord, Distance, Euclidean, Geometry};
use undermap_core::{Feature, FeatureId, FeatureKind, LayerCategory, LayerId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_network::{BuildOptions, EdgeId, Network, Router};

use super::BrokenLine;
use super::Emergency;
use crate::shared::geometry_out::{cm, to_geojson};
use crate::shared::input::request_crs;
use crate::ServiceError;

/// How far from a line a break may be given, metres.
const MAX_BREAK_DISTANCE_M: f64 = 25.0;

/// The network graphs of one index generation.
#[derive(Debug)]
pub(crate) struct Networks {
    pub(super) generation: u64,
    pub(super) by_layer: HashMap<LayerId, Network>,
    /// The street centrelines (layer [`STREETS_LAYER`]), if loaded, for distances by street.
    pub(crate) streets: Option<Router>,
}

/// The thematic layer whose roads are the street network.
pub const STREETS_LAYER: &str = "streets";

/// Graphs kept for the current index, rebuilt when the index changes.
#[derive(Debug, Default)]
pub(crate) struct NetworkCache(Mutex<Option<Arc<Networks>>>);

impl Emergency<'_> {
    /// The graphs of every network layer of the current index, built on first use after each
    /// index change (on a blocking thread).
    pub(crate) async fn networks(&self) -> Result<Arc<Networks>, ServiceError> {
        let index = self.app.index().snapshot();
        if let Some(n) = self.app.network_cache().current(index.generation()) {
            return Ok(n);
        }
        let built = tokio::task::spawn_blocking(move || build_networks(&index))
            .await
            .map_err(ServiceError::stopped("building the network"))?;
        let built = Arc::new(built);
        self.app.network_cache().put(Arc::clone(&built));
        Ok(built)
    }

    pub(super) fn visible_network(
        &self,
        layer: &str,
        view: &View,
    ) -> Result<LayerId, ServiceError> {
        let index = self.app.index().snapshot();
        layer
            .parse::<LayerId>()
            .ok()
            .filter(|l| {
                view.sees_layer(l)
                    && index
                        .layer(l)
                        .is_some_and(|i| i.category == LayerCategory::Network)
            })
            .ok_or_else(|| ServiceError::NotFound {
                what: format!(
                    "network layer {:?}",
                    layer.chars().take(40).collect::<String>()
                ),
            })
    }

    /// The line nearest a point (within 25 m) of `layer` or any network layer, and its piece
    /// in the graph nearest the point.
    pub(super) async fn locate(
        &self,
        point: [f64; 2],
        crs: Option<&str>,
        layer: Option<&str>,
        view: &View,
    ) -> Result<Located, ServiceError> {
        let crs = request_crs(crs)?;
        let native = &self.app.config().deployment_crs;
        let [a, b] = point;
        if !(a.is_finite() && b.is_finite()) {
            return Err(ServiceError::unprocessable(
                "point",
                "give two finite numbers",
            ));
        }
        let at = match Transformer::new(&crs, native)?
            .geometry_checked(&geo::Point::new(a, b).into())?
        {
            Geometry::Point(p) => p.0,
            _ => return Err(ServiceError::unprocessable("point", "not a point")),
        };
        let layer = layer.map(|l| self.visible_network(l, view)).transpose()?;
        let index = self.app.index().snapshot();
        let near = index.nearest(at, 1, |f| {
            f.kind.is_linear()
                && view.sees(f)
                && layer.as_ref().map_or_else(
                    || {
                        index
                            .layer(&f.layer)
                            .is_some_and(|i| i.category == LayerCategory::Network)
                    },
                    |l| f.layer == *l,
                )
        });
        let hit = near
            .first()
            .filter(|n| n.distance_m <= MAX_BREAK_DISTANCE_M)
            .ok_or_else(|| {
                ServiceError::unprocessable(
                    "point",
                    format!("no pipe or cable within {MAX_BREAK_DISTANCE_M} m of the point"),
                )
            })?;
        let (feature, distance) = (hit.feature.clone(), hit.distance_m);
        let networks = self.networks().await?;
        let edge = networks
            .by_layer
            .get(&feature.layer)
            .and_then(|net| nearest_edge(net, &feature.id, at))
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("feature {} in the network", feature.id),
            })?;
        Ok(Located {
            out: Transformer::new(native, &crs)?,
            crs,
            feature,
            distance,
            networks,
            edge,
            index,
        })
    }
}

impl NetworkCache {
    fn current(&self, generation: u64) -> Option<Arc<Networks>> {
        self.0
            .lock()
            .ok()?
            .as_ref()
            .filter(|n| n.generation == generation)
            .cloned()
    }

    fn put(&self, networks: Arc<Networks>) {
        if let Ok(mut slot) = self.0.lock() {
            if slot
                .as_ref()
                .is_none_or(|n| n.generation <= networks.generation)
            {
                *slot = Some(networks);
            }
        }
    }
}

fn build_networks(index: &MapIndex) -> Networks {
    let started = std::time::Instant::now();
    let by_layer = index
        .layer_stats()
        .iter()
        .filter(|s| s.info.category == LayerCategory::Network)
        .map(|s| {
            let id = s.info.id.clone();
            let net = Network::build(
                &id,
                index.layer_ascending(&id, None),
                BuildOptions::default(),
            );
            (id, net)
        })
        .collect();
    let streets = STREETS_LAYER
        .parse::<LayerId>()
        .ok()
        .filter(|id| index.layer(id).is_some())
        .map(|id| {
            let roads = index
                .layer_ascending(&id, None)
                .filter(|f| f.kind == FeatureKind::Road);
            Network::build(&id, roads, BuildOptions::default())
        })
        .filter(|net| !net.edges().is_empty())
        .map(Router::new);
    tracing::info!(
        generation = index.generation(),
        ms = started.elapsed().as_millis(),
        streets = streets.as_ref().map_or(0, |r| r.network().edges().len()),
        "network graphs built"
    );
    Networks {
        generation: index.generation(),
        by_layer,
        streets,
    }
}

/// A line found near a point, in the graphs of the index it was found in.
pub(super) struct Located {
    pub(super) crs: Crs,
    pub(super) out: Transformer,
    pub(super) feature: Feature,
    pub(super) distance: f64,
    pub(super) networks: Arc<Networks>,
    pub(super) edge: EdgeId,
    pub(super) index: Arc<MapIndex>,
}

impl Located {
    pub(super) fn network(&self) -> &Network {
        // `locate` found the edge in this layer's graph.
        &self.networks.by_layer[&self.feature.layer]
    }

    pub(super) fn broken(&self) -> BrokenLine {
        BrokenLine {
            feature_id: self.feature.id.clone(),
            kind: self.feature.kind.to_string(),
            distance_m: cm(self.distance),
        }
    }
}

/// Line pieces as GeoJSON, leaving out what the caller may not see.
pub(super) fn lines(
    net: &Network,
    edges: &[EdgeId],
    out: &Transformer,
    seen: &dyn Fn(&FeatureId) -> bool,
) -> Result<geojson::FeatureCollection, ServiceError> {
    let features = edges
        .iter()
        .map(|&e| &net.edges()[e as usize])
        .filter(|e| seen(&e.feature))
        .map(|e| {
            let g: Geometry<f64> = geo::LineString::from(e.coords.clone()).into();
            Ok(geo_feature(
                to_geojson(&g, out)?,
                serde_json::json!({"feature_id": e.feature, "kind": e.kind, "length_m": cm(e.length_m)}),
            ))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(collection(features))
}

/// Of a feature's edges (a line cut at its junctions), the one nearest `point`.
fn nearest_edge(net: &Network, feature: &FeatureId, point: Coord<f64>) -> Option<EdgeId> {
    let p: Geometry<f64> = geo::Point(point).into();
    net.edges_of(feature).min_by(|&a, &b| {
        let d = |e: EdgeId| {
            let line: Geometry<f64> =
                geo::LineString::from(net.edges()[e as usize].coords.clone()).into();
            Euclidean::distance(&p, &line)
        };
        d(a).total_cmp(&d(b))
    })
}

pub(super) fn geo_feature(
    geometry: geojson::Geometry,
    properties: serde_json::Value,
) -> geojson::Feature {
    geojson::Feature {
        bbox: None,
        geometry: Some(geometry),
        id: None,
        properties: match properties {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        },
        foreign_members: None,
    }
}

pub(super) fn collection(features: Vec<geojson::Feature>) -> geojson::FeatureCollection {
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}
