//! A feature's positional quality level as delivered, in the three systems deliveries use: ASCE
//! 38 (US: QL-A … QL-D), France's DT-DICT classes (A, B, C) and CJJ 61's measured (实测) or
//! detected (探测) points. Where a delivery gives no accuracy in metres, the level gives the
//! tolerance a check allows around the position (docs/risk.md, with sources):
//!
//! | class | levels | tolerance |
//! | --- | --- | --- |
//! | A | QL-A, DT-DICT A, CJJ 61 measured | 0.4 m for a rigid asset, 0.5 m for a flexible one |
//! | B | QL-B, DT-DICT B, CJJ 61 detected | 1.5 m |
//! | C | QL-C, QL-D, DT-DICT C | unknown: locate before digging |

use crate::CoreError;

crate::text_enum! {
    /// A positional quality level, as delivered.
    pub enum QualityLevel ("quality_level") {
        /// ASCE 38 QL-A: exposed and surveyed.
        QlA => "ql_a",
        /// ASCE 38 QL-B: designated by geophysical detection.
        QlB => "ql_b",
        /// ASCE 38 QL-C: surveyed surface features, connected by judgement.
        QlC => "ql_c",
        /// ASCE 38 QL-D: from records or oral recollection.
        QlD => "ql_d",
        /// DT-DICT class A: within 0.4 m (rigid) or 0.5 m (flexible).
        DtA => "dt_a",
        /// DT-DICT class B: within 1.5 m.
        DtB => "dt_b",
        /// DT-DICT class C: worse than 1.5 m, or unknown.
        DtC => "dt_c",
        /// CJJ 61: a measured point (实测: surveyed at the asset, e.g. in an open trench).
        CjjMeasured => "cjj_measured",
        /// CJJ 61: a detected point (探测: located by instrument from the surface).
        CjjDetected => "cjj_detected",
    }
}

/// What a level says of the position's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToleranceClass {
    /// Within 0.4 m (rigid) or 0.5 m (flexible).
    A,
    /// Within 1.5 m.
    B,
    /// Not known: locate before digging.
    Unknown,
}

impl QualityLevel {
    /// Reads a level as deliveries write it: `QL-A`, `ql_b`, `QL C`; `A`, `classe B`, `B级`
    /// (DT-DICT); `实测`, `探测`, `物探`, `measured`, `detected` (CJJ 61); or the stored code.
    pub fn delivered(text: &str) -> Result<Self, CoreError> {
        if let Ok(code) = text.trim().parse() {
            return Ok(code);
        }
        let squeezed: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
            .collect();
        let class = squeezed
            .trim_start_matches("classe")
            .trim_start_matches("class")
            .trim_end_matches(['级', '类']);
        Ok(match class {
            "qla" => Self::QlA,
            "qlb" => Self::QlB,
            "qlc" => Self::QlC,
            "qld" => Self::QlD,
            "a" | "dta" => Self::DtA,
            "b" | "dtb" => Self::DtB,
            "c" | "dtc" => Self::DtC,
            "实测" | "measured" | "cjjmeasured" => Self::CjjMeasured,
            "探测" | "物探" | "detected" | "cjjdetected" => Self::CjjDetected,
            _ => {
                return Err(CoreError::value(
                    "quality_level",
                    format!(
                        "{:?} is not a quality level: give QL-A to QL-D (ASCE 38), A, B or C \
                         (DT-DICT), or 实测 / 探测 (CJJ 61)",
                        text.chars().take(40).collect::<String>()
                    ),
                ))
            }
        })
    }

    /// The tolerance class it gives.
    #[must_use]
    pub fn class(self) -> ToleranceClass {
        match self {
            Self::QlA | Self::DtA | Self::CjjMeasured => ToleranceClass::A,
            Self::QlB | Self::DtB | Self::CjjDetected => ToleranceClass::B,
            Self::QlC | Self::QlD | Self::DtC => ToleranceClass::Unknown,
        }
    }

    /// The horizontal tolerance, m, it gives an asset of `material` (`None`: unknown).
    #[must_use]
    pub fn tolerance_m(self, material: Option<&str>) -> Option<f64> {
        match self.class() {
            // An unknown material gets the wider of the two.
            ToleranceClass::A if is_rigid(material) => Some(0.4),
            ToleranceClass::A => Some(0.5),
            ToleranceClass::B => Some(1.5),
            ToleranceClass::Unknown => None,
        }
    }

    /// How a ticket names it: `ASCE 38 QL-A`, `DT-DICT B`, `CJJ 61 实测 measured`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::QlA => "ASCE 38 QL-A",
            Self::QlB => "ASCE 38 QL-B",
            Self::QlC => "ASCE 38 QL-C",
            Self::QlD => "ASCE 38 QL-D",
            Self::DtA => "DT-DICT A",
            Self::DtB => "DT-DICT B",
            Self::DtC => "DT-DICT C",
            Self::CjjMeasured => "CJJ 61 实测 measured",
            Self::CjjDetected => "CJJ 61 探测 detected",
        }
    }
}

/// Whether a material (as delivered or normalised: `DI`, `钢`, `PE` …) is rigid: metal,
/// concrete, clay. Plastics and unknown materials are not.
fn is_rigid(material: Option<&str>) -> bool {
    let Some(m) = material else { return false };
    let m = m.trim().to_uppercase();
    let plastic = ["PE", "PVC", "UPVC", "PP", "GRP", "FRP", "PLASTIC", "HDPE"];
    if plastic.iter().any(|p| m.starts_with(p)) || m.contains('塑') {
        return false;
    }
    let rigid = [
        "DI", "CI", "ST", "SS", "RC", "PCCP", "CONCRETE", "CLAY", "VC", "CU", "IRON",
    ];
    rigid.iter().any(|r| m.starts_with(r))
        || ['钢', '铁', '砼', '混', '陶', '铸', '铜']
            .iter()
            .any(|c| m.contains(*c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_read_as_every_system_writes_them() {
        for (text, level) in [
            ("QL-A", QualityLevel::QlA),
            ("ql_b", QualityLevel::QlB),
            ("QL C", QualityLevel::QlC),
            ("qld", QualityLevel::QlD),
            ("A", QualityLevel::DtA),
            ("classe B", QualityLevel::DtB),
            ("C级", QualityLevel::DtC),
            ("实测", QualityLevel::CjjMeasured),
            ("物探", QualityLevel::CjjDetected),
            ("cjj_detected", QualityLevel::CjjDetected),
        ] {
            assert_eq!(QualityLevel::delivered(text).unwrap(), level, "{text}");
        }
        for bad in ["", "QL-E", "excellent", "D"] {
            assert!(QualityLevel::delivered(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_level_gives_the_tolerance_by_material() {
        assert_eq!(QualityLevel::DtA.tolerance_m(Some("DI")), Some(0.4));
        assert_eq!(QualityLevel::DtA.tolerance_m(Some("钢管")), Some(0.4));
        assert_eq!(QualityLevel::QlA.tolerance_m(Some("PE")), Some(0.5));
        assert_eq!(QualityLevel::CjjMeasured.tolerance_m(None), Some(0.5));
        assert_eq!(QualityLevel::CjjDetected.tolerance_m(Some("DI")), Some(1.5));
        assert_eq!(QualityLevel::QlD.tolerance_m(Some("DI")), None);
        assert_eq!(QualityLevel::DtC.class(), ToleranceClass::Unknown);
        assert_eq!(QualityLevel::DtA.tolerance_m(Some("plastic")), Some(0.5));
        assert_eq!(QualityLevel::DtA.tolerance_m(Some("混凝土")), Some(0.4));
    }
}
