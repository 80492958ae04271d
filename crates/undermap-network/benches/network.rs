//! Network build and isolation trace on the generated county (`undermap-synth`, seed 42):
//! `cargo bench -p undermap-network`. Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use undermap_core::FeatureKind;
use undermap_network::{BuildOptions, Network, Router};

fn bench(c: &mut Criterion) {
    // The city (about 5 M features in all) only when asked: generating it takes minutes.
    let runs: Vec<(&str, undermap_synth::Scale)> =
        if std::env::var_os("UNDERMAP_BENCH_CITY").is_some() {
            vec![("gas", undermap_synth::Scale::City)]
        } else {
            vec![
                ("water", undermap_synth::Scale::County),
                ("gas", undermap_synth::Scale::County),
            ]
        };
    for (layer, scale) in runs {
        let features = undermap_synth::layer(42, scale, layer).expect("generated");
        let id = layer.parse().expect("layer");
        c.bench_function(
            &format!("build {layer} ({} features)", features.len()),
            |b| {
                b.iter(|| {
                    black_box(
                        Network::build(&id, &features, BuildOptions::default())
                            .edges()
                            .len(),
                    )
                });
            },
        );
        let net = Network::build(&id, &features, BuildOptions::default());
        let q = net.quality();
        println!(
            "{layer}: {} nodes, {} edges, {} components, {} findings, {:.1} km",
            q.nodes,
            q.edges,
            q.components,
            q.findings.len(),
            q.length_m / 1000.0
        );
        // Breaks on mains spread over the town.
        let mains: Vec<u32> = net
            .edges()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == FeatureKind::Pipe)
            .map(|(i, _)| u32::try_from(i).expect("edge id"))
            .step_by(97)
            .collect();
        let probe = net.isolate(mains[mains.len() / 2]);
        println!(
            "{layer}: a break closes {} valves, isolates {} edges ({:.0} m), leaves {} unfed, {} consumers, supply known: {}",
            probe.close.len(),
            probe.isolated.len(),
            probe.isolated_length_m,
            probe.unfed.len(),
            probe.consumers.len(),
            probe.supply_known
        );
        let mut k = 0;
        c.bench_function(&format!("isolate {layer}"), |b| {
            b.iter(|| {
                k = (k + 1) % mains.len();
                black_box(net.isolate(mains[k]).close.len())
            });
        });
    }
    streets(c);
}

/// Distances along the county's street centrelines: from one place to 50 resources spread over
/// the town, the search the nearest-resources query makes.
fn streets(c: &mut Criterion) {
    let scale = if std::env::var_os("UNDERMAP_BENCH_CITY").is_some() {
        undermap_synth::Scale::City
    } else {
        undermap_synth::Scale::County
    };
    let features = undermap_synth::layer(42, scale, "streets").expect("generated");
    let id = "streets".parse().expect("layer");
    let router = Router::new(Network::build(&id, &features, BuildOptions::default()));
    let nodes = router.network().nodes();
    let (min, max) = nodes.iter().fold((nodes[0], nodes[0]), |(lo, hi), p| {
        (
            geo::Coord {
                x: lo.x.min(p.x),
                y: lo.y.min(p.y),
            },
            geo::Coord {
                x: hi.x.max(p.x),
                y: hi.y.max(p.y),
            },
        )
    });
    let at = |fx: f64, fy: f64| geo::Coord {
        x: min.x + fx * (max.x - min.x),
        y: min.y + fy * (max.y - min.y),
    };
    let from = router.join(at(0.5, 0.5), 500.0).expect("joins");
    let targets: Vec<_> = (0..50)
        .filter_map(|i| {
            router.join(
                at(f64::from(i % 7) / 7.0 + 0.05, f64::from(i / 7) / 8.0 + 0.05),
                500.0,
            )
        })
        .collect();
    println!(
        "streets: {} features, {} edges, {} targets",
        features.len(),
        router.network().edges().len(),
        targets.len()
    );
    c.bench_function(
        &format!("streets: route to {} places", targets.len()),
        |b| {
            b.iter(|| black_box(router.lengths(from, &targets).len()));
        },
    );
    c.bench_function("streets: join a place", |b| {
        b.iter(|| black_box(router.join(at(0.31, 0.67), 500.0)));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
