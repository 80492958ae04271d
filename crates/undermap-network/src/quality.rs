//! Data-quality findings of a network: pieces not connected to the rest, dangling ends, and
//! facilities that are not on any line. Findings, not errors: archives are never perfect, and
//! the map must still answer.

use geo::Coord;
use serde::Serialize;
use undermap_core::{FeatureId, FeatureKind};

use crate::{Network, NodeId};

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A group of lines not connected to the largest one.
    Disconnected,
    /// A line end that meets nothing (no other line, no facility) within tolerance.
    DanglingEnd,
    /// A point facility (valve, regulator…) not on any line within tolerance.
    OffNetwork,
    /// A valve or switch exactly on a junction of three or more lines, with nothing (`on_pipe`,
    /// 所在管线) saying which line it closes: traces do not count on it.
    ValveBranchUnknown,
}

/// One finding, with a feature to look at and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What is wrong.
    pub kind: FindingKind,
    /// A feature involved.
    pub feature: FeatureId,
    /// Where, in the deployment CRS.
    pub at: [f64; 2],
    /// In one sentence.
    pub detail: String,
}

/// The quality of one layer's network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    /// Nodes.
    pub nodes: usize,
    /// Edges (pieces of lines between nodes).
    pub edges: usize,
    /// Connected pieces (1 for a fully connected network).
    pub components: usize,
    /// Total line length, metres.
    pub length_m: f64,
    /// Every finding.
    pub findings: Vec<Finding>,
}

/// Union-find over nodes.
struct Sets(Vec<NodeId>);

impl Sets {
    fn root(&mut self, mut n: NodeId) -> NodeId {
        while self.0[n as usize] != n {
            let up = self.0[self.0[n as usize] as usize];
            self.0[n as usize] = up;
            n = up;
        }
        n
    }

    fn join(&mut self, a: NodeId, b: NodeId) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.0[ra as usize] = rb;
        }
    }
}

fn at(c: Coord<f64>) -> [f64; 2] {
    [
        (c.x * 1000.0).round() / 1000.0,
        (c.y * 1000.0).round() / 1000.0,
    ]
}

impl Network {
    /// The connected piece of every node (a number per node, equal for connected nodes).
    #[must_use]
    pub fn components(&self) -> Vec<NodeId> {
        let n = NodeId::try_from(self.nodes().len()).unwrap_or(NodeId::MAX);
        let mut sets = Sets((0..n).collect());
        for e in self.edges() {
            sets.join(e.from, e.to);
        }
        (0..n).map(|i| sets.root(i)).collect()
    }

    /// Findings: every disconnected piece but the largest, every dangling end (a service
    /// connection's end at a plot and an outfall's are ends by design and not reported), every
    /// facility off the network.
    #[must_use]
    pub fn quality(&self) -> Quality {
        let tol = self.options().tolerance_m;
        let component = self.components();
        let mut sizes: std::collections::HashMap<NodeId, (usize, f64, usize)> =
            std::collections::HashMap::new();
        for (i, e) in self.edges().iter().enumerate() {
            let s = sizes
                .entry(component[e.from as usize])
                .or_insert((0, 0.0, i));
            s.0 += 1;
            s.1 += e.length_m;
        }
        let largest = sizes
            .iter()
            .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(b.0.cmp(a.0)))
            .map(|(root, _)| *root);
        let mut findings = Vec::new();
        let mut pieces: Vec<(&NodeId, &(usize, f64, usize))> = sizes
            .iter()
            .filter(|(root, _)| Some(**root) != largest)
            .collect();
        pieces.sort_by_key(|(_, s)| s.2);
        for (_, (count, length, first)) in pieces {
            let e = &self.edges()[*first];
            findings.push(Finding {
                kind: FindingKind::Disconnected,
                feature: e.feature.clone(),
                at: at(self.nodes()[e.from as usize]),
                detail: format!(
                    "{count} line piece(s), {length:.1} m, not connected to the rest of the network (gap over {tol} m)"
                ),
            });
        }
        for (n, c) in self.nodes().iter().enumerate() {
            let node = NodeId::try_from(n).unwrap_or(NodeId::MAX);
            let edges = self.edges_at(node);
            if edges.len() != 1 || self.facilities_at(node).next().is_some() {
                continue;
            }
            let e = &self.edges()[edges[0] as usize];
            // A service connection ends at its plot.
            if e.kind == FeatureKind::ServiceConnection && e.to == node {
                continue;
            }
            findings.push(Finding {
                kind: FindingKind::DanglingEnd,
                feature: e.feature.clone(),
                at: at(*c),
                detail: format!("this end meets no other line and no facility within {tol} m"),
            });
        }
        for f in self.facilities() {
            if f.node.is_none() {
                findings.push(Finding {
                    kind: FindingKind::OffNetwork,
                    feature: f.feature.clone(),
                    at: at(f.at),
                    detail: format!("this {} is not on any line within {tol} m", f.kind),
                });
            }
        }
        for f in self.facilities() {
            if let (Some(node), true) = (f.node, f.branch_unknown()) {
                findings.push(Finding {
                    kind: FindingKind::ValveBranchUnknown,
                    feature: f.feature.clone(),
                    at: at(f.at),
                    detail: format!(
                        "this {} sits on a junction of {} lines and nothing says which one it closes; \
                         give its pipe in on_pipe (所在管线), or digitise it on its pipe",
                        f.kind,
                        self.edges_at(node).len()
                    ),
                });
            }
        }
        Quality {
            nodes: self.nodes().len(),
            edges: self.edges().len(),
            components: sizes.len(),
            length_m: (self.edges().iter().map(|e| e.length_m).sum::<f64>() * 10.0).round() / 10.0,
            findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{feature, pipe, water};
    use crate::BuildOptions;
    use geo::{line_string, point};

    #[test]
    fn gaps_dangling_ends_and_stray_facilities_are_found() {
        let features = [
            // A main with a valve at each end and a service connection to a plot.
            pipe("m1", &[(0.0, 0.0), (100.0, 0.0)]),
            feature("v0", FeatureKind::Valve, point!(x: 0.0, y: 0.0).into()),
            feature("v1", FeatureKind::Valve, point!(x: 100.0, y: 0.0).into()),
            feature(
                "s1",
                FeatureKind::ServiceConnection,
                line_string![(x: 50.0, y: 0.0), (x: 50.0, y: 12.0)].into(),
            ),
            // Half a metre short of the main: a separate piece with a dangling end each side.
            pipe("m2", &[(100.5, 0.0), (150.0, 0.0)]),
            // A regulator drawn 3 m off the line.
            feature("r", FeatureKind::Regulator, point!(x: 20.0, y: 3.0).into()),
        ];
        let q = Network::build(&water(), &features, BuildOptions::default()).quality();
        assert_eq!(q.components, 2);
        let kinds: Vec<(FindingKind, &str)> = q
            .findings
            .iter()
            .map(|f| (f.kind, f.feature.as_str()))
            .collect();
        assert!(
            kinds.contains(&(FindingKind::Disconnected, "m2")),
            "{kinds:?}"
        );
        assert_eq!(
            kinds
                .iter()
                .filter(|k| k.0 == FindingKind::DanglingEnd)
                .count(),
            2,
            "both ends of m2; the valves close m1's, the plot ends s1: {kinds:?}"
        );
        assert!(kinds.contains(&(FindingKind::OffNetwork, "r")));
        assert!((q.length_m - 161.5).abs() < 0.01, "{}", q.length_m);
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["findings"][0]["kind"], "disconnected");
    }

    #[test]
    fn a_connected_network_has_no_findings() {
        let features = [
            pipe("a", &[(0.0, 0.0), (10.0, 0.0)]),
            pipe("b", &[(10.0, 0.0), (10.0, 10.0)]),
            feature("va", FeatureKind::Valve, point!(x: 0.0, y: 0.0).into()),
            feature("vb", FeatureKind::Valve, point!(x: 10.0, y: 10.0).into()),
        ];
        let q = Network::build(&water(), &features, BuildOptions::default()).quality();
        assert_eq!((q.components, q.findings.len()), (1, 0), "{q:?}");
    }
}
