//! Downloads by access level (issue 20): open files for everyone who reads the map, files on
//! request asked for with a purpose and approved or refused by an archivist, restricted files
//! for the office, the project's unit and emergency staff; an approved request's link serves
//! its account for a time and a count (ten downloads at once take its last three uses exactly
//! three times), and every download is audited with who, the SHA-256 and why.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

const PROJECT: &str = "2025-500241-48-01-000101";

/// The demo project's file of `category`: its SHA-256.
async fn file_of(app: &TestApp, category: &str) -> String {
    let page: Value = app
        .get(&format!("/v1/projects/{PROJECT}"))
        .await
        .json()
        .await
        .unwrap();
    page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == category)
        .map_or_else(
            || panic!("the demo project holds {category}"),
            |f| f["sha256"].as_str().unwrap().to_owned(),
        )
}

/// A demo archive on a fresh server, and its demo project's open, on-request and restricted
/// files.
async fn demo(fresh: common::Fresh) -> (TestApp, String, String, String) {
    let app = common::spawn(fresh, true).await;
    undermap::load_demo_projects(&app.service, &common::demo_dir())
        .await
        .expect("demo projects");
    let open = file_of(&app, "approval_documents").await;
    let on_request = file_of(&app, "as_built_drawings").await;
    let restricted = file_of(&app, "pipeline_as_built_survey").await;
    (app, open, on_request, restricted)
}

async fn status_of(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

both_stores! {
    async fn each_access_level_decides_who_reads_asks_or_does_not_see(fresh) {
        let (app, open, on_request, restricted) = demo(fresh).await;
        let contractor = app.client_as("contractor").await;
        let planner = app.client_as("planner").await;
        let emergency = app.client_as("emergency").await;
        let file = |h: &str| app.url(&format!("/v1/files/{h}"));

        for (client, who, want) in [
            (&contractor, "contractor", [StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND]),
            (&planner, "planner", [StatusCode::OK, StatusCode::OK, StatusCode::FORBIDDEN]),
            (&emergency, "emergency", [StatusCode::OK, StatusCode::OK, StatusCode::OK]),
            (&app.client, "admin", [StatusCode::OK, StatusCode::OK, StatusCode::OK]),
        ] {
            for (hash, want) in [&open, &on_request, &restricted].into_iter().zip(want) {
                let (status, body) = status_of(client, file(hash)).await;
                assert_eq!(status, want, "{who} {hash}: {body}");
                if status == StatusCode::FORBIDDEN {
                    assert!(body.contains("POST /v1/download-requests"), "{body}");
                }
            }
        }
        // The project's own construction unit reads all three.
        let unit = app.client_for_unit("unit-1", undermap::DEMO_UNIT).await;
        for hash in [&open, &on_request, &restricted] {
            assert_eq!(status_of(&unit, file(hash)).await.0, StatusCode::OK);
        }

        // The archive office opens the drawings: now the contractor reads them.
        let access = |h: &str| app.url(&format!("/v1/projects/{PROJECT}/files/{h}/access"));
        let r = contractor.put(access(&on_request)).json(&json!({ "access": "open" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app.client.put(access(&on_request)).json(&json!({ "access": "public" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app.client.put(access(&"0".repeat(64))).json(&json!({ "access": "open" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app.client.put(access(&on_request)).json(&json!({ "access": "open" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(status_of(&contractor, file(&on_request)).await.0, StatusCode::OK);
        let page: Value = app.get(&format!("/v1/projects/{PROJECT}")).await.json().await.unwrap();
        let drawings = page["files"].as_array().unwrap().iter().find(|f| f["sha256"] == on_request.as_str()).unwrap().clone();
        assert_eq!(drawings["access"], "open");

        // A bundle with a file the planner may only ask for is refused whole.
        let r = planner.get(app.url(&format!("/v1/projects/{PROJECT}/bundle.zip"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = planner.post(app.url("/v1/bundles")).json(&json!({ "files": [open, restricted] })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

both_stores! {
    async fn a_request_is_approved_once_and_its_link_serves_its_count_then_expires(fresh) {
        let (app, open, on_request, restricted) = demo(fresh).await;
        let contractor = app.client_as("contractor").await;
        let other = app.client_for_unit("unit-9", &crate::archive_store::unit(9).to_string()).await;
        let ask = |sha: &str, purpose: &str| json!({ "sha256": sha, "purpose": purpose });
        let post = |client: &reqwest::Client, body: Value| {
            client.post(app.url("/v1/download-requests")).json(&body).send()
        };

        for (body, want) in [
            (ask(&on_request, "  "), StatusCode::UNPROCESSABLE_ENTITY),
            (ask(&on_request, &"x".repeat(501)), StatusCode::UNPROCESSABLE_ENTITY),
            (ask("abc", "改线设计"), StatusCode::UNPROCESSABLE_ENTITY),
            (ask(&open, "改线设计"), StatusCode::CONFLICT),
            (ask(&restricted, "改线设计"), StatusCode::NOT_FOUND),
            (json!({ "sha256": on_request, "purpose": "x", "extra": 1 }), StatusCode::BAD_REQUEST),
        ] {
            let r = post(&contractor, body.clone()).await.unwrap();
            assert_eq!(r.status(), want, "{body}: {}", r.text().await.unwrap());
        }
        let r = post(&contractor, ask(&on_request, "凤凰路开挖前核对给水管位置")).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let request: Value = r.json().await.unwrap();
        let id = request["id"].as_i64().unwrap();
        assert_eq!(request["status"], "pending");
        let r = post(&contractor, ask(&on_request, "again")).await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "one waiting per file");

        let link = app.url(&format!("/v1/download-requests/{id}/file"));
        assert_eq!(status_of(&contractor, link.clone()).await.0, StatusCode::CONFLICT, "pending");
        assert_eq!(status_of(&other, link.clone()).await.0, StatusCode::NOT_FOUND, "not theirs");
        let mine: Value = contractor.get(app.url("/v1/download-requests")).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["requests"].as_array().unwrap().len(), 1);
        let theirs: Value = other.get(app.url("/v1/download-requests")).send().await.unwrap().json().await.unwrap();
        assert!(theirs["requests"].as_array().unwrap().is_empty());
        let pending: Value = app.get("/v1/download-requests?status=pending").await.json().await.unwrap();
        assert_eq!(pending["requests"][0]["id"], id);

        let decide = |body: Value| app.client.post(app.url(&format!("/v1/download-requests/{id}/decision"))).json(&body).send();
        let r = contractor.post(app.url(&format!("/v1/download-requests/{id}/decision"))).json(&json!({ "approve": true })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(decide(json!({ "approve": false })).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY, "a refusal says why");
        let r = decide(json!({ "approve": true, "reason": "核对用途属实" })).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let approved: Value = r.json().await.unwrap();
        assert_eq!(approved["status"], "approved");
        assert_eq!(approved["max_uses"], 3);
        assert!(approved["expires_at"].is_string());
        assert_eq!(decide(json!({ "approve": false, "reason": "late" })).await.unwrap().status(), StatusCode::CONFLICT);

        // Ten downloads at once: exactly the three uses are served.
        let expected = app.get(&format!("/v1/files/{on_request}")).await.bytes().await.unwrap();
        let tries = (0..10).map(|_| {
            let c = contractor.clone();
            let url = link.clone();
            async move {
                let r = c.get(url).send().await.unwrap();
                (r.status(), r.headers().get("content-type").cloned(), r.bytes().await.unwrap())
            }
        });
        let results = futures_util::future::join_all(tries).await;
        let served: Vec<_> = results.iter().filter(|r| r.0 == StatusCode::OK).collect();
        assert_eq!(served.len(), 3, "{:?}", results.iter().map(|r| r.0).collect::<Vec<_>>());
        assert!(served.iter().all(|r| r.2 == expected));
        for gone in results.iter().filter(|r| r.0 != StatusCode::OK) {
            assert_eq!(gone.0, StatusCode::GONE);
            assert_eq!(gone.1.as_ref().unwrap(), "application/problem+json");
        }
        let used: Value = contractor.get(app.url(&format!("/v1/download-requests/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(used["uses"], 3);

        // A second request, approved, then past its time.
        let second: Value = post(&other, ask(&on_request, "竣工复核")).await.unwrap().json().await.unwrap();
        let second = second["id"].as_i64().unwrap();
        let r = app.client.post(app.url(&format!("/v1/download-requests/{second}/decision"))).json(&json!({ "approve": true })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app.store.execute(&format!("UPDATE download_requests SET expires_at = '2000-01-01T00:00:00Z' WHERE id = {second}")).await.unwrap();
        let (status, body) = status_of(&other, app.url(&format!("/v1/download-requests/{second}/file"))).await;
        assert_eq!(status, StatusCode::GONE, "{body}");
        assert!(body.contains("expired"), "{body}");

        // A refused request says why.
        let third: Value = post(&app.client_as("public").await, ask(&on_request, "好奇")).await.unwrap().json().await.unwrap();
        let third = third["id"].as_i64().unwrap();
        let r = app.client.post(app.url(&format!("/v1/download-requests/{third}/decision"))).json(&json!({ "approve": false, "reason": "用途不明" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // Every download through the link is audited with the SHA-256 and the purpose.
        let mut audited = String::new();
        for _ in 0..30 {
            audited = app.get("/v1/admin/audit?actor=test-contractor&limit=500").await.text().await.unwrap();
            if audited.matches("凤凰路开挖前核对给水管位置").count() >= 4 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(audited.matches(&format!("sha256 {on_request}")).count() >= 3, "{audited}");
        assert!(audited.matches("凤凰路开挖前核对给水管位置").count() >= 4, "{audited}");
    }
}
