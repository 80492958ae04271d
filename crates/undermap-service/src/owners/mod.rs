//! Network owners and the dig workflow with contractors (KLIC, the 811 centres, DT-DICT): the
//! owners' registry, the owners a ticket asks and their notifications, their answers and the
//! ticket's versioned state, and the reasons owed for emergency tickets.

mod answers;
mod emergency;
mod notify;
pub(crate) mod registry;

pub use answers::{AskedOwner, Asker, InboxFilter, InboxItem, ResponseInput, TicketStatus};
pub use emergency::EmergencyStatus;
pub use notify::{Links, Notification, NotifiedOwner, SIGNATURE_HEADER};
pub(crate) use registry::webhook;
pub use registry::OwnerInput;

use crate::{Service, ServiceError};

/// A list's `limit`, 1 to 500.
fn page_limit(limit: i64) -> Result<i64, ServiceError> {
    ServiceError::count_within("limit", limit, 500)
}

/// Owners, their tickets and answers: `service.owners()`.
#[derive(Debug, Clone, Copy)]
pub struct Owners<'a> {
    app: &'a Service,
}

impl Service {
    /// Network owners: their registry, inbox, answers and notifications.
    #[must_use]
    pub fn owners(&self) -> Owners<'_> {
        Owners { app: self }
    }
}
