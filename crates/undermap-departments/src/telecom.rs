//! Telecommunications (通信): duct banks, cables, manholes and handholes.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The telecom department.
pub static DEPARTMENT: Department = Department {
    name: "telecom",
    layer: "telecom",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[FeatureKind::Duct, FeatureKind::Cable, FeatureKind::Manhole],
    default_kinds: [Some(FeatureKind::Duct), None, None],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("孔数", "duct_count"),
    ("总孔数", "duct_count"),
    ("已用孔数", "ducts_used"),
    ("运营商", "operator"),
    ("电缆条数", "cable_count"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("kind", "通信管道", "duct"),
    ("kind", "管块", "duct"),
    ("kind", "TX", "duct"),
    ("kind", "光缆", "cable"),
    ("kind", "电缆", "cable"),
    ("kind", "人孔", "manhole"),
    ("kind", "手孔", "manhole"),
];

/// Telecom deliveries have no checks of their own beyond the shared ones.
#[allow(clippy::unnecessary_wraps)] // the signature every department's check has
fn check(_feature: &Feature) -> Result<(), FieldError> {
    Ok(())
}
