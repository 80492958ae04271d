//! Turning a department's delivery into validated features in the deployment CRS.
//!
//! Every record either becomes a [`Feature`](undermap_core::Feature) or a [`Rejection`] that
//! names the record, the field and the reason: nothing is dropped silently. The result is a
//! [`Prepared`] delivery that the store loads in one transaction.

mod error;
mod geojson_reader;
mod properties;
mod report;

pub use error::IngestError;
pub use geojson_reader::prepare_geojson;
pub use report::{IngestOptions, Prepared, Rejection};
