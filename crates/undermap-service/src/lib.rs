//! What undermap does, without HTTP: the excavation check and its tickets, nearest features,
//! layers, single features and deliveries. It composes the store (persistence), the index
//! (answers) and PROJ (coordinates in and out). The HTTP crate only parses and serialises.

mod config;
mod deliver;
mod error;
mod excavation;
mod footprint;
mod geometry_out;
mod history;
mod incidents;
mod layers;
mod nearest;
mod ogc;
mod resilience;
mod service;
mod signing;
mod ticket_text;

pub use config::ServiceConfig;
pub use deliver::{deliver, DeliveryRequest, Departments};
pub use error::ServiceError;
pub use excavation::{
    add_working_days, CheckRequest, CheckResponse, Hit, OwnerSummary, Summary, TicketCheck,
    TicketSummary,
};
pub use history::parse_at;
pub use incidents::{
    Affected, BrokenLine, DownstreamRequest, DownstreamResponse, ImpactRequest, ImpactResponse,
    IsolationRequest, IsolationResponse, OwnerToCall, MAX_INCIDENT_RADIUS_M,
};
pub use layers::LayerSummary;
pub use nearest::{NearestHit, NearestRequest};
pub use ogc::GeoJsonBody;
pub use resilience::{
    HistoryRequest, HistoryResponse, Hotspot, HotspotsRequest, HotspotsResponse, NearResource,
    PastIncident, ResourcesRequest, ResourcesResponse, MAX_HISTORY_RADIUS_M, MAX_HOTSPOTS,
    MAX_RESOURCES,
};
pub use service::{Readiness, Service};
pub use signing::{
    canonical, SignatureError, TicketSignature, TicketSigner, TicketVerifier, ALGORITHM,
    KEY_ALGORITHM, LEGACY_ALGORITHM,
};
