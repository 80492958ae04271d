//! `GET /v1/risk/hotspots`: the assets that keep failing or are in poor condition.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use geo::{BoundingRect, Distance, Euclidean};
use serde::Serialize;
use undermap_core::{
    ConditionGrade, Feature, FeatureId, FeatureKind, IncidentType, LayerCategory, Resistance, View,
};
use undermap_crs::Transformer;

use super::records::{incidents, limit, radius};
use super::Emergency;
use crate::shared::geometry_out::to_geojson;
use crate::shared::input::request_crs;
use crate::ServiceError;

/// Largest number of hotspots in one answer.
pub const MAX_HOTSPOTS: usize = 1_000;

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

impl Emergency<'_> {
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
        let crs = request_crs(req.crs.as_deref())?;
        let out = Transformer::new(&self.app.config().deployment_crs, &crs)?;
        let index = self.app.index().snapshot();
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
            for asset in index.in_envelope(crate::shared::geometry_out::grow(env, radius_m)) {
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
