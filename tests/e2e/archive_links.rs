//! What links the archive to the map, on both stores: a delivery made for a project keeps its
//! code on every feature and appears on the project's page, and an excavation check over the
//! project's site names it ("as-built drawings: project X").

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::archive_store::unit;
use crate::common;
use crate::deliveries::{dig, post, water_mains};

const CODE: &str = "2026-500241-48-01-000031";

/// A project along JS-001, in the deployment CRS (northing, easting).
fn along_js001() -> Value {
    json!({
        "code": CODE,
        "name": "JS-001 给水干管新建",
        "category": "municipal_pipeline",
        "unit": { "name": "秀山县第一建设公司", "credit_code": unit(3).to_string() },
        "crs": "EPSG:4545",
        "location": { "type": "Polygon", "coordinates": [[
            [3_148_690.0, 596_960.0], [3_148_690.0, 597_100.0], [3_148_730.0, 597_100.0],
            [3_148_730.0, 596_960.0], [3_148_690.0, 596_960.0]]] },
        "planned_start": "2026-03-01"
    })
}

both_stores! {
    async fn a_delivery_for_a_project_links_its_features_and_checks_name_it(fresh) {
        let app = common::spawn(fresh, false).await;

        // A project the archive does not hold, or a code that is no code: 422, nothing loaded.
        for project in ["2026-500241-48-01-000099", "JS-2026"] {
            let (s, e) = post(&app, water_mains().text("project", project)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
            assert!(e["detail"].as_str().unwrap().contains("project"), "{e}");
        }
        assert_eq!(app.store.count("deliveries").await, 0);

        let r = app.post_json("/v1/projects", &along_js001()).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        let (s, report) = post(&app, water_mains().text("project", CODE)).await;
        assert_eq!(s, StatusCode::CREATED, "{report}");
        let loaded = report["inserted"].as_u64().unwrap();
        assert!(loaded > 0, "{report}");

        // Every feature keeps the code; the project's page lists the delivery and the features.
        let f: Value = app.get("/v1/features/JS-001").await.json().await.unwrap();
        assert_eq!(f["properties"]["extra"]["project_code"], CODE, "{f}");
        let page: Value = app.get(&format!("/v1/projects/{CODE}")).await.json().await.unwrap();
        let deliveries = page["deliveries"].as_array().unwrap();
        assert_eq!(deliveries.len(), 1, "{page}");
        assert_eq!(deliveries[0]["id"], report["delivery_id"], "{page}");
        assert_eq!(deliveries[0]["layer"], "water");
        let features = page["features"].as_array().unwrap();
        assert_eq!(features.len() as u64, loaded, "{page}");
        assert!(features.iter().any(|f| f["id"] == "JS-001"), "{page}");

        // A check over JS-001 names the project; one far away does not.
        let (s, ticket) = {
            let r = app.post_json("/v1/excavation-checks", &dig(None)).await;
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(s, StatusCode::CREATED, "{ticket}");
        let projects = ticket["archive_projects"].as_array().unwrap();
        assert_eq!(projects.len(), 1, "{ticket}");
        assert_eq!(projects[0]["code"], CODE);
        assert_eq!(projects[0]["distance_m"], 0.0);
        assert_eq!(projects[0]["status"], "registered");
        let id = ticket["id"].as_str().unwrap();
        let verdict: Value = app
            .get(&format!("/v1/excavation-checks/{id}/verify"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(verdict["valid"], true, "the listed projects are signed: {verdict}");
        let print = app.get(&format!("/tickets/{id}")).await.text().await.unwrap();
        assert!(print.contains(CODE), "the printout names the project");

        let mut far = dig(None);
        far["area"] = json!({"type": "Polygon", "coordinates": [[
            [3_149_706.0, 597_983.0], [3_149_706.0, 597_993.0], [3_149_716.0, 597_993.0],
            [3_149_716.0, 597_983.0], [3_149_706.0, 597_983.0]]]});
        let ticket: Value = app.post_json("/v1/excavation-checks", &far).await.json().await.unwrap();
        assert_eq!(ticket["archive_projects"], json!([]), "{ticket}");

        // The daily evaluation (run now): the project's notice is overdue since March.
        let (s, e) = {
            let r = app.client.post(app.url("/v1/archive/evaluation")).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!((e["overdue"].clone(), e["by_deadline"]["notice"].clone()), (json!(1), json!(1)), "{e}");
        assert_eq!(e["newly_overdue"], json!([]), "overdue for months, not since yesterday: {e}");
        let last: Value = app.get("/v1/archive/evaluation").await.json().await.unwrap();
        assert_eq!(last["evaluated_at"], e["evaluated_at"], "{last}");
        let contractor = app.client_as("contractor").await;
        let r = contractor.post(app.url("/v1/archive/evaluation")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // The printable filing notice exists once the notice is recorded.
        let r = app.get(&format!("/v1/projects/{CODE}/notice")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let notice = json!({ "type": "notice_issued", "date": "2026-02-20",
            "scope": "给水管线竣工图 <全部>", "formats": ["PDF/A", "GeoPackage"] });
        let r = app.post_json(&format!("/v1/projects/{CODE}/events"), &notice).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        let r = app.get(&format!("/v1/projects/{CODE}/notice")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let html = r.text().await.unwrap();
        for expected in ["建设工程档案归档告知书", CODE, "给水管线竣工图 &lt;全部&gt;", "PDF/A、GeoPackage",
                         "竣工图", "within 3 months of a passed acceptance", "-N1"] {
            assert!(html.contains(expected), "{expected} missing from the notice");
        }
    }
}
