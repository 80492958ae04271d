//! One feature found by a check: as the answer reads it back (`Hit`) and as the ticket writes it
//! (`HitOut`, borrowing the feature's own strings).

use std::borrow::Cow;
use std::fmt::Display;

use chrono::NaiveDate;
use geo::Geometry;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use undermap_core::{Feature, Relation, Risk, View};
use undermap_crs::Transformer;
use undermap_index::Match;

use crate::shared::geometry_out::{cm, SortedGeoJson};
use crate::ServiceError;

/// One feature found by a check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    /// Stable feature id.
    pub feature_id: String,
    /// Layer.
    pub layer: String,
    /// Kind.
    pub kind: String,
    /// Service status.
    pub status: String,
    /// Owner organisation.
    pub owner: Option<String>,
    /// Owner contact.
    pub contact: Option<String>,
    /// Material.
    pub material: Option<String>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Duct section B×H, mm.
    pub section: Option<String>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Positional quality level as delivered (`ql_a` … `ql_d`, `dt_a` … `dt_c`,
    /// `cjj_measured`, `cjj_detected`); absent when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_level: Option<String>,
    /// Power voltage, kV.
    pub voltage_kv: Option<f64>,
    /// Depth of top, m.
    pub depth_top_m: Option<f64>,
    /// Depth of bottom, m.
    pub depth_bottom_m: Option<f64>,
    /// How the depth was obtained.
    pub depth_method: Option<String>,
    /// Horizontal accuracy of the position, m (null = unknown).
    pub accuracy_m: Option<f64>,
    /// Vertical accuracy of the depth, m (null = unknown).
    pub vertical_accuracy_m: Option<f64>,
    /// When the position was surveyed.
    pub survey_date: Option<NaiveDate>,
    /// The archive record the position comes from.
    pub archive_ref: Option<String>,
    /// Distance to the area, m (0 = crosses it).
    pub distance_m: f64,
    /// Tolerance that applied, m.
    pub tolerance_m: f64,
    /// `inside` or `within_tolerance`.
    pub relation: Relation,
    /// `high`, `medium`, `low` or `unknown`.
    pub risk: Risk,
    /// Why, in one sentence.
    pub reason: String,
    /// The feature's geometry in the request CRS; `null` for a restricted asset.
    pub geometry: Option<geojson::Geometry>,
    /// A restricted asset the caller may not see in detail: only that it is there, how close,
    /// and whom to call. Its id, attributes and geometry are withheld.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

/// What a restricted hit says instead of the asset's details.
pub(crate) const RESTRICTED_REASON: &str =
    "a restricted asset lies here; its details are withheld: contact the owner before digging";

/// One feature found by a check, as the ticket writes it.
pub(crate) struct HitOut<'a> {
    /// The feature as the caller may see it; `None` for a restricted asset.
    pub seen: Option<Cow<'a, Feature>>,
    /// The feature itself (for a restricted hit: its layer, kind, status and owner).
    pub feature: &'a Feature,
    /// Its geometry in the answer's CRS, not yet rounded; `None` for a restricted asset.
    pub geometry: Option<Geometry<f64>>,
    pub distance_m: f64,
    pub tolerance_m: f64,
    pub relation: Relation,
    pub risk: Risk,
    pub reason: &'a str,
    /// Coordinates are rounded to `1 / scale` ([`crate::shared::geometry_out::scale`]).
    pub scale: f64,
}

impl HitOut<'_> {
    /// The owner to call, as the hit names it.
    pub(crate) fn owner(&self) -> Option<&str> {
        self.shown().attrs.owner.as_ref().map(|o| o.name.as_str())
    }

    /// The owner's contact, as the hit gives it.
    pub(crate) fn contact(&self) -> Option<&str> {
        self.shown()
            .attrs
            .owner
            .as_ref()
            .and_then(|o| o.contact.as_deref())
    }

    fn shown(&self) -> &Feature {
        self.seen.as_deref().unwrap_or(self.feature)
    }
}

/// A value written as the string its `Display` gives, without making that string first.
pub(super) struct Shown<'a, T: Display>(&'a T);

impl<T: Display> Serialize for Shown<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl Serialize for HitOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Members in sorted order: keep them so.
        let restricted = self.seen.is_none();
        let mut m = s.serialize_struct("Hit", if restricted { 25 } else { 24 })?;
        let f = self.shown();
        // A restricted hit withholds every attribute but its layer, kind, status and owner.
        let a = (!restricted).then_some(&f.attrs);
        m.serialize_field("accuracy_m", &a.and_then(|a| a.accuracy_h_m).map(f64::from))?;
        m.serialize_field("archive_ref", &a.and_then(|a| a.archive_ref.as_deref()))?;
        m.serialize_field("contact", &self.contact())?;
        m.serialize_field(
            "depth_bottom_m",
            &a.and_then(|a| a.depth_bottom_m).map(f64::from),
        )?;
        m.serialize_field(
            "depth_method",
            &a.and_then(|a| a.depth_method.as_ref()).map(Shown),
        )?;
        m.serialize_field("depth_top_m", &a.and_then(|a| a.depth_top_m).map(f64::from))?;
        m.serialize_field("diameter_mm", &a.and_then(|a| a.diameter_mm))?;
        m.serialize_field("distance_m", &self.distance_m)?;
        if restricted {
            m.serialize_field("feature_id", "restricted")?;
        } else {
            m.serialize_field("feature_id", &Shown(&f.id))?;
        }
        m.serialize_field(
            "geometry",
            &self.geometry.as_ref().map(|g| SortedGeoJson {
                geometry: g,
                scale: self.scale,
            }),
        )?;
        m.serialize_field("kind", &Shown(&f.kind))?;
        m.serialize_field("layer", &Shown(&f.layer))?;
        m.serialize_field("material", &a.and_then(|a| a.material.as_deref()))?;
        m.serialize_field("owner", &self.owner())?;
        m.serialize_field(
            "pressure_class",
            &a.and_then(|a| a.pressure_class.as_ref()).map(Shown),
        )?;
        if let Some(q) = a.and_then(|a| a.quality_level) {
            m.serialize_field("quality_level", &q)?;
        }
        m.serialize_field("reason", self.reason)?;
        m.serialize_field("relation", &self.relation)?;
        if restricted {
            m.serialize_field("restricted", &true)?;
        }
        m.serialize_field("risk", &self.risk)?;
        m.serialize_field("section", &a.and_then(|a| a.section.as_deref()))?;
        m.serialize_field("status", &Shown(&f.attrs.status))?;
        m.serialize_field("survey_date", &a.and_then(|a| a.survey_date))?;
        m.serialize_field("tolerance_m", &self.tolerance_m)?;
        m.serialize_field(
            "vertical_accuracy_m",
            &a.and_then(|a| a.accuracy_v_m).map(f64::from),
        )?;
        m.serialize_field("voltage_kv", &a.and_then(|a| a.voltage_kv))?;
        m.end()
    }
}

/// A match as the ticket writes it: in full when `view` sees the feature (with the fields it
/// hides left out), else as a restricted hit, "present, contact the owner" (as the UK's NUAR
/// shows sensitive assets): layer, kind, owner, how close and how risky, nothing that locates
/// or describes the asset further.
pub(super) fn hit<'a>(
    m: &'a Match<'a>,
    out: &Transformer,
    view: &View,
    scale: f64,
) -> Result<HitOut<'a>, ServiceError> {
    let seen = view.sees(m.feature).then(|| view.redact(m.feature));
    let geometry = match &seen {
        Some(f) => Some(out.geometry(&f.geometry)?),
        None => None,
    };
    Ok(HitOut {
        reason: if seen.is_some() {
            &m.assessment.reason
        } else {
            RESTRICTED_REASON
        },
        seen,
        feature: m.feature,
        geometry,
        distance_m: cm(m.distance_m),
        tolerance_m: cm(m.tolerance_m),
        relation: m.relation,
        risk: m.assessment.risk,
        scale,
    })
}
