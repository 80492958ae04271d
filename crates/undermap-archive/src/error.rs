use thiserror::Error;
use undermap_core::{ErrorKind, Problem};

/// What the archive refuses.
#[derive(Debug, Error)]
pub enum ArchiveError {
    /// A unified social credit code that is malformed or fails its check character.
    #[error("invalid unified social credit code {value:?}: {reason}")]
    InvalidCreditCode {
        /// The rejected text (at most 40 characters of it).
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A project code not in the national format.
    #[error("invalid project code {value:?}: {reason}")]
    InvalidProjectCode {
        /// The rejected text (at most 40 characters of it).
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// An event that cannot come now; says what must come first.
    #[error("{0}")]
    OutOfOrder(String),
    /// A value the archive cannot accept (a missing reason, an unknown finding, a bad rule).
    #[error("{0}")]
    Invalid(String),
    /// A closed value outside its list.
    #[error(transparent)]
    Value(#[from] undermap_core::CoreError),
}

impl Problem for ArchiveError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::OutOfOrder(_) => ErrorKind::Conflict,
            _ => ErrorKind::Invalid,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::OutOfOrder(_) => ("/problems/event-out-of-order", "Event out of order"),
            Self::InvalidCreditCode { .. } => {
                ("/problems/invalid-credit-code", "Invalid credit code")
            }
            Self::InvalidProjectCode { .. } => {
                ("/problems/invalid-project-code", "Invalid project code")
            }
            _ => self.kind().problem(),
        }
    }

    fn public_detail(&self) -> String {
        self.to_string()
    }
}
