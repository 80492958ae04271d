//! The PostGIS store.

mod access;
mod delivery;
pub use delivery::CHANGES_CHANNEL;
mod features;
mod tickets;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};
use undermap_core::{Feature, FeatureId, LayerInfo, TicketId};

use crate::{Delivery, DeliveryReport, NewTicket, Result, Store, StoreError};

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A store on PostgreSQL with PostGIS.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    srid: i32,
    tickets: std::sync::Arc<tickets::Reserved>,
    writer: tickets::Writer,
}

impl PgStore {
    /// Connects, creating the database if it does not exist, and applies pending migrations.
    /// `srid` is the deployment CRS; a database set up for another one is refused.
    pub async fn connect(url: &str, srid: i32) -> Result<Self> {
        if !sqlx::Postgres::database_exists(url)
            .await
            .map_err(StoreError::db("checking that the database exists"))?
        {
            tracing::info!("creating database");
            sqlx::Postgres::create_database(url)
                .await
                .map_err(StoreError::db("creating the database"))?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Short: when the database is down, writes should fail fast with 503 rather than hang.
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await
            .map_err(StoreError::db("connecting"))?;
        MIGRATOR.run(&pool).await?;
        Self::from_pool(pool, srid).await
    }

    /// Wraps a pool whose database is already migrated (as `#[sqlx::test]` provides).
    pub async fn from_pool(pool: PgPool, srid: i32) -> Result<Self> {
        sqlx::query("INSERT INTO deployment (srid) VALUES ($1) ON CONFLICT (singleton) DO NOTHING")
            .bind(srid)
            .execute(&pool)
            .await
            .map_err(StoreError::db("recording the deployment CRS"))?;
        let database: i32 = sqlx::query_scalar("SELECT srid FROM deployment")
            .fetch_one(&pool)
            .await
            .map_err(StoreError::db("reading the deployment CRS"))?;
        if database != srid {
            return Err(StoreError::SridMismatch {
                database,
                configured: srid,
            });
        }
        Ok(Self {
            srid,
            tickets: std::sync::Arc::default(),
            writer: tickets::Writer::spawn(pool.clone(), srid),
            pool,
        })
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
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, title, category FROM layers ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading layers"))?;
        rows.into_iter().map(crate::record::layer_info).collect()
    }

    #[tracing::instrument(skip(self))]
    async fn current_features(&self) -> Result<Vec<Feature>> {
        features::current(&self.pool).await
    }

    #[tracing::instrument(skip(self))]
    async fn features_at(&self, at: DateTime<Utc>) -> Result<Vec<Feature>> {
        features::at(&self.pool, at).await
    }

    #[tracing::instrument(skip(self))]
    async fn feature_history(&self, id: &FeatureId) -> Result<Vec<crate::FeatureVersion>> {
        features::history(&self.pool, id).await
    }

    #[tracing::instrument(skip(self, delivery), fields(layer = %delivery.layer, features = delivery.features.len()))]
    async fn apply_delivery(&self, delivery: Delivery) -> Result<DeliveryReport> {
        delivery::apply(&self.pool, self.srid, delivery).await
    }

    async fn apply_delivery_streamed(
        &self,
        header: Delivery,
        chunks: tokio::sync::mpsc::Receiver<Vec<Feature>>,
        tail: tokio::sync::oneshot::Receiver<usize>,
    ) -> Result<DeliveryReport> {
        delivery::apply_streamed(&self.pool, self.srid, header, chunks, tail).await
    }

    async fn last_delivery(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM deliveries")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::db("reading the last delivery"))
    }

    async fn next_ticket_id(&self, now: DateTime<Utc>) -> Result<TicketId> {
        tickets::next_id(&self.pool, &self.tickets, now).await
    }

    #[tracing::instrument(skip(self, ticket), fields(id = %ticket.id))]
    async fn save_ticket(&self, ticket: NewTicket) -> Result<()> {
        self.writer.save(ticket).await
    }

    async fn ticket(&self, id: &TicketId) -> Result<Option<String>> {
        tickets::get(&self.pool, id).await
    }

    async fn tickets_issued_to(&self, account: &str, limit: usize) -> Result<Vec<String>> {
        tickets::issued_to(&self.pool, account, limit).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::db("checking the connection"))?;
        Ok(())
    }

    async fn now(&self) -> Result<DateTime<Utc>> {
        sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::db("reading the clock"))
    }
}
