//! Owners answer tickets; a ticket's state is versioned from their answers and its deadline;
//! an owner's inbox lists the tickets that asked it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use undermap_core::answers::{versions, Answered, TicketVersion};
use undermap_core::{ResponseCode, TicketId, TicketState};
use undermap_store::{AnswerFile, ResponseRecord, TicketOwnerRow};

use super::Owners;
use crate::excavation::CheckResponse;
use crate::ServiceError;

/// Longest note accepted with an answer.
const MAX_NOTE_CHARS: usize = 4000;

/// An answer as an owner sends it (`POST /v1/excavation-checks/{id}/responses`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The owner answering (its registry id); may be left out by an account that answers for
    /// one owner on the ticket only.
    #[serde(default)]
    pub owner: Option<String>,
    /// `clear`, `marked`, `records_provided`, `site_meeting_required`, `standby_required` or
    /// `conflict`.
    pub code: String,
    /// What the owner adds (where the marks are, whom to meet, …).
    #[serde(default)]
    pub note: Option<String>,
}

/// Who is answering or asking.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    /// The account.
    pub account: &'a str,
    /// May read every ticket and answer for any owner (administrators).
    pub all: bool,
}

/// A registered owner a ticket asked, and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct AskedOwner {
    /// Registry id.
    pub id: String,
    /// Its name on the ticket.
    pub name: String,
    /// Its assets among the hits.
    pub assets: u32,
    /// Its last answer's code, if it answered.
    pub code: Option<ResponseCode>,
    /// Whether the notification reached its webhook (`null`: it has none, inbox only).
    pub delivered: Option<bool>,
}

/// Where a ticket stands with its owners (`GET /v1/excavation-checks/{id}/status`).
#[derive(Debug, Clone, Serialize)]
pub struct TicketStatus {
    /// The ticket.
    pub id: String,
    /// Its current state.
    pub state: TicketState,
    /// When owners must have answered (none: no registered owner was asked).
    pub answer_by: Option<DateTime<Utc>>,
    /// The registered owners asked.
    pub owners: Vec<AskedOwner>,
    /// Every version of its state, oldest first; the signed ticket never changes.
    pub versions: Vec<TicketVersion>,
    /// Every answer, in the order they came.
    pub responses: Vec<ResponseRecord>,
}

/// One ticket in an owner's inbox.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    /// The ticket and the owner's part in it.
    #[serde(flatten)]
    pub ticket: TicketOwnerRow,
    /// Whether its answer is still owed and the deadline has passed.
    pub overdue: bool,
}

/// Which of an owner's tickets to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxFilter {
    /// Not answered yet.
    Open,
    /// Answered.
    Answered,
    /// All.
    All,
}

impl std::str::FromStr for InboxFilter {
    type Err = ServiceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "answered" => Ok(Self::Answered),
            "all" => Ok(Self::All),
            other => Err(ServiceError::bad(
                "status",
                format!("{other:?}: give open, answered or all"),
            )),
        }
    }
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound {
        what: format!(
            "excavation check {:?}",
            id.chars().take(40).collect::<String>()
        ),
    }
}

impl Owners<'_> {
    /// The registered owners a ticket asked, if `asker` may see it (its holder, an account
    /// answering for one of them, or one that sees every ticket); else not found.
    async fn asked(
        &self,
        id: &str,
        asker: Asker<'_>,
    ) -> Result<(TicketId, CheckResponse, Vec<TicketOwnerRow>), ServiceError> {
        let ticket: TicketId = id.parse().map_err(|_| not_found(id))?;
        let body = self
            .app
            .store()
            .ticket(&ticket)
            .await?
            .ok_or_else(|| not_found(id))?;
        let parsed: CheckResponse = serde_json::from_str(&body)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        let rows = self.app.store().ticket_owners(&ticket.to_string()).await?;
        let mine = self.answered_by(asker.account);
        let may = asker.all
            || parsed.issued_to.as_deref() == Some(asker.account)
            || rows.iter().any(|r| mine.contains(&r.owner_id));
        if !may {
            return Err(not_found(id));
        }
        Ok((ticket, parsed, rows))
    }

    /// Whether `account` answers for an owner the ticket asked (so may read the ticket).
    pub async fn asks_owner_of(&self, ticket: &TicketId, account: &str) -> bool {
        let mine = self.answered_by(account);
        if mine.is_empty() {
            return false;
        }
        self.app
            .store()
            .ticket_owners(&ticket.to_string())
            .await
            .is_ok_and(|rows| rows.iter().any(|r| mine.contains(&r.owner_id)))
    }

    /// Stores an owner's answer to a ticket: the owner must be one the ticket asked and one
    /// `asker` answers for, and the ticket must still be valid. Appends a version.
    pub async fn respond(
        &self,
        id: &str,
        input: ResponseInput,
        files: Vec<AnswerFile>,
        asker: Asker<'_>,
    ) -> Result<ResponseRecord, ServiceError> {
        let code: ResponseCode = input.code.trim().parse()?;
        let note = input
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if let Some(n) = &note {
            if n.chars().count() > MAX_NOTE_CHARS {
                return Err(ServiceError::unprocessable(
                    "note",
                    format!("at most {MAX_NOTE_CHARS} characters"),
                ));
            }
        }
        let (ticket, parsed, rows) = self.asked(id, asker).await?;
        let mine = self.answered_by(asker.account);
        let row = if let Some(owner) = input.owner.as_deref() {
            rows.iter().find(|r| r.owner_id == owner).ok_or_else(|| {
                ServiceError::unprocessable(
                    "owner",
                    format!(
                        "ticket {ticket} did not ask owner {owner:?}: its assets are not in the area"
                    ),
                )
            })?
        } else {
            let candidates: Vec<&TicketOwnerRow> = rows
                .iter()
                .filter(|r| asker.all || mine.contains(&r.owner_id))
                .collect();
            match candidates[..] {
                [one] => one,
                [] => {
                    return Err(ServiceError::Forbidden(format!(
                        "account {} answers for no owner ticket {ticket} asked",
                        asker.account
                    )))
                }
                _ => {
                    return Err(ServiceError::unprocessable(
                        "owner",
                        "you answer for several owners on this ticket: name the one answering",
                    ))
                }
            }
        };
        if !asker.all && !mine.contains(&row.owner_id) {
            return Err(ServiceError::Forbidden(format!(
                "account {} does not answer for owner {}",
                asker.account, row.owner_id
            )));
        }
        let now = Utc::now();
        let today = self.app.config().local_date(now);
        if let Some(last) = parsed.valid_until {
            if today > last {
                return Err(ServiceError::Conflict(format!(
                    "ticket {ticket} expired on {last}: an answer can no longer change it; the \
                     contractor asks for a new ticket"
                )));
            }
        }
        let mut record = ResponseRecord {
            ticket_id: ticket.to_string(),
            seq: 0,
            owner: row.owner.clone(),
            code: code.as_str().to_owned(),
            note,
            files,
            answered_by: Some(asker.account.to_owned()),
            answered_at: now,
        };
        record.seq = self.app.store().add_response(&record).await?;
        tracing::info!(ticket = %ticket, owner = %row.owner_id, code = %code, seq = record.seq, "owner answered");
        Ok(record)
    }

    /// Where a ticket stands at `now`, with every version of its state.
    pub async fn status(
        &self,
        id: &str,
        asker: Asker<'_>,
        now: DateTime<Utc>,
    ) -> Result<TicketStatus, ServiceError> {
        let (ticket, parsed, rows) = self.asked(id, asker).await?;
        let responses = self.app.store().responses(&ticket.to_string()).await?;
        let answered: Vec<Answered> = responses
            .iter()
            .filter_map(|r| {
                Some(Answered {
                    seq: r.seq,
                    owner: r.owner.clone(),
                    code: r.code.parse().ok()?,
                    at: r.answered_at,
                })
            })
            .collect();
        let names: Vec<String> = rows.iter().map(|r| r.owner.clone()).collect();
        let answer_by = rows.iter().map(|r| r.answer_by).min();
        let versions = versions(
            &names,
            parsed.created_at,
            answer_by.unwrap_or(parsed.created_at),
            &answered,
            now,
        );
        let owners = rows
            .iter()
            .map(|r| AskedOwner {
                id: r.owner_id.clone(),
                name: r.owner.clone(),
                assets: r.assets,
                code: answered
                    .iter()
                    .rev()
                    .find(|a| a.owner == r.owner)
                    .map(|a| a.code),
                delivered: r.webhook_url.as_ref().map(|_| r.delivered_at.is_some()),
            })
            .collect();
        Ok(TicketStatus {
            id: ticket.to_string(),
            state: versions.last().map_or(TicketState::Complete, |v| v.state),
            answer_by,
            owners,
            versions,
            responses,
        })
    }

    /// The tickets that asked owner `owner_id`, newest first, for an account answering for it.
    pub async fn inbox(
        &self,
        owner_id: &str,
        filter: InboxFilter,
        limit: i64,
        asker: Asker<'_>,
    ) -> Result<Vec<InboxItem>, ServiceError> {
        let owner = self.get(owner_id)?;
        if !asker.all && !owner.accounts.iter().any(|a| a == asker.account) {
            return Err(ServiceError::Forbidden(format!(
                "account {} does not answer for owner {owner_id}",
                asker.account
            )));
        }
        let limit = super::page_limit(limit)?;
        let open = match filter {
            InboxFilter::Open => Some(true),
            InboxFilter::Answered => Some(false),
            InboxFilter::All => None,
        };
        let now = Utc::now();
        Ok(self
            .app
            .store()
            .owner_tickets(owner_id, open, limit)
            .await?
            .into_iter()
            .map(|t| InboxItem {
                overdue: t.answers == 0 && t.answer_by < now,
                ticket: t,
            })
            .collect())
    }
}

impl Owners<'_> {
    /// Every attempt to deliver a ticket to owners' webhooks.
    pub async fn attempts(
        &self,
        id: &str,
    ) -> Result<Vec<undermap_store::AttemptRecord>, ServiceError> {
        let ticket: TicketId = id.parse().map_err(|_| not_found(id))?;
        Ok(self.app.store().attempts(&ticket.to_string()).await?)
    }
}

impl Owners<'_> {
    /// A file attached to an answer, to those who may see the ticket (its holder, the owners
    /// it asked, roles that read every ticket).
    pub async fn answer_file(
        &self,
        id: &str,
        sha256: &str,
        asker: Asker<'_>,
    ) -> Result<(AnswerFile, undermap_store::FileBytes), ServiceError> {
        let (ticket, _, _) = self.asked(id, asker).await?;
        let file = self
            .app
            .store()
            .responses(&ticket.to_string())
            .await?
            .into_iter()
            .flat_map(|r| r.files)
            .find(|f| f.sha256 == sha256)
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("file {sha256:.16} of ticket {ticket}"),
            })?;
        let bytes = self.app.attachment_bytes(&file).await?;
        Ok((file, bytes))
    }
}
