use std::collections::HashSet;

use rstar::{RTreeObject, AABB};
use undermap_core::{
    ExcavationArea, Feature, LayerCategory, LayerId, Relation, RiskAssessment, RiskPolicy,
};

use crate::proximity::Probe;
use crate::MapIndex;

/// What an excavation check asks of the index.
#[derive(Debug, Clone)]
pub struct CheckQuery<'a> {
    /// The area to be dug, in the deployment CRS.
    pub area: &'a ExcavationArea,
    /// Tolerance zone around the area in metres.
    pub buffer_m: f64,
    /// Only these layers; `None` = all.
    pub layers: Option<HashSet<LayerId>>,
    /// Planned maximum dig depth in metres; `None` = not given.
    pub dig_depth_m: Option<f64>,
    /// How hits are rated.
    pub policy: RiskPolicy,
    /// Horizontal accuracy assumed where none is recorded (so unknown is never better than known).
    pub unknown_accuracy_m: f64,
}

impl CheckQuery<'_> {
    /// How far from the area a feature with this recorded accuracy still counts: the buffer,
    /// widened by the accuracy where the accuracy is worse than the buffer.
    #[must_use]
    pub fn tolerance_for(&self, accuracy_h_m: Option<f64>) -> f64 {
        let accuracy = accuracy_h_m.unwrap_or(self.unknown_accuracy_m);
        if accuracy > self.buffer_m {
            self.buffer_m + accuracy
        } else {
            self.buffer_m
        }
    }
}

/// A feature found by an excavation check, with how it lies and how it is rated.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    /// The feature's current version.
    pub feature: &'a Feature,
    /// Category of the feature's layer.
    pub category: LayerCategory,
    /// Shortest distance to the area in metres; 0 when it crosses it.
    pub distance_m: f64,
    /// Inside the area or in its tolerance zone.
    pub relation: Relation,
    /// The tolerance that applied to this feature.
    pub tolerance_m: f64,
    /// The rating and its reason.
    pub assessment: RiskAssessment,
}

impl MapIndex {
    /// Every feature inside the area or within its tolerance zone, most severe first, then
    /// nearest, then by id: a stable order, so that equal questions get byte-equal answers.
    #[must_use]
    pub fn check(&self, query: &CheckQuery<'_>) -> Vec<Match<'_>> {
        let reach = query.buffer_m + self.max_accuracy_m.max(query.unknown_accuracy_m);
        let b = query.area.bounds();
        let envelope = AABB::from_corners(
            [b.min().x - reach, b.min().y - reach],
            [b.max().x + reach, b.max().y + reach],
        );
        let probe = Probe::new(query.area.geometry());
        // Per layer number of the tree's entries: the layer's category when the check looks at
        // it. Incident records, resources and street centrelines are nothing to dig around.
        // Decided once per check, so a candidate costs no hash of its layer's name and no read
        // of a feature that is skipped.
        let searched: Vec<Option<LayerCategory>> = self
            .layer_numbers
            .iter()
            .map(|id| {
                let category = self
                    .layers
                    .get(id)
                    .map_or(LayerCategory::Network, |s| s.info.category);
                let asked = query.layers.as_ref().is_none_or(|l| l.contains(id));
                (asked && category != LayerCategory::Thematic).then_some(category)
            })
            .collect();
        let mut matches: Vec<Match<'_>> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .filter_map(|entry| {
                let category = searched
                    .get(usize::from(entry.data.layer))
                    .copied()
                    .flatten()?;
                let feature = &self.features[entry.data.position as usize];
                let tolerance_m = query.tolerance_for(feature.attrs.position_tolerance_m());
                // The feature's box first: most candidates of the widest reach are out of
                // their own tolerance by it alone.
                let envelope = entry.geom().envelope();
                if probe.box_distance(envelope.lower(), envelope.upper()) > tolerance_m {
                    return None;
                }
                let d = probe.distance(&feature.geometry);
                let (distance_m, relation) = if d <= 0.0 {
                    (0.0, Relation::Inside)
                } else if d > tolerance_m {
                    return None;
                } else {
                    (d, Relation::WithinTolerance)
                };
                let assessment =
                    query
                        .policy
                        .assess(feature, category, relation, distance_m, query.dig_depth_m);
                Some(Match {
                    feature,
                    category,
                    distance_m,
                    relation,
                    tolerance_m,
                    assessment,
                })
            })
            .collect();
        matches.sort_by(|a, b| {
            a.assessment
                .risk
                .severity()
                .cmp(&b.assessment.risk.severity())
                .then(a.distance_m.total_cmp(&b.distance_m))
                .then_with(|| a.feature.id.cmp(&b.feature.id))
        });
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use geo::{line_string, point, polygon, Geometry, MultiPolygon};
    use undermap_core::{Accuracy, AreaLimits, Depth, FeatureAttributes, FeatureKind, LayerInfo};

    fn feature(id: &str, geometry: Geometry<f64>, kind: FeatureKind, acc: Option<f64>) -> Feature {
        Feature::new(
            id.parse().unwrap(),
            "water".parse().unwrap(),
            kind,
            geometry,
            FeatureAttributes {
                accuracy_h_m: acc.map(|a| Accuracy::new(a).unwrap()),
                depth_top_m: Some(Depth::new(1.0).unwrap()),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    fn index() -> MapIndex {
        let layers = vec![LayerInfo {
            id: "water".parse().unwrap(),
            title: "Water".into(),
            category: LayerCategory::Network,
        }];
        MapIndex::build(
            layers,
            vec![
                // crosses the square
                feature(
                    "cross",
                    line_string![(x: -5.0, y: 5.0), (x: 15.0, y: 5.0)].into(),
                    FeatureKind::Pipe,
                    Some(0.1),
                ),
                // 0.8 m east of the square: in a 1 m buffer
                feature(
                    "near",
                    point!(x: 10.8, y: 5.0).into(),
                    FeatureKind::Valve,
                    Some(0.1),
                ),
                // 1.5 m north, accurate: outside a 1 m buffer
                feature(
                    "far",
                    line_string![(x: 0.0, y: 11.5), (x: 10.0, y: 11.5)].into(),
                    FeatureKind::Pipe,
                    Some(0.1),
                ),
                // 1.5 m south, accuracy 1.2 m (worse than the buffer): 1 + 1.2 = 2.2 m reach
                feature(
                    "vague",
                    line_string![(x: 0.0, y: -1.5), (x: 10.0, y: -1.5)].into(),
                    FeatureKind::Pipe,
                    Some(1.2),
                ),
                // 30 m away
                feature(
                    "away",
                    point!(x: 40.0, y: 40.0).into(),
                    FeatureKind::Valve,
                    None,
                ),
            ],
            DateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn finds_crossing_near_and_uncertain_features() {
        let idx = index();
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let area = ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap();
        let q = CheckQuery {
            area: &area,
            buffer_m: 1.0,
            layers: None,
            dig_depth_m: Some(1.5),
            policy: RiskPolicy::default(),
            unknown_accuracy_m: 1.0,
        };
        let found: Vec<(&str, Relation)> = idx
            .check(&q)
            .iter()
            .map(|m| (m.feature.id.as_str(), m.relation))
            .collect();
        assert!(found.contains(&("cross", Relation::Inside)), "{found:?}");
        assert!(
            found.contains(&("near", Relation::WithinTolerance)),
            "{found:?}"
        );
        assert!(
            found.contains(&("vague", Relation::WithinTolerance)),
            "{found:?}"
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, "cross", "high risk crossing first");
    }

    /// A feature with no accuracy but a class-B quality level is matched up to buffer + 1.5 m,
    /// one of class A (steel) up to the buffer, one of class C as any unknown accuracy (1 m,
    /// within a 1 m buffer).
    #[test]
    fn a_quality_level_widens_the_tolerance_as_its_class_says() {
        let line =
            |y: f64| -> Geometry<f64> { line_string![(x: 0.0, y: y), (x: 10.0, y: y)].into() };
        let with = |id: &str, y: f64, level: &str| {
            let mut f = feature(id, line(y), FeatureKind::Pipe, None);
            f.attrs.quality_level = Some(undermap_core::QualityLevel::delivered(level).unwrap());
            f.attrs.material = Some("STEEL".into());
            f
        };
        let layers = vec![LayerInfo {
            id: "water".parse().unwrap(),
            title: "Water".into(),
            category: LayerCategory::Network,
        }];
        let idx = MapIndex::build(
            layers,
            vec![
                with("b", -2.4, "QL-B"),
                with("a", -1.2, "A"),
                with("c", -0.9, "C"),
                with("c-far", -1.1, "C"),
            ],
            DateTime::UNIX_EPOCH,
        );
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let area = ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap();
        let q = CheckQuery {
            area: &area,
            buffer_m: 1.0,
            layers: None,
            dig_depth_m: None,
            policy: RiskPolicy::default(),
            unknown_accuracy_m: 1.0,
        };
        let mut found: Vec<(&str, f64)> = idx
            .check(&q)
            .iter()
            .map(|m| (m.feature.id.as_str(), m.tolerance_m))
            .collect();
        found.sort_by(|x, y| x.0.cmp(y.0));
        assert_eq!(found, [("b", 2.5), ("c", 1.0)]);
    }

    #[test]
    fn layer_filter_applies() {
        let idx = index();
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let area = ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap();
        let q = CheckQuery {
            area: &area,
            buffer_m: 1.0,
            layers: Some(["gas".parse().unwrap()].into_iter().collect()),
            dig_depth_m: None,
            policy: RiskPolicy::default(),
            unknown_accuracy_m: 1.0,
        };
        assert!(idx.check(&q).is_empty());
    }
}
