//! What PostgreSQL refuses, told apart from what the store refuses in general.

use thiserror::Error;

use crate::StoreError;

/// A PostgreSQL failure.
#[derive(Debug, Error)]
pub enum PgError {
    /// The server could not be reached or refused the statement.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Applying the schema migrations failed.
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl PgError {
    /// Wraps a driver error, saying what the store was doing.
    pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Postgres(Self::Database { context, source })
    }

    /// Whether the server is unreachable (as opposed to refusing this statement).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database { source, .. } => {
                crate::error::unreachable(source)
                    // SQLSTATE 08: connection exception; 57: shutdown, crash, cannot connect now.
                    || matches!(source, sqlx::Error::Database(e) if e
                        .code()
                        .is_some_and(|c| c.starts_with("08") || c.starts_with("57")))
            }
            Self::Migrate(_) => false,
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Postgres(PgError::Migrate(e))
    }
}
