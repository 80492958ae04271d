//! What several capabilities use: the daily area footprint, GeoJSON output, request values and
//! attached files.

pub(crate) mod attachments;
pub(crate) mod footprint;
pub(crate) mod geometry_out;
pub(crate) mod input;
