//! Drainage networks (排水): storm, sewer and combined pipes and culverts, manholes, inlets, outfalls.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The drainage department.
pub static DEPARTMENT: Department = Department {
    name: "drainage",
    layer: "drainage",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[
        FeatureKind::Pipe,
        FeatureKind::Manhole,
        FeatureKind::Inlet,
        FeatureKind::Outfall,
        FeatureKind::Station,
    ],
    default_kinds: [Some(FeatureKind::Pipe), None, Some(FeatureKind::Station)],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("排水类型", "system"),
    ("管类", "system"),
    ("流向", "flow_direction"),
    ("起点管底高程", "invert_start_m"),
    ("终点管底高程", "invert_end_m"),
    ("井深", "chamber_depth_m"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("kind", "雨水管", "pipe"),
    ("kind", "污水管", "pipe"),
    ("kind", "合流管", "pipe"),
    ("kind", "排水管", "pipe"),
    ("kind", "暗渠", "pipe"),
    ("kind", "YS", "pipe"),
    ("kind", "WS", "pipe"),
    ("kind", "检查井", "manhole"),
    ("kind", "雨水井", "manhole"),
    ("kind", "污水井", "manhole"),
    ("kind", "JCJ", "manhole"),
    ("kind", "雨水口", "inlet"),
    ("kind", "雨水篦", "inlet"),
    ("kind", "YSK", "inlet"),
    ("kind", "出水口", "outfall"),
    ("kind", "排放口", "outfall"),
    ("kind", "泵站", "station"),
];

/// A drain must say its size: a diameter for pipes or a section (宽×高) for culverts.
fn check(feature: &Feature) -> Result<(), FieldError> {
    if feature.kind == FeatureKind::Pipe
        && feature.attrs.diameter_mm.is_none()
        && feature.attrs.section.is_none()
    {
        return Err(FieldError::new(
            "diameter_mm",
            "a drain needs its diameter (管径) or, for a culvert, its section (断面尺寸, e.g. 1200×800)",
        ));
    }
    Ok(())
}
