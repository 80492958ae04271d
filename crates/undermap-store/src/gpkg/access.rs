//! Accounts, keys and the audit chain inside the GeoPackage file (plain tables: GIS clients
//! ignore them; they are not registered in `gpkg_contents`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::GpkgStore;
use crate::access::{
    account, audit_record, key, layers_text, AccountRow, AuditRow, KeyRow, ACCOUNT_COLUMNS,
    AUDIT_COLUMNS, KEY_COLUMNS,
};
use crate::{
    AccessStore, Account, ApiKeyRecord, AuditEvent, AuditQuery, AuditRecord, Result, StoreError,
};

/// The tables, created when missing (files made before they existed get them on open).
pub(crate) const CREATE: &str = r"
CREATE TABLE IF NOT EXISTS undermap_accounts (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role TEXT NOT NULL,
    layers TEXT,
    service INTEGER NOT NULL DEFAULT 0,
    full_name TEXT,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE IF NOT EXISTS undermap_api_keys (
    key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES undermap_accounts (name),
    hash TEXT NOT NULL CHECK (hash LIKE '$argon2id$%'),
    label TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS undermap_audit_log (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    at TEXT NOT NULL,
    actor TEXT,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    entry TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS undermap_audit_log_actor ON undermap_audit_log (actor, seq);
CREATE TRIGGER IF NOT EXISTS undermap_audit_log_no_update BEFORE UPDATE ON undermap_audit_log
BEGIN SELECT RAISE(ABORT, 'undermap_audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS undermap_audit_log_no_delete BEFORE DELETE ON undermap_audit_log
BEGIN SELECT RAISE(ABORT, 'undermap_audit_log is append-only'); END;
";

fn conflict(what: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database {
            context: "writing an account or key",
            source: e,
        },
    }
}

impl GpkgStore {
    fn check_writable(&self) -> Result<()> {
        self.writable().map(|_| ())
    }
}

#[async_trait]
impl AccessStore for GpkgStore {
    async fn add_account(&self, a: &Account) -> Result<()> {
        self.check_writable()?;
        sqlx::query(&format!(
            "INSERT INTO undermap_accounts ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&a.name)
        .bind(&a.role)
        .bind(layers_text(a.layers.as_ref()))
        .bind(a.service)
        .bind(&a.full_name)
        .bind(a.created_at)
        .bind(a.disabled_at)
        .execute(self.pool())
        .await
        .map_err(conflict(format!(
            "an account named {:?} exists already",
            a.name
        )))?;
        Ok(())
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM undermap_accounts ORDER BY name"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::db("reading accounts"))?;
        Ok(rows.into_iter().map(account).collect())
    }

    async fn account(&self, name: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM undermap_accounts WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::db("reading an account"))?;
        Ok(row.map(account))
    }

    async fn set_disabled(&self, name: &str, at: Option<DateTime<Utc>>) -> Result<bool> {
        self.check_writable()?;
        let done = sqlx::query("UPDATE undermap_accounts SET disabled_at = $2 WHERE name = $1")
            .bind(name)
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(StoreError::db("disabling an account"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_key(&self, k: &ApiKeyRecord) -> Result<()> {
        self.check_writable()?;
        sqlx::query(&format!(
            "INSERT INTO undermap_api_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&k.key_id)
        .bind(&k.account)
        .bind(&k.hash)
        .bind(&k.label)
        .bind(k.created_at)
        .bind(k.expires_at)
        .bind(k.revoked_at)
        .execute(self.pool())
        .await
        .map_err(conflict(format!("key {} exists already", k.key_id)))?;
        Ok(())
    }

    async fn key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        let row: Option<KeyRow> = sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM undermap_api_keys WHERE key_id = $1"
        ))
        .bind(key_id)
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::db("reading a key"))?;
        Ok(row.map(key))
    }

    async fn keys(&self, account: Option<&str>) -> Result<Vec<ApiKeyRecord>> {
        let rows: Vec<KeyRow> = sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM undermap_api_keys WHERE $1 IS NULL OR account = $1 \
             ORDER BY created_at DESC, key_id"
        ))
        .bind(account)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::db("reading keys"))?;
        Ok(rows.into_iter().map(key).collect())
    }

    async fn revoke_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<bool> {
        self.check_writable()?;
        let done = sqlx::query(
            "UPDATE undermap_api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL",
        )
        .bind(key_id)
        .bind(at)
        .execute(self.pool())
        .await
        .map_err(StoreError::db("revoking a key"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<i64> {
        // Through the one writer thread that also stores tickets: a second writer on the file
        // would wait for the lock in SQLite's sleeping busy handler (gpkg/tickets.rs).
        self.writable()?.append_audit(events.to_vec()).await
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM undermap_audit_log \
             WHERE seq > $1 AND ($3 IS NULL OR actor = $3) \
             AND ($4 IS NULL OR substr(endpoint, 1, length($4)) = $4) \
             AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
             AND ($7 IS NULL OR status >= $7) \
             ORDER BY seq LIMIT $2"
        ))
        .bind(q.after)
        .bind(q.limit)
        .bind(&q.actor)
        .bind(&q.endpoint)
        .bind(q.since)
        .bind(q.until)
        .bind(q.min_status)
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::db("reading the audit log"))?;
        Ok(rows.into_iter().map(audit_record).collect())
    }
}
