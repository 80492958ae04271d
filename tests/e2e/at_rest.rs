//! Encryption at rest: with `[archive] files_key` the archive's file bytes are age files on the
//! disk (a stolen disk or bucket holds no drawing anyone can read), served whole and in ranges
//! to those who may read them, on both stores (a GeoPackage then keeps no plain copy inside).

use reqwest::StatusCode;

use crate::archive_api::{json_of, pdf, project, upload};
use crate::archive_store::unit;
use crate::common;

both_stores! {
    async fn the_archives_files_are_encrypted_at_rest_with_the_deployment_key(fresh) {
        let keys = tempfile::tempdir().unwrap();
        let (key, _) = crate::backup::identity(keys.path(), "files.key");
        let mut settings = undermap::Settings { listen: "127.0.0.1:0".into(), ..undermap::Settings::default() };
        settings.archive.files_key = Some(key);
        let app = common::spawn_with(fresh, false, settings).await;
        let code = "2026-500241-48-01-000888";
        let (s, p) = json_of(app.post_json("/v1/projects", &project(code, &unit(8).to_string(), "2026-03-01")).await).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let bytes = pdf(70_000);
        let (s, f) = upload(&app.client, &app, code, "as_built_drawings", bytes.clone(), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let sha = f["sha256"].as_str().unwrap().to_owned();

        let on_disk = std::fs::read(app.files_dir.path().join(format!("sha256/{}/{}/{sha}", &sha[..2], &sha[2..4]))).unwrap();
        assert!(on_disk.starts_with(b"age-encryption.org/v1\n"));
        assert!(!on_disk.windows(9).any(|w| w == b"% file 70"), "plaintext on the disk");
        if let common::Backend::GeoPackage(gpkg, _) = &app.store {
            let inside = std::fs::read(gpkg.path()).unwrap();
            assert!(!inside.windows(9).any(|w| w == b"% file 70"), "a plain copy inside the GeoPackage");
        }

        let whole = app.get(&format!("/v1/files/{sha}")).await;
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
        let part = app.client.get(app.url(&format!("/v1/files/{sha}"))).header("Range", "bytes=65530-65545").send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()["content-range"], format!("bytes 65530-65545/{}", bytes.len()).as_str());
        assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[65_530..=65_545]);
    }
}
