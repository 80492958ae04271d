use thiserror::Error;

/// Everything that can be wrong with a domain value. Each variant says what a person must fix.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// A layer id that is not a lowercase slug.
    #[error("invalid layer id {value:?}: {reason}")]
    InvalidLayerId {
        /// The rejected text.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A feature id that is empty, too long or has characters outside `[A-Za-z0-9._:-]`.
    #[error("invalid feature id {value:?}: {reason}")]
    InvalidFeatureId {
        /// The rejected text.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A value outside its allowed set or range.
    #[error("field `{field}`: {reason}")]
    InvalidValue {
        /// The field that holds the value.
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// Text with a control character (a NUL, an escape) where only plain text makes sense.
    #[error(
        "field `{field}`: control character U+{code:04X} at character {position}; send plain text"
    )]
    ControlCharacter {
        /// The field that holds the text (as the caller named it).
        field: String,
        /// 0-based character offset of the control character.
        position: usize,
        /// Its code point.
        code: u32,
    },
    /// A geometry that cannot be used; `reason` names the polygon, ring or position.
    #[error("invalid geometry: {reason}")]
    InvalidGeometry {
        /// What is wrong, precisely enough to find it.
        reason: String,
    },
    /// An excavation area larger than the configured limit.
    #[error("area of {area_m2:.0} m² exceeds the limit of {limit_m2:.0} m²; {advice}")]
    AreaTooLarge {
        /// The area asked for, in square metres.
        area_m2: f64,
        /// The configured limit, in square metres.
        limit_m2: f64,
        /// What to do instead.
        advice: String,
    },
    /// A geometry with more vertices than the configured limit.
    #[error("geometry has {count} vertices; at most {limit} are accepted")]
    TooManyVertices {
        /// Vertices in the request.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
}

impl CoreError {
    pub(crate) fn geometry(reason: impl Into<String>) -> Self {
        Self::InvalidGeometry {
            reason: reason.into(),
        }
    }

    pub(crate) fn value(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidValue {
            field,
            reason: reason.into(),
        }
    }
}

impl crate::Problem for CoreError {
    fn kind(&self) -> crate::ErrorKind {
        match self {
            Self::TooManyVertices { .. } => crate::ErrorKind::TooLarge,
            _ => crate::ErrorKind::Invalid,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::AreaTooLarge { .. } => ("/problems/area-too-large", "Excavation area too large"),
            Self::TooManyVertices { .. } => ("/problems/too-many-vertices", "Too many vertices"),
            Self::InvalidGeometry { .. } => ("/problems/invalid-geometry", "Invalid geometry"),
            _ => self.kind().problem(),
        }
    }
}
