//! The resilience thematic database end to end: incidents, resources and streets delivered
//! like any department's layer, then what happened near a place, the nearest resources (in a
//! straight line and along the streets) and the hotspots for the yearly plan.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A point of the demo town's street grid (metres along and across its streets), as
/// `northing,easting` in EPSG:4545: the way data/demo/generate.py places things.
fn town(u: f64, v: f64) -> String {
    let a = 12.0_f64.to_radians();
    let e = 596_700.0 + u * a.cos() - v * a.sin();
    let n = 3_148_500.0 + u * a.sin() + v * a.cos();
    format!("{n},{e}")
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["feature_id"].as_str().unwrap())
        .collect()
}

both_stores! {
    async fn past_incidents_near_a_burst_main(fresh) {
        let app = common::spawn(fresh, true).await;
        let emergency = app.client_as("emergency").await;
        // Mid-block on street E1-0, over water main WS-E10.
        let here = town(80.0, 160.0);
        let path = format!("/v1/incidents/nearby-history?point={here}&crs=EPSG:4545&radius_m=100");
        let (status, h) = get(&emergency, &app, &path).await;
        assert_eq!(status, StatusCode::OK, "{h}");
        assert_eq!(h["total"], 4, "{h}");
        assert_eq!(
            ids(&h["incidents"]),
            ["IN-2023-01", "IN-2018-01", "IN-2014-01", "IN-2012-02"],
            "most recent first"
        );
        assert_eq!(h["by_type"], json!({"burst": 3, "flood": 1}));
        assert_eq!(h["first"], "2012-07-05");
        assert_eq!(h["last"], "2023-01-14");
        assert_eq!(h["affected_households"], 750);
        let first = &h["incidents"][0];
        assert_eq!(first["incident_type"], "burst");
        assert_eq!(first["asset_ref"], "WS-E10");
        assert_eq!(first["duration_h"], 9.0);
        assert_eq!(
            first["distance_m"], 50.64,
            "50 m along the street, 8 m across"
        );
        // Geometry in the request CRS and axis order (northing first).
        assert!(first["geometry"]["coordinates"][0].as_f64().unwrap() > 3_000_000.0);

        // Filters: type, dates, limit.
        let (_, bursts) = get(
            &emergency,
            &app,
            &format!("{path}&type=burst&since=2015-01-01"),
        )
        .await;
        assert_eq!(ids(&bursts["incidents"]), ["IN-2023-01", "IN-2018-01"]);
        let (_, one) = get(&emergency, &app, &format!("{path}&limit=1")).await;
        assert_eq!(one["total"], 4);
        assert_eq!(one["incidents"].as_array().unwrap().len(), 1);
        assert_eq!(one["truncated"], true);
        // A wider radius reaches the burst on WS-N11 too.
        let (_, wide) = get(
            &emergency,
            &app,
            &path.replace("radius_m=100", "radius_m=150"),
        )
        .await;
        assert!(ids(&wide["incidents"]).contains(&"IN-2012-01"), "{wide}");

        // Refusals, each with a reason.
        for (query, expected) in [
            (format!("{path}&type=meteor"), StatusCode::BAD_REQUEST),
            (format!("{path}&since=last-year"), StatusCode::BAD_REQUEST),
            (
                path.replace("radius_m=100", "radius_m=6000"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/v1/incidents/nearby-history?point=north".to_owned(),
                StatusCode::BAD_REQUEST,
            ),
            (format!("{path}&colour=red"), StatusCode::BAD_REQUEST),
        ] {
            let (status, p) = get(&emergency, &app, &query).await;
            assert_eq!(status, expected, "{query}: {p}");
            assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
        }
        // Incident queries are for emergency staff.
        let contractor = app.client_as("contractor").await;
        let (status, _) = get(&contractor, &app, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The same records are an OGC collection like any layer.
        let (status, items) = get(&app.client, &app, "/ogc/collections/incidents/items").await;
        assert_eq!(status, StatusCode::OK, "{items}");
        assert_eq!(items["numberReturned"], 14);
        assert_eq!(
            items["features"][0]["properties"]["kind"], "incident",
            "{items}"
        );
    }
}

both_stores! {
    async fn nearest_pumps_in_a_straight_line_and_along_the_streets(fresh) {
        let app = common::spawn(fresh, true).await;
        let emergency = app.client_as("emergency").await;
        // The flooded stretch of street E2-1.
        let flood = town(240.0, 317.0);
        let (status, r) = get(
            &emergency,
            &app,
            &format!("/v1/resources/nearest?point={flood}&crs=EPSG:4545&type=pump&k=3"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(
            ids(&r["straight_line"]),
            ["RS-PUMP-1", "RS-PUMP-2", "RS-PUMP-3"]
        );
        let p1 = &r["straight_line"][0];
        assert_eq!(p1["resource_type"], "pump");
        assert_eq!(p1["capacity"], 300.0);
        assert_eq!(p1["contact"], "023-7666-0119");
        // 240 m east along E2, 70 m south along N3, and the legs to the streets: 3 m and 10 m.
        let street = p1["street_distance_m"].as_f64().unwrap();
        assert!((street - 323.0).abs() < 0.5, "{p1}");
        assert!(street >= p1["distance_m"].as_f64().unwrap());
        // The pump station outside the town is 1.4 km from any street: no street route to it.
        assert_eq!(r["straight_line"][2]["street_distance_m"], Value::Null);
        assert_eq!(ids(&r["by_street"]), ["RS-PUMP-1", "RS-PUMP-2"]);
        assert_eq!(r["street_note"], Value::Null);

        // Every type, the default k of 5.
        let (_, any) = get(
            &emergency,
            &app,
            &format!("/v1/resources/nearest?point={flood}&crs=EPSG:4545"),
        )
        .await;
        assert_eq!(any["straight_line"].as_array().unwrap().len(), 5);
        assert_eq!(
            any["straight_line"][0]["feature_id"], "RS-SHELTER-1",
            "the point is 17 m from the shelter's square"
        );

        for (query, expected) in [
            ("type=helicopter", StatusCode::BAD_REQUEST),
            ("k=0", StatusCode::UNPROCESSABLE_ENTITY),
            ("k=51", StatusCode::UNPROCESSABLE_ENTITY),
            ("crs=EPSG:999999", StatusCode::BAD_REQUEST),
        ] {
            let (status, p) = get(
                &emergency,
                &app,
                &format!("/v1/resources/nearest?point={flood}&{query}"),
            )
            .await;
            assert_eq!(status, expected, "{query}: {p}");
        }
    }
}

both_stores! {
    /// Streets shaped like a U, north of the demo town: a resource 100 m away across the gap is
    /// 500 m away by street; one 200 m up the same street is 200 m away.
    async fn by_street_the_nearest_can_be_another_one(fresh) {
        let app = common::spawn(fresh, false).await;
        let y = 3_150_000.0;
        let crs = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}});
        let street = |id: &str, a: [f64; 2], b: [f64; 2]| {
            json!({"type": "Feature", "id": id, "properties": {"name": id},
                   "geometry": {"type": "LineString", "coordinates": [a, b]}})
        };
        let streets = json!({"type": "FeatureCollection", "crs": crs, "features": [
            street("U-W", [597_000.0, y], [597_000.0, y + 300.0]),
            street("U-N", [597_000.0, y + 300.0], [597_100.0, y + 300.0]),
            street("U-E", [597_100.0, y + 300.0], [597_100.0, y]),
        ]});
        let (status, report) = app.deliver_with(&app.client, "streets", &streets).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let resource = |id: &str, at: [f64; 2]| {
            json!({"type": "Feature", "id": id,
                   "properties": {"类型": "发电车", "名称": id, "能力": "200", "计量单位": "kW",
                                  "负责单位": "国网秀山供电公司", "值班电话": "95598"},
                   "geometry": {"type": "Point", "coordinates": at}})
        };
        let resources = json!({"type": "FeatureCollection", "crs": crs, "features": [
            resource("ACROSS", [597_100.0, y]),
            resource("UP-THE-STREET", [597_000.0, y + 200.0]),
            {"type": "Feature", "id": "NO-TYPE", "properties": {"名称": "unknown"},
             "geometry": {"type": "Point", "coordinates": [597_050.0, y]}},
        ]});
        let (status, report) = app.deliver_with(&app.client, "resources", &resources).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["inserted"], 2, "{report}");
        assert_eq!(report["rejected"], 1, "{report}");
        let reason = report["rejections"][0].to_string();
        assert!(reason.contains("resource_type"), "{reason}");

        let emergency = app.client_as("emergency").await;
        let at = format!("{},{}", y, 597_000.0);
        let (status, r) = get(
            &emergency,
            &app,
            &format!("/v1/resources/nearest?point={at}&crs=EPSG:4545&type=generator&k=1"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(ids(&r["straight_line"]), ["ACROSS"]);
        assert_eq!(r["straight_line"][0]["distance_m"], 100.0);
        assert_eq!(r["straight_line"][0]["street_distance_m"], 700.0);
        assert_eq!(ids(&r["by_street"]), ["UP-THE-STREET"]);
        assert_eq!(r["by_street"][0]["street_distance_m"], 200.0);
        assert_eq!(r["by_street"][0]["owner"], "国网秀山供电公司");

        // Far from every street: no street answer, and a note that says why.
        let (_, far) = get(
            &emergency,
            &app,
            &format!(
                "/v1/resources/nearest?point={},{}&crs=EPSG:4545&type=generator",
                y + 2_000.0,
                597_000.0
            ),
        )
        .await;
        assert_eq!(far["by_street"], Value::Null);
        assert!(
            far["street_note"].as_str().unwrap().contains("500 m"),
            "{far}"
        );
    }
}

both_stores! {
    async fn hotspots_are_assets_that_keep_failing_or_are_in_poor_condition(fresh) {
        let app = common::spawn(fresh, true).await;
        let planner = app.client_as("planner").await;
        let (status, h) = get(&planner, &app, "/v1/risk/hotspots?limit=1000").await;
        assert_eq!(status, StatusCode::OK, "{h}");
        let spots = h["hotspots"].as_array().unwrap();
        assert_eq!(h["incidents_considered"], 14);
        let find = |id: &str| spots.iter().find(|s| s["feature_id"] == id);
        // Three bursts recorded against it, critical condition, laid in 1978.
        let main = find("WS-E10").expect("WS-E10 is a hotspot");
        assert_eq!(main["incidents"], 3);
        assert_eq!(main["score"], 3 * 2 + 5 + 1, "{main}");
        assert_eq!(main["incident_types"], json!({"burst": 3}));
        assert_eq!(main["last_incident"], "2023-01-14");
        assert_eq!(main["condition"], "critical");
        assert_eq!(main["install_year"], 1978);
        assert_eq!(main["design_pressure_mpa"], 0.6);
        let reasons = main["reasons"].to_string();
        assert!(
            reasons.contains("3 incidents since 2014") && reasons.contains("condition critical"),
            "{reasons}"
        );
        // Three floods on the same stretch, none naming an asset: they count against the drains
        // there, not against the water or gas mains beside them.
        let drain = find("DR-ST-E21").expect("DR-ST-E21 is a hotspot");
        assert_eq!(drain["incidents"], 3);
        assert_eq!(drain["incident_types"], json!({"flood": 3}));
        assert!(find("GS-E21").is_none() && find("PW-E21").is_none());
        // One incident alone does not make a hotspot; a poor condition does.
        for s in spots {
            let n = s["incidents"].as_u64().unwrap();
            let poor = matches!(s["condition"].as_str(), Some("poor" | "critical"));
            assert!(n >= 2 || poor, "{s}");
        }
        assert!(spots.iter().any(|s| s["incidents"] == 0));
        let scores: Vec<u64> = spots.iter().map(|s| s["score"].as_u64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        assert!(scores[0] >= 12);

        // One layer; a stricter rule; a start date.
        let (_, water) = get(&planner, &app, "/v1/risk/hotspots?layer=water").await;
        assert!(water["hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["layer"] == "water"));
        let (_, strict) = get(
            &planner,
            &app,
            "/v1/risk/hotspots?min_incidents=4&layer=water",
        )
        .await;
        let main = strict["hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["feature_id"] == "WS-E10")
            .expect("still listed for its condition");
        assert_eq!(main["reasons"].as_array().unwrap().len(), 3);
        let (_, recent) = get(&planner, &app, "/v1/risk/hotspots?since=2018-01-01").await;
        let main = recent["hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["feature_id"] == "WS-E10")
            .unwrap();
        assert_eq!(main["incidents"], 2);

        let (status, _) = get(&planner, &app, "/v1/risk/hotspots?layer=incidents").await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "only network layers have hotspots"
        );
        let contractor = app.client_as("contractor").await;
        let (status, _) = get(&contractor, &app, "/v1/risk/hotspots").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

both_stores! {
    /// Incident registers are loaded like any delivery; a record without its date is reported by
    /// its own field name and the rest are kept.
    async fn an_incident_register_reports_each_bad_record(fresh) {
        let app = common::spawn(fresh, false).await;
        let register = json!({"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
            "features": [
                {"type": "Feature", "id": "R-1", "properties": {"类型": "内涝", "发生日期": "2020年6月22日", "持续时间": "8小时"},
                 "geometry": {"type": "Point", "coordinates": [597_000.0, 3_148_800.0]}},
                {"type": "Feature", "id": "R-2", "properties": {"类型": "内涝"},
                 "geometry": {"type": "Point", "coordinates": [597_010.0, 3_148_800.0]}},
                {"type": "Feature", "id": "R-3", "properties": {"类型": "爆管", "发生日期": "2021-01-04", "影响户数": "很多"},
                 "geometry": {"type": "Point", "coordinates": [597_020.0, 3_148_800.0]}},
        ]});
        let (status, report) = app.deliver_with(&app.client, "incidents", &register).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["inserted"], 1, "{report}");
        assert_eq!(report["rejected"], 2, "{report}");
        let text = report["rejections"].to_string();
        assert!(
            text.contains("发生日期") || text.contains("occurred_on"),
            "{text}"
        );
        assert!(text.contains("影响户数"), "{text}");
    }
}
