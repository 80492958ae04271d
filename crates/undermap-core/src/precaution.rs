//! Precaution zones (IMKL's *eis voorzorgsmaatregel*): areas an owner delivers where digging
//! must follow a requirement — the owner present, hand digging within some metres, no
//! mechanical excavation. A check that touches one lists the requirement and whom to call in the
//! signed ticket and on its printout.

use serde::Serialize;

use crate::resilience::{number, text};
use crate::{CoreError, Feature, FeatureKind};

/// The attribute keys of a precaution zone (in [`crate::FeatureAttributes::extra`]).
pub mod keys {
    /// Its requirement ([`super::Requirement`]).
    pub const REQUIREMENT: &str = "requirement";
    /// The distance a requirement applies within, m (hand digging within 1 m).
    pub const WITHIN_M: &str = "within_m";
    /// The owner's words.
    pub const NOTE: &str = "note";
}

crate::text_enum! {
    /// What digging in a precaution zone requires.
    pub enum Requirement ("requirement") {
        /// The owner's staff present while digging.
        OwnerPresent => "owner_present",
        /// Digging by hand (within `within_m` of the asset).
        HandDig => "hand_dig",
        /// No mechanical excavation at all.
        NoMechanicalExcavation => "no_mechanical_excavation",
        /// The owner told before work starts.
        NotifyBeforeWork => "notify_before_work",
        /// As the note says.
        Other => "other",
    }
}

impl Requirement {
    /// The requirement in both languages, with its distance.
    #[must_use]
    pub fn words(self, within_m: Option<f64>) -> (String, String) {
        let within = within_m.map_or_else(String::new, |m| format!(" within {m} m"));
        let within_zh = within_m.map_or_else(String::new, |m| format!("{m} 米范围内"));
        match self {
            Self::OwnerPresent => (
                format!("The owner must be present while digging{within}."),
                format!("{within_zh}开挖时权属单位须到场监护。"),
            ),
            Self::HandDig => (
                format!("Hand dig only{within}."),
                format!("{within_zh}须人工开挖。"),
            ),
            Self::NoMechanicalExcavation => (
                format!("No mechanical excavation{within}."),
                format!("{within_zh}禁止机械开挖。"),
            ),
            Self::NotifyBeforeWork => (
                "Notify the owner before work starts.".to_owned(),
                "开工前须通知权属单位。".to_owned(),
            ),
            Self::Other => (
                "As the owner's note says.".to_owned(),
                "见权属单位说明。".to_owned(),
            ),
        }
    }
}

/// A precaution zone's requirement, read from its feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrecautionRecord {
    /// What digging in it requires.
    pub requirement: Requirement,
    /// Within how many metres, where that matters.
    pub within_m: Option<f64>,
    /// The owner's words.
    pub note: Option<String>,
}

impl PrecautionRecord {
    /// Reads a zone's requirement, or says which attribute is missing or wrong.
    pub fn read(feature: &Feature) -> Result<Self, CoreError> {
        if feature.kind != FeatureKind::PrecautionZone {
            return Err(CoreError::value(
                "kind",
                format!("a {} is not a precaution zone", feature.kind),
            ));
        }
        let extra = &feature.attrs.extra;
        let requirement = text(extra, keys::REQUIREMENT)?
            .ok_or_else(|| {
                CoreError::value(
                    keys::REQUIREMENT,
                    format!(
                        "missing; one of {}",
                        Requirement::ALL
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?
            .parse()?;
        let within_m = number(extra, keys::WITHIN_M)?;
        if let Some(m) = within_m {
            if !(m > 0.0 && m <= 100.0) {
                return Err(CoreError::value(
                    keys::WITHIN_M,
                    format!("{m} m is outside 0 to 100 m"),
                ));
            }
        }
        let note = text(extra, keys::NOTE)?;
        if requirement == Requirement::Other && note.is_none() {
            return Err(CoreError::value(
                keys::NOTE,
                "a requirement of `other` needs the owner's note saying what it is",
            ));
        }
        Ok(Self {
            requirement,
            within_m,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FeatureAttributes;
    use chrono::DateTime;
    use geo::polygon;
    use serde_json::json;

    fn zone(extra: serde_json::Value) -> Feature {
        Feature::new(
            "WP-1".parse().unwrap(),
            "water_precautions".parse().unwrap(),
            FeatureKind::PrecautionZone,
            polygon![(x: 0.0, y: 0.0), (x: 5.0, y: 0.0), (x: 5.0, y: 5.0), (x: 0.0, y: 0.0)].into(),
            FeatureAttributes {
                extra: extra.as_object().unwrap().clone(),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn a_zone_reads_its_requirement_or_says_what_is_wrong() {
        let z = PrecautionRecord::read(&zone(json!({"requirement": "hand_dig", "within_m": 1})))
            .unwrap();
        assert_eq!(
            (z.requirement, z.within_m),
            (Requirement::HandDig, Some(1.0))
        );
        assert_eq!(
            z.requirement.words(z.within_m).0,
            "Hand dig only within 1 m."
        );
        assert!(z.requirement.words(z.within_m).1.starts_with("1 米范围内"));
        for (bad, field) in [
            (json!({}), "requirement"),
            (json!({"requirement": "be careful"}), "requirement"),
            (
                json!({"requirement": "hand_dig", "within_m": -1}),
                "within_m",
            ),
            (json!({"requirement": "other"}), "note"),
        ] {
            let e = PrecautionRecord::read(&zone(bad.clone())).unwrap_err();
            assert!(e.to_string().contains(field), "{bad}: {e}");
        }
    }
}
