//! `GET /v1/incidents/nearby-history`: what happened near a place before.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use geo::{Distance, Euclidean, Geometry};
use serde::Serialize;
use undermap_core::{Feature, FeatureId, IncidentRecord, IncidentType, View};

use super::records::{incidents, limit, radius};
use super::Emergency;
use crate::shared::geometry_out::{cm, to_geojson};
use crate::ServiceError;

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

impl Emergency<'_> {
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
        let index = self.app.index().snapshot();
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
}
