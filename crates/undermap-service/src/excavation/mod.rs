//! The excavation check: "what lies under this polygon", answered from the index and kept as an
//! immutable, numbered, signed ticket.

mod asked;
mod check;
mod counts;
mod hits;
mod precautions;
mod request;
mod signing;
mod ticket;
mod ticket_text;

pub use hits::Hit;
pub use request::CheckRequest;
pub use signing::{
    canonical, SignatureError, TicketSignature, TicketSigner, TicketVerifier, ALGORITHM,
    KEY_ALGORITHM, LEGACY_ALGORITHM,
};
pub use ticket::{CheckResponse, OwnerSummary, Summary, Ticket, TicketCheck, TicketSummary};

use crate::Service;

/// The excavation check and its tickets: `service.excavation()`.
#[derive(Debug, Clone, Copy)]
pub struct Excavation<'a> {
    app: &'a Service,
}

impl Service {
    /// Excavation checks, their tickets and their verification.
    #[must_use]
    pub fn excavation(&self) -> Excavation<'_> {
        Excavation { app: self }
    }
}
