//! The construction-project archive over HTTP, on both stores: a project's whole lifecycle with
//! its files, checklist, deadlines and credit record; what a construction unit's account may
//! and may not see; the approval system's idempotent intake; and bad input refused with nothing
//! half-written.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::archive_store::unit;
use crate::common::{self, TestApp};

pub(crate) fn project(code: &str, unit_code: &str, planned_start: &str) -> Value {
    json!({
        "code": code,
        "name": "中和街道给水管网改造",
        "category": "municipal_pipeline",
        "unit": { "name": "秀山县第一建设公司", "credit_code": unit_code },
        "location": common::square_crs84(108.99, 28.45, 60.0),
        "permit_date": "2026-02-01",
        "planned_start": planned_start,
        "planned_end": "2027-12-31"
    })
}

pub(crate) async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn event(app: &TestApp, code: &str, body: Value) -> (StatusCode, Value) {
    json_of(
        app.post_json(&format!("/v1/projects/{code}/events"), &body)
            .await,
    )
    .await
}

pub(crate) async fn upload(
    client: &reqwest::Client,
    app: &TestApp,
    code: &str,
    category: &str,
    bytes: Vec<u8>,
    sha256: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("category", category.to_owned())
        .text("title", format!("{category} of {code}"))
        .text("date", "2026-06-01")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(format!("{category}.pdf")),
        );
    if let Some(h) = sha256 {
        form = form.text("sha256", h.to_owned());
    }
    json_of(
        client
            .post(app.url(&format!("/v1/projects/{code}/files")))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub(crate) fn pdf(n: usize) -> Vec<u8> {
    format!("%PDF-1.7\n% file {n}\n{}", "x".repeat(1000 + n)).into_bytes()
}

/// Objects kept in the file store (staging objects excluded).
pub(crate) fn kept(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { walk(&p) } else { 1 })
                .sum()
        })
    }
    walk(&app.files_dir.path().join("sha256"))
}

const REQUIRED: &[&str] = &[
    "approval_documents",
    "planning_permits",
    "construction_permit",
    "construction_records",
    "hidden_works_records",
    "material_acceptance",
    "test_reports",
    "as_built_drawings",
    "pipeline_as_built_survey",
    "completion_acceptance_report",
];

both_stores! {
    async fn a_project_goes_from_registration_to_filing_with_its_files_and_credit(fresh) {
        let app = common::spawn(fresh, false).await;
        let u = unit(7).to_string();
        let code = "2026-500241-48-01-000001";
        let (s, p) = json_of(app.post_json("/v1/projects", &project(code, &u, "2026-03-01")).await).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(p["status"], "registered");
        assert_eq!(p["category_name"], "市政管线工程");
        let ring = p["location"]["coordinates"][0][0].as_array().unwrap().clone();
        assert!((ring[0].as_f64().unwrap() - 108.99).abs() < 0.001, "{p}");

        // A code twice, a bad credit code, an event out of order: refused, nothing written.
        let (s, e) = json_of(app.post_json("/v1/projects", &project(code, &u, "2026-03-01")).await).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let mut bad = u.clone();
        bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
        let (s, e) = json_of(app.post_json("/v1/projects", &project("2026-500241-48-01-000002", &bad, "2026-03-01")).await).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["type"], "/problems/invalid-credit-code");
        let (s, e) = event(&app, code, json!({ "type": "acceptance", "date": "2026-05-01", "passed": true })).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["detail"].as_str().unwrap().contains("construction_started"), "{e}");

        let (s, e) = event(&app, code, json!({ "type": "notice_issued", "date": "2099-01-01", "scope": "x" })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an event in the future: {e}");
        // Overdue: work was planned for March and no notice was issued.
        let (_, o) = json_of(app.get("/v1/projects/overdue?on=2026-03-10").await).await;
        assert_eq!(o["overdue"][0]["code"], code, "{o}");
        assert_eq!(o["overdue"][0]["deadline"], "notice");
        assert_eq!(o["overdue"][0]["days_overdue"], 9);

        for (body, status) in [
            (json!({ "type": "notice_issued", "date": "2026-02-10", "scope": "全部竣工档案", "formats": ["PDF/A"] }), "notice_issued"),
            (json!({ "type": "construction_started", "date": "2026-03-01" }), "under_construction"),
            (json!({ "type": "guidance_visit", "date": "2026-04-01", "inspector": "王工", "findings": [{ "text": "隐蔽工程记录缺页" }] }), "under_construction"),
        ] {
            let (s, r) = event(&app, code, body).await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
            assert_eq!(r["status"], status, "{r}");
        }

        // Files: kept once by SHA-256, read back whole and in part, refused with nothing kept.
        let (s, f) = upload(&app.client, &app, code, "hidden_works_records", pdf(0), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(f["media_type"], "application/pdf");
        let sha = f["sha256"].as_str().unwrap().to_owned();
        let (s, _) = upload(&app.client, &app, code, "hidden_works_records", pdf(0), Some(&sha)).await;
        assert_eq!(s, StatusCode::OK, "the same bytes in the same category are filed once");
        assert_eq!(kept(&app), 1);
        let (s, e) = upload(&app.client, &app, code, "no_such_category", pdf(1), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, e) = upload(&app.client, &app, code, "test_reports", pdf(2), Some(&"0".repeat(64))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(kept(&app), 1, "refused uploads leave no object");
        let whole = app.get(&format!("/v1/files/{sha}")).await;
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.headers()["etag"], format!("\"{sha}\"").as_str());
        assert_eq!(whole.headers()["content-type"], "application/pdf");
        assert_eq!(whole.bytes().await.unwrap().as_ref(), pdf(0).as_slice());
        let part = app.client.get(app.url(&format!("/v1/files/{sha}"))).header("Range", "bytes=1-3").send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()["content-range"], format!("bytes 1-3/{}", pdf(0).len()).as_str());
        assert_eq!(part.bytes().await.unwrap().as_ref(), b"PDF");
        let again = app.client.get(app.url(&format!("/v1/files/{sha}"))).header("If-None-Match", format!("\"{sha}\"")).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let beyond = app.client.get(app.url(&format!("/v1/files/{sha}"))).header("Range", "bytes=99999-").send().await.unwrap();
        assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);

        // Acceptance with the finding still open, then a hand-over with files missing.
        let (s, r) = event(&app, code, json!({ "type": "acceptance", "date": "2026-06-10", "passed": true })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["status"], "accepted");
        assert_eq!(r["credit"][0]["kind"], "findings_not_fixed", "{r}");
        let (s, r) = event(&app, code, json!({ "type": "handover", "date": "2026-07-01", "note": "部分资料" })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["status"], "accepted", "an incomplete hand-over does not hand over: {r}");
        assert_eq!(r["event"]["received"], json!(["hidden_works_records"]));
        assert_eq!(r["event"]["missing"].as_array().unwrap().len(), REQUIRED.len() - 1);
        assert_eq!(r["credit"][0]["kind"], "handover_incomplete");

        for (n, category) in REQUIRED.iter().enumerate() {
            let (s, f) = upload(&app.client, &app, code, category, pdf(10 + n), None).await;
            assert!(s == StatusCode::CREATED, "{category}: {s} {f}");
        }
        let (_, c) = json_of(app.get(&format!("/v1/projects/{code}/checklist")).await).await;
        assert_eq!(c["missing"], json!([]), "{c}");
        // Late: due three months after 10 June.
        let (s, r) = event(&app, code, json!({ "type": "handover", "date": "2026-09-20" })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["status"], "handed_over");
        assert_eq!(r["credit"][0]["kind"], "handover_late");
        assert_eq!(r["credit"][0]["entry"].as_str().map(|e| e.contains("\"days\":10")), Some(true), "{r}");
        let (s, r) = event(&app, code, json!({ "type": "filed", "date": "2026-10-01", "filing_number": "XS-2026-001" })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["status"], "filed");
        let (s, e) = upload(&app.client, &app, code, "photos_and_video", pdf(99), None).await;
        assert_eq!(s, StatusCode::CONFLICT, "a filed project takes no more files: {e}");

        let (_, page) = json_of(app.get(&format!("/v1/projects/{code}")).await).await;
        assert_eq!(page["status"], "filed");
        assert_eq!(page["timeline"].as_array().unwrap().len(), 7);
        assert_eq!(page["files"].as_array().unwrap().len(), 1 + REQUIRED.len());
        assert_eq!(page["open_findings"].as_array().unwrap().len(), 1);

        // The unit's record: three entries, chained; 100 − 3 − 10 − 5 = 82.
        let (s, rec) = json_of(app.get(&format!("/v1/construction-units/{u}?on=2026-10-02")).await).await;
        assert_eq!(s, StatusCode::OK, "{rec}");
        let kinds: Vec<&str> = rec["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["findings_not_fixed", "handover_incomplete", "handover_late"]);
        assert_eq!(rec["entries"][1]["prev_hash"], rec["entries"][0]["hash"]);
        assert_eq!(rec["score"], 82.0);
        assert_eq!(rec["restricted"], false);
        let (_, list) = json_of(app.get("/v1/construction-units?restricted=true&on=2026-10-02").await).await;
        assert_eq!(list["units"], json!([]), "{list}");
    }
}

both_stores! {
    async fn a_construction_unit_sees_and_hands_over_only_its_own(fresh) {
        let app = common::spawn(fresh, false).await;
        let (mine, theirs) = (unit(1).to_string(), unit(2).to_string());
        let (a, b) = ("2026-500241-48-01-000011", "2026-500241-48-01-000012");
        for (code, u) in [(a, &mine), (b, &theirs)] {
            let r = app.post_json("/v1/projects", &project(code, u, "2027-03-01")).await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
        let (s, f) = upload(&app.client, &app, b, "as_built_drawings", pdf(5), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let their_file = f["sha256"].as_str().unwrap().to_owned();

        let client = app.client_for_unit("unit-one", &mine).await;
        let (s, list) = json_of(client.get(app.url("/v1/projects")).send().await.unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let codes: Vec<&str> = list["projects"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
        assert_eq!(codes, [a]);
        let (_, list) = json_of(client.get(app.url(&format!("/v1/projects?unit={theirs}"))).send().await.unwrap()).await;
        assert_eq!(list["projects"], json!([]));
        for path in [format!("/v1/projects/{b}"), format!("/v1/construction-units/{theirs}")] {
            let r = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        // Another unit's file on request: found in the archive search, asked for, not read.
        let r = client.get(app.url(&format!("/v1/files/{their_file}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = client.get(app.url("/v1/construction-units")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (s, _) = upload(&client, &app, b, "test_reports", pdf(6), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, f) = upload(&client, &app, a, "test_reports", pdf(6), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(f["uploaded_by"], "unit-one");
        let r = client.post(app.url(&format!("/v1/projects/{a}/events"))).json(&json!({ "type": "notice_issued", "date": "2027-01-01", "scope": "x" })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "only the archive office records events");
        let (s, rec) = json_of(client.get(app.url(&format!("/v1/construction-units/{mine}"))).send().await.unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{rec}");
        assert_eq!(rec["projects"], json!([a]));

        // A contractor has no business in the archive.
        let contractor = app.client_as("contractor").await;
        let r = contractor.get(app.url("/v1/projects")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

both_stores! {
    async fn the_approval_systems_intake_is_idempotent(fresh) {
        let app = common::spawn(fresh, false).await;
        let key = app.key_for("approvals", "approval_system", None).await;
        let client = common::client_with(&key);
        let code = "2026-500241-48-01-000021";
        let mut body = project(code, &unit(3).to_string(), "2027-05-01");
        let send = |body: Value| {
            let client = client.clone();
            let url = app.url("/v1/projects/intake");
            async move { json_of(client.post(url).json(&body).send().await.unwrap()).await }
        };
        let (s, r) = send(body.clone()).await;
        assert_eq!((s, r["outcome"].as_str()), (StatusCode::CREATED, Some("created")), "{r}");
        let (s, r) = send(body.clone()).await;
        assert_eq!((s, r["outcome"].as_str()), (StatusCode::OK, Some("unchanged")), "{r}");
        body["name"] = json!("中和街道给水管网改造（二期）");
        let (s, r) = send(body.clone()).await;
        assert_eq!((s, r["outcome"].as_str()), (StatusCode::OK, Some("updated")), "{r}");
        assert_eq!(r["project"]["name"], "中和街道给水管网改造（二期）");
        // Once the project has events, the intake cannot move it to another unit or category.
        let (s, r) = event(&app, code, json!({ "type": "notice_issued", "date": "2026-11-01", "scope": "全部" })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        body["unit"]["credit_code"] = json!(unit(4).to_string());
        let (s, r) = send(body.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{r}");
        // It may push projects and nothing else.
        let r = client.get(app.url("/v1/projects")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = client.post(app.url("/v1/projects")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

both_stores! {
    async fn the_demo_projects_load_once_with_their_lifecycles(fresh) {
        let app = common::spawn(fresh, false).await;
        let n = undermap::load_demo_projects(&app.service, &common::demo_dir()).await.unwrap();
        assert_eq!(n, 4);
        let again = undermap::load_demo_projects(&app.service, &common::demo_dir()).await.unwrap();
        assert_eq!(again, 0, "a second start changes nothing");
        let (_, list) = json_of(app.get("/v1/projects").await).await;
        let statuses: Vec<(&str, &str)> = list["projects"].as_array().unwrap().iter()
            .map(|p| (p["code"].as_str().unwrap(), p["status"].as_str().unwrap())).collect();
        assert_eq!(statuses, [
            ("2025-500241-48-01-000101", "filed"),
            ("2026-500241-48-01-000102", "under_construction"),
            ("2026-500241-48-01-000103", "accepted"),
            ("2026-500241-48-01-000104", "registered"),
        ]);
        let (_, o) = json_of(app.get("/v1/projects/overdue?on=2026-12-06").await).await;
        let late: Vec<&str> = o["overdue"].as_array().unwrap().iter().map(|p| p["deadline"].as_str().unwrap()).collect();
        assert_eq!(late, ["guidance_visit", "handover", "notice"], "{o}");
        // The demo unit: a hand-over on time (+2), a failed acceptance (−10), a hand-over overdue (−5).
        let (_, rec) = json_of(app.get(&format!("/v1/construction-units/{}?on=2026-12-06", undermap::DEMO_UNIT)).await).await;
        assert_eq!(rec["score"], 87.0, "{rec}");
        assert_eq!(rec["projects"].as_array().unwrap().len(), 2);
    }
}
