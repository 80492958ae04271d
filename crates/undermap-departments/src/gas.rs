//! Gas networks (燃气): mains by pressure class (GB 50028), valves, regulators.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The gas department.
pub static DEPARTMENT: Department = Department {
    name: "gas",
    layer: "gas",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[
        FeatureKind::Pipe,
        FeatureKind::Valve,
        FeatureKind::Regulator,
        FeatureKind::Manhole,
        FeatureKind::Station,
        FeatureKind::ServiceConnection,
    ],
    default_kinds: [Some(FeatureKind::Pipe), None, Some(FeatureKind::Station)],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("压力", "pressure_class"),
    ("压力级制", "pressure_class"),
    ("压力等级", "pressure_class"),
    ("YL", "pressure_class"),
    ("气源", "gas_source"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("pressure_class", "低压", "low"),
    ("pressure_class", "中压B", "medium_b"),
    ("pressure_class", "中压b", "medium_b"),
    ("pressure_class", "中压A", "medium_a"),
    ("pressure_class", "中压a", "medium_a"),
    ("pressure_class", "次高压B", "sub_high_b"),
    ("pressure_class", "次高压A", "sub_high_a"),
    ("pressure_class", "高压B", "high_b"),
    ("pressure_class", "高压A", "high_a"),
    ("kind", "燃气管", "pipe"),
    ("kind", "管线", "pipe"),
    ("kind", "RQ", "pipe"),
    ("kind", "阀门", "valve"),
    ("kind", "FM", "valve"),
    ("kind", "调压箱", "regulator"),
    ("kind", "调压器", "regulator"),
    ("kind", "调压站", "regulator"),
    ("kind", "TYX", "regulator"),
    ("kind", "阀门井", "manhole"),
    ("kind", "门站", "station"),
    ("kind", "储配站", "station"),
    ("kind", "引入管", "service_connection"),
];

/// A gas main must carry its pressure class: clearances and the emergency response depend on it.
fn check(feature: &Feature) -> Result<(), FieldError> {
    if feature.kind == FeatureKind::Pipe && feature.attrs.pressure_class.is_none() {
        return Err(FieldError::new(
            "pressure_class",
            "a gas main needs its pressure class (压力级制: 低压, 中压B, 中压A, 次高压B, 次高压A, 高压B, 高压A)",
        ));
    }
    Ok(())
}
