use std::collections::BinaryHeap;

use geo::{Coord, Distance, Euclidean, Geometry, Point};
use undermap_core::Feature;

use crate::MapIndex;

/// A feature and its distance from the query point in metres.
#[derive(Debug, Clone)]
pub struct Nearest<'a> {
    /// The feature.
    pub feature: &'a Feature,
    /// Exact distance from the point to the geometry, metres.
    pub distance_m: f64,
}

#[derive(PartialEq)]
struct ByDistance(f64, u32);
impl Eq for ByDistance {}
impl PartialOrd for ByDistance {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByDistance {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl MapIndex {
    /// The `k` features nearest to `point` by exact distance to their geometry, nearest first,
    /// among those `keep` accepts (layers asked for, what the caller may see).
    ///
    /// Envelopes are visited in order of their distance, which never exceeds the true distance,
    /// so the walk stops as soon as the next envelope is further than the k-th best match.
    #[must_use]
    pub fn nearest(
        &self,
        point: Coord<f64>,
        k: usize,
        keep: impl Fn(&Feature) -> bool,
    ) -> Vec<Nearest<'_>> {
        if k == 0 {
            return Vec::new();
        }
        let p = Point(point);
        let mut best: BinaryHeap<ByDistance> = BinaryHeap::with_capacity(k + 1);
        for (entry, envelope_d2) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&[point.x, point.y])
        {
            if best.len() == k && best.peek().is_some_and(|w| envelope_d2.sqrt() > w.0) {
                break;
            }
            let feature = &self.features[entry.data.position as usize];
            if !keep(feature) {
                continue;
            }
            let d = Euclidean::distance(&Geometry::Point(p), &feature.geometry);
            best.push(ByDistance(d, entry.data.position));
            if best.len() > k {
                best.pop();
            }
        }
        let mut out: Vec<Nearest<'_>> = best
            .into_iter()
            .map(|ByDistance(d, i)| Nearest {
                feature: &self.features[i as usize],
                distance_m: d,
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| a.feature.id.cmp(&b.feature.id))
        });
        out
    }
}
