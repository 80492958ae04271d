//! Emergency queries end to end on the demo town: the isolation trace for a burst main, what
//! an incident affects, and the networks' quality findings.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Mid-block of street E1-0, on water main WS-E10 and gas main GS-E10.
const MID_BLOCK: (f64, f64) = (108.987_665_44, 28.449_672_82);

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(fc: &Value) -> Vec<String> {
    let mut v: Vec<String> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["feature_id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A small water network north of the demo town, in EPSG:4545 (easting, northing):
/// station S —P0— V0 —P0— VA —P1 (tap SV1, homes)— —P2— VC —P3 (tap SV3, hospital)—
fn network(va_operable: bool) -> Value {
    let y = 3_149_300.0;
    let pipe = |id: &str, x0: f64, x1: f64| {
        json!({"type": "Feature", "id": id,
        "properties": {"kind": "pipe", "diameter_mm": 200, "material": "DI"},
        "geometry": {"type": "LineString", "coordinates": [[x0, y], [x1, y]]}})
    };
    let point = |id: &str, kind: &str, x: f64, extra: Value| {
        let mut props = json!({"kind": kind});
        props
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"type": "Feature", "id": id, "properties": props,
            "geometry": {"type": "Point", "coordinates": [x, y]}})
    };
    let tap = |id: &str, x: f64, class: &str| {
        json!({"type": "Feature", "id": id,
        "properties": {"kind": "service_connection", "diameter_mm": 32, "consumer_class": class},
        "geometry": {"type": "LineString", "coordinates": [[x, y], [x, y + 10.0]]}})
    };
    json!({"type": "FeatureCollection",
    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
    "features": [
        point("T-S", "station", 597_000.0, json!({})),
        pipe("T-P0", 597_000.0, 597_100.0),
        point("T-V0", "valve", 597_050.0, json!({"operable": true})),
        point("T-VA", "valve", 597_100.0, json!({"operable": va_operable})),
        pipe("T-P1", 597_100.0, 597_200.0),
        pipe("T-P2", 597_200.0, 597_300.0),
        point("T-VC", "valve", 597_300.0, json!({"operable": true})),
        pipe("T-P3", 597_300.0, 597_400.0),
        tap("T-SV1", 597_150.0, "residential"),
        tap("T-SV3", 597_350.0, "hospital"),
    ]})
}

async fn deliver(app: &TestApp, body: &Value) {
    let (status, report) = app.deliver_with(&app.client, "water", body).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
}

both_stores! {
    async fn a_burst_main_is_isolated_by_its_valves_and_an_inoperable_one_is_passed(fresh) {
        let app = common::spawn(fresh, true).await;
        deliver(&app, &network(true)).await;
        let emergency = app.client_as("emergency").await;
        // A burst on T-P2, given as Chinese survey drawings give it: X northing, Y easting.
        let burst = json!({"point": [3_149_300.4, 597_250.0], "crs": "EPSG:4545"});
        let (status, trace) = post(&app, &emergency, "/v1/incidents/isolation", burst.clone()).await;
        assert_eq!(status, StatusCode::OK, "{trace}");
        assert_eq!(trace["layer"], "water");
        assert_eq!(trace["broken"]["feature_id"], "T-P2");
        assert_eq!(trace["broken"]["distance_m"], 0.4);
        assert_eq!(ids(&trace["valves_to_close"]), ["T-VA", "T-VC"]);
        assert!(ids(&trace["inoperable_valves"]).is_empty());
        assert_eq!(ids(&trace["isolated"]), ["T-P1", "T-P2", "T-SV1"]);
        assert_eq!(
            ids(&trace["unfed"]),
            ["T-P3", "T-SV3"],
            "nothing feeds past T-VC"
        );
        assert_eq!(trace["isolated_length_m"], 210.0);
        assert_eq!(trace["supply_known"], true);
        let consumers: Vec<&str> = trace["consumers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["feature"].as_str().unwrap())
            .collect();
        assert_eq!(consumers, ["T-SV3", "T-SV1"], "the hospital first");
        assert_eq!(trace["consumers"][0]["critical"], true);
        // Geometry in the request's CRS and axis order: northing first.
        let valve = &trace["valves_to_close"]["features"][0]["geometry"]["coordinates"];
        assert!(
            (valve[0].as_f64().unwrap() - 3_149_300.0).abs() < 0.01,
            "{valve}"
        );

        // T-VA is found seized: the trace goes past it to T-V0.
        deliver(&app, &network(false)).await;
        let (_, again) = post(&app, &emergency, "/v1/incidents/isolation", burst).await;
        assert_eq!(ids(&again["valves_to_close"]), ["T-V0", "T-VC"]);
        assert_eq!(ids(&again["inoperable_valves"]), ["T-VA"]);
        assert!(ids(&again["isolated"]).contains(&"T-P0".to_owned()));
        assert_eq!(again["isolated_length_m"], 260.0);
    }
}

both_stores! {
    async fn an_incident_lists_everything_affected_most_critical_first(fresh) {
        let app = common::spawn(fresh, true).await;
        let emergency = app.client_as("emergency").await;
        let incident = json!({"geometry": {"type": "Point", "coordinates": [MID_BLOCK.0, MID_BLOCK.1]}, "radius_m": 15.0});
        let (status, impact) = post(&app, &emergency, "/v1/incidents/impact", incident.clone()).await;
        assert_eq!(status, StatusCode::OK, "{impact}");
        let features = impact["features"].as_array().unwrap();
        let ranks: Vec<u64> = features
            .iter()
            .map(|f| f["rank"].as_u64().unwrap())
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        // Gas and high voltage first, then mains by size (largest first), then the rest.
        let first: Vec<&str> = features
            .iter()
            .filter(|f| f["rank"] == 1)
            .map(|f| f["layer"].as_str().unwrap())
            .collect();
        assert!(
            first.contains(&"gas") && first.contains(&"power"),
            "{first:?}"
        );
        let mains: Vec<f64> = features
            .iter()
            .filter(|f| f["rank"] == 2)
            .map(|f| f["diameter_mm"].as_f64().unwrap())
            .collect();
        assert!(
            !mains.is_empty() && mains.windows(2).all(|w| w[0] >= w[1]),
            "{mains:?}"
        );
        let layers: Vec<&str> = impact["by_layer"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for l in ["drainage", "gas", "power", "water"] {
            assert!(layers.contains(&l), "{layers:?}");
        }
        assert!(features
            .iter()
            .all(|f| f["distance_m"].as_f64().unwrap() <= 15.0));
        assert!(!impact["owners"].as_array().unwrap().is_empty());
        // A larger radius finds more; an area works as well as a point.
        let (_, wider) = post(
            &app,
            &emergency,
            "/v1/incidents/impact",
            json!({"geometry": incident["geometry"], "radius_m": 200.0}),
        )
        .await;
        assert!(wider["features"].as_array().unwrap().len() > features.len());
        let area = common::square_crs84(MID_BLOCK.0, MID_BLOCK.1, 40.0);
        let (status, _) = post(
            &app,
            &emergency,
            "/v1/incidents/impact",
            json!({"geometry": area, "radius_m": 0.0}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // Refusals.
        let (status, p) = post(
            &app,
            &emergency,
            "/v1/incidents/impact",
            json!({"geometry": incident["geometry"], "radius_m": 5000.0}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let (status, _) = post(
            &app,
            &emergency,
            "/v1/incidents/impact",
            json!({"geometry": {"type": "Point", "coordinates": ["x"]}}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = post(
            &app,
            &emergency,
            "/v1/incidents/isolation",
            json!({"point": [108.90, 28.40]}),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no pipe near a point far out"
        );
        let contractor = app.client_as("contractor").await;
        let (status, _) = post(&app, &contractor, "/v1/incidents/impact", incident).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

both_stores! {
    async fn network_quality_is_reported_per_layer(fresh) {
        let app = common::spawn(fresh, true).await;
        let r = app.get("/v1/quality?layer=water").await;
        assert_eq!(r.status(), StatusCode::OK);
        let q: Value = r.json().await.unwrap();
        assert!(q["edges"].as_u64().unwrap() >= 24, "{q}");
        assert!(q["components"].as_u64().unwrap() >= 1);
        assert!(q["findings"].is_array());
        assert_eq!(
            app.get("/v1/quality?layer=planning").await.status(),
            StatusCode::NOT_FOUND
        );
        let public = app.client_as("public").await;
        let r = public
            .get(app.url("/v1/quality?layer=water"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "not a layer the public sees"
        );
    }
}

both_stores! {
    async fn downstream_of_a_spill_follows_the_drains_to_the_outfall(fresh) {
        let app = common::spawn(fresh, false).await;
        let y = 3_149_500.0;
        // D1 → D2 → D4 → outfall; D3 flows into D1's end; D0 lies upstream of the spill.
        let drain = |id: &str, from: [f64; 2], to: [f64; 2], inverts: Option<(f64, f64)>| {
            let mut props = json!({"kind": "pipe", "diameter_mm": 400, "material": "RC"});
            if let Some((a, b)) = inverts {
                props["起点管底高程"] = json!(a);
                props["终点管底高程"] = json!(b);
            }
            json!({"type": "Feature", "id": id, "properties": props,
                "geometry": {"type": "LineString", "coordinates": [from, to]}})
        };
        let fc = json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
        "features": [
            drain("D0", [597_000.0, y], [597_100.0, y], None),
            drain("D1", [597_100.0, y], [597_200.0, y], None),
            drain("D2", [597_200.0, y], [597_300.0, y], None),
            drain("D3", [597_200.0, y + 100.0], [597_200.0, y], Some((301.0, 300.5))),
            drain("D4", [597_300.0, y + 100.0], [597_300.0, y], Some((300.0, 300.2))),
            {"type": "Feature", "id": "OUT-1", "properties": {"kind": "outfall"},
             "geometry": {"type": "Point", "coordinates": [597_300.0, y + 100.0]}},
        ]});
        let (status, report) = app.deliver_with(&app.client, "drainage", &fc).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let emergency = app.client_as("emergency").await;
        let (status, d) = post(
            &app,
            &emergency,
            "/v1/incidents/downstream",
            json!({"point": [y + 0.3, 597_150.0], "crs": "EPSG:4545"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{d}");
        assert_eq!(d["start"]["feature_id"], "D1");
        assert_eq!(ids(&d["downstream"]), ["D1", "D2", "D4"]);
        assert_eq!(d["outfalls"], json!(["OUT-1"]));
        assert_eq!(d["length_m"], 300.0);
        // D4 is digitised towards the junction, but its inverts fall towards the outfall; from D3,
        // which flows into the junction, the flow goes on through D2 and D4.
        let (_, from_d3) = post(
            &app,
            &emergency,
            "/v1/incidents/downstream",
            json!({"point": [y + 50.0, 597_200.2], "crs": "EPSG:4545"}),
        )
        .await;
        assert_eq!(ids(&from_d3["downstream"]), ["D2", "D3", "D4"]);
        assert_eq!(from_d3["by_inverts"], 1);
    }
}
