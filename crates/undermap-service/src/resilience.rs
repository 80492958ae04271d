//! Queries over the resilience thematic database: what happened near a place before, the
//! nearest emergency resources (in a straight line and along the streets), and the assets that
//! keep failing or are in poor condition (hotspots for the yearly plan). All from memory, like
//! the incident queries: they answer while the database is away.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use geo::{BoundingRect, Coord, Distance, Euclidean, Geometry};
use serde::Serialize;
use undermap_core::{
    ConditionGrade, Feature, FeatureId, FeatureKind, IncidentRecord, IncidentType, LayerCategory,
    Resistance, ResourceRecord, ResourceType, View,
};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_network::{Join, Router};

use crate::geometry_out::{cm, to_geojson};
use crate::incidents::STREETS_LAYER;
use crate::{Service, ServiceError};

/// Largest radius of a history or hotspot query, metres.
pub const MAX_HISTORY_RADIUS_M: f64 = 5_000.0;
/// Largest `k` of a resource query.
pub const MAX_RESOURCES: usize = 50;
/// Largest number of hotspots in one answer.
pub const MAX_HOTSPOTS: usize = 1_000;
/// How far a place may be from the nearest street to join the street network, metres.
pub const MAX_STREET_LEG_M: f64 = 500.0;

/// `GET /v1/incidents/nearby-history`.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    /// The place, in `crs` axis order.
    pub point: (f64, f64),
    /// CRS of the point and the answer; default CRS84.
    pub crs: Option<String>,
    /// How far around, metres (default 500, at most 5,000).
    pub radius_m: Option<f64>,
    /// Only incidents on or after this date.
    pub since: Option<NaiveDate>,
    /// Only incidents on or before this date.
    pub until: Option<NaiveDate>,
    /// Only these types.
    pub types: Option<Vec<IncidentType>>,
    /// At most this many records (default 100, at most 1,000); the totals count every match.
    pub limit: Option<usize>,
}

/// A past incident near the place.
#[derive(Debug, Clone, Serialize)]
pub struct PastIncident {
    /// Its record's feature id.
    pub feature_id: FeatureId,
    /// The record: type, date, cause, damage, duration, households, asset.
    #[serde(flatten)]
    pub record: IncidentRecord,
    /// Distance from the place, metres (0: at or around it).
    pub distance_m: f64,
    /// Where, in the request CRS.
    pub geometry: geojson::Geometry,
}

/// What happened near a place.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryResponse {
    /// CRS of every geometry.
    pub crs: String,
    /// Radius used, metres.
    pub radius_m: f64,
    /// Every matching incident, however many are listed.
    pub total: usize,
    /// Matching incidents by type.
    pub by_type: BTreeMap<IncidentType, usize>,
    /// The earliest and the latest date among them.
    pub first: Option<NaiveDate>,
    /// The latest date.
    pub last: Option<NaiveDate>,
    /// Households that lost service, summed over the incidents that record it.
    pub affected_households: u64,
    /// Hours of disruption, summed over the incidents that record it.
    pub duration_h: f64,
    /// The incidents, most recent first (then nearest).
    pub incidents: Vec<PastIncident>,
    /// Whether `incidents` was cut at `limit`.
    pub truncated: bool,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<Utc>,
}

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

/// `GET /v1/risk/hotspots`.
#[derive(Debug, Clone, Default)]
pub struct HotspotsRequest {
    /// An incident recorded without its asset counts against assets this close, metres
    /// (default 30, at most 5,000).
    pub radius_m: Option<f64>,
    /// Incidents that make an asset a hotspot (default 2).
    pub min_incidents: Option<usize>,
    /// Only incidents on or after this date.
    pub since: Option<NaiveDate>,
    /// Only assets of this layer.
    pub layer: Option<String>,
    /// Assets at least this old add to the score (default 40 years).
    pub old_age_years: Option<i32>,
    /// CRS of the answer; default CRS84.
    pub crs: Option<String>,
    /// At most this many (default 100, at most 1,000).
    pub limit: Option<usize>,
}

/// An asset to look at in the yearly plan.
#[derive(Debug, Clone, Serialize)]
pub struct Hotspot {
    /// The asset.
    pub feature_id: FeatureId,
    /// Its layer.
    pub layer: String,
    /// Its kind.
    pub kind: FeatureKind,
    /// Owner.
    pub owner: Option<String>,
    /// Owner's contact.
    pub contact: Option<String>,
    /// The score (docs/emergency.md): higher is worse.
    pub score: u32,
    /// Why, in short phrases.
    pub reasons: Vec<String>,
    /// Incidents counted against it.
    pub incidents: usize,
    /// Their record ids, most recent first.
    pub incident_ids: Vec<FeatureId>,
    /// Their types.
    pub incident_types: BTreeMap<IncidentType, usize>,
    /// The latest one.
    pub last_incident: Option<NaiveDate>,
    /// Its disaster-resistance parameters: condition, year built, design values.
    #[serde(flatten)]
    pub resistance: Resistance,
    /// Age in years today.
    pub age_years: Option<i32>,
    /// Where, in the request CRS.
    pub geometry: geojson::Geometry,
}

/// The hotspots.
#[derive(Debug, Clone, Serialize)]
pub struct HotspotsResponse {
    /// CRS of every geometry.
    pub crs: String,
    /// Radius used, metres.
    pub radius_m: f64,
    /// Incidents that make a hotspot.
    pub min_incidents: usize,
    /// Incidents read (after `since`).
    pub incidents_considered: usize,
    /// Every hotspot found, however many are listed.
    pub total: usize,
    /// The hotspots, highest score first.
    pub hotspots: Vec<Hotspot>,
    /// When the data was read from the store.
    pub data_as_of: chrono::DateTime<Utc>,
}

/// Points an incident adds to an asset's score; a poor or critical condition; old age.
const INCIDENT_POINTS: u32 = 2;
const POOR_POINTS: u32 = 3;
const CRITICAL_POINTS: u32 = 5;
const OLD_POINTS: u32 = 1;

/// The incident records of every thematic layer the caller sees.
fn incidents<'a>(
    index: &'a MapIndex,
    view: &'a View,
) -> impl Iterator<Item = (&'a Feature, IncidentRecord)> + 'a {
    records(index, view, FeatureKind::Incident).filter_map(|f| match IncidentRecord::read(f) {
        Ok(r) => Some((f, r)),
        Err(e) => {
            tracing::debug!(feature = %f.id, error = %e, "unreadable incident record skipped");
            None
        }
    })
}

fn resources<'a>(
    index: &'a MapIndex,
    view: &'a View,
) -> impl Iterator<Item = (&'a Feature, ResourceRecord)> + 'a {
    records(index, view, FeatureKind::Resource).filter_map(|f| match ResourceRecord::read(f) {
        Ok(r) => Some((f, r)),
        Err(e) => {
            tracing::debug!(feature = %f.id, error = %e, "unreadable resource record skipped");
            None
        }
    })
}

fn records<'a>(
    index: &'a MapIndex,
    view: &'a View,
    kind: FeatureKind,
) -> impl Iterator<Item = &'a Feature> + 'a {
    index
        .layer_stats()
        .into_iter()
        .filter(move |s| s.info.category == LayerCategory::Thematic && view.sees_layer(&s.info.id))
        .flat_map(move |s| index.layer_ascending(&s.info.id, None))
        .filter(move |f| f.kind == kind && view.sees(f))
}

fn radius(value: Option<f64>, default: f64) -> Result<f64, ServiceError> {
    let r = value.unwrap_or(default);
    if r.is_finite() && (0.0..=MAX_HISTORY_RADIUS_M).contains(&r) {
        Ok(r)
    } else {
        Err(ServiceError::unprocessable(
            "radius_m",
            format!("{r} is outside 0 to {MAX_HISTORY_RADIUS_M} m"),
        ))
    }
}

fn limit(
    value: Option<usize>,
    default: usize,
    max: usize,
    name: &str,
) -> Result<usize, ServiceError> {
    let n = value.unwrap_or(default);
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(ServiceError::unprocessable(
            name,
            format!("{n} is outside 1 to {max}"),
        ))
    }
}

impl Service {
    /// A point in the deployment CRS, and the transformer back to the request CRS.
    fn place(
        &self,
        (a, b): (f64, f64),
        crs: Option<&str>,
    ) -> Result<(Coord<f64>, Crs, Transformer), ServiceError> {
        let crs = crs.map_or_else(|| Ok(Crs::crs84()), Crs::parse)?;
        if !(a.is_finite() && b.is_finite()) {
            return Err(ServiceError::unprocessable(
                "point",
                "give two finite numbers",
            ));
        }
        let native = &self.config().deployment_crs;
        let Geometry::Point(p) =
            Transformer::new(&crs, native)?.geometry_checked(&geo::Point::new(a, b).into())?
        else {
            return Err(ServiceError::unprocessable("point", "not a point"));
        };
        let out = Transformer::new(native, &crs)?;
        Ok((p.0, crs, out))
    }

    /// `GET /v1/incidents/nearby-history`: past incidents within a radius of a place, most
    /// recent first, with totals by type.
    #[tracing::instrument(skip(self, view))]
    pub fn nearby_history(
        &self,
        req: &HistoryRequest,
        view: &View,
    ) -> Result<HistoryResponse, ServiceError> {
        let radius_m = radius(req.radius_m, 500.0)?;
        let limit = limit(req.limit, 100, 1_000, "limit")?;
        let (at, crs, out) = self.place(req.point, req.crs.as_deref())?;
        let index = self.index().snapshot();
        let here: Geometry<f64> = geo::Point(at).into();
        let mut found: Vec<(&Feature, IncidentRecord, f64)> = incidents(&index, view)
            .filter(|(_, r)| {
                req.since.is_none_or(|d| r.occurred_on >= d)
                    && req.until.is_none_or(|d| r.occurred_on <= d)
                    && req
                        .types
                        .as_ref()
                        .is_none_or(|t| t.contains(&r.incident_type))
            })
            .filter_map(|(f, r)| {
                let d = Euclidean::distance(&here, &f.geometry);
                (d <= radius_m).then_some((f, r, d))
            })
            .collect();
        found.sort_by(|a, b| {
            b.1.occurred_on
                .cmp(&a.1.occurred_on)
                .then(a.2.total_cmp(&b.2))
                .then_with(|| a.0.id.cmp(&b.0.id))
        });
        let mut by_type = BTreeMap::new();
        let (mut households, mut hours) = (0_u64, 0.0);
        for (_, r, _) in &found {
            *by_type.entry(r.incident_type).or_insert(0) += 1;
            households += u64::from(r.affected_households.unwrap_or(0));
            hours += r.duration_h.unwrap_or(0.0);
        }
        let total = found.len();
        let first = found.iter().map(|x| x.1.occurred_on).min();
        let last = found.iter().map(|x| x.1.occurred_on).max();
        let incidents = found
            .into_iter()
            .take(limit)
            .map(|(f, r, d)| {
                Ok(PastIncident {
                    feature_id: f.id.clone(),
                    record: r,
                    distance_m: cm(d),
                    geometry: to_geojson(&f.geometry, &out)?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok(HistoryResponse {
            crs: crs.name().to_owned(),
            radius_m,
            total,
            by_type,
            first,
            last,
            affected_households: households,
            duration_h: hours,
            truncated: total > incidents.len(),
            incidents,
            data_as_of: index.as_of(),
        })
    }

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
        let index = self.index().snapshot();
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

    /// `GET /v1/risk/hotspots`: network assets with repeated incidents or in poor condition,
    /// highest score first.
    #[tracing::instrument(skip(self, view))]
    pub fn hotspots(
        &self,
        req: &HotspotsRequest,
        view: &View,
    ) -> Result<HotspotsResponse, ServiceError> {
        let radius_m = radius(req.radius_m, 30.0)?;
        if req.min_incidents == Some(0) {
            return Err(ServiceError::unprocessable(
                "min_incidents",
                "at least 1 (an asset with no incident is no hotspot by its history)",
            ));
        }
        let min_incidents = req.min_incidents.unwrap_or(2);
        let limit = limit(req.limit, 100, MAX_HOTSPOTS, "limit")?;
        let old_age = req.old_age_years.unwrap_or(40);
        let crs = req
            .crs
            .as_deref()
            .map_or_else(|| Ok(Crs::crs84()), Crs::parse)?;
        let out = Transformer::new(&self.config().deployment_crs, &crs)?;
        let index = self.index().snapshot();
        let layer = match &req.layer {
            None => None,
            Some(l) => Some(
                l.parse::<undermap_core::LayerId>()
                    .ok()
                    .filter(|id| {
                        view.sees_layer(id)
                            && index
                                .layer(id)
                                .is_some_and(|i| i.category == LayerCategory::Network)
                    })
                    .ok_or_else(|| ServiceError::NotFound {
                        what: format!("network layer {:?}", l.chars().take(40).collect::<String>()),
                    })?,
            ),
        };
        let is_asset = |f: &Feature| {
            view.sees(f)
                && layer.as_ref().is_none_or(|l| f.layer == *l)
                && index
                    .layer(&f.layer)
                    .is_some_and(|i| i.category == LayerCategory::Network)
        };

        // Incidents counted against each asset: by the asset they name, or else against the
        // assets of the layers their type concerns within the radius.
        let mut against: HashMap<&FeatureId, Vec<(NaiveDate, IncidentType, &FeatureId)>> =
            HashMap::new();
        let mut considered = 0;
        for (f, r) in incidents(&index, view) {
            if req.since.is_some_and(|d| r.occurred_on < d) {
                continue;
            }
            considered += 1;
            if let Some(asset) = r.asset_ref.as_ref().and_then(|id| index.get(id)) {
                if is_asset(asset) {
                    against.entry(&asset.id).or_default().push((
                        r.occurred_on,
                        r.incident_type,
                        &f.id,
                    ));
                }
                continue;
            }
            let Some(env) = f.geometry.bounding_rect() else {
                continue;
            };
            for asset in index.in_envelope(crate::geometry_out::grow(env, radius_m)) {
                if asset.kind == FeatureKind::ServiceConnection
                    || !is_asset(asset)
                    || !r.incident_type.concerns(asset.layer.as_str())
                    || Euclidean::distance(&f.geometry, &asset.geometry) > radius_m
                {
                    continue;
                }
                against
                    .entry(&asset.id)
                    .or_default()
                    .push((r.occurred_on, r.incident_type, &f.id));
            }
        }

        let today = Utc::now().date_naive();
        let mut candidates: Vec<&Feature> = against
            .iter()
            .filter(|(_, v)| v.len() >= min_incidents)
            .filter_map(|(id, _)| index.get(id))
            .collect();
        // Assets in poor or critical condition are hotspots whatever their history.
        // Only the condition is read here; the full parameters of the kept ones are read below.
        candidates.extend(index.features().iter().filter(|f| {
            f.attrs
                .extra
                .get(undermap_core::resilience::keys::CONDITION)
                .and_then(serde_json::Value::as_str)
                .and_then(|c| c.parse::<ConditionGrade>().ok())
                .is_some_and(|c| matches!(c, ConditionGrade::Poor | ConditionGrade::Critical))
                && is_asset(f)
        }));
        candidates.sort_by(|a, b| a.id.cmp(&b.id));
        candidates.dedup_by(|a, b| a.id == b.id);

        // Score every candidate, keep the best `limit`, and only then write their details and
        // geometry (most candidates of a county are pipes in poor condition, never shown).
        let mut scored: Vec<(&Feature, u32, usize, Vec<String>, Resistance)> = candidates
            .into_iter()
            .map(|f| {
                let resistance = Resistance::read(&f.attrs.extra).unwrap_or_default();
                let n = against.get(&f.id).map_or(0, Vec::len);
                let first = against.get(&f.id).and_then(|l| l.iter().map(|x| x.0).min());
                let (score, reasons) = score(n, first, &resistance, today, old_age);
                (f, score, n, reasons, resistance)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(b.2.cmp(&a.2))
                .then_with(|| a.0.id.cmp(&b.0.id))
        });
        let total = scored.len();
        scored.truncate(limit);
        let hotspots = scored
            .into_iter()
            .map(|(f, score, n, reasons, resistance)| {
                let mut list = against.get(&f.id).cloned().unwrap_or_default();
                list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(b.2)));
                let mut incident_types = BTreeMap::new();
                for (_, t, _) in &list {
                    *incident_types.entry(*t).or_insert(0) += 1;
                }
                let shown = view.redact(f);
                let owner = shown.attrs.owner.as_ref();
                Ok(Hotspot {
                    feature_id: f.id.clone(),
                    layer: f.layer.to_string(),
                    kind: f.kind,
                    owner: owner.map(|o| o.name.clone()),
                    contact: owner.and_then(|o| o.contact.clone()),
                    score,
                    reasons,
                    incidents: n,
                    last_incident: list.first().map(|x| x.0),
                    incident_ids: list.iter().map(|x| x.2.clone()).collect(),
                    incident_types,
                    age_years: resistance.age_years(today),
                    resistance,
                    geometry: to_geojson(&f.geometry, &out)?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok(HotspotsResponse {
            crs: crs.name().to_owned(),
            radius_m,
            min_incidents,
            incidents_considered: considered,
            total,
            hotspots,
            data_as_of: index.as_of(),
        })
    }
}

/// An asset's hotspot score and its reasons in words (docs/emergency.md): points for each
/// incident counted against it, for a poor or critical condition, and for old age.
fn score(
    incidents: usize,
    first: Option<NaiveDate>,
    resistance: &Resistance,
    today: NaiveDate,
    old_age: i32,
) -> (u32, Vec<String>) {
    let mut reasons = Vec::new();
    let mut score = 0;
    if incidents > 0 {
        score += INCIDENT_POINTS * u32::try_from(incidents).unwrap_or(u32::MAX / 4);
        reasons.push(format!(
            "{incidents} incident{} since {}",
            if incidents == 1 { "" } else { "s" },
            first.map_or(0, |d| d.year())
        ));
    }
    match resistance.condition {
        Some(ConditionGrade::Poor) => {
            score += POOR_POINTS;
            reasons.push("condition poor".into());
        }
        Some(ConditionGrade::Critical) => {
            score += CRITICAL_POINTS;
            reasons.push("condition critical".into());
        }
        _ => {}
    }
    if let Some(a) = resistance.age_years(today).filter(|a| *a >= old_age) {
        score += OLD_POINTS;
        reasons.push(format!("{a} years old"));
    }
    (score, reasons)
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
