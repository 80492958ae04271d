//! Feedback on the archive's services (issue 20): a contractor rates its ticket, a visitor its
//! visit with the questionnaire's answers, a reader a scan downloaded; each once, and only
//! their own; the report counts them by service and month, as JSON and CSV, for the archive's
//! staff only. Refused feedback is a clear 4xx and writes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{self, client_with, square_crs84};

both_stores! {
    async fn feedback_is_given_once_on_ones_own_and_counted_by_service_and_month(fresh) {
        let app = common::spawn(fresh, true).await;
        let crew = client_with(&app.key_for("crew-7", "contractor", None).await);
        let other = client_with(&app.key_for("crew-8", "contractor", None).await);
        let (s, ticket) = app.post_as(&crew, "/v1/excavation-checks",
            json!({ "area": square_crs84(108.987_665_44, 28.449_672_82, 20.0), "depth_m": 1.5 })).await;
        assert_eq!(s, StatusCode::CREATED, "{ticket}");
        let ticket = ticket["id"].as_str().unwrap().to_owned();

        // A visit, and a scan to download.
        let (_, window) = app.get_as(&app.client, "/v1/appointments/slots").await;
        let slot = window["days"].as_array().unwrap().iter().flat_map(|d| d["slots"].as_array().unwrap().clone())
            .find(|s| s["bookable"] == true).unwrap()["slot"].as_str().unwrap().to_owned();
        let (s, visit) = app.post_as(&crew, "/v1/appointments", json!({ "slot": slot, "name": "王五", "purpose": "查阅" })).await;
        assert_eq!(s, StatusCode::CREATED, "{visit}");
        let visit = visit["number"].as_str().unwrap().to_owned();
        let record = json!({"number": "GH-1998-0001", "title": "城北给水干管竣工图", "category": "as_built_drawings",
            "year": 1998, "original": "库房 3 架 12 格", "pages": 40});
        assert_eq!(app.post_json("/v1/archive/records", &record).await.status(), StatusCode::CREATED);
        let pdf = b"%PDF-1.4\n% scan\n%%EOF\n".to_vec();
        let form = reqwest::multipart::Form::new()
            .text("scan", json!({ "scanned_on": "2026-11-20", "dpi": 300, "pages": 40, "operator": "李档案" }).to_string())
            .part("file", reqwest::multipart::Part::bytes(pdf).file_name("scan.pdf"));
        let r = app.client.post(app.url("/v1/archive/records/GH-1998-0001/scans")).multipart(form).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let (_, page) = app.get_as(&app.client, "/v1/archive/records/GH-1998-0001").await;
        let scan = page["scan_files"][0]["sha256"].as_str().unwrap_or_else(|| panic!("{page}")).to_owned();

        let (s, q) = app.get_as(&crew, "/v1/feedback/questions?service=appointment").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(q["questions"].as_array().unwrap().len(), 3);

        // Refused, nothing written.
        for (client, body, status, says) in [
            (&crew, json!({ "service": "ticket", "subject": ticket, "rating": 6 }), StatusCode::UNPROCESSABLE_ENTITY, "rating"),
            (&other, json!({ "service": "ticket", "subject": ticket, "rating": 2 }), StatusCode::UNPROCESSABLE_ENTITY, "not one of yours"),
            (&other, json!({ "service": "appointment", "subject": visit, "rating": 2 }), StatusCode::UNPROCESSABLE_ENTITY, "not one of yours"),
            (&crew, json!({ "service": "ticket", "subject": ticket, "rating": 4, "answers": { "staff": 5 } }), StatusCode::UNPROCESSABLE_ENTITY, "asks no question"),
            (&crew, json!({ "service": "appointment", "subject": visit, "rating": 4, "answers": { "waited": "an hour" } }), StatusCode::UNPROCESSABLE_ENTITY, "one of"),
            (&crew, json!({ "service": "download", "subject": "0".repeat(64), "rating": 4 }), StatusCode::UNPROCESSABLE_ENTITY, "not in the archive"),
            (&crew, json!({ "service": "shop", "subject": "x", "rating": 4 }), StatusCode::UNPROCESSABLE_ENTITY, "service"),
            (&crew, json!({ "service": "ticket", "subject": ticket, "rating": 4, "comment": "x".repeat(2001) }), StatusCode::UNPROCESSABLE_ENTITY, "at most"),
        ] {
            let (s, e) = app.post_as(client, "/v1/feedback", body.clone()).await;
            assert_eq!(s, status, "{body}: {e}");
            assert!(e["detail"].as_str().unwrap_or_default().contains(says), "{says}: {e}");
        }
        let staff = app.client_as("archivist").await;
        let (_, empty) = app.get_as(&staff, "/v1/feedback/summary").await;
        assert_eq!(empty["responses"], 0, "{empty}");

        for (body, who) in [
            (json!({ "service": "ticket", "subject": ticket, "rating": 2, "comment": "权属单位答复太慢", "answers": { "answered_in_time": false, "site_matched": "minor_differences" } }), &crew),
            (json!({ "service": "appointment", "subject": visit, "rating": 5, "comment": "窗口服务好，答复快", "answers": { "found": true, "waited": "under_10_min", "staff": 5 } }), &crew),
            (json!({ "service": "download", "subject": scan, "rating": 4, "answers": { "found": true } }), &other),
        ] {
            let (s, f) = app.post_as(who, "/v1/feedback", body.clone()).await;
            assert_eq!(s, StatusCode::CREATED, "{body}: {f}");
        }
        let (s, e) = app.post_as(&crew, "/v1/feedback", json!({ "service": "ticket", "subject": ticket, "rating": 5 })).await;
        assert_eq!(s, StatusCode::CONFLICT, "once per subject: {e}");

        let (s, _) = app.get_as(&crew, "/v1/feedback/summary").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, report) = app.get_as(&staff, "/v1/feedback/summary").await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert_eq!(report["responses"], 3);
        assert_eq!(report["mean_rating"], 3.67);
        assert_eq!(report["satisfied_percent"], 66.7);
        let service = |name: &str| report["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap().clone();
        assert_eq!(service("ticket")["ratings"], json!([0, 1, 0, 0, 0]));
        let visits = service("appointment");
        let staff_q = visits["questions"].as_array().unwrap().iter().find(|q| q["id"] == "staff").unwrap().clone();
        assert_eq!(staff_q["mean"], 5.0);
        assert_eq!(report["common_terms"], json!([{ "term": "答复", "comments": 2 }]));
        assert_eq!(report["low_ratings"][0]["subject"], ticket.as_str());
        let csv = staff.get(app.url("/v1/feedback/summary?format=csv")).send().await.unwrap();
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = csv.text().await.unwrap();
        assert_eq!(csv.lines().count(), 4, "a header and a row per service and month: {csv}");
        assert!(csv.starts_with("service,month,responses,mean_rating,satisfied_percent"), "{csv}");
        for q in ["from=2026-12-09&to=2026-12-01", "from=2020-01-01&to=2026-01-01", "format=xml", "from=yesterday"] {
            let r = staff.get(app.url(&format!("/v1/feedback/summary?{q}"))).send().await.unwrap();
            assert!(r.status().is_client_error(), "{q}: {}", r.status());
        }
    }
}
