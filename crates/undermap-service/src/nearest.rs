use geo::Coord;
use serde::Serialize;
use undermap_core::View;
use undermap_crs::{Crs, Transformer};

use chrono::{DateTime, Utc};

use crate::geometry_out::{cm, feature_json, to_geojson};
use crate::{Service, ServiceError};

/// A nearest-features query.
#[derive(Debug, Clone)]
pub struct NearestRequest {
    /// The point, in `crs` axis order.
    pub point: (f64, f64),
    /// CRS of the point and of the answer; default CRS84.
    pub crs: Option<String>,
    /// How many.
    pub k: usize,
    /// Only these layers.
    pub layers: Option<Vec<String>>,
    /// Answer from the map as it stood then.
    pub at: Option<DateTime<Utc>>,
}

/// One feature near the point.
#[derive(Debug, Clone, Serialize)]
pub struct NearestHit {
    /// Feature id.
    pub feature_id: String,
    /// Layer.
    pub layer: String,
    /// Kind.
    pub kind: String,
    /// Owner.
    pub owner: Option<String>,
    /// Distance from the point, m.
    pub distance_m: f64,
    /// Geometry in the request CRS.
    pub geometry: geojson::Geometry,
}

impl Service {
    /// The `k` features nearest to a point that `view` sees, by exact distance in metres.
    pub async fn nearest(
        &self,
        req: &NearestRequest,
        view: &View,
    ) -> Result<Vec<NearestHit>, ServiceError> {
        let max = self.config().max_nearest;
        if req.k == 0 || req.k > max {
            return Err(ServiceError::unprocessable(
                "k",
                format!("{} is outside 1 to {max}", req.k),
            ));
        }
        // A bounded role sees what lies around a point, not the map's nearest of anything.
        let within = match view.bounds() {
            Some(b) if req.k > b.max_nearest_k => {
                return Err(ServiceError::unprocessable(
                    "k",
                    format!(
                        "your role gets at most {} nearest features",
                        b.max_nearest_k
                    ),
                ))
            }
            Some(b) => Some(f64::from(b.nearest_within_m)),
            None => None,
        };
        let crs = match req.crs.as_deref() {
            None => Crs::crs84(),
            Some(text) => Crs::parse(text)?,
        };
        let layers = req
            .layers
            .as_ref()
            .map(|l| self.known_layers(l))
            .transpose()?;
        let native = &self.config().deployment_crs;
        let point = Transformer::new(&crs, native)?
            .geometry_checked(&geo::Point::new(req.point.0, req.point.1).into())?;
        let geo::Geometry::Point(p) = point else {
            return Err(ServiceError::unprocessable("point", "not a point"));
        };
        let out = Transformer::new(native, &crs)?;
        let index = self.index_at(req.at).await?;
        index
            .nearest(Coord::from(p), req.k, |f| {
                view.sees(f) && layers.as_ref().is_none_or(|l| l.contains(&f.layer))
            })
            .into_iter()
            .filter(|n| within.is_none_or(|r| n.distance_m <= r))
            .map(|n| {
                let owner = view
                    .redact(n.feature)
                    .attrs
                    .owner
                    .as_ref()
                    .map(|o| o.name.clone());
                Ok(NearestHit {
                    feature_id: n.feature.id.to_string(),
                    layer: n.feature.layer.to_string(),
                    kind: n.feature.kind.to_string(),
                    owner,
                    distance_m: cm(n.distance_m),
                    geometry: to_geojson(&n.feature.geometry, &out)?,
                })
            })
            .collect()
    }

    /// One feature as a GeoJSON Feature in `crs` (default CRS84): the current version, or the one
    /// current at `at`.
    /// A feature `view` does not see is not found.
    pub async fn feature(
        &self,
        id: &str,
        crs: Option<&str>,
        at: Option<DateTime<Utc>>,
        view: &View,
    ) -> Result<geojson::Feature, ServiceError> {
        let not_found = || ServiceError::NotFound {
            what: format!("feature {:?}", id.chars().take(140).collect::<String>()),
        };
        let id: undermap_core::FeatureId = id.parse().map_err(|_| not_found())?;
        let crs = match crs {
            None => Crs::crs84(),
            Some(text) => Crs::parse(text)?,
        };
        let index = self.index_at(at).await?;
        let feature = index
            .get(&id)
            .filter(|f| view.sees(f))
            .ok_or_else(not_found)?;
        let out = Transformer::new(&self.config().deployment_crs, &crs)?;
        feature_json(&view.redact(feature), &out)
    }
}
