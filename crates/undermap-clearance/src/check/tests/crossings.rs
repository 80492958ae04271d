//! Crossed lines: a run alongside after a crossing, connections to one's own network.

#![allow(clippy::float_cmp)]

use super::*;

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

#[test]
fn a_connection_needs_one_network_at_one_depth() {
    let t = table();
    let storm = |id: &str, top: Option<f64>| {
        feature(
            id,
            "drainage",
            FeatureKind::Pipe,
            line_of(&[(-50.0, 0.0), (50.0, 0.0)]).into(),
            FeatureAttributes {
                diameter_mm: Some(600.0),
                depth_top_m: top.map(|d| Depth::new(d).unwrap()),
                extra: [("network".to_owned(), serde_json::json!("storm"))]
                    .into_iter()
                    .collect(),
                ..FeatureAttributes::default()
            },
        )
    };
    let ending_on_it = |kind: PlannedType, top: f64| {
        PlannedRoute::new(planned(kind), line_of(&[(0.0, -20.0), (0.0, 0.0)]), &[top]).unwrap()
    };
    let judged = |route: &PlannedRoute, f: &Feature| {
        let c = check(route, &t, [f]).remove(0);
        (c.crossings[0].connection, c.verdict)
    };
    // A storm drain tapped into a storm main at its depth: a connection.
    assert_eq!(
        judged(
            &ending_on_it(PlannedType::Storm, 1.3),
            &storm("s-1", Some(1.2))
        ),
        (true, Verdict::Pass)
    );
    // A sewer ending on the storm main: a cross-connection, judged (they meet: fail).
    assert_eq!(
        judged(
            &ending_on_it(PlannedType::Sewer, 1.3),
            &storm("s-1", Some(1.2))
        ),
        (false, Verdict::Fail)
    );
    // A storm drain ending 0.2 m above the main, not meeting it: judged (0.15 m asked: pass).
    let (connection, verdict) = judged(
        &ending_on_it(PlannedType::Storm, 0.7),
        &storm("s-1", Some(1.2)),
    );
    assert!(!connection);
    assert_eq!(verdict, Verdict::Pass);
    // A main of no recorded depth: unknown, not a connection.
    assert_eq!(
        judged(&ending_on_it(PlannedType::Storm, 1.3), &storm("s-1", None)),
        (false, Verdict::Unknown)
    );
    // A branch that stops 3 cm short of the main still touches it.
    let short = PlannedRoute::new(
        planned(PlannedType::Storm),
        line_of(&[(0.0, -20.0), (0.0, -0.03)]),
        &[1.3],
    )
    .unwrap();
    assert_eq!(
        judged(&short, &storm("s-1", Some(1.2))),
        (true, Verdict::Pass)
    );
}
