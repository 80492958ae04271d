//! `GET /v1/features/{id}`: one feature, now or at a past moment.

use chrono::{DateTime, Utc};
use geo::BoundingRect;
use undermap_core::View;
use undermap_crs::Transformer;

use super::Map;
use crate::shared::footprint::{budgeted, corners, Footprint};
use crate::shared::geometry_out::feature_json;
use crate::shared::input::request_crs;
use crate::ServiceError;

impl Map<'_> {
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
        let crs = request_crs(crs)?;
        let index = self.app.index_at(at).await?;
        let feature = index
            .get(&id)
            .filter(|f| view.sees(f))
            .ok_or_else(not_found)?;
        let out = Transformer::new(&self.app.config().deployment_crs, &crs)?;
        feature_json(&view.redact(feature), &out)
    }
}

impl Map<'_> {
    /// The ground a feature by id shows: its envelope (`None` when there is no such feature
    /// for `view`: not found costs nothing).
    #[must_use]
    pub fn feature_footprint(&self, id: &str, view: &View) -> Option<Footprint> {
        if !budgeted(view) {
            return None;
        }
        let id: undermap_core::FeatureId = id.parse().ok()?;
        let index = self.app.index().snapshot();
        let feature = index.get(&id).filter(|f| view.sees(f))?;
        feature.geometry.bounding_rect().map(corners)
    }
}
