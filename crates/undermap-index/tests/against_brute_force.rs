//! The R-tree must answer exactly what a scan of every feature answers.

use std::collections::BTreeSet;

use chrono::DateTime;
use geo::{
    Coord, Distance, Euclidean, Geometry, Intersects, LineString, MultiPolygon, Point, Polygon,
};
use proptest::prelude::*;
use undermap_core::{
    Accuracy, AreaLimits, ExcavationArea, Feature, FeatureAttributes, FeatureKind, LayerCategory,
    LayerInfo, RiskPolicy,
};
use undermap_index::{CheckQuery, MapIndex};

fn layer_info(id: &str) -> LayerInfo {
    LayerInfo {
        id: id.parse().unwrap(),
        title: id.into(),
        category: LayerCategory::Network,
    }
}

prop_compose! {
    fn arb_feature(i: usize)(
        x in 0.0..500.0f64, y in 0.0..500.0f64,
        dx in -40.0..40.0f64, dy in -40.0..40.0f64,
        is_line in any::<bool>(),
        acc in prop::option::of(0.0..3.0f64),
        gas in any::<bool>(),
    ) -> Feature {
        let (kind, geometry): (FeatureKind, Geometry<f64>) = if is_line && (dx != 0.0 || dy != 0.0) {
            (FeatureKind::Pipe, LineString::from(vec![(x, y), (x + dx, y + dy)]).into())
        } else {
            (FeatureKind::Valve, Point::new(x, y).into())
        };
        Feature::new(
            format!("f-{i}").parse().unwrap(),
            (if gas { "gas" } else { "water" }).parse().unwrap(),
            kind,
            geometry,
            FeatureAttributes {
                accuracy_h_m: acc.map(|a| Accuracy::new(a).unwrap()),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        ).unwrap()
    }
}

fn arb_features() -> impl Strategy<Value = Vec<Feature>> {
    (1usize..300).prop_flat_map(|n| (0..n).map(arb_feature).collect::<Vec<_>>())
}

prop_compose! {
    /// A star-shaped polygon around a centre: always simple, of varied shape.
    fn arb_area()(cx in 50.0..450.0f64, cy in 50.0..450.0f64,
                  radii in prop::collection::vec(5.0..60.0f64, 3..12)) -> ExcavationArea {
        let n = radii.len();
        let ring: Vec<Coord<f64>> = radii.iter().enumerate().map(|(i, r)| {
            #[allow(clippy::cast_precision_loss)]
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            Coord { x: cx + r * a.cos(), y: cy + r * a.sin() }
        }).collect();
        let polygon = Polygon::new(LineString::from(ring), vec![]);
        ExcavationArea::new(MultiPolygon(vec![polygon]), &AreaLimits::default()).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(42), ..ProptestConfig::default() })]

    #[test]
    fn check_matches_brute_force(features in arb_features(), area in arb_area(), buffer in 0.0..10.0f64, only_gas in any::<bool>()) {
        let index = MapIndex::build(vec![layer_info("water"), layer_info("gas")], features.clone(), DateTime::UNIX_EPOCH);
        let layers = only_gas.then(|| ["gas".parse().unwrap()].into_iter().collect());
        let query = CheckQuery {
            area: &area, buffer_m: buffer, layers, dig_depth_m: None,
            policy: RiskPolicy::default(), unknown_accuracy_m: 1.0,
        };
        let got: BTreeSet<String> = index.check(&query).iter().map(|m| m.feature.id.to_string()).collect();
        let area_geom = Geometry::MultiPolygon(area.geometry().clone());
        let want: BTreeSet<String> = features.iter().filter(|f| {
            (!only_gas || f.layer.as_str() == "gas") && {
                let tol = query.tolerance_for(f.attrs.accuracy_h_m.map(f64::from));
                area_geom.intersects(&f.geometry) || Euclidean::distance(&area_geom, &f.geometry) <= tol
            }
        }).map(|f| f.id.to_string()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn nearest_matches_brute_force(features in arb_features(), x in 0.0..500.0f64, y in 0.0..500.0f64, k in 1usize..20) {
        let index = MapIndex::build(vec![layer_info("water"), layer_info("gas")], features.clone(), DateTime::UNIX_EPOCH);
        let p = Geometry::Point(Point::new(x, y));
        let got: Vec<f64> = index.nearest(Coord { x, y }, k, |_| true).iter().map(|n| n.distance_m).collect();
        let mut all: Vec<f64> = features.iter().map(|f| Euclidean::distance(&p, &f.geometry)).collect();
        all.sort_by(f64::total_cmp);
        all.truncate(k);
        prop_assert_eq!(got, all);
    }
}
