//! Paper records being digitised, on both stores: registering them with or without a project,
//! their scans (kept once, nothing kept on a refusal), who may read a scan, and the
//! digitisation rate by category and year.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::archive_api::{json_of, kept, pdf, project};
use crate::archive_store::unit;
use crate::common::{self, TestApp};

fn record(number: &str, category: &str, year: i32, project: Option<&str>) -> Value {
    json!({
        "number": number, "title": format!("{number} 竣工图"), "category": category, "year": year,
        "project": project, "original": "库房 3 架 12 格", "pages": 40
    })
}

async fn scan(
    client: &reqwest::Client,
    app: &TestApp,
    number: &str,
    meta: Option<Value>,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    if let Some(m) = meta {
        form = form.text("scan", m.to_string());
    }
    form = form.part("file", Part::bytes(bytes).file_name("scan.pdf"));
    json_of(
        client
            .post(app.url(&format!("/v1/archive/records/{number}/scans")))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn meta() -> Value {
    json!({ "scanned_on": "2026-11-20", "dpi": 300, "pages": 40, "operator": "李档案" })
}

both_stores! {
    async fn paper_records_are_scanned_and_counted_by_category_and_year(fresh) {
        let app = common::spawn(fresh, false).await;
        let mine = unit(4).to_string();
        let code = "2026-500241-48-01-000041";
        let r = app.post_json("/v1/projects", &project(code, &mine, "2026-03-01")).await;
        assert_eq!(r.status(), StatusCode::CREATED);

        for (body, status) in [
            (record("GH-1998-0001", "as_built_drawings", 1998, None), StatusCode::CREATED),
            (record("GH-1998-0002", "as_built_drawings", 1998, None), StatusCode::CREATED),
            (record("GH-1998-0003", "test_reports", 1998, None), StatusCode::CREATED),
            (record("GH-2026-0001", "as_built_drawings", 2026, Some(code)), StatusCode::CREATED),
            (record("GH-1998-0001", "as_built_drawings", 1998, None), StatusCode::CONFLICT),
            (record("GH-X", "blueprints", 1998, None), StatusCode::UNPROCESSABLE_ENTITY),
            (record("GH-Y", "as_built_drawings", 1850, None), StatusCode::UNPROCESSABLE_ENTITY),
            (record("GH Z", "as_built_drawings", 1998, None), StatusCode::UNPROCESSABLE_ENTITY),
            (record("GH-W", "as_built_drawings", 1998, Some("2026-500241-48-01-000099")), StatusCode::NOT_FOUND),
        ] {
            let (s, e) = json_of(app.post_json("/v1/archive/records", &body).await).await;
            assert_eq!(s, status, "{body} → {e}");
        }

        // A scan without its digitisation metadata keeps nothing.
        let (s, e) = scan(&app.client, &app, "GH-1998-0001", None, pdf(1)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(kept(&app), 0);
        let (s, e) = scan(&app.client, &app, "GH-1998-0009", Some(meta()), pdf(1)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        assert_eq!(kept(&app), 0);

        let (s, legacy) = scan(&app.client, &app, "GH-1998-0001", Some(meta()), pdf(1)).await;
        assert_eq!(s, StatusCode::CREATED, "{legacy}");
        assert_eq!(legacy["scan"]["dpi"], 300);
        let (s, _) = scan(&app.client, &app, "GH-1998-0001", Some(meta()), pdf(1)).await;
        assert_eq!(s, StatusCode::OK, "the same bytes twice are one scan");
        let (s, own) = scan(&app.client, &app, "GH-2026-0001", Some(meta()), pdf(2)).await;
        assert_eq!(s, StatusCode::CREATED, "{own}");
        assert_eq!(kept(&app), 2);

        let (_, page) = json_of(app.get("/v1/archive/records/GH-1998-0001").await).await;
        assert_eq!(page["scans"], 1, "{page}");
        assert_eq!(page["scan_files"][0]["sha256"], legacy["sha256"]);
        let (_, list) = json_of(app.get("/v1/archive/records?digitised=false").await).await;
        let numbers: Vec<&str> = list["records"].as_array().unwrap().iter().map(|r| r["number"].as_str().unwrap()).collect();
        assert_eq!(numbers, ["GH-1998-0002", "GH-1998-0003"], "{list}");

        // The archive office reads every scan; a construction unit only its own project's.
        let legacy_url = format!("/v1/files/{}", legacy["sha256"].as_str().unwrap());
        let r = app.get(&legacy_url).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().as_ref(), pdf(1).as_slice());
        let client = app.client_for_unit("unit-four", &mine).await;
        let r = client.get(app.url(&legacy_url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = client.get(app.url(&format!("/v1/files/{}", own["sha256"].as_str().unwrap()))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = client.get(app.url("/v1/archive/stats")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        let (s, stats) = json_of(app.get("/v1/archive/stats").await).await;
        assert_eq!(s, StatusCode::OK, "{stats}");
        assert_eq!(stats["total"], json!({ "records": 4, "digitised": 2, "rate_percent": 50.0 }));
        assert_eq!(stats["by_year"]["1998"], json!({ "records": 3, "digitised": 1, "rate_percent": 33.3 }));
        assert_eq!(stats["by_year"]["2026"]["rate_percent"], 100.0);
        let drawings = &stats["by_category"][0];
        assert_eq!(drawings["category"], "as_built_drawings");
        assert_eq!(drawings["name"], "竣工图");
        assert_eq!((drawings["records"].clone(), drawings["digitised"].clone()), (json!(3), json!(2)));
    }
}
