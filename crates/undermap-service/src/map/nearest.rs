//! `GET /v1/nearest`: the features nearest a point.

use chrono::{DateTime, Utc};
use geo::Coord;
use serde::Serialize;
use undermap_core::View;
use undermap_crs::Transformer;

use super::Map;
use crate::shared::footprint::{budgeted, Footprint};
use crate::shared::geometry_out::{cm, to_geojson};
use crate::shared::input::request_crs;
use crate::ServiceError;

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

impl Map<'_> {
    /// The `k` features nearest to a point that `view` sees, by exact distance in metres.
    pub async fn nearest(
        &self,
        req: &NearestRequest,
        view: &View,
    ) -> Result<Vec<NearestHit>, ServiceError> {
        let max = self.app.config().max_nearest;
        ServiceError::count_within("k", req.k, max)?;
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
        let crs = request_crs(req.crs.as_deref())?;
        let layers = req
            .layers
            .as_ref()
            .map(|l| self.app.known_layers(l))
            .transpose()?;
        let native = &self.app.config().deployment_crs;
        let point = Transformer::new(&crs, native)?
            .geometry_checked(&geo::Point::new(req.point.0, req.point.1).into())?;
        let geo::Geometry::Point(p) = point else {
            return Err(ServiceError::unprocessable("point", "not a point"));
        };
        let out = Transformer::new(native, &crs)?;
        let index = self.app.index_at(req.at).await?;
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
}

impl Map<'_> {
    /// The ground a nearest query may show: the square of the role's search radius around the
    /// point.
    pub fn nearest_footprint(
        &self,
        point: (f64, f64),
        crs: Option<&str>,
        view: &View,
    ) -> Result<Option<Footprint>, ServiceError> {
        let Some(bounds) = view.bounds().filter(|_| budgeted(view)) else {
            return Ok(None);
        };
        let crs = request_crs(crs)?;
        let c = Transformer::new(&crs, &self.app.config().deployment_crs)?.coord(geo::Coord {
            x: point.0,
            y: point.1,
        })?;
        let r = f64::from(bounds.nearest_within_m);
        Ok(Some([c.x - r, c.y - r, c.x + r, c.y + r]))
    }
}
