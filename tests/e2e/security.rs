//! Security end to end: what each role can and cannot see through every endpoint, bad
//! credentials and hostile input, rate limits and lockouts, and the audit trail. The real
//! server on port 0 over a fresh PostGIS with the demo data, plus a restricted gas main.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{client_with, square_crs84, TestApp};
use geozero::mvt::{Message, Tile};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// Mid-block of street E1-0 in the demo data, where all networks run side by side.
const MID_BLOCK: (f64, f64) = (108.987_665_44, 28.449_672_82);
/// The restricted main this test adds, 2 m north of GS-E10.
const SECRET_MAIN: &str = "GS-HP-01";
const GAS_OWNER: &str = "秀山县燃气有限公司 (demo)";

fn dig() -> Value {
    json!({"area": square_crs84(MID_BLOCK.0, MID_BLOCK.1, 24.0), "depth_m": 1.5, "buffer_m": 1.0})
}

/// The demo town with a sub-high-pressure gas main classified 秘密 (restricted).
async fn app_with_secret_main(fresh: common::Fresh) -> TestApp {
    let app = common::spawn(fresh, true).await;
    let main = json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
        "features": [{"type": "Feature", "id": SECRET_MAIN, "properties": {
            "kind": "pipe", "owner": GAS_OWNER, "owner_contact": "023-7666-3003",
            "material": "ST", "diameter_mm": 300, "pressure_class": "sub_high_a",
            "depth_top_m": 1.6, "密级": "秘密"},
            "geometry": {"type": "LineString",
                "coordinates": [[596665.383, 3148664.862], [596821.886, 3148698.127]]}}]});
    let (status, report) = app.deliver_with(&app.client, "gas", &main).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    app
}

async fn get(client: &Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn check(client: &Client, app: &TestApp) -> (StatusCode, Value) {
    let r = client
        .post(app.url("/v1/excavation-checks"))
        .json(&dig())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(features: &Value) -> BTreeSet<String> {
    features
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| {
                    f["id"]
                        .as_str()
                        .or_else(|| f["feature_id"].as_str())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The z16 tile around the mid-block: layer name → feature ids.
async fn tile(
    client: &Client,
    app: &TestApp,
    z: u32,
) -> (StatusCode, BTreeMap<String, BTreeSet<String>>) {
    let t = undermap_tiles::TileId::containing(MID_BLOCK.0, MID_BLOCK.1, z).unwrap();
    let r = client
        .get(app.url(&format!("/tiles/all/{}/{}/{}.mvt", t.z, t.x, t.y)))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let bytes = r.bytes().await.unwrap();
    if status != StatusCode::OK {
        return (status, BTreeMap::new());
    }
    let tile = Tile::decode(bytes.as_ref()).unwrap();
    let mut out = BTreeMap::new();
    for layer in &tile.layers {
        let ids: BTreeSet<String> = layer
            .features
            .iter()
            .filter_map(|f| {
                f.tags.chunks(2).find_map(|kv| {
                    (layer.keys[kv[0] as usize] == "id")
                        .then(|| layer.values[kv[1] as usize].string_value.clone())
                        .flatten()
                })
            })
            .collect();
        out.insert(layer.name.clone(), ids);
    }
    (status, out)
}

fn bbox_around_mid_block() -> String {
    let (lon, lat) = MID_BLOCK;
    format!(
        "{},{},{},{}",
        lon - 0.002,
        lat - 0.002,
        lon + 0.002,
        lat + 0.002
    )
}

both_stores! {
    async fn a_fresh_install_exposes_nothing_without_a_credential(fresh) {
        let app = common::spawn(fresh, true).await;
        let anonymous = Client::new();
        for path in ["/healthz", "/readyz", "/ogc", "/ogc/conformance"] {
            assert_eq!(
                get(&anonymous, &app, path).await.0,
                StatusCode::OK,
                "{path}"
            );
        }
        let t = undermap_tiles::TileId::containing(MID_BLOCK.0, MID_BLOCK.1, 16).unwrap();
        let tile_path = format!("/tiles/all/{}/{}/{}.mvt", t.z, t.x, t.y);
        for path in [
            "/v1/layers",
            "/v1/features/GS-E10",
            "/v1/features/GS-E10/history",
            "/v1/nearest?point=108.9877,28.4497",
            "/v1/excavation-checks/EC-2026-000001",
            "/v1/admin/accounts",
            "/v1/admin/audit",
            "/ogc/api",
            "/ogc/collections",
            "/ogc/collections/gas",
            "/ogc/collections/gas/items",
            "/ogc/collections/gas/items/GS-E10",
            "/ogc/collections/gas/queryables",
            "/tiles/all.json",
            tile_path.as_str(),
            "/styles/default.json",
        ] {
            let r = anonymous.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
            assert!(
                challenge.contains("Bearer") && challenge.contains("Basic"),
                "{challenge}"
            );
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        }
        for (path, body) in [
            ("/v1/excavation-checks", dig()),
            (
                "/v1/admin/accounts",
                json!({"name": "mallory", "role": "admin"}),
            ),
        ] {
            let r = anonymous
                .post(app.url(path))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
        let accounts = app.store.count("accounts").await;
        assert_eq!(accounts, 1, "only the test's own admin");
        // CORS is off unless origins are configured.
        let r = app
            .client
            .get(app.url("/v1/layers"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none());
    }
}

both_stores! {
    async fn a_contractor_checks_and_views_a_bounded_area_and_sees_restricted_assets_only_as_present(fresh) {
        let app = app_with_secret_main(fresh).await;
        let contractor = app.client_as("contractor").await;

        // The check reports the restricted main, with its owner to call, and nothing else of it.
        let (status, body) = check(&contractor, &app).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["issued_to"], "test-contractor");
        let hits = body["hits"].as_array().unwrap();
        let restricted: Vec<&Value> = hits.iter().filter(|h| h["restricted"] == true).collect();
        assert_eq!(restricted.len(), 1, "{body:#}");
        let r = restricted[0];
        assert_eq!(r["feature_id"], "restricted");
        assert_eq!(r["layer"], "gas");
        assert_eq!(r["owner"], GAS_OWNER);
        assert_eq!(r["contact"], "023-7666-3003");
        for hidden in [
            "geometry",
            "material",
            "pressure_class",
            "depth_top_m",
            "diameter_mm",
        ] {
            assert!(r[hidden].is_null(), "{hidden} shown: {r}");
        }
        assert!(!body.to_string().contains(SECRET_MAIN));
        assert!(
            ids(&body["hits"]).contains("GS-E10"),
            "ordinary assets in full"
        );

        // Every read path leaves the main out.
        assert_eq!(
            get(&contractor, &app, &format!("/v1/features/{SECRET_MAIN}"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (_, near) = get(
            &contractor,
            &app,
            "/v1/nearest?point=108.98766,28.44969&k=20&layers=gas",
        )
        .await;
        assert!(
            !ids(&near["features"]).contains(SECRET_MAIN) && ids(&near["features"]).contains("GS-E10")
        );
        let bbox = bbox_around_mid_block();
        let (status, page) = get(
            &contractor,
            &app,
            &format!("/ogc/collections/gas/items?bbox={bbox}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            !ids(&page["features"]).contains(SECRET_MAIN) && ids(&page["features"]).contains("GS-E10")
        );
        assert_eq!(
            get(
                &contractor,
                &app,
                &format!("/ogc/collections/gas/items/{SECRET_MAIN}")
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        let (status, in_tile) = tile(&contractor, &app, 16).await;
        assert_eq!(status, StatusCode::OK);
        assert!(in_tile["gas"].contains("GS-E10") && !in_tile["gas"].contains(SECRET_MAIN));
        let (_, admin_tile) = tile(&app.client, &app, 16).await;
        assert!(
            admin_tile["gas"].contains(SECRET_MAIN),
            "the admin's tile has it"
        );

        // No bulk download: a bbox is required, within 1 km², pages within 1,000, tiles from z15.
        for path in [
            "/ogc/collections/gas/items".to_owned(),
            "/ogc/collections/gas/items?bbox=108.9,28.4,109.1,28.5".to_owned(),
            format!("/ogc/collections/gas/items?bbox={bbox}&limit=5000"),
        ] {
            let (status, problem) = get(&contractor, &app, &path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains("your role"),
                "{problem}"
            );
        }
        assert_eq!(tile(&contractor, &app, 12).await.0, StatusCode::BAD_REQUEST);

        // Not a contractor's: history, deliveries, administration.
        assert_eq!(
            get(&contractor, &app, "/v1/features/GS-E10/history")
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&contractor, &app, "/v1/features/GS-E10?at=2026-01-01")
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&contractor, &app, "/v1/admin/accounts").await.0,
            StatusCode::FORBIDDEN
        );
        let r = contractor
            .post(app.url("/v1/deliveries"))
            .multipart(Form::new().text("department", "gas"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Tickets: the holder reads its own; another contractor does not find it; emergency does.
        let ticket = format!("/v1/excavation-checks/{}", body["id"].as_str().unwrap());
        assert_eq!(get(&contractor, &app, &ticket).await.0, StatusCode::OK);
        let other = client_with(&app.key_for("other-contractor", "contractor", None).await);
        assert_eq!(get(&other, &app, &ticket).await.0, StatusCode::NOT_FOUND);
        let emergency = app.client_as("emergency").await;
        assert_eq!(get(&emergency, &app, &ticket).await.0, StatusCode::OK);
    }
}

both_stores! {
    async fn each_role_sees_what_it_needs_through_every_endpoint(fresh) {
        let app = app_with_secret_main(fresh).await;
        let secret = format!("/v1/features/{SECRET_MAIN}");
        let bbox = bbox_around_mid_block();

        // Planner: every layer and the restricted main, history; no checks, loads or administration.
        let planner = app.client_as("planner").await;
        assert_eq!(get(&planner, &app, &secret).await.0, StatusCode::OK);
        let (_, page) = get(&planner, &app, "/ogc/collections/gas/items?limit=10000").await;
        assert!(ids(&page["features"]).contains(SECRET_MAIN));
        assert_eq!(
            get(&planner, &app, "/v1/features/GS-E10/history").await.0,
            StatusCode::OK
        );
        assert_eq!(check(&planner, &app).await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            get(&planner, &app, "/v1/admin/keys").await.0,
            StatusCode::FORBIDDEN
        );

        // Public: planning only, owner contacts and archive references hidden, no checks.
        let public = app.client_as("public").await;
        let (_, layers) = get(&public, &app, "/v1/layers").await;
        let names: Vec<&str> = layers["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["planning"]);
        let (_, collections) = get(&public, &app, "/ogc/collections").await;
        assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
        assert_eq!(
            get(&public, &app, "/v1/features/GS-E10").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&public, &app, "/ogc/collections/gas/items").await.0,
            StatusCode::NOT_FOUND
        );
        let (status, red_line) = get(&public, &app, "/v1/features/RL-E1").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            red_line["properties"]["owner"]["contact"].is_null(),
            "{red_line}"
        );
        assert!(
            red_line["properties"]["archive_ref"].is_null(),
            "{red_line}"
        );
        let (_, item) = get(&public, &app, "/ogc/collections/planning/items/RL-E1").await;
        assert!(
            item["properties"]["owner_contact"].is_null()
                && item["properties"]["owner_name"].is_string()
        );
        let (_, queryables) = get(&public, &app, "/ogc/collections/planning/queryables").await;
        assert!(queryables["properties"].get("owner_contact").is_none());
        assert!(queryables["properties"].get("owner_name").is_some());
        // A filter on a hidden field cannot probe it: it sees no value.
        let (status, probe) = get(
            &public,
            &app,
            "/ogc/collections/planning/items?filter=owner_contact%20LIKE%20%27023%25%27",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(probe["numberReturned"], 0);
        let (_, unfiltered) = get(
            &app.client,
            &app,
            "/ogc/collections/planning/items?filter=owner_contact%20LIKE%20%27023%25%27",
        )
        .await;
        assert!(
            unfiltered["numberReturned"].as_u64().unwrap() > 0,
            "the admin's filter matches"
        );
        let (_, in_tile) = tile(&public, &app, 16).await;
        assert_eq!(in_tile.keys().collect::<Vec<_>>(), ["planning"]);
        let (_, style) = get(&public, &app, "/styles/default.json").await;
        assert!(!style.to_string().contains("\"gas\""));
        assert_eq!(check(&public, &app).await.0, StatusCode::FORBIDDEN);

        // Emergency: everything readable, incidents, every ticket; no loads, no administration.
        let emergency = app.client_as("emergency").await;
        assert_eq!(get(&emergency, &app, &secret).await.0, StatusCode::OK);
        let (status, body) = check(&emergency, &app).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(
            ids(&body["hits"]).contains(SECRET_MAIN),
            "emergency sees it in full"
        );
        assert_eq!(
            get(&emergency, &app, "/v1/admin/audit").await.0,
            StatusCode::FORBIDDEN
        );

        // An archivist of the water company: loads water, not gas; sees only water.
        let water = client_with(
            &app.key_for("archivist-water", "archivist", Some(&["water"]))
                .await,
        );
        let delivery = |dept: &str| {
            let fc = json!({"type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
                "features": [{"type": "Feature", "id": format!("{dept}-NEW-1"), "properties": {"kind": "pipe", "diameter_mm": 100},
                    "geometry": {"type": "LineString", "coordinates": [[596700.0, 3148600.0], [596710.0, 3148600.0]]}}]});
            Form::new()
                .text("department", dept.to_owned())
                .part("file", Part::text(fc.to_string()).file_name("d.geojson"))
        };
        let r = water
            .post(app.url("/v1/deliveries"))
            .multipart(delivery("gas"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = water
            .post(app.url("/v1/deliveries"))
            .multipart(delivery("water"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let (_, layers) = get(&water, &app, "/v1/layers").await;
        assert_eq!(layers["layers"].as_array().unwrap().len(), 1);
        assert_eq!(
            get(&water, &app, "/v1/features/GS-E10").await.0,
            StatusCode::NOT_FOUND
        );

        // Admin: everything, including the restricted main in /v1/layers counts.
        let (_, all) = get(&app.client, &app, "/v1/layers").await;
        let (_, contractor_layers) = get(&app.client_as("contractor").await, &app, "/v1/layers").await;
        let gas = |v: &Value| {
            v["layers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == "gas")
                .unwrap()["features"]
                .as_u64()
                .unwrap()
        };
        assert_eq!(
            gas(&all),
            gas(&contractor_layers) + 1,
            "counts leave out what a role cannot see"
        );
        let _ = bbox;
    }
}

both_stores! {
    async fn bad_credentials_are_refused_with_a_reason(fresh) {
        let app = common::spawn(fresh, true).await;
        let key = app.key_for("wang", "planner", None).await;
        let status_of = |auth: String| {
            let app = &app;
            async move {
                let r = Client::new()
                    .get(app.url("/v1/layers"))
                    .header("Authorization", auth)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                if !status.is_success() {
                    assert_eq!(r.headers()["content-type"], "application/problem+json");
                }
                let body: Value = r.json().await.unwrap();
                (
                    status,
                    body["detail"].as_str().unwrap_or_default().to_owned(),
                )
            }
        };
        let basic = |user: &str, pass: &str| {
            use base64::Engine;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            )
        };
        assert_eq!(status_of(format!("Bearer {key}")).await.0, StatusCode::OK);
        assert_eq!(
            status_of(basic("wang", &key)).await.0,
            StatusCode::OK,
            "GDAL/QGIS basic auth"
        );
        let mut wrong_secret = key.clone();
        let last = wrong_secret.pop().unwrap();
        wrong_secret.push(if last == 'a' { 'b' } else { 'a' });
        for (auth, says) in [
            ("Bearer nonsense".to_owned(), "not of the form"),
            (
                "Bearer um_abcdefghijkl_' OR 1=1 --".to_owned(),
                "not of the form",
            ),
            ("Digest username=wang".to_owned(), "not supported"),
            ("Basic !!!".to_owned(), "cannot be read"),
            (
                format!("Bearer um_zzzzzzzzzzzz_{}", "A".repeat(32)),
                "not valid",
            ),
            (format!("Bearer {wrong_secret}"), "not valid"),
            (basic("li", &key), "not the account"),
        ] {
            let (status, detail) = status_of(auth.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth}");
            assert!(detail.contains(says), "{auth}: {detail}");
        }
        // Expired.
        let expiring = app
            .security
            .auth
            .create_key("wang", None, Some(1))
            .await
            .unwrap();
        app.store.expire_key(&expiring.record.key_id).await;
        let (status, detail) = status_of(format!("Bearer {}", expiring.key)).await;
        assert_eq!(
            (status, detail.contains("expired")),
            (StatusCode::UNAUTHORIZED, true),
            "{detail}"
        );
        // Revoked through the admin API: refused at once, although it was just used.
        let r = app
            .client
            .post(app.url(&format!("/v1/admin/keys/{}/revoke", &key[3..15])))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (status, detail) = status_of(format!("Bearer {key}")).await;
        assert_eq!(
            (status, detail.contains("revoked")),
            (StatusCode::UNAUTHORIZED, true),
            "{detail}"
        );
        // A disabled account's keys stop working.
        let li = app.key_for("li", "contractor", None).await;
        assert_eq!(status_of(format!("Bearer {li}")).await.0, StatusCode::OK);
        let r = app
            .client
            .post(app.url("/v1/admin/accounts/li/disable"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (status, detail) = status_of(format!("Bearer {li}")).await;
        assert_eq!(
            (status, detail.contains("disabled")),
            (StatusCode::UNAUTHORIZED, true),
            "{detail}"
        );
        // Keys are stored only as Argon2id hashes.
        let stored: Vec<String> = app
            .store
            .access()
            .keys(None)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.hash)
            .collect();
        assert!(stored
            .iter()
            .all(|h| h.starts_with("$argon2id$") && !h.contains(&key[16..])));
    }
}

/// Rows in every table a request could change.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "features",
        "deliveries",
        "excavation_checks",
        "accounts",
        "api_keys",
        "layers",
    ] {
        counts.push(app.store.count(table).await);
    }
    counts
}

async fn refused(r: reqwest::Response, what: &str) -> StatusCode {
    let status = r.status();
    assert!(status.is_client_error(), "{what}: {status}");
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].is_string() && body["type"].is_string(),
        "{what}: {body}"
    );
    status
}

both_stores! {
    async fn hostile_input_gets_a_problem_and_changes_nothing(fresh) {
        let app = common::spawn(fresh, true).await;
        let before = footprint(&app).await;
        let c = &app.client;
        let injection = "'; DROP TABLE features; --";
        let q = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let quoted = q(injection);
        for path in [
            format!("/v1/features/{quoted}"),
            format!("/v1/features/GS-E10?crs={quoted}"),
            format!("/v1/features/GS-E10?at={quoted}"),
            format!("/v1/nearest?point={quoted}"),
            format!("/v1/nearest?point=108.98,28.45&layers={quoted}"),
            format!("/v1/nearest?point=108.98,28.45&k={quoted}"),
            format!("/v1/excavation-checks/{quoted}"),
            format!("/ogc/collections/{quoted}/items"),
            format!(
                "/ogc/collections/gas/items?filter={}",
                q("material = 'PE'; DROP TABLE features; --")
            ),
            format!(
                "/ogc/collections/gas/items?filter={}",
                q("material = '' OR 1=1 --'")
            ),
            format!("/ogc/collections/gas/items?bbox={quoted}"),
            format!("/ogc/collections/gas/items?crs={quoted}"),
            format!("/ogc/collections/gas/items?datetime={quoted}"),
            format!("/ogc/collections/gas/items?cursor={quoted}"),
            format!("/ogc/collections/gas/items?limit={quoted}"),
            format!("/ogc/collections/gas/items?{quoted}=1"),
            format!("/tiles/{quoted}/16/1/1.mvt"),
            format!("/v1/admin/audit?since={quoted}"),
            format!("/v1/admin/keys?account={quoted}&x=1"),
            "/../../etc/passwd".to_owned(),
        ] {
            let r = c.get(app.url(&path)).send().await.unwrap();
            refused(r, &path).await;
        }
        // Bound parameters: an injection in a filter value is only a value.
        let (status, body) = get(
            c,
            &app,
            &format!("/v1/admin/audit?actor={}", q("' OR '1'='1")),
        )
        .await;
        assert_eq!(
            (status, body["entries"].as_array().unwrap().len()),
            (StatusCode::OK, 0)
        );
        let r = c
            .post(app.url("/v1/admin/accounts"))
            .json(&json!({"name": "x'); DROP TABLE accounts; --", "role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(r, "account name").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = c
            .post(app.url("/v1/admin/accounts"))
            .json(&json!({"name": "eve", "role": "root"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(r, "unknown role").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Oversized and deeply nested bodies, wrong content types.
        let huge = json!({"area": {"type": "Polygon", "coordinates": [[[0.0, 0.0]]]}, "reference": "x".repeat(2 * 1024 * 1024)});
        let r = c
            .post(app.url("/v1/excavation-checks"))
            .json(&huge)
            .send()
            .await
            .unwrap();
        assert_eq!(refused(r, "huge body").await, StatusCode::PAYLOAD_TOO_LARGE);
        let nested = format!("{{\"area\": {}0{}}}", "[".repeat(5_000), "]".repeat(5_000));
        let r = c
            .post(app.url("/v1/excavation-checks"))
            .header("content-type", "application/json")
            .body(nested)
            .send()
            .await
            .unwrap();
        assert_eq!(refused(r, "nested body").await, StatusCode::BAD_REQUEST);
        let r = c
            .post(app.url("/v1/excavation-checks"))
            .header("content-type", "text/plain")
            .body(dig().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(r, "text body").await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let r = c
            .post(app.url("/v1/deliveries"))
            .json(&json!({"department": "gas"}))
            .send()
            .await
            .unwrap();
        refused(r, "delivery as JSON").await;
        let r = c
            .post(app.url("/v1/admin/accounts"))
            .header("content-type", "application/xml")
            .body("<account/>")
            .send()
            .await
            .unwrap();
        assert_eq!(refused(r, "xml").await, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // Path traversal in upload file names: the file lands in the upload folder or is refused.
        let target =
            std::env::temp_dir().join(format!("undermap-traversal-{}.geojson", std::process::id()));
        let name = format!("../../../../../../{}", target.display());
        let form = Form::new()
            .text("department", "gas")
            .part("file", Part::text("{not json").file_name(name));
        let r = c
            .post(app.url("/v1/deliveries"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        refused(r, "traversal").await;
        assert!(!target.exists(), "an upload escaped its folder");
        for name in ["..", "/", "a\\..\\.."] {
            let form = Form::new()
                .text("department", "gas")
                .part("file", Part::text("{}").file_name(name));
            let r = c
                .post(app.url("/v1/deliveries"))
                .multipart(form)
                .send()
                .await
                .unwrap();
            refused(r, name).await;
        }
        assert_eq!(
            footprint(&app).await,
            before,
            "a refused request changed something"
        );
    }
}

both_stores! {
    async fn limits_answer_429_with_retry_after_and_failures_lock_a_key(fresh) {
            let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            address_rate_per_minute: 30,
            ..undermap::Settings::default()
        };
        let app =
            common::spawn_with(fresh, false, settings).await;
        // A burst of 5 (a tenth of a minute's worth, at least 5), then 429.
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(app.get("/v1/layers").await);
        }
        let limited = statuses
            .into_iter()
            .find(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
            .expect("rate limited");
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3).contains(&wait), "{wait}");
        let body: Value = limited.json().await.unwrap();
        assert_eq!(body["type"], "/problems/rate-limited");
    }
}

/// An authenticator over a fresh GeoPackage with one account, `name` with `role`.
async fn gpkg_authenticator(
    settings: undermap_auth::AuthSettings,
    name: &str,
    role: &str,
) -> (
    undermap_auth::Authenticator,
    undermap_store::GpkgStore,
    tempfile::TempDir,
) {
    let (store, dir) = common::temp_gpkg().await;
    let auth =
        undermap_auth::Authenticator::new(std::sync::Arc::new(store.clone()), settings).unwrap();
    auth.add_account(undermap_auth::NewAccount {
        name: name.into(),
        role: role.into(),
        layers: None,
        service: false,
        full_name: None,
        unit_code: None,
    })
    .await
    .unwrap();
    (auth, store, dir)
}

#[tokio::test]
async fn repeated_failures_slow_down_then_lock_the_key_for_that_address_only() {
    use undermap_auth::limits::FailurePolicy;
    let policy = FailurePolicy {
        max_delay: std::time::Duration::from_millis(40),
        ..FailurePolicy::default()
    };
    let settings = undermap_auth::AuthSettings {
        failures: policy,
        ..undermap_auth::AuthSettings::default()
    };
    let (auth, _store, _dir) = gpkg_authenticator(settings, "wang", "planner").await;
    let key = auth.create_key("wang", None, None).await.unwrap().key;
    let wrong = format!("{}{}", &key[..key.len() - 4], "Zzzz");
    let mut slowest = std::time::Duration::ZERO;
    for i in 0..policy.lock_key_after {
        let started = std::time::Instant::now();
        let err = auth
            .authenticate(&wrong, None, "10.1.1.1")
            .await
            .unwrap_err();
        assert!(
            matches!(err, undermap_auth::AuthError::Invalid),
            "{i}: {err}"
        );
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest >= std::time::Duration::from_millis(40),
        "failures slow down: {slowest:?}"
    );
    // Locked for the guessing address, even with the right secret.
    let err = auth.authenticate(&key, None, "10.1.1.1").await.unwrap_err();
    assert!(
        matches!(err, undermap_auth::AuthError::Locked { .. }),
        "{err}"
    );
    assert!(err.retry_after().unwrap() > std::time::Duration::from_mins(1));
    // Key ids are not secret: whoever guessed cannot lock the holder out elsewhere.
    let holder = auth.authenticate(&key, None, "10.2.2.2").await.unwrap();
    assert_eq!(holder.account, "wang");
    // Guesses from many addresses slow down, and still never lock the key.
    for i in 0..2 * policy.lock_key_after {
        let err = auth
            .authenticate(&wrong, None, &format!("10.3.3.{i}"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, undermap_auth::AuthError::Invalid),
            "{i}: {err}"
        );
    }
    assert!(auth.authenticate(&key, None, "10.2.2.2").await.is_ok());
}

both_stores! {
    async fn the_audit_trail_records_who_asked_what_and_detects_tampering(fresh) {
        let app = common::spawn(fresh, true).await;
        let contractor = app.client_as("contractor").await;
        let (status, body) = check(&contractor, &app).await;
        assert_eq!(status, StatusCode::CREATED);
        let bbox = bbox_around_mid_block();
        let (_, page) = get(
            &contractor,
            &app,
            &format!("/ogc/collections/water/items?bbox={bbox}&filter=material%3D%27PE%27"),
        )
        .await;
        let _ = Client::new()
            .get(app.url("/v1/layers"))
            .header(
                "Authorization",
                "Bearer um_zzzzzzzzzzzz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            )
            .send()
            .await
            .unwrap();
        let (status, trail) = get(&app.client, &app, "/v1/admin/audit?actor=test-contractor").await;
        assert_eq!(status, StatusCode::OK, "{trail}");
        let entries = trail["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{trail:#}");
        let e = &entries[0]["entry"];
        assert_eq!(e["endpoint"], "POST /v1/excavation-checks");
        assert_eq!(e["role"], "contractor");
        assert_eq!(e["status"], 201);
        assert_eq!(e["detail"], body["id"]);
        assert_eq!(e["returned"], body["hits"].as_array().unwrap().len());
        assert_eq!(e["area"]["crs"], "OGC:CRS84");
        assert_eq!(e["address"], "127.0.0.1");
        let items = &entries[1]["entry"];
        assert_eq!(items["endpoint"], "GET /ogc/collections/{id}/items");
        assert!(items["query"].as_str().unwrap().contains("filter=material"));
        assert_eq!(items["returned"], page["numberReturned"]);
        let (_, refusals) = get(&app.client, &app, "/v1/admin/audit?min_status=400").await;
        let refusal = refusals["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entry"]["status"] == 401)
            .expect("a failed login is recorded");
        assert!(refusal["entry"]["actor"].is_null());
        let (_, lines) = (
            StatusCode::OK,
            app.client
                .get(app.url("/v1/admin/audit?f=jsonl"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        assert!(
            lines.lines().count() >= 3
                && lines
                    .lines()
                    .all(|l| serde_json::from_str::<Value>(l).is_ok())
        );

        let (_, verdict) = get(&app.client, &app, "/v1/admin/audit/verify").await;
        assert!(verdict["problem"].is_null(), "{verdict}");
        let entries = verdict["entries"].as_u64().unwrap();
        assert!(entries >= 5, "{verdict}");

        // Append-only: the database refuses changes.
        let err = app
            .store
            .execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        assert!(app
            .store
            .execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .is_err());
        // Someone with the power to switch the trigger off edits an entry: the chain shows it.
        app.store.lift_audit_guard().await;
        app.store
            .execute("UPDATE audit_log SET entry = replace(entry, '\"status\":201', '\"status\":200'), status = 200 WHERE seq = 1 OR status = 201")
            .await
            .unwrap();
        let v = undermap_auth::verify(app.store.access().as_ref())
            .await
            .unwrap();
        assert!(v.problem.as_deref().unwrap().contains("changed"), "{v:?}");
        // …or removes one.
        app.store
            .execute("DELETE FROM audit_log WHERE status = 200")
            .await
            .unwrap();
        let v = undermap_auth::verify(app.store.access().as_ref())
            .await
            .unwrap();
        assert!(v.problem.is_some(), "{v:?}");
    }
}

#[tokio::test]
async fn the_geopackage_keeps_accounts_keys_and_the_chain_too() {
    use undermap_store::{AccessStore, AuditEvent};
    let (auth, store, _dir) = gpkg_authenticator(
        undermap_auth::AuthSettings::default(),
        "site-crew",
        "emergency",
    )
    .await;
    let key = auth
        .create_key("site-crew", Some("tablet".into()), Some(30))
        .await
        .unwrap();
    let p = auth
        .authenticate(&key.key, Some("site-crew"), "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(p.role.name, "emergency");
    let event = |i: u16| {
        AuditEvent {
        at: chrono::DateTime::UNIX_EPOCH,
        actor: Some("site-crew".into()),
        endpoint: "GET /v1/layers".into(),
        status: 200,
        entry: json!({"at": "1970-01-01T00:00:00.000000Z", "actor": "site-crew", "endpoint": "GET /v1/layers", "status": 200, "n": i}).to_string(),
    }
    };
    assert_eq!(store.append_audit(&[event(1), event(2)]).await.unwrap(), 2);
    assert_eq!(store.append_audit(&[event(3)]).await.unwrap(), 3);
    let v = undermap_auth::verify(&store).await.unwrap();
    assert_eq!((v.entries, v.problem.clone()), (3, None), "{v:?}");
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(store.pool())
        .await
        .is_err());
    sqlx::query("DROP TRIGGER audit_log_no_delete")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(store.pool())
        .await
        .unwrap();
    let v = undermap_auth::verify(&store).await.unwrap();
    assert!(v.problem.as_deref().unwrap().contains("missing"), "{v:?}");
}

/// The link to PostgreSQL can be encrypted: `sslmode=require` (or `verify-full` with the
/// server's CA in the system store or `sslrootcert=`) in the store URL.
#[tokio::test]
async fn the_database_connection_can_be_encrypted() {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let sep = if base.contains('?') { '&' } else { '?' };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{base}{sep}sslmode=require"))
        .await
        .expect("PostgreSQL answers over TLS (Debian's cluster has ssl = on)");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(encrypted, "the connection is not encrypted");
}

both_stores! {
    /// CORS only for configured origins: a preflight and a read from that origin are answered with
    /// its name; any other origin gets no CORS headers, so a browser there cannot read the answer.
    async fn cors_answers_only_configured_origins(fresh) {
            let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            cors_origins: vec!["https://map.xiushan.example".into()],
            ..undermap::Settings::default()
        };
        let app =
            common::spawn_with(fresh, false, settings).await;
        let preflight = Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/v1/layers"))
            .header("Origin", "https://map.xiushan.example")
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            preflight.headers()["access-control-allow-origin"],
            "https://map.xiushan.example"
        );
        assert!(preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization"));
        let read = app
            .client
            .get(app.url("/v1/layers"))
            .header("Origin", "https://map.xiushan.example")
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        assert_eq!(
            read.headers()["access-control-allow-origin"],
            "https://map.xiushan.example"
        );
        let other = app
            .client
            .get(app.url("/v1/layers"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());
        let refused = Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/v1/layers"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert!(refused
            .headers()
            .get("access-control-allow-origin")
            .is_none());
    }
}

both_stores! {
    /// Every role against every endpoint: the status each gets. One row per endpoint; columns are
    /// admin, archivist, planner, contractor, emergency, public.
    async fn the_role_matrix_holds_for_every_endpoint(fresh) {
        const ROLES: [&str; 6] = [
            "admin",
            "archivist",
            "planner",
            "contractor",
            "emergency",
            "public",
        ];
        let app = app_with_secret_main(fresh).await;
        let mut clients = Vec::new();
        for role in ROLES {
            clients.push(client_with(
                &app.key_for(&format!("matrix-{role}"), role, None).await,
            ));
        }
        let (_, ticket) = check(&app.client, &app).await;
        let ticket = format!("/v1/excavation-checks/{}", ticket["id"].as_str().unwrap());
        let z16 = undermap_tiles::TileId::containing(MID_BLOCK.0, MID_BLOCK.1, 16).unwrap();
        let z12 = undermap_tiles::TileId::containing(MID_BLOCK.0, MID_BLOCK.1, 12).unwrap();
        let bbox = bbox_around_mid_block();
        let (ok, created, forbidden, missing, bad) = (200, 201, 403, 404, 400);
        let rows: Vec<(String, [u16; 6])> = vec![
            ("/v1/layers".into(), [ok; 6]),
            ("/v1/features/GS-E10".into(), [ok, ok, ok, ok, ok, missing]),
            (
                format!("/v1/features/{SECRET_MAIN}"),
                [ok, ok, ok, missing, ok, missing],
            ),
            ("/v1/features/RL-E1".into(), [ok; 6]),
            (
                "/v1/features/GS-E10/history".into(),
                [ok, ok, ok, forbidden, ok, forbidden],
            ),
            (
                "/v1/features/GS-E10?at=2099-01-01".into(),
                [422, 422, 422, forbidden, 422, forbidden],
            ),
            (
                "/v1/nearest?point=108.98766,28.44969&layers=gas".into(),
                [ok; 6],
            ),
            (ticket, [ok, missing, missing, missing, ok, missing]),
            (
                format!("/ogc/collections/gas/items?bbox={bbox}"),
                [ok, ok, ok, ok, ok, missing],
            ),
            (
                "/ogc/collections/gas/items".into(),
                [ok, ok, ok, bad, ok, missing],
            ),
            (
                format!("/ogc/collections/gas/items/{SECRET_MAIN}"),
                [ok, ok, ok, missing, ok, missing],
            ),
            ("/ogc/collections/planning/items/RL-E1".into(), [ok; 6]),
            ("/ogc/collections".into(), [ok; 6]),
            ("/ogc/collections/gas".into(), [ok, ok, ok, ok, ok, missing]),
            ("/ogc/collections/planning/queryables".into(), [ok; 6]),
            (
                "/ogc/collections/gas/schema".into(),
                [ok, ok, ok, ok, ok, missing],
            ),
            ("/ogc/api".into(), [ok; 6]),
            (format!("/tiles/all/16/{}/{}.mvt", z16.x, z16.y), [ok; 6]),
            (
                format!("/tiles/all/12/{}/{}.mvt", z12.x, z12.y),
                [ok, ok, ok, bad, ok, ok],
            ),
            (
                format!("/tiles/gas/16/{}/{}.mvt", z16.x, z16.y),
                [ok, ok, ok, ok, ok, missing],
            ),
            ("/tiles/all.json".into(), [ok; 6]),
            ("/tiles/gas.json".into(), [ok, ok, ok, ok, ok, missing]),
            ("/styles/default.json".into(), [ok; 6]),
            (
                "/v1/incidents/nearby-history?point=108.98766,28.44969".into(),
                [ok, forbidden, forbidden, forbidden, ok, forbidden],
            ),
            (
                "/v1/resources/nearest?point=108.98766,28.44969&type=pump".into(),
                [ok, forbidden, forbidden, forbidden, ok, forbidden],
            ),
            (
                "/v1/risk/hotspots".into(),
                [ok, ok, ok, forbidden, ok, forbidden],
            ),
            (
                format!("/ogc/collections/incidents/items?bbox={bbox}"),
                [ok, ok, ok, ok, ok, missing],
            ),
            (
                "/v1/admin/accounts".into(),
                [ok, forbidden, forbidden, forbidden, forbidden, forbidden],
            ),
            (
                "/v1/admin/keys".into(),
                [ok, forbidden, forbidden, forbidden, forbidden, forbidden],
            ),
            (
                "/v1/admin/audit".into(),
                [ok, forbidden, forbidden, forbidden, forbidden, forbidden],
            ),
            (
                "/v1/admin/audit/verify".into(),
                [ok, forbidden, forbidden, forbidden, forbidden, forbidden],
            ),
        ];
        let mut wrong = Vec::new();
        for (path, expected) in &rows {
            for (i, client) in clients.iter().enumerate() {
                let status = client
                    .get(app.url(path))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
                if status != expected[i] {
                    wrong.push(format!(
                        "{} GET {path}: {status}, expected {}",
                        ROLES[i], expected[i]
                    ));
                }
            }
        }
        // Writes.
        let delivery = || {
            let fc = json!({"type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
                "features": [{"type": "Feature", "id": "GS-NEW-1", "properties": {"kind": "pipe", "diameter_mm": 100},
                    "geometry": {"type": "LineString", "coordinates": [[596700.0, 3148600.0], [596710.0, 3148600.0]]}}]});
            Form::new()
                .text("department", "gas")
                .part("file", Part::text(fc.to_string()).file_name("d.geojson"))
        };
        let writes: [(&str, [u16; 6]); 3] = [
            (
                "POST /v1/excavation-checks",
                [created, created, forbidden, created, created, forbidden],
            ),
            (
                "POST /v1/deliveries",
                [created, created, forbidden, forbidden, forbidden, forbidden],
            ),
            (
                "POST /v1/admin/accounts",
                [
                    created, forbidden, forbidden, forbidden, forbidden, forbidden,
                ],
            ),
        ];
        for (what, expected) in writes {
            for (i, client) in clients.iter().enumerate() {
                let request = match what {
                    "POST /v1/excavation-checks" => {
                        client.post(app.url("/v1/excavation-checks")).json(&dig())
                    }
                    "POST /v1/deliveries" => {
                        client.post(app.url("/v1/deliveries")).multipart(delivery())
                    }
                    _ => client
                        .post(app.url("/v1/admin/accounts"))
                        .json(&json!({"name": format!("made-by-{}", ROLES[i]), "role": "public"})),
                };
                let status = request.send().await.unwrap().status().as_u16();
                if status != expected[i] {
                    wrong.push(format!(
                        "{} {what}: {status}, expected {}",
                        ROLES[i], expected[i]
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
