//! Backups that restore, on a GeoPackage store: the real command line backs up a store a
//! running server writes to, restores it into a new file and the restore holds every row of
//! every table (features with all their versions, deliveries, tickets byte for byte, accounts,
//! the audit trail, whose chain still verifies) and every project file's bytes; a sealed copy
//! leaks no plaintext and opens only with its identity. `backup_postgis.rs` does the same with
//! pgBackRest.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use age::secrecy::ExposeSecret;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::archive_api::{json_of, pdf, project, upload};
use crate::archive_store::unit;
use crate::common::{self, Backend, TestApp};

pub(crate) fn undermap(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_undermap"));
    cmd.current_dir(cwd).env("RUST_LOG", "warn");
    cmd
}

/// Runs a command that must succeed; its standard output.
pub(crate) fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("undermap runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// Runs a command that must fail; what it said.
pub(crate) fn refused(cmd: &mut Command) -> String {
    let out = cmd.output().expect("undermap runs");
    assert!(!out.status.success(), "{cmd:?} should have failed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A feature of the water layer at a spot of the demo town, as a one-feature delivery.
pub(crate) fn valve(id: &str, dx: f64) -> Value {
    json!({"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": id,
        "properties": {"kind": "valve", "owner": "秀山县自来水公司 (demo)", "status": "in_service", "depth_top_m": 1.1},
        "geometry": {"type": "Point", "coordinates": [108.9877 + dx, 28.4497]}
    }]})
}

/// Writes through the real server what a backup must keep: deliveries (the demo's, and one
/// changing a feature so it has two versions), an account and its key, a signed ticket, a
/// project with two files, and the audit trail of it all. The files' SHA-256s.
pub(crate) async fn populate(app: &TestApp) -> Vec<String> {
    let (s, r) = app
        .deliver_with(&app.client, "water", &valve("BK-V1", 0.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, r) = app
        .deliver_with(&app.client, "water", &valve("BK-V1", 0.0001))
        .await;
    assert_eq!(s, StatusCode::CREATED, "a second version: {r}");
    let contractor = app.client_as("contractor").await;
    let r = contractor
        .post(app.url("/v1/excavation-checks"))
        .json(&json!({"area": common::square_crs84(108.987_665_44, 28.449_672_82, 24.0), "depth_m": 1.5, "reference": "BACKUP-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let code = "2026-500241-48-01-000777";
    let (s, p) = json_of(
        app.post_json(
            "/v1/projects",
            &project(code, &unit(7).to_string(), "2026-03-01"),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let mut hashes = Vec::new();
    for (n, category) in [(1, "approval_documents"), (2, "planning_permits")] {
        let (s, f) = upload(&app.client, app, code, category, pdf(n), None).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        hashes.push(f["sha256"].as_str().unwrap().to_owned());
    }
    // The audit trail is written behind the answers: all of it is in the store before a backup.
    app.security.audit.flush().await;
    hashes
}

/// Every file's bytes, as the server on `app` serves them, hash to their name.
pub(crate) async fn files_served_whole(app: &TestApp, hashes: &[String]) {
    for sha in hashes {
        let r = app.get(&format!("/v1/files/{sha}")).await;
        assert_eq!(r.status(), StatusCode::OK, "file {sha}");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&hex::encode(Sha256::digest(&bytes)), sha);
    }
}

/// `undermap --store STORE restore --identity KEY --from SEALED …`, in `w`.
fn restore_sealed(w: &Path, store: &str, key: &Path, sealed: &Path, extra: &[&str]) -> Command {
    let mut c = undermap(w);
    c.args(["--store", store, "restore", "--identity"])
        .arg(key)
        .arg("--from")
        .arg(sealed)
        .args(extra);
    c
}

/// A fresh age identity in `dir`: its file and its recipient.
pub(crate) fn identity(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let id = age::pq::Identity::generate();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("# a test key\n{}\n", id.to_string().expose_secret()),
    )
    .unwrap();
    (path, id.to_public().to_string())
}

/// The real server on the GeoPackage at `path` (writable: the harness adds its administrator).
async fn serve_gpkg(path: &Path) -> TestApp {
    let store = undermap_store::GpkgStore::open(
        path,
        &undermap_store::GpkgSrs {
            srid: 4545,
            name: String::new(),
            wkt: String::new(),
        },
    )
    .await
    .unwrap();
    let files = Arc::new(tempfile::tempdir().unwrap());
    common::spawn_app_on(
        Arc::new(store.clone()),
        Backend::GeoPackage(store, files),
        false,
    )
    .await
}

/// The real server on a new GeoPackage (the demo data loaded if `demo`) and the file's path.
async fn serve_new_gpkg(demo: bool) -> (TestApp, std::path::PathBuf) {
    let (store, dir) = common::temp_gpkg().await;
    let path = store.path().to_owned();
    let app = common::spawn_app_on(
        Arc::new(store.clone()),
        Backend::GeoPackage(store, Arc::new(dir)),
        demo,
    )
    .await;
    (app, path)
}

fn fingerprint(path: &Path) -> undermap_store::backup::Fingerprint {
    undermap_store::backup::fingerprint_file(path).unwrap()
}

#[tokio::test]
async fn a_geopackage_backup_restores_every_row_and_file_and_a_sealed_one_only_with_its_key() {
    let (app, source) = serve_new_gpkg(true).await;
    let hashes = populate(&app).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // Backed up while the server runs; the fingerprint of the same moment taken after it: no
    // request is made meanwhile.
    let out = ok(undermap(w)
        .arg("--store")
        .arg(&source)
        .args(["backup", "--to", "plain"]));
    assert!(out.contains("GeoPackage copied"), "{out}");
    let before = fingerprint(&source);
    assert!(
        before["features"].rows > 100 && before["undermap_excavation_checks"].rows == 1,
        "{before:?}"
    );

    let out = ok(undermap(w).args(["--store", "restored.gpkg", "restore", "--from", "plain"]));
    assert!(out.contains("tables equal to the backup's"), "{out}");
    assert_eq!(fingerprint(&w.join("restored.gpkg")), before);
    ok(undermap(w).args(["--store", "restored.gpkg", "audit", "verify"]));
    // Never over an existing store.
    let said =
        refused(undermap(w).args(["--store", "restored.gpkg", "restore", "--from", "plain"]));
    assert!(said.contains("never over one"), "{said}");

    // The restored store serves the files, byte for byte.
    files_served_whole(&serve_gpkg(&w.join("restored.gpkg")).await, &hashes).await;

    // Sealed: one file, no plaintext beside it or in it; it opens with the keeper's identity only.
    let (key, recipient) = identity(w, "keeper.key");
    let (stranger, _) = identity(w, "stranger.key");
    // Sealed copies are signed with the deployment's key: none here yet, so an unsigned copy
    // must be asked for.
    let said = refused(undermap(w).arg("--store").arg(&source).args([
        "backup",
        "--to",
        "sealed",
        "--encrypt-to",
        &recipient,
    ]));
    assert!(said.contains("--unsigned"), "{said}");
    ok(undermap(w).arg("ticket-key"));
    let out = ok(undermap(w).arg("--store").arg(&source).args([
        "backup",
        "--to",
        "sealed",
        "--encrypt-to",
        &recipient,
    ]));
    assert!(out.contains("sealed copy"), "{out}");
    let mut entries: Vec<String> = std::fs::read_dir(w.join("sealed"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries.len(),
        2,
        "the copy and its signature only: {entries:?}"
    );
    assert!(
        entries[0].ends_with(".tar.age") && entries[1].ends_with(".tar.age.sig.json"),
        "{entries:?}"
    );
    let sealed = w.join("sealed").join(&entries[0]);
    let bytes = std::fs::read(&sealed).unwrap();
    for plain in [&b"BK-V1"[..], b"SQLite format 3", b"% file 1", b"manifest"] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain),
            "{} readable",
            String::from_utf8_lossy(plain)
        );
    }
    let said = refused(
        undermap(w)
            .args(["--store", "r2.gpkg", "restore", "--from"])
            .arg(&sealed),
    );
    assert!(said.contains("--identity"), "{said}");
    let said = refused(&mut restore_sealed(w, "r2.gpkg", &stranger, &sealed, &[]));
    assert!(said.contains("cannot be opened"), "{said}");
    assert!(!w.join("r2.gpkg").exists());
    ok(&mut restore_sealed(w, "r2.gpkg", &key, &sealed, &[]));
    assert_eq!(fingerprint(&w.join("r2.gpkg")), before);
    // A copy of unknown origin (its signature gone) is not opened unless asked.
    std::fs::remove_file(w.join("sealed").join(&entries[1])).unwrap();
    let said = refused(&mut restore_sealed(w, "r3.gpkg", &key, &sealed, &[]));
    assert!(said.contains("no signature"), "{said}");
    ok(&mut restore_sealed(
        w,
        "r3.gpkg",
        &key,
        &sealed,
        &["--unsigned"],
    ));
    // Nothing unsealed is left behind.
    assert!(std::fs::read_dir(w).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("unsealed")));
}

#[tokio::test]
async fn a_geopackage_restore_takes_the_last_snapshot_before_the_moment_asked() {
    let (app, source) = serve_new_gpkg(false).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (s, _) = app
        .deliver_with(&app.client, "water", &valve("PIT-A", 0.0))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    ok(undermap(w)
        .arg("--store")
        .arg(&source)
        .args(["backup", "--to", "b"]));
    let first = fingerprint(&source);
    let between = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, _) = app
        .deliver_with(&app.client, "water", &valve("PIT-B", 0.001))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    ok(undermap(w)
        .arg("--store")
        .arg(&source)
        .args(["backup", "--to", "b"]));

    ok(undermap(w).args([
        "--store",
        "then.gpkg",
        "restore",
        "--from",
        "b",
        "--target-time",
        &between.to_rfc3339(),
    ]));
    assert_eq!(fingerprint(&w.join("then.gpkg")), first);
    let said = refused(undermap(w).args([
        "--store",
        "never.gpkg",
        "restore",
        "--from",
        "b",
        "--target-time",
        "2020-01-01T00:00:00Z",
    ]));
    assert!(said.contains("no backup"), "{said}");
    // A snapshot whose copy was changed after the backup is refused, and nothing is restored.
    let latest = std::fs::read_dir(w.join("b/snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max()
        .unwrap();
    let conn = rusqlite::Connection::open(latest.join("store.gpkg")).unwrap();
    conn.execute("DELETE FROM features WHERE feature_id = 'PIT-B'", [])
        .unwrap();
    drop(conn);
    let said = refused(undermap(w).args(["--store", "bad.gpkg", "restore", "--from", "b"]));
    assert!(said.contains("features"), "{said}");
    assert!(!w.join("bad.gpkg").exists());
}

#[tokio::test]
async fn a_site_copy_travels_sealed_and_opens_only_with_its_key() {
    let (app, source) = serve_new_gpkg(true).await;
    let hashes = populate(&app).await;
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (key, recipient) = identity(w, "site.key");
    ok(undermap(w).arg("ticket-key"));
    // The export finds the server's file store through the settings in its working folder.
    std::fs::write(
        w.join("undermap.toml"),
        format!("[archive]\nfiles_dir = {:?}\n", app.files_dir.path()),
    )
    .unwrap();
    let out = ok(undermap(w).arg("--store").arg(&source).args([
        "export",
        "--to",
        "site.tar.age",
        "--encrypt-to",
        &recipient,
    ]));
    assert!(out.contains("sealed for 1 recipient"), "{out}");
    let names: Vec<String> = std::fs::read_dir(w)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with(".export-") && !n.starts_with(".sealing-")),
        "{names:?}"
    );
    assert!(out.contains("2 files"), "{out}");
    let bytes = std::fs::read(w.join("site.tar.age")).unwrap();
    for plain in [&b"BK-V1"[..], b"SQLite format 3", b"% file 1"] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain),
            "{} readable",
            String::from_utf8_lossy(plain)
        );
    }
    let said = refused(undermap(w).arg("--store").arg(&source).args([
        "export",
        "--to",
        "site.tar.age",
        "--encrypt-to",
        &recipient,
    ]));
    assert!(said.contains("exists"), "{said}");

    ok(&mut restore_sealed(
        w,
        "site.gpkg",
        &key,
        &w.join("site.tar.age"),
        &[],
    ));
    let again = serve_gpkg(&w.join("site.gpkg")).await;
    assert_eq!(
        again.service.index().snapshot().len(),
        app.service.index().snapshot().len()
    );
    files_served_whole(&again, &hashes).await;
}
