//! Listing and searching the project archive on 50,000 generated projects
//! (`undermap::generated_projects`, as `undermap demo-data --projects 50000` registers them),
//! through the service, on a GeoPackage store and — when `DATABASE_URL` names a PostgreSQL
//! server — on a fresh PostGIS database: `cargo bench -p undermap --bench archive`.
//! Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use undermap_crs::Crs;
use undermap_service::{ProjectsQuery, Scope, Service, ServiceConfig};
use undermap_store::{GpkgSrs, GpkgStore, Store};

const PROJECTS: usize = 50_000;

async fn postgis(url: &str) -> Option<Arc<dyn Store>> {
    let (store, _) = common::fresh_postgis(url, "undermap_bench_archive").await?;
    Some(Arc::new(store))
}

fn queries(unit: &str) -> Vec<(&'static str, ProjectsQuery)> {
    let q = |f: &dyn Fn(&mut ProjectsQuery)| {
        let mut query = ProjectsQuery::default();
        f(&mut query);
        query
    };
    vec![
        ("first page (100)", q(&|_| {})),
        (
            "name contains 给水 (common)",
            q(&|q| q.q = Some("给水".into())),
        ),
        (
            "name contains 机场 (two characters, none)",
            q(&|q| q.q = Some("机场".into())),
        ),
        (
            "name contains 桥 (one character)",
            q(&|q| q.q = Some("桥".into())),
        ),
        (
            "name contains 石耶路人行天桥新建第7 (rare)",
            q(&|q| q.q = Some("石耶路人行天桥新建第7".into())),
        ),
        ("one unit", q(&|q| q.unit = Some(unit.to_owned()))),
        (
            "bbox 1 km²",
            q(&|q| {
                // EPSG:4545 is northing, easting.
                q.bbox = Some("3149000,597000,3150000,598000".into());
                q.bbox_crs = Some("EPSG:4545".into());
            }),
        ),
        (
            "status registered, page after",
            q(&|q| {
                q.status = Some("registered".into());
                q.after = Some("2022-500241-48-01-025000".into());
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let crs = Crs::epsg(4545).expect("EPSG:4545");
    let mut stores: Vec<(&str, Arc<dyn Store>)> = Vec::new();
    rt.block_on(async {
        let srs = GpkgSrs {
            srid: 4545,
            name: crs.title().to_owned(),
            wkt: crs.wkt().expect("wkt").to_owned(),
        };
        let gpkg = GpkgStore::open(&dir.path().join("archive.gpkg"), &srs)
            .await
            .expect("store");
        stores.push(("geopackage", Arc::new(gpkg)));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if let Some(pg) = postgis(&url).await {
                stores.push(("postgis", pg));
            }
        }
    });
    let projects = undermap::generated_projects(42, PROJECTS, (597_000.0, 3_149_000.0));
    for (name, store) in stores {
        let started = std::time::Instant::now();
        rt.block_on(undermap::register_generated(store.as_ref(), &projects))
            .expect("registered");
        eprintln!(
            "{name}: {PROJECTS} projects registered in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let service = Service::new(store, ServiceConfig::new(crs.clone()));
        // One project in ten under construction: the overdue list reads their events.
        let started = std::time::Instant::now();
        rt.block_on(under_construction(&service, &projects));
        eprintln!(
            "{name}: {} projects under construction in {:.1} s",
            PROJECTS / 10,
            started.elapsed().as_secs_f64()
        );
        let mut group = c.benchmark_group(format!("archive list, {PROJECTS} projects, {name}"));
        let on = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day");
        let overdue = rt
            .block_on(service.archive().overdue(&Scope::All, Some(on)))
            .expect("overdue");
        eprintln!("{name} overdue on {on}: {} projects", overdue.len());
        group.bench_function("overdue projects (5,000 under construction)", |b| {
            b.iter(|| {
                rt.block_on(service.archive().overdue(&Scope::All, black_box(Some(on))))
                    .expect("overdue")
            });
        });
        for (label, query) in queries(projects[0].unit_code.as_str()) {
            let found = rt
                .block_on(service.archive().list(query.clone(), &Scope::All))
                .expect("listed");
            eprintln!("{name} {label}: {} projects", found.projects.len());
            group.bench_function(label, |b| {
                b.iter(|| {
                    rt.block_on(
                        service
                            .archive()
                            .list(black_box(query.clone()), &Scope::All),
                    )
                    .expect("listed")
                });
            });
        }
        let code = projects[PROJECTS / 2].code.to_string();
        group.bench_function("one project's page", |b| {
            b.iter(|| {
                rt.block_on(service.archive().page(black_box(&code), &Scope::All, None))
                    .expect("page")
            });
        });
        // What an excavation check adds: the projects its area touches.
        let dig = geo::MultiPolygon::new(vec![geo::Rect::new(
            geo::coord! { x: 597_000.0, y: 3_149_000.0 },
            geo::coord! { x: 597_100.0, y: 3_149_100.0 },
        )
        .to_polygon()]);
        let touched = rt
            .block_on(service.archive().touching(&dig, 1.0, None))
            .expect("touching");
        eprintln!("{name} a 100 m dig touches {} projects", touched.len());
        group.bench_function("projects a 100 m dig touches", |b| {
            b.iter(|| {
                rt.block_on(service.archive().touching(black_box(&dig), 1.0, None))
                    .expect("touching")
            });
        });
        group.finish();
    }
}

/// Puts one project in ten under construction (notice, then start), ten at a time.
async fn under_construction(service: &Service, projects: &[undermap_store::NewProject]) {
    let archive = service.archive();
    for chunk in projects.iter().step_by(10).collect::<Vec<_>>().chunks(10) {
        let records = chunk.iter().map(|p| async move {
            let code = p.code.to_string();
            archive
                .record_event(
                    &code,
                    serde_json::json!({"type": "notice_issued", "date": "2025-03-01", "scope": "全部"}),
                    None,
                )
                .await?;
            archive
                .record_event(
                    &code,
                    serde_json::json!({"type": "construction_started", "date": "2025-03-10"}),
                    None,
                )
                .await
        });
        for done in futures_util::future::join_all(records).await {
            done.expect("events recorded");
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
