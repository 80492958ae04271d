//! What every reader produces: records as the source has them, before any department mapping.

use std::path::Path;
use std::sync::Arc;

use geo_types::Geometry;
use serde_json::{Map, Value};
use undermap_crs::Crs;

use crate::{IngestError, Rejection};

/// One record as the file has it: geometry in the file's CRS (easting first) and its fields
/// under their own names.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    /// The file it came from.
    pub file: Arc<str>,
    /// Its number in the file, from 1 (for a GeoPackage, the row's `fid`).
    pub number: usize,
    /// An id the format itself carries (GeoJSON `id`, a survey point number), if any.
    pub native_id: Option<String>,
    /// The geometry, if the record has one.
    pub geometry: Option<Geometry<f64>>,
    /// Every attribute under the name the file gives it.
    pub fields: Map<String, Value>,
}

impl SourceRecord {
    /// A rejection of this record.
    #[must_use]
    pub fn reject(&self, id: Option<String>, field: Option<String>, reason: String) -> Rejection {
        Rejection {
            file: self.file.to_string(),
            record: self.number,
            id,
            field,
            reason,
        }
    }
}

/// A record, or why the reader could not make one of it.
pub type RecordResult = Result<SourceRecord, Rejection>;

/// Receives records one at a time, so that large files are never held whole in memory.
pub type Sink<'a> = dyn FnMut(RecordResult) + 'a;

/// Reads every record into the sink; returns notes for the summary (e.g. survey points used as
/// vertices only, CAD entities on layers of other departments).
type ReadFn = Box<dyn FnOnce(&mut Sink<'_>) -> Result<Vec<String>, IngestError> + Send>;

/// A file opened by its reader: what it says about its CRS, and a way to read its records.
pub struct Source {
    /// Format name, for messages and the delivery record.
    pub format: &'static str,
    /// The file name as delivered (for a survey table pair, both names).
    pub name: String,
    /// The CRS the file declares (`.prj`, GeoPackage SRS, GeoJSON `crs` member).
    pub declared_crs: Option<Crs>,
    /// The CRS the format implies when nothing is declared (GeoJSON: CRS84).
    pub default_crs: Option<Crs>,
    read: ReadFn,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("format", &self.format)
            .field("name", &self.name)
            .field("declared_crs", &self.declared_crs)
            .finish_non_exhaustive()
    }
}

impl Source {
    pub(crate) fn new(
        format: &'static str,
        name: String,
        read: impl FnOnce(&mut Sink<'_>) -> Result<Vec<String>, IngestError> + Send + 'static,
    ) -> Self {
        Self {
            format,
            name,
            declared_crs: None,
            default_crs: None,
            read: Box::new(read),
        }
    }

    /// Streams every record into `sink`; returns notes for the summary.
    pub fn read(self, sink: &mut Sink<'_>) -> Result<Vec<String>, IngestError> {
        (self.read)(sink)
    }
}

/// The file name of a path, for messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        file: file_name(path),
        source,
    }
}

pub(crate) fn format_error(
    path: &Path,
    format: &'static str,
    reason: impl ToString,
) -> IngestError {
    IngestError::Format {
        file: file_name(path),
        format,
        reason: reason.to_string(),
    }
}

/// Parses a CRS a file declares; an unknown one stops the delivery (nothing is guessed).
pub(crate) fn declared(path: &Path, text: &str) -> Result<Crs, IngestError> {
    Crs::parse(text).map_err(|e| IngestError::Crs {
        file: file_name(path),
        source: Box::new(e),
    })
}
