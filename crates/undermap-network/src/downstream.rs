//! Downstream of a point in a drainage network: every pipe the flow passes through from there,
//! to the outfalls. Flow follows the digitised direction of each line unless its recorded invert
//! elevations say otherwise.

use serde::Serialize;
use undermap_core::{FeatureId, FeatureKind};

use crate::{EdgeId, Network, NodeId};

/// What lies downstream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Downstream {
    /// Line pieces downstream, the starting one first, in the order the flow reaches them.
    pub edges: Vec<EdgeId>,
    /// Their length, metres.
    pub length_m: f64,
    /// Outfalls reached.
    pub outfalls: Vec<FeatureId>,
    /// Manholes, inlets and other facilities on the way.
    pub facilities: Vec<FeatureId>,
    /// Pieces whose flow direction comes from recorded inverts rather than digitising.
    pub by_inverts: usize,
}

impl Network {
    /// The node a piece drains into, and the one it drains from.
    fn flow(&self, edge: EdgeId) -> (NodeId, NodeId) {
        let e = &self.edges()[edge as usize];
        if e.against_digitised {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        }
    }

    /// Everything downstream of (and including) `edge`.
    #[must_use]
    pub fn downstream(&self, edge: EdgeId) -> Downstream {
        let mut taken = vec![false; self.edges().len()];
        let mut visited = vec![false; self.nodes().len()];
        let mut order = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        if (edge as usize) < self.edges().len() {
            taken[edge as usize] = true;
            order.push(edge);
            queue.push_back(self.flow(edge).1);
        }
        let mut outfalls = Vec::new();
        let mut facilities = Vec::new();
        while let Some(node) = queue.pop_front() {
            if std::mem::replace(&mut visited[node as usize], true) {
                continue;
            }
            for f in self.facilities_at(node) {
                if f.kind == FeatureKind::Outfall {
                    outfalls.push(f.feature.clone());
                } else {
                    facilities.push(f.feature.clone());
                }
            }
            for &e in self.edges_at(node) {
                let (up, down) = self.flow(e);
                if up == node && !std::mem::replace(&mut taken[e as usize], true) {
                    order.push(e);
                    queue.push_back(down);
                }
            }
        }
        let length: f64 = order
            .iter()
            .map(|&e| self.edges()[e as usize].length_m)
            .sum();
        Downstream {
            by_inverts: order
                .iter()
                .filter(|&&e| self.edges()[e as usize].against_digitised)
                .count(),
            edges: order,
            length_m: (length * 10.0).round() / 10.0,
            outfalls,
            facilities,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::tests::{facility, pipe, water};
    use crate::{BuildOptions, Network};
    use serde_json::json;
    use undermap_core::FeatureKind;

    #[test]
    fn the_flow_follows_digitising_or_inverts_to_the_outfall() {
        // Two branches join at J and run to an outfall; one branch is digitised uphill but its
        // inverts say it flows towards J; a pipe upstream of the start is not downstream.
        let mut uphill = pipe("b", &[(100.0, 50.0), (50.0, 100.0)]);
        uphill
            .attrs
            .extra
            .insert("invert_start_m".into(), json!(300.0));
        uphill
            .attrs
            .extra
            .insert("invert_end_m".into(), json!(301.2));
        let features = vec![
            pipe("up", &[(0.0, 0.0), (50.0, 0.0)]),
            pipe("a", &[(50.0, 0.0), (100.0, 50.0)]),
            uphill,
            pipe("out", &[(100.0, 50.0), (200.0, 50.0)]),
            facility("J", FeatureKind::Manhole, (100.0, 50.0), json!({})),
            facility("O", FeatureKind::Outfall, (200.0, 50.0), json!({})),
        ];
        let net = Network::build(&water(), &features, BuildOptions::default());
        let start = net.edges_of(&"a".parse().unwrap()).next().unwrap();
        let d = net.downstream(start);
        let names: Vec<&str> = d
            .edges
            .iter()
            .map(|&e| net.edges()[e as usize].feature.as_str())
            .collect();
        assert_eq!(names, ["a", "out"]);
        assert_eq!(d.outfalls, ["O".parse().unwrap()]);
        assert_eq!(d.facilities, ["J".parse().unwrap()]);
        let from_b = net.downstream(net.edges_of(&"b".parse().unwrap()).next().unwrap());
        let names: Vec<&str> = from_b
            .edges
            .iter()
            .map(|&e| net.edges()[e as usize].feature.as_str())
            .collect();
        assert_eq!(names, ["b", "out"], "b drains to J by its inverts");
        assert_eq!(from_b.by_inverts, 1);
    }
}
