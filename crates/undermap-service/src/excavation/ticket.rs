//! Tickets: the answer a check keeps, reading one back, an account's list and verification.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use undermap_core::{Risk, TicketId};

use super::Excavation;
use super::Hit;
use crate::{ServiceError, TicketSignature};

/// Counts of a check's hits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    // Declared in sorted order: a ticket's canonical JSON writes them as declared.
    /// Hits per layer.
    pub by_layer: BTreeMap<String, usize>,
    /// Hits per risk; every risk is listed, with 0 where none.
    pub by_risk: BTreeMap<String, usize>,
    /// All hits.
    pub total: usize,
}

/// An owner to call, once, with how many of its assets are involved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OwnerSummary {
    // Declared in sorted order: a ticket's canonical JSON writes them as declared.
    /// Assets of this owner among the hits.
    pub assets: usize,
    /// Contact.
    pub contact: Option<String>,
    /// The highest risk among them.
    pub highest_risk: Risk,
    /// Organisation, or `unknown owner`.
    pub name: String,
}

/// The answer to an excavation check, stored verbatim as its ticket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResponse {
    /// Ticket number.
    pub id: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// The last day it may be relied on: the configured number of working days (default 20,
    /// on the holiday calendar) after a dig's planned start, or after the day an orientation
    /// was issued (the deployment's local date). Absent on tickets issued before
    /// tickets had a validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The account it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_to: Option<String>,
    /// `dig` or `orientation`. Absent on tickets issued before tickets had types (all digs).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<undermap_core::TicketType>,
    /// Whether a dig may rely on it (false for an orientation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dig_allowed: Option<bool>,
    /// A dig's planned first day: it is valid from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<NaiveDate>,
    /// What an orientation ticket says of itself (`en`, `zh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<BTreeMap<String, String>>,
    /// When the registered owners asked must have answered (absent when none was asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_by: Option<DateTime<Utc>>,
    /// An emergency's owners to call at once, its dangers and when its reason is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<serde_json::Value>,
    /// The precaution zones the area touches: each owner's requirement and whom to call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub precautions: Vec<serde_json::Value>,
    /// The contractor's reference.
    pub reference: Option<String>,
    /// CRS of `area` and every geometry in this answer.
    pub crs: String,
    /// The area as given.
    pub area: serde_json::Value,
    /// Its size, m².
    pub area_m2: f64,
    /// Tolerance zone used, m.
    pub buffer_m: f64,
    /// Dig depth given, m.
    pub depth_m: Option<f64>,
    /// Layers searched.
    pub layers: Vec<String>,
    /// When the data answered from was read from the store.
    pub data_as_of: DateTime<Utc>,
    /// The past moment asked for with `at`: the answer is the map as it stood then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// True when the server knows its data may be behind the store (a reload failed or it lost
    /// touch with other processes' deliveries): check with the owners before relying on it.
    pub stale: bool,
    /// Counts.
    pub summary: Summary,
    /// Every feature found, most severe first.
    pub hits: Vec<Hit>,
    /// Owners to call.
    pub owners: Vec<OwnerSummary>,
    /// The archive projects the area touches, nearest first: ask the archive for their
    /// as-built drawings (`GET /v1/projects/{code}`). Absent on tickets issued before the
    /// archive was searched.
    #[serde(default)]
    pub archive_projects: Vec<crate::archive::TouchingProject>,
    /// The server's Ed25519 signature over the ticket's canonical JSON (docs/tickets.md).
    /// Absent on tickets issued before tickets were signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<TicketSignature>,
}

/// What checking a ticket's signature found (`GET /v1/excavation-checks/{id}/verify`).
#[derive(Debug, Clone, Serialize)]
pub struct TicketCheck {
    /// Ticket number.
    pub id: String,
    /// Whether the stored ticket is signed by this server's key and unchanged since, and (when
    /// a signature was given, as from a printout's QR code) the signature is the ticket's.
    pub valid: bool,
    /// Why not, when it is not.
    pub reason: Option<String>,
    /// The key that signed it.
    pub key_id: Option<String>,
    /// When it was issued (only for a valid ticket).
    pub created_at: Option<DateTime<Utc>>,
    /// Its last valid day (only for a valid ticket).
    pub valid_until: Option<NaiveDate>,
    /// Whether that day has passed (the deployment's local date).
    pub expired: Option<bool>,
    /// `dig` or `orientation` (only for a valid ticket; tickets from before types were digs).
    #[serde(rename = "type")]
    pub ticket_type: Option<undermap_core::TicketType>,
    /// Whether a dig may rely on it: false for an orientation (only for a valid ticket).
    pub dig_allowed: Option<bool>,
    /// A dig's planned first day (only for a valid ticket that has one).
    pub planned_start: Option<NaiveDate>,
    /// Whether that day is still to come: the dig may not start on this ticket yet.
    pub not_yet_valid: Option<bool>,
    /// The contractor's reference (only for a valid ticket).
    pub reference: Option<String>,
    /// Hits and the highest risk (only for a valid ticket).
    pub hits: Option<usize>,
    /// The highest risk among them.
    pub highest_risk: Option<String>,
    /// When its data was read from the store.
    pub data_as_of: Option<DateTime<Utc>>,
}

/// A stored ticket: its number and its exact body.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Number.
    pub id: TicketId,
    /// The JSON body, byte for byte as stored.
    pub body: String,
    /// How many hits it reports (known when it was just issued).
    pub hits: Option<usize>,
}

impl Excavation<'_> {
    /// A stored ticket's exact body, for its holder (`viewer`), or for anyone when `viewer` is
    /// `None` (roles that may read every ticket). Someone else's ticket is not found.
    pub async fn ticket(&self, id: &str, viewer: Option<&str>) -> Result<Ticket, ServiceError> {
        let not_found = || ServiceError::NotFound {
            what: format!(
                "excavation check {:?}",
                id.chars().take(40).collect::<String>()
            ),
        };
        let id: TicketId = id.parse().map_err(|_| not_found())?;
        let body = self.app.store().ticket(&id).await?.ok_or_else(not_found)?;
        if let Some(viewer) = viewer {
            #[derive(Deserialize)]
            struct Holder {
                issued_to: Option<String>,
            }
            let holder: Holder = serde_json::from_str(&body)
                .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
            if holder.issued_to.as_deref() != Some(viewer) {
                return Err(not_found());
            }
        }
        Ok(Ticket {
            id,
            body,
            hits: None,
        })
    }
}

/// One of an account's tickets, as its list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketSummary {
    /// Ticket number.
    pub id: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// Its last valid day.
    pub valid_until: Option<NaiveDate>,
    /// The contractor's reference.
    pub reference: Option<String>,
    /// The area's size, m².
    pub area_m2: f64,
    /// How many hits.
    pub hits: usize,
    /// The highest risk among them (`null` when none).
    pub highest_risk: Option<String>,
}

impl Excavation<'_> {
    /// The tickets issued to `account`, newest first, at most `limit` (1 to 500).
    pub async fn tickets_of(
        &self,
        account: &str,
        limit: usize,
    ) -> Result<Vec<TicketSummary>, ServiceError> {
        ServiceError::count_within("limit", limit, 500)?;
        self.app
            .store()
            .tickets_issued_to(account, limit)
            .await?
            .iter()
            .map(|body| {
                let t: CheckResponse = serde_json::from_str(body)
                    .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
                Ok(TicketSummary {
                    highest_risk: t.hits.first().map(|h| h.risk.to_string()),
                    hits: t.hits.len(),
                    id: t.id,
                    created_at: t.created_at,
                    valid_until: t.valid_until,
                    reference: t.reference,
                    area_m2: t.area_m2,
                })
            })
            .collect()
    }

    /// A stored ticket, parsed (for the printable view), for its holder as [`Self::ticket`].
    pub async fn ticket_json(
        &self,
        id: &str,
        viewer: Option<&str>,
    ) -> Result<(TicketId, serde_json::Value), ServiceError> {
        let ticket = self.ticket(id, viewer).await?;
        let value: serde_json::Value = serde_json::from_str(&ticket.body)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        // A page drawn from a ticket missing its parts would show blanks as if nothing were there.
        CheckResponse::deserialize(&value)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        Ok((ticket.id, value))
    }

    /// Checks a stored ticket's signature against this server's key and, when `given` (the
    /// signature printed in a ticket's QR code), that it is the ticket's own. Reveals the
    /// ticket's dates, reference and counts only when it is valid.
    pub async fn verify(&self, id: &str, given: Option<&str>) -> Result<TicketCheck, ServiceError> {
        let ticket = self.ticket(id, None).await?;
        let verifier = self.app.config().ticket_signer.verifier();
        let outcome = verifier
            .verify(&ticket.body)
            .and_then(|signature| match given {
                Some(g) if g.trim() != signature.value => Err(crate::SignatureError::Mismatch),
                _ => Ok(signature),
            });
        let mut check = TicketCheck {
            id: ticket.id.to_string(),
            valid: outcome.is_ok(),
            reason: outcome.as_ref().err().map(ToString::to_string),
            key_id: outcome.as_ref().ok().map(|s| s.key_id.clone()),
            created_at: None,
            valid_until: None,
            expired: None,
            ticket_type: None,
            dig_allowed: None,
            planned_start: None,
            not_yet_valid: None,
            reference: None,
            hits: None,
            highest_risk: None,
            data_as_of: None,
        };
        if check.valid {
            let t: CheckResponse = serde_json::from_str(&ticket.body)
                .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
            check.created_at = Some(t.created_at);
            check.valid_until = t.valid_until;
            let today = self.app.config().local_date(Utc::now());
            check.expired = t.valid_until.map(|d| d < today);
            let ticket_type = t.ticket_type.unwrap_or_default();
            check.ticket_type = Some(ticket_type);
            check.dig_allowed = Some(
                t.dig_allowed
                    .unwrap_or(ticket_type == undermap_core::TicketType::Dig),
            );
            check.planned_start = t.planned_start;
            check.not_yet_valid = t.planned_start.map(|d| today < d);
            check.reference = t.reference;
            check.hits = Some(t.hits.len());
            check.highest_risk = t.hits.first().map(|h| h.risk.to_string());
            check.data_as_of = Some(t.data_as_of);
        }
        tracing::info!(ticket = %check.id, valid = check.valid, "ticket verified");
        Ok(check)
    }
}
