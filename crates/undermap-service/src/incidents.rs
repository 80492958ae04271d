//! Emergency queries over the in-memory index and the network graphs built from it: what an
//! incident affects across every layer, ranked by criticality; what to shut for a break and who
//! loses supply; and the network's data-quality findings. Nothing here touches the store, so it
//! answers while the database is away.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use geo::{BoundingRect, Coord, Distance, Euclidean, Geometry};
use serde::{Deserialize, Serialize};
use undermap_core::geometry::geometry_from_geojson;
use undermap_core::{Feature, FeatureId, FeatureKind, LayerCategory, LayerId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_network::{BuildOptions, EdgeId, Isolation, Network, Quality, Router};

use crate::geometry_out::{cm, to_geojson};
use crate::{Service, ServiceError};

/// Largest incident radius, metres.
pub const MAX_INCIDENT_RADIUS_M: f64 = 2_000.0;
/// How far from a line a break may be given, metres.
const MAX_BREAK_DISTANCE_M: f64 = 25.0;

/// The network graphs of one index generation.
#[derive(Debug)]
pub(crate) struct Networks {
    generation: u64,
    by_layer: HashMap<LayerId, Network>,
    /// The street centrelines (layer [`STREETS_LAYER`]), if loaded, for distances by street.
    pub(crate) streets: Option<Router>,
}

/// The thematic layer whose roads are the street network.
pub const STREETS_LAYER: &str = "streets";

/// Graphs kept for the current index, rebuilt when the index changes.
#[derive(Debug, Default)]
pub(crate) struct NetworkCache(Mutex<Option<Arc<Networks>>>);

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

impl Service {
    /// The graphs of every network layer of the current index, built on first use after each
    /// index change (on a blocking thread).
    pub(crate) async fn networks(&self) -> Result<Arc<Networks>, ServiceError> {
        let index = self.index().snapshot();
        if let Some(n) = self.network_cache().current(index.generation()) {
            return Ok(n);
        }
        let built = tokio::task::spawn_blocking(move || build_networks(&index))
            .await
            .map_err(ServiceError::stopped("building the network"))?;
        let built = Arc::new(built);
        self.network_cache().put(Arc::clone(&built));
        Ok(built)
    }

    /// `GET /v1/quality?layer=…`: the data-quality findings of a network layer.
    pub async fn quality(&self, layer: &str, view: &View) -> Result<Quality, ServiceError> {
        let id = self.visible_network(layer, view)?;
        let networks = self.networks().await?;
        networks
            .by_layer
            .get(&id)
            .map(Network::quality)
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("network layer {layer:?}"),
            })
    }

    fn visible_network(&self, layer: &str, view: &View) -> Result<LayerId, ServiceError> {
        let index = self.index().snapshot();
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
    async fn locate(
        &self,
        point: [f64; 2],
        crs: Option<&str>,
        layer: Option<&str>,
        view: &View,
    ) -> Result<Located, ServiceError> {
        let crs = crs.map_or_else(|| Ok(Crs::crs84()), Crs::parse)?;
        let native = &self.config().deployment_crs;
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
        let index = self.index().snapshot();
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
        self.isolation_response(net, &found, &trace, view)
    }

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

    fn isolation_response(
        &self,
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

    /// `POST /v1/incidents/impact`: every feature within `radius_m` of the incident in every
    /// layer, most critical first. Assets the caller may not see in detail are listed as
    /// restricted, with their owner to call.
    #[tracing::instrument(skip(self, req, view))]
    pub fn impact(&self, req: &ImpactRequest, view: &View) -> Result<ImpactResponse, ServiceError> {
        let crs = req
            .crs
            .as_deref()
            .map_or_else(|| Ok(Crs::crs84()), Crs::parse)?;
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
        if vertices > self.config().limits.max_vertices {
            return Err(undermap_core::CoreError::TooManyVertices {
                count: vertices,
                limit: self.config().limits.max_vertices,
            }
            .into());
        }
        let native = &self.config().deployment_crs;
        let incident = Transformer::new(&crs, native)?.geometry_checked(&geometry)?;
        let layers = req
            .layers
            .as_ref()
            .map(|l| self.known_layers(l))
            .transpose()?;
        let envelope = incident
            .bounding_rect()
            .ok_or_else(|| ServiceError::unprocessable("geometry", "empty geometry"))?;
        let search = crate::geometry_out::grow(envelope, radius);
        let index = self.index().snapshot();
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
struct Located {
    crs: Crs,
    out: Transformer,
    feature: Feature,
    distance: f64,
    networks: Arc<Networks>,
    edge: EdgeId,
    index: Arc<MapIndex>,
}

impl Located {
    fn network(&self) -> &Network {
        // `locate` found the edge in this layer's graph.
        &self.networks.by_layer[&self.feature.layer]
    }

    fn broken(&self) -> BrokenLine {
        BrokenLine {
            feature_id: self.feature.id.clone(),
            kind: self.feature.kind.to_string(),
            distance_m: cm(self.distance),
        }
    }
}

/// Line pieces as GeoJSON, leaving out what the caller may not see.
fn lines(
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

fn geo_feature(geometry: geojson::Geometry, properties: serde_json::Value) -> geojson::Feature {
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

fn collection(features: Vec<geojson::Feature>) -> geojson::FeatureCollection {
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}
