//! Network owners and the dig workflow between them and contractors: the owners' registry, the
//! owners each ticket asks (written with the ticket, in its transaction), their notifications
//! and every attempt to deliver one, their answers, and the reasons given for emergencies.
//! Both backends run the statements of `sql.rs` word for word (the tables have the same names).

pub(crate) mod sql;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;

/// An owner as registered: the organisation that answers for assets delivered under any of
/// its `names` (the layers' `owner`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerRecord {
    /// Short, stable id (`[a-z0-9_-]`, at most 64).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Every name its assets are delivered under (its name among them); each belongs to one
    /// owner only.
    pub names: Vec<String>,
    /// People to call (name and phone, as given).
    pub contacts: Vec<String>,
    /// The phone answered day and night.
    pub emergency_phone: Option<String>,
    /// Where tickets are POSTed; none: they wait in its inbox.
    pub webhook_url: Option<String>,
    /// Accounts that answer tickets for it.
    pub accounts: Vec<String>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// An owner a new ticket asks to answer (stored with the ticket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketOwner {
    /// Its name as the ticket gives it.
    pub owner: String,
    /// Its registry id.
    pub owner_id: String,
    /// Its assets among the hits.
    pub assets: u32,
    /// When it must have answered.
    pub answer_by: DateTime<Utc>,
    /// Where the ticket is to be POSTed; none: inbox only.
    pub webhook_url: Option<String>,
}

/// An owner a ticket asked, with its notification's delivery and its answers so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketOwnerRow {
    /// The ticket.
    pub ticket_id: String,
    /// The owner's name on the ticket.
    pub owner: String,
    /// Its registry id.
    pub owner_id: String,
    /// Its assets among the hits.
    pub assets: u32,
    /// The account the ticket was issued to.
    pub issued_to: Option<String>,
    /// When the ticket was issued.
    pub issued_at: DateTime<Utc>,
    /// When the owner must have answered.
    pub answer_by: DateTime<Utc>,
    /// The webhook it is sent to; none: inbox only.
    pub webhook_url: Option<String>,
    /// Delivery attempts made.
    pub attempts: u32,
    /// The next attempt; none once delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the owner's endpoint took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Answers given.
    pub answers: u32,
}

/// A file attached to an answer (its bytes in the [`crate::FileStore`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AnswerFile {
    /// SHA-256 of the bytes: `GET /v1/files/{sha256}`.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// The name it was uploaded under.
    pub file_name: Option<String>,
}

/// An owner's answer to a ticket, as stored (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseRecord {
    /// The ticket.
    pub ticket_id: String,
    /// Its number on the ticket: 1, 2, … (given by the store).
    pub seq: u32,
    /// The owner's name on the ticket.
    pub owner: String,
    /// The response code (`clear`, `marked`, …).
    pub code: String,
    /// What the owner adds.
    pub note: Option<String>,
    /// Attached files.
    pub files: Vec<AnswerFile>,
    /// The account that answered.
    pub answered_by: Option<String>,
    /// When.
    pub answered_at: DateTime<Utc>,
}

/// One attempt to deliver a ticket to an owner's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRecord {
    /// The ticket.
    pub ticket_id: String,
    /// The owner's name on the ticket.
    pub owner: String,
    /// 1, 2, …
    pub attempt: u32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took, ms.
    pub duration_ms: u32,
}

/// What to do with a notification after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The endpoint took it.
    Delivered,
    /// Try again then.
    Retry(DateTime<Utc>),
    /// No more attempts: it stays in the owner's inbox.
    GiveUp,
}

/// The reason an emergency ticket's holder gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Justification {
    /// The ticket.
    pub ticket_id: String,
    /// The reason.
    pub reason: String,
    /// Who gave it.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An emergency ticket on its holder's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyRecord {
    /// The ticket.
    pub ticket_id: String,
    /// Its holder.
    pub issued_to: Option<String>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When its reason was due.
    pub justify_by: DateTime<Utc>,
    /// The reason, when given.
    pub justification: Option<Justification>,
}

/// Owners, their tickets and answers: part of every [`crate::Store`].
#[async_trait]
pub trait OwnersStore: Send + Sync {
    /// Registers an owner or replaces its entry; [`crate::StoreError::Conflict`] if one of its
    /// names belongs to another owner.
    async fn put_owner(&self, owner: &OwnerRecord) -> Result<()>;

    /// Every registered owner, by id.
    async fn owners(&self) -> Result<Vec<OwnerRecord>>;

    /// The owners a ticket asked, by name.
    async fn ticket_owners(&self, ticket: &str) -> Result<Vec<TicketOwnerRow>>;

    /// The tickets that asked an owner, newest first: all, only those it has not answered
    /// (`open = true`) or only those it has.
    async fn owner_tickets(
        &self,
        owner_id: &str,
        open: Option<bool>,
        limit: i64,
    ) -> Result<Vec<TicketOwnerRow>>;

    /// Stores an answer, numbered after the ticket's last one; returns its number.
    async fn add_response(&self, response: &ResponseRecord) -> Result<u32>;

    /// A ticket's answers in the order they were stored.
    async fn responses(&self, ticket: &str) -> Result<Vec<ResponseRecord>>;

    /// Takes up to `limit` notifications due at `now` and holds them until `lease_until`, so
    /// that no other sender takes them meanwhile.
    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TicketOwnerRow>>;

    /// Logs an attempt and moves the notification on as `outcome` says.
    async fn record_attempt(&self, attempt: &AttemptRecord, outcome: AttemptOutcome) -> Result<()>;

    /// Every delivery attempt for a ticket.
    async fn attempts(&self, ticket: &str) -> Result<Vec<AttemptRecord>>;

    /// Records an emergency's reason; [`crate::StoreError::Conflict`] if it has one.
    async fn justify(&self, justification: &Justification) -> Result<()>;

    /// The emergency tickets, newest first: of one holder, or all.
    async fn emergencies(&self, holder: Option<&str>, limit: i64) -> Result<Vec<EmergencyRecord>>;
}
