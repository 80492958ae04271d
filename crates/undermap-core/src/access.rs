//! What one caller may see of the map: which layers, which fields, up to which sensitivity.
//!
//! A [`View`] is made once per credential (from its role and the user's own layer limits) and
//! applied by every read path the same way: a feature is either seen (with its hidden fields
//! blanked by [`View::redact`]) or not seen at all; an excavation check reports an unseen asset
//! as "present, contact the owner" instead of leaving it out.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::text_enum;
use crate::{Feature, LayerId};

text_enum! {
    /// How sensitive a feature is (GB/T 密级-style levels). A caller sees a feature in full only
    /// when its clearance is at least the feature's level.
    pub enum Sensitivity ("sensitivity") {
        /// Anyone allowed on the layer may see it (公开/内部).
        Normal => "normal",
        /// Critical assets: high-pressure gas, high-voltage trunks, treatment works (秘密).
        Restricted => "restricted",
        /// Assets whose position is itself protected (机密): shown only to cleared staff.
        Secret => "secret",
    }
}

// The enum comes from `text_enum!`, which cannot take a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for Sensitivity {
    fn default() -> Self {
        Self::Normal
    }
}

impl Sensitivity {
    /// Whether this is the default level (so that it is left out of stored attributes).
    #[must_use]
    pub fn is_normal(&self) -> bool {
        *self == Self::Normal
    }
}

text_enum! {
    /// An attribute a role may be denied. Names are those of the OGC properties.
    pub enum Field ("field") {
        /// The owner organisation.
        OwnerName => "owner_name",
        /// The owner's phone number or other contact.
        OwnerContact => "owner_contact",
        /// Material.
        Material => "material",
        /// Nominal diameter.
        DiameterMm => "diameter_mm",
        /// Duct section.
        Section => "section",
        /// Gas pressure class.
        PressureClass => "pressure_class",
        /// Voltage.
        VoltageKv => "voltage_kv",
        /// Depth of the top.
        DepthTopM => "depth_top_m",
        /// Depth of the bottom.
        DepthBottomM => "depth_bottom_m",
        /// How the depth is known.
        DepthMethod => "depth_method",
        /// Horizontal accuracy.
        AccuracyHM => "accuracy_h_m",
        /// Vertical accuracy.
        AccuracyVM => "accuracy_v_m",
        /// Survey date.
        SurveyDate => "survey_date",
        /// The archive record.
        ArchiveRef => "archive_ref",
        /// Department-specific attributes as delivered.
        Extra => "extra",
    }
}

/// A set of [`Field`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldMask(u16);

impl FieldMask {
    /// No field.
    pub const NONE: Self = Self(0);

    fn bit(field: Field) -> u16 {
        let position = Field::ALL.iter().position(|f| *f == field).unwrap_or(0);
        1 << position
    }

    /// The set with `field` added.
    #[must_use]
    pub fn with(self, field: Field) -> Self {
        Self(self.0 | Self::bit(field))
    }

    /// Both sets together.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether `field` is in the set.
    #[must_use]
    pub fn contains(self, field: Field) -> bool {
        self.0 & Self::bit(field) != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the field named `name` (an OGC property name) is in the set.
    #[must_use]
    pub fn hides(self, name: &str) -> bool {
        name.parse::<Field>().is_ok_and(|f| self.contains(f))
    }

    /// The fields in the set, in declaration order.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL
            .iter()
            .copied()
            .filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldMask {
    fn from_iter<T: IntoIterator<Item = Field>>(iter: T) -> Self {
        iter.into_iter().fold(Self::NONE, Self::with)
    }
}

/// How much of the map one request may take: a contractor views inside a bounded area and
/// cannot page out whole layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Largest `bbox` an items request may cover, m² (a `bbox` is then required).
    pub max_area_m2: u64,
    /// Largest page of items.
    pub max_page: usize,
    /// Lowest zoom of vector tiles served.
    pub min_tile_zoom: u32,
    /// Distinct map area served per day across items, tiles, nearest and features by id, m²
    /// (counted in 100 m cells); absent: no daily budget.
    #[serde(default)]
    pub daily_area_m2: Option<u64>,
    /// Most features one nearest query returns.
    #[serde(default = "Bounds::default_nearest_k")]
    pub max_nearest_k: usize,
    /// Farthest a nearest query looks, metres.
    #[serde(default = "Bounds::default_nearest_m")]
    pub nearest_within_m: u32,
}

impl Bounds {
    fn default_nearest_k() -> usize {
        20
    }

    fn default_nearest_m() -> u32 {
        200
    }
}

/// What one caller may see. Cheap to test per feature; made once per credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct View {
    /// Layers seen at all; `None` = every layer.
    layers: Option<BTreeSet<LayerId>>,
    /// Fields hidden on every layer.
    hidden: FieldMask,
    /// Fields hidden on particular layers, on top of `hidden`.
    hidden_on: BTreeMap<LayerId, FieldMask>,
    /// The highest sensitivity seen in full.
    clearance: Sensitivity,
    /// Limits on area and page size; `None`: unbounded.
    bounds: Option<Bounds>,
}

impl Default for View {
    fn default() -> Self {
        Self::everything()
    }
}

impl View {
    /// Every layer, every field, every feature: administrators and internal use.
    #[must_use]
    pub fn everything() -> Self {
        Self {
            layers: None,
            hidden: FieldMask::NONE,
            hidden_on: BTreeMap::new(),
            clearance: Sensitivity::Secret,
            bounds: None,
        }
    }

    /// A view limited to `layers` (`None`: all), with `hidden` fields blanked everywhere,
    /// `hidden_on` per layer, and features above `clearance` left out.
    #[must_use]
    pub fn new(
        layers: Option<BTreeSet<LayerId>>,
        hidden: FieldMask,
        hidden_on: BTreeMap<LayerId, FieldMask>,
        clearance: Sensitivity,
    ) -> Self {
        let hidden_on = hidden_on
            .into_iter()
            .filter(|(_, m)| !m.is_empty())
            .collect();
        Self {
            layers,
            hidden,
            hidden_on,
            clearance,
            bounds: None,
        }
    }

    /// The same view with limits on area and page size.
    #[must_use]
    pub fn with_bounds(mut self, bounds: Option<Bounds>) -> Self {
        self.bounds = bounds;
        self
    }

    /// Limits on area and page size, if any.
    #[must_use]
    pub fn bounds(&self) -> Option<Bounds> {
        self.bounds
    }

    /// The same view, further limited to `layers` (a user's own layer list).
    #[must_use]
    pub fn only_layers(mut self, layers: &BTreeSet<LayerId>) -> Self {
        self.layers = Some(match self.layers {
            None => layers.clone(),
            Some(own) => own.intersection(layers).cloned().collect(),
        });
        self
    }

    /// The highest sensitivity seen in full.
    #[must_use]
    pub fn clearance(&self) -> Sensitivity {
        self.clearance
    }

    /// Whether the layer is seen at all.
    #[must_use]
    pub fn sees_layer(&self, layer: &LayerId) -> bool {
        self.layers.as_ref().is_none_or(|l| l.contains(layer))
    }

    /// Whether the feature is seen (its layer is, and its sensitivity is within clearance).
    #[must_use]
    pub fn sees(&self, feature: &Feature) -> bool {
        feature.attrs.sensitivity <= self.clearance && self.sees_layer(&feature.layer)
    }

    /// Whether every feature of a seen layer is seen: counts of the layer may then be shown.
    #[must_use]
    pub fn sees_whole_layers(&self) -> bool {
        self.clearance == Sensitivity::Secret
    }

    /// Fields hidden on `layer`.
    #[must_use]
    pub fn hidden(&self, layer: &LayerId) -> FieldMask {
        self.hidden_on
            .get(layer)
            .map_or(self.hidden, |m| m.union(self.hidden))
    }

    /// Whether this view hides nothing at all.
    #[must_use]
    pub fn is_everything(&self) -> bool {
        self.layers.is_none()
            && self.hidden.is_empty()
            && self.hidden_on.is_empty()
            && self.clearance == Sensitivity::Secret
            && self.bounds.is_none()
    }

    /// The feature with the fields this view hides blanked (borrowed when nothing is hidden).
    #[must_use]
    pub fn redact<'a>(&self, feature: &'a Feature) -> Cow<'a, Feature> {
        let mask = self.hidden(&feature.layer);
        if mask.is_empty() {
            return Cow::Borrowed(feature);
        }
        let mut f = feature.clone();
        let a = &mut f.attrs;
        for field in mask.fields() {
            match field {
                Field::OwnerName => a.owner = None,
                Field::OwnerContact => {
                    if let Some(o) = a.owner.as_mut() {
                        o.contact = None;
                    }
                }
                Field::Material => a.material = None,
                Field::DiameterMm => a.diameter_mm = None,
                Field::Section => a.section = None,
                Field::PressureClass => a.pressure_class = None,
                Field::VoltageKv => a.voltage_kv = None,
                Field::DepthTopM => a.depth_top_m = None,
                Field::DepthBottomM => a.depth_bottom_m = None,
                Field::DepthMethod => a.depth_method = None,
                Field::AccuracyHM => a.accuracy_h_m = None,
                Field::AccuracyVM => a.accuracy_v_m = None,
                Field::SurveyDate => a.survey_date = None,
                Field::ArchiveRef => a.archive_ref = None,
                Field::Extra => a.extra.clear(),
            }
        }
        Cow::Owned(f)
    }

    /// A number that differs between views that show different things (tile cache keys).
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A role may be denied every column attribute but the service status (which every check
    /// and map shows), and the department-specific extras.
    #[test]
    fn the_fields_a_role_may_be_denied_are_the_attribute_table_s() {
        let fields: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
        let mut expected: Vec<&str> = crate::attribute::ATTRIBUTES
            .iter()
            .map(|a| a.name)
            .filter(|n| *n != "status")
            .collect();
        expected.push("extra");
        assert_eq!(fields, expected);
    }
    use crate::{FeatureAttributes, FeatureKind, Owner};
    use chrono::DateTime;
    use geo::line_string;

    fn pipe(layer: &str, sensitivity: Sensitivity) -> Feature {
        Feature::new(
            "p-1".parse().unwrap(),
            layer.parse().unwrap(),
            FeatureKind::Pipe,
            line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)].into(),
            FeatureAttributes {
                owner: Some(Owner {
                    name: "Gas Co".into(),
                    contact: Some("110".into()),
                }),
                depth_top_m: Some(crate::Depth::new(1.2).unwrap()),
                sensitivity,
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn clearance_and_layers_decide_what_is_seen() {
        let gas: LayerId = "gas".parse().unwrap();
        let view = View::new(
            Some([gas.clone()].into()),
            FieldMask::NONE,
            BTreeMap::new(),
            Sensitivity::Normal,
        );
        assert!(view.sees(&pipe("gas", Sensitivity::Normal)));
        assert!(!view.sees(&pipe("gas", Sensitivity::Restricted)));
        assert!(!view.sees(&pipe("water", Sensitivity::Normal)));
        assert!(View::everything().sees(&pipe("water", Sensitivity::Secret)));
        let narrower = View::everything().only_layers(&[gas].into());
        assert!(!narrower.sees(&pipe("water", Sensitivity::Normal)));
    }

    #[test]
    fn hidden_fields_are_blanked_per_layer() {
        let gas: LayerId = "gas".parse().unwrap();
        let view = View::new(
            None,
            [Field::OwnerContact].into_iter().collect(),
            [(gas, [Field::DepthTopM].into_iter().collect())].into(),
            Sensitivity::Secret,
        );
        let f = pipe("gas", Sensitivity::Normal);
        let seen = view.redact(&f);
        assert_eq!(seen.attrs.owner.as_ref().unwrap().name, "Gas Co");
        assert_eq!(seen.attrs.owner.as_ref().unwrap().contact, None);
        assert_eq!(seen.attrs.depth_top_m, None);
        let w = pipe("water", Sensitivity::Normal);
        assert!(view.redact(&w).attrs.depth_top_m.is_some());
        assert!(matches!(View::everything().redact(&w), Cow::Borrowed(_)));
        assert_ne!(view.fingerprint(), View::everything().fingerprint());
    }

    #[test]
    fn masks_hold_every_field() {
        let all: FieldMask = Field::ALL.iter().copied().collect();
        assert_eq!(all.fields().count(), Field::ALL.len());
        assert!(all.hides("extra") && !FieldMask::NONE.hides("extra"));
        assert!(!all.hides("layer"));
    }
}
