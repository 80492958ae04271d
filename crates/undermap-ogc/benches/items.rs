//! OGC items on the generated county (211,428 features): one page of 1,000 water features
//! selected and written as GeoJSON in CRS84, a bbox page, a CQL2 filter page, and a full
//! collection walked in pages of 10,000. Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use undermap_core::LayerId;
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_ogc::items::{page, ItemsRequest};
use undermap_ogc::{params, write};

fn county() -> MapIndex {
    let features = undermap_synth::all_layers(42, undermap_synth::Scale::County).unwrap();
    MapIndex::build(
        undermap_synth::layer_infos(),
        features,
        DateTime::UNIX_EPOCH,
    )
}

fn bench(c: &mut Criterion) {
    let index = county();
    let gk = Crs::epsg(4545).unwrap();
    let to_lonlat = Transformer::new(&gk.gis_order(), &Crs::crs84()).unwrap();
    let water: LayerId = "water".parse().unwrap();
    let run = |req: &ItemsRequest| {
        let p = page(&index, &water, req);
        let mut out = Vec::with_capacity(1 << 20);
        write::collection(
            &mut out,
            p.features.iter().copied(),
            &to_lonlat,
            p.number_matched,
            DateTime::UNIX_EPOCH,
            &[],
        )
        .unwrap();
        out.len()
    };
    let mut g = c.benchmark_group("ogc_items_county");
    g.throughput(Throughput::Elements(1000));
    let plain = ItemsRequest {
        limit: 1000,
        ..ItemsRequest::default()
    };
    g.bench_function("page_1000_crs84", |b| b.iter(|| black_box(run(&plain))));
    let q = |s: &str| -> Vec<(String, String)> {
        s.split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    };
    let filtered = params::items(
        &q("limit=1000&filter=material = 'PE' OR diameter_mm >= 300"),
        &gk,
    )
    .unwrap()
    .request;
    g.bench_function("page_1000_cql2_filter", |b| {
        b.iter(|| black_box(run(&filtered)));
    });
    let boxed = params::items(&q("limit=1000&bbox=108.97,28.43,109.01,28.47"), &gk)
        .unwrap()
        .request;
    g.bench_function("page_1000_bbox", |b| b.iter(|| black_box(run(&boxed))));
    g.finish();
    let count = index.layer_stats_of(&water).unwrap().count as u64;
    let mut g = c.benchmark_group("ogc_collection_download_county");
    g.throughput(Throughput::Elements(count));
    g.sample_size(10);
    g.bench_function("water_all_pages_of_10000", |b| {
        b.iter(|| {
            let mut req = ItemsRequest {
                limit: 10_000,
                ..ItemsRequest::default()
            };
            let mut bytes = 0;
            loop {
                let p = page(&index, &water, &req);
                let mut out = Vec::with_capacity(8 << 20);
                write::collection(
                    &mut out,
                    p.features.iter().copied(),
                    &to_lonlat,
                    None,
                    DateTime::UNIX_EPOCH,
                    &[],
                )
                .unwrap();
                bytes += out.len();
                match p.next {
                    Some(c) => req.cursor = Some(c),
                    None => break,
                }
            }
            black_box(bytes)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
