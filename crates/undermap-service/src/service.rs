use std::sync::Arc;

use undermap_index::{MapIndex, SharedIndex};
use undermap_ingest::Prepared;
use undermap_store::{DeliveryReport, Store};

use crate::{ServiceConfig, ServiceError};

/// undermap's use cases over one store and one shared index. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    index: SharedIndex,
    config: ServiceConfig,
}

impl Service {
    /// A service over a store; call [`Service::reload`] before answering queries.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, config: ServiceConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                index: SharedIndex::default(),
                config,
            }),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The index answers come from.
    #[must_use]
    pub fn index(&self) -> &SharedIndex {
        &self.inner.index
    }

    /// The deployment's rules.
    #[must_use]
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Reads every current feature from the store, builds a new index and swaps it in. Queries
    /// keep answering from the old index until the swap.
    #[tracing::instrument(skip(self))]
    pub async fn reload(&self) -> Result<usize, ServiceError> {
        let as_of = self.store().now().await?;
        let layers = self.store().layers().await?;
        let features = self.store().current_features().await?;
        // Building is CPU work of seconds at city scale: keep it off the async workers.
        let index = tokio::task::spawn_blocking(move || MapIndex::build(layers, features, as_of))
            .await
            .map_err(|e| ServiceError::bad("index", format!("index build failed: {e}")))?;
        let n = index.len();
        self.index().replace(index);
        Ok(n)
    }

    /// Loads a prepared delivery and, if it changed anything, rebuilds the index.
    #[tracing::instrument(skip(self, prepared), fields(file = %prepared.delivery.source_name))]
    pub async fn load(&self, prepared: Prepared) -> Result<DeliveryReport, ServiceError> {
        let report = self.store().apply_delivery(prepared.delivery).await?;
        if report.changed_anything() {
            self.reload().await?;
        }
        Ok(report)
    }

    /// Whether the service can answer: the store is reachable and an index is loaded.
    pub async fn readiness(&self) -> Readiness {
        Readiness {
            store_reachable: self.store().ping().await.is_ok(),
            index_loaded: self.index().is_loaded(),
            features: self.index().snapshot().len(),
        }
    }
}

/// What `/readyz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Readiness {
    /// The store answers.
    pub store_reachable: bool,
    /// The index has been loaded.
    pub index_loaded: bool,
    /// Features in the index.
    pub features: usize,
}

impl Readiness {
    /// Ready to serve.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.store_reachable && self.index_loaded
    }
}
