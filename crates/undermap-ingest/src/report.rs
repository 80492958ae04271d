use serde::Serialize;
use undermap_core::LayerId;
use undermap_crs::Crs;
use undermap_store::{Delivery, DeliveryMode};

/// How to read a delivery.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The layer the delivery belongs to.
    pub layer: LayerId,
    /// The file's CRS when the file does not say (or to override what it says).
    pub source_crs: Option<Crs>,
    /// The deployment CRS features are stored in.
    pub deployment_crs: Crs,
    /// Full or incremental delivery.
    pub mode: DeliveryMode,
    /// Who is loading it.
    pub loaded_by: String,
}

/// One record that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The source file.
    pub file: String,
    /// Record number in the file, from 1.
    pub record: usize,
    /// The record's id, if it had a readable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field at fault, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, in words an archivist can act on.
    pub reason: String,
}

/// A delivery read and validated: what to load, and what was rejected.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The valid features, ready for the store.
    pub delivery: Delivery,
    /// Every record that was not loaded.
    pub rejections: Vec<Rejection>,
    /// Records read in all.
    pub records: usize,
}
