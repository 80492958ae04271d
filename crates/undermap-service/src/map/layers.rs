//! `GET /v1/layers`: the layers a caller sees, with counts and extents.

use serde::Serialize;
use undermap_core::View;
use undermap_crs::{Crs, Transformer};

use super::Map;
use crate::ServiceError;

/// A layer with its feature count and extent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayerSummary {
    /// Layer id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `network` or `planning`.
    pub category: String,
    /// Current features.
    pub features: usize,
    /// Extent `[west, south, east, north]` in CRS84, if the layer has features.
    pub extent_crs84: Option<[f64; 4]>,
    /// Extent `[min x, min y, max x, max y]` in the deployment CRS (easting, northing).
    pub extent_native: Option<[f64; 4]>,
    /// The deployment CRS.
    pub native_crs: String,
}

impl Map<'_> {
    /// Every layer `view` sees, with counts and extents from the index (counts of what it
    /// sees: a layer with features it may not see counts only the others).
    pub fn layers(&self, view: &View) -> Result<Vec<LayerSummary>, ServiceError> {
        let index = self.app.index().snapshot();
        let native = &self.app.config().deployment_crs;
        let to_crs84 = Transformer::new(native, &Crs::crs84())?;
        index
            .layer_stats()
            .into_iter()
            .filter(|s| view.sees_layer(&s.info.id))
            .map(|s| {
                let features = s.count_within(view.clearance());
                let extent_crs84 = s
                    .extent
                    .map(|r| -> Result<[f64; 4], ServiceError> {
                        let min = to_crs84.coord(r.min())?;
                        let max = to_crs84.coord(r.max())?;
                        let d = |v: f64| (v * 1e7).round() / 1e7;
                        Ok([d(min.x), d(min.y), d(max.x), d(max.y)])
                    })
                    .transpose()?;
                let m = |v: f64| (v * 1e3).round() / 1e3;
                Ok(LayerSummary {
                    id: s.info.id.to_string(),
                    title: s.info.title.clone(),
                    category: s.info.category.as_str().to_owned(),
                    features,
                    extent_crs84,
                    extent_native: s
                        .extent
                        .map(|r| [m(r.min().x), m(r.min().y), m(r.max().x), m(r.max().y)]),
                    native_crs: native.name().to_owned(),
                })
            })
            .collect()
    }
}
