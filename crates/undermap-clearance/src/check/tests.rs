//! The check against hand-built cases (each row of the table just inside and just outside its
//! distance) and against brute force on random shapes.

#![allow(clippy::float_cmp)] // exact figures built to be exact

use chrono::DateTime;
use geo::{Coord, Geometry, LineString, Polygon};
use proptest::prelude::*;
use undermap_core::{Depth, Feature, FeatureAttributes, FeatureKind, PressureClass};

use super::*;
use crate::route::{PlannedLine, PlannedType};
use crate::table::SizeCondition;

fn line(coords: &[(f64, f64)]) -> LineString<f64> {
    coords.iter().map(|&(x, y)| Coord { x, y }).collect()
}

fn feature(
    id: &str,
    layer: &str,
    kind: FeatureKind,
    g: Geometry<f64>,
    attrs: FeatureAttributes,
) -> Feature {
    Feature::new(
        id.parse().unwrap(),
        layer.parse().unwrap(),
        kind,
        g,
        attrs,
        DateTime::UNIX_EPOCH,
    )
    .unwrap()
}

fn planned(t: PlannedType) -> PlannedLine {
    PlannedLine {
        planned_type: t,
        diameter_mm: Some(300.0),
        section: None,
        pressure: (t == PlannedType::Gas).then_some(PressureClass::Low),
        voltage_kv: (t == PlannedType::Power).then_some(10.0),
    }
}

fn table() -> ClearanceTable {
    let mut t = ClearanceTable::builtin();
    t.layers
        .insert("buildings".parse().unwrap(), UtilityClass::Building);
    t.layers.insert("heat".parse().unwrap(), UtilityClass::Heat);
    t
}

fn planned_type(class: UtilityClass) -> Option<PlannedType> {
    PlannedType::ALL
        .iter()
        .copied()
        .find(|t| t.class() == class)
}

fn layer_of(t: &ClearanceTable, class: UtilityClass) -> String {
    t.layers
        .iter()
        .find(|(_, c)| **c == class)
        .unwrap()
        .0
        .to_string()
}

/// A value that meets a size condition.
fn meeting(c: &SizeCondition) -> f64 {
    match (c.max, c.over) {
        (Some(m), _) => m,
        (None, Some(o)) => o + 100.0,
        (None, None) => unreachable!(),
    }
}

/// The planned line and the existing feature's attributes that make `rule` the one that applies.
fn case(t: &ClearanceTable, rule: &Rule) -> (PlannedLine, UtilityClass, FeatureAttributes) {
    let [a, b] = rule.between;
    let (mine, theirs) = if planned_type(a).is_some() {
        (a, b)
    } else {
        (b, a)
    };
    let mut line = planned(planned_type(mine).unwrap());
    let mut attrs = FeatureAttributes {
        diameter_mm: Some(200.0),
        depth_top_m: Some(Depth::new(2.0).unwrap()),
        accuracy_h_m: Some(undermap_core::Accuracy::new(0.1).unwrap()),
        ..FeatureAttributes::default()
    };
    if theirs == UtilityClass::Gas {
        attrs.pressure_class = Some(PressureClass::Low);
    }
    if let Some(c) = &rule.diameter_mm {
        if c.of == theirs {
            attrs.diameter_mm = Some(meeting(c));
        } else {
            line.diameter_mm = Some(meeting(c));
        }
    }
    if let Some(c) = &rule.pressure {
        if c.of == theirs {
            attrs.pressure_class = Some(c.is[0]);
        } else {
            line.pressure = Some(c.is[0]);
        }
    }
    let _ = t;
    (line, theirs, attrs)
}

#[test]
fn every_horizontal_row_passes_just_outside_and_fails_just_inside() {
    let t = table();
    for rule in &t.horizontal {
        let (planned_line, theirs, attrs) = case(&t, rule);
        let route_r = planned_line.diameter_mm.unwrap() / 2000.0;
        let (kind, their_r) = if theirs == UtilityClass::Building {
            (FeatureKind::Station, 0.0)
        } else {
            (FeatureKind::Pipe, attrs.diameter_mm.unwrap() / 2000.0)
        };
        for (delta, expected) in [(0.01, Verdict::Pass), (-0.01, Verdict::Fail)] {
            let off = rule.clearance_m + route_r + their_r + delta;
            let g: Geometry<f64> = if theirs == UtilityClass::Building {
                Polygon::new(line_closed(off), vec![]).into()
            } else {
                line(&[(0.0, off), (100.0, off)]).into()
            };
            let f = feature("e-1", &layer_of(&t, theirs), kind, g, attrs.clone());
            let route = PlannedRoute::new(
                planned_line.clone(),
                line_of(&[(-50.0, 0.0), (150.0, 0.0)]),
                &[1.0],
            )
            .unwrap();
            let found = check(&route, &t, [&f]);
            assert_eq!(found.len(), 1, "{}", rule.id);
            let h = found[0].horizontal.as_ref().unwrap();
            assert_eq!(
                h.judgement.verdict, expected,
                "{} at {off}: {:?}",
                rule.id, h.judgement
            );
            assert_eq!(h.judgement.rule.as_ref().unwrap().id, rule.id);
            assert!(
                (h.distance_m - (rule.clearance_m + delta)).abs() < 1e-9,
                "{}: {}",
                rule.id,
                h.distance_m
            );
            if expected == Verdict::Fail {
                // The failing stretch is where the route runs beside it: 0 to 100 m along the
                // existing line, plus the round ends.
                let (a, b) = h.spans[0];
                assert!(
                    a > 49.0 - 3.0 && a < 50.0 && b > 150.0 && b < 153.0,
                    "{:?}",
                    h.spans
                );
            } else {
                assert!(h.spans.is_empty());
            }
        }
    }
}

fn line_closed(off: f64) -> LineString<f64> {
    line(&[
        (0.0, off),
        (100.0, off),
        (100.0, off + 10.0),
        (0.0, off + 10.0),
        (0.0, off),
    ])
}

fn line_of(coords: &[(f64, f64)]) -> LineString<f64> {
    line(coords)
}

#[test]
fn every_vertical_row_passes_just_outside_and_fails_just_inside() {
    let t = table();
    for rule in &t.vertical {
        let (line, theirs, mut attrs) = case(&t, rule);
        let route =
            PlannedRoute::new(line.clone(), line_of(&[(0.0, -20.0), (0.0, 20.0)]), &[1.0]).unwrap();
        let bottom = 1.0 + line.diameter_mm.unwrap() / 1000.0;
        for (delta, expected) in [(0.01, Verdict::Pass), (-0.01, Verdict::Fail)] {
            attrs.depth_top_m = Some(Depth::new(bottom + rule.clearance_m + delta).unwrap());
            let f = feature(
                "e-1",
                &layer_of(&t, theirs),
                FeatureKind::Pipe,
                line_of(&[(-30.0, 0.0), (30.0, 0.0)]).into(),
                attrs.clone(),
            );
            let found = check(&route, &t, [&f]);
            assert_eq!(found[0].crossings.len(), 1, "{}", rule.id);
            let c = &found[0].crossings[0];
            assert_eq!(
                c.judgement.verdict, expected,
                "{}: {:?}",
                rule.id, c.judgement
            );
            assert!((c.clear_m.unwrap() - (rule.clearance_m + delta)).abs() < 1e-9);
            assert!((c.angle_deg - 90.0).abs() < 1e-9);
            // Crossing at right angles, the rest of the route is far from it: no side-by-side
            // judgement unless that fails.
            assert!(found[0].horizontal.is_none(), "{:?}", found[0].horizontal);
        }
    }
}

fn sewer_route(coords: &[(f64, f64)]) -> PlannedRoute {
    PlannedRoute::new(planned(PlannedType::Sewer), line_of(coords), &[1.0]).unwrap()
}

#[test]
fn missing_values_give_unknown_naming_them_never_pass() {
    let t = table();
    let route = sewer_route(&[(-50.0, 0.0), (50.0, 0.0)]);
    // A water main of unknown diameter at 1.3 m clear: 1.0 or 1.5 m might apply.
    let water = feature(
        "w-1",
        "water",
        FeatureKind::Pipe,
        line_of(&[(-10.0, 1.45), (10.0, 1.45)]).into(),
        FeatureAttributes::default(),
    );
    let h = check(&route, &t, [&water])[0].horizontal.clone().unwrap();
    assert_eq!(h.judgement.verdict, Verdict::Unknown);
    assert_eq!(
        h.judgement.missing,
        vec!["diameter_mm of w-1", "diameter_mm or section of w-1"]
    );
    // At 0.8 m it fails whatever its diameter.
    let water = feature(
        "w-1",
        "water",
        FeatureKind::Pipe,
        line_of(&[(-10.0, 0.95), (10.0, 0.95)]).into(),
        FeatureAttributes::default(),
    );
    assert_eq!(check(&route, &t, [&water])[0].verdict, Verdict::Fail);
    // Gas without its pressure class.
    let gas = feature(
        "g-1",
        "gas",
        FeatureKind::Pipe,
        line_of(&[(-10.0, 2.0), (10.0, 2.0)]).into(),
        FeatureAttributes {
            diameter_mm: Some(100.0),
            ..FeatureAttributes::default()
        },
    );
    let h = check(&route, &t, [&gas])[0].horizontal.clone().unwrap();
    assert_eq!(
        (h.judgement.verdict, h.judgement.missing.clone()),
        (Verdict::Unknown, vec!["pressure_class of g-1".to_owned()])
    );
    // A heat route: no row for heat–water.
    let heat = PlannedRoute::new(
        planned(PlannedType::Heat),
        line_of(&[(-50.0, 0.0), (50.0, 0.0)]),
        &[1.0],
    )
    .unwrap();
    let water = feature(
        "w-2",
        "water",
        FeatureKind::Pipe,
        line_of(&[(-10.0, 1.0), (10.0, 1.0)]).into(),
        FeatureAttributes {
            diameter_mm: Some(100.0),
            ..FeatureAttributes::default()
        },
    );
    let h = check(&heat, &t, [&water])[0].horizontal.clone().unwrap();
    assert_eq!(h.judgement.verdict, Verdict::Unknown);
    assert!(
        h.judgement
            .reason
            .contains("no horizontal rule for heat–water in the loaded table"),
        "{}",
        h.judgement.reason
    );
    // A crossing of a pipe whose depth is not recorded.
    let crossing = feature(
        "w-3",
        "water",
        FeatureKind::Pipe,
        line_of(&[(0.0, -10.0), (0.0, 10.0)]).into(),
        FeatureAttributes {
            diameter_mm: Some(100.0),
            ..FeatureAttributes::default()
        },
    );
    let c = check(&route, &t, [&crossing]);
    assert_eq!(
        c[0].crossings[0].judgement.missing,
        vec!["depth_top_m of w-3"]
    );
    assert_eq!(c[0].verdict, Verdict::Unknown);
}

#[test]
fn a_crossing_then_a_run_alongside_fails_on_the_run_only() {
    let t = table();
    // The water main crosses the route at x = 0 at right angles, then turns and runs 0.5 m
    // beside it from x = 10 to 40.
    let water = feature(
        "w-1",
        "water",
        FeatureKind::Pipe,
        line_of(&[(0.0, -10.0), (0.0, 0.5 + 0.15 + 0.05), (40.0, 0.7)]).into(),
        FeatureAttributes {
            diameter_mm: Some(100.0),
            depth_top_m: Some(Depth::new(2.0).unwrap()),
            ..FeatureAttributes::default()
        },
    );
    let route = sewer_route(&[(-50.0, 0.0), (50.0, 0.0)]);
    let c = &check(&route, &t, [&water])[0];
    assert_eq!(c.crossings.len(), 1);
    assert_eq!(c.crossings[0].judgement.verdict, Verdict::Pass);
    let h = c.horizontal.as_ref().unwrap();
    assert_eq!(h.judgement.verdict, Verdict::Fail);
    let (a, b) = h.spans[0];
    assert!(
        a > 50.0 && a < 56.0 && b > 90.0 && b < 91.5,
        "{:?}",
        h.spans
    );
    assert_eq!(c.verdict, Verdict::Fail);
}

#[test]
fn pipes_that_meet_in_depth_fail_and_a_route_through_a_building_fails_along_it() {
    let t = table();
    let route = sewer_route(&[(-50.0, 0.0), (50.0, 0.0)]);
    let water = feature(
        "w-1",
        "water",
        FeatureKind::Pipe,
        line_of(&[(0.0, -10.0), (0.0, 10.0)]).into(),
        FeatureAttributes {
            diameter_mm: Some(300.0),
            depth_top_m: Some(Depth::new(1.1).unwrap()),
            ..FeatureAttributes::default()
        },
    );
    let c = &check(&route, &t, [&water])[0].crossings[0];
    assert_eq!(c.judgement.verdict, Verdict::Fail);
    assert!(c.clear_m.unwrap() < 0.0);
    let building = feature(
        "b-1",
        "buildings",
        FeatureKind::Station,
        Polygon::new(
            line_of(&[
                (-10.0, -10.0),
                (10.0, -10.0),
                (10.0, 10.0),
                (-10.0, 10.0),
                (-10.0, -10.0),
            ]),
            vec![],
        )
        .into(),
        FeatureAttributes::default(),
    );
    let h = check(&route, &t, [&building])[0]
        .horizontal
        .clone()
        .unwrap();
    assert_eq!(h.judgement.verdict, Verdict::Fail);
    assert_eq!(h.distance_m, 0.0);
    let (a, b) = h.spans[0];
    assert!(
        (a - (40.0 - 2.5 - 0.15)).abs() < 1e-6 && (b - (60.0 + 2.5 + 0.15)).abs() < 1e-6,
        "{:?}",
        h.spans
    );
}

/// Random existing lines left of x = 0 and a random route right of it (monotone in y, so
/// simple): every distance is a sum of ones that grow as the route moves right.
fn scene() -> impl Strategy<Value = (Vec<Feature>, Vec<(f64, f64)>)> {
    let feature_s = (
        prop::collection::vec((-15.0f64..0.0, -30.0f64..30.0), 2..5),
        prop::option::of(50.0f64..800.0),
        prop::option::of(prop::sample::select(PressureClass::ALL.to_vec())),
        prop::sample::select(vec!["water", "gas", "power", "telecom", "drainage", "heat"]),
    );
    (
        prop::collection::vec(feature_s, 1..6),
        prop::collection::vec((0.05f64..6.0, -40.0f64..40.0), 2..8),
    )
        .prop_map(|(fs, mut route)| {
            let features = fs
                .into_iter()
                .enumerate()
                .map(|(i, (coords, d, p, layer))| {
                    let kind = if layer == "power" || layer == "telecom" { FeatureKind::Cable } else { FeatureKind::Pipe };
                    feature(&format!("f-{i}"), layer, kind, line_of(&coords).into(), FeatureAttributes { diameter_mm: d, pressure_class: p, ..FeatureAttributes::default() })
                })
                .filter(|f| !matches!(&f.geometry, Geometry::LineString(l) if l.0.windows(2).all(|w| w[0] == w[1])))
                .collect();
            route.sort_by(|a, b| a.1.total_cmp(&b.1));
            route.dedup_by(|a, b| (a.1 - b.1).abs() < 1e-3);
            (features, route)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Moving the route away never turns a pass into a fail.
    #[test]
    fn moving_away_never_turns_pass_into_fail(
        (features, route) in scene(),
        dx in 0.0f64..5.0,
        planned_t in prop::sample::select(PlannedType::ALL.to_vec()),
    ) {
        prop_assume!(route.len() >= 2);
        let t = table();
        let line = planned(planned_t);
        let before = PlannedRoute::new(line.clone(), line_of(&route), &[1.0]).unwrap();
        let moved: Vec<(f64, f64)> = route.iter().map(|&(x, y)| (x + dx, y)).collect();
        let after = PlannedRoute::new(line, line_of(&moved), &[1.0]).unwrap();
        let verdicts = |r: &PlannedRoute| -> std::collections::BTreeMap<String, Verdict> {
            check(r, &t, &features).into_iter().map(|c| (c.feature.id.to_string(), c.verdict)).collect()
        };
        let (b, a) = (verdicts(&before), verdicts(&after));
        for (id, v) in &b {
            if *v == Verdict::Pass {
                prop_assert!(a.get(id).is_none_or(|v| *v == Verdict::Pass), "{} passed, then {:?}", id, a.get(id));
            }
        }
        for (id, v) in &a {
            prop_assert!(b.contains_key(id) || *v != Verdict::Fail, "{} was not near, then failed", id);
        }
    }

    /// The distance and the failing stretches agree with a brute-force walk along the route.
    #[test]
    fn distances_and_spans_match_brute_force((features, route) in scene()) {
        prop_assume!(route.len() >= 2);
        let t = table();
        let r = PlannedRoute::new(planned(PlannedType::Sewer), line_of(&route), &[1.0]).unwrap();
        let found = check(&r, &t, &features);
        for f in &features {
            let Geometry::LineString(l) = &f.geometry else { continue };
            let their_r = f.attrs.diameter_mm.map_or(0.0, |d| d / 2000.0);
            let widths = 0.15 + their_r;
            let steps = 4000u32;
            let mut best = f64::INFINITY;
            let mut samples = Vec::with_capacity(steps as usize + 1);
            for i in 0..=steps {
                let m = r.length_m() * f64::from(i) / f64::from(steps);
                let p = r.point_at(m);
                let d = l.0.windows(2).map(|w| crate::geom::point_segment(p, w[0], w[1])).fold(f64::INFINITY, f64::min);
                best = best.min(d);
                samples.push((m, d));
            }
            let clear = (best - widths).max(0.0);
            let got = found.iter().find(|c| c.feature.id == f.id);
            let largest = t.largest_between(Direction::Horizontal, UtilityClass::Drainage, t.class_of(&f.layer).unwrap()).unwrap_or(t.largest_m());
            let step = r.length_m() / f64::from(steps);
            match got.and_then(|c| c.horizontal.as_ref()) {
                Some(h) => {
                    prop_assert!(h.distance_m <= clear + 1e-9 && h.distance_m >= clear - step, "{} vs {}", h.distance_m, clear);
                    if h.judgement.verdict == Verdict::Fail {
                        let need = h.judgement.required_m.unwrap() + widths;
                        for (m, d) in &samples {
                            if *d < need - 1e-6 {
                                prop_assert!(h.spans.iter().any(|(a, b)| *m >= a - 1e-6 && *m <= b + 1e-6), "{} at {} not in {:?}", m, d, h.spans);
                            }
                        }
                    }
                }
                None => prop_assert!(clear >= largest + horizontal::LISTING_MARGIN_M - step, "{} at {} m not listed", f.id, clear),
            }
        }
    }
}

#[test]
fn a_crossed_main_of_unknown_size_run_alongside_is_unknown_not_pass() {
    let t = table();
    // A service pipe of no recorded diameter crosses 1.7 m under the route at x = 0 (the
    // vertical row is kept), then turns and runs beside it 1.3 m off (1.15 m clear at most:
    // the 1.0 m row is kept, the 1.5 m one is not, and which applies is not known).
    let pipe = feature(
        "w-1",
        "water",
        FeatureKind::ServiceConnection,
        line_of(&[(0.0, -10.0), (0.0, 1.3), (40.0, 1.3)]).into(),
        FeatureAttributes {
            depth_top_m: Some(Depth::new(3.0).unwrap()),
            ..FeatureAttributes::default()
        },
    );
    let route = PlannedRoute::new(
        planned(PlannedType::Sewer),
        line_of(&[(-50.0, 0.0), (50.0, 0.0)]),
        &[1.0],
    )
    .unwrap();
    let c = &check(&route, &t, [&pipe])[0];
    assert_eq!(c.crossings[0].judgement.verdict, Verdict::Pass);
    let h = c.horizontal.as_ref().expect("the run alongside is judged");
    assert_eq!(h.judgement.verdict, Verdict::Unknown, "{h:?}");
    assert!(h
        .judgement
        .missing
        .contains(&"diameter_mm of w-1".to_owned()));
    assert_eq!(c.verdict, Verdict::Unknown);
}

#[test]
fn a_new_branch_joined_to_a_main_of_its_network_is_a_connection_not_a_conflict() {
    let t = table();
    let main = feature(
        "w-1",
        "water",
        FeatureKind::Pipe,
        line_of(&[(-50.0, 0.0), (50.0, 0.0)]).into(),
        FeatureAttributes {
            diameter_mm: Some(300.0),
            depth_top_m: Some(Depth::new(1.2).unwrap()),
            ..FeatureAttributes::default()
        },
    );
    // A DN150 water branch from 20 m south, its end on the main at the main's depth.
    let branch = PlannedLine {
        diameter_mm: Some(150.0),
        ..planned(PlannedType::Water)
    };
    let route = PlannedRoute::new(branch, line_of(&[(0.0, -20.0), (0.0, 0.0)]), &[1.2]).unwrap();
    let c = &check(&route, &t, [&main])[0];
    assert_eq!(c.crossings.len(), 1);
    assert!(c.crossings[0].connection);
    assert_eq!(c.verdict, Verdict::Pass, "{c:?}");
    // A sewer ending on the same main is no connection: it runs into it.
    let sewer = PlannedRoute::new(
        planned(PlannedType::Sewer),
        line_of(&[(0.0, -20.0), (0.0, 0.0)]),
        &[1.2],
    )
    .unwrap();
    let c = &check(&sewer, &t, [&main])[0];
    assert!(!c.crossings[0].connection);
    assert_eq!(c.verdict, Verdict::Fail);
}
