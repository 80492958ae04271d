//! The departments that deliver to the map, and the layers they deliver into.
//!
//! Each department is a module holding only its schema mapping: field names as its archives
//! write them, code lists, the kinds its layer holds and the layer's own checks. Reading,
//! reprojecting, validating and loading are shared (`undermap-ingest`). [`registry`] is the one
//! list of departments and layers: the GeoPackage and PostGIS seeds, the OpenAPI document, the
//! command line and the generator read it. Adding a department is one module here and one line
//! in the registry.
//!
//! This crate depends on `undermap-core` only, so every crate that needs the list (the store
//! included) can read it.

pub mod drainage;
pub mod gas;
pub mod planning;
pub mod power;
pub mod precautions;
pub mod registry;
pub mod resilience;
pub mod telecom;
pub mod water;

use undermap_core::{Feature, FeatureKind};

/// A department's schema mapping: each module here declares one as a `static`, and the
/// registry lists it.
#[derive(Debug)]
pub struct Department {
    /// Name used on the command line and in `POST /v1/deliveries` (`water`, `power`…).
    pub name: &'static str,
    /// The layer its deliveries load into.
    pub layer: &'static str,
    /// Source field name → model field (matched exactly, then ignoring ASCII case), on top of
    /// `undermap_ingest::COMMON_ALIASES`.
    pub aliases: &'static [(&'static str, &'static str)],
    /// Code lists: (model field, source value, model value), on top of `undermap_ingest::COMMON_CODES`.
    pub codes: &'static [(&'static str, &'static str, &'static str)],
    /// The kinds this layer holds.
    pub kinds: &'static [FeatureKind],
    /// Kind of a record that does not say one: for lines, points, areas.
    pub default_kinds: [Option<FeatureKind>; 3],
    /// Checks only this layer makes (a gas main needs a pressure class…).
    pub check: fn(&Feature) -> Result<(), FieldError>,
}

/// A field that could not be read or fails a check, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The model field (turned back into the source's name in rejections).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A core error about one field, as a rejection names it.
impl From<undermap_core::CoreError> for FieldError {
    fn from(e: undermap_core::CoreError) -> Self {
        match e {
            undermap_core::CoreError::InvalidValue { field, reason } => Self::new(field, reason),
            other => Self::new("extra", other.to_string()),
        }
    }
}
