//! Where undermap keeps its data: the layer registry, every version of every feature, the
//! deliveries they came from, and immutable excavation-check tickets.
//!
//! [`Store`] is the one interface the rest of undermap uses; [`PgStore`] implements it on
//! PostGIS. Geometry crosses the boundary as EWKB in the deployment CRS.

mod access;
mod appointments;
mod archive;
pub mod backup;
mod clearance;
mod downloads;
mod error;
mod feedback;
mod feeds;
mod field_reports;
mod files;
mod gpkg;
mod health;
mod owners;
mod plan;
mod postgres;
mod record;
mod ticket_numbers;
mod types;
mod wkb;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use undermap_core::{Feature, FeatureId, LayerInfo, TicketId};

pub use access::{
    chain_hash, valid_account_name, AccessStore, Account, ApiKeyRecord, AuditEvent, AuditQuery,
    AuditRecord, GENESIS,
};
pub use appointments::{
    AppointmentQuery, AppointmentRecord, AppointmentStore, Moved, NewAppointment,
};
pub use archive::legacy::{
    DigitisationCount, LegacyQuery, LegacyRecord, LegacyScan, LegacyStore, NewLegacyRecord,
};
pub use archive::links::{ProjectDelivery, ProjectFeature};
pub use archive::search_sql::{FileSearch, FoundFile};
pub use archive::{
    verify_credit_chain, ArchiveStore, CreditRecord, EventRecord, FileRecord, Intake,
    NewCreditEntry, NewFile, NewProject, NewProjectEvent, ProjectQuery, ProjectRecord,
    ScanMetadata,
};
pub use clearance::{
    ClearanceReportRow, ClearanceReportSummary, ClearanceStore, NewClearanceReport,
};
pub use downloads::{
    DownloadDecision, DownloadRequest, DownloadRequestQuery, DownloadStore, NewDownloadRequest,
};
pub use error::StoreError;
pub use feedback::{FeedbackRecord, FeedbackStore, NewFeedback};
pub use feeds::{
    FeedEvent, FeedStore, NewFeedEvent, NewSubscription, Subscription, SubscriptionOut,
};
pub use field_reports::{
    FieldReportRow, FieldReportStore, NewFieldReport, ReportClaim, ReportQuery,
};
pub use files::{ContentHash, Embedded, FileBytes, FileStore, Sealing, Stored, Synced, Upload};
pub use gpkg::{EmbeddedFile, GpkgError, GpkgSrs, GpkgStore};
pub use health::StoreHealth;
pub use owners::{
    AnswerFile, AttemptOutcome, AttemptRecord, EmergencyRecord, Justification, OwnerRecord,
    OwnersStore, ResponseRecord, TicketOwner, TicketOwnerRow,
};
pub use postgres::{pool_options as pg_pool_options, PgError, PgStore, CHANGES_CHANNEL, MIGRATOR};
pub use types::{
    Delivery, DeliveryMode, DeliveryRef, DeliveryReport, FeatureVersion, NewTicket, StoreRejection,
};

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything undermap asks of a store. Implementations must make each write atomic: a write
/// that fails leaves the store as it was.
#[async_trait]
pub trait Store:
    ArchiveStore
    + OwnersStore
    + FieldReportStore
    + AppointmentStore
    + FeedbackStore
    + DownloadStore
    + FeedStore
    + ClearanceStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// The layer registry.
    async fn layers(&self) -> Result<Vec<LayerInfo>>;

    /// Every feature version current now: what the index is built from.
    async fn current_features(&self) -> Result<Vec<Feature>>;

    /// Every feature version that was current at `at`: the map as it stood then.
    async fn features_at(&self, at: DateTime<Utc>) -> Result<Vec<Feature>>;

    /// Every version of one feature, oldest first, each with the delivery it came from.
    async fn feature_history(&self, id: &FeatureId) -> Result<Vec<FeatureVersion>>;

    /// Loads one delivery in one transaction: new ids are inserted, changed ones get a new version
    /// (the old one closed), unchanged ones are left alone, and in `full` mode current features of
    /// the layer missing from the delivery are retired. Loading the same delivery twice changes
    /// no feature.
    async fn apply_delivery(&self, delivery: Delivery) -> Result<DeliveryReport>;

    /// Loads a delivery whose features arrive in `chunks` while its files are still being read;
    /// `tail` brings the number of records validation rejected once reading has finished. The
    /// same rules and the same single transaction as [`Store::apply_delivery`]; if the chunks end
    /// without a tail (reading failed), nothing is loaded. The default collects every chunk and
    /// then loads; a store that can load while reading overrides it.
    async fn apply_delivery_streamed(
        &self,
        header: Delivery,
        chunks: tokio::sync::mpsc::Receiver<Vec<Feature>>,
        tail: tokio::sync::oneshot::Receiver<usize>,
    ) -> Result<DeliveryReport> {
        let mut header = header;
        let mut chunks = chunks;
        while let Some(chunk) = chunks.recv().await {
            header.features.extend(chunk);
        }
        header.rejected_before_load = tail.await.map_err(|_| {
            StoreError::Write("reading the delivery failed; nothing was loaded".into())
        })?;
        self.apply_delivery(header).await
    }

    /// Reserves the next ticket number.
    async fn next_ticket_id(&self, now: DateTime<Utc>) -> Result<TicketId>;

    /// Stores a ticket; fails if the id exists (tickets are never changed).
    async fn save_ticket(&self, ticket: NewTicket) -> Result<()>;

    /// A stored ticket's body, byte for byte as it was returned.
    async fn ticket(&self, id: &TicketId) -> Result<Option<String>>;

    /// The bodies of the tickets issued to `account`, newest first, at most `limit`.
    async fn tickets_issued_to(&self, account: &str, limit: usize) -> Result<Vec<String>>;

    /// The number of the last delivery recorded (0 if none): it grows with every load, so a
    /// process can tell that another one has changed the map.
    async fn last_delivery(&self) -> Result<i64>;

    /// Whether the store answers.
    async fn ping(&self) -> Result<()>;

    /// The store's current time (so versions and tickets share one clock).
    async fn now(&self) -> Result<DateTime<Utc>>;

    /// What this process knows of the store's reachability; `None` for a store that cannot
    /// go away on its own (a local GeoPackage file).
    fn health(&self) -> Option<std::sync::Arc<StoreHealth>> {
        None
    }
}
