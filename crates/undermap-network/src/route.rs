//! Distances along a network: how far a crew drives along the street centrelines from a place to
//! each of several others. A place joins the network at the nearest point of the nearest line
//! (the straight leg to it is counted), then one Dijkstra search from there settles every target.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::Coord;
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};

use crate::graph::{EdgeId, Network, NodeId};

/// Where a place joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Join {
    /// The edge it joins.
    pub edge: EdgeId,
    /// Distance along the edge from its start, metres.
    pub along_m: f64,
    /// Length of the straight leg from the place to the edge, metres.
    pub leg_m: f64,
}

/// A route's length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteLength {
    /// Along the network, straight legs at both ends included, metres.
    pub total_m: f64,
    /// Of which along the network's lines, metres.
    pub along_network_m: f64,
}

/// A network with a spatial index of its lines, for joining places to it.
#[derive(Debug)]
pub struct Router {
    net: Network,
    /// Every segment of every edge, with (edge, distance along the edge to the segment start).
    segments: RTree<Segment>,
}

/// A segment of an edge, with (edge, distance along the edge to the segment's start).
type Segment = GeomWithData<Line<[f64; 2]>, (EdgeId, f64)>;

/// A node and the cost to reach it, ordered for a min-heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reach(f64, NodeId);

impl Eq for Reach {}

impl Ord for Reach {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Reach {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Router {
    /// Indexes the network's lines.
    #[must_use]
    pub fn new(net: Network) -> Self {
        let mut items = Vec::new();
        for (i, e) in net.edges().iter().enumerate() {
            let Ok(id) = EdgeId::try_from(i) else { break };
            let mut along = 0.0;
            for w in e.coords.windows(2) {
                let (a, b) = ([w[0].x, w[0].y], [w[1].x, w[1].y]);
                items.push(GeomWithData::new(Line::new(a, b), (id, along)));
                along += (b[0] - a[0]).hypot(b[1] - a[1]);
            }
        }
        Self {
            net,
            segments: RTree::bulk_load(items),
        }
    }

    /// The network routed over.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Where `place` joins the network: the nearest point of the nearest line within
    /// `max_leg_m`.
    #[must_use]
    pub fn join(&self, place: Coord<f64>, max_leg_m: f64) -> Option<Join> {
        let p = [place.x, place.y];
        let hit = self.segments.nearest_neighbor(&p)?;
        let leg_m = hit.distance_2(&p).sqrt();
        if leg_m > max_leg_m {
            return None;
        }
        let (edge, start) = hit.data;
        let (a, b) = (hit.geom().from, hit.geom().to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(Join {
            edge,
            along_m: start + t * len2.sqrt(),
            leg_m,
        })
    }

    /// Route lengths from `from` to each of `to` (`None`: not reachable on the network). One
    /// search, stopped once every target's edge ends are settled.
    #[must_use]
    pub fn lengths(&self, from: Join, to: &[Join]) -> Vec<Option<RouteLength>> {
        let edges = self.net.edges();
        let n = self.net.nodes().len();
        let mut dist = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        let start = &edges[from.edge as usize];
        for (node, cost) in [
            (start.from, from.along_m),
            (start.to, (start.length_m - from.along_m).max(0.0)),
        ] {
            if cost < dist[node as usize] {
                dist[node as usize] = cost;
                heap.push(Reach(cost, node));
            }
        }
        let mut wanted: Vec<NodeId> = to
            .iter()
            .flat_map(|j| {
                let e = &edges[j.edge as usize];
                [e.from, e.to]
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut settled = vec![false; n];
        let mut left = wanted.len();
        while let Some(Reach(cost, node)) = heap.pop() {
            if settled[node as usize] || cost > dist[node as usize] {
                continue;
            }
            settled[node as usize] = true;
            if wanted.binary_search(&node).is_ok() {
                left -= 1;
                if left == 0 {
                    break;
                }
            }
            for &e in self.net.edges_at(node) {
                let next = self.net.across(e, node);
                let c = cost + edges[e as usize].length_m;
                if c < dist[next as usize] {
                    dist[next as usize] = c;
                    heap.push(Reach(c, next));
                }
            }
        }
        to.iter()
            .map(|j| {
                let e = &edges[j.edge as usize];
                let mut along = (dist[e.from as usize] + j.along_m)
                    .min(dist[e.to as usize] + (e.length_m - j.along_m).max(0.0));
                if j.edge == from.edge {
                    along = along.min((j.along_m - from.along_m).abs());
                }
                along.is_finite().then_some(RouteLength {
                    total_m: along + from.leg_m + j.leg_m,
                    along_network_m: along,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::feature;
    use crate::BuildOptions;
    use geo::line_string;
    use undermap_core::FeatureKind;

    /// Two streets meeting at (100, 0), and a separate one far away.
    fn streets() -> Router {
        let f = [
            feature(
                "s1",
                FeatureKind::Road,
                line_string![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0)].into(),
            ),
            feature(
                "s2",
                FeatureKind::Road,
                line_string![(x: 100.0, y: 0.0), (x: 100.0, y: 100.0)].into(),
            ),
            feature(
                "far",
                FeatureKind::Road,
                line_string![(x: 1000.0, y: 0.0), (x: 1100.0, y: 0.0)].into(),
            ),
        ];
        // The test features are on layer `water`; the graph does not mind what a layer holds.
        let net = Network::build(&"water".parse().unwrap(), f.iter(), BuildOptions::default());
        Router::new(net)
    }

    #[test]
    fn follows_the_streets_round_the_corner() {
        let r = streets();
        let from = r.join(Coord { x: 10.0, y: 5.0 }, 50.0).unwrap();
        assert!((from.leg_m - 5.0).abs() < 1e-9 && (from.along_m - 10.0).abs() < 1e-9);
        let to = [
            r.join(Coord { x: 95.0, y: 90.0 }, 50.0).unwrap(),
            r.join(Coord { x: 30.0, y: -2.0 }, 50.0).unwrap(),
            r.join(Coord { x: 1050.0, y: 1.0 }, 50.0).unwrap(),
        ];
        let got = r.lengths(from, &to);
        // 90 m east to the corner, 90 m north, legs of 5 m each.
        let a = got[0].unwrap();
        assert!((a.along_network_m - 180.0).abs() < 1e-9, "{a:?}");
        assert!((a.total_m - 190.0).abs() < 1e-9, "{a:?}");
        // Same street: straight along it.
        let b = got[1].unwrap();
        assert!((b.along_network_m - 20.0).abs() < 1e-9, "{b:?}");
        // Another, unconnected street: no route.
        assert!(got[2].is_none());
        // Too far from any street to join.
        assert!(r.join(Coord { x: 500.0, y: 500.0 }, 50.0).is_none());
    }
}
