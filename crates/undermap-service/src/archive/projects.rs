//! Registering projects (by hand or pushed by the approval system), one project's page and the
//! project list.

use chrono::{DateTime, NaiveDate, Utc};
use geo::Geometry;
use serde::{Deserialize, Serialize};
use undermap_archive::{CreditCode, Deadline, ProjectCode, Status};
use undermap_core::{AreaLimits, ExcavationArea};
use undermap_crs::Transformer;
use undermap_store::{Intake, NewProject, ProjectQuery, ProjectRecord};

use super::{Archive, Scope};
use crate::shared::geometry_out::to_geojson;
use crate::shared::input::request_crs;
use crate::ServiceError;

/// Largest project area accepted: 25 km² (a district's road scheme).
const MAX_PROJECT_AREA_M2: f64 = 25e6;
/// Longest project name.
const MAX_NAME_CHARS: usize = 200;
/// Most projects a list page holds.
pub const MAX_PAGE: i64 = 1_000;

/// The construction unit as a request names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRequest {
    /// Its name.
    pub name: String,
    /// Its unified social credit code (统一社会信用代码), 18 characters with the GB 32100
    /// check character.
    pub credit_code: String,
}

/// A project as a client registers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    /// Project code (项目代码), `YYYY-DDDDDD-II-TT-NNNNNN`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its category (`GET /v1/archive/categories`).
    pub category: String,
    /// The construction unit.
    pub unit: UnitRequest,
    /// Where it is: a GeoJSON Polygon, MultiPolygon, LineString or MultiLineString.
    pub location: serde_json::Value,
    /// CRS of `location`; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// When the construction permit was given.
    #[serde(default)]
    pub permit_date: Option<NaiveDate>,
    /// When work is planned to start.
    #[serde(default)]
    pub planned_start: Option<NaiveDate>,
    /// When work is planned to end.
    #[serde(default)]
    pub planned_end: Option<NaiveDate>,
}

/// A construction unit in an answer.
#[derive(Debug, Clone, Serialize)]
pub struct UnitOut {
    /// Its name.
    pub name: String,
    /// Its unified social credit code.
    pub credit_code: String,
}

/// A deadline in an answer.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineOut {
    /// Which.
    pub deadline: Deadline,
    /// When it falls due.
    pub due: NaiveDate,
}

/// A project in an answer.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectOut {
    /// Project code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category code.
    pub category: String,
    /// Category name (Chinese).
    pub category_name: String,
    /// Category name (English).
    pub category_name_en: String,
    /// The construction unit.
    pub unit: UnitOut,
    /// Where its recorded events have led.
    pub status: Status,
    /// How many events it has.
    pub events: u32,
    /// Where it is, in the requested CRS.
    pub location: geojson::Geometry,
    /// Construction permit date.
    pub permit_date: Option<NaiveDate>,
    /// Planned start.
    pub planned_start: Option<NaiveDate>,
    /// Planned end.
    pub planned_end: Option<NaiveDate>,
    /// `archivist` or `intake`.
    pub source: String,
    /// Who registered it.
    pub registered_by: Option<String>,
    /// When.
    pub registered_at: DateTime<Utc>,
}

/// Filters of the project list, as a client sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectsQuery {
    /// `min x, min y, max x, max y` in `bbox-crs`.
    #[serde(default)]
    pub bbox: Option<String>,
    /// CRS of `bbox`; default `OGC:CRS84`.
    #[serde(default, rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// Only this status.
    #[serde(default)]
    pub status: Option<String>,
    /// Only this construction unit's (credit code).
    #[serde(default)]
    pub unit: Option<String>,
    /// Name or code contains this.
    #[serde(default)]
    pub q: Option<String>,
    /// Codes after this one (the previous page's `next`).
    #[serde(default)]
    pub after: Option<String>,
    /// At most this many (default 100, at most 1,000).
    #[serde(default)]
    pub limit: Option<i64>,
    /// CRS of the answer's locations; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
}

/// A page of projects.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectsPage {
    /// The projects, by code.
    pub projects: Vec<ProjectOut>,
    /// `after` for the next page, when there may be one.
    pub next: Option<String>,
}

fn text(field: &str, value: &str) -> Result<String, ServiceError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_NAME_CHARS {
        return Err(ServiceError::unprocessable(
            field,
            format!("give 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    undermap_core::text::plain(field, value)?;
    Ok(value.to_owned())
}

impl Archive<'_> {
    /// A registration parsed: every value checked, the location in the deployment CRS.
    fn parse(
        &self,
        req: ProjectRequest,
        source: &str,
        by: Option<&str>,
    ) -> Result<NewProject, ServiceError> {
        let code: ProjectCode = req.code.parse()?;
        let category = self
            .config()
            .catalogue
            .project_category(&req.category)?
            .code
            .clone();
        let unit_code: CreditCode = req.unit.credit_code.parse()?;
        if let (Some(start), Some(end)) = (req.planned_start, req.planned_end) {
            if end < start {
                return Err(ServiceError::unprocessable(
                    "planned_end",
                    format!("{end} is before the planned start {start}"),
                ));
            }
        }
        Ok(NewProject {
            code,
            name: text("name", &req.name)?,
            category,
            unit_name: text("unit.name", &req.unit.name)?,
            unit_code,
            location: self.location(&req.location, req.crs.as_deref())?,
            permit_date: req.permit_date,
            planned_start: req.planned_start,
            planned_end: req.planned_end,
            source: source.to_owned(),
            registered_by: by.map(str::to_owned),
            registered_at: Utc::now(),
        })
    }

    /// A project's location: a valid polygon (at most 25 km²) or a line, in the deployment CRS.
    fn location(
        &self,
        value: &serde_json::Value,
        crs: Option<&str>,
    ) -> Result<Geometry<f64>, ServiceError> {
        let config = self.app.config();
        let crs = request_crs(crs)?;
        let geometry = geojson::Geometry::from_json_value(value.clone()).map_err(|e| {
            ServiceError::unprocessable("location", format!("not a GeoJSON geometry: {e}"))
        })?;
        let parsed = undermap_core::geometry::geometry_from_geojson(&geometry)?;
        let vertices = geo::CoordsIter::coords_count(&parsed);
        if vertices > config.limits.max_vertices {
            return Err(ServiceError::unprocessable(
                "location",
                format!(
                    "{vertices} vertices; at most {}",
                    config.limits.max_vertices
                ),
            ));
        }
        let to_metric = Transformer::new(&crs, &config.deployment_crs)?;
        let metric = to_metric.geometry_checked(&parsed)?;
        match metric {
            Geometry::LineString(_) | Geometry::MultiLineString(_) => Ok(metric),
            Geometry::Polygon(p) => self.area(geo::MultiPolygon(vec![p])).map(|mp| {
                let mut polygons = mp.0;
                Geometry::Polygon(polygons.remove(0))
            }),
            Geometry::MultiPolygon(mp) => self.area(mp).map(Geometry::MultiPolygon),
            other => Err(ServiceError::unprocessable(
                "location",
                format!(
                    "a project is a polygon or a line, not a {}",
                    undermap_core::geometry::geometry_kind_name(&other)
                ),
            )),
        }
    }

    fn area(
        &self,
        polygons: geo::MultiPolygon<f64>,
    ) -> Result<geo::MultiPolygon<f64>, ServiceError> {
        let limits = AreaLimits {
            max_area_m2: MAX_PROJECT_AREA_M2,
            max_vertices: self.app.config().limits.max_vertices,
        };
        Ok(ExcavationArea::new(polygons, &limits)?.geometry().clone())
    }

    /// Registers a project (`POST /v1/projects`); conflict if its code is taken.
    pub async fn register(
        &self,
        req: ProjectRequest,
        by: Option<&str>,
    ) -> Result<ProjectOut, ServiceError> {
        let crs = req.crs.clone();
        let project = self.parse(req, "archivist", by)?;
        self.app.store().add_project(&project).await?;
        self.app.project_areas().forget();
        self.publish_project(&project).await;
        let stored = ProjectRecord {
            project,
            status: Status::Registered,
            events: 0,
        };
        self.out(&stored, &self.out_crs(crs.as_deref())?)
    }

    /// Tells the subscriptions of a new project.
    async fn publish_project(&self, p: &NewProject) {
        self.app
            .subscriptions()
            .publish(undermap_store::NewFeedEvent {
                kind: "project".into(),
                layer: None,
                category: Some(p.category.clone()),
                unit: Some(p.unit_code.to_string()),
                access: None,
                extent: super::extent(&p.location),
                title: p.name.clone(),
                summary: format!("project {} registered for {}", p.code, p.unit_name),
                link: format!("/v1/projects/{}", p.code),
                at: p.registered_at,
            })
            .await;
    }

    /// Takes in a project the approval system pushes (`POST /v1/projects/intake`): created,
    /// brought up to date, or unchanged; never its status or events.
    pub async fn intake(
        &self,
        req: ProjectRequest,
        by: Option<&str>,
    ) -> Result<(Intake, ProjectOut), ServiceError> {
        let crs = req.crs.clone();
        let project = self.parse(req, "intake", by)?;
        if let Some(known) = self.app.store().project(&project.code).await? {
            let moved = known.project.unit_code != project.unit_code
                || known.project.category != project.category;
            if known.events > 0 && moved {
                return Err(undermap_store::StoreError::Conflict(format!(
                    "project {} has recorded events: its construction unit and category can no \
                     longer change through the intake (ask the archive office)",
                    project.code
                ))
                .into());
            }
        }
        let outcome = self.app.store().intake_project(&project).await?;
        self.app.project_areas().forget();
        if outcome == Intake::Created {
            self.publish_project(&project).await;
        }
        let stored = self
            .app
            .store()
            .project(&project.code)
            .await?
            .ok_or_else(|| ServiceError::internal("taking in a project", "it vanished"))?;
        Ok((outcome, self.out(&stored, &self.out_crs(crs.as_deref())?)?))
    }

    /// Projects by code, filtered; a construction unit sees only its own.
    pub async fn list(
        &self,
        query: ProjectsQuery,
        scope: &Scope,
    ) -> Result<ProjectsPage, ServiceError> {
        let limit = query.limit.unwrap_or(100);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ServiceError::unprocessable(
                "limit",
                format!("give 1 to {MAX_PAGE}"),
            ));
        }
        let unit = query
            .unit
            .as_deref()
            .map(str::parse::<CreditCode>)
            .transpose()?;
        let unit = match (scope, unit) {
            (Scope::All, unit) => unit,
            (Scope::Unit(own), None) => Some(own.clone()),
            (Scope::Unit(own), Some(asked)) if &asked == own => Some(asked),
            // Another unit's projects: none that this caller may see.
            (Scope::Unit(_), Some(_)) => {
                return Ok(ProjectsPage {
                    projects: vec![],
                    next: None,
                })
            }
        };
        let status = query
            .status
            .as_deref()
            .map(str::parse::<Status>)
            .transpose()?;
        let text = query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| {
                undermap_core::text::plain("q", q)?;
                Ok::<_, ServiceError>(q.chars().take(100).collect::<String>())
            })
            .transpose()?;
        let bbox = query
            .bbox
            .as_deref()
            .map(|b| self.bbox(b, query.bbox_crs.as_deref()))
            .transpose()?;
        let rows = self
            .app
            .store()
            .projects(&ProjectQuery {
                bbox,
                status,
                unit,
                text,
                after: query.after.clone(),
                limit,
                ..ProjectQuery::default()
            })
            .await?;
        let out = self.out_crs(query.crs.as_deref())?;
        let next = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.project.code.to_string()))
            .flatten();
        Ok(ProjectsPage {
            projects: rows
                .iter()
                .map(|r| self.out(r, &out))
                .collect::<Result<_, _>>()?,
            next,
        })
    }

    /// A `bbox` parameter as a box in the deployment CRS.
    pub(crate) fn bbox(&self, text: &str, crs: Option<&str>) -> Result<[f64; 4], ServiceError> {
        let v: Vec<f64> = text
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ServiceError::bad("bbox", "give four numbers: min x, min y, max x, max y")
            })?;
        let [x0, y0, x1, y1] = v[..] else {
            return Err(ServiceError::bad(
                "bbox",
                "give four numbers: min x, min y, max x, max y",
            ));
        };
        if !(v.iter().all(|c| c.is_finite()) && x0 <= x1 && y0 <= y1) {
            return Err(ServiceError::unprocessable(
                "bbox",
                "the minimum comes first and every value is finite",
            ));
        }
        let crs = request_crs(crs)?;
        let to = Transformer::new(&crs, &self.app.config().deployment_crs)?;
        let r = to.rect_envelope(
            geo::Rect::new(geo::coord! { x: x0, y: y0 }, geo::coord! { x: x1, y: y1 }),
            8,
        )?;
        Ok([r.min().x, r.min().y, r.max().x, r.max().y])
    }

    pub(crate) fn out_crs(&self, crs: Option<&str>) -> Result<Transformer, ServiceError> {
        let crs = request_crs(crs)?;
        Ok(Transformer::new(&self.app.config().deployment_crs, &crs)?)
    }

    pub(super) fn out(
        &self,
        r: &ProjectRecord,
        out: &Transformer,
    ) -> Result<ProjectOut, ServiceError> {
        let p = &r.project;
        let category = self.config().catalogue.project_category(&p.category).ok();
        Ok(ProjectOut {
            code: p.code.to_string(),
            name: p.name.clone(),
            category: p.category.clone(),
            category_name: category.map(|c| c.name.clone()).unwrap_or_default(),
            category_name_en: category.map(|c| c.name_en.clone()).unwrap_or_default(),
            unit: UnitOut {
                name: p.unit_name.clone(),
                credit_code: p.unit_code.to_string(),
            },
            status: r.status,
            events: r.events,
            location: to_geojson(&p.location, out)?,
            permit_date: p.permit_date,
            planned_start: p.planned_start,
            planned_end: p.planned_end,
            source: p.source.clone(),
            registered_by: p.registered_by.clone(),
            registered_at: p.registered_at,
        })
    }
}
