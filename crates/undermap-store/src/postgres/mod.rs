//! The PostGIS store.

mod access;
mod archive;
mod error;
pub use error::PgError;
mod delivery;
pub use delivery::CHANGES_CHANNEL;
mod features;
mod tickets;

crate::owners::sql::owners_store!(PgStore, pool, PgError::db, up, up);
crate::appointments::sql::appointments_store!(PgStore, pool, PgError::db, up, up);
crate::feedback::feedback_store!(PgStore, pool, PgError::db, up, up);
crate::clearance::clearance_store!(PgStore, pool, PgError::db, up, up);
crate::downloads::downloads_store!(PgStore, pool, PgError::db, up, up);
crate::feeds::feeds_store!(PgStore, pool, PgError::db, up, up, "GREATEST");
crate::field_reports::sql::field_reports_store!(
    PgStore,
    pool,
    PgError::db,
    up,
    up,
    "excavation_checks"
);

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};
use undermap_core::{Feature, FeatureId, LayerInfo, TicketId};

use crate::health::{HEARTBEAT, PROBE_TIMEOUT, RETRY};
use crate::{Delivery, DeliveryReport, NewTicket, Result, Store, StoreError, StoreHealth};

/// Asks the database `SELECT 1` on a connection of its own (a busy pool is no outage) every
/// [`HEARTBEAT`] and records the answer in `health`; every [`RETRY`] while it does not answer.
/// Ends when the pool is closed.
async fn heartbeat(pool: PgPool, health: std::sync::Arc<StoreHealth>) {
    use sqlx::Connection;
    let options = pool.connect_options();
    let mut conn: Option<sqlx::PgConnection> = None;
    while !pool.is_closed() {
        let probe = async {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => conn.insert(sqlx::PgConnection::connect_with(&options).await?),
            };
            sqlx::query("SELECT 1").execute(c).await.map(|_| ())
        };
        let up = matches!(tokio::time::timeout(PROBE_TIMEOUT, probe).await, Ok(Ok(())));
        if !up {
            conn = None;
        }
        health.record(up);
        tokio::time::sleep(if up { HEARTBEAT } else { RETRY }).await;
    }
}

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A store on PostgreSQL with PostGIS.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    srid: i32,
    tickets: std::sync::Arc<tickets::Reserved>,
    writer: tickets::Writer,
    health: std::sync::Arc<StoreHealth>,
}

impl PgStore {
    /// Connects, creating the database if it does not exist, and applies pending migrations.
    /// `srid` is the deployment CRS; a database set up for another one is refused.
    pub async fn connect(url: &str, srid: i32) -> Result<Self> {
        if !sqlx::Postgres::database_exists(url)
            .await
            .map_err(PgError::db("checking that the database exists"))?
        {
            tracing::info!("creating database");
            sqlx::Postgres::create_database(url)
                .await
                .map_err(PgError::db("creating the database"))?;
        }
        let pool = pool_options()
            .connect(url)
            .await
            .map_err(PgError::db("connecting"))?;
        MIGRATOR.run(&pool).await?;
        Self::from_pool(pool, srid).await
    }

    /// A streaming replica (hot standby) of an undermap database, for reading: no migration,
    /// nothing recorded. The pool connects lazily, so a replica that is down when a server
    /// starts is simply not read from until it answers. Writes through it fail (the standby
    /// refuses them); a server only reads its index from it.
    pub fn connect_replica(url: &str, srid: i32) -> Result<Self> {
        let pool = pool_options()
            .connect_lazy(url)
            .map_err(PgError::db("connecting to the replica"))?;
        Ok(Self::wrap(pool, srid))
    }

    /// The store over `pool`, with its heartbeat and ticket writer started.
    fn wrap(pool: PgPool, srid: i32) -> Self {
        let health = std::sync::Arc::new(StoreHealth::default());
        tokio::spawn(heartbeat(pool.clone(), std::sync::Arc::clone(&health)));
        Self {
            srid,
            tickets: std::sync::Arc::default(),
            writer: tickets::Writer::spawn(pool.clone(), srid),
            pool,
            health,
        }
    }

    /// Wraps a pool whose database is already migrated (as `#[sqlx::test]` provides).
    pub async fn from_pool(pool: PgPool, srid: i32) -> Result<Self> {
        sqlx::query("INSERT INTO deployment (srid) VALUES ($1) ON CONFLICT (singleton) DO NOTHING")
            .bind(srid)
            .execute(&pool)
            .await
            .map_err(PgError::db("recording the deployment CRS"))?;
        let database: i32 = sqlx::query_scalar("SELECT srid FROM deployment")
            .fetch_one(&pool)
            .await
            .map_err(PgError::db("reading the deployment CRS"))?;
        if database != srid {
            return Err(StoreError::SridMismatch {
                database,
                configured: srid,
            });
        }
        seed_layers(&pool).await?;
        Ok(Self::wrap(pool, srid))
    }

    /// `Ok` unless the heartbeat knows the database is unreachable: then every operation is
    /// refused at once rather than waiting out the pool.
    fn up(&self) -> Result<()> {
        self.health.check()
    }

    /// The connection pool, for tests and tools that compare with PostGIS directly.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The deployment SRID.
    #[must_use]
    pub fn srid(&self) -> i32 {
        self.srid
    }
}

#[async_trait]
impl Store for PgStore {
    #[tracing::instrument(skip(self))]
    async fn layers(&self) -> Result<Vec<LayerInfo>> {
        self.up()?;
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, title, category FROM layers ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(PgError::db("reading layers"))?;
        rows.into_iter().map(crate::record::layer_info).collect()
    }

    #[tracing::instrument(skip(self))]
    async fn current_features(&self) -> Result<Vec<Feature>> {
        self.up()?;
        features::current(&self.pool).await
    }

    #[tracing::instrument(skip(self))]
    async fn features_at(&self, at: DateTime<Utc>) -> Result<Vec<Feature>> {
        self.up()?;
        features::at(&self.pool, at).await
    }

    #[tracing::instrument(skip(self))]
    async fn feature_history(&self, id: &FeatureId) -> Result<Vec<crate::FeatureVersion>> {
        self.up()?;
        features::history(&self.pool, id).await
    }

    #[tracing::instrument(skip(self, delivery), fields(layer = %delivery.layer, features = delivery.features.len()))]
    async fn apply_delivery(&self, delivery: Delivery) -> Result<DeliveryReport> {
        self.up()?;
        delivery::apply(&self.pool, self.srid, delivery).await
    }

    async fn apply_delivery_streamed(
        &self,
        header: Delivery,
        chunks: tokio::sync::mpsc::Receiver<Vec<Feature>>,
        tail: tokio::sync::oneshot::Receiver<usize>,
    ) -> Result<DeliveryReport> {
        self.up()?;
        delivery::apply_streamed(&self.pool, self.srid, header, chunks, tail).await
    }

    async fn last_delivery(&self) -> Result<i64> {
        self.up()?;
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM deliveries")
            .fetch_one(&self.pool)
            .await
            .map_err(PgError::db("reading the last delivery"))
    }

    async fn next_ticket_id(&self, now: DateTime<Utc>) -> Result<TicketId> {
        self.up()?;
        tickets::next_id(&self.pool, &self.tickets, now).await
    }

    #[tracing::instrument(skip(self, ticket), fields(id = %ticket.id))]
    async fn save_ticket(&self, ticket: NewTicket) -> Result<()> {
        self.up()?;
        self.writer.save(ticket).await
    }

    async fn ticket(&self, id: &TicketId) -> Result<Option<String>> {
        self.up()?;
        tickets::get(&self.pool, id).await
    }

    async fn tickets_issued_to(&self, account: &str, limit: usize) -> Result<Vec<String>> {
        self.up()?;
        tickets::issued_to(&self.pool, account, limit).await
    }

    async fn ping(&self) -> Result<()> {
        self.up()?;
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(PgError::db("checking the connection"))?;
        Ok(())
    }

    fn health(&self) -> Option<std::sync::Arc<StoreHealth>> {
        Some(std::sync::Arc::clone(&self.health))
    }

    async fn now(&self) -> Result<DateTime<Utc>> {
        self.up()?;
        sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await
            .map_err(PgError::db("reading the clock"))
    }
}

/// Adds the registry's layers the migrations do not have yet (a department added since), so
/// that a new department is one module and one registry line, not also a migration.
async fn seed_layers(pool: &PgPool) -> Result<()> {
    use undermap_departments::registry;
    let layers = registry::LAYERS;
    let ids: Vec<&str> = layers.iter().map(registry::Layer::id).collect();
    let titles: Vec<&str> = layers.iter().map(|l| l.title).collect();
    let categories: Vec<&str> = layers.iter().map(|l| l.category.as_str()).collect();
    sqlx::query(
        "INSERT INTO layers (id, title, category) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&ids)
    .bind(&titles)
    .bind(&categories)
    .execute(pool)
    .await
    .map_err(PgError::db("adding the registry's layers"))?;
    Ok(())
}

/// The options of the store's connection pool (the tests open theirs with these too).
///
/// No idle timeout and no maximum lifetime: with either, sqlx 0.8 runs a reaper that can spin
/// a core at 100 % for ever once its idle count wraps below zero (launchbadge/sqlx#3645, fixed
/// upstream in #4289, in no 0.8 release). Seen here: an end-to-end test wedged for 18 minutes
/// with the reaper spinning. Sixteen connections kept open are no burden on the server.
#[must_use]
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(16)
        // Short: a write in the moment before the heartbeat notices an outage still gets its
        // 503 within a second (sqlx retries connecting until this runs out).
        .acquire_timeout(Duration::from_secs(1))
        .idle_timeout(None)
        .max_lifetime(None)
}
