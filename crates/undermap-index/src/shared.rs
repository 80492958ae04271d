use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::MapIndex;

/// The index the server answers from. A rebuilt index replaces it in one atomic swap: queries
/// already running keep the snapshot they started with, new ones see the new data.
#[derive(Debug)]
pub struct SharedIndex {
    current: ArcSwap<MapIndex>,
    loaded: std::sync::atomic::AtomicBool,
}

impl Default for SharedIndex {
    fn default() -> Self {
        Self {
            current: ArcSwap::from_pointee(MapIndex::empty()),
            loaded: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl SharedIndex {
    /// The snapshot to answer one request from.
    #[must_use]
    pub fn snapshot(&self) -> Arc<MapIndex> {
        self.current.load_full()
    }

    /// Replaces the index.
    pub fn replace(&self, index: MapIndex) {
        self.current.store(Arc::new(index));
        self.loaded
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether an index has been loaded from the store at least once.
    #[must_use]
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use undermap_core::{Feature, FeatureAttributes, FeatureKind};

    fn index(n: usize) -> MapIndex {
        let features = (0..n)
            .map(|i| {
                #[allow(clippy::cast_precision_loss)]
                let x = i as f64;
                Feature::new(
                    format!("v-{i}").parse().unwrap(),
                    "water".parse().unwrap(),
                    FeatureKind::Valve,
                    geo::point!(x: x, y: 0.0).into(),
                    FeatureAttributes::default(),
                    DateTime::UNIX_EPOCH,
                )
                .unwrap()
            })
            .collect();
        MapIndex::build(vec![], features, DateTime::UNIX_EPOCH)
    }

    #[test]
    fn readers_see_whole_snapshots_while_the_index_is_replaced() {
        let shared = Arc::new(SharedIndex::default());
        shared.replace(index(10));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (shared, stop) = (shared.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut reads = 0u32;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                        let snap = shared.snapshot();
                        let n = snap.len();
                        assert!(n == 10 || n == 20, "a torn index of {n} features");
                        // The tree and the feature list of one snapshot always agree.
                        assert_eq!(
                            snap.nearest(geo::Coord { x: 0.0, y: 0.0 }, 100, |_| true)
                                .len(),
                            n
                        );
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for i in 0..50 {
            shared.replace(index(if i % 2 == 0 { 20 } else { 10 }));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    }
}
