//! HTTP load benchmark: excavation checks per second against the real server, in process, each
//! check issuing and storing a ticket in PostGIS.
//!
//! `cargo bench -p undermap --bench http_load` (needs PostgreSQL: DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres; uses a database `undermap_bench`, recreated).
//!
//! Workloads (`HTTP_LOAD_WORKLOAD`):
//! - `demo` (default): the bundled demo data, 100 m squares over the demo town;
//! - `county`: the generated county (`demo-data --seed 42 --scale county`, about 216,000
//!   features), star-shaped dig areas 20–60 m across, each within 2 m of the middle of a
//!   water main picked at random (digs happen in streets, where all networks run), sent in
//!   EPSG:4545 — the workload of issue 16.
//!
//! Stores (`HTTP_LOAD_STORE`): `postgis` (default), or `gpkg`: a GeoPackage file
//! (`target/http_load.gpkg`, recreated) holding the map, tickets, accounts and audit trail.
//!
//! Client (`HTTP_LOAD_CLIENT`): a reqwest client in this process (default; its CPU counts
//! against the server's), or `wrk`: the same bodies written to `target/http_load_bodies.jsonl`
//! and sent for 10 s by `wrk -t2 -c32` with `benches/excavation_county.lua`, a separate process
//! whose client work is far lighter, so the figure is nearer the server's own.
//!
//! Bounded: a fixed number of requests per run, to 127.0.0.1 only. Figures go to
//! docs/performance.md by hand.

use std::sync::Arc;

mod common;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::migrate::MigrateDatabase;
use undermap::{load_demo, service_config, Application, Settings};
use undermap_service::Service;
use undermap_store::{AccessStore, PgStore, Store};

const REQUESTS: usize = 20_000;
const CONCURRENCY: usize = 32;

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/undermap_bench"),
        None => panic!("DATABASE_URL has no database part"),
    };
    let _ = sqlx::Postgres::drop_database(&url).await;
    // A role without a rate limit worth the name: the benchmark measures the server, not the
    // limiter (which would refuse it at the admin role's 6,000 a minute).
    let mut roles = std::collections::BTreeMap::new();
    roles.insert(
        "loadtest".to_owned(),
        undermap_auth::RoleConfig {
            capabilities: vec![
                undermap_auth::Capability::Read,
                undermap_auth::Capability::Check,
            ],
            layers: None,
            hidden_fields: vec![],
            hidden_fields_on: std::collections::BTreeMap::new(),
            clearance: undermap_core::Sensitivity::Secret,
            rate_per_minute: u32::MAX,
            bounds: None,
        },
    );
    let county = std::env::var("HTTP_LOAD_WORKLOAD").as_deref() == Ok("county");
    let gpkg = std::env::var("HTTP_LOAD_STORE").as_deref() == Ok("gpkg");
    let gpkg_path = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/http_load.gpkg"
    ));
    let _ = std::fs::remove_file(&gpkg_path);
    let mut areas: Vec<serde_json::Value> = Vec::new();
    let mut key = None;
    // Audit on and off, twice, alternating, so drift on the machine shows as spread.
    for (round, audit) in [true, false, true, false].into_iter().enumerate() {
        // A fresh pool per round: connections opened on a stopped server's worker runtimes
        // die with them.
        let (store, access): (Arc<dyn Store>, Arc<dyn AccessStore>) = if gpkg {
            let s = open_gpkg(&gpkg_path).await;
            (Arc::new(s.clone()), Arc::new(s))
        } else {
            let s = PgStore::connect(&url, 4545).await.expect("database");
            (Arc::new(s.clone()), Arc::new(s))
        };
        let settings = Settings {
            listen: "127.0.0.1:0".into(),
            audit,
            address_rate_per_minute: u32::MAX,
            roles: roles.clone(),
            ..Settings::default()
        };
        let service = Service::new(store.clone(), service_config(&settings).expect("config"));
        if round == 0 && county {
            areas = load_county(store.as_ref()).await;
            service.reload().await.expect("index");
        } else if round == 0 {
            load_demo(&service, &settings.demo_data_dir)
                .await
                .expect("demo data");
        } else {
            service.reload().await.expect("index");
        }
        let security = undermap::security(&settings, access).expect("security");
        if key.is_none() {
            security
                .auth
                .add_account(undermap_auth::NewAccount {
                    name: "bench".into(),
                    role: "loadtest".into(),
                    layers: None,
                    service: true,
                    full_name: None,
                    unit_code: None,
                })
                .await
                .expect("account");
            key = Some(
                security
                    .auth
                    .create_key("bench", None, None)
                    .await
                    .expect("key")
                    .key,
            );
        }
        let app = Application::build(&settings, service, security.clone()).expect("bind");
        let base = format!("http://127.0.0.1:{}", app.port());
        let server = tokio::spawn(app.run_until_stopped());
        let rate = load(&base, key.as_deref().expect("key"), &areas).await;
        security.audit.flush().await;
        println!(
            "http_load: audit {}: {rate}",
            if audit { "on " } else { "off" }
        );
        server.abort();
    }
    if !gpkg {
        let store = PgStore::connect(&url, 4545).await.expect("database");
        let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(store.pool())
            .await
            .expect("count");
        println!("http_load: {entries} audit entries written");
    }
}

/// A fresh GeoPackage store in the deployment CRS.
async fn open_gpkg(path: &std::path::Path) -> undermap_store::GpkgStore {
    let crs = undermap_crs::Crs::epsg(4545).expect("EPSG:4545");
    let srs = undermap_store::GpkgSrs {
        srid: 4545,
        name: crs.title().to_owned(),
        wkt: crs.wkt().unwrap_or_default().to_owned(),
    };
    undermap_store::GpkgStore::open(path, &srs)
        .await
        .expect("GeoPackage")
}

/// Loads the generated county into `store`; star-shaped dig areas over its town.
async fn load_county(store: &dyn Store) -> Vec<serde_json::Value> {
    use geo::BoundingRect;
    // Digs happen in streets, where the networks run: the middles of the water mains.
    let mut mains: Vec<geo::Coord<f64>> = Vec::new();
    common::deliver_county(store, "http_load county", |layer, features| {
        if layer == "water" {
            mains.extend(
                features
                    .iter()
                    .filter(|f| f.kind == undermap_core::FeatureKind::Pipe)
                    .filter_map(|f| f.geometry.bounding_rect())
                    .map(geo::Rect::center),
            );
        }
    })
    .await;
    // A fixed pseudo-random sequence (the same areas on every run).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    (0..1024)
        .map(|_| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let at = mains[((next() * mains.len() as f64) as usize).min(mains.len() - 1)];
            // A few metres off the main's middle, either way.
            let (cx, cy) = (at.x + next() * 4.0 - 2.0, at.y + next() * 4.0 - 2.0);
            let r = 10.0 + next() * 20.0;
            let turn = next() * std::f64::consts::TAU;
            // Ten points, alternating between r and r/2: a star 2r across. EPSG:4545 is
            // northing first.
            let mut ring: Vec<[f64; 2]> = (0..10_i32)
                .map(|k| {
                    let a = turn + f64::from(k) * std::f64::consts::TAU / 10.0;
                    let d = if k % 2 == 0 { r } else { r / 2.0 };
                    [cy + d * a.sin(), cx + d * a.cos()]
                })
                .collect();
            ring.push(ring[0]);
            json!({"area": {"type": "Polygon", "coordinates": [ring]}, "crs": "EPSG:4545",
                   "buffer_m": 1.0, "depth_m": 1.5})
        })
        .collect()
}

/// The `i`th request: the county's star-shaped areas, else squares of 100 m scattered over the
/// demo town; 1 m buffer, 1.5 m deep.
fn body(areas: &[serde_json::Value], i: usize) -> serde_json::Value {
    if !areas.is_empty() {
        return areas[i % areas.len()].clone();
    }
    let (lon, lat) = (
        108.9866 + (i % 17) as f64 * 0.0003,
        28.4485 + (i % 13) as f64 * 0.0003,
    );
    let (dlon, dlat) = (0.00051, 0.00045);
    json!({"area": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]]},
           "buffer_m": 1.0, "depth_m": 1.5})
}

async fn load(base: &str, key: &str, areas: &[serde_json::Value]) -> String {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).expect("header"),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .default_headers(headers)
        .build()
        .expect("client");
    let areas: Arc<Vec<serde_json::Value>> = Arc::new(areas.to_vec());
    // Warm up connections and caches; what an answer holds, on average.
    let (mut bytes, mut hits) = (0_usize, 0_u64);
    for i in 0..200 {
        let r = client
            .post(format!("{base}/v1/excavation-checks"))
            .json(&body(&areas, i))
            .send()
            .await
            .expect("warm-up");
        assert_eq!(r.status(), 201);
        let text = r.bytes().await.expect("body");
        bytes += text.len();
        let ticket: serde_json::Value = serde_json::from_slice(&text).expect("a ticket");
        hits += ticket["summary"]["total"].as_u64().unwrap_or(0);
    }
    let summary = format!(
        "{:.1} hits, {:.1} KB each",
        hits as f64 / 200.0,
        bytes as f64 / 200.0 / 1000.0
    );
    if std::env::var("HTTP_LOAD_CLIENT").as_deref() == Ok("wrk") {
        return wrk(base, key, &areas, &summary).await;
    }
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, next, base) = (client.clone(), next.clone(), base.to_owned());
        let areas = Arc::clone(&areas);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= REQUESTS {
                    break latencies;
                }
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/v1/excavation-checks"))
                    .json(&body(&areas, i))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    format!(
        "{REQUESTS} excavation checks ({summary}), {CONCURRENCY} concurrent, {:.2} s: {:.0} checks/s; latency p50 {:?} p99 {:?}",
        elapsed.as_secs_f64(),
        REQUESTS as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    )
}

/// Sends the checks from `wrk` for 10 s (bodies from a file, see `benches/excavation_county.lua`)
/// and reports its rate, latency and any answer that was not 201.
async fn wrk(base: &str, key: &str, areas: &[serde_json::Value], summary: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let bodies = format!("{root}/target/http_load_bodies.jsonl");
    let lines: Vec<String> = (0..areas.len().max(221))
        .map(|i| body(areas, i).to_string())
        .collect();
    std::fs::write(&bodies, lines.join("\n") + "\n").expect("bodies file");
    let args = vec![
        "-t2".to_owned(),
        format!("-c{CONCURRENCY}"),
        "-d10s".to_owned(),
        "--latency".to_owned(),
        "-s".to_owned(),
        format!("{root}/benches/excavation_county.lua"),
        "-H".to_owned(),
        format!("Authorization: Bearer {key}"),
        format!("{base}/v1/excavation-checks"),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("wrk")
            .args(&args)
            .env("BODIES", &bodies)
            .output()
    })
    .await
    .expect("wrk task")
    .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map_or_else(|| "-".to_owned(), |l| l[prefix.len()..].trim().to_owned())
    };
    format!(
        "wrk, {CONCURRENCY} connections, 10 s ({summary}): {} checks/s; latency p50 {} p99 {}; not 201: {}",
        field("Requests/sec:"),
        field("50%"),
        field("99%"),
        field("Non-2xx or 3xx responses:").replace('-', "0"),
    )
}
