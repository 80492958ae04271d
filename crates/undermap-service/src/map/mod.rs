//! The map itself: its layers, single features (now or at a past moment), a feature's history
//! and the features nearest a point.

mod features;
pub(crate) mod history;
mod layers;
mod nearest;

pub use history::parse_at;
pub use layers::LayerSummary;
pub use nearest::{NearestHit, NearestRequest};

use crate::Service;

/// Layers, features, history and nearest: `service.map()`.
#[derive(Debug, Clone, Copy)]
pub struct Map<'a> {
    app: &'a Service,
}

impl Service {
    /// The map's layers and features.
    #[must_use]
    pub fn map(&self) -> Map<'_> {
        Map { app: self }
    }
}
