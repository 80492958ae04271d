use thiserror::Error;

/// What can go wrong naming or using a coordinate reference system.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CrsError {
    /// The text does not name a CRS that PROJ knows.
    #[error("unknown CRS {text:?}: {reason}")]
    Unknown {
        /// The text as given.
        text: String,
        /// Why PROJ could not use it.
        reason: String,
    },
    /// PROJ could not build or run the transformation.
    #[error("cannot transform from {from} to {to}: {reason}")]
    Transform {
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
        /// PROJ's message.
        reason: String,
    },
    /// A coordinate lies outside the area where a CRS is valid.
    #[error("coordinate ({x}, {y}) in {crs} lies at lon {lon:.4}, lat {lat:.4}, outside the area of use of {area_crs} ({area}); check the CRS and the axis order")]
    OutsideArea {
        /// The coordinate's CRS.
        crs: String,
        /// The coordinate as given.
        x: f64,
        /// The coordinate as given.
        y: f64,
        /// Where it lands, longitude.
        lon: f64,
        /// Where it lands, latitude.
        lat: f64,
        /// The CRS whose area of use it misses.
        area_crs: String,
        /// That area, described.
        area: String,
    },
}

impl undermap_core::Problem for CrsError {
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::Unknown { .. } => undermap_core::ErrorKind::Malformed,
            Self::Transform { .. } | Self::OutsideArea { .. } => undermap_core::ErrorKind::Invalid,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Unknown { .. } => ("/problems/unknown-crs", "Unknown CRS"),
            Self::OutsideArea { .. } => (
                "/problems/outside-area",
                "Coordinates outside the area of use",
            ),
            Self::Transform { .. } => TRANSFORM_FAILED,
        }
    }
}

/// The problem type of a reprojection that failed, whichever CRS error caused it.
pub const TRANSFORM_FAILED: (&str, &str) = (
    "/problems/transform-failed",
    "Coordinate transformation failed",
);
