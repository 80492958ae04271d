//! The embedded store: one OGC GeoPackage 1.3 file (SQLite) holding everything the PostGIS store
//! holds. QGIS and GDAL open it as it is: one layer per undermap layer (a view of the current
//! features) and `feature_versions`, every version ever loaded.

mod access;
mod appointments;
mod archive;
mod clearance;
mod downloads;
mod error;
mod feedback;
mod feeds;
mod field_reports;
mod media;
pub use error::GpkgError;
pub use media::EmbeddedFile;
pub(crate) use media::MAX_EMBEDDED_BYTES;
mod native;
mod owners;
mod schema;
mod tickets;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use geo_types::Geometry;
use geozero::wkb::GpkgWkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::SqliteConnection;
use undermap_core::{Feature, FeatureId, LayerInfo, TicketId};

use crate::record::{keep_valid, FeatureRecord, ATTRIBUTE_COLUMNS};
use crate::{Delivery, DeliveryReport, NewTicket, Result, Store, StoreError};
use tickets::TicketWriter;
use undermap_departments::registry;

/// The deployment CRS as a GeoPackage needs it.
#[derive(Debug, Clone)]
pub struct GpkgSrs {
    /// EPSG code, used as `srs_id`.
    pub srid: i32,
    /// Name, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 108E".
    pub name: String,
    /// WKT definition.
    pub wkt: String,
}

/// A store in a GeoPackage file.
#[derive(Debug, Clone)]
pub struct GpkgStore {
    pool: SqlitePool,
    path: Arc<PathBuf>,
    srid: i32,
    /// `None` for a read-only copy.
    tickets: Option<TicketWriter>,
    /// The project search tables it has.
    search: archive::SearchTables,
}

impl GpkgStore {
    /// Opens a GeoPackage, creating it with the deployment CRS if it does not exist. A file made
    /// for another CRS is refused.
    pub async fn open(path: &Path, srs: &GpkgSrs) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("mmap_size", MMAP_BYTES);
        let pool = pool_options()
            .connect_with(options)
            .await
            .map_err(GpkgError::db("opening the GeoPackage"))?;
        let mut store = Self {
            pool,
            path: Arc::new(path.to_owned()),
            srid: srs.srid,
            tickets: None,
            search: archive::SearchTables::ALL,
        };
        store.initialise(srs).await?;
        store.tickets = Some(TicketWriter::start(path)?);
        Ok(store)
    }

    /// Opens an existing GeoPackage for reading only (a site copy): writes are refused.
    pub async fn open_read_only(path: &Path, srid: i32) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("mmap_size", MMAP_BYTES);
        let pool = pool_options()
            // A copy made before files had access levels: every file is on request, as a
            // missing row says (an empty table of the connection's own, which a read-only file
            // cannot hold).
            .after_connect(|conn, _| Box::pin(downloads::ensure_access_table(conn)))
            .connect_with(options)
            .await
            .map_err(GpkgError::db("opening the GeoPackage"))?;
        let search = archive::SearchTables::of(&pool).await?;
        let store = Self {
            pool,
            path: Arc::new(path.to_owned()),
            srid,
            tickets: None,
            search,
        };
        store.check_srid().await?;
        Ok(store)
    }

    async fn initialise(&self, srs: &GpkgSrs) -> Result<()> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(GpkgError::db("starting setup"))?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'undermap_deployment')",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(GpkgError::db("inspecting the GeoPackage"))?;
        if exists {
            upgrade(&mut tx, srs.srid).await?;
        } else {
            create(&mut tx, srs).await?;
        }
        let old_names: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'undermap_accounts')",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(GpkgError::db("inspecting the GeoPackage"))?;
        if old_names {
            sqlx::raw_sql(access::RENAME_OLD)
                .execute(&mut *tx)
                .await
                .map_err(GpkgError::db("renaming the access tables"))?;
            tracing::info!("GeoPackage access tables renamed to their PostGIS names");
        }
        sqlx::raw_sql(archive::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the archive tables"))?;
        // Projects registered before names were indexed by their pieces, or by another tool.
        sqlx::query(&crate::archive::sql::INDEX_NAMES)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("indexing project names"))?;
        sqlx::raw_sql(access::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the access tables"))?;
        sqlx::raw_sql(owners::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the owners' tables"))?;
        sqlx::raw_sql(field_reports::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the field reports' tables"))?;
        sqlx::raw_sql(appointments::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the service window's tables"))?;
        sqlx::raw_sql(feedback::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the feedback table"))?;
        sqlx::raw_sql(feeds::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the subscriptions' tables"))?;
        sqlx::raw_sql(clearance::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the clearance reports' tables"))?;
        let titles_indexed: bool = sqlx::query_scalar(downloads::HAS_TITLE_INDEX)
            .fetch_one(&mut *tx)
            .await
            .map_err(GpkgError::db("inspecting the GeoPackage"))?;
        sqlx::raw_sql(downloads::CREATE)
            .execute(&mut *tx)
            .await
            .map_err(GpkgError::db("creating the downloads' tables"))?;
        if !titles_indexed {
            sqlx::query(downloads::FILL_TITLE_INDEX)
                .execute(&mut *tx)
                .await
                .map_err(GpkgError::db("indexing file titles"))?;
        }
        let has_unit: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('accounts') WHERE name = 'unit_code')",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(GpkgError::db("inspecting the GeoPackage"))?;
        if !has_unit {
            // Files made before accounts could act for a construction unit.
            sqlx::raw_sql("ALTER TABLE accounts ADD COLUMN unit_code TEXT")
                .execute(&mut *tx)
                .await
                .map_err(GpkgError::db("adding accounts.unit_code"))?;
        }
        tx.commit()
            .await
            .map_err(GpkgError::db("finishing setup"))?;
        self.checkpoint().await?;
        self.check_srid().await
    }

    /// Copies the write-ahead log into the file itself, so that the file alone is complete and
    /// current (GDAL reads the GeoPackage header from it; a site copy is the file).
    pub async fn checkpoint(&self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .map_err(GpkgError::db("checkpointing the GeoPackage"))?;
        Ok(())
    }

    async fn check_srid(&self) -> Result<()> {
        let database: i32 = sqlx::query_scalar("SELECT srid FROM undermap_deployment")
            .fetch_one(&self.pool)
            .await
            .map_err(GpkgError::db("reading the deployment CRS"))?;
        if database != self.srid {
            return Err(StoreError::SridMismatch {
                database,
                configured: self.srid,
            });
        }
        Ok(())
    }

    /// The GeoPackage's file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writable(&self) -> Result<&TicketWriter> {
        self.tickets.as_ref().ok_or(StoreError::ReadOnly)
    }

    /// Reads feature rows on a blocking thread and turns them into features on every core.
    async fn read_features(
        &self,
        filter: &'static str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Feature>> {
        let path = Arc::clone(&self.path);
        let read_only = self.tickets.is_none();
        tokio::task::spawn_blocking(move || {
            let rows = native::read_records(&path, read_only, filter, at)?;
            Ok(keep_valid(rows, from_gpkg))
        })
        .await
        .map_err(|e| StoreError::Write(format!("reading features stopped: {e}")))?
    }

    /// The connection pool, for tests and export.
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn create(tx: &mut SqliteConnection, srs: &GpkgSrs) -> Result<()> {
    let db = |what| GpkgError::db(what);
    sqlx::query(&format!(
        "PRAGMA application_id = {}",
        schema::APPLICATION_ID
    ))
    .execute(&mut *tx)
    .await
    .map_err(db("marking the file as a GeoPackage"))?;
    sqlx::query(&format!("PRAGMA user_version = {}", schema::USER_VERSION))
        .execute(&mut *tx)
        .await
        .map_err(db("marking the file as a GeoPackage"))?;
    sqlx::raw_sql(schema::CREATE)
        .execute(&mut *tx)
        .await
        .map_err(db("creating the GeoPackage tables"))?;
    let wgs84 = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;
    let rows: [(&str, i32, &str, i32, &str, &str); 4] = [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            wgs84,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        (
            &srs.name,
            srs.srid,
            "EPSG",
            srs.srid,
            &srs.wkt,
            "undermap deployment CRS",
        ),
    ];
    for (name, id, org, code, def, desc) in rows {
        sqlx::query("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)")
            .bind(name)
            .bind(id)
            .bind(org)
            .bind(code)
            .bind(def)
            .bind(desc)
            .execute(&mut *tx)
            .await
            .map_err(db("recording the CRS"))?;
    }
    sqlx::query("INSERT INTO undermap_deployment (singleton, srid) VALUES (1, ?)")
        .bind(srs.srid)
        .execute(&mut *tx)
        .await
        .map_err(db("recording the deployment CRS"))?;
    sqlx::query(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
         VALUES ('features', 'features', 'feature_versions', \
                 'Every version of every feature; current ones have no valid_to', ?)",
    )
    .bind(srs.srid)
    .execute(&mut *tx)
    .await
    .map_err(db("registering the features table"))?;
    sqlx::query(
        "INSERT INTO gpkg_geometry_columns VALUES ('features', 'geom', 'GEOMETRY', ?, 0, 0)",
    )
    .bind(srs.srid)
    .execute(&mut *tx)
    .await
    .map_err(db("registering the geometry column"))?;
    sqlx::query(
        "INSERT INTO gpkg_extensions VALUES ('features', 'geom', 'gpkg_rtree_index', \
         'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
    )
    .execute(&mut *tx)
    .await
    .map_err(db("registering the R-tree"))?;
    for layer in registry::LAYERS {
        add_layer(
            tx,
            srs.srid,
            layer.id(),
            layer.title,
            layer.category.as_str(),
        )
        .await?;
    }
    Ok(())
}

/// Whether `table` has `column` (files of earlier versions may lack it).
async fn has_column(tx: &mut SqliteConnection, table: &str, column: &str) -> Result<bool> {
    sqlx::query_scalar("SELECT count(*) > 0 FROM pragma_table_info(?) WHERE name = ?")
        .bind(table)
        .bind(column)
        .fetch_one(&mut *tx)
        .await
        .map_err(GpkgError::db("inspecting the schema"))
}

/// Brings a file written by an earlier version up to date: the layer category constraint admits
/// thematic layers, and every default layer is registered. The constraint is relaxed in place
/// (SQLite's documented procedure for loosening a CHECK: the stored rows already satisfy the
/// looser rule, so nothing on disk changes but the schema text).
async fn upgrade(tx: &mut SqliteConnection, srid: i32) -> Result<()> {
    let db = |what| GpkgError::db(what);
    let sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'undermap_layers'")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("inspecting the layer registry"))?;
    if sql.contains(schema::OLD_CATEGORY_CHECK) {
        let version: i64 = sqlx::query_scalar("PRAGMA schema_version")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("reading the schema version"))?;
        sqlx::query("PRAGMA writable_schema = ON")
            .execute(&mut *tx)
            .await
            .map_err(db("upgrading the layer registry"))?;
        sqlx::query(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = 'undermap_layers'",
        )
        .bind(schema::OLD_CATEGORY_CHECK)
        .bind(schema::CATEGORY_CHECK)
        .execute(&mut *tx)
        .await
        .map_err(db("upgrading the layer registry"))?;
        sqlx::query(&format!("PRAGMA schema_version = {}", version + 1))
            .execute(&mut *tx)
            .await
            .map_err(db("upgrading the layer registry"))?;
        sqlx::query("PRAGMA writable_schema = OFF")
            .execute(&mut *tx)
            .await
            .map_err(db("upgrading the layer registry"))?;
        tracing::info!("GeoPackage layer registry upgraded for thematic layers");
    }
    if !has_column(tx, "undermap_deliveries", "operation").await? {
        sqlx::query("ALTER TABLE undermap_deliveries ADD COLUMN operation TEXT")
            .execute(&mut *tx)
            .await
            .map_err(db("recording operations on deliveries"))?;
    }
    if !has_column(tx, "undermap_deliveries", "project_code").await? {
        sqlx::query("ALTER TABLE undermap_deliveries ADD COLUMN project_code TEXT")
            .execute(&mut *tx)
            .await
            .map_err(db("recording projects on deliveries"))?;
    }
    if !has_column(tx, "undermap_excavation_checks", "issued_to").await? {
        // Filled once from the bodies; tickets are immutable, so the update trigger is lifted
        // for it inside this transaction and put back as it was.
        for statement in schema::TICKET_HOLDER_UPGRADE {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(db("recording tickets' holders"))?;
        }
        tracing::info!("GeoPackage tickets upgraded with their holders");
    }
    let present: Vec<String> = sqlx::query_scalar("SELECT id FROM undermap_layers")
        .fetch_all(&mut *tx)
        .await
        .map_err(db("reading the layer registry"))?;
    for layer in registry::LAYERS {
        if !present.iter().any(|p| p == layer.id()) {
            add_layer(tx, srid, layer.id(), layer.title, layer.category.as_str()).await?;
        }
    }
    Ok(())
}

/// Registers a layer and its view of current features as a GeoPackage feature layer.
async fn add_layer(
    tx: &mut SqliteConnection,
    srid: i32,
    id: &str,
    title: &str,
    category: &str,
) -> Result<()> {
    let db = |what| GpkgError::db(what);
    // `id` is a validated layer slug ([a-z][a-z0-9_]*), safe as an identifier.
    let layer: undermap_core::LayerId =
        id.parse()
            .map_err(|e: undermap_core::CoreError| StoreError::Corrupt {
                id: id.to_owned(),
                reason: e.to_string(),
            })?;
    sqlx::query("INSERT INTO undermap_layers (id, title, category) VALUES (?, ?, ?)")
        .bind(layer.as_str())
        .bind(title)
        .bind(category)
        .execute(&mut *tx)
        .await
        .map_err(db("registering a layer"))?;
    sqlx::query(&format!(
        "CREATE VIEW \"{layer}\" AS SELECT {} FROM features \
         WHERE layer_id = '{layer}' AND valid_to IS NULL",
        *schema::VIEW_COLUMNS
    ))
    .execute(&mut *tx)
    .await
    .map_err(db("creating a layer view"))?;
    sqlx::query(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
         VALUES (?, 'features', ?, ?, ?)",
    )
    .bind(layer.as_str())
    .bind(layer.as_str())
    .bind(title)
    .bind(srid)
    .execute(&mut *tx)
    .await
    .map_err(db("registering a layer view"))?;
    sqlx::query("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)")
        .bind(layer.as_str())
        .bind(srid)
        .execute(&mut *tx)
        .await
        .map_err(db("registering a layer view's geometry"))?;
    Ok(())
}

/// GeoPackage binary geometry with its envelope, as GDAL writes it.
pub(crate) fn to_gpkg(geometry: &Geometry<f64>, srid: i32) -> std::result::Result<Vec<u8>, String> {
    use geo::BoundingRect;
    let envelope = geometry
        .bounding_rect()
        .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
        .unwrap_or_default();
    geometry
        .to_gpkg_wkb(CoordDimensions::xy(), Some(srid), envelope)
        .map_err(|e| e.to_string())
}

/// A geometry from GeoPackage binary.
pub(crate) fn from_gpkg(bytes: Vec<u8>) -> std::result::Result<Geometry<f64>, String> {
    GpkgWkb(bytes).to_geo().map_err(|e| e.to_string())
}

fn select(filter: &str) -> String {
    format!(
        "SELECT geom, {} FROM features WHERE {filter}",
        *ATTRIBUTE_COLUMNS
    )
}

#[async_trait]
impl Store for GpkgStore {
    async fn layers(&self) -> Result<Vec<LayerInfo>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, title, category FROM undermap_layers ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(GpkgError::db("reading layers"))?;
        rows.into_iter().map(crate::record::layer_info).collect()
    }

    async fn current_features(&self) -> Result<Vec<Feature>> {
        let path = Arc::clone(&self.path);
        let read_only = self.tickets.is_none();
        tokio::task::spawn_blocking(move || native::read_current(&path, read_only))
            .await
            .map_err(|e| StoreError::Write(format!("reading features stopped: {e}")))?
    }

    async fn features_at(&self, at: DateTime<Utc>) -> Result<Vec<Feature>> {
        self.read_features(
            "valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) ORDER BY feature_id",
            Some(at),
        )
        .await
    }

    async fn feature_history(&self, id: &FeatureId) -> Result<Vec<crate::FeatureVersion>> {
        let rows: Vec<FeatureRecord> =
            sqlx::query_as(&select("feature_id = ? ORDER BY valid_from, fid"))
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(GpkgError::db("reading feature history"))?;
        let ids = serde_json::to_string(&crate::record::delivery_ids(&rows))
            .unwrap_or_else(|_| "[]".into());
        let deliveries: Vec<crate::DeliveryRef> = sqlx::query_as(
            // `*`: a site copy made before deliveries recorded their operation has no such
            // column, and reads as unrecorded.
            "SELECT * FROM undermap_deliveries WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(GpkgError::db("reading the deliveries of a feature"))?;
        crate::record::versions(rows, &deliveries, from_gpkg)
    }

    async fn apply_delivery(&self, delivery: Delivery) -> Result<DeliveryReport> {
        self.writable()?;
        let path = Arc::clone(&self.path);
        let srid = self.srid;
        let report =
            tokio::task::spawn_blocking(move || native::apply_delivery(&path, srid, &delivery))
                .await
                .map_err(|e| StoreError::Write(format!("loading the delivery stopped: {e}")))??;
        report.log("geopackage");
        self.checkpoint().await?;
        Ok(report)
    }

    async fn last_delivery(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM undermap_deliveries")
            .fetch_one(&self.pool)
            .await
            .map_err(GpkgError::db("reading the last delivery"))
    }

    async fn next_ticket_id(&self, now: DateTime<Utc>) -> Result<TicketId> {
        self.writable()?.next_id(now).await
    }

    async fn save_ticket(&self, ticket: NewTicket) -> Result<()> {
        self.writable()?.save(self.srid, ticket).await
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
            .map_err(GpkgError::db("checking the file"))?;
        Ok(())
    }

    async fn now(&self) -> Result<DateTime<Utc>> {
        Ok(Utc::now())
    }
}

/// The file's connection pool: no idle timeout and no maximum lifetime, so sqlx runs no reaper
/// (see `postgres::pool_options` for the sqlx bug that reaper can hit).
/// How much of the file SQLite reads through a memory map rather than `pread` (256 MiB): a
/// search's pages no longer copied from the kernel's cache (23 % of a two-character search's
/// time in a 500,000-file archive, docs/performance.md).
const MMAP_BYTES: &str = "268435456";

fn pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(8)
        .idle_timeout(None)
        .max_lifetime(None)
}
