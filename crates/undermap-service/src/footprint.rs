//! The ground an answer shows, for roles with a daily area budget: the API spends the budget on
//! it before the answer is made (`Caller::spend`). Views without a budget get `None` at no cost.

use geo::BoundingRect;
use undermap_core::View;
use undermap_crs::{Crs, Transformer};

use crate::{Service, ServiceError};

/// `[min_x, min_y, max_x, max_y]` in the deployment CRS, metres.
pub type Footprint = [f64; 4];

fn budgeted(view: &View) -> bool {
    view.bounds().is_some_and(|b| b.daily_area_m2.is_some())
}

fn corners(r: geo::Rect<f64>) -> Footprint {
    [r.min().x, r.min().y, r.max().x, r.max().y]
}

impl Service {
    /// The ground a vector tile covers.
    pub fn tile_footprint(
        &self,
        (z, x, y): (u32, u32, u32),
        view: &View,
    ) -> Result<Option<Footprint>, ServiceError> {
        if !budgeted(view) {
            return Ok(None);
        }
        // Refused by zoom before it costs any area.
        crate::ogc::check_zoom(z, view)?;
        let [w, s, e, n] = undermap_tiles::TileId::new(z, x, y)?.lon_lat_bounds();
        let to_map = Transformer::new(&Crs::crs84(), &self.config().deployment_crs)?;
        Ok(to_map
            .rect_envelope(geo::Rect::new((w, s), (e, n)), 4)
            .ok()
            .map(corners))
    }

    /// The ground a feature by id shows: its envelope (`None` when there is no such feature
    /// for `view`: not found costs nothing).
    #[must_use]
    pub fn feature_footprint(&self, id: &str, view: &View) -> Option<Footprint> {
        if !budgeted(view) {
            return None;
        }
        let id: undermap_core::FeatureId = id.parse().ok()?;
        let index = self.index().snapshot();
        let feature = index.get(&id).filter(|f| view.sees(f))?;
        feature.geometry.bounding_rect().map(corners)
    }

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
        let crs = match crs {
            None => Crs::crs84(),
            Some(text) => Crs::parse(text)?,
        };
        let c = Transformer::new(&crs, &self.config().deployment_crs)?.coord(geo::Coord {
            x: point.0,
            y: point.1,
        })?;
        let r = f64::from(bounds.nearest_within_m);
        Ok(Some([c.x - r, c.y - r, c.x + r, c.y + r]))
    }

    /// The ground an OGC items page may show: its `bbox` (bounded roles must give one).
    pub fn items_footprint(
        &self,
        query: &[(String, String)],
        view: &View,
    ) -> Result<Option<Footprint>, ServiceError> {
        if !budgeted(view) {
            return Ok(None);
        }
        let parsed = undermap_ogc::params::items(query, &self.config().deployment_crs)?;
        // A box too large for one request is refused as such, before it costs any area.
        if let Some(bounds) = view.bounds() {
            crate::ogc::within_bounds(&parsed.request, bounds)?;
        }
        Ok(parsed
            .request
            .bbox
            .as_ref()
            .and_then(undermap_ogc::items::Area::envelope)
            .map(corners))
    }
}
