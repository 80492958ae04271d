//! Routes refused with a reason, and depths along a route.

#![allow(clippy::float_cmp)] // exact figures

use super::*;

fn water() -> PlannedLine {
    PlannedLine {
        planned_type: PlannedType::Water,
        diameter_mm: Some(300.0),
        section: None,
        pressure: None,
        voltage_kv: None,
    }
}

fn line(coords: &[(f64, f64)]) -> LineString<f64> {
    coords.iter().map(|&(x, y)| Coord { x, y }).collect()
}

#[test]
fn bad_routes_say_what_is_wrong() {
    let cases: Vec<(PlannedLine, LineString<f64>, Vec<f64>, &str)> = vec![
        (
            water(),
            line(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (5.0, -5.0)]),
            vec![1.0],
            "crosses itself",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (10.0, 0.0), (5.0, 0.0)]),
            vec![1.0],
            "crosses itself",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (200_000.0, 0.0)]),
            vec![1.0],
            "200.0 km long",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![31.0],
            "at most 30 m",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![0.0],
            "more than 0",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![1.0, 2.0, 3.0],
            "3 depths for 2 vertices",
        ),
        (
            water(),
            line(&[(0.0, 0.0), (0.0, 0.0)]),
            vec![1.0],
            "two distinct vertices",
        ),
        (
            PlannedLine {
                planned_type: PlannedType::Gas,
                ..water()
            },
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![1.0],
            "pressure_class",
        ),
        (
            PlannedLine {
                planned_type: PlannedType::Power,
                ..water()
            },
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![1.0],
            "voltage_kv",
        ),
        (
            PlannedLine {
                diameter_mm: None,
                ..water()
            },
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![1.0],
            "diameter_mm",
        ),
        (
            PlannedLine {
                diameter_mm: None,
                section: Some("wide".into()),
                ..water()
            },
            line(&[(0.0, 0.0), (10.0, 0.0)]),
            vec![1.0],
            "B×H",
        ),
    ];
    for (l, g, d, expected) in cases {
        let err = PlannedRoute::new(l, g, &d).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

#[test]
fn depths_interpolate_along_the_route() {
    let r = PlannedRoute::new(
        water(),
        line(&[(0.0, 0.0), (10.0, 0.0), (10.0, 0.0), (10.0, 10.0)]),
        &[1.0],
    )
    .unwrap();
    assert_eq!(r.geometry().0.len(), 3, "the repeated vertex is dropped");
    let r = PlannedRoute::new(
        water(),
        line(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]),
        &[1.0, 2.0, 4.0],
    )
    .unwrap();
    assert!((r.depth_at(5.0) - 1.5).abs() < 1e-12);
    assert!((r.depth_at(15.0) - 3.0).abs() < 1e-12);
    assert!((r.depth_at(99.0) - 4.0).abs() < 1e-12);
    assert!((r.length_m() - 20.0).abs() < 1e-12);
    assert_eq!(Size::section("800×600").unwrap().height_m, 0.6);
}
