use thiserror::Error;
use undermap_core::CoreError;
use undermap_crs::CrsError;
use undermap_ingest::IngestError;
use undermap_store::StoreError;

/// Why a use case could not be carried out. The HTTP crate maps each case to a status once.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The request is not well-formed (unparseable or missing values).
    #[error("{field}: {reason}")]
    BadRequest {
        /// The request field at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A value is well-formed but not acceptable (out of range, unknown layer…).
    #[error("{field}: {reason}")]
    Unprocessable {
        /// The request field at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A domain rule refused the input (invalid geometry, area too large…).
    #[error(transparent)]
    Domain(#[from] CoreError),
    /// A CRS problem.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// A delivery could not be read.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Something that does not exist was asked for.
    #[error("{what} not found")]
    NotFound {
        /// What was asked for.
        what: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An OGC API request could not be answered as asked.
    #[error(transparent)]
    Ogc(#[from] undermap_ogc::OgcError),
    /// A tile could not be made.
    #[error(transparent)]
    Tile(#[from] undermap_tiles::TileError),
}

impl ServiceError {
    pub(crate) fn bad(field: &str, reason: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unprocessable(field: &str, reason: impl Into<String>) -> Self {
        Self::Unprocessable {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}
