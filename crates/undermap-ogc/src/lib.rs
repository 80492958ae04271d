//! OGC API – Features (Parts 1, 2 and 3) answered from the in-memory index.
//!
//! Everything here is HTTP-free: the API crate parses a request's query into an
//! [`ItemsRequest`], asks [`items::page`] for the matching features, and writes them with
//! [`write`]. Documents (landing page, conformance, collections) come from [`documents`].

pub mod cql2;
pub mod documents;
mod error;
pub mod items;
pub mod params;
pub mod queryables;
pub mod write;

pub use error::OgcError;
pub use items::{Cursor, ItemsRequest, Page};
