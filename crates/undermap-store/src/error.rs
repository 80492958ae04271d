use thiserror::Error;

/// What can go wrong in a store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// PostgreSQL failed.
    #[error(transparent)]
    Postgres(#[from] crate::postgres::PgError),
    /// The GeoPackage file failed.
    #[error(transparent)]
    GeoPackage(#[from] crate::gpkg::GpkgError),
    /// A write done on the caller's behalf by a writer task failed (the task answers every
    /// caller in its batch with this).
    #[error("writing to the store failed: {0}")]
    Write(String),
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
    /// A value the caller gave cannot be used (a malformed hash, a range outside a file, bytes
    /// that do not match the hash given for them).
    #[error("{0}")]
    Invalid(String),
    /// What was asked for is not kept.
    #[error("{0} not found")]
    NotFound(String),
    /// An upload is larger than the configured limit; nothing of it was kept.
    #[error("the file exceeds the limit of {limit} bytes; nothing was kept")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

impl StoreError {
    /// Whether the error means the database is unreachable (as opposed to a bad request).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Postgres(e) => e.is_unavailable(),
            Self::GeoPackage(e) => e.is_unavailable(),
            Self::Unavailable(_) => true,
            _ => false,
        }
    }
}

/// Whether a driver error means the database cannot be reached, whichever database it is.
pub(crate) fn unreachable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    )
}

impl undermap_core::Problem for StoreError {
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::ReadOnly => undermap_core::ErrorKind::Unavailable,
            Self::Conflict(_) => undermap_core::ErrorKind::Conflict,
            Self::Invalid(_) => undermap_core::ErrorKind::Invalid,
            Self::NotFound(_) => undermap_core::ErrorKind::NotFound,
            Self::TooLarge { .. } => undermap_core::ErrorKind::TooLarge,
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
            Self::ReadOnly
            | Self::Conflict(_)
            | Self::Invalid(_)
            | Self::NotFound(_)
            | Self::TooLarge { .. } => self.to_string(),
            s if s.is_unavailable() => "the database is unreachable; try again shortly".into(),
            _ => undermap_core::problem::FAILED.into(),
        }
    }
}
