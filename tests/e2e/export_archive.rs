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
        assert_eq!(site_files.unpack(&copy).await.unwrap(), 3);
        assert_eq!(site_files.unpack(&copy).await.unwrap(), 0);
        let hash = drawing["sha256"].as_str().unwrap().parse().unwrap();
        let mut back = Vec::new();
        let mut stream = site_files.get(&hash, None).await.unwrap().stream;
        while let Some(chunk) = stream.next().await {
            back.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(back, big);
    }
}

/// Waits (up to 20 s) until the GeoPackage holds `n` files' bytes: they go in after the record.
async fn wait_embedded(gpkg: &undermap_store::GpkgStore, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let held = gpkg.embedded().await.unwrap();
        if held.len() >= n {
            return held.into_iter().map(|(h, _, _)| h.to_string()).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the GeoPackage never held {n} files");
}

#[tokio::test]
async fn a_geopackage_store_keeps_its_files_inside_itself() {
    let (gpkg, dir) = common::temp_gpkg().await;
    let mut settings = undermap::Settings {
        listen: "127.0.0.1:0".into(),
        ..undermap::Settings::default()
    };
    settings.archive.embed_max_bytes = 4_000;
    let backend = common::Backend::GeoPackage(gpkg.clone(), std::sync::Arc::new(dir));
    let app = common::spawn_app_with(backend.shared(), backend, false, settings).await;
    let code = "2026-500241-48-01-000061";
    let r = app
        .post_json(
            "/v1/projects",
            &project(code, &unit(6).to_string(), "2026-03-01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let small = b"%PDF-1.7\nas-built drawing".to_vec();
    let file = upload(
        &app,
        &format!("/v1/projects/{code}/files"),
        &[("category", "as_built_drawings".into())],
        small.clone(),
    )
    .await;
    let sha = file["sha256"].as_str().unwrap().to_owned();
    // Over embed_max_bytes: kept beside the GeoPackage only.
    let mut large = b"%PDF-1.7\n".to_vec();
    large.extend(std::iter::repeat_n(b'x', 5_000));
    upload(
        &app,
        &format!("/v1/projects/{code}/files"),
        &[("category", "test_reports".into())],
        large,
    )
    .await;
    assert_eq!(wait_embedded(&gpkg, 1).await, std::slice::from_ref(&sha));
    let counts = common::ogrinfo_counts(gpkg.path());
    assert_eq!(counts.get("archive_file_media"), Some(&1), "{counts:?}");

    // The GeoPackage alone, copied elsewhere without its folder of files, serves the drawing.
    let elsewhere = tempfile::tempdir().unwrap();
    let copy_path = elsewhere.path().join("copy.gpkg");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        gpkg.path().display()
    ))
    .await
    .unwrap();
    sqlx::query(&format!("VACUUM INTO '{}'", copy_path.display()))
        .execute(&mut conn)
        .await
        .unwrap();
    let srs = undermap_store::GpkgSrs {
        srid: 4545,
        name: "CGCS2000 / 3-degree Gauss-Kruger CM 108E".into(),
        wkt: String::new(),
    };
    let copy = undermap_store::GpkgStore::open(&copy_path, &srs)
        .await
        .unwrap();
    let backend = common::Backend::GeoPackage(copy, std::sync::Arc::new(elsewhere));
    let site = common::spawn_app_on(backend.shared(), backend, false).await;
    // Brought out in the background at start.
    for _ in 0..200 {
        let got = site.get(&format!("/v1/files/{sha}")).await;
        if got.status() == StatusCode::OK {
            assert_eq!(got.bytes().await.unwrap().as_ref(), small.as_slice());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the site copy never served the drawing");
}
