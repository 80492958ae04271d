//! The resilience thematic records (incidents, resources) a caller sees, and the bounds of the
//! queries over them.

use geo::{Coord, Geometry};
use undermap_core::{Feature, FeatureKind, IncidentRecord, LayerCategory, ResourceRecord, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;

use super::Emergency;
use crate::shared::input::request_crs;
use crate::ServiceError;

/// Largest radius of a history or hotspot query, metres.
pub const MAX_HISTORY_RADIUS_M: f64 = 5_000.0;

/// The incident records of every thematic layer the caller sees.
pub(super) fn incidents<'a>(
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

pub(super) fn resources<'a>(
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

pub(super) fn radius(value: Option<f64>, default: f64) -> Result<f64, ServiceError> {
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

pub(super) fn limit(
    value: Option<usize>,
    default: usize,
    max: usize,
    name: &str,
) -> Result<usize, ServiceError> {
    ServiceError::count_within(name, value.unwrap_or(default), max)
}

impl Emergency<'_> {
    /// A point in the deployment CRS, and the transformer back to the request CRS.
    pub(super) fn place(
        &self,
        (a, b): (f64, f64),
        crs: Option<&str>,
    ) -> Result<(Coord<f64>, Crs, Transformer), ServiceError> {
        let crs = request_crs(crs)?;
        if !(a.is_finite() && b.is_finite()) {
            return Err(ServiceError::unprocessable(
                "point",
                "give two finite numbers",
            ));
        }
        let native = &self.app.config().deployment_crs;
        let Geometry::Point(p) =
            Transformer::new(&crs, native)?.geometry_checked(&geo::Point::new(a, b).into())?
        else {
            return Err(ServiceError::unprocessable("point", "not a point"));
        };
        let out = Transformer::new(native, &crs)?;
        Ok((p.0, crs, out))
    }
}
