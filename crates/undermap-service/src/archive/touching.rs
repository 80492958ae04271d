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

/// How long a server answers from its copy of the projects' extents before reading them again
/// (projects another server registers or moves appear on tickets within this time; this
/// server's own changes at once).
const AREAS_FRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// The projects' extents, names and statuses, read once and kept: an excavation check (the hot
/// path) asks them without a round trip to the database.
#[derive(Debug, Default)]
pub(crate) struct ProjectAreas {
    kept: std::sync::RwLock<Option<std::sync::Arc<Areas>>>,
    refreshing: std::sync::atomic::AtomicBool,
}

/// A project as kept: its extent, location, registration time and what a ticket says of it.
type KeptArea = (
    geo::Rect<f64>,
    Geometry<f64>,
    chrono::DateTime<chrono::Utc>,
    TouchingProject,
);

#[derive(Debug)]
struct Areas {
    taken: std::time::Instant,
    projects: Vec<KeptArea>,
}

impl ProjectAreas {
    /// Forgets the copy: the next check reads the projects again (after this server changed one).
    pub(crate) fn forget(&self) {
        if let Ok(mut kept) = self.kept.write() {
            *kept = None;
        }
    }

    fn get(&self) -> Option<std::sync::Arc<Areas>> {
        self.kept.read().ok().and_then(|k| k.clone())
    }
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
        let areas = self.areas().await?;
        let (min, max) = (
            geo::coord! { x: b.min().x - buffer_m, y: b.min().y - buffer_m },
            geo::coord! { x: b.max().x + buffer_m, y: b.max().y + buffer_m },
        );
        let area = Geometry::MultiPolygon(area.clone());
        let mut out: Vec<TouchingProject> = areas
            .projects
            .iter()
            .filter(|(r, ..)| {
                r.max().x >= min.x && r.max().y >= min.y && r.min().x <= max.x && r.min().y <= max.y
            })
            .filter(|(_, _, registered, _)| at.is_none_or(|at| *registered <= at))
            .filter_map(|(_, location, _, p)| {
                let distance = Euclidean::distance(location, &area);
                (distance <= buffer_m).then(|| TouchingProject {
                    distance_m: (distance * 100.0).round() / 100.0,
                    ..p.clone()
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

    /// The kept extents: read now when there are none, read again in the background when they
    /// are older than [`AREAS_FRESH`] (this check answers from the older copy).
    async fn areas(&self) -> Result<std::sync::Arc<Areas>, ServiceError> {
        let kept = self.app.project_areas();
        if let Some(areas) = kept.get() {
            if areas.taken.elapsed() > AREAS_FRESH
                && !kept
                    .refreshing
                    .swap(true, std::sync::atomic::Ordering::AcqRel)
            {
                let service = self.app.clone();
                tokio::spawn(async move {
                    if let Err(e) = service.archive().read_areas().await {
                        tracing::warn!(error = %e, "reading the projects' extents again failed");
                    }
                    service
                        .project_areas()
                        .refreshing
                        .store(false, std::sync::atomic::Ordering::Release);
                });
            }
            return Ok(areas);
        }
        self.read_areas().await
    }

    async fn read_areas(&self) -> Result<std::sync::Arc<Areas>, ServiceError> {
        let taken = std::time::Instant::now();
        let projects = self
            .all_projects(ProjectQuery::default())
            .await?
            .into_iter()
            .filter_map(|r| {
                let rect = geo::BoundingRect::bounding_rect(&r.project.location)?;
                let out = TouchingProject {
                    category: r.project.category,
                    code: r.project.code.to_string(),
                    distance_m: 0.0,
                    name: r.project.name,
                    status: r.status,
                    unit: r.project.unit_name,
                };
                Some((rect, r.project.location, r.project.registered_at, out))
            })
            .collect();
        let areas = std::sync::Arc::new(Areas { taken, projects });
        if let Ok(mut kept) = self.app.project_areas().kept.write() {
            *kept = Some(std::sync::Arc::clone(&areas));
        }
        Ok(areas)
    }
}
