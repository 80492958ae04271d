//! The archive search (`GET /v1/archive/search`) on 50,000 generated projects and 500,000 file
//! records (ten per project: a title of its file category's name, the project's name and a
//! volume number), through the service, on a GeoPackage store and — when `DATABASE_URL` names a
//! PostgreSQL server — on a fresh PostGIS database: `cargo bench -p undermap --bench search`.
//! The file records are written with one `INSERT … SELECT` per store (their bytes are not
//! needed to search). Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use undermap_core::View;
use undermap_crs::Crs;
use undermap_service::{Reader, Scope, SearchQuery, Service, ServiceConfig};
use undermap_store::{GpkgSrs, GpkgStore, Store};

const PROJECTS: usize = 50_000;
const FILES_PER_PROJECT: usize = 10;

/// Ten files per project, titled as an archive titles them. `{hash}` is the backend's
/// expression of a 64-digit hex text from the row's number `n`.
const FILES: &str = "INSERT INTO project_files (project_code, sha256, size, media_type, \
     category, title, file_name, date, uploaded_by, uploaded_at) \
     SELECT p.code, {hash}, 1000, 'application/pdf', c.code, c.name || '—' || p.name || \
     '第' || v.n || '册', c.code || '.pdf', p.permit_date, 'bench', p.registered_at \
     FROM projects p, ({categories}) c, ({volumes}) v WHERE v.n <= 1 OR c.code = 'as_built_drawings'";

fn categories() -> String {
    [
        ("approval_documents", "立项文件"),
        ("construction_permit", "施工许可文件"),
        ("construction_records", "施工记录"),
        ("hidden_works_records", "隐蔽工程验收记录"),
        ("test_reports", "施工试验记录及检测报告"),
        ("as_built_drawings", "竣工图"),
        ("completion_acceptance_report", "工程竣工验收报告"),
    ]
    .iter()
    .map(|(code, name)| format!("SELECT '{code}' AS code, '{name}' AS name"))
    .collect::<Vec<_>>()
    .join(" UNION ALL ")
}

fn volumes() -> String {
    // Six categories with one volume and as-built drawings in four: ten files a project.
    (1..=4)
        .map(|n| format!("SELECT {n} AS n"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

fn files_sql(hash: &str) -> String {
    FILES
        .replace("{hash}", hash)
        .replace("{categories}", &categories())
        .replace("{volumes}", &volumes())
}

async fn postgis(url: &str) -> Option<(Arc<dyn Store>, String)> {
    let (store, db) = common::fresh_postgis(url, "undermap_bench_search").await?;
    Some((Arc::new(store), db))
}

async fn add_files_pg(db: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(db).await.expect("connect");
    let hash = "lpad(to_hex(hashtext(p.code || c.code || v.n)::bigint & 4294967295) || \
                to_hex(row_number() OVER ()), 64, '0')";
    sqlx::query(&files_sql(hash))
        .execute(&mut c)
        .await
        .expect("file records");
    sqlx::query("ANALYZE project_files")
        .execute(&mut c)
        .await
        .expect("analyse");
}

async fn add_files_gpkg(path: &std::path::Path) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    let hash = "printf('%064x', p.rowid * 100 + length(c.code) * 5 + v.n)";
    sqlx::query(&files_sql(hash))
        .execute(&mut c)
        .await
        .expect("file records");
}

fn queries() -> Vec<(&'static str, SearchQuery)> {
    let q = |f: &dyn Fn(&mut SearchQuery)| {
        let mut query = SearchQuery::default();
        f(&mut query);
        query
    };
    vec![
        (
            "给水 (two characters, common)",
            q(&|q| q.q = Some("给水".into())),
        ),
        (
            "竣工图 (three, 200,000 files)",
            q(&|q| q.q = Some("竣工图".into())),
        ),
        (
            "石耶路人行天桥新建第7 (rare)",
            q(&|q| q.q = Some("石耶路人行天桥新建第7".into())),
        ),
        ("机场路 (none)", q(&|q| q.q = Some("机场路".into()))),
        (
            "竣工图 in one category, files only",
            q(&|q| {
                q.q = Some("竣工图".into());
                q.category = Some("as_built_drawings".into());
                q.kind = Some("file".into());
            }),
        ),
        (
            "施工 within 1 km²",
            q(&|q| {
                q.q = Some("施工".into());
                // EPSG:4545 is northing, easting.
                q.bbox = Some("3149000,597000,3150000,598000".into());
                q.bbox_crs = Some("EPSG:4545".into());
            }),
        ),
        (
            "检测报告 in 2021",
            q(&|q| {
                q.q = Some("检测报告".into());
                q.from = chrono::NaiveDate::from_ymd_opt(2021, 1, 1);
                q.to = chrono::NaiveDate::from_ymd_opt(2021, 12, 31);
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let crs = Crs::epsg(4545).expect("EPSG:4545");
    let path = dir.path().join("search.gpkg");
    let mut stores: Vec<(&str, Arc<dyn Store>, Option<String>)> = Vec::new();
    rt.block_on(async {
        let srs = GpkgSrs {
            srid: 4545,
            name: crs.title().to_owned(),
            wkt: crs.wkt().expect("wkt").to_owned(),
        };
        let gpkg = GpkgStore::open(&path, &srs).await.expect("store");
        stores.push(("geopackage", Arc::new(gpkg), None));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if let Some((pg, db)) = postgis(&url).await {
                stores.push(("postgis", pg, Some(db)));
            }
        }
    });
    let projects = undermap::generated_projects(42, PROJECTS, (597_000.0, 3_149_000.0));
    let reader = Reader {
        scope: Some(Scope::All),
        keeper: true,
        history: true,
    };
    let view = View::everything();
    for (name, store, db) in stores {
        let started = std::time::Instant::now();
        rt.block_on(undermap::register_generated(store.as_ref(), &projects))
            .expect("registered");
        match &db {
            Some(db) => rt.block_on(add_files_pg(db)),
            None => rt.block_on(add_files_gpkg(&path)),
        }
        eprintln!(
            "{name}: {PROJECTS} projects and {} file records in {:.1} s",
            PROJECTS * FILES_PER_PROJECT,
            started.elapsed().as_secs_f64()
        );
        let service = Service::new(store, ServiceConfig::new(crs.clone()));
        let mut group = c.benchmark_group(format!(
            "archive search, {PROJECTS} projects, {} files, {name}",
            PROJECTS * FILES_PER_PROJECT
        ));
        for (label, query) in queries() {
            let found = rt
                .block_on(service.search().run(&query, &reader, &view))
                .expect("searched");
            eprintln!(
                "{name} {label}: {} hits{}",
                found.total,
                if found.total_is_exact { "" } else { " or more" }
            );
            group.bench_function(label, |b| {
                b.iter(|| {
                    rt.block_on(service.search().run(black_box(&query), &reader, &view))
                        .expect("searched")
                });
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
