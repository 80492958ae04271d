//! The isolation trace: from a break on a pipe (or a fault on a cable) outwards to the nearest
//! operable valves (switches), as utility GIS traces do. A valve closes the one line it sits on
//! (a valve beside a tee shuts one branch, not the tee), so the trace spreads from line to line
//! through junctions and stops at a line's valve. An inoperable valve does not stop the
//! trace: it goes on to the next valve beyond. Closing the valves found shuts the isolated zone;
//! every part of the network no longer connected to a source (a station, regulator, transformer)
//! loses supply too, and so do the consumers on it.

use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;
use undermap_core::{FeatureId, FeatureKind};

use crate::graph::closes_a_line;
use crate::{EdgeId, Network, NodeId};

/// Consumer classes listed first, most critical first; any other class follows, then unknown.
pub const CRITICAL_CLASSES: &[&str] = &[
    "hospital",
    "emergency_service",
    "school",
    "care_home",
    "water_treatment",
    "industry",
];

/// A valve or switch the trace met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Valve {
    /// The facility.
    pub feature: FeatureId,
    /// Where it is, in the deployment CRS.
    pub at: [f64; 2],
}

/// A consumer that loses supply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consumer {
    /// Its service connection.
    pub feature: FeatureId,
    /// Its class, if recorded.
    pub class: Option<String>,
    /// Whether its class is in [`CRITICAL_CLASSES`].
    pub critical: bool,
}

/// What closing the valves does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Isolation {
    /// Valves (switches) to close, by feature id.
    pub close: Vec<Valve>,
    /// Valves met that cannot be operated; the trace went past them.
    pub inoperable: Vec<Valve>,
    /// Valves on a junction of three or more lines that nothing says which line they close
    /// (`valve_branch_unknown` in the quality report): the trace does not count on them and went
    /// on to the next valves, so that the break is never left fed.
    pub ambiguous: Vec<Valve>,
    /// Edges inside the closed valves (the break's own zone).
    pub isolated: Vec<EdgeId>,
    /// Edges outside the zone that no source feeds once the valves are closed.
    pub unfed: Vec<EdgeId>,
    /// Length of the isolated zone, metres.
    pub isolated_length_m: f64,
    /// Length of the unfed part, metres.
    pub unfed_length_m: f64,
    /// Consumers that lose supply (isolated or unfed), critical ones first.
    pub consumers: Vec<Consumer>,
    /// Sources inside the isolated zone (they cannot feed anything while it is closed).
    pub sources_inside: Vec<FeatureId>,
    /// Whether a source fed the broken line before (its piece of network holds one): without
    /// one, `unfed` cannot be known and is empty.
    pub supply_known: bool,
}

/// What the trace found while spreading: the zone and the valves at its border.
struct Zone {
    inside: Vec<bool>,
    /// Edges of the zone, in the order reached.
    edges: Vec<EdgeId>,
    /// Nodes whose junction the zone reaches (not shut off from it by a valve).
    nodes: Vec<NodeId>,
    /// Facilities (indexes) closed.
    closed: Vec<bool>,
    close: BTreeSet<u32>,
    inoperable: BTreeSet<u32>,
    ambiguous: BTreeSet<u32>,
}

impl Network {
    /// The valves and switches at `node` that stand between `edge` and the rest of the node.
    fn gate(&self, node: NodeId, edge: EdgeId) -> impl Iterator<Item = u32> + '_ {
        self.facility_indexes_at(node).filter(move |&i| {
            let f = &self.facilities()[i as usize];
            closes_a_line(f.kind) && f.closes == Some(edge)
        })
    }

    /// Whether `edge` meets the junction at `node` without passing a closed valve.
    fn passes(&self, node: NodeId, edge: EdgeId, closed: &[bool]) -> bool {
        !self.gate(node, edge).any(|i| closed[i as usize])
    }

    /// Through the valves at `node` on `edge`: closes the operable one met first (the nearest
    /// to the node coming `from_junction` into the edge, else the farthest) and says whether it
    /// did; notes the inoperable ones passed.
    fn shut(&self, node: NodeId, edge: EdgeId, from_junction: bool, zone: &mut Zone) -> bool {
        let at = self.nodes()[node as usize];
        let mut first: Option<(f64, u32)> = None;
        for i in self.gate(node, edge) {
            let f = &self.facilities()[i as usize];
            if f.operable {
                let d = (f.at.x - at.x).hypot(f.at.y - at.y);
                let d = if from_junction { d } else { -d };
                if first.is_none_or(|(best, _)| d < best) {
                    first = Some((d, i));
                }
            } else {
                zone.inoperable.insert(i);
            }
        }
        if let Some((_, i)) = first {
            zone.closed[i as usize] = true;
            zone.close.insert(i);
        }
        first.is_some()
    }

    /// Spreads from the broken edge along lines and through junctions until operable valves.
    fn spread(&self, edge: EdgeId) -> Zone {
        let mut zone = Zone {
            inside: vec![false; self.edges().len()],
            edges: Vec::new(),
            nodes: Vec::new(),
            closed: vec![false; self.facilities().len()],
            close: BTreeSet::new(),
            inoperable: BTreeSet::new(),
            ambiguous: BTreeSet::new(),
        };
        let mut junction_seen = vec![false; self.nodes().len()];
        let mut queue = VecDeque::new();
        if self.edges().get(edge as usize).is_some() {
            zone.inside[edge as usize] = true;
            zone.edges.push(edge);
            queue.push_back(edge);
        }
        while let Some(e) = queue.pop_front() {
            let (from, to) = (self.edges()[e as usize].from, self.edges()[e as usize].to);
            let ends: &[NodeId] = if from == to { &[from] } else { &[from, to] };
            for &node in ends {
                if self.shut(node, e, false, &mut zone) {
                    continue;
                }
                if std::mem::replace(&mut junction_seen[node as usize], true) {
                    continue;
                }
                zone.nodes.push(node);
                for i in self.facility_indexes_at(node) {
                    let f = &self.facilities()[i as usize];
                    if f.branch_unknown() {
                        // On a junction, closing no branch in particular: not counted on.
                        if f.operable {
                            zone.ambiguous.insert(i);
                        } else {
                            zone.inoperable.insert(i);
                        }
                    }
                }
                for &next in self.edges_at(node) {
                    if next == e || self.shut(node, next, true, &mut zone) {
                        continue;
                    }
                    if !std::mem::replace(&mut zone.inside[next as usize], true) {
                        zone.edges.push(next);
                        queue.push_back(next);
                    }
                }
            }
        }
        zone
    }

    /// The edges outside the zone that no source feeds once its valves are closed. Past each
    /// closed valve lies a region of the network: it stays fed if it reaches a source without
    /// passing the zone or another closed valve. The search of a region stops at its first
    /// source, so a fed region costs the few blocks to its nearest source, and an unfed one is
    /// exactly what loses supply.
    fn unfed(&self, zone: &Zone) -> Vec<EdgeId> {
        let closed = &zone.closed;
        let has_source = |n: NodeId| self.facilities_at(n).any(|f| f.source);
        // Region of each edge reached: 0 = not yet; otherwise its search's number.
        let mut region = vec![0_u32; self.edges().len()];
        let mut region_fed: Vec<bool> = vec![true];
        let mut unfed = Vec::new();
        for &valve in &zone.close {
            let f = &self.facilities()[valve as usize];
            let (Some(node), Some(closes)) = (f.node, f.closes) else {
                continue;
            };
            // The far side: the closed line itself, or (when the zone's own line is closed) the
            // junction with everything else at the node.
            let (starts, from_junction): (Vec<EdgeId>, bool) = if zone.inside[closes as usize] {
                let others = self
                    .edges_at(node)
                    .iter()
                    .copied()
                    .filter(|&e| !zone.inside[e as usize] && self.passes(node, e, closed))
                    .collect();
                (others, true)
            } else {
                (vec![closes], false)
            };
            if starts.iter().all(|&e| region[e as usize] != 0) {
                continue;
            }
            let id = u32::try_from(region_fed.len()).unwrap_or(u32::MAX);
            region_fed.push(false);
            let mut members = Vec::new();
            let mut queue = VecDeque::new();
            for &e in &starts {
                if region[e as usize] == 0 {
                    region[e as usize] = id;
                    members.push(e);
                    queue.push_back(e);
                }
            }
            // A source on the closed valve's node feeds the side away from the zone.
            let mut fed = from_junction && has_source(node);
            'search: while let Some(g) = queue.pop_front() {
                if fed {
                    break;
                }
                let edge = &self.edges()[g as usize];
                for m in [edge.from, edge.to] {
                    if !self.passes(m, g, closed) {
                        continue;
                    }
                    if has_source(m) {
                        fed = true;
                        break 'search;
                    }
                    for &h in self.edges_at(m) {
                        if h == g || zone.inside[h as usize] || !self.passes(m, h, closed) {
                            continue;
                        }
                        let r = region[h as usize];
                        if r == 0 {
                            region[h as usize] = id;
                            members.push(h);
                            queue.push_back(h);
                        } else if r != id && region_fed[r as usize] {
                            // Joins a region already known to be fed.
                            fed = true;
                            break 'search;
                        }
                    }
                }
            }
            region_fed[id as usize] = fed;
            if !fed {
                unfed.extend(members);
            }
        }
        unfed.sort_unstable();
        unfed.dedup();
        unfed
    }

    /// The trace from a break on `edge`.
    #[must_use]
    pub fn isolate(&self, edge: EdgeId) -> Isolation {
        let zone = self.spread(edge);
        let sources_inside: Vec<FeatureId> = zone
            .nodes
            .iter()
            .flat_map(|&n| self.facilities_at(n))
            .filter(|f| f.source)
            .map(|f| f.feature.clone())
            .collect();
        // The broken line's piece of network was fed if it holds a source (known from the build).
        let supply_known = self
            .edges()
            .get(edge as usize)
            .is_some_and(|e| self.fed(e.from));
        let unfed = if supply_known {
            self.unfed(&zone)
        } else {
            Vec::new()
        };
        let mut isolated = zone.edges.clone();
        isolated.sort_unstable();
        let length = |list: &[EdgeId]| {
            let m: f64 = list
                .iter()
                .map(|&e| self.edges()[e as usize].length_m)
                .sum();
            (m * 10.0).round() / 10.0
        };
        let consumers = self.consumers(&isolated, &unfed);
        let valves = |set: &BTreeSet<u32>| {
            let mut list: Vec<Valve> = set
                .iter()
                .map(|&i| {
                    let f = &self.facilities()[i as usize];
                    Valve {
                        feature: f.feature.clone(),
                        at: [f.at.x, f.at.y],
                    }
                })
                .collect();
            list.sort_by(|a, b| a.feature.cmp(&b.feature));
            list
        };
        Isolation {
            close: valves(&zone.close),
            inoperable: valves(&zone.inoperable),
            ambiguous: valves(&zone.ambiguous),
            isolated_length_m: length(&isolated),
            unfed_length_m: length(&unfed),
            isolated,
            unfed,
            consumers,
            sources_inside,
            supply_known,
        }
    }

    /// The consumers on these edges, critical ones first.
    fn consumers(&self, isolated: &[EdgeId], unfed: &[EdgeId]) -> Vec<Consumer> {
        let mut consumers: Vec<Consumer> = isolated
            .iter()
            .chain(unfed)
            .map(|&e| &self.edges()[e as usize])
            .filter(|e| e.kind == FeatureKind::ServiceConnection)
            .map(|e| Consumer {
                feature: e.feature.clone(),
                critical: e
                    .consumer_class
                    .as_deref()
                    .is_some_and(|c| CRITICAL_CLASSES.contains(&c)),
                class: e.consumer_class.clone(),
            })
            .collect();
        let rank = |c: &Consumer| {
            c.class.as_deref().map_or(CRITICAL_CLASSES.len() + 1, |k| {
                CRITICAL_CLASSES
                    .iter()
                    .position(|x| *x == k)
                    .unwrap_or(CRITICAL_CLASSES.len())
            })
        };
        consumers.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| a.feature.cmp(&b.feature))
        });
        consumers.dedup_by(|a, b| a.feature == b.feature);
        consumers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{facility, feature, pipe, water};
    use crate::BuildOptions;
    use geo::line_string;
    use geo::Distance;
    use serde_json::json;

    fn valve(id: &str, at: (f64, f64)) -> undermap_core::Feature {
        facility(id, FeatureKind::Valve, at, json!({"operable": true}))
    }

    fn service(id: &str, x: f64, class: Option<&str>) -> undermap_core::Feature {
        let mut f = feature(
            id,
            FeatureKind::ServiceConnection,
            line_string![(x: x, y: 0.0), (x: x, y: 10.0)].into(),
        );
        if let Some(c) = class {
            f.attrs.extra.insert("consumer_class".into(), c.into());
        }
        f
    }

    fn edge_of(net: &Network, id: &str) -> EdgeId {
        net.edges_of(&id.parse().unwrap()).next().unwrap()
    }

    fn closed(i: &Isolation) -> Vec<&str> {
        i.close.iter().map(|v| v.feature.as_str()).collect()
    }

    fn features_of(net: &Network, edges: &[EdgeId]) -> BTreeSet<String> {
        edges
            .iter()
            .map(|&e| net.edges()[e as usize].feature.to_string())
            .collect()
    }

    /// S —p0— A(valve) —p1— B —p2— C(valve) —p3— D, a station at S, services on p1 and p3.
    fn line_network(inoperable_a: bool) -> Vec<undermap_core::Feature> {
        vec![
            facility("S", FeatureKind::Station, (0.0, 0.0), json!({})),
            pipe("p0", &[(0.0, 0.0), (100.0, 0.0)]),
            facility(
                "VA",
                FeatureKind::Valve,
                (100.0, 0.0),
                json!({"operable": !inoperable_a}),
            ),
            pipe("p1", &[(100.0, 0.0), (200.0, 0.0)]),
            pipe("p2", &[(200.0, 0.0), (300.0, 0.0)]),
            valve("VC", (300.0, 0.0)),
            pipe("p3", &[(300.0, 0.0), (400.0, 0.0)]),
            service("svc-1", 150.0, Some("residential")),
            service("svc-3", 350.0, Some("hospital")),
            valve("V0", (50.0, 0.0)),
        ]
    }

    #[test]
    fn a_break_is_closed_by_the_nearest_valves_and_cuts_supply_beyond() {
        let net = Network::build(&water(), &line_network(false), BuildOptions::default());
        let i = net.isolate(edge_of(&net, "p2"));
        assert_eq!(closed(&i), ["VA", "VC"]);
        assert!(i.inoperable.is_empty());
        assert_eq!(
            features_of(&net, &i.isolated),
            ["p1", "p2", "svc-1"].map(String::from).into()
        );
        assert_eq!(
            features_of(&net, &i.unfed),
            ["p3", "svc-3"].map(String::from).into(),
            "beyond VC nothing feeds it"
        );
        assert!(i.supply_known);
        let consumers: Vec<&str> = i.consumers.iter().map(|c| c.feature.as_str()).collect();
        assert_eq!(consumers, ["svc-3", "svc-1"], "the hospital first");
        assert!(i.consumers[0].critical && !i.consumers[1].critical);
        assert!(
            (i.isolated_length_m - 210.0).abs() < 0.01,
            "{}",
            i.isolated_length_m
        );
    }

    #[test]
    fn an_inoperable_valve_sends_the_trace_further_out() {
        let net = Network::build(&water(), &line_network(true), BuildOptions::default());
        let i = net.isolate(edge_of(&net, "p2"));
        assert_eq!(closed(&i), ["V0", "VC"], "past VA to the next valve");
        let stuck: Vec<&str> = i.inoperable.iter().map(|v| v.feature.as_str()).collect();
        assert_eq!(stuck, ["VA"]);
        assert!(features_of(&net, &i.isolated).contains("p0"));
    }

    #[test]
    fn a_looped_main_needs_valves_on_every_side() {
        // A ring: N0…N5 around a hexagon, valves at N1 and N4, a station feeding N0 from
        // outside the ring through a valve.
        let ring = [
            (0.0, 0.0),
            (100.0, 0.0),
            (150.0, 86.6),
            (100.0, 173.2),
            (0.0, 173.2),
            (-50.0, 86.6),
        ];
        let mut features = vec![
            valve("V1", ring[1]),
            valve("V4", ring[4]),
            facility("S", FeatureKind::Station, (-100.0, 0.0), json!({})),
            pipe("feed", &[(-100.0, 0.0), ring[0]]),
        ];
        for k in 0..6 {
            features.push(pipe(&format!("r{k}"), &[ring[k], ring[(k + 1) % 6]]));
        }
        let net = Network::build(&water(), &features, BuildOptions::default());
        let i = net.isolate(edge_of(&net, "r2"));
        assert_eq!(closed(&i), ["V1", "V4"], "both ways round the loop");
        assert_eq!(
            features_of(&net, &i.isolated),
            ["r1", "r2", "r3"].map(String::from).into()
        );
        assert!(
            i.unfed.is_empty(),
            "the rest of the ring is fed the other way round"
        );
        // With V4 gone, the trace runs round the ring to V1 from the other side as well, and the
        // feed from the station reaches the zone: closing V1 alone cannot isolate it.
        features.retain(|f| f.id.as_str() != "V4");
        let net = Network::build(&water(), &features, BuildOptions::default());
        let i = net.isolate(edge_of(&net, "r2"));
        assert_eq!(closed(&i), ["V1"]);
        assert!(
            features_of(&net, &i.isolated).contains("feed"),
            "{:?}",
            features_of(&net, &i.isolated)
        );
    }

    /// A tee at (0, 0): east, north and west branches, each 100 m, a valve 50 m out on the west.
    fn tee(extra: Vec<undermap_core::Feature>) -> Network {
        let mut features = vec![
            pipe("east", &[(0.0, 0.0), (100.0, 0.0)]),
            pipe("north", &[(0.0, 0.0), (0.0, 100.0)]),
            pipe("west", &[(0.0, 0.0), (-100.0, 0.0)]),
            valve("VW", (-50.0, 0.0)),
        ];
        features.extend(extra);
        Network::build(&water(), &features, BuildOptions::default())
    }

    fn nearest_edge(net: &Network, id: &str, x: f64, y: f64) -> EdgeId {
        net.edges_of(&id.parse().unwrap())
            .min_by(|a, b| {
                let d = |e: &EdgeId| {
                    let line: geo::LineString<f64> = net.edges()[*e as usize].coords.clone().into();
                    geo::Euclidean::distance(&line, &geo::Point::new(x, y))
                };
                d(a).total_cmp(&d(b))
            })
            .unwrap()
    }

    #[test]
    fn a_valve_beside_a_tee_closes_its_branch_not_the_tee() {
        // 1 mm and 1 m out on the east branch, 5 cm out on the north one; the burst is on the
        // west branch between the tee and VW.
        let net = tee(vec![
            valve("VE1mm", (0.001, 0.0)),
            valve("VE1m", (1.0, 0.0)),
            valve("VN5cm", (0.0, 0.05)),
        ]);
        let i = net.isolate(nearest_edge(&net, "west", -10.0, 0.0));
        assert_eq!(closed(&i), ["VE1mm", "VN5cm", "VW"], "{i:?}");
        assert!(i.ambiguous.is_empty());
        assert_eq!(
            features_of(&net, &i.isolated),
            ["west"].map(String::from).into()
        );
        // A burst on the east branch beyond the 1 m valve: that valve alone closes this side.
        let i = net.isolate(nearest_edge(&net, "east", 50.0, 0.0));
        assert_eq!(closed(&i), ["VE1m"]);
    }

    #[test]
    fn a_valve_exactly_on_a_tee_needs_its_pipe_named() {
        // Nothing says which branch: the trace goes through the tee to the next valves, and says so.
        let net = tee(vec![
            valve("VT", (0.0, 0.0)),
            valve("VE", (50.0, 0.0)),
            valve("VN", (0.0, 50.0)),
        ]);
        let i = net.isolate(nearest_edge(&net, "west", -10.0, 0.0));
        assert_eq!(closed(&i), ["VE", "VN", "VW"]);
        let ambiguous: Vec<&str> = i.ambiguous.iter().map(|v| v.feature.as_str()).collect();
        assert_eq!(ambiguous, ["VT"]);
        let q = net.quality();
        assert!(
            q.findings
                .iter()
                .any(|f| f.kind == crate::FindingKind::ValveBranchUnknown
                    && f.feature.as_str() == "VT"),
            "{q:?}"
        );
        // Named, it closes the west branch only.
        let net = tee(vec![
            facility(
                "VT",
                FeatureKind::Valve,
                (0.0, 0.0),
                json!({"operable": true, "on_pipe": "west"}),
            ),
            valve("VE", (50.0, 0.0)),
            valve("VN", (0.0, 50.0)),
        ]);
        let i = net.isolate(nearest_edge(&net, "west", -10.0, 0.0));
        assert_eq!(closed(&i), ["VT", "VW"]);
        assert!(i.ambiguous.is_empty());
        let i = net.isolate(nearest_edge(&net, "east", 10.0, 0.0));
        assert_eq!(closed(&i), ["VE", "VN", "VT"]);
    }

    #[test]
    fn a_source_inside_the_zone_is_reported() {
        let features = vec![
            valve("VA", (0.0, 0.0)),
            pipe("a", &[(0.0, 0.0), (100.0, 0.0)]),
            facility("R", FeatureKind::Regulator, (100.0, 0.0), json!({})),
            pipe("b", &[(100.0, 0.0), (200.0, 0.0)]),
            valve("VB", (200.0, 0.0)),
            pipe("c", &[(200.0, 0.0), (300.0, 0.0)]),
        ];
        let net = Network::build(&water(), &features, BuildOptions::default());
        let i = net.isolate(edge_of(&net, "a"));
        assert_eq!(closed(&i), ["VA", "VB"]);
        assert_eq!(i.sources_inside, ["R".parse::<FeatureId>().unwrap()]);
        assert_eq!(
            features_of(&net, &i.unfed),
            ["c"].map(String::from).into(),
            "the only source is shut in"
        );
    }
}
