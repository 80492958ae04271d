//! HTTP load benchmark: excavation checks per second against the real server, in process, on
//! the bundled demo data, each check issuing and storing a ticket in PostGIS.
//!
//! `cargo bench -p undermap --bench http_load` (needs PostgreSQL: DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres; uses a database `undermap_bench`, recreated).
//! Bounded: a fixed number of requests per run, to 127.0.0.1 only. Figures go to
//! docs/performance.md by hand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::migrate::MigrateDatabase;
use undermap::{load_demo, service_config, Application, Settings};
use undermap_service::Service;
use undermap_store::PgStore;

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
    let mut key = None;
    // Audit on and off, twice, alternating, so drift on the machine shows as spread.
    for (round, audit) in [true, false, true, false].into_iter().enumerate() {
        // A fresh pool per round: connections opened on a stopped server's worker runtimes
        // die with them.
        let store = PgStore::connect(&url, 4545).await.expect("database");
        let settings = Settings {
            listen: "127.0.0.1:0".into(),
            audit,
            address_rate_per_minute: u32::MAX,
            roles: roles.clone(),
            ..Settings::default()
        };
        let service = Service::new(
            Arc::new(store.clone()),
            service_config(&settings).expect("config"),
        );
        if round == 0 {
            load_demo(&service, &settings.demo_data_dir)
                .await
                .expect("demo data");
        } else {
            service.reload().await.expect("index");
        }
        let security = undermap::security(&settings, Arc::new(store.clone())).expect("security");
        if key.is_none() {
            security
                .auth
                .add_account(undermap_auth::NewAccount {
                    name: "bench".into(),
                    role: "loadtest".into(),
                    layers: None,
                    service: true,
                    full_name: None,
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
        let rate = load(&base, key.as_deref().expect("key")).await;
        security.audit.flush().await;
        println!(
            "http_load: audit {}: {rate}",
            if audit { "on " } else { "off" }
        );
        server.abort();
    }
    let store = PgStore::connect(&url, 4545).await.expect("database");
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .expect("count");
    println!("http_load: {entries} audit entries written");
}

async fn load(base: &str, key: &str) -> String {
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
    // Squares of 100 m scattered over the demo town, 1 m buffer, 1.5 m deep.
    let body = |i: usize| {
        let (lon, lat) = (
            108.9866 + (i % 17) as f64 * 0.0003,
            28.4485 + (i % 13) as f64 * 0.0003,
        );
        let (dlon, dlat) = (0.00051, 0.00045);
        json!({"area": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]]},
               "buffer_m": 1.0, "depth_m": 1.5})
    };
    // Warm up connections and caches.
    for i in 0..200 {
        let r = client
            .post(format!("{base}/v1/excavation-checks"))
            .json(&body(i))
            .send()
            .await
            .expect("warm-up");
        assert_eq!(r.status(), 201);
    }
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, next, base) = (client.clone(), next.clone(), base.to_owned());
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
                    .json(&body(i))
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
        "{REQUESTS} excavation checks, {CONCURRENCY} concurrent, {:.2} s: {:.0} checks/s; latency p50 {:?} p99 {:?}",
        elapsed.as_secs_f64(),
        REQUESTS as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    )
}
