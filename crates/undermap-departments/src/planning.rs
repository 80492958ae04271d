//! Planning (规划): road and plot red lines, land-use zones. A red line must be a closed outline.
//!
//! Only this department's schema mapping lives here: field names as its archives write them,
//! code lists, and the layer's own checks. Reading, reprojecting, validating and loading are
//! shared (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind};

/// The planning department.
pub static DEPARTMENT: Department = Department {
    name: "planning",
    layer: "planning",
    aliases: ALIASES,
    codes: CODES,
    kinds: &[FeatureKind::RedLine, FeatureKind::Zone],
    default_kinds: [Some(FeatureKind::RedLine), None, Some(FeatureKind::RedLine)],
    check,
};

/// Field names of this department's archives (on top of the shared ones).
const ALIASES: &[(&str, &str)] = &[
    ("用地性质", "land_use"),
    ("用地代码", "land_use"),
    ("YDXZ", "land_use"),
    ("规划名称", "name"),
    ("项目名称", "name"),
    ("批复文号", "approval_ref"),
    ("批复日期", "approved_on"),
];

/// (model field, source value, model value).
const CODES: &[(&str, &str, &str)] = &[
    ("kind", "道路红线", "red_line"),
    ("kind", "用地红线", "red_line"),
    ("kind", "红线", "red_line"),
    ("kind", "地块", "zone"),
    ("kind", "规划用地", "zone"),
];

/// A land-use zone must say its use (用地性质, GB 50137 code such as R2 or B1).
fn check(feature: &Feature) -> Result<(), FieldError> {
    let has_use = feature
        .attrs
        .extra
        .get("land_use")
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.trim().is_empty());
    if feature.kind == FeatureKind::Zone && !has_use {
        return Err(FieldError::new(
            "land_use",
            "a land-use zone needs its land use (用地性质, e.g. R2, B1)",
        ));
    }
    Ok(())
}
