//! What several capabilities use: the daily area footprint, GeoJSON output and request values.

pub(crate) mod footprint;
pub(crate) mod geometry_out;
pub(crate) mod input;
