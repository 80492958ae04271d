//! Vector tiles on the generated county (211,428 features): uncached z16 and z14 tiles over the
//! town centre, and a cached z16 tile. Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use undermap_core::View;
use undermap_crs::Crs;
use undermap_index::MapIndex;
use undermap_tiles::{Selection, TileId, TileRenderer, TileService};

fn county() -> MapIndex {
    let features = undermap_synth::all_layers(42, undermap_synth::Scale::County).unwrap();
    MapIndex::build(
        undermap_synth::layer_infos(),
        features,
        DateTime::UNIX_EPOCH,
    )
}

/// The tile at zoom `z` holding 108.99 E, 28.45 N (the town centre).
fn centre(z: u8) -> TileId {
    TileId::containing(108.99, 28.45, u32::from(z)).unwrap()
}

fn bench(c: &mut Criterion) {
    let index = county();
    let gk = Crs::epsg(4545).unwrap();
    let renderer = TileRenderer::new(&gk).unwrap();
    let mut g = c.benchmark_group("tiles_county");
    for z in [16_u8, 14] {
        let t = centre(z);
        g.bench_function(format!("all_z{z}_uncached"), |b| {
            b.iter(|| {
                black_box(
                    renderer
                        .render(&index, &Selection::All, t, &View::everything())
                        .unwrap()
                        .len(),
                )
            });
        });
    }
    let service = TileService::new(&gk, 64 << 20).unwrap();
    let t = centre(16);
    service
        .tile(&index, &Selection::All, t, &View::everything())
        .unwrap();
    g.bench_function("all_z16_cached", |b| {
        b.iter(|| {
            black_box(
                service
                    .tile(&index, &Selection::All, t, &View::everything())
                    .unwrap()
                    .1,
            )
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
