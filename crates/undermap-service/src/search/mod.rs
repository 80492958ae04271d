//! `GET /v1/archive/search`: projects, files and map features in one ranked list, with the
//! matches marked and counts by kind, category and year. The stores find candidates through
//! their trigram indexes (at most [`CANDIDATES`] of each kind, newest first);
//! `undermap-archive`'s [`search`](undermap_archive::search) ranks and marks them; what a
//! reader may see of the archive ([`Reader`]) decides which files are listed and whether each
//! is read or asked for.

mod features;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use undermap_archive::access::Decision;
use undermap_archive::search::{escape_html, highlight, rank};
use undermap_archive::{Access, SearchText};
use undermap_core::View;
use undermap_store::{FileSearch, FoundFile, ProjectQuery, ProjectRecord};

use crate::archive::Reader;
use crate::{Service, ServiceError};

/// Most candidates of each kind read from the store: the facets count them, and `total` says
/// when there may be more.
pub const CANDIDATES: i64 = 500;
/// Most hits a page holds.
pub const MAX_LIMIT: usize = 100;

/// The search as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The text: part of a name, title, project code or feature id.
    pub q: Option<String>,
    /// `min x, min y, max x, max y` in `bbox-crs`.
    pub bbox: Option<String>,
    /// CRS of `bbox`; default `OGC:CRS84`.
    #[serde(default, rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// A project or file category code, or a layer id.
    pub category: Option<String>,
    /// Only what dates from this day on.
    pub from: Option<NaiveDate>,
    /// Only what dates up to this day.
    pub to: Option<NaiveDate>,
    /// Only these kinds, comma-separated: `project`, `file`, `feature`.
    pub kind: Option<String>,
    /// How many hits (default 20, at most 100).
    pub limit: Option<usize>,
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// `project`, `file` or `feature`.
    pub kind: &'static str,
    /// The project code, the file's SHA-256, or the feature id.
    pub id: String,
    /// Its name or title.
    pub title: String,
    /// The title (or, when the match was elsewhere, the matched text) as HTML with the match
    /// in `<mark>`.
    pub highlight: String,
    /// How well it matches, 0 to 1.
    pub score: f64,
    /// Project or file category code, or layer id.
    pub category: String,
    /// The year it dates from.
    pub year: Option<i32>,
    /// The project it belongs to (files; features delivered for one).
    pub project: Option<String>,
    /// The project's name (files).
    pub project_name: Option<String>,
    /// A file's access level.
    pub access: Option<Access>,
    /// Whether the caller may download a file (`read`) or must ask (`ask`).
    pub download: Option<&'static str>,
    /// Where it is: `min lon, min lat, max lon, max lat` (CRS84).
    pub bbox: Option<[f64; 4]>,
    /// Where it is in the deployment CRS: the CRS84 box is made for the hits a page keeps.
    #[serde(skip)]
    pub(crate) extent: Option<[f64; 4]>,
    /// Where to read more.
    pub href: String,
}

/// A count of one facet value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// How many hits have it.
    pub count: usize,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The text searched, as read.
    pub q: Option<String>,
    /// The best hits, best first.
    pub hits: Vec<Hit>,
    /// How many hits were found (a lower bound when `total_is_exact` is false).
    pub total: usize,
    /// False when a kind had more candidates than were read.
    pub total_is_exact: bool,
    /// Counts by kind, by category and by year, over every hit found.
    pub facets: BTreeMap<&'static str, Vec<FacetCount>>,
    /// What the search left out and why (map features for a role bound to an area).
    pub notes: Vec<String>,
}

/// Which kinds a search covers.
#[derive(Debug, Clone, Copy)]
struct Kinds {
    projects: bool,
    files: bool,
    features: bool,
}

fn kinds(text: Option<&str>) -> Result<Kinds, ServiceError> {
    let Some(text) = text else {
        return Ok(Kinds {
            projects: true,
            files: true,
            features: true,
        });
    };
    let mut k = Kinds {
        projects: false,
        files: false,
        features: false,
    };
    for name in text.split(',').map(str::trim) {
        match name {
            "project" => k.projects = true,
            "file" => k.files = true,
            "feature" => k.features = true,
            other => {
                return Err(ServiceError::bad(
                    "kind",
                    format!("unknown kind {other:?}: give project, file or feature"),
                ))
            }
        }
    }
    Ok(k)
}

/// The archive search: `service.search()`.
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    app: &'a Service,
}

impl Service {
    /// Searching the archive and the map.
    #[must_use]
    pub fn search(&self) -> Search<'_> {
        Search { app: self }
    }
}

impl Search<'_> {
    /// Runs a search for `reader`, who sees the map through `view`.
    pub async fn run(
        &self,
        query: &SearchQuery,
        reader: &Reader,
        view: &View,
    ) -> Result<SearchResults, ServiceError> {
        let text = query
            .q
            .as_deref()
            .map(str::parse::<SearchText>)
            .transpose()?;
        let limit = query.limit.unwrap_or(20);
        ServiceError::count_within("limit", limit, MAX_LIMIT)?;
        let kinds = kinds(query.kind.as_deref())?;
        let days = match (query.from, query.to) {
            (None, None) => None,
            (from, to) => {
                // An open end is the calendar's: days both stores write and compare alike.
                let from = from.unwrap_or(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default());
                let to = to.unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default());
                if from > to {
                    return Err(ServiceError::unprocessable("from", "comes after `to`"));
                }
                Some((from, to))
            }
        };
        if text.is_none() && query.bbox.is_none() && query.category.is_none() {
            return Err(ServiceError::bad(
                "q",
                "give a text to search for, a bbox or a category",
            ));
        }
        let archive = self.app.archive();
        let bbox = query
            .bbox
            .as_deref()
            .map(|b| archive.bbox(b, query.bbox_crs.as_deref()))
            .transpose()?;
        let to_crs84 = archive.out_crs(None)?;
        let mut found = Found::default();
        let (projects, files) = tokio::join!(
            async {
                if !kinds.projects {
                    return Ok(vec![]);
                }
                let unit = match &reader.scope {
                    Some(crate::Scope::All) => None,
                    Some(crate::Scope::Unit(u)) => Some(u.clone()),
                    // A reader without a scope sees no project entries, only files.
                    None => return Ok(vec![]),
                };
                self.app
                    .store()
                    .projects(&ProjectQuery {
                        bbox,
                        unit,
                        text: text.as_ref().map(|t| t.as_str().to_owned()),
                        category: query.category.clone(),
                        days,
                        limit: CANDIDATES,
                        ..ProjectQuery::default()
                    })
                    .await
            },
            async {
                if !kinds.files {
                    return Ok(vec![]);
                }
                self.app
                    .store()
                    .search_files(&FileSearch {
                        text: text.as_ref().map(|t| t.as_str().to_owned()),
                        bbox,
                        category: query.category.clone(),
                        days,
                        unit: None,
                        limit: CANDIDATES,
                    })
                    .await
            }
        );
        let (projects, files) = (projects?, files?);
        found.exact &= (projects.len() as i64) < CANDIDATES && (files.len() as i64) < CANDIDATES;
        for p in &projects {
            found.project(p, text.as_ref());
        }
        for f in &files {
            found.file(f, text.as_ref(), reader);
        }
        if kinds.features {
            if view.bounds().is_some() {
                found.notes.push(
                    "map features are left out: your role sees the map around a point \
                     (GET /v1/nearest), not by search"
                        .into(),
                );
            } else if let Some(t) = &text {
                let index = self.app.index().snapshot();
                let feature_hits = features::search(&index, t, view, query, bbox);
                found.exact &= feature_hits.len() < features::MAX_HITS;
                found.hits.extend(feature_hits);
            }
        }
        Ok(found.finish(text, limit, &to_crs84))
    }
}

/// Hits as they are found.
#[derive(Debug)]
struct Found {
    hits: Vec<Hit>,
    exact: bool,
    notes: Vec<String>,
}

impl Default for Found {
    fn default() -> Self {
        Self {
            hits: Vec::new(),
            exact: true,
            notes: Vec::new(),
        }
    }
}

fn crs84_box(e: [f64; 4], to: &undermap_crs::Transformer) -> Option<[f64; 4]> {
    let r = geo::Rect::new(
        geo::coord! { x: e[0], y: e[1] },
        geo::coord! { x: e[2], y: e[3] },
    );
    to.lon_lat_box(r, 2).ok()
}

/// How `text` marks a title, and how well it matches (a search without text: all score 0.5).
fn scored(title: &str, other: &[&str], text: Option<&SearchText>) -> Option<(f64, String)> {
    let Some(t) = text else {
        return Some((0.5, escape_html(title)));
    };
    if let Some(r) = rank(title, t) {
        return Some((r, highlight(title, t)));
    }
    // A match on the code, the file name or the project: ranked below one in the title.
    other
        .iter()
        .find_map(|o| rank(o, t).map(|r| (r * 0.9, highlight(o, t))))
}

impl Found {
    fn project(&mut self, r: &ProjectRecord, text: Option<&SearchText>) {
        let p = &r.project;
        let Some((score, marked)) = scored(&p.name, &[p.code.as_str()], text) else {
            return;
        };
        self.hits.push(Hit {
            kind: "project",
            id: p.code.to_string(),
            title: p.name.clone(),
            highlight: marked,
            score,
            category: p.category.clone(),
            year: Some(p.permit_date.unwrap_or(p.registered_at.date_naive()).year()),
            project: Some(p.code.to_string()),
            project_name: None,
            access: None,
            download: None,
            bbox: None,
            extent: crate::archive::extent(&p.location),
            href: format!("/v1/projects/{}", p.code),
        });
    }

    fn file(&mut self, f: &FoundFile, text: Option<&SearchText>, reader: &Reader) {
        let standing = reader.standing(&f.unit_code);
        let decision = f.file.access.decide(standing);
        if decision == Decision::Hidden {
            return;
        }
        let name = f.file.file_name.as_deref().unwrap_or_default();
        let Some((score, marked)) = scored(&f.file.title, &[f.file.project.as_str(), name], text)
        else {
            return;
        };
        let day = f.file.date.unwrap_or(f.file.uploaded_at.date_naive());
        self.hits.push(Hit {
            kind: "file",
            id: f.file.sha256.clone(),
            title: f.file.title.clone(),
            highlight: marked,
            score,
            category: f.file.category.clone(),
            year: Some(day.year()),
            project: Some(f.file.project.clone()),
            project_name: Some(f.project_name.clone()),
            access: Some(f.file.access),
            download: Some(if decision == Decision::Read {
                "read"
            } else {
                "ask"
            }),
            bbox: None,
            extent: Some(f.extent),
            href: format!("/v1/files/{}", f.file.sha256),
        });
    }

    fn finish(
        mut self,
        text: Option<SearchText>,
        limit: usize,
        to: &undermap_crs::Transformer,
    ) -> SearchResults {
        // The same bytes filed under two categories of a project are one hit.
        let mut seen = std::collections::HashSet::new();
        self.hits
            .retain(|h| seen.insert((h.kind, h.id.clone(), h.project.clone())));
        let total = self.hits.len();
        let mut facets: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
        for h in &self.hits {
            *facets
                .entry("kind")
                .or_default()
                .entry(h.kind.to_owned())
                .or_default() += 1;
            *facets
                .entry("category")
                .or_default()
                .entry(h.category.clone())
                .or_default() += 1;
            if let Some(y) = h.year {
                *facets
                    .entry("year")
                    .or_default()
                    .entry(y.to_string())
                    .or_default() += 1;
            }
        }
        // Best first; among equals the newer, then by id, so that pages are stable.
        self.hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.year.cmp(&a.year))
                .then_with(|| a.id.cmp(&b.id))
        });
        self.hits.truncate(limit);
        for h in &mut self.hits {
            h.bbox = h.extent.and_then(|e| crs84_box(e, to));
        }
        SearchResults {
            q: text.map(|t| t.to_string()),
            hits: self.hits,
            total,
            total_is_exact: self.exact,
            facets: facets
                .into_iter()
                .map(|(name, counts)| {
                    let mut v: Vec<FacetCount> = counts
                        .into_iter()
                        .map(|(value, count)| FacetCount { value, count })
                        .collect();
                    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                    (name, v)
                })
                .collect(),
            notes: self.notes,
        }
    }
}
