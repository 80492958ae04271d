//! Who may use the service and what they did: accounts, API keys (only their Argon2id hashes)
//! and the append-only audit log whose entries are chained by SHA-256. Both backends keep these
//! in the same database as the map, behind [`AccessStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::Result;

pub(crate) mod sql;

/// A person or a service account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// Login name (lowercase, `[a-z0-9._@-]`).
    pub name: String,
    /// Role name (`admin`, `archivist`, `planner`, `contractor`, `emergency`, `public`, or one
    /// defined in the settings).
    pub role: String,
    /// Layers this account is limited to, on top of its role; `None`: the role's layers.
    pub layers: Option<Vec<String>>,
    /// A machine (an integration, a GIS server) rather than a person.
    pub service: bool,
    /// Full name or description.
    pub full_name: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Since when it is disabled; a disabled account's keys are refused.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The construction unit (unified social credit code) the account acts for: a
    /// `construction_unit` account sees only that unit's projects and record.
    pub unit_code: Option<String>,
}

/// One API key: the hash of the secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKeyRecord {
    /// The public part of the key (`um_<key_id>_…`), by which it is looked up.
    pub key_id: String,
    /// The account it belongs to.
    pub account: String,
    /// Argon2id hash in PHC string format.
    #[serde(skip)]
    pub hash: String,
    /// What it is for.
    pub label: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An event to append to the audit log. `entry` is its canonical JSON, which the chain hash
/// covers; the other fields repeat parts of it for filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who (an account name), if known.
    pub actor: Option<String>,
    /// What was asked (`GET /v1/features/{id}`: the route pattern).
    pub endpoint: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The whole entry as canonical JSON.
    pub entry: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Option<String>,
    /// What was asked.
    pub endpoint: String,
    /// The HTTP status answered.
    pub status: i32,
    /// The entry's canonical JSON.
    pub entry: String,
    /// Hash of the previous entry ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// `SHA-256(prev_hash ‖ seq ‖ entry)`, hex.
    pub hash: String,
}

/// Which audit entries to read, in `seq` order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries after this `seq`.
    pub after: i64,
    /// At most this many.
    pub limit: i64,
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only endpoints starting with this.
    pub endpoint: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only entries with this status or higher (400: refusals and errors).
    pub min_status: Option<i32>,
}

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash that chains an entry to the one before it.
///
/// ```
/// use undermap_store::{chain_hash, GENESIS};
/// let first = chain_hash(GENESIS, 1, "{}");
/// assert_eq!(first.len(), 64);
/// assert_ne!(first, chain_hash(GENESIS, 2, "{}"));
/// ```
#[must_use]
pub fn chain_hash(prev_hash: &str, seq: i64, entry: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(entry.as_bytes());
    hex::encode(h.finalize())
}

/// Links `events` onto a chain that ends at (`last_seq`, `last_hash`).
pub(crate) fn link(
    last_seq: i64,
    last_hash: &str,
    events: &[AuditEvent],
) -> Vec<(i64, String, String)> {
    let mut prev = last_hash.to_owned();
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let seq = last_seq + 1 + i64::try_from(i).unwrap_or(i64::MAX - last_seq - 1);
            let hash = chain_hash(&prev, seq, &e.entry);
            let prev_hash = std::mem::replace(&mut prev, hash.clone());
            (seq, prev_hash, hash)
        })
        .collect()
}

/// Accounts, keys and the audit log. Writes are atomic; audit entries are never changed.
#[async_trait]
pub trait AccessStore: Send + Sync + std::fmt::Debug {
    /// What this process knows of the store's reachability (see [`crate::Store::health`]).
    fn health(&self) -> Option<std::sync::Arc<crate::StoreHealth>> {
        None
    }

    /// Adds an account; fails with [`crate::StoreError::Conflict`] if the name is taken.
    async fn add_account(&self, account: &Account) -> Result<()>;

    /// Every account, by name.
    async fn accounts(&self) -> Result<Vec<Account>>;

    /// One account.
    async fn account(&self, name: &str) -> Result<Option<Account>>;

    /// Disables (`Some(time)`) or enables (`None`) an account; `false` if there is none.
    async fn set_disabled(&self, name: &str, at: Option<DateTime<Utc>>) -> Result<bool>;

    /// Adds a key (its hash); fails if the key id exists.
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<()>;

    /// One key by its id.
    async fn key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>>;

    /// Every key, or one account's, newest first.
    async fn keys(&self, account: Option<&str>) -> Result<Vec<ApiKeyRecord>>;

    /// Revokes a key; `false` if there is no such key or it was revoked already.
    async fn revoke_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<bool>;

    /// Appends events to the chain in one transaction (serialised across processes) and returns
    /// the last `seq` written.
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<i64>;

    /// Reads entries in `seq` order.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>>;
}

/// Account names: what the store's CHECK constraint accepts.
#[must_use]
pub fn valid_account_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._@-".contains(c))
}

/// Layers of an account as stored (comma-separated) and back.
pub(crate) fn layers_text(layers: Option<&Vec<String>>) -> Option<String> {
    layers.map(|l| l.join(","))
}

pub(crate) fn layers_list(text: Option<String>) -> Option<Vec<String>> {
    text.map(|t| {
        t.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

// Rows as both backends read them.

pub(crate) type AccountRow = (
    String,
    String,
    Option<String>,
    bool,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<String>,
);

pub(crate) fn account(row: AccountRow) -> Account {
    Account {
        name: row.0,
        role: row.1,
        layers: layers_list(row.2),
        service: row.3,
        full_name: row.4,
        created_at: row.5,
        disabled_at: row.6,
        unit_code: row.7,
    }
}

pub(crate) type KeyRow = (
    String,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

pub(crate) fn key(row: KeyRow) -> ApiKeyRecord {
    ApiKeyRecord {
        key_id: row.0,
        account: row.1,
        hash: row.2,
        label: row.3,
        created_at: row.4,
        expires_at: row.5,
        revoked_at: row.6,
    }
}

pub(crate) type AuditRow = (
    i64,
    DateTime<Utc>,
    Option<String>,
    String,
    i32,
    String,
    String,
    String,
);

pub(crate) fn audit_record(r: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        at: r.1,
        actor: r.2,
        endpoint: r.3,
        status: r.4,
        entry: r.5,
        prev_hash: r.6,
        hash: r.7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linking_continues_the_chain() {
        let e = |s: &str| AuditEvent {
            at: DateTime::UNIX_EPOCH,
            actor: None,
            endpoint: "GET /".into(),
            status: 200,
            entry: s.into(),
        };
        let links = link(0, GENESIS, &[e("a"), e("b")]);
        assert_eq!(links[0].0, 1);
        assert_eq!(links[0].1, GENESIS);
        assert_eq!(links[1].1, links[0].2);
        assert_eq!(links[1].2, chain_hash(&links[0].2, 2, "b"));
        let more = link(2, &links[1].2, &[e("c")]);
        assert_eq!(more[0].0, 3);
        assert_eq!(more[0].1, links[1].2);
    }

    #[test]
    fn account_names() {
        assert!(valid_account_name("wang.li@water"));
        assert!(!valid_account_name("Wang"));
        assert!(!valid_account_name(""));
        assert!(!valid_account_name("a'; DROP TABLE users;--"));
    }
}
