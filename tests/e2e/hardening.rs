//! What a hostile or unlucky caller could do before issue 15, each tried against the real
//! server: nesting that overflowed the stack, NUL characters that failed other people's
//! tickets, contractors downloading the county, lockouts by key id, a delivery loading another
//! department's records, unsupported methods, planted links, oversized headers.

use crate::common;

use std::net::IpAddr;

use common::{client_with, square_crs84, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

/// Mid-block of street E1-0 in the demo data, where all networks run side by side.
const MID_BLOCK: (f64, f64) = (108.987_665_44, 28.449_672_82);

fn dig(reference: &str) -> Value {
    json!({"area": square_crs84(MID_BLOCK.0, MID_BLOCK.1, 24.0), "depth_m": 1.5,
           "reference": reference})
}

async fn problem(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{status}"
    );
    (status, r.json().await.unwrap())
}

async fn alive(app: &TestApp) {
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK, "the server is still up");
}

both_stores! {
    async fn deeply_nested_input_is_refused_with_the_limit_not_a_crash(fresh) {
        let app = common::spawn(fresh, true).await;
        // The public role's key was enough to abort the process before.
        let public = app.client_as("public").await;
        let nested = |open: &str, inner: &str, close: &str, n: usize| {
            format!("{}{inner}{}", open.repeat(n), close.repeat(n))
        };
        for filter in [
            nested("(", "status='x'", ")", 2_000),
            nested("NOT ", "status='x'", "", 3_000),
            format!(
                "S_INTERSECTS(geometry,{})",
                nested("GEOMETRYCOLLECTION(", "POINT(108.98 28.44)", ")", 2_000)
            ),
        ] {
            let r = public
                .get(app.url("/ogc/collections/planning/items"))
                .query(&[("limit", "1"), ("filter", filter.as_str())])
                .send()
                .await
                .unwrap();
            let (status, body) = problem(r).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(
                body["detail"].as_str().unwrap().contains("deeper than"),
                "{body}"
            );
            alive(&app).await;
        }
        // JSON bodies: serde_json stops at 128 levels, and the problem says so.
        let deep = format!(
            r#"{{"area": {}1{}, "depth_m": 1}}"#,
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        let r = app
            .client
            .post(app.url("/v1/excavation-checks"))
            .header("content-type", "application/json")
            .body(deep)
            .send()
            .await
            .unwrap();
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("128"), "{body}");
        // A geometry collection as the incident geometry is refused by name.
        let gc = json!({"geometry": {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [MID_BLOCK.0, MID_BLOCK.1]}]}});
        let r = app.post_json("/v1/incidents/impact", &gc).await;
        assert!(r.status().is_client_error(), "{}", r.status());
        alive(&app).await;
    }
}

both_stores! {
    async fn nul_characters_are_refused_naming_the_field_and_fail_nobody_else(fresh) {
        let app = common::spawn(fresh, true).await;
        let contractor = app.client_as("contractor").await;
        // Legitimate checks and NUL-carrying ones at once: every legitimate one gets its ticket.
        let mut tasks = Vec::new();
        for i in 0..60 {
            let client = contractor.clone();
            let url = app.url("/v1/excavation-checks");
            tasks.push(tokio::spawn(async move {
                let reference = if i % 3 == 0 {
                    format!("bad\u{0}{i}")
                } else {
                    format!("XS-{i}")
                };
                let r = client
                    .post(url)
                    .json(&dig(&reference))
                    .send()
                    .await
                    .unwrap();
                (i % 3 == 0, r.status(), r.text().await.unwrap())
            }));
        }
        for t in tasks {
            let (bad, status, body) = t.await.unwrap();
            if bad {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
                assert!(body.contains("`reference`"), "{body}");
            } else {
                assert_eq!(status, StatusCode::CREATED, "{body}");
            }
        }
        let tickets = app.store.ticket_count().await;
        assert_eq!(tickets, 40);

        // Accounts, keys, audit filters and path segments.
        let r = app
            .post_json(
                "/v1/admin/accounts",
                &json!({"name": "li.na", "role": "planner", "full_name": "Li\u{0}Na"}),
            )
            .await;
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("full_name"));
        app.key_for("li.na", "planner", None).await;
        let r = app
            .post_json(
                "/v1/admin/accounts/li.na/keys",
                &json!({"label": "tablet\u{0}"}),
            )
            .await;
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("label"));
        for (path, names) in [
            ("/v1/admin/audit?actor=a%00b", "`actor`"),
            ("/v1/admin/accounts/%00x/disable", "path segment 4"),
            ("/v1/features/WV%00-11", "path segment 3"),
        ] {
            let r = if path.ends_with("disable") {
                app.client.post(app.url(path)).send().await.unwrap()
            } else {
                app.get(path).await
            };
            let (status, body) = problem(r).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert!(
                body["detail"].as_str().unwrap().contains(names),
                "{path}: {body}"
            );
        }
        // The audit trail recorded the hostile requests (escaped) and its chain holds.
        app.security.audit.flush().await;
        let verify: Value = app
            .get("/v1/admin/audit/verify")
            .await
            .json()
            .await
            .unwrap();
        assert!(verify["problem"].is_null(), "{verify}");
        let paths: Vec<String> = app
            .store
            .access()
            .audit(&undermap_store::AuditQuery {
                limit: 100_000,
                ..undermap_store::AuditQuery::default()
            })
            .await
            .unwrap()
            .iter()
            .filter_map(|r| {
                let entry: Value = serde_json::from_str(&r.entry).ok()?;
                entry["path"].as_str().map(str::to_owned)
            })
            .collect();
        assert!(paths.iter().any(|p| p.contains("%00x")), "{paths:?}");

        // A delivery rejects the one record with a NUL, naming the field, and loads the rest.
        let delivery = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "WN-1", "kind": "pipe", "material": "PE\u{0}",
                "diameter_mm": 110, "owner": "水务"},
             "geometry": {"type": "LineString", "coordinates": [[108.9870, 28.4490], [108.9871, 28.4491]]}},
            {"type": "Feature", "properties": {"id": "WN-2", "kind": "pipe", "material": "PE",
                "diameter_mm": 110, "owner": "水务"},
             "geometry": {"type": "LineString", "coordinates": [[108.9872, 28.4490], [108.9873, 28.4491]]}}
        ]});
        let (status, report) = app.deliver_with(&app.client, "water", &delivery).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let rejections = report["rejections"].as_array().unwrap();
        assert_eq!(rejections.len(), 1, "{report}");
        assert_eq!(rejections[0]["id"], "WN-1");
        assert_eq!(rejections[0]["field"], "material", "{report}");
        assert_eq!(app.get("/v1/features/WN-2").await.status(), StatusCode::OK);
    }
}

both_stores! {
    async fn a_delivery_refuses_records_of_another_department(fresh) {
        let app = common::spawn(fresh, true).await;
        let line = |x: f64| json!({"type": "LineString", "coordinates": [[x, 28.4490], [x + 0.0001, 28.4491]]});
        let delivery = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "MX-1", "layer": "water", "kind": "pipe",
                "material": "PE", "diameter_mm": 110, "owner": "水务"}, "geometry": line(108.9870)},
            {"type": "Feature", "properties": {"id": "MX-2", "layer": "gas", "kind": "pipe",
                "material": "PE", "diameter_mm": 110, "owner": "燃气"}, "geometry": line(108.9872)},
            {"type": "Feature", "properties": {"id": "MX-3", "专业": "排水", "kind": "pipe",
                "material": "PVC", "diameter_mm": 300, "owner": "排水"}, "geometry": line(108.9874)}
        ]});
        let (status, report) = app.deliver_with(&app.client, "water", &delivery).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let rejected: Vec<(String, String)> = report["rejections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["field"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            rejected,
            [
                ("MX-2".into(), "layer".into()),
                ("MX-3".into(), "专业".into())
            ],
            "{report}"
        );
        assert!(report["rejections"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("gas"));
        assert_eq!(app.get("/v1/features/MX-1").await.status(), StatusCode::OK);
        assert_eq!(
            app.get("/v1/features/MX-2").await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

/// Tile addresses of a `side` × `side` block of zoom-`z` tiles around the mid-block.
fn tiles_around(z: u32, side: u32) -> Vec<String> {
    let t = undermap_tiles::TileId::containing(MID_BLOCK.0, MID_BLOCK.1, z).unwrap();
    let half = side / 2;
    let mut out = Vec::new();
    for dx in 0..side {
        for dy in 0..side {
            out.push(format!(
                "/tiles/all/{z}/{}/{}.mvt",
                t.x + dx - half,
                t.y + dy - half
            ));
        }
    }
    out
}

both_stores! {
    async fn contractors_view_their_sites_but_cannot_download_the_county(fresh) {
        let app = common::spawn(fresh, true).await;
        let contractor = app.client_as("contractor").await;
        let status = |c: &Client, path: String| {
            let c = c.clone();
            let url = app.url(&path);
            async move { c.get(url).send().await.unwrap().status() }
        };
        // The role's burst is 60 requests; each phase below waits for the bucket to refill, so
        // that every 429 here is the area budget's.
        let refill = || tokio::time::sleep(std::time::Duration::from_secs(4));
        // The download that worked before: 20 zoom-14 tiles. Zoom 14 is refused now.
        for path in tiles_around(14, 5).into_iter().take(20) {
            assert_eq!(
                status(&contractor, path).await,
                StatusCode::BAD_REQUEST,
                "zoom 14"
            );
        }
        refill().await;
        // A normal day: three checks and the map around each at zoom 17, its features, nearest.
        for i in 0..3 {
            let r = contractor
                .post(app.url("/v1/excavation-checks"))
                .json(&dig(&format!("XS-{i}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            for path in tiles_around(17, 4) {
                assert_eq!(status(&contractor, path).await, StatusCode::OK);
            }
            refill().await;
        }
        let near = format!("/v1/nearest?point={},{}&k=20", MID_BLOCK.0, MID_BLOCK.1);
        let r = contractor.get(app.url(&near)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert!(body["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["distance_m"].as_f64().unwrap() <= 200.0));
        assert_eq!(
            status(&contractor, near.replace("k=20", "k=100")).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status(&contractor, "/v1/features/WV-11".into()).await,
            StatusCode::OK
        );
        refill().await;
        // Sweeping zoom-15 tiles across the county runs out of the day's area.
        let mut sweep = Vec::new();
        for path in tiles_around(15, 5) {
            sweep.push(status(&contractor, path).await);
        }
        let refused = sweep
            .iter()
            .position(|s| *s == StatusCode::TOO_MANY_REQUESTS)
            .expect("the budget runs out");
        assert!((3..20).contains(&refused), "{sweep:?}");
        let last = tiles_around(15, 5).pop().unwrap();
        let r = contractor.get(app.url(&last)).send().await.unwrap();
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0 && retry <= 86_400);
        let (status_code, body) = problem(r).await;
        assert_eq!(status_code, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["type"], "/problems/area-budget", "{body}");
        // What was seen already stays visible; features by id elsewhere count too.
        assert_eq!(
            status(&contractor, tiles_around(17, 4).remove(0)).await,
            StatusCode::OK
        );
        // The contractor's TileJSON starts at its lowest zoom, so a map client asks for nothing lower.
        let tilejson: Value = contractor
            .get(app.url("/tiles/all.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(tilejson["minzoom"], 15, "{tilejson}");
        // Unbounded roles are not metered.
        for path in tiles_around(15, 5) {
            assert_eq!(status(&app.client, path).await, StatusCode::OK);
        }
    }
}

both_stores! {
    async fn unsupported_methods_get_405_with_allow(fresh) {
        let app = common::spawn(fresh, false).await;
        for (method, path, allow) in [
            ("TRACE", "/v1/layers", "GET"),
            ("DELETE", "/v1/excavation-checks", "POST, GET"),
            ("PUT", "/ogc/collections/water/items", "GET"),
            ("TRACE", "/healthz", "GET"),
        ] {
            let r = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            let allowed = r.headers().get("allow").cloned();
            let (status, body) = problem(r).await;
            assert_eq!(
                allowed.as_ref().and_then(|a| a.to_str().ok()),
                Some(allow),
                "{method} {path}: {status} {body}"
            );
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {body}"
            );
        }
        let (status, _) = problem(app.get("/v1/nothing-here").await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_stores! {
    async fn links_are_built_on_the_public_base_url_not_on_what_a_caller_sends(fresh) {
            let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            public_base_url: Some("https://maps.example.gov.cn/".into()),
            ..undermap::Settings::default()
        };
        let app = common::spawn_with(fresh, false, settings).await;
        let r = app
            .client
            .get(app.url("/ogc/collections"))
            .header("host", "evil.example")
            .header("forwarded", "host=evil.example;proto=http")
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        assert!(!text.contains("evil.example"), "{text}");
        assert!(text.contains("https://maps.example.gov.cn/ogc/"), "{text}");
    }
}

both_stores! {
    async fn forwarded_headers_count_only_from_trusted_proxies(fresh) {
            let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            trusted_proxies: vec!["127.0.0.2".into()],
            ..undermap::Settings::default()
        };
        let app = common::spawn_with(fresh, false, settings).await;
        let from = |ip: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", app.admin_key).parse().unwrap(),
            );
            Client::builder()
                .default_headers(headers)
                .local_address(ip.parse::<IpAddr>().unwrap())
                .build()
                .unwrap()
        };
        let landing = |client: Client| {
            let url = app.url("/ogc");
            async move {
                client
                    .get(url)
                    .header("x-forwarded-host", "proxy.example")
                    .header("x-forwarded-proto", "https")
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let untrusted = landing(from("127.0.0.1")).await;
        assert!(!untrusted.contains("proxy.example"), "{untrusted}");
        assert!(untrusted.contains("http://127.0.0.1:"), "{untrusted}");
        let trusted = landing(from("127.0.0.2")).await;
        assert!(trusted.contains("https://proxy.example/ogc"), "{trusted}");
    }
}

both_stores! {
    async fn oversized_headers_get_431(fresh) {
        let app = common::spawn(fresh, false).await;
        let r = app
            .client
            .get(app.url("/v1/layers"))
            .header("x-padding", "a".repeat(256 * 1024))
            .send()
            .await
            .expect("an answer, not a reset connection");
        assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        alive(&app).await;
        // The key still works afterwards.
        let again = client_with(&app.admin_key);
        assert_eq!(
            again
                .get(app.url("/v1/layers"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_bad_ticket_in_a_shared_batch_fails_alone(pool: PgPool) {
    use undermap_store::Store;
    // Straight at the store, past the edge's checks: PostgreSQL text cannot hold a NUL, so this
    // one ticket's write fails; the others written in the same group commit must not.
    let store = undermap_store::PgStore::from_pool(pool, 4545)
        .await
        .unwrap();
    let area = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (596_700.0, 3_148_500.0),
            (596_710.0, 3_148_500.0),
            (596_710.0, 3_148_510.0),
            (596_700.0, 3_148_500.0),
        ]),
        vec![],
    )]);
    let now = chrono::Utc::now();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        let id = store.next_ticket_id(now).await.unwrap();
        let area = area.clone();
        tasks.push(tokio::spawn(async move {
            let body = if i == 17 {
                format!("{{\"id\":\"{id}\",\"reference\":\"a\u{0}b\"}}")
            } else {
                format!("{{\"id\":\"{id}\"}}")
            };
            let saved = store
                .save_ticket(undermap_store::NewTicket {
                    id,
                    created_at: now,
                    reference: None,
                    issued_to: None,
                    area,
                    body,
                    owners: Vec::new(),
                    justify_by: None,
                })
                .await;
            (i, saved.is_ok())
        }));
    }
    for t in tasks {
        let (i, ok) = t.await.unwrap();
        assert_eq!(ok, i != 17, "ticket {i}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM excavation_checks")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(stored, 63);
}
