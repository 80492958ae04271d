use chrono::{DateTime, Utc};
use geo_types::MultiPolygon;
use undermap_core::{Feature, FeatureId, LayerId, TicketId};

/// Whether a delivery is the whole layer or only changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    /// The delivery is the whole layer: current features missing from it are retired.
    Full,
    /// The delivery adds and updates; it retires nothing.
    Incremental,
}

impl DeliveryMode {
    /// As stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Incremental => "incremental",
        }
    }
}

/// One department's delivery, validated, ready to load.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The layer loaded.
    pub layer: LayerId,
    /// File name as delivered.
    pub source_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// CRS the file came in.
    pub source_crs: String,
    /// The coordinate operation that converted it to the deployment CRS, per file.
    pub operation: String,
    /// Full or incremental.
    pub mode: DeliveryMode,
    /// Who loaded it.
    pub loaded_by: String,
    /// The archive project it belongs to, if it was delivered for one.
    pub project_code: Option<String>,
    /// The valid features (geometry already in the deployment CRS).
    pub features: Vec<Feature>,
    /// How many records validation rejected before the store saw the delivery.
    pub rejected_before_load: usize,
}

/// A feature the store itself refused (e.g. its id belongs to another layer).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRejection {
    /// The feature.
    pub id: FeatureId,
    /// Why.
    pub reason: String,
}

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryReport {
    /// The delivery's number.
    pub delivery_id: i64,
    /// New features.
    pub inserted: usize,
    /// Features that got a new version.
    pub updated: usize,
    /// Features identical to their current version.
    pub unchanged: usize,
    /// Features retired because a full delivery no longer has them.
    pub retired: usize,
    /// Features refused by the store.
    pub rejected: Vec<StoreRejection>,
}

impl DeliveryReport {
    /// Whether the delivery changed any feature.
    #[must_use]
    pub fn changed_anything(&self) -> bool {
        self.inserted + self.updated + self.retired > 0
    }

    pub(crate) fn log(&self, store: &'static str) {
        tracing::info!(
            store,
            delivery_id = self.delivery_id,
            inserted = self.inserted,
            updated = self.updated,
            unchanged = self.unchanged,
            retired = self.retired,
            rejected = self.rejected.len(),
            "delivery loaded"
        );
    }
}

/// The delivery a feature version came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DeliveryRef {
    /// The delivery's number.
    pub id: i64,
    /// File name(s) as delivered.
    pub source_name: String,
    /// SHA-256 of the files.
    pub sha256: String,
    /// The CRS the files were in.
    pub source_crs: String,
    /// `full` or `incremental`.
    pub mode: String,
    /// Who loaded it.
    pub loaded_by: String,
    /// When.
    pub loaded_at: DateTime<Utc>,
    /// The coordinate operation that converted it (unrecorded before deliveries said so).
    #[sqlx(default)]
    pub operation: Option<String>,
}

/// One version of a feature and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureVersion {
    /// The version (`valid_from`/`valid_to` say when it was current).
    pub feature: Feature,
    /// The delivery that brought it (none for versions written by other means).
    pub delivery: Option<DeliveryRef>,
}

/// A ticket to store.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Its number.
    pub id: TicketId,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// The contractor's reference.
    pub reference: Option<String>,
    /// The account it was issued to (the body's `issued_to`, kept beside it so "my tickets"
    /// needs no parse of every body, and storing one needs none either).
    pub issued_to: Option<String>,
    /// The area checked, in the deployment CRS.
    pub area: MultiPolygon<f64>,
    /// The exact response body.
    pub body: String,
    /// The registered owners it asks to answer, stored with it (their notifications owed).
    pub owners: Vec<crate::TicketOwner>,
    /// An emergency ticket's: when its holder's reason is due.
    pub justify_by: Option<DateTime<Utc>>,
}
