//! Accounts, keys and the audit chain inside the GeoPackage file (plain tables: GIS clients
//! ignore them; they are not registered in `gpkg_contents`). The tables and the statements on
//! them are PostGIS's ([`crate::access::sql`]); only the DDL and the audit writer are SQLite's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{GpkgError, GpkgStore};
use crate::access::sql::{self, conflict};
use crate::access::{account, audit_record, key, layers_text, AccountRow, AuditRow, KeyRow};
use crate::{AccessStore, Account, ApiKeyRecord, AuditEvent, AuditQuery, AuditRecord, Result};

/// The tables, created when missing (files made before they existed get them on open).
pub(crate) const CREATE: &str = r"
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role TEXT NOT NULL,
    layers TEXT,
    service INTEGER NOT NULL DEFAULT 0,
    full_name TEXT,
    created_at TEXT NOT NULL,
    disabled_at TEXT,
    unit_code TEXT CHECK (unit_code IS NULL OR length(unit_code) = 18)
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (name),
    hash TEXT NOT NULL CHECK (hash LIKE '$argon2id$%'),
    label TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_account ON api_keys (account);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    at TEXT NOT NULL,
    actor TEXT,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    entry TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor, seq);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
";

/// Files written before the access tables had their PostGIS names kept them as
/// `undermap_accounts`, `undermap_api_keys` and `undermap_audit_log`: renamed in place (SQLite
/// rewrites the key table's reference to the accounts), their old index and triggers dropped so
/// that [`CREATE`] makes them under the new names. The rows, and so the chain, are untouched.
pub(crate) const RENAME_OLD: &str = r"
ALTER TABLE undermap_accounts RENAME TO accounts;
ALTER TABLE undermap_api_keys RENAME TO api_keys;
DROP TRIGGER IF EXISTS undermap_audit_log_no_update;
DROP TRIGGER IF EXISTS undermap_audit_log_no_delete;
DROP INDEX IF EXISTS undermap_audit_log_actor;
ALTER TABLE undermap_audit_log RENAME TO audit_log;
";

fn taken(what: String) -> impl FnOnce(sqlx::Error) -> crate::StoreError {
    conflict(what, GpkgError::db("writing an account or key"))
}

impl GpkgStore {
    /// Reads need nothing first: the file is open.
    #[allow(clippy::unnecessary_wraps, clippy::unused_self)]
    pub(crate) fn ready(&self) -> Result<()> {
        Ok(())
    }

    pub(crate) fn check_writable(&self) -> Result<()> {
        self.writable().map(|_| ())
    }
}

#[async_trait]
impl AccessStore for GpkgStore {
    async fn add_account(&self, a: &Account) -> Result<()> {
        self.check_writable()?;
        sqlx::query(sql::INSERT_ACCOUNT)
            .bind(&a.name)
            .bind(&a.role)
            .bind(layers_text(a.layers.as_ref()))
            .bind(a.service)
            .bind(&a.full_name)
            .bind(a.created_at)
            .bind(a.disabled_at)
            .bind(&a.unit_code)
            .execute(self.pool())
            .await
            .map_err(taken(format!(
                "an account named {:?} exists already",
                a.name
            )))?;
        Ok(())
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(sql::ACCOUNTS)
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("reading accounts"))?;
        Ok(rows.into_iter().map(account).collect())
    }

    async fn account(&self, name: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> = sqlx::query_as(sql::ACCOUNT)
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(GpkgError::db("reading an account"))?;
        Ok(row.map(account))
    }

    async fn set_disabled(&self, name: &str, at: Option<DateTime<Utc>>) -> Result<bool> {
        self.check_writable()?;
        let done = sqlx::query(sql::SET_DISABLED)
            .bind(name)
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(GpkgError::db("disabling an account"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_key(&self, k: &ApiKeyRecord) -> Result<()> {
        self.check_writable()?;
        sqlx::query(sql::INSERT_KEY)
            .bind(&k.key_id)
            .bind(&k.account)
            .bind(&k.hash)
            .bind(&k.label)
            .bind(k.created_at)
            .bind(k.expires_at)
            .bind(k.revoked_at)
            .execute(self.pool())
            .await
            .map_err(taken(format!("key {} exists already", k.key_id)))?;
        Ok(())
    }

    async fn key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        let row: Option<KeyRow> = sqlx::query_as(sql::KEY)
            .bind(key_id)
            .fetch_optional(self.pool())
            .await
            .map_err(GpkgError::db("reading a key"))?;
        Ok(row.map(key))
    }

    async fn keys(&self, account: Option<&str>) -> Result<Vec<ApiKeyRecord>> {
        let rows: Vec<KeyRow> = sqlx::query_as(sql::KEYS)
            .bind(account)
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("reading keys"))?;
        Ok(rows.into_iter().map(key).collect())
    }

    async fn revoke_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<bool> {
        self.check_writable()?;
        let done = sqlx::query(sql::REVOKE_KEY)
            .bind(key_id)
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(GpkgError::db("revoking a key"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<i64> {
        // Through the one writer thread that also stores tickets: a second writer on the file
        // would wait for the lock in SQLite's sleeping busy handler (gpkg/tickets.rs).
        self.writable()?.append_audit(events.to_vec()).await
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = sqlx::query_as(sql::AUDIT)
            .bind(q.after)
            .bind(q.limit)
            .bind(&q.actor)
            .bind(&q.endpoint)
            .bind(q.since)
            .bind(q.until)
            .bind(q.min_status)
            .fetch_all(self.pool())
            .await
            .map_err(GpkgError::db("reading the audit log"))?;
        Ok(rows.into_iter().map(audit_record).collect())
    }
}
