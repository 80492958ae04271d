//! The clearance check (`POST /v1/clearance-checks`) of a 2 km planned sewer through the
//! generated county town (216,508 features): 16 routes, each along a street 1.5 m beside its
//! water main for 2 km, crossing the cross streets' mains every 150 m. Measured through the
//! service on a GeoPackage store (parse, reproject, judge, write, sign, store) and for the
//! judging alone (the index's candidates and `undermap_clearance::check`):
//! `cargo bench -p undermap --bench clearance`. Figures go to docs/performance.md.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use geo::{BoundingRect, Coord};
use serde_json::json;
use undermap_core::{FeatureKind, View};
use undermap_crs::Crs;
use undermap_service::{ClearanceRequest, Service, ServiceConfig};
use undermap_store::{GpkgSrs, GpkgStore, Store};

/// Loads the county into `store`; the routes: along 16 water mains' streets, 1 km either side of
/// each main's middle, 1.5 m to its side, a vertex every 100 m.
async fn load(store: &dyn Store) -> Vec<Vec<Coord<f64>>> {
    let mut routes = Vec::new();
    common::deliver_county(store, "clearance bench county", |layer, features| {
        if layer == "water" {
            let mains: Vec<_> = features
                .iter()
                .filter(|f| {
                    f.kind == FeatureKind::Pipe && f.attrs.diameter_mm.unwrap_or(0.0) >= 200.0
                })
                .collect();
            let step = (mains.len() / 16).max(1);
            for f in mains.iter().step_by(step).take(16) {
                let geo::Geometry::LineString(l) = &f.geometry else {
                    continue;
                };
                let (a, b) = (l.0[0], l.0[l.0.len() - 1]);
                let len = (b.x - a.x).hypot(b.y - a.y);
                let (ux, uy) = ((b.x - a.x) / len, (b.y - a.y) / len);
                let c = f
                    .geometry
                    .bounding_rect()
                    .expect("a main has a box")
                    .center();
                let (ox, oy) = (c.x - uy * 1.5, c.y + ux * 1.5);
                routes.push(
                    (-10..=10)
                        .map(|k| {
                            let d = f64::from(k) * 100.0;
                            Coord {
                                x: ox + ux * d,
                                y: oy + uy * d,
                            }
                        })
                        .collect(),
                );
            }
        }
    })
    .await;
    routes
}

fn request(route: &[Coord<f64>]) -> ClearanceRequest {
    // EPSG:4545 is northing first.
    let coords: Vec<[f64; 2]> = route.iter().map(|c| [c.y, c.x]).collect();
    serde_json::from_value(json!({
        "route": {"type": "LineString", "coordinates": coords},
        "crs": "EPSG:4545", "type": "sewer", "diameter_mm": 600, "depth_top_m": 2.5
    }))
    .expect("a request")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let crs = Crs::epsg(4545).expect("EPSG:4545");
    let (service, routes) = rt.block_on(async {
        let srs = GpkgSrs {
            srid: 4545,
            name: crs.title().to_owned(),
            wkt: crs.wkt().unwrap_or_default().to_owned(),
        };
        let store = GpkgStore::open(&dir.path().join("county.gpkg"), &srs)
            .await
            .expect("GeoPackage");
        let routes = load(&store).await;
        let service = Service::new(Arc::new(store), ServiceConfig::new(crs.clone()));
        service.reload().await.expect("index");
        (service, routes)
    });
    let view = View::everything();
    let mut listed = 0usize;
    let mut runs = 0usize;
    let mut i = 0;
    c.bench_function("clearance_check_2km_county_service_gpkg", |b| {
        b.iter(|| {
            let route = &routes[i % routes.len()];
            i += 1;
            let issued = rt
                .block_on(
                    service
                        .clearance()
                        .check(request(route), &view, Some("bench")),
                )
                .expect("a report");
            listed += issued.features;
            runs += 1;
            black_box(issued.body.len())
        });
    });
    eprintln!(
        "{} routes, {:.1} features listed per report",
        routes.len(),
        listed as f64 / runs.max(1) as f64
    );

    // The judging alone: candidates from the index, then the check.
    let index = service.index().snapshot();
    let table = undermap_clearance::ClearanceTable::builtin();
    let planned: Vec<undermap_clearance::PlannedRoute> = routes
        .iter()
        .map(|r| {
            undermap_clearance::PlannedRoute::new(
                undermap_clearance::PlannedLine {
                    planned_type: undermap_clearance::PlannedType::Sewer,
                    diameter_mm: Some(600.0),
                    section: None,
                    pressure: None,
                    voltage_kv: None,
                },
                geo::LineString(r.clone()),
                &[2.5],
            )
            .expect("a route")
        })
        .collect();
    let mut j = 0;
    c.bench_function("clearance_judging_2km_county", |b| {
        b.iter(|| {
            let route = &planned[j % planned.len()];
            j += 1;
            let radius = undermap_clearance::search_radius_m(route, &table);
            let mut seen = std::collections::HashSet::new();
            let candidates: Vec<_> = route
                .geometry()
                .0
                .windows(2)
                .flat_map(|w| {
                    let r = geo::Rect::new(w[0], w[1]);
                    index.in_envelope(geo::Rect::new(
                        Coord {
                            x: r.min().x - radius,
                            y: r.min().y - radius,
                        },
                        Coord {
                            x: r.max().x + radius,
                            y: r.max().y + radius,
                        },
                    ))
                })
                .filter(|f| seen.insert(std::ptr::from_ref(*f)))
                .collect();
            black_box(undermap_clearance::check(route, &table, candidates).len())
        });
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(group);
