//! Coordinate reference systems for undermap, and the only crate that calls PROJ.
//!
//! A [`Crs`] is parsed from the names clients use (`EPSG:4490`, `OGC:CRS84`, OGC URIs and URNs,
//! PROJ strings for local grids) and knows its axis order and area of use. A [`Transformer`]
//! moves `geo` geometries between two of them, refusing coordinates outside either area of use
//! rather than moving them silently.
//!
//! Axis order: coordinates sent with a named CRS follow that CRS's own axis order, as OGC API
//! Features Part 2 requires: `OGC:CRS84` is lon, lat; `EPSG:4490` and `EPSG:4326` are lat, lon;
//! `EPSG:4545` is X = northing, Y = easting, as Chinese survey drawings write it. Inside undermap,
//! geometries are always easting/northing (lon/lat): [`Crs::gis_order`] gives that view.

mod crs;
mod error;
mod facts;
mod operation;
mod transform;

pub use crs::{AxisOrder, Crs};
pub use error::{CrsError, TRANSFORM_FAILED};
pub use operation::{Datums, Helmert, HelmertConvention, LocalTransformation, Operation};
pub use transform::{densified_ring, Transformer};
