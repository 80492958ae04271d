//! The isolation trace: from a break on a pipe (or a fault on a cable) outwards to the nearest
//! operable valves (switches), as utility GIS traces do. An inoperable valve does not stop the
//! trace: it goes on to the next valve beyond. Closing the valves found shuts the isolated zone;
//! every part of the network no longer connected to a source (a station, regulator, transformer)
//! loses supply too, and so do the consumers on it.

use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;
use undermap_core::{FeatureId, FeatureKind};

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

impl Network {
    /// Whether `node` holds a valve or switch that can be closed.
    fn closable(&self, node: NodeId) -> Option<bool> {
        self.facilities_at(node)
            .filter(|f| matches!(f.kind, FeatureKind::Valve | FeatureKind::Switch))
            .map(|f| f.operable)
            .reduce(|a, b| a || b)
    }

    fn valve_at(&self, node: NodeId, operable: bool) -> Option<Valve> {
        self.facilities_at(node)
            .find(|f| {
                matches!(f.kind, FeatureKind::Valve | FeatureKind::Switch) && f.operable == operable
            })
            .map(|f| Valve {
                feature: f.feature.clone(),
                at: [f.at.x, f.at.y],
            })
    }

    /// The trace from a break on `edge`.
    #[must_use]
    pub fn isolate(&self, edge: EdgeId) -> Isolation {
        let mut in_zone = vec![false; self.edges().len()];
        let mut seen = vec![false; self.nodes().len()];
        let mut closed = vec![false; self.nodes().len()];
        let mut close = BTreeSet::new();
        let mut inoperable = BTreeSet::new();
        // Collected on the way, so nothing afterwards scans the whole network.
        let mut zone_nodes: Vec<NodeId> = Vec::new();
        let mut valves: Vec<NodeId> = Vec::new();
        let mut zone_edges: Vec<EdgeId> = Vec::new();
        let mut queue = VecDeque::new();
        if let Some(e) = self.edges().get(edge as usize) {
            in_zone[edge as usize] = true;
            zone_edges.push(edge);
            queue.extend([e.from, e.to]);
        }
        while let Some(node) = queue.pop_front() {
            if std::mem::replace(&mut seen[node as usize], true) {
                continue;
            }
            match self.closable(node) {
                Some(true) => {
                    closed[node as usize] = true;
                    valves.push(node);
                    if let Some(v) = self.valve_at(node, true) {
                        close.insert((v.feature.clone(), v.at.map(f64::to_bits)));
                    }
                    continue;
                }
                Some(false) => {
                    if let Some(v) = self.valve_at(node, false) {
                        inoperable.insert((v.feature.clone(), v.at.map(f64::to_bits)));
                    }
                }
                None => {}
            }
            zone_nodes.push(node);
            for &e in self.edges_at(node) {
                if !std::mem::replace(&mut in_zone[e as usize], true) {
                    zone_edges.push(e);
                    queue.push_back(self.across(e, node));
                }
            }
        }

        // Supply after closing. The broken line's piece of network was fed if it holds a source
        // (known from the build). Past each closed valve lies a region of the network outside
        // the zone: it stays fed if it reaches a source without passing the zone or another
        // closed valve; the search of a region stops at its first source, so a fed region costs
        // the few blocks to its nearest source, and an unfed one is exactly what loses supply.
        let sources_inside: Vec<FeatureId> = zone_nodes
            .iter()
            .flat_map(|&n| self.facilities_at(n))
            .filter(|f| f.source)
            .map(|f| f.feature.clone())
            .collect();
        let supply_known = self
            .edges()
            .get(edge as usize)
            .is_some_and(|e| self.fed(e.from));
        let mut unfed: Vec<EdgeId> = Vec::new();
        if supply_known {
            // Region of each node reached: 0 = not yet; otherwise its search's number.
            let mut region = vec![0_u32; self.nodes().len()];
            let mut region_fed: Vec<bool> = vec![true];
            for &valve in &valves {
                for &start in self.edges_at(valve) {
                    if in_zone[start as usize] {
                        continue;
                    }
                    let first = self.across(start, valve);
                    if region[first as usize] != 0 || closed[first as usize] {
                        continue;
                    }
                    let id = u32::try_from(region_fed.len()).unwrap_or(u32::MAX);
                    region_fed.push(false);
                    let mut edges_seen: Vec<EdgeId> = vec![start];
                    let mut queue = VecDeque::from([first]);
                    region[first as usize] = id;
                    // A source on the closed valve's own node feeds the side away from the zone.
                    let mut fed = self.facilities_at(valve).any(|f| f.source);
                    while let Some(n) = queue.pop_front() {
                        if fed {
                            break;
                        }
                        if self.facilities_at(n).any(|f| f.source) {
                            fed = true;
                            break;
                        }
                        for &e in self.edges_at(n) {
                            if in_zone[e as usize] {
                                continue;
                            }
                            let next = self.across(e, n);
                            if closed[next as usize] {
                                edges_seen.push(e);
                                continue;
                            }
                            let r = region[next as usize];
                            if r == 0 {
                                region[next as usize] = id;
                                edges_seen.push(e);
                                queue.push_back(next);
                            } else if r != id && region_fed[r as usize] {
                                // Joins a region already known to be fed.
                                fed = true;
                                break;
                            } else if r == id {
                                edges_seen.push(e);
                            }
                        }
                        if fed {
                            break;
                        }
                    }
                    region_fed[id as usize] = fed;
                    if !fed {
                        unfed.extend(edges_seen);
                    }
                }
            }
            unfed.sort_unstable();
            unfed.dedup();
        }
        let mut isolated = zone_edges;
        isolated.sort_unstable();
        let length = |list: &[EdgeId]| {
            let m: f64 = list
                .iter()
                .map(|&e| self.edges()[e as usize].length_m)
                .sum();
            (m * 10.0).round() / 10.0
        };
        let mut consumers: Vec<Consumer> = isolated
            .iter()
            .chain(&unfed)
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
        let valves = |set: BTreeSet<(FeatureId, [u64; 2])>| {
            set.into_iter()
                .map(|(feature, at)| Valve {
                    feature,
                    at: at.map(f64::from_bits),
                })
                .collect()
        };
        Isolation {
            close: valves(close),
            inoperable: valves(inoperable),
            isolated_length_m: length(&isolated),
            unfed_length_m: length(&unfed),
            isolated,
            unfed,
            consumers,
            sources_inside,
            supply_known,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{facility, feature, pipe, water};
    use crate::BuildOptions;
    use geo::line_string;
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
