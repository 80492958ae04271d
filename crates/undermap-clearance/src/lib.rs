//! Planned routes against what lies in the ground. The clearance table (GB 50289 净距) is data
//! with a source on every row ([`table`]); [`check`] measures a [`PlannedRoute`] against the
//! existing lines and facilities near it, side by side and at every crossing, and says `pass`,
//! `fail` or `unknown` (a value it needs is not recorded, or the table has no row), never
//! `pass` for want of data; [`section`] cuts across a street and draws what lies under it.
//! Pure: the caller brings the features (from the index) and keeps the report.

pub mod check;
mod error;
mod geom;
mod number;
pub mod route;
pub mod section;
pub mod table;

pub use check::{
    check, failing_spans, search_radius_m, Conflict, Crossing, Horizontal, Judgement, Verdict,
};
pub use error::ClearanceError;
pub use number::ClearanceNumber;
pub use route::{PlannedLine, PlannedRoute, PlannedType, Size, ROUTE_NAME};
pub use table::{ClearanceTable, Direction, UtilityClass};
