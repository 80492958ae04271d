//! The web map in a browser: the real server on port 0 over PostGIS with the demo data, driven
//! by headless Chromium (web/tests/e2e.mjs, playwright-core). The expected answers come from the
//! API itself: a polygon drawn on the map must give the hits the API gives for it, a pipe
//! clicked must give the valves the trace closes. Screenshots go to docs/screenshots/.
//!
//! Needs the web map built (`cd web && npm ci && npm run build`, as `make test` does), Node.js
//! and /usr/bin/chromium; `.ci/run` installs them. Without them the test fails and says why.

use crate::common;

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{json, Value};

fn web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web"))
}

/// The small water network of tests/incidents.rs: T-P2 broken closes T-VA and T-VC.
fn network() -> Value {
    let y = 3_149_300.0;
    let pipe = |id: &str, x0: f64, x1: f64| {
        json!({"type": "Feature", "id": id, "properties": {"kind": "pipe", "diameter_mm": 200},
               "geometry": {"type": "LineString", "coordinates": [[x0, y], [x1, y]]}})
    };
    let point = |id: &str, kind: &str, x: f64| {
        json!({"type": "Feature", "id": id, "properties": {"kind": kind, "operable": true},
               "geometry": {"type": "Point", "coordinates": [x, y]}})
    };
    json!({"type": "FeatureCollection",
    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
    "features": [
        point("T-S", "station", 597_000.0), pipe("T-P0", 597_000.0, 597_100.0),
        point("T-VA", "valve", 597_100.0), pipe("T-P1", 597_100.0, 597_200.0),
        pipe("T-P2", 597_200.0, 597_300.0), point("T-VC", "valve", 597_300.0),
        pipe("T-P3", 597_300.0, 597_400.0),
    ]})
}

both_stores! {
    async fn the_web_map_checks_a_dig_and_traces_a_burst_as_the_api_does(fresh) {
        let app = common::spawn(fresh, true).await;
        // The page is served without a credential and holds no map data.
        let page = reqwest::get(app.url("/")).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains("/web/app.js"),
            "the web map is not built into this binary: run `cd web && npm ci && npm run build` (make test does)"
        );
        let (status, report) = app.deliver_with(&app.client, "water", &network()).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let key = app.key_for("web-emergency", "emergency", None).await;
        let client = common::client_with(&key);

        // What the API answers, for the browser to match.
        let (lon, lat) = (108.987_665_44, 28.449_672_82);
        let (dx, dy) = (0.00012, 0.00008);
        let corners = [
            [lon - dx, lat - dy],
            [lon + dx, lat - dy],
            [lon + dx, lat + dy],
            [lon - dx, lat + dy],
        ];
        let mut ring: Vec<[f64; 2]> = corners.to_vec();
        ring.push(corners[0]);
        let check: Value = client
            .post(app.url("/v1/excavation-checks"))
            .json(&json!({"area": {"type": "Polygon", "coordinates": [ring]}, "depth_m": 1.5, "buffer_m": 1.0}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected: Vec<&str> = check["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["feature_id"].as_str().unwrap())
            .collect();
        assert!(expected.len() >= 5, "{check}");
        // A point on T-P2, in CRS84 (the map's).
        let burst: Value = client
            .post(app.url("/v1/incidents/isolation"))
            .json(&json!({"point": [3_149_300.0, 597_250.0], "crs": "EPSG:4545"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let valves: Vec<&str> = burst["valves_to_close"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["feature_id"].as_str().unwrap())
            .collect();
        assert_eq!(valves.len(), 2, "{burst}");
        // The same point in CRS84 (the map's), through the project's own PROJ wrapper.
        let to_crs84 = undermap_crs::Transformer::new(
            &undermap_crs::Crs::epsg(4545).unwrap().gis_order(),
            &undermap_crs::Crs::crs84(),
        )
        .unwrap();
        let geo::Geometry::Point(on_pipe) = to_crs84
            .geometry(&geo::Point::new(597_250.0, 3_149_300.0).into())
            .unwrap()
        else {
            unreachable!("a point stays a point")
        };
        let (plon, plat) = (on_pipe.x(), on_pipe.y());

        // The archive's demo projects, and what the API says of them.
        undermap::load_demo_projects(&app.service, &common::demo_dir()).await.expect("demo projects");
        let listed: Value = client.get(app.url("/v1/projects")).send().await.unwrap().json().await.unwrap();
        let codes: Vec<&str> = listed["projects"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 4, "{listed}");
        let overdue: Value = client.get(app.url("/v1/projects/overdue")).send().await.unwrap().json().await.unwrap();
        let late: Vec<&str> = overdue["overdue"].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap()).collect();
        let open = "2026-500241-48-01-000103";
        let page: Value = client.get(app.url(&format!("/v1/projects/{open}"))).send().await.unwrap().json().await.unwrap();
        let stats: Value = client.get(app.url("/v1/archive/stats")).send().await.unwrap().json().await.unwrap();
        assert_eq!(stats["total"]["records"], 6, "the demo's paper records: {stats}");
        let noticed = page["timeline"].as_array().unwrap().iter().any(|e| e["type"] == "notice_issued");

        // The window's staff, for the day list with who came.
        let staff_key = app.key_for("web-archivist", "archivist", None).await;
        let contractor_key = app.key_for("web-contractor", "contractor", None).await;
        let planner_key = app.key_for("web-planner", "planner", None).await;
        let spec = json!({
            "url": app.url("/"),
            "key": key,
            "staff_key": staff_key,
            "contractor_key": contractor_key,
            "planner_key": planner_key,
            "search": {"q": "竣工图"},
            "screenshots": web_dir().join("../docs/screenshots"),
            "dig": {"centre": [lon, lat], "corners": corners, "depth_m": 1.5, "expected": expected},
            "incident": {"point": [plon, plat], "valves": valves},
            "archive": {"codes": codes, "overdue": late, "open": open,
                        "events": page["timeline"].as_array().unwrap().len(),
                        "missing": page["checklist"]["missing"].as_array().unwrap().len(),
                        "digitisation": format!("({}/{})", stats["total"]["digitised"], stats["total"]["records"]),
                        "noticed": noticed},
        });
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new("node")
                .arg("tests/e2e.mjs")
                .arg(spec.to_string())
                .current_dir(web_dir())
                .output()
        })
        .await
        .unwrap()
        .expect("node runs (Node.js is needed for the browser tests)");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the browser test failed:\n{stdout}\n{stderr}"
        );
        let summary: Value = serde_json::from_str(stdout.trim().lines().last().unwrap()).unwrap();
        assert_eq!(summary["ok"], true, "{stdout}");
    }
}
