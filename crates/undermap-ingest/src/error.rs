use thiserror::Error;
use undermap_crs::CrsError;

/// Why a whole delivery cannot be read (single bad records are [`Rejection`](crate::Rejection)s).
#[derive(Debug, Error)]
pub enum IngestError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the format it claims to be.
    #[error("{file}: not valid {format}: {reason}")]
    Format {
        /// The file.
        file: String,
        /// The expected format.
        format: &'static str,
        /// What the parser said.
        reason: String,
    },
    /// The file's CRS is unknown or cannot be transformed to the deployment CRS.
    #[error("{file}: {source}")]
    Crs {
        /// The file.
        file: String,
        /// The CRS problem.
        #[source]
        source: Box<CrsError>,
    },
    /// The file converts to the deployment CRS only by a ballpark operation, and the deployment
    /// (or `--strict`) refuses that.
    #[error("{file}: {from} converts to {to} only by a ballpark operation ({operation}), which can put positions metres to tens of metres off; nothing was loaded. Configure the surveying bureau's parameters for {from} ([[datums.transformations]] in undermap.toml)")]
    Ballpark {
        /// The file.
        file: String,
        /// Its CRS.
        from: String,
        /// The deployment CRS.
        to: String,
        /// PROJ's operation.
        operation: String,
    },
    /// `--strict-fields` was given and source fields mapped to no model field.
    #[error("{file}: source field(s) {fields} map to no model field and strict fields were asked for; nothing was loaded")]
    StrictFields {
        /// The delivery's files.
        file: String,
        /// The fields, with hints.
        fields: String,
    },
    /// `--strict` was given and records were rejected.
    #[error("{file}: {rejected} of {records} record(s) rejected and strict mode was asked for; nothing was loaded")]
    Strict {
        /// The file.
        file: String,
        /// How many records were rejected.
        rejected: usize,
        /// How many records were read.
        records: usize,
    },
    /// Neither the file nor the request says which CRS the coordinates are in.
    #[error("{file}: the {format} does not say which coordinate reference system its coordinates are in; give one (--crs EPSG:4545, EPSG:4490, a WKT or PROJ string)")]
    NoCrs {
        /// The file.
        file: String,
        /// Its format.
        format: &'static str,
    },
    /// A configuration file (DXF layer mapping) is invalid.
    #[error("{file}: {reason}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The request itself cannot be done (unknown format, missing companion file…).
    #[error("{0}")]
    Input(String),
}

impl undermap_core::Problem for IngestError {
    /// A file that cannot be read as the delivery it claims to be is not acceptable (422); a
    /// request that does not make a delivery at all (no file, a strict refusal, unreadable
    /// input) is malformed (400).
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::Format { .. }
            | Self::Crs { .. }
            | Self::Ballpark { .. }
            | Self::StrictFields { .. }
            | Self::NoCrs { .. }
            | Self::Config { .. } => undermap_core::ErrorKind::Invalid,
            Self::Io { .. } | Self::Strict { .. } | Self::Input(_) => {
                undermap_core::ErrorKind::Malformed
            }
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::NoCrs { .. } => ("/problems/no-crs", "Delivery without a CRS"),
            Self::Ballpark { .. } => (
                "/problems/ballpark-datum",
                "Only a ballpark datum shift converts this delivery",
            ),
            _ => ("/problems/invalid-delivery", "Delivery cannot be read"),
        }
    }
}
