//! Broken multipart forms: a form without its boundary made `actix_multipart` panic when the
//! refused form was read to its end, so the caller got a reset instead of a 400 (found by
//! schemathesis on the answers and field reports). Every route taking a form answers a broken
//! one with a problem, and the server goes on.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common;

both_stores! {
    async fn a_form_without_its_boundary_is_a_400_not_a_reset(fresh) {
        let app = common::spawn(fresh, true).await;
        let record = json!({"number": "GH-1998-0001", "title": "城北给水干管竣工图", "category": "as_built_drawings",
            "year": 1998, "original": "库房 3 架 12 格", "pages": 40});
        let r = app.post_json("/v1/archive/records", &record).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        for path in [
            "/v1/excavation-checks/0/responses",
            "/v1/field-reports",
            "/v1/archive/records/GH-1998-0001/scans",
        ] {
            for content_type in ["multipart/form-data", "multipart/form-data; boundary=\"\""] {
                let r = app
                    .client
                    .post(app.url(path))
                    .header("content-type", content_type)
                    .body(r#"{"code": "clear"}"#)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{path} ({content_type}): no answer: {e}"));
                assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path} ({content_type})");
                assert_eq!(
                    r.headers().get("content-type").and_then(|v| v.to_str().ok()),
                    Some("application/problem+json"),
                    "{path}"
                );
                let problem: Value = r.json().await.unwrap();
                assert!(
                    problem["detail"].as_str().unwrap_or_default().contains("multipart"),
                    "{path}: {problem}"
                );
            }
        }
        let r = app.get("/healthz").await;
        assert_eq!(r.status(), StatusCode::OK, "the server is still up");
    }
}
