//! Selecting one page of a collection from the index, with keyset paging: a page is "the next
//! `limit` matching features after id X" (or before it), so `next`/`prev` links stay correct
//! while deliveries change the map, and no page needs a count of everything before it.

use geo::{BoundingRect, Intersects, Polygon, Rect};
use undermap_core::{Feature, FeatureId, LayerId, View};
use undermap_index::MapIndex;

use crate::cql2::Filter;
use crate::OgcError;

/// A `bbox` in the deployment CRS: the polygon it covers (its edges densified) and its envelope.
#[derive(Debug, Clone)]
pub struct Area {
    polygon: Option<Polygon<f64>>,
    envelope: Option<Rect<f64>>,
    /// An axis-aligned box inside the polygon: a feature whose envelope lies in it is inside
    /// without the exact test, which is most features of a large box.
    inner: Option<Rect<f64>>,
}

impl Area {
    /// The area inside `polygon`.
    #[must_use]
    pub fn new(polygon: Polygon<f64>) -> Self {
        let envelope = polygon.bounding_rect();
        let inner = envelope.and_then(|e| inner_box(&polygon, e));
        Self {
            polygon: Some(polygon),
            envelope,
            inner,
        }
    }

    /// An area that meets nothing (a box outside the deployment's region).
    #[must_use]
    pub fn nothing() -> Self {
        Self {
            polygon: None,
            envelope: None,
            inner: None,
        }
    }

    /// Its envelope; `None` when it meets nothing.
    #[must_use]
    pub fn envelope(&self) -> Option<Rect<f64>> {
        self.envelope
    }

    /// Whether feature `f`, whose envelope is `r`, meets the area.
    fn meets(&self, r: Rect<f64>, f: &Feature) -> bool {
        if let Some(inner) = self.inner {
            if r.min().x >= inner.min().x
                && r.max().x <= inner.max().x
                && r.min().y >= inner.min().y
                && r.max().y <= inner.max().y
            {
                return true;
            }
        }
        self.polygon
            .as_ref()
            .is_some_and(|p| p.intersects(&f.geometry))
    }
}

/// The box bounded by the innermost vertex of each side of a roughly axis-aligned ring (a
/// reprojected box, a little rotated and curved): a vertex belongs to a side when it lies within
/// 2 % of the envelope's size from that side (corners belong to two). The box is kept only if the
/// polygon really contains it (checked once), so an odd shape just loses the shortcut.
fn inner_box(polygon: &Polygon<f64>, e: Rect<f64>) -> Option<Rect<f64>> {
    let (near_x, near_y) = (0.02 * e.width(), 0.02 * e.height());
    let (mut left, mut right) = (e.min().x, e.max().x);
    let (mut bottom, mut top) = (e.min().y, e.max().y);
    for c in &polygon.exterior().0 {
        if c.x - e.min().x <= near_x {
            left = left.max(c.x);
        }
        if e.max().x - c.x <= near_x {
            right = right.min(c.x);
        }
        if c.y - e.min().y <= near_y {
            bottom = bottom.max(c.y);
        }
        if e.max().y - c.y <= near_y {
            top = top.min(c.y);
        }
    }
    let inner = (left < right && bottom < top).then(|| Rect::new((left, bottom), (right, top)))?;
    geo::Contains::contains(polygon, &inner.to_polygon()).then_some(inner)
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
    /// What the caller may see: other features are not selected, and filters see only the
    /// fields it shows (a hidden field reads as missing, so a filter cannot probe it).
    pub view: Option<std::sync::Arc<View>>,
}

impl ItemsRequest {
    /// Whether `f` passes the view and the filter.
    fn selects(&self, f: &Feature) -> bool {
        match &self.view {
            None => self.filter.as_ref().is_none_or(|flt| flt.matches(f)),
            Some(view) => {
                view.sees(f)
                    && self
                        .filter
                        .as_ref()
                        .is_none_or(|flt| flt.matches(&view.redact(f)))
            }
        }
    }
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
        req.bbox
            .as_ref()
            .is_none_or(|a| f.geometry.bounding_rect().is_some_and(|r| a.meets(r, f)))
            && req.selects(f)
    };
    if let Some(envelope) = envelope {
        return spatial_page(index, layer, req, envelope, limit);
    }
    // No spatial constraint: walk the layer in id order from the cursor.
    let unfiltered = req.filter.is_none()
        && req.bbox.is_none()
        && req.view.as_ref().is_none_or(|v| v.sees_whole_layers());
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

/// A page when candidates come from the R-tree: every match is collected (that gives
/// `numberMatched`), but only the page itself is sorted: the `limit` smallest ids after the
/// cursor are picked in linear time, not by sorting every match.
fn spatial_page<'a>(
    index: &'a MapIndex,
    layer: &LayerId,
    req: &ItemsRequest,
    envelope: Rect<f64>,
    limit: usize,
) -> Page<'a> {
    let by_id = |a: &&Feature, b: &&Feature| a.id.cmp(&b.id);
    let mut window: Vec<&Feature> = index
        .layer_in_envelope(layer, envelope)
        .filter(|(rect, f)| req.bbox.as_ref().is_none_or(|a| a.meets(*rect, f)) && req.selects(f))
        .map(|(_, f)| f)
        .collect();
    let matched = window.len();
    let forward = !matches!(req.cursor, Some(Cursor::Before(_)));
    match &req.cursor {
        Some(Cursor::After(id)) => window.retain(|f| f.id > *id),
        Some(Cursor::Before(id)) => window.retain(|f| f.id < *id),
        None => {}
    }
    // Matches on the far side of the cursor: is there a page that way?
    let behind = matched - window.len();
    let more = window.len() > limit;
    if more {
        if forward {
            window.select_nth_unstable_by(limit, by_id);
            window.truncate(limit);
        } else {
            let skip = window.len() - limit;
            window.select_nth_unstable_by(skip, by_id);
            window.drain(..skip);
        }
    }
    window.sort_unstable_by(by_id);
    let first = window.first().map(|f| f.id.clone());
    let last = window.last().map(|f| f.id.clone());
    let (more_after, more_before) = if forward {
        (more, behind > 0)
    } else {
        (behind > 0, more)
    };
    Page {
        features: window,
        number_matched: Some(matched),
        next: last.filter(|_| more_after).map(Cursor::After),
        prev: first.filter(|_| more_before).map(Cursor::Before),
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
                    sensitivity: if i % 3 == 0 {
                        undermap_core::Sensitivity::Restricted
                    } else {
                        undermap_core::Sensitivity::Normal
                    },
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
    fn the_inner_box_lies_inside_a_reprojected_box() {
        let gk = Crs::epsg(4545).unwrap().gis_order();
        let area = crate::params::bbox("108.9,28.4,109.1,28.6", &Crs::crs84(), &gk).unwrap();
        let inner = area.inner.unwrap();
        let polygon = area.polygon.clone().unwrap();
        let inner_polygon = inner.to_polygon();
        assert!(geo::Contains::contains(&polygon, &inner_polygon));
        // Most of the box: the shrink is metres, not kilometres.
        let e = area.envelope.unwrap();
        assert!(inner.width() > e.width() * 0.95 && inner.height() > e.height() * 0.95);
        // A non-convex ring gets no shortcut.
        let l_shape = Polygon::new(
            geo::LineString::from(vec![
                (0.0, 0.0),
                (2.0, 0.0),
                (2.0, 1.0),
                (1.0, 1.0),
                (1.0, 2.0),
                (0.0, 2.0),
                (0.0, 0.0),
            ]),
            vec![],
        );
        assert!(Area::new(l_shape).inner.is_none());
    }

    proptest::proptest! {
        /// Any page size, with or without a filter, a box and a caller's view: following next
        /// links gives every match once in id order, and following prev links back gives the
        /// same. The view (no restricted features, material hidden) leaves out every third
        /// feature, and a filter on the hidden field matches nothing.
        #[test]
        fn walks_equal_a_brute_force_selection(
            n in 0_usize..60,
            limit in 1_usize..9,
            filtered in proptest::bool::ANY,
            boxed in proptest::option::of((0.0_f64..40.0, 0.0_f64..30.0)),
            viewed in proptest::bool::ANY,
        ) {
            let idx = index(n);
            let identity = Transformer::new(&Crs::crs84(), &Crs::crs84()).unwrap();
            let filter = filtered.then(|| Filter::parse("material = 'PE'", &identity).unwrap());
            let bbox = boxed.map(|(x, w)| Area::new(Rect::new((x, -1.0), (x + w, 1.0)).to_polygon()));
            let expected: Vec<String> = idx
                .layer_ascending(&water(), None)
                .filter(|f| !viewed || f.attrs.sensitivity == undermap_core::Sensitivity::Normal)
                .filter(|f| !filtered || (!viewed && f.attrs.material.as_deref() == Some("PE")))
                .filter(|f| boxed.is_none_or(|(x, w)| {
                    let px = geo::CoordsIter::coords_iter(&f.geometry).next().unwrap().x;
                    px >= x && px <= x + w
                }))
                .map(|f| f.id.to_string())
                .collect();
            let view = viewed.then(|| std::sync::Arc::new(View::new(
                None,
                [undermap_core::Field::Material].into_iter().collect(),
                std::collections::BTreeMap::new(),
                undermap_core::Sensitivity::Normal,
            )));
            let (fwd, back) = walk(&idx, ItemsRequest { limit, filter, bbox, cursor: None, view });
            proptest::prop_assert_eq!(&fwd, &expected);
            proptest::prop_assert_eq!(&back, &expected);
        }
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
