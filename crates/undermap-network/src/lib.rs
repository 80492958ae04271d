//! The topology of undermap's network layers (water, gas, drainage, power, telecom): a graph per
//! layer whose nodes are line ends snapped within a tolerance, junctions where a line end or a
//! facility meets another line's interior, and the facilities (valves, regulators, switches,
//! transformers, manholes) that sit on them. Data-quality findings — disconnected pieces,
//! dangling ends, facilities off the network — come from the same graph, and so does the
//! isolation trace: the valves to close for a break, what loses supply and who; and distances
//! along a network (street centrelines) to the nearest emergency resources. No IO: built from
//! features already in the index.

mod downstream;
mod graph;
mod isolate;
mod quality;
mod route;

pub use downstream::Downstream;
pub use graph::{BuildOptions, Edge, EdgeId, Facility, Network, NodeId};
pub use isolate::{Consumer, Isolation, Valve, CRITICAL_CLASSES};
pub use quality::{Finding, FindingKind, Quality};
pub use route::{Join, RouteLength, Router};
