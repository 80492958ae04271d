//! Water supply networks (给水): mains, valves, hydrants, meters, chambers.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use undermap_core::{Feature, FeatureKind};
use undermap_ingest::{Department, FieldError};

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

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(
            &DEPARTMENT,
            geometry(),
            &[("管径", json!("DN300")), ("材质", json!("球墨铸铁"))],
        )
        .unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection =
            check_fields(&DEPARTMENT, geometry(), &[("材质", json!("球墨铸铁"))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("diameter_mm"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}
