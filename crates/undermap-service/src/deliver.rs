//! Loading a delivery, the same way from the command line and from `POST /v1/deliveries`: read
//! and validate every file (on a blocking thread), refuse everything under `strict` if anything
//! was rejected, load in one store transaction, and summarise.

use std::path::PathBuf;

use undermap_ingest::{prepare, DeliverySummary, Department, IngestOptions};
use undermap_store::Store;

use crate::{Service, ServiceError};

/// The departments a deployment knows, by name.
#[derive(Debug, Clone, Copy)]
pub struct Departments(pub &'static [&'static Department]);

impl Departments {
    /// The department called `name`, or a message listing the known ones.
    pub fn get(&self, name: &str) -> Result<&'static Department, ServiceError> {
        self.0
            .iter()
            .copied()
            .find(|d| d.name == name)
            .ok_or_else(|| {
                ServiceError::unprocessable(
                    "department",
                    format!(
                        "unknown department {name:?}; known: {}",
                        self.names().join(", ")
                    ),
                )
            })
    }

    /// Every department's name.
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|d| d.name).collect()
    }
}

/// What to load.
#[derive(Debug)]
pub struct DeliveryRequest {
    /// The files of the delivery.
    pub files: Vec<PathBuf>,
    /// Whose delivery it is.
    pub department: &'static Department,
    /// How to read it.
    pub options: IngestOptions,
    /// Load nothing if any record is rejected.
    pub strict: bool,
}

/// Reads, validates and loads a delivery into `store`. `progress` hears the records read so far.
/// A delivery refused under `strict` is not an error here: the summary says so (`refused`) and
/// lists every rejection, so that the caller can report them.
pub async fn deliver(
    store: &dyn Store,
    request: DeliveryRequest,
    progress: Box<dyn FnMut(usize) + Send>,
) -> Result<DeliverySummary, ServiceError> {
    let DeliveryRequest {
        files,
        department,
        options,
        strict,
    } = request;
    let prepared = tokio::task::spawn_blocking(move || {
        let mut progress = progress;
        prepare(&files, department, &options, &mut *progress)
    })
    .await
    .map_err(|e| ServiceError::bad("files", format!("reading the delivery stopped: {e}")))??;
    if let Err(refusal) = prepared.check_strict(strict) {
        let (_, meta) = prepared.split();
        tracing::warn!(error = %refusal, "delivery refused");
        return Ok(DeliverySummary::refused(
            department.name,
            meta,
            refusal.to_string(),
        ));
    }
    let (delivery, meta) = prepared.split();
    let report = store.apply_delivery(delivery).await?;
    Ok(DeliverySummary::new(department.name, meta, &report))
}

impl Service {
    /// Loads a delivery and, if it changed anything, rebuilds the index.
    pub async fn deliver(
        &self,
        request: DeliveryRequest,
        progress: Box<dyn FnMut(usize) + Send>,
    ) -> Result<DeliverySummary, ServiceError> {
        let summary = deliver(self.store(), request, progress).await?;
        if summary.inserted + summary.updated + summary.retired > 0 {
            self.reload().await?;
        }
        Ok(summary)
    }
}
