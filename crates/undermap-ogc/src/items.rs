//! Selecting one page of a collection from the index, with keyset paging: a page is "the next
//! `limit` matching features after id X" (or before it), so `next`/`prev` links stay correct
//! while deliveries change the map, and no page needs a count of everything before it.

use geo::{BoundingRect, Intersects, Polygon, Rect};
use undermap_core::{Feature, FeatureId, LayerId};
use undermap_index::MapIndex;

use crate::cql2::Filter;
use crate::OgcError;

/// A `bbox` in the deployment CRS: the polygon it covers (its edges densified) and its envelope.
#[derive(Debug, Clone)]
pub struct Area {
    polygon: Option<Polygon<f64>>,
    envelope: Option<Rect<f64>>,
}

impl Area {
    /// The area inside `polygon`.
    #[must_use]
    pub fn new(polygon: Polygon<f64>) -> Self {
        let envelope = polygon.bounding_rect();
        Self {
            polygon: Some(polygon),
            envelope,
        }
    }

    /// An area that meets nothing (a box outside the deployment's region).
    #[must_use]
    pub fn nothing() -> Self {
        Self {
            polygon: None,
            envelope: None,
        }
    }

    /// Its envelope; `None` when it meets nothing.
    #[must_use]
    pub fn envelope(&self) -> Option<Rect<f64>> {
        self.envelope
    }

    fn meets(&self, f: &Feature) -> bool {
        self.polygon
            .as_ref()
            .is_some_and(|p| p.intersects(&f.geometry))
    }
}

/// Where a page starts: after or before a feature id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// The features after this id.
    After(FeatureId),
    /// The features before this id.
    Before(FeatureId),
}

impl Cursor {
    /// Reads `after:ID` or `before:ID`.
    pub fn parse(text: &str) -> Result<Self, OgcError> {
        let bad = || {
            OgcError::param(
                "cursor",
                format!("`{text}` is not a cursor from a next or prev link"),
            )
        };
        let (dir, id) = text.split_once(':').ok_or_else(bad)?;
        let id: FeatureId = id.parse().map_err(|_| bad())?;
        match dir {
            "after" => Ok(Self::After(id)),
            "before" => Ok(Self::Before(id)),
            _ => Err(bad()),
        }
    }

    /// The text for a link.
    #[must_use]
    pub fn token(&self) -> String {
        match self {
            Self::After(id) => format!("after:{id}"),
            Self::Before(id) => format!("before:{id}"),
        }
    }
}

/// What to select from one collection.
#[derive(Debug, Default)]
pub struct ItemsRequest {
    /// Only features meeting this area.
    pub bbox: Option<Area>,
    /// Only features passing this filter.
    pub filter: Option<Filter>,
    /// Page size.
    pub limit: usize,
    /// Where the page starts.
    pub cursor: Option<Cursor>,
}

/// One page of matching features, in id order.
#[derive(Debug)]
pub struct Page<'a> {
    /// The features.
    pub features: Vec<&'a Feature>,
    /// How many features match in all, when that costs nothing extra.
    pub number_matched: Option<usize>,
    /// Cursor of the following page, if there is one.
    pub next: Option<Cursor>,
    /// Cursor of the preceding page, if there is one.
    pub prev: Option<Cursor>,
}

/// Selects one page of `layer` from `index`.
#[must_use]
pub fn page<'a>(index: &'a MapIndex, layer: &LayerId, req: &ItemsRequest) -> Page<'a> {
    let limit = req.limit.max(1);
    let filter_envelope = req.filter.as_ref().and_then(Filter::spatial_envelope);
    let bbox_envelope = req.bbox.as_ref().map(Area::envelope);
    let envelope = match (bbox_envelope, filter_envelope) {
        (Some(None), _) => {
            // A box that meets nothing.
            return Page {
                features: Vec::new(),
                number_matched: Some(0),
                next: None,
                prev: None,
            };
        }
        (Some(Some(a)), Some(b)) => intersection(a, b),
        (Some(Some(a)), None) => Some(a),
        (None, b) => b,
    };
    let passes = |f: &Feature| {
        req.bbox.as_ref().is_none_or(|a| a.meets(f))
            && req.filter.as_ref().is_none_or(|flt| flt.matches(f))
    };
    if let Some(envelope) = envelope {
        // Spatial: all candidates from the R-tree, sorted by id, then sliced.
        let mut hits: Vec<&Feature> = index
            .in_envelope(envelope)
            .filter(|f| f.layer == *layer && passes(f))
            .collect();
        hits.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let (start, end) = match &req.cursor {
            None => (0, limit.min(hits.len())),
            Some(Cursor::After(id)) => {
                let s = hits.partition_point(|f| f.id <= *id);
                (s, (s + limit).min(hits.len()))
            }
            Some(Cursor::Before(id)) => {
                let e = hits.partition_point(|f| f.id < *id);
                (e.saturating_sub(limit), e)
            }
        };
        let matched = hits.len();
        let next = (end < matched && end > start).then(|| Cursor::After(hits[end - 1].id.clone()));
        let prev = (start > 0 && start < matched).then(|| Cursor::Before(hits[start].id.clone()));
        hits.truncate(end);
        hits.drain(..start);
        return Page {
            features: hits,
            number_matched: Some(matched),
            next,
            prev,
        };
    }
    // No spatial constraint: walk the layer in id order from the cursor.
    let unfiltered = req.filter.is_none() && req.bbox.is_none();
    let number_matched = unfiltered.then(|| index.layer_stats_of(layer).map_or(0, |s| s.count));
    match &req.cursor {
        Some(Cursor::Before(id)) => {
            let mut back: Vec<&Feature> = index
                .layer_descending(layer, id)
                .filter(|f| passes(f))
                .take(limit + 1)
                .collect();
            let more_before = back.len() > limit;
            back.truncate(limit);
            back.reverse();
            let prev = if more_before {
                back.first().map(|f| Cursor::Before(f.id.clone()))
            } else {
                None
            };
            let next = back.last().and_then(|last| {
                index
                    .layer_ascending(layer, Some(&last.id))
                    .any(passes)
                    .then(|| Cursor::After(last.id.clone()))
            });
            Page {
                features: back,
                number_matched,
                next,
                prev,
            }
        }
        cursor => {
            let after = match cursor {
                Some(Cursor::After(id)) => Some(id),
                _ => None,
            };
            let mut features: Vec<&Feature> = index
                .layer_ascending(layer, after)
                .filter(|f| passes(f))
                .take(limit + 1)
                .collect();
            let more = features.len() > limit;
            features.truncate(limit);
            let next = if more {
                features.last().map(|f| Cursor::After(f.id.clone()))
            } else {
                None
            };
            let prev = match (after, features.first()) {
                (Some(_), Some(first)) => index
                    .layer_descending(layer, &first.id)
                    .any(passes)
                    .then(|| Cursor::Before(first.id.clone())),
                _ => None,
            };
            Page {
                features,
                number_matched,
                next,
                prev,
            }
        }
    }
}

fn intersection(a: Rect<f64>, b: Rect<f64>) -> Option<Rect<f64>> {
    let (x1, y1) = (a.min().x.max(b.min().x), a.min().y.max(b.min().y));
    let (x2, y2) = (a.max().x.min(b.max().x), a.max().y.min(b.max().y));
    (x1 <= x2 && y1 <= y2).then(|| Rect::new((x1, y1), (x2, y2)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use geo::point;
    use undermap_core::{FeatureAttributes, FeatureKind};
    use undermap_crs::{Crs, Transformer};

    fn index(n: usize) -> MapIndex {
        let features = (0..n)
            .map(|i| {
                #[allow(clippy::cast_precision_loss)]
                let x = i as f64;
                let attrs = FeatureAttributes {
                    material: Some(if i % 2 == 0 { "PE" } else { "DI" }.into()),
                    ..FeatureAttributes::default()
                };
                Feature::new(
                    format!("W{i:04}").parse().unwrap(),
                    "water".parse().unwrap(),
                    FeatureKind::Valve,
                    point!(x: x, y: 0.0).into(),
                    attrs,
                    DateTime::UNIX_EPOCH,
                )
                .unwrap()
            })
            .chain(std::iter::once(
                Feature::new(
                    "G1".parse().unwrap(),
                    "gas".parse().unwrap(),
                    FeatureKind::Valve,
                    point!(x: 5.0, y: 0.0).into(),
                    FeatureAttributes::default(),
                    DateTime::UNIX_EPOCH,
                )
                .unwrap(),
            ))
            .collect();
        MapIndex::build(vec![], features, DateTime::UNIX_EPOCH)
    }

    fn ids(p: &Page<'_>) -> Vec<String> {
        p.features.iter().map(|f| f.id.to_string()).collect()
    }

    fn water() -> LayerId {
        "water".parse().unwrap()
    }

    /// Follows `next` links to the end, then `prev` links back from past the last id, and
    /// returns both walks' ids.
    fn walk(idx: &MapIndex, mut req: ItemsRequest) -> (Vec<String>, Vec<String>) {
        let mut forward = Vec::new();
        loop {
            let p = page(idx, &water(), &req);
            forward.extend(ids(&p));
            match p.next {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        let mut backward = Vec::new();
        req.cursor = Some(Cursor::Before("ZZZZ".parse().unwrap()));
        loop {
            let p = page(idx, &water(), &req);
            let mut chunk = ids(&p);
            chunk.extend(backward);
            backward = chunk;
            match p.prev {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        (forward, backward)
    }

    #[test]
    fn keyset_pages_cover_everything_once_both_ways() {
        let idx = index(25);
        let req = ItemsRequest {
            limit: 7,
            ..ItemsRequest::default()
        };
        let (fwd, back) = walk(&idx, req);
        let all: Vec<String> = (0..25).map(|i| format!("W{i:04}")).collect();
        assert_eq!(fwd, all);
        assert_eq!(back, all);
        let first = page(
            &idx,
            &water(),
            &ItemsRequest {
                limit: 7,
                ..ItemsRequest::default()
            },
        );
        assert_eq!(first.number_matched, Some(25));
        assert!(first.prev.is_none());
    }

    #[test]
    fn filtered_and_spatial_pages() {
        let idx = index(25);
        let identity = Transformer::new(&Crs::crs84(), &Crs::crs84()).unwrap();
        let filter = Filter::parse("material = 'PE'", &identity).unwrap();
        let (fwd, back) = walk(
            &idx,
            ItemsRequest {
                limit: 4,
                filter: Some(filter),
                ..ItemsRequest::default()
            },
        );
        let even: Vec<String> = (0..25).step_by(2).map(|i| format!("W{i:04}")).collect();
        assert_eq!(fwd, even);
        assert_eq!(back, even);
        let area = Area::new(Rect::new((2.5, -1.0), (9.5, 1.0)).to_polygon());
        let (fwd, back) = walk(
            &idx,
            ItemsRequest {
                limit: 3,
                bbox: Some(area.clone()),
                ..ItemsRequest::default()
            },
        );
        let inside: Vec<String> = (3..10).map(|i| format!("W{i:04}")).collect();
        assert_eq!(fwd, inside);
        assert_eq!(back, inside);
        let p = page(
            &idx,
            &water(),
            &ItemsRequest {
                limit: 3,
                bbox: Some(area),
                ..ItemsRequest::default()
            },
        );
        assert_eq!(p.number_matched, Some(7));
        // The gas valve at x = 5 is inside the box but not in the collection.
        assert!(p.features.iter().all(|f| f.layer == water()));
    }

    #[test]
    fn a_page_after_a_deleted_id_still_continues() {
        let idx = index(10);
        let p = page(
            &idx,
            &water(),
            &ItemsRequest {
                limit: 3,
                cursor: Some(Cursor::After("W0004x".parse().unwrap())),
                ..ItemsRequest::default()
            },
        );
        assert_eq!(ids(&p), ["W0005", "W0006", "W0007"]);
        assert!(Cursor::parse("sideways:W1").is_err());
        assert_eq!(Cursor::parse("after:W1").unwrap().token(), "after:W1");
    }
}
