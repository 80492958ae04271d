//! The check against hand-built cases (each row of the table just inside and just outside its
//! distance) and against brute force on random shapes.

#![allow(clippy::float_cmp)] // exact figures built to be exact

use chrono::DateTime;
use geo::{Coord, Geometry, LineString, Polygon};
use proptest::prelude::*;
use undermap_core::{Depth, Feature, FeatureAttributes, FeatureKind, PressureClass};

use super::*;

mod crossings;
mod properties;
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
