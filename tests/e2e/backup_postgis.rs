//! Backups that restore, on PostGIS, with the real pgBackRest: a throwaway PostgreSQL cluster
//! of the test's own (WAL archiving needs a restart, which the shared server must not get) is
//! set up with `undermap backup --init`, backed up while the server writes to it, restored into
//! a fresh cluster (every table's rows equal, the audit chain verifying, every file's bytes),
//! restored to a moment between two deliveries (the first there, the second not), and restored
//! from a sealed offline copy.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use sqlx::{Connection, PgConnection};
use undermap_store::PgStore;

use crate::backup::{identity, ok, populate, refused, undermap, valve};
use crate::common::postgres::{free_port, lab, Cluster};
use crate::common::{self, Backend};

async fn fingerprint(url: &str) -> undermap_store::backup::Fingerprint {
    PgStore::connect(url, 4545)
        .await
        .unwrap()
        .fingerprint()
        .await
        .unwrap()
}

async fn current_ids(url: &str, like: &str) -> Vec<String> {
    let mut c = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT feature_id FROM features WHERE valid_to IS NULL AND feature_id LIKE $1 ORDER BY 1",
    )
    .bind(like)
    .fetch_all(&mut c)
    .await
    .unwrap()
}

async fn now(url: &str) -> chrono::DateTime<chrono::Utc> {
    let mut c = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn pgbackrest_restores_every_row_and_file_and_any_moment_between_deliveries() {
    let lab = lab();
    let base = lab.path();
    let primary = Cluster::start_new(base, "primary");
    let url = primary.url();
    let w = base;
    ok(undermap(w).args(["--store", &url, "migrate"]));
    let out = ok(undermap(w)
        .args(["--store", &url, "backup", "--init", "--to"])
        .arg(base.join("backups")));
    assert!(out.contains("restart PostgreSQL"), "{out}");
    primary.pg_ctl("restart");
    let said = refused(undermap(w).args([
        "--store",
        "postgres://postgres@127.0.0.1:1/x",
        "backup",
        "--to",
        "nowhere",
    ]));
    assert!(said.contains("PostgreSQL"), "{said}");

    let store = PgStore::connect(&url, 4545).await.unwrap();
    let app = common::spawn_app_on(Arc::new(store.clone()), Backend::Postgres(store), true).await;
    let hashes = populate(&app).await;
    // The CLI finds the server's file store through the settings in its working folder.
    std::fs::write(
        w.join("undermap.toml"),
        format!("[archive]\nfiles_dir = {:?}\n", app.files_dir.path()),
    )
    .unwrap();
    let out = ok(undermap(w).args(["--store", &url, "backup", "--to", "backups"]));
    assert!(
        out.contains("pgBackRest backup") && out.contains("2 files kept (2 new"),
        "{out}"
    );
    // pgBackRest finds backups for a target by their stop time, to the second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let (s, _) = app
        .deliver_with(&app.client, "water", &valve("PITR-A", 0.0))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let between = now(&url).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, _) = app
        .deliver_with(&app.client, "water", &valve("PITR-B", 0.001))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    app.security.audit.flush().await;
    // The second backup (incremental) waits until the WAL holding B is archived.
    let out = ok(undermap(w).args(["--store", &url, "backup", "--to", "backups"]));
    assert!(out.contains("2 files kept (0 new"), "{out}");
    let before = fingerprint(&url).await;
    assert!(
        before["features"].rows > 100 && before["audit_log"].rows > 0,
        "{before:?}"
    );

    // The latest: every row of every table, the audit chain, the files.
    let latest = Cluster::adopt(base.join("latest"), free_port());
    let out = ok(undermap(w)
        .args([
            "--store",
            &latest.url(),
            "restore",
            "--from",
            "backups",
            "--files-to",
            "files-latest",
            "--pg-data",
        ])
        .arg(&latest.data));
    assert!(out.contains("restored the cluster"), "{out}");
    assert_eq!(fingerprint(&latest.url()).await, before);
    ok(undermap(w).args(["--store", &latest.url(), "audit", "verify"]));
    let files = undermap_store::FileStore::local(&w.join("files-latest")).unwrap();
    let mut kept: Vec<String> = files
        .hashes()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    kept.sort();
    let mut want = hashes.clone();
    want.sort();
    assert_eq!(kept, want);

    // A moment between the two deliveries: the first is there, the second is not.
    let then = Cluster::adopt(base.join("then"), free_port());
    ok(undermap(w)
        .args([
            "--store",
            &then.url(),
            "restore",
            "--from",
            "backups",
            "--target-time",
            &between.to_rfc3339(),
            "--files-to",
            "files-then",
            "--pg-data",
        ])
        .arg(&then.data));
    assert_eq!(current_ids(&then.url(), "PITR-%").await, ["PITR-A"]);
    assert_eq!(
        current_ids(&latest.url(), "PITR-%").await,
        ["PITR-A", "PITR-B"]
    );
    // Never over a cluster.
    let said = refused(
        undermap(w)
            .args([
                "--store",
                &then.url(),
                "restore",
                "--from",
                "backups",
                "--pg-data",
            ])
            .arg(&then.data),
    );
    assert!(said.contains("not empty"), "{said}");

    // A sealed offline copy of the repository restores with its identity.
    let (key, recipient) = identity(w, "keeper.key");
    ok(undermap(w).arg("ticket-key"));
    let out = ok(undermap(w).args([
        "--store",
        &url,
        "backup",
        "--to",
        "backups",
        "--encrypt-to",
        &recipient,
    ]));
    let sealed = out
        .lines()
        .find_map(|l| l.strip_prefix("sealed copy "))
        .and_then(|l| l.split(" (").next())
        .map_or_else(|| panic!("{out}"), PathBuf::from);
    let offline = Cluster::adopt(base.join("offline"), free_port());
    ok(undermap(w)
        .args([
            "--store",
            &offline.url(),
            "restore",
            "--files-to",
            "files-offline",
            "--identity",
        ])
        .arg(&key)
        .arg("--from")
        .arg(&sealed)
        .arg("--pg-data")
        .arg(&offline.data));
    assert_eq!(fingerprint(&offline.url()).await, fingerprint(&url).await);
    assert_eq!(
        undermap_store::FileStore::local(&w.join("files-offline"))
            .unwrap()
            .hashes()
            .await
            .unwrap()
            .len(),
        2
    );

    // A file kept after the last backup: the archived WAL brings its record, the backup has no
    // bytes for it, and the restore says so rather than report success.
    let (s, _) = crate::archive_api::upload(
        &app.client,
        &app,
        "2026-500241-48-01-000777",
        "test_reports",
        crate::archive_api::pdf(9),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut c = PgConnection::connect(&url).await.unwrap();
    let archived = "SELECT archived_count FROM pg_stat_archiver";
    let before: i64 = sqlx::query_scalar(archived)
        .fetch_one(&mut c)
        .await
        .unwrap();
    sqlx::query("SELECT pg_switch_wal()")
        .execute(&mut c)
        .await
        .unwrap();
    while sqlx::query_scalar::<_, i64>(archived)
        .fetch_one(&mut c)
        .await
        .unwrap()
        == before
    {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let late = Cluster::adopt(base.join("late"), free_port());
    let said = refused(
        undermap(w)
            .args([
                "--store",
                &late.url(),
                "restore",
                "--from",
                "backups",
                "--files-to",
                "files-late",
                "--pg-data",
            ])
            .arg(&late.data),
    );
    assert!(
        said.contains("1 of the 3 files its archive names are not in the backup"),
        "{said}"
    );
}
