//! The archive in a site copy, from both central stores: projects with their events, file
//! records, paper records and scans, and the files' bytes inside the GeoPackage (OGC Related
//! Tables Extension), which GDAL reads without complaint and a server unpacks into its file store.

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use undermap_store::{ArchiveStore, FileStore, LegacyStore};

use crate::archive_api::{json_of, project};
use crate::archive_store::unit;
use crate::common;

async fn upload(
    app: &common::TestApp,
    path: &str,
    fields: &[(&str, String)],
    bytes: Vec<u8>,
) -> serde_json::Value {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), v.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("drawing.pdf"),
    );
    let (s, v) = json_of(
        app.client
            .post(app.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{v}");
    v
}

both_stores! {
    async fn a_site_copy_carries_the_archive_and_its_drawings(fresh) {
        let central = common::spawn(fresh, false).await;
        let code = "2026-500241-48-01-000051";
        let r = central.post_json("/v1/projects", &project(code, &unit(5).to_string(), "2026-03-01")).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = central.post_json(&format!("/v1/projects/{code}/events"),
            &json!({ "type": "notice_issued", "date": "2026-02-20", "scope": "全部" })).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        // A drawing of 3 MiB (several chunks) and a small report.
        let mut big = b"%PDF-1.7\n".to_vec();
        big.extend((0..3 * 1024 * 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        let drawing = upload(&central, &format!("/v1/projects/{code}/files"),
            &[("category", "as_built_drawings".into())], big.clone()).await;
        upload(&central, &format!("/v1/projects/{code}/files"),
            &[("category", "test_reports".into())], b"%PDF-1.4\nreport".to_vec()).await;
        let r = central.post_json("/v1/archive/records", &json!({
            "number": "GH-1998-0001", "title": "旧图", "category": "as_built_drawings", "year": 1998 })).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        upload(&central, "/v1/archive/records/GH-1998-0001/scans",
            &[("scan", json!({ "scanned_on": "2026-11-01", "dpi": 300 }).to_string())], b"%PDF-1.4\nscan".to_vec()).await;

        let files = FileStore::local(central.files_dir.path()).unwrap();
        let (copy, dir) = common::temp_gpkg().await;
        let source = central.store.shared();
        let report = undermap::export_archive(source.as_ref(), &copy, Some(&files)).await.unwrap();
        assert_eq!((report.projects, report.events, report.records, report.files, report.missing), (1, 1, 1, 3, 0), "{report:?}");
        assert_eq!(report.bytes, big.len() as u64 + 15 + 13);

        // GDAL reads the copy without complaint and lists the related tables.
        let path = dir.path().join("map.gpkg");
        let counts = common::ogrinfo_counts(&path);
        assert_eq!((counts["archive_files"], counts["archive_file_media"]), (3, 3), "{counts:?}");
        let relation: (String, String) = sqlx::query_as(
            "SELECT relation_name, mapping_table_name FROM gpkgext_relations WHERE base_table_name = 'archive_files'")
            .fetch_one(copy.pool()).await.unwrap();
        assert_eq!(relation, ("media".to_owned(), "archive_files_media".to_owned()));

        // The copy holds the project where the centre has it, and nothing twice on a second export.
        let copied = copy.project(&code.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!((copied.status.to_string(), copied.events), ("notice_issued".to_owned(), 1));
        assert_eq!(copy.legacy_record("GH-1998-0001").await.unwrap().unwrap().scans, 1);
        let again = undermap::export_archive(source.as_ref(), &copy, Some(&files)).await.unwrap();
        assert_eq!((again.events, again.bytes), (0, 0), "{again:?}");

        // A server opening the copy brings the bytes into its own file store, byte for byte.
        let site_dir = tempfile::tempdir().unwrap();
        let site_files = FileStore::local(site_dir.path()).unwrap();
        assert_eq!(undermap::unpack_embedded(&copy, &site_files).await.unwrap(), 3);
        assert_eq!(undermap::unpack_embedded(&copy, &site_files).await.unwrap(), 0);
        let hash = drawing["sha256"].as_str().unwrap().parse().unwrap();
        let mut back = Vec::new();
        let mut stream = site_files.get(&hash, None).await.unwrap().stream;
        while let Some(chunk) = stream.next().await {
            back.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(back, big);
    }
}
