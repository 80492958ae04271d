//! The archive projects an excavation area touches: a contractor's ticket names them, so that
//! the crew asks the archive for their as-built drawings ("as-built drawings: project X").

use geo::{Distance, Euclidean, Geometry, MultiPolygon};
use serde::{Deserialize, Serialize};
use undermap_archive::Status;
use undermap_store::ProjectQuery;

use super::Archive;
use crate::ServiceError;

/// Most projects a ticket lists; an area of at most 0.25 km² rarely meets more.
pub const MAX_TOUCHING: usize = 100;

/// A project whose location lies within the check's buffer of the area. Members in sorted
/// order: a ticket is written canonically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchingProject {
    /// Its category code.
    pub category: String,
    /// Its project code: `GET /v1/projects/{code}` for its files.
    pub code: String,
    /// Distance from the area, metres (0: inside or crossing it).
    pub distance_m: f64,
    /// Its name.
    pub name: String,
    /// Where its lifecycle stands: `handed_over` and `filed` projects have as-built files.
    pub status: Status,
    /// The construction unit's name.
    pub unit: String,
}

impl Archive<'_> {
    /// The projects whose location comes within `buffer_m` of `area` (deployment CRS), nearest
    /// first, at most [`MAX_TOUCHING`]; with `at`, only those registered by then.
    pub async fn touching(
        &self,
        area: &MultiPolygon<f64>,
        buffer_m: f64,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<TouchingProject>, ServiceError> {
        let Some(b) = geo::BoundingRect::bounding_rect(area) else {
            return Ok(Vec::new());
        };
        // Every project whose extent meets the box (not a first page by code: long linear
        // projects could fill it and push nearer ones out).
        let candidates = self
            .all_projects(ProjectQuery {
                bbox: Some([
                    b.min().x - buffer_m,
                    b.min().y - buffer_m,
                    b.max().x + buffer_m,
                    b.max().y + buffer_m,
                ]),
                ..ProjectQuery::default()
            })
            .await?;
        let area = Geometry::MultiPolygon(area.clone());
        let mut out: Vec<TouchingProject> = candidates
            .into_iter()
            .filter(|r| at.is_none_or(|at| r.project.registered_at <= at))
            .filter_map(|r| {
                let distance = Euclidean::distance(&r.project.location, &area);
                (distance <= buffer_m).then(|| TouchingProject {
                    category: r.project.category.clone(),
                    code: r.project.code.to_string(),
                    distance_m: (distance * 100.0).round() / 100.0,
                    name: r.project.name.clone(),
                    status: r.status,
                    unit: r.project.unit_name.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| a.code.cmp(&b.code))
        });
        out.truncate(MAX_TOUCHING);
        Ok(out)
    }
}
