//! Precaution zones (issue 19): an owner delivers areas where digging must follow its
//! requirement; a check that touches one lists the requirement and whom to call in the signed
//! ticket and on its printout. A zone that does not say what it requires is refused.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

/// The middle of the demo's first gas main, GS-E00 (EPSG:4545 easting, northing), which the
/// demo's zone GP-1 follows 3 m either side (and PP-1 the power duct beside it).
const GAS: (f64, f64) = (596_776.9, 3_148_523.0);

fn square(x: f64, y: f64, half: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[y - half, x - half], [y - half, x + half], [y + half, x + half], [y + half, x - half], [y - half, x - half]]]})
}

async fn check(app: &TestApp, area: Value) -> Value {
    let r = app
        .post_json(
            "/v1/excavation-checks",
            &json!({"area": area, "crs": "EPSG:4545"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

both_stores! {
    async fn a_check_lists_the_precaution_zones_it_touches_in_the_signed_ticket(fresh) {
        let app = common::spawn(fresh, true).await;
        let t = check(&app, square(GAS.0, GAS.1, 4.0)).await;
        let zones = t["precautions"].as_array().unwrap_or_else(|| panic!("no precautions: {t}"));
        // The gas main's zone, and the power duct's 2.5 m beside it, by layer.
        let ids: Vec<&str> = zones.iter().map(|z| z["feature_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["GP-1", "PP-1"], "{t}");
        assert_eq!(zones[1]["requirement"], "owner_present");
        let z = &zones[0];
        assert_eq!((z["feature_id"].as_str(), z["layer"].as_str()), (Some("GP-1"), Some("gas_precautions")));
        assert_eq!((z["requirement"].as_str(), z["within_m"].as_f64()), (Some("hand_dig"), Some(1.0)));
        assert_eq!(z["says"]["en"], "Hand dig only within 1 m.");
        assert_eq!(z["contact"], "023-7666-3000");
        assert!(z["owner"].as_str().unwrap().contains("燃气"));
        // The zone is no hit: it is a requirement, not an asset.
        assert!(!t["hits"].as_array().unwrap().iter().any(|h| h["feature_id"] == "GP-1"));
        // Signed with the rest.
        let id = t["id"].as_str().unwrap();
        assert!(app.service.excavation().verify(id, None).await.unwrap().valid);
        let page = app.get(&format!("/tickets/{id}")).await.text().await.unwrap();
        assert!(page.contains("1 米范围内须人工开挖") && page.contains("023-7666-3000"), "the printout lists it");

        // Away from any zone: no member at all.
        let far = check(&app, square(GAS.0 + 400.0, GAS.1 + 400.0, 4.0)).await;
        assert!(far.get("precautions").is_none(), "{far}");

        // A zone delivered without a requirement is refused naming the field; with one it loads
        // and the next check lists it.
        let zone = |id: &str, props: Value| json!({"type": "Feature", "id": id, "properties": props,
            "geometry": square(GAS.1 + 400.0, GAS.0 + 400.0, 6.0)});
        let doc = |features: Vec<Value>| json!({"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}}, "features": features});
        // (The square helper swaps axes for requests; a delivery is easting first, so swap back.)
        let (s, report) = app.deliver_with(&app.client, "water_precautions", &doc(vec![
            zone("WP-X", json!({"权属单位": "秀山县自来水有限公司 (demo)", "联系电话": "023-7666-1000"})),
        ])).await;
        assert!(report["rejected"] == 1 || s.is_client_error(), "{s} {report}");
        assert!(report.to_string().contains("requirement"), "{report}");
        let (s, report) = app.deliver_with(&app.client, "water_precautions", &doc(vec![
            zone("WP-1", json!({"权属单位": "秀山县自来水有限公司 (demo)", "联系电话": "023-7666-1000", "保护要求": "禁止机械开挖", "说明": "DN800 原水管"})),
        ])).await;
        assert_eq!(s, StatusCode::CREATED, "{report}");
        assert_eq!(report["rejected"], 0, "{report}");
        let now = check(&app, square(GAS.0 + 400.0, GAS.1 + 400.0, 4.0)).await;
        assert_eq!(now["precautions"][0]["requirement"], "no_mechanical_excavation", "{now}");
        assert_eq!(now["precautions"][0]["says"]["zh"], "禁止机械开挖。");
    }
}
