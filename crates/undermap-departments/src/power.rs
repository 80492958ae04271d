//! Power networks (电力): cables, duct banks and trenches, transformers, switchgear, cable pits.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The power department.
pub static DEPARTMENT: Department = Department {
    name: "power",
    layer: "power",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[
        FeatureKind::Cable,
        FeatureKind::Duct,
        FeatureKind::Transformer,
        FeatureKind::Switch,
        FeatureKind::Manhole,
        FeatureKind::Station,
    ],
    default_kinds: [Some(FeatureKind::Cable), None, Some(FeatureKind::Station)],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("电压", "voltage_kv"),
    ("电压等级", "voltage_kv"),
    ("DY", "voltage_kv"),
    ("电缆条数", "cable_count"),
    ("电缆根数", "cable_count"),
    ("TS", "cable_count"),
    ("孔数", "duct_count"),
    ("总孔数", "duct_count"),
    ("已用孔数", "ducts_used"),
    ("埋设方式", "burial"),
    ("MSFS", "burial"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("kind", "电缆", "cable"),
    ("kind", "直埋电缆", "cable"),
    ("kind", "DL", "cable"),
    ("kind", "电缆沟", "duct"),
    ("kind", "排管", "duct"),
    ("kind", "管块", "duct"),
    ("kind", "电缆隧道", "duct"),
    ("kind", "变压器", "transformer"),
    ("kind", "箱变", "transformer"),
    ("kind", "开关站", "switch"),
    ("kind", "环网柜", "switch"),
    ("kind", "电缆井", "manhole"),
    ("kind", "工井", "manhole"),
    ("kind", "变电站", "station"),
];

/// A cable or duct bank must say its voltage (a 10 kV strike is not a 0.4 kV strike), and the
/// voltage must be one a distribution or transmission network has.
fn check(feature: &Feature) -> Result<(), FieldError> {
    let carries = matches!(feature.kind, FeatureKind::Cable | FeatureKind::Duct);
    match feature.attrs.voltage_kv {
        None if carries => Err(FieldError::new(
            "voltage_kv",
            "a power cable or duct needs its voltage (电压等级, kV)",
        )),
        Some(v) if !(0.0..=1000.0).contains(&v) || v == 0.0 => Err(FieldError::new(
            "voltage_kv",
            format!("{v} kV is not a network voltage (0.22 to 1000 kV); was it given in volts?"),
        )),
        _ => Ok(()),
    }
}
