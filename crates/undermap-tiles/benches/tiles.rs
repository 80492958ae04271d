//! Vector tiles on the generated county (211,428 features): uncached z16 and z14 tiles over the
//! town centre, and a cached z16 tile. Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use undermap_core::{LayerCategory, LayerInfo};
use undermap_crs::Crs;
use undermap_index::MapIndex;
use undermap_tiles::{Selection, TileId, TileRenderer, TileService};

fn county() -> MapIndex {
    let layers = undermap_synth::LAYERS
        .iter()
        .map(|id| LayerInfo {
            id: id.parse().unwrap(),
            title: (*id).into(),
            category: if *id == "planning" {
                LayerCategory::Planning
            } else {
                LayerCategory::Network
            },
        })
        .collect();
    let features = undermap_synth::LAYERS
        .iter()
        .flat_map(|l| undermap_synth::layer(42, undermap_synth::Scale::County, l).unwrap())
        .collect();
    MapIndex::build(layers, features, DateTime::UNIX_EPOCH)
}

/// The tile at zoom `z` holding 108.99 E, 28.45 N (the town centre).
fn centre(z: u8) -> TileId {
    let n = f64::from(1_u32 << z);
    let x = ((108.99 + 180.0) / 360.0 * n).floor();
    let lat = 28.45_f64.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    TileId::new(u32::from(z), x as u32, y as u32).unwrap()
}

fn bench(c: &mut Criterion) {
    let index = county();
    let gk = Crs::epsg(4545).unwrap();
    let renderer = TileRenderer::new(&gk).unwrap();
    let mut g = c.benchmark_group("tiles_county");
    for z in [16_u8, 14] {
        let t = centre(z);
        g.bench_function(format!("all_z{z}_uncached"), |b| {
            b.iter(|| black_box(renderer.render(&index, &Selection::All, t).unwrap().len()));
        });
    }
    let service = TileService::new(&gk, 64 << 20).unwrap();
    let t = centre(16);
    service.tile(&index, &Selection::All, t).unwrap();
    g.bench_function("all_z16_cached", |b| {
        b.iter(|| black_box(service.tile(&index, &Selection::All, t).unwrap().1));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
