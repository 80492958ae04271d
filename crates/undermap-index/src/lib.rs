//! The in-memory spatial index of undermap.
//!
//! [`MapIndex`] holds every current feature (geometry in metres) and an `rstar` R-tree of their
//! envelopes, bulk-loaded. Queries find candidates by envelope and then apply the exact test with
//! `geo`. [`SharedIndex`] lets a rebuilt index replace the old one atomically while queries run.

mod check;
mod map_index;
mod nearest;
mod proximity;
mod shared;

pub use check::{CheckQuery, Match};
pub use map_index::{LayerStats, MapIndex};
pub use nearest::Nearest;
pub use shared::SharedIndex;
