use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use geo::{BoundingRect, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;
use undermap_core::{Feature, FeatureId, LayerCategory, LayerId, LayerInfo, Sensitivity};

/// What an R-tree entry points at: the feature's position in [`MapIndex::features`] and its
/// layer's number in [`MapIndex::layer_numbers`], so a query for one layer skips the others
/// without touching their features (each a cache miss). The layer costs no memory: the entry
/// is padded to 40 bytes either way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slot {
    pub(crate) position: u32,
    pub(crate) layer: u16,
}

/// One R-tree entry: a feature's envelope and where to find it.
pub(crate) type Entry = GeomWithData<Rectangle<[f64; 2]>, Slot>;

/// Count and extent of one layer's current features.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    /// The layer's registry entry.
    pub info: LayerInfo,
    /// Current features in it.
    pub count: usize,
    /// Their joint extent in the deployment CRS, if any.
    pub extent: Option<Rect<f64>>,
    /// Earliest `valid_from` among them: where the layer's temporal extent starts.
    pub since: Option<DateTime<Utc>>,
    /// Current features per sensitivity level, in `Sensitivity::ALL` order.
    pub by_sensitivity: [usize; Sensitivity::ALL.len()],
}

impl LayerStats {
    /// Current features of at most `clearance`: what a caller with that clearance counts.
    #[must_use]
    pub fn count_within(&self, clearance: Sensitivity) -> usize {
        Sensitivity::ALL
            .iter()
            .zip(self.by_sensitivity)
            .filter(|(s, _)| **s <= clearance)
            .map(|(_, n)| n)
            .sum()
    }
}

fn level(s: Sensitivity) -> usize {
    Sensitivity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Each build gets the next number: caches keyed by it (tiles) forget a replaced index.
static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Every current feature and an R-tree over their envelopes. Immutable once built.
#[derive(Debug)]
pub struct MapIndex {
    pub(crate) features: Vec<Feature>,
    pub(crate) tree: RTree<Entry>,
    /// Positions in `features`, sorted by feature id: no second copy of a million ids.
    by_id: Vec<u32>,
    /// The same per layer: keyset paging through one collection.
    by_layer: HashMap<LayerId, Vec<u32>>,
    generation: u64,
    pub(crate) layers: HashMap<LayerId, LayerStats>,
    /// Layer numbers used in tree entries.
    pub(crate) layer_numbers: Vec<LayerId>,
    /// Worst recorded horizontal accuracy: how far beyond the buffer a match can reach.
    pub(crate) max_accuracy_m: f64,
    as_of: DateTime<Utc>,
}

impl MapIndex {
    /// Bulk-loads the tree (never one insert at a time). Features with an empty geometry are
    /// skipped with a warning; the store does not produce them.
    #[must_use]
    pub fn build(layers: Vec<LayerInfo>, features: Vec<Feature>, as_of: DateTime<Utc>) -> Self {
        let started = std::time::Instant::now();
        let mut stats: HashMap<LayerId, LayerStats> = layers
            .into_iter()
            .map(|info| {
                (
                    info.id.clone(),
                    LayerStats {
                        info,
                        count: 0,
                        extent: None,
                        since: None,
                        by_sensitivity: [0; Sensitivity::ALL.len()],
                    },
                )
            })
            .collect();
        // Features stay where they are (moving millions of them is gigabytes of copying); the
        // rare one without an extent is dropped in place.
        let mut kept = features;
        kept.retain(|f| {
            let has_extent = f.geometry.bounding_rect().is_some();
            if !has_extent {
                tracing::warn!(id = %f.id, "feature without extent left out of the index");
            }
            has_extent
        });
        if u32::try_from(kept.len()).is_err() {
            tracing::error!("more than 4 billion features; the rest are left out");
            kept.truncate(u32::MAX as usize);
        }
        let mut entries = Vec::with_capacity(kept.len());
        let mut layer_numbers: Vec<LayerId> = Vec::new();
        let mut max_accuracy_m: f64 = 0.0;
        for (position, feature) in kept.iter().enumerate() {
            let Some(rect) = feature.geometry.bounding_rect() else {
                continue;
            };
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            if !stats.contains_key(&feature.layer) {
                // A layer missing from the registry still gets counted, as a network layer.
                stats.insert(
                    feature.layer.clone(),
                    LayerStats {
                        info: LayerInfo {
                            id: feature.layer.clone(),
                            title: feature.layer.to_string(),
                            category: LayerCategory::Network,
                        },
                        count: 0,
                        extent: None,
                        since: None,
                        by_sensitivity: [0; Sensitivity::ALL.len()],
                    },
                );
            }
            let Some(layer) = stats.get_mut(&feature.layer) else {
                continue;
            };
            layer.count += 1;
            layer.by_sensitivity[level(feature.attrs.sensitivity)] += 1;
            layer.extent = Some(match layer.extent {
                None => rect,
                Some(e) => union(e, rect),
            });
            layer.since = Some(match layer.since {
                Some(s) if s <= feature.valid_from => s,
                _ => feature.valid_from,
            });
            if let Some(a) = feature.attrs.position_tolerance_m() {
                max_accuracy_m = max_accuracy_m.max(a);
            }
            let layer = if let Some(n) = layer_numbers.iter().position(|l| *l == feature.layer) {
                n
            } else {
                layer_numbers.push(feature.layer.clone());
                layer_numbers.len() - 1
            };
            entries.push(GeomWithData::new(
                Rectangle::from_corners(rect.min().x_y().into(), rect.max().x_y().into()),
                Slot {
                    position,
                    layer: u16::try_from(layer).unwrap_or(u16::MAX),
                },
            ));
        }
        // The tree and the id order are independent: build them on two cores.
        let (tree, by_id) = std::thread::scope(|scope| {
            let tree = scope.spawn(move || RTree::bulk_load(entries));
            let mut by_id: Vec<u32> = (0..entries_len(&kept)).collect();
            by_id.sort_unstable_by(|&a, &b| kept[a as usize].id.cmp(&kept[b as usize].id));
            let mut by_layer: HashMap<LayerId, Vec<u32>> = HashMap::new();
            for &position in &by_id {
                let layer = &kept[position as usize].layer;
                match by_layer.get_mut(layer) {
                    Some(list) => list.push(position),
                    None => {
                        by_layer.insert(layer.clone(), vec![position]);
                    }
                }
            }
            (
                tree.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                (by_id, by_layer),
            )
        });
        let (by_id, by_layer) = by_id;
        tracing::info!(
            features = kept.len(),
            elapsed_ms = started.elapsed().as_millis(),
            "index built"
        );
        Self {
            features: kept,
            tree,
            by_id,
            by_layer,
            layer_numbers,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            layers: stats,
            max_accuracy_m,
            as_of,
        }
    }

    /// An empty index (before the first load).
    #[must_use]
    pub fn empty() -> Self {
        Self::build(Vec::new(), Vec::new(), DateTime::UNIX_EPOCH)
    }

    /// The current version of a feature.
    #[must_use]
    pub fn get(&self, id: &FeatureId) -> Option<&Feature> {
        self.by_id
            .binary_search_by(|&i| self.features[i as usize].id.cmp(id))
            .ok()
            .map(|pos| &self.features[self.by_id[pos] as usize])
    }

    /// A number no other index built by this process has: a cache key for what is derived
    /// from this index.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A layer's features in ascending id order, starting after `after` (exclusive) if given.
    pub fn layer_ascending<'a>(
        &'a self,
        layer: &LayerId,
        after: Option<&FeatureId>,
    ) -> impl Iterator<Item = &'a Feature> + 'a {
        let list = self.by_layer.get(layer).map_or(&[][..], Vec::as_slice);
        let start = after.map_or(0, |after| {
            list.partition_point(|&i| self.features[i as usize].id <= *after)
        });
        list[start..].iter().map(|&i| &self.features[i as usize])
    }

    /// A layer's features in descending id order, starting before `before` (exclusive).
    pub fn layer_descending<'a>(
        &'a self,
        layer: &LayerId,
        before: &FeatureId,
    ) -> impl Iterator<Item = &'a Feature> + 'a {
        let list = self.by_layer.get(layer).map_or(&[][..], Vec::as_slice);
        let end = list.partition_point(|&i| self.features[i as usize].id < *before);
        list[..end]
            .iter()
            .rev()
            .map(|&i| &self.features[i as usize])
    }

    /// Every feature whose envelope meets `rect` (deployment CRS), in no particular order.
    pub fn in_envelope(&self, rect: Rect<f64>) -> impl Iterator<Item = &Feature> {
        let envelope = rstar::AABB::from_corners(rect.min().x_y().into(), rect.max().x_y().into());
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| &self.features[e.data.position as usize])
    }

    /// The features of one layer whose envelope meets `rect`, each with its envelope as the
    /// tree holds it (no walk over the geometry to compute it again). Other layers' entries are
    /// skipped without touching their features.
    pub fn layer_in_envelope<'a>(
        &'a self,
        layer: &LayerId,
        rect: Rect<f64>,
    ) -> impl Iterator<Item = (Rect<f64>, &'a Feature)> + 'a {
        let envelope = rstar::AABB::from_corners(rect.min().x_y().into(), rect.max().x_y().into());
        let wanted = self
            .layer_numbers
            .iter()
            .position(|l| l == layer)
            .and_then(|n| u16::try_from(n).ok());
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(move |e| Some(e.data.layer) == wanted)
            .map(|e| {
                let (lo, hi) = (e.geom().lower(), e.geom().upper());
                (
                    Rect::new((lo[0], lo[1]), (hi[0], hi[1])),
                    &self.features[e.data.position as usize],
                )
            })
    }

    /// How many features are indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether no feature is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Every indexed feature, in load order.
    #[must_use]
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// Per-layer counts and extents, sorted by layer id.
    #[must_use]
    pub fn layer_stats(&self) -> Vec<&LayerStats> {
        let mut v: Vec<_> = self.layers.values().collect();
        v.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        v
    }

    /// The extent of every layer `include` accepts, together (deployment CRS).
    pub fn joint_extent(&self, include: impl Fn(&LayerStats) -> bool) -> Option<Rect<f64>> {
        self.layers
            .values()
            .filter(|s| include(s))
            .filter_map(|s| s.extent)
            .reduce(union)
    }

    /// Count and extent of one layer.
    #[must_use]
    pub fn layer_stats_of(&self, id: &LayerId) -> Option<&LayerStats> {
        self.layers.get(id)
    }

    /// The registry entry of a layer.
    #[must_use]
    pub fn layer(&self, id: &LayerId) -> Option<&LayerInfo> {
        self.layers.get(id).map(|s| &s.info)
    }

    /// When the data in this index was read from the store.
    #[must_use]
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// Bytes held by the R-tree itself (entries and inner nodes), not by the features.
    #[must_use]
    pub fn tree_bytes(&self) -> usize {
        fn walk(node: &rstar::ParentNode<Entry>) -> usize {
            node.children()
                .iter()
                .map(|child| match child {
                    rstar::RTreeNode::Leaf(_) => std::mem::size_of::<rstar::RTreeNode<Entry>>(),
                    rstar::RTreeNode::Parent(p) => {
                        std::mem::size_of::<rstar::RTreeNode<Entry>>() + walk(p)
                    }
                })
                .sum()
        }
        std::mem::size_of::<RTree<Entry>>() + walk(self.tree.root())
    }
}

fn entries_len(features: &[Feature]) -> u32 {
    // `build` stops before 2^32 features, so this never saturates.
    u32::try_from(features.len()).unwrap_or(u32::MAX)
}

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
        (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::point;
    use undermap_core::{FeatureAttributes, FeatureKind};

    #[test]
    fn finds_by_id_and_counts_layers() {
        let f = |id: &str, layer: &str| {
            Feature::new(
                id.parse().unwrap(),
                layer.parse().unwrap(),
                FeatureKind::Valve,
                point!(x: 1.0, y: 2.0).into(),
                FeatureAttributes::default(),
                DateTime::UNIX_EPOCH,
            )
            .unwrap()
        };
        let idx = MapIndex::build(
            vec![],
            vec![f("b", "water"), f("a", "gas"), f("c", "water")],
            DateTime::UNIX_EPOCH,
        );
        for id in ["a", "b", "c"] {
            assert_eq!(idx.get(&id.parse().unwrap()).unwrap().id.as_str(), id);
        }
        assert!(idx.get(&"d".parse().unwrap()).is_none());
        let counts: Vec<(String, usize)> = idx
            .layer_stats()
            .iter()
            .map(|s| (s.info.id.to_string(), s.count))
            .collect();
        assert_eq!(counts, vec![("gas".into(), 1), ("water".into(), 2)]);
    }

    #[test]
    fn pages_a_layer_by_id_both_ways() {
        let f = |id: &str, layer: &str, x: f64| {
            Feature::new(
                id.parse().unwrap(),
                layer.parse().unwrap(),
                FeatureKind::Valve,
                point!(x: x, y: 0.0).into(),
                FeatureAttributes::default(),
                DateTime::UNIX_EPOCH,
            )
            .unwrap()
        };
        let idx = MapIndex::build(
            vec![],
            vec![
                f("w3", "water", 3.0),
                f("g1", "gas", 1.0),
                f("w1", "water", 1.0),
                f("w2", "water", 2.0),
            ],
            DateTime::UNIX_EPOCH,
        );
        let water: LayerId = "water".parse().unwrap();
        let ids = |it: &mut dyn Iterator<Item = &Feature>| -> Vec<String> {
            it.map(|f| f.id.to_string()).collect()
        };
        assert_eq!(
            ids(&mut idx.layer_ascending(&water, None)),
            ["w1", "w2", "w3"]
        );
        let w1: FeatureId = "w1".parse().unwrap();
        assert_eq!(
            ids(&mut idx.layer_ascending(&water, Some(&w1))),
            ["w2", "w3"]
        );
        let w3: FeatureId = "w3".parse().unwrap();
        assert_eq!(ids(&mut idx.layer_descending(&water, &w3)), ["w2", "w1"]);
        let near = Rect::new((1.5, -1.0), (3.5, 1.0));
        let mut found = ids(&mut idx.in_envelope(near));
        found.sort();
        assert_eq!(found, ["w2", "w3"]);
        assert_ne!(idx.generation(), MapIndex::empty().generation());
        let gas: LayerId = "gas".parse().unwrap();
        let mut it = idx.layer_in_envelope(&gas, Rect::new((0.0, -1.0), (9.0, 1.0)));
        assert_eq!(it.next().map(|(_, f)| f.id.as_str()), Some("g1"));
        assert!(it.next().is_none());
        // The layer number rides in the entry's padding.
        assert_eq!(std::mem::size_of::<Entry>(), 40);
    }
}
