//! Subscriptions (issue 20): what is new where one looks — projects, files, deliveries, field
//! reports — in an Atom feed read by its key alone, and POSTed signed to a webhook, retried
//! until it takes them; bad subscriptions are refused with the reason.

use std::str::FromStr;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};
use crate::owners::{receiver, verify_signature};

const PROJECT: &str = "2025-500241-48-01-000101";

/// The CRS84 box of the demo project (its location's coordinates' extent).
async fn project_box(app: &TestApp) -> [f64; 4] {
    let page: Value = app
        .get(&format!("/v1/projects/{PROJECT}"))
        .await
        .json()
        .await
        .unwrap();
    let text = page["location"]["coordinates"].to_string();
    let numbers: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let xs = numbers.iter().step_by(2);
    let ys = numbers.iter().skip(1).step_by(2);
    [
        xs.clone().copied().fold(f64::MAX, f64::min),
        ys.clone().copied().fold(f64::MAX, f64::min),
        xs.copied().fold(f64::MIN, f64::max),
        ys.copied().fold(f64::MIN, f64::max),
    ]
}

async fn feed(app: &TestApp, path: &str) -> atom_syndication::Feed {
    // No credential: the key in the path is the feed's.
    let r = reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    atom_syndication::Feed::from_str(&r.text().await.unwrap()).expect("an Atom document")
}

fn kind(entry: &atom_syndication::Entry) -> &str {
    entry.categories()[0].term()
}

both_stores! {
    async fn a_feed_and_a_webhook_tell_what_is_new_where_one_looks(fresh) {
        let app = common::spawn(fresh, true).await;
        // The demo project first, to know where it is; the rest after the subscriptions.
        undermap::load_demo_projects(&app.service, &common::demo_dir()).await.expect("demo projects");
        let b = project_box(&app).await;
        let (url, received) = receiver();
        let make = |body: Value| app.client.post(app.url("/v1/subscriptions")).json(&body).send();

        for (body, want) in [
            (json!({ "title": "" }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "kinds": ["drawing"] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "layers": ["sewage"] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "categories": ["tunnel"] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "bbox": [109.0, 28.5, 108.0, 28.4] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "webhook_url": "ftp://example.org/x" }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "title": "x", "colour": "red" }), StatusCode::BAD_REQUEST),
        ] {
            let r = make(body.clone()).await.unwrap();
            assert_eq!(r.status(), want, "{body}: {}", r.text().await.unwrap());
        }
        let r = make(json!({
            "title": "中和街道给水竣工资料",
            "kinds": ["project", "file"],
            "categories": ["municipal_pipeline", "as_built_drawings"],
            "bbox": b,
            "webhook_url": url,
        })).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let here: Value = r.json().await.unwrap();
        assert_eq!(here["feed_key"].as_str().unwrap().len(), 64);
        let everything: Value = make(json!({ "title": "一切" })).await.unwrap().json().await.unwrap();

        // New things: a project inside the box and one outside, a drawing and a permit for
        // each, a field report.
        let register = |code: &str, lon: f64, lat: f64| {
            let body = json!({
                "code": code, "name": format!("订阅测试 {code}"), "category": "municipal_pipeline",
                "unit": { "name": "测试建设公司", "credit_code": undermap::DEMO_UNIT },
                "location": common::square_crs84(lon, lat, 40.0),
            });
            app.client.post(app.url("/v1/projects")).json(&body).send()
        };
        let (cx, cy) = (f64::midpoint(b[0], b[2]), f64::midpoint(b[1], b[3]));
        let inside = "2026-500241-48-01-000201";
        let outside = "2026-500241-48-01-000202";
        assert_eq!(register(inside, cx, cy).await.unwrap().status(), StatusCode::CREATED);
        assert_eq!(register(outside, cx + 0.05, cy + 0.05).await.unwrap().status(), StatusCode::CREATED);
        for code in [inside, outside] {
            for category in ["as_built_drawings", "construction_permit"] {
                let form = reqwest::multipart::Form::new().text("category", category).text("title", format!("{category} {code}"))
                    .part("file", reqwest::multipart::Part::bytes(format!("%PDF-1.4 {category} {code}").into_bytes()).file_name("f.pdf"));
                let r = app.client.post(app.url(&format!("/v1/projects/{code}/files"))).multipart(form).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
            }
        }

        let mine = feed(&app, here["feed"].as_str().unwrap()).await;
        assert_eq!(mine.title().as_str(), "中和街道给水竣工资料");
        // The newest first: the drawing inside, then the project inside; then the demo
        // projects' near it (the feed shows what is recent, from before the subscription too);
        // never the project outside, nor a permit.
        let links: Vec<(String, String)> = mine.entries().iter().map(|e| (kind(e).to_owned(), e.links()[0].href().to_owned())).collect();
        let at = |i: usize| (links[i].0.as_str(), links[i].1.rsplit("/v1/").next().unwrap().to_owned());
        assert_eq!(at(0), ("file", format!("projects/{inside}")), "{links:?}");
        assert_eq!(at(1), ("project", format!("projects/{inside}")), "{links:?}");
        assert!(links.iter().all(|(_, l)| l.starts_with("http") && !l.ends_with(outside)), "{links:?}");
        assert!(mine.entries().iter().all(|e| kind(e) == "project" || e.categories()[1].term() == "as_built_drawings"));
        let all = feed(&app, everything["feed"].as_str().unwrap()).await;
        let kinds: Vec<&str> = all.entries().iter().map(kind).collect();
        assert!(kinds.iter().filter(|k| **k == "project").count() >= 6 && kinds.iter().filter(|k| **k == "file").count() >= 4, "{kinds:?}");

        // A contractor's feed tells no more than its search shows: files it may read or ask
        // for, no project entries, no restricted survey.
        let contractor = app.client_as("contractor").await;
        let theirs: Value = contractor.post(app.url("/v1/subscriptions")).json(&json!({ "title": "承包商" }))
            .send().await.unwrap().json().await.unwrap();
        let seen = feed(&app, theirs["feed"].as_str().unwrap()).await;
        assert!(seen.entries().iter().any(|e| kind(e) == "file"));
        assert!(seen.entries().iter().all(|e| kind(e) == "file"), "{:?}", seen.entries().iter().map(kind).collect::<Vec<_>>());
        assert!(!seen.entries().iter().any(|e| e.title().as_str().contains("管线竣工测量成果")));
        // Nor may it have the server POST into its own network.
        for url in ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x", "http://localhost/x"] {
            let r = contractor.post(app.url("/v1/subscriptions")).json(&json!({ "title": "x", "webhook_url": url })).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        }
        // A disabled account's feed stops.
        let r = app.client.post(app.url("/v1/admin/accounts/test-contractor/disable")).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let r = reqwest::Client::new().get(app.url(theirs["feed"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        for path in ["/v1/feeds/abc", &format!("/v1/feeds/{}", "0".repeat(64))] {
            let r = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }

        // The webhook: refused once (503), then given the same events again, signed.
        let mut pushed = Vec::new();
        for _ in 0..150 {
            pushed = received.lock().unwrap().requests.clone();
            let list: Value = app.get("/v1/subscriptions").await.json().await.unwrap();
            let done = list["subscriptions"].as_array().unwrap().iter().any(|s| s["id"] == here["id"] && s["last_push"] == "204"
                && pushed.len() >= 2);
            if done {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(pushed.len() >= 2, "{} pushes", pushed.len());
        let bodies: Vec<Value> = pushed.iter().map(|p| serde_json::from_slice(&p.3).unwrap()).collect();
        let ids = |v: &Value| v["events"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>();
        assert_eq!(ids(&bodies[0])[0], ids(&bodies[1])[0], "the refused events came again");
        let events: Vec<&Value> = bodies[1..].iter().flat_map(|b| b["events"].as_array().unwrap()).collect();
        assert!(events.iter().all(|e| e["kind"] == "project" || e["category"] == "as_built_drawings"), "{events:?}");
        assert!(events.iter().any(|e| e["link"] == format!("/v1/projects/{inside}").as_str()));
        assert!(!events.iter().any(|e| e["link"] == format!("/v1/projects/{outside}").as_str()));
        verify_signature(&app, &pushed[1].0, &pushed[1].3).await;

        // Someone else cannot delete it; its owner can, and the feed is gone.
        let other = app.client_as("planner").await;
        let id = here["id"].as_i64().unwrap();
        let r = other.delete(app.url(&format!("/v1/subscriptions/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app.client.delete(app.url(&format!("/v1/subscriptions/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = reqwest::Client::new().get(app.url(here["feed"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}
