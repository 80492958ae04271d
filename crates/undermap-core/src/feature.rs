use chrono::{DateTime, NaiveDate, Utc};
use geo::Geometry;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::geometry::{check_feature_geometry, geometry_kind_name};
use crate::text_enum;
use crate::{CoreError, FeatureId, FeatureKind, LayerId, Sensitivity};

text_enum! {
    /// Whether an asset exists and carries service.
    pub enum Status ("status") {
        /// Built and in use.
        InService => "in_service",
        /// Left in the ground, out of use. Still a strike hazard.
        Abandoned => "abandoned",
        /// Designed but not built.
        Planned => "planned",
        /// Being built.
        UnderConstruction => "under_construction",
    }
}

text_enum! {
    /// Gas pressure class (GB 50028 城镇燃气设计规范, gauge pressure).
    pub enum PressureClass ("pressure_class") {
        /// 低压, below 0.01 MPa.
        Low => "low",
        /// 中压B, 0.01–0.2 MPa.
        MediumB => "medium_b",
        /// 中压A, 0.2–0.4 MPa.
        MediumA => "medium_a",
        /// 次高压B, 0.4–0.8 MPa.
        SubHighB => "sub_high_b",
        /// 次高压A, 0.8–1.6 MPa.
        SubHighA => "sub_high_a",
        /// 高压B, 1.6–2.5 MPa.
        HighB => "high_b",
        /// 高压A, 2.5–4.0 MPa.
        HighA => "high_a",
    }
}

text_enum! {
    /// How a depth was obtained: it decides how far the figure can be trusted.
    pub enum DepthMethod ("depth_method") {
        /// Measured in an open trench or chamber (开挖量测).
        Measured => "measured",
        /// Found by geophysical detection (物探).
        Detected => "detected",
        /// Taken from design or as-built drawings.
        Design => "design",
        /// Estimated (typical depth for the kind).
        Estimated => "estimated",
    }
}

// The enum comes from `text_enum!`, which cannot take a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for Status {
    fn default() -> Self {
        Self::InService
    }
}

/// A depth below ground in metres, 0 to 30 (the range pipeline surveys deliver).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Depth(f64);

impl Depth {
    /// Largest depth accepted, in metres.
    pub const MAX_M: f64 = 30.0;

    /// A depth in metres, or an error saying the allowed range.
    ///
    /// ```
    /// use undermap_core::Depth;
    /// assert_eq!(Depth::new(1.2).unwrap().metres(), 1.2);
    /// assert!(Depth::new(-0.5).is_err());
    /// ```
    pub fn new(metres: f64) -> Result<Self, CoreError> {
        if metres.is_finite() && (0.0..=Self::MAX_M).contains(&metres) {
            Ok(Self(metres))
        } else {
            Err(CoreError::value(
                "depth",
                format!("{metres} m is outside 0 to {} m", Self::MAX_M),
            ))
        }
    }

    /// The depth in metres.
    #[must_use]
    pub fn metres(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Depth {
    type Error = CoreError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Depth> for f64 {
    fn from(value: Depth) -> Self {
        value.0
    }
}

/// A positional accuracy in metres (one standard deviation or the class bound), 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Accuracy(f64);

impl Accuracy {
    /// An accuracy in metres, or an error saying the allowed range.
    pub fn new(metres: f64) -> Result<Self, CoreError> {
        if metres.is_finite() && (0.0..=100.0).contains(&metres) {
            Ok(Self(metres))
        } else {
            Err(CoreError::value(
                "accuracy",
                format!("{metres} m is outside 0 to 100 m"),
            ))
        }
    }

    /// The accuracy in metres.
    #[must_use]
    pub fn metres(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Accuracy {
    type Error = CoreError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Accuracy> for f64 {
    fn from(value: Accuracy) -> Self {
        value.0
    }
}

/// The organisation that owns an asset and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Owner {
    /// Organisation name, e.g. "秀山县自来水公司".
    pub name: String,
    /// A phone number or other contact, as delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The free attribute (in [`FeatureAttributes::extra`]) naming the archive project a feature
/// was delivered for (its 项目代码): set on every feature of a delivery made for a project.
pub const PROJECT_CODE: &str = "project_code";

/// Everything known about a feature besides its identity, kind and geometry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureAttributes {
    /// Owner and contact.
    #[serde(default)]
    pub owner: Option<Owner>,
    /// Material as delivered, normalised to a code where the layer knows one (PE, DI, PVC…).
    #[serde(default)]
    pub material: Option<String>,
    /// Nominal diameter in millimetres.
    #[serde(default)]
    pub diameter_mm: Option<f64>,
    /// Section of a duct or culvert, `B×H` in millimetres, e.g. `800x600`.
    #[serde(default)]
    pub section: Option<String>,
    /// Gas pressure class.
    #[serde(default)]
    pub pressure_class: Option<PressureClass>,
    /// Power voltage in kilovolts.
    #[serde(default)]
    pub voltage_kv: Option<f64>,
    /// Depth of the top of the asset below ground.
    #[serde(default)]
    pub depth_top_m: Option<Depth>,
    /// Depth of the bottom (invert) of the asset below ground.
    #[serde(default)]
    pub depth_bottom_m: Option<Depth>,
    /// How the depths were obtained.
    #[serde(default)]
    pub depth_method: Option<DepthMethod>,
    /// Horizontal accuracy of the position; `None` = unknown.
    #[serde(default)]
    pub accuracy_h_m: Option<Accuracy>,
    /// Vertical accuracy of the depths; `None` = unknown.
    #[serde(default)]
    pub accuracy_v_m: Option<Accuracy>,
    /// When the position was surveyed.
    #[serde(default)]
    pub survey_date: Option<NaiveDate>,
    /// Service status.
    #[serde(default)]
    pub status: Status,
    /// The archive record the position comes from (document or record id).
    #[serde(default)]
    pub archive_ref: Option<String>,
    /// Other attributes as delivered.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Positional quality level as delivered (ASCE 38, DT-DICT, CJJ 61): where no accuracy in
    /// metres is given, it gives the tolerance. Left out of JSON when absent, so content hashes
    /// stored before the field existed stay valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_level: Option<crate::QualityLevel>,
    /// How sensitive the asset is; who may see it in full (left out of JSON when `normal`, so
    /// content hashes stored before the field existed stay valid).
    #[serde(default, skip_serializing_if = "Sensitivity::is_normal")]
    pub sensitivity: Sensitivity,
}

impl FeatureAttributes {
    /// The horizontal tolerance of the position, m: the accuracy delivered, else what the
    /// quality level gives (`None`: unknown).
    #[must_use]
    pub fn position_tolerance_m(&self) -> Option<f64> {
        self.accuracy_h_m.map(f64::from).or_else(|| {
            self.quality_level
                .and_then(|q| q.tolerance_m(self.material.as_deref()))
        })
    }

    /// Checks ranges that the field types cannot express.
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Some(d) = self.diameter_mm {
            if !(d.is_finite() && (10.0..=4000.0).contains(&d)) {
                return Err(CoreError::value(
                    "diameter_mm",
                    format!("{d} mm is outside 10 to 4000 mm"),
                ));
            }
        }
        if let Some(v) = self.voltage_kv {
            if !(v.is_finite() && v > 0.0 && v <= 1000.0) {
                return Err(CoreError::value(
                    "voltage_kv",
                    format!("{v} kV is outside 0 to 1000 kV"),
                ));
            }
        }
        if let (Some(top), Some(bottom)) = (self.depth_top_m, self.depth_bottom_m) {
            if bottom.metres() < top.metres() {
                return Err(CoreError::value(
                    "depth_bottom_m",
                    format!(
                        "bottom at {} m is above the top at {} m",
                        bottom.metres(),
                        top.metres()
                    ),
                ));
            }
        }
        if let Some(owner) = &self.owner {
            if owner.name.trim().is_empty() {
                return Err(CoreError::value("owner", "owner name is empty"));
            }
        }
        Ok(())
    }
}

/// One version of a feature, with its geometry in the deployment CRS (metres).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Stable id across versions.
    pub id: FeatureId,
    /// The layer it belongs to.
    pub layer: LayerId,
    /// What it is.
    pub kind: FeatureKind,
    /// Where it is, in the deployment CRS (x = easting, y = northing, metres).
    pub geometry: Geometry<f64>,
    /// Everything else known about it.
    pub attrs: FeatureAttributes,
    /// Since when this version is the current one.
    pub valid_from: DateTime<Utc>,
    /// Until when this version was current; `None` while it still is.
    pub valid_to: Option<DateTime<Utc>>,
}

impl Feature {
    /// A feature version, if its geometry suits its kind and its attributes are in range.
    pub fn new(
        id: FeatureId,
        layer: LayerId,
        kind: FeatureKind,
        geometry: Geometry<f64>,
        attrs: FeatureAttributes,
        valid_from: DateTime<Utc>,
    ) -> Result<Self, CoreError> {
        check_feature_geometry(kind, &geometry)?;
        attrs.validate()?;
        Ok(Self {
            id,
            layer,
            kind,
            geometry,
            attrs,
            valid_from,
            valid_to: None,
        })
    }

    /// A fingerprint of everything that makes two versions different, used to make re-loading
    /// idempotent. Coordinates are rounded to 0.1 mm so that reprojection noise is not a change.
    #[must_use]
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.layer.as_str());
        hasher.update([0]);
        hasher.update(self.kind.as_str());
        hasher.update([0]);
        hasher.update(geometry_kind_name(&self.geometry));
        for c in geo::CoordsIter::coords_iter(&self.geometry) {
            // Rounding to 1e-4 m is far below any survey accuracy.
            #[allow(clippy::cast_possible_truncation)]
            let (x, y) = ((c.x * 1e4).round() as i64, (c.y * 1e4).round() as i64);
            hasher.update(x.to_le_bytes());
            hasher.update(y.to_le_bytes());
        }
        hasher.update([0]);
        // The attributes' JSON goes straight into the hash (the same bytes as `to_vec`, so
        // stored hashes stay valid), without building it in memory first.
        struct Feed<'a>(&'a mut Sha256);
        impl std::io::Write for Feed<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let _ = serde_json::to_writer(Feed(&mut hasher), &self.attrs);
        hex::encode(hasher.finalize())
    }

    /// The owner's name, or `unknown owner`.
    #[must_use]
    pub fn owner_name(&self) -> &str {
        self.attrs
            .owner
            .as_ref()
            .map_or("unknown owner", |o| o.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point};

    fn pipe() -> Feature {
        Feature::new(
            "w-1".parse().unwrap(),
            "water".parse().unwrap(),
            FeatureKind::Pipe,
            line_string![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0)].into(),
            FeatureAttributes {
                diameter_mm: Some(300.0),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn hash_ignores_submillimetre_noise_but_not_changes() {
        let a = pipe();
        let mut b = pipe();
        b.geometry = line_string![(x: 0.000_001, y: 0.0), (x: 10.0, y: 0.0)].into();
        assert_eq!(a.content_hash(), b.content_hash());
        b.attrs.material = Some("DI".into());
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn hashes_stored_by_earlier_versions_stay_valid() {
        // The hash of this pipe as every earlier version computed and stored it: changing it
        // would make every re-delivery look like a change.
        assert_eq!(
            pipe().content_hash(),
            "f10f1ee4246d0601a15a351231d0aa079fef346f8d1600c63f196c488f704118"
        );
    }

    #[test]
    fn rejects_wrong_geometry_for_kind_and_bad_ranges() {
        let err = Feature::new(
            "w-1".parse().unwrap(),
            "water".parse().unwrap(),
            FeatureKind::Pipe,
            point!(x: 1.0, y: 2.0).into(),
            FeatureAttributes::default(),
            DateTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(err.to_string().contains("pipe"), "{err}");

        let attrs = FeatureAttributes {
            diameter_mm: Some(5.0),
            ..FeatureAttributes::default()
        };
        assert!(attrs.validate().is_err());
        assert!(Depth::new(31.0).is_err());
        assert!(Depth::new(f64::NAN).is_err());
        assert!(Accuracy::new(-1.0).is_err());
    }

    #[test]
    fn bottom_above_top_is_rejected() {
        let attrs = FeatureAttributes {
            depth_top_m: Some(Depth::new(2.0).unwrap()),
            depth_bottom_m: Some(Depth::new(1.0).unwrap()),
            ..FeatureAttributes::default()
        };
        assert!(attrs.validate().is_err());
    }
}
