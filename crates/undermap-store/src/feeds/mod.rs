//! Subscriptions and what they are told, in both stores: every new delivery, project, file or
//! field report is appended to `feed_events` (kind, layer or category, extent, title, link);
//! a subscription names the kinds, layers, categories and box it wants, a feed key (kept as its
//! SHA-256) for its Atom feed and, optionally, a webhook with the last event pushed to it. The
//! statements are the same for both backends ([`feeds_store!`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;

/// Something new, for the subscriptions that want it (serialised as a webhook sends it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFeedEvent {
    /// `delivery`, `project`, `file` or `field_report`.
    pub kind: String,
    /// The layer (deliveries, field reports on an asset).
    pub layer: Option<String>,
    /// The project or file category.
    pub category: Option<String>,
    /// The construction unit of the project it is about (projects and files).
    #[serde(skip)]
    pub unit: Option<String>,
    /// A file's access level.
    #[serde(skip)]
    pub access: Option<String>,
    /// Where (min x, min y, max x, max y, deployment CRS).
    pub extent: Option<[f64; 4]>,
    /// A line for a reader.
    pub title: String,
    /// What happened, in a sentence or two.
    pub summary: String,
    /// The API path of what it is about.
    pub link: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedEvent {
    /// Its number, in the order events were appended.
    pub id: i64,
    /// What it is.
    #[serde(flatten)]
    pub event: NewFeedEvent,
}

/// A subscription to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubscription {
    /// What it asks for, whose it is, when it was made.
    pub fields: SubscriptionOut,
    /// The SHA-256 of its feed key.
    pub key_hash: String,
    /// The last event when it was made: a webhook gets what comes after.
    pub cursor: i64,
    /// What the subscriber may see (JSON, the service's), which its feed never exceeds.
    pub reach: String,
}

/// A stored subscription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    /// Its number.
    pub id: i64,
    /// What was stored (the key's hash is not serialised).
    #[serde(flatten)]
    pub fields: SubscriptionOut,
    /// The last event pushed to its webhook.
    pub cursor: i64,
    /// How its webhook last answered (`200`, or why it did not).
    pub last_push: Option<String>,
    /// What the subscriber may see (JSON, the service's).
    #[serde(skip)]
    pub reach: String,
}

/// A stored subscription's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionOut {
    /// Whose.
    pub account: String,
    /// Its title.
    pub title: String,
    /// The kinds wanted.
    pub kinds: Vec<String>,
    /// The layers wanted.
    pub layers: Vec<String>,
    /// The categories wanted.
    pub categories: Vec<String>,
    /// The box wanted (deployment CRS).
    pub bbox: Option<[f64; 4]>,
    /// The webhook.
    pub webhook_url: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Events and subscriptions.
#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Appends an event; its number.
    async fn add_feed_event(&self, event: &NewFeedEvent) -> Result<i64>;

    /// Events after `after` (oldest first) or, without it, the newest (newest first); at most
    /// `limit`.
    async fn feed_events(&self, after: Option<i64>, limit: i64) -> Result<Vec<FeedEvent>>;

    /// The number of the last event (0 without any).
    async fn last_feed_event(&self) -> Result<i64>;

    /// Stores a subscription; its number.
    async fn add_subscription(&self, s: &NewSubscription) -> Result<i64>;

    /// An account's subscriptions, or (`None`) every one with a webhook
    /// ([`crate::StoreError::ReadOnly`] on a read-only store: nothing is pushed from a copy).
    async fn subscriptions(&self, account: Option<&str>) -> Result<Vec<Subscription>>;

    /// The subscription whose feed key has this SHA-256.
    async fn subscription_by_key(&self, key_hash: &str) -> Result<Option<Subscription>>;

    /// Deletes an account's subscription; whether there was one.
    async fn delete_subscription(&self, id: i64, account: &str) -> Result<bool>;

    /// Records a push to a webhook: the cursor moves to `cursor` (when it delivered) and the
    /// outcome is kept.
    async fn pushed(&self, id: i64, cursor: i64, outcome: &str) -> Result<()>;
}

pub(crate) const ADD_EVENT: &str = "INSERT INTO feed_events (kind, layer, category, min_x, min_y, \
     max_x, max_y, title, summary, link, at, unit_code, access) VALUES ($1, $2, $3, $4, $5, $6, \
     $7, $8, $9, $10, $11, $12, $13) RETURNING id";
const EVENT_COLUMNS: &str = "id, kind, layer, category, min_x, min_y, max_x, max_y, title, \
     summary, link, at, unit_code, access";
pub(crate) static EVENTS_AFTER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {EVENT_COLUMNS} FROM feed_events WHERE id > $1 ORDER BY id LIMIT $2")
});
pub(crate) static EVENTS_NEWEST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {EVENT_COLUMNS} FROM feed_events ORDER BY id DESC LIMIT $1")
});
pub(crate) const LAST_EVENT: &str = "SELECT COALESCE(max(id), 0) FROM feed_events";
pub(crate) const ADD_SUBSCRIPTION: &str = "INSERT INTO subscriptions (account, title, kinds, \
     layers, categories, min_x, min_y, max_x, max_y, key_hash, webhook_url, created_at, cursor, \
     reach) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
const SUBSCRIPTION_COLUMNS: &str = "id, account, title, kinds, layers, categories, min_x, min_y, \
     max_x, max_y, webhook_url, created_at, cursor, last_push, reach";
pub(crate) static OF_ACCOUNT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE account = $1 ORDER BY id")
});
pub(crate) static WITH_WEBHOOK: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE webhook_url IS NOT NULL ORDER BY id"
    )
});
pub(crate) static BY_KEY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE key_hash = $1")
});
pub(crate) const DELETE: &str = "DELETE FROM subscriptions WHERE id = $1 AND account = $2";
pub(crate) const PUSHED: &str =
    "UPDATE subscriptions SET cursor = max_cursor($2, cursor), last_push = $3 WHERE id = $1";

/// An event row.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: i64,
    kind: String,
    layer: Option<String>,
    category: Option<String>,
    min_x: Option<f64>,
    min_y: Option<f64>,
    max_x: Option<f64>,
    max_y: Option<f64>,
    title: String,
    summary: String,
    link: String,
    at: DateTime<Utc>,
    unit_code: Option<String>,
    access: Option<String>,
}

pub(crate) fn event(r: EventRow) -> FeedEvent {
    let extent = match (r.min_x, r.min_y, r.max_x, r.max_y) {
        (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
        _ => None,
    };
    FeedEvent {
        id: r.id,
        event: NewFeedEvent {
            kind: r.kind,
            layer: r.layer,
            category: r.category,
            extent,
            title: r.title,
            summary: r.summary,
            link: r.link,
            at: r.at,
            unit: r.unit_code,
            access: r.access,
        },
    }
}

/// A subscription row.
#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    id: i64,
    account: String,
    title: String,
    kinds: String,
    layers: String,
    categories: String,
    min_x: Option<f64>,
    min_y: Option<f64>,
    max_x: Option<f64>,
    max_y: Option<f64>,
    webhook_url: Option<String>,
    created_at: DateTime<Utc>,
    cursor: i64,
    last_push: Option<String>,
    reach: String,
}

fn list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn list_text(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn subscription(r: SubscriptionRow) -> Subscription {
    let bbox = match (r.min_x, r.min_y, r.max_x, r.max_y) {
        (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
        _ => None,
    };
    Subscription {
        id: r.id,
        fields: SubscriptionOut {
            account: r.account,
            title: r.title,
            kinds: list(&r.kinds),
            layers: list(&r.layers),
            categories: list(&r.categories),
            bbox,
            webhook_url: r.webhook_url,
            created_at: r.created_at,
        },
        cursor: r.cursor,
        last_push: r.last_push,
        reach: r.reach,
    }
}

/// [`FeedStore`] for one backend: `feeds_store!(PgStore, pool, PgError::db, up, up, "GREATEST")`
/// (the larger of two numbers: `GREATEST` in PostgreSQL, `max` in SQLite).
macro_rules! feeds_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident, $greatest:literal) => {
        #[async_trait::async_trait]
        impl $crate::feeds::FeedStore for $store {
            async fn add_feed_event(&self, e: &$crate::feeds::NewFeedEvent) -> $crate::Result<i64> {
                use $crate::feeds as q;
                self.$before_write()?;
                let x = |i: usize| e.extent.map(|b| b[i]);
                sqlx::query_scalar(q::ADD_EVENT)
                    .bind(&e.kind)
                    .bind(&e.layer)
                    .bind(&e.category)
                    .bind(x(0))
                    .bind(x(1))
                    .bind(x(2))
                    .bind(x(3))
                    .bind(&e.title)
                    .bind(&e.summary)
                    .bind(&e.link)
                    .bind(e.at)
                    .bind(&e.unit)
                    .bind(&e.access)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($db("recording a feed event"))
            }

            async fn feed_events(
                &self,
                after: Option<i64>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::feeds::FeedEvent>> {
                use $crate::feeds as q;
                self.$before_read()?;
                let rows: Vec<q::EventRow> = match after {
                    Some(a) => sqlx::query_as(&q::EVENTS_AFTER).bind(a).bind(limit),
                    None => sqlx::query_as(&q::EVENTS_NEWEST).bind(limit),
                }
                .fetch_all(self.$pool())
                .await
                .map_err($db("reading feed events"))?;
                Ok(rows.into_iter().map(q::event).collect())
            }

            async fn last_feed_event(&self) -> $crate::Result<i64> {
                self.$before_read()?;
                sqlx::query_scalar($crate::feeds::LAST_EVENT)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($db("reading feed events"))
            }

            async fn add_subscription(
                &self,
                s: &$crate::feeds::NewSubscription,
            ) -> $crate::Result<i64> {
                use $crate::feeds as q;
                self.$before_write()?;
                let f = &s.fields;
                let x = |i: usize| f.bbox.map(|b| b[i]);
                sqlx::query_scalar(q::ADD_SUBSCRIPTION)
                    .bind(&f.account)
                    .bind(&f.title)
                    .bind(q::list_text(&f.kinds))
                    .bind(q::list_text(&f.layers))
                    .bind(q::list_text(&f.categories))
                    .bind(x(0))
                    .bind(x(1))
                    .bind(x(2))
                    .bind(x(3))
                    .bind(&s.key_hash)
                    .bind(&f.webhook_url)
                    .bind(f.created_at)
                    .bind(s.cursor)
                    .bind(&s.reach)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($db("storing a subscription"))
            }

            async fn subscriptions(
                &self,
                account: Option<&str>,
            ) -> $crate::Result<Vec<$crate::feeds::Subscription>> {
                use $crate::feeds as q;
                // The webhooks' list is the pusher's, which moves cursors: a read-only store
                // (a site copy) answers ReadOnly, and its pusher stops.
                if account.is_none() {
                    self.$before_write()?;
                }
                self.$before_read()?;
                let rows: Vec<q::SubscriptionRow> = match account {
                    Some(a) => sqlx::query_as(&q::OF_ACCOUNT).bind(a.to_owned()),
                    None => sqlx::query_as(&q::WITH_WEBHOOK),
                }
                .fetch_all(self.$pool())
                .await
                .map_err($db("reading subscriptions"))?;
                Ok(rows.into_iter().map(q::subscription).collect())
            }

            async fn subscription_by_key(
                &self,
                key_hash: &str,
            ) -> $crate::Result<Option<$crate::feeds::Subscription>> {
                use $crate::feeds as q;
                self.$before_read()?;
                let row: Option<q::SubscriptionRow> = sqlx::query_as(&q::BY_KEY)
                    .bind(key_hash)
                    .fetch_optional(self.$pool())
                    .await
                    .map_err($db("reading a subscription"))?;
                Ok(row.map(q::subscription))
            }

            async fn delete_subscription(&self, id: i64, account: &str) -> $crate::Result<bool> {
                self.$before_write()?;
                let done = sqlx::query($crate::feeds::DELETE)
                    .bind(id)
                    .bind(account)
                    .execute(self.$pool())
                    .await
                    .map_err($db("deleting a subscription"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn pushed(&self, id: i64, cursor: i64, outcome: &str) -> $crate::Result<()> {
                self.$before_write()?;
                sqlx::query(&$crate::feeds::PUSHED.replace("max_cursor", $greatest))
                    .bind(id)
                    .bind(cursor)
                    .bind(outcome)
                    .execute(self.$pool())
                    .await
                    .map_err($db("recording a push"))?;
                Ok(())
            }
        }
    };
}
pub(crate) use feeds_store;
