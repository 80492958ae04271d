//! Sending tickets to owners' webhooks, after the commit and off the request path.
//!
//! A ticket that asks an owner with a webhook is stored with that notification owed (the
//! `ticket_owners` row, in the ticket's own transaction). A background task takes owed
//! notifications as they fall due, POSTs each as JSON signed with the deployment's ticket key
//! (Ed25519 over the SHA-256 of the body, as tickets are signed: docs/owners.md), logs every
//! attempt, and retries with exponential backoff until the endpoint answers 2xx or the attempts
//! run out (the ticket then waits in the owner's inbox). A process that stops leaves its owed
//! notifications in the store for the next one: none is lost.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use undermap_crs::{Crs, Transformer};
use undermap_store::{AttemptOutcome, AttemptRecord, TicketOwnerRow};
use wkt::ToWkt;

use super::Owners;
use crate::excavation::CheckResponse;
use crate::{Service, ServiceError};

/// How long a notification taken by a sender is held from others.
const LEASE: chrono::Duration = chrono::Duration::seconds(120);
/// How long an endpoint has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often owed notifications are looked for when nothing wakes the sender.
const POLL: Duration = Duration::from_secs(15);
/// Longest wait between two attempts.
const MAX_BACKOFF_S: i64 = 3600;
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "undermap-signature";

/// What an owner's endpoint receives (docs/owners.md, docs/owner-notification.schema.json).
#[derive(Debug, Serialize)]
pub struct Notification<'a> {
    /// `ticket.issued`.
    pub event: &'static str,
    /// The ticket's number.
    pub ticket: &'a str,
    /// `dig`, `orientation` or `emergency`.
    #[serde(rename = "type")]
    pub ticket_type: Option<undermap_core::TicketType>,
    /// What the owner is asked for: `mark_or_answer`, or `records` for an orientation.
    pub request: &'static str,
    /// The owner, by registry id and by its name on the ticket.
    pub owner: NotifiedOwner<'a>,
    /// Its assets among the hits.
    pub assets: u32,
    /// Their feature ids (restricted ones included: they are the owner's own).
    pub feature_ids: Vec<&'a str>,
    /// When the ticket was issued, and to whom.
    pub issued_at: chrono::DateTime<Utc>,
    /// The holder's account.
    pub issued_to: Option<&'a str>,
    /// The contractor's reference.
    pub reference: Option<&'a str>,
    /// When the owner must have answered.
    pub answer_by: chrono::DateTime<Utc>,
    /// A dig's planned first day.
    pub planned_start: Option<chrono::NaiveDate>,
    /// The ticket's last valid day.
    pub valid_until: Option<chrono::NaiveDate>,
    /// The dig site as a GeoJSON Feature in CRS84 (longitude, latitude).
    pub site: serde_json::Value,
    /// The same polygon as WKT in CRS84, for one-call systems that take WKT.
    pub site_wkt: String,
    /// Dig depth, m.
    pub depth_m: Option<f64>,
    /// Where to read the ticket and to answer it.
    pub links: Links,
}

/// The owner a notification is for.
#[derive(Debug, Serialize)]
pub struct NotifiedOwner<'a> {
    /// Registry id.
    pub id: &'a str,
    /// Its name on the ticket.
    pub name: &'a str,
}

/// Where to read and answer a ticket.
#[derive(Debug, Serialize)]
pub struct Links {
    /// The signed ticket.
    pub ticket: String,
    /// Its state and answers.
    pub status: String,
    /// Where to POST the answer.
    pub respond: String,
}

/// Seconds to wait after attempt `n` (1, 2, …): `first`, doubling, at most an hour.
fn backoff(first_s: u32, attempt: u32) -> chrono::Duration {
    let s = i64::from(first_s.max(1)).saturating_mul(1_i64 << attempt.saturating_sub(1).min(20));
    chrono::Duration::seconds(s.min(MAX_BACKOFF_S))
}

impl Owners<'_> {
    /// The body of a notification for one owner a ticket asked.
    pub fn notification_body(
        &self,
        row: &TicketOwnerRow,
        ticket: &CheckResponse,
    ) -> Result<Vec<u8>, ServiceError> {
        let crs = Crs::parse(&ticket.crs)
            .map_err(|e| ServiceError::internal("reading a stored ticket's CRS", e))?;
        let geometry = geojson::Geometry::from_json_value(ticket.area.clone())
            .map_err(|e| ServiceError::internal("reading a stored ticket's area", e))?;
        let area: geo::Geometry<f64> = geometry
            .try_into()
            .map_err(|e| ServiceError::internal("reading a stored ticket's area", e))?;
        let crs84 = Crs::crs84();
        let lonlat = Transformer::new(&crs, &crs84)?.geometry_checked(&area)?;
        let site_wkt = lonlat.wkt_string();
        let site = serde_json::json!({
            "type": "Feature",
            "geometry": geojson::Geometry::from(&lonlat),
            "properties": { "ticket": ticket.id, "buffer_m": ticket.buffer_m },
        });
        let id = &ticket.id;
        let body = Notification {
            event: "ticket.issued",
            ticket: id,
            ticket_type: ticket.ticket_type,
            request: if ticket.ticket_type == Some(undermap_core::TicketType::Orientation) {
                "records"
            } else {
                "mark_or_answer"
            },
            owner: NotifiedOwner {
                id: &row.owner_id,
                name: &row.owner,
            },
            assets: row.assets,
            feature_ids: ticket
                .hits
                .iter()
                .filter(|h| h.owner.as_deref() == Some(row.owner.as_str()) && !h.restricted)
                .map(|h| h.feature_id.as_str())
                .collect(),
            issued_at: ticket.created_at,
            issued_to: ticket.issued_to.as_deref(),
            reference: ticket.reference.as_deref(),
            answer_by: row.answer_by,
            planned_start: ticket.planned_start,
            valid_until: ticket.valid_until,
            site,
            site_wkt,
            depth_m: ticket.depth_m,
            links: Links {
                ticket: format!("/v1/excavation-checks/{id}"),
                status: format!("/v1/excavation-checks/{id}/status"),
                respond: format!("/v1/excavation-checks/{id}/responses"),
            },
        };
        serde_json::to_vec(&body).map_err(|e| ServiceError::internal("writing a notification", e))
    }

    /// Makes one attempt to deliver a notification and records it.
    async fn deliver(&self, client: &reqwest13::Client, row: &TicketOwnerRow) {
        let Some(url) = row.webhook_url.as_deref() else {
            return;
        };
        let attempt = row.attempts + 1;
        let started = Instant::now();
        let at = Utc::now();
        let sent = self.send(client, url, row).await;
        let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let rules = self.app.config().ticket_rules;
        let (status, error) = match &sent {
            Ok(status) if (200..300).contains(status) => (Some(*status), None),
            Ok(status) => (
                Some(*status),
                Some(format!("the endpoint answered {status}")),
            ),
            Err(e) => (None, Some(e.clone())),
        };
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else if attempt >= rules.webhook_max_attempts {
            AttemptOutcome::GiveUp
        } else {
            AttemptOutcome::Retry(Utc::now() + backoff(rules.webhook_first_retry_seconds, attempt))
        };
        let record = AttemptRecord {
            ticket_id: row.ticket_id.clone(),
            owner: row.owner.clone(),
            attempt,
            at,
            status,
            error,
            duration_ms,
        };
        if outcome == AttemptOutcome::Delivered {
            tracing::info!(ticket = %row.ticket_id, owner = %row.owner_id, attempt, "owner notified");
        } else {
            tracing::warn!(
                ticket = %row.ticket_id, owner = %row.owner_id, attempt, error = ?record.error,
                outcome = ?outcome, "owner notification failed"
            );
        }
        if let Err(e) = self.app.store().record_attempt(&record, outcome).await {
            tracing::error!(error = %e, ticket = %row.ticket_id, "logging a notification attempt failed");
        }
    }

    /// POSTs the signed body; the status, or why no answer came.
    async fn send(
        &self,
        client: &reqwest13::Client,
        url: &str,
        row: &TicketOwnerRow,
    ) -> Result<u16, String> {
        let id: undermap_core::TicketId = row.ticket_id.parse().map_err(|e| format!("{e}"))?;
        let stored = self
            .app
            .store()
            .ticket(&id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the ticket is not stored")?;
        let ticket: CheckResponse = serde_json::from_str(&stored).map_err(|e| e.to_string())?;
        let body = self
            .notification_body(row, &ticket)
            .map_err(|e| e.to_string())?;
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, self.app.webhook_signature(&body))
            .header("undermap-ticket", &row.ticket_id)
            .header("undermap-attempt", (row.attempts + 1).to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        Ok(response.status().as_u16())
    }
}

impl Service {
    /// The `undermap-signature` header of a webhook body: the ticket key's signature of its
    /// SHA-256 (owners' notifications and subscriptions' pushes alike).
    pub(crate) fn webhook_signature(&self, body: &[u8]) -> String {
        let signature = self.config().ticket_signer.sign_canonical(body);
        format!(
            "keyid=\"{}\",alg=\"{}\",signature=\"{}\"",
            signature.key_id, signature.alg, signature.value
        )
    }

    /// Sends owed notifications as they fall due, woken after every ticket that owes one and
    /// every few seconds otherwise. Call once, on a Tokio runtime.
    pub fn watch_notifications(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let client = match reqwest13::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest13::redirect::Policy::none())
                .build()
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "no HTTP client: owners' webhooks are not sent");
                    return;
                }
            };
            loop {
                let now = Utc::now();
                match service
                    .store()
                    .claim_notifications(now, now + LEASE, 32)
                    .await
                {
                    Ok(due) if !due.is_empty() => {
                        let owners = service.owners();
                        futures_join(due.iter().map(|row| owners.deliver(&client, row))).await;
                        continue;
                    }
                    Ok(_) => {}
                    Err(undermap_store::StoreError::ReadOnly) => return,
                    Err(e) => tracing::warn!(error = %e, "looking for owed notifications failed"),
                }
                let _ = tokio::time::timeout(POLL, service.notifications_owed().notified()).await;
            }
        });
    }
}

/// Runs the attempts of one round side by side.
async fn futures_join<F: std::future::Future<Output = ()>>(tasks: impl Iterator<Item = F>) {
    let mut set = Vec::new();
    for t in tasks {
        set.push(t);
    }
    futures_util::future::join_all(set).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_back_off_doubling_up_to_an_hour() {
        let s: Vec<i64> = (1..=14).map(|n| backoff(10, n).num_seconds()).collect();
        assert_eq!(&s[..5], [10, 20, 40, 80, 160]);
        assert_eq!(s[13], 3600);
    }

    /// The documented schema names exactly the members a notification has.
    #[test]
    fn the_schema_in_docs_describes_the_notification() {
        let schema: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../docs/owner-notification.schema.json"
        ))
        .unwrap();
        let t = chrono::DateTime::UNIX_EPOCH;
        let n = Notification {
            event: "ticket.issued",
            ticket: "EC-2026-000001",
            ticket_type: Some(undermap_core::TicketType::Dig),
            request: "mark_or_answer",
            owner: NotifiedOwner {
                id: "xs-water",
                name: "水司",
            },
            assets: 1,
            feature_ids: vec!["W-1"],
            issued_at: t,
            issued_to: None,
            reference: None,
            answer_by: t,
            planned_start: None,
            valid_until: None,
            site: serde_json::json!({}),
            site_wkt: "POLYGON EMPTY".into(),
            depth_m: None,
            links: Links {
                ticket: String::new(),
                status: String::new(),
                respond: String::new(),
            },
        };
        let written = serde_json::to_value(&n).unwrap();
        let mut members: Vec<&String> = written.as_object().unwrap().keys().collect();
        let mut documented: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        members.sort();
        documented.sort();
        assert_eq!(members, documented);
        for r in schema["required"].as_array().unwrap() {
            assert!(written.get(r.as_str().unwrap()).is_some(), "{r}");
        }
    }
}
