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
