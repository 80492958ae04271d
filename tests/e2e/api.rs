//! End-to-end: the real server on port 0 over a fresh PostGIS database per test.

use crate::common;

use common::{spawn_app, square_crs84};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

/// Mid-block of street E1-0 in the demo data, where all five networks run side by side.
const MID_BLOCK: (f64, f64) = (108.987_665_44, 28.449_672_82);

fn dig(depth: f64) -> Value {
    json!({
        "area": square_crs84(MID_BLOCK.0, MID_BLOCK.1, 24.0),
        "depth_m": depth,
        "buffer_m": 1.0,
        "reference": "XS-2026-017 road repair"
    })
}

async fn problem(resp: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(resp.status(), status);
    assert_eq!(
        resp.headers()["content-type"],
        "application/problem+json",
        "every error is a problem body"
    );
    let body: Value = resp.json().await.expect("problem is JSON");
    for key in ["type", "title", "status", "detail"] {
        assert!(body.get(key).is_some(), "problem has {key}: {body}");
    }
    assert_eq!(body["status"], status.as_u16());
    body
}

async fn ticket_count(app: &common::TestApp) -> i64 {
    app.store.ticket_count().await
}

both_stores! {
    async fn health_and_readiness(fresh) {
        let app = common::spawn(fresh, true).await;
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        // Every response, errors included, says how current its data is.
        let as_of = app.service.index().snapshot().as_of();
        for path in ["/healthz", "/v1/layers", "/no/such/thing"] {
            let resp = app.get(path).await;
            let header = resp.headers()["undermap-data-as-of"]
                .to_str()
                .unwrap()
                .to_owned();
            let parsed = chrono::DateTime::parse_from_rfc3339(&header).unwrap();
            assert_eq!(parsed.timestamp(), as_of.timestamp(), "{path}");
        }
        let ready: Value = app.get("/readyz").await.json().await.unwrap();
        assert_eq!(ready["status"], "ready");
        assert_eq!(
            ready["features"], 264,
            "215 network and planning features, 49 thematic (2 of them precaution zones)"
        );
    }
}

both_stores! {
    async fn excavation_check_finds_every_network_and_keeps_an_immutable_ticket(fresh) {
        let app = common::spawn(fresh, true).await;
        let resp = app.post_json("/v1/excavation-checks", &dig(1.5)).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        let created = resp.text().await.unwrap();
        let body: Value = serde_json::from_str(&created).unwrap();
        assert_eq!(
            location,
            format!("/v1/excavation-checks/{}", body["id"].as_str().unwrap())
        );

        let layers: Vec<&str> = body["summary"]["by_layer"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            layers,
            ["drainage", "gas", "planning", "power", "water"],
            "{body:#}"
        );
        let hits = body["hits"].as_array().unwrap();
        let ids: Vec<&str> = hits
            .iter()
            .map(|h| h["feature_id"].as_str().unwrap())
            .collect();
        for id in [
            "WS-E10",
            "GS-E10",
            "PW-E10",
            "DR-ST-E10",
            "DR-SE-E10",
            "RL-E1",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        assert!(hits.iter().all(|h| h["geometry"]["type"].is_string()));
        assert!(!body["owners"].as_array().unwrap().is_empty());

        insta::assert_json_snapshot!("excavation_check_mid_block", body, {
            ".id" => "[ticket id]",
            ".created_at" => "[time]",
            ".valid_until" => "[date]",
            ".planned_start" => "[date]",
            ".answer_by" => "[time]",
            ".data_as_of" => "[time]",
            ".signature.key_id" => "[key id]",
            ".signature.value" => "[signature]",
        });

        // The ticket is returned byte for byte, and does not change when the map changes.
        let again = app.get(&location).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(again.text().await.unwrap(), created);
        app.store.retire_feature("WS-E10").await;
        app.service.reload().await.unwrap();
        assert_eq!(app.get(&location).await.text().await.unwrap(), created);
        let err = app.store.overwrite_tickets().await.unwrap_err();
        assert!(err.to_string().contains("immutable"), "{err}");
    }
}

both_stores! {
    async fn depth_decides_risk(fresh) {
        let app = common::spawn(fresh, true).await;
        let shallow: Value = app
            .post_json("/v1/excavation-checks", &dig(0.3))
            .await
            .json()
            .await
            .unwrap();
        let deep: Value = app
            .post_json("/v1/excavation-checks", &dig(4.0))
            .await
            .json()
            .await
            .unwrap();
        let high = |v: &Value| v["summary"]["by_risk"]["high"].as_u64().unwrap();
        assert!(
            high(&deep) > high(&shallow),
            "a deeper dig reaches more: {} vs {}",
            high(&deep),
            high(&shallow)
        );
        // Hits with no recorded depth are never rated low.
        for body in [&shallow, &deep] {
            for h in body["hits"].as_array().unwrap() {
                if h["depth_top_m"].is_null() && h["layer"] != "planning" {
                    assert_ne!(h["risk"], "low", "{h}");
                }
            }
        }
    }
}

both_stores! {
    async fn answers_in_the_requested_crs(fresh) {
        let app = common::spawn(fresh, true).await;
        // The same square in EPSG:4545, in its own axis order: X = northing, Y = easting.
        let crs84: Value = app
            .post_json("/v1/excavation-checks", &dig(1.5))
            .await
            .json()
            .await
            .unwrap();
        let ring = crs84["area"]["coordinates"][0].as_array().unwrap();
        let t = undermap_crs::Transformer::new(
            &undermap_crs::Crs::crs84(),
            &undermap_crs::Crs::epsg(4545).unwrap(),
        )
        .unwrap();
        let gk: Vec<Value> = ring
            .iter()
            .map(|p| {
                let c = t
                    .coord(geo::Coord {
                        x: p[0].as_f64().unwrap(),
                        y: p[1].as_f64().unwrap(),
                    })
                    .unwrap();
                json!([c.x, c.y])
            })
            .collect();
        assert!(gk[0][0].as_f64().unwrap() > 3_000_000.0, "northing first");
        let mut req = dig(1.5);
        req["area"] = json!({"type": "Polygon", "coordinates": [gk]});
        req["crs"] = json!("EPSG:4545");
        let native: Value = app
            .post_json("/v1/excavation-checks", &req)
            .await
            .json()
            .await
            .unwrap();
        let ids = |v: &Value| -> Vec<String> {
            let mut ids: Vec<String> = v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["feature_id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&crs84), ids(&native));
        assert_eq!(native["crs"], "EPSG:4545");
        let first = &native["hits"][0]["geometry"]["coordinates"];
        let x = first[0].as_f64().or_else(|| first[0][0].as_f64()).unwrap();
        assert!(
            x > 3_000_000.0,
            "answer geometry is northing first too: {first}"
        );
    }
}

both_stores! {
    async fn bad_input_gets_a_problem_and_writes_nothing(fresh) {
        let app = common::spawn(fresh, true).await;
        let square = square_crs84(MID_BLOCK.0, MID_BLOCK.1, 24.0);
        let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
            (
                "line",
                json!({"area": {"type": "LineString", "coordinates": [[108.98, 28.44], [108.99, 28.45]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Polygon",
            ),
            (
                "unclosed",
                json!({"area": {"type": "Polygon", "coordinates": [[[108.987, 28.449], [108.988, 28.449], [108.988, 28.450], [108.987, 28.450]]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "not closed",
            ),
            (
                "three positions",
                json!({"area": {"type": "Polygon", "coordinates": [[[108.987, 28.449], [108.988, 28.449], [108.987, 28.449]]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "at least 4",
            ),
            (
                "bowtie",
                json!({"area": {"type": "Polygon", "coordinates": [[[108.987, 28.449], [108.988, 28.450], [108.988, 28.449], [108.987, 28.450], [108.987, 28.449]]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "intersects itself",
            ),
            (
                "string coordinate",
                json!({"area": {"type": "Polygon", "coordinates": [[["a", 28.449], [108.988, 28.449], [108.988, 28.450], ["a", 28.449]]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "area",
            ),
            (
                "swapped axes",
                json!({"area": {"type": "Polygon", "coordinates": [[[28.449, 108.987], [28.449, 108.988], [28.450, 108.988], [28.449, 108.987]]]}}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "outside the area of use",
            ),
            (
                "unknown crs",
                json!({"area": square, "crs": "EPSG:999999"}),
                StatusCode::BAD_REQUEST,
                "unknown CRS",
            ),
            (
                "too large",
                json!({"area": square_crs84(MID_BLOCK.0, MID_BLOCK.1, 600.0)}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "exceeds the limit",
            ),
            (
                "negative depth",
                json!({"area": square, "depth_m": -1.0}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "depth_m",
            ),
            (
                "absurd depth",
                json!({"area": square, "depth_m": 1000.0}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "depth_m",
            ),
            (
                "absurd buffer",
                json!({"area": square, "buffer_m": 51.0}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "buffer_m",
            ),
            (
                "unknown layer",
                json!({"area": square, "layers": ["heat"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "known layers: drainage",
            ),
            (
                "unknown field",
                json!({"area": square, "depht_m": 2.0}),
                StatusCode::BAD_REQUEST,
                "depht_m",
            ),
            (
                "no area",
                json!({"depth_m": 2.0}),
                StatusCode::BAD_REQUEST,
                "area",
            ),
        ];
        for (name, body, status, needle) in cases {
            let resp = app.post_json("/v1/excavation-checks", &body).await;
            let p = problem(resp, status).await;
            assert!(
                p["detail"].as_str().unwrap().contains(needle),
                "{name}: {p}"
            );
        }
        // Too many vertices: a circle of 10,001 positions.
        let ring: Vec<Value> = (0..=10_000)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i % 10_000) / 10_000.0;
                json!([
                    MID_BLOCK.0 + 0.0001 * a.cos(),
                    MID_BLOCK.1 + 0.0001 * a.sin()
                ])
            })
            .collect();
        let resp = app
            .post_json(
                "/v1/excavation-checks",
                &json!({"area": {"type": "Polygon", "coordinates": [ring]}}),
            )
            .await;
        problem(resp, StatusCode::PAYLOAD_TOO_LARGE).await;
        // Malformed JSON, wrong content type, oversized body.
        let send = |body: Vec<u8>, ct: &'static str| {
            app.client
                .post(app.url("/v1/excavation-checks"))
                .header("content-type", ct)
                .body(body)
                .send()
        };
        problem(
            send(b"{\"area\": ".to_vec(), "application/json")
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        problem(
            send(b"{}".to_vec(), "text/plain").await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
        let big = format!("{{\"reference\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
        problem(
            send(big.into_bytes(), "application/json").await.unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        // NaN is not JSON, and numbers too large for f64 are refused by the parser.
        problem(
            send(
                b"{\"area\": {\"type\": \"Polygon\", \"coordinates\": [[[1e999, 0]]]}}".to_vec(),
                "application/json",
            )
            .await
            .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(ticket_count(&app).await, 0, "no bad request wrote a ticket");

        problem(
            app.get("/v1/excavation-checks/EC-2026-999999").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            app.get("/v1/excavation-checks/..%2F..%2Fetc").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(app.get("/v1/features/nope").await, StatusCode::NOT_FOUND).await;
        problem(
            app.get("/v1/nearest?point=abc").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        problem(app.get("/v1/nearest").await, StatusCode::BAD_REQUEST).await;
        problem(
            app.get("/v1/nearest?point=108.98,28.44&k=0").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        problem(
            app.get("/v1/nearest?point=108.98,28.44&crs=EPSG:0").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        problem(app.get("/no/such/thing").await, StatusCode::NOT_FOUND).await;
    }
}

both_stores! {
    async fn layers_features_and_nearest(fresh) {
        let app = common::spawn(fresh, true).await;
        let layers: Value = app.get("/v1/layers").await.json().await.unwrap();
        insta::assert_json_snapshot!("layers", layers);

        let feature = app.get("/v1/features/WV-11").await;
        assert_eq!(feature.status(), StatusCode::OK);
        assert_eq!(feature.headers()["content-type"], "application/geo+json");
        let feature: Value = feature.json().await.unwrap();
        insta::assert_json_snapshot!("feature_valve", feature, { ".properties.valid_from" => "[time]" });

        let (lon, lat) = (
            feature["geometry"]["coordinates"][0].as_f64().unwrap(),
            feature["geometry"]["coordinates"][1].as_f64().unwrap(),
        );
        let near: Value = app
            .get(&format!("/v1/nearest?point={lon},{lat}&k=3&layers=water"))
            .await
            .json()
            .await
            .unwrap();
        // The valve sits on its main, so both are at distance 0; ties are ordered by id.
        let at_zero: Vec<&str> = near["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["distance_m"].as_f64().unwrap() < 0.01)
            .map(|f| f["feature_id"].as_str().unwrap())
            .collect();
        assert!(at_zero.contains(&"WV-11"), "{near}");
        assert_eq!(near["features"].as_array().unwrap().len(), 3);
        let d: Vec<f64> = near["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["distance_m"].as_f64().unwrap())
            .collect();
        assert!(d.windows(2).all(|w| w[0] <= w[1]), "nearest first: {d:?}");
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_delivery_committed_by_another_process_reaches_the_running_index(pool: PgPool) {
    let app = spawn_app(pool.clone(), false).await;
    // The server's listener, on its own connection to the test database.
    let opts = pool.connect_options();
    let url = format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap()
    );
    undermap::spawn_change_listener(app.service.clone(), url);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.service.index().snapshot().len(), 0);

    // "Another process": a second store on the same database loads a delivery.
    let other = undermap_store::PgStore::from_pool(pool, 4545)
        .await
        .unwrap();
    let prepared = common::prepared("gas", "gas.geojson", undermap_store::DeliveryMode::Full);
    undermap_store::Store::apply_delivery(&other, prepared.delivery)
        .await
        .unwrap();

    let mut seen = 0;
    for _ in 0..100 {
        seen = app.service.index().snapshot().len();
        if seen == 40 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen, 40,
        "the running server rebuilt its index after the NOTIFY"
    );
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["features"], 40);
}

both_stores! {
    /// HTTPS with a certificate and key from the settings: the same API, with HSTS.
    async fn tls_serves_https_with_hsts(fresh) {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let made = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
            ])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl runs");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
            let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            tls_cert: Some(cert.clone()),
            tls_key: Some(key),
            ..undermap::Settings::default()
        };
        let app =
            common::spawn_with(fresh, false, settings).await;
        let https = app.address.replace("http://", "https://");
        // curl runs off the runtime the server shares with this test.
        let curl = |path: &str, auth: bool| {
            let mut cmd = std::process::Command::new("curl");
            cmd.args(["-s", "-m", "20", "-D", "-", "--cacert"])
                .arg(&cert);
            if auth {
                cmd.args(["-H", &format!("Authorization: Bearer {}", app.admin_key)]);
            }
            cmd.arg(format!("{https}{path}"));
            async move {
                let out = tokio::task::spawn_blocking(move || cmd.output().expect("curl runs"))
                    .await
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).to_lowercase()
            }
        };
        let layers = curl("/v1/layers", true).await;
        assert!(layers.starts_with("http/1.1 200"), "{layers}");
        assert!(
            layers.contains("strict-transport-security: max-age=31536000"),
            "{layers}"
        );
        assert!(curl("/v1/layers", false).await.starts_with("http/1.1 401"));
        // Plain HTTP on the TLS port gets no answer.
        let plain = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .unwrap()
            .get(app.url("/healthz"))
            .send()
            .await;
        assert!(plain.is_err() || !plain.unwrap().status().is_success());
    }
}
