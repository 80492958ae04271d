use thiserror::Error;
use undermap_core::{CoreError, ErrorKind, Problem};
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
    /// The archive refused (an event out of order, a bad credit code…).
    #[error(transparent)]
    Archive(#[from] undermap_archive::ArchiveError),
    /// A planned route or a cut was refused.
    #[error(transparent)]
    Clearance(#[from] undermap_clearance::ClearanceError),
    /// The service cannot do it now (e.g. no file store is configured).
    #[error("{0}")]
    Unavailable(String),
    /// The caller may not do this (an account answering for an owner it does not act for).
    #[error("{0}")]
    Forbidden(String),
    /// The request is sound but the state it meets refuses it (an answer to an expired
    /// ticket, a second reason for an emergency).
    #[error("{0}")]
    Conflict(String),
    /// What was asked for is no more (a download link past its time or its count).
    #[error("{0}")]
    Gone(String),
    /// An OGC API request could not be answered as asked.
    #[error(transparent)]
    Ogc(#[from] undermap_ogc::OgcError),
    /// A tile could not be made.
    #[error(transparent)]
    Tile(#[from] undermap_tiles::TileError),
    /// Our own failure, not the caller's: a ticket could not be signed, a stored ticket cannot
    /// be read back, a background task (index build, tile, page) stopped. Logged in full with
    /// an error id; the caller sees only the id.
    #[error("{what}: {reason}")]
    Internal {
        /// What was being done.
        what: &'static str,
        /// What went wrong (for the log only).
        reason: String,
    },
}

impl ServiceError {
    /// Our own failure while doing `what`.
    pub(crate) fn internal(what: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Internal {
            what,
            reason: reason.to_string(),
        }
    }

    /// A background task (`spawn_blocking`) that did not finish: it panicked or was cancelled.
    pub(crate) fn stopped(what: &'static str) -> impl Fn(tokio::task::JoinError) -> Self + Copy {
        move |e| Self::internal(what, format!("the task stopped: {e}"))
    }

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

    /// `n` when it is a count from 1 to `max` (a page's limit, a `k`); else the caller's mistake
    /// naming `field`, not a value to clamp.
    pub(crate) fn count_within<T>(field: &str, n: T, max: T) -> Result<T, Self>
    where
        T: PartialOrd + From<u8> + std::fmt::Display,
    {
        if n >= T::from(1) && n <= max {
            Ok(n)
        } else {
            Err(Self::unprocessable(
                field,
                format!("{n} is outside 1 to {max}"),
            ))
        }
    }
}

impl ServiceError {
    /// The error a wrapped lower crate raised, to ask what kind it is.
    fn inner(&self) -> Option<&dyn Problem> {
        match self {
            Self::Domain(e) => Some(e),
            Self::Crs(e) => Some(e),
            Self::Ingest(e) => Some(e),
            Self::Store(e) => Some(e),
            Self::Ogc(e) => Some(e),
            Self::Tile(e) => Some(e),
            Self::Archive(e) => Some(e),
            Self::Clearance(e) => Some(e),
            Self::Unavailable(_)
            | Self::Forbidden(_)
            | Self::Conflict(_)
            | Self::Gone(_)
            | Self::BadRequest { .. }
            | Self::Unprocessable { .. }
            | Self::NotFound { .. }
            | Self::Internal { .. } => None,
        }
    }
}

impl Problem for ServiceError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadRequest { .. } => ErrorKind::Malformed,
            Self::Unprocessable { .. } => ErrorKind::Invalid,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Internal { .. } => ErrorKind::Internal,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Gone(_) => ErrorKind::Gone,
            _ => self.inner().map_or(ErrorKind::Internal, Problem::kind),
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        self.inner()
            .map_or_else(|| self.kind().problem(), Problem::problem)
    }

    fn public_detail(&self) -> String {
        match self.inner() {
            Some(inner) => inner.public_detail(),
            None if self.kind() == ErrorKind::Internal => undermap_core::problem::FAILED.into(),
            None => self.to_string(),
        }
    }

    fn position(&self) -> Option<usize> {
        self.inner().and_then(Problem::position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_background_task_that_stops_is_our_failure_not_the_callers() {
        let joined = tokio::task::spawn_blocking(|| panic!("index build blew up")).await;
        let e: ServiceError = joined
            .map_err(ServiceError::stopped("building the index"))
            .unwrap_err();
        assert!(
            matches!(
                e,
                ServiceError::Internal {
                    what: "building the index",
                    ..
                }
            ),
            "{e}"
        );
    }
}
