//! The archive's files on an S3-compatible object store, chosen by configuration
//! (`archive.files_url = "s3://bucket/prefix"`): the real server against a real S3 server
//! (s3s-fs, which keeps a bucket as a folder), signed requests and all. The bytes arrive in
//! multipart parts, are kept once under their SHA-256 in the bucket, read back whole and in part,
//! and a refused upload leaves no object; a wrong credential stops the server at start.

use std::collections::BTreeMap;
use std::path::Path;

use reqwest::StatusCode;

use crate::archive_api::{json_of, pdf, project, upload};
use crate::archive_store::{code, unit};
use crate::common::{self, TestApp};

const ACCESS_KEY: &str = "undermap-test";
const SECRET_KEY: &str = "a secret of the test's own";

/// A real S3 server over a new folder holding the bucket `archive`; its endpoint.
async fn s3_server() -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().expect("a folder for the S3 server");
    std::fs::create_dir(root.path().join("archive")).expect("the bucket");
    let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let http = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                );
                let _ = http
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (root, endpoint)
}

fn settings(endpoint: &str, secret: &str) -> undermap::Settings {
    let mut settings = undermap::Settings {
        listen: "127.0.0.1:0".into(),
        ..undermap::Settings::default()
    };
    settings.archive.files_url = Some("s3://archive/city/files".into());
    settings.archive.files_options = BTreeMap::from(
        [
            ("aws_endpoint", endpoint),
            ("aws_allow_http", "true"),
            ("aws_region", "us-east-1"),
            ("aws_access_key_id", ACCESS_KEY),
            ("aws_secret_access_key", secret),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    settings
}

/// Every regular file under `dir`, relative to it.
fn objects(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

async fn get(app: &TestApp, sha: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(&format!("/v1/files/{sha}")));
    if let Some(r) = range {
        request = request.header("Range", r);
    }
    request.send().await.unwrap()
}

both_stores! {
    async fn files_are_kept_in_an_s3_bucket_by_configuration(fresh) {
        let (root, endpoint) = s3_server().await;
        let bucket = root.path().join("archive");
        let app = common::spawn_with(fresh, false, settings(&endpoint, SECRET_KEY)).await;
        let code = code(41).to_string();
        let (s, p) = json_of(app.post_json("/v1/projects", &project(&code, unit(41).as_str(), "2026-03-01")).await).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");

        let (s, f) = upload(&app.client, &app, &code, "hidden_works_records", pdf(0), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let sha = f["sha256"].as_str().unwrap().to_owned();
        let key = format!("city/files/sha256/{}/{}/{sha}", &sha[..2], &sha[2..4]);
        assert_eq!(objects(&bucket), std::slice::from_ref(&key), "one object, under its hash and the prefix");
        assert_eq!(std::fs::read(bucket.join(&key)).unwrap(), pdf(0));
        let (s, f) = upload(&app.client, &app, &code, "as_built_drawings", pdf(0), Some(&sha)).await;
        assert_eq!(s, StatusCode::CREATED, "the same bytes in another category: {f}");
        let (s, e) = upload(&app.client, &app, &code, "test_reports", pdf(2), Some(&"0".repeat(64))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(objects(&bucket), std::slice::from_ref(&key), "kept once; a refused upload leaves nothing");

        // Bigger than three multipart parts (8 MiB each).
        let big: Vec<u8> = b"%PDF-1.7\n".iter().copied().chain((0..(25u32 << 20)).map(|i| (i * 31 % 253) as u8)).collect();
        let (s, f) = upload(&app.client, &app, &code, "test_reports", big.clone(), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let big_sha = f["sha256"].as_str().unwrap().to_owned();
        assert_eq!(objects(&bucket).len(), 2, "{:?}", objects(&bucket));

        let whole = get(&app, &big_sha, None).await;
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.headers()["content-type"], "application/pdf");
        assert!(whole.bytes().await.unwrap().as_ref() == big.as_slice(), "the bytes come back whole");
        let part = get(&app, &sha, Some("bytes=1-3")).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()["content-range"], format!("bytes 1-3/{}", pdf(0).len()).as_str());
        assert_eq!(part.bytes().await.unwrap().as_ref(), b"PDF");
        let tail = get(&app, &big_sha, Some("bytes=-4")).await;
        assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.bytes().await.unwrap().as_ref(), &big[big.len() - 4..]);
        assert_eq!(get(&app, &sha, Some("bytes=99999-")).await.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    }
}

#[tokio::test]
async fn a_wrong_credential_for_the_bucket_stops_the_server_at_start() {
    let (_root, endpoint) = s3_server().await;
    let settings = settings(&endpoint, "not the secret");
    let mut config = undermap::service_config(&settings).unwrap();
    let err = undermap::install_file_store(&settings, &mut config, "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("file store"), "{err}");
    assert!(config.archive.files.is_none());

    let mut both = settings.clone();
    both.archive.files_dir = Some("/tmp/elsewhere".into());
    let err = undermap::file_store(&both, "").unwrap_err();
    assert!(err.to_string().contains("both set"), "{err}");
    let mut unknown = settings;
    unknown
        .archive
        .files_options
        .insert("aws_no_such_option".into(), "1".into());
    let err = undermap::file_store(&unknown, "").unwrap_err();
    assert!(err.to_string().contains("aws_no_such_option"), "{err}");
}
