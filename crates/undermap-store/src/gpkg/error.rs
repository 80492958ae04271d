//! What the GeoPackage file refuses, told apart from what the store refuses in general.

use thiserror::Error;

use crate::StoreError;

/// A GeoPackage (SQLite) failure.
#[derive(Debug, Error)]
pub enum GpkgError {
    /// A statement through the connection pool failed.
    #[error("GeoPackage error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement on the bulk paths, which use SQLite directly, failed.
    #[error("GeoPackage error while {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl GpkgError {
    /// Wraps a pool error, saying what the store was doing.
    pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::GeoPackage(Self::Database { context, source })
    }

    /// Wraps an SQLite error, saying what the store was doing.
    pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |source| StoreError::GeoPackage(Self::Sqlite { context, source })
    }

    /// Whether the file cannot be reached now (the pool is closed or timed out).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database { source, .. } => crate::error::unreachable(source),
            Self::Sqlite { .. } => false,
        }
    }
}
