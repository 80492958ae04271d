//! Pushing new events to the subscriptions with a webhook: every few seconds (and when an event
//! is appended) each gets, in one POST, the events after its cursor that it wants, signed as
//! the dig workflow signs its notifications (`undermap-signature`: the ticket key's Ed25519
//! signature of the body's SHA-256). A 2xx moves its cursor past them; anything else leaves it,
//! so the same events go again next round (at least once). A subscription that wants none of
//! the new events has its cursor moved without a POST.

use std::time::Duration;

use serde::Serialize;
use undermap_store::{FeedEvent, Subscription};

use super::wants;
use crate::owners::SIGNATURE_HEADER;
use crate::Service;

/// How long a webhook has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the subscriptions are looked at without a new event.
const POLL: Duration = Duration::from_secs(15);
/// Most events in one POST.
const BATCH: i64 = 100;
/// How old an event must be to be pushed.
const SETTLE: chrono::Duration = chrono::Duration::seconds(2);

/// The body of a push.
#[derive(Debug, Serialize)]
pub struct Push<'a> {
    /// The subscription.
    pub subscription: i64,
    /// Its title.
    pub title: &'a str,
    /// The events it wants, oldest first.
    pub events: Vec<&'a FeedEvent>,
}

impl Service {
    /// Pushes new events to the subscriptions' webhooks. Call once, on a Tokio runtime.
    pub fn watch_subscriptions(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let Ok(client) = reqwest13::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest13::redirect::Policy::none())
                .build()
            else {
                tracing::error!("no HTTP client: subscriptions' webhooks are not sent");
                return;
            };
            loop {
                match service.store().subscriptions(None).await {
                    Ok(subscriptions) => {
                        // Side by side: one webhook that never answers delays only itself.
                        futures_util::future::join_all(
                            subscriptions.iter().map(|s| service.push_to(&client, s)),
                        )
                        .await;
                    }
                    Err(undermap_store::StoreError::ReadOnly) => return,
                    Err(e) => tracing::warn!(error = %e, "reading subscriptions failed"),
                }
                let _ = tokio::time::timeout(POLL, service.subscribers_owed().notified()).await;
                // Let the new event settle before it is pushed.
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }

    async fn push_to(&self, client: &reqwest13::Client, s: &Subscription) {
        let Some(url) = &s.fields.webhook_url else {
            return;
        };
        let events = match self.store().feed_events(Some(s.cursor), BATCH).await {
            Ok(e) if e.is_empty() => return,
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "reading feed events failed");
                return;
            }
        };
        // Only events settled for a few seconds: on PostgreSQL an event's number is taken when
        // it is written and seen when it commits, so a later number may be seen first; moving
        // the cursor past an unseen earlier one would skip it.
        let settled = chrono::Utc::now() - SETTLE;
        let events: Vec<FeedEvent> = events
            .into_iter()
            .take_while(|e| e.event.at <= settled)
            .collect();
        let Some(last) = events.last().map(|e| e.id) else {
            return;
        };
        let wanted: Vec<&FeedEvent> = events.iter().filter(|e| wants(s, &e.event)).collect();
        let outcome = if wanted.is_empty() {
            Ok(s.last_push.clone().unwrap_or_default())
        } else {
            self.post(client, url, s, wanted).await
        };
        let (cursor, note) = match outcome {
            Ok(note) => (last, note),
            Err(note) => {
                tracing::warn!(subscription = s.id, %url, outcome = %note, "a subscription's webhook failed");
                (s.cursor, note)
            }
        };
        if let Err(e) = self.store().pushed(s.id, cursor, &note).await {
            tracing::warn!(error = %e, subscription = s.id, "recording a push failed");
        }
    }

    async fn post(
        &self,
        client: &reqwest13::Client,
        url: &str,
        s: &Subscription,
        events: Vec<&FeedEvent>,
    ) -> Result<String, String> {
        let body = serde_json::to_vec(&Push {
            subscription: s.id,
            title: &s.fields.title,
            events,
        })
        .map_err(|e| e.to_string())?;
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, self.webhook_signature(&body))
            .header("undermap-subscription", s.id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16().to_string())
        } else {
            Err(status.as_u16().to_string())
        }
    }
}
