//! Water supply networks (给水): mains, valves, hydrants, meters, chambers.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The water department.
pub static DEPARTMENT: Department = Department {
    name: "water",
    layer: "water",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[
        FeatureKind::Pipe,
        FeatureKind::Valve,
        FeatureKind::Hydrant,
        FeatureKind::Meter,
        FeatureKind::Manhole,
        FeatureKind::Station,
        FeatureKind::ServiceConnection,
    ],
    default_kinds: [Some(FeatureKind::Pipe), None, Some(FeatureKind::Station)],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("口径", "diameter_mm"),
    ("管道材质", "material"),
    ("供水单位", "owner"),
    ("水压", "pressure_mpa"),
    ("接口形式", "joint"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("kind", "给水管", "pipe"),
    ("kind", "配水管", "pipe"),
    ("kind", "管线", "pipe"),
    ("kind", "JS", "pipe"),
    ("kind", "阀门", "valve"),
    ("kind", "闸阀", "valve"),
    ("kind", "蝶阀", "valve"),
    ("kind", "FM", "valve"),
    ("kind", "消防栓", "hydrant"),
    ("kind", "消火栓", "hydrant"),
    ("kind", "XF", "hydrant"),
    ("kind", "水表", "meter"),
    ("kind", "SB", "meter"),
    ("kind", "检修井", "manhole"),
    ("kind", "阀门井", "manhole"),
    ("kind", "JXJ", "manhole"),
    ("kind", "泵站", "station"),
    ("kind", "水厂", "station"),
    ("kind", "接户管", "service_connection"),
];

/// A water main must say its diameter: it decides the risk class of a dig next to it.
fn check(feature: &Feature) -> Result<(), FieldError> {
    if feature.kind == FeatureKind::Pipe && feature.attrs.diameter_mm.is_none() {
        return Err(FieldError::new(
            "diameter_mm",
            "a water main needs its diameter (管径)",
        ));
    }
    Ok(())
}
