//! Emergency queries over the in-memory index and the network graphs built from it: what an
//! incident affects, what to shut for a break and who loses supply, what lies downstream, the
//! network's data quality, and the resilience records (what happened near a place before, the
//! nearest resources, the hotspots). Nothing here touches the store, so it answers while the
//! database is away.

mod downstream;
mod hotspots;
mod impact;
mod isolation;
mod nearby_history;
pub(crate) mod networks;
mod quality;
mod records;
mod resources;

pub use downstream::{DownstreamRequest, DownstreamResponse};
pub use hotspots::{Hotspot, HotspotsRequest, HotspotsResponse, MAX_HOTSPOTS};
pub use impact::{Affected, ImpactRequest, ImpactResponse, OwnerToCall, MAX_INCIDENT_RADIUS_M};
pub use isolation::{BrokenLine, IsolationRequest, IsolationResponse};
pub use nearby_history::{HistoryRequest, HistoryResponse, PastIncident};
pub use networks::STREETS_LAYER;
pub use records::MAX_HISTORY_RADIUS_M;
pub use resources::{
    NearResource, ResourcesRequest, ResourcesResponse, MAX_RESOURCES, MAX_STREET_LEG_M,
};

use crate::Service;

/// Incidents, isolation, downstream traces, quality and the resilience records:
/// `service.emergency()`.
#[derive(Debug, Clone, Copy)]
pub struct Emergency<'a> {
    app: &'a Service,
}

impl Service {
    /// The emergency queries.
    #[must_use]
    pub fn emergency(&self) -> Emergency<'_> {
        Emergency { app: self }
    }
}
