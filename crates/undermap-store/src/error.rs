use thiserror::Error;

/// What can go wrong in a store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database could not be reached or refused the operation.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The GeoPackage file refused the operation (its bulk paths use SQLite directly).
    #[error("GeoPackage error while {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A write done on the caller's behalf by a writer task failed (the task answers every
    /// caller in its batch with this).
    #[error("writing to the store failed: {0}")]
    Write(String),
    /// Applying the schema migrations failed.
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database was set up for another deployment CRS.
    #[error("the database stores geometry in EPSG:{database} but this server is configured for EPSG:{configured}; change the configuration or use another database")]
    SridMismatch {
        /// SRID recorded in the database.
        database: i32,
        /// SRID in the configuration.
        configured: i32,
    },
    /// A row could not be turned into a domain value.
    #[error("stored record {id}: {reason}")]
    Corrupt {
        /// The record.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The delivery names a layer that is not in the registry.
    #[error("unknown layer {0:?}; known layers are listed at GET /v1/layers")]
    UnknownLayer(String),
    /// The store was opened read-only (a site copy).
    #[error("this map is a read-only copy; changes must be made on the central service")]
    ReadOnly,
    /// A name or id that must be unique is taken.
    #[error("{0}")]
    Conflict(String),
    /// The database is known to be unreachable (its heartbeat fails): refused at once.
    #[error("{0}")]
    Unavailable(String),
    /// A ticket with this id exists already.
    #[error("ticket {0} exists already")]
    TicketExists(String),
}

impl StoreError {
    pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { context, source }
    }

    pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |source| Self::Sqlite { context, source }
    }

    /// Whether the error means the database is unreachable (as opposed to a bad request).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database { source, .. } => match source {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_) => true,
                // SQLSTATE 08: connection exception; 57: shutdown, crash, cannot connect now.
                sqlx::Error::Database(e) => e
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
                _ => false,
            },
            Self::Unavailable(_) => true,
            _ => false,
        }
    }
}

impl undermap_core::Problem for StoreError {
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::ReadOnly => undermap_core::ErrorKind::Unavailable,
            Self::Conflict(_) => undermap_core::ErrorKind::Conflict,
            s if s.is_unavailable() => undermap_core::ErrorKind::Unavailable,
            _ => undermap_core::ErrorKind::Internal,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::ReadOnly => ("/problems/read-only", "Read-only copy"),
            s if s.is_unavailable() => ("/problems/store-unavailable", "Database unavailable"),
            _ => self.kind().problem(),
        }
    }

    fn public_detail(&self) -> String {
        match self {
            Self::ReadOnly | Self::Conflict(_) => self.to_string(),
            s if s.is_unavailable() => "the database is unreachable; try again shortly".into(),
            _ => undermap_core::problem::FAILED.into(),
        }
    }
}
