//! How an asset found near a dig is rated. The rules are written out in `docs/risk.md`;
//! the tests below are that document's examples.

use serde::{Deserialize, Serialize};

use crate::text_enum;
use crate::{Feature, LayerCategory, Status};

text_enum! {
    /// How a feature lies relative to the excavation area.
    pub enum Relation ("relation") {
        /// Crosses or lies in the area.
        Inside => "inside",
        /// Outside the area but within the tolerance zone (buffer, widened by poor accuracy).
        WithinTolerance => "within_tolerance",
    }
}

text_enum! {
    /// How likely digging is to strike the asset.
    pub enum Risk ("risk") {
        /// Within reach of the dig: hand-dig, call the owner.
        High => "high",
        /// Possibly within reach given the accuracy of the record.
        Medium => "medium",
        /// Clear of the dig even allowing for the record's accuracy, or not a buried asset.
        Low => "low",
        /// The record lacks the depth needed to judge: treat as high until located on site.
        Unknown => "unknown",
    }
}

impl Risk {
    /// Order in answers: what needs action first comes first (`unknown` right after `high`:
    /// treat it as high until located).
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Self::High => 0,
            Self::Unknown => 1,
            Self::Medium => 2,
            Self::Low => 3,
        }
    }
}

/// The knobs of the rating, set by the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskPolicy {
    /// Vertical clearance demanded below the dig bottom on top of the record's vertical accuracy.
    pub safety_margin_m: f64,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        Self {
            safety_margin_m: 0.5,
        }
    }
}

/// A rating and the one sentence that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// The rating.
    pub risk: Risk,
    /// Why, in one sentence a site foreman can read.
    pub reason: String,
}

impl RiskPolicy {
    /// Rates one feature found `distance_m` from the area (0 when crossing it), for a dig
    /// `dig_depth_m` deep (`None` = depth not given, so any depth is within reach).
    /// A position whose quality level gives no tolerance (QL-C, QL-D, DT-DICT C) and no
    /// accuracy in metres is said to be approximate in the reason.
    #[must_use]
    pub fn assess(
        &self,
        feature: &Feature,
        category: LayerCategory,
        relation: Relation,
        distance_m: f64,
        dig_depth_m: Option<f64>,
    ) -> RiskAssessment {
        let mut rated = self.rate(feature, category, relation, distance_m, dig_depth_m);
        if let Some(level) = feature.attrs.quality_level {
            if category != LayerCategory::Planning && feature.attrs.position_tolerance_m().is_none()
            {
                rated.reason.push_str(&format!(
                    " Its position is of quality {}, tolerance unknown: locate it on site before digging.",
                    level.label()
                ));
            }
        }
        rated
    }

    fn rate(
        &self,
        feature: &Feature,
        category: LayerCategory,
        relation: Relation,
        distance_m: f64,
        dig_depth_m: Option<f64>,
    ) -> RiskAssessment {
        let done = |risk, reason: String| RiskAssessment { risk, reason };
        if category == LayerCategory::Planning {
            return done(
                Risk::Low,
                format!(
                    "Planning {} (not a buried asset): check the permit conditions that apply.",
                    feature.kind
                ),
            );
        }
        if feature.attrs.status == Status::Planned {
            return done(
                Risk::Low,
                format!(
                    "Planned {} not yet built; confirm with {} that it has not been laid.",
                    feature.kind,
                    feature.owner_name()
                ),
            );
        }
        let where_ = match relation {
            Relation::Inside => "crosses the area".to_owned(),
            Relation::WithinTolerance => format!("lies {distance_m:.1} m from the area"),
        };
        // A neighbour in the tolerance zone may really be inside: only a known accuracy smaller
        // than its distance lets us say it is not.
        let maybe_inside = match relation {
            Relation::Inside => true,
            Relation::WithinTolerance => feature
                .attrs
                .position_tolerance_m()
                .is_none_or(|a| distance_m <= a),
        };
        let Some(dig) = dig_depth_m else {
            let risk = if maybe_inside {
                Risk::High
            } else {
                Risk::Medium
            };
            return done(
                risk,
                format!(
                    "{} {where_}; no dig depth was given, so any depth is within reach.",
                    feature.kind
                ),
            );
        };
        let Some(top) = feature.attrs.depth_top_m.map(f64::from) else {
            return done(
                Risk::Unknown,
                format!(
                    "{} {where_}; its depth is not on record: locate it on site before digging.",
                    feature.kind
                ),
            );
        };
        let margin = self.safety_margin_m;
        if top <= dig + margin {
            let risk = if maybe_inside {
                Risk::High
            } else {
                Risk::Medium
            };
            return done(
                risk,
                format!("{} {where_} with its top at {top:.2} m, within the {dig:.2} m dig plus {margin:.1} m margin.", feature.kind),
            );
        }
        match feature.attrs.accuracy_v_m.map(f64::from) {
            None => done(
                Risk::Medium,
                format!("{} {where_} with its top at {top:.2} m, below the {dig:.2} m dig, but the depth's accuracy is not on record.", feature.kind),
            ),
            Some(v) if top <= dig + v + margin => done(
                Risk::Medium,
                format!("{} {where_} with its top at {top:.2} m ± {v:.2} m: it may be within the {dig:.2} m dig plus {margin:.1} m margin.", feature.kind),
            ),
            Some(v) => done(
                Risk::Low,
                format!("{} {where_} with its top at {top:.2} m ± {v:.2} m, clear of the {dig:.2} m dig by more than the {margin:.1} m margin.", feature.kind),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Accuracy, Depth, FeatureAttributes, FeatureKind};
    use chrono::DateTime;
    use geo::line_string;

    fn pipe(top: Option<f64>, acc_v: Option<f64>, acc_h: Option<f64>) -> Feature {
        Feature::new(
            "g-1".parse().unwrap(),
            "gas".parse().unwrap(),
            FeatureKind::Pipe,
            line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)].into(),
            FeatureAttributes {
                depth_top_m: top.map(|d| Depth::new(d).unwrap()),
                accuracy_v_m: acc_v.map(|a| Accuracy::new(a).unwrap()),
                accuracy_h_m: acc_h.map(|a| Accuracy::new(a).unwrap()),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    fn of_quality(level: &str, material: &str) -> Feature {
        let mut f = pipe(None, None, None);
        f.attrs.quality_level = Some(crate::QualityLevel::delivered(level).unwrap());
        f.attrs.material = Some(material.into());
        f
    }

    /// A level gives the tolerance where no accuracy is delivered: a class-A steel main 0.8 m
    /// off is clearly outside, a class-B one may be under the area; QL-D says to locate it.
    #[test]
    fn a_quality_level_stands_for_a_missing_accuracy() {
        use Relation::WithinTolerance;
        assert_eq!(
            rate(&of_quality("classe A", "钢"), WithinTolerance, 0.8, None),
            Risk::Medium
        );
        assert_eq!(
            rate(&of_quality("B", "钢"), WithinTolerance, 0.8, None),
            Risk::High
        );
        let vague = RiskPolicy::default().assess(
            &of_quality("QL-D", "PE"),
            LayerCategory::Network,
            WithinTolerance,
            0.8,
            None,
        );
        assert_eq!(vague.risk, Risk::High);
        assert!(
            vague
                .reason
                .contains("ASCE 38 QL-D, tolerance unknown: locate it"),
            "{}",
            vague.reason
        );
        // A delivered accuracy wins over the level.
        let mut measured = of_quality("QL-D", "PE");
        measured.attrs.accuracy_h_m = Some(Accuracy::new(0.1).unwrap());
        let rated = RiskPolicy::default().assess(
            &measured,
            LayerCategory::Network,
            WithinTolerance,
            0.8,
            None,
        );
        assert_eq!(rated.risk, Risk::Medium);
        assert!(!rated.reason.contains("locate it"));
    }

    fn rate(f: &Feature, rel: Relation, dist: f64, dig: Option<f64>) -> Risk {
        RiskPolicy::default()
            .assess(f, LayerCategory::Network, rel, dist, dig)
            .risk
    }

    #[test]
    fn table_of_docs_risk_md() {
        use Relation::{Inside, WithinTolerance};
        // No dig depth: anything crossing is high.
        assert_eq!(
            rate(&pipe(Some(3.0), Some(0.1), Some(0.1)), Inside, 0.0, None),
            Risk::High
        );
        // Unknown depth: unknown, never low.
        assert_eq!(
            rate(&pipe(None, Some(0.1), Some(0.1)), Inside, 0.0, Some(1.0)),
            Risk::Unknown
        );
        // Top within dig + margin: high.
        assert_eq!(
            rate(
                &pipe(Some(1.4), Some(0.1), Some(0.1)),
                Inside,
                0.0,
                Some(1.0)
            ),
            Risk::High
        );
        // Deeper than dig + margin, within vertical accuracy: medium.
        assert_eq!(
            rate(
                &pipe(Some(1.7), Some(0.3), Some(0.1)),
                Inside,
                0.0,
                Some(1.0)
            ),
            Risk::Medium
        );
        // Deeper than dig + accuracy + margin: low.
        assert_eq!(
            rate(
                &pipe(Some(2.0), Some(0.3), Some(0.1)),
                Inside,
                0.0,
                Some(1.0)
            ),
            Risk::Low
        );
        // Unknown vertical accuracy never gives low.
        assert_eq!(
            rate(&pipe(Some(5.0), None, Some(0.1)), Inside, 0.0, Some(1.0)),
            Risk::Medium
        );
        // In the tolerance zone, further away than its accuracy: high becomes medium.
        assert_eq!(
            rate(
                &pipe(Some(1.0), Some(0.1), Some(0.1)),
                WithinTolerance,
                0.8,
                Some(1.0)
            ),
            Risk::Medium
        );
        // In the tolerance zone with unknown horizontal accuracy: stays high.
        assert_eq!(
            rate(
                &pipe(Some(1.0), Some(0.1), None),
                WithinTolerance,
                0.8,
                Some(1.0)
            ),
            Risk::High
        );
    }

    #[test]
    fn planning_and_planned_are_low() {
        let f = pipe(None, None, None);
        let a = RiskPolicy::default().assess(
            &f,
            LayerCategory::Planning,
            Relation::Inside,
            0.0,
            Some(1.0),
        );
        assert_eq!(a.risk, Risk::Low);
        let mut planned = pipe(None, None, None);
        planned.attrs.status = Status::Planned;
        assert_eq!(rate(&planned, Relation::Inside, 0.0, Some(1.0)), Risk::Low);
    }
}
