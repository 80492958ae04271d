use undermap_crs::CrsError;

use crate::cql2::Cql2Error;

/// Everything an OGC API request can get wrong.
#[derive(Debug, thiserror::Error)]
pub enum OgcError {
    /// A query parameter has a value that cannot be used.
    #[error("parameter `{name}`: {reason}")]
    BadParameter {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A query parameter the API does not define.
    #[error("unknown parameter `{0}`; this endpoint takes {1}")]
    UnknownParameter(String, String),
    /// A CQL2 filter that does not parse or type-check.
    #[error(transparent)]
    Filter(#[from] Cql2Error),
    /// A CRS outside the list the collection offers.
    #[error("CRS {crs} is not offered; use one of: {offered}")]
    CrsNotOffered {
        /// What was asked for.
        crs: String,
        /// What is offered.
        offered: String,
    },
    /// No collection by that id.
    #[error("no collection `{0}`")]
    NoCollection(String),
    /// No feature by that id in the collection.
    #[error("no feature `{feature}` in collection `{collection}`")]
    NoFeature {
        /// Collection asked for.
        collection: String,
        /// Feature asked for.
        feature: String,
    },
    /// A reprojection failed.
    #[error(transparent)]
    Crs(#[from] CrsError),
}

impl OgcError {
    pub(crate) fn param(name: &str, reason: impl Into<String>) -> Self {
        Self::BadParameter {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }
}

impl undermap_core::Problem for OgcError {
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::NoCollection(_) | Self::NoFeature { .. } => undermap_core::ErrorKind::NotFound,
            // Whatever the CRS error, here it is a reprojection that failed.
            Self::Crs(_) => undermap_core::ErrorKind::Invalid,
            Self::BadParameter { .. }
            | Self::UnknownParameter(..)
            | Self::Filter(_)
            | Self::CrsNotOffered { .. } => undermap_core::ErrorKind::Malformed,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Filter(_) => ("/problems/invalid-filter", "Invalid filter"),
            Self::CrsNotOffered { .. } => ("/problems/crs-not-offered", "CRS not offered"),
            Self::NoCollection(_) | Self::NoFeature { .. } => self.kind().problem(),
            Self::Crs(_) => undermap_crs::TRANSFORM_FAILED,
            Self::BadParameter { .. } | Self::UnknownParameter(..) => {
                ("/problems/bad-parameter", "Bad parameter")
            }
        }
    }

    fn position(&self) -> Option<usize> {
        match self {
            Self::Filter(e) => Some(e.position),
            _ => None,
        }
    }
}
