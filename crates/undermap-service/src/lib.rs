//! What undermap does, without HTTP. The `Service` (app.rs) holds the store (persistence), the
//! index (answers) and the deployment's rules; each capability has a folder and a small struct
//! reached from the service: `excavation()` (checks and tickets), `map()` (layers, features,
//! history, nearest), `ogc()` (OGC API – Features), `tiles()` (vector tiles and styles),
//! `emergency()` (incidents, isolation, downstream, quality, resilience records) and
//! `deliveries()`. The HTTP crate only parses and serialises.

mod app;
mod appointments;
mod archive;
mod clearance;
mod deliveries;
mod downloads;
mod emergency;
mod error;
mod excavation;
mod feedback;
mod field_reports;
mod map;
mod ogc;
mod owners;
mod search;
mod shared;
mod subscriptions;
mod tiles;

pub use app::{Readiness, Service, ServiceConfig};
pub use appointments::{Appointments, BookingInput, DayView, SlotView, Visitor, WindowView};
pub use archive::{
    Archive, ArchiveConfig, Bundle, BundleItem, DigitisationStats, Evaluation, EventOut, FileMeta,
    KeptFile, LegacyListQuery, LegacyPage, LegacyRecordPage, LegacyRequest, OverdueProject,
    ProjectOut, ProjectPage, ProjectRequest, ProjectsPage, ProjectsQuery, Rate, Reader,
    RecordedEvent, Scope, TouchingProject, UnitRecord, UnitSummary, DEFAULT_MAX_FILE_BYTES,
};
pub use clearance::{
    Clearance, ClearanceReport, ClearanceRequest, ConflictOut, CrossSection, CrossingOut, Depths,
    FailingSpan, HorizontalOut, Issued, ReportCheck, RuleOut, SectionItem, SortedGeometry,
    TableOut,
};
pub use deliveries::{deliver, Deliveries, DeliveryRequest, Departments};
pub use downloads::{DecisionInput, Downloads, RequestInput};
pub use emergency::{
    Affected, BrokenLine, DownstreamRequest, DownstreamResponse, Emergency, HistoryRequest,
    HistoryResponse, Hotspot, HotspotsRequest, HotspotsResponse, ImpactRequest, ImpactResponse,
    IsolationRequest, IsolationResponse, NearResource, OwnerToCall, PastIncident, ResourcesRequest,
    ResourcesResponse, MAX_HISTORY_RADIUS_M, MAX_HOTSPOTS, MAX_INCIDENT_RADIUS_M, MAX_RESOURCES,
    MAX_STREET_LEG_M, STREETS_LAYER,
};
pub use error::ServiceError;
pub use excavation::{
    canonical, CheckRequest, CheckResponse, Excavation, Hit, OwnerSummary, SignatureError, Summary,
    Ticket, TicketCheck, TicketSignature, TicketSigner, TicketSummary, TicketVerifier, ALGORITHM,
    KEY_ALGORITHM, LEGACY_ALGORITHM,
};
pub use feedback::{FeedbackDesk, FeedbackInput};
pub use field_reports::{
    ClaimInput, FieldReport, FieldReports, ReportInput, StrikeStats, CSV_HEADER,
};
pub use map::{parse_at, LayerSummary, Map, NearestHit, NearestRequest};
pub use ogc::{GeoJsonBody, Ogc};
pub use owners::{
    AskedOwner, Asker, EmergencyStatus, InboxFilter, InboxItem, Links, Notification, NotifiedOwner,
    OwnerInput, Owners, ResponseInput, TicketStatus, SIGNATURE_HEADER,
};
pub use search::{FacetCount, Hit as SearchHit, Search, SearchQuery, SearchResults};
pub use shared::footprint::Footprint;
pub use subscriptions::{wants, Made, SubscriptionInput, Subscriptions, FEED_MEDIA_TYPE, KINDS};
pub use tiles::Tiles;
