//! Excavation check and index build on 1,000,000 synthetic features spread over 10 × 10 km
//! (10,000 features per km², a dense city centre): pipes of 5–60 m in four layers and point
//! facilities. Figures are recorded in docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{polygon, Geometry, LineString, MultiPolygon, Point};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use undermap_core::{
    Accuracy, AreaLimits, Depth, ExcavationArea, Feature, FeatureAttributes, FeatureKind,
    LayerCategory, LayerInfo, RiskPolicy,
};
use undermap_index::{CheckQuery, MapIndex};

const LAYERS: [&str; 4] = ["water", "power", "gas", "drainage"];
const SIDE_M: f64 = 10_000.0;
const ORIGIN: (f64, f64) = (590_000.0, 3_140_000.0);

fn synthetic(n: usize, seed: u64) -> (Vec<LayerInfo>, Vec<Feature>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let layers = LAYERS
        .iter()
        .map(|id| LayerInfo {
            id: id.parse().unwrap(),
            title: (*id).into(),
            category: LayerCategory::Network,
        })
        .collect();
    let features = (0..n)
        .map(|i| {
            let x = ORIGIN.0 + rng.gen_range(0.0..SIDE_M);
            let y = ORIGIN.1 + rng.gen_range(0.0..SIDE_M);
            let (kind, geometry): (FeatureKind, Geometry<f64>) = if rng.gen_bool(0.7) {
                let len = rng.gen_range(5.0..60.0);
                let (dx, dy) = if rng.gen_bool(0.5) {
                    (len, 0.0)
                } else {
                    (0.0, len)
                };
                (
                    FeatureKind::Pipe,
                    LineString::from(vec![(x, y), (x + dx, y + dy)]).into(),
                )
            } else {
                (FeatureKind::Valve, Point::new(x, y).into())
            };
            Feature::new(
                format!("s-{i}").parse().unwrap(),
                LAYERS[i % LAYERS.len()].parse().unwrap(),
                kind,
                geometry,
                FeatureAttributes {
                    depth_top_m: Some(Depth::new(rng.gen_range(0.5..3.0)).unwrap()),
                    accuracy_h_m: Some(Accuracy::new(rng.gen_range(0.05..1.5)).unwrap()),
                    accuracy_v_m: Some(Accuracy::new(0.2).unwrap()),
                    ..FeatureAttributes::default()
                },
                DateTime::UNIX_EPOCH,
            )
            .unwrap()
        })
        .collect();
    (layers, features)
}

fn benches(c: &mut Criterion) {
    let (layers, features) = synthetic(1_000_000, 7);
    let mut group = c.benchmark_group("index_1m");
    group.sample_size(10);
    group.bench_function("build", |b| {
        b.iter_batched(
            || (layers.clone(), features.clone()),
            |(l, f)| MapIndex::build(l, f, DateTime::UNIX_EPOCH),
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();

    let index = MapIndex::build(layers, features, DateTime::UNIX_EPOCH);
    eprintln!(
        "tree bytes: {} for {} features = {:.1} bytes/feature",
        index.tree_bytes(),
        index.len(),
        index.tree_bytes() as f64 / index.len() as f64
    );
    let mut rng = StdRng::seed_from_u64(11);
    let areas: Vec<ExcavationArea> = (0..256)
        .map(|_| {
            let x = ORIGIN.0 + rng.gen_range(0.0..SIDE_M - 100.0);
            let y = ORIGIN.1 + rng.gen_range(0.0..SIDE_M - 100.0);
            let square = polygon![(x: x, y: y), (x: x + 100.0, y: y), (x: x + 100.0, y: y + 100.0), (x: x, y: y + 100.0)];
            ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap()
        })
        .collect();
    let mut i = 0;
    let mut hits = 0usize;
    c.bench_function("excavation_check_100m_square_1m_buffer_1m_features", |b| {
        b.iter(|| {
            let area = &areas[i % areas.len()];
            i += 1;
            let q = CheckQuery {
                area,
                buffer_m: 1.0,
                layers: None,
                dig_depth_m: Some(1.5),
                policy: RiskPolicy::default(),
                unknown_accuracy_m: 1.0,
            };
            let found = index.check(black_box(&q));
            hits += found.len();
            black_box(found.len())
        });
    });
    eprintln!("mean hits per check: {:.1}", hits as f64 / i.max(1) as f64);
}

/// The same check on the generated county (`undermap demo-data --scale county`): a real street
/// grid with five networks, service connections and planning polygons.
fn county(c: &mut Criterion) {
    let features = undermap_synth::all_layers(42, undermap_synth::Scale::County).unwrap();
    let index = MapIndex::build(
        undermap_synth::layer_infos(),
        features,
        DateTime::UNIX_EPOCH,
    );
    let bounds = index.joint_extent(|_| true).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let areas: Vec<ExcavationArea> = (0..256)
        .map(|_| {
            let x = rng.gen_range(bounds.min().x..bounds.max().x - 100.0);
            let y = rng.gen_range(bounds.min().y..bounds.max().y - 100.0);
            let square = polygon![(x: x, y: y), (x: x + 100.0, y: y), (x: x + 100.0, y: y + 100.0), (x: x, y: y + 100.0)];
            ExcavationArea::new(MultiPolygon(vec![square]), &AreaLimits::default()).unwrap()
        })
        .collect();
    let mut i = 0;
    c.bench_function("excavation_check_100m_square_county_187k", |b| {
        b.iter(|| {
            let q = CheckQuery {
                area: &areas[i % areas.len()],
                buffer_m: 1.0,
                layers: None,
                dig_depth_m: Some(1.5),
                policy: RiskPolicy::default(),
                unknown_accuracy_m: 1.0,
            };
            i += 1;
            black_box(index.check(black_box(&q)).len())
        });
    });
}

criterion_group!(group, benches, county);
criterion_main!(group);
