use thiserror::Error;
use undermap_core::{ErrorKind, Problem};

/// What a clearance check or a cross-section refuses.
#[derive(Debug, Error)]
pub enum ClearanceError {
    /// A planned route, a cut or one of their values that cannot be checked; names the field.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field at fault.
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A route or cut longer than the limit.
    #[error("{field}: {reason}")]
    TooLarge {
        /// The request field at fault.
        field: &'static str,
        /// How long it is and what is allowed.
        reason: String,
    },
    /// A clearance table that cannot be loaded: says which rule and why.
    #[error("clearance table: {0}")]
    Table(String),
    /// A report number not in the `CC-YYYY-NNNNNN` form.
    #[error("invalid clearance report number {0:?}: expected CC-YYYY-NNNNNN")]
    Number(String),
    /// A closed value outside its list.
    #[error(transparent)]
    Value(#[from] undermap_core::CoreError),
}

impl ClearanceError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl Problem for ClearanceError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Table(_) => ErrorKind::Internal,
            Self::Number(_) => ErrorKind::Malformed,
            _ => ErrorKind::Invalid,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Invalid { .. } | Self::Value(_) => {
                ("/problems/invalid-route", "Invalid route or cut")
            }
            Self::TooLarge { .. } => ("/problems/route-too-long", "Route or cut too long"),
            _ => self.kind().problem(),
        }
    }

    fn public_detail(&self) -> String {
        match self {
            Self::Table(_) => "the clearance table could not be read".into(),
            _ => self.to_string(),
        }
    }
}
