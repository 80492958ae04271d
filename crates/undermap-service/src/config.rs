use undermap_core::{AreaLimits, RiskPolicy};
use undermap_crs::Crs;

/// The rules a deployment sets for its service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// CRS features are stored and indexed in (default EPSG:4545).
    pub deployment_crs: Crs,
    /// Size and vertex limits of an excavation area.
    pub limits: AreaLimits,
    /// Tolerance zone when a request names none, metres.
    pub default_buffer_m: f64,
    /// Largest tolerance zone a request may ask for, metres.
    pub max_buffer_m: f64,
    /// How hits are rated.
    pub policy: RiskPolicy,
    /// Horizontal accuracy assumed for features without one, metres.
    pub unknown_accuracy_m: f64,
    /// Most results a nearest query may ask for.
    pub max_nearest: usize,
    /// Bytes of encoded vector tiles kept in memory.
    pub tile_cache_bytes: usize,
    /// The key tickets are signed with (by default a fresh one for this process: its tickets
    /// then verify only while it runs, so deployments configure a key file).
    pub ticket_signer: crate::TicketSigner,
    /// How long a ticket is valid: working days (Monday to Friday) after the day it is issued,
    /// as the Dutch KLIC practice (default 20).
    pub ticket_validity_working_days: u32,
    /// Local datum transformations for deliveries, and whether ballpark ones are refused.
    pub datums: undermap_crs::Datums,
}

impl ServiceConfig {
    /// The defaults for a deployment CRS: 250,000 m², 10,000 vertices, buffer 1 m (max 50 m),
    /// 0.5 m vertical safety margin, 1 m assumed accuracy where none is recorded.
    #[must_use]
    pub fn new(deployment_crs: Crs) -> Self {
        Self {
            deployment_crs: deployment_crs.gis_order(),
            limits: AreaLimits::default(),
            default_buffer_m: 1.0,
            max_buffer_m: 50.0,
            policy: RiskPolicy::default(),
            unknown_accuracy_m: 1.0,
            max_nearest: 100,
            tile_cache_bytes: 64 << 20,
            ticket_signer: crate::TicketSigner::generate(),
            ticket_validity_working_days: 20,
            datums: undermap_crs::Datums::default(),
        }
    }
}
