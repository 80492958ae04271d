//! Map features in the archive search: those the caller's view sees whose id, archive
//! reference, project code or delivered text attributes (a road name, a survey number) hold the
//! text. Read from the in-memory map, every feature once: a linear pass over the current
//! index, at most [`MAX_HITS`] kept.

use chrono::Datelike;
use undermap_archive::search::{highlight, rank};
use undermap_archive::SearchText;
use undermap_core::{Feature, View};
use undermap_index::MapIndex;

use super::{Hit, SearchQuery};

/// Most features a search lists.
pub(super) const MAX_HITS: usize = 200;

/// The texts of a feature a search reads, with how much a match in each counts.
fn texts(f: &Feature) -> impl Iterator<Item = (&str, f64)> {
    let id = std::iter::once((f.id.as_str(), 1.0));
    let archive = f.attrs.archive_ref.as_deref().map(|r| (r, 0.95));
    let extra = f
        .attrs
        .extra
        .values()
        .filter_map(|v| v.as_str())
        .map(|s| (s, 0.9));
    id.chain(archive).chain(extra)
}

/// The features matching `text`, ranked.
pub(super) fn search(
    index: &MapIndex,
    text: &SearchText,
    view: &View,
    query: &SearchQuery,
    bbox: Option<[f64; 4]>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for f in index.features() {
        if hits.len() >= MAX_HITS {
            break;
        }
        if !view.sees(f) {
            continue;
        }
        if query
            .category
            .as_deref()
            .is_some_and(|c| c != f.layer.as_str())
        {
            continue;
        }
        let Some(extent) = geo::BoundingRect::bounding_rect(&f.geometry) else {
            continue;
        };
        let e = [
            extent.min().x,
            extent.min().y,
            extent.max().x,
            extent.max().y,
        ];
        if bbox.is_some_and(|b| e[2] < b[0] || e[3] < b[1] || e[0] > b[2] || e[1] > b[3]) {
            continue;
        }
        let day = f.attrs.survey_date;
        if let (Some(from), Some(d)) = (query.from, day) {
            if d < from {
                continue;
            }
        }
        if let (Some(to_day), Some(d)) = (query.to, day) {
            if d > to_day {
                continue;
            }
        }
        // A redacted field is not searched: a hidden archive reference must not be found.
        let seen = view.redact(f);
        let best = texts(&seen)
            .filter_map(|(t, weight)| rank(t, text).map(|r| (r * weight, t)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((score, matched)) = best else {
            continue;
        };
        hits.push(Hit {
            kind: "feature",
            id: f.id.to_string(),
            title: format!("{} {}", f.layer, f.id),
            highlight: highlight(matched, text),
            score,
            category: f.layer.to_string(),
            year: day.map(|d| d.year()),
            project: seen
                .attrs
                .extra
                .get(undermap_core::PROJECT_CODE)
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            project_name: None,
            access: None,
            download: None,
            bbox: None,
            extent: Some(e),
            href: format!("/v1/features/{}", f.id),
        });
    }
    hits
}
