//! ZIP bundles (issue 20): a project's whole hand-over and files picked by SHA-256 come as one
//! ZIP streamed as it is written, every file byte-equal under its category, with a manifest and
//! SHA256SUMS; a bundle with one file the caller may not read is refused whole.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{self, TestApp};

const PROJECT: &str = "2025-500241-48-01-000101";

/// The ZIP's entries: name → bytes. (async_zip 0.0.19 marks its in-memory reader deprecated in
/// favour of a module it does not ship yet.)
#[allow(deprecated)]
async fn entries(bytes: Vec<u8>) -> BTreeMap<String, Vec<u8>> {
    let zip = async_zip::base::read::mem::ZipFileReader::new(bytes)
        .await
        .expect("a readable ZIP");
    let mut out = BTreeMap::new();
    for i in 0..zip.file().entries().len() {
        let name = zip.file().entries()[i]
            .filename()
            .as_str()
            .unwrap()
            .to_owned();
        let mut data = Vec::new();
        zip.reader_with_entry(i)
            .await
            .unwrap()
            .read_to_end_checked(&mut data)
            .await
            .expect("CRC checks");
        out.insert(name, data);
    }
    out
}

async fn files_of(app: &TestApp, code: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/v1/projects/{code}"))
        .await
        .json()
        .await
        .unwrap();
    page["files"].as_array().unwrap().clone()
}

both_stores! {
    async fn a_hand_over_comes_as_one_zip_and_a_forbidden_file_refuses_it_whole(fresh) {
        let app = common::spawn(fresh, true).await;
        undermap::load_demo_projects(&app.service, &common::demo_dir()).await.expect("demo projects");
        let files = files_of(&app, PROJECT).await;
        assert!(files.len() >= 2, "the demo project holds files: {files:?}");

        let r = app.get(&format!("/v1/projects/{PROJECT}/bundle.zip")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/zip");
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("{PROJECT}.zip")));
        let zip = entries(r.bytes().await.unwrap().to_vec()).await;
        assert_eq!(zip.len(), files.len() + 2, "{:?}", zip.keys());
        let manifest: Value = serde_json::from_slice(&zip["manifest.json"]).unwrap();
        let sums = String::from_utf8(zip["SHA256SUMS"].clone()).unwrap();
        for item in manifest["files"].as_array().unwrap() {
            let path = item["path"].as_str().unwrap();
            let bytes = &zip[path];
            let hash = hex::encode(Sha256::digest(bytes));
            assert_eq!(hash, item["sha256"].as_str().unwrap(), "{path}");
            assert_eq!(bytes.len() as u64, item["size"].as_u64().unwrap());
            assert!(sums.contains(&format!("{hash}  {path}\n")), "{sums}");
            let category = path.split('/').next().unwrap();
            assert!(files.iter().any(|f| f["sha256"] == hash.as_str() && f["category"] == category), "{path}");
        }

        // Picked files; the same file twice is sent once.
        let picked: Vec<&str> = files.iter().take(2).map(|f| f["sha256"].as_str().unwrap()).collect();
        let body = json!({ "files": [picked[0], picked[1], picked[0]] });
        let r = app.client.post(app.url("/v1/bundles")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let zip = entries(r.bytes().await.unwrap().to_vec()).await;
        assert_eq!(zip.len(), 4, "{:?}", zip.keys());

        // A construction unit reads its own projects' files, and not a bundle with another's.
        let unit = app.client_for_unit("unit-1", undermap::DEMO_UNIT).await;
        // A file only another unit's project holds (the demo's generated files repeat across
        // projects; the same bytes in one's own project are one's own to read).
        let mut their_file = None;
        let list: Value = app.get("/v1/projects?limit=100").await.json().await.unwrap();
        for p in list["projects"].as_array().unwrap().iter().filter(|p| p["unit"]["credit_code"] != undermap::DEMO_UNIT) {
            let code = p["code"].as_str().unwrap();
            let Some(category) = files_of(&app, code).await.first().map(|f| f["category"].as_str().unwrap().to_owned()) else { continue };
            let form = reqwest::multipart::Form::new().text("category", category).text("title", "他人的竣工图")
                .part("file", reqwest::multipart::Part::bytes(format!("%PDF-1.4 only {code}").into_bytes()).file_name("theirs.pdf"));
            let r = app.client.post(app.url(&format!("/v1/projects/{code}/files"))).multipart(form).send().await.unwrap();
            if r.status() == StatusCode::CREATED {
                let f: Value = r.json().await.unwrap();
                their_file = Some((code.to_owned(), f["sha256"].as_str().unwrap().to_owned()));
                break;
            }
        }
        let (their_project, their_file) = their_file.expect("another unit's project still taking files");
        let their_file = their_file.as_str();
        let r = unit.post(app.url("/v1/bundles")).json(&json!({ "files": [picked[0]] })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "its own");
        let r = unit.post(app.url("/v1/bundles")).json(&json!({ "files": [picked[0], their_file] })).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "refused whole: theirs is on request");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = unit.get(app.url(&format!("/v1/projects/{their_project}/bundle.zip"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        for (body, status) in [
            (json!({ "files": [] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "files": ["abc"] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "files": vec![picked[0]; 501] }), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({ "files": ["0".repeat(64)] }), StatusCode::NOT_FOUND),
        ] {
            let r = app.client.post(app.url("/v1/bundles")).json(&body).send().await.unwrap();
            assert_eq!(r.status(), status, "{}", r.text().await.unwrap());
        }
        let contractor = app.client_as("contractor").await;
        let r = contractor.get(app.url(&format!("/v1/projects/{PROJECT}/bundle.zip"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}
