//! Subscriptions (proactive push): a user or a system names the kinds (deliveries, projects,
//! files, field reports), layers, categories and box it wants; what is new there appears in
//! an Atom feed read by the subscription's key alone (RFC 4287, [`atom`]) and, with a webhook,
//! is POSTed signed as the dig workflow signs its notifications ([`push`]). Every new thing is
//! appended once to the store's `feed_events` ([`Subscriptions::publish`]); a subscription
//! reads them through its filter ([`wants`]).

mod atom;
mod push;
mod reach;

use chrono::Utc;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use undermap_store::{FeedEvent, NewFeedEvent, NewSubscription, Subscription};

use crate::{Service, ServiceError};

pub use atom::FEED_MEDIA_TYPE;
pub use reach::Reach;

/// The kinds of event a subscription may want.
pub const KINDS: [&str; 4] = ["delivery", "project", "file", "field_report"];
/// Most subscriptions one account keeps.
pub const MAX_PER_ACCOUNT: usize = 50;
/// Most entries a feed shows (the newest).
pub const FEED_ENTRIES: usize = 100;
/// Events read to fill a feed: a subscription narrower than the whole city sees fewer.
const FEED_WINDOW: i64 = 5_000;

/// A subscription as a client makes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    /// Its title (the feed's).
    pub title: String,
    /// The kinds wanted (default: every kind).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The layers wanted, for deliveries and field reports (default: any).
    #[serde(default)]
    pub layers: Vec<String>,
    /// The project or file categories wanted, for projects and files (default: any).
    #[serde(default)]
    pub categories: Vec<String>,
    /// `[min x, min y, max x, max y]` in `bbox_crs` (default: everywhere).
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
    /// CRS of `bbox`; default `OGC:CRS84`.
    #[serde(default)]
    pub bbox_crs: Option<String>,
    /// Where new events are POSTed, signed.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// A subscription just made: its record and its feed key (shown once; only its SHA-256 is kept).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Made {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: Subscription,
    /// The key of its feed.
    pub feed_key: String,
    /// Its feed's path.
    pub feed: String,
}

/// The SHA-256 of a feed key, as stored.
fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `s` wants `e` and its subscriber may be told of it ([`Reach`]): its kind, its layer
/// or category, and a box that meets its extent (an event without an extent is wanted only by
/// subscriptions without a box).
#[must_use]
pub fn wants(s: &Subscription, e: &NewFeedEvent) -> bool {
    Reach::parse(&s.reach).is_some_and(|r| r.sees(e)) && asked(s, e)
}

/// Whether `e` is what `s` asks for.
fn asked(s: &Subscription, e: &NewFeedEvent) -> bool {
    let f = &s.fields;
    let listed = |list: &[String], value: &Option<String>| {
        list.is_empty() || value.as_ref().is_some_and(|v| list.contains(v))
    };
    (f.kinds.is_empty() || f.kinds.contains(&e.kind))
        && match e.kind.as_str() {
            "delivery" | "field_report" => listed(&f.layers, &e.layer),
            _ => listed(&f.categories, &e.category),
        }
        && match (f.bbox, e.extent) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(b), Some(x)) => x[2] >= b[0] && x[3] >= b[1] && x[0] <= b[2] && x[1] <= b[3],
        }
}

/// A webhook of a subscriber outside the archive office must reach a public address: the
/// server does not POST into its own network for anyone who may read the map (a loopback,
/// private, link-local or unique-local address, as written or as the name resolves, is
/// refused).
async fn public_host(url: &str) -> Result<(), ServiceError> {
    let refuse = |why: &str| {
        Err(ServiceError::unprocessable(
            "webhook_url",
            format!("{why}: a subscription's webhook must be a public address"),
        ))
    };
    let Ok(parsed) = url::Url::parse(url) else {
        return refuse("not a URL");
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<std::net::IpAddr> = match parsed.host() {
        Some(url::Host::Ipv4(a)) => vec![a.into()],
        Some(url::Host::Ipv6(a)) => vec![a.into()],
        Some(url::Host::Domain(d)) => {
            let lookup = tokio::net::lookup_host((d, port));
            match tokio::time::timeout(std::time::Duration::from_secs(2), lookup).await {
                Ok(Ok(found)) => found.map(|s| s.ip()).collect(),
                _ => return refuse(&format!("{d} does not resolve")),
            }
        }
        None => return refuse("no host"),
    };
    let internal = |ip: &std::net::IpAddr| match ip {
        std::net::IpAddr::V4(a) => {
            a.is_loopback() || a.is_private() || a.is_link_local() || a.is_unspecified()
        }
        std::net::IpAddr::V6(a) => {
            a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
    };
    if addresses.is_empty() || addresses.iter().any(internal) {
        return refuse("an address of the server's own network");
    }
    Ok(())
}

/// Subscriptions: `service.subscriptions()`.
#[derive(Debug, Clone, Copy)]
pub struct Subscriptions<'a> {
    app: &'a Service,
}

impl Service {
    /// Subscriptions, their feeds and webhooks.
    #[must_use]
    pub fn subscriptions(&self) -> Subscriptions<'_> {
        Subscriptions { app: self }
    }
}

impl Subscriptions<'_> {
    /// Makes a subscription for `account`, who reads the archive as `reader` and the map
    /// through `view`: what it will be told never exceeds that.
    pub async fn create(
        &self,
        input: SubscriptionInput,
        account: &str,
        reader: &crate::archive::Reader,
        view: &undermap_core::View,
    ) -> Result<Made, ServiceError> {
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(ServiceError::unprocessable(
                "title",
                "give 1 to 200 characters",
            ));
        }
        undermap_core::text::plain("title", title)?;
        for k in &input.kinds {
            if !KINDS.contains(&k.as_str()) {
                return Err(ServiceError::unprocessable(
                    "kinds",
                    format!("unknown kind {k:?}: give {}", KINDS.join(", ")),
                ));
            }
        }
        if !input.layers.is_empty() {
            self.app.known_layers(&input.layers)?;
        }
        let catalogue = &self.app.config().archive.catalogue;
        for c in &input.categories {
            let known = catalogue.project_categories.iter().any(|p| &p.code == c)
                || catalogue.file_categories.iter().any(|f| &f.code == c);
            if !known {
                return Err(ServiceError::unprocessable(
                    "categories",
                    format!("unknown project or file category {c:?} (GET /v1/archive/categories)"),
                ));
            }
        }
        let bbox = input
            .bbox
            .map(|b| {
                let text = format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
                self.app.archive().bbox(&text, input.bbox_crs.as_deref())
            })
            .transpose()?;
        let webhook_url = input
            .webhook_url
            .as_deref()
            .map(crate::owners::webhook)
            .transpose()?;
        if let (Some(url), false) = (&webhook_url, reader.keeper) {
            public_host(url).await?;
        }
        let store = self.app.store();
        if store.subscriptions(Some(account)).await?.len() >= MAX_PER_ACCOUNT {
            return Err(ServiceError::Conflict(format!(
                "account {account} has {MAX_PER_ACCOUNT} subscriptions: delete one first"
            )));
        }
        let mut bytes = [0_u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let feed_key = hex::encode(bytes);
        let new = NewSubscription {
            fields: undermap_store::SubscriptionOut {
                account: account.to_owned(),
                title: title.to_owned(),
                kinds: input.kinds,
                layers: input.layers,
                categories: input.categories,
                bbox,
                webhook_url,
                created_at: Utc::now(),
            },
            key_hash: key_hash(&feed_key),
            cursor: store.last_feed_event().await?,
            reach: serde_json::to_string(&Reach::of(
                reader,
                view,
                &self
                    .app
                    .index()
                    .snapshot()
                    .layer_stats()
                    .iter()
                    .map(|l| l.info.id.clone())
                    .collect::<Vec<_>>(),
            ))
            .unwrap_or_else(|_| "{}".into()),
        };
        let id = store.add_subscription(&new).await?;
        let subscription = Subscription {
            id,
            fields: new.fields,
            cursor: new.cursor,
            last_push: None,
            reach: new.reach,
        };
        Ok(Made {
            subscription,
            feed: format!("/v1/feeds/{feed_key}"),
            feed_key,
        })
    }

    /// An account's subscriptions.
    pub async fn list(&self, account: &str) -> Result<Vec<Subscription>, ServiceError> {
        Ok(self.app.store().subscriptions(Some(account)).await?)
    }

    /// Deletes an account's subscription (its feed key stops working).
    pub async fn delete(&self, id: i64, account: &str) -> Result<(), ServiceError> {
        if self.app.store().delete_subscription(id, account).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound {
                what: format!("subscription {id}"),
            })
        }
    }

    /// The newest events (at most [`FEED_ENTRIES`]) the subscription with this feed key wants,
    /// newest first.
    pub async fn feed(&self, key: &str) -> Result<(Subscription, Vec<FeedEvent>), ServiceError> {
        let unknown = || ServiceError::NotFound {
            what: "feed (the key is wrong, or its subscription was deleted)".into(),
        };
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let store = self.app.store();
        let s = store
            .subscription_by_key(&key_hash(key))
            .await?
            .ok_or_else(unknown)?;
        let events = store
            .feed_events(None, FEED_WINDOW)
            .await?
            .into_iter()
            .filter(|e| wants(&s, &e.event))
            .take(FEED_ENTRIES)
            .collect();
        Ok((s, events))
    }

    /// The Atom document of a feed, its links made on `base` (`https://host`), and whose
    /// subscription it is.
    pub async fn atom(&self, key: &str, base: &str) -> Result<(String, String), ServiceError> {
        let (s, events) = self.feed(key).await?;
        let document = atom::document(&s, &events, base, key);
        Ok((s.fields.account, document))
    }

    /// Appends something new for the subscriptions; a failure is logged, not the caller's:
    /// what happened has happened.
    pub(crate) async fn publish(&self, event: NewFeedEvent) {
        if let Err(e) = self.app.store().add_feed_event(&event).await {
            tracing::warn!(error = %e, kind = %event.kind, link = %event.link, "a feed event was not recorded");
        } else {
            self.app.subscribers_owed().notify_one();
        }
    }
}

#[cfg(test)]
mod tests;
