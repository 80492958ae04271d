use std::path::Path;
use std::sync::Arc;

use undermap_service::ServiceConfig;
use undermap_store::{AccessStore, GpkgSrs, GpkgStore, PgStore, Store, StoreError};

/// The store a setting names, opened.
#[derive(Debug, Clone)]
pub enum OpenedStore {
    /// PostgreSQL with PostGIS, and its URL (for LISTEN/NOTIFY).
    Postgres(PgStore, String),
    /// A GeoPackage file.
    GeoPackage(GpkgStore),
}

impl OpenedStore {
    /// Where accounts, keys and the audit trail are kept (the same database).
    #[must_use]
    pub fn access(&self) -> Arc<dyn AccessStore> {
        match self {
            Self::Postgres(s, _) => Arc::new(s.clone()),
            Self::GeoPackage(s) => Arc::new(s.clone()),
        }
    }

    /// The store as the service uses it.
    #[must_use]
    pub fn shared(&self) -> Arc<dyn Store> {
        match self {
            Self::Postgres(s, _) => Arc::new(s.clone()),
            Self::GeoPackage(s) => Arc::new(s.clone()),
        }
    }
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    /// The deployment CRS cannot be stored.
    #[error("the deployment CRS {0} has no EPSG code, which PostGIS and GeoPackage need as SRID")]
    NoSrid(String),
    /// The store failed to open.
    #[error("opening the store {what}: {source}")]
    Store {
        /// Which store (never the URL: it may hold a password).
        what: String,
        /// Why.
        #[source]
        source: StoreError,
    },
}

/// The SRID geometry is stored under: the deployment CRS's EPSG code.
fn deployment_srid(config: &ServiceConfig) -> Result<i32, OpenStoreError> {
    let crs = &config.deployment_crs;
    crs.epsg_code()
        .and_then(|c| i32::try_from(c).ok())
        .ok_or_else(|| OpenStoreError::NoSrid(crs.name().to_owned()))
}

/// A streaming replica of the PostGIS store at `url`, to read the index from
/// (`serve --read-store`); connected at its first read.
pub fn open_replica(url: &str, config: &ServiceConfig) -> Result<Arc<dyn Store>, OpenStoreError> {
    let store = PgStore::connect_replica(url, deployment_srid(config)?).map_err(|source| {
        OpenStoreError::Store {
            what: "the replica".into(),
            source,
        }
    })?;
    Ok(Arc::new(store))
}

/// Opens `spec`: a `postgres://` / `postgresql://` URL, or a GeoPackage path (created if
/// missing, unless `read_only`).
pub async fn open_store(
    spec: &str,
    config: &ServiceConfig,
    read_only: bool,
) -> Result<OpenedStore, OpenStoreError> {
    let srid = deployment_srid(config)?;
    let crs = &config.deployment_crs;
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let store = PgStore::connect(spec, srid)
            .await
            .map_err(|source| OpenStoreError::Store {
                what: "PostgreSQL".into(),
                source,
            })?;
        return Ok(OpenedStore::Postgres(store, spec.to_owned()));
    }
    let path = Path::new(spec);
    let err = |source| OpenStoreError::Store {
        what: path.display().to_string(),
        source,
    };
    let store = if read_only {
        GpkgStore::open_read_only(path, srid).await.map_err(err)?
    } else {
        let srs = GpkgSrs {
            srid,
            name: crs.title().to_owned(),
            wkt: crs.wkt().unwrap_or_default().to_owned(),
        };
        GpkgStore::open(path, &srs).await.map_err(err)?
    };
    Ok(OpenedStore::GeoPackage(store))
}
