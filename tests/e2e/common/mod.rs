//! Shared by the end-to-end tests: a real server on port 0 over a fresh store, PostGIS (a new
//! database per test) or a GeoPackage (a new file per test). [`both_stores!`] runs a test on
//! each.
#![allow(dead_code)]

pub mod postgres;

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::PgPool;
use undermap::{load_demo, service_config, Application, Settings};
use undermap_service::Service;
use undermap_store::{AccessStore, PgStore};

/// A running server and a client for it (authenticated as an administrator).
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub service: Service,
    /// The store the server runs on, for the few checks made on it directly.
    pub store: Backend,
    pub security: undermap_api::Security,
    /// The administrator's key the client sends.
    pub admin_key: String,
    /// The folder the archive's file bytes are kept in.
    pub files_dir: Arc<tempfile::TempDir>,
}

/// A client that sends `key` as a Bearer token with every request.
pub fn client_with(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

impl TestApp {
    /// Creates an account with `role` (and optional own layer limit) and returns a key for it.
    pub async fn key_for(&self, name: &str, role: &str, layers: Option<&[&str]>) -> String {
        self.security
            .auth
            .add_account(undermap_auth::NewAccount {
                name: name.into(),
                role: role.into(),
                layers: layers.map(|l| l.iter().map(|s| (*s).to_owned()).collect()),
                service: false,
                full_name: None,
                unit_code: None,
            })
            .await
            .expect("account");
        self.security
            .auth
            .create_key(name, None, None)
            .await
            .expect("key")
            .key
    }

    /// Uploads a GeoJSON delivery of `department` with `client`; the status and the report.
    pub async fn deliver_with(
        &self,
        client: &reqwest::Client,
        department: &str,
        geojson: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let form = reqwest::multipart::Form::new()
            .text("department", department.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::text(geojson.to_string()).file_name("delivery.geojson"),
            );
        let r = client
            .post(self.url("/v1/deliveries"))
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = r.status();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A client for a new `construction_unit` account `name` acting for `unit`.
    pub async fn client_for_unit(&self, name: &str, unit: &str) -> reqwest::Client {
        self.security
            .auth
            .add_account(undermap_auth::NewAccount {
                name: name.into(),
                role: "construction_unit".into(),
                layers: None,
                service: false,
                full_name: None,
                unit_code: Some(unit.into()),
            })
            .await
            .expect("account");
        let key = self
            .security
            .auth
            .create_key(name, None, None)
            .await
            .expect("key")
            .key;
        client_with(&key)
    }

    /// A client for a new account `test-<role>` with `role`.
    pub async fn client_as(&self, role: &str) -> reqwest::Client {
        client_with(&self.key_for(&format!("test-{role}"), role, None).await)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs `body` as JSON with `client`: the status, and the answer as JSON (null when it
    /// is none).
    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let r = client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("an answer");
        let status = r.status();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// GETs `path` with `client`: the status, and the answer as JSON (null when it is none).
    pub async fn get_as(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let r = client.get(self.url(path)).send().await.expect("an answer");
        let status = r.status();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

pub fn demo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/demo"))
}

/// The store a test's server runs on.
#[derive(Clone)]
pub enum Backend {
    /// A PostGIS database.
    Postgres(PgStore),
    /// A GeoPackage file (the folder goes when the last clone of the app does).
    GeoPackage(undermap_store::GpkgStore, Arc<tempfile::TempDir>),
}

impl From<PgStore> for Backend {
    fn from(store: PgStore) -> Self {
        Self::Postgres(store)
    }
}

impl Backend {
    /// The PostGIS pool, for checks that read the database directly: such a test runs on
    /// PostGIS only.
    pub fn pool(&self) -> &PgPool {
        match self {
            Self::Postgres(s) => s.pool(),
            Self::GeoPackage(..) => panic!("a PostGIS-only check on a GeoPackage app"),
        }
    }

    /// The store, as the service holds it.
    pub fn shared(&self) -> Arc<dyn undermap_store::Store> {
        match self {
            Self::Postgres(s) => Arc::new(s.clone()),
            Self::GeoPackage(s, _) => Arc::new(s.clone()),
        }
    }

    /// The accounts, keys and audit trail.
    pub fn access(&self) -> Arc<dyn AccessStore> {
        match self {
            Self::Postgres(s) => Arc::new(s.clone()),
            Self::GeoPackage(s, _) => Arc::new(s.clone()),
        }
    }

    /// How many rows `table` (its PostGIS name) holds: the GeoPackage keeps the same tables,
    /// `features` as it is and the others with an `undermap_` prefix.
    pub async fn count(&self, table: &str) -> i64 {
        match self {
            Self::Postgres(s) => sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(s.pool())
                .await
                .expect("rows counted"),
            Self::GeoPackage(s, _) => {
                // The access tables have their PostGIS names in both stores.
                let table = if ["features", "accounts", "api_keys", "audit_log"].contains(&table) {
                    table.to_owned()
                } else {
                    format!("undermap_{table}")
                };
                sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                    .fetch_one(s.pool())
                    .await
                    .expect("rows counted")
            }
        }
    }

    /// How many tickets are stored.
    /// Runs one statement whose text both dialects read alike; the rows it changed.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Postgres(s) => sqlx::query(sql).execute(s.pool()).await?.rows_affected(),
            Self::GeoPackage(s, _) => sqlx::query(sql).execute(s.pool()).await?.rows_affected(),
        })
    }

    /// Retires a feature's current version behind the service's back (as another process
    /// writing to the store would).
    pub async fn retire_feature(&self, feature_id: &str) {
        let sql = "UPDATE features SET valid_to = $2 WHERE feature_id = $1 AND valid_to IS NULL";
        let now = chrono::Utc::now();
        let done = match self {
            Self::Postgres(s) => sqlx::query(sql)
                .bind(feature_id)
                .bind(now)
                .execute(s.pool())
                .await
                .map(|d| d.rows_affected()),
            Self::GeoPackage(s, _) => {
                // As the GeoPackage store writes its times (gpkg/native.rs `stamp`).
                let now = now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
                sqlx::query(sql)
                    .bind(feature_id)
                    .bind(now)
                    .execute(s.pool())
                    .await
                    .map(|d| d.rows_affected())
            }
        };
        assert_eq!(done.expect("feature retired"), 1);
    }

    /// Tries to overwrite every stored ticket's body; the store must refuse.
    pub async fn overwrite_tickets(&self) -> Result<u64, sqlx::Error> {
        match self {
            Self::Postgres(_) => {
                self.execute("UPDATE excavation_checks SET body = '{}'")
                    .await
            }
            Self::GeoPackage(..) => {
                self.execute("UPDATE undermap_excavation_checks SET body = '{}'")
                    .await
            }
        }
    }

    /// Lifts the triggers that keep the audit log append-only, as someone with power over the
    /// database could.
    pub async fn lift_audit_guard(&self) {
        let statements: &[&str] = match self {
            Self::Postgres(_) => &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"],
            Self::GeoPackage(..) => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
        };
        for sql in statements {
            self.execute(sql).await.expect("trigger lifted");
        }
    }

    /// Makes a key expired a minute ago (the API cannot backdate an expiry).
    pub async fn expire_key(&self, key_id: &str) {
        let sql = "UPDATE api_keys SET expires_at = $2 WHERE key_id = $1";
        let at = chrono::Utc::now() - chrono::Duration::minutes(1);
        let done = match self {
            Self::Postgres(s) => sqlx::query(sql)
                .bind(key_id)
                .bind(at)
                .execute(s.pool())
                .await
                .map(|d| d.rows_affected()),
            Self::GeoPackage(s, _) => sqlx::query(sql)
                .bind(key_id)
                .bind(at)
                .execute(s.pool())
                .await
                .map(|d| d.rows_affected()),
        };
        assert_eq!(done.expect("key updated"), 1);
    }

    pub async fn ticket_count(&self) -> i64 {
        self.count("excavation_checks").await
    }
}

/// Where a test's store comes from: the fresh database `#[sqlx::test]` made, or a new file.
pub enum Fresh {
    /// A migrated PostGIS database.
    Postgres(PgPool),
    /// A GeoPackage in a new temporary folder.
    GeoPackage,
}

impl Fresh {
    /// The store, opened.
    pub async fn open(self) -> Backend {
        match self {
            Self::Postgres(harness) => {
                // The store's own pool on the test's database, with the options the server
                // uses: sqlx::test's pool has a 1 s idle timeout, so a reaper that can spin
                // (see undermap_store::pg_pool_options). The harness pool stays unused.
                let pool = undermap_store::pg_pool_options()
                    .connect_with((*harness.connect_options()).clone())
                    .await
                    .expect("the test database");
                Backend::Postgres(PgStore::from_pool(pool, 4545).await.expect("store"))
            }
            Self::GeoPackage => {
                let (store, dir) = temp_gpkg().await;
                Backend::GeoPackage(store, Arc::new(dir))
            }
        }
    }
}

/// Starts the real application on a fresh store, with the bundled demo data loaded when `demo`
/// is true.
pub async fn spawn(fresh: Fresh, demo: bool) -> TestApp {
    let store = fresh.open().await;
    spawn_app_on(store.shared(), store, demo).await
}

/// Starts the real application on a fresh store with `settings` (which must listen on port 0).
pub async fn spawn_with(fresh: Fresh, demo: bool, settings: Settings) -> TestApp {
    let store = fresh.open().await;
    spawn_app_with(store.shared(), store, demo, settings).await
}

/// Runs an end-to-end test on PostGIS and on a GeoPackage: `both_stores! { async fn name(fresh)
/// { … } }` makes `name::postgis` and `name::geopackage`, each handing the body a [`Fresh`]
/// store to start the app on ([`spawn`]).
macro_rules! both_stores {
    ($(#[$meta:meta])* async fn $name:ident($fresh:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($fresh: $crate::common::Fresh) $body

            #[sqlx::test(migrations = "../../migrations")]
            async fn postgis(pool: sqlx::PgPool) {
                run($crate::common::Fresh::Postgres(pool)).await;
            }

            #[tokio::test]
            async fn geopackage() {
                run($crate::common::Fresh::GeoPackage).await;
            }
        }
    };
}

/// Starts the real application over `pool` (already migrated by `#[sqlx::test]`), with the
/// bundled demo data loaded when `demo` is true.
pub async fn spawn_app(pool: PgPool, demo: bool) -> TestApp {
    spawn(Fresh::Postgres(pool), demo).await
}

/// Starts the real application over any store (`store` is the one direct checks read).
pub async fn spawn_app_on(
    shared: Arc<dyn undermap_store::Store>,
    store: impl Into<Backend>,
    demo: bool,
) -> TestApp {
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    spawn_app_with(shared, store, demo, settings).await
}

/// Starts the real application with `settings` (listen on port 0).
pub async fn spawn_app_with(
    shared: Arc<dyn undermap_store::Store>,
    store: impl Into<Backend>,
    demo: bool,
    settings: Settings,
) -> TestApp {
    let store: Backend = store.into();
    let access = store.access();
    let security = undermap::security(&settings, Arc::clone(&access)).expect("security settings");
    let files_dir = Arc::new(tempfile::tempdir().expect("a folder for the archive's files"));
    let mut config = service_config(&settings).expect("config");
    if settings.archive.files_url.is_some() {
        undermap::install_file_store(&settings, &mut config, "")
            .await
            .expect("the configured file store");
    } else {
        let files = undermap_store::FileStore::local(files_dir.path()).expect("file store");
        let files = undermap::sealed_as_set(&settings, files).expect("files_key");
        config.archive.files = Some(match &store {
            Backend::GeoPackage(gpkg, _) => {
                undermap::keep_files_inside(gpkg, files, settings.archive.embed_max_bytes, false)
            }
            Backend::Postgres(_) => files,
        });
    }
    let service = Service::new(shared, config);
    if demo {
        load_demo(&service, &demo_dir())
            .await
            .expect("demo data loads");
    }
    service.reload().await.expect("index loads");
    // A second server on the same database finds the account there already.
    if access
        .account("test-admin")
        .await
        .expect("accounts readable")
        .is_none()
    {
        security
            .auth
            .add_account(undermap_auth::NewAccount {
                name: "test-admin".into(),
                role: "admin".into(),
                layers: None,
                service: false,
                full_name: None,
                unit_code: None,
            })
            .await
            .expect("admin account");
    }
    let admin_key = security
        .auth
        .create_key("test-admin", None, None)
        .await
        .expect("admin key")
        .key;
    let app = Application::build(&settings, service.clone(), security.clone()).expect("binds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: client_with(&admin_key),
        service,
        store,
        security,
        admin_key,
        files_dir,
    }
}

/// A square of `side` metres centred on a CRS84 point, as GeoJSON lon/lat.
pub fn square_crs84(lon: f64, lat: f64, side_m: f64) -> serde_json::Value {
    let dlat = side_m / 2.0 / 110_900.0;
    let dlon = side_m / 2.0 / (110_900.0 * lat.to_radians().cos());
    serde_json::json!({"type": "Polygon", "coordinates": [[
        [lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]
    ]]})
}

/// Opens a fresh GeoPackage store in a temporary folder (kept alive by the returned guard).
pub async fn temp_gpkg() -> (undermap_store::GpkgStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let crs = undermap_crs::Crs::epsg(4545).expect("EPSG:4545");
    let srs = undermap_store::GpkgSrs {
        srid: 4545,
        name: crs.title().to_owned(),
        wkt: crs.wkt().unwrap_or_default().to_owned(),
    };
    let store = undermap_store::GpkgStore::open(&dir.path().join("map.gpkg"), &srs)
        .await
        .expect("GeoPackage opens");
    (store, dir)
}

/// Layer name → feature count, as GDAL's `ogrinfo` reports them for a file. Fails the test when
/// ogrinfo is missing or reports an error.
pub fn ogrinfo_counts(path: &std::path::Path) -> std::collections::BTreeMap<String, usize> {
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(path)
        .output()
        .expect("ogrinfo (Debian package gdal-bin) is installed by scripts/setup.sh");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{text}\n{err}");
    assert!(
        !err.contains("ERROR") && !err.contains("Warning"),
        "GDAL complained: {err}"
    );
    text.split("Layer name: ")
        .skip(1)
        .filter_map(|block| {
            let name = block.lines().next()?.trim().to_owned();
            let count = block
                .lines()
                .find_map(|l| l.strip_prefix("Feature Count: "))?
                .trim()
                .parse()
                .ok()?;
            Some((name, count))
        })
        .collect()
}

/// A demo file read as its department's delivery.
pub fn prepared(
    layer: &str,
    file: &str,
    mode: undermap_store::DeliveryMode,
) -> undermap_ingest::Prepared {
    let department = undermap::for_layer(layer).expect("a department for the layer");
    let options =
        undermap_ingest::IngestOptions::new(undermap_crs::Crs::epsg(4545).unwrap(), mode, "test");
    undermap_ingest::prepare(&[demo_dir().join(file)], department, &options, &mut |_| {}).unwrap()
}
