//! The urban-construction archive (城建档案): every construction project, the events of its
//! lifecycle (notice, guidance, acceptance, hand-over, filing), the deadlines they set, the files
//! its category owes the archive, and the credit record of the construction units.
//!
//! The archive's service window ([`Schedule`]) lays the slots visitors book.
//!
//! Everything here is pure, like `undermap-core`: values are parsed at the edges into types that
//! cannot hold a bad state — a [`CreditCode`] has a right check character, a [`ProjectCode`] is
//! in the national format, and a project's [`Status`] is only ever what its recorded events,
//! replayed by [`Lifecycle`], lead to.

pub mod access;
pub mod checklist;
pub mod credit;
pub mod credit_code;
pub mod deadlines;
mod error;
pub mod feedback;
mod lifecycle;
mod project_code;
pub mod search;
pub mod window;

pub use access::Access;
pub use checklist::{Catalogue, Checklist, ChecklistItem, FileCategory, ProjectCategory};
pub use credit_code::CreditCode;
pub use deadlines::{Deadline, Overdue, Rules};
pub use error::ArchiveError;
pub use lifecycle::{EventBody, Finding, Lifecycle, Status};
pub use project_code::ProjectCode;
pub use search::SearchText;
pub use window::{Booking, Day, Schedule, Slot, Wanted};
