//! Shared by the end-to-end tests: a real server on port 0 over a fresh PostGIS database.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::PgPool;
use undermap::{load_demo, service_config, Application, Settings};
use undermap_service::Service;
use undermap_store::PgStore;

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub service: Service,
    pub store: PgStore,
}

impl TestApp {
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

/// Starts the real application over `pool` (already migrated by `#[sqlx::test]`), with the
/// bundled demo data loaded when `demo` is true.
pub async fn spawn_app(pool: PgPool, demo: bool) -> TestApp {
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    let store = PgStore::from_pool(pool, 4545).await.expect("store");
    let service = Service::new(
        Arc::new(store.clone()),
        service_config(&settings).expect("config"),
    );
    if demo {
        load_demo(&service, &demo_dir())
            .await
            .expect("demo data loads");
    }
    service.reload().await.expect("index loads");
    let app = Application::build(&settings, service.clone()).expect("binds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        service,
        store,
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
