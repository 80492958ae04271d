//! Loading a delivery, the same way from the command line and from `POST /v1/deliveries`: read
//! and validate every file (on a blocking thread), refuse everything under `strict` if anything
//! was rejected, load in one store transaction, and summarise.

use std::path::PathBuf;

use undermap_core::Feature;
use undermap_departments::registry::Layer;
use undermap_departments::Department;
use undermap_ingest::{open, prepare, DeliveryMeta, DeliverySummary, IngestOptions, Strictness};
use undermap_store::Store;

use crate::{Service, ServiceError};

/// Loading deliveries: `service.deliveries()`.
#[derive(Debug, Clone, Copy)]
pub struct Deliveries<'a> {
    app: &'a Service,
}

impl Service {
    /// Loading deliveries into the store and the index.
    #[must_use]
    pub fn deliveries(&self) -> Deliveries<'_> {
        Deliveries { app: self }
    }
}

/// The departments a deployment knows, by name: the registry's layers.
#[derive(Debug, Clone, Copy)]
pub struct Departments(pub &'static [Layer]);

impl Departments {
    /// The department called `name`, or a message listing the known ones.
    pub fn get(&self, name: &str) -> Result<&'static Department, ServiceError> {
        self.0
            .iter()
            .map(|l| l.department)
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
        self.0.iter().map(|l| l.department.name).collect()
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
    /// What makes the whole delivery be refused (rejected records, unmapped fields).
    pub strict: Strictness,
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
        mut options,
        strict,
    } = request;
    if let Some(code) = options.project.take() {
        // Kept as parsed: the delivery and every feature name the project exactly.
        options.project = Some(check_project(store, &code).await?);
    }
    // Strict deliveries load nothing whose positions may be metres off.
    options.datums.refuse_ballpark |= strict.records;
    if !strict.any() {
        return deliver_streamed(store, files, department, options, progress).await;
    }
    let prepared = tokio::task::spawn_blocking(move || {
        let mut progress = progress;
        prepare(&files, department, &options, &mut *progress)
    })
    .await
    .map_err(ServiceError::stopped("reading the delivery"))??;
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
    let mut extent = undermap_ingest::Extent::default();
    delivery.features.iter().for_each(|f| extent.add(f));
    let report = store.apply_delivery(delivery).await?;
    let mut summary = DeliverySummary::new(department.name, meta, &report);
    summary.extent = extent.get();
    Ok(summary)
}

/// A delivery may name only a project the archive holds; its code as the archive writes it.
async fn check_project(store: &dyn Store, code: &str) -> Result<String, ServiceError> {
    let parsed: undermap_archive::ProjectCode =
        code.parse().map_err(|e: undermap_archive::ArchiveError| {
            ServiceError::unprocessable("project", e.to_string())
        })?;
    if store.project(&parsed).await?.is_none() {
        return Err(ServiceError::unprocessable(
            "project",
            format!("project {code} is not in the archive: register it first (POST /v1/projects)"),
        ));
    }
    Ok(parsed.to_string())
}

/// Features handed from the reading thread to the store at a time.
const CHUNK: usize = 5_000;

/// Reads on a blocking thread and loads at the same time: the store copies one chunk while the
/// next is being read. Without `strict`, nothing waits for the last record to be read.
async fn deliver_streamed(
    store: &dyn Store,
    files: Vec<PathBuf>,
    department: &'static Department,
    options: IngestOptions,
    progress: Box<dyn FnMut(usize) + Send>,
) -> Result<DeliverySummary, ServiceError> {
    let stopped = ServiceError::stopped("reading the delivery");
    let opened = tokio::task::spawn_blocking(move || open(&files, department, &options))
        .await
        .map_err(stopped)??;
    let header = opened.header.clone();
    let (chunks, arriving) = tokio::sync::mpsc::channel::<Vec<Feature>>(4);
    let (tail, tail_arriving) = tokio::sync::oneshot::channel();
    let reader = tokio::task::spawn_blocking(move || {
        let mut progress = progress;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut extent = undermap_ingest::Extent::default();
        let outcome = {
            let mut emit = |feature: Feature| {
                extent.add(&feature);
                chunk.push(feature);
                if chunk.len() >= CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    // The store stopped listening only if it failed; its error is reported.
                    let _ = chunks.blocking_send(full);
                }
            };
            opened.read(department, &mut *progress, &mut emit)
        };
        if !chunk.is_empty() {
            let _ = chunks.blocking_send(chunk);
        }
        drop(chunks);
        if let Ok(outcome) = &outcome {
            let _ = tail.send(outcome.rejections.len());
        }
        outcome.map(|o| (o, extent))
    });
    let stored = store
        .apply_delivery_streamed(header.clone(), arriving, tail_arriving)
        .await;
    // A reading error explains a failed load better than the store's "reading failed".
    let (outcome, extent) = reader.await.map_err(stopped)??;
    let report = stored?;
    let mut summary = DeliverySummary::new(
        department.name,
        DeliveryMeta::new(&header, outcome),
        &report,
    );
    summary.extent = extent.get();
    Ok(summary)
}

impl Deliveries<'_> {
    /// Loads a delivery and, if it changed anything, rebuilds the index.
    pub async fn deliver(
        &self,
        request: DeliveryRequest,
        progress: Box<dyn FnMut(usize) + Send>,
    ) -> Result<DeliverySummary, ServiceError> {
        let summary = deliver(self.app.store(), request, progress).await?;
        if summary.inserted + summary.updated + summary.retired > 0 {
            self.app.reload().await?;
            self.app
                .subscriptions()
                .publish(undermap_store::NewFeedEvent {
                    kind: "delivery".into(),
                    layer: Some(summary.layer.clone()),
                    category: None,
                    unit: None,
                    access: None,
                    extent: summary.extent,
                    title: format!("{} · {}", summary.layer, summary.files),
                    summary: format!(
                        "delivery {} of {}: {} new, {} changed, {} retired",
                        summary.delivery_id,
                        summary.department,
                        summary.inserted,
                        summary.updated,
                        summary.retired
                    ),
                    link: format!("/ogc/collections/{}", summary.layer),
                    at: chrono::Utc::now(),
                })
                .await;
        }
        Ok(summary)
    }
}
