//! What asking owners adds to an excavation check: the same check over ten water mains of ten
//! owners, with none of them registered and with all ten registered (each with a webhook, so
//! each ticket also owes ten notifications, stored with it). Sending is not measured: it runs
//! after the commit, off the request path. On a GeoPackage and — when `DATABASE_URL` names a
//! PostgreSQL server — on a fresh PostGIS database: `cargo bench -p undermap --bench owners`.
//! Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::sync::Arc;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{line_string, Geometry};
use undermap_core::{Feature, FeatureAttributes, FeatureKind, Owner, View};
use undermap_crs::Crs;
use undermap_service::{CheckRequest, OwnerInput, Service, ServiceConfig};
use undermap_store::{Delivery, DeliveryMode, GpkgSrs, GpkgStore, PgStore, Store};

const OWNERS: usize = 10;
/// A point of the deployment CRS (EPSG:4545, easting, northing) the mains cross.
const AT: (f64, f64) = (596_700.0, 3_148_500.0);

async fn postgis(url: &str) -> Option<Arc<dyn Store>> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.ok()?;
    let name = "undermap_bench_owners";
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&mut admin).await.ok()?;
    }
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let store = PgStore::connect(&format!("{base}/{name}"), 4545)
        .await
        .ok()?;
    Some(Arc::new(store))
}

/// Ten mains through `AT`, one per owner.
fn mains() -> Vec<Feature> {
    (0..OWNERS)
        .map(|i| {
            let dy = i as f64 * 0.5 - 2.5;
            let (x, y) = AT;
            Feature::new(
                format!("BENCH-W{i}").parse().unwrap(),
                "water".parse().unwrap(),
                FeatureKind::Pipe,
                Geometry::LineString(
                    line_string![(x: x - 50.0, y: y + dy), (x: x + 50.0, y: y + dy)],
                ),
                FeatureAttributes {
                    owner: Some(Owner {
                        name: format!("Owner {i}"),
                        contact: Some("023-0000".into()),
                    }),
                    ..FeatureAttributes::default()
                },
                Utc::now(),
            )
            .unwrap()
        })
        .collect()
}

async fn service(store: Arc<dyn Store>) -> Service {
    store
        .apply_delivery(Delivery {
            layer: "water".parse().unwrap(),
            source_name: "bench.geojson".into(),
            sha256: "0".repeat(64),
            source_crs: "EPSG:4545".into(),
            operation: "none".into(),
            mode: DeliveryMode::Full,
            loaded_by: "bench".into(),
            project_code: None,
            features: mains(),
            rejected_before_load: 0,
        })
        .await
        .unwrap();
    let service = Service::new(store, ServiceConfig::new(Crs::epsg(4545).unwrap()));
    service.reload().await.unwrap();
    service
}

fn request() -> CheckRequest {
    let (x, y) = AT;
    // EPSG:4545 is northing, easting.
    let area = serde_json::json!({ "type": "Polygon", "coordinates": [[
        [y - 10.0, x - 10.0], [y - 10.0, x + 10.0], [y + 10.0, x + 10.0], [y + 10.0, x - 10.0], [y - 10.0, x - 10.0]
    ]] });
    serde_json::from_value(serde_json::json!({ "area": area, "crs": "EPSG:4545" })).unwrap()
}

fn bench_store(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, store: Arc<dyn Store>) {
    let service = rt.block_on(service(store));
    let view = View::everything();
    let check = |service: &Service| {
        let t = rt
            .block_on(service.excavation().check(request(), &view, Some("bench")))
            .unwrap();
        assert_eq!(t.hits, Some(OWNERS));
    };
    let mut group = c.benchmark_group(format!("check over {OWNERS} owners' mains, {name}"));
    group.sample_size(200);
    group.bench_function("no owner registered", |b| b.iter(|| check(&service)));
    rt.block_on(async {
        for i in 0..OWNERS {
            service
                .owners()
                .put(
                    &format!("owner-{i}"),
                    OwnerInput {
                        name: format!("Owner {i}"),
                        aliases: Vec::new(),
                        contacts: Vec::new(),
                        emergency_phone: Some("110".into()),
                        webhook_url: Some(format!("https://owner{i}.example/tickets")),
                        accounts: Vec::new(),
                    },
                )
                .await
                .unwrap();
        }
    });
    group.bench_function("10 owners asked, 10 notifications owed", |b| {
        b.iter(|| check(&service));
    });
    group.finish();
}

fn owners(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crs = Crs::epsg(4545).unwrap();
    let srs = GpkgSrs {
        srid: 4545,
        name: crs.title().to_owned(),
        wkt: crs.wkt().unwrap().to_owned(),
    };
    let gpkg = rt
        .block_on(GpkgStore::open(&dir.path().join("bench.gpkg"), &srs))
        .unwrap();
    bench_store(c, &rt, "GeoPackage", Arc::new(gpkg));
    if let Some(pg) = std::env::var("DATABASE_URL")
        .ok()
        .and_then(|url| rt.block_on(postgis(&url)))
    {
        bench_store(c, &rt, "PostGIS", pg);
    }
}

criterion_group!(benches, owners);
criterion_main!(benches);
