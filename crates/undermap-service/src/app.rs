//! The `Service`: the state every capability shares (store, index, rules, caches) and how it
//! is made, reloaded and watched. The capabilities are in their folders, each reached through
//! a small struct of its own (`service.excavation()`, `service.map()`, …).

use std::sync::Arc;

use undermap_core::{AreaLimits, RiskPolicy};
use undermap_crs::Crs;
use undermap_index::{MapIndex, SharedIndex};
use undermap_store::Store;

use crate::ServiceError;

/// undermap's use cases over one store and one shared index. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    /// A streaming replica the index is read from, sparing the primary the full reads of every
    /// reload (`serve --read-store`); the primary when it cannot answer.
    read_store: std::sync::OnceLock<Arc<dyn Store>>,
    /// Held by the reload under way.
    reload_lock: tokio::sync::Mutex<()>,
    index: SharedIndex,
    config: ServiceConfig,
    /// Set when the index may be behind the store: a reload failed, or the process that tells
    /// us about other processes' deliveries lost its connection.
    behind: std::sync::atomic::AtomicBool,
    /// Indexes of the map at past moments (`at=`).
    past: crate::map::history::PastMaps,
    /// The last delivery the index includes (read before the features it was built from).
    last_delivery: std::sync::atomic::AtomicI64,
    /// Vector tiles: renderer and cache, made on first use.
    tiles: std::sync::OnceLock<Result<undermap_tiles::TileService, String>>,
    /// Network graphs of the current index, made on first use.
    networks: crate::emergency::networks::NetworkCache,
    /// The archive's last evaluation of its deadlines.
    archive_evaluation: crate::archive::LastEvaluation,
    /// The projects' extents excavation checks look at.
    project_areas: crate::archive::ProjectAreas,
    /// The owners' registry, read from the store.
    owners: crate::owners::registry::Registry,
    /// Woken when a stored ticket owes an owner a notification.
    notifications_owed: tokio::sync::Notify,
    subscribers_owed: tokio::sync::Notify,
    /// The field reports still open, by asset, for checks.
    open_reports: std::sync::RwLock<Arc<crate::field_reports::OpenReports>>,
}

/// What the index is built from, read from `store`: the moment, the last delivery, the layers and
/// the current features.
async fn read_index(
    store: &dyn Store,
) -> Result<
    (
        chrono::DateTime<chrono::Utc>,
        i64,
        Vec<undermap_core::LayerInfo>,
        Vec<undermap_core::Feature>,
    ),
    undermap_store::StoreError,
> {
    let as_of = store.now().await?;
    let last_delivery = store.last_delivery().await?;
    let layers = store.layers().await?;
    let features = store.current_features().await?;
    Ok((as_of, last_delivery, layers, features))
}

/// How long `/readyz` waits for the store before calling it unreachable.
const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl Service {
    /// A service over a store; call [`Service::reload`] before answering queries.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, config: ServiceConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                read_store: std::sync::OnceLock::new(),
                reload_lock: tokio::sync::Mutex::new(()),
                index: SharedIndex::default(),
                config,
                behind: std::sync::atomic::AtomicBool::new(false),
                past: crate::map::history::PastMaps::default(),
                last_delivery: std::sync::atomic::AtomicI64::new(-1),
                tiles: std::sync::OnceLock::new(),
                networks: crate::emergency::networks::NetworkCache::default(),
                archive_evaluation: crate::archive::LastEvaluation::default(),
                project_areas: crate::archive::ProjectAreas::default(),
                owners: crate::owners::registry::Registry::default(),
                notifications_owed: tokio::sync::Notify::new(),
                subscribers_owed: tokio::sync::Notify::new(),
                open_reports: std::sync::RwLock::default(),
            }),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Reads the index from `replica` from now on (a streaming replica of the store: writes
    /// and everything else still go to the store). Set once, before serving.
    pub fn read_index_from(&self, replica: Arc<dyn Store>) {
        if self.inner.read_store.set(replica).is_err() {
            tracing::warn!("the index's read store was set already; keeping the first");
        }
    }

    /// Where the index is read from: the read store when one is set.
    #[must_use]
    pub fn index_source(&self) -> &dyn Store {
        self.inner
            .read_store
            .get()
            .map_or(self.store(), |r| r.as_ref())
    }

    /// The owners' registry as last read.
    pub(crate) fn owner_registry(&self) -> &crate::owners::registry::Registry {
        &self.inner.owners
    }

    /// The field reports still open, by asset.
    pub(crate) fn open_reports(&self) -> Arc<crate::field_reports::OpenReports> {
        Arc::clone(
            &self
                .inner
                .open_reports
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    pub(crate) fn set_open_reports(&self, open: crate::field_reports::OpenReports) {
        *self
            .inner
            .open_reports
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(open);
    }

    /// Wakes the sender of owners' notifications.
    pub(crate) fn notifications_owed(&self) -> &tokio::sync::Notify {
        &self.inner.notifications_owed
    }

    /// Woken when a feed event is appended: the subscriptions' webhooks may be owed it.
    pub(crate) fn subscribers_owed(&self) -> &tokio::sync::Notify {
        &self.inner.subscribers_owed
    }

    /// The index answers come from.
    #[must_use]
    pub fn index(&self) -> &SharedIndex {
        &self.inner.index
    }

    /// The last delivery the index includes (-1 before the first load).
    #[must_use]
    pub fn last_delivery(&self) -> i64 {
        self.inner
            .last_delivery
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn past_maps(&self) -> &crate::map::history::PastMaps {
        &self.inner.past
    }

    pub(crate) fn archive_evaluation(&self) -> &crate::archive::LastEvaluation {
        &self.inner.archive_evaluation
    }

    pub(crate) fn project_areas(&self) -> &crate::archive::ProjectAreas {
        &self.inner.project_areas
    }

    pub(crate) fn network_cache(&self) -> &crate::emergency::networks::NetworkCache {
        &self.inner.networks
    }

    pub(crate) fn tile_service(&self) -> Result<&undermap_tiles::TileService, ServiceError> {
        self.inner
            .tiles
            .get_or_init(|| {
                undermap_tiles::TileService::new(
                    &self.inner.config.deployment_crs,
                    self.inner.config.tile_cache_bytes,
                )
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|reason| ServiceError::internal("setting up tiles", reason))
    }

    /// The deployment's rules.
    #[must_use]
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Marks the index as possibly behind the store (or caught up again).
    pub fn set_behind(&self, behind: bool) {
        self.inner
            .behind
            .store(behind, std::sync::atomic::Ordering::Release);
    }

    /// Whether answers may miss changes already in the store (`stale: true` in check bodies).
    #[must_use]
    pub fn is_behind(&self) -> bool {
        self.inner.behind.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Reads every current feature from the store, builds a new index and swaps it in. Queries
    /// keep answering from the old index until the swap. On failure the old index keeps
    /// answering and the service reports itself stale until a reload succeeds.
    #[tracing::instrument(skip(self))]
    pub async fn reload(&self) -> Result<usize, ServiceError> {
        // One reload at a time (a notification and the replica's poller may ask at once): a
        // later one then never swaps in an older map.
        let _one = self.inner.reload_lock.lock().await;
        let result = self.reload_inner().await;
        self.set_behind(result.as_ref().map_or(true, |(_, behind)| *behind));
        result.map(|(n, _)| n)
    }

    /// The features loaded, and whether the index is behind the primary (read from a replica
    /// that has not yet received every delivery: answers say `stale` until it has).
    async fn reload_inner(&self) -> Result<(usize, bool), ServiceError> {
        let started = std::time::Instant::now();
        let replica = self.inner.read_store.get().is_some();
        let (as_of, last_delivery, layers, features) = match read_index(self.index_source()).await {
            Ok(read) => read,
            Err(e) if replica => {
                tracing::warn!(error = %e, "the read store did not answer; reading the index from the primary");
                read_index(self.store()).await?
            }
            Err(e) => return Err(e.into()),
        };
        let behind = if replica {
            match self.store().last_delivery().await {
                Ok(primary) if primary > last_delivery => {
                    tracing::info!(
                        replica = last_delivery,
                        primary,
                        "the replica lags the primary; the index is marked stale until it catches up"
                    );
                    true
                }
                _ => false,
            }
        } else {
            false
        };
        let read_ms = started.elapsed().as_millis();
        // Building is CPU work of seconds at city scale: keep it off the async workers.
        let index = tokio::task::spawn_blocking(move || MapIndex::build(layers, features, as_of))
            .await
            .map_err(ServiceError::stopped("building the index"))?;
        let n = index.len();
        self.index().replace(index);
        // The owners' registry informs checks; a copy made before owners were registered has
        // none, and the map still answers.
        if let Err(e) = self.owners().refresh().await {
            tracing::warn!(error = %e, "owners' registry not read");
        }
        if let Err(e) = self.field_reports().refresh().await {
            tracing::warn!(error = %e, "open field reports not read");
        }
        self.past_maps().clear();
        self.inner
            .last_delivery
            .store(last_delivery, std::sync::atomic::Ordering::Release);
        tracing::info!(
            features = n,
            read_ms,
            build_ms = started.elapsed().as_millis() - read_ms,
            "index reloaded"
        );
        Ok((n, behind))
    }

    /// Reloads the index only if the store has deliveries it does not include; either way the
    /// service is caught up afterwards (`stale` cleared). For reconnects and recoveries, when
    /// a notification may have been missed but most often nothing changed.
    pub async fn refresh(&self) -> Result<usize, ServiceError> {
        match self.store().last_delivery().await {
            Ok(last) if last == self.last_delivery() && self.index().is_loaded() => {
                self.set_behind(false);
                Ok(self.index().snapshot().len())
            }
            _ => self.reload().await,
        }
    }

    /// Catches up on its own when the store becomes reachable again after an outage (the
    /// store's heartbeat tells): `/readyz` says `ready` and answers lose `stale` without a
    /// restart. Call once, on a Tokio runtime; a store that cannot go away needs nothing.
    pub fn watch_store(&self) {
        let Some(health) = self.store().health() else {
            return;
        };
        let mut changes = health.subscribe();
        let service = self.clone();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let up = *changes.borrow_and_update();
                if !up {
                    continue;
                }
                match service.refresh().await {
                    Ok(n) => tracing::info!(features = n, "caught up after the store came back"),
                    Err(e) => tracing::warn!(error = %e, "catching up after the outage failed"),
                }
            }
        });
    }

    /// Whether the service can answer: the store is reachable and an index is loaded. Answers
    /// at once while the store's heartbeat knows it is down.
    pub async fn readiness(&self) -> Readiness {
        let known_down = self.store().health().is_some_and(|h| h.is_down());
        let reachable = !known_down
            && matches!(
                tokio::time::timeout(PING_TIMEOUT, self.store().ping()).await,
                Ok(Ok(()))
            );
        let index = self.index().snapshot();
        Readiness {
            store_reachable: reachable,
            index_loaded: self.index().is_loaded(),
            features: index.len(),
            data_as_of: index.as_of(),
            stale: self.is_behind(),
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
    /// When the index's data was read from the store.
    pub data_as_of: chrono::DateTime<chrono::Utc>,
    /// The index may be behind the store.
    pub stale: bool,
}

impl Readiness {
    /// `ready`: store and index fine; `degraded`: reads answer from the index but the store is
    /// unreachable or the index may be behind, so writes (tickets, deliveries) fail with 503;
    /// `not_ready`: no index yet.
    #[must_use]
    pub fn state(&self) -> &'static str {
        match (self.index_loaded, self.store_reachable && !self.stale) {
            (false, _) => "not_ready",
            (true, true) => "ready",
            (true, false) => "degraded",
        }
    }
}

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
    /// How long a ticket is valid: working days (on `calendar`) after a dig's planned start or
    /// an orientation's day of issue, as the Dutch KLIC practice (default 20).
    pub ticket_validity_working_days: u32,
    /// Which days are working days (China's holidays and make-up days by year).
    pub calendar: undermap_core::WorkingCalendar,
    /// The rules of each type of ticket: area, start window.
    pub ticket_rules: undermap_core::TicketRules,
    /// Local datum transformations for deliveries, and whether ballpark ones are refused.
    pub datums: undermap_crs::Datums,
    /// The construction-project archive's rules and file store.
    pub archive: crate::ArchiveConfig,
    /// The clearance table planned routes are checked against (GB 50289; data/clearance/).
    pub clearance: std::sync::Arc<undermap_clearance::ClearanceTable>,
}

impl ServiceConfig {
    /// The deployment's local date at `now` (`archive.utc_offset_hours` east of UTC).
    #[must_use]
    pub fn local_date(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        (now + chrono::Duration::hours(i64::from(self.archive.utc_offset_hours))).date_naive()
    }

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
            calendar: undermap_core::WorkingCalendar::builtin(),
            ticket_rules: undermap_core::TicketRules::default(),
            datums: undermap_crs::Datums::default(),
            archive: crate::ArchiveConfig::default(),
            clearance: std::sync::Arc::new(undermap_clearance::ClearanceTable::builtin()),
        }
    }
}
