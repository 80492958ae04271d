//! Planned routes against the map: the clearance check (GB 50289's clear distances, the table
//! as data), kept as a numbered, signed, immutable report; the reports read back, listed and
//! verified; and the cross-section of a cut. The judging is `undermap-clearance`'s.

mod check;
mod report;
mod reports;
mod request;
mod section;

pub use report::{
    ClearanceReport, ConflictOut, CrossingOut, FailingSpan, HorizontalOut, RuleOut, SortedGeometry,
    TableOut,
};
pub use reports::ReportCheck;
pub use request::{ClearanceRequest, Depths};
pub use section::{CrossSection, SectionItem};

use undermap_clearance::{ClearanceNumber, Verdict};

use crate::Service;

/// Clearance checks and cross-sections: `service.clearance()`.
#[derive(Debug, Clone, Copy)]
pub struct Clearance<'a> {
    app: &'a Service,
}

impl Service {
    /// Clearance checks of planned routes, their reports, and cross-sections.
    #[must_use]
    pub fn clearance(&self) -> Clearance<'_> {
        Clearance { app: self }
    }
}

/// A report just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its number.
    pub number: ClearanceNumber,
    /// Its verdict.
    pub verdict: Verdict,
    /// Features listed.
    pub features: usize,
    /// The signed report, as stored.
    pub body: String,
}
