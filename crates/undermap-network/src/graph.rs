//! Building the graph of one network layer from its features.
//!
//! Line features (pipes, cables, ducts, service connections) become edges; their ends become
//! nodes, snapped together within a tolerance. A line end or a facility that lies on another
//! line's interior splits that line there (a service connection tapped into a main, a valve set
//! into a pipe), so the graph has a node at every junction. Facilities (valves, regulators,
//! switches, transformers, manholes, stations…) sit on the node they are within tolerance of.
//!
//! A valve closes one pipe, not a junction: a valve digitised a few millimetres from a tee sits
//! on the tee's node but closes only the branch it lies on ([`Facility::closes`]).

use std::collections::HashMap;

use geo::{Coord, Euclidean, Geometry, Length, LineString};
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use undermap_core::{Feature, FeatureId, FeatureKind, LayerId};

/// How the graph is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildOptions {
    /// Ends and facilities closer than this are one node, metres (default 0.1).
    pub tolerance_m: f64,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { tolerance_m: 0.1 }
    }
}

/// A node: a junction, an end, or the place of a facility on a line.
pub type NodeId = u32;
/// An edge: one piece of a line feature between two nodes.
pub type EdgeId = u32;

/// One piece of a line feature between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The line feature it is part of.
    pub feature: FeatureId,
    /// Its kind (pipe, cable, service connection…).
    pub kind: FeatureKind,
    /// Node at the start, in digitised direction.
    pub from: NodeId,
    /// Node at the end.
    pub to: NodeId,
    /// Length, metres.
    pub length_m: f64,
    /// Its line, in the deployment CRS.
    pub coords: Vec<Coord<f64>>,
    /// For a service connection: the consumer's class (`consumer_class`: hospital, school,
    /// residential, industry…), if recorded.
    pub consumer_class: Option<String>,
    /// Flow runs against the digitised direction: the line's recorded invert elevations
    /// (`invert_start_m`, `invert_end_m`) fall from its end to its start.
    pub against_digitised: bool,
}

/// A point feature and the node it sits on, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// The feature.
    pub feature: FeatureId,
    /// Its kind.
    pub kind: FeatureKind,
    /// Where it is.
    pub at: Coord<f64>,
    /// The node within tolerance, if there is one.
    pub node: Option<NodeId>,
    /// For a valve or switch: whether it can be operated (`operable: false` or an abandoned
    /// status says it cannot).
    pub operable: bool,
    /// Whether it feeds the network: a station, regulator or transformer, or `source: true`.
    pub source: bool,
    /// For a valve or switch on a node: the line piece it closes there. On a node of one or two
    /// pieces, one of them (closing either parts them). On a junction of three or more: the
    /// piece it lies on when it is off the node, else the one its `on_pipe` attribute names;
    /// `None` when nothing tells (a valve exactly on a tee without `on_pipe`): such a valve is
    /// reported (`valve_branch_unknown`) and a trace does not count on it.
    pub closes: Option<EdgeId>,
}

/// Whether a facility of this kind can close a line (a valve, a switch).
#[must_use]
pub fn closes_a_line(kind: FeatureKind) -> bool {
    matches!(kind, FeatureKind::Valve | FeatureKind::Switch)
}

impl Facility {
    /// A valve or switch on a junction that nothing says which line it closes.
    #[must_use]
    pub fn branch_unknown(&self) -> bool {
        closes_a_line(self.kind) && self.node.is_some() && self.closes.is_none()
    }
}

/// Closer than this to the node, a valve is *on* it: its position says nothing about its branch.
const ON_NODE_M: f64 = 1e-6;

/// The graph of one layer. Adjacency is kept in compressed rows: cheap to walk at city scale.
#[derive(Debug, Clone)]
pub struct Network {
    layer: LayerId,
    nodes: Vec<Coord<f64>>,
    edges: Vec<Edge>,
    offsets: Vec<u32>,
    adjacent: Vec<EdgeId>,
    facilities: Vec<Facility>,
    /// Facilities per node: indexes into `facilities`, sorted by node.
    on_node: Vec<(NodeId, u32)>,
    options: BuildOptions,
    /// Whether each node's connected piece holds a source (before any valve is closed).
    fed: Vec<bool>,
    /// Each line feature's pieces: they are contiguous in `edges` (`start..end`).
    by_feature: HashMap<FeatureId, (EdgeId, EdgeId)>,
}

/// A line part of a feature, with where it is cut.
struct Part<'a> {
    feature: &'a Feature,
    line: &'a LineString<f64>,
    /// Where it is cut: position along the line (segment index + fraction), the cut point, and
    /// whether another line's end made the cut (rather than a facility).
    cuts: Vec<Cut>,
}

#[derive(Debug, Clone, Copy)]
struct Cut {
    at: f64,
    point: Coord<f64>,
    by_line: bool,
}

/// Nodes found by snapping on a grid of cells one tolerance wide.
struct Snapper {
    cell: f64,
    tolerance: f64,
    grid: HashMap<(i64, i64), Vec<NodeId>>,
    nodes: Vec<Coord<f64>>,
}

impl Snapper {
    fn new(tolerance: f64) -> Self {
        Self {
            cell: tolerance.max(1e-6),
            tolerance,
            grid: HashMap::new(),
            nodes: Vec::new(),
        }
    }

    #[allow(clippy::cast_possible_truncation)]
    fn key(&self, c: Coord<f64>) -> (i64, i64) {
        (
            (c.x / self.cell).floor() as i64,
            (c.y / self.cell).floor() as i64,
        )
    }

    /// The nearest node within tolerance.
    fn find(&self, c: Coord<f64>) -> Option<NodeId> {
        let (kx, ky) = self.key(c);
        let mut best: Option<(f64, NodeId)> = None;
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &n in self.grid.get(&(kx + dx, ky + dy)).into_iter().flatten() {
                    let p = self.nodes[n as usize];
                    let d = (p.x - c.x).hypot(p.y - c.y);
                    if d <= self.tolerance && best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, n));
                    }
                }
            }
        }
        best.map(|(_, n)| n)
    }

    /// The node at `c`, made if none is within tolerance.
    fn node(&mut self, c: Coord<f64>) -> NodeId {
        if let Some(n) = self.find(c) {
            return n;
        }
        let id = NodeId::try_from(self.nodes.len()).unwrap_or(NodeId::MAX);
        self.nodes.push(c);
        let key = self.key(c);
        self.grid.entry(key).or_default().push(id);
        id
    }
}

fn parts(geometry: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match geometry {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

fn point(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        Geometry::MultiPoint(m) => m.0.first().map(|p| p.0),
        _ => None,
    }
}

/// Where `p` falls on segment `a`–`b`: the fraction along it (clamped), the distance, and the
/// point on the segment.
fn project(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (f64, f64, Coord<f64>) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    let q = Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    (t, (p.x - q.x).hypot(p.y - q.y), q)
}

/// The coordinates of `line` between two cuts.
fn piece(line: &LineString<f64>, from: Cut, to: Cut) -> Vec<Coord<f64>> {
    let mut out = vec![from.point];
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (first, last) = (from.at.floor() as usize + 1, to.at.ceil() as usize);
    for i in first..last {
        if let Some(c) = line.0.get(i) {
            out.push(*c);
        }
    }
    out.push(to.point);
    out
}

/// The distance from `p` to a polyline.
fn distance_to(p: Coord<f64>, coords: &[Coord<f64>]) -> f64 {
    match coords {
        [] => f64::INFINITY,
        [only] => (only.x - p.x).hypot(only.y - p.y),
        _ => coords
            .windows(2)
            .map(|w| project(p, w[0], w[1]).1)
            .fold(f64::INFINITY, f64::min),
    }
}

/// Two cuts closer than the tolerance are one: a line end's cut is kept over a facility's, so a
/// valve a few centimetres from a tee does not move the tee onto the valve.
fn merge_cuts(line: &LineString<f64>, cuts: &mut [Cut], tol: f64) -> Vec<Cut> {
    cuts.sort_by(|a, b| a.at.total_cmp(&b.at));
    let n = line.0.len();
    let near = |a: Coord<f64>, b: Coord<f64>| (a.x - b.x).hypot(a.y - b.y) <= tol;
    let start = Cut {
        at: 0.0,
        point: line.0[0],
        by_line: true,
    };
    #[allow(clippy::cast_precision_loss)]
    let end = Cut {
        at: (n - 1) as f64,
        point: line.0[n - 1],
        by_line: true,
    };
    let mut stops = vec![start];
    for cut in cuts.iter() {
        let last = stops.len() - 1;
        if !near(stops[last].point, cut.point) {
            stops.push(*cut);
        } else if last > 0 && cut.by_line && !stops[last].by_line {
            stops[last] = *cut;
        }
    }
    let last = stops.len() - 1;
    if last > 0 && near(stops[last].point, end.point) {
        stops[last] = end;
    } else {
        stops.push(end);
    }
    stops
}

impl Network {
    /// The graph of `layer` from its current `features` (others are ignored).
    #[must_use]
    pub fn build<'a>(
        layer: &LayerId,
        features: impl IntoIterator<Item = &'a Feature>,
        options: BuildOptions,
    ) -> Self {
        let tol = options.tolerance_m.max(0.0);
        let mut lines: Vec<Part<'a>> = Vec::new();
        let mut points: Vec<(&'a Feature, Coord<f64>)> = Vec::new();
        for f in features {
            if f.layer != *layer {
                continue;
            }
            if f.kind.is_linear() {
                for line in parts(&f.geometry) {
                    if line.0.len() >= 2 {
                        lines.push(Part {
                            feature: f,
                            line,
                            cuts: Vec::new(),
                        });
                    }
                }
            } else if let Some(c) = point(&f.geometry) {
                points.push((f, c));
            }
        }

        // Every segment, to find the lines a line end or a facility lies on.
        type Seg = GeomWithData<Line<[f64; 2]>, (u32, u32)>;
        let segments: Vec<Seg> = lines
            .iter()
            .enumerate()
            .flat_map(|(li, part)| {
                part.line.lines().enumerate().map(move |(si, l)| {
                    GeomWithData::new(
                        Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                        (
                            u32::try_from(li).unwrap_or(u32::MAX),
                            u32::try_from(si).unwrap_or(u32::MAX),
                        ),
                    )
                })
            })
            .collect();
        let tree = RTree::bulk_load(segments);
        let ends: Vec<(Coord<f64>, bool)> = lines
            .iter()
            .flat_map(|p| [(p.line.0[0], true), (p.line.0[p.line.0.len() - 1], true)])
            .chain(points.iter().map(|(_, c)| (*c, false)))
            .collect();
        for (p, by_line) in ends {
            let near: Vec<&Seg> = tree
                .locate_within_distance([p.x, p.y], tol * tol + 1e-18)
                .collect();
            // A facility cuts only the line it lies on (the nearest, or as near): a valve a
            // millimetre beside a crossing pipe is not set into that pipe too.
            let nearest = near
                .iter()
                .map(|seg| {
                    let (li, si) = seg.data;
                    let line = &lines[li as usize].line.0;
                    project(p, line[si as usize], line[si as usize + 1]).1
                })
                .fold(f64::INFINITY, f64::min);
            for seg in near {
                let (li, si) = seg.data;
                let part = &lines[li as usize];
                let first = part.line.0[0];
                let last = part.line.0[part.line.0.len() - 1];
                // Ends meet ends through snapping; only an interior touch cuts.
                if (first.x - p.x).hypot(first.y - p.y) <= tol
                    || (last.x - p.x).hypot(last.y - p.y) <= tol
                {
                    continue;
                }
                let (a, b) = (part.line.0[si as usize], part.line.0[si as usize + 1]);
                let (t, d, on_line) = project(p, a, b);
                if d <= tol && (by_line || d <= 2.0 * nearest + ON_NODE_M) {
                    lines[li as usize].cuts.push(Cut {
                        at: f64::from(si) + t,
                        point: on_line,
                        by_line,
                    });
                }
            }
        }

        let mut snap = Snapper::new(tol);
        let mut edges = Vec::new();
        for part in &mut lines {
            let stops = merge_cuts(part.line, &mut part.cuts, tol);
            for w in stops.windows(2) {
                let coords = piece(part.line, w[0], w[1]);
                let from = snap.node(w[0].point);
                let to = snap.node(w[1].point);
                let length_m = LineString::from(coords.clone()).length::<Euclidean>();
                let invert = |k: &str| {
                    part.feature
                        .attrs
                        .extra
                        .get(k)
                        .and_then(serde_json::Value::as_f64)
                };
                edges.push(Edge {
                    feature: part.feature.id.clone(),
                    kind: part.feature.kind,
                    from,
                    to,
                    length_m,
                    coords,
                    consumer_class: part
                        .feature
                        .attrs
                        .extra
                        .get("consumer_class")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                    against_digitised: matches!(
                        (invert("invert_start_m"), invert("invert_end_m")),
                        (Some(a), Some(b)) if a < b
                    ),
                });
            }
        }

        let facilities: Vec<Facility> = points
            .iter()
            .map(|(f, c)| Facility {
                feature: f.id.clone(),
                kind: f.kind,
                at: *c,
                node: snap.find(*c),
                operable: f
                    .attrs
                    .extra
                    .get("operable")
                    .and_then(serde_json::Value::as_bool)
                    != Some(false)
                    && f.attrs.status != undermap_core::Status::Abandoned,
                source: f
                    .attrs
                    .extra
                    .get("source")
                    .and_then(serde_json::Value::as_bool)
                    == Some(true)
                    || matches!(
                        f.kind,
                        FeatureKind::Station | FeatureKind::Regulator | FeatureKind::Transformer
                    ),
                closes: None,
            })
            .collect();
        let mut on_node: Vec<(NodeId, u32)> = facilities
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((f.node?, u32::try_from(i).ok()?)))
            .collect();
        on_node.sort_unstable();

        let nodes = snap.nodes;
        let mut degree = vec![0_u32; nodes.len() + 1];
        for e in &edges {
            degree[e.from as usize + 1] += 1;
            if e.to != e.from {
                degree[e.to as usize + 1] += 1;
            }
        }
        for i in 1..degree.len() {
            degree[i] += degree[i - 1];
        }
        let offsets = degree;
        let mut fill = offsets.clone();
        let mut adjacent = vec![0; offsets[offsets.len() - 1] as usize];
        for (i, e) in edges.iter().enumerate() {
            let id = EdgeId::try_from(i).unwrap_or(EdgeId::MAX);
            adjacent[fill[e.from as usize] as usize] = id;
            fill[e.from as usize] += 1;
            if e.to != e.from {
                adjacent[fill[e.to as usize] as usize] = id;
                fill[e.to as usize] += 1;
            }
        }
        let mut net = Self {
            layer: layer.clone(),
            nodes,
            edges,
            offsets,
            adjacent,
            facilities,
            on_node,
            options,
            fed: Vec::new(),
            by_feature: HashMap::new(),
        };
        for (i, e) in net.edges.iter().enumerate() {
            let id = EdgeId::try_from(i).unwrap_or(EdgeId::MAX);
            net.by_feature
                .entry(e.feature.clone())
                .and_modify(|r| r.1 = id + 1)
                .or_insert((id, id + 1));
        }
        for (i, (f, _)) in points.iter().enumerate() {
            let facility = &net.facilities[i];
            if let (Some(node), true) = (facility.node, closes_a_line(facility.kind)) {
                let on_pipe = f.attrs.extra.get("on_pipe").and_then(|v| v.as_str());
                let closes = net.branch(facility.at, node, on_pipe);
                net.facilities[i].closes = closes;
            }
        }
        let component = net.components();
        let mut has_source = vec![false; net.nodes.len()];
        for f in &net.facilities {
            if let (true, Some(n)) = (f.source, f.node) {
                has_source[component[n as usize] as usize] = true;
            }
        }
        net.fed = component.iter().map(|&c| has_source[c as usize]).collect();
        net
    }

    /// The piece of line at `node` a valve at `at` closes (see [`Facility::closes`]).
    fn branch(&self, at: Coord<f64>, node: NodeId, on_pipe: Option<&str>) -> Option<EdgeId> {
        let edges = self.edges_at(node);
        let named: Vec<EdgeId> = on_pipe
            .map(|p| {
                edges
                    .iter()
                    .copied()
                    .filter(|&e| self.edges[e as usize].feature.as_str() == p.trim())
                    .collect()
            })
            .unwrap_or_default();
        let candidates: &[EdgeId] = if named.is_empty() { edges } else { &named };
        match candidates {
            [] => None,
            [only] => Some(*only),
            _ => {
                // The piece it lies on: clearly nearer than any other. Exactly on the node,
                // every piece is as near, and nothing tells.
                let mut near: Vec<(f64, EdgeId)> = candidates
                    .iter()
                    .map(|&e| (distance_to(at, &self.edges[e as usize].coords), e))
                    .collect();
                near.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (best, second) = (near[0].0, near[1].0);
                if second > ON_NODE_M && best * 2.0 < second {
                    Some(near[0].1)
                } else if edges.len() <= 2 {
                    // Between two pieces, closing either parts them.
                    Some(candidates[0])
                } else {
                    None
                }
            }
        }
    }

    /// Whether a source fed `node` before any valve was closed.
    #[must_use]
    pub fn fed(&self, node: NodeId) -> bool {
        self.fed.get(node as usize).copied().unwrap_or(false)
    }

    /// The layer.
    #[must_use]
    pub fn layer(&self) -> &LayerId {
        &self.layer
    }

    /// How it was built.
    #[must_use]
    pub fn options(&self) -> BuildOptions {
        self.options
    }

    /// Every node's position.
    #[must_use]
    pub fn nodes(&self) -> &[Coord<f64>] {
        &self.nodes
    }

    /// Every edge.
    #[must_use]
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Every point facility of the layer, on the network or not.
    #[must_use]
    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }

    /// The edges at a node.
    #[must_use]
    pub fn edges_at(&self, node: NodeId) -> &[EdgeId] {
        let n = node as usize;
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&a), Some(&b)) => &self.adjacent[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The facilities on a node.
    pub fn facilities_at(&self, node: NodeId) -> impl Iterator<Item = &Facility> {
        self.facility_indexes_at(node)
            .map(|i| &self.facilities[i as usize])
    }

    /// The facilities on a node, as indexes into [`Network::facilities`].
    pub fn facility_indexes_at(&self, node: NodeId) -> impl Iterator<Item = u32> + '_ {
        let start = self.on_node.partition_point(|(n, _)| *n < node);
        self.on_node[start..]
            .iter()
            .take_while(move |(n, _)| *n == node)
            .map(|(_, i)| *i)
    }

    /// The node at the other end of `edge` from `node`.
    #[must_use]
    pub fn across(&self, edge: EdgeId, node: NodeId) -> NodeId {
        let e = &self.edges[edge as usize];
        if e.from == node {
            e.to
        } else {
            e.from
        }
    }

    /// The edges of a feature (a line cut at junctions has several).
    pub fn edges_of(&self, feature: &FeatureId) -> impl Iterator<Item = EdgeId> {
        let (start, end) = self.by_feature.get(feature).copied().unwrap_or((0, 0));
        start..end
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::DateTime;
    use geo::{line_string, point};
    use undermap_core::FeatureAttributes;

    pub(crate) fn feature(id: &str, kind: FeatureKind, geometry: Geometry<f64>) -> Feature {
        Feature::new(
            id.parse().unwrap(),
            "water".parse().unwrap(),
            kind,
            geometry,
            FeatureAttributes::default(),
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    /// A point facility with extra attributes.
    pub(crate) fn facility(
        id: &str,
        kind: FeatureKind,
        at: (f64, f64),
        extra: serde_json::Value,
    ) -> Feature {
        let mut f = feature(id, kind, point!(x: at.0, y: at.1).into());
        if let serde_json::Value::Object(m) = extra {
            f.attrs.extra = m;
        }
        f
    }

    pub(crate) fn pipe(id: &str, coords: &[(f64, f64)]) -> Feature {
        let line: LineString<f64> = coords.iter().copied().collect();
        feature(id, FeatureKind::Pipe, line.into())
    }

    pub(crate) fn water() -> LayerId {
        "water".parse().unwrap()
    }

    #[test]
    fn ends_within_tolerance_meet_and_farther_ones_do_not() {
        let features = [
            pipe("a", &[(0.0, 0.0), (10.0, 0.0)]),
            pipe("b", &[(10.05, 0.0), (20.0, 0.0)]),
            pipe("c", &[(20.5, 0.0), (30.0, 0.0)]),
        ];
        let net = Network::build(&water(), &features, BuildOptions::default());
        assert_eq!(net.edges().len(), 3);
        assert_eq!(net.nodes().len(), 5, "a–b share a node; b–c do not");
        assert_eq!(net.edges()[0].to, net.edges()[1].from);
        assert_ne!(net.edges()[1].to, net.edges()[2].from);
    }

    #[test]
    fn a_tap_into_a_main_cuts_it_and_a_valve_on_a_pipe_sits_on_a_node() {
        let features = [
            pipe("main", &[(0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]),
            feature(
                "svc",
                FeatureKind::ServiceConnection,
                line_string![(x: 30.0, y: 0.02), (x: 30.0, y: 12.0)].into(),
            ),
            feature("v", FeatureKind::Valve, point!(x: 70.0, y: 0.0).into()),
            feature(
                "far",
                FeatureKind::Regulator,
                point!(x: 70.0, y: 3.0).into(),
            ),
        ];
        let net = Network::build(&water(), &features, BuildOptions::default());
        let main: Vec<EdgeId> = net.edges_of(&"main".parse().unwrap()).collect();
        assert_eq!(main.len(), 3, "cut at the tap (x 30) and the valve (x 70)");
        let lengths: Vec<f64> = main
            .iter()
            .map(|e| (net.edges()[*e as usize].length_m * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(lengths, [30.0, 40.0, 30.0]);
        let valve = net
            .facilities()
            .iter()
            .find(|f| f.kind == FeatureKind::Valve)
            .unwrap();
        let node = valve.node.expect("the valve is on the network");
        assert_eq!(net.edges_at(node).len(), 2);
        assert_eq!(net.facilities_at(node).count(), 1);
        let far = net
            .facilities()
            .iter()
            .find(|f| f.kind == FeatureKind::Regulator)
            .unwrap();
        assert_eq!(far.node, None, "3 m off the pipe");
        let svc = net.edges_of(&"svc".parse().unwrap()).next().unwrap();
        let tap = net.edges()[svc as usize].from;
        assert_eq!(net.edges_at(tap).len(), 3, "main, main, service");
    }

    #[test]
    fn other_layers_and_planning_polygons_are_left_out() {
        let mut gas = pipe("g", &[(0.0, 0.0), (1.0, 0.0)]);
        gas.layer = "gas".parse().unwrap();
        let net = Network::build(&water(), &[gas], BuildOptions::default());
        assert!(net.edges().is_empty() && net.nodes().is_empty());
    }
}
