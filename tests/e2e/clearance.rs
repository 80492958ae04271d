//! Planned routes (issue 21): a clearance check against GB 50289's distances on a hand-built
//! network, kept as a numbered, signed report with its printable page; the cross-section of a
//! cut; and bad input refused with a reason.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

/// North of the demo town, in EPSG:4545 (easting, northing as GeoJSON writes it).
const Y: f64 = 3_149_500.0;

fn pipe(id: &str, coords: &[(f64, f64)], props: Value) -> Value {
    let mut p = json!({"kind": "pipe"});
    p.as_object_mut()
        .unwrap()
        .extend(props.as_object().unwrap().clone());
    json!({"type": "Feature", "id": id, "properties": p,
        "geometry": {"type": "LineString", "coordinates": coords.iter().map(|(x, y)| json!([x, y])).collect::<Vec<_>>()}})
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
        "features": features})
}

/// W-1: a DN300 water main along y = Y at 1.2 m; W-3: a DN100 branch crossing south of it at
/// x = 597,100, 1.0 m deep; G-1: a medium-A gas main 3 m north of W-1; G-2, secret, 6 m north.
async fn network(app: &TestApp, more_water: Vec<Value>) {
    let mut water = collection(vec![
        pipe(
            "W-1",
            &[(597_000.0, Y), (597_200.0, Y)],
            json!({"diameter_mm": 300, "depth_top_m": 1.2, "owner": "自来水公司"}),
        ),
        pipe(
            "W-3",
            &[(597_100.0, Y - 10.0), (597_100.0, Y - 0.5)],
            json!({"diameter_mm": 100, "depth_top_m": 1.0, "owner": "自来水公司"}),
        ),
    ]);
    water["features"].as_array_mut().unwrap().extend(more_water);
    let gas = collection(vec![
        pipe(
            "G-1",
            &[(597_000.0, Y + 3.0), (597_200.0, Y + 3.0)],
            json!({"diameter_mm": 160, "depth_top_m": 1.0, "pressure_class": "medium_a", "owner": "燃气公司"}),
        ),
        // A secret sub-high-pressure main: planners see that it is there and whose, not what.
        pipe(
            "G-2",
            &[(597_000.0, Y + 6.0), (597_200.0, Y + 6.0)],
            json!({"diameter_mm": 300, "depth_top_m": 1.5, "pressure_class": "sub_high_a", "owner": "燃气公司", "sensitivity": "secret"}),
        ),
    ]);
    for (department, body) in [("water", water), ("gas", gas)] {
        let (status, report) = app.deliver_with(&app.client, department, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["rejected"], 0, "{report}");
    }
}

/// A DN400 sewer 2.0 m deep, 1.4 m south of W-1 (centre to centre), from x = 597,050 to
/// 597,150: EPSG:4545 as requests give it, northing first.
fn sewer(extra: Value) -> Value {
    let mut body = json!({
        "route": {"type": "LineString", "coordinates": [[Y - 1.4, 597_050.0], [Y - 1.4, 597_150.0]]},
        "crs": "EPSG:4545", "type": "sewer", "diameter_mm": 400, "depth_top_m": 2.0,
        "reference": "城南污水干管"
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

fn conflict<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["feature_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {report}"))
}

both_stores! {
    async fn a_planned_sewer_too_close_to_a_main_fails_with_its_rule_and_the_report_holds(fresh) {
        let app = common::spawn(fresh, true).await;
        network(&app, Vec::new()).await;
        let planner = app.client_as("planner").await;
        let (status, report) = app.post_as(&planner, "/v1/clearance-checks", sewer(json!({}))).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let number = report["number"].as_str().unwrap().to_owned();
        assert!(number.starts_with("CC-20") && number.len() == 14, "{number}");
        assert_eq!(report["verdict"], "fail");
        assert_eq!(report["length_m"], 100.0);
        assert_eq!(report["table"]["version"], "2026-12-07");

        // W-1: 1.4 − 0.2 − 0.15 = 1.05 m clear, 1.5 m required for a main over DN200.
        let w1 = conflict(&report, "W-1");
        assert_eq!(w1["verdict"], "fail");
        let h = &w1["horizontal"];
        assert_eq!(h["distance_m"], 1.05);
        assert_eq!(h["required_m"], 1.5);
        assert_eq!(h["rule"]["id"], "drainage-water-over-d200");
        assert!(h["rule"]["source"].as_str().unwrap().contains("GB 50289-2016 表 4.1.9"));
        assert_eq!(h["spans"], json!([[0.0, 100.0]]), "beside it all the way");
        assert_eq!(report["failing_spans"][0]["from_m"], 0.0);
        assert_eq!(report["failing_spans"][0]["to_m"], 100.0);
        // W-3 is crossed at right angles, the sewer 0.9 m under it (0.4 m required).
        let w3 = conflict(&report, "W-3");
        assert_eq!(w3["verdict"], "pass", "{w3}");
        assert!(w3["horizontal"].is_null());
        let x = &w3["crossings"][0];
        assert_eq!((x["at_m"].as_f64(), x["clear_m"].as_f64(), x["required_m"].as_f64()), (Some(50.0), Some(0.9), Some(0.4)));
        assert_eq!((x["existing_top_m"].as_f64(), x["existing_bottom_m"].as_f64()), (Some(1.0), Some(1.1)));
        assert_eq!(x["angle_deg"], 90.0);
        assert_eq!(x["point"], json!([Y - 1.4, 597_100.0]), "in the request's CRS and axis order");
        // G-1, 4.4 m away, is beyond any row between sewer and gas: not listed.
        assert!(report["conflicts"].as_array().unwrap().iter().all(|c| c["feature_id"] != "G-1"));
        assert_eq!(report["counts"], json!({"features": 2, "pass": 1, "fail": 1, "unknown": 0, "crossings": 1}));

        // Kept byte for byte, signed, listed, printable; another's is not found.
        let stored = planner.get(app.url(&format!("/v1/clearance-checks/{number}"))).send().await.unwrap();
        assert_eq!(stored.status(), StatusCode::OK);
        assert_eq!(stored.json::<Value>().await.unwrap(), report);
        let (status, check) = app.get_as(&planner, &format!("/v1/clearance-checks/{number}/verify")).await;
        assert_eq!((status, check["valid"].as_bool()), (StatusCode::OK, Some(true)), "{check}");
        assert_eq!(check["verdict"], "fail");
        let signature = report["signature"]["value"].as_str().unwrap();
        let anonymous = reqwest::Client::new();
        let open = anonymous
            .get(app.url(&format!("/v1/clearance-checks/{number}/verify")))
            .query(&[("signature", signature)])
            .send().await.unwrap();
        assert_eq!(open.status(), StatusCode::OK, "the printout's code checks without an account");
        let forged = anonymous
            .get(app.url(&format!("/v1/clearance-checks/{number}/verify")))
            .query(&[("signature", "AAAA")])
            .send().await.unwrap().json::<Value>().await.unwrap();
        assert_eq!(forged["valid"], false);
        let (_, list) = app.get_as(&planner, "/v1/clearance-checks").await;
        assert_eq!(list["reports"][0]["number"], number.as_str());
        assert_eq!(list["reports"][0]["reference"], "城南污水干管");
        let page = planner.get(app.url(&format!("/clearance/{number}"))).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(&number) && html.contains("class=\"failing\"") && html.contains("GB 50289-2016 表 4.1.9"), "{html}");
        assert!(html.contains("drainage-water-over-d200") || html.contains("1.5 m"), "the rule is cited");
        let other = app.client_as("network_owner").await;
        let (status, _) = app.get_as(&other, &format!("/v1/clearance-checks/{number}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get_as(&other, &format!("/v1/clearance-checks/{number}/verify")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "without the signature, another's report is not told");
        assert_eq!(app.get(&format!("/v1/clearance-checks/{number}")).await.status(), StatusCode::OK, "admin reads every report");

        // Moved 0.6 m further south it passes W-1 (1.65 m clear), still listed as a near pass.
        let mut away = sewer(json!({}));
        away["route"]["coordinates"] = json!([[Y - 2.0, 597_050.0], [Y - 2.0, 597_150.0]]);
        let (_, moved) = app.post_as(&planner, "/v1/clearance-checks", away).await;
        assert_eq!(conflict(&moved, "W-1")["verdict"], "pass", "{moved}");
        assert_eq!(moved["verdict"], "pass");

        // A contractor may not check planned routes.
        let contractor = app.client_as("contractor").await;
        let (status, body) = app.post_as(&contractor, "/v1/clearance-checks", sewer(json!({}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
}

both_stores! {
    async fn missing_values_and_pairs_without_a_row_are_unknown_never_pass(fresh) {
        let app = common::spawn(fresh, true).await;
        // A service pipe of unknown diameter 1.3 m clear of the sewer: 1.0 or 1.5 m may apply.
        network(&app, vec![json!({"type": "Feature", "id": "W-9",
            "properties": {"kind": "service_connection", "depth_top_m": 1.0},
            "geometry": {"type": "LineString", "coordinates": [[597_050.0, Y - 20.0], [597_150.0, Y - 20.0]]}})]).await;
        let planner = app.client_as("planner").await;
        let mut body = sewer(json!({}));
        body["route"]["coordinates"] = json!([[Y - 18.5, 597_060.0], [Y - 18.5, 597_140.0]]);
        let (status, report) = app.post_as(&planner, "/v1/clearance-checks", body).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let w9 = conflict(&report, "W-9");
        assert_eq!(w9["verdict"], "unknown");
        assert_eq!(w9["horizontal"]["missing"], json!(["diameter_mm of W-9", "diameter_mm or section of W-9"]));
        assert_eq!(report["verdict"], "unknown");
        // A heat route beside W-1: the table has no water–heat row.
        let heat = json!({"route": {"type": "LineString", "coordinates": [[Y - 1.0, 597_050.0], [Y - 1.0, 597_150.0]]},
            "crs": "EPSG:4545", "type": "heat", "diameter_mm": 300, "depth_top_m": 1.5});
        let (_, report) = app.post_as(&planner, "/v1/clearance-checks", heat).await;
        let reason = conflict(&report, "W-1")["horizontal"]["reason"].as_str().unwrap().to_owned();
        assert!(reason.contains("no horizontal rule for heat–water in the loaded table"), "{reason}");
        assert_eq!(report["verdict"], "unknown");
    }
}

both_stores! {
    async fn bad_routes_are_refused_with_a_reason_and_nothing_is_kept(fresh) {
        let app = common::spawn(fresh, true).await;
        let planner = app.client_as("planner").await;
        let cases = [
            (json!({"route": {"type": "LineString", "coordinates": [[Y, 597_000.0], [Y, 597_100.0], [Y + 50.0, 597_100.0], [Y - 50.0, 597_050.0]]}}), "crosses itself"),
            (json!({"route": {"type": "LineString", "coordinates": [[Y, 597_000.0], [Y + 200_000.0, 597_000.0]]}}), "200.0 km long"),
            (json!({"depth_top_m": 31}), "at most 30 m"),
            (json!({"depth_top_m": [1.0, 2.0, 3.0]}), "3 depths for 2 vertices"),
            (json!({"type": "steam"}), "\"steam\" is not one of: water, sewer, storm, gas"),
            (json!({"type": "gas"}), "pressure_class"),
            (json!({"type": "power"}), "voltage_kv"),
            (json!({"route": {"type": "Polygon", "coordinates": [[[Y, 597_000.0], [Y, 597_100.0], [Y + 5.0, 597_100.0], [Y, 597_000.0]]]}}), "a route is a LineString"),
            (json!({"crs": "EPSG:999999"}), "999999"),
        ];
        for (change, expected) in cases {
            let (status, body) = app.post_as(&planner, "/v1/clearance-checks", sewer(change.clone())).await;
            let want = if change.get("crs").is_some() { StatusCode::BAD_REQUEST } else { StatusCode::UNPROCESSABLE_ENTITY };
            assert_eq!(status, want, "{change}: {body}");
            assert!(body["detail"].as_str().unwrap_or("").contains(expected), "{change}: {body}");
        }
        let (_, list) = app.get_as(&planner, "/v1/clearance-checks").await;
        assert_eq!(list["reports"], json!([]), "nothing kept");
        let (status, _) = app.get_as(&planner, "/v1/clearance-checks/CC-2026-999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get_as(&planner, "/v1/clearance-checks/not-a-number").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_stores! {
    async fn a_cross_section_lists_the_lines_in_order_with_depths_and_draws_them(fresh) {
        let app = common::spawn(fresh, true).await;
        network(&app, Vec::new()).await;
        let planner = app.client_as("planner").await;
        // A cut northwards across W-1 (at 5 m) and G-1 (at 8 m), at x = 597,120.
        let line = format!("{},{},{},{}", Y - 5.0, 597_120.0, Y + 10.0, 597_120.0);
        let (status, section) = app.get_as(&planner, &format!("/v1/cross-section?line={line}&crs=EPSG:4545")).await;
        assert_eq!(status, StatusCode::OK, "{section}");
        assert_eq!(section["length_m"], 15.0);
        let items = section["items"].as_array().unwrap();
        type Row<'a> = (Option<&'a str>, f64, Option<f64>, Option<f64>);
        let got: Vec<Row<'_>> = items.iter().map(|i| (
            i["feature_id"].as_str(), i["offset_m"].as_f64().unwrap(),
            i["depth_top_m"].as_f64(), i["depth_bottom_m"].as_f64())).collect();
        assert_eq!(got, [(Some("W-1"), 5.0, Some(1.2), Some(1.5)), (Some("G-1"), 8.0, Some(1.0), Some(1.16)), (None, 11.0, None, None)]);
        assert_eq!((items[2]["restricted"].as_bool(), items[2]["owner"].as_str(), items[2]["diameter_mm"].as_f64()), (Some(true), Some("燃气公司"), None));
        assert_eq!(items[0]["owner"], "自来水公司");
        assert_eq!(items[1]["layer"], "gas");
        assert!(section["svg"].as_str().unwrap().starts_with("<svg"));
        // The drawing alone.
        let svg = planner.get(app.url(&format!("/v1/cross-section?line={line}&crs=EPSG:4545&f=svg"))).send().await.unwrap();
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        let text = svg.text().await.unwrap();
        assert!(text.contains("<circle") && text.contains("W-1 DN300") && text.contains("1.20"), "{text}");
        // The public sees the planning layer only: no network line.
        let public = app.client_as("public").await;
        let (_, seen) = app.get_as(&public, &format!("/v1/cross-section?line={line}&crs=EPSG:4545")).await;
        assert_eq!(seen["items"], json!([]));
        // A sewer planned 1.5 m north of the secret main fails on it: the planner is told where,
        // how close and whose, not its id, pressure, size or the row (which would tell them).
        let mut near_secret = sewer(json!({}));
        near_secret["route"]["coordinates"] = json!([[Y + 7.5, 597_050.0], [Y + 7.5, 597_150.0]]);
        let (status, report) = app.post_as(&planner, "/v1/clearance-checks", near_secret.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let secret = report["conflicts"].as_array().unwrap().iter().find(|c| c["restricted"] == true).expect("the secret main is listed");
        assert_eq!((secret["verdict"].as_str(), secret["owner"].as_str()), (Some("fail"), Some("燃气公司")));
        assert!(secret["feature_id"].is_null() && secret["pressure_class"].is_null() && secret["diameter_mm"].is_null());
        let h = &secret["horizontal"];
        assert_eq!(h["distance_m"], 1.15);
        assert!(h["rule"].is_null() && h["required_m"].is_null(), "{h}");
        let text = secret.to_string();
        assert!(!text.contains("G-2") && !text.contains("sub_high") && !text.contains("sub-high"), "{text}");
        // An administrator (secret clearance) sees it in full.
        let (_, full) = app.post_as(&app.client, "/v1/clearance-checks", near_secret).await;
        assert_eq!(conflict(&full, "G-2")["horizontal"]["rule"]["id"], "drainage-gas-sub-high-a");
        // Bad cuts.
        let far = format!("{},{},{},{}", Y, 597_000.0, Y + 2000.0, 597_000.0);
        for (q, status, expected) in [
            (format!("line={far}&crs=EPSG:4545"), StatusCode::UNPROCESSABLE_ENTITY, "at most 1000 m"),
            ("line=1,2,3".to_owned(), StatusCode::BAD_REQUEST, "x1,y1,x2,y2"),
            (format!("line={line}&crs=EPSG:4545&f=png"), StatusCode::BAD_REQUEST, "f=svg"),
        ] {
            let (got, body) = app.get_as(&planner, &format!("/v1/cross-section?{q}")).await;
            assert_eq!(got, status, "{q}: {body}");
            assert!(body["detail"].as_str().unwrap_or("").contains(expected), "{q}: {body}");
        }
    }
}

both_stores! {
    async fn a_deployment_replaces_the_table_with_its_own_rows(fresh) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.toml");
        let own = format!(
            "{}\n[[horizontal]]\nid = \"heat-water\"\nbetween = [\"heat\", \"water\"]\nclearance_m = 1.8\nsource = \"本市管线综合规划导则 表 3（test）\"\n",
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/clearance/gb50289-2016.toml"))
                .unwrap()
                .replace("version = \"2026-12-07\"", "version = \"city-2026-1\"")
        );
        std::fs::write(&path, own).unwrap();
        let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            clearance_table: Some(path),
            ..undermap::Settings::default()
        };
        let app = common::spawn_with(fresh, false, settings).await;
        network(&app, Vec::new()).await;
        let (_, table) = app.get_as(&app.client, "/v1/clearance-table").await;
        assert_eq!(table["version"], "city-2026-1");
        let heat = json!({"route": {"type": "LineString", "coordinates": [[Y - 1.0, 597_050.0], [Y - 1.0, 597_150.0]]},
            "crs": "EPSG:4545", "type": "heat", "diameter_mm": 300, "depth_top_m": 1.5});
        let (status, report) = app.post_as(&app.client, "/v1/clearance-checks", heat).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["table"]["version"], "city-2026-1");
        let h = &conflict(&report, "W-1")["horizontal"];
        assert_eq!((h["verdict"].as_str(), h["rule"]["id"].as_str(), h["distance_m"].as_f64()), (Some("fail"), Some("heat-water"), Some(0.7)), "{h}");
    }
}
