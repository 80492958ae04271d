//! Positional quality levels as delivered (issue 19): a department's `质量等级` of `B级` or `QL-D`
//! is kept, shown on every hit, and gives the tolerance where no accuracy in metres is given;
//! a level nothing reads is refused with the field.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common;

/// A water main along the easting axis at northing `y`, with `props` as the department wrote them.
fn main(id: &str, y: f64, props: Value) -> Value {
    let mut properties = json!({"kind": "pipe", "owner": "水司", "material": "DI", "diameter_mm": 300, "depth_top_m": 1.2});
    properties
        .as_object_mut()
        .unwrap()
        .extend(props.as_object().unwrap().clone());
    properties["id"] = json!(id);
    json!({"type": "Feature", "properties": properties,
           "geometry": {"type": "LineString", "coordinates": [[597_000.0, y], [597_100.0, y]]}})
}

fn delivery(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
           "features": features})
}

both_stores! {
    async fn a_quality_level_is_kept_shown_and_stands_for_a_missing_accuracy(fresh) {
        let app = common::spawn(fresh, false).await;
        let (status, report) = app.deliver_with(&app.client, "water", &delivery(vec![
            main("Q-B", 3_149_000.0 - 2.4, json!({"质量等级": "B级"})),
            main("Q-D", 3_149_010.0 + 0.5, json!({"质量等级": "QL-D"})),
            main("Q-M", 3_149_010.0 + 2.4, json!({"质量等级": "QL-D", "accuracy_h_m": 0.1})),
        ])).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["rejected"], 0, "{report}");

        // A 10 m square from northing 3,149,000 to 3,149,010, in EPSG:4545's axis order.
        let area = json!({"type": "Polygon", "coordinates": [[[3_149_000.0, 597_040.0], [3_149_000.0, 597_050.0],
            [3_149_010.0, 597_050.0], [3_149_010.0, 597_040.0], [3_149_000.0, 597_040.0]]]});
        let r = app.post_json("/v1/excavation-checks", &json!({"area": area, "crs": "EPSG:4545", "buffer_m": 1.0})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let t: Value = r.json().await.unwrap();
        let hit = |id: &str| t["hits"].as_array().unwrap().iter().find(|h| h["feature_id"] == id).cloned();
        // Class B (no accuracy): 1.5 m, so matched 2.4 m off within 1 + 1.5 m.
        let b = hit("Q-B").unwrap_or_else(|| panic!("the class-B main is matched: {t}"));
        assert_eq!((b["quality_level"].as_str(), b["tolerance_m"].as_f64()), (Some("dt_b"), Some(2.5)));
        assert!(b["accuracy_m"].is_null());
        // QL-D says its tolerance is unknown: locate it.
        let d = hit("Q-D").unwrap();
        assert_eq!(d["quality_level"], "ql_d");
        assert!(d["reason"].as_str().unwrap().contains("ASCE 38 QL-D, tolerance unknown: locate it on site"), "{d}");
        // A delivered accuracy wins over the level: 0.1 m, so 2.4 m off is not matched.
        assert!(hit("Q-M").is_none(), "{t}");

        // The level survives the store: the feature reads it back.
        let f: Value = app.get("/v1/features/Q-B").await.json().await.unwrap();
        assert_eq!(f["properties"]["quality_level"], "dt_b", "{f}");

        // A level nothing reads is refused, naming the field; nothing is loaded.
        let (status, report) = app.deliver_with(&app.client, "water", &delivery(vec![
            main("Q-X", 3_149_100.0, json!({"质量等级": "excellent"})),
        ])).await;
        assert!(report["rejected"] == 1 || status.is_client_error(), "{status} {report}");
        assert!(report.to_string().contains("quality_level"), "{report}");
    }
}
