//! The resilience queries on the generated county (`undermap-synth`, seed 42: about 217,000
//! features, of which 3,280 street centrelines, 160 resources and 3,280 incidents), through the
//! service over a GeoPackage store: `cargo bench -p undermap-service --bench resilience`.
//! Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use undermap_core::{ResourceType, View};
use undermap_crs::Crs;
use undermap_service::{HistoryRequest, HotspotsRequest, ResourcesRequest, Service, ServiceConfig};
use undermap_store::{Delivery, DeliveryMode, GpkgSrs, GpkgStore, Store};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let crs = Crs::epsg(4545).expect("EPSG:4545");
    let service = rt.block_on(async {
        let srs = GpkgSrs {
            srid: 4545,
            name: crs.title().to_owned(),
            wkt: crs.wkt().expect("wkt").to_owned(),
        };
        let store = GpkgStore::open(&dir.path().join("county.gpkg"), &srs)
            .await
            .expect("store");
        for layer in undermap_synth::LAYERS {
            let features =
                undermap_synth::layer(42, undermap_synth::Scale::County, layer).expect("generated");
            store
                .apply_delivery(Delivery {
                    layer: layer.parse().expect("layer"),
                    source_name: "bench".into(),
                    sha256: String::new(),
                    source_crs: "EPSG:4545".into(),
                    operation: "generated in the deployment CRS".into(),
                    mode: DeliveryMode::Full,
                    loaded_by: "bench".into(),
                    project_code: None,
                    features,
                    rejected_before_load: 0,
                })
                .await
                .expect("delivery");
        }
        let service = Service::new(Arc::new(store), ServiceConfig::new(crs.clone()));
        let n = service.reload().await.expect("reload");
        println!("county loaded: {n} features");
        service
    });
    let view = View::everything();
    // The middle of the town, in CRS84 (lon, lat).
    let centre = (108.9995, 28.4532);
    let history = HistoryRequest {
        point: centre,
        crs: None,
        radius_m: Some(500.0),
        since: None,
        until: None,
        types: None,
        limit: None,
    };
    let found = service
        .emergency()
        .nearby_history(&history, &view)
        .expect("history");
    println!("nearby history (500 m): {} incidents", found.total);
    c.bench_function("nearby-history 500 m", |b| {
        b.iter(|| {
            black_box(
                service
                    .emergency()
                    .nearby_history(&history, &view)
                    .expect("history")
                    .total,
            )
        });
    });

    let resources = ResourcesRequest {
        point: centre,
        crs: None,
        resource_type: Some(ResourceType::Pump),
        k: Some(5),
    };
    // The first call builds every network graph (streets included); time it once.
    let started = std::time::Instant::now();
    let r = rt
        .block_on(service.emergency().nearest_resources(&resources, &view))
        .expect("resources");
    println!(
        "graphs built and first resources query: {:.0} ms; {} by street",
        started.elapsed().as_secs_f64() * 1000.0,
        r.by_street.map_or(0, |v| v.len())
    );
    c.bench_function("resources/nearest pump k=5 (straight + street)", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(service.emergency().nearest_resources(&resources, &view))
                    .expect("resources")
                    .straight_line
                    .len(),
            )
        });
    });

    let hotspots = HotspotsRequest::default();
    let h = service
        .emergency()
        .hotspots(&hotspots, &view)
        .expect("hotspots");
    println!(
        "hotspots: {} of {} incidents considered; top score {}",
        h.total,
        h.incidents_considered,
        h.hotspots.first().map_or(0, |s| s.score)
    );
    c.bench_function("risk/hotspots (whole county)", |b| {
        b.iter(|| {
            black_box(
                service
                    .emergency()
                    .hotspots(&hotspots, &view)
                    .expect("hotspots")
                    .total,
            )
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
