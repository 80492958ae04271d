use chrono::Utc;
use proptest::prelude::*;
use undermap_store::{NewFeedEvent, Subscription, SubscriptionOut};

use super::wants;

fn sub(
    kinds: &[&str],
    layers: &[&str],
    categories: &[&str],
    bbox: Option<[f64; 4]>,
) -> Subscription {
    let v = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    Subscription {
        id: 1,
        fields: SubscriptionOut {
            account: "a".into(),
            title: "t".into(),
            kinds: v(kinds),
            layers: v(layers),
            categories: v(categories),
            bbox,
            webhook_url: None,
            created_at: Utc::now(),
        },
        cursor: 0,
        last_push: None,
        reach: r#"{"projects":"all","keeper":true}"#.into(),
    }
}

fn event(
    kind: &str,
    layer: Option<&str>,
    category: Option<&str>,
    extent: Option<[f64; 4]>,
) -> NewFeedEvent {
    NewFeedEvent {
        kind: kind.into(),
        layer: layer.map(str::to_owned),
        category: category.map(str::to_owned),
        extent,
        unit: Some("91500241MA60XT001K".into()),
        access: Some("restricted".into()),
        title: "x".into(),
        summary: "x".into(),
        link: "/x".into(),
        at: Utc::now(),
    }
}

#[test]
fn a_subscription_wants_its_kinds_layers_categories_and_box() {
    let water_here = sub(
        &["delivery", "project"],
        &["water"],
        &["municipal_pipeline"],
        Some([0.0, 0.0, 100.0, 100.0]),
    );
    let inside = Some([10.0, 10.0, 20.0, 20.0]);
    assert!(wants(
        &water_here,
        &event("delivery", Some("water"), None, inside)
    ));
    assert!(
        !wants(&water_here, &event("delivery", Some("gas"), None, inside)),
        "another layer"
    );
    assert!(wants(
        &water_here,
        &event("project", None, Some("municipal_pipeline"), inside)
    ));
    assert!(
        !wants(&water_here, &event("project", None, Some("road"), inside)),
        "another category"
    );
    assert!(
        !wants(
            &water_here,
            &event("file", None, Some("municipal_pipeline"), inside)
        ),
        "another kind"
    );
    assert!(
        !wants(
            &water_here,
            &event(
                "delivery",
                Some("water"),
                None,
                Some([200.0, 0.0, 300.0, 50.0])
            )
        ),
        "elsewhere"
    );
    assert!(
        wants(
            &water_here,
            &event(
                "delivery",
                Some("water"),
                None,
                Some([100.0, 100.0, 300.0, 300.0])
            )
        ),
        "touching the box"
    );
    assert!(
        !wants(&water_here, &event("delivery", Some("water"), None, None)),
        "nowhere in particular"
    );
    let everything = sub(&[], &[], &[], None);
    assert!(wants(&everything, &event("field_report", None, None, None)));
}

proptest! {
    // Against another formulation: two rectangles meet when their intersection (the larger of
    // the minima to the smaller of the maxima, on each axis) is not empty.
    #[test]
    fn the_box_test_is_the_overlap_of_two_rectangles(
        bx in 0.0..100.0f64, by in 0.0..100.0f64, bw in 0.0..50.0f64, bh in 0.0..50.0f64,
        ex in 0.0..150.0f64, ey in 0.0..150.0f64, ew in 0.0..50.0f64, eh in 0.0..50.0f64,
    ) {
        let b = [bx, by, bx + bw, by + bh];
        let e = [ex, ey, ex + ew, ey + eh];
        let meet = b[0].max(e[0]) <= b[2].min(e[2]) && b[1].max(e[1]) <= b[3].min(e[3]);
        let s = sub(&[], &[], &[], Some(b));
        prop_assert_eq!(wants(&s, &event("delivery", Some("water"), None, Some(e))), meet);
    }
}

#[test]
fn a_feed_never_tells_more_than_the_subscriber_may_see() {
    use super::Reach;
    let mut s = sub(&[], &[], &[], None);
    let contractor = Reach {
        layers: Some(vec!["water".into()]),
        bounded: false,
        ..Reach::default()
    };
    s.reach = serde_json::to_string(&contractor).unwrap();
    let file = |access: &str| NewFeedEvent {
        access: Some(access.into()),
        ..event("file", None, Some("as_built_drawings"), None)
    };
    assert!(wants(&s, &file("open")));
    assert!(wants(&s, &file("on_request")), "listed, to ask for");
    assert!(
        !wants(&s, &file("restricted")),
        "not listed to those who may not ask"
    );
    assert!(
        !wants(&s, &event("project", None, Some("road"), None)),
        "no project entries without a scope"
    );
    assert!(wants(&s, &event("delivery", Some("water"), None, None)));
    assert!(
        !wants(&s, &event("delivery", Some("gas"), None, None)),
        "a layer its view does not show"
    );
    let bounded = Reach {
        bounded: true,
        ..contractor
    };
    s.reach = serde_json::to_string(&bounded).unwrap();
    assert!(
        !wants(&s, &event("delivery", Some("water"), None, None)),
        "a bounded role reads the map around a point"
    );
    let unit = Reach {
        projects: "91500241MA60XT001K".into(),
        ..Reach::default()
    };
    s.reach = serde_json::to_string(&unit).unwrap();
    assert!(wants(&s, &file("restricted")), "its own project's");
    assert!(wants(&s, &event("project", None, None, None)));
    s.reach = "not json".into();
    assert!(
        !wants(&s, &file("on_request")) && !wants(&s, &event("project", None, None, None)),
        "an unreadable reach tells nothing"
    );
}
