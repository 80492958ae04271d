//! Property tests: moving a route away never turns a pass into a fail; distances and failing
//! stretches agree with a brute-force walk along the route.

#![allow(clippy::float_cmp)]

use super::*;

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
