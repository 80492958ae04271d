//! The archive search (issue 20): projects, files and map features in one ranked list, Chinese
//! substrings of one, two or more characters on both stores (trigram indexes), the match
//! marked, counts by kind, category and year, files listed by what the caller may do with them,
//! and refusals for a text too long or a range backwards.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{self, TestApp};

const PROJECT: &str = "2025-500241-48-01-000101";

async fn search(client: &reqwest::Client, app: &TestApp, query: &str) -> Value {
    let r = client
        .get(app.url(&format!("/v1/archive/search?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    r.json().await.unwrap()
}

fn hits(v: &Value) -> &Vec<Value> {
    v["hits"].as_array().unwrap()
}

fn facet(v: &Value, name: &str, value: &str) -> u64 {
    v["facets"][name]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["value"] == value))
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

fn q(text: &str) -> String {
    format!("q={}", urlencoding(text))
}

fn urlencoding(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

both_stores! {
    async fn projects_files_and_features_in_one_ranked_list(fresh) {
        let app = common::spawn(fresh, true).await;
        undermap::load_demo_projects(&app.service, &common::demo_dir()).await.expect("demo projects");
        let admin = &app.client;

        // The project's whole name ranks first; its ten files follow, each marked.
        let v = search(admin, &app, &format!("{}&limit=100", q("中和街道给水管网改造"))).await;
        let first = &hits(&v)[0];
        assert_eq!((first["kind"].as_str(), first["id"].as_str()), (Some("project"), Some(PROJECT)), "{v}");
        assert_eq!(first["score"], 1.0);
        assert_eq!(first["highlight"], "<mark>中和街道给水管网改造</mark>");
        assert_eq!(facet(&v, "kind", "file"), 10, "{v}");
        assert_eq!(v["total_is_exact"], true);
        assert!(hits(&v).iter().filter(|h| h["kind"] == "file").all(|h| h["project"] == PROJECT
            && h["highlight"].as_str().unwrap().contains("<mark>中和街道给水管网改造</mark>")));
        let bbox = first["bbox"].as_array().unwrap();
        assert!((108.0..110.0).contains(&bbox[0].as_f64().unwrap()), "CRS84: {bbox:?}");

        // Two characters, and one, on both stores; a LIKE wildcard is a character like any.
        let v = search(admin, &app, &q("给水")).await;
        assert!(facet(&v, "kind", "project") >= 1 && facet(&v, "kind", "file") >= 10, "{v}");
        let v = search(admin, &app, &format!("{}&kind=project", q("燃"))).await;
        assert_eq!(hits(&v).len(), 1, "{v}");
        assert_eq!(hits(&v)[0]["id"], "2026-500241-48-01-000102");
        assert_eq!(hits(&v)[0]["highlight"], "凤凰路<mark>燃</mark>气中压管道敷设");
        let v = search(admin, &app, &format!("{}&kind=project,file", q("%"))).await;
        assert_eq!(v["total"], 0, "{v}");
        assert_eq!(search(admin, &app, &format!("{}&kind=project,file", q("_"))).await["total"], 0);

        // A category, facets by category and year, a date range.
        let v = search(admin, &app, &format!("{}&category=as_built_drawings", q("竣工图"))).await;
        assert!(hits(&v).len() >= 2, "{v}");
        assert!(hits(&v).iter().all(|h| h["category"] == "as_built_drawings" && h["kind"] == "file"));
        assert_eq!(facet(&v, "category", "as_built_drawings") as usize, hits(&v).len());
        let year = chrono::Utc::now().format("%Y").to_string();
        assert_eq!(facet(&v, "year", &year) as usize, hits(&v).len(), "{v}");
        let v = search(admin, &app, &format!("{}&from=2100-01-01", q("竣工图"))).await;
        assert_eq!(v["total"], 0);
        let v = search(admin, &app, &format!("{}&kind=project", q("2026-500241"))).await;
        assert_eq!(hits(&v).len(), 3, "by code: {v}");

        // Map features by id.
        let v = search(admin, &app, &format!("{}&kind=feature", q("GS-E1"))).await;
        assert!(!hits(&v).is_empty(), "{v}");
        assert!(hits(&v).iter().all(|h| h["kind"] == "feature" && h["highlight"].as_str().unwrap().contains("<mark>GS-E1</mark>")));

        // A contractor finds files, not project entries nor restricted files, each with what it
        // may do; its role sees features around a point, not by search.
        let contractor = app.client_as("contractor").await;
        let v = search(&contractor, &app, &q("中和街道")).await;
        assert_eq!(facet(&v, "kind", "project"), 0, "{v}");
        let files = hits(&v);
        assert_eq!(files.len(), 9, "ten files less the restricted survey: {v}");
        assert!(files.iter().all(|h| h["access"] != "restricted"));
        assert!(files.iter().any(|h| h["access"] == "open" && h["download"] == "read"));
        assert!(files.iter().any(|h| h["access"] == "on_request" && h["download"] == "ask"));
        assert!(v["notes"][0].as_str().unwrap().contains("around a point"), "{v}");

        // Refusals, as problems.
        for (query, status) in [
            (q(&"管".repeat(101)), StatusCode::UNPROCESSABLE_ENTITY),
            // Ten thousand characters (ASCII: a URL of ten thousand Chinese characters is 90 KB,
            // more than HTTP clients send), and two thousand Chinese ones.
            (q(&"a".repeat(10_000)), StatusCode::UNPROCESSABLE_ENTITY),
            (q(&"管".repeat(2_000)), StatusCode::UNPROCESSABLE_ENTITY),
            (String::new(), StatusCode::BAD_REQUEST),
            (format!("{}&from=2026-02-01&to=2026-01-01", q("给水")), StatusCode::UNPROCESSABLE_ENTITY),
            (format!("{}&limit=0", q("给水")), StatusCode::UNPROCESSABLE_ENTITY),
            (format!("{}&kind=drawing", q("给水")), StatusCode::BAD_REQUEST),
            (format!("{}&bbox=1,2,3", q("给水")), StatusCode::BAD_REQUEST),
        ] {
            let r = admin.get(app.url(&format!("/v1/archive/search?{query}"))).send().await.unwrap();
            assert_eq!(r.status(), status, "{}", &query[..query.len().min(80)]);
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
    }
}
