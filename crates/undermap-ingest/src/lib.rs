//! Turning a department's delivery into validated features in the deployment CRS.
//!
//! Readers (GeoJSON and GeoJSON sequences, Shapefile with `.prj`/`.cpg`/GBK, GeoPackage, CJJ 61
//! survey tables, DXF) turn files into [`SourceRecord`]s; a [`Department`] maps each record's
//! fields, code lists and units onto the model and adds the layer's own checks; [`prepare`]
//! reprojects and validates. Every record either becomes a [`Feature`](undermap_core::Feature)
//! or a [`Rejection`] naming the file, record, field and reason: nothing is dropped silently.
//! The result is a [`Prepared`] delivery that the store loads in one transaction.

mod department;
mod error;
mod pipeline;
mod properties;
mod readers;
mod report;
mod source;

pub use department::{COMMON_ALIASES, COMMON_CODES};
pub use error::IngestError;
pub use pipeline::{
    check_fields, check_record, open, prepare, OpenedDelivery, ReadOutcome, UnmappedField,
};
pub use readers::dxf::{DxfLayer, DxfMapping};
pub use report::{
    DeliveryMeta, DeliverySummary, Extent, IngestOptions, Prepared, Rejection, Strictness,
};
pub use source::{RecordResult, Source, SourceRecord};
