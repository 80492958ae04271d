//! The filter language as the OGC examples and our users write it.

use super::eval::like;
use super::*;
use chrono::{NaiveDate, TimeZone, Utc};
use geo::line_string;
use undermap_core::{FeatureAttributes, FeatureKind, Owner};
use undermap_crs::Crs;

fn identity() -> Transformer {
    Transformer::new(&Crs::crs84(), &Crs::crs84()).unwrap()
}

fn parse(text: &str) -> Result<Filter, Cql2Error> {
    Filter::parse(text, &identity())
}

fn pipe() -> Feature {
    let attrs = FeatureAttributes {
        material: Some("PE".into()),
        diameter_mm: Some(200.0),
        survey_date: NaiveDate::from_ymd_opt(2021, 5, 1),
        owner: Some(Owner {
            name: "秀山燃气".into(),
            contact: None,
        }),
        ..FeatureAttributes::default()
    };
    Feature::new(
        "GAS-1".parse().unwrap(),
        "gas".parse().unwrap(),
        FeatureKind::Pipe,
        line_string![(x: 108.0, y: 28.0), (x: 108.001, y: 28.001)].into(),
        attrs,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

fn holds(text: &str) -> bool {
    parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .matches(&pipe())
}

#[test]
fn comparisons_and_logic() {
    assert!(holds("material = 'PE'"));
    assert!(holds("'PE' = material"));
    assert!(holds("diameter_mm >= 200 AND diameter_mm < 201"));
    assert!(holds("200 <= diameter_mm"));
    assert!(!holds("diameter_mm > 200"));
    assert!(holds(
        "material = 'DI' OR (kind = 'pipe' AND NOT status <> 'in_service')"
    ));
    assert!(holds("diameter_mm BETWEEN 100 AND 300"));
    assert!(holds("diameter_mm NOT BETWEEN 300 AND 400"));
    assert!(holds("material IN ('PE', 'DI')"));
    assert!(holds("material NOT IN ('DI')"));
    assert!(holds("owner_name LIKE '秀山%'"));
    assert!(holds("id LIKE 'GAS-_'"));
    assert!(holds("voltage_kv IS NULL"));
    assert!(holds("material IS NOT NULL"));
    assert!(holds("survey_date > DATE('2021-01-01')"));
    assert!(holds("survey_date = '2021-05-01'"));
    assert!(holds("valid_from < TIMESTAMP('2026-06-01T00:00:00Z')"));
    assert!(holds("\"material\" = 'PE' and true"));
}

#[test]
fn missing_values_are_unknown_not_false() {
    // voltage_kv is missing: neither the comparison nor its negation holds.
    assert!(!holds("voltage_kv > 10"));
    assert!(!holds("NOT voltage_kv > 10"));
    assert!(holds("voltage_kv > 10 OR material = 'PE'"));
}

#[test]
fn spatial_functions() {
    assert!(holds(
        "S_INTERSECTS(geometry, BBOX(107.9, 27.9, 108.0005, 28.0005))"
    ));
    assert!(!holds("S_INTERSECTS(geometry, POINT(109 29))"));
    assert!(holds("S_DISJOINT(geometry, POINT(109 29))"));
    assert!(holds(
        "S_WITHIN(geometry, POLYGON((107 27, 109 27, 109 29, 107 29, 107 27)))"
    ));
    assert!(holds(
        "S_CONTAINS(POLYGON((107 27, 109 27, 109 29, 107 29, 107 27)), geometry)"
    ));
    assert!(holds(
        "S_CROSSES(geometry, LINESTRING(108 28.001, 108.001 28))"
    ));
    let f = parse("material = 'PE' AND S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))").unwrap();
    assert_eq!(
        f.spatial_envelope(),
        Some(Rect::new((1.0, 2.0), (3.0, 4.0)))
    );
}

#[test]
fn errors_say_where() {
    let at = |text: &str| parse(text).unwrap_err().position;
    assert_eq!(at("colour = 'red'"), 0);
    assert_eq!(at("material = 12"), 11);
    assert_eq!(at("diameter_mm > 'big'"), 14);
    assert_eq!(at("material = 'PE' AND"), 19);
    assert_eq!(at("material = 'PE' diameter_mm"), 16);
    assert_eq!(at("material = 'PE"), 11);
    assert_eq!(at("S_INTERSECTS(geometry, POINT(1))"), 23);
    assert_eq!(at("S_NEAR(geometry, POINT(1 2))"), 0);
    assert_eq!(at("survey_date > DATE('yesterday')"), 19);
    assert_eq!(at("material LIKE 5"), 14);
    assert_eq!(at("(material = 'PE'"), 16);
    assert!(parse("material = 'PE'; DROP TABLE features").is_err());
}

#[test]
fn simple_equality_parameters_are_typed() {
    assert!(property_equals(Property::DiameterMm, "abc").is_err());
    let e = property_equals(Property::DiameterMm, "200").unwrap();
    assert!(Filter::from_expr(e).matches(&pipe()));
}

#[test]
fn like_backtracks() {
    assert!(like("abcabd", "%abd"));
    assert!(like("", "%"));
    assert!(!like("abc", "a_"));
    assert!(like("a%c", "a\\%c"));
    assert!(!like("abc", "a\\%c"));
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    // Each of these aborted the process before the bound (12 KB URLs from any key).
    let parens = format!("{}material = 'x'{}", "(".repeat(2_000), ")".repeat(2_000));
    let nots = format!("{}material = 'x'", "NOT ".repeat(5_000));
    let collections = format!(
        "S_INTERSECTS(geometry, {}POINT(1 2){})",
        "GEOMETRYCOLLECTION(".repeat(2_000),
        ")".repeat(2_000)
    );
    for text in [&parens, &nots, &collections] {
        let e = parse(text).unwrap_err();
        assert!(e.message.contains("deeper than"), "{e}");
    }
    let many = vec!["material = 'x'"; 3_000].join(" OR ");
    assert!(parse(&many).unwrap_err().message.contains("tokens"));
    // Right at the bound still parses.
    let ok = format!(
        "{}material = 'x'{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(parse(&ok).is_ok());
    let over = format!(
        "{}material = 'x'{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(parse(&over).is_err());
    let gc = "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))))";
    assert!(parse(gc).is_ok(), "{:?}", parse(gc));
}

proptest::proptest! {
    #[test]
    fn nesting_of_any_depth_answers_with_a_filter_or_an_error(
        depth in 0usize..400,
        open in proptest::sample::select(vec!["(", "NOT (", "NOT "]),
    ) {
        let close = if open.ends_with('(') { ")" } else { "" };
        let text = format!("{}material = 'x'{}", open.repeat(depth), close.repeat(depth));
        let nested = depth * usize::from(open.starts_with("NOT")) + depth * usize::from(open.ends_with('('));
        proptest::prop_assert_eq!(parse(&text).is_ok(), nested <= MAX_DEPTH);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn equality_with_any_text_value_round_trips(value in "[^']{0,20}") {
        let f = parse(&format!("material = '{value}'")).unwrap();
        let mut p = pipe();
        p.attrs.material = Some(value.clone());
        proptest::prop_assert!(f.matches(&p));
    }

    #[test]
    fn intersects_a_point_on_the_pipe(t in 0.0f64..1.0) {
        let (x, y) = (108.0 + 0.001 * t, 28.0 + 0.001 * t);
        let f = parse(&format!("S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))", x - 1e-9, y - 1e-9, x + 1e-9, y + 1e-9)).unwrap();
        proptest::prop_assert!(f.matches(&pipe()));
        // The same box a degree further east misses it.
        let far = parse(&format!("S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))", x + 1.0, y - 1e-9, x + 1.0 + 2e-9, y + 1e-9)).unwrap();
        proptest::prop_assert!(!far.matches(&pipe()));
    }
}
